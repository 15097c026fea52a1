// Graph functions: the call ops (PartitionedCall, StatefulPartitionedCall, If, While, Case,
// SymbolicGradient: shape functions and gradients; they run inlined, see src/passes/) and
// tf.defun (TF1's function.Defun), which builds a function's body in a graph of its own, adds it
// to the calling graph's library and calls it by name.
import type { DType } from "../framework/dtypes.js";
import { InvalidArgumentError, LookupError, ValueError } from "../framework/errors.js";
import { functionCallHooks, Graph, type Operation, type Tensor } from "../framework/graph.js";
import type { FuncAttr } from "../framework/op_def.js";
import { type GradientFn, registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import {
  addFunction,
  graphToFunctionDef,
  symbolicGradientFunction,
} from "../io/function_library.js";
import { zerosLike } from "./array_shape.js";
import { convertToTensor, graphOf, type TensorLike } from "./op_builder.js";

/** Output shapes from the `output_shapes` attr, else unknown. */
const declaredShapes = (c: ShapeContext) => {
  const shapes = (c.op.attrs.output_shapes as readonly TensorShape[] | undefined) ?? [];
  const n = (c.op.attrs.Tout as readonly unknown[]).length;
  return Array.from({ length: n }, (_, i) => shapes[i] ?? TensorShape.unknown());
};

/**
 * The gradient of a call: the function's gradFunc (tf.defun) if it has one, a call of its
 * gradient function if the library names one (GradientDef), else SymbolicGradient, which
 * differentiates the body when the run is planned.
 */
const callGradient: GradientFn = (op, grads) => {
  const lib = op.graph.library;
  const f =
    op.type === "PartitionedCall" || op.type === "StatefulPartitionedCall"
      ? (op.attrs.f as FuncAttr)
      : { func: op.type, attrs: lib.has(op.type) ? { ...op.attrs } : {} };
  const custom = lib.gradFuncs.get(f.func);
  if (custom) return custom(op, grads);
  const dys = grads.map((g, i) => g ?? zerosLike(op.outputs[i]));
  const graph = op.graph;
  const gradName = lib.gradients.get(f.func);
  if (gradName) {
    const def = lib.opDef(gradName);
    if (!def)
      throw new InvalidArgumentError(`Gradient function '${gradName}' is not in the library`);
    const g = graph.createOp(gradName, [...op.inputs, ...dys], f.attrs ?? {}, `${f.func}_grad`);
    return [...g.outputs];
  }
  // A resource argument (a variable's handle) gets no gradient here: its place in Tout holds a
  // float32 zero (see passes/inline_functions.ts); differentiate w.r.t. the values read instead.
  const isResource = (t: Tensor) => (t.dtype as string) === "resource";
  const g = graph.createOp(
    "SymbolicGradient",
    [[...op.inputs, ...dys]],
    { Tout: op.inputs.map((t) => (isResource(t) ? "float32" : t.dtype)), f },
    "SymbolicGradient",
  );
  return g.outputs.map((t, i) => (isResource(op.inputs[i]) ? null : t));
};

registerOp("PartitionedCall", { shape: declaredShapes, gradient: callGradient });
registerOp("StatefulPartitionedCall", { shape: declaredShapes, gradient: callGradient });
/**
 * The gradient of If: an If of the same condition over the branches' gradient functions (each a
 * SymbolicGradient of its branch, added to the library), on the inputs and the output gradients.
 */
const ifGradient: GradientFn = (op, grads) => {
  const graph = op.graph;
  const [cond, ...ins] = op.inputs;
  if (ins.some((t) => (t.dtype as string) === "resource"))
    throw new LookupError(
      `No gradient for '${op.name}' (op ${op.type}): an input is a resource; differentiate with respect to the values read inside`,
    );
  const dys = grads.map((g, i) => g ?? zerosLike(op.outputs[i]));
  const xTypes = ins.map((t) => t.dtype as string);
  const yTypes = op.outputs.map((t) => t.dtype as string);
  const branch = (key: string): FuncAttr => {
    const f = op.attrs[key] as FuncAttr;
    const name = `${f.func}_grad_${[...xTypes, ...yTypes].join("_")}`;
    if (!graph.library.has(name))
      addFunction(graph.library, symbolicGradientFunction(name, f, xTypes, yTypes));
    return { func: name };
  };
  const g = graph.createOp(
    op.type,
    [cond, [...ins, ...dys]],
    {
      Tout: xTypes,
      then_branch: branch("then_branch"),
      else_branch: branch("else_branch"),
      output_shapes: ins.map((t) => t.shape),
    },
    `${op.type}_grad`,
  );
  return [null, ...g.outputs];
};
registerOp("If", { shape: declaredShapes, gradient: ifGradient });
registerOp("StatelessIf", { shape: declaredShapes, gradient: ifGradient });
registerOp("Case", { shape: declaredShapes });
/** A loop's outputs have the declared shapes, else the shapes the loop variables enter with. */
const whileShapes = (c: ShapeContext) => {
  const shapes = (c.op.attrs.output_shapes as readonly TensorShape[] | undefined) ?? [];
  return c.op.inputs.map(
    (t, i) => shapes[i] ?? (shapes.length === 0 ? t.shape : TensorShape.unknown()),
  );
};
registerOp("While", { shape: whileShapes });
registerOp("StatelessWhile", { shape: whileShapes });
// Gradients w.r.t. the function's inputs have the inputs' shapes.
registerOp("SymbolicGradient", {
  shape: (c) =>
    (c.op.attrs.Tout as readonly unknown[]).map(
      (_, i) => c.op.inputs[i]?.shape ?? TensorShape.unknown(),
    ),
});
functionCallHooks.gradient = callGradient;

// ---------------------------------------------------------------------------------------------
// tf.defun

export interface DefunOptions {
  /** The dtype of each argument (TF's input_types). */
  inputTypes: readonly DType[];
  /** The function's name in the library (default: the JS function's name with a unique suffix). */
  name?: string;
  /** Gradient used instead of differentiating the body (TF's python_grad_func). */
  gradFunc?: GradientFn;
  /** Argument names in the FunctionDef (default arg0, arg1, ...). */
  argNames?: readonly string[];
  /** The static shapes of a call's outputs (TF's shape_func); by default they are unknown. */
  shapeFunc?: (op: Operation) => readonly ShapeLike[];
}

/** A graph function: calling it adds a call node to the arguments' graph. */
export interface DefinedFunction {
  (...args: TensorLike[]): Tensor | Tensor[] | Operation;
  /** The function's name in the library (the op type of its call nodes). */
  readonly functionName: string;
  /** Adds the function (and the functions it calls) to `graph`'s library. */
  addToGraph(graph: Graph): void;
}

let defunCount = 0;

/**
 * TF1's `function.Defun`: `fn` is traced once, on placeholders of `inputTypes`, in a graph of its
 * own; each call adds a node of op type `functionName` whose outputs are `fn`'s results (one
 * tensor, a list for several, the op for none). Gradients differentiate the body unless
 * `gradFunc` is given.
 */
export function defun(
  fn: (...args: Tensor[]) => TensorLike | readonly TensorLike[] | Operation | undefined | undefined,
  options: DefunOptions,
): DefinedFunction {
  const functionName = options.name ?? `${fn.name || "defun"}_${defunCount++}`;
  const argNames = options.argNames ?? options.inputTypes.map((_, i) => `arg${i}`);
  if (argNames.length !== options.inputTypes.length)
    throw new ValueError(
      `defun '${functionName}': ${argNames.length} argNames for ${options.inputTypes.length} inputTypes`,
    );
  let body: { g: Graph; outputs: Tensor[] } | undefined;
  const trace = () => {
    if (body) return body;
    const g = new Graph();
    const outputs = g.asDefault(() => {
      const args = options.inputTypes.map(
        (d, i) => g.createOp("Placeholder", [], { dtype: d }, argNames[i]).outputs[0],
      );
      const r = fn(...args);
      const list = r === undefined ? [] : Array.isArray(r) ? r : [r];
      const outs = (list as unknown[])
        .filter((x) => !isOperation(x))
        .map((x) => convertToTensor(x as TensorLike, undefined, undefined, g));
      return { args, outs };
    });
    const def = graphToFunctionDef(
      g,
      functionName,
      outputs.args,
      outputs.outs,
      argNames,
      outputs.outs.map((_, i) => `output_${i}`),
    );
    addFunction(g.library, def);
    body = { g, outputs: outputs.outs };
    return body;
  };
  const addToGraph = (graph: Graph) => {
    const b = trace();
    graph.library.addAll(b.g.library);
    if (options.gradFunc) graph.library.gradFuncs.set(functionName, options.gradFunc);
  };
  const call = (...args: TensorLike[]): Tensor | Tensor[] | Operation => {
    if (args.length !== options.inputTypes.length)
      throw new ValueError(
        `defun '${functionName}' takes ${options.inputTypes.length} argument(s), got ${args.length}`,
      );
    const graph = graphOf(args);
    addToGraph(graph);
    const inputs = args.map((a, i) => convertToTensor(a, options.inputTypes[i], undefined, graph));
    const op = graph.createOp(functionName, inputs, {}, functionName);
    const shapes = options.shapeFunc?.(op) ?? body!.outputs.map((t) => t.shape);
    shapes.forEach((shape, i) => {
      op.outputs[i]?.setShape(shape);
    });
    if (op.outputs.length === 0) return op;
    return op.outputs.length === 1 ? op.outputs[0] : [...op.outputs];
  };
  return Object.assign(call, { functionName, addToGraph });
}

function isOperation(x: unknown): x is Operation {
  return typeof x === "object" && x !== null && "outputs" in x && "type" in x && "def" in x;
}
