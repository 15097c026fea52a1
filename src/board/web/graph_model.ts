/**
 * The graph as the page shows it: name scopes ("a/b/c" lies in scope "a", then "a/b") collapsed
 * into one box each unless expanded, as TensorBoard's graph. A node whose name is also a scope
 * (a variable `w` beside `w/read`, `w/Assign`) sits inside that scope.
 */
import type { GraphNodeInfo } from "../api_types.js";

export interface Unit {
  /** "op:<name>" for a node, "scope:<name>" for a collapsed scope. */
  id: string;
  kind: "op" | "scope";
  /** The node's or scope's full name. */
  name: string;
  /** The last part of the name, what the box shows. */
  label: string;
  /** The expanded scope it is drawn in ("scope:<name>"), none at the top. */
  parent?: string;
  op?: string;
  /** For a scope: how many nodes it holds. */
  count?: number;
}

export interface Cluster {
  id: string;
  name: string;
  label: string;
  parent?: string;
}

export interface UnitEdge {
  from: string;
  to: string;
  /** How many node inputs it stands for. */
  count: number;
  /** Every one of them is a control input (^name). */
  control: boolean;
}

export interface GraphView {
  units: Unit[];
  clusters: Cluster[];
  edges: UnitEdge[];
}

/** "x:1" and "^x" name node "x". */
export const inputNode = (input: string) => input.replace(/^\^/, "").replace(/:\d+$/, "");

const lastPart = (name: string) => name.slice(name.lastIndexOf("/") + 1);
const scopeId = (name: string) => `scope:${name}`;

export class GraphHierarchy {
  /** Every scope: each proper prefix ("a", "a/b") of a node's name. */
  readonly scopes = new Set<string>();
  readonly nodes = new Map<string, GraphNodeInfo>();
  private readonly counts = new Map<string, number>();

  constructor(nodes: readonly GraphNodeInfo[]) {
    for (const n of nodes) {
      this.nodes.set(n.name, n);
      const parts = n.name.split("/");
      for (let k = 1; k < parts.length; k++) {
        const scope = parts.slice(0, k).join("/");
        this.scopes.add(scope);
        this.counts.set(scope, (this.counts.get(scope) ?? 0) + 1);
      }
    }
    // A node that is also a scope counts inside it.
    for (const n of nodes)
      if (this.scopes.has(n.name)) this.counts.set(n.name, (this.counts.get(n.name) ?? 0) + 1);
  }

  /** The scopes a node lies in, outermost first (itself too when its name is a scope). */
  scopesOf(name: string): string[] {
    const parts = name.split("/");
    const out: string[] = [];
    for (let k = 1; k <= parts.length; k++) {
      const s = parts.slice(0, k).join("/");
      if (this.scopes.has(s)) out.push(s);
    }
    return out;
  }

  /** The unit a node is drawn as, and the expanded scope it is drawn in. */
  unitOf(
    name: string,
    expanded: ReadonlySet<string>,
  ): { id: string; parent?: string; scope?: string } {
    let parent: string | undefined;
    for (const s of this.scopesOf(name)) {
      if (!expanded.has(s)) return { id: scopeId(s), parent, scope: s };
      parent = scopeId(s);
    }
    return { id: `op:${name}`, parent };
  }

  view(expanded: ReadonlySet<string>): GraphView {
    const units = new Map<string, Unit>();
    const clusters = new Map<string, Cluster>();
    for (const n of this.nodes.values()) {
      const u = this.unitOf(n.name, expanded);
      if (!units.has(u.id)) {
        const name = u.scope ?? n.name;
        units.set(
          u.id,
          u.scope !== undefined
            ? {
                id: u.id,
                kind: "scope",
                name,
                label: lastPart(name),
                parent: u.parent,
                count: this.counts.get(name),
              }
            : { id: u.id, kind: "op", name, label: lastPart(name), parent: u.parent, op: n.op },
        );
      }
      // Every expanded scope on the way is a cluster.
      let parent: string | undefined;
      for (const s of this.scopesOf(n.name)) {
        if (!expanded.has(s)) break;
        if (!clusters.has(scopeId(s)))
          clusters.set(scopeId(s), { id: scopeId(s), name: s, label: lastPart(s), parent });
        parent = scopeId(s);
      }
    }
    const edges = new Map<string, UnitEdge>();
    for (const n of this.nodes.values()) {
      const to = this.unitOf(n.name, expanded).id;
      for (const input of n.inputs) {
        const src = inputNode(input);
        if (!this.nodes.has(src)) continue;
        const from = this.unitOf(src, expanded).id;
        if (from === to) continue;
        const key = `${from}\u0000${to}`;
        const e = edges.get(key) ?? { from, to, count: 0, control: true };
        e.count++;
        if (!input.startsWith("^")) e.control = false;
        edges.set(key, e);
      }
    }
    return {
      units: [...units.values()],
      clusters: [...clusters.values()],
      edges: [...edges.values()],
    };
  }
}
