// Numeric gradient checks of the sparse ops (merged into gradient_coverage.test.ts): the
// gradients with respect to the values (and dense operands); indices are constants.
import * as tf from "../../src/index.js";
import { type GradChecks, pos, s } from "./common.js";

const i64 = (v: tf.NestedArray) => tf.constant(v, { dtype: "int64" });
/** A 2x3 sparse tensor with entries at (0,0), (0,2), (1,1) holding `v`. */
const sp = (v: tf.Tensor) =>
  new tf.SparseTensor(
    i64([
      [0, 0],
      [0, 2],
      [1, 1],
    ]),
    v,
    [2, 3],
  );
const values = (x: tf.SparseTensor | tf.Tensor): tf.Tensor =>
  x instanceof tf.SparseTensor ? x.values : x;

export const CHECKS: GradChecks = {
  SparseToDense: [
    (v, d) =>
      tf.sparseToDense(
        i64([
          [0, 1],
          [1, 0],
        ]),
        i64([2, 3]),
        v,
        d,
      ),
    [s(2), s()],
  ],
  SparseTensorDenseMatMul: [(v, b) => tf.sparseTensorDenseMatmul(sp(v), b), [s(3), s(3, 2)]],
  SparseAdd: [
    (a, b) =>
      values(
        tf.sparse.add(
          sp(a),
          new tf.SparseTensor(
            i64([
              [0, 2],
              [1, 0],
            ]),
            b,
            [2, 3],
          ),
        ),
      ),
    [s(3), s(2)],
  ],
  SparseTensorDenseAdd: [(v, d) => values(tf.sparse.add(sp(v), d)), [s(3), s(2, 3)]],
  SparseReduceSum: [(v) => tf.sparse.reduceSum(sp(v), 1), [s(3)]],
  SparseDenseCwiseMul: [(v, d) => tf.sparseDenseCwiseMul(sp(v), d).values, [s(3), s(3)]],
  SparseDenseCwiseDiv: [(v, d) => tf.sparseDenseCwiseDiv(sp(v), d).values, [s(3), pos(2, 1)]],
  SparseSoftmax: [(v) => tf.sparse.softmax(sp(v)).values, [s(3)]],
  SparseReorder: [
    (v) =>
      tf.sparse.reorder(
        new tf.SparseTensor(
          i64([
            [1, 1],
            [0, 2],
            [0, 0],
          ]),
          v,
          [2, 3],
        ),
      ).values,
    [s(3)],
  ],
  SparseConcat: [
    (a, b) =>
      tf.sparse.concat(1, [
        sp(a),
        new tf.SparseTensor(
          i64([
            [0, 1],
            [1, 0],
          ]),
          b,
          [2, 2],
        ),
      ]).values,
    [s(3), s(2)],
  ],
  SparseSlice: [(v) => tf.sparse.slice(sp(v), i64([0, 1]), i64([2, 2])).values, [s(3)]],
  SparseFillEmptyRows: [
    (v, d) =>
      tf.sparse.fillEmptyRows(
        new tf.SparseTensor(
          i64([
            [0, 1],
            [2, 0],
          ]),
          v,
          [3, 2],
        ),
        d,
      )[0].values,
    [s(2), s()],
  ],
};
