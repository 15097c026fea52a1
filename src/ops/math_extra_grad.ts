// Gradients of the math extra ops, following TensorFlow 1.15's math_grad.py. They are built from
// differentiable ops where TF's are, and use TF's helper ops (ReciprocalGrad, IgammaGradA,
// SparseSegmentMeanGrad ...) where TF's do.
import "./math_extra_ops.js"; // the ops must be registered before their gradients
import "./math_extra_segment.js";
import { ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { type GradientFn, getRegisteredOp, registerGradient } from "../framework/op_registry.js";
import { sumToShapeOf } from "../gradients/grad_utils.js";
import { makeOp1, type TensorLike } from "./op_builder.js";

const mul = (a: TensorLike, b: TensorLike): Tensor => makeOp1("Mul", [a, b]);
const div = (a: TensorLike, b: TensorLike): Tensor => makeOp1("RealDiv", [a, b]);
const add = (a: TensorLike, b: TensorLike): Tensor => makeOp1("AddV2", [a, b]);
const sub = (a: TensorLike, b: TensorLike): Tensor => makeOp1("Sub", [a, b]);
const neg = (a: Tensor): Tensor => makeOp1("Neg", [a]);
const un = (type: string, x: Tensor): Tensor => makeOp1(type, [x]);
const bin = (type: string, x: TensorLike, y: TensorLike): Tensor => makeOp1(type, [x, y]);
const where = (c: Tensor, x: TensorLike, y: TensorLike): Tensor => makeOp1("SelectV2", [c, x, y]);
const cast = (x: Tensor, dtype: string): Tensor => makeOp1("Cast", [x], { DstT: dtype });
const i32 = (v: number | number[]): NDArray => NDArray.from(v, "int32");

function only(grads: (Tensor | null)[]): Tensor {
  const g = grads[0];
  if (!g) throw new ValueError("math_extra_grad: no gradient flows into the op's output");
  return g;
}

function unaryGrad(type: string, fn: (g: Tensor, x: Tensor, y: Tensor) => Tensor): void {
  registerGradient(type, (op, grads) => [fn(only(grads), op.inputs[0], op.outputs[0])]);
}

/** A broadcasting binary op's gradient: unreduced gradients summed back to each input's shape. */
function binaryGrad(
  type: string,
  fn: (g: Tensor, x: Tensor, y: Tensor, op: Operation) => [Tensor | null, Tensor | null],
): void {
  registerGradient(type, (op, grads) => {
    const [x, y] = op.inputs;
    const [gx, gy] = fn(only(grads), x, y, op);
    return [gx && sumToShapeOf(gx, x), gy && sumToShapeOf(gy, y)];
  });
}

// ---- Unary ----

unaryGrad("Acosh", (g, _x, y) => div(g, un("Sinh", y)));
unaryGrad("Asinh", (g, _x, y) => div(g, un("Cosh", y)));
unaryGrad("Atanh", (g, x) => mul(g, un("Reciprocal", sub(1, un("Square", x)))));
unaryGrad("Erfc", (g, x) => mul(mul(g, -2 / Math.sqrt(Math.PI)), un("Exp", neg(un("Square", x)))));
unaryGrad("Lgamma", (g, x) => mul(g, un("Digamma", x)));
unaryGrad("Digamma", (g, x) => mul(g, bin("Polygamma", NDArray.from(1, x.dtype), x)));
unaryGrad("Inv", (g, _x, y) => bin("InvGrad", y, g));
// d/dx e^-|x| I0(x) = e^-|x| (I1(x) - sign(x) I0(x)).
unaryGrad("BesselI0e", (g, x, y) => mul(g, sub(un("BesselI1e", x), mul(un("Sign", x), y))));
// d/dx e^-|x| I1(x) = I0e(x) - I1e(x) (sign(x) + 1/x); the limit at 0 is 1/2.
unaryGrad("BesselI1e", (g, x, y) => {
  const tiny = NDArray.from(
    x.dtype === "float32" ? 1.1754943508222875e-38 : 2.2250738585072014e-308,
    x.dtype,
  );
  const notTiny = bin("Greater", un("Abs", x), tiny);
  const safeX = where(notTiny, x, tiny);
  const dydx = sub(un("BesselI0e", safeX), mul(y, add(un("Sign", safeX), un("Reciprocal", safeX))));
  return mul(g, where(notTiny, dydx, NDArray.from(0.5, x.dtype)));
});

// ---- The gradient helper ops: (y, dy) -> (d/dy, d/ddy) ----

registerGradient("SigmoidGrad", (op, grads) => {
  const [y, dy] = op.inputs;
  const g = only(grads);
  const gb = mul(g, dy);
  return [sub(gb, mul(mul(gb, 2), y)), bin("SigmoidGrad", y, g)];
});
registerGradient("TanhGrad", (op, grads) => {
  const [y, dy] = op.inputs;
  const g = only(grads);
  return [mul(mul(mul(g, -2), dy), y), bin("TanhGrad", y, g)];
});
registerGradient("RsqrtGrad", (op, grads) => {
  const [y, dy] = op.inputs;
  const g = only(grads);
  return [mul(mul(mul(g, -1.5), dy), un("Square", y)), bin("RsqrtGrad", y, g)];
});
registerGradient("SqrtGrad", (op, grads) => {
  const y = op.inputs[0];
  const ga = div(only(grads), y);
  return [neg(mul(ga, op.outputs[0])), mul(ga, 0.5)];
});
for (const t of ["ReciprocalGrad", "InvGrad"]) {
  registerGradient(t, (op, grads) => {
    const [y, dy] = op.inputs;
    const g = only(grads);
    return [mul(mul(mul(g, -2), dy), y), bin(t, y, g)];
  });
}

// ---- Binary ----

binaryGrad("Atan2", (g, y, x) => {
  const scale = div(g, add(un("Square", x), un("Square", y)));
  return [mul(x, scale), mul(neg(y), scale)];
});
const nonZero = (x: Tensor): Tensor => cast(bin("NotEqual", x, NDArray.from(0, x.dtype)), x.dtype);
binaryGrad("Xdivy", (g, x, y) => [
  mul(bin("Xdivy", nonZero(x), y), g),
  mul(bin("Xdivy", neg(x), un("Square", y)), g),
]);
binaryGrad("Xlogy", (g, x, y) => [mul(bin("Xlogy", nonZero(x), y), g), mul(bin("Xdivy", x, y), g)]);
binaryGrad("DivNoNan", (g, x, y) => [
  bin("DivNoNan", g, y),
  mul(g, bin("DivNoNan", bin("DivNoNan", neg(x), y), y)),
]);
binaryGrad("MulNoNan", (g, x, y) => [bin("MulNoNan", g, y), bin("MulNoNan", x, g)]);

/** d/dx P(a, x) = x^(a-1) e^-x / Γ(a). */
const igammaDx = (a: Tensor, x: Tensor): Tensor =>
  un("Exp", sub(sub(mul(sub(a, 1), un("Log", x)), x), un("Lgamma", a)));
binaryGrad("Igamma", (g, a, x) => [mul(bin("IgammaGradA", a, x), g), mul(igammaDx(a, x), g)]);
binaryGrad("Igammac", (g, a, x) => [
  mul(neg(bin("IgammaGradA", a, x)), g),
  mul(neg(igammaDx(a, x)), g),
]);
// nextafter(x1, x2) moves x1 by at most one ulp: slope 1 in x1, 0 in x2 (as TF).
binaryGrad("NextAfter", (g) => [g, un("ZerosLike", g)]);
// TF leaves the first argument of Zeta and Polygamma without a gradient.
binaryGrad("Zeta", (g, x, q) => [null, mul(mul(neg(x), bin("Zeta", add(x, 1), q)), g)]);
binaryGrad("Polygamma", (g, a, x) => [null, mul(bin("Polygamma", add(a, 1), x), g)]);

// Betainc: only x has a gradient in TF: x^(a-1) (1-x)^(b-1) / B(a, b).
registerGradient("Betainc", (op, grads) => {
  const [a, b, x] = op.inputs;
  const g = only(grads);
  const logBeta = sub(add(un("Lgamma", a), un("Lgamma", b)), un("Lgamma", add(a, b)));
  const logPdf = sub(add(mul(sub(b, 1), un("Log1p", neg(x))), bin("Xlogy", sub(a, 1), x)), logBeta);
  const gx = mul(un("Exp", logPdf), g);
  return [null, null, sumToShapeOf(gx, x)];
});

registerGradient("ClipByValue", (op, grads) => {
  const [x, lo, hi] = op.inputs;
  const g = only(grads);
  const zeros = NDArray.from(0, g.dtype);
  const below = bin("Less", x, lo);
  const above = bin("Greater", x, hi);
  return [
    where(makeOp1("LogicalOr", [below, above]), zeros, g),
    sumToShapeOf(where(below, g, zeros), lo),
    sumToShapeOf(where(above, g, zeros), hi),
  ];
});

registerGradient("AccumulateNV2", (op, grads) => op.inputs.map(() => only(grads)));

// ---- Cumulative ----

const attrs = (op: Operation, reverse: boolean) => ({
  exclusive: op.attrs.exclusive as boolean,
  reverse,
});
registerGradient("Cumsum", (op, grads) => [
  makeOp1("Cumsum", [only(grads), op.inputs[1]], attrs(op, !op.attrs.reverse)),
  null,
]);
// As TF: sum over later outputs of g * prod, divided by x (x must have no zeros).
registerGradient("Cumprod", (op, grads) => {
  const [x, axis] = op.inputs;
  const s = makeOp1(
    "Cumsum",
    [mul(op.outputs[0], only(grads)), axis],
    attrs(op, !op.attrs.reverse),
  );
  return [div(s, x), null];
});
// d/dx_j of log Σ_{i<=k} e^x_i is e^(x_j - out_k): the positive and negative parts of g are
// accumulated in log space separately, so nothing overflows.
registerGradient("CumulativeLogsumexp", (op, grads) => {
  const [x, axis] = op.inputs;
  const g = only(grads);
  const out = op.outputs[0];
  const minusInf = NDArray.from(-Infinity, g.dtype);
  const zero = NDArray.from(0, g.dtype);
  const logPos = where(bin("Greater", g, zero), un("Log", g), minusInf);
  const logNeg = where(bin("Less", g, zero), un("Log", neg(g)), minusInf);
  const part = (logG: Tensor) =>
    un(
      "Exp",
      add(makeOp1("CumulativeLogsumexp", [sub(logG, out), axis], attrs(op, !op.attrs.reverse)), x),
    );
  return [sub(part(logPos), part(logNeg)), null];
});

// EuclideanNorm: x / y * g, with y and g broadcast back to x's shape as Sum's gradient does.
registerGradient("EuclideanNorm", (op, grads) => {
  const [x, axes] = op.inputs;
  const y = op.outputs[0];
  const sum = x.graph.createOp(
    "Sum",
    [x, axes],
    { keep_dims: op.attrs.keep_dims as boolean },
    "EuclideanNormGradSum",
  );
  const spread = getRegisteredOp("Sum")!.gradient!(sum, [div(only(grads), y)])[0]!;
  return [mul(x, spread), null];
});

// ---- Segment reductions ----

const gather = (params: Tensor, ids: TensorLike): Tensor =>
  makeOp1("GatherV2", [params, ids, i32(0)]);

/** A mask of ids' shape reshaped to broadcast against `like` (trailing dims of size 1). */
function expandTrailing(mask: Tensor, like: Tensor): Tensor {
  const extra = sub(un("Rank", like), un("Rank", mask));
  const ones = makeOp1("Fill", [makeOp1("ExpandDims", [extra, i32(0)]), i32(1)]);
  return makeOp1("Reshape", [mask, makeOp1("ConcatV2", [[un("Shape", mask), ones], i32(0)])]);
}

/** Rows of `params` at `ids`, zero where an id is negative (TF's _GatherDropNegatives). */
function gatherDropNegatives(params: Tensor, ids: Tensor): { value: Tensor; isPositive: Tensor } {
  const clipped = bin("Maximum", ids, NDArray.from(0, ids.dtype));
  const gathered = gather(params, clipped);
  const isPositive = expandTrailing(bin("GreaterEqual", ids, NDArray.from(0, ids.dtype)), gathered);
  return { value: where(isPositive, gathered, un("ZerosLike", gathered)), isPositive };
}

/** How a family of segment ops spreads a per-segment tensor back to rows and sums rows into segments. */
interface Segments {
  gather: (t: Tensor) => Tensor;
  sum: (t: Tensor) => Tensor;
  prod: (t: Tensor) => Tensor;
  /** True where a row belongs to some segment (all rows for sorted ids). */
  valid: (like: Tensor) => Tensor | null;
}

function sortedSegments(ids: Tensor): Segments {
  return {
    gather: (t) => gather(t, ids),
    sum: (t) => bin("SegmentSum", t, ids),
    prod: (t) => bin("SegmentProd", t, ids),
    valid: () => null,
  };
}
function unsortedSegments(ids: Tensor, num: Tensor): Segments {
  return {
    gather: (t) => gatherDropNegatives(t, ids).value,
    sum: (t) => makeOp1("UnsortedSegmentSum", [t, ids, num]),
    prod: (t) => makeOp1("UnsortedSegmentProd", [t, ids, num]),
    valid: (like) => expandTrailing(bin("GreaterEqual", ids, NDArray.from(0, ids.dtype)), like),
  };
}

/** Min/Max: the gradient is split among the rows equal to their segment's result. */
function minOrMaxGrad(seg: Segments, x: Tensor, y: Tensor, g: Tensor): Tensor {
  let selected = bin("Equal", x, seg.gather(y));
  const valid = seg.valid(x);
  if (valid) selected = makeOp1("LogicalAnd", [selected, valid]);
  const count = seg.sum(cast(selected, g.dtype));
  return where(selected, seg.gather(div(g, count)), un("ZerosLike", x));
}

/** Prod: prod / x where x ≠ 0; at a zero, the product of the segment's other (nonzero) rows. */
function prodGrad(seg: Segments, x: Tensor, y: Tensor, g: Tensor): Tensor {
  const zero = NDArray.from(0, x.dtype);
  const isZero = bin("Equal", x, zero);
  const numZeros = seg.sum(cast(isZero, "int32"));
  // With two or more zeros in a segment, every partial derivative is 0.
  const g1 = where(bin("Greater", numZeros, i32(1)), un("ZerosLike", g), g);
  const nonZeroProd = seg.prod(where(isZero, un("OnesLike", x), x));
  const partial = where(isZero, seg.gather(nonZeroProd), div(seg.gather(y), x));
  return mul(seg.gather(g1), partial);
}

registerGradient("SegmentSum", (op, grads) => [gather(only(grads), op.inputs[1]), null]);
registerGradient("SegmentMean", (op, grads) => {
  const ids = op.inputs[1];
  const g = only(grads);
  const counts = bin("SegmentSum", cast(un("OnesLike", ids), g.dtype), ids);
  return [gather(div(g, expandTrailing(counts, g)), ids), null];
});
for (const t of ["SegmentMin", "SegmentMax"]) {
  registerGradient(t, (op, grads) => {
    const [x, ids] = op.inputs;
    return [minOrMaxGrad(sortedSegments(ids), x, op.outputs[0], only(grads)), null];
  });
}
// (TF 1.15 has no SegmentProd gradient; this is UnsortedSegmentProd's, for sorted ids.)
registerGradient("SegmentProd", (op, grads) => {
  const [x, ids] = op.inputs;
  return [prodGrad(sortedSegments(ids), x, op.outputs[0], only(grads)), null];
});
for (const t of ["UnsortedSegmentMin", "UnsortedSegmentMax"]) {
  registerGradient(t, (op, grads) => {
    const [x, ids, num] = op.inputs;
    return [minOrMaxGrad(unsortedSegments(ids, num), x, op.outputs[0], only(grads)), null, null];
  });
}
registerGradient("UnsortedSegmentProd", (op, grads) => {
  const [x, ids, num] = op.inputs;
  return [prodGrad(unsortedSegments(ids, num), x, op.outputs[0], only(grads)), null, null];
});

/** The first dim of x as a scalar int32 tensor. */
const dim0 = (x: Tensor): Tensor => gather(un("Shape", x), i32(0));

const sparseSum: GradientFn = (op, grads) => {
  const [x, indices, ids] = op.inputs;
  const gx = makeOp1("UnsortedSegmentSum", [gather(only(grads), ids), indices, dim0(x)]);
  return [gx, null, null, ...(op.inputs.length === 4 ? [null] : [])];
};
const sparseScaled =
  (gradOp: string): GradientFn =>
  (op, grads) => {
    const [x, indices, ids] = op.inputs;
    const gx = makeOp1(gradOp, [only(grads), indices, ids, dim0(x)]);
    return [gx, null, null, ...(op.inputs.length === 4 ? [null] : [])];
  };
for (const suffix of ["", "WithNumSegments"]) {
  registerGradient(`SparseSegmentSum${suffix}`, sparseSum);
  registerGradient(`SparseSegmentMean${suffix}`, sparseScaled("SparseSegmentMeanGrad"));
  registerGradient(`SparseSegmentSqrtN${suffix}`, sparseScaled("SparseSegmentSqrtNGrad"));
}
