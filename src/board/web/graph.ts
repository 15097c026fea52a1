/// <reference lib="dom" />
/**
 * The graphs dashboard: the run's GraphDef laid out by dagre (inputs below, outputs above, as
 * TensorBoard), scopes collapsed into boxes. Click a scope to expand it, an expanded scope's
 * title to collapse it, a node to see its op, device, inputs, attributes and output shapes.
 * Wheel to zoom, drag to pan.
 */
import dagre, { type Edge } from "@dagrejs/dagre";
import type { GraphNodeInfo, GraphResponse } from "../api_types.js";
import { getJson } from "./api.js";
import { h, s } from "./dom.js";
import { GraphHierarchy, type GraphView, inputNode } from "./graph_model.js";
import type { BoardState, Panel } from "./state.js";

const CHAR_W = 6.6;
const BOX_H = 26;

interface Layout {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

function layout(view: GraphView): Layout {
  const g = new dagre.graphlib.Graph({ compound: true });
  g.setGraph({ rankdir: "BT", nodesep: 18, ranksep: 36, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const c of view.clusters) g.setNode(c.id, { label: c.label, paddingTop: 24 });
  for (const u of view.units) {
    const text = u.kind === "scope" ? `${u.label} (${u.count})` : u.label;
    g.setNode(u.id, { width: Math.max(60, text.length * CHAR_W + 20), height: BOX_H });
  }
  for (const c of view.clusters) if (c.parent) g.setParent(c.id, c.parent);
  for (const u of view.units) if (u.parent) g.setParent(u.id, u.parent);
  for (const e of view.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const id of g.nodes()) {
    const n = g.node(id);
    nodes.set(id, { x: n.x, y: n.y, width: n.width, height: n.height });
  }
  const edges = g
    .edges()
    .map((e: Edge) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  const gl = g.graph();
  return { nodes, edges, width: gl.width ?? 0, height: gl.height ?? 0 };
}

export class GraphPanel implements Panel {
  readonly el = h("div", { class: "graph-wrap" });
  readonly controls: HTMLElement;
  private readonly runSelect = h("select", { id: "graph-run" });
  private readonly svg = s("svg", { class: "graph" });
  private readonly viewport = s("g");
  private readonly details = h(
    "div",
    { class: "details" },
    h("div", { class: "empty-note", text: "Click a node to see its details." }),
  );
  private readonly canvasEl: HTMLElement;
  private hierarchy: GraphHierarchy | undefined;
  private run = "";
  private expanded = new Set<string>();
  private selected: string | undefined;
  private transform = { x: 0, y: 0, k: 1 };
  private size = { width: 0, height: 0 };

  constructor() {
    const defs = s(
      "defs",
      {},
      s(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#9e9e9e" }),
      ),
    );
    this.svg.append(defs, this.viewport);
    const fit = h("button", { class: "small", text: "Fit", onclick: () => this.fit() });
    const collapse = h("button", {
      class: "small",
      text: "Collapse all",
      onclick: () => {
        this.expanded.clear();
        this.draw();
      },
    });
    this.canvasEl = h(
      "div",
      { class: "graph-canvas" },
      this.svg,
      h("div", { class: "toolbar" }, collapse, fit),
    );
    this.el.append(this.canvasEl, this.details);
    this.controls = h("div", {}, h("h3", { text: "Graph of run" }), this.runSelect);
    this.runSelect.addEventListener("change", () => void this.load(this.runSelect.value));
    this.panZoom();
  }

  private panZoom(): void {
    this.svg.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const r = this.svg.getBoundingClientRect();
        const mx = ev.clientX - r.left;
        const my = ev.clientY - r.top;
        const f = Math.exp(-ev.deltaY * 0.0015);
        const t = this.transform;
        const k = Math.min(8, Math.max(0.05, t.k * f));
        t.x = mx - ((mx - t.x) * k) / t.k;
        t.y = my - ((my - t.y) * k) / t.k;
        t.k = k;
        this.applyTransform();
      },
      { passive: false },
    );
    let drag: { x: number; y: number } | undefined;
    this.svg.addEventListener("mousedown", (ev) => {
      drag = { x: ev.clientX - this.transform.x, y: ev.clientY - this.transform.y };
    });
    window.addEventListener("mousemove", (ev) => {
      if (!drag) return;
      this.transform.x = ev.clientX - drag.x;
      this.transform.y = ev.clientY - drag.y;
      this.applyTransform();
    });
    window.addEventListener("mouseup", () => {
      drag = undefined;
    });
  }

  private applyTransform(): void {
    const t = this.transform;
    this.viewport.setAttribute("transform", `translate(${t.x},${t.y}) scale(${t.k})`);
  }

  private fit(): void {
    const r = this.svg.getBoundingClientRect();
    const { width, height } = this.size;
    if (!width || !height || !r.width) return;
    const k = Math.min(1.5, Math.min(r.width / width, r.height / height) * 0.95);
    this.transform = { k, x: (r.width - width * k) / 2, y: (r.height - height * k) / 2 };
    this.applyTransform();
  }

  async update(state: BoardState, dataChanged: boolean): Promise<void> {
    const runs = state.runs.filter((r) => r.graph).map((r) => r.name);
    const preferred = runs.filter((r) => state.selected.has(r));
    this.runSelect.replaceChildren(...runs.map((r) => h("option", { value: r, text: r })));
    if (runs.length === 0) {
      this.hierarchy = undefined;
      this.run = "";
      this.viewport.replaceChildren();
      this.details.replaceChildren(h("div", { class: "empty-note", text: "No graph in any run." }));
      return;
    }
    const run = runs.includes(this.run) ? this.run : (preferred[0] ?? runs[0]);
    this.runSelect.value = run;
    if (run !== this.run || dataChanged || !this.hierarchy) await this.load(run);
  }

  private async load(run: string): Promise<void> {
    const res = await getJson<GraphResponse>("/data/graph", { run });
    const fresh = run !== this.run;
    this.run = run;
    this.hierarchy = new GraphHierarchy(res.nodes);
    if (fresh) {
      this.expanded.clear();
      this.selected = undefined;
    }
    this.draw();
    if (fresh) this.fit();
  }

  private draw(): void {
    const hier = this.hierarchy;
    if (!hier) return;
    for (const sName of [...this.expanded])
      if (!hier.scopes.has(sName)) this.expanded.delete(sName);
    const view = hier.view(this.expanded);
    const lay = layout(view);
    this.size = { width: lay.width, height: lay.height };
    const clusterLayer = s("g");
    const edgeLayer = s("g");
    const nodeLayer = s("g");
    const box = (id: string) => lay.nodes.get(id)!;
    // Outer clusters first, so inner ones are drawn over them.
    const depth = (name: string) => name.split("/").length;
    for (const c of [...view.clusters].sort((a, b) => depth(a.name) - depth(b.name))) {
      const b = box(c.id);
      const title = s("text", {
        x: b.x - b.width / 2 + 8,
        y: b.y - b.height / 2 + 14,
        text: `− ${c.label}`,
      });
      const g = s(
        "g",
        { class: "cluster", "data-scope": c.name },
        s("rect", {
          class: "box",
          x: b.x - b.width / 2,
          y: b.y - b.height / 2,
          width: b.width,
          height: b.height,
          rx: 6,
        }),
        title,
      );
      title.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.toggle(c.name);
      });
      clusterLayer.append(g);
    }
    const edgeInfo = new Map(view.edges.map((e) => [`${e.from}\u0000${e.to}`, e]));
    for (const e of lay.edges) {
      if (e.points.length === 0) continue;
      const d = e.points.map((p, i) => `${i ? "L" : "M"} ${p.x} ${p.y}`).join(" ");
      const info = edgeInfo.get(`${e.from}\u0000${e.to}`);
      const path = s("path", {
        class: `edge${info?.control ? " control" : ""}`,
        d,
        "marker-end": "url(#arrow)",
        "data-from": e.from,
        "data-to": e.to,
      });
      if (info && info.count > 1)
        path.setAttribute("stroke-width", String(Math.min(4, 1 + Math.log2(info.count))));
      edgeLayer.append(path);
    }
    for (const u of view.units) {
      const b = box(u.id);
      const text = u.kind === "scope" ? `${u.label} (${u.count})` : u.label;
      const g = s(
        "g",
        {
          class: `unit ${u.kind}${this.selected === u.name && u.kind === "op" ? " selected" : ""}`,
          "data-node": u.name,
          "data-kind": u.kind,
          "data-op": u.op,
          transform: `translate(${b.x - b.width / 2},${b.y - b.height / 2})`,
        },
        s("rect", { width: b.width, height: b.height, rx: u.kind === "scope" ? 4 : 12 }),
        s("text", { x: b.width / 2, y: b.height / 2, text }),
        s("title", {
          text:
            u.kind === "scope"
              ? `${u.name}: ${u.count} nodes (click to expand)`
              : `${u.name} (${u.op})`,
        }),
      );
      g.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (u.kind === "scope") this.toggle(u.name);
        else this.select(u.name);
      });
      nodeLayer.append(g);
    }
    this.viewport.replaceChildren(clusterLayer, edgeLayer, nodeLayer);
    this.svg.dataset.units = String(view.units.length);
  }

  private toggle(scope: string): void {
    if (this.expanded.has(scope)) {
      for (const e of [...this.expanded])
        if (e === scope || e.startsWith(`${scope}/`)) this.expanded.delete(e);
    } else this.expanded.add(scope);
    this.draw();
  }

  /** Shows a node's details (expanding the scopes it is in, so it is on screen). */
  select(name: string): void {
    const hier = this.hierarchy;
    const n = hier?.nodes.get(name);
    if (!hier || !n) return;
    this.selected = name;
    for (const sc of hier.scopesOf(name)) if (sc !== name) this.expanded.add(sc);
    this.draw();
    this.showDetails(n);
  }

  private showDetails(n: GraphNodeInfo): void {
    const row = (k: string, v: Node | string) => h("tr", {}, h("td", { text: k }), h("td", {}, v));
    const inputs = h("div");
    for (const i of n.inputs) {
      const link = h("a", { href: "#", text: i });
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        this.select(inputNode(i));
      });
      inputs.append(h("div", {}, link));
    }
    const table = h(
      "table",
      {},
      row("name", n.name),
      row("op", h("span", { class: "op", text: n.op })),
      row("device", n.device || "(not placed)"),
      row("inputs", n.inputs.length ? inputs : "(none)"),
      row("output shapes", n.outputShapes.length ? n.outputShapes.join(", ") : "(not recorded)"),
      ...Object.entries(n.attrs).map(([k, v]) => row(k, v)),
    );
    this.details.replaceChildren(h("h4", { text: n.name }), table);
    this.details.dataset.node = n.name;
  }
}
