/**
 * The editable form of a run's graph that the optimizer passes rewrite (a small copy of the ops a
 * plan needs, never the user's Graph). Nodes keep their source Operation when they are the user's;
 * nodes a pass makes (folded constants, fused ops) have none. `materialize` builds a private Graph
 * from what the fetches and targets still need.
 */
import type { DType } from "../framework/dtypes.js";
import { Graph, type Operation, type OpInput, type Tensor } from "../framework/graph.js";
import type { AttrValue, OpDef } from "../framework/op_def.js";
import { getOpDef } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";

/** What a pass knows about one output: its dtype and static shape. */
export interface OutInfo {
  readonly dtype: DType;
  readonly shape: TensorShape;
  readonly isRef: boolean;
}

/** One output of a node (each node keeps one Ref per output, so Refs compare by identity). */
export class Ref {
  constructor(
    readonly node: PNode,
    readonly index: number,
  ) {}
  get dtype(): DType {
    return this.node.outputs[this.index].dtype;
  }
  get shape(): TensorShape {
    return this.node.outputs[this.index].shape;
  }
  get isRef(): boolean {
    return this.node.outputs[this.index].isRef;
  }
}

/** A node of the plan graph. `inputs` and `controls` change only through PlanGraph's methods. */
export class PNode {
  readonly refs: readonly Ref[];
  inputs: Ref[];
  controls: PNode[];

  constructor(
    readonly type: string,
    readonly name: string,
    readonly attrs: Readonly<Record<string, AttrValue>>,
    inputs: Ref[],
    controls: PNode[],
    readonly outputs: readonly OutInfo[],
    readonly def: OpDef,
    readonly device: string,
    readonly source: Operation | null,
    /** The user's op this node stands for in error messages (its creation site). */
    readonly origin: Operation | null = source,
  ) {
    this.inputs = inputs;
    this.controls = controls;
    this.refs = outputs.map((_, i) => new Ref(this, i));
  }
  get stateful(): boolean {
    return this.def.isStateful;
  }
  toString(): string {
    return `'${this.name}' (${this.type})`;
  }
}

/** Types whose value a pass must never compute ahead of the run or drop. */
export const RESOURCE_DTYPES: ReadonlySet<string> = new Set(["resource", "variant"]);

/** A run's ops in editable form: nodes, the feeds (placeholders), fetches and targets. */
export class PlanGraph {
  readonly nodes: PNode[] = [];
  readonly feeds: PNode[] = [];
  fetches: Ref[] = [];
  readonly targets: ReadonlySet<PNode>;
  private readonly dataUsers = new Map<PNode, Set<PNode>>();
  private readonly controlUsers = new Map<PNode, Set<PNode>>();

  private constructor(
    readonly source: Graph,
    targets: PNode[],
  ) {
    this.targets = new Set(targets);
  }

  /**
   * The plan graph of `order` (the ops a run needs, inputs first) with the run's feeds (tensors
   * whose ops are not in `order`), fetches and targets. Null when a fed tensor's op also runs.
   */
  static build(
    order: readonly Operation[],
    feeds: readonly Tensor[],
    fetches: readonly Tensor[],
    targets: readonly Operation[],
  ): PlanGraph | null {
    const inOrder = new Set(order);
    if (feeds.some((t) => inOrder.has(t.op))) return null;
    const refOf = new Map<Tensor, Ref>();
    const nodeOf = new Map<Operation, PNode>();
    const source = order[0]?.graph ?? feeds[0]?.graph ?? new Graph();
    const pg = new PlanGraph(source, []);
    feeds.forEach((t, i) => {
      const def = getOpDef("Placeholder")!;
      const attrs = { dtype: t.dtype, shape: t.shape };
      const info = { dtype: t.dtype, shape: t.shape, isRef: false };
      const n = new PNode("Placeholder", `_feed_${i}`, attrs, [], [], [info], def, "", null);
      pg.feeds.push(n);
      refOf.set(t, n.refs[0]);
    });
    for (const op of order) {
      const inputs = op.inputs.map((t) => refOf.get(t)!);
      const controls: PNode[] = [];
      for (const c of op.controlInputs) {
        const m = nodeOf.get(c);
        if (m) controls.push(m); // others are replaced by feeds: their edges are met
      }
      const outs = op.outputs.map((t) => ({ dtype: t.dtype, shape: t.shape, isRef: t.isRef }));
      const n = new PNode(
        op.type,
        op.name,
        op.attrs,
        inputs,
        controls,
        outs,
        op.def,
        op.device,
        op,
      );
      nodeOf.set(op, n);
      op.outputs.forEach((t, i) => {
        refOf.set(t, n.refs[i]);
      });
      pg.add(n);
    }
    pg.fetches = fetches.map((t) => refOf.get(t)!);
    (pg.targets as Set<PNode>).clear();
    for (const o of targets) (pg.targets as Set<PNode>).add(nodeOf.get(o)!);
    return pg;
  }

  /** Adds a node made by a pass (its inputs and controls must already be in the graph). */
  add(n: PNode): PNode {
    this.nodes.push(n);
    for (const r of n.inputs) this.users(this.dataUsers, r.node).add(n);
    for (const c of n.controls) this.users(this.controlUsers, c).add(n);
    return n;
  }

  /** A new node standing for `like` (its device, its creation site in errors). */
  create(
    type: string,
    name: string,
    attrs: Record<string, AttrValue>,
    inputs: Ref[],
    controls: PNode[],
    outputs: readonly OutInfo[],
    like: PNode | null = null,
  ): PNode {
    const def = getOpDef(type);
    if (!def) throw new Error(`optimizer: op type '${type}' is not registered`);
    const device = like?.device ?? "";
    const origin = like?.origin ?? null;
    return this.add(
      new PNode(type, name, attrs, inputs, controls, outputs, def, device, null, origin),
    );
  }

  private users(map: Map<PNode, Set<PNode>>, n: PNode): Set<PNode> {
    let s = map.get(n);
    if (!s) map.set(n, (s = new Set()));
    return s;
  }

  /** Nodes reading an output of `n` (each once). */
  dataConsumers(n: PNode): PNode[] {
    return [...(this.dataUsers.get(n) ?? [])];
  }
  /** Nodes with a control edge from `n`. */
  controlConsumers(n: PNode): PNode[] {
    return [...(this.controlUsers.get(n) ?? [])];
  }

  /** How many places read `r`: node inputs and fetches. */
  useCount(r: Ref): number {
    let k = 0;
    for (const c of this.dataUsers.get(r.node) ?? []) for (const i of c.inputs) if (i === r) k++;
    for (const f of this.fetches) if (f === r) k++;
    return k;
  }

  /**
   * Whether `n`'s value may disappear into a rewrite of its one reader: one use of one output,
   * no fetch, no control edge from it, not a target, and not stateful.
   */
  onlyFeeds(n: PNode): boolean {
    if (this.targets.has(n) || n.stateful || (this.controlUsers.get(n)?.size ?? 0) > 0)
      return false;
    let uses = 0;
    for (const r of n.refs) uses += this.useCount(r);
    return uses === 1 && !n.refs.some((r) => this.fetches.includes(r));
  }

  setInput(n: PNode, index: number, r: Ref): void {
    const old = n.inputs[index];
    if (old === r) return;
    n.inputs[index] = r;
    if (!n.inputs.some((i) => i.node === old.node)) this.dataUsers.get(old.node)?.delete(n);
    this.users(this.dataUsers, r.node).add(n);
    // A control edge on a node that now feeds data is redundant.
    if (n.controls.includes(r.node)) this.setControls(n, n.controls);
  }

  /** Replaces `n`'s control inputs (dropping duplicates, itself, and nodes it reads data from). */
  setControls(n: PNode, controls: readonly PNode[]): void {
    const keep: PNode[] = [];
    for (const c of controls) {
      if (c === n || keep.includes(c) || n.inputs.some((r) => r.node === c)) continue;
      keep.push(c);
    }
    for (const c of n.controls) if (!keep.includes(c)) this.controlUsers.get(c)?.delete(n);
    for (const c of keep) this.users(this.controlUsers, c).add(n);
    n.controls = keep;
  }

  /**
   * Replaces every use of `old`'s outputs by `repl` (same values): data consumers read `repl`
   * and wait for `extraControls` too; a control edge on `old` becomes one on the nodes making
   * `repl` and on `extraControls`; fetches of `old` fetch `repl`. `old` must not be a target.
   */
  replaceAllUses(old: PNode, repl: readonly Ref[], extraControls: readonly PNode[]): void {
    if (this.targets.has(old)) throw new Error(`optimizer: cannot replace target ${old}`);
    for (const c of this.dataConsumers(old)) {
      c.inputs.forEach((r, i) => {
        if (r.node === old) this.setInput(c, i, repl[r.index]);
      });
      if (extraControls.length) this.setControls(c, [...c.controls, ...extraControls]);
    }
    for (const c of this.controlConsumers(old)) {
      const without = c.controls.filter((x) => x !== old);
      this.setControls(c, [...without, ...repl.map((r) => r.node), ...extraControls]);
    }
    this.fetches = this.fetches.map((f) => (f.node === old ? repl[f.index] : f));
  }

  /** The nodes the fetches and targets still need, inputs first. */
  liveOrder(): PNode[] {
    const order: PNode[] = [];
    const state = new Map<PNode, 1 | 2>();
    const visit = (root: PNode) => {
      if (state.has(root)) return;
      const stack: [PNode, number][] = [[root, 0]];
      state.set(root, 1);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const [n, k] = top;
        if (k < n.inputs.length + n.controls.length) {
          top[1]++;
          const dep = k < n.inputs.length ? n.inputs[k].node : n.controls[k - n.inputs.length];
          const s = state.get(dep);
          if (s === 2) continue;
          if (s === 1) throw new Error(`optimizer: a rewrite made a cycle through ${dep}`);
          state.set(dep, 1);
          stack.push([dep, 0]);
        } else {
          stack.pop();
          state.set(n, 2);
          order.push(n);
        }
      }
    };
    for (const f of this.fetches) visit(f.node);
    for (const t of this.targets) visit(t);
    return order;
  }

  /**
   * A private Graph of the live nodes. The user's nodes keep their names; a pass's nodes take
   * the names asked for, made unique.
   */
  materialize(): { feeds: Tensor[]; fetches: Tensor[]; targets: Operation[] } {
    const g = new Graph();
    g.library.addAll(this.source.library);
    const live = this.liveOrder();
    for (const n of live) if (n.source) g.uniqueName(n.name);
    const out = new Map<PNode, Operation>();
    const make = (n: PNode, exact: boolean) => {
      const inputs = n.inputs.map((r) => out.get(r.node)!.outputs[r.index]);
      const name = exact ? n.name : g.uniqueName(n.name);
      const op = g.createOp(n.type, groupInputs(n.def, n.attrs, inputs), { ...n.attrs }, name, {
        exactName: true,
        noControlFlow: true,
        device: n.device,
        controlInputs: n.controls.map((c) => out.get(c)!),
      });
      // Errors name where the user created the op, not where this copy was made.
      const origin = n.origin;
      if (origin) Object.defineProperty(op, "definedAt", { get: () => origin.definedAt });
      out.set(n, op);
    };
    for (const f of this.feeds) make(f, false);
    for (const n of live) if (!out.has(n)) make(n, n.source !== null);
    return {
      feeds: this.feeds.map((f) => out.get(f)!.outputs[0]),
      fetches: this.fetches.map((r) => out.get(r.node)!.outputs[r.index]),
      targets: [...this.targets].map((t) => out.get(t)!),
    };
  }
}

/** Flat inputs grouped by the OpDef's input arguments (a list for list arguments). */
function groupInputs(
  def: OpDef,
  attrs: Readonly<Record<string, AttrValue>>,
  flat: readonly Tensor[],
): OpInput[] {
  const out: OpInput[] = [];
  let at = 0;
  for (const a of def.inputs) {
    if (a.numberAttr !== undefined || a.typeListAttr !== undefined) {
      const n = a.numberAttr
        ? (attrs[a.numberAttr] as number)
        : (attrs[a.typeListAttr!] as unknown[]).length;
      out.push(flat.slice(at, at + n));
      at += n;
    } else out.push(flat[at++]);
  }
  return out;
}

/** A shape as a TensorShape from plain dims. */
export const shapeOf = (dims: readonly number[]): TensorShape => TensorShape.from([...dims]);
