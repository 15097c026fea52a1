// Gradients of the sparse ops, following TensorFlow's sparse_grad.py: with respect to the values
// (and dense operands); indices and shapes get none. Where TF maps gradients back through an
// op's reordering (SparseReorder, SparseConcat), the permutation is found by running the op on
// entry numbers and inverting it.
import { UnimplementedError, ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerGradient } from "../framework/op_registry.js";
import { constantValue } from "../framework/shape_inference.js";
import { sumToShapeOf } from "../gradients/grad_utils.js";
import { makeOp, makeOp1 } from "./op_builder.js";
import "./sparse_defs.js";
import "./math.js";
import "./array_shape.js";
import "./reduction.js";

const i32 = (v: number[]) => new NDArray("int32", [v.length], Int32Array.from(v));
const AXIS0 = new NDArray("int32", [], Int32Array.of(0));
const i64 = (v: number[]) => new NDArray("int64", [v.length], BigInt64Array.from(v.map(BigInt)));
const flatSum = (x: Tensor): Tensor =>
  makeOp1("Sum", [makeOp1("Reshape", [x, i32([-1])]), i32([0])], { keep_dims: false });
const column = (indices: Tensor, k: number): Tensor =>
  makeOp1("Reshape", [makeOp1("Slice", [indices, i32([0, k]), i32([-1, 1])]), i32([-1])]);
const valuesGrad = (grads: (Tensor | null)[], op: Operation): Tensor => {
  const g = grads[1];
  if (!g) throw new ValueError(`${op.type}: no gradient flows into the output values`);
  return g;
};
/** Entry numbers 0..n-1 of a values vector (int32). */
const entryIds = (values: Tensor): Tensor =>
  makeOp1("Range", [0, makeOp1("Size", [values], { out_type: "int32" }), 1], { Tidx: "int32" });

registerGradient("SparseToDense", (op, [g]) => {
  const [indices, , values] = op.inputs;
  const idx = indices.shape.rank === 2 ? indices : makeOp1("Reshape", [indices, i32([-1, 1])]);
  let vg = makeOp1("GatherNd", [g!, idx]);
  const dg = makeOp1("Sub", [flatSum(g!), flatSum(vg)]);
  if (values.shape.rank === 0) vg = flatSum(vg);
  return [null, null, vg, dg];
});

registerGradient("SparseTensorDenseMatMul", (op, [g]) => {
  const [ai, av, as, b] = op.inputs;
  const adjA = op.attrs.adjoint_a as boolean;
  const adjB = op.attrs.adjoint_b as boolean;
  const bt = makeOp1("SparseTensorDenseMatMul", [ai, av, as, g!], {
    adjoint_a: !adjA,
    adjoint_b: false,
  });
  const bGrad = adjB ? makeOp1("Transpose", [bt, i32([1, 0])]) : bt;
  const rows = column(ai, 0);
  const cols = column(ai, 1);
  const partsA = makeOp1("GatherV2", [g!, adjA ? cols : rows, AXIS0], { batch_dims: 0 });
  const bb = adjB ? makeOp1("Transpose", [b, i32([1, 0])]) : b;
  const partsB = makeOp1("GatherV2", [bb, adjA ? rows : cols, AXIS0], { batch_dims: 0 });
  const avGrad = makeOp1("Sum", [makeOp1("Mul", [partsA, partsB]), i32([1])], { keep_dims: false });
  return [null, avGrad, null, bGrad];
});

registerGradient("SparseAdd", (op, grads) => {
  const [ai, , , bi] = op.inputs;
  const r = makeOp("SparseAddGrad", [valuesGrad(grads, op), ai, bi, op.outputs[0]]).outputs;
  return [null, r[0], null, null, r[1], null, null];
});

registerGradient("SparseTensorDenseAdd", (op, [g]) => [
  null,
  makeOp1("GatherNd", [g!, op.inputs[0]]),
  null,
  g,
]);

/** The output gradient, reshaped with the reduced dims kept as 1, gathered at each entry. */
registerGradient("SparseReduceSum", (op, [g]) => {
  const [indices, , shape, axes] = op.inputs;
  const ax = constantValue(axes);
  const rank = shape.shape.dim(0);
  if (ax === null || rank === null)
    throw new UnimplementedError(
      `SparseReduceSum gradient (${op.name}): needs constant reduction axes and a known rank`,
    );
  const reduced = new Set(Array.from(ax.data as Int32Array, (a) => (a < 0 ? a + rank : a)));
  const keep = Array.from({ length: rank }, (_, d) => (reduced.has(d) ? 0 : 1));
  const keptShape = makeOp1("AddV2", [
    makeOp1("Mul", [shape, i64(keep)]),
    i64(keep.map((k) => 1 - k)),
  ]);
  const gr = makeOp1("Reshape", [g!, keptShape]);
  return [null, makeOp1("GatherNd", [gr, makeOp1("Mul", [indices, i64(keep)])]), null, null];
});

function cwiseGrad(type: string, isMul: boolean): void {
  registerGradient(type, (op, [g]) => {
    const [xi, xv, xs, y] = op.inputs;
    // y at each entry: the entries' values replaced by ones, times y.
    const yAt = makeOp1("SparseDenseCwiseMul", [xi, makeOp1("OnesLike", [xv]), xs, y]);
    const dx = makeOp1(isMul ? "Mul" : "RealDiv", [g!, yAt]);
    const dyVals = isMul
      ? makeOp1("Mul", [g!, xv])
      : makeOp1("Neg", [makeOp1("RealDiv", [makeOp1("Mul", [g!, xv]), makeOp1("Square", [yAt])])]);
    const zero = makeOp1("ZerosLike", [makeOp1("Reshape", [flatSum(dyVals), i32([])])]);
    const dense = makeOp1("SparseToDense", [xi, xs, dyVals, zero], { validate_indices: false });
    return [null, dx, null, sumToShapeOf(dense, y)];
  });
}
cwiseGrad("SparseDenseCwiseMul", true);
cwiseGrad("SparseDenseCwiseDiv", false);

/** d softmax: (g - sum over the row of g * out) * out, as TF. */
registerGradient("SparseSoftmax", (op, [g]) => {
  const [i, , s] = op.inputs;
  const out = op.outputs[0];
  const prod = makeOp1("Mul", [out, g!]);
  const rowSums = makeOp1("SparseReduceSum", [i, prod, s, i32([-1])], { keep_dims: true });
  const shifted = makeOp1("SparseDenseCwiseAdd", [i, g!, s, makeOp1("Neg", [rowSums])]);
  return [null, makeOp1("Mul", [shifted, out]), null];
});

registerGradient("SparseReorder", (op, grads) => {
  const [i, v, s] = op.inputs;
  const order = makeOp("SparseReorder", [i, entryIds(v), s]).outputs[1];
  const inv = makeOp1("InvertPermutation", [order]);
  return [null, makeOp1("GatherV2", [valuesGrad(grads, op), inv, AXIS0], { batch_dims: 0 }), null];
});

registerGradient("SparseConcat", (op, grads) => {
  const n = op.attrs.N as number;
  const indices = op.inputs.slice(0, n);
  const values = op.inputs.slice(n, 2 * n);
  const shapes = op.inputs.slice(2 * n);
  const sizes = values.map((v) => makeOp1("Size", [v], { out_type: "int32" }));
  const offsets: Tensor[] = [];
  let acc: Tensor | null = null;
  const ids = values.map((v, k) => {
    const off = acc ?? makeOp1("ZerosLike", [sizes[0]]);
    offsets.push(off);
    acc = makeOp1("AddV2", [off, sizes[k]]);
    return makeOp1("AddV2", [entryIds(v), off]);
  });
  const order = makeOp("SparseConcat", [indices, ids, shapes], { concat_dim: op.attrs.concat_dim })
    .outputs[1];
  const inOrder = makeOp1(
    "GatherV2",
    [valuesGrad(grads, op), makeOp1("InvertPermutation", [order]), AXIS0],
    {
      batch_dims: 0,
    },
  );
  const pieces = values.map((_, k) =>
    makeOp1("Slice", [
      inOrder,
      makeOp1("Reshape", [offsets[k], i32([1])]),
      makeOp1("Reshape", [sizes[k], i32([1])]),
    ]),
  );
  return [...indices.map(() => null), ...pieces, ...shapes.map(() => null)];
});

registerGradient("SparseSlice", (op, grads) => {
  const [indices, , , start] = op.inputs;
  const vg = makeOp1("SparseSliceGrad", [valuesGrad(grads, op), indices, start, op.outputs[0]]);
  return [null, vg, null, null, null];
});

registerGradient("SparseFillEmptyRows", (op, grads) => {
  const r = makeOp("SparseFillEmptyRowsGrad", [op.outputs[3], valuesGrad(grads, op)]).outputs;
  return [null, r[0], null, r[1]];
});
