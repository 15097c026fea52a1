/**
 * Plan-time function inlining (TF's function optimizer, in one pass): the ops a run needs are
 * copied into a private graph in which every call — a node whose op type is a library
 * function's name, PartitionedCall, StatefulPartitionedCall, SymbolicGradient — is replaced by
 * the function's body, and every functional control-flow op (If, StatelessIf, Case, While,
 * StatelessWhile) is lowered to Switch/Merge/Enter/Exit/NextIteration (see lower_functional.ts),
 * so the executors run them as they are. The user's Graph is never changed.
 *
 * Each inlined call ends in an IdentityN (a NoOp when it has no outputs) named as the call, with
 * control inputs on the body's control_ret and stateful nodes: a consumer of the call's outputs,
 * or a control edge on the call, runs the whole body as TensorFlow does.
 */
import { InvalidArgumentError } from "../framework/errors.js";
import {
  type FunctionLibrary,
  Graph,
  type Operation,
  type OpInput,
  type Tensor,
} from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue, FuncAttr, OpDef } from "../framework/op_def.js";
import { getOpDef } from "../framework/op_registry.js";
import { gradients } from "../gradients/gradients.js";
import { flatOutputIndex, parseFunction } from "../io/function_library.js";
import { zerosLike } from "../ops/array_shape.js";
import { lowerCase, lowerIf, lowerWhile } from "./lower_functional.js";

/** Op types that call functions (besides the library's own function names). */
export const CALL_OP_TYPES: ReadonlySet<string> = new Set([
  "PartitionedCall",
  "StatefulPartitionedCall",
  "SymbolicGradient",
  "If",
  "StatelessIf",
  "Case",
  "While",
  "StatelessWhile",
]);

/** Whether the op calls a function (and so must be inlined before it can run). */
export function isFunctionCall(op: Operation): boolean {
  return CALL_OP_TYPES.has(op.type) || op.graph.library.has(op.type);
}

/** What a lowered node gives back: its outputs and the op that stands for it in control edges. */
export interface Emitted {
  outputs: Tensor[];
  op: Operation;
}

/** The body of one inlined function: its results, argument tensors and what must run with it. */
export interface Inlined {
  outputs: Tensor[];
  args: Tensor[];
  /** Ops that must run whenever the function runs (control_ret and stateful body nodes). */
  ctrl: Operation[];
}

/** Builds the lowered copy of a graph: see the file comment. */
export class Lowering {
  readonly graph = new Graph();

  constructor(readonly library: FunctionLibrary) {}

  opDefOf = (type: string): OpDef | undefined => getOpDef(type) ?? this.library.opDef(type);

  /** A primitive op in the lowered graph (flat inputs grouped by the OpDef's arguments). */
  prim(
    type: string,
    inputs: readonly Tensor[],
    attrs: Record<string, AttrValue | undefined>,
    name: string,
    options: { exactName?: boolean; controls?: readonly Operation[]; device?: string } = {},
  ): Operation {
    const def = getOpDef(type);
    if (!def) throw new InvalidArgumentError(`Op type not registered '${type}' (node '${name}')`);
    return this.graph.createOp(type, groupInputs(def, attrs, inputs, name), attrs, name, {
      exactName: options.exactName,
      noControlFlow: true,
      device: options.device,
      controlInputs: options.controls,
    });
  }

  /** A constant scalar (for lowered conditions), tied to `anchor` so that it runs in its frame. */
  scalar(value: number, dtype: string, name: string, anchor: Operation | null): Tensor {
    return this.graph.createOp("Const", [], { dtype, value: scalarArray(value, dtype) }, name, {
      noControlFlow: true,
      controlInputs: anchor ? [anchor] : [],
    }).outputs[0];
  }

  /**
   * One node of a graph or body: a call or functional op is inlined or lowered, anything else is
   * created as it is. `exactName`: the node keeps its name (a node of the user's graph).
   */
  emit(
    type: string,
    attrs: Record<string, AttrValue>,
    inputs: readonly Tensor[],
    controls: readonly Operation[],
    name: string,
    stack: readonly string[],
    options: { exactName?: boolean; device?: string; anchor?: Operation | null } = {},
  ): Emitted {
    const isCall = CALL_OP_TYPES.has(type) || this.library.has(type);
    if (!isCall) {
      const op = this.prim(type, inputs, attrs, name, {
        exactName: options.exactName,
        controls,
        device: options.device,
      });
      return { outputs: [...op.outputs], op };
    }
    let anchor = options.anchor ?? null;
    let ins = [...inputs];
    if (controls.length > 0) {
      // The call's control inputs gate its whole body: every input and every source node.
      anchor = this.prim("NoOp", [], {}, `${name}/input_control_node`, { controls });
      ins = ins.map(
        (t, i) =>
          this.prim("Identity", [t], {}, `${name}/input_${i}`, { controls: [anchor!] }).outputs[0],
      );
    }
    const finish = (outs: Tensor[], ctrl: Operation[]): Emitted =>
      this.finish(type, attrs, outs, ctrl, name, options.exactName === true);
    const fn = (key: string): FuncAttr => {
      const f = attrs[key] as FuncAttr | undefined;
      if (!f || typeof f !== "object" || !("func" in f))
        throw new InvalidArgumentError(
          `Node '${name}' (op '${type}'): attr '${key}' is not a function`,
        );
      return f;
    };
    switch (type) {
      case "PartitionedCall":
      case "StatefulPartitionedCall": {
        const f = fn("f");
        const r = this.inline(f.func, f.attrs ?? {}, ins, name, anchor, stack, name);
        return finish(r.outputs, r.ctrl);
      }
      case "SymbolicGradient": {
        const r = this.symbolicGradient(fn("f"), ins, name, anchor, stack);
        return finish(r.outputs, r.ctrl);
      }
      case "If":
      case "StatelessIf": {
        const r = lowerIf(
          this,
          ins[0],
          ins.slice(1),
          fn("then_branch"),
          fn("else_branch"),
          name,
          anchor,
          stack,
        );
        return finish(r.outputs, r.ctrl);
      }
      case "Case": {
        const branches = attrs.branches as readonly FuncAttr[];
        const r = lowerCase(this, ins[0], ins.slice(1), branches, name, anchor, stack);
        return finish(r.outputs, r.ctrl);
      }
      case "While":
      case "StatelessWhile": {
        const r = lowerWhile(this, ins, fn("cond"), fn("body"), attrs, name, anchor, stack);
        return finish(r.outputs, r.ctrl);
      }
      default: {
        const r = this.inline(type, attrs, ins, name, anchor, stack, name);
        return finish(r.outputs, r.ctrl);
      }
    }
  }

  /** The node standing for a call: an IdentityN over its results (a NoOp without results). */
  private finish(
    type: string,
    attrs: Record<string, AttrValue>,
    outs: Tensor[],
    ctrl: Operation[],
    name: string,
    exactName: boolean,
  ): Emitted {
    const want = callOutputTypes(type, attrs, this.library);
    if (want && (want.length !== outs.length || want.some((d, i) => d !== outs[i].dtype))) {
      throw new InvalidArgumentError(
        `Node '${name}' (op '${type}'): the function returns [${outs.map((t) => t.dtype).join(", ")}] where the call expects [${want.join(", ")}]`,
      );
    }
    const controls = [...new Set(ctrl)];
    if (outs.length === 0) {
      const op = this.prim("NoOp", [], {}, name, { exactName, controls });
      return { outputs: [], op };
    }
    const op = this.graph.createOp("IdentityN", [outs], {}, name, {
      exactName,
      noControlFlow: true,
      controlInputs: controls,
    });
    return { outputs: [...op.outputs], op };
  }

  /**
   * Inlines function `fname` on `inputs` under name scope `scope`: argument Identities, then the
   * body's nodes. `anchor` (a control input for nodes without inputs) ties the body to a frame
   * or branch. `stack` holds the functions being inlined, to detect recursion.
   */
  inline(
    fname: string,
    callAttrs: Record<string, AttrValue>,
    inputs: readonly Tensor[],
    scope: string,
    anchor: Operation | null,
    stack: readonly string[],
    caller: string,
  ): Inlined {
    const fdef = this.library.get(fname);
    if (!fdef)
      throw new InvalidArgumentError(
        `Function '${fname}' (called by node '${caller}') is not in the graph's function library`,
      );
    if (stack.includes(fname))
      throw new InvalidArgumentError(
        `Function '${fname}' calls itself (${[...stack, fname].join(" -> ")}): recursive functions are not supported`,
      );
    const inner = [...stack, fname];
    const pf = parseFunction(fdef, this.opDefOf);
    const sizes = argSizes(pf.opDef.inputs, callAttrs, inputs.length);
    if (!sizes)
      throw new InvalidArgumentError(
        `Node '${caller}': function '${fname}' takes ${pf.opDef.inputs.length} argument(s) (${pf.opDef.inputs.map((a) => a.name).join(", ")}), the call passes ${inputs.length} tensor(s)`,
      );
    const argMap = new Map<string, Tensor[]>();
    const args: Tensor[] = [];
    let at = 0;
    pf.opDef.inputs.forEach((a, k) => {
      const ts = inputs.slice(at, at + sizes[k]).map((t, i) => {
        const want =
          a.type ?? (a.typeAttr ? (callAttrs[a.typeAttr] as string | undefined) : undefined);
        if (want !== undefined && want !== t.dtype)
          throw new InvalidArgumentError(
            `Node '${caller}': argument '${a.name}' of function '${fname}' must be ${want}, got ${t.dtype} ('${t.name}')`,
          );
        const n = sizes[k] === 1 && !a.numberAttr && !a.typeListAttr ? a.name : `${a.name}_${i}`;
        return this.prim("Identity", [t], {}, `${scope}/${n}`, { controls: anchor ? [anchor] : [] })
          .outputs[0];
      });
      at += sizes[k];
      argMap.set(a.name, ts);
      args.push(...ts);
    });
    // Body nodes without inputs run once the arguments are there: in their frame and branch,
    // and not at all when an argument is dead (a call is strict, as in TensorFlow).
    const bodyAnchor =
      args.length > 0
        ? this.prim("NoOp", [], {}, `${scope}/arguments`, {
            controls: [...new Set(args.map((t) => t.op))],
          })
        : anchor;
    const done = new Map<
      string,
      { emitted: Emitted; def: OpDef; attrs: Record<string, AttrValue> }
    >();
    const resolve = (r: (typeof pf.rets)[number], where: string): Tensor => {
      if (r.kind === "arg") {
        const t = argMap.get(r.arg)?.[r.index];
        if (!t)
          throw new InvalidArgumentError(`${where}: argument '${r.arg}:${r.index}' does not exist`);
        return t;
      }
      const d = done.get(r.node)!;
      let k: number;
      try {
        k = flatOutputIndex(d.def, d.attrs, r.outArg, r.index);
      } catch (e) {
        throw new InvalidArgumentError(`${where}: ${(e as Error).message}`);
      }
      const t = d.emitted.outputs[k];
      if (!t)
        throw new InvalidArgumentError(
          `${where}: '${r.node}' has no output ${r.outArg ?? ""}:${r.index}`,
        );
      return t;
    };
    const ctrl: Operation[] = [];
    const controlRets = new Set(pf.controlRets);
    for (const n of pf.nodes) {
      const where = `Function '${fname}', node '${n.name}' (op '${n.op}')`;
      const attrs: Record<string, AttrValue> = {};
      for (const [k, v] of Object.entries(n.attrs)) {
        if (v !== null && typeof v === "object" && "placeholder" in v) {
          const got = callAttrs[v.placeholder];
          if (got === undefined)
            throw new InvalidArgumentError(
              `${where}: attr '${k}' is the function's attr '${v.placeholder}', which the call (node '${caller}') does not set`,
            );
          attrs[k] = got;
        } else attrs[k] = v as AttrValue;
      }
      const ins = n.inputs.map((r) => resolve(r, where));
      let controls = n.controlInputs.map((c) => done.get(c)!.emitted.op);
      if (ins.length === 0 && controls.length === 0 && bodyAnchor) controls = [bodyAnchor];
      let emitted: Emitted;
      try {
        emitted = this.emit(n.op, attrs, ins, controls, `${scope}/${n.name}`, inner, {
          device: n.device,
          anchor: bodyAnchor,
        });
      } catch (e) {
        if (e instanceof InvalidArgumentError && !/^(Function|Node) '/.test(e.message))
          throw new InvalidArgumentError(`${where}: ${e.message}`);
        throw e;
      }
      const def = this.opDefOf(n.op)!;
      done.set(n.name, {
        emitted,
        def,
        attrs: emitted.op.type === n.op ? emitted.op.attrs : attrs,
      });
      if (controlRets.has(n.name) || def.isStateful) ctrl.push(emitted.op);
    }
    const outputs = pf.rets.map((r, i) => resolve(r, `Function '${fname}', output ${i}`));
    return { outputs, args, ctrl };
  }

  /** SymbolicGradient: the gradient function if the library names one, else the body differentiated. */
  private symbolicGradient(
    f: FuncAttr,
    inputs: readonly Tensor[],
    name: string,
    anchor: Operation | null,
    stack: readonly string[],
  ): Inlined {
    const gradName = this.library.gradients.get(f.func);
    if (gradName) return this.inline(gradName, f.attrs ?? {}, inputs, name, anchor, stack, name);
    const fdef = this.library.get(f.func);
    if (!fdef)
      throw new InvalidArgumentError(
        `Function '${f.func}' (called by node '${name}') is not in the graph's function library`,
      );
    const pf = parseFunction(fdef, this.opDefOf);
    const nOut = pf.rets.length;
    const xs = inputs.slice(0, inputs.length - nOut);
    const dys = inputs.slice(inputs.length - nOut);
    const fwd = this.inline(f.func, f.attrs ?? {}, xs, `${name}/forward`, anchor, stack, name);
    const first = this.graph.operations.length;
    const outputs = this.graph.asDefault(() =>
      this.graph.nameScope(`${name}/gradients`, () => {
        const grads = gradients(fwd.outputs, fwd.args, dys);
        return grads.map((g, i) => {
          const arg = fwd.args[i];
          // A resource argument's place holds a float32 zero (see ops/function_ops.ts callGradient).
          if ((arg.dtype as string) === "resource")
            return this.scalar(0, "float32", `${name}/no_gradient`, null);
          return g ?? zerosLike(arg);
        });
      }),
    );
    // Gradient ops without inputs (constants) run once the inputs are there, in their frame.
    const made = this.graph.operations.slice(first);
    const sources = made.filter((op) => op.inputs.length === 0 && op.controlInputs.length === 0);
    if (sources.length > 0 && inputs.length > 0) {
      const ready = this.prim("NoOp", [], {}, `${name}/inputs_ready`, {
        controls: [...new Set([...fwd.args, ...dys].map((t) => t.op))],
      });
      for (const op of sources) op.addControlInputs([ready]);
    }
    return { outputs, args: fwd.args, ctrl: fwd.ctrl };
  }
}

/** The dtypes a call's attrs say it returns (null when they do not say). */
function callOutputTypes(
  type: string,
  attrs: Record<string, AttrValue>,
  lib: FunctionLibrary,
): string[] | null {
  if (type === "While" || type === "StatelessWhile") return attrs.T as string[];
  if (CALL_OP_TYPES.has(type)) return (attrs.Tout as string[] | undefined) ?? null;
  const def = lib.opDef(type);
  if (!def) return null;
  const out: string[] = [];
  for (const a of def.outputs) {
    if (a.typeListAttr) {
      const l = attrs[a.typeListAttr];
      if (!Array.isArray(l)) return null;
      out.push(...(l as string[]));
      continue;
    }
    const t = a.type ?? (a.typeAttr ? (attrs[a.typeAttr] as string | undefined) : undefined);
    const n = a.numberAttr ? (attrs[a.numberAttr] as number | undefined) : 1;
    if (t === undefined || n === undefined) return null;
    for (let i = 0; i < n; i++) out.push(t);
  }
  return out;
}

/** How many tensors each argument takes: list arguments from the attrs, or one left to fill the rest. */
export function argSizes(
  args: readonly { typeListAttr?: string; numberAttr?: string }[],
  attrs: Readonly<Record<string, AttrValue | undefined>>,
  total: number,
): number[] | null {
  const sizes = args.map((a) => {
    if (a.typeListAttr) {
      const v = attrs[a.typeListAttr];
      return Array.isArray(v) ? v.length : null;
    }
    if (a.numberAttr) {
      const v = attrs[a.numberAttr];
      return typeof v === "number" ? v : null;
    }
    return 1;
  });
  const unknown = sizes.filter((s) => s === null).length;
  const known = sizes.reduce<number>((a, s) => a + (s ?? 0), 0);
  if (unknown > 1) return null;
  if (unknown === 1) return total < known ? null : sizes.map((s) => s ?? total - known);
  return known === total ? (sizes as number[]) : null;
}

function groupInputs(
  def: OpDef,
  attrs: Readonly<Record<string, AttrValue | undefined>>,
  flat: readonly Tensor[],
  name: string,
): OpInput[] {
  const sizes = argSizes(def.inputs, attrs, flat.length);
  if (!sizes)
    throw new InvalidArgumentError(
      `Node '${name}' (op '${def.name}'): ${flat.length} input(s) do not match the op's inputs (${def.inputs.map((a) => a.name).join(", ")})`,
    );
  const out: OpInput[] = [];
  let at = 0;
  def.inputs.forEach((a, k) => {
    const list = a.numberAttr !== undefined || a.typeListAttr !== undefined;
    out.push(list ? flat.slice(at, at + sizes[k]) : flat[at]);
    at += sizes[k];
  });
  return out;
}

/** A scalar of `dtype` (the constants lowered conditions compare with). */
function scalarArray(value: number, dtype: string): NDArray {
  switch (dtype) {
    case "float32":
      return new NDArray("float32", [], Float32Array.of(value));
    case "float64":
      return new NDArray("float64", [], Float64Array.of(value));
    case "int64":
      return new NDArray("int64", [], BigInt64Array.of(BigInt(value)));
    case "uint8":
      return new NDArray("uint8", [], Uint8Array.of(value));
    case "int32":
      return new NDArray("int32", [], Int32Array.of(value));
  }
  throw new InvalidArgumentError(`A condition of dtype ${dtype} cannot be lowered`);
}
