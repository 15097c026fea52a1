// Gradients of the linalg ops, following TensorFlow 1.15's linalg_grad.py and array_grad.py
// (derivations in the comments where they differ or are not obvious). Each is built from
// differentiable ops, so second derivatives work where those ops have gradients.
import "./linalg.js"; // the ops must be registered before their gradients
import type { DType } from "../framework/dtypes.js";
import {
  type EinsumEquation,
  ELLIPSIS,
  formatEinsum,
  parseEinsum,
} from "../framework/einsum_rules.js";
import { UnimplementedError, ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { getRegisteredOp, registerGradient } from "../framework/op_registry.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";

const i32 = (v: number | number[]) =>
  Array.isArray(v)
    ? new NDArray("int32", [v.length], Int32Array.from(v))
    : new NDArray("int32", [], Int32Array.of(v));
const i64 = (v: number) => new NDArray("int64", [], BigInt64Array.of(BigInt(v)));
const scalar = (dtype: DType, v: number) => new NDArray(dtype, [], [v]);

const mul = (a: TensorLike, b: TensorLike) => makeOp1("Mul", [a, b]);
const add = (a: TensorLike, b: TensorLike) => makeOp1("AddV2", [a, b]);
const sub = (a: TensorLike, b: TensorLike) => makeOp1("Sub", [a, b]);
const neg = (a: TensorLike) => makeOp1("Neg", [a]);
const zerosLike = (a: Tensor) => makeOp1("ZerosLike", [a]);
const expandDims = (a: TensorLike, axis: number) => makeOp1("ExpandDims", [a, i32(axis)]);
const sum = (a: TensorLike, axis: number) => makeOp1("Sum", [a, i32(axis)], { keep_dims: false });
/** a·b of matrices (batched), optionally transposing either. */
const mm = (a: Tensor, b: Tensor, adjA = false, adjB = false) =>
  makeOp1("BatchMatMulV2", [a, b], { adj_x: adjA, adj_y: adjB });
const diagPart = (a: Tensor) => makeOp1("MatrixDiagPart", [a]);
const setDiag = (a: Tensor, d: Tensor) => makeOp1("MatrixSetDiag", [a, d]);
const bandPart = (a: Tensor, lo: number, hi: number) =>
  makeOp1("MatrixBandPart", [a, i64(lo), i64(hi)]);
const triSolve = (a: Tensor, b: Tensor, lower: boolean, adjoint: boolean) =>
  makeOp1("MatrixTriangularSolve", [a, b], { lower, adjoint });
/** Identity matrices shaped like the square matrices `a`. */
const identityLike = (a: Tensor) => makeOp1("MatrixDiag", [makeOp1("OnesLike", [diagPart(a)])]);

/** Swaps the two innermost dims (a Transpose; its permutation is built at run time for an unknown rank). */
function adjoint(x: Tensor): Tensor {
  const r = x.rank;
  if (r !== null) {
    const perm = Array.from({ length: r }, (_, i) => i);
    [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
    return makeOp1("Transpose", [x, i32(perm)]);
  }
  const rank = makeOp1("Rank", [x]);
  const lead = makeOp1("Range", [0, sub(rank, 2), 1]);
  const tail = makeOp1("Pack", [[sub(rank, 1), sub(rank, 2)]], { axis: 0 });
  return makeOp1("Transpose", [x, makeOp1("ConcatV2", [[lead, tail], 0])]);
}

/** The gradient flowing into output `i`, or zeros shaped like that output. */
const gradOr = (op: Operation, grads: (Tensor | null)[], i: number): Tensor =>
  grads[i] ?? zerosLike(op.outputs[i]);

function only(grads: (Tensor | null)[]): Tensor {
  const g = grads[0];
  if (!g) throw new Error("linalg_grad: missing output gradient");
  return g;
}

// ---- Bands and diagonals (array_grad.py) ----

registerGradient("MatrixBandPart", (op, grads) => [
  makeOp1("MatrixBandPart", [only(grads), op.inputs[1], op.inputs[2]]),
  null,
  null,
]);
registerGradient("MatrixDiag", (_op, grads) => [diagPart(only(grads))]);
registerGradient("MatrixDiagPart", (op, grads) => [setDiag(zerosLike(op.inputs[0]), only(grads))]);
registerGradient("MatrixSetDiag", (op, grads) => {
  const g = only(grads);
  return [setDiag(g, zerosLike(op.inputs[1])), diagPart(g)];
});
registerGradient("MatrixDiagV2", (op, grads) => [
  makeOp1("MatrixDiagPartV2", [only(grads), op.inputs[1], scalar(op.inputs[0].dtype, 0)]),
  null,
  null,
  null,
  null,
]);
registerGradient("MatrixDiagPartV2", (op, grads) => [
  makeOp1("MatrixSetDiagV2", [zerosLike(op.inputs[0]), only(grads), op.inputs[1]]),
  null,
  null,
]);
registerGradient("MatrixSetDiagV2", (op, grads) => {
  const g = only(grads);
  const [, diag, k] = op.inputs;
  return [
    makeOp1("MatrixSetDiagV2", [g, zerosLike(diag), k]),
    makeOp1("MatrixDiagPartV2", [g, k, scalar(diag.dtype, 0)]),
    null,
  ];
});

// ---- Inverse and determinants ----

registerGradient("MatrixInverse", (op, grads) => {
  const g = only(grads);
  const y = op.outputs[0];
  // Y = A⁻¹: dA = -Yᵀ G Yᵀ. With adjoint, Y = (Aᵀ)⁻¹ and dA = -Y Gᵀ Y.
  if (op.attrs.adjoint) return [neg(mm(y, mm(g, y, true)))];
  return [neg(mm(y, mm(g, y, false, true), true))];
});

/** g (one value per matrix) times the inverse-transpose of each matrix. */
const timesInverseT = (a: Tensor, g: Tensor) =>
  mul(expandDims(expandDims(g, -1), -1), makeOp1("MatrixInverse", [a], { adjoint: true }));

registerGradient("MatrixDeterminant", (op, grads) => [
  timesInverseT(op.inputs[0], mul(only(grads), op.outputs[0])),
]);
// Only log|det| has a gradient; the sign is piecewise constant.
registerGradient("LogMatrixDeterminant", (op, grads) =>
  grads[1] ? [timesInverseT(op.inputs[0], grads[1])] : [null],
);

// TF 1.15 has no gradient for this op (its tf.linalg.expm is composed); this one uses the block
// method: exp([[Aᵀ, G], [0, Aᵀ]]) holds the adjoint Fréchet derivative L(Aᵀ, G) top right.
registerGradient("MatrixExponential", (op, grads) => {
  const g = only(grads);
  const a = op.inputs[0];
  const r = a.rank;
  if (r === null) throw new ValueError("MatrixExponential's gradient needs an input of known rank");
  const at = adjoint(a);
  const top = makeOp1("ConcatV2", [[at, g], r - 1]);
  const bottom = makeOp1("ConcatV2", [[zerosLike(a), at], r - 1]);
  const e = makeOp1("MatrixExponential", [makeOp1("ConcatV2", [[top, bottom], r - 2])]);
  const n = makeOp1("GatherV2", [makeOp1("Shape", [a]), i32([r - 1]), i32(0)]);
  const zeros = (k: number) => i32(new Array<number>(k).fill(0));
  const begin = makeOp1("ConcatV2", [[zeros(r - 1), n], 0]);
  const end = makeOp1("ConcatV2", [[zeros(r - 2), n, zeros(1)], 0]);
  const batchBits = (1 << (r - 2)) - 1;
  return [
    makeOp1("StridedSlice", [e, begin, end, i32(new Array<number>(r).fill(1))], {
      begin_mask: batchBits,
      end_mask: batchBits | (1 << (r - 1)),
    }),
  ];
});

registerGradient("MatrixSquareRoot", (op, grads) => {
  const g = only(grads);
  const r = op.outputs[0];
  const n = r.shape.dims?.[r.shape.dims.length - 1] ?? null;
  if (n === null) {
    throw new UnimplementedError(
      `MatrixSquareRoot's gradient needs the matrix size known at construction, got ${r.shape}`,
    );
  }
  // A = R R, so dA = R dR + dR R; the gradient X solves the adjoint Sylvester equation
  // Rᵀ X + X Rᵀ = G, as one linear system with the Kronecker matrix Rᵀ ⊗ I + I ⊗ R.
  const eye = identityLike(r);
  const kron = (p: Tensor, q: Tensor) =>
    makeOp1("Einsum", [[p, q]], { equation: "...ik,...jl->...ijkl" });
  const k = add(kron(adjoint(r), eye), kron(eye, r));
  const kMat = makeOp1("Reshape", [k, i32([-1, n * n, n * n])]);
  const gVec = makeOp1("Reshape", [g, i32([-1, n * n, 1])]);
  const x = makeOp1("MatrixSolve", [kMat, gVec], { adjoint: false });
  return [makeOp1("Reshape", [x, makeOp1("Shape", [g])])];
});

// ---- Cholesky and QR ----

registerGradient("Cholesky", (op, grads) => {
  const g = only(grads);
  const l = op.outputs[0];
  // dA = ½ (S + Sᵀ), S = L⁻ᵀ Φ(Lᵀ G) L⁻¹, Φ = lower triangle with the diagonal halved.
  const lInv = triSolve(l, identityLike(l), true, false);
  let middle = mm(l, g, true);
  middle = setDiag(middle, mul(diagPart(middle), scalar(l.dtype, 0.5)));
  middle = bandPart(middle, -1, 0);
  const s = mm(mm(lInv, middle, true), lInv);
  return [mul(add(s, adjoint(s)), scalar(l.dtype, 0.5))];
});

registerGradient("Qr", (op, grads) => {
  const a = op.inputs[0];
  const [q, r] = op.outputs;
  const m = a.shape.dims?.[a.shape.dims.length - 2] ?? null;
  const n = a.shape.dims?.[a.shape.dims.length - 1] ?? null;
  if (m === null || n === null || n > m || (op.attrs.full_matrices && m !== n)) {
    throw new UnimplementedError(
      `QrGrad not implemented when ncols > nrows or full_matrices is true and ncols != nrows (input shape ${a.shape})`,
    );
  }
  const dq = gradOr(op, grads, 0);
  const dr = gradOr(op, grads, 1);
  const qdq = mm(q, dq, true);
  const rdr = mm(r, dr, false, true);
  const tril = bandPart(add(sub(qdq, adjoint(qdq)), sub(rdr, adjoint(rdr))), -1, 0);
  // x R⁻ᵀ, by a triangular solve with R (upper).
  const solveRt = (x: Tensor) => adjoint(triSolve(r, adjoint(x), false, false));
  const gradA = mm(q, add(dr, solveRt(tril)));
  const gradB = solveRt(sub(dq, mm(q, qdq)));
  return [add(gradA, gradB)];
});

// ---- Solves ----

registerGradient("MatrixSolve", (op, grads) => {
  const g = only(grads);
  const [a] = op.inputs;
  const c = op.outputs[0];
  const adj = op.attrs.adjoint === true;
  const gradB = makeOp1("MatrixSolve", [a, g], { adjoint: !adj });
  const gradA = adj ? neg(mm(c, gradB, false, true)) : neg(mm(gradB, c, false, true));
  return [gradA, gradB];
});

registerGradient("MatrixTriangularSolve", (op, grads) => {
  const g = only(grads);
  const [a] = op.inputs;
  const c = op.outputs[0];
  const adj = op.attrs.adjoint === true;
  const lower = op.attrs.lower !== false;
  const gradB = triSolve(a, g, lower, !adj);
  const gradA = adj ? neg(mm(c, gradB, false, true)) : neg(mm(gradB, c, false, true));
  // Only the triangle the op reads gets a gradient.
  return [lower ? bandPart(gradA, -1, 0) : bandPart(gradA, 0, -1), gradB];
});

/** Cholesky of AᵀA + λI (first kind) or AAᵀ + λI. */
function regularizedGramCholesky(a: Tensor, l2: Tensor, firstKind: boolean): Tensor {
  const gram = firstKind ? mm(a, a, true) : mm(a, a, false, true);
  return makeOp1("Cholesky", [add(gram, mul(identityLike(gram), l2))]);
}
const choleskySolve = (chol: Tensor, rhs: Tensor) =>
  triSolve(chol, triSolve(chol, rhs, true, false), true, true);

registerGradient("MatrixSolveLs", (op, grads) => {
  const g = only(grads);
  if (op.attrs.fast === false) {
    throw new UnimplementedError("MatrixSolveLs: gradient not defined for fast=False");
  }
  const [a, b, l2raw] = op.inputs;
  const x = op.outputs[0];
  const l2 = makeOp1("Cast", [l2raw], { DstT: a.dtype });
  const dims = a.shape.dims;
  const m = dims?.[dims.length - 2] ?? null;
  const n = dims?.[dims.length - 1] ?? null;
  if (m === null || n === null) {
    throw new UnimplementedError(
      `MatrixSolveLs: the gradient needs the matrix dims known at construction, got ${a.shape}`,
    );
  }
  if (m >= n) {
    // X = (AᵀA + λI)⁻¹ AᵀB: with Z = (AᵀA + λI)⁻¹ G, dA = -A (X Zᵀ + Z Xᵀ) + B Zᵀ, dB = A Z.
    const chol = regularizedGramCholesky(a, l2, true);
    const z = choleskySolve(chol, g);
    const xzt = mm(x, z, false, true);
    const sym = add(xzt, adjoint(xzt));
    return [add(neg(mm(a, sym)), mm(b, z, false, true)), mm(a, z), null];
  }
  // X = Aᵀ (AAᵀ + λI)⁻¹ B.
  const chol = regularizedGramCholesky(a, l2, false);
  const gradB = choleskySolve(chol, mm(a, g));
  const tmp = choleskySolve(chol, b);
  const a1 = neg(mm(gradB, mm(tmp, a, true)));
  const a2 = mm(tmp, sub(g, mm(a, gradB, true)), false, true);
  return [add(a1, a2), gradB, null];
});

// ---- Eigen and singular value decompositions ----

/** 1 / (e_j - e_i) off the diagonal, 0 on it. */
const eigGaps = (e: Tensor) =>
  setDiag(makeOp1("Reciprocal", [sub(expandDims(e, -2), expandDims(e, -1))]), zerosLike(e));

registerGradient("SelfAdjointEigV2", (op, grads) => {
  const x = op.inputs[0];
  const ge = gradOr(op, grads, 0);
  let gradA: Tensor;
  if (op.attrs.compute_v !== false) {
    const [e, v] = op.outputs;
    const gv = gradOr(op, grads, 1);
    const inner = add(makeOp1("MatrixDiag", [ge]), mul(eigGaps(e), mm(v, gv, true)));
    gradA = mm(v, mm(inner, v, false, true));
  } else {
    const v = makeOp("SelfAdjointEigV2", [x], { compute_v: true }).outputs[1];
    gradA = mm(v, mm(makeOp1("MatrixDiag", [ge]), v, false, true));
  }
  // The op reads only the lower triangle: fold the upper part onto it.
  gradA = bandPart(add(gradA, adjoint(gradA)), -1, 0);
  return [setDiag(gradA, mul(diagPart(gradA), scalar(x.dtype, 0.5)))];
});

/** The first `k` columns of each matrix. */
const firstColumns = (x: Tensor, k: number) =>
  makeOp1("GatherV2", [x, i32(Array.from({ length: k }, (_, i) => i)), i32(-1)]);
const lastColumns = (x: Tensor, from: number, to: number) =>
  makeOp1("GatherV2", [x, i32(Array.from({ length: to - from }, (_, i) => from + i)), i32(-1)]);

registerGradient("Svd", (op, grads) => {
  const a = op.inputs[0];
  const gs = gradOr(op, grads, 0);
  const gsMat = makeOp1("MatrixDiag", [gs]);
  if (op.attrs.compute_uv === false) {
    const [, u, v] = makeOp("Svd", [a], { compute_uv: true, full_matrices: false }).outputs;
    return [mm(u, mm(gsMat, v, false, true))];
  }
  const dims = a.shape.dims;
  let m = dims?.[dims.length - 2] ?? null;
  let n = dims?.[dims.length - 1] ?? null;
  if (m === null || n === null) {
    throw new UnimplementedError(
      "SVD gradient has not been implemented for input with unknown inner matrix shape.",
    );
  }
  const full = op.attrs.full_matrices === true;
  let [s, u, v] = op.outputs;
  let gu = gradOr(op, grads, 1);
  let gv = gradOr(op, grads, 2);
  // For m > n differentiate Aᵀ = V S Uᵀ instead, and transpose the result.
  const useAdjoint = m > n;
  if (useAdjoint) {
    [m, n] = [n, m];
    [u, v] = [v, u];
    [gu, gv] = [gv, gu];
  }
  if (full && Math.abs(m - n) > 1) {
    throw new UnimplementedError(
      "svd gradient is not implemented for abs(m - n) > 1 when full_matrices is True",
    );
  }
  const sMat = makeOp1("MatrixDiag", [s]);
  const s2 = mul(s, s);
  const f = eigGaps(s2);
  const v1 = m === n && !full ? v : firstColumns(v, m);
  const gv1 = m === n && !full ? gv : firstColumns(gv, m);
  const fu = mul(f, mm(u, gu, true));
  const fv = mul(f, mm(v1, gv1, true));
  const term1Core = add(add(gsMat, mm(add(fu, adjoint(fu)), sMat)), mm(sMat, add(fv, adjoint(fv))));
  let gradA = mm(u, mm(term1Core, v1, false, true));
  if (m !== n) {
    const gv1t = adjoint(gv1);
    let term2 = sub(gv1t, mm(mm(gv1t, v1), v1, false, true));
    if (full) {
      const v2 = lastColumns(v, m, n);
      const gv2 = lastColumns(gv, m, n);
      term2 = sub(term2, mm(mm(v1, gv2, true), v2, false, true));
    }
    const uSInv = mm(u, makeOp1("MatrixDiag", [makeOp1("Reciprocal", [s])]));
    gradA = add(gradA, mm(uSInv, term2));
  }
  return [useAdjoint ? adjoint(gradA) : gradA];
});

// ---- Products ----

registerGradient("BatchMatMul", (op, grads) => {
  const g = only(grads);
  const [x, y] = op.inputs;
  const ax = op.attrs.adj_x === true;
  const ay = op.attrs.adj_y === true;
  const bmm = (p: Tensor, q: Tensor, tp: boolean, tq: boolean) =>
    makeOp1("BatchMatMul", [p, q], { adj_x: tp, adj_y: tq });
  if (!ax && !ay) return [bmm(g, y, false, true), bmm(x, g, true, false)];
  if (!ax && ay) return [bmm(g, y, false, false), bmm(g, x, true, false)];
  if (ax && !ay) return [bmm(y, g, false, true), bmm(x, g, false, false)];
  return [bmm(y, g, true, true), bmm(g, x, true, true)];
});

registerGradient("Cross", (op, grads) => {
  const g = only(grads);
  const [a, b] = op.inputs;
  // <G, a × b> = <a, b × G> = <b, G × a>.
  return [makeOp1("Cross", [b, g]), makeOp1("Cross", [g, a])];
});

// ---- Tridiagonal ops ----

/** x shifted by one along `axis` (negative), zero-filled: up (x'[i] = x[i+1]) or down (x'[i] = x[i-1]). */
function shift(x: Tensor, axis: number, up: boolean): Tensor {
  const r = x.rank;
  if (r === null) throw new ValueError("tridiagonal gradients need inputs of known rank");
  const ax = axis + r;
  const zeros = new Array<number>(r).fill(0);
  const begin = [...zeros];
  const end = [...zeros];
  if (up) begin[ax] = 1;
  else end[ax] = -1;
  const allBut = ((1 << r) - 1) & ~(1 << ax);
  const sliced = makeOp1("StridedSlice", [x, i32(begin), i32(end), i32(new Array(r).fill(1))], {
    begin_mask: up ? allBut : (1 << r) - 1,
    end_mask: up ? (1 << r) - 1 : allBut,
  });
  const pads = Array.from({ length: r }, (_, i) => (i === ax ? (up ? [0, 1] : [1, 0]) : [0, 0]));
  return makeOp1("Pad", [sliced, new NDArray("int32", [r, 2], Int32Array.from(pads.flat()))]);
}

/** The three diagonals of x·yᵀ as [..., 1, M] rows: superdiagonal, main, subdiagonal. */
function productDiagonals(x: Tensor, y: Tensor): [Tensor, Tensor, Tensor] {
  const row = (t: Tensor) => expandDims(sum(mul(x, t), -1), -2);
  return [row(shift(y, -2, true)), row(y), row(shift(y, -2, false))];
}

registerGradient("TridiagonalMatMul", (op, grads) => {
  const g = only(grads);
  const [sup, main, subd, rhs] = op.inputs;
  const [gSup, gMain, gSub] = productDiagonals(g, rhs);
  // Aᵀ's superdiagonal is A's subdiagonal moved up one, its subdiagonal A's superdiagonal moved down.
  const gRhs = makeOp1("TridiagonalMatMul", [
    shift(subd, -1, true),
    main,
    shift(sup, -1, false),
    g,
  ]);
  return [gSup, gMain, gSub, gRhs];
});

registerGradient("TridiagonalSolve", (op, grads) => {
  const g = only(grads);
  const diags = op.inputs[0];
  const x = op.outputs[0];
  const r = diags.rank;
  if (r === null) throw new ValueError("TridiagonalSolve's gradient needs inputs of known rank");
  const rowOf = (i: number) => makeOp1("GatherV2", [diags, i32([i]), i32(r - 2)]);
  const transposed = makeOp1("ConcatV2", [
    [shift(rowOf(2), -1, true), rowOf(1), shift(rowOf(0), -1, false)],
    r - 2,
  ]);
  const gRhs = makeOp1("TridiagonalSolve", [transposed, g], {
    partial_pivoting: op.attrs.partial_pivoting !== false,
  });
  // x = A⁻¹ b: dA = -(A⁻ᵀ G) xᵀ, of which the three diagonals matter.
  const gDiags = neg(makeOp1("ConcatV2", [productDiagonals(gRhs, x), r - 2]));
  return [gDiags, gRhs];
});

// ---- Einsum ----

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

registerGradient("Einsum", (op, grads) => {
  const g = only(grads);
  const eq = parseEinsum(op.attrs.equation as string, op.inputs.length);
  return op.inputs.map((_, i) => einsumInputGrad(eq, op.inputs, i, g));
});

/**
 * The gradient of an einsum with respect to input i: an einsum of the output gradient with the
 * other input into i's labels, then (1) its broadcast dims summed or broadcast to i's own, (2)
 * labels only i has (summed away by the op) broadcast back with ones, (3) repeated labels (a
 * diagonal) put back on the diagonal with identity matrices, (4) the dims put in i's order.
 */
function einsumInputGrad(
  eq: EinsumEquation,
  inputs: readonly Tensor[],
  i: number,
  g: Tensor,
): Tensor {
  const x = inputs[i];
  const xs = eq.inputs[i];
  if (x.rank === null) throw new ValueError("Einsum's gradient needs inputs of known rank");
  const hasE = xs.includes(ELLIPSIS);
  const eRank = x.rank - (xs.length - (hasE ? 1 : 0));
  const ePos = xs.indexOf(ELLIPSIS);
  /** The dim of x at label position p. */
  const dimAt = (p: number) => (hasE && p > ePos ? p - 1 + eRank : p);
  const other = inputs.length === 2 ? 1 - i : -1;
  const otherLabels = other >= 0 ? eq.inputs[other] : [];
  const available = new Set([...eq.output, ...otherLabels]);
  const unique = [...new Set(xs)].filter((l) => l !== ELLIPSIS);
  const kept = unique.filter((l) => available.has(l));
  const reducedOnly = unique.filter((l) => !available.has(l));
  let labels = hasE ? [ELLIPSIS, ...kept] : [...kept];
  const terms = other >= 0 ? [eq.output, otherLabels] : [eq.output];
  const operands = other >= 0 ? [g, inputs[other]] : [g];
  let r = makeOp1("Einsum", [operands], { equation: formatEinsum(terms, labels) });
  const shapeX = makeOp1("Shape", [x]);
  const dimsOf = (ps: number[]) => makeOp1("GatherV2", [shapeX, i32(ps), i32(0)]);
  if (hasE) {
    // (1) r is [broadcast dims..., kept...]; make it [x's broadcast dims..., kept...].
    const ePositions = Array.from({ length: eRank }, (_, k) => ePos + k);
    const target = dimsOf([...ePositions, ...kept.map((l) => dimAt(xs.indexOf(l)))]);
    const full = makeOp1("BroadcastArgs", [target, makeOp1("Shape", [r])]);
    const axes = makeOp("BroadcastGradientArgs", [target, full]).outputs[0];
    r = makeOp1("Sum", [makeOp1("BroadcastTo", [r, full]), axes], { keep_dims: false });
    r = makeOp1("Reshape", [r, target]);
  }
  const one = scalar(x.dtype, 1);
  for (const l of reducedOnly) {
    // (2) an outer product with ones restores a summed-away label.
    const ones = makeOp1("Fill", [dimsOf([dimAt(xs.indexOf(l))]), one]);
    r = makeOp1("Einsum", [[r, ones]], { equation: formatEinsum([labels, [l]], [...labels, l]) });
    labels = [...labels, l];
  }
  const used = new Set<string>([...xs, ...labels]);
  const fresh = () => {
    const f = [...LETTERS].find((c) => !used.has(c));
    if (!f) throw new ValueError("Einsum's gradient ran out of labels");
    used.add(f);
    return f;
  };
  const final: string[] = [];
  const seen = new Set<string>();
  xs.forEach((l, p) => {
    if (l === ELLIPSIS || !seen.has(l)) {
      seen.add(l);
      final.push(l);
      return;
    }
    // (3) a repeated label: the gradient lives on the diagonal of that pair of dims.
    const nl = fresh();
    const eye = makeOp1("MatrixDiag", [makeOp1("Fill", [dimsOf([dimAt(p)]), one])]);
    r = makeOp1("Einsum", [[r, eye]], {
      equation: formatEinsum([labels, [l, nl]], [...labels, nl]),
    });
    labels = [...labels, nl];
    final.push(nl);
  });
  // (4) x's order.
  if (labels.join(",") !== final.join(",")) {
    r = makeOp1("Einsum", [[r]], { equation: formatEinsum([labels], final) });
  }
  return r;
}

// The deprecated BatchMatrix* aliases differentiate as the ops they alias (the alias and its op
// share attrs and inputs, and the gradients above build the current ops).
for (const [alias, main] of [
  ["BatchMatrixBandPart", "MatrixBandPart"],
  ["BatchMatrixDiag", "MatrixDiag"],
  ["BatchMatrixDiagPart", "MatrixDiagPart"],
  ["BatchMatrixSetDiag", "MatrixSetDiag"],
  ["BatchMatrixInverse", "MatrixInverse"],
  ["BatchMatrixDeterminant", "MatrixDeterminant"],
  ["BatchMatrixSolve", "MatrixSolve"],
  ["BatchMatrixSolveLs", "MatrixSolveLs"],
  ["BatchMatrixTriangularSolve", "MatrixTriangularSolve"],
  ["BatchCholesky", "Cholesky"],
  ["BatchSelfAdjointEigV2", "SelfAdjointEigV2"],
  ["BatchSvd", "Svd"],
]) {
  registerGradient(alias, getRegisteredOp(main)!.gradient!);
}
