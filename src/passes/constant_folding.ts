/**
 * Constant folding (TF's constant_folding): a stateless node whose inputs are all constants is
 * computed once, by the plan's own kernel, and replaced by Consts; Shape, ShapeN, Size and Rank
 * of statically known shapes become Consts without computing their input.
 */
import type { DType } from "../framework/dtypes.js";
import { NDArray } from "../framework/ndarray.js";
import { constValue, evaluateNode } from "./const_eval.js";
import { addConst, type PassContext } from "./pass.js";
import { type PNode, RESOURCE_DTYPES, type Ref } from "./plan_graph.js";

/** Stateless types that must still run at run time (a fed value, a value's host copy...). */
const NEVER_FOLD: ReadonlySet<string> = new Set([
  "Const",
  "Placeholder",
  "PlaceholderWithDefault",
  "PlaceholderV2",
  "Enter",
  "RefEnter",
  "Exit",
  "Switch",
  "Merge",
  "NextIteration",
  "LoopCond",
  "Print",
  "PrintV2",
  "CheckNumerics",
  "Assert",
  "NoOp",
  "_Send",
  "_Recv",
  // Files may change between runs.
  "ReadFile",
  "MatchingFiles",
]);

export function constantFolding(c: PassContext): void {
  const { pg } = c;
  for (const n of pg.liveOrder()) {
    if (pg.targets.has(n) || n.stateful || NEVER_FOLD.has(n.type) || n.outputs.length === 0)
      continue;
    if (n.outputs.some((o) => o.isRef || RESOURCE_DTYPES.has(o.dtype))) continue;
    const shapes = materializeShapes(n);
    if (shapes) {
      // The input does not run for its shape; a stateful producer still runs (a control edge).
      const producers = n.inputs.map((r) => r.node).filter((p) => p.stateful);
      replaceByConsts(c, n, shapes, [...n.controls, ...producers], "materialized");
      continue;
    }
    if (n.inputs.length === 0 || n.inputs.some((r) => r.isRef || !constValue(r))) continue;
    const values = evaluateNode(c, n);
    if (!values) continue;
    // The folded Consts wait for what the node and its constant inputs waited for.
    const waits = [...n.controls];
    for (const r of n.inputs) waits.push(...r.node.controls);
    replaceByConsts(c, n, values, waits, "folded");
  }
}

function replaceByConsts(
  c: PassContext,
  n: PNode,
  values: readonly NDArray[],
  controls: readonly PNode[],
  verb: string,
): void {
  const consts = values.map(
    (v, i) =>
      addConst(c.pg, values.length === 1 ? n.name : `${n.name}/_folded_${i}`, v, controls, n)
        .refs[0],
  );
  c.pg.replaceAllUses(n, consts, []);
  c.log(`${verb} '${n.name}' (${n.type}) into a constant`);
}

/** Shape/ShapeN/Size/Rank values known from static shapes, or null. */
function materializeShapes(n: PNode): NDArray[] | null {
  const known = (r: Ref) => !r.isRef && !RESOURCE_DTYPES.has(r.dtype);
  switch (n.type) {
    case "Shape":
    case "ShapeN": {
      if (!n.inputs.every((r) => known(r) && r.shape.isFullyDefined)) return null;
      const dtype = n.outputs[0].dtype;
      return n.inputs.map((r) => intVector(dtype, r.shape.dims as number[]));
    }
    case "Size": {
      const r = n.inputs[0];
      if (!known(r) || !r.shape.isFullyDefined) return null;
      return [intScalar(n.outputs[0].dtype, r.shape.numElements!)];
    }
    case "Rank": {
      const r = n.inputs[0];
      if (!known(r) || r.shape.rank === null) return null;
      return [intScalar("int32", r.shape.rank)];
    }
  }
  return null;
}

function intVector(dtype: DType, dims: readonly number[]): NDArray {
  if (dtype === "int64")
    return new NDArray("int64", [dims.length], BigInt64Array.from(dims, BigInt));
  return new NDArray("int32", [dims.length], Int32Array.from(dims));
}

function intScalar(dtype: DType, v: number): NDArray {
  if (dtype === "int64") return new NDArray("int64", [], BigInt64Array.of(BigInt(v)));
  return new NDArray("int32", [], Int32Array.of(v));
}
