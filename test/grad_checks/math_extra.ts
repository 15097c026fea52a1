// Numeric gradient checks of the math extra ops (merged into gradient_coverage.test.ts).
import * as tf from "../../src/index.js";
import { type GradChecks, i32, op, pos, s, unit } from "./common.js";

const f64 = (v: tf.NestedArray) => tf.constant(v, { dtype: "float64" });
/** Values in (0, 1). */
const prob = (...shape: number[]) => ({
  shape,
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.15 + 0.13 * i),
});
const above1 = (...shape: number[]) => ({
  shape,
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 1.3 + 0.41 * i),
});

export const CHECKS: GradChecks = {
  Acosh: [op("Acosh"), [above1(2, 3)]],
  Asinh: [op("Asinh"), [s(2, 3)]],
  Atanh: [op("Atanh"), [unit(2, 3)]],
  Erfc: [op("Erfc"), [s(2, 3)]],
  Lgamma: [op("Lgamma"), [pos(2, 3)]],
  Digamma: [op("Digamma"), [pos(2, 3)]],
  Inv: [op("Inv"), [pos(2, 3)]],
  BesselI0e: [op("BesselI0e"), [unit(2, 3)]],
  BesselI1e: [op("BesselI1e"), [unit(2, 3)]],
  SigmoidGrad: [op("SigmoidGrad"), [prob(3), s(3)]],
  TanhGrad: [op("TanhGrad"), [unit(3), s(3)]],
  RsqrtGrad: [op("RsqrtGrad"), [pos(3), s(3)]],
  SqrtGrad: [op("SqrtGrad"), [pos(3), s(3)]],
  ReciprocalGrad: [op("ReciprocalGrad"), [pos(3), s(3)]],
  InvGrad: [op("InvGrad"), [pos(3), s(3)]],
  Atan2: [op("Atan2"), [s(2, 3), pos(3)]],
  Xdivy: [op("Xdivy"), [s(2, 3), pos(3)]],
  Xlogy: [op("Xlogy"), [s(2, 3), pos(3)]],
  DivNoNan: [op("DivNoNan"), [s(2, 3), pos(3)]],
  MulNoNan: [op("MulNoNan"), [s(2, 3), s(3)]],
  NextAfter: [op("NextAfter"), [s(2, 3), { shape: [3], values: [5, -5, 5] }]],
  Igamma: [op("Igamma"), [pos(2, 3), pos(2, 3)]],
  Igammac: [op("Igammac"), [pos(2, 3), above1(3)]],
  Zeta: [op("Zeta"), [above1(3), pos(3)], { wrt: [1] }],
  Polygamma: [(x) => tf.polygamma(f64([1, 2, 0]), x), [pos(3)]],
  Betainc: [(x) => tf.betainc(f64([0.5, 2, 3.5]), f64(1.5), x), [prob(3)]],
  ClipByValue: [
    op("ClipByValue"),
    [unit(2, 3), { shape: [], values: [-0.4] }, { shape: [], values: [0.5] }],
  ],
  AccumulateNV2: [(a, b) => tf.accumulateN([a, b]), [s(2, 3), s(2, 3)]],
  Cumsum: [(x) => tf.cumsum(x, 1, { exclusive: true }), [s(2, 3)]],
  Cumprod: [(x) => tf.cumprod(x, 1, { reverse: true }), [pos(2, 3)]],
  CumulativeLogsumexp: [(x) => tf.cumulativeLogsumexp(x, 1), [s(2, 3)]],
  EuclideanNorm: [(x) => tf.reduceEuclideanNorm(x, 1), [s(2, 3)]],
  SegmentSum: [(x) => tf.segmentSum(x, i32([0, 0, 2])), [s(3, 2)]],
  SegmentMean: [(x) => tf.segmentMean(x, i32([0, 0, 2])), [s(3, 2)]],
  SegmentProd: [(x) => tf.segmentProd(x, i32([0, 0, 2])), [s(3, 2)]],
  SegmentMin: [(x) => tf.segmentMin(x, i32([0, 0, 2])), [s(3, 2)]],
  SegmentMax: [(x) => tf.segmentMax(x, i32([0, 0, 2])), [s(3, 2)]],
  UnsortedSegmentProd: [(x) => tf.unsortedSegmentProd(x, i32([1, -1, 1]), 3), [s(3, 2)]],
  UnsortedSegmentMin: [(x) => tf.unsortedSegmentMin(x, i32([1, -1, 0]), 2), [s(3, 2)]],
  UnsortedSegmentMax: [(x) => tf.unsortedSegmentMax(x, i32([1, -1, 0]), 2), [s(3, 2)]],
  SparseSegmentSum: [(x) => tf.sparseSegmentSum(x, i32([2, 0, 2]), i32([0, 0, 1])), [s(3, 2)]],
  SparseSegmentMean: [(x) => tf.sparseSegmentMean(x, i32([2, 0, 2]), i32([0, 0, 1])), [s(3, 2)]],
  SparseSegmentSqrtN: [(x) => tf.sparseSegmentSqrtN(x, i32([2, 0, 2]), i32([0, 0, 1])), [s(3, 2)]],
  SparseSegmentSumWithNumSegments: [
    (x) => tf.sparseSegmentSum(x, i32([1, 0]), i32([0, 2]), { numSegments: 4 }),
    [s(3, 2)],
  ],
  SparseSegmentMeanWithNumSegments: [
    (x) => tf.sparseSegmentMean(x, i32([1, 0, 1]), i32([0, 2, 2]), { numSegments: 4 }),
    [s(3, 2)],
  ],
  SparseSegmentSqrtNWithNumSegments: [
    (x) => tf.sparseSegmentSqrtN(x, i32([1, 0, 1]), i32([0, 2, 2]), { numSegments: 4 }),
    [s(3, 2)],
  ],
};
