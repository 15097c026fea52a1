/**
 * The plan-time pass: the ops a run needs are copied into a private graph in which every call is
 * inlined and every functional control-flow op lowered (see inline_functions.ts); the run's
 * feeds, fetches and targets are mapped into it. The user's Graph is never changed.
 */
import { InvalidArgumentError } from "../framework/errors.js";
import { Graph, type Operation, type Tensor } from "../framework/graph.js";
import { Lowering } from "./inline_functions.js";

/** Feeds, fetches and targets of a run, mapped into the lowered graph. */
export interface LoweredRun {
  graph: Graph;
  feeds: Tensor[];
  fetches: Tensor[];
  targets: Operation[];
}

/**
 * Copies `needed` (the ops a run needs, of one graph) into a new graph with every call inlined
 * and every functional control-flow op lowered; maps the run's feeds, fetches and targets.
 */
export function inlineFunctionCalls(
  needed: ReadonlySet<Operation>,
  feeds: readonly Tensor[],
  fetches: readonly Tensor[],
  targets: readonly Operation[],
): LoweredRun {
  const order = [...needed].sort((a, b) => a.id - b.id);
  const source = order[0]?.graph ?? feeds[0]?.graph ?? new Graph();
  const low = new Lowering(source.library);
  const g = low.graph;
  for (const op of order) g.uniqueName(op.name); // inlined nodes must not take these names
  const tmap = new Map<Tensor, Tensor>();
  const omap = new Map<Operation, Operation>();
  feeds.forEach((t, i) => {
    if (needed.has(t.op)) return;
    const p = g.createOp("Placeholder", [], { dtype: t.dtype, shape: t.shape }, `_feed_${i}`);
    tmap.set(t, p.outputs[0]);
  });
  const patches: { op: Operation; index: number; from: Tensor }[] = [];
  const lateControls: { op: Operation; from: Operation }[] = [];
  for (const op of order) {
    const ins = op.inputs.map((t) => tmap.get(t));
    const ready = ins.find((t) => t !== undefined);
    const inputs = ins.map((t, k) => {
      if (t) return t;
      // A loop's back edge (its NextIteration is made after the Merge): patched below.
      if (!ready || ready.dtype !== op.inputs[k].dtype)
        throw new InvalidArgumentError(
          `Cannot lower node '${op.name}': input '${op.inputs[k].name}' is made after it`,
        );
      return ready;
    });
    const controls: Operation[] = [];
    for (const c of op.controlInputs) {
      if (!needed.has(c)) continue;
      const m = omap.get(c);
      if (m) controls.push(m);
      else lateControls.push({ op, from: c });
    }
    const e = low.emit(op.type, { ...op.attrs }, inputs, controls, op.name, [], {
      exactName: true,
      device: op.device,
    });
    omap.set(op, e.op);
    op.outputs.forEach((t, i) => {
      tmap.set(t, e.outputs[i]);
    });
    ins.forEach((t, k) => {
      if (!t) patches.push({ op: e.op, index: k, from: op.inputs[k] });
    });
  }
  for (const p of patches) g.updateInput(p.op, p.index, tmap.get(p.from)!);
  for (const c of lateControls) omap.get(c.op)!.addControlInputs([omap.get(c.from)!]);
  return {
    graph: g,
    feeds: feeds.map((t) => tmap.get(t)!),
    fetches: fetches.map((t) => tmap.get(t)!),
    targets: targets.map((o) => omap.get(o)!),
  };
}
