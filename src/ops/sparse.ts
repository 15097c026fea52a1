// Sparse tensors: the SparseTensor value and placeholder, and the sparse ops: builders, registrations (shape fn, gradient).
// Gradients are in sparse_grad.ts. Most sparse ops expect their entries in row-major order
// (tf.sparse.reorder makes it so), as TensorFlow's do.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import "./array_index.js";
import "./sparse_defs.js";
import "./sparse_grad.js";
import { constant } from "./basic.js";
import { convertToTensor, makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import {
  SparseTensor,
  type SparseTensorValue,
  type SparseTensorValueLike,
  toSparse,
} from "./sparse_tensor.js";

export {
  SparseTensor,
  SparseTensorValue,
  type SparseTensorValueLike,
  sparsePlaceholder,
} from "./sparse_tensor.js";

// ---- Builders ----

type Named = { name?: string };
export type SparseLike = SparseTensor | SparseTensorValue | SparseTensorValueLike;
const parts = (x: SparseTensor) => [x.indices, x.values, x.denseShape] as const;
const sparseResult = (outputs: readonly Tensor[], shape?: Tensor): SparseTensor =>
  new SparseTensor(outputs[0], outputs[1], shape ?? outputs[2]);
const isSparse = (x: unknown): x is SparseLike =>
  x instanceof SparseTensor ||
  (typeof x === "object" && x !== null && "indices" in x && "values" in x && "denseShape" in x);

/** TF1's tf.sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value). */
export function sparseToDense(
  sparseIndices: TensorLike,
  outputShape: TensorLike,
  sparseValues: TensorLike,
  defaultValue: TensorLike = 0,
  options: { validateIndices?: boolean } & Named = {},
): Tensor {
  const values = convertToTensor(sparseValues);
  return makeOp1(
    "SparseToDense",
    [sparseIndices, outputShape, values, convertToTensor(defaultValue, values.dtype)],
    { validate_indices: options.validateIndices ?? true },
    options.name,
  );
}

/** tf.sparse.to_dense: the dense tensor, defaultValue where no entry is. */
export function sparseTensorToDense(
  spInput: SparseLike,
  options: { defaultValue?: TensorLike; validateIndices?: boolean } & Named = {},
): Tensor {
  const sp = toSparse(spInput);
  return sparseToDense(sp.indices, sp.denseShape, sp.values, options.defaultValue ?? 0, options);
}

/** tf.sparse.add: sparse + sparse (SparseAdd; sums below `threshold` dropped) or sparse + dense. */
export function sparseAdd(
  a: SparseLike | TensorLike,
  b: SparseLike | TensorLike,
  options: { threshold?: number } & Named = {},
): SparseTensor | Tensor {
  const aSparse = isSparse(a);
  const bSparse = isSparse(b);
  if (!aSparse && !bSparse)
    throw new ValueError("sparse.add: at least one input must be a SparseTensor");
  if (aSparse && bSparse) {
    const sa = toSparse(a);
    const sb = toSparse(b);
    const thresh = convertToTensor(
      options.threshold ?? 0,
      sa.dtype === "float64"
        ? "float64"
        : sa.dtype === "int64"
          ? "int64"
          : sa.dtype === "int32"
            ? "int32"
            : "float32",
    );
    const op = makeOp("SparseAdd", [...parts(sa), ...parts(sb), thresh], {}, options.name);
    return sparseResult(op.outputs);
  }
  const sp = toSparse((aSparse ? a : b) as SparseLike);
  const dense = (aSparse ? b : a) as TensorLike;
  return makeOp1(
    "SparseTensorDenseAdd",
    [...parts(sp), convertToTensor(dense, sp.dtype)],
    {},
    options.name,
  );
}

/** tf.sparse.concat(axis, spInputs): the concatenation, in row-major order. */
export function sparseConcat(
  axis: number,
  spInputs: readonly SparseLike[],
  name?: string,
): SparseTensor {
  const sps = spInputs.map(toSparse);
  if (sps.length === 0) throw new ValueError("sparse.concat: needs at least one input");
  const op = makeOp(
    "SparseConcat",
    [sps.map((s) => s.indices), sps.map((s) => s.values), sps.map((s) => s.denseShape)],
    { concat_dim: axis },
    name,
  );
  return sparseResult(op.outputs);
}

/** tf.sparse.reshape: the same entries under a new dense shape (one dim may be -1). */
export function sparseReshape(spInput: SparseLike, shape: TensorLike, name?: string): SparseTensor {
  const sp = toSparse(spInput);
  const op = makeOp(
    "SparseReshape",
    [sp.indices, sp.denseShape, convertToTensor(shape, "int64")],
    {},
    name,
  );
  return new SparseTensor(op.outputs[0], sp.values, op.outputs[1]);
}

type Axes = number | readonly number[] | undefined;
function axesTensor(sp: SparseTensor, axis: Axes): Tensor {
  if (axis === undefined) {
    const r = sp.denseShape.shape.dim(0);
    if (r !== null)
      return constant(
        Array.from({ length: r }, (_, i) => i),
        { dtype: "int32" },
      );
    const n = makeOp1("Size", [sp.denseShape], { out_type: "int32" });
    return makeOp1("Range", [0, n, 1], { Tidx: "int32" });
  }
  return constant(typeof axis === "number" ? [axis] : [...axis], { dtype: "int32" });
}

/** A sparse reduction op on `spInput` over `axis` (all axes when absent). */
function sparseReduce(
  type: string,
  spInput: SparseLike,
  axis: Axes | undefined,
  keepDims: boolean,
  name?: string,
) {
  const sp = toSparse(spInput);
  return makeOp(type, [...parts(sp), axesTensor(sp, axis)], { keep_dims: keepDims }, name);
}
/** tf.sparse.reduce_sum (dense result). */
export function sparseReduceSum(
  spInput: SparseLike,
  axis?: Axes,
  keepDims = false,
  name?: string,
): Tensor {
  return sparseReduce("SparseReduceSum", spInput, axis, keepDims, name).outputs[0];
}
/** tf.sparse.reduce_sum with a sparse result (SparseReduceSumSparse). */
export function sparseReduceSumSparse(
  spInput: SparseLike,
  axis?: Axes,
  keepDims = false,
  name?: string,
): SparseTensor {
  return sparseResult(sparseReduce("SparseReduceSumSparse", spInput, axis, keepDims, name).outputs);
}
/** tf.sparse.reduce_max over the entries present (dense result; 0 where a group has none). */
export function sparseReduceMax(
  spInput: SparseLike,
  axis?: Axes,
  keepDims = false,
  name?: string,
): Tensor {
  return sparseReduce("SparseReduceMax", spInput, axis, keepDims, name).outputs[0];
}
/** tf.sparse.reduce_max with a sparse result (SparseReduceMaxSparse). */
export function sparseReduceMaxSparse(
  spInput: SparseLike,
  axis?: Axes,
  keepDims = false,
  name?: string,
): SparseTensor {
  return sparseResult(sparseReduce("SparseReduceMaxSparse", spInput, axis, keepDims, name).outputs);
}

/** tf.sparse.reorder: the entries in row-major order. */
export function sparseReorder(spInput: SparseLike, name?: string): SparseTensor {
  const sp = toSparse(spInput);
  const op = makeOp("SparseReorder", [...parts(sp)], {}, name);
  return new SparseTensor(op.outputs[0], op.outputs[1], sp.denseShape);
}

/** tf.sparse.sparse_dense_matmul (tf.sparse_tensor_dense_matmul): op(A) @ op(B). */
export function sparseTensorDenseMatmul(
  spA: SparseLike,
  b: TensorLike,
  options: { adjointA?: boolean; adjointB?: boolean } & Named = {},
): Tensor {
  const sp = toSparse(spA);
  return makeOp1(
    "SparseTensorDenseMatMul",
    [sp.indices, sp.values, sp.denseShape, convertToTensor(b, sp.dtype)],
    {
      adjoint_a: options.adjointA ?? false,
      adjoint_b: options.adjointB ?? false,
      Tindices: "int64",
    },
    options.name,
  );
}

/** tf.sparse.slice: the entries in [start, start + size), shifted to start at 0. */
export function sparseSlice(
  spInput: SparseLike,
  start: TensorLike,
  size: TensorLike,
  name?: string,
): SparseTensor {
  const sp = toSparse(spInput);
  const op = makeOp(
    "SparseSlice",
    [...parts(sp), convertToTensor(start, "int64"), convertToTensor(size, "int64")],
    {},
    name,
  );
  return sparseResult(op.outputs);
}

/** tf.sparse.split: numSplit pieces along axis (the first size % numSplit pieces one larger). */
export function sparseSplit(
  spInput: SparseLike,
  numSplit: number,
  axis: number,
  name?: string,
): SparseTensor[] {
  const sp = toSparse(spInput);
  const op = makeOp(
    "SparseSplit",
    [constant(axis, { dtype: "int64" }), ...parts(sp)],
    { num_split: numSplit },
    name,
  );
  const o = op.outputs;
  return Array.from(
    { length: numSplit },
    (_, k) => new SparseTensor(o[k], o[numSplit + k], o[2 * numSplit + k]),
  );
}

/** tf.sparse.fill_empty_rows: [the filled SparseTensor, the bool indicator of rows that were empty]. */
export function sparseFillEmptyRows(
  spInput: SparseLike,
  defaultValue: TensorLike,
  name?: string,
): [SparseTensor, Tensor] {
  const sp = toSparse(spInput);
  const op = makeOp(
    "SparseFillEmptyRows",
    [...parts(sp), convertToTensor(defaultValue, sp.dtype)],
    {},
    name,
  );
  return [new SparseTensor(op.outputs[0], op.outputs[1], sp.denseShape), op.outputs[2]];
}

/** tf.sparse.softmax: softmax over the last dimension among the entries present. */
export function sparseSoftmax(spInput: SparseLike, name?: string): SparseTensor {
  const sp = toSparse(spInput);
  return new SparseTensor(
    sp.indices,
    makeOp1("SparseSoftmax", [...parts(sp)], {}, name),
    sp.denseShape,
  );
}

function sparseSparse(type: string, a: SparseLike, b: SparseLike, name?: string): SparseTensor {
  const sa = toSparse(a);
  const op = makeOp(type, [...parts(sa), ...parts(toSparse(b))], {}, name);
  return new SparseTensor(op.outputs[0], op.outputs[1], sa.denseShape);
}
/** tf.sparse.maximum: element-wise max (absent entries count as 0). */
export function sparseMaximum(a: SparseLike, b: SparseLike, name?: string): SparseTensor {
  return sparseSparse("SparseSparseMaximum", a, b, name);
}
/** tf.sparse.minimum: element-wise min (absent entries count as 0). */
export function sparseMinimum(a: SparseLike, b: SparseLike, name?: string): SparseTensor {
  return sparseSparse("SparseSparseMinimum", a, b, name);
}

/** SparseDenseCwise{Add,Mul,Div}: the sparse entries combined with the dense tensor broadcast to them. */
function sparseDense(type: string, sp: SparseLike, dense: TensorLike, name?: string): SparseTensor {
  const s = toSparse(sp);
  return new SparseTensor(
    s.indices,
    makeOp1(type, [...parts(s), convertToTensor(dense, s.dtype)], {}, name),
    s.denseShape,
  );
}
export const sparseDenseCwiseAdd = (sp: SparseLike, dense: TensorLike, name?: string) =>
  sparseDense("SparseDenseCwiseAdd", sp, dense, name);
export const sparseDenseCwiseMul = (sp: SparseLike, dense: TensorLike, name?: string) =>
  sparseDense("SparseDenseCwiseMul", sp, dense, name);
export const sparseDenseCwiseDiv = (sp: SparseLike, dense: TensorLike, name?: string) =>
  sparseDense("SparseDenseCwiseDiv", sp, dense, name);

/** tf.sparse.from_dense: the non-zero entries (Where + GatherNd). */
export function sparseFromDense(tensor: TensorLike, name?: string): SparseTensor {
  const x = convertToTensor(tensor);
  return x.graph.nameScope(name ?? "dense_to_sparse", () => {
    const zero = x.dtype === "string" ? constant("") : constant(0, { dtype: x.dtype as DType });
    const indices = makeOp1("Where", [makeOp1("NotEqual", [x, zero])]);
    return new SparseTensor(
      indices,
      makeOp1("GatherNd", [x, indices]),
      makeOp1("Shape", [x], { out_type: "int64" }),
    );
  });
}

/** tf.io.serialize_sparse: the three parts as serialized TensorProtos, a [3] string tensor. */
export function serializeSparse(
  spInput: SparseLike,
  options: { outType?: DType } & Named = {},
): Tensor {
  const sp = toSparse(spInput);
  return makeOp1(
    "SerializeSparse",
    [...parts(sp)],
    { out_type: options.outType ?? "string" },
    options.name,
  );
}
/**
 * tf.io.deserialize_sparse: serialized sparse tensors ([..., 3] strings) back into one sparse
 * tensor, the leading dims of `serialized` in front of its dense shape.
 */
export function deserializeSparse(
  serialized: TensorLike,
  dtype: DType,
  name?: string,
): SparseTensor {
  return sparseResult(
    makeOp("DeserializeSparse", [convertToTensor(serialized, "string")], { dtype }, name).outputs,
  );
}
