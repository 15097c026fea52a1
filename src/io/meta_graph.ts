/**
 * MetaGraphDefs (`.meta` files): a GraphDef with its SaverDef, collections and signatures.
 * `exportMetaGraph` (tf.train.export_meta_graph) writes one; `importMetaGraphDetailed` imports
 * one and rebuilds the collections (Variables from their VariableDefs, ops and tensors from node
 * lists, numbers, bytes), returning the SaverDef whose save/restore ops came with the graph
 * (`tf.train.importMetaGraph`, in train/, makes the Saver).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { clone, create } from "@bufbuild/protobuf";
import { type Any, AnySchema } from "@bufbuild/protobuf/wkt";
import { DataLossError, InvalidArgumentError, NotFoundError } from "../framework/errors.js";
import { type Graph, GraphKeys, getDefaultGraph, Operation, Tensor } from "../framework/graph.js";
import { Variable } from "../ops/variables.js";
import { type ImportGraphDefOptions, importGraphDefDetailed, parseGraphDef } from "./graph_def.js";
import {
  type CollectionDef,
  CollectionDef_AnyListSchema,
  CollectionDef_BytesListSchema,
  CollectionDef_FloatListSchema,
  CollectionDef_Int64ListSchema,
  CollectionDef_NodeListSchema,
  CollectionDefSchema,
  decodeProto,
  encodeProto,
  type GraphDef,
  GraphDefSchema,
  type MetaGraphDef,
  MetaGraphDef_MetaInfoDefSchema,
  MetaGraphDefSchema,
  type SaverDef,
  SaverDefSchema,
  type SignatureDef,
  type VariableDef,
  VariableDefSchema,
} from "./proto/index.js";
import { parseTextFormat, printTextFormat } from "./text_format.js";

/** Collections whose bytes_list items are VariableDefs (TF's registered proto functions). */
export const VARIABLE_COLLECTIONS: readonly string[] = [
  GraphKeys.GLOBAL_VARIABLES,
  GraphKeys.LOCAL_VARIABLES,
  GraphKeys.MODEL_VARIABLES,
  GraphKeys.TRAINABLE_VARIABLES,
  GraphKeys.GLOBAL_STEP,
  "moving_average_variables",
  "concatenated_variables",
  "metric_variables",
];

const utf8 = new TextEncoder();

/** A Variable as its VariableDef (names with `stripPrefix` removed). */
export function variableToProto(v: Variable, stripPrefix = ""): VariableDef {
  const strip = (n: string) => (n.startsWith(stripPrefix) ? n.slice(stripPrefix.length) : n);
  return create(VariableDefSchema, {
    variableName: strip(v.ref.name),
    initialValueName: strip(v.initialValue.name),
    initializerName: strip(v.initializer.name),
    snapshotName: strip(v.graphElement.name),
    trainable: v.trainable,
    isResource: v.isResource,
  });
}

/** Rebuilds a Variable from its VariableDef, names prefixed with `prefix` ("scope/"). */
export function variableFromProto(
  graph: Graph,
  def: VariableDef,
  prefix = "",
  trainable?: boolean,
): Variable {
  const p = (n: string) => (n ? prefix + n : "");
  return Variable.fromGraph(graph, {
    variableName: p(def.variableName),
    initializerName: p(def.initializerName),
    snapshotName: p(def.snapshotName) || undefined,
    initialValueName: p(def.initialValueName) || undefined,
    trainable: trainable ?? def.trainable,
    isResource: def.isResource,
  });
}

const isAny = (x: unknown): x is Any =>
  typeof x === "object" &&
  x !== null &&
  (x as { $typeName?: string }).$typeName === AnySchema.typeName;

/**
 * A collection as a CollectionDef, or null when its items cannot be written (TF logs and skips
 * those): Variables → bytes_list of VariableDefs, ops and tensors → node_list, integers →
 * int64_list, other numbers → float_list, strings and bytes → bytes_list, Any → any_list.
 */
export function collectionToProto(
  items: readonly unknown[],
  stripPrefix = "",
): CollectionDef | null {
  if (items.length === 0) return null;
  const strip = (n: string) => (n.startsWith(stripPrefix) ? n.slice(stripPrefix.length) : n);
  const all = (f: (x: unknown) => boolean) => items.every(f);
  if (all((x) => x instanceof Variable)) {
    const value = (items as Variable[]).map((v) =>
      encodeProto(VariableDefSchema, variableToProto(v, stripPrefix)),
    );
    return create(CollectionDefSchema, {
      kind: { case: "bytesList", value: create(CollectionDef_BytesListSchema, { value }) },
    });
  }
  if (all((x) => x instanceof Operation || x instanceof Tensor)) {
    const value = (items as (Operation | Tensor)[]).map((x) => strip(x.name));
    return create(CollectionDefSchema, {
      kind: { case: "nodeList", value: create(CollectionDef_NodeListSchema, { value }) },
    });
  }
  if (all((x) => typeof x === "bigint" || (typeof x === "number" && Number.isInteger(x)))) {
    const value = (items as (number | bigint)[]).map((x) => BigInt(x));
    return create(CollectionDefSchema, {
      kind: { case: "int64List", value: create(CollectionDef_Int64ListSchema, { value }) },
    });
  }
  if (all((x) => typeof x === "number")) {
    return create(CollectionDefSchema, {
      kind: {
        case: "floatList",
        value: create(CollectionDef_FloatListSchema, { value: items as number[] }),
      },
    });
  }
  if (all((x) => typeof x === "string" || x instanceof Uint8Array)) {
    const value = (items as (string | Uint8Array)[]).map((x) =>
      typeof x === "string" ? utf8.encode(x) : x,
    );
    return create(CollectionDefSchema, {
      kind: { case: "bytesList", value: create(CollectionDef_BytesListSchema, { value }) },
    });
  }
  if (all(isAny)) {
    return create(CollectionDefSchema, {
      kind: {
        case: "anyList",
        value: create(CollectionDef_AnyListSchema, { value: items as Any[] }),
      },
    });
  }
  return null;
}

export interface ExportMetaGraphOptions {
  /** The graph to export (default: the default graph). */
  graph?: Graph;
  /** A GraphDef to use instead of the graph's own. */
  graphDef?: GraphDef;
  /** The SaverDef to include (a Saver's `saverDef`), or the Saver itself. */
  saverDef?: SaverDef;
  saver?: { readonly saverDef: SaverDef };
  /** Collections to export (default: all the graph's collections). */
  collectionList?: readonly string[];
  /** Drop every node's device (for a graph to run elsewhere). */
  clearDevices?: boolean;
  /** Write the text format (default: binary, unless the file name ends in .pbtxt/.txt). */
  asText?: boolean;
  /** MetaInfoDef tags (SavedModel tag-sets). */
  tags?: readonly string[];
  signatureDefMap?: Record<string, SignatureDef>;
  /** Only export ops whose names start with "scope/", with that prefix removed. */
  exportScope?: string;
}

/**
 * The graph, its collections and SaverDef as a MetaGraphDef (tf.train.export_meta_graph); written
 * to `filename` when one is given.
 */
export function exportMetaGraph(
  filename?: string,
  options: ExportMetaGraphOptions = {},
): MetaGraphDef {
  const graph = options.graph ?? getDefaultGraph();
  let graphDef = options.graphDef ?? graph.asGraphDef();
  const scope = options.exportScope ? options.exportScope.replace(/\/?$/, "/") : "";
  if (scope) graphDef = scopeGraphDef(graphDef, scope);
  if (options.clearDevices) {
    graphDef = clone(GraphDefSchema, graphDef);
    for (const n of graphDef.node) n.device = "";
  }
  const meta = create(MetaGraphDefSchema, {
    metaInfoDef: create(MetaGraphDef_MetaInfoDefSchema, {
      tags: [...(options.tags ?? [])],
      tensorflowVersion: "1.15.0",
      tensorflowGitVersion: "tensorgraph",
    }),
    graphDef,
  });
  const saverDef = options.saverDef ?? options.saver?.saverDef;
  if (saverDef) meta.saverDef = scope ? stripSaverDef(saverDef, scope) : saverDef;
  for (const key of options.collectionList ?? graph.collections) {
    let items = graph.getCollection(key);
    if (scope) items = items.filter((x) => inScope(x, scope));
    const c = collectionToProto(items, scope);
    if (c) meta.collectionDef[key] = c;
  }
  if (options.signatureDefMap) Object.assign(meta.signatureDef, options.signatureDefMap);
  if (filename !== undefined) {
    const text = options.asText ?? /\.(pbtxt|txt)$/.test(filename);
    if (text) writeFileSync(filename, printTextFormat(MetaGraphDefSchema, meta));
    else writeFileSync(filename, encodeProto(MetaGraphDefSchema, meta));
  }
  return meta;
}

function inScope(x: unknown, scope: string): boolean {
  const name =
    x instanceof Variable || x instanceof Operation || x instanceof Tensor ? x.name : undefined;
  return name === undefined || name.startsWith(scope);
}

/** The part of a GraphDef under `scope` ("a/"), names without it; inputs from outside are an error. */
function scopeGraphDef(gd: GraphDef, scope: string): GraphDef {
  const out = create(GraphDefSchema, { versions: gd.versions, library: gd.library });
  for (const n of gd.node) {
    if (!n.name.startsWith(scope)) continue;
    const input = n.input.map((i) => {
      const ctrl = i.startsWith("^");
      const name = ctrl ? i.slice(1) : i;
      if (!name.startsWith(scope)) {
        throw new InvalidArgumentError(
          `exportMetaGraph: node '${n.name}' has input '${i}' from outside the export scope '${scope}'`,
        );
      }
      return (ctrl ? "^" : "") + name.slice(scope.length);
    });
    out.node.push({ ...n, name: n.name.slice(scope.length), input });
  }
  return out;
}

function stripSaverDef(s: SaverDef, scope: string): SaverDef {
  const strip = (n: string) => (n.startsWith(scope) ? n.slice(scope.length) : n);
  return create(SaverDefSchema, {
    ...s,
    filenameTensorName: strip(s.filenameTensorName),
    saveTensorName: strip(s.saveTensorName),
    restoreOpName: strip(s.restoreOpName),
  });
}

/** The SaverDef with every name under `prefix` ("scope/"). */
export function prefixSaverDef(s: SaverDef, prefix: string): SaverDef {
  if (!prefix) return s;
  return create(SaverDefSchema, {
    ...s,
    filenameTensorName: prefix + s.filenameTensorName,
    saveTensorName: prefix + s.saveTensorName,
    restoreOpName: prefix + s.restoreOpName,
  });
}

/** Reads a MetaGraphDef file: binary, or text format (`.pbtxt`, or when binary parsing fails). */
export function readMetaGraphFile(path: string): MetaGraphDef {
  if (!existsSync(path)) throw new NotFoundError(`MetaGraph file not found: ${path}`);
  const bytes = readFileSync(path);
  if (/\.(pbtxt|txt)$/.test(path)) {
    return parseTextFormat(MetaGraphDefSchema, bytes.toString("utf8"), { what: path });
  }
  try {
    return decodeProto(MetaGraphDefSchema, bytes, `MetaGraphDef in ${path}`);
  } catch (e) {
    if (!(e instanceof DataLossError)) throw e;
    try {
      return parseTextFormat(MetaGraphDefSchema, bytes.toString("utf8"), { what: path });
    } catch {
      throw e;
    }
  }
}

export interface ImportMetaGraphOptions {
  /** Name scope for the imported names ("" by default: names as in the file). */
  importScope?: string;
  /** Tensors of the target graph to use in place of the MetaGraph's ("x:0" → tensor). */
  inputMap?: ImportGraphDefOptions["inputMap"];
  /** The graph to import into (default: the default graph). */
  graph?: Graph;
  clearDevices?: boolean;
  /** Which collections to restore (default: all). */
  restoreCollectionsPredicate?: (key: string) => boolean;
  /** Where the MetaGraphDef came from (a file), for error messages. */
  source?: string;
}

export interface ImportedMetaGraph {
  /** The imported SaverDef, its names under the import's prefix (null when it has none). */
  saverDef: SaverDef | null;
  /** The imported global variables (what a Saver covers when there is no SaverDef). */
  variables: Variable[];
  /** The name prefix the import used ("" or "scope/"). */
  prefix: string;
  metaGraph: MetaGraphDef;
}

/**
 * Imports a MetaGraphDef (message, bytes or file path) into a graph with its collections; returns
 * its SaverDef and variables, from which `tf.train.importMetaGraph` (train/) builds a Saver.
 */
export function importMetaGraphDetailed(
  metaGraphOrPath: MetaGraphDef | Uint8Array | string,
  options: ImportMetaGraphOptions = {},
): ImportedMetaGraph {
  const meta =
    typeof metaGraphOrPath === "string"
      ? readMetaGraphFile(metaGraphOrPath)
      : metaGraphOrPath instanceof Uint8Array
        ? decodeProto(MetaGraphDefSchema, metaGraphOrPath, "MetaGraphDef")
        : metaGraphOrPath;
  const graph = options.graph ?? getDefaultGraph();
  if (!meta.graphDef) throw new InvalidArgumentError("MetaGraphDef has no graph_def");
  let gd = parseGraphDef(meta.graphDef);
  if (options.clearDevices) {
    gd = clone(GraphDefSchema, gd);
    for (const n of gd.node) n.device = "";
  }
  const { prefix } = importGraphDefDetailed(gd, {
    graph,
    name: options.importScope ?? "",
    inputMap: options.inputMap,
    source: options.source ?? (typeof metaGraphOrPath === "string" ? metaGraphOrPath : undefined),
  });
  restoreCollections(graph, meta, prefix, options.restoreCollectionsPredicate ?? (() => true));
  const variables = graph
    .getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES)
    .filter((v) => v.name.startsWith(prefix));
  const saverDef = meta.saverDef ? prefixSaverDef(meta.saverDef, prefix) : null;
  return { saverDef, variables, prefix, metaGraph: meta };
}

function restoreCollections(
  graph: Graph,
  meta: MetaGraphDef,
  prefix: string,
  keep: (key: string) => boolean,
): void {
  // One Variable object per variable, shared by the collections that list it (as TF does).
  const variables = new Map<string, Variable>();
  const trainableNames = new Set<string>();
  const trainableDef = meta.collectionDef[GraphKeys.TRAINABLE_VARIABLES];
  if (trainableDef?.kind.case === "bytesList") {
    for (const b of trainableDef.kind.value.value)
      trainableNames.add(decodeProto(VariableDefSchema, b, "VariableDef").variableName);
  }
  for (const key of Object.keys(meta.collectionDef).sort()) {
    if (!keep(key)) continue;
    const c = meta.collectionDef[key];
    const fail = (msg: string): never => {
      throw new InvalidArgumentError(`Collection '${key}' of the MetaGraphDef: ${msg}`);
    };
    switch (c.kind.case) {
      case "nodeList":
        for (const name of c.kind.value.value) {
          const full = prefix + name;
          try {
            graph.addToCollection(
              key,
              name.includes(":") ? graph.getTensorByName(full) : graph.getOperationByName(full),
            );
          } catch {
            fail(`'${name}' is not in the graph`);
          }
        }
        break;
      case "bytesList":
        for (const b of c.kind.value.value) {
          if (!VARIABLE_COLLECTIONS.includes(key)) {
            graph.addToCollection(key, b);
            continue;
          }
          const def = decodeProto(VariableDefSchema, b, `VariableDef in collection '${key}'`);
          let v = variables.get(def.variableName);
          if (!v) {
            try {
              v = variableFromProto(
                graph,
                def,
                prefix,
                def.trainable || trainableNames.has(def.variableName),
              );
            } catch (e) {
              if (e instanceof InvalidArgumentError || e instanceof NotFoundError) fail(e.message);
              throw e;
            }
            variables.set(def.variableName, v!);
          }
          graph.addToCollection(key, v);
        }
        break;
      case "int64List":
        for (const x of c.kind.value.value) graph.addToCollection(key, Number(x));
        break;
      case "floatList":
        for (const x of c.kind.value.value) graph.addToCollection(key, x);
        break;
      case "anyList":
        for (const x of c.kind.value.value) graph.addToCollection(key, x);
        break;
      default:
        break; // TF logs "Cannot identify data type for collection" and skips it
    }
  }
}
