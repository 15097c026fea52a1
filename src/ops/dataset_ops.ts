// tf.data's graph ops (TF 1.15's types): every dataset op outputs a scalar `variant` (the dataset),
// iterator ops a scalar `resource`; IteratorGetNext's outputs have the iterator's output_shapes.
// The user API (tf.data.Dataset and its iterators) is in src/data/dataset/.
import type { AttrValue } from "../framework/op_def.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import type { TensorShape } from "../framework/tensor_shape.js";

/** A dataset op: scalar inputs at `scalars` are checked, the output is a scalar. */
const datasetShape =
  (scalars: readonly number[] = []) =>
  (c: ShapeContext) => {
    for (const i of scalars) c.withRank(i, 0);
    return [[]];
  };

/** Input positions after a list input of `attr` (other_arguments: Targuments). */
const afterArgs = (c: ShapeContext, first: number, attr = "Targuments") =>
  first + c.attr<readonly AttrValue[]>(attr).length;

const SCALAR_OUTPUT_OPS = [
  "TensorDataset",
  "ZipDataset",
  "ConcatenateDataset",
  "UnbatchDataset",
  "ExperimentalUnbatchDataset",
  "MapDataset",
  "FilterDataset",
  "FlatMapDataset",
];
for (const t of SCALAR_OUTPUT_OPS) registerOp(t, { shape: datasetShape() });

registerOp("TensorSliceDataset", {
  shape: (c) => {
    c.op.inputs.forEach((_, i) => {
      c.withRankAtLeast(i, 1);
    });
    return [[]];
  },
});
registerOp("RangeDataset", { shape: datasetShape([0, 1, 2]) });
registerOp("SparseTensorSliceDataset", {
  shape: (c) => {
    c.withRank(0, 2);
    c.withRank(1, 1);
    c.withRank(2, 1);
    return [[]];
  },
});
// A scalar or a vector of patterns / filenames.
const filesShape = (scalars: readonly number[]) => (c: ShapeContext) => {
  const s = c.input(0);
  if (s.rank !== null && s.rank > 1) c.fail(`Shape must be at most rank 1 but is rank ${s.rank}`);
  for (const i of scalars) c.withRank(i, 0);
  return [[]];
};
registerOp("MatchingFilesDataset", { shape: filesShape([]) });
registerOp("ExperimentalMatchingFilesDataset", { shape: filesShape([]) });
registerOp("TFRecordDataset", { shape: filesShape([1, 2]) });
registerOp("TextLineDataset", { shape: filesShape([1, 2]) });
registerOp("FixedLengthRecordDatasetV2", { shape: filesShape([1, 2, 3, 4, 5]) });
registerOp("ParallelMapDataset", { shape: (c) => datasetShape([afterArgs(c, 1)])(c) });
registerOp("InterleaveDataset", {
  shape: (c) => datasetShape([afterArgs(c, 1), afterArgs(c, 2)])(c),
});
registerOp("ParallelInterleaveDatasetV2", {
  shape: (c) => datasetShape([afterArgs(c, 1), afterArgs(c, 2), afterArgs(c, 3)])(c),
});
registerOp("BatchDatasetV2", { shape: datasetShape([1, 2]) });
registerOp("PaddedBatchDatasetV2", {
  shape: (c) => {
    const n = c.attr<number>("N");
    c.withRank(1, 0);
    for (let i = 0; i < n; i++) c.withRank(2 + i, 1);
    for (let i = 0; i < n; i++) c.withRank(2 + n + i, 0);
    c.withRank(2 + 2 * n, 0);
    return [[]];
  },
});
registerOp("ShuffleDataset", { shape: datasetShape([1, 2, 3]) });
registerOp("RepeatDataset", { shape: datasetShape([1]) });
registerOp("TakeDataset", { shape: datasetShape([1]) });
registerOp("SkipDataset", { shape: datasetShape([1]) });
registerOp("CacheDataset", { shape: datasetShape([1]) });
registerOp("CacheDatasetV2", { shape: datasetShape([1]) });
registerOp("PrefetchDataset", { shape: datasetShape([1]) });
registerOp("WindowDataset", { shape: datasetShape([1, 2, 3, 4]) });
// TF 1.15's V1 forms and the datasets its Python inserts (see cpu-ts/dataset_compat.ts).
registerOp("BatchDataset", { shape: datasetShape([1]) });
registerOp("PaddedBatchDataset", {
  shape: (c) => {
    const n = c.attr<number>("N");
    c.withRank(1, 0);
    for (let i = 0; i < n; i++) c.withRank(2 + i, 1);
    return [[]];
  },
});
registerOp("FixedLengthRecordDataset", { shape: filesShape([1, 2, 3, 4]) });
registerOp("ShuffleAndRepeatDataset", { shape: datasetShape([1, 2, 3, 4]) });
registerOp("ModelDataset", { shape: datasetShape() });
registerOp("OptimizeDataset", { shape: datasetShape() });
for (const t of [
  "MaxIntraOpParallelismDataset",
  "ExperimentalMaxIntraOpParallelismDataset",
  "PrivateThreadPoolDataset",
  "ExperimentalPrivateThreadPoolDataset",
])
  registerOp(t, { shape: datasetShape([1]) });

// Iterators.
for (const t of ["IteratorV2", "Iterator", "AnonymousIterator", "OneShotIterator"])
  registerOp(t, { shape: () => [[]] });
registerOp("MakeIterator", {
  shape: (c) => {
    c.withRank(0, 0);
    c.withRank(1, 0);
    return [];
  },
});
registerOp("IteratorToStringHandle", { shape: datasetShape([0]) });
registerOp("IteratorFromStringHandleV2", { shape: datasetShape([0]) });
registerOp("IteratorFromStringHandle", { shape: datasetShape([0]) });
const componentShapes = (c: ShapeContext) =>
  c.attr<readonly TensorShape[]>("output_shapes").map((s) => s);
registerOp("IteratorGetNext", { shape: componentShapes });
registerOp("IteratorGetNextSync", { shape: componentShapes });
registerOp("DatasetToSingleElement", { shape: componentShapes });
