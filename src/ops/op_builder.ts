import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import {
  type Graph,
  getDefaultGraph,
  isTensorConvertible,
  type Operation,
  Tensor,
  type TensorConvertible,
  TO_TENSOR,
} from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import type { AttrValue, OpDef } from "../framework/op_def.js";
import { defaultAttrValue, getOpDef } from "../framework/op_registry.js";

/** Anything an op accepts as a tensor input: a Tensor, a Variable, or a value made into a constant. */
export type TensorLike = Tensor | TensorConvertible | ValueLike;

/** The graph that inputs belong to (all must share one), else the default graph. */
export function graphOf(values: readonly unknown[]): Graph {
  let g: Graph | undefined;
  let first: Tensor | undefined;
  // Tracing a function body: its graph is the default, and outer tensors get captured into it.
  const tracing = getDefaultGraph().captureExternal ? getDefaultGraph() : undefined;
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    const t = v instanceof Tensor ? v : isTensorConvertible(v) ? v[TO_TENSOR]() : undefined;
    if (!t) return;
    if (g && t.graph !== g && !tracing) {
      throw new ValueError(
        `Tensor '${t.name}' must be from the same graph as Tensor '${first!.name}'`,
      );
    }
    g = t.graph;
    first ??= t;
  };
  values.forEach(visit);
  return tracing ?? g ?? getDefaultGraph();
}

/** A Const op holding `value` (TF's tf.constant without the conveniences). */
export function constOp(value: NDArray, graph: Graph, name?: string): Tensor {
  return graph.createOp("Const", [], { value, dtype: value.dtype }, name ?? "Const").outputs[0];
}

/**
 * A Tensor for `value`: tensors pass through (a dtype mismatch is an error), variables give their
 * value, and JS values become constants (numbers are float32 unless `dtype` says otherwise).
 */
export function convertToTensor(
  value: TensorLike,
  dtype?: DType,
  name?: string,
  graph?: Graph,
): Tensor {
  if (value instanceof Tensor || isTensorConvertible(value)) {
    const v = value instanceof Tensor ? value : value[TO_TENSOR]();
    const t = graph?.captureExternal && v.graph !== graph ? graph.captureExternal(v) : v;
    if (graph && t.graph !== graph)
      throw new ValueError(`Tensor '${t.name}' is from a different graph`);
    if (dtype && t.dtype !== dtype) {
      throw new ValueError(
        `Tensor conversion requested dtype ${dtype} for Tensor '${t.name}' with dtype ${t.dtype}`,
      );
    }
    return t;
  }
  const g = graph ?? getDefaultGraph();
  const arr = NDArray.from(value as ValueLike, dtype);
  return constOp(arr, g, name);
}

/** The value as a Tensor if it is one (or stands for one), else undefined. */
function asTensor(v: unknown): Tensor | undefined {
  if (v instanceof Tensor) return v;
  if (isTensorConvertible(v)) return v[TO_TENSOR]();
  return undefined;
}

export type OpInputLike = TensorLike | readonly TensorLike[];

/**
 * Adds an op of `type` to the inputs' graph (or the default graph). `inputs` has one entry per
 * input argument of TensorFlow's OpDef (an array for list arguments). JS values become constants
 * of the dtype the op's type attrs call for, so `tf.add(x, 1)` adds a constant of x's dtype.
 */
export function makeOp(
  type: string,
  inputs: readonly OpInputLike[],
  attrs: Record<string, AttrValue | undefined> = {},
  name?: string,
): Operation {
  const def = getOpDef(type);
  if (!def) throw new ValueError(`Unknown op type '${type}'`);
  const graph = graphOf(inputs);
  const needsConversion = inputs.some((v) =>
    Array.isArray(v) ? v.some((x) => !asTensor(x)) : !asTensor(v),
  );
  if (!needsConversion) return buildOp(graph, type, def, inputs, attrs, name);
  // As TensorFlow does, constants made for an op's inputs live in its scope ("add/y").
  return graph.nameScope(name ?? type, (scope) =>
    buildOp(graph, type, def, inputs, attrs, scope.slice(0, -1), true),
  );
}

function buildOp(
  graph: Graph,
  type: string,
  def: OpDef,
  inputs: readonly OpInputLike[],
  attrs: Record<string, AttrValue | undefined>,
  name?: string,
  exactName = false,
): Operation {
  const args = def.inputs;
  if (inputs.length !== args.length) {
    throw new ValueError(
      `${type} takes ${args.length} inputs (${args.map((a) => a.name).join(", ")}), got ${inputs.length}`,
    );
  }
  // Type attrs known from tensor inputs, then from NDArray inputs (or given), decide the dtype
  // of plain JS values.
  const known: Record<string, AttrValue | undefined> = { ...attrs };
  for (const pass of [asTensor, (v: unknown) => (v instanceof NDArray ? v : undefined)]) {
    args.forEach((arg, i) => {
      if (!arg.typeAttr || known[arg.typeAttr] !== undefined) return;
      const list = arg.numberAttr
        ? (inputs[i] as readonly TensorLike[])
        : [inputs[i] as TensorLike];
      for (const v of list) {
        const t = pass(v);
        if (t) {
          known[arg.typeAttr] = t.dtype;
          break;
        }
      }
    });
  }
  const converted = args.map((arg, i) => {
    // A JS value takes the dtype its type attr is bound to, else that attr's default (Tidx: int32).
    const bound = arg.typeAttr ? known[arg.typeAttr] : undefined;
    const attrDef = arg.typeAttr ? def.attrMap.get(arg.typeAttr) : undefined;
    const hint = (arg.type ?? bound ?? (attrDef ? defaultAttrValue(attrDef) : undefined)) as
      | DType
      | undefined;
    const conv = (v: TensorLike) => {
      const t = asTensor(v);
      if (t) return t;
      const c = convertToTensor(v, hint, exactName ? arg.name : undefined, graph);
      if (arg.typeAttr && known[arg.typeAttr] === undefined) known[arg.typeAttr] = c.dtype;
      return c;
    };
    if (arg.numberAttr || arg.typeListAttr) {
      if (!Array.isArray(inputs[i]))
        throw new ValueError(`${type}: input '${arg.name}' must be a list`);
      return (inputs[i] as readonly TensorLike[]).map(conv);
    }
    return conv(inputs[i] as TensorLike);
  });
  return graph.createOp(type, converted, attrs, name, { exactName });
}

/** makeOp for single-output ops: the output tensor. */
export function makeOp1(
  type: string,
  inputs: readonly OpInputLike[],
  attrs?: Record<string, AttrValue | undefined>,
  name?: string,
): Tensor {
  return makeOp(type, inputs, attrs, name).outputs[0];
}

/**
 * Whether a builder argument is the trailing options object (a plain `{ ... }` literal) rather
 * than a value: builders accept TF's keyword arguments either positionally or in that object.
 */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v))
    return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
