// Batched matrices for the linalg kernels: shape checks, reading one matrix as float64 and
// writing results back in the input's dtype.
import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";

export type FloatData = Float32Array | Float64Array;

/** The float data of a linalg input; other dtypes have no kernel. */
export function floatData(x: NDArray, op: string): FloatData {
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new InvalidArgumentError(`${op} has no kernel for dtype ${x.dtype}`);
  }
  return x.data as FloatData;
}

export interface Batch {
  /** The leading dims. */
  batch: number[];
  /** How many matrices. */
  count: number;
  rows: number;
  cols: number;
}

/** The batch of matrices in `x` (rank >= 2), optionally required square. */
export function batchOf(x: NDArray, op: string, square = false): Batch {
  if (x.rank < 2) {
    throw new InvalidArgumentError(
      `${op}: input must have rank >= 2, got shape ${shapeString(x.shape)}`,
    );
  }
  const rows = x.shape[x.rank - 2];
  const cols = x.shape[x.rank - 1];
  if (square && rows !== cols) {
    throw new InvalidArgumentError(
      `${op}: input matrices must be square, got shape ${shapeString(x.shape)}`,
    );
  }
  const batch = x.shape.slice(0, -2);
  return { batch, count: shapeSize(batch), rows, cols };
}

/** Matrix `b` of a batch, copied into float64. */
export function readMatrix(data: FloatData, b: number, rows: number, cols: number): Float64Array {
  const n = rows * cols;
  return Float64Array.from(data.subarray(b * n, (b + 1) * n));
}

/** The most elements one output may have (a typed array's practical limit). */
export const MAX_OUTPUT_SIZE = 2 ** 31 - 1;

/** Fails before allocating when an output of `shape` would be too large. */
export function checkOutputSize(shape: readonly number[], op: string): number {
  const n = shapeSize(shape);
  if (!Number.isSafeInteger(n) || n > MAX_OUTPUT_SIZE) {
    throw new InvalidArgumentError(`${op}: the output shape ${shapeString(shape)} is too large`);
  }
  return n;
}

/** A fresh output of `dtype` and `shape` (its size checked first). */
export function newOutput(dtype: DType, shape: readonly number[], op = "linalg"): NDArray {
  return new NDArray(dtype, shape, allocData(dtype, checkOutputSize(shape, op)));
}

/** Copies `m` into matrix `b` of `out`. */
export function writeMatrix(out: NDArray, b: number, m: ArrayLike<number>): void {
  (out.data as FloatData).set(m, b * m.length);
}

/** The transpose of a rows x cols row-major matrix. */
export function transposed(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** The rows x cols product of (rows x k) a and (k x cols) b. */
export function matMul(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  k: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < k; p++) {
      const v = a[i * k + p];
      if (v === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += v * b[p * cols + j];
    }
  }
  return out;
}

/** A batch-compatible check of two inputs' leading dims (no broadcasting, as TF 1.15's solvers). */
export function sameBatch(a: NDArray, b: NDArray, op: string): void {
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  if (ba.length !== bb.length || ba.some((d, i) => d !== bb[i])) {
    throw new InvalidArgumentError(
      `${op}: the batch dims of the inputs must be equal, got shapes ${shapeString(a.shape)} and ${shapeString(b.shape)}`,
    );
  }
}
