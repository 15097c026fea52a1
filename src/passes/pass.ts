// What every optimizer pass gets: the plan graph, the kernels to compute constants with, and a
// log of what it changed (RunMetadata.optimizations).
import type { NDArray } from "../framework/ndarray.js";
import type { EvalContext } from "./const_eval.js";
import { type PlanGraph, type PNode, shapeOf } from "./plan_graph.js";

export interface PassContext extends EvalContext {
  readonly pg: PlanGraph;
  /** Records one change, e.g. "folded 'mul' into a constant". */
  log(change: string): void;
}

/** A pass rewrites the plan graph in place, only where it can prove the rewrite safe. */
export type Pass = (c: PassContext) => void;

/** Adds a Const holding `value` (which must not be changed afterwards), standing for `like`. */
export function addConst(
  pg: PlanGraph,
  name: string,
  value: NDArray,
  controls: readonly PNode[],
  like: PNode | null = null,
): PNode {
  const info = { dtype: value.dtype, shape: shapeOf(value.shape), isRef: false };
  const attrs = { dtype: value.dtype, value };
  return pg.create("Const", name, attrs, [], [...controls], [info], like);
}
