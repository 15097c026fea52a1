// A dataset's user function (map, filter, flatMap, interleave) traced into a FunctionDef of the
// graph's library, as TF does: the body is built in a graph of its own on placeholders of the
// element's structure; tensors of the outer graph it uses are captured (each becomes an extra
// argument, passed by the dataset op as `other_arguments`).
import { ValueError } from "../../framework/errors.js";
import { Graph, type Tensor } from "../../framework/graph.js";
import { addFunction, graphToFunctionDef } from "../../io/function_library.js";
import { flatten, type Nested, packAs } from "../../ops/nest.js";
import { convertToTensor, type TensorLike } from "../../ops/op_builder.js";
import {
  DatasetSpec,
  flatSpecs,
  isComponent,
  packSpecs,
  type Spec,
  type Structure,
  TensorSpec,
  VARIANT,
} from "./structure.js";

/** What the tracer needs to know of datasets (the Dataset class lives elsewhere). */
export interface DatasetBridge {
  /** A Dataset for a variant tensor of the body (an element that is a dataset). */
  wrap(variant: Tensor, structure: Structure): unknown;
  /** The variant tensor and structure of a Dataset the body returns, else undefined. */
  parts(x: unknown): { variant: Tensor; structure: Structure } | undefined;
}

export interface TracedFunction {
  /** The function's name in the outer graph's library. */
  readonly name: string;
  /** The outer tensors the body uses, in argument order after the element's components. */
  readonly captured: Tensor[];
  /** The structure of the function's result. */
  readonly output: Structure;
}

let traced = 0;

/**
 * Traces `fn` on an element of structure `input` (an array structure is spread into
 * arguments, as TF spreads tuples) and adds the function to `outer`'s library.
 */
export function traceFunction(
  what: string,
  fn: (...args: never[]) => unknown,
  input: Structure,
  outer: Graph,
  bridge: DatasetBridge,
): TracedFunction {
  const base = (fn.name || "lambda").replace(/[^A-Za-z0-9_]/g, "_");
  const name = `${what}_${base}_${traced++}`;
  const g = new Graph();
  g.seed = outer.seed;
  const capturedOuter: Tensor[] = [];
  const capturedInner: Tensor[] = [];
  const captures = new Map<Tensor, Tensor>();
  const placeholder = (dtype: string, shape: unknown, argName: string): Tensor =>
    g.controlDependencies(null, () =>
      g.withControlFlowContext(
        null,
        () =>
          g.createOp(
            "Placeholder",
            [],
            { dtype, shape } as unknown as Record<string, never>,
            argName,
          ).outputs[0],
      ),
    );
  const specs = flatSpecs(input);
  const args = specs.map((s, i) =>
    s instanceof TensorSpec
      ? placeholder(s.dtype, s.shape, `arg${i}`)
      : placeholder(VARIANT, [], `arg${i}`),
  );
  g.captureExternal = (t: Tensor) => {
    let inner = captures.get(t);
    if (!inner) {
      inner = placeholder(t.dtype, t.shape, `captured${capturedOuter.length}`);
      captures.set(t, inner);
      capturedOuter.push(t);
      capturedInner.push(inner);
    }
    return inner;
  };
  const isLeaf = (x: unknown): x is unknown => isComponent(x) || bridge.parts(x) !== undefined;
  let outputs: Tensor[];
  let output: Structure;
  try {
    const result = g.asDefault(() => {
      const element = packSpecs(
        input,
        specs.map((s, i) =>
          s instanceof DatasetSpec ? bridge.wrap(args[i], s.structure) : args[i],
        ),
      );
      const call = fn as (...a: unknown[]) => unknown;
      return Array.isArray(input) ? call(...(element as unknown[])) : call(element);
    });
    if (result === undefined)
      throw new ValueError(`${what}: the function returned nothing; it must return its result`);
    const leaves = flatten(result as Nested<unknown>, isLeaf);
    const outSpecs: Spec[] = [];
    outputs = g.asDefault(() =>
      leaves.map((x) => {
        const ds = bridge.parts(x);
        let t: Tensor;
        if (ds) {
          outSpecs.push(new DatasetSpec(ds.structure));
          t = ds.variant.graph === g ? ds.variant : g.captureExternal!(ds.variant);
        } else {
          t = convertToTensor(x as TensorLike, undefined, undefined, g);
          outSpecs.push(new TensorSpec(t.dtype, t.shape));
        }
        // An argument returned as it is goes through an Identity (a body node to return).
        if (t.op.type === "Placeholder") t = g.createOp("Identity", [t], {}, "Identity").outputs[0];
        return t;
      }),
    );
    output = packAs(result as Nested<unknown>, outSpecs, isLeaf) as Structure;
  } finally {
    g.captureExternal = undefined;
  }
  const argNames = [
    ...args.map((_, i) => `arg${i}`),
    ...capturedInner.map((_, i) => `captured${i}`),
  ];
  const def = graphToFunctionDef(
    g,
    name,
    [...args, ...capturedInner],
    outputs,
    argNames,
    outputs.map((_, i) => `output_${i}`),
  );
  addFunction(g.library, def);
  outer.library.addAll(g.library);
  return { name, captured: capturedOuter, output };
}
