// Numeric gradient checks of the array extra ops (merged into gradient_coverage.test.ts).
import * as tf from "../../src/index.js";
import { type GradChecks, i32, op, s } from "./common.js";

const bools = (v: boolean[]) => tf.constant(v, { dtype: "bool" });
const scatterIdx = () => i32([[2], [0]]);

export const CHECKS: GradChecks = {
  ReverseSequence: [(x) => tf.reverseSequence(x, i32([3, 1, 2]), 1, 0), [s(3, 4)]],
  Reverse: [(x) => op("Reverse")(x, bools([true, false, true])), [s(2, 3, 2)]],
  Roll: [(x) => tf.roll(x, [1, -2], [0, 1]), [s(3, 4)]],
  SpaceToDepth: [(x) => tf.spaceToDepth(x, 2), [s(1, 4, 2, 3)]],
  DepthToSpace: [(x) => tf.depthToSpace(x, 2), [s(1, 2, 1, 8)]],
  SpaceToBatchND: [
    (x) =>
      tf.spaceToBatchNd(
        x,
        [2, 2],
        [
          [1, 0],
          [0, 2],
        ],
      ),
    [s(2, 3, 2, 1)],
  ],
  BatchToSpaceND: [
    (x) =>
      tf.batchToSpaceNd(
        x,
        [2, 1],
        [
          [1, 0],
          [0, 0],
        ],
      ),
    [s(4, 2, 3)],
  ],
  SpaceToBatch: [
    (x) =>
      tf.spaceToBatch(
        x,
        [
          [0, 0],
          [1, 1],
        ],
        2,
      ),
    [s(1, 2, 2, 2)],
  ],
  BatchToSpace: [
    (x) =>
      tf.batchToSpace(
        x,
        [
          [0, 1],
          [1, 0],
        ],
        2,
      ),
    [s(4, 2, 2, 1)],
  ],
  TensorScatterUpdate: [(t, u) => tf.tensorScatterUpdate(t, scatterIdx(), u), [s(3, 2), s(2, 2)]],
  TensorScatterAdd: [(t, u) => tf.tensorScatterAdd(t, scatterIdx(), u), [s(3, 2), s(2, 2)]],
  TensorScatterSub: [(t, u) => tf.tensorScatterSub(t, scatterIdx(), u), [s(3, 2), s(2, 2)]],
  ScatterNdNonAliasingAdd: [
    (t, u) =>
      tf.scatterNdNonAliasingAdd(
        t,
        i32([
          [1, 0],
          [2, 1],
          [1, 0],
        ]),
        u,
      ),
    [s(3, 2), s(3)],
  ],
  Diag: [(x) => tf.diag(x), [s(2, 3)]],
  DiagPart: [(x) => tf.diagPart(x), [s(2, 3, 2, 3)]],
  ExtractImagePatches: [
    (x) => tf.extractImagePatches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], "SAME"),
    [s(2, 3, 4, 2)],
  ],
  ExtractVolumePatches: [
    (x) => tf.extractVolumePatches(x, [1, 2, 2, 1, 1], [1, 1, 2, 1, 1], "SAME"),
    [s(1, 3, 3, 2, 2)],
  ],
  ConjugateTranspose: [(x) => tf.conjugateTranspose(x, [2, 0, 1]), [s(2, 3, 2)]],
  // With 60 bits the quantization step (~1e-18 of the range) is far below the finite-difference
  // step, so the op is numerically the identity and the straight-through gradient is exact.
  QuantizeAndDequantize: [(x) => op("QuantizeAndDequantize", { num_bits: 60 })(x), [s(2, 3)]],
  QuantizeAndDequantizeV2: [(x) => tf.quantizeAndDequantize(x, 0, 0, { numBits: 60 }), [s(2, 3)]],
  QuantizeAndDequantizeV3: [
    (x) =>
      op("QuantizeAndDequantizeV3", { range_given: false })(
        x,
        tf.constant(0, { dtype: "float64" }),
        tf.constant(0, { dtype: "float64" }),
        i32(60),
      ),
    [s(2, 3)],
  ],
  TensorStridedSliceUpdate: [
    (x, v) => tf.tensorStridedSliceUpdate(x, [0, 2], [3, 0], [2, -1], v),
    [s(3, 3), s(2, 2)],
  ],
  TopKV2: [(x) => tf.topK(x, 2)[0], [s(2, 4)]],
  TopK: [(x) => op("TopK", { k: 3 })(x), [s(3, 4)]],
  NthElement: [(x) => tf.nthElement(x, 1), [s(3, 4)]],
  EnsureShape: [(x) => tf.ensureShape(x, [null, 3]), [s(2, 3)]],
  DynamicPartition: [
    (x) => {
      const [a, b] = tf.dynamicPartition(x, i32([1, 0, 1]), 2);
      return tf.concat([tf.mul(a, a), b], 0);
    },
    [s(3, 2)],
  ],
  DebugGradientIdentity: [op("DebugGradientIdentity"), [s(2, 3)]],
  // firstN: 0 keeps the check quiet (the op still runs and passes its input through).
  Print: [(x) => tf.print(tf.mul(x, x), [x], { firstN: 0 }), [s(3)]],
};
