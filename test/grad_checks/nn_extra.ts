// Numeric gradient checks of the nn extra ops (merged into gradient_coverage.test.ts).
import * as tf from "../../src/index.js";
import { type Build, type GradChecks, i32, op, pool, s, unit } from "./common.js";

/** Ops whose T is float32 only: computed in float32 (the table row asks for a float32 check). */
const in32 =
  (build: Build): Build =>
  (...xs) => {
    const dtype = xs[0].dtype;
    return tf.cast(build(...xs.map((x) => tf.cast(x, "float32"))), dtype);
  };
const f32 = { dtype: "float32" as const };
const c64 = (shape: number[], values: number[]) =>
  tf.constant(new tf.NDArray("float64", shape, Float64Array.from(values)));
/** Distinct values (no ties in any max window). */
const distinct = (...shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Array.from({ length: n }, (_, i) => ((i * 7) % n) / n - 0.5) };
};

const c3 = { strides: [1, 1, 2, 1, 1], padding: "SAME" };
const p3 = { ksize: [1, 2, 2, 1, 1], strides: [1, 1, 2, 1, 1], padding: "VALID" };
const pool1 = { ksize: [1, 2, 2, 1], strides: [1, 1, 1, 1], padding: "VALID" };
const X = Array.from({ length: 9 }, (_, i) => ((i * 5) % 9) - 4); // distinct 3x3
const x3 = () => c64([1, 3, 3, 1], X);
const k = () => i32([1, 2, 2, 1]);
const one = () => i32([1, 1, 1, 1]);
const bn = (type: string, training: boolean) =>
  in32((x, sc, off) => {
    const mean = training ? tf.constant([], { dtype: "float32" }) : tf.constant([0.1, -0.2]);
    const variance = training ? tf.constant([], { dtype: "float32" }) : tf.constant([0.5, 2]);
    return tf
      .getDefaultGraph()
      .createOp(type, [x, sc, off, mean, variance], { epsilon: 0.01, is_training: training })
      .outputs[0];
  });
/** The Grad op fed with the batch moments of its x, so the numeric check sees their dependence. */
const bnGrad = (fwd: string, grad: string) =>
  in32((dy, x, sc) => {
    const g = tf.getDefaultGraph();
    const e = tf.constant([], { dtype: "float32" });
    const f = g.createOp(fwd, [x, sc, tf.zerosLike(sc), e, e], { epsilon: 0.01 }).outputs;
    const extra = fwd === "FusedBatchNormV3" ? [f[5]] : [];
    const out = g.createOp(grad, [dy, x, sc, f[3], f[4], ...extra], { epsilon: 0.01 }).outputs;
    return tf.add(tf.reduceSum(tf.mul(out[0], out[0])), tf.reduceSum(tf.mul(out[1], out[2])));
  });
const bnInputs = [s(2, 2, 1, 2), unit(2, 2, 1, 2), { shape: [2], values: [0.7, 1.3] }];

export const CHECKS: GradChecks = {
  LRN: [in32(op("LRN", { depth_radius: 1, alpha: 0.5, beta: 0.75 })), [s(1, 2, 1, 4)], f32],
  BiasAddV1: [op("BiasAddV1"), [s(2, 3), s(3)]],
  Conv3D: [op("Conv3D", c3), [s(1, 2, 3, 2, 2), s(2, 2, 1, 2, 3)]],
  Conv3DBackpropInputV2: [
    (f, g) => op("Conv3DBackpropInputV2", c3)(i32([1, 2, 3, 2, 2]), f, g),
    [s(2, 2, 1, 2, 3), s(1, 2, 2, 2, 3)],
  ],
  Conv3DBackpropFilterV2: [
    (x, g) => op("Conv3DBackpropFilterV2", c3)(x, i32([2, 2, 1, 2, 3]), g),
    [s(1, 2, 3, 2, 2), s(1, 2, 2, 2, 3)],
  ],
  MaxPool3D: [in32(op("MaxPool3D", p3)), [distinct(1, 3, 4, 2, 2)], f32],
  MaxPool3DGrad: [
    in32((g) => {
      const x = tf.cast(c64([1, 3, 4, 2, 2], distinct(1, 3, 4, 2, 2).values), "float32");
      return op("MaxPool3DGrad", p3)(x, op("MaxPool3D", p3)(x), g);
    }),
    [s(1, 2, 2, 2, 2)],
    f32,
  ],
  MaxPool3DGradGrad: [
    in32((g) => {
      const x = tf.cast(c64([1, 3, 4, 2, 2], distinct(1, 3, 4, 2, 2).values), "float32");
      return op("MaxPool3DGradGrad", p3)(x, op("MaxPool3D", p3)(x), g);
    }),
    [s(1, 3, 4, 2, 2)],
    f32,
  ],
  AvgPool3D: [op("AvgPool3D", { ...p3, padding: "SAME" }), [s(1, 3, 4, 2, 2)]],
  AvgPool3DGrad: [(g) => op("AvgPool3DGrad", p3)(i32([1, 3, 4, 2, 2]), g), [s(1, 2, 2, 2, 2)]],
  MaxPoolV2: [(x) => op("MaxPoolV2", { padding: "VALID" })(x, k(), one()), [distinct(1, 3, 3, 2)]],
  MaxPoolGrad: [
    (g) => op("MaxPoolGrad", pool1)(x3(), op("MaxPool", pool1)(x3()), g),
    [s(1, 2, 2, 1)],
  ],
  MaxPoolGradV2: [
    (g) =>
      op("MaxPoolGradV2", { padding: "VALID" })(x3(), op("MaxPool", pool1)(x3()), g, k(), one()),
    [s(1, 2, 2, 1)],
  ],
  MaxPoolGradGrad: [
    (g) => op("MaxPoolGradGrad", pool1)(x3(), op("MaxPool", pool1)(x3()), g),
    [s(1, 3, 3, 1)],
  ],
  MaxPoolGradGradV2: [
    (g) =>
      op("MaxPoolGradGradV2", { padding: "VALID" })(
        x3(),
        op("MaxPool", pool1)(x3()),
        g,
        k(),
        one(),
      ),
    [s(1, 3, 3, 1)],
  ],
  MaxPoolWithArgmax: [op("MaxPoolWithArgmax", pool), [distinct(2, 4, 4, 2)]],
  MaxPoolGradWithArgmax: [
    (g) => {
      const x = x3();
      const argmax = tf.getDefaultGraph().createOp("MaxPoolWithArgmax", [x], pool1 as never)
        .outputs[1];
      return op("MaxPoolGradWithArgmax", pool1)(x, g, argmax);
    },
    [s(1, 2, 2, 1)],
  ],
  MaxPoolGradGradWithArgmax: [
    (g) => {
      const x = x3();
      const argmax = tf.getDefaultGraph().createOp("MaxPoolWithArgmax", [x], pool1 as never)
        .outputs[1];
      return op("MaxPoolGradGradWithArgmax", pool1)(x, g, argmax);
    },
    [s(1, 3, 3, 1)],
  ],
  Dilation2D: [
    op("Dilation2D", { strides: [1, 1, 1, 1], rates: [1, 1, 1, 1], padding: "SAME" }),
    [distinct(1, 3, 3, 2), distinct(2, 2, 2)],
  ],
  // Deterministic (seeded) regions, so that every run pools the same regions.
  FractionalMaxPool: [
    op("FractionalMaxPool", {
      pooling_ratio: [1, 1.4, 1.7, 1],
      deterministic: true,
      seed: 1,
      seed2: 2,
    }),
    [distinct(1, 5, 6, 2)],
  ],
  FractionalAvgPool: [
    op("FractionalAvgPool", {
      pooling_ratio: [1, 1.4, 1.7, 1],
      overlapping: true,
      deterministic: true,
      seed: 1,
      seed2: 2,
    }),
    [s(1, 5, 6, 2)],
  ],
  CTCLoss: [
    (x) =>
      tf.nn.ctcLoss(
        {
          indices: tf.constant(
            [
              [0, 0],
              [1, 0],
              [1, 1],
            ],
            { dtype: "int64" },
          ),
          values: i32([0, 1, 0]),
        },
        x,
        i32([3, 2]),
      ),
    [s(3, 2, 3)],
  ],
  FusedBatchNorm: [bn("FusedBatchNorm", true), [s(2, 2, 1, 2), s(2), s(2)], f32],
  FusedBatchNormV2: [bn("FusedBatchNormV2", false), [s(2, 2, 1, 2), s(2), s(2)], f32],
  FusedBatchNormV3: [bn("FusedBatchNormV3", true), [s(2, 2, 1, 2), s(2), s(2)], f32],
  FusedBatchNormGrad: [bnGrad("FusedBatchNorm", "FusedBatchNormGrad"), bnInputs, f32],
  FusedBatchNormGradV2: [bnGrad("FusedBatchNormV2", "FusedBatchNormGradV2"), bnInputs, f32],
  FusedBatchNormGradV3: [bnGrad("FusedBatchNormV3", "FusedBatchNormGradV3"), bnInputs, f32],
  BatchNormWithGlobalNormalization: [
    (t, m, v, beta, gamma) =>
      tf.nn.batchNormWithGlobalNormalization(tf.mul(t, 1), m, v, beta, gamma, 0.01, true),
    [s(1, 2, 1, 3), s(3), { shape: [3], values: [0.5, 1, 2] }, s(3), s(3)],
  ],
};
