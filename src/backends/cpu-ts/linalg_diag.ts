// Kernels of the band and diagonal ops: MatrixBandPart, MatrixDiag(V2), MatrixDiagPart(V2),
// MatrixSetDiag(V2) and their BatchMatrix* aliases. Any dtype: values are only moved.
import { allocData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { checkOutputSize } from "./linalg_matrix.js";

type Slots = unknown[];
const slots = (x: NDArray): Slots => x.data as unknown as Slots;

function scalarInt(x: NDArray, what: string, op: string): number {
  if (x.rank !== 0) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be scalar, got shape ${shapeString(x.shape)}`,
    );
  }
  return Number(x.data[0]);
}

function matrixDims(x: NDArray, op: string): { rows: number; cols: number; count: number } {
  if (x.rank < 2) {
    throw new InvalidArgumentError(
      `${op}: input must be at least 2-dim, received shape: ${shapeString(x.shape)}`,
    );
  }
  const rows = x.shape[x.rank - 2];
  const cols = x.shape[x.rank - 1];
  return { rows, cols, count: shapeSize(x.shape.slice(0, -2)) };
}

cpuBackend.registerAll(["MatrixBandPart", "BatchMatrixBandPart"], (node) => (inputs) => {
  const x = arr(inputs[0]);
  const lower = scalarInt(arr(inputs[1]), "num_lower", node.type);
  const upper = scalarInt(arr(inputs[2]), "num_upper", node.type);
  const { rows, cols, count } = matrixDims(x, node.type);
  if (lower > rows) {
    throw new InvalidArgumentError(
      `${node.type}: num_lower must be negative or less or equal to number of rows (${rows}) got: ${lower}`,
    );
  }
  if (upper > cols) {
    throw new InvalidArgumentError(
      `${node.type}: num_upper must be negative or less or equal to number of columns (${cols}) got: ${upper}`,
    );
  }
  const out = new NDArray(x.dtype, x.shape, allocData(x.dtype, x.size));
  const src = slots(x);
  const dst = slots(out);
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < rows; i++) {
      // Row i keeps columns i - lower .. i + upper (a negative bound keeps the whole side).
      const j0 = lower < 0 ? 0 : Math.max(0, i - lower);
      const j1 = upper < 0 ? cols : Math.min(cols, i + upper + 1);
      const base = (b * rows + i) * cols;
      for (let j = j0; j < j1; j++) dst[base + j] = src[base + j];
    }
  }
  return [out];
});

/** The diagonal range [lower, upper] of a `k` input (a scalar or 1-2 element vector). */
function diagRange(k: NDArray, op: string): [number, number] {
  if (k.rank > 1) {
    throw new InvalidArgumentError(
      `${op}: diag_index must be a scalar or vector, received shape: ${shapeString(k.shape)}`,
    );
  }
  if (k.size < 1 || k.size > 2) {
    throw new InvalidArgumentError(
      `${op}: diag_index must have only one or two elements, received ${k.size} elements.`,
    );
  }
  const lower = Number(k.data[0]);
  const upper = Number(k.data[k.size - 1]);
  if (lower > upper) {
    throw new InvalidArgumentError(
      `${op}: lower_diag_index must not be larger than upper_diag_index: ${lower} > ${upper}`,
    );
  }
  return [lower, upper];
}

function checkDiagBounds(
  lower: number,
  upper: number,
  rows: number,
  cols: number,
  op: string,
): void {
  for (const [what, d] of [
    ["lower_diag_index", lower],
    ["upper_diag_index", upper],
  ] as const) {
    if (!((-rows < d && d < cols) || d === 0)) {
      throw new InvalidArgumentError(
        `${op}: ${what} is out of bound: ${d}. It must be between ${-rows} and ${cols}`,
      );
    }
  }
}

/** The padding value of a V2 op (a scalar of the input's dtype). */
function paddingOf(p: NDArray | undefined, op: string): unknown {
  if (!p) return undefined;
  if (p.rank !== 0) {
    throw new InvalidArgumentError(
      `${op}: padding_value must be a scalar, received shape: ${shapeString(p.shape)}`,
    );
  }
  return slots(p)[0];
}

// diagonal[..., m, n] = input[..., n + max(-d, 0), n + max(d, 0)] with d = upper - m (left-aligned).
function diagPart(x: NDArray, lower: number, upper: number, pad: unknown, op: string): NDArray {
  const { rows, cols, count } = matrixDims(x, op);
  checkDiagBounds(lower, upper, rows, cols, op);
  const numDiags = upper - lower + 1;
  const maxLen = Math.max(0, Math.min(rows + Math.min(upper, 0), cols - Math.max(lower, 0)));
  const batch = x.shape.slice(0, -2);
  const shape = numDiags === 1 ? [...batch, maxLen] : [...batch, numDiags, maxLen];
  const out = new NDArray(x.dtype, shape, allocData(x.dtype, checkOutputSize(shape, op)));
  const src = slots(x);
  const dst = slots(out);
  let o = 0;
  for (let b = 0; b < count; b++) {
    for (let m = 0; m < numDiags; m++) {
      const d = upper - m;
      const y0 = Math.max(-d, 0);
      const x0 = Math.max(d, 0);
      for (let n = 0; n < maxLen; n++, o++) {
        if (n + y0 < rows && n + x0 < cols) dst[o] = src[(b * rows + n + y0) * cols + n + x0];
        else if (pad !== undefined) dst[o] = pad;
      }
    }
  }
  return out;
}

cpuBackend.registerAll(["MatrixDiagPart", "BatchMatrixDiagPart"], (node) => (inputs) => [
  diagPart(arr(inputs[0]), 0, 0, undefined, node.type),
]);
cpuBackend.register("MatrixDiagPartV2", (node) => (inputs) => {
  const [lower, upper] = diagRange(arr(inputs[1]), node.type);
  return [diagPart(arr(inputs[0]), lower, upper, paddingOf(arr(inputs[2]), node.type), node.type)];
});

/** Checks a diagonal tensor against [lower, upper]: its batch dims, num_diags and max_diag_len. */
function diagLayout(diag: NDArray, lower: number, upper: number, op: string) {
  const numDiags = upper - lower + 1;
  const minRank = numDiags === 1 ? 1 : 2;
  if (diag.rank < minRank) {
    throw new InvalidArgumentError(
      `${op}: diagonal must be at least ${minRank}-dim, received shape: ${shapeString(diag.shape)}`,
    );
  }
  if (numDiags > 1 && diag.shape[diag.rank - 2] !== numDiags) {
    throw new InvalidArgumentError(
      `${op}: The number of diagonals provided in the input does not match the lower_diag_index and upper_diag_index range. Expected ${numDiags} diagonals, got shape ${shapeString(diag.shape)}`,
    );
  }
  const maxLen = diag.shape[diag.rank - 1];
  const batch = diag.shape.slice(0, diag.rank - minRank);
  return { numDiags, maxLen, batch };
}

function matrixDiag(
  diag: NDArray,
  lower: number,
  upper: number,
  numRows: number,
  numCols: number,
  pad: unknown,
  op: string,
): NDArray {
  const { maxLen, batch } = diagLayout(diag, lower, upper, op);
  const minRows = maxLen - Math.min(upper, 0);
  const minCols = maxLen + Math.max(lower, 0);
  if (numRows === -1 && numCols === -1) {
    numRows = numCols = Math.max(minRows, minCols);
  } else if (numRows === -1) numRows = minRows;
  else if (numCols === -1) numCols = minCols;
  if (numRows < minRows || numCols < minCols || (numRows !== minRows && numCols !== minCols)) {
    throw new InvalidArgumentError(
      `${op}: The number of rows or columns is not consistent with the specified d_lower, d_upper, and diagonal. num_rows = ${numRows}, num_cols = ${numCols}, diagonal shape ${shapeString(diag.shape)}`,
    );
  }
  const shape = [...batch, numRows, numCols];
  const out = new NDArray(diag.dtype, shape, allocData(diag.dtype, checkOutputSize(shape, op)));
  const src = slots(diag);
  const dst = slots(out);
  const numDiags = upper - lower + 1;
  const count = shapeSize(batch);
  let o = 0;
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < numRows; i++) {
      for (let j = 0; j < numCols; j++, o++) {
        const d = j - i;
        if (d >= lower && d <= upper) {
          dst[o] = src[(b * numDiags + upper - d) * maxLen + Math.min(i, j)];
        } else if (pad !== undefined) dst[o] = pad;
      }
    }
  }
  return out;
}

cpuBackend.registerAll(["MatrixDiag", "BatchMatrixDiag"], (node) => (inputs) => [
  matrixDiag(arr(inputs[0]), 0, 0, -1, -1, undefined, node.type),
]);
cpuBackend.register("MatrixDiagV2", (node) => (inputs) => {
  const [lower, upper] = diagRange(arr(inputs[1]), node.type);
  const numRows = scalarInt(arr(inputs[2]), "num_rows", node.type);
  const numCols = scalarInt(arr(inputs[3]), "num_cols", node.type);
  const pad = paddingOf(arr(inputs[4]), node.type);
  return [matrixDiag(arr(inputs[0]), lower, upper, numRows, numCols, pad, node.type)];
});

function setDiag(x: NDArray, diag: NDArray, lower: number, upper: number, op: string): NDArray {
  const { rows, cols, count } = matrixDims(x, op);
  checkDiagBounds(lower, upper, rows, cols, op);
  const numDiags = upper - lower + 1;
  const maxLen = Math.max(0, Math.min(rows + Math.min(upper, 0), cols - Math.max(lower, 0)));
  const expected = [...x.shape.slice(0, -2), ...(numDiags === 1 ? [] : [numDiags]), maxLen];
  if (shapeString(diag.shape) !== shapeString(expected)) {
    throw new InvalidArgumentError(
      `${op}: diagonal must have shape ${shapeString(expected)} for input of shape ${shapeString(x.shape)}, got ${shapeString(diag.shape)}`,
    );
  }
  const out = new NDArray(x.dtype, x.shape, allocData(x.dtype, x.size));
  const dst = slots(out);
  const src = slots(x);
  for (let i = 0; i < x.size; i++) dst[i] = src[i];
  const dv = slots(diag);
  for (let b = 0; b < count; b++) {
    for (let m = 0; m < numDiags; m++) {
      const d = upper - m;
      const y0 = Math.max(-d, 0);
      const x0 = Math.max(d, 0);
      for (let n = 0; n + y0 < rows && n + x0 < cols; n++) {
        dst[(b * rows + n + y0) * cols + n + x0] = dv[(b * numDiags + m) * maxLen + n];
      }
    }
  }
  return out;
}

cpuBackend.registerAll(["MatrixSetDiag", "BatchMatrixSetDiag"], (node) => (inputs) => [
  setDiag(arr(inputs[0]), arr(inputs[1]), 0, 0, node.type),
]);
cpuBackend.register("MatrixSetDiagV2", (node) => (inputs) => {
  const [lower, upper] = diagRange(arr(inputs[2]), node.type);
  return [setDiag(arr(inputs[0]), arr(inputs[1]), lower, upper, node.type)];
});
