// Numeric gradient checks of the image ops (merged into gradient_coverage.test.ts).
// ResizeBilinear, ResizeBicubic and CropAndResize output float32 whatever the image dtype, so
// they are checked in float32 (they are linear in the image, so the differences are exact up
// to rounding).
import * as tf from "../../src/index.js";
import type { GradChecks } from "./common.js";
import { s } from "./common.js";

const F32 = { dtype: "float32" as const, tol: 2e-2 };

export const CHECKS: GradChecks = {
  ResizeBilinear: [
    (x) => tf.image.resizeBilinear(x, [5, 3], { halfPixelCenters: true }),
    [s(1, 3, 4, 2)],
    F32,
  ],
  ResizeBicubic: [(x) => tf.image.resizeBicubic(x, [5, 3]), [s(1, 3, 4, 2)], F32],
  ResizeNearestNeighbor: [
    (x) => tf.image.resizeNearestNeighbor(x, [5, 3], { alignCorners: true }),
    [s(1, 3, 4, 2)],
  ],
  ScaleAndTranslate: [
    (x) =>
      tf.image.scaleAndTranslate(x, [4, 5], [1.3, 0.7], [0.2, -0.4], {
        kernelType: "mitchellcubic",
      }),
    [s(1, 3, 6, 2)],
    F32,
  ],
  CropAndResize: [
    (x, b) => tf.image.cropAndResize(x, tf.cast(b, "float32"), [0, 1], [3, 2]),
    [s(2, 4, 5, 2), { shape: [2, 4], values: [0.1, 0.2, 0.7, 0.9, 0.3, 0.05, 0.85, 0.6] }],
    { ...F32, delta: 1e-3, tol: 3e-2 },
  ],
};
