/**
 * What GraphDef import checks beyond single nodes: the function library (functions that differ
 * from ones already in the graph, calls and GradientDefs of missing functions:
 * InvalidArgumentError) and the op types tensorgraph runs (ONE UnimplementedError at import
 * listing every op type it lacks, with nodes that use it and the file).
 */
import { equals } from "@bufbuild/protobuf";
import { cpuBackend } from "../backends/cpu-ts/index.js";
import { InvalidArgumentError, UnimplementedError } from "../framework/errors.js";
import { FunctionLibrary, type Graph, type Operation, type Tensor } from "../framework/graph.js";
import { getOpDef, getRegisteredOp } from "../framework/op_registry.js";
import { CALL_OP_TYPES } from "../passes/inline_functions.js";
import { addFunction, calledFunctions, parseFunction } from "./function_library.js";
import { type FunctionDef, FunctionDefSchema, type GraphDef, type NodeDef } from "./proto/index.js";

const INPUT_NAME = /^(\^)?([^:^]+)(?::(\d+))?$/;

/** Op types that run with no kernel of their own: fed (Placeholder) or inlined at plan time. */
const NO_KERNEL = new Set(["Placeholder"]);

/** Whether tensorgraph runs `type` (a kernel, or a call inlined at plan time). */
function isSupported(type: string, isFunction: (t: string) => boolean): boolean {
  if (isFunction(type) || CALL_OP_TYPES.has(type) || NO_KERNEL.has(type)) return true;
  return getRegisteredOp(type) !== undefined && cpuBackend.get(type) !== undefined;
}

/**
 * Reads the GraphDef's library into a new FunctionLibrary after checking it: every op type of the
 * graph and of its functions must be one tensorgraph runs (else ONE UnimplementedError listing
 * all), every function a node or GradientDef names must exist (else InvalidArgumentError), and a
 * function must not differ from one of the same name already in the target graph.
 */
export function prepareLibrary(
  gd: GraphDef,
  graph: Graph,
  source?: string,
  required?: ReadonlySet<string>,
): FunctionLibrary {
  const lib = new FunctionLibrary();
  for (const f of gd.library?.function ?? []) {
    const name = f.signature?.name ?? "";
    if (!name) throw new InvalidArgumentError("GraphDef library has a function without a name");
    const old = graph.library.get(name);
    if (old && !equals(FunctionDefSchema, old, f))
      throw new InvalidArgumentError(
        `GraphDef library: Cannot add function '${name}' because a different function with the same name already exists in the graph.`,
      );
    try {
      addFunction(lib, f);
    } catch (e) {
      if (e instanceof InvalidArgumentError)
        throw new InvalidArgumentError(`GraphDef library: ${e.message}`);
      throw e;
    }
  }
  const isFunction = (t: string) => lib.has(t) || graph.library.has(t);
  // Unsupported op types, with the nodes that use them (graph nodes first, then function bodies).
  const missing = new Map<string, string[]>();
  const note = (type: string, node: string) => {
    if (isSupported(type, isFunction)) return;
    const l = missing.get(type);
    if (l) l.push(node);
    else missing.set(type, [node]);
  };
  const nodes = required ? withInputs(gd, required) : gd.node;
  for (const n of nodes) note(n.op, n.name);
  // With entry points, only the functions they call (directly or not) must run here.
  const fns = gd.library?.function ?? [];
  const reach = required ? reachableFunctions(nodes, fns) : undefined;
  for (const f of fns)
    if (!reach || reach.has(f.signature!.name))
      for (const n of f.nodeDef) note(n.op, `${n.name}' in function '${f.signature!.name}`);
  throwUnimplemented(missing, source);
  const opDefOf = (t: string) => getOpDef(t) ?? lib.opDef(t) ?? graph.library.opDef(t);
  for (const f of fns) {
    const fname = f.signature!.name;
    // Functions the entry points never call are kept as they are, their op types unchecked.
    const callees = (n: NodeDef) => nodeCallees(n).slice(1);
    const checked =
      !reach || reach.has(fname)
        ? parseFunction(f, opDefOf).nodes.map((n) => ({ n, callees: calledFunctions(n.attrs) }))
        : f.nodeDef.map((n) => ({ n, callees: callees(n) }));
    for (const { n, callees: cs } of checked)
      for (const callee of cs)
        if (!isFunction(callee))
          throw new InvalidArgumentError(
            `Function '${fname}', node '${n.name}' (op '${n.op}') refers to function '${callee}', which is not in the graph's function library`,
          );
  }
  for (const g of gd.library?.gradient ?? []) {
    for (const name of [g.functionName, g.gradientFunc])
      if (!isFunction(name))
        throw new InvalidArgumentError(
          `GraphDef library: GradientDef ('${g.functionName}' → '${g.gradientFunc}') refers to function '${name}', which is not in the library`,
        );
    lib.gradients.set(g.functionName, g.gradientFunc);
  }
  return lib;
}

/** Functions a NodeDef calls: its op type, and the functions its func attrs name. */
function nodeCallees(n: NodeDef): string[] {
  const out = [n.op];
  for (const v of Object.values(n.attr)) {
    if (v.value.case === "func") out.push(v.value.value.name);
    else if (v.value.case === "list") out.push(...v.value.value.func.map((f) => f.name));
  }
  return out;
}

/** Names of the functions of `fns` that `nodes` call, directly or through other functions. */
function reachableFunctions(nodes: readonly NodeDef[], fns: readonly FunctionDef[]): Set<string> {
  const byName = new Map(fns.map((f) => [f.signature!.name, f]));
  const seen = new Set<string>();
  const stack: string[] = [];
  const visit = (n: NodeDef) => {
    for (const c of nodeCallees(n))
      if (byName.has(c) && !seen.has(c)) {
        seen.add(c);
        stack.push(c);
      }
  };
  nodes.forEach(visit);
  while (stack.length > 0) byName.get(stack.pop()!)!.nodeDef.forEach(visit);
  return seen;
}

/** The named nodes and every node they depend on (data and control inputs). */
function withInputs(gd: GraphDef, roots: ReadonlySet<string>): NodeDef[] {
  const byName = new Map(gd.node.map((n) => [n.name, n]));
  const seen = new Set<string>();
  const stack = [...roots].filter((r) => byName.has(r));
  for (const r of stack) seen.add(r);
  while (stack.length > 0) {
    for (const raw of byName.get(stack.pop()!)!.input) {
      const name = INPUT_NAME.exec(raw)?.[2];
      if (name !== undefined && byName.has(name) && !seen.has(name)) {
        seen.add(name);
        stack.push(name);
      }
    }
  }
  return gd.node.filter((n) => seen.has(n.name));
}

/** ONE UnimplementedError listing every op type tensorgraph lacks, with the nodes that use it. */
function throwUnimplemented(missing: ReadonlyMap<string, string[]>, source?: string): void {
  if (missing.size === 0) return;
  const list = [...missing]
    .map(([t, nodes]) => {
      const shown = nodes
        .slice(0, 3)
        .map((x) => `'${x}'`)
        .join(", ");
      const more = nodes.length > 3 ? `, ... ${nodes.length - 3} more` : "";
      const why = getOpDef(t) ? "" : "; not a TensorFlow 1.15 op";
      return `'${t}' (node${nodes.length > 1 ? "s" : ""} ${shown}${more}${why})`;
    })
    .join(", ");
  throw new UnimplementedError(
    `GraphDef${source ? ` from '${source}'` : ""} uses ${missing.size} op type(s) that tensorgraph does not implement: ${list}`,
  );
}

/**
 * Raises the UnimplementedError of import for the ops computing `outputs` from `inputs` (a
 * SavedModel signature whose ops were not checked at import).
 */
export function checkImplemented(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  source?: string,
): void {
  const fed = new Set(inputs);
  const seen = new Set<Operation>();
  const stack: Operation[] = [];
  const visit = (op: Operation) => {
    if (!seen.has(op)) {
      seen.add(op);
      stack.push(op);
    }
  };
  for (const t of outputs) if (!fed.has(t)) visit(t.op);
  const missing = new Map<string, string[]>();
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (!isSupported(op.type, (t) => op.graph.library.has(t))) {
      const l = missing.get(op.type);
      if (l) l.push(op.name);
      else missing.set(op.type, [op.name]);
    }
    for (const t of op.inputs) if (!fed.has(t)) visit(t.op);
    op.controlInputs.forEach(visit);
  }
  // The bodies of the functions those ops call.
  const lib = outputs[0]?.graph.library;
  if (lib) {
    const fns = lib.names.map((n) => lib.get(n)!);
    const calls = [...seen].map((op) => ({ op: op.type, attrs: op.attrs }));
    const names = new Set<string>();
    for (const c of calls) {
      if (lib.has(c.op)) names.add(c.op);
      for (const f of calledFunctions(c.attrs)) names.add(f);
    }
    const nodes = fns.filter((f) => names.has(f.signature!.name)).flatMap((f) => f.nodeDef);
    const reach = reachableFunctions(nodes, fns);
    for (const n of names) reach.add(n);
    for (const f of fns) {
      if (!reach.has(f.signature!.name)) continue;
      for (const n of f.nodeDef)
        if (!isSupported(n.op, (t) => lib.has(t))) {
          const where = `${n.name}' in function '${f.signature!.name}`;
          const l = missing.get(n.op);
          if (l) l.push(where);
          else missing.set(n.op, [where]);
        }
    }
  }
  throwUnimplemented(missing, source);
}
