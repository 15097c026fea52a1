// Registrations of the sparse ops (their shape functions); builders are in sparse.ts, gradients
// in sparse_grad.ts.
import { registerOp, type ShapeFn } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";

/** The rank of a sparse tensor from its dense-shape input `i` (null when unknown). */
const rankOf = (c: ShapeContext, i: number): Dim => c.withRank(i, 1).dim(0);
const sparseOut = (rank: Dim) => [[null, rank], [null], [rank]];
/** The dense shape input's value as a static shape, when known. */
function denseShapeOf(c: ShapeContext, i: number): TensorShape {
  const v = c.inputValue(i);
  if (v) return new TensorShape(Array.from(v.data as ArrayLike<number | bigint>, Number));
  const r = rankOf(c, i);
  return r === null ? TensorShape.unknown() : TensorShape.unknownOfRank(r);
}

registerOp("SparseToDense", {
  shape: (c) => {
    if (c.input(0).rank !== null && c.input(0).rank! > 2)
      c.fail(`Shape must be at most rank 2 but is rank ${c.input(0).rank}`);
    const s = c.input(1);
    if (s.rank === 0) return [c.inputValue(1) ? Number(c.inputValue(1)!.data[0]) : null];
    return c.inputAsShape(1);
  },
});
registerOp("SparseTensorDenseMatMul", {
  shape: (c) => {
    const a = denseShapeOf(c, 2);
    if (a.rank !== null && a.rank !== 2) c.fail(`a_shape must describe a matrix, got ${a}`);
    const b = c.withRank(3, 2);
    const adjA = c.attr<boolean>("adjoint_a");
    const adjB = c.attr<boolean>("adjoint_b");
    const [ar, ac] =
      a.rank === null ? [null, null] : adjA ? [a.dim(1), a.dim(0)] : [a.dim(0), a.dim(1)];
    const [br, bc] = adjB ? [b.dim(1), b.dim(0)] : [b.dim(0), b.dim(1)];
    c.mergeDim(ac, br, "Inner dimensions of A and B");
    return [ar, bc];
  },
});
registerOp("SparseReshape", {
  shape: (c) => {
    const r = rankOf(c, 2);
    return [[c.withRank(0, 2).dim(0), r], [r]];
  },
});
registerOp("SparseAdd", {
  shape: (c) => sparseOut(c.mergeDim(rankOf(c, 2), rankOf(c, 5), "Ranks of a and b")),
});
registerOp("SparseAddGrad", {
  shape: (c) => [[c.withRank(1, 2).dim(0)], [c.withRank(2, 2).dim(0)]],
});
registerOp("SparseConcat", { shape: (c) => sparseOut(rankOf(c, c.numInputs - 1)) });
const reduceDense: ShapeFn = (c) => {
  const s = denseShapeOf(c, 2);
  const axes = c.inputValue(3);
  if (s.rank === null || axes === null) return TensorShape.unknown();
  const rank = s.rank;
  const reduced = new Set(
    Array.from(axes.data as Int32Array, (a) => {
      if (a < -rank || a >= rank)
        c.fail(`Invalid reduction dimension ${a}, for input with ${rank} dimensions`);
      return a < 0 ? a + rank : a;
    }),
  );
  if (c.attr<boolean>("keep_dims")) return s.dims!.map((d, i) => (reduced.has(i) ? 1 : d));
  return s.dims!.filter((_, i) => !reduced.has(i));
};
registerOp("SparseReduceSum", { shape: reduceDense });
registerOp("SparseReduceMax", { shape: reduceDense });
registerOp("SparseReduceSumSparse", { shape: () => sparseOut(null) });
registerOp("SparseReduceMaxSparse", { shape: () => sparseOut(null) });
registerOp("SparseReorder", { shape: (c) => [c.withRank(0, 2), c.withRank(1, 1)] });
registerOp("SparseSlice", { shape: (c) => sparseOut(rankOf(c, 2)) });
registerOp("SparseSplit", {
  shape: (c) => {
    const n = c.attr<number>("num_split");
    const r = rankOf(c, 3);
    const rep = <T>(x: T): T[] => Array.from({ length: n }, () => x);
    return [...rep([null, r]), ...rep([null]), ...rep([r])];
  },
});
registerOp("SparseTensorDenseAdd", { shape: (c) => c.input(3) });
for (const t of [
  "SparseDenseCwiseAdd",
  "SparseDenseCwiseMul",
  "SparseDenseCwiseDiv",
  "SparseSoftmax",
])
  registerOp(t, { shape: (c) => c.withRank(1, 1) });
registerOp("SparseFillEmptyRows", {
  shape: (c) => {
    const r = rankOf(c, 2);
    c.withRank(3, 0);
    return [[null, r], [null], [null], [c.withRank(1, 1).dim(0)]];
  },
});
registerOp("SparseFillEmptyRowsGrad", { shape: (c) => [c.withRank(0, 1), []] });
registerOp("SparseSliceGrad", { shape: (c) => [c.withRank(1, 2).dim(0)] });
registerOp("SparseSparseMaximum", { shape: (c) => sparseOut(rankOf(c, 2)).slice(0, 2) });
registerOp("SparseSparseMinimum", { shape: (c) => sparseOut(rankOf(c, 2)).slice(0, 2) });
registerOp("SerializeSparse", {
  shape: (c) => {
    c.withRank(0, 2);
    c.withRank(1, 1);
    c.withRank(2, 1);
    return [3];
  },
});
registerOp("DeserializeSparse", {
  shape: (c) => {
    const s = c.withRankAtLeast(0, 1);
    if (s.rank !== null && s.dim(s.rank - 1) !== null && s.dim(s.rank - 1) !== 3)
      c.fail(`serialized_sparse must have 3 as its last dimension, got ${s}`);
    return sparseOut(null);
  },
});
