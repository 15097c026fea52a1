// Linear algebra: band parts, diagonals, inverses, determinants, decompositions, solves, Einsum:
// registrations (shape functions) and TF1's top-level builders (tf.matrixInverse, tf.einsum...).
// Gradients are in linalg_grad.ts; the tf.linalg names in ns_linalg.ts.
import type { DType } from "../framework/dtypes.js";
import {
  type EinsumEquation,
  einsumDims,
  einsumOutputShape,
  formatEinsum,
  parseEinsum,
} from "../framework/einsum_rules.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp, type ShapeFn } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import type { Dim } from "../framework/tensor_shape.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

// ---------------------------------------------------------------------------------------------
// Shape functions

/** The input as [...batch, rows, cols] (rank >= 2), or null for an unknown rank. */
function matrixShape(c: ShapeContext, i: number, square = false) {
  const s = c.withRankAtLeast(i, 2);
  if (s.dims === null) return null;
  const batch = s.dims.slice(0, -2);
  const rows = s.dims[s.dims.length - 2];
  let cols = s.dims[s.dims.length - 1];
  if (square) cols = c.mergeDim(rows, cols, "Dimensions of a square matrix");
  return { batch, rows: square ? cols : rows, cols };
}

const minDim = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : Math.min(a, b));

/** Merges two batch-dim lists that must be equal (TF 1.15's solvers do not broadcast). */
function mergeBatch(c: ShapeContext, a: Dim[], b: Dim[]): Dim[] {
  if (a.length !== b.length) {
    c.fail(`Batch dimensions must be equal, but are [${a.join(",")}] and [${b.join(",")}]`);
  }
  return a.map((d, k) => c.mergeDim(d, b[k], "Batch dimensions"));
}

const squareSameShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0, true);
  return m ? [...m.batch, m.rows, m.rows] : null;
};
const sameShapeRank2: ShapeFn = (c) => c.withRankAtLeast(0, 2);

for (const t of ["MatrixBandPart", "BatchMatrixBandPart"]) {
  registerOp(t, {
    shape: (c) => {
      c.withRank(1, 0);
      c.withRank(2, 0);
      return sameShapeRank2(c);
    },
  });
}

const diagShape: ShapeFn = (c) => {
  const s = c.withRankAtLeast(0, 1);
  return s.dims === null ? null : [...s.dims, s.dims[s.dims.length - 1]];
};
const diagPartShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0);
  return m ? [...m.batch, minDim(m.rows, m.cols)] : null;
};
const setDiagShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0);
  const d = c.withRankAtLeast(1, 1);
  if (!m) return c.input(0);
  if (d.dims !== null) {
    if (d.dims.length !== m.batch.length + 1) {
      c.fail(`diagonal must have rank ${m.batch.length + 1}, got ${d}`);
    }
    const batch = mergeBatch(c, m.batch, d.dims.slice(0, -1));
    c.mergeDim(minDim(m.rows, m.cols), d.dims[d.dims.length - 1], "Diagonal length");
    return [...batch, m.rows, m.cols];
  }
  return c.input(0);
};
for (const [v1, batch, fn] of [
  ["MatrixDiag", "BatchMatrixDiag", diagShape],
  ["MatrixDiagPart", "BatchMatrixDiagPart", diagPartShape],
  ["MatrixSetDiag", "BatchMatrixSetDiag", setDiagShape],
] as const) {
  registerOp(v1, { shape: fn });
  registerOp(batch, { shape: fn });
}

/** The constant [lower, upper] of a `k` input, or null when it is not known at construction. */
function constDiagRange(c: ShapeContext, i: number): [number, number] | null {
  const s = c.input(i);
  if (s.rank !== null && s.rank > 1) c.fail(`diag_index must be a scalar or vector, got ${s}`);
  const k = c.inputValue(i);
  if (!k) return null;
  if (k.size < 1 || k.size > 2)
    c.fail(`diag_index must have only one or two elements, got ${k.size}`);
  const lower = Number(k.data[0]);
  const upper = Number(k.data[k.size - 1]);
  if (lower > upper) {
    c.fail(`lower_diag_index must not be larger than upper_diag_index: ${lower} > ${upper}`);
  }
  return [lower, upper];
}

registerOp("MatrixDiagPartV2", {
  shape: (c) => {
    const m = matrixShape(c, 0);
    c.withRank(2, 0);
    const k = constDiagRange(c, 1);
    if (!m || !k) return null;
    const [lower, upper] = k;
    const len =
      m.rows === null || m.cols === null
        ? null
        : Math.min(m.rows + Math.min(upper, 0), m.cols - Math.max(lower, 0));
    return lower === upper ? [...m.batch, len] : [...m.batch, upper - lower + 1, len];
  },
});

registerOp("MatrixDiagV2", {
  shape: (c) => {
    const d = c.withRankAtLeast(0, 1);
    c.withRank(4, 0);
    const k = constDiagRange(c, 1);
    const rowsV = c.inputValue(2);
    const colsV = c.inputValue(3);
    if (!k || d.dims === null || !rowsV || !colsV) return null;
    const [lower, upper] = k;
    const single = lower === upper;
    if (!single && d.dims.length < 2) c.fail(`diagonal must be at least 2-dim, got ${d}`);
    const batch = d.dims.slice(0, single ? -1 : -2);
    const len = d.dims[d.dims.length - 1];
    let rows: Dim = Number(rowsV.data[0]);
    let cols: Dim = Number(colsV.data[0]);
    if (len === null) return [...batch, rows === -1 ? null : rows, cols === -1 ? null : cols];
    const minRows = len - Math.min(upper, 0);
    const minCols = len + Math.max(lower, 0);
    if (rows === -1 && cols === -1) rows = cols = Math.max(minRows, minCols);
    else if (rows === -1) rows = minRows;
    else if (cols === -1) cols = minCols;
    return [...batch, rows, cols];
  },
});

registerOp("MatrixSetDiagV2", {
  shape: (c) => {
    c.withRankAtLeast(1, 1);
    return sameShapeRank2(c);
  },
});

for (const t of ["MatrixInverse", "BatchMatrixInverse", "Cholesky", "BatchCholesky"]) {
  registerOp(t, { shape: squareSameShape });
}
registerOp("MatrixExponential", { shape: squareSameShape });
registerOp("MatrixSquareRoot", { shape: squareSameShape });
for (const t of ["CholeskyGrad", "BatchCholeskyGrad"]) {
  registerOp(t, {
    shape: (c) => {
      matrixShape(c, 1, true);
      const l = squareSameShape(c) as Dim[] | null;
      return c.input(1).mergeWith(l === null ? null : l);
    },
  });
}

const detShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0, true);
  return m ? m.batch : null;
};
registerOp("MatrixDeterminant", { shape: detShape });
registerOp("BatchMatrixDeterminant", { shape: detShape });
registerOp("LogMatrixDeterminant", {
  shape: (c) => {
    const s = detShape(c) as Dim[] | null;
    return [s, s];
  },
});

/** matrix [..., M, M] and rhs [..., M, K] -> [..., M, K]. */
const solveShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0, true);
  const r = matrixShape(c, 1);
  if (!m || !r) return r ? [...r.batch, r.rows, r.cols] : null;
  const batch = mergeBatch(c, m.batch, r.batch);
  const rows = c.mergeDim(m.rows, r.rows, "Matrix and right-hand side rows");
  return [...batch, rows, r.cols];
};
for (const t of [
  "MatrixSolve",
  "BatchMatrixSolve",
  "MatrixTriangularSolve",
  "BatchMatrixTriangularSolve",
]) {
  registerOp(t, { shape: solveShape });
}

const solveLsShape: ShapeFn = (c) => {
  c.withRank(2, 0);
  const m = matrixShape(c, 0);
  const r = matrixShape(c, 1);
  if (!m || !r) return null;
  const batch = mergeBatch(c, m.batch, r.batch);
  c.mergeDim(m.rows, r.rows, "Matrix and right-hand side rows");
  return [...batch, m.cols, r.cols];
};
registerOp("MatrixSolveLs", { shape: solveLsShape });
registerOp("BatchMatrixSolveLs", { shape: solveLsShape });

registerOp("Qr", {
  shape: (c) => {
    const m = matrixShape(c, 0);
    if (!m) return [null, null];
    const full = c.attr<boolean>("full_matrices");
    const k = full ? m.rows : minDim(m.rows, m.cols);
    return [
      [...m.batch, m.rows, k],
      [...m.batch, k, m.cols],
    ];
  },
});

const eigV2Shape: ShapeFn = (c) => {
  const m = matrixShape(c, 0, true);
  const computeV = c.attr<boolean>("compute_v");
  if (!m) return [null, computeV ? null : [0]];
  return [[...m.batch, m.rows], computeV ? [...m.batch, m.rows, m.rows] : [0]];
};
registerOp("SelfAdjointEigV2", { shape: eigV2Shape });
registerOp("BatchSelfAdjointEigV2", { shape: eigV2Shape });
const eigV1Shape: ShapeFn = (c) => {
  const m = matrixShape(c, 0, true);
  return m ? [...m.batch, m.rows === null ? null : m.rows + 1, m.rows] : null;
};
registerOp("SelfAdjointEig", { shape: eigV1Shape });
registerOp("BatchSelfAdjointEig", { shape: eigV1Shape });

const svdShape: ShapeFn = (c) => {
  const m = matrixShape(c, 0);
  const computeUV = c.attr<boolean>("compute_uv");
  const full = c.attr<boolean>("full_matrices");
  if (!m) return [null, computeUV ? null : [0], computeUV ? null : [0]];
  const k = minDim(m.rows, m.cols);
  return [
    [...m.batch, k],
    computeUV ? [...m.batch, m.rows, full ? m.rows : k] : [0],
    computeUV ? [...m.batch, m.cols, full ? m.cols : k] : [0],
  ];
};
registerOp("Svd", { shape: svdShape });
registerOp("BatchSvd", { shape: svdShape });

registerOp("Lu", {
  shape: (c) => {
    const m = matrixShape(c, 0, true);
    return m
      ? [
          [...m.batch, m.rows, m.rows],
          [...m.batch, m.rows],
        ]
      : [null, null];
  },
});

registerOp("Einsum", {
  shape: (c) => {
    const eq = parseEinsum(c.attr<string>("equation"), c.numInputs);
    const shapes: Dim[][] = [];
    for (let i = 0; i < c.numInputs; i++) {
      const d = c.input(i).dims;
      if (d === null) return null;
      shapes.push([...d]);
    }
    return einsumOutputShape(eq, einsumDims(eq, shapes));
  },
});

registerOp("BatchMatMul", {
  shape: (c) => {
    const a = matrixShape(c, 0);
    const b = matrixShape(c, 1);
    if (!a || !b) return null;
    const adjX = c.attr<boolean>("adj_x");
    const adjY = c.attr<boolean>("adj_y");
    const batch = mergeBatch(c, a.batch, b.batch);
    c.mergeDim(adjX ? a.rows : a.cols, adjY ? b.cols : b.rows, "Inner dimensions");
    return [...batch, adjX ? a.cols : a.rows, adjY ? b.rows : b.cols];
  },
});

registerOp("Cross", {
  shape: (c) => {
    const a = c.withRankAtLeast(0, 1);
    const b = c.withRankAtLeast(1, 1);
    if (!a.isCompatibleWith(b)) c.fail(`Cross: both inputs must be of same shape: ${a} vs. ${b}`);
    const s = a.mergeWith(b);
    if (s.dims !== null) c.mergeDim(s.dims[s.dims.length - 1], 3, "Cross's inner dimension and 3");
    return s;
  },
});

registerOp("TridiagonalMatMul", {
  shape: (c) => {
    const r = matrixShape(c, 3);
    for (let i = 0; i < 3; i++) {
      const d = matrixShape(c, i);
      if (d && r) {
        c.mergeDim(d.rows, 1, "Diagonal rows and 1");
        c.mergeDim(d.cols, r.rows, "Diagonal length and rhs rows");
      }
    }
    return c.input(3);
  },
});
registerOp("TridiagonalSolve", {
  shape: (c) => {
    const d = matrixShape(c, 0);
    const r = matrixShape(c, 1);
    if (d && r) {
      c.mergeDim(d.rows, 3, "Diagonals rows and 3");
      c.mergeDim(d.cols, r.rows, "Diagonal length and rhs rows");
    }
    return c.input(1);
  },
});

// ---------------------------------------------------------------------------------------------
// Builders (TF1's top-level names)

const i32 = (v: number | number[]) =>
  Array.isArray(v)
    ? new NDArray("int32", [v.length], Int32Array.from(v))
    : new NDArray("int32", [], Int32Array.of(v));
const i64 = (v: number) => new NDArray("int64", [], BigInt64Array.of(BigInt(v)));
/** An int index argument: numbers become int64 scalars (the default Tindex), tensors pass. */
const indexArg = (v: TensorLike): TensorLike => (typeof v === "number" ? i64(v) : v);

/** Copies a band of each innermost matrix, zeroing the rest (tf.linalg.band_part). */
export function matrixBandPart(
  input: TensorLike,
  numLower: TensorLike,
  numUpper: TensorLike,
  options: { name?: string } = {},
): Tensor {
  const lo = indexArg(numLower);
  const hi = indexArg(numUpper);
  return makeOp1("MatrixBandPart", [input, lo, hi], {}, options.name ?? "band_part");
}

export interface DiagOptions {
  name?: string;
  /** A diagonal offset or [lower, upper] range (0: the main diagonal). */
  k?: number | [number, number];
  numRows?: number;
  numCols?: number;
  paddingValue?: number;
}

const isMainDiag = (k: DiagOptions["k"]) =>
  k === undefined || k === 0 || (Array.isArray(k) && k[0] === 0 && k[1] === 0);

/** Batched diagonal matrices from diagonals (tf.linalg.diag; MatrixDiagV2 when k etc. are given). */
export function matrixDiag(diagonal: TensorLike, options: DiagOptions = {}): Tensor {
  const { k = 0, numRows = -1, numCols = -1, paddingValue = 0 } = options;
  const name = options.name ?? "diag";
  if (isMainDiag(k) && numRows === -1 && numCols === -1 && paddingValue === 0) {
    return makeOp1("MatrixDiag", [diagonal], {}, name);
  }
  const d = convertToTensor(diagonal);
  const pad = new NDArray(d.dtype, [], [paddingValue]);
  return makeOp1("MatrixDiagV2", [d, i32(k), i32(numRows), i32(numCols), pad], {}, name);
}

/** The diagonal(s) of each innermost matrix (tf.linalg.diag_part). */
export function matrixDiagPart(
  input: TensorLike,
  options: Omit<DiagOptions, "numRows" | "numCols"> = {},
): Tensor {
  const { k = 0, paddingValue = 0 } = options;
  const name = options.name ?? "diag_part";
  if (isMainDiag(k) && paddingValue === 0) return makeOp1("MatrixDiagPart", [input], {}, name);
  const x = convertToTensor(input);
  const pad = new NDArray(x.dtype, [], [paddingValue]);
  return makeOp1("MatrixDiagPartV2", [x, i32(k), pad], {}, name);
}

/** Replaces the diagonal(s) of each innermost matrix (tf.linalg.set_diag). */
export function matrixSetDiag(
  input: TensorLike,
  diagonal: TensorLike,
  options: { name?: string; k?: number | [number, number] } = {},
): Tensor {
  const name = options.name ?? "set_diag";
  if (isMainDiag(options.k)) return makeOp1("MatrixSetDiag", [input, diagonal], {}, name);
  return makeOp1("MatrixSetDiagV2", [input, diagonal, i32(options.k!)], {}, name);
}

/** The inverse of each innermost matrix (of its adjoint with `adjoint`). */
export function matrixInverse(
  input: TensorLike,
  options: { adjoint?: boolean; name?: string } = {},
): Tensor {
  return makeOp1("MatrixInverse", [input], { adjoint: options.adjoint ?? false }, options.name);
}

/** The determinant of each innermost matrix. */
export function matrixDeterminant(input: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("MatrixDeterminant", [input], {}, options.name);
}

/** [sign, log|det|] of each innermost matrix (tf.linalg.slogdet). */
export function logMatrixDeterminant(
  input: TensorLike,
  options: { name?: string } = {},
): [Tensor, Tensor] {
  const op = makeOp("LogMatrixDeterminant", [input], {}, options.name);
  return [op.outputs[0], op.outputs[1]];
}

/** The lower Cholesky factor of each innermost (symmetric positive definite) matrix. */
export function cholesky(input: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("Cholesky", [input], {}, options.name);
}

/** Solves A X = rhs given A's Cholesky factor (tf.linalg.cholesky_solve): two triangular solves. */
export function choleskySolve(
  chol: TensorLike,
  rhs: TensorLike,
  options: { name?: string } = {},
): Tensor {
  const g = graphOf([chol, rhs]);
  return g.nameScope(options.name ?? "cholesky_solve", () => {
    const y = makeOp1("MatrixTriangularSolve", [chol, rhs], { lower: true, adjoint: false });
    return makeOp1("MatrixTriangularSolve", [chol, y], { lower: true, adjoint: true });
  });
}

/** [q, r] with input = q r, q orthonormal columns and r upper triangular. */
export function qr(
  input: TensorLike,
  options: { fullMatrices?: boolean; name?: string } = {},
): [Tensor, Tensor] {
  const op = makeOp("Qr", [input], { full_matrices: options.fullMatrices ?? false }, options.name);
  return [op.outputs[0], op.outputs[1]];
}

/** Solves matrix X = rhs (adjoint(matrix) X = rhs with `adjoint`). */
export function matrixSolve(
  matrix: TensorLike,
  rhs: TensorLike,
  options: { adjoint?: boolean; name?: string } = {},
): Tensor {
  return makeOp1("MatrixSolve", [matrix, rhs], { adjoint: options.adjoint ?? false }, options.name);
}

/** Least-squares solutions of matrix X = rhs, optionally L2-regularized (tf.linalg.lstsq). */
export function matrixSolveLs(
  matrix: TensorLike,
  rhs: TensorLike,
  options: { l2Regularizer?: number; fast?: boolean; name?: string } = {},
): Tensor {
  const l2 = new NDArray("float64", [], Float64Array.of(options.l2Regularizer ?? 0));
  return makeOp1("MatrixSolveLs", [matrix, rhs, l2], { fast: options.fast ?? true }, options.name);
}

/** Solves a triangular system: matrix's lower (or upper) triangle, optionally its adjoint. */
export function matrixTriangularSolve(
  matrix: TensorLike,
  rhs: TensorLike,
  options: { lower?: boolean; adjoint?: boolean; name?: string } = {},
): Tensor {
  return makeOp1(
    "MatrixTriangularSolve",
    [matrix, rhs],
    { lower: options.lower ?? true, adjoint: options.adjoint ?? false },
    options.name,
  );
}

/** [eigenvalues ascending, eigenvectors as columns] of self-adjoint matrices (tf.linalg.eigh). */
export function selfAdjointEig(
  tensor: TensorLike,
  options: { name?: string } = {},
): [Tensor, Tensor] {
  const op = makeOp("SelfAdjointEigV2", [tensor], { compute_v: true }, options.name);
  return [op.outputs[0], op.outputs[1]];
}

/** The eigenvalues (ascending) of self-adjoint matrices (tf.linalg.eigvalsh). */
export function selfAdjointEigvals(tensor: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp("SelfAdjointEigV2", [tensor], { compute_v: false }, options.name).outputs[0];
}

export interface SvdOptions {
  fullMatrices?: boolean;
  /** Also compute u and v (default true); without them the result is s alone. */
  computeUv?: boolean;
  name?: string;
}
/** Singular values (descending) and, by default, u and v with input = u diag(s) vᵀ: [s, u, v]. */
export function svd(
  tensor: TensorLike,
  options?: SvdOptions & { computeUv?: true },
): [Tensor, Tensor, Tensor];
export function svd(tensor: TensorLike, options: SvdOptions & { computeUv: false }): Tensor;
export function svd(
  tensor: TensorLike,
  options: SvdOptions = {},
): Tensor | [Tensor, Tensor, Tensor] {
  const computeUv = options.computeUv ?? true;
  const op = makeOp(
    "Svd",
    [tensor],
    { compute_uv: computeUv, full_matrices: options.fullMatrices ?? false },
    options.name,
  );
  return computeUv ? [op.outputs[0], op.outputs[1], op.outputs[2]] : op.outputs[0];
}

/** [lu, p]: packed L (unit lower) and U with P·input = L·U, row i of P·input being input's row p[i]. */
export function lu(
  input: TensorLike,
  options: { outputIdxType?: "int32" | "int64"; name?: string } = {},
): [Tensor, Tensor] {
  const op = makeOp(
    "Lu",
    [input],
    { output_idx_type: options.outputIdxType ?? "int32" },
    options.name,
  );
  return [op.outputs[0], op.outputs[1]];
}

/** exp of each innermost matrix (tf.linalg.expm). */
export function matrixExponential(input: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("MatrixExponential", [input], {}, options.name);
}

/** The principal square root of each innermost matrix (tf.linalg.sqrtm). */
export function matrixSquareRoot(input: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("MatrixSquareRoot", [input], {}, options.name);
}

/** The cross product of 3-vectors along the last dim (tf.linalg.cross). */
export function cross(a: TensorLike, b: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("Cross", [a, b], {}, options.name);
}

/** The matrix product of a tridiagonal matrix given by its three diagonals ([..., 1, M] each) and rhs. */
export function tridiagonalMatmul(
  superdiag: TensorLike,
  maindiag: TensorLike,
  subdiag: TensorLike,
  rhs: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return makeOp1("TridiagonalMatMul", [superdiag, maindiag, subdiag, rhs], {}, options.name);
}

/** Solves a tridiagonal system; diagonals [..., 3, M] hold the superdiag, maindiag and subdiag rows. */
export function tridiagonalSolve(
  diagonals: TensorLike,
  rhs: TensorLike,
  options: { partialPivoting?: boolean; name?: string } = {},
): Tensor {
  return makeOp1(
    "TridiagonalSolve",
    [diagonals, rhs],
    { partial_pivoting: options.partialPivoting ?? true },
    options.name,
  );
}

/** The sum of the main diagonal of each innermost matrix (tf.linalg.trace). */
export function trace(x: TensorLike, options: { name?: string } = {}): Tensor {
  const g = graphOf([x]);
  return g.nameScope(options.name ?? "Trace", () =>
    makeOp1("Sum", [makeOp1("MatrixDiagPart", [x]), i32(-1)], { keep_dims: false }),
  );
}

/** An identity matrix, or a batch of them (tf.eye), as a MatrixDiag of ones. */
export function eye(
  numRows: number,
  options: { numColumns?: number; batchShape?: number[]; dtype?: DType; name?: string } = {},
): Tensor {
  const { numColumns = numRows, batchShape = [], dtype = "float32" } = options;
  for (const d of [numRows, numColumns, ...batchShape]) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`eye: sizes must be non-negative integers, got ${d}`);
    }
  }
  const g = graphOf([]);
  return g.nameScope(options.name ?? "eye", () => {
    const n = Math.min(numRows, numColumns);
    const ones = makeOp1("Fill", [i32([...batchShape, n]), new NDArray(dtype, [], [1])]);
    if (numRows === numColumns) return makeOp1("MatrixDiag", [ones]);
    const zero = new NDArray(dtype, [], [0]);
    return makeOp1("MatrixDiagV2", [ones, i32(0), i32(numRows), i32(numColumns), zero]);
  });
}

// ---- Einsum ----

export interface EinsumOptions {
  name?: string;
}
const isOptions = (v: unknown): v is EinsumOptions =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !ArrayBuffer.isView(v) &&
  !(v instanceof NDArray) &&
  Object.keys(v).every((k) => k === "name");

/**
 * Einstein summation (tf.einsum): `einsum("ij,jk->ik", a, b)`, an options object last. Implicit
 * outputs ("ij,jk"), ellipses ("...ij,...jk->...ik", broadcasting) and repeated labels ("ii->i",
 * the diagonal) are accepted. More than two inputs are contracted pairwise, left to right.
 */
export function einsum(equation: string, ...args: (TensorLike | EinsumOptions)[]): Tensor {
  const last = args[args.length - 1];
  const options = args.length > 0 && isOptions(last) ? last : {};
  const inputs = (isOptions(last) ? args.slice(0, -1) : args) as TensorLike[];
  if (inputs.length === 0) throw new ValueError("einsum: no input tensors given");
  let eq: EinsumEquation;
  try {
    eq = parseEinsum(equation, inputs.length, false);
  } catch (e) {
    throw new ValueError((e as Error).message);
  }
  const g = graphOf(inputs);
  return g.nameScope(options.name ?? "einsum", () => {
    let acc = inputs[0];
    let accLabels = eq.inputs[0];
    for (let i = 1; i < inputs.length - 1; i++) {
      // Keep the labels that a later input or the output still needs.
      const later = new Set([...eq.inputs.slice(i + 1).flat(), ...eq.output]);
      const seen = new Set<string>();
      const keep = [...accLabels, ...eq.inputs[i]].filter((l) => {
        if (!later.has(l) || seen.has(l)) return false;
        seen.add(l);
        return true;
      });
      acc = makeOp1("Einsum", [[acc, inputs[i]]], {
        equation: formatEinsum([accLabels, eq.inputs[i]], keep),
      });
      accLabels = keep;
    }
    const terms = inputs.length === 1 ? [accLabels] : [accLabels, eq.inputs[inputs.length - 1]];
    const operands = inputs.length === 1 ? [acc] : [acc, inputs[inputs.length - 1]];
    return makeOp1("Einsum", [operands], { equation: formatEinsum(terms, eq.output) });
  });
}

/** The static rank of a tensor-like value (required by tensordot). */
function rankOf(x: Tensor): number {
  if (x.rank === null) throw new ValueError(`tensordot: the rank of '${x.name}' must be known`);
  return x.rank;
}

/**
 * Tensor contraction over axes (tf.tensordot): `axes` is N (a's last N axes with b's first N) or
 * [aAxes, bAxes]. Built as one Einsum.
 */
export function tensordot(
  a: TensorLike,
  b: TensorLike,
  axes: number | [number[], number[]] | [number, number],
  options: { name?: string } = {},
): Tensor {
  const g = graphOf([a, b]);
  const at = convertToTensor(a, undefined, "a", g);
  const bt = convertToTensor(b, undefined, "b", g);
  const ra = rankOf(at);
  const rb = rankOf(bt);
  let axA: number[];
  let axB: number[];
  if (typeof axes === "number") {
    if (axes < 0 || axes > Math.min(ra, rb)) {
      throw new ValueError(`tensordot: axes must be in [0, ${Math.min(ra, rb)}], got ${axes}`);
    }
    axA = Array.from({ length: axes }, (_, i) => ra - axes + i);
    axB = Array.from({ length: axes }, (_, i) => i);
  } else {
    axA = ([] as number[]).concat(axes[0]).map((x) => (x < 0 ? x + ra : x));
    axB = ([] as number[]).concat(axes[1]).map((x) => (x < 0 ? x + rb : x));
    if (axA.length !== axB.length) {
      throw new ValueError(
        `tensordot: the axes of a and b must have the same length, got ${axA.length} and ${axB.length}`,
      );
    }
  }
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (ra + rb > letters.length) throw new ValueError("tensordot: too many dims");
  const la = Array.from({ length: ra }, (_, i) => letters[i]);
  const lb = Array.from({ length: rb }, (_, i) => letters[ra + i]);
  axA.forEach((x, i) => {
    lb[axB[i]] = la[x];
  });
  const out = [...la.filter((_, i) => !axA.includes(i)), ...lb.filter((_, i) => !axB.includes(i))];
  return makeOp1(
    "Einsum",
    [[at, bt]],
    { equation: formatEinsum([la, lb], out) },
    options.name ?? "Tensordot",
  );
}

/** Swaps the two innermost dims (tf.linalg.matrix_transpose). */
export function matrixTranspose(x: TensorLike, options: { name?: string } = {}): Tensor {
  const t = convertToTensor(x);
  const r = t.rank;
  if (r === null) throw new ValueError("matrixTranspose: the rank of the input must be known");
  if (r < 2) throw new ValueError(`matrixTranspose: input must have rank >= 2, got rank ${r}`);
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return makeOp1("Transpose", [t, i32(perm)], {}, options.name ?? "matrix_transpose");
}
