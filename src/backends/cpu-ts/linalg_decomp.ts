// Kernels of the dense linalg ops, batched over leading dims (float32/float64, computed in
// float64): inverse, determinants, solves, Cholesky (+ its gradient op), QR, eigen, SVD, LU,
// the matrix exponential; and the deprecated BatchMatrix* aliases sharing them.
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  cholesky,
  householderQr,
  luDecompose,
  luSolve,
  matrixExp,
  matrixSqrt,
  svd,
  symmetricEigen,
  triangularSolve,
} from "./linalg_algos.js";
import {
  batchOf,
  floatData,
  matMul,
  newOutput,
  readMatrix,
  sameBatch,
  transposed,
  writeMatrix,
} from "./linalg_matrix.js";

const identity = (n: number): Float64Array => {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
};

cpuBackend.registerAll(["MatrixInverse", "BatchMatrixInverse"], (node) => {
  const adjoint = node.attrs.adjoint === true;
  return (inputs) => {
    const x = arr(inputs[0]);
    const data = floatData(x, node.type);
    const { count, rows: n } = batchOf(x, node.type, true);
    const out = newOutput(x.dtype, x.shape, node.type);
    for (let b = 0; b < count; b++) {
      let a = readMatrix(data, b, n, n);
      if (adjoint) a = transposed(a, n, n);
      const d = luDecompose(a, n);
      if (d.singular) throw new InvalidArgumentError("Input is not invertible.");
      writeMatrix(out, b, luSolve(d, n, identity(n), n));
    }
    return [out];
  };
});

cpuBackend.registerAll(["MatrixDeterminant", "BatchMatrixDeterminant"], (node) => (inputs) => {
  const x = arr(inputs[0]);
  const data = floatData(x, node.type);
  const { count, rows: n, batch } = batchOf(x, node.type, true);
  const out = newOutput(x.dtype, batch, node.type);
  for (let b = 0; b < count; b++) {
    const d = luDecompose(readMatrix(data, b, n, n), n);
    let det = d.sign;
    for (let i = 0; i < n; i++) det *= d.lu[i * n + i];
    out.data[b] = d.singular ? 0 : det;
  }
  return [out];
});

cpuBackend.register("LogMatrixDeterminant", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const data = floatData(x, node.type);
  const { count, rows: n, batch } = batchOf(x, node.type, true);
  const sign = newOutput(x.dtype, batch, node.type);
  const logAbs = newOutput(x.dtype, batch, node.type);
  for (let b = 0; b < count; b++) {
    const d = luDecompose(readMatrix(data, b, n, n), n);
    if (d.singular) {
      // A singular matrix: sign 0 and log|det| = -inf, as TF.
      sign.data[b] = 0;
      logAbs.data[b] = Number.NEGATIVE_INFINITY;
      continue;
    }
    let s = d.sign;
    let l = 0;
    for (let i = 0; i < n; i++) {
      const u = d.lu[i * n + i];
      if (u < 0) s = -s;
      l += Math.log(Math.abs(u));
    }
    sign.data[b] = s;
    logAbs.data[b] = l;
  }
  return [sign, logAbs];
});

/** The matrix and rhs of a solve: square matrices, rhs rows matching, equal batch dims. */
function solveOperands(m: NDArray, r: NDArray, op: string) {
  const mb = batchOf(m, op, true);
  const rb = batchOf(r, op);
  sameBatch(m, r, op);
  if (rb.rows !== mb.rows) {
    throw new InvalidArgumentError(
      `${op}: Input matrix and right-hand side must have the same number of rows: ${shapeString(m.shape)} vs. ${shapeString(r.shape)}`,
    );
  }
  return { count: mb.count, n: mb.rows, k: rb.cols };
}

cpuBackend.registerAll(["MatrixSolve", "BatchMatrixSolve"], (node) => {
  const adjoint = node.attrs.adjoint === true;
  return (inputs) => {
    const m = arr(inputs[0]);
    const r = arr(inputs[1]);
    const md = floatData(m, node.type);
    const rd = floatData(r, node.type);
    const { count, n, k } = solveOperands(m, r, node.type);
    const out = newOutput(r.dtype, r.shape, node.type);
    for (let b = 0; b < count; b++) {
      let a = readMatrix(md, b, n, n);
      if (adjoint) a = transposed(a, n, n);
      const d = luDecompose(a, n);
      if (d.singular) throw new InvalidArgumentError("Input matrix is not invertible.");
      writeMatrix(out, b, luSolve(d, n, readMatrix(rd, b, n, k), k));
    }
    return [out];
  };
});

cpuBackend.registerAll(["MatrixTriangularSolve", "BatchMatrixTriangularSolve"], (node) => {
  const lower = node.attrs.lower !== false;
  const adjoint = node.attrs.adjoint === true;
  return (inputs) => {
    const m = arr(inputs[0]);
    const r = arr(inputs[1]);
    const md = floatData(m, node.type);
    const rd = floatData(r, node.type);
    const { count, n, k } = solveOperands(m, r, node.type);
    const out = newOutput(r.dtype, r.shape, node.type);
    for (let b = 0; b < count; b++) {
      const x = triangularSolve(
        readMatrix(md, b, n, n),
        n,
        readMatrix(rd, b, n, k),
        k,
        lower,
        adjoint,
      );
      if (!x) throw new InvalidArgumentError("Input matrix is not invertible.");
      writeMatrix(out, b, x);
    }
    return [out];
  };
});

cpuBackend.registerAll(["Cholesky", "BatchCholesky"], (node) => (inputs) => {
  const x = arr(inputs[0]);
  const data = floatData(x, node.type);
  const { count, rows: n } = batchOf(x, node.type, true);
  const out = newOutput(x.dtype, x.shape, node.type);
  for (let b = 0; b < count; b++) {
    const l = cholesky(readMatrix(data, b, n, n), n);
    if (!l) {
      throw new InvalidArgumentError(
        "Cholesky decomposition was not successful. The input might not be valid.",
      );
    }
    writeMatrix(out, b, l);
  }
  return [out];
});

/**
 * dL -> dA for L = cholesky(A) (only the lower triangles of L and dL are read), symmetrized:
 * with Φ(X) = the lower triangle of X with its diagonal halved,
 * dA = ½ (S + Sᵀ) where S = L⁻ᵀ Φ(Lᵀ dL) L⁻¹ (Murray, "Differentiation of the Cholesky
 * decomposition", 2016).
 */
function choleskyBackprop(l: Float64Array, g: Float64Array, n: number): Float64Array {
  const lower = (m: Float64Array) => m.map((v, i) => (i % n <= Math.floor(i / n) ? v : 0));
  const L = lower(l);
  const G = lower(g);
  const phi = matMul(transposed(L, n, n), G, n, n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j > i) phi[i * n + j] = 0;
      else if (j === i) phi[i * n + j] *= 0.5;
    }
  }
  // S = L^-T (Φ L^-1): solve Lᵀ S = Φ L⁻¹, where Φ L⁻¹ = (L⁻ᵀ Φᵀ)ᵀ.
  const left = triangularSolve(L, n, transposed(phi, n, n), n, true, true);
  if (!left) return new Float64Array(n * n).fill(Number.NaN);
  const s = triangularSolve(L, n, transposed(left, n, n), n, true, true)!;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = 0.5 * (s[i * n + j] + s[j * n + i]);
  }
  return out;
}

cpuBackend.registerAll(["CholeskyGrad", "BatchCholeskyGrad"], (node) => (inputs) => {
  const l = arr(inputs[0]);
  const g = arr(inputs[1]);
  const ld = floatData(l, node.type);
  const gd = floatData(g, node.type);
  const { count, rows: n } = batchOf(l, node.type, true);
  if (shapeString(l.shape) !== shapeString(g.shape)) {
    throw new InvalidArgumentError(
      `${node.type}: l and grad must have the same shape: ${shapeString(l.shape)} vs. ${shapeString(g.shape)}`,
    );
  }
  const out = newOutput(l.dtype, l.shape, node.type);
  for (let b = 0; b < count; b++) {
    writeMatrix(out, b, choleskyBackprop(readMatrix(ld, b, n, n), readMatrix(gd, b, n, n), n));
  }
  return [out];
});

cpuBackend.register("Qr", (node) => {
  const full = node.attrs.full_matrices === true;
  return (inputs) => {
    const x = arr(inputs[0]);
    const data = floatData(x, node.type);
    const { count, rows: m, cols: n, batch } = batchOf(x, node.type);
    const k = Math.min(m, n);
    const qc = full ? m : k;
    const rr = full ? m : k;
    const q = newOutput(x.dtype, [...batch, m, qc], node.type);
    const r = newOutput(x.dtype, [...batch, rr, n], node.type);
    for (let b = 0; b < count; b++) {
      const d = householderQr(readMatrix(data, b, m, n), m, n, full);
      writeMatrix(q, b, d.q);
      writeMatrix(r, b, d.r);
    }
    return [q, r];
  };
});

/** The eigen-decompositions of a batch of symmetric matrices (lower triangles read). */
function eigBatch(x: NDArray, op: string) {
  const data = floatData(x, op);
  const { count, rows: n, batch } = batchOf(x, op, true);
  const results = Array.from({ length: count }, (_, b) =>
    symmetricEigen(readMatrix(data, b, n, n), n),
  );
  return { results, n, batch };
}

cpuBackend.registerAll(["SelfAdjointEigV2", "BatchSelfAdjointEigV2"], (node) => {
  const computeV = node.attrs.compute_v !== false;
  return (inputs) => {
    const x = arr(inputs[0]);
    const { results, n, batch } = eigBatch(x, node.type);
    const e = newOutput(x.dtype, [...batch, n], node.type);
    const v = newOutput(x.dtype, computeV ? [...batch, n, n] : [0], node.type);
    results.forEach((r, b) => {
      writeMatrix(e, b, r.w);
      if (computeV) writeMatrix(v, b, r.v);
    });
    return [e, v];
  };
});

// The deprecated V1 form: one [..., n+1, n] output, eigenvalues in row 0, eigenvectors below.
cpuBackend.registerAll(["SelfAdjointEig", "BatchSelfAdjointEig"], (node) => (inputs) => {
  const x = arr(inputs[0]);
  const { results, n, batch } = eigBatch(x, node.type);
  const out = newOutput(x.dtype, [...batch, n + 1, n], node.type);
  results.forEach((r, b) => {
    const m = new Float64Array((n + 1) * n);
    m.set(r.w, 0);
    m.set(r.v, n);
    writeMatrix(out, b, m);
  });
  return [out];
});

cpuBackend.registerAll(["Svd", "BatchSvd"], (node) => {
  const computeUV = node.attrs.compute_uv !== false;
  const full = node.attrs.full_matrices === true;
  return (inputs) => {
    const x = arr(inputs[0]);
    const data = floatData(x, node.type);
    const { count, rows: m, cols: n, batch } = batchOf(x, node.type);
    const k = Math.min(m, n);
    const s = newOutput(x.dtype, [...batch, k], node.type);
    const u = newOutput(x.dtype, computeUV ? [...batch, m, full ? m : k] : [0], node.type);
    const v = newOutput(x.dtype, computeUV ? [...batch, n, full ? n : k] : [0], node.type);
    for (let b = 0; b < count; b++) {
      const d = svd(readMatrix(data, b, m, n), m, n, full);
      writeMatrix(s, b, d.s);
      if (!computeUV) continue;
      writeMatrix(u, b, d.u);
      writeMatrix(v, b, d.v);
    }
    return [s, u, v];
  };
});

cpuBackend.register("Lu", (node) => {
  const idxType = node.attrs.output_idx_type === "int64" ? "int64" : "int32";
  return (inputs) => {
    const x = arr(inputs[0]);
    const data = floatData(x, node.type);
    const { count, rows: n, batch } = batchOf(x, node.type, true);
    const lu = newOutput(x.dtype, x.shape, node.type);
    const p = newOutput(idxType, [...batch, n], node.type);
    for (let b = 0; b < count; b++) {
      const d = luDecompose(readMatrix(data, b, n, n), n);
      if (d.singular) throw new InvalidArgumentError("Input is not invertible.");
      writeMatrix(lu, b, d.lu);
      for (let i = 0; i < n; i++) {
        if (idxType === "int64") (p.data as BigInt64Array)[b * n + i] = BigInt(d.perm[i]);
        else (p.data as Int32Array)[b * n + i] = d.perm[i];
      }
    }
    return [lu, p];
  };
});

/**
 * A kernel applying `fn` to each square matrix of the batch; where `fn` has no result (no real
 * principal square root: a negative eigenvalue), that matrix is NaNs, as TF's is undefined.
 */
const perMatrix =
  (fn: (m: Float64Array, n: number) => Float64Array | null | undefined) =>
  (node: NodeInfo) =>
  (inputs: Value[]) => {
    const x = arr(inputs[0]);
    const data = floatData(x, node.type);
    const { count, rows: n } = batchOf(x, node.type, true);
    const out = newOutput(x.dtype, x.shape, node.type);
    for (let b = 0; b < count; b++) {
      const r = fn(readMatrix(data, b, n, n), n);
      writeMatrix(out, b, r ?? new Float64Array(n * n).fill(Number.NaN));
    }
    return [out];
  };
cpuBackend.register("MatrixExponential", perMatrix(matrixExp));
cpuBackend.register("MatrixSquareRoot", perMatrix(matrixSqrt));

cpuBackend.registerAll(["MatrixSolveLs", "BatchMatrixSolveLs"], (node) => {
  const fast = node.attrs.fast !== false;
  return (inputs) => {
    const a = arr(inputs[0]);
    const r = arr(inputs[1]);
    const l2 = arr(inputs[2]);
    if (l2.rank !== 0) {
      throw new InvalidArgumentError(
        `${node.type}: l2_regularizer must be a scalar, got shape ${shapeString(l2.shape)}`,
      );
    }
    const lambda = Number(l2.data[0]);
    const ad = floatData(a, node.type);
    const rd = floatData(r, node.type);
    const { count, rows: m, cols: n, batch } = batchOf(a, node.type);
    const rb = batchOf(r, node.type);
    sameBatch(a, r, node.type);
    if (rb.rows !== m) {
      throw new InvalidArgumentError(
        `${node.type}: Input matrix and right-hand side must have the same number of rows: ${shapeString(a.shape)} vs. ${shapeString(r.shape)}`,
      );
    }
    const k = rb.cols;
    const out = newOutput(r.dtype, [...batch, n, k], node.type);
    for (let b = 0; b < count; b++) {
      const A = readMatrix(ad, b, m, n);
      const B = readMatrix(rd, b, m, k);
      writeMatrix(out, b, fast ? lsFast(A, B, m, n, k, lambda) : lsSvd(A, B, m, n, k, lambda));
    }
    return [out];
  };
});

/**
 * Regularized least squares through the normal equations (TF's fast path): X = (AᵀA + λI)⁻¹ AᵀB
 * when m >= n, else the minimum-norm X = Aᵀ (AAᵀ + λI)⁻¹ B.
 */
function lsFast(
  A: Float64Array,
  B: Float64Array,
  m: number,
  n: number,
  k: number,
  lambda: number,
): Float64Array {
  const At = transposed(A, m, n);
  const over = m >= n;
  const size = over ? n : m;
  const gram = over ? matMul(At, A, n, m, n) : matMul(A, At, m, n, m);
  for (let i = 0; i < size; i++) gram[i * size + i] += lambda;
  const l = cholesky(gram, size);
  if (!l) {
    throw new InvalidArgumentError(
      "MatrixSolveLs: the (regularized) Gram matrix is not positive definite: the input is rank deficient; use l2_regularizer > 0 or fast=false.",
    );
  }
  const rhs = over ? matMul(At, B, n, m, k) : B;
  const y = triangularSolve(l, size, rhs, k, true, false)!;
  const z = triangularSolve(l, size, y, k, true, true)!;
  return over ? z : matMul(At, z, n, m, k);
}

/** Least squares through the SVD (the fast=false path): X = V diag(s / (s² + λ)) Uᵀ B. */
function lsSvd(
  A: Float64Array,
  B: Float64Array,
  m: number,
  n: number,
  k: number,
  lambda: number,
): Float64Array {
  const r = Math.min(m, n);
  const { s, u, v } = svd(A, m, n, false);
  const cutoff = (s[0] || 0) * Math.max(m, n) * 2.2e-16;
  const utb = matMul(transposed(u, m, r), B, r, m, k);
  for (let i = 0; i < r; i++) {
    const f = s[i] > cutoff ? s[i] / (s[i] * s[i] + lambda) : 0;
    for (let j = 0; j < k; j++) utb[i * k + j] *= f;
  }
  return matMul(v, utb, n, r, k);
}
