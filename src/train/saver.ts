/**
 * tf.train.Saver as TensorFlow 1.15 builds it (BulkSaverBuilder, V2 checkpoints, not sharded):
 * ops under the name scope "save" — `save/filename` and `save/Const` (the filename, a
 * PlaceholderWithDefault of "model"), `save/SaveV2` with its `tensor_names`/`shape_and_slices`
 * constants, `save/control_dependency` (the filename after the save), `save/RestoreV2`,
 * `save/Assign`, `save/Assign_1`... and `save/restore_all` — described by a SaverDef, so that an
 * exported MetaGraph can be restored by TensorFlow. Plus the checkpoint helpers of tf.train:
 * latestCheckpoint, getCheckpointState, checkpointExists, listVariables, loadVariable.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, NotFoundError, ValueError } from "../framework/errors.js";
import { type Graph, GraphKeys, getDefaultGraph, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { atomicWriteFile } from "../io/checkpoint/fs_util.js";
import { markForDeletion, removeCheckpoint, removeLeftovers } from "../io/checkpoint/leftovers.js";
import { checkpointExists, openCheckpoint } from "../io/checkpoint/reader.js";
import { getCheckpointState, updateCheckpointState } from "../io/checkpoint/state.js";
import { exportMetaGraph } from "../io/meta_graph.js";
import {
  encodeProto,
  MetaGraphDefSchema,
  type SaverDef,
  SaverDef_CheckpointFormatVersion,
  SaverDefSchema,
} from "../io/proto/index.js";
import { group } from "../ops/basic.js";
import { restoreV2, saveV2 } from "../ops/io_ops.js";
import { makeOp1 } from "../ops/op_builder.js";
import type { Variable } from "../ops/variables.js";
import type { Session } from "../runtime/session.js";

export { removeCheckpoint } from "../io/checkpoint/leftovers.js";
export { checkpointExists } from "../io/checkpoint/reader.js";
export { getCheckpointState } from "../io/checkpoint/state.js";

export interface SaverOptions {
  /**
   * The variables to save and restore: an array (each saved under its op name, e.g.
   * "dense/kernel") or an object mapping checkpoint names to variables. Default: every global
   * variable of the graph.
   */
  varList?: readonly Variable[] | Readonly<Record<string, Variable>>;
  /** How many recent checkpoints to keep (older ones are deleted); 0 keeps all. Default 5. */
  maxToKeep?: number;
  /** Additionally keep one checkpoint every this many hours. Default 10000. */
  keepCheckpointEveryNHours?: number;
  /** Name scope of the saver's ops (default "save"). */
  name?: string;
  /** Write paths in the `checkpoint` file relative to its directory. Default false. */
  saveRelativePaths?: boolean;
  /** The default filename (the value of `save/filename` when not fed). Default "model". */
  filename?: string;
  /** Use a saver already in the graph (e.g. from an imported MetaGraph) instead of building one. */
  saverDef?: SaverDef;
  /** The graph (default: the variables' graph, else the default graph). */
  graph?: Graph;
}

export interface SaveOptions {
  /** Appended to the path as `-<step>`: a number, or a variable/tensor evaluated in the session. */
  globalStep?: number | bigint | Variable | Tensor;
  /** The state file's name (default "checkpoint"). */
  latestFilename?: string;
  /** Update the state file and delete old checkpoints (default true). */
  writeState?: boolean;
  /** Also write `<checkpoint>.meta`, the MetaGraph with this Saver's SaverDef (default true, as TF). */
  writeMetaGraph?: boolean;
}

const SECONDS_PER_HOUR = 3600;
const now = () => Date.now() / 1000;

/** Saves and restores variables as TensorFlow 1.x's tf.train.Saver. */
export class Saver {
  readonly graph: Graph;
  private readonly def: SaverDef;
  private readonly saveRelativePaths: boolean;
  /** [path, time saved (s)] of the checkpoints kept, oldest first. */
  private last: [string, number][] = [];
  /** Checkpoints dropped from `last`, to delete after the state file no longer names them. */
  private readonly toDelete: [string, number][] = [];
  private nextCheckpointTime: number;

  constructor(options: SaverOptions = {}) {
    this.saveRelativePaths = options.saveRelativePaths ?? false;
    if (options.saverDef) {
      this.graph = options.graph ?? getDefaultGraph();
      this.def = create(SaverDefSchema, options.saverDef);
      // LEGACY (0) is TF's name for the V1 format of old SaverDefs.
      if (
        this.def.version !== SaverDef_CheckpointFormatVersion.V2 &&
        this.def.version !== SaverDef_CheckpointFormatVersion.V1 &&
        this.def.version !== SaverDef_CheckpointFormatVersion.LEGACY
      ) {
        throw new ValueError(`Unknown SaverDef version ${this.def.version}`);
      }
      // Fail now, not at the first save, if the graph lacks the saver's ops.
      this.graph.getTensorByName(this.def.filenameTensorName);
      this.graph.getTensorByName(this.def.saveTensorName);
      this.graph.getOperationByName(this.def.restoreOpName);
    } else {
      const named = namesToVariables(options.varList, options.graph);
      this.graph = named.graph;
      this.def = build(named.graph, named.entries, options);
    }
    this.nextCheckpointTime = now() + this.def.keepCheckpointEveryNHours * SECONDS_PER_HOUR;
  }

  /** The SaverDef describing this saver's ops (for a MetaGraphDef). */
  get saverDef(): SaverDef {
    return this.def;
  }
  asSaverDef(): SaverDef {
    return this.def;
  }

  /** The paths of the checkpoints kept, oldest first. */
  get lastCheckpoints(): string[] {
    return this.last.map(([p]) => p);
  }

  /**
   * Takes over checkpoints saved earlier (e.g. by a previous run: `getCheckpointState(dir)
   * .allModelCheckpointPaths`), so that maxToKeep also deletes them in time.
   */
  recoverLastCheckpoints(paths: readonly string[]): void {
    const t = now();
    this.last = paths.filter((p) => checkpointExists(p)).map((p) => [p, t]);
  }
  setLastCheckpoints(paths: readonly string[]): void {
    const t = now();
    this.last = paths.map((p) => [p, t]);
  }

  /**
   * Saves the variables to `savePath` (or `${savePath}-${globalStep}`), updates the `checkpoint`
   * file in its directory and deletes checkpoints beyond maxToKeep. Resolves to the path written.
   * Crash-safe: every file is written under a temporary name and renamed, the state file is
   * rewritten before a checkpoint it stops naming is deleted, and each save first removes what
   * an earlier writer killed mid-save left (see io/checkpoint/leftovers.ts).
   */
  async save(sess: Session, savePath: string, options: SaveOptions = {}): Promise<string> {
    if (sess.graph !== this.graph) {
      throw new ValueError("The session's graph is not the graph this Saver was built in");
    }
    const latestFilename = options.latestFilename ?? "checkpoint";
    if (path.basename(latestFilename) !== latestFilename) {
      throw new ValueError(
        `'latestFilename' must not contain path components: '${latestFilename}'`,
      );
    }
    if (path.basename(savePath) === latestFilename && !this.def.sharded) {
      throw new ValueError(
        `'latestFilename' collides with 'savePath': '${latestFilename}' and '${savePath}'`,
      );
    }
    const writeState = options.writeState ?? true;
    let checkpointFile = savePath;
    const step = options.globalStep;
    if (step !== undefined) {
      const value =
        typeof step === "number" || typeof step === "bigint"
          ? step
          : (await sess.run(step instanceof Tensor ? step : step.graphElement)).item();
      checkpointFile = `${savePath}-${Number(value)}`;
    }
    if (writeState) this.removeLeftovers(savePath, checkpointFile, latestFilename);
    const written = await sess.run(this.def.saveTensorName, {
      [this.def.filenameTensorName]: checkpointFile,
    });
    const modelCheckpointPath = String((written as NDArray).item());
    if (options.writeMetaGraph ?? true) {
      // As TF's saver.save: the graph beside the checkpoint, so importMetaGraph can rebuild it.
      const meta = exportMetaGraph(undefined, { graph: this.graph, saverDef: this.def });
      atomicWriteFile(`${modelCheckpointPath}.meta`, encodeProto(MetaGraphDefSchema, meta));
    }
    if (writeState) {
      this.recordLastCheckpoint(modelCheckpointPath);
      // TF's order: the state file stops naming a checkpoint before its files go. The mark,
      // made first, lets the next save finish a deletion that a crash interrupted.
      const victim = this.checkpointToDelete();
      if (victim) markForDeletion(victim[0]);
      try {
        updateCheckpointState(path.dirname(savePath), modelCheckpointPath, this.lastCheckpoints, {
          latestFilename,
          saveRelativePaths: this.saveRelativePaths,
        });
      } catch (e) {
        if (victim) this.toDelete.unshift(victim); // still named by the old state file
        throw e;
      }
      if (victim) removeCheckpoint(victim[0]);
    }
    return modelCheckpointPath;
  }

  /**
   * Removes the crash leftovers of `savePath`'s family (stale temporary files, interrupted
   * deletions) — never a checkpoint the state file names, this saver keeps, or `writing`.
   */
  private removeLeftovers(savePath: string, writing: string, latestFilename: string): void {
    const dir = path.dirname(savePath);
    const named = new Set([writing, ...this.lastCheckpoints].map((p) => path.resolve(p)));
    try {
      const state = getCheckpointState(dir, latestFilename);
      if (state) {
        for (const p of [state.modelCheckpointPath, ...state.allModelCheckpointPaths]) {
          named.add(path.resolve(p));
        }
      }
    } catch {
      return; // an unreadable state file names we know not what: leave everything
    }
    removeLeftovers(dir, path.basename(savePath), named, latestFilename);
  }

  /**
   * Restores the variables from the checkpoint `savePath` (a V2 prefix or a V1 file).
   * NotFoundError if there is none or a variable is missing from it; InvalidArgumentError on a
   * shape or dtype mismatch.
   */
  async restore(sess: Session, savePath: string): Promise<void> {
    if (sess.graph !== this.graph) {
      throw new ValueError("The session's graph is not the graph this Saver was built in");
    }
    if (!checkpointExists(savePath)) {
      throw new NotFoundError(`Failed to find any matching files for ${savePath}`);
    }
    try {
      await sess.run(this.def.restoreOpName, { [this.def.filenameTensorName]: savePath });
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new NotFoundError(
          `Restoring from checkpoint failed. This is most likely due to a Variable name or other graph key that is missing from the checkpoint ${savePath}. Original error: ${e.message}`,
          e.opName,
        );
      }
      if (e instanceof InvalidArgumentError) {
        throw new InvalidArgumentError(
          `Restoring from checkpoint failed. This is most likely due to a mismatch between the current graph and the graph from the checkpoint ${savePath}. Original error: ${e.message}`,
          e.opName,
        );
      }
      throw e;
    }
  }

  private recordLastCheckpoint(p: string): void {
    if (!this.def.maxToKeep) return;
    this.last = this.last.filter(([q]) => q !== p);
    this.last.push([p, now()]);
    if (this.last.length > this.def.maxToKeep) this.toDelete.push(this.last.shift()!);
  }

  /** The checkpoint to delete now (one per save, as TF), unless keepCheckpointEveryNHours keeps it. */
  private checkpointToDelete(): [string, number] | null {
    const p = this.toDelete.shift();
    if (!p) return null;
    if (p[1] > this.nextCheckpointTime) {
      this.nextCheckpointTime += this.def.keepCheckpointEveryNHours * SECONDS_PER_HOUR;
      return null;
    }
    return p;
  }
}

/** [checkpoint name, variable] pairs, sorted by name, and their graph. */
function namesToVariables(
  varList: SaverOptions["varList"],
  graph: Graph | undefined,
): { graph: Graph; entries: [string, Variable][] } {
  let entries: [string, Variable][];
  if (varList === undefined) {
    const g = graph ?? getDefaultGraph();
    const vars = g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES);
    entries = vars.map((v) => [v.op.name, v]);
  } else if (Array.isArray(varList)) {
    entries = (varList as readonly Variable[]).map((v) => [v.op.name, v]);
  } else {
    entries = Object.entries(varList as Record<string, Variable>);
  }
  if (entries.length === 0) throw new ValueError("No variables to save");
  const names = new Set<string>();
  const ops = new Set<unknown>();
  for (const [name, v] of entries) {
    if (!v || typeof v !== "object" || !("ref" in v) || !("op" in v)) {
      throw new ValueError(`Saver: the value for '${name}' is not a Variable`);
    }
    if (names.has(name)) throw new ValueError(`At least two variables have the same name: ${name}`);
    if (ops.has(v.op)) {
      throw new ValueError(`The same variable will be restored with two names: ${v.op.name}`);
    }
    names.add(name);
    ops.add(v.op);
  }
  const g = entries[0][1].graph;
  if (graph && g !== graph) throw new ValueError("Saver: the variables are not in the given graph");
  for (const [name, v] of entries) {
    if (v.graph !== g) throw new ValueError(`Saver: variable '${name}' is from another graph`);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { graph: g, entries };
}

/** Adds the saver's ops to `graph` and returns their SaverDef. */
function build(graph: Graph, entries: [string, Variable][], options: SaverOptions): SaverDef {
  const names = entries.map(([n]) => n);
  const specs = entries.map(() => "");
  return graph.asDefault(() =>
    graph.nameScope(options.name ?? "save", () => {
      const scalar = TensorShape.scalar();
      const filename = makeOp1(
        "PlaceholderWithDefault",
        [new NDArray("string", [], [options.filename ?? "model"])],
        { shape: scalar },
        "filename",
      );
      // TensorFlow keeps the name "Const" for backwards compatibility.
      const filenameTensor = makeOp1(
        "PlaceholderWithDefault",
        [filename],
        { shape: scalar },
        "Const",
      );
      // A resource variable is saved through a read (TF's ResourceVariableSaveable).
      const saveOp = saveV2(
        filenameTensor,
        names,
        specs,
        entries.map(([, v]) => (v.isResource ? savedRead(graph, v) : v.ref)),
      );
      const saveTensor = graph.controlDependencies([saveOp], () =>
        graph.createOp("Identity", [filenameTensor], {}, "control_dependency"),
      ).outputs[0];
      const restored = graph.device("/device:CPU:0", () =>
        restoreV2(
          filenameTensor,
          names,
          specs,
          entries.map(([, v]) => v.dtype),
        ),
      );
      const assigns = entries.map(([, v], i) =>
        v.isResource
          ? restoreResource(graph, v, restored[i])
          : graph.createOp(
              "Assign",
              [v.ref, restored[i]],
              { validate_shape: v.shape.isFullyDefined },
              "Assign",
            ),
      );
      const restoreOp = group(assigns, "restore_all");
      return create(SaverDefSchema, {
        filenameTensorName: filenameTensor.name,
        saveTensorName: saveTensor.name,
        restoreOpName: restoreOp.name,
        maxToKeep: options.maxToKeep ?? 5,
        sharded: false,
        keepCheckpointEveryNHours: options.keepCheckpointEveryNHours ?? 10000,
        version: SaverDef_CheckpointFormatVersion.V2,
      });
    }),
  );
}

/** A resource variable's value for SaveV2: `Read/ReadVariableOp` and an Identity, as TF names them. */
function savedRead(graph: Graph, v: Variable): Tensor {
  const read = graph.nameScope("Read", () =>
    graph.createOp("ReadVariableOp", [v.ref], { dtype: v.dtype }, "ReadVariableOp"),
  ).outputs[0];
  return graph.createOp("Identity", [read], {}, "Identity").outputs[0];
}

/**
 * Restores a resource variable: an Identity of the restored value, then AssignVariableOp (TF's
 * shape_safe_assign_variable_handle: the restored shape must fit the variable's).
 */
function restoreResource(graph: Graph, v: Variable, value: Tensor) {
  const restored = graph.createOp("Identity", [value], {}, "Identity").outputs[0];
  if (!v.shape.isCompatibleWith(restored.shape)) {
    throw new ValueError(`Saver: the restored value of ${v.name} cannot have shape ${v.shape}`);
  }
  return graph.createOp(
    "AssignVariableOp",
    [v.ref, restored],
    { dtype: v.dtype },
    "AssignVariableOp",
  );
}

/** The newest checkpoint named by `<checkpointDir>/checkpoint`, if its files exist; else null. */
export function latestCheckpoint(checkpointDir: string, latestFilename?: string): string | null {
  const state = getCheckpointState(checkpointDir, latestFilename);
  if (state && checkpointExists(state.modelCheckpointPath)) return state.modelCheckpointPath;
  return null;
}

function checkpointPath(ckptDirOrFile: string): string {
  let isDir = false;
  try {
    isDir = fs.statSync(ckptDirOrFile).isDirectory();
  } catch {
    // a prefix, not a directory
  }
  if (!isDir) return ckptDirOrFile;
  const latest = latestCheckpoint(ckptDirOrFile);
  if (latest === null) {
    throw new NotFoundError(
      `Couldn't find 'checkpoint' file or checkpoints in given directory ${ckptDirOrFile}`,
    );
  }
  return latest;
}

/** The [name, shape] of every tensor in a checkpoint (a path, or a directory: its latest), sorted by name. */
export function listVariables(ckptDirOrFile: string): [string, number[]][] {
  const reader = openCheckpoint(checkpointPath(ckptDirOrFile));
  return reader.keys().map((k) => [k, reader.shape(k)]);
}

/** The value of tensor `name` ("dense/kernel" or "dense/kernel:0") in a checkpoint. */
export function loadVariable(ckptDirOrFile: string, name: string): NDArray {
  const reader = openCheckpoint(checkpointPath(ckptDirOrFile));
  return reader.get(name.endsWith(":0") ? name.slice(0, -2) : name);
}
