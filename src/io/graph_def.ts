/**
 * Graphs ↔ TensorFlow's GraphDef: `graphToGraphDef` (graph.asGraphDef()) writes every node with
 * TensorFlow's input syntax ("op", "op:1", "^ctrl"), device and all attrs (defaults included),
 * and the graph's function library; `importGraphDef` (tf.import_graph_def) reads a GraphDef
 * (message, binary or text), checks it (op types tensorgraph lacks, its library, malformed
 * inputs and attrs) before touching the target graph, fills default attrs from the op registry,
 * adds the library's functions to the graph and rebuilds loops (NextIteration → Merge back edges).
 */
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, ResourceExhaustedError, ValueError } from "../framework/errors.js";
import {
  Graph,
  getDefaultGraph,
  graphDefHook,
  Operation,
  type OpInput,
  Tensor,
} from "../framework/graph.js";
import type { AttrValue, OpDef } from "../framework/op_def.js";
import { defaultAttrValue, getOpDef } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import {
  type AttrValue as AttrValueProto,
  decodeProto,
  type GraphDef,
  GraphDefSchema,
  type NodeDef,
  VersionDefSchema,
} from "./proto/index.js";
import "../ops/compat_ops.js";
import "../ops/function_ops.js";
import { CALL_OP_TYPES } from "../passes/inline_functions.js";
import { calledFunctions, libraryToProto } from "./function_library.js";
import { prepareLibrary } from "./import_checks.js";
import { attrValueFromProto, extraAttrs, nodeDefOf } from "./node_def.js";
import { parseTextFormat } from "./text_format.js";

/** The GraphDef version TensorFlow 1.15 writes (TF_GRAPH_DEF_VERSION) and accepts. */
export const GRAPH_DEF_VERSION = 134;
export const GRAPH_DEF_VERSION_MIN_CONSUMER = 0;

const utf8 = new TextEncoder();

/** The graph as a GraphDef (tf.Graph.as_graph_def), nodes in creation order. */
export function graphToGraphDef(graph: Graph): GraphDef {
  return create(GraphDefSchema, {
    node: graph.operations.map(nodeDefOf),
    versions: create(VersionDefSchema, { producer: GRAPH_DEF_VERSION }),
    library: libraryToProto(graph.library),
  });
}

graphDefHook.toGraphDef = graphToGraphDef;

// ---------------------------------------------------------------------------------------------
// Import

export interface ImportGraphDefOptions {
  /**
   * Tensors (or ops, for "^name" keys) of the target graph to use in place of the GraphDef's own:
   * keys are names in the GraphDef ("x:0", "x" meaning "x:0", "^init").
   */
  inputMap?: Record<string, Tensor | Operation> | ReadonlyMap<string, Tensor | Operation>;
  /** Names in the GraphDef to return: "op:0" gives a Tensor, "op" an Operation. */
  returnElements?: readonly string[];
  /** Prefix (a name scope, uniquified) for the imported names; default "import", "" for none. */
  name?: string;
  /** The graph to import into (default: the default graph). */
  graph?: Graph;
  /** Where the GraphDef came from (a file), for error messages. */
  source?: string;
}

/** What an import produced: the name prefix used ("" or "scope/") and the return elements. */
export interface ImportResult {
  prefix: string;
  elements: (Tensor | Operation)[];
  /** Imported ops by their name in the GraphDef. */
  ops: Map<string, Operation>;
}

/** Reads a GraphDef given as a message, binary bytes, or text format. */
export function parseGraphDef(
  graphDef: GraphDef | Uint8Array | string,
  what = "GraphDef",
): GraphDef {
  if (graphDef instanceof Uint8Array) return decodeProto(GraphDefSchema, graphDef, what);
  if (typeof graphDef === "string") return parseTextFormat(GraphDefSchema, graphDef, { what });
  return graphDef;
}

/**
 * Imports `graphDef` into a graph (tf.import_graph_def); returns the tensors and ops named by
 * `returnElements`. Op types tensorgraph lacks (in the graph or its functions) are ONE
 * UnimplementedError listing all of them; a malformed GraphDef (missing input or function, bad
 * attr, duplicate name, cycle) an InvalidArgumentError naming the node; undecodable bytes a
 * DataLossError. On error the target graph is unchanged.
 */
export function importGraphDef(
  graphDef: GraphDef | Uint8Array | string,
  options: ImportGraphDefOptions = {},
): (Tensor | Operation)[] {
  return importGraphDefDetailed(graphDef, options).elements;
}

interface ParsedInput {
  node: string;
  index: number;
  control: boolean;
  raw: string;
}

interface PreparedNode {
  def: NodeDef;
  opDef: OpDef;
  attrs: Record<string, AttrValue>;
  extra: Record<string, AttrValueProto>;
  inputs: ParsedInput[];
  /** Sizes of the OpDef's input arguments. */
  argSizes: number[];
}

const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/;
const INPUT_NAME = /^(\^)?([^:^]+)(?::(\d+))?$/;

/** importGraphDef, also returning the prefix used and the imported ops. */
export function importGraphDefDetailed(
  graphDefIn: GraphDef | Uint8Array | string,
  options: ImportGraphDefOptions = {},
): ImportResult {
  const gd = parseGraphDef(graphDefIn);
  const graph = options.graph ?? getDefaultGraph();
  checkVersions(gd);
  const inputMap = normalizeInputMap(options.inputMap, graph);
  const incoming = prepareLibrary(gd, graph, options.source);
  const opDefOf = (t: string) => getOpDef(t) ?? incoming.opDef(t) ?? graph.library.opDef(t);
  const prepared = prepareNodes(
    gd,
    inputMap,
    opDefOf,
    (f) => incoming.has(f) || graph.library.has(f),
  );
  const order = topologicalOrder(prepared, inputMap);
  // Build once in a scratch graph: shape and dtype errors surface before the real graph changes.
  const scratch = new Graph();
  scratch.library.addAll(graph.library);
  scratch.library.addAll(incoming);
  buildNodes(scratch, "", prepared, order, scratchInputs(scratch, inputMap));
  graph.library.addAll(incoming);
  const name = options.name ?? "import";
  const prefix = name === "" ? "" : graph.nameScope(name, (s) => s);
  const ops = buildNodes(graph, prefix, prepared, order, inputMap);
  const elements = (options.returnElements ?? []).map((e) => {
    const m = INPUT_NAME.exec(e);
    const op = m && !m[1] ? ops.get(m[2]) : undefined;
    if (!op) throw new ValueError(`Requested return_element '${e}' not found in graph_def.`);
    if (m![3] === undefined) return op;
    const t = op.outputs[Number(m![3])];
    if (!t)
      throw new ValueError(
        `Requested return_element '${e}': '${op.name}' has ${op.outputs.length} output(s)`,
      );
    return t;
  });
  return { prefix, elements, ops };
}

function checkVersions(gd: GraphDef): void {
  const v = gd.versions;
  if (!v) return;
  if (v.minConsumer > GRAPH_DEF_VERSION) {
    throw new InvalidArgumentError(
      `GraphDef min consumer version ${v.minConsumer} above current version ${GRAPH_DEF_VERSION} for TensorFlow 1.15 (producer ${v.producer}); it needs a newer consumer.`,
    );
  }
  if (v.badConsumers.includes(GRAPH_DEF_VERSION)) {
    throw new InvalidArgumentError(
      `GraphDef disallows consumer version ${GRAPH_DEF_VERSION} (bad_consumers ${v.badConsumers.join(", ")})`,
    );
  }
}

type InputMap = Map<string, Tensor | Operation>;

function normalizeInputMap(m: ImportGraphDefOptions["inputMap"], graph: Graph): InputMap {
  const out: InputMap = new Map();
  if (!m) return out;
  const entries = m instanceof Map ? [...m.entries()] : Object.entries(m);
  for (const [key, value] of entries) {
    const parsed = INPUT_NAME.exec(key);
    if (!parsed)
      throw new ValueError(`inputMap key '${key}' is not a tensor name ("op:0") or "^op"`);
    if (parsed[1] ? !(value instanceof Operation) : !(value instanceof Tensor)) {
      throw new ValueError(
        `inputMap['${key}'] must be ${parsed[1] ? "an Operation (control input)" : "a Tensor"}`,
      );
    }
    if (value.graph !== graph)
      throw new ValueError(`inputMap['${key}'] is '${value.name}', which is from another graph`);
    const k = parsed[1] ? `^${parsed[2]}` : `${parsed[2]}:${parsed[3] ?? 0}`;
    out.set(k, value);
  }
  return out;
}

const mapKey = (i: ParsedInput) => (i.control ? `^${i.node}` : `${i.node}:${i.index}`);

/** Checks every node (op type, name, inputs, attrs) and converts its attrs. */
function prepareNodes(
  gd: GraphDef,
  inputMap: InputMap,
  opDefOf: (type: string) => OpDef | undefined,
  hasFunction: (name: string) => boolean,
): Map<string, PreparedNode> {
  const byName = new Map<string, NodeDef>();
  for (const n of gd.node) {
    if (!NODE_NAME.test(n.name))
      throw new InvalidArgumentError(`Node '${n.name}': node name contains invalid characters`);
    if (byName.has(n.name))
      throw new InvalidArgumentError(
        `Node '${n.name}' is not unique: duplicate node name in GraphDef`,
      );
    byName.set(n.name, n);
  }
  const used = new Set<string>();
  const out = new Map<string, PreparedNode>();
  for (const n of gd.node) {
    const opDef = opDefOf(n.op)!;
    const fail = (msg: string): never => {
      throw new InvalidArgumentError(`Node '${n.name}' (op '${n.op}'): ${msg}`);
    };
    const inputs: ParsedInput[] = [];
    let sawControl = false;
    for (const raw of n.input) {
      const m = INPUT_NAME.exec(raw);
      if (!m) fail(`malformed input '${raw}'`);
      const parsed = { node: m![2], index: Number(m![3] ?? 0), control: !!m![1], raw };
      if (parsed.control && m![3] !== undefined) fail(`malformed control input '${raw}'`);
      if (!parsed.control && sawControl)
        fail(`input '${raw}' comes after a control input: control inputs must come last`);
      sawControl ||= parsed.control;
      const key = mapKey(parsed);
      if (inputMap.has(key)) used.add(key);
      else if (!byName.has(parsed.node))
        fail(`input '${raw}' refers to node '${parsed.node}', which is not in the GraphDef`);
      inputs.push(parsed);
    }
    const attrs: Record<string, AttrValue> = {};
    const extra: Record<string, AttrValueProto> = {};
    for (const [k, v] of Object.entries(n.attr)) {
      const a = opDef.attrMap.get(k);
      if (!a) {
        if (k.startsWith("_")) extra[k] = v;
        else fail(`attr '${k}' is not an attr of op '${n.op}'`);
        continue;
      }
      try {
        attrs[k] = attrValueFromProto(v, a.type);
        // Bytes that are not UTF-8 (a serialized ConfigProto...) are written back as they came.
        if (v.value.case === "s" && !sameBytes(utf8.encode(attrs[k] as string), v.value.value))
          extra[k] = v;
      } catch (e) {
        if (e instanceof InvalidArgumentError) fail(`attr '${k}': ${e.message}`);
        if (e instanceof ResourceExhaustedError)
          throw new ResourceExhaustedError(
            `Node '${n.name}' (op '${n.op}'): attr '${k}': ${e.message}`,
          );
        throw e;
      }
    }
    for (const f of calledFunctions(attrs))
      if (!hasFunction(f))
        fail(`refers to function '${f}', which is not in the graph's function library`);
    // GraphDefs before version 22 could not tell a scalar Placeholder from one of unknown shape.
    const legacy = (gd.versions?.producer ?? 0) <= 21;
    if (legacy && n.op === "Placeholder" && (attrs.shape as TensorShape | undefined)?.rank === 0)
      attrs.shape = TensorShape.unknown();
    const numData = inputs.filter((i) => !i.control).length;
    const argSizes = inputArgSizes(opDef, attrs, numData);
    if (!argSizes) {
      const expected = opDef.inputs.map((a) => a.name).join(", ");
      fail(`has ${numData} data input(s), which do not match the op's inputs (${expected})`);
    }
    out.set(n.name, { def: n, opDef, attrs, extra, inputs, argSizes: argSizes! });
  }
  const unused = [...inputMap.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    throw new ValueError(
      `Attempted to map inputs that were not found in graph_def: [${unused.join(", ")}]`,
    );
  }
  return out;
}

/** Sizes of each input argument (list arguments from their attrs, or one left to fill the rest). */
function inputArgSizes(
  def: OpDef,
  attrs: Record<string, AttrValue>,
  numData: number,
): number[] | null {
  const attrOr = (name: string) => {
    const v = attrs[name];
    if (v !== undefined) return v;
    const a = def.attrMap.get(name);
    return a ? defaultAttrValue(a) : undefined;
  };
  const sizes: (number | null)[] = def.inputs.map((arg) => {
    if (arg.typeListAttr) {
      const v = attrOr(arg.typeListAttr);
      return Array.isArray(v) ? v.length : null;
    }
    if (arg.numberAttr) {
      const v = attrOr(arg.numberAttr);
      return typeof v === "number" ? v : null;
    }
    return 1;
  });
  const unknown = sizes.filter((s) => s === null).length;
  const known = sizes.reduce<number>((a, s) => a + (s ?? 0), 0);
  if (unknown > 1) return null;
  if (unknown === 1) {
    if (numData < known) return null;
    return sizes.map((s) => s ?? numData - known);
  }
  return known === numData ? (sizes as number[]) : null;
}

const isBackEdge = (consumer: NodeDef, source: NodeDef | undefined) =>
  (consumer.op === "Merge" || consumer.op === "RefMerge") &&
  (source?.op === "NextIteration" || source?.op === "RefNextIteration");

/** A creation order in which every node comes after its inputs (loop back edges aside). */
function topologicalOrder(nodes: Map<string, PreparedNode>, inputMap: InputMap): PreparedNode[] {
  const list = [...nodes.values()];
  const index = new Map(list.map((n, i) => [n.def.name, i]));
  const deps = list.map((n) =>
    n.inputs
      .filter((i) => !inputMap.has(mapKey(i)) && !isBackEdge(n.def, nodes.get(i.node)?.def))
      .map((i) => index.get(i.node)!),
  );
  const state = new Uint8Array(list.length); // 0 new, 1 on the stack, 2 done
  const order: PreparedNode[] = [];
  for (let root = 0; root < list.length; root++) {
    if (state[root]) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const d = deps[top[0]];
      if (top[1] < d.length) {
        const next = d[top[1]++];
        if (state[next] === 0) {
          state[next] = 1;
          stack.push([next, 0]);
        } else if (state[next] === 1) {
          const from = stack.findIndex(([i]) => i === next);
          const cycle = [...stack.slice(from).map(([i]) => list[i].def.name), list[next].def.name];
          throw new InvalidArgumentError(
            `GraphDef contains a cycle that does not go through a loop (NextIteration → Merge): ${cycle.reverse().join(" → ")}`,
          );
        }
      } else {
        state[top[0]] = 2;
        order.push(list[top[0]]);
        stack.pop();
      }
    }
  }
  return order;
}

/** Stand-ins for the input map's tensors in a scratch graph (same dtype, shape and refness). */
function scratchInputs(g: Graph, inputMap: InputMap): InputMap {
  const out: InputMap = new Map();
  for (const [k, v] of inputMap) {
    if (v instanceof Operation) out.set(k, g.createOp("NoOp", [], {}, "ctrl"));
    else if (v.isRef)
      out.set(
        k,
        g.createOp("VariableV2", [], { shape: v.shape, dtype: v.dtype }, "ref").outputs[0],
      );
    else
      out.set(
        k,
        g.createOp("Placeholder", [], { shape: v.shape, dtype: v.dtype }, "in").outputs[0],
      );
  }
  return out;
}

/** Creates the nodes in `order`, then closes loops by patching Merge back edges. */
function buildNodes(
  graph: Graph,
  prefix: string,
  nodes: Map<string, PreparedNode>,
  order: PreparedNode[],
  inputMap: InputMap,
): Map<string, Operation> {
  const ops = new Map<string, Operation>();
  const patches: { op: Operation; index: number; input: ParsedInput; node: PreparedNode }[] = [];
  const resolve = (n: PreparedNode, i: ParsedInput): Tensor => {
    const mapped = inputMap.get(mapKey(i));
    if (mapped) return mapped as Tensor;
    const src = ops.get(i.node)!;
    const t = src.outputs[i.index];
    if (!t) {
      throw new InvalidArgumentError(
        `Node '${n.def.name}' (op '${n.def.op}'): input '${i.raw}' refers to output ${i.index} of '${i.node}', which has ${src.outputs.length} output(s)`,
      );
    }
    return t;
  };
  graph.controlDependencies(null, () => {
    for (const n of order) {
      const data = n.inputs.filter((i) => !i.control);
      const back = data.map(
        (i) => !inputMap.has(mapKey(i)) && isBackEdge(n.def, nodes.get(i.node)?.def),
      );
      const forward = data.findIndex((_, k) => !back[k]);
      if (back.some((b) => b) && forward < 0) {
        throw new InvalidArgumentError(
          `Node '${n.def.name}' (op '${n.def.op}'): a Merge needs at least one input from outside its loop`,
        );
      }
      // A back edge's source does not exist yet: stand in the first forward input, patched below.
      const flat = data.map((i, k) => resolve(n, back[k] ? data[forward] : i));
      const grouped: OpInput[] = [];
      let at = 0;
      n.opDef.inputs.forEach((arg, k) => {
        const size = n.argSizes[k];
        const list = arg.numberAttr !== undefined || arg.typeListAttr !== undefined;
        grouped.push(list ? flat.slice(at, at + size) : flat[at]);
        at += size;
      });
      const controlInputs = n.inputs
        .filter((i) => i.control)
        .map((i) => (inputMap.get(mapKey(i)) as Operation | undefined) ?? ops.get(i.node)!);
      let op: Operation;
      try {
        op = graph.createOp(n.def.op, grouped, n.attrs, prefix + n.def.name, {
          exactName: true,
          noControlFlow: true,
          device: n.def.device,
          controlInputs,
        });
      } catch (e) {
        if (e instanceof InvalidArgumentError && !graph.finalized)
          throw new InvalidArgumentError(
            `Cannot import node '${n.def.name}' (op '${n.def.op}'): ${e.message}`,
          );
        throw e;
      }
      // Later ops made by name (tf.add(..., "x")) must not collide with imported names.
      graph.nameScope(null, () => graph.uniqueName(op.name));
      if (Object.keys(n.extra).length > 0) extraAttrs.set(op, n.extra);
      if (CALL_OP_TYPES.has(op.type) || graph.library.has(op.type)) callShapes(op, n.extra);
      ops.set(n.def.name, op);
      data.forEach((i, k) => {
        if (back[k]) patches.push({ op, index: k, input: i, node: n });
      });
    }
  });
  for (const p of patches) {
    const t = resolve(p.node, p.input);
    try {
      graph.updateInput(p.op, p.index, t);
    } catch (e) {
      if (e instanceof InvalidArgumentError)
        throw new InvalidArgumentError(
          `Cannot import node '${p.node.def.name}' (op '${p.node.def.op}'): ${e.message}`,
        );
      throw e;
    }
  }
  return ops;
}

/** A call's output shapes from its `_output_shapes` attr (what TF recorded when it wrote the graph). */
function callShapes(op: Operation, extra: Record<string, AttrValueProto>): void {
  const a = extra._output_shapes;
  if (!a) return;
  let shapes: AttrValue;
  try {
    shapes = attrValueFromProto(a, "list(shape)");
  } catch {
    return;
  }
  (shapes as TensorShape[]).forEach((s, i) => {
    const t = op.outputs[i];
    if (t?.shape.isCompatibleWith(s)) t.setShape(s);
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
