/**
 * Computing values ahead of the run for the passes: what a Const holds, and a node's outputs
 * from constant inputs by running the plan's own kernels (so a folded value is the value the
 * run would have computed).
 */
import { markEscaped } from "../backends/buffer_pool.js";
import type { Backend, KernelEnv, Value } from "../backends/kernel.js";
import { DTYPE_BYTES, type DType } from "../framework/dtypes.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { enterRun, leaveRun } from "../framework/run_context.js";
import { type PNode, RESOURCE_DTYPES, type Ref } from "./plan_graph.js";

/** Folded values larger than this stay computed at run time (TF's cap is 10 MB too). */
export const MAX_FOLDED_BYTES = 10 * 1024 * 1024;

/** The kernels and session state a pass may run kernels with. */
export interface EvalContext {
  readonly backends: readonly Backend[];
  readonly env: KernelEnv;
  /** The session's limit on one tensor's bytes: a value it refuses is left for the run to refuse. */
  readonly memoryLimit?: number;
}

let neverAborted: AbortSignal | undefined;

/** The value of `r` when it is a Const's output, else undefined. */
export function constValue(r: Ref): NDArray | undefined {
  if (r.node.type !== "Const") return undefined;
  const v = r.node.attrs.value;
  return v instanceof NDArray && v.dtype === r.dtype ? v : undefined;
}

const bytesOf = (a: NDArray): number => a.size * (DTYPE_BYTES[a.dtype] ?? 8);

/**
 * The outputs of `type` (with `attrs`) on constant `inputs`, or null when they cannot be known
 * ahead of the run: no kernel, a kernel error (left for the run to raise), an asynchronous
 * kernel, a non-array output, or a result over MAX_FOLDED_BYTES.
 */
export function evaluate(
  ctx: EvalContext,
  name: string,
  type: string,
  attrs: Readonly<Record<string, AttrValue>>,
  inputs: readonly NDArray[],
  outputDtypes: readonly DType[],
): NDArray[] | null {
  if (outputDtypes.some((d) => RESOURCE_DTYPES.has(d))) return null;
  for (const b of ctx.backends) {
    const factory = b.get(type);
    if (!factory) continue;
    let result: unknown;
    try {
      const kernel = factory(
        { name, type, attrs, inputDtypes: inputs.map((a) => a.dtype), outputDtypes },
        ctx.env,
      );
      // Computed as in one of the session's runs: under its memory limit, never awaiting.
      const limit = ctx.memoryLimit;
      const previous =
        limit === undefined
          ? undefined
          : enterRun({
              signal: (neverAborted ??= new AbortController().signal),
              mayAwait: false,
              memoryLimit: limit,
            });
      try {
        result = kernel([...inputs] as Value[]);
      } finally {
        if (limit !== undefined) leaveRun(previous);
      }
    } catch {
      return null;
    }
    if (!Array.isArray(result) || result.length !== outputDtypes.length) return null;
    let bytes = 0;
    for (let i = 0; i < result.length; i++) {
      const v: unknown = result[i];
      if (!(v instanceof NDArray) || v.dtype !== outputDtypes[i]) return null;
      bytes += bytesOf(v);
    }
    if (bytes > MAX_FOLDED_BYTES) return null;
    // The values live on in the plan as constants: no buffer pool may take them back.
    for (const v of result as NDArray[]) markEscaped(v.data);
    return result as NDArray[];
  }
  return null;
}

/** Evaluates node `n` on its inputs' constant values (all of them must be constants). */
export function evaluateNode(ctx: EvalContext, n: PNode): NDArray[] | null {
  const values: NDArray[] = [];
  for (const r of n.inputs) {
    const v = constValue(r);
    if (!v) return null;
    values.push(v);
  }
  return evaluate(
    ctx,
    n.name,
    n.type,
    n.attrs,
    values,
    n.outputs.map((o) => o.dtype),
  );
}

/** Whether every element of a numeric constant equals `x`. */
export function allEqual(a: NDArray, x: number): boolean {
  const d = a.data;
  if (d instanceof BigInt64Array) {
    const b = BigInt(x);
    for (let i = 0; i < d.length; i++) if (d[i] !== b) return false;
    return true;
  }
  if (!(d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array))
    return d instanceof Uint8Array && a.dtype === "uint8" && d.every((v) => v === x);
  for (let i = 0; i < d.length; i++) if (d[i] !== x) return false;
  return true;
}

/** A constant's elements as numbers (int32/int64 index vectors: perms, shapes, axes). */
export function intValues(a: NDArray): number[] | null {
  const d = a.data;
  if (d instanceof Int32Array) return [...d];
  if (d instanceof BigInt64Array) return [...d].map(Number);
  return null;
}
