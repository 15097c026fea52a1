// ParseSequenceExample (tf.io.parse_sequence_example): registration (shape function; no
// gradient, as in TensorFlow) and builder. Kernel: backends/cpu-ts/parsing_sequence.ts.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { constant } from "./basic.js";
import { makeOp, type TensorLike } from "./op_builder.js";
import { type FeatureSpec, splitFeatures, varLenFeature } from "./parsing_ops.js";
import { SparseTensor } from "./sparse_tensor.js";

registerOp("ParseSequenceExample", {
  shape: (c) => {
    const b = c.withRank(0, 1).dim(0);
    const rep = (n: number, s: Dim[]) => Array.from({ length: n }, () => new TensorShape(s));
    const batched = (name: string, extra: Dim[]) =>
      (c.attr<TensorShape[]>(name) ?? []).map((s) => new TensorShape([b, ...extra]).concatenate(s));
    const ncs = c.attr<number>("Ncontext_sparse") ?? 0;
    const nfs = c.attr<number>("Nfeature_list_sparse") ?? 0;
    const nfd = c.attr<number>("Nfeature_list_dense") ?? 0;
    return [
      ...rep(ncs, [null, 2]),
      ...rep(ncs, [null]),
      ...rep(ncs, [2]),
      ...batched("context_dense_shapes", []),
      ...rep(nfs, [null, 3]),
      ...rep(nfs, [null]),
      ...rep(nfs, [3]),
      ...batched("feature_list_dense_shapes", [null]),
      ...rep(nfd, [b]),
    ];
  },
});

/** tf.io.FixedLenSequenceFeature: each step of a feature list has this shape. */
export interface FixedLenSequenceFeature {
  readonly kind: "FixedLenSequenceFeature";
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Whether an example may lack the list (then its length is 0). */
  readonly allowMissing: boolean;
}

/** tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing=False). */
export function fixedLenSequenceFeature(
  shape: readonly number[],
  dtype: DType,
  options: { allowMissing?: boolean } = {},
): FixedLenSequenceFeature {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ValueError(
        `FixedLenSequenceFeature: shape [${shape.join(",")}] must be fully defined`,
      );
  varLenFeature(dtype); // the same dtype check
  return {
    kind: "FixedLenSequenceFeature",
    shape: [...shape],
    dtype,
    allowMissing: options.allowMissing ?? false,
  };
}

/**
 * tf.io.parse_sequence_example(serialized, context_features=None, sequence_features=None,
 * example_names=None): a batch of serialized tf.train.SequenceExamples. Returns
 * [context, featureLists, lengths] as TF does: context features as parseExample gives them;
 * FixedLenSequenceFeatures [batch, longest sequence, ...shape] (zero-padded) with their lengths;
 * VarLenFeatures of the lists as SparseTensors [batch, longest sequence, longest step].
 */
export function parseSequenceExample(
  serialized: TensorLike,
  options: {
    contextFeatures?: Readonly<Record<string, FeatureSpec>>;
    sequenceFeatures?: Readonly<Record<string, VarLenFeatureOrSeq>>;
    exampleNames?: TensorLike;
    name?: string;
  } = {},
): [
  Record<string, Tensor | SparseTensor>,
  Record<string, Tensor | SparseTensor>,
  Record<string, Tensor>,
] {
  const ctx = splitFeatures(options.contextFeatures ?? {}, "parse_sequence_example", true);
  const seq = options.sequenceFeatures ?? {};
  const keys = Object.keys(seq).sort();
  if (keys.length === 0 && Object.keys(options.contextFeatures ?? {}).length === 0)
    throw new ValueError("parse_sequence_example: Missing features.");
  const seqSparse = keys.filter((k) => seq[k].kind === "VarLenFeature");
  const seqDense = keys.filter((k) => seq[k].kind === "FixedLenSequenceFeature");
  for (const k of keys)
    if (seq[k].kind !== "VarLenFeature" && seq[k].kind !== "FixedLenSequenceFeature")
      throw new ValueError(
        `parse_sequence_example: sequence feature '${k}' must be a VarLenFeature or FixedLenSequenceFeature`,
      );
  const dense = seqDense.map((k) => seq[k] as FixedLenSequenceFeature);
  const op = makeOp(
    "ParseSequenceExample",
    [serialized, options.exampleNames ?? constant(new NDArray("string", [0])), ctx.defaults],
    {
      feature_list_dense_missing_assumed_empty: seqDense.filter((_, j) => dense[j].allowMissing),
      context_sparse_keys: ctx.sparse,
      context_dense_keys: ctx.dense,
      feature_list_sparse_keys: seqSparse,
      feature_list_dense_keys: seqDense,
      Ncontext_sparse: ctx.sparse.length,
      Ncontext_dense: ctx.dense.length,
      Nfeature_list_sparse: seqSparse.length,
      Nfeature_list_dense: seqDense.length,
      context_sparse_types: ctx.attrs.sparse_types,
      Tcontext_dense: ctx.attrs.Tdense,
      feature_list_dense_types: dense.map((f) => f.dtype),
      context_dense_shapes: ctx.attrs.dense_shapes,
      feature_list_sparse_types: seqSparse.map((k) => seq[k].dtype),
      feature_list_dense_shapes: dense.map((f) => new TensorShape(f.shape)),
    },
    options.name ?? "ParseSequenceExample",
  );
  const o = op.outputs;
  let at = 0;
  const take = (n: number) => {
    const out = o.slice(at, at + n);
    at += n;
    return out;
  };
  const [ci, cv, cs, cd] = [ctx.sparse, ctx.sparse, ctx.sparse, ctx.dense].map((k) =>
    take(k.length),
  );
  const [fi, fv, fs, fd, fl] = [seqSparse, seqSparse, seqSparse, seqDense, seqDense].map((k) =>
    take(k.length),
  );
  const context: Record<string, Tensor | SparseTensor> = {};
  ctx.sparse.forEach((k, i) => {
    context[k] = new SparseTensor(ci[i], cv[i], cs[i]);
  });
  ctx.dense.forEach((k, j) => {
    context[k] = cd[j];
  });
  const lists: Record<string, Tensor | SparseTensor> = {};
  const lengths: Record<string, Tensor> = {};
  seqSparse.forEach((k, i) => {
    lists[k] = new SparseTensor(fi[i], fv[i], fs[i]);
  });
  seqDense.forEach((k, j) => {
    lists[k] = fd[j];
    lengths[k] = fl[j];
  });
  return [context, lists, lengths];
}

type VarLenFeatureOrSeq = Extract<FeatureSpec, { kind: "VarLenFeature" }> | FixedLenSequenceFeature;
