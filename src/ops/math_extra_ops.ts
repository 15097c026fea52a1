// Registrations (shape functions) of the math extra ops: unary and binary special functions, the
// gradient helper ops of TF graphs, bitwise, cumulative, counting and bucketing ops, EuclideanNorm.
import "./reduction.js"; // EuclideanNorm shares Sum's shape function
import { getRegisteredOp, registerOp, type ShapeFn } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";

const sameShape: ShapeFn = (c) => c.input(0);
const broadcastShape: ShapeFn = (c) => c.broadcast();

const UNARY = [
  "Acosh",
  "Asinh",
  "Atanh",
  "Erfc",
  "Lgamma",
  "Digamma",
  "Inv",
  "BesselI0e",
  "BesselI1e",
  "Invert",
  "PopulationCount",
];
// (y, dy) pairs of the same shape; SoftsignGrad is (gradients, features).
const GRAD_HELPERS = [
  "SigmoidGrad",
  "TanhGrad",
  "RsqrtGrad",
  "SqrtGrad",
  "ReciprocalGrad",
  "InvGrad",
  "SoftsignGrad",
];
const BINARY = [
  "IgammaGradA",
  "Atan2",
  "Xdivy",
  "Xlogy",
  "DivNoNan",
  "MulNoNan",
  "Igamma",
  "Igammac",
  "Zeta",
  "Polygamma",
  "NextAfter",
  "Mod",
  "BitwiseAnd",
  "BitwiseOr",
  "BitwiseXor",
  "LeftShift",
  "RightShift",
];
for (const t of UNARY) registerOp(t, { shape: sameShape });
for (const t of BINARY) registerOp(t, { shape: broadcastShape });

/** Inputs that must all have one shape: their merged shape, or the op's shape error. */
function mergedShape(
  c: Parameters<ShapeFn>[0],
  indices: number[],
  allowScalars = false,
): TensorShape {
  let s = TensorShape.unknown();
  for (const i of indices) {
    const si = c.input(i);
    if (allowScalars && si.rank === 0) continue;
    if (!s.isCompatibleWith(si)) c.fail(`Shapes must be equal: ${s} vs. ${si} (input ${i})`);
    s = s.mergeWith(si);
  }
  // With scalars allowed and every input a scalar, the output is a scalar.
  if (allowScalars && indices.every((i) => c.input(i).rank === 0)) return TensorShape.scalar();
  return s;
}

for (const t of GRAD_HELPERS) registerOp(t, { shape: (c) => mergedShape(c, [0, 1]) });
registerOp("ApproximateEqual", { shape: (c) => mergedShape(c, [0, 1]) });
registerOp("Betainc", { shape: (c) => mergedShape(c, [0, 1, 2], true) });

registerOp("ClipByValue", {
  shape: (c) => {
    for (const i of [1, 2]) {
      const s = c.input(i);
      if (s.rank !== 0 && !s.isCompatibleWith(c.input(0))) {
        c.fail(
          `clip_value_${i === 1 ? "min" : "max"} must be a scalar or have the shape of t: ${s} vs. ${c.input(0)}`,
        );
      }
    }
    return c.input(0);
  },
});

registerOp("AccumulateNV2", {
  shape: (c) => {
    let s = c.attr<TensorShape>("shape") ?? TensorShape.unknown();
    for (let i = 0; i < c.numInputs; i++) {
      if (!s.isCompatibleWith(c.input(i))) {
        c.fail(`AccumulateNV2: input ${i} has shape ${c.input(i)}, expected ${s}`);
      }
      s = s.mergeWith(c.input(i));
    }
    return s;
  },
});

for (const t of ["Cumsum", "Cumprod", "CumulativeLogsumexp"]) {
  registerOp(t, {
    shape: (c) => {
      c.withRank(1, 0);
      return c.input(0);
    },
  });
}

/** A scalar int input's constant value as a dim (null when not constant). */
function scalarDim(c: Parameters<ShapeFn>[0], i: number): number | null {
  c.withRank(i, 0);
  const v = c.inputValue(i);
  return v === null ? null : Number(v.data[0]);
}

registerOp("Bincount", { shape: (c) => new TensorShape([scalarDim(c, 1)]) });
registerOp("HistogramFixedWidth", {
  shape: (c) => {
    c.withRank(1, 1);
    return new TensorShape([scalarDim(c, 2)]);
  },
});
registerOp("Bucketize", { shape: sameShape });
registerOp("EuclideanNorm", { shape: getRegisteredOp("Sum")!.shape });
