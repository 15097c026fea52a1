// Shared helpers of the sparse kernels: reading and checking a sparse tensor's three parts,
// lexicographic order of entries, and building outputs.
import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";

/** A sparse tensor at run time: flat row-major indices [n, rank] as numbers. */
export interface Sparse {
  readonly idx: number[];
  readonly n: number;
  readonly rank: number;
  readonly values: NDArray;
  readonly shape: number[];
}

export const ints = (a: NDArray): number[] =>
  Array.from(a.data as ArrayLike<number | bigint>, Number);

/** Reads and checks (indices, values, dense_shape). */
export function readSparse(
  op: string,
  indices: NDArray,
  values: NDArray,
  shape: NDArray,
  prefix = "",
): Sparse {
  if (shape.rank !== 1)
    throw new InvalidArgumentError(
      `${op}: ${prefix}shape must be a vector, got shape ${shapeString(shape.shape)}`,
    );
  const rank = shape.size;
  if (indices.rank !== 2 || indices.shape[1] !== rank)
    throw new InvalidArgumentError(
      `${op}: ${prefix}indices must be a matrix [N, ${rank}], got shape ${shapeString(indices.shape)}`,
    );
  const n = indices.shape[0];
  if (values.rank !== 1 || values.shape[0] !== n)
    throw new InvalidArgumentError(
      `${op}: ${prefix}values must be a vector of ${n} elements, got shape ${shapeString(values.shape)}`,
    );
  return { idx: ints(indices), n, rank, values, shape: ints(shape) };
}

/** Every index lies within the dense shape. */
export function checkBounds(op: string, sp: Sparse): void {
  for (let i = 0; i < sp.n; i++) {
    for (let d = 0; d < sp.rank; d++) {
      const v = sp.idx[i * sp.rank + d];
      if (v < 0 || v >= sp.shape[d])
        throw new InvalidArgumentError(
          `${op}: indices[${i}] = [${sp.idx.slice(i * sp.rank, (i + 1) * sp.rank)}] is out of bounds: need 0 <= index < [${sp.shape}]`,
        );
    }
  }
}

/** Lexicographic comparison of entry i of `a` with entry j of `b` (same rank). */
export function compareEntries(
  a: readonly number[],
  i: number,
  b: readonly number[],
  j: number,
  rank: number,
): number {
  for (let d = 0; d < rank; d++) {
    const x = a[i * rank + d];
    const y = b[j * rank + d];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The permutation that sorts the entries into row-major order (stable). */
export function sortOrder(idx: readonly number[], n: number, rank: number): number[] {
  return Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => compareEntries(idx, i, idx, j, rank) || i - j,
  );
}

export function indicesArray(idx: readonly number[], n: number, rank: number): NDArray {
  return new NDArray(
    "int64",
    [n, rank],
    BigInt64Array.from(idx.slice(0, n * rank), (x) => BigInt(x)),
  );
}
export const shapeArray = (shape: readonly number[]): NDArray =>
  new NDArray(
    "int64",
    [shape.length],
    BigInt64Array.from(shape, (x) => BigInt(x)),
  );

/** values[perm[k]] for each k. */
export function take(values: NDArray, perm: readonly number[]): NDArray {
  const out = allocData(values.dtype, perm.length) as TypedData;
  const src = values.data as ArrayLike<unknown>;
  for (let k = 0; k < perm.length; k++) (out as unknown[])[k] = src[perm[k]];
  return new NDArray(values.dtype, [perm.length], out);
}

/** Values from a JS array of numbers, in `dtype`. */
export function valuesOf(dtype: DType, vals: readonly number[]): NDArray {
  const out = allocData(dtype, vals.length);
  if (dtype === "int64") (out as BigInt64Array).set(vals.map((v) => BigInt(Math.trunc(v))));
  else (out as Float32Array).set(vals);
  return new NDArray(dtype, [vals.length], out);
}

/** Number of elements of a shape, checked against a size limit before allocating. */
export function denseSize(op: string, shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (d < 0)
      throw new InvalidArgumentError(`${op}: dense shape [${shape}] has a negative dimension`);
    n *= d;
  }
  if (n > 2 ** 31 - 1)
    throw new InvalidArgumentError(`${op}: dense shape [${shape}] is too large (${n} elements)`);
  return n;
}
