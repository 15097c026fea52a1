#!/usr/bin/env node
/**
 * The `tensorgraph` command: look into TensorFlow's own files.
 *
 *   tensorgraph inspect-checkpoint PATH [--tensor NAME] [--all]
 *   tensorgraph show-graph FILE        (.pb / .pbtxt GraphDef, .meta MetaGraphDef, SavedModel dir)
 *   tensorgraph board --logdir DIR [--port 6006] [--host 127.0.0.1]   (the board, in a browser)
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError as CommanderArgumentError } from "commander";
import { type Board, startBoard } from "../board/server.js";
import { TF_DTYPE_NAME } from "../framework/dtypes.js";
import { OpError } from "../framework/errors.js";
import type { NDArray } from "../framework/ndarray.js";
import { getOpDef } from "../framework/op_registry.js";
import { openCheckpoint } from "../io/checkpoint/reader.js";
import { getCheckpointState } from "../io/checkpoint/state.js";
import { parseGraphDef } from "../io/graph_def.js";
import {
  decodeProto,
  type GraphDef,
  type MetaGraphDef,
  MetaGraphDefSchema,
  type NodeDef,
  type SavedModel,
  SavedModelSchema,
  type SignatureDef,
  type TensorShapeProto,
} from "../io/proto/index.js";
import { readSavedModel, VARIABLES_DIRECTORY, VARIABLES_FILENAME } from "../io/saved_model.js";
import { dataTypeName, shapeFromProto } from "../io/tensor_proto.js";
import { parseTextFormat } from "../io/text_format.js";
import { addServerCommand } from "./server_command.js";

// ---------------------------------------------------------------------------------------------
// inspect-checkpoint

export interface InspectOptions {
  /** Print this tensor's value. */
  tensor?: string;
  /** Print every tensor's value. */
  all?: boolean;
}

/**
 * The checkpoint a path names: a prefix ("model.ckpt-100"), a directory with a `checkpoint`
 * state file (its latest checkpoint), or a SavedModel directory (its variables).
 */
export function resolveCheckpointPath(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const state = getCheckpointState(path);
    if (state) return state.modelCheckpointPath;
    const sm = join(path, VARIABLES_DIRECTORY, VARIABLES_FILENAME);
    if (existsSync(`${sm}.index`)) return sm;
  }
  return path;
}

const shapeText = (s: readonly number[]) => `[${s.join(",")}]`;

/** Values as nested lists (numpy-like), at most `limit` elements shown. */
export function formatValue(a: NDArray, limit = 1000): string {
  const show = (v: unknown): string => {
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "boolean") return v ? "True" : "False";
    return String(v);
  };
  if (a.rank === 0) return show(a.item());
  let count = 0;
  const rec = (dim: number, offset: number, stride: number[]): string => {
    const parts: string[] = [];
    for (let i = 0; i < a.shape[dim]; i++) {
      if (count >= limit) {
        parts.push("...");
        break;
      }
      if (dim === a.rank - 1) {
        count++;
        const d = a.data as ArrayLike<unknown>;
        const x = d[offset + i];
        parts.push(typeof x === "bigint" ? x.toString() : show(a.dtype === "bool" ? x !== 0 : x));
      } else parts.push(rec(dim + 1, offset + i * stride[dim], stride));
    }
    return `[${parts.join(dim === a.rank - 1 ? ", " : ",\n ")}]`;
  };
  return rec(0, 0, a.strides);
}

/** What `tensorgraph inspect-checkpoint` prints. */
export function inspectCheckpoint(path: string, options: InspectOptions = {}): string {
  const reader = openCheckpoint(resolveCheckpointPath(path));
  const lines: string[] = [];
  const describe = (name: string) => {
    try {
      const { dtype, shape } = reader.dtypeAndShape(name);
      return `${name} (${TF_DTYPE_NAME[dtype]}) ${shapeText(shape)}`;
    } catch {
      return `${name} (unsupported dtype) ${shapeText(reader.shape(name))}`;
    }
  };
  if (options.tensor !== undefined) {
    lines.push(`tensor_name:  ${describe(options.tensor)}`);
    lines.push(formatValue(reader.get(options.tensor)));
    return `${lines.join("\n")}\n`;
  }
  for (const name of reader.keys()) {
    if (options.all) {
      lines.push(`tensor_name:  ${describe(name)}`);
      lines.push(formatValue(reader.get(name)));
    } else lines.push(describe(name));
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// show-graph

type GraphFile =
  | { kind: "graph"; graphDef: GraphDef }
  | { kind: "meta"; meta: MetaGraphDef }
  | { kind: "saved_model"; model: SavedModel };

/** Reads a GraphDef, MetaGraphDef or SavedModel (by name, and by content for text files). */
export function readGraphFile(file: string): GraphFile {
  if (existsSync(file) && statSync(file).isDirectory())
    return { kind: "saved_model", model: readSavedModel(file) };
  const bytes = readFileSync(file);
  const name = basename(file);
  const text = /\.(pbtxt|txt)$/.test(name);
  if (/^saved_model\.pb(txt)?$/.test(name)) {
    return {
      kind: "saved_model",
      model: text
        ? parseTextFormat(SavedModelSchema, bytes.toString("utf8"), { what: file })
        : decodeProto(SavedModelSchema, bytes, `SavedModel in ${file}`),
    };
  }
  if (text) {
    const s = bytes.toString("utf8");
    const first = /^\s*(?:#.*\n\s*)*([a-z_]+)/.exec(s)?.[1];
    if (first === "meta_graphs" || first === "saved_model_schema_version")
      return { kind: "saved_model", model: parseTextFormat(SavedModelSchema, s, { what: file }) };
    if (first === "meta_info_def" || first === "graph_def" || first === "saver_def")
      return { kind: "meta", meta: parseTextFormat(MetaGraphDefSchema, s, { what: file }) };
    return { kind: "graph", graphDef: parseGraphDef(s, file) };
  }
  if (/\.meta$/.test(name))
    return {
      kind: "meta",
      meta: decodeProto(MetaGraphDefSchema, bytes, `MetaGraphDef in ${file}`),
    };
  return { kind: "graph", graphDef: parseGraphDef(new Uint8Array(bytes), `GraphDef in ${file}`) };
}

const attrType = (n: NodeDef, key: string) => {
  const v = n.attr[key]?.value;
  return v?.case === "type" ? dataTypeName(v.value) : "?";
};
const attrShape = (n: NodeDef, key: string) => {
  const v = n.attr[key]?.value;
  return v?.case === "shape" ? shapeFromProto(v.value as TensorShapeProto).toString() : "?";
};

/** Summary of one GraphDef: ops by type, inputs (placeholders), outputs (unconsumed), variables. */
export function describeGraphDef(gd: GraphDef): string[] {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  const consumed = new Set<string>();
  for (const n of gd.node) {
    counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
    for (const i of n.input) consumed.add(i.replace(/^\^/, "").replace(/:\d+$/, ""));
  }
  const v = gd.versions;
  lines.push(`${gd.node.length} nodes${v ? ` (producer version ${v.producer})` : ""}`);
  lines.push("ops by type:");
  for (const [t, c] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    lines.push(`  ${t.padEnd(28)} ${c}${getOpDef(t) ? "" : "  (unknown op type)"}`);
  }
  const inputs = gd.node.filter((n) => n.op === "Placeholder" || n.op === "PlaceholderWithDefault");
  lines.push("inputs:");
  for (const n of inputs)
    lines.push(`  ${n.name}: ${attrType(n, "dtype")} ${attrShape(n, "shape")}`);
  if (inputs.length === 0) lines.push("  (none)");
  const outputs = gd.node.filter(
    (n) =>
      !consumed.has(n.name) &&
      !["NoOp", "Assert", "Const", "SaveV2", "Save", "SaveSlices"].includes(n.op),
  );
  lines.push("outputs (nodes no other node uses):");
  for (const n of outputs) lines.push(`  ${n.name} (${n.op})`);
  if (outputs.length === 0) lines.push("  (none)");
  const vars = gd.node.filter((n) => ["VariableV2", "Variable", "VarHandleOp"].includes(n.op));
  lines.push("variables:");
  for (const n of vars) lines.push(`  ${n.name}: ${attrType(n, "dtype")} ${attrShape(n, "shape")}`);
  if (vars.length === 0) lines.push("  (none)");
  return lines;
}

function describeSignature(key: string, s: SignatureDef): string[] {
  const info = (k: string, t: SignatureDef["inputs"][string]) =>
    `${k}: ${t.encoding.case === "name" ? t.encoding.value : (t.encoding.case ?? "?")} ${dataTypeName(t.dtype)} ${t.tensorShape ? shapeFromProto(t.tensorShape).toString() : "?"}`;
  return [
    `  ${key} (${s.methodName || "no method"})`,
    ...Object.entries(s.inputs).map(([k, t]) => `    input  ${info(k, t)}`),
    ...Object.entries(s.outputs).map(([k, t]) => `    output ${info(k, t)}`),
  ];
}

function describeMeta(meta: MetaGraphDef): string[] {
  const lines: string[] = [];
  const mi = meta.metaInfoDef;
  if (mi) {
    lines.push(
      `tags: [${mi.tags.join(", ")}]${mi.tensorflowVersion ? `  (TensorFlow ${mi.tensorflowVersion})` : ""}`,
    );
  }
  lines.push(...(meta.graphDef ? describeGraphDef(meta.graphDef) : ["(no graph_def)"]));
  const sigs = Object.entries(meta.signatureDef);
  lines.push("signatures:");
  for (const [k, s] of sigs) lines.push(...describeSignature(k, s));
  if (sigs.length === 0) lines.push("  (none)");
  lines.push("collections:");
  const cols = Object.entries(meta.collectionDef).sort(([a], [b]) => a.localeCompare(b));
  for (const [k, c] of cols) {
    const n = (c.kind.value as { value?: unknown[] } | undefined)?.value?.length ?? 0;
    lines.push(`  ${k}: ${n} ${c.kind.case ?? "?"}`);
  }
  if (cols.length === 0) lines.push("  (none)");
  const s = meta.saverDef;
  if (s) {
    lines.push(
      `saver: filename ${s.filenameTensorName}, save ${s.saveTensorName}, restore ${s.restoreOpName}, version V${s.version === 2 ? 2 : 1}${s.sharded ? ", sharded" : ""}`,
    );
  }
  return lines;
}

/** What `tensorgraph show-graph` prints. */
export function showGraph(file: string): string {
  const g = readGraphFile(file);
  let lines: string[];
  if (g.kind === "graph") lines = ["GraphDef", ...describeGraphDef(g.graphDef)];
  else if (g.kind === "meta") lines = ["MetaGraphDef", ...describeMeta(g.meta)];
  else {
    lines = [
      `SavedModel (schema version ${g.model.savedModelSchemaVersion}), ${g.model.metaGraphs.length} MetaGraph(s)`,
    ];
    g.model.metaGraphs.forEach((m, i) => {
      lines.push("", `MetaGraph ${i}`, ...describeMeta(m));
    });
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------

export interface BoardCommandOptions {
  logdir: string;
  port: number;
  host: string;
  reloadInterval: number;
}

const portNumber = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CommanderArgumentError("a port is an integer from 0 to 65535");
  return n;
};

const seconds = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new CommanderArgumentError("a positive number of seconds");
  return n;
};

/**
 * The commander program (exported so tests can run it without a process). `onBoard` receives
 * the board that `board` started (the process keeps serving it until stopped).
 */
export function buildProgram(
  out: (s: string) => void = (s) => process.stdout.write(s),
  onBoard: (b: Board) => void = () => {},
): Command {
  const program = new Command("tensorgraph")
    .description("Look into TensorFlow's files: checkpoints, GraphDefs, MetaGraphs, SavedModels")
    .showHelpAfterError();
  program
    .command("inspect-checkpoint")
    .description("tensor names, dtypes and shapes of a checkpoint (and values)")
    .argument(
      "<path>",
      "checkpoint prefix, a directory with a 'checkpoint' file, or a SavedModel directory",
    )
    .option("--tensor <name>", "print this tensor's value")
    .option("--all", "print every tensor's value")
    .action((path: string, opts: InspectOptions) => out(inspectCheckpoint(path, opts)));
  program
    .command("show-graph")
    .description("ops by type, inputs/outputs, variables and signatures of a graph file")
    .argument(
      "<file>",
      ".pb / .pbtxt GraphDef, .meta MetaGraphDef, or a SavedModel (directory or saved_model.pb)",
    )
    .action((file: string) => out(showGraph(file)));
  program
    .command("board")
    .description(
      "serve the board: scalars, histograms, images, audio, text, the graph and traces of the event files under a logdir",
    )
    .requiredOption("--logdir <dir>", "directory of runs (subdirectories holding event files)")
    .option("--port <port>", "port to listen on (0: any free port)", portNumber, 6006)
    .option(
      "--host <host>",
      "address to bind (loopback by default; 0.0.0.0 shows your runs to the network)",
      "127.0.0.1",
    )
    .option("--reload-interval <seconds>", "how often to read the logdir again", seconds, 2)
    .action(async (opts: BoardCommandOptions) => {
      const board = await startBoard({
        logdir: opts.logdir,
        port: opts.port,
        host: opts.host,
        reloadIntervalMs: opts.reloadInterval * 1000,
      });
      out(`TensorGraph board serving ${board.logdir.root} at ${board.url} (Ctrl+C to stop)\n`);
      if (!/^(127\.|localhost$|::1$|\[::1\]$)/.test(opts.host))
        out(`Note: bound to ${opts.host}: anyone who can reach this address can read these runs\n`);
      onBoard(board);
    });
  addServerCommand(program, out);
  return program;
}

/** Runs the command line; returns the exit code (errors are printed, not thrown). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (e) {
    const what =
      e instanceof OpError ? `${e.name}: ${e.message}` : e instanceof Error ? e.message : String(e);
    process.stderr.write(`tensorgraph: ${what}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  main().then((code) => {
    process.exitCode = code;
  });
}
