// Numeric gradient checks of the linalg ops (merged into gradient_coverage.test.ts).
import * as tf from "../../src/index.js";
import { type GradChecks, i32, op, s } from "./common.js";

/** A well-conditioned n x n matrix (diagonally dominant, not symmetric). */
const wellConditioned = (n: number, batch: number[] = []) => {
  const count = batch.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++)
        values.push(i === j ? 3 + 0.5 * i + b : 0.3 * (i - 2 * j) + 0.1 * b);
    }
  }
  return { shape: [...batch, n, n], values };
};
/** A symmetric positive definite n x n matrix with distinct eigenvalues. */
const spd = (n: number) => {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) values.push(i === j ? 2 + 1.3 * i : 0.4 / (1 + i + j));
  }
  return { shape: [n, n], values };
};
/** A full-rank m x n matrix with well-separated singular values. */
const fullRank = (m: number, n: number) => ({
  shape: [m, n],
  values: Array.from({ length: m * n }, (_, k) => {
    const i = Math.floor(k / n);
    const j = k % n;
    return (i === j ? 2 + i * 1.5 : 0) + 0.25 * Math.sin(1 + 3 * i + 7 * j);
  }),
});
const flat = (t: tf.Tensor) => tf.reshape(t, [-1]);
const i64 = (v: number) => tf.constant(v, { dtype: "int64" });
const f64 = (v: number) => tf.constant(v, { dtype: "float64" });

export const CHECKS: GradChecks = {
  MatrixBandPart: [(x) => op("MatrixBandPart")(x, i64(1), i64(0)), [s(2, 3, 3)]],
  MatrixDiag: [op("MatrixDiag"), [s(2, 3)]],
  MatrixDiagPart: [op("MatrixDiagPart"), [s(2, 3, 4)]],
  MatrixSetDiag: [op("MatrixSetDiag"), [s(3, 2), s(2)]],
  MatrixDiagV2: [
    (d) => op("MatrixDiagV2")(d, i32([-1, 0]), i32(-1), i32(-1), f64(0)),
    [s(2, 2, 3)],
  ],
  MatrixDiagPartV2: [(x) => op("MatrixDiagPartV2")(x, i32([0, 1]), f64(0)), [s(3, 4)]],
  MatrixSetDiagV2: [(x, d) => op("MatrixSetDiagV2")(x, d, i32([-1, 1])), [s(3, 3), s(3, 3)]],
  MatrixInverse: [op("MatrixInverse"), [wellConditioned(3, [2])]],
  MatrixDeterminant: [op("MatrixDeterminant"), [wellConditioned(3)]],
  LogMatrixDeterminant: [
    (x) => tf.getDefaultGraph().createOp("LogMatrixDeterminant", [x]).outputs[1],
    [wellConditioned(3, [2])],
  ],
  // TF's gradient is the symmetric one: check it on symmetric inputs, as TF's tests do.
  MatrixExponential: [
    op("MatrixExponential"),
    [{ shape: [2, 2, 2], values: [0.5, -1, 0.3, 0.2, 1.5, 0.1, -0.7, 0.4] }],
  ],
  MatrixSquareRoot: [op("MatrixSquareRoot"), [wellConditioned(3, [2])]],
  Cholesky: [(x) => op("Cholesky")(tf.mul(tf.add(x, tf.transpose(x)), 0.5)), [spd(3)]],
  Qr: [
    (x) => {
      const o = tf.getDefaultGraph().createOp("Qr", [x]).outputs;
      return tf.concat([flat(o[0]), flat(o[1])], 0);
    },
    [fullRank(3, 2)],
  ],
  MatrixSolve: [op("MatrixSolve"), [wellConditioned(3, [2]), s(2, 3, 2)]],
  MatrixSolveLs: [(a, b) => op("MatrixSolveLs")(a, b, f64(0.5)), [fullRank(3, 2), s(3, 2)]],
  MatrixTriangularSolve: [
    op("MatrixTriangularSolve", { lower: false, adjoint: true }),
    [wellConditioned(3), s(3, 2)],
  ],
  // Eigenvectors and singular vectors are checked through their squares (signs are arbitrary).
  SelfAdjointEigV2: [
    (x) => {
      const [e, v] = tf.getDefaultGraph().createOp("SelfAdjointEigV2", [x]).outputs;
      return tf.concat([e, flat(tf.square(v))], 0);
    },
    [spd(3)],
  ],
  Svd: [
    (x) => {
      const [sv, u, v] = tf.getDefaultGraph().createOp("Svd", [x]).outputs;
      return tf.concat([sv, flat(tf.square(u)), flat(tf.square(v))], 0);
    },
    [fullRank(2, 3)],
  ],
  Einsum: [(a, b) => tf.einsum("bij,jk->bik", a, b), [s(2, 2, 3), s(3, 2)]],
  BatchMatMul: [op("BatchMatMul", { adj_y: true }), [s(2, 2, 3), s(2, 4, 3)]],
  Cross: [op("Cross"), [s(2, 3), s(2, 3)]],
  TridiagonalMatMul: [op("TridiagonalMatMul"), [s(2, 1, 3), s(2, 1, 3), s(2, 1, 3), s(2, 3, 2)]],
  TridiagonalSolve: [
    op("TridiagonalSolve"),
    [{ shape: [3, 4], values: [1, 0.5, -0.4, 0, 4, 5, 4.5, 6, 0, 0.7, 1.2, -0.3] }, s(4, 2)],
  ],
  // The deprecated aliases, differentiated as the ops they alias.
  BatchMatrixBandPart: [(x) => op("BatchMatrixBandPart")(x, i64(0), i64(1)), [s(2, 3, 3)]],
  BatchMatrixDiag: [op("BatchMatrixDiag"), [s(2, 3)]],
  BatchMatrixDiagPart: [op("BatchMatrixDiagPart"), [s(3, 2)]],
  BatchMatrixSetDiag: [op("BatchMatrixSetDiag"), [s(2, 3), s(2)]],
  BatchMatrixInverse: [op("BatchMatrixInverse", { adjoint: true }), [wellConditioned(2, [2])]],
  BatchMatrixDeterminant: [op("BatchMatrixDeterminant"), [wellConditioned(2, [2])]],
  BatchMatrixSolve: [op("BatchMatrixSolve"), [wellConditioned(2), s(2, 3)]],
  BatchMatrixSolveLs: [
    (a, b) => op("BatchMatrixSolveLs")(a, b, f64(0.1)),
    [fullRank(2, 3), s(2, 1)],
  ],
  BatchMatrixTriangularSolve: [op("BatchMatrixTriangularSolve"), [wellConditioned(3), s(3, 1)]],
  BatchCholesky: [(x) => op("BatchCholesky")(tf.mul(tf.add(x, tf.transpose(x)), 0.5)), [spd(2)]],
  BatchSelfAdjointEigV2: [
    (x) => {
      const [e, v] = tf.getDefaultGraph().createOp("BatchSelfAdjointEigV2", [x]).outputs;
      return tf.concat([e, flat(tf.square(v))], 0);
    },
    [spd(3)],
  ],
  BatchSvd: [
    (x) => {
      const [sv, u, v] = tf.getDefaultGraph().createOp("BatchSvd", [x]).outputs;
      return tf.concat([sv, flat(tf.square(u)), flat(tf.square(v))], 0);
    },
    [fullRank(3, 2)],
  ],
};
