// Dense matrix algorithms on one row-major float64 matrix at a time: LU with partial pivoting,
// Cholesky, triangular solves, Householder QR, Jacobi eigen/singular value decompositions and
// the matrix exponential. The kernels (linalg_decomp.ts) batch them.

export interface LU {
  /** Unit-lower L (below the diagonal) and U (on and above it), packed. */
  lu: Float64Array;
  /** Row i of P·A is row perm[i] of A. */
  perm: Int32Array;
  /** The sign of the permutation (+1 or -1). */
  sign: number;
  /** A zero pivot was met (the matrix is singular). */
  singular: boolean;
}

/** LU decomposition with partial pivoting (P·A = L·U) of an n x n matrix. */
export function luDecompose(a: Float64Array, n: number): LU {
  const lu = Float64Array.from(a);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k];
    if (pivot === 0 || Number.isNaN(pivot)) {
      singular = true;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return { lu, perm, sign, singular };
}

/** Solves A·X = B (B is n x k) from A's LU decomposition. */
export function luSolve(d: LU, n: number, b: Float64Array, k: number): Float64Array {
  const { lu, perm } = d;
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) x[i * k + j] = b[perm[i] * k + j];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < i; p++) {
      const f = lu[i * n + p];
      if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[p * k + j];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let p = i + 1; p < n; p++) {
      const f = lu[i * n + p];
      if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[p * k + j];
    }
    const piv = lu[i * n + i];
    for (let j = 0; j < k; j++) x[i * k + j] /= piv;
  }
  return x;
}

/** The lower Cholesky factor of the (lower triangle of the) n x n matrix; null if not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= l[j * n + p] * l[j * n + p];
    if (!(d > 0)) return null; // also catches NaN
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Solves op(T)·X = B where T is the lower (or upper) triangle of the n x n matrix `a` (the rest of
 * `a` is not read) and op is the transpose when `adjoint`. Null if T has a zero on its diagonal.
 */
export function triangularSolve(
  a: Float64Array,
  n: number,
  b: Float64Array,
  k: number,
  lower: boolean,
  adjoint: boolean,
): Float64Array | null {
  for (let i = 0; i < n; i++) if (a[i * n + i] === 0) return null;
  const x = Float64Array.from(b);
  // T^T of a lower T is upper: the substitution runs forward exactly when the system is lower.
  const forward = lower !== adjoint;
  const at = (i: number, j: number) => (adjoint ? a[j * n + i] : a[i * n + j]);
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    const lo = forward ? 0 : i + 1;
    const hi = forward ? i : n;
    for (let p = lo; p < hi; p++) {
      const f = at(i, p);
      if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[p * k + j];
    }
    const d = a[i * n + i];
    for (let j = 0; j < k; j++) x[i * k + j] /= d;
  }
  return x;
}

/**
 * Householder QR of an m x n matrix: Q is m x m (full) or m x min(m,n), R is m x n or min(m,n) x n.
 * The signs are LAPACK's (R's diagonal is -sign(x0)·|x| for each reflected column x).
 */
export function householderQr(
  a: Float64Array,
  m: number,
  n: number,
  full: boolean,
): { q: Float64Array; r: Float64Array } {
  const r = Float64Array.from(a);
  const q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  const steps = Math.min(m - 1, n);
  const v = new Float64Array(m);
  for (let k = 0; k < steps; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] * r[i * n + k];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = r[k * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    v.fill(0);
    v[k] = x0 - alpha;
    for (let i = k + 1; i < m; i++) v[i] = r[i * n + k];
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    // R <- H R, Q <- Q H with H = I - 2 v v^T / (v^T v).
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i] * r[i * n + j];
      s = (2 * s) / vv;
      for (let i = k; i < m; i++) r[i * n + j] -= s * v[i];
    }
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let p = k; p < m; p++) s += q[i * m + p] * v[p];
      s = (2 * s) / vv;
      for (let p = k; p < m; p++) q[i * m + p] -= s * v[p];
    }
    for (let i = k + 1; i < m; i++) r[i * n + k] = 0;
  }
  if (full || m <= n) return { q, r };
  // Reduced: the first n columns of Q, the first n rows of R.
  const qr = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) qr[i * n + j] = q[i * m + j];
  return { q: qr, r: r.slice(0, n * n) };
}

/**
 * Eigen-decomposition of the symmetric n x n matrix whose lower triangle is `a` (cyclic Jacobi):
 * eigenvalues ascending, and the matching unit eigenvectors as the columns of v.
 */
export function symmetricEigen(a: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = a[i * n + j];
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (const x of s) scale = Math.max(scale, Math.abs(x));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q] ** 2;
    if (off <= (1e-17 * scale) ** 2 || !Number.isFinite(off)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q];
        if (Math.abs(apq) <= 1e-18 * scale) continue;
        const theta = (s[q * n + q] - s[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        // S <- J^T S J with the rotation J in the (p, q) plane; V <- V J.
        for (let k = 0; k < n; k++) {
          const skp = s[k * n + p];
          const skq = s[k * n + q];
          s[k * n + p] = c * skp - sn * skq;
          s[k * n + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          const spk = s[p * n + k];
          const sqk = s[q * n + k];
          s[p * n + k] = c * spk - sn * sqk;
          s[q * n + k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s[i * n + i] - s[j * n + j]);
  const w = Float64Array.from(order, (i) => s[i * n + i]);
  const vs = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) vs[i * n + k] = v[i * n + order[k]];
  return { w, v: vs };
}

/**
 * Fills the zero columns of the m x c matrix `u` (columns orthonormal or zero) with unit vectors
 * orthogonal to every other column (Gram-Schmidt against the standard basis).
 */
function completeBasis(u: Float64Array, m: number, c: number): void {
  const col = new Float64Array(m);
  for (let k = 0; k < c; k++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += u[i * c + k] ** 2;
    if (norm > 0.5) continue;
    let best: Float64Array | null = null;
    let bestNorm = 0;
    for (let e = 0; e < m; e++) {
      col.fill(0);
      col[e] = 1;
      for (let j = 0; j < c; j++) {
        if (j === k) continue;
        let d = 0;
        for (let i = 0; i < m; i++) d += u[i * c + j] * col[i];
        for (let i = 0; i < m; i++) col[i] -= d * u[i * c + j];
      }
      let nn = 0;
      for (let i = 0; i < m; i++) nn += col[i] * col[i];
      if (nn > bestNorm) {
        bestNorm = nn;
        best = Float64Array.from(col);
      }
    }
    const inv = 1 / Math.sqrt(bestNorm);
    for (let i = 0; i < m; i++) u[i * c + k] = best![i] * inv;
  }
}

/**
 * Singular value decomposition A = U·diag(s)·V^T of an m x n matrix (one-sided Jacobi), singular
 * values descending. U is m x m or m x min(m,n) (`full`), V is n x n or n x min(m,n) (for m >= n
 * both are n x n).
 */
export function svd(
  a: Float64Array,
  m: number,
  n: number,
  full: boolean,
): { s: Float64Array; u: Float64Array; v: Float64Array } {
  if (m < n) {
    const t = svd(transposeOf(a, m, n), n, m, full);
    return { s: t.s, u: t.v, v: t.u };
  }
  // m >= n: orthogonalize the columns of W = A·V.
  const w = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p];
          const y = w[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p];
          const y = w[i * n + q];
          w[i * n + p] = c * x - sn * y;
          w[i * n + q] = sn * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p];
          const y = v[i * n + q];
          v[i * n + p] = c * x - sn * y;
          v[i * n + q] = sn * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Float64Array.from({ length: n }, (_, k) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += w[i * n + k] ** 2;
    return Math.sqrt(s);
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => norms[j] - norms[i]);
  const s = Float64Array.from(order, (k) => norms[k]);
  const uc = full ? m : n;
  const u = new Float64Array(m * uc);
  const tiny = (s[0] || 0) * 1e-13;
  order.forEach((k, col) => {
    if (norms[k] <= tiny) return; // completed below
    for (let i = 0; i < m; i++) u[i * uc + col] = w[i * n + k] / norms[k];
  });
  completeBasis(u, m, uc);
  const vs = new Float64Array(n * n);
  order.forEach((k, col) => {
    for (let i = 0; i < n; i++) vs[i * n + col] = v[i * n + k];
  });
  return { s, u, v: vs };
}

function transposeOf(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

function mul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const x = a[i * n + p];
      if (x !== 0) for (let j = 0; j < n; j++) out[i * n + j] += x * b[p * n + j];
    }
  }
  return out;
}

/**
 * exp(A) of an n x n matrix: scaling and squaring with the [8/8] Padé approximant (A is scaled
 * until its 1-norm is at most 1/2, where the approximant's error is far below float64's epsilon).
 */
export function matrixExp(a: Float64Array, n: number): Float64Array | null {
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let c = 0;
    for (let i = 0; i < n; i++) c += Math.abs(a[i * n + j]);
    norm = Math.max(norm, c);
  }
  if (!Number.isFinite(norm)) return null;
  const squarings = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const x = Float64Array.from(a, (v) => v / 2 ** squarings);
  // Padé coefficients c_k = (2q-k)! q! / ((2q)! k! (q-k)!) for q = 8.
  const q = 8;
  const coef = [1];
  for (let k = 1; k <= q; k++) coef.push((coef[k - 1] * (q - k + 1)) / (k * (2 * q - k + 1)));
  const num = new Float64Array(n * n);
  const den = new Float64Array(n * n);
  let power: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) power[i * n + i] = 1;
  for (let k = 0; k <= q; k++) {
    if (k > 0) power = mul(power, x, n);
    const sgn = k % 2 === 0 ? 1 : -1;
    for (let i = 0; i < n * n; i++) {
      num[i] += coef[k] * power[i];
      den[i] += sgn * coef[k] * power[i];
    }
  }
  const d = luDecompose(den, n);
  if (d.singular) return null;
  let r = luSolve(d, n, num, n);
  for (let s = 0; s < squarings; s++) r = mul(r, r, n);
  return r;
}

/**
 * The principal square root of an n x n matrix (its eigenvalues in the open right half plane):
 * the symmetric case through the eigen-decomposition (a zero eigenvalue is fine there), else the
 * scaled product form of the Denman-Beavers iteration. Null when there is no real principal root
 * (a negative eigenvalue) or the iteration does not converge.
 */
export function matrixSqrt(a: Float64Array, n: number): Float64Array | null {
  let symmetric = true;
  for (let i = 0; i < n && symmetric; i++) {
    for (let j = 0; j < i; j++) if (a[i * n + j] !== a[j * n + i]) symmetric = false;
  }
  if (symmetric) {
    const { w, v } = symmetricEigen(a, n);
    const tol = Math.max(...w.map(Math.abs), 0) * n * 1e-14;
    if (w.some((x) => x < -tol)) return null;
    const out = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const r = Math.sqrt(Math.max(w[k], 0));
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) out[i * n + j] += r * v[i * n + k] * v[j * n + k];
      }
    }
    return out;
  }
  // Product form (Higham): M0 = A, Y0 = A; Mk+1 = (I + (μ²M + μ⁻²M⁻¹)/2)/2, Yk+1 = μY(I + M⁻¹/μ²)/2.
  let y = Float64Array.from(a);
  let m = Float64Array.from(a);
  const id = new Float64Array(n * n);
  for (let i = 0; i < n; i++) id[i * n + i] = 1;
  for (let it = 0; it < 100; it++) {
    const d = luDecompose(m, n);
    if (d.singular) return null;
    const mInv = luSolve(d, n, id, n);
    let det = Math.abs(d.sign);
    for (let i = 0; i < n; i++) det *= Math.abs(d.lu[i * n + i]);
    const mu = det > 0 && Number.isFinite(det) ? det ** (-1 / (2 * n)) : 1;
    const yNext = mul(y, mInv, n);
    const nextY = new Float64Array(n * n);
    const nextM = new Float64Array(n * n);
    let change = 0;
    for (let i = 0; i < n * n; i++) {
      nextY[i] = (mu * y[i] + yNext[i] / mu) / 2;
      nextM[i] = (id[i] + (mu * mu * m[i] + mInv[i] / (mu * mu)) / 2) / 2;
      change = Math.max(change, Math.abs(nextM[i] - id[i]));
    }
    y = nextY;
    m = nextM;
    if (!y.every(Number.isFinite)) return null;
    if (change < 1e-15 * n) return y;
  }
  return null;
}
