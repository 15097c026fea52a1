// tf.nn builders of the normalization ops: lrn, l2_normalize (composed), fused_batch_norm,
// batch_norm_with_global_normalization, and bias_add_v1.
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import "./nn_extra.js";
import { ints } from "./nn_extra_api_util.js";
import { convertToTensor, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

// ---- LRN and l2 normalization ----

export interface LrnOptions {
  depthRadius?: number;
  bias?: number;
  alpha?: number;
  beta?: number;
  name?: string;
}

/**
 * Local response normalization (tf.nn.lrn) over the last dimension of a 4-D input:
 * `x / (bias + alpha * sum(x[..., d - r : d + r + 1] ** 2)) ** beta`.
 */
export function lrn(input: TensorLike, options: LrnOptions = {}): Tensor {
  return makeOp1(
    "LRN",
    [input],
    {
      depth_radius: options.depthRadius,
      bias: options.bias,
      alpha: options.alpha,
      beta: options.beta,
    },
    options.name ?? "LRN",
  );
}
export const localResponseNormalization = lrn;

/** x / sqrt(max(sum(x ** 2, axis), epsilon)) (tf.nn.l2_normalize; axis default: all axes). */
export function l2Normalize(
  x: TensorLike,
  axis?: number | readonly number[],
  options: { epsilon?: number; name?: string } = {},
): Tensor {
  const t = convertToTensor(x);
  return t.graph.nameScope(options.name ?? "l2_normalize", (scope) => {
    let axes: Tensor | NDArray;
    if (axis !== undefined) axes = ints(typeof axis === "number" ? [axis] : axis);
    else if (t.shape.rank !== null) axes = ints([...Array(t.shape.rank).keys()]);
    else axes = makeOp1("Range", [0, makeOp1("Rank", [t]), 1]);
    const sum = makeOp1("Sum", [makeOp1("Square", [t]), axes], { keep_dims: true });
    const inv = makeOp1("Rsqrt", [makeOp1("Maximum", [sum, options.epsilon ?? 1e-12])]);
    return t.graph.createOp("Mul", [t, inv], {}, scope.slice(0, -1), { exactName: true })
      .outputs[0];
  });
}

// ---- Batch normalization ops ----

export interface FusedBatchNormOptions {
  /** Population mean and variance: required for inference, ignored in training. */
  mean?: TensorLike;
  variance?: TensorLike;
  epsilon?: number;
  dataFormat?: "NHWC" | "NCHW";
  isTraining?: boolean;
  name?: string;
}

/**
 * Fused batch normalization (tf.nn.fused_batch_norm, a FusedBatchNormV3 op) of a 4-D input:
 * returns [y, batch mean, batch variance]. In training, the batch variance returned is the
 * unbiased one; y is normalized with the biased one.
 */
export function fusedBatchNorm(
  x: TensorLike,
  scale: TensorLike,
  offset: TensorLike,
  options: FusedBatchNormOptions = {},
): [Tensor, Tensor, Tensor] {
  const training = options.isTraining ?? true;
  if (!training && (options.mean === undefined || options.variance === undefined))
    throw new ValueError("fusedBatchNorm: both mean and variance must be given for inference");
  const empty = () => new NDArray("float32", [0], new Float32Array(0));
  // TF raises epsilon to cuDNN's minimum.
  const epsilon = Math.max(options.epsilon ?? 0.001, 1.001e-5);
  const op = makeOp(
    "FusedBatchNormV3",
    [x, scale, offset, options.mean ?? empty(), options.variance ?? empty()],
    { epsilon, data_format: options.dataFormat, is_training: training },
    options.name ?? "FusedBatchNormV3",
  );
  return [op.outputs[0], op.outputs[1], op.outputs[2]];
}

/** (t - m) / sqrt(v + eps) * gamma? + beta (tf.nn.batch_norm_with_global_normalization, deprecated). */
export function batchNormWithGlobalNormalization(
  t: TensorLike,
  m: TensorLike,
  v: TensorLike,
  beta: TensorLike,
  gamma: TensorLike,
  varianceEpsilon: number,
  scaleAfterNormalization: boolean,
  options: { name?: string } = {},
): Tensor {
  return makeOp1(
    "BatchNormWithGlobalNormalization",
    [t, m, v, beta, gamma],
    { variance_epsilon: varianceEpsilon, scale_after_normalization: scaleAfterNormalization },
    options.name,
  );
}

/** BiasAdd without a data format (tf.nn.bias_add_v1). */
export function biasAddV1(
  value: TensorLike,
  bias: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return makeOp1("BiasAddV1", [value, bias], {}, options.name ?? "BiasAddV1");
}
