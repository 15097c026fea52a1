// Helpers for the numeric gradient tables: each family's table (test/grad_checks/<family>.ts) is
// merged into the coverage test (test/gradient_coverage.test.ts).
import * as tf from "../../src/index.js";
import type { GradCheckOptions } from "../gradcheck.js";

export type Build = (...xs: tf.Tensor[]) => tf.Tensor;
export type Inputs = { shape: number[]; values?: number[] }[];
export const op =
  (type: string, attrs: Record<string, unknown> = {}) =>
  (...xs: tf.Tensor[]) =>
    tf.getDefaultGraph().createOp(type, xs, attrs as never).outputs[0];
export const i32 = (v: tf.NestedArray) => tf.constant(v, { dtype: "int32" });
export const s = (...shape: number[]) => ({ shape });
export const pos = (...shape: number[]) => ({
  shape,
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + 0.37 * i),
});
export const unit = (...shape: number[]) => ({
  shape,
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => -0.8 + 0.29 * i),
});
export const img = s(1, 4, 4, 2);
export const conv = { strides: [1, 1, 1, 1], padding: "SAME" };
export const pool = { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: "VALID" };

/** One table row: how to build the op from float inputs, the inputs, and the check's options. */
export type GradChecks = Record<string, [Build, Inputs, GradCheckOptions?]>;
