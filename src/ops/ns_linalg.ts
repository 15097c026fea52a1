// The tf.linalg namespace: re-exports of its builders under TensorFlow's names, and the few
// builders that exist only here (norm, adjoint, logdet, matvec).
import "./linalg_grad.js"; // registers the linalg gradients
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { cholesky, matrixDiagPart, matrixTranspose, svd as svdOp } from "./linalg.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "./op_builder.js";
import { matmul as matmulOp } from "./reduction.js";

export {
  cholesky,
  choleskySolve,
  cross,
  einsum,
  eye,
  logMatrixDeterminant as slogdet,
  lu,
  matrixBandPart as bandPart,
  matrixDeterminant as det,
  matrixDiag as diag,
  matrixDiagPart as diagPart,
  matrixExponential as expm,
  matrixInverse as inv,
  matrixSetDiag as setDiag,
  matrixSolve as solve,
  matrixSolveLs as lstsq,
  matrixSquareRoot as sqrtm,
  matrixTranspose as transpose,
  matrixTriangularSolve as triangularSolve,
  qr,
  selfAdjointEig as eigh,
  selfAdjointEigvals as eigvalsh,
  svd,
  tensordot,
  trace,
  tridiagonalMatmul,
  tridiagonalSolve,
} from "./linalg.js";
export { matmul } from "./reduction.js";

const i32 = (v: number[]) => new NDArray("int32", [v.length], Int32Array.from(v));

/** The conjugate transpose of the innermost matrices (the transpose, for real dtypes). */
export function adjoint(matrix: TensorLike, options: { name?: string } = {}): Tensor {
  return matrixTranspose(matrix, { name: options.name ?? "adjoint" });
}

/** log(det) of Hermitian positive definite matrices: 2 Σ log(diag(cholesky(matrix))). */
export function logdet(matrix: TensorLike, options: { name?: string } = {}): Tensor {
  const g = graphOf([matrix]);
  return g.nameScope(options.name ?? "logdet", () => {
    const m = convertToTensor(matrix);
    const logDiag = makeOp1("Log", [matrixDiagPart(cholesky(m))]);
    const total = makeOp1("Sum", [logDiag, i32([-1])], { keep_dims: false });
    return makeOp1("Mul", [total, new NDArray(m.dtype, [], [2])]);
  });
}

/** a · b for a batch of matrices a and vectors b (tf.linalg.matvec). */
export function matvec(
  a: TensorLike,
  b: TensorLike,
  options: { transposeA?: boolean; adjointA?: boolean; name?: string } = {},
): Tensor {
  const g = graphOf([a, b]);
  return g.nameScope(options.name ?? "matvec", () => {
    const col = makeOp1("ExpandDims", [b, new NDArray("int32", [], Int32Array.of(-1))]);
    const p = matmulOp(a, col, { transposeA: options.transposeA, adjointA: options.adjointA });
    return makeOp1("Squeeze", [p], { squeeze_dims: [-1] });
  });
}

export interface NormOptions {
  /** "euclidean" (default), "fro", 1, 2, Infinity, or any p > 0 for vectors. */
  ord?: "euclidean" | "fro" | number;
  /** One axis (a vector norm), two (a matrix norm), or all dims flattened (default). */
  axis?: number | [number, number];
  keepdims?: boolean;
  name?: string;
}

/**
 * Vector and matrix norms (tf.norm), composed from element-wise ops and reductions; the matrix
 * 2-norm is the largest singular value.
 */
export function norm(tensor: TensorLike, options: NormOptions = {}): Tensor {
  const { ord = "euclidean", keepdims = false } = options;
  const g = graphOf([tensor]);
  return g.nameScope(options.name ?? "norm", () => {
    const x = convertToTensor(tensor);
    const r = x.rank;
    const axis = options.axis;
    const isMatrix = Array.isArray(axis);
    if (isMatrix && axis[0] === axis[1]) throw new ValueError(`norm: axes must differ: ${axis}`);
    if (!isMatrix && ord === "fro") {
      throw new ValueError("norm: 'fro' is only defined for matrices (give two axes)");
    }
    const abs = makeOp1("Abs", [x]);
    const reduce = (type: string, t: TensorLike, ax: number[], keep = true) =>
      makeOp1(type, [t, i32(ax)], { keep_dims: keep });
    let out: Tensor;
    if (ord === "euclidean" || ord === "fro" || (!isMatrix && ord === 2)) {
      const ax = axis === undefined ? allAxes(x) : ([] as number[]).concat(axis);
      out = makeOp1("Sqrt", [reduce("Sum", makeOp1("Square", [x]), ax)]);
    } else if (!isMatrix) {
      if (typeof ord !== "number" || !(ord > 0)) {
        throw new ValueError(
          `norm: ord must be a positive number, 'euclidean' or 'fro', got ${ord}`,
        );
      }
      const ax = axis === undefined ? allAxes(x) : [axis];
      if (ord === Number.POSITIVE_INFINITY) out = reduce("Max", abs, ax);
      else if (ord === 1) out = reduce("Sum", abs, ax);
      else {
        const p = new NDArray(x.dtype, [], [ord]);
        const s = reduce("Sum", makeOp1("Pow", [abs, p]), ax);
        out = makeOp1("Pow", [s, new NDArray(x.dtype, [], [1 / ord])]);
      }
    } else {
      if (r === null) throw new ValueError("norm: the rank of the input must be known");
      const [a0, a1] = axis.map((a) => (a < 0 ? a + r : a));
      if (ord === 1 || ord === Number.POSITIVE_INFINITY) {
        // 1: the largest column sum of |x|; inf: the largest row sum.
        const [first, second] = ord === 1 ? [a0, a1] : [a1, a0];
        out = reduce("Max", reduce("Sum", abs, [first]), [second]);
      } else if (ord === 2) {
        // Move the two axes last, take the largest singular value, put the dims back.
        const rest = Array.from({ length: r }, (_, i) => i).filter((i) => i !== a0 && i !== a1);
        const moved = makeOp1("Transpose", [x, i32([...rest, a0, a1])]);
        const s = svdOp(moved, { computeUv: false });
        const top = makeOp1("Max", [s, i32([-1])], { keep_dims: false });
        out = top;
        if (keepdims) {
          for (const a of [a0, a1].sort((p, q) => p - q)) {
            out = makeOp1("ExpandDims", [out, new NDArray("int32", [], Int32Array.of(a))]);
          }
        }
        return out;
      } else {
        throw new ValueError(`norm: unsupported ord ${ord} for a matrix norm`);
      }
    }
    if (keepdims) return out;
    const ax = axis === undefined ? allAxes(x) : ([] as number[]).concat(axis);
    return makeOp1("Squeeze", [out], { squeeze_dims: ax });
  });
}

function allAxes(x: Tensor): number[] {
  if (x.rank === null) throw new ValueError("norm: the rank of the input must be known");
  return Array.from({ length: x.rank }, (_, i) => i);
}
