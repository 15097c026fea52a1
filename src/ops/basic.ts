import { allocData, type DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import {
  getDefaultGraph,
  type Operation,
  type OpLike,
  type Tensor,
  toOperation,
} from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import {
  constOp,
  convertToTensor,
  graphOf,
  makeOp,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";

registerOp("Const", { shape: (c) => (c.attr("value") as NDArray).shape });
registerOp("Placeholder", { shape: (c) => c.attr<TensorShape>("shape") });
registerOp("PlaceholderWithDefault", {
  shape: (c) => {
    const declared = c.attr<TensorShape>("shape");
    if (!declared.isCompatibleWith(c.input(0))) {
      c.fail(
        `Default value of shape ${c.input(0)} is not compatible with the placeholder's shape ${declared}`,
      );
    }
    return declared;
  },
});
registerOp("Identity", { shape: (c) => c.input(0), gradient: (_op, [dy]) => [dy] });
registerOp("IdentityN", {
  shape: (c) => c.op.inputs.map((t) => t.shape),
  gradient: (_op, dys) => dys,
});
registerOp("NoOp", {});
registerOp("StopGradient", { shape: (c) => c.input(0) });

export interface ConstantOptions {
  dtype?: DType;
  /** With a scalar value, the value is repeated to fill the shape; otherwise the value is reshaped. */
  shape?: readonly number[];
  name?: string;
}

/** A constant tensor (tf.constant). JS numbers are float32 unless `dtype` says otherwise. */
export function constant(value: ValueLike, options: ConstantOptions = {}): Tensor {
  let arr = NDArray.from(value, options.dtype);
  if (options.shape) {
    const size = options.shape.reduce((a, b) => a * b, 1);
    if (arr.size === size) arr = new NDArray(arr.dtype, options.shape, arr.data);
    else if (arr.size === 1) {
      // allocData refuses a shape too large for memory (ResourceExhaustedError) before allocating.
      const data = allocData(arr.dtype, size, options.shape);
      (data as { fill(v: unknown): unknown }).fill(arr.data[0]);
      arr = new NDArray(arr.dtype, options.shape, data);
    } else {
      throw new ValueError(
        `Value of ${arr.size} elements cannot be made into a constant of shape [${options.shape.join(",")}]`,
      );
    }
  }
  return constOp(arr, getDefaultGraph(), options.name);
}

/** A tensor whose value must be fed to `sess.run` (tf.placeholder). Dims may be null. */
export function placeholder(dtype: DType, shape?: ShapeLike, name?: string): Tensor {
  return getDefaultGraph().createOp(
    "Placeholder",
    [],
    { dtype, shape: TensorShape.from(shape) },
    name ?? "Placeholder",
  ).outputs[0];
}

/** A placeholder that takes `input`'s value when not fed (tf.placeholder_with_default). */
export function placeholderWithDefault(
  input: TensorLike,
  shape?: ShapeLike,
  name?: string,
): Tensor {
  const g = graphOf([input]);
  const t = convertToTensor(input, undefined, undefined, g);
  const declared = shape === undefined ? t.shape : TensorShape.from(shape);
  return makeOp1("PlaceholderWithDefault", [t], { shape: declared }, name);
}

/** The same value, as a new tensor (tf.identity). */
export function identity(input: TensorLike, name?: string): Tensor {
  return makeOp1("Identity", [input], {}, name);
}

/** The same values, as one op with several outputs (tf.identity_n). */
export function identityN(inputs: readonly TensorLike[], name?: string): Tensor[] {
  return [...makeOp("IdentityN", [inputs], {}, name).outputs];
}

/** The same value, through which no gradient flows (tf.stop_gradient). */
export function stopGradient(input: TensorLike, name?: string): Tensor {
  return makeOp1("StopGradient", [input], {}, name);
}

/** An op that does nothing; useful with control dependencies (tf.no_op). */
export function noOp(name?: string): Operation {
  return getDefaultGraph().createOp("NoOp", [], {}, name ?? "NoOp");
}

/** One op that runs after all of `inputs` (tf.group). */
export function group(inputs: readonly OpLike[], name?: string): Operation {
  const ops = inputs.map(toOperation);
  const g = ops[0]?.graph ?? getDefaultGraph();
  return g.controlDependencies(ops, () => g.createOp("NoOp", [], {}, name ?? "group_deps"));
}
