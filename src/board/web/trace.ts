/// <reference lib="dom" />
/**
 * The trace dashboard: a tagged RunMetadata's StepStats as a timeline, one lane per device (nodes
 * that overlap in time stacked in rows), one bar per node; click a bar for its details.
 */
import type { TraceNodeInfo, TraceResponse } from "../api_types.js";
import { getJson } from "./api.js";
import { fmt, h, s } from "./dom.js";
import type { BoardState, Panel } from "./state.js";

const ROW_H = 18;
const LANE_GAP = 26;
const LEFT = 10;
const WIDTH = 1000;

/** Rows for intervals so that none overlap within a row (greedy, by start). */
export function packRows(nodes: readonly { start: number; end: number }[]): number[] {
  const rowEnds: number[] = [];
  const order = nodes.map((_, i) => i).sort((a, b) => nodes[a].start - nodes[b].start);
  const rows = new Array<number>(nodes.length);
  for (const i of order) {
    let r = rowEnds.findIndex((end) => end <= nodes[i].start);
    if (r < 0) r = rowEnds.push(0) - 1;
    rowEnds[r] = Math.max(nodes[i].end, nodes[i].start);
    rows[i] = r;
  }
  return rows;
}

const hue = (op: string) => {
  let x = 0;
  for (let i = 0; i < op.length; i++) x = (x * 31 + op.charCodeAt(i)) % 360;
  return x;
};

export class TracePanel implements Panel {
  readonly el = h("div", { class: "trace" });
  readonly controls: HTMLElement;
  private readonly runSelect = h("select", { id: "trace-run" });
  private readonly tagSelect = h("select", { id: "trace-tag" });
  private readonly chart = h("div", { class: "card" });
  private readonly details = h("div", { class: "card details-card" });
  private state: BoardState | undefined;

  constructor() {
    this.controls = h(
      "div",
      {},
      h("h3", { text: "Run" }),
      this.runSelect,
      h("h3", { text: "Tag" }),
      this.tagSelect,
    );
    this.el.append(this.chart, h("div", { style: "height:12px" }), this.details);
    this.runSelect.addEventListener("change", () => {
      if (this.state) this.fillTags(this.state);
      void this.load();
    });
    this.tagSelect.addEventListener("change", () => void this.load());
  }

  private fillTags(state: BoardState): void {
    const run = state.runs.find((r) => r.name === this.runSelect.value);
    const tags = run?.tags.runMetadata ?? [];
    const keep = this.tagSelect.value;
    this.tagSelect.replaceChildren(...tags.map((t) => h("option", { value: t, text: t })));
    if (tags.includes(keep)) this.tagSelect.value = keep;
  }

  async update(state: BoardState, dataChanged: boolean): Promise<void> {
    this.state = state;
    const runs = state.runs.filter((r) => r.tags.runMetadata.length > 0).map((r) => r.name);
    const keep = this.runSelect.value;
    this.runSelect.replaceChildren(...runs.map((r) => h("option", { value: r, text: r })));
    if (runs.length === 0) {
      this.chart.replaceChildren(
        h("div", { class: "empty-note", text: "No run metadata (traces) in any run." }),
      );
      this.details.replaceChildren();
      return;
    }
    const preferred = runs.find((r) => state.selected.has(r)) ?? runs[0];
    this.runSelect.value = runs.includes(keep) ? keep : preferred;
    const before = this.tagSelect.value;
    this.fillTags(state);
    if (dataChanged || before !== this.tagSelect.value || !this.chart.querySelector("svg"))
      await this.load();
  }

  private async load(): Promise<void> {
    const run = this.runSelect.value;
    const tag = this.tagSelect.value;
    if (!run || !tag) return;
    const t = await getJson<TraceResponse>("/data/trace", { run, tag });
    this.draw(t);
  }

  private draw(t: TraceResponse): void {
    const all = t.devices.flatMap((d) => d.nodes);
    const span = Math.max(1, ...all.map((n) => n.end));
    const x = (us: number) => LEFT + (us / span) * (WIDTH - 2 * LEFT);
    const svg = s("svg");
    let y = 0;
    // Time axis.
    for (let i = 0; i <= 5; i++) {
      const us = (span * i) / 5;
      svg.append(
        s("line", { x1: x(us), x2: x(us), y1: 14, y2: 20, stroke: "#999" }),
        s("text", {
          x: x(us),
          y: 10,
          "text-anchor": i === 0 ? "start" : i === 5 ? "end" : "middle",
          fill: "#757575",
          text: us >= 1000 ? `${fmt(us / 1000)} ms` : `${fmt(us)} µs`,
        }),
      );
    }
    y = 28;
    for (const d of t.devices) {
      svg.append(s("text", { x: LEFT, y: y + 10, "font-weight": "bold", text: d.device }));
      y += 16;
      const rows = packRows(d.nodes);
      d.nodes.forEach((n, i) => {
        const bar = s(
          "rect",
          {
            class: "bar",
            x: x(n.start),
            y: y + rows[i] * ROW_H,
            width: Math.max(1, x(n.end) - x(n.start)),
            height: ROW_H - 3,
            fill: `hsl(${hue(n.op || n.name)}, 55%, 65%)`,
            "data-node": n.name,
            "data-op": n.op,
          },
          s("title", { text: `${n.label}\n${fmt(n.end - n.start)} µs` }),
        );
        bar.addEventListener("click", () => {
          svg.querySelectorAll("rect.selected").forEach((b) => {
            b.classList.remove("selected");
          });
          bar.classList.add("selected");
          this.showDetails(n, d.device);
        });
        svg.append(bar);
        // The node's name on its bar, where it fits.
        const w = x(n.end) - x(n.start);
        const name = n.name.slice(n.name.lastIndexOf("/") + 1);
        if (w > name.length * 6.5 + 6)
          svg.append(
            s("text", {
              x: x(n.start) + 3,
              y: y + rows[i] * ROW_H + 11,
              "pointer-events": "none",
              text: name,
            }),
          );
      });
      y += (Math.max(0, ...rows) + 1) * ROW_H + LANE_GAP;
    }
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${y}`);
    svg.setAttribute("style", "width:100%;height:auto");
    this.chart.replaceChildren(
      h("h4", { text: `${t.tag} (step ${t.step}), ${all.length} nodes, ${fmt(span)} µs` }),
      svg,
    );
    this.details.replaceChildren(
      h("div", { class: "empty-note", text: "Click a bar to see the node's timing." }),
    );
  }

  private showDetails(n: TraceNodeInfo, device: string): void {
    const row = (k: string, v: string) => h("tr", {}, h("td", { text: k }), h("td", { text: v }));
    this.details.replaceChildren(
      h("h4", { text: n.name }),
      h(
        "table",
        {},
        row("op", n.op),
        row("device", device),
        row("label", n.label),
        row("start", `${fmt(n.start)} µs`),
        row("duration", `${fmt(n.end - n.start)} µs`),
        row("thread", String(n.thread)),
        row("outputs", n.outputs.join("\n") || "(none)"),
      ),
    );
    this.details.dataset.node = n.name;
  }
}
