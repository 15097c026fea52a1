// Linear algebra kernels: Cross, BatchMatMul (V1), the tridiagonal ops; the band/diagonal,
// dense-decomposition and Einsum kernels live in the linalg_*.ts files imported here.
import "./linalg_diag.js";
import "./linalg_decomp.js";
import "./linalg_einsum.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { batchOf, floatData, newOutput, readMatrix, writeMatrix } from "./linalg_matrix.js";

cpuBackend.register("Cross", (node) => (inputs) => {
  const a = arr(inputs[0]);
  const b = arr(inputs[1]);
  if (shapeString(a.shape) !== shapeString(b.shape)) {
    throw new InvalidArgumentError(
      `Cross: both inputs must be of same shape: ${shapeString(a.shape)} vs. ${shapeString(b.shape)}`,
    );
  }
  if (a.rank < 1 || a.shape[a.rank - 1] !== 3) {
    throw new InvalidArgumentError(
      `Cross: inner dimension must be 3, got shape ${shapeString(a.shape)}`,
    );
  }
  if (a.dtype === "string" || a.dtype === "bool" || a.dtype === "int64") {
    throw new InvalidArgumentError(`${node.type} has no kernel for dtype ${a.dtype}`);
  }
  const x = a.data as Float64Array;
  const y = b.data as Float64Array;
  const out = newOutput(a.dtype, a.shape, node.type);
  const o = out.data as Float64Array;
  for (let i = 0; i < a.size; i += 3) {
    o[i] = x[i + 1] * y[i + 2] - x[i + 2] * y[i + 1];
    o[i + 1] = x[i + 2] * y[i] - x[i] * y[i + 2];
    o[i + 2] = x[i] * y[i + 1] - x[i + 1] * y[i];
  }
  return [out];
});

// BatchMatMul (V1): BatchMatMulV2's product without broadcasting: the batch dims must be equal.
cpuBackend.register("BatchMatMul", (node, env) => {
  const v2 = cpuBackend.get("BatchMatMulV2")!(node, env);
  return (inputs) => {
    const x = arr(inputs[0]);
    const y = arr(inputs[1]);
    if (x.rank < 2 || x.rank !== y.rank) {
      throw new InvalidArgumentError(
        `In[0] and In[1] has different ndims: ${shapeString(x.shape)} vs. ${shapeString(y.shape)}`,
      );
    }
    for (let i = 0; i < x.rank - 2; i++) {
      if (x.shape[i] !== y.shape[i]) {
        throw new InvalidArgumentError(
          `In[0].dim(${i}) and In[1].dim(${i}) must be the same: ${shapeString(x.shape)} vs ${shapeString(y.shape)}`,
        );
      }
    }
    return v2(inputs);
  };
});

/** The diagonals and rhs of a tridiagonal op: each diagonal [..., 1, m] against rhs [..., m, n]. */
function tridiagRhs(rhs: ReturnType<typeof arr>, op: string) {
  const { count, rows: m, cols: n } = batchOf(rhs, op);
  return { count, m, n };
}

cpuBackend.register("TridiagonalMatMul", (node) => (inputs) => {
  const [sup, main, sub, rhs] = inputs.map(arr);
  const rd = floatData(rhs, node.type);
  const { count, m, n } = tridiagRhs(rhs, node.type);
  const want = shapeString([...rhs.shape.slice(0, -2), 1, m]);
  for (const [name, d] of [
    ["superdiag", sup],
    ["maindiag", main],
    ["subdiag", sub],
  ] as const) {
    if (shapeString(d.shape) !== want) {
      throw new InvalidArgumentError(
        `TridiagonalMatMul: ${name} must have shape ${want} for rhs of shape ${shapeString(rhs.shape)}, got ${shapeString(d.shape)}`,
      );
    }
  }
  const [u, d, l] = [sup, main, sub].map((t) => floatData(t, node.type));
  const out = newOutput(rhs.dtype, rhs.shape, node.type);
  const o = out.data as Float64Array;
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < m; i++) {
      const di = b * m + i;
      for (let j = 0; j < n; j++) {
        const at = (r: number) => rd[(b * m + r) * n + j];
        let v = d[di] * at(i);
        if (i + 1 < m) v += u[di] * at(i + 1);
        if (i > 0) v += l[di] * at(i - 1);
        o[(b * m + i) * n + j] = v;
      }
    }
  }
  return [out];
});

/**
 * Solves one tridiagonal system (super/main/sub diagonals, n x k rhs) by Gaussian elimination,
 * with partial pivoting (which widens U to two superdiagonals) or without (Thomas's algorithm).
 */
function solveTridiagonal(
  up: Float64Array,
  dg: Float64Array,
  lo: Float64Array,
  rhs: Float64Array,
  m: number,
  k: number,
  pivot: boolean,
): Float64Array | null {
  // Row i of the banded U: a[i] on the diagonal, b[i] and c[i] on the next two columns.
  const a = Float64Array.from(dg);
  const b = Float64Array.from(up);
  const c = new Float64Array(m);
  const low = Float64Array.from(lo);
  const x = Float64Array.from(rhs);
  for (let i = 0; i < m - 1; i++) {
    // Eliminate low[i+1] (row i+1's entry in column i).
    if (pivot && Math.abs(low[i + 1]) > Math.abs(a[i])) {
      // Swap rows i and i+1: row i+1 has (low, diag, up) at columns i, i+1, i+2.
      const [ai, bi, ci] = [a[i], b[i], c[i]];
      a[i] = low[i + 1];
      b[i] = a[i + 1];
      c[i] = i + 2 < m ? b[i + 1] : 0;
      const f = ai / a[i];
      a[i + 1] = bi - f * b[i];
      b[i + 1] = ci - f * c[i];
      for (let j = 0; j < k; j++) {
        const t = x[i * k + j];
        x[i * k + j] = x[(i + 1) * k + j];
        x[(i + 1) * k + j] = t - f * x[(i + 1) * k + j];
      }
    } else {
      if (a[i] === 0) return null;
      const f = low[i + 1] / a[i];
      a[i + 1] -= f * b[i];
      if (i + 2 < m) b[i + 1] -= f * c[i];
      for (let j = 0; j < k; j++) x[(i + 1) * k + j] -= f * x[i * k + j];
    }
  }
  for (let i = m - 1; i >= 0; i--) {
    if (a[i] === 0) return null;
    for (let j = 0; j < k; j++) {
      let v = x[i * k + j];
      if (i + 1 < m) v -= b[i] * x[(i + 1) * k + j];
      if (i + 2 < m) v -= c[i] * x[(i + 2) * k + j];
      x[i * k + j] = v / a[i];
    }
  }
  return x;
}

cpuBackend.register("TridiagonalSolve", (node) => {
  const pivot = node.attrs.partial_pivoting !== false;
  return (inputs) => {
    const diags = arr(inputs[0]);
    const rhs = arr(inputs[1]);
    const dd = floatData(diags, node.type);
    const rd = floatData(rhs, node.type);
    const { count, m, n } = tridiagRhs(rhs, node.type);
    const want = shapeString([...rhs.shape.slice(0, -2), 3, m]);
    if (shapeString(diags.shape) !== want) {
      throw new InvalidArgumentError(
        `TridiagonalSolve: diagonals must have shape ${want} (superdiag, maindiag, subdiag) for rhs of shape ${shapeString(rhs.shape)}, got ${shapeString(diags.shape)}`,
      );
    }
    const out = newOutput(rhs.dtype, rhs.shape, node.type);
    for (let b = 0; b < count; b++) {
      const three = readMatrix(dd, b, 3, m);
      const x = solveTridiagonal(
        three.subarray(0, m),
        three.subarray(m, 2 * m),
        three.subarray(2 * m),
        readMatrix(rd, b, m, n),
        m,
        n,
        pivot,
      );
      if (!x) {
        throw new InvalidArgumentError(
          pivot
            ? "The matrix is not invertible."
            : "The matrix is either not invertible, or requires pivoting. Try setting partial_pivoting = True.",
        );
      }
      writeMatrix(out, b, x);
    }
    return [out];
  };
});
