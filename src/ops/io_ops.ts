// Checkpoint ops: SaveV2/RestoreV2/MergeV2Checkpoints (V2 tensor bundles) and Save/Restore/
// RestoreSlice (V1 tensor-slice files), with their shape functions and raw builders.
import type { DType } from "../framework/dtypes.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";

/** Unknown shapes for each of `n` outputs (a single output's shape is not wrapped in a list). */
const unknownOutputs = (n: number): (null[] | null)[] | null =>
  n === 1 ? null : Array.from({ length: n }, () => null);

registerOp("SaveV2", {
  shape: (c) => {
    c.withRank(0, 0);
    const names = c.withRank(1, 1);
    const slices = c.withRank(2, 1);
    c.mergeDim(names.dim(0), slices.dim(0), "tensor_names and shape_and_slices sizes");
    const n = c.attr<DType[]>("dtypes").length;
    if (names.dim(0) !== null && names.dim(0) !== n) {
      c.fail(`Expected ${n} tensor names (one per tensor), got ${names.dim(0)}`);
    }
    return [];
  },
});
registerOp("RestoreV2", {
  shape: (c) => {
    c.withRank(0, 0);
    const names = c.withRank(1, 1);
    const slices = c.withRank(2, 1);
    c.mergeDim(names.dim(0), slices.dim(0), "tensor_names and shape_and_slices sizes");
    const n = c.attr<DType[]>("dtypes").length;
    if (names.dim(0) !== null && names.dim(0) !== n) {
      c.fail(`Expected ${n} tensor names (one per dtype), got ${names.dim(0)}`);
    }
    return unknownOutputs(n);
  },
});
registerOp("MergeV2Checkpoints", {
  shape: (c) => {
    c.withRank(0, 1);
    c.withRank(1, 0);
    return [];
  },
});
registerOp("Save", {
  shape: (c: ShapeContext) => {
    c.withRank(0, 0);
    const names = c.withRank(1, 1);
    const n = c.attr<DType[]>("T").length;
    if (names.dim(0) !== null && names.dim(0) !== n) {
      c.fail(`Expected ${n} tensor names (one per tensor), got ${names.dim(0)}`);
    }
    return [];
  },
});
// TF1's Saver with partitioned variables: Save plus a slice spec per tensor ("" = whole tensor).
registerOp("SaveSlices", {
  shape: (c: ShapeContext) => {
    c.withRank(0, 0);
    c.withRank(1, 1);
    c.withRank(2, 1);
    return [];
  },
});
registerOp("Restore", {
  shape: (c) => {
    c.withRank(0, 0);
    c.withRank(1, 0);
    return null;
  },
});
registerOp("RestoreSlice", {
  shape: (c) => {
    c.withRank(0, 0);
    c.withRank(1, 0);
    c.withRank(2, 0);
    return null;
  },
});

/**
 * Saves `tensors` under `tensorNames` in the V2 checkpoint `prefix` (SaveV2).
 * `shapeAndSlices` has one entry per tensor; only "" (the whole tensor) is supported.
 */
export function saveV2(
  prefix: TensorLike,
  tensorNames: TensorLike,
  shapeAndSlices: TensorLike,
  tensors: readonly TensorLike[],
  name?: string,
): Operation {
  return makeOp("SaveV2", [prefix, tensorNames, shapeAndSlices, tensors], {}, name);
}

/** Restores tensors of `dtypes` named `tensorNames` from the checkpoint `prefix` (RestoreV2; V1 files too). */
export function restoreV2(
  prefix: TensorLike,
  tensorNames: TensorLike,
  shapeAndSlices: TensorLike,
  dtypes: readonly DType[],
  name?: string,
): Tensor[] {
  return [...makeOp("RestoreV2", [prefix, tensorNames, shapeAndSlices], { dtypes }, name).outputs];
}

/** Merges V2 checkpoints into one at `destinationPrefix`, deleting the inputs (MergeV2Checkpoints). */
export function mergeV2Checkpoints(
  checkpointPrefixes: TensorLike,
  destinationPrefix: TensorLike,
  options: { deleteOldDirs?: boolean; name?: string } = {},
): Operation {
  return makeOp(
    "MergeV2Checkpoints",
    [checkpointPrefixes, destinationPrefix],
    { delete_old_dirs: options.deleteOldDirs },
    options.name,
  );
}

/** Saves `data` under `tensorNames` in the V1 checkpoint file `filename` (Save). */
export function saveV1(
  filename: TensorLike,
  tensorNames: TensorLike,
  data: readonly TensorLike[],
  name?: string,
): Operation {
  return makeOp("Save", [filename, tensorNames, data], {}, name);
}

/** Restores one tensor of dtype `dt` from a V1 checkpoint (Restore). */
export function restoreV1(
  filePattern: TensorLike,
  tensorName: TensorLike,
  dt: DType,
  options: { preferredShard?: number; name?: string } = {},
): Tensor {
  return makeOp1(
    "Restore",
    [filePattern, tensorName],
    { dt, preferred_shard: options.preferredShard },
    options.name,
  );
}

/** Restores a slice of a tensor from a V1 checkpoint (RestoreSlice; only "" = whole). */
export function restoreSlice(
  filePattern: TensorLike,
  tensorName: TensorLike,
  shapeAndSlice: TensorLike,
  dt: DType,
  options: { preferredShard?: number; name?: string } = {},
): Tensor {
  return makeOp1(
    "RestoreSlice",
    [filePattern, tensorName, shapeAndSlice],
    { dt, preferred_shard: options.preferredShard },
    options.name,
  );
}
