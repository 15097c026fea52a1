/**
 * Graph functions ↔ TensorFlow's FunctionDefLibrary: the OpDef of a function (its signature),
 * a FunctionDef's body parsed for instantiation (inputs in the "node:out_arg:index" form), a
 * graph turned into a FunctionDef (tf.defun), and a Graph's library as a message and back.
 */
import { create, equals } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "../framework/errors.js";
import { expandArgs, FunctionLibrary, type Graph, type Tensor } from "../framework/graph.js";
import type { ArgDef, AttrDef, AttrValue, FuncAttr, OpDef } from "../framework/op_def.js";
import { getOpDef } from "../framework/op_registry.js";
import { attrValueFromProto, attrValueToProto, nodeDefOf } from "./node_def.js";
import {
  type FunctionDef,
  type FunctionDefLibrary,
  FunctionDefLibrarySchema,
  FunctionDefSchema,
  GradientDefSchema,
  NodeDefSchema,
  type OpDef_ArgDef,
  OpDef_ArgDefSchema,
  OpDefSchema,
} from "./proto/index.js";
import { dataTypeEnum, dataTypeName } from "./tensor_proto.js";

// ---------------------------------------------------------------------------------------------
// Signatures

function argFromProto(a: OpDef_ArgDef): ArgDef {
  return {
    name: a.name,
    type: a.type !== 0 ? dataTypeName(a.type) : undefined,
    typeAttr: a.typeAttr || undefined,
    numberAttr: a.numberAttr || undefined,
    typeListAttr: a.typeListAttr || undefined,
    isRef: a.isRef,
  };
}

/** The OpDef of calls to `f`: its signature's arguments; its attrs (polymorphic functions) have no default. */
export function functionOpDef(f: FunctionDef): OpDef {
  const sig = f.signature;
  if (!sig?.name) throw new InvalidArgumentError("FunctionDef without a signature name");
  const attrs: AttrDef[] = sig.attr.map((a) => ({ name: a.name, type: a.type, hasDefault: false }));
  return {
    name: sig.name,
    inputs: sig.inputArg.map(argFromProto),
    outputs: sig.outputArg.map(argFromProto),
    attrs,
    attrMap: new Map(attrs.map((a) => [a.name, a])),
    isStateful: sig.isStateful || f.nodeDef.some((n) => getOpDef(n.op)?.isStateful === true),
  };
}

FunctionLibrary.sameDef = (a, b) => equals(FunctionDefSchema, a, b);

/** Adds a FunctionDef to a library (the same definition twice is fine; a different one is an error). */
export function addFunction(lib: FunctionLibrary, f: FunctionDef): void {
  lib.add(f, functionOpDef(f), (a, b) => equals(FunctionDefSchema, a, b));
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** Where a body node's input comes from. */
export type BodyRef =
  | { kind: "arg"; arg: string; index: number }
  | { kind: "node"; node: string; outArg: string | null; index: number };

/** A body node, attrs converted (a placeholder attr names the call's attr that fills it). */
export interface BodyNode {
  name: string;
  op: string;
  attrs: Record<string, AttrValue | { placeholder: string }>;
  inputs: BodyRef[];
  controlInputs: string[];
  device: string;
}

/** A FunctionDef ready to instantiate: nodes in an order where each follows its inputs. */
export interface ParsedFunction {
  def: FunctionDef;
  opDef: OpDef;
  nodes: BodyNode[];
  /** Per output argument: the body tensor returned for it. */
  rets: BodyRef[];
  /** Nodes that must run whenever the function runs (control_ret). */
  controlRets: string[];
}

const parsed = new WeakMap<FunctionDef, ParsedFunction>();

function parseRef(raw: string, args: ReadonlySet<string>, where: string): BodyRef {
  const parts = raw.split(":");
  if (parts.length === 1 || (parts.length === 2 && /^\d+$/.test(parts[1]))) {
    const index = parts.length === 2 ? Number(parts[1]) : 0;
    if (args.has(parts[0])) return { kind: "arg", arg: parts[0], index };
    return { kind: "node", node: parts[0], outArg: null, index };
  }
  if (parts.length === 3 && /^\d+$/.test(parts[2]))
    return { kind: "node", node: parts[0], outArg: parts[1], index: Number(parts[2]) };
  throw new InvalidArgumentError(`${where}: malformed input '${raw}'`);
}

/**
 * The body of `f` parsed and ordered; `opDefOf` gives the OpDef of each node's op type (TF's
 * ops, or functions of the library). Errors name the function and the node.
 */
export function parseFunction(
  f: FunctionDef,
  opDefOf: (type: string) => OpDef | undefined,
): ParsedFunction {
  const cached = parsed.get(f);
  if (cached) return cached;
  const opDef = functionOpDef(f);
  const fname = opDef.name;
  const args = new Set(opDef.inputs.map((a) => a.name));
  const byName = new Map<string, BodyNode>();
  for (const n of f.nodeDef) {
    const where = `Function '${fname}', node '${n.name}' (op '${n.op}')`;
    if (byName.has(n.name) || args.has(n.name))
      throw new InvalidArgumentError(`${where}: duplicate node name`);
    const def = opDefOf(n.op);
    if (!def) throw new InvalidArgumentError(`${where}: op type '${n.op}' is not registered`);
    const attrs: BodyNode["attrs"] = {};
    for (const [k, v] of Object.entries(n.attr)) {
      if (v.value.case === "placeholder") {
        attrs[k] = { placeholder: v.value.value };
        continue;
      }
      const a = def.attrMap.get(k);
      if (!a) {
        if (k.startsWith("_")) continue;
        throw new InvalidArgumentError(`${where}: attr '${k}' is not an attr of op '${n.op}'`);
      }
      attrs[k] = attrValueFromProto(v, a.type);
    }
    const inputs: BodyRef[] = [];
    const controlInputs: string[] = [];
    for (const raw of n.input) {
      if (raw.startsWith("^")) controlInputs.push(raw.slice(1));
      else inputs.push(parseRef(raw, args, where));
    }
    byName.set(n.name, { name: n.name, op: n.op, attrs, inputs, controlInputs, device: n.device });
  }
  const check = (r: BodyRef, where: string) => {
    if (r.kind === "node" && !byName.has(r.node))
      throw new InvalidArgumentError(`${where} refers to '${r.node}', which is not in the body`);
  };
  for (const n of byName.values()) {
    for (const r of n.inputs) check(r, `Function '${fname}', node '${n.name}': an input`);
    for (const c of n.controlInputs)
      if (!byName.has(c))
        throw new InvalidArgumentError(
          `Function '${fname}', node '${n.name}': control input '^${c}' is not in the body`,
        );
  }
  const rets = opDef.outputs.map((o) => {
    const raw = f.ret[o.name];
    if (raw === undefined)
      throw new InvalidArgumentError(`Function '${fname}': output '${o.name}' has no ret entry`);
    const r = parseRef(raw, args, `Function '${fname}', ret '${o.name}'`);
    check(r, `Function '${fname}': ret '${o.name}'`);
    return r;
  });
  const controlRets = Object.values(f.controlRet);
  for (const c of controlRets)
    if (!byName.has(c))
      throw new InvalidArgumentError(`Function '${fname}': control_ret '${c}' is not in the body`);
  const result: ParsedFunction = {
    def: f,
    opDef,
    nodes: bodyOrder(fname, byName),
    rets,
    controlRets,
  };
  parsed.set(f, result);
  return result;
}

function bodyOrder(fname: string, byName: Map<string, BodyNode>): BodyNode[] {
  const order: BodyNode[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (root: BodyNode) => {
    const stack: [BodyNode, string[]][] = [[root, deps(root)]];
    state.set(root.name, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = top[1].pop();
      if (next === undefined) {
        stack.pop();
        state.set(top[0].name, 2);
        order.push(top[0]);
        continue;
      }
      const s = state.get(next);
      if (s === 2) continue;
      if (s === 1)
        throw new InvalidArgumentError(
          `Function '${fname}': its body has a cycle through '${next}' (a function body must be acyclic)`,
        );
      const n = byName.get(next)!;
      state.set(next, 1);
      stack.push([n, deps(n)]);
    }
  };
  const deps = (n: BodyNode) => [
    ...n.inputs.flatMap((r) => (r.kind === "node" ? [r.node] : [])),
    ...n.controlInputs,
  ];
  for (const n of byName.values()) if (!state.has(n.name)) visit(n);
  return order;
}

/** The flat output index of `node:outArg:index` given the node's OpDef and attrs. */
export function flatOutputIndex(
  def: OpDef,
  attrs: Readonly<Record<string, AttrValue>>,
  outArg: string | null,
  index: number,
): number {
  if (outArg === null) return index;
  const outs = expandArgs(def.outputs, attrs);
  const first = outs.findIndex((o) => o.argName === outArg);
  if (first < 0)
    throw new InvalidArgumentError(`op '${def.name}' has no output argument '${outArg}'`);
  return first + index;
}

/** Function names a node's attrs refer to (func and list(func) attrs). */
export function calledFunctions(attrs: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object" && "func" in v) out.push((v as FuncAttr).func);
  };
  Object.values(attrs).forEach(visit);
  return out;
}

// ---------------------------------------------------------------------------------------------
// A graph as a FunctionDef (tf.defun)

const ARG_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The ops of `g` as the body of function `name`: `inputs` (Placeholders of `g`) become its
 * arguments, `outputs` its results. Every other op of `g` is part of the body.
 */
export function graphToFunctionDef(
  g: Graph,
  name: string,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  argNames: readonly string[],
  outNames: readonly string[],
): FunctionDef {
  for (const n of [...argNames, ...outNames])
    if (!ARG_NAME.test(n))
      throw new InvalidArgumentError(`Function '${name}': argument name '${n}' is not valid`);
  const argOf = new Map(inputs.map((t, i) => [t.op, argNames[i]]));
  const ref = (t: Tensor): string => {
    const a = argOf.get(t.op);
    if (a !== undefined) return a;
    const outs = expandArgs(t.op.def.outputs, t.op.attrs);
    const argName = outs[t.index].argName;
    const first = outs.findIndex((o) => o.argName === argName);
    return `${t.op.name}:${argName}:${t.index - first}`;
  };
  const nodes = g.operations
    .filter((op) => !argOf.has(op))
    .map((op) => {
      const nd = nodeDefOf(op);
      return create(NodeDefSchema, {
        name: op.name,
        op: op.type,
        input: [...op.inputs.map(ref), ...op.controlInputs.map((c) => `^${c.name}`)],
        device: op.device,
        attr: nd.attr,
      });
    });
  const arg = (n: string, t: Tensor) => {
    const type = dataTypeEnum(t.dtype);
    if (type === undefined)
      throw new InvalidArgumentError(`Function '${name}': '${n}' has dtype ${t.dtype}`);
    return create(OpDef_ArgDefSchema, { name: n, type });
  };
  const ret: Record<string, string> = {};
  outputs.forEach((t, i) => {
    ret[outNames[i]] = ref(t);
  });
  return create(FunctionDefSchema, {
    signature: create(OpDefSchema, {
      name,
      inputArg: inputs.map((t, i) => arg(argNames[i], t)),
      outputArg: outputs.map((t, i) => arg(outNames[i], t)),
      isStateful: g.operations.some((op) => op.def.isStateful && !argOf.has(op)),
    }),
    nodeDef: nodes,
    ret,
  });
}

/**
 * A function `name`(x..., dy...) → dx... whose body is one SymbolicGradient of `f`: the gradient
 * branches of a functional If (TF's cond_v2 builds such gradient functions too).
 */
export function symbolicGradientFunction(
  name: string,
  f: FuncAttr,
  xTypes: readonly string[],
  yTypes: readonly string[],
): FunctionDef {
  const arg = (n: string, t: string) => {
    const type = dataTypeEnum(t);
    if (type === undefined)
      throw new InvalidArgumentError(`Function '${name}': argument '${n}' has dtype ${t}`);
    return create(OpDef_ArgDefSchema, { name: n, type });
  };
  const xs = xTypes.map((t, i) => arg(`x_${i}`, t));
  const dys = yTypes.map((t, i) => arg(`dy_${i}`, t));
  const dxs = xTypes.map((t, i) => arg(`dx_${i}`, t));
  const ret: Record<string, string> = {};
  dxs.forEach((d, i) => {
    ret[d.name] = `grad:output:${i}`;
  });
  return create(FunctionDefSchema, {
    signature: create(OpDefSchema, { name, inputArg: [...xs, ...dys], outputArg: dxs }),
    nodeDef: [
      create(NodeDefSchema, {
        name: "grad",
        op: "SymbolicGradient",
        input: [...xs, ...dys].map((a) => a.name),
        attr: {
          Tin: attrValueToProto([...xTypes, ...yTypes], "list(type)"),
          Tout: attrValueToProto([...xTypes], "list(type)"),
          f: attrValueToProto(f, "func"),
        },
      }),
    ],
    ret,
  });
}

// ---------------------------------------------------------------------------------------------
// Libraries

/** The graph's library as a FunctionDefLibrary message (undefined when it is empty). */
export function libraryToProto(lib: FunctionLibrary): FunctionDefLibrary | undefined {
  if (lib.size === 0 && lib.gradients.size === 0) return undefined;
  return create(FunctionDefLibrarySchema, {
    function: lib.names.map((n) => lib.get(n)!),
    gradient: [...lib.gradients].map(([functionName, gradientFunc]) =>
      create(GradientDefSchema, { functionName, gradientFunc }),
    ),
  });
}
