/**
 * What GraphDef import checks beyond single nodes: the function library (functions that differ
 * from ones already in the graph, calls and GradientDefs of missing functions:
 * InvalidArgumentError) and the op types tensorgraph runs (ONE UnimplementedError at import
 * listing every op type it lacks, with nodes that use it and the file).
 */
import { equals } from "@bufbuild/protobuf";
import { cpuBackend } from "../backends/cpu-ts/index.js";
import { InvalidArgumentError, UnimplementedError } from "../framework/errors.js";
import { FunctionLibrary, type Graph } from "../framework/graph.js";
import { getOpDef, getRegisteredOp } from "../framework/op_registry.js";
import { CALL_OP_TYPES } from "../passes/inline_functions.js";
import { addFunction, calledFunctions, parseFunction } from "./function_library.js";
import { FunctionDefSchema, type GraphDef } from "./proto/index.js";

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
export function prepareLibrary(gd: GraphDef, graph: Graph, source?: string): FunctionLibrary {
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
  // Every node is checked, used or not (the issue's rule: a file with an op type tensorgraph
  // lacks does not import), and every function body.
  for (const n of gd.node) note(n.op, n.name);
  const fns = gd.library?.function ?? [];
  for (const f of fns)
    for (const n of f.nodeDef) note(n.op, `${n.name}' in function '${f.signature!.name}`);
  throwUnimplemented(missing, source);
  const opDefOf = (t: string) => getOpDef(t) ?? lib.opDef(t) ?? graph.library.opDef(t);
  for (const f of fns) {
    const fname = f.signature!.name;
    for (const n of parseFunction(f, opDefOf).nodes)
      for (const callee of calledFunctions(n.attrs))
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
