// The cores of the variable update ops that write parts of a variable: scatter (rows), scatter_nd
// (index tuples) and strided-slice assignment. Each checks its inputs against the variable's
// current value before allocating, writes into a copy, and assigns the copy to the variable.
import { allocData, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import {
  intValues,
  planStridedSlice,
  type StridedSliceMasks,
} from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";
import type { VariableRef } from "../kernel.js";

type Elem = number | bigint;
type Combine = (old: Elem, update: Elem) => Elem;
type Elems = { [i: number]: Elem; length: number };

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** How each kind combines the variable's element with the update (integer division truncates). */
function combiner(kind: string, isInt: boolean, op: string): Combine {
  switch (kind) {
    case "Add":
      return (a, b) => (a as number) + (b as number);
    case "Sub":
      return (a, b) => (a as number) - (b as number);
    case "Mul":
      return (a, b) => (a as number) * (b as number);
    case "Div":
      return (a, b) => {
        if (isInt && (b === 0 || b === 0n)) {
          throw new InvalidArgumentError(`${op}: integer division by zero`);
        }
        if (typeof a === "bigint") return a / (b as bigint);
        return isInt ? Math.trunc(a / (b as number)) : a / (b as number);
      };
    case "Min":
      // biome-ignore lint/complexity/useMathMinMax: the elements may be bigints
      return (a, b) => (b < a ? b : a);
    case "Max":
      // biome-ignore lint/complexity/useMathMinMax: the elements may be bigints
      return (a, b) => (b > a ? b : a);
    default:
      return (_a, b) => b;
  }
}

function copyOf(v: NDArray): TypedData {
  return (v.data as { slice(): TypedData }).slice();
}

function checkUpdateDtype(variable: VariableRef, updates: NDArray, op: string): void {
  if (updates.dtype !== variable.dtype) {
    throw new InvalidArgumentError(
      `${op}: updates are ${updates.dtype} but variable ${variable.name} is ${variable.dtype}`,
    );
  }
}

/**
 * var[indices[i], ...] (op)= updates[i, ...] (TF's scatter_* ops): `updates` is a scalar or of
 * shape indices.shape + var.shape[1:]; duplicate indices apply in order.
 */
export function scatterRows(
  kind: string,
  variable: VariableRef,
  indices: NDArray,
  updates: NDArray,
  op: string,
): void {
  const params = variable.read();
  checkUpdateDtype(variable, updates, op);
  if (params.rank < 1) {
    throw new InvalidArgumentError(
      `${op}: params must be at least 1-D, got ${shapeString(params.shape)}`,
    );
  }
  const scalar = updates.rank === 0;
  const want = [...indices.shape, ...params.shape.slice(1)];
  if (!scalar && !sameShape(updates.shape, want)) {
    throw new InvalidArgumentError(
      `${op}: Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = [], got updates.shape ${shapeString(updates.shape)}, indices.shape ${shapeString(indices.shape)}, params.shape ${shapeString(params.shape)}`,
    );
  }
  const rows = params.shape[0];
  const idx = intValues(indices);
  idx.forEach((r, i) => {
    if (r < 0 || r >= rows) {
      throw new InvalidArgumentError(`${op}: indices[${i}] = ${r} is not in [0, ${rows})`);
    }
  });
  const isInt = params.dtype !== "float32" && params.dtype !== "float64";
  const f = combiner(kind, isInt, op);
  const out = copyOf(params) as unknown as Elems;
  const upd = updates.data as unknown as Elems;
  const slice = rows === 0 ? 0 : params.size / rows;
  for (let i = 0; i < idx.length; i++) {
    const to = idx[i] * slice;
    const from = i * slice;
    for (let j = 0; j < slice; j++) out[to + j] = f(out[to + j], scalar ? upd[0] : upd[from + j]);
  }
  variable.assign(new NDArray(params.dtype, params.shape, out as unknown as TypedData), false);
}

/**
 * var[indices[i]] (op)= updates[i] for index tuples (TF's scatter_nd_* ops): indices has shape
 * [..., k], updates indices.shape[:-1] + var.shape[k:].
 */
export function scatterNdRows(
  kind: string,
  variable: VariableRef,
  indices: NDArray,
  updates: NDArray,
): void {
  const op = `ScatterNd${kind}`;
  const params = variable.read();
  checkUpdateDtype(variable, updates, op);
  if (indices.rank < 1) {
    throw new InvalidArgumentError(
      `${op}: indices must be at least 1-D, got ${shapeString(indices.shape)}`,
    );
  }
  const k = indices.shape[indices.rank - 1];
  if (k > params.rank) {
    throw new InvalidArgumentError(
      `${op}: the last dimension of indices (${k}) must be <= the rank of the variable ${shapeString(params.shape)}`,
    );
  }
  const batch = indices.shape.slice(0, -1);
  const want = [...batch, ...params.shape.slice(k)];
  if (!sameShape(updates.shape, want)) {
    throw new InvalidArgumentError(
      `${op}: Must have updates.shape = indices.shape[:-1] + params_shape[${k}:], got updates.shape: ${shapeString(updates.shape)}, indices.shape: ${shapeString(indices.shape)}, params_shape: ${shapeString(params.shape)}`,
    );
  }
  const slice = shapeSize(params.shape.slice(k));
  const strides = new Array<number>(k);
  for (let d = k - 1, acc = slice; d >= 0; d--) {
    strides[d] = acc;
    acc *= params.shape[d];
  }
  const idx = intValues(indices);
  const n = shapeSize(batch);
  const offsets = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < k; d++) {
      const v = idx[i * k + d];
      if (v < 0 || v >= params.shape[d]) {
        const row = idx.slice(i * k, i * k + k).join(", ");
        throw new InvalidArgumentError(
          `${op}: indices[${i}] = [${row}] does not index into param shape ${shapeString(params.shape)}`,
        );
      }
      off += v * strides[d];
    }
    offsets[i] = off;
  }
  const f = combiner(kind, false, op);
  const out = copyOf(params) as unknown as Elems;
  const upd = updates.data as unknown as Elems;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < slice; j++)
      out[offsets[i] + j] = f(out[offsets[i] + j], upd[i * slice + j]);
  }
  variable.assign(new NDArray(params.dtype, params.shape, out as unknown as TypedData), false);
}

/** var[begin:end:strides] = value (TF's StridedSliceAssign): value must have the slice's shape. */
export function stridedSliceAssign(
  variable: VariableRef,
  begin: number[],
  end: number[],
  strides: number[],
  value: NDArray,
  masks: StridedSliceMasks,
): void {
  const op = "StridedSliceAssign";
  const params = variable.read();
  checkUpdateDtype(variable, value, op);
  if (begin.length !== end.length || begin.length !== strides.length) {
    throw new InvalidArgumentError(
      `Expected begin, end, and strides to be 1D equal size tensors, but got shapes [${begin.length}], [${end.length}], and [${strides.length}] instead.`,
    );
  }
  const plan = planStridedSlice(params.shape, begin.length, begin, end, strides, masks);
  const finalShape = plan.finalShape as number[];
  if (!sameShape(finalShape, value.shape)) {
    throw new InvalidArgumentError(
      `sliced l-value shape ${shapeString(finalShape)} does not match r-value shape ${shapeString(value.shape)}. Automatic broadcasting not yet implemented.`,
    );
  }
  const sizes = plan.sizes as number[];
  const rank = sizes.length;
  const total = shapeSize(sizes);
  const out = rank === 0 ? allocData(params.dtype, 1) : copyOf(params);
  const dst = out as unknown as Elems;
  const src = value.data as unknown as Elems;
  if (rank === 0) {
    dst[0] = src[0];
  } else if (total > 0) {
    const inStrides = new Array<number>(rank);
    for (let d = rank - 1, acc = 1; d >= 0; d--) {
      inStrides[d] = acc;
      acc *= params.shape[d];
    }
    const k = new Array<number>(rank).fill(0);
    for (let o = 0; o < total; o++) {
      let off = 0;
      for (let d = 0; d < rank; d++) off += (plan.begin[d] + k[d] * plan.strides[d]) * inStrides[d];
      dst[off] = src[o];
      for (let d = rank - 1; d >= 0; d--) {
        if (++k[d] < sizes[d]) break;
        k[d] = 0;
      }
    }
  }
  variable.assign(new NDArray(params.dtype, params.shape, out), false);
}
