// Kernels of the checkpoint ops: SaveV2/RestoreV2/MergeV2Checkpoints on V2 tensor bundles,
// Save/Restore/RestoreSlice on V1 tensor-slice files (RestoreV2 also reads V1, as TF's does).
import * as fs from "node:fs";
import * as path from "node:path";
import { type DType, TF_DTYPE_NAME } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import {
  BundleReader,
  type CheckpointReader,
  dataFilename,
  indexFilename,
  writeBundle,
} from "../../io/checkpoint/bundle.js";
import { removeQuietly } from "../../io/checkpoint/fs_util.js";
import { openCheckpoint } from "../../io/checkpoint/reader.js";
import {
  TensorSliceReader,
  tensorSliceFiles,
  writeTensorSlices,
} from "../../io/checkpoint/tensor_slices.js";
import { checkPath } from "../file_policy.js";
import { arr, type KernelEnv, type NodeInfo, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";

function scalarString(a: NDArray, what: string): string {
  if (a.dtype !== "string" || a.size !== 1 || a.rank > 1) {
    throw new InvalidArgumentError(
      `${what} must be a string scalar, got ${a.dtype} of shape ${shapeString(a.shape)}`,
    );
  }
  return (a.data as string[])[0];
}

function stringVector(a: NDArray, what: string, n?: number): string[] {
  if (a.dtype !== "string" || a.rank !== 1) {
    throw new InvalidArgumentError(
      `${what} must be a 1-D string tensor, got ${a.dtype} of shape ${shapeString(a.shape)}`,
    );
  }
  if (n !== undefined && a.size !== n) {
    throw new InvalidArgumentError(`${what} has ${a.size} elements, expected ${n}`);
  }
  return a.data as string[];
}

/** Only whole tensors are saved and restored: a shape-and-slice spec must be "". */
function checkWhole(specs: readonly string[], names: readonly string[]): void {
  specs.forEach((s, i) => {
    if (s !== "") {
      throw new UnimplementedError(
        `Saving or restoring a slice ('${s}') of tensor '${names[i]}' is not supported; only whole tensors ("")`,
      );
    }
  });
}

// The file-access checks (ConfigProto.fileAccess) name each file an op opens, not only its
// prefix: `<prefix>.index` may be outside an allowed directory that `<prefix>` is in.

/** A V2 bundle is written as its index and one data file (and temporary names beside them). */
function checkBundleWrite(env: KernelEnv, op: string, prefix: string): void {
  checkPath(env, op, indexFilename(prefix), "write");
  checkPath(env, op, dataFilename(prefix, 0, 1), "write");
}

/** A V1 checkpoint's directory is listed for its shards, then each shard is read. */
function checkV1Read(env: KernelEnv, op: string, file: string): void {
  if (env.files === undefined) return; // (spares the listing)
  checkPath(env, op, path.dirname(file), "read");
  checkPath(env, op, file, "read");
  for (const f of tensorSliceFiles(file)) checkPath(env, op, f, "read");
}

/** Opens a V2 bundle (checked index, then each checked data shard) or a V1 checkpoint. */
function openChecked(env: KernelEnv, op: string, prefix: string): CheckpointReader {
  if (env.files === undefined) return openCheckpoint(prefix);
  checkPath(env, op, indexFilename(prefix), "read");
  checkV1Read(env, op, prefix);
  const reader = openCheckpoint(prefix);
  if (reader instanceof BundleReader) checkBundleShards(env, op, reader, "read");
  return reader;
}

function checkBundleShards(
  env: KernelEnv,
  op: string,
  r: BundleReader,
  mode: "read" | "write",
): void {
  const n = r.header.numShards;
  for (let s = 0; s < n; s++) checkPath(env, op, dataFilename(r.path, s, n), mode);
}

/** Reads `name` from `reader`, checking it has the dtype the op expects. */
function restoreOne(reader: CheckpointReader, name: string, dtype: DType): NDArray {
  const stored = reader.dtypeAndShape(name).dtype;
  if (stored !== dtype) {
    throw new InvalidArgumentError(
      `tensor_name = ${name}; expected dtype ${TF_DTYPE_NAME[dtype]} does not equal original dtype ${TF_DTYPE_NAME[stored]}`,
    );
  }
  return reader.get(name);
}

cpuBackend.register("SaveV2", (_node, env) => (inputs) => {
  const prefix = scalarString(arr(inputs[0]), "prefix");
  checkBundleWrite(env, "SaveV2", prefix);
  const tensors = inputs.slice(3).map(arr);
  const names = stringVector(arr(inputs[1]), "tensor_names", tensors.length);
  checkWhole(stringVector(arr(inputs[2]), "shape_and_slices", tensors.length), names);
  writeBundle(
    prefix,
    names.map((n, i) => [n, tensors[i]] as const),
  );
  return [];
});

cpuBackend.register("RestoreV2", (node, env) => {
  const dtypes = node.attrs.dtypes as DType[];
  return (inputs) => {
    const prefix = scalarString(arr(inputs[0]), "prefix");
    const names = stringVector(arr(inputs[1]), "tensor_names", dtypes.length);
    checkWhole(stringVector(arr(inputs[2]), "shape_and_slices", dtypes.length), names);
    const reader = openChecked(env, "RestoreV2", prefix);
    return names.map((n, i) => restoreOne(reader, n, dtypes[i]));
  };
});

cpuBackend.register("MergeV2Checkpoints", (node, env) => {
  const deleteOldDirs = node.attrs.delete_old_dirs as boolean;
  const op = "MergeV2Checkpoints";
  return (inputs) => {
    const sources = stringVector(arr(inputs[0]), "checkpoint_prefixes");
    const destination = scalarString(arr(inputs[1]), "destination_prefix");
    // Every check before the first write: the sources are read, then deleted (with their
    // directories when delete_old_dirs).
    checkBundleWrite(env, op, destination);
    const readers = sources.map((prefix) => {
      checkPath(env, op, indexFilename(prefix), "write");
      if (deleteOldDirs) checkPath(env, op, path.dirname(prefix), "write");
      const r = new BundleReader(prefix);
      checkBundleShards(env, op, r, "write");
      return r;
    });
    const entries: [string, NDArray][] = [];
    for (const r of readers) for (const k of r.keys()) entries.push([k, r.get(k)]);
    writeBundle(destination, entries); // a name in two inputs is an InvalidArgumentError here
    const kept = new Set([indexFilename(destination), dataFilename(destination, 0, 1)]);
    for (const prefix of sources) {
      const r = new BundleReader(prefix);
      const files = [indexFilename(prefix)];
      for (let s = 0; s < r.header.numShards; s++) {
        files.push(dataFilename(prefix, s, r.header.numShards));
      }
      for (const f of files) if (!kept.has(f)) removeQuietly(f);
      if (deleteOldDirs) {
        const dir = path.dirname(prefix);
        if (path.resolve(dir) !== path.resolve(path.dirname(destination))) {
          try {
            fs.rmdirSync(dir); // only if empty, as TensorFlow does
          } catch {
            // not empty or already gone
          }
        }
      }
    }
    return [];
  };
});

/** Save (V1) and SaveSlices: the tensors after the `specs` inputs, whole, to a V1 checkpoint. */
const v1Save = (sliced: boolean) => (_node: unknown, env: KernelEnv) => (inputs: Value[]) => {
  const filename = scalarString(arr(inputs[0]), "filename");
  checkPath(env, sliced ? "SaveSlices" : "Save", filename, "write");
  const first = sliced ? 3 : 2;
  const tensors = inputs.slice(first).map(arr);
  const names = stringVector(arr(inputs[1]), "tensor_names", tensors.length);
  if (sliced) checkWhole(stringVector(arr(inputs[2]), "shapes_and_slices", tensors.length), names);
  writeTensorSlices(
    filename,
    names.map((n, i) => [n, tensors[i]] as const),
  );
  return [];
};
cpuBackend.register("Save", v1Save(false));
cpuBackend.register("SaveSlices", v1Save(true));

function v1Restore(node: NodeInfo, env: KernelEnv, sliced: boolean) {
  const dt = node.attrs.dt as DType;
  return (inputs: Value[]) => {
    const file = scalarString(arr(inputs[0]), "file_pattern");
    checkV1Read(env, node.type, file);
    const name = scalarString(arr(inputs[1]), "tensor_name");
    if (sliced) checkWhole([scalarString(arr(inputs[2]), "shape_and_slice")], [name]);
    return [restoreOne(new TensorSliceReader(file), name, dt)];
  };
}
cpuBackend.register("Restore", (node, env) => v1Restore(node, env, false));
cpuBackend.register("RestoreSlice", (node, env) => v1Restore(node, env, true));
