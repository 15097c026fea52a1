// Helpers shared by the image kernels: checked allocation, numeric views of any dtype, the
// 4-D image and 2-element size checks, and the byte-string convention of encoded images.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";

export type Floats = Float32Array | Float64Array;

/** Largest element count a kernel allocates (TF's int32 index limit). */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** Checks an element count before a kernel allocates its output. */
export function checkSize(n: number, op: string): void {
  if (!Number.isFinite(n) || n > MAX_ELEMENTS)
    throw new InvalidArgumentError(`${op}: output of ${n} elements is too large to allocate`);
}

/** A zeroed float32 or float64 buffer of n elements (after the size check). */
export function floats(dtype: DType, n: number, op: string): Floats {
  checkSize(n, op);
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/** The values of a numeric array as numbers (int64 converted; other typed arrays as they are). */
export function numbers(x: NDArray): ArrayLike<number> {
  if (x.dtype === "string" || x.dtype === "bool")
    throw new InvalidArgumentError(`Expected a numeric tensor, got ${x.dtype}`);
  if (x.data instanceof BigInt64Array) return Float64Array.from(x.data, Number);
  return x.data as ArrayLike<number>;
}

export function check4D(x: NDArray, what: string, op: string): [number, number, number, number] {
  if (x.rank !== 4)
    throw new InvalidArgumentError(
      `${op}: ${what} must be 4-dimensional, got shape ${shapeString(x.shape)}`,
    );
  return x.shape as [number, number, number, number];
}

/** A 1-D int32 input of two positive values (a resize's `size`, a crop's `crop_size`). */
export function sizePair(v: NDArray, what: string, op: string): [number, number] {
  if (v.rank !== 1 || v.size !== 2)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a 1-D tensor of 2 elements, got shape ${shapeString(v.shape)}`,
    );
  const h = Number(v.data[0]);
  const w = Number(v.data[1]);
  if (h <= 0 || w <= 0)
    throw new InvalidArgumentError(`${op}: ${what} must be positive, got [${h}, ${w}]`);
  return [h, w];
}

/** A scalar input's value as a number. */
export function scalarOf(v: NDArray, what: string, op: string): number {
  if (v.rank !== 0 && v.size !== 1)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(v.shape)}`,
    );
  return Number(v.data[0]);
}

// Encoded images travel in string tensors as byte strings (the shared rule of
// framework/bytes.ts: chars 0-255 are bytes, any other string is its UTF-8 encoding).
export { bytesString as byteString, stringBytes as bytesOf } from "../../framework/bytes.js";
