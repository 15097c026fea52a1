// Helpers shared by the array extra kernels: element access, coordinate walks, argument checks.
import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError, ResourceExhaustedError } from "../../framework/errors.js";
import { intValues } from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";

/** Element storage viewed as a plain indexable list (typed arrays and string[] alike). */
export type Elems = { [i: number]: unknown; length: number };
export const elems = (d: TypedData): Elems => d as unknown as Elems;

/** Refuses outputs too large for one typed array, before anything is allocated. */
export function checkSize(shape: readonly number[], op: string): number {
  const n = shapeSize(shape);
  if (n > 2 ** 31 - 1) {
    // A size past a limit is ResourceExhaustedError, as memory_limit.ts reports the others.
    throw new ResourceExhaustedError(
      `${op}: output of shape ${shapeString(shape)} (${n} elements) is too large to allocate`,
    );
  }
  return n;
}

/**
 * An array of `outShape` whose element at each coordinate is x's element at flat index
 * `src(coord)`, or zero (empty string) where src returns -1. The coordinate array is reused
 * between calls.
 */
export function mapElements(
  x: NDArray,
  outShape: readonly number[],
  src: (coord: readonly number[]) => number,
  op: string,
): NDArray {
  const n = checkSize(outShape, op);
  const out = allocData(x.dtype, n);
  const dst = elems(out);
  const from = elems(x.data);
  const rank = outShape.length;
  const coord = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    const i = src(coord);
    if (i >= 0) dst[o] = from[i];
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d] < outShape[d]) break;
      coord[d] = 0;
    }
  }
  return new NDArray(x.dtype, outShape, out);
}

/** Flat index of a coordinate under `strides`. */
export function flatIndex(coord: readonly number[], strides: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < coord.length; d++) f += coord[d] * strides[d];
  return f;
}

export function scalarInt(a: NDArray, what: string, op: string): number {
  if (a.rank !== 0) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, not shape ${shapeString(a.shape)}`,
    );
  }
  return Number(a.data[0]);
}

export function vectorInts(a: NDArray, what: string, op: string): number[] {
  if (a.rank !== 1) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a vector, not shape ${shapeString(a.shape)}`,
    );
  }
  return intValues(a);
}

/** Adds (sign 1) or subtracts (sign -1) src[si] into dst[di], for every numeric dtype. */
export function accumulate(
  dtype: DType,
  dst: TypedData,
  di: number,
  src: TypedData,
  si: number,
  sign: 1 | -1,
): void {
  if (dtype === "int64") {
    const d = dst as BigInt64Array;
    const v = (src as BigInt64Array)[si];
    d[di] = sign === 1 ? d[di] + v : d[di] - v;
  } else {
    const d = dst as Float64Array;
    d[di] += sign * (src as Float64Array)[si];
  }
}

/** Whether a dtype is numeric (arithmetic kernels refuse strings and bools). */
export function checkNumeric(dtype: DType, op: string): void {
  if (dtype === "string" || dtype === "bool") {
    throw new InvalidArgumentError(`${op} does not support dtype ${dtype}`);
  }
}

export { shapeSize, shapeString };
