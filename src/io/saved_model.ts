/**
 * TF1 SavedModels (tf.saved_model): a directory with `saved_model.pb` (or `.pbtxt`) holding
 * MetaGraphDefs by tag-set, `variables/variables.{index,data-*}` (a V2 checkpoint) and
 * `assets/`. `load` imports the MetaGraph of a tag-set into a session's graph, restores the
 * variables and runs the main op (or legacy init op); `Builder` and `simpleSave` write one.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { DATA_TYPE_ENUM } from "../framework/dtypes.js";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ValueError,
} from "../framework/errors.js";
import { Graph, GraphKeys, type Operation, type Tensor } from "../framework/graph.js";
import type { NDArray } from "../framework/ndarray.js";
import type { Variable } from "../ops/variables.js";
import type { Feedable } from "../runtime/feeds.js";
import { type ConfigProto, Session } from "../runtime/session.js";
import { importMetaGraphWithSaver } from "../train/import_meta_graph.js";
import { Saver } from "../train/saver.js";
import { fsCall, tempName } from "./checkpoint/fs_util.js";
import { removeStaleTempDirs } from "./checkpoint/leftovers.js";
import { exportMetaGraph } from "./meta_graph.js";
import {
  type AssetFileDef,
  AssetFileDefSchema,
  CollectionDef_NodeListSchema,
  CollectionDefSchema,
  decodeProto,
  encodeProto,
  type MetaGraphDef,
  type SavedModel,
  SavedModelSchema,
  type SignatureDef,
  SignatureDefSchema,
  type TensorInfo,
  TensorInfoSchema,
} from "./proto/index.js";
import { shapeToProto } from "./tensor_proto.js";
import { parseTextFormat, printTextFormat } from "./text_format.js";

export const SAVED_MODEL_FILENAME_PB = "saved_model.pb";
export const SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt";
export const SAVED_MODEL_SCHEMA_VERSION = 1;
export const VARIABLES_DIRECTORY = "variables";
export const VARIABLES_FILENAME = "variables";
export const ASSETS_DIRECTORY = "assets";
export const ASSETS_KEY = "saved_model_assets";
export const LEGACY_INIT_OP_KEY = "legacy_init_op";
export const MAIN_OP_KEY = "saved_model_main_op";

/** tf.saved_model.tag_constants. */
export const tagConstants = {
  SERVING: "serve",
  TRAINING: "train",
  GPU: "gpu",
  TPU: "tpu",
} as const;
/** tf.saved_model.signature_constants. */
export const signatureConstants = {
  DEFAULT_SERVING_SIGNATURE_DEF_KEY: "serving_default",
  PREDICT_METHOD_NAME: "tensorflow/serving/predict",
  CLASSIFY_METHOD_NAME: "tensorflow/serving/classify",
  REGRESS_METHOD_NAME: "tensorflow/serving/regress",
  PREDICT_INPUTS: "inputs",
  PREDICT_OUTPUTS: "outputs",
  CLASSIFY_INPUTS: "inputs",
  CLASSIFY_OUTPUT_CLASSES: "classes",
  CLASSIFY_OUTPUT_SCORES: "scores",
  REGRESS_INPUTS: "inputs",
  REGRESS_OUTPUTS: "outputs",
} as const;

// ---------------------------------------------------------------------------------------------
// Signatures

/** A tensor's TensorInfo: its name, dtype and static shape (tf.saved_model.build_tensor_info). */
export function buildTensorInfo(t: Tensor): TensorInfo {
  return create(TensorInfoSchema, {
    encoding: { case: "name", value: t.name },
    dtype: DATA_TYPE_ENUM[t.dtype],
    tensorShape: shapeToProto(t.shape),
  });
}

/** The tensor a TensorInfo names, in `graph` (names under `importScope` when given). */
export function getTensorFromTensorInfo(info: TensorInfo, graph: Graph, importScope = ""): Tensor {
  if (info.encoding.case !== "name") {
    throw new InvalidArgumentError(
      `TensorInfo ${info.encoding.case === "cooSparse" ? "of a sparse tensor is not supported" : "has no tensor name"}`,
    );
  }
  const prefix = importScope && !importScope.endsWith("/") ? `${importScope}/` : importScope;
  return graph.getTensorByName(prefix + info.encoding.value);
}

/** A SignatureDef from TensorInfos (tf.saved_model.build_signature_def). */
export function buildSignatureDef(
  inputs: Record<string, TensorInfo> = {},
  outputs: Record<string, TensorInfo> = {},
  methodName = "",
): SignatureDef {
  return create(SignatureDefSchema, { inputs, outputs, methodName });
}

const infos = (m: Record<string, Tensor>, what: string): Record<string, TensorInfo> => {
  if (Object.keys(m).length === 0) throw new ValueError(`Prediction ${what} cannot be empty`);
  return Object.fromEntries(Object.entries(m).map(([k, t]) => [k, buildTensorInfo(t)]));
};

/** A predict SignatureDef (tf.saved_model.predict_signature_def). */
export function predictSignatureDef(
  inputs: Record<string, Tensor>,
  outputs: Record<string, Tensor>,
): SignatureDef {
  return buildSignatureDef(
    infos(inputs, "inputs"),
    infos(outputs, "outputs"),
    signatureConstants.PREDICT_METHOD_NAME,
  );
}

/** A regression SignatureDef (tf.saved_model.regression_signature_def). */
export function regressionSignatureDef(examples: Tensor, predictions: Tensor): SignatureDef {
  return buildSignatureDef(
    { [signatureConstants.REGRESS_INPUTS]: buildTensorInfo(examples) },
    { [signatureConstants.REGRESS_OUTPUTS]: buildTensorInfo(predictions) },
    signatureConstants.REGRESS_METHOD_NAME,
  );
}

/** A classification SignatureDef (tf.saved_model.classification_signature_def). */
export function classificationSignatureDef(
  examples: Tensor,
  classes: Tensor | null,
  scores: Tensor | null,
): SignatureDef {
  if (!classes && !scores)
    throw new ValueError("Classification classes and scores cannot both be null");
  const outputs: Record<string, TensorInfo> = {};
  if (classes) outputs[signatureConstants.CLASSIFY_OUTPUT_CLASSES] = buildTensorInfo(classes);
  if (scores) outputs[signatureConstants.CLASSIFY_OUTPUT_SCORES] = buildTensorInfo(scores);
  return buildSignatureDef(
    { [signatureConstants.CLASSIFY_INPUTS]: buildTensorInfo(examples) },
    outputs,
    signatureConstants.CLASSIFY_METHOD_NAME,
  );
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Reads `saved_model.pb` (or `saved_model.pbtxt`) of a SavedModel directory. */
export function readSavedModel(exportDir: string): SavedModel {
  const txt = join(exportDir, SAVED_MODEL_FILENAME_PBTXT);
  const pb = join(exportDir, SAVED_MODEL_FILENAME_PB);
  if (existsSync(pb)) return decodeProto(SavedModelSchema, readFileSync(pb), `SavedModel in ${pb}`);
  if (existsSync(txt))
    return parseTextFormat(SavedModelSchema, readFileSync(txt, "utf8"), { what: txt });
  throw new NotFoundError(
    `SavedModel file does not exist at: ${exportDir}/{${SAVED_MODEL_FILENAME_PBTXT}|${SAVED_MODEL_FILENAME_PB}}`,
  );
}

/** The SavedModel file of `exportDir` (.pb, else .pbtxt), for messages. */
function savedModelFile(exportDir: string): string {
  const pb = join(exportDir, SAVED_MODEL_FILENAME_PB);
  return existsSync(pb) ? pb : join(exportDir, SAVED_MODEL_FILENAME_PBTXT);
}

/** Whether `exportDir` looks like a SavedModel (tf.saved_model.contains_saved_model). */
export function containsSavedModel(exportDir: string): boolean {
  return (
    existsSync(join(exportDir, SAVED_MODEL_FILENAME_PB)) ||
    existsSync(join(exportDir, SAVED_MODEL_FILENAME_PBTXT))
  );
}

const sameTags = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((t) => sb.has(t));
};

/** The MetaGraphDef of a SavedModel with exactly the tag-set `tags`. */
export function findMetaGraph(
  model: SavedModel,
  tags: readonly string[],
  exportDir = "",
): MetaGraphDef {
  const found = model.metaGraphs.find((m) => sameTags(m.metaInfoDef?.tags ?? [], tags));
  if (!found) {
    const available = model.metaGraphs.map((m) => `[${(m.metaInfoDef?.tags ?? []).join(", ")}]`);
    throw new NotFoundError(
      `MetaGraphDef associated with tags [${tags.join(", ")}] could not be found in SavedModel${exportDir ? ` ${exportDir}` : ""}. Available tag-sets: ${available.join(", ") || "none"}`,
    );
  }
  return found;
}

/** The asset files of a MetaGraphDef (asset_file_def, or the older `saved_model_assets` collection). */
export function assetFileDefs(meta: MetaGraphDef): AssetFileDef[] {
  if (meta.assetFileDef.length > 0) return meta.assetFileDef;
  const c = meta.collectionDef[ASSETS_KEY];
  if (c?.kind.case !== "anyList") return [];
  const out: AssetFileDef[] = [];
  for (const a of c.kind.value.value) {
    let def: AssetFileDef | undefined;
    try {
      def = anyUnpack(a, AssetFileDefSchema);
    } catch (e) {
      // TF's ParseAny: FailedPrecondition("Failed to unpack: ...").
      throw new FailedPreconditionError(
        `Failed to unpack an AssetFileDef in collection '${ASSETS_KEY}': ${(e as Error).message}`,
      );
    }
    if (def) out.push(def);
  }
  return out;
}

export interface LoadOptions {
  /** Name scope for the imported graph ("" by default). */
  importScope?: string;
  clearDevices?: boolean;
}

/**
 * Loads the MetaGraph of tag-set `tags` from the SavedModel in `exportDir` into `sess`'s graph,
 * restores its variables and runs its main op (or legacy init op) with the asset paths fed;
 * returns the MetaGraphDef, whose `signatureDef` names the inputs and outputs
 * (tf.saved_model.loader.load).
 */
export async function load(
  sess: Session,
  tags: readonly string[],
  exportDir: string,
  options: LoadOptions = {},
): Promise<MetaGraphDef> {
  const model = readSavedModel(exportDir);
  const meta = findMetaGraph(model, tags, exportDir);
  const graph = sess.graph;
  const { saver, prefix } = importMetaGraphWithSaver(meta, {
    graph,
    importScope: options.importScope,
    clearDevices: options.clearDevices,
    source: savedModelFile(exportDir),
  });
  const variablesPath = join(exportDir, VARIABLES_DIRECTORY, VARIABLES_FILENAME);
  // No variables/ (a model without variables): nothing to restore, as TF logs and goes on.
  if (saver && existsSync(`${variablesPath}.index`)) await saver.restore(sess, variablesPath);
  const initKey = meta.collectionDef[MAIN_OP_KEY] ? MAIN_OP_KEY : LEGACY_INIT_OP_KEY;
  const init = meta.collectionDef[initKey];
  if (init) {
    if (init.kind.case !== "nodeList" || init.kind.value.value.length !== 1) {
      throw new InvalidArgumentError(
        `Expected exactly one op in collection '${initKey}' of the SavedModel's MetaGraphDef`,
      );
    }
    const op = graph.getOperationByName(prefix + init.kind.value.value[0]);
    const feeds = new Map<Tensor, string>();
    for (const a of assetFileDefs(meta)) {
      if (!a.tensorInfo) continue;
      const t = getTensorFromTensorInfo(a.tensorInfo, graph, prefix);
      feeds.set(t, join(exportDir, ASSETS_DIRECTORY, a.filename));
    }
    await sess.run(op, feeds);
  }
  return meta;
}

/** A signature as a function: named inputs in, named outputs (NDArrays) out. */
export type SignatureFunction = (
  inputs: Readonly<Record<string, Feedable>>,
) => Promise<Record<string, NDArray>>;

/** A SavedModel loaded into a session of its own, with its signatures callable by key. */
export interface LoadedSignatures {
  session: Session;
  graph: Graph;
  metaGraph: MetaGraphDef;
  signatureDefs: Record<string, SignatureDef>;
  /** One function per signature key (those with tensor-name inputs and outputs). */
  signatures: Record<string, SignatureFunction>;
}

export interface LoadSignaturesOptions {
  /** The tag-set to load (default ["serve"]). */
  tags?: readonly string[];
  /** Kernel backend of the session (see SessionOptions.backend). */
  backend?: string;
  /** The session's ConfigProto (e.g. `fileAccess` or `memoryLimitBytes` for an untrusted model). */
  config?: ConfigProto;
}

/**
 * Loads a SavedModel (TF 1.x or 2.x) into a new graph and session (variables restored, main op
 * run) and returns its signatures as functions: `await m.signatures.serving_default({ x: 3 })`
 * resolves to `{ output_0: NDArray }`. Every input of the signature must be given, and only those.
 */
export async function loadSignatures(
  exportDir: string,
  options: LoadSignaturesOptions = {},
): Promise<LoadedSignatures> {
  const graph = new Graph();
  const session = new Session({ graph, backend: options.backend, config: options.config });
  const metaGraph = await load(session, options.tags ?? [tagConstants.SERVING], exportDir);
  const signatures: Record<string, SignatureFunction> = {};
  for (const [key, sig] of Object.entries(metaGraph.signatureDef)) {
    const names = [...Object.values(sig.inputs), ...Object.values(sig.outputs)];
    if (key.startsWith("__") || names.some((i) => i.encoding.case !== "name")) continue;
    const ins = new Map(
      Object.entries(sig.inputs).map(([k, i]) => [k, getTensorFromTensorInfo(i, graph)]),
    );
    const outs: Record<string, Tensor> = {};
    for (const [k, i] of Object.entries(sig.outputs)) outs[k] = getTensorFromTensorInfo(i, graph);
    signatures[key] = async (inputs) => {
      const feeds = new Map<Tensor, Feedable>();
      for (const [k, v] of Object.entries(inputs)) {
        const t = ins.get(k);
        if (!t)
          throw new InvalidArgumentError(
            `Signature '${key}' has no input '${k}' (its inputs: ${[...ins.keys()].join(", ")})`,
          );
        feeds.set(t, v);
      }
      const missing = [...ins.keys()].filter((k) => !(k in inputs));
      if (missing.length > 0)
        throw new InvalidArgumentError(
          `Signature '${key}' needs input(s) ${missing.map((m) => `'${m}'`).join(", ")}`,
        );
      return (await session.run(outs, feeds)) as Record<string, NDArray>;
    };
  }
  return { session, graph, metaGraph, signatureDefs: { ...metaGraph.signatureDef }, signatures };
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface AddMetaGraphOptions {
  /** Signatures by key (e.g. "serving_default"). */
  signatureDefMap?: Record<string, SignatureDef>;
  /** Asset file path tensors (string Consts naming files): copied into assets/. */
  assetsCollection?: readonly Tensor[];
  /** Run after restoring (stored in collection "legacy_init_op"). */
  legacyInitOp?: Operation;
  /** Run after restoring (stored in collection "saved_model_main_op"). */
  mainOp?: Operation;
  clearDevices?: boolean;
  /** Saver to use (default: a sharded V2 Saver over all saveable variables). */
  saver?: Saver;
}

/**
 * Writes a SavedModel (tf.saved_model.Builder): `addMetaGraphAndVariables` once (it saves the
 * variables), `addMetaGraph` for more tag-sets over the same variables, then `save`. Everything
 * is written into a temporary directory beside `exportDir` (`<exportDir>.tempstate<n>-<pid>`)
 * that `save` renames into place: a reader sees no model or a whole one, even if the writer is
 * killed; the next Builder in the same parent directory removes the temporaries of dead writers.
 */
export class Builder {
  readonly exportDir: string;
  private readonly model: SavedModel = create(SavedModelSchema, {
    savedModelSchemaVersion: BigInt(SAVED_MODEL_SCHEMA_VERSION),
  });
  private hasSavedVariables = false;
  private readonly assets = new Map<string, string>();
  /** Where the model is built until `save` renames it to `exportDir`. */
  private workDir: string | null = null;

  constructor(exportDir: string) {
    if (existsSync(exportDir) && readdirSync(exportDir).length > 0) {
      throw new AlreadyExistsError(
        `Export directory already exists, and isn't empty. Please choose a different export directory, or delete all the contents of the specified directory: ${exportDir}`,
      );
    }
    this.exportDir = exportDir;
  }

  /** Saves the session's variables and adds the current graph as the MetaGraph of `tags`. */
  async addMetaGraphAndVariables(
    sess: Session,
    tags: readonly string[],
    options: AddMetaGraphOptions = {},
  ): Promise<void> {
    if (this.hasSavedVariables) {
      throw new AlreadyExistsError(
        "Graph state including variables and assets has already been saved. Please invoke addMetaGraph() instead.",
      );
    }
    const graph = sess.graph;
    this.checkSignatures(graph, options.signatureDefMap);
    const saver = options.saver ?? defaultSaver(graph);
    mkdirSync(join(this.work(), VARIABLES_DIRECTORY), { recursive: true });
    if (saver) {
      const prefix = join(this.work(), VARIABLES_DIRECTORY, VARIABLES_FILENAME);
      await saver.save(sess, prefix, { writeState: false, writeMetaGraph: false });
    }
    this.addMeta(graph, tags, saver, options);
    this.hasSavedVariables = true;
  }

  /** Adds the graph as the MetaGraph of `tags`, sharing the variables already saved. */
  addMetaGraph(graph: Graph, tags: readonly string[], options: AddMetaGraphOptions = {}): void {
    if (!this.hasSavedVariables) {
      throw new ValueError(
        "Graph state including variables and assets has not been saved yet. Please invoke addMetaGraphAndVariables() first.",
      );
    }
    this.checkSignatures(graph, options.signatureDefMap);
    this.addMeta(graph, tags, options.saver ?? defaultSaver(graph), options);
  }

  /** Writes saved_model.pb (or .pbtxt with `asText`); returns its path. */
  save(asText = false): string {
    const work = this.work();
    for (const [name, src] of this.assets) {
      mkdirSync(join(work, ASSETS_DIRECTORY), { recursive: true });
      copyFileSync(src, join(work, ASSETS_DIRECTORY, name));
    }
    const file = asText ? SAVED_MODEL_FILENAME_PBTXT : SAVED_MODEL_FILENAME_PB;
    if (asText) writeFileSync(join(work, file), printTextFormat(SavedModelSchema, this.model));
    else writeFileSync(join(work, file), encodeProto(SavedModelSchema, this.model));
    // The whole model appears at once. rename(2) replaces only an empty directory.
    if (existsSync(this.exportDir)) {
      if (readdirSync(this.exportDir).length > 0) {
        throw new AlreadyExistsError(
          `Export directory already exists, and isn't empty: ${this.exportDir}`,
        );
      }
      fsCall(this.exportDir, "Failed to replace the empty directory", () =>
        rmdirSync(this.exportDir),
      );
    }
    fsCall(this.exportDir, "Failed to rename the SavedModel being built to", () =>
      renameSync(work, this.exportDir),
    );
    this.workDir = null;
    return join(this.exportDir, file);
  }

  /** The temporary directory the model is built in (made on first use). */
  private work(): string {
    if (this.workDir === null) {
      const parent = dirname(this.exportDir);
      fsCall(parent, "Failed to create directory", () => mkdirSync(parent, { recursive: true }));
      removeStaleTempDirs(parent);
      const dir = tempName(this.exportDir);
      fsCall(dir, "Failed to create directory", () => mkdirSync(dir));
      this.workDir = dir;
    }
    return this.workDir;
  }

  private checkSignatures(graph: Graph, map: Record<string, SignatureDef> = {}): void {
    for (const [key, sig] of Object.entries(map)) {
      for (const [k, info] of [...Object.entries(sig.inputs), ...Object.entries(sig.outputs)]) {
        if (info.encoding.case === undefined)
          throw new ValueError(`SignatureDef '${key}': TensorInfo '${k}' has no tensor name`);
        if (info.encoding.case === "name") graph.getTensorByName(info.encoding.value);
      }
    }
  }

  private addMeta(
    graph: Graph,
    tags: readonly string[],
    saver: Saver | null,
    options: AddMetaGraphOptions,
  ) {
    const meta = exportMetaGraph(undefined, {
      graph,
      saver: saver ?? undefined,
      tags,
      clearDevices: options.clearDevices,
      signatureDefMap: options.signatureDefMap,
    });
    const nodeList = (name: string) =>
      create(CollectionDefSchema, {
        kind: { case: "nodeList", value: create(CollectionDef_NodeListSchema, { value: [name] }) },
      });
    if (options.mainOp) meta.collectionDef[MAIN_OP_KEY] = nodeList(options.mainOp.name);
    if (options.legacyInitOp)
      meta.collectionDef[LEGACY_INIT_OP_KEY] = nodeList(options.legacyInitOp.name);
    for (const t of options.assetsCollection ?? []) {
      const value = t.op.type === "Const" ? (t.op.attrs.value as NDArray) : undefined;
      if (value?.dtype !== "string" || value.size !== 1) {
        throw new ValueError(`Asset '${t.name}' must be a string Const naming a file`);
      }
      const src = (value.data as string[])[0];
      if (!existsSync(src)) throw new NotFoundError(`Asset file not found: ${src}`);
      const name = basename(src);
      this.assets.set(name, src);
      meta.assetFileDef.push(
        create(AssetFileDefSchema, { tensorInfo: buildTensorInfo(t), filename: name }),
      );
    }
    this.model.metaGraphs.push(meta);
  }
}

/**
 * The builder's default: a V2 Saver over every global variable (none without variables). TF
 * builds a sharded one; tensorgraph's Saver writes one shard, which TF reads the same.
 */
function defaultSaver(graph: Graph): Saver | null {
  const vars = graph.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES);
  return vars.length > 0 ? new Saver({ varList: vars, graph }) : null;
}

/**
 * Saves the session's graph and variables as a SavedModel for serving (tf.saved_model.simple_save):
 * tag "serve", one predict signature "serving_default" from `inputs` and `outputs`.
 */
export async function simpleSave(
  sess: Session,
  exportDir: string,
  inputs: Record<string, Tensor>,
  outputs: Record<string, Tensor>,
  legacyInitOp?: Operation,
): Promise<string> {
  const b = new Builder(exportDir);
  await b.addMetaGraphAndVariables(sess, [tagConstants.SERVING], {
    signatureDefMap: {
      [signatureConstants.DEFAULT_SERVING_SIGNATURE_DEF_KEY]: predictSignatureDef(inputs, outputs),
    },
    mainOp: legacyInitOp,
    clearDevices: true,
  });
  return b.save();
}
