// tf.nn builders of the nn_extra ops (LRN, 3-D convolution and pooling, max_pool_with_argmax,
// fused batch norm, dilation2d ...) and the composed ones (l2_normalize, conv1d, convolution,
// pool, atrous_conv2d, separable_conv2d). Exported under tf.nn only (from nn.ts).
import { UnimplementedError, ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import "./nn_extra.js";
import {
  avgPool,
  conv2d,
  depthwiseConv2d,
  maxPool,
  type PaddingArg,
  type WindowArg,
} from "./nn_conv.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

type Padding = "SAME" | "VALID" | "same" | "valid";

function padding(p: Padding): "SAME" | "VALID" {
  const up = p.toUpperCase();
  if (up !== "SAME" && up !== "VALID")
    throw new ValueError(`padding must be "SAME" or "VALID", got '${p}'`);
  return up;
}

/** number | [n] | [spatial...] | the full (rank + 2)-list, as the full list (TF's _get_sequence). */
function expandN(v: WindowArg, rank: number, what: string): number[] {
  const list = typeof v === "number" ? [v] : [...v];
  if (list.length === 1) return [1, ...Array<number>(rank).fill(list[0]), 1];
  if (list.length === rank) return [1, ...list, 1];
  if (list.length === rank + 2) return list;
  throw new ValueError(
    `${what} should be of length 1, ${rank} or ${rank + 2}, but was ${list.length}`,
  );
}

const ints = (v: readonly number[]) => new NDArray("int32", [v.length], Int32Array.from(v));

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

// ---- 3-D convolution and pooling (NDHWC) ----

export interface Conv3DOptions {
  dataFormat?: "NDHWC" | "NCDHW";
  dilations?: WindowArg;
  name?: string;
}

function conv3dAttrs(
  strides: WindowArg,
  pad: Padding,
  o: Conv3DOptions,
): Record<string, AttrValue | undefined> {
  return {
    strides: expandN(strides, 3, "strides"),
    padding: padding(pad),
    data_format: o.dataFormat,
    dilations: expandN(o.dilations ?? 1, 3, "dilations"),
  };
}

/** 3-D convolution (tf.nn.conv3d): input [n, d, h, w, ic], filter [kd, kh, kw, ic, oc]. */
export function conv3d(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg,
  pad: Padding,
  options: Conv3DOptions = {},
): Tensor {
  return makeOp1(
    "Conv3D",
    [input, filter],
    conv3dAttrs(strides, pad, options),
    options.name ?? "Conv3D",
  );
}

/** The gradient of conv3d with respect to its filter, of shape `filterSizes` (tf.nn.conv3d_backprop_filter_v2). */
export function conv3dBackpropFilterV2(
  input: TensorLike,
  filterSizes: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg,
  pad: Padding,
  options: Conv3DOptions = {},
): Tensor {
  return makeOp1(
    "Conv3DBackpropFilterV2",
    [input, filterSizes, outBackprop],
    conv3dAttrs(strides, pad, options),
    options.name,
  );
}

/** The transpose of conv3d (tf.nn.conv3d_transpose): filter [kd, kh, kw, output_channels, in_channels]. */
export function conv3dTranspose(
  value: TensorLike,
  filter: TensorLike,
  outputShape: TensorLike,
  strides: WindowArg,
  pad: Padding = "SAME",
  options: Conv3DOptions = {},
): Tensor {
  const g = graphOf([value, filter, outputShape]);
  const os = convertToTensor(outputShape, "int32", undefined, g);
  if (!os.shape.isCompatibleWith([5]))
    throw new ValueError(`output_shape must have shape (5,), got ${os.shape}`);
  return makeOp1(
    "Conv3DBackpropInputV2",
    [os, filter, value],
    conv3dAttrs(strides, pad, options),
    options.name ?? "conv3d_transpose",
  );
}

export interface Pool3DOptions {
  dataFormat?: "NDHWC" | "NCDHW";
  name?: string;
}

function pool3d(
  type: string,
  input: TensorLike,
  ksize: WindowArg,
  strides: WindowArg,
  pad: Padding,
  o: Pool3DOptions,
): Tensor {
  return makeOp1(
    type,
    [input],
    {
      ksize: expandN(ksize, 3, "ksize"),
      strides: expandN(strides, 3, "strides"),
      padding: padding(pad),
      data_format: o.dataFormat,
    },
    o.name ?? type,
  );
}

/** 3-D max pooling (tf.nn.max_pool3d) of input [n, d, h, w, c]. */
export function maxPool3d(
  input: TensorLike,
  ksize: WindowArg,
  strides: WindowArg,
  pad: Padding,
  options: Pool3DOptions = {},
): Tensor {
  return pool3d("MaxPool3D", input, ksize, strides, pad, options);
}

/** 3-D average pooling (tf.nn.avg_pool3d); padded positions are not counted. */
export function avgPool3d(
  input: TensorLike,
  ksize: WindowArg,
  strides: WindowArg,
  pad: Padding,
  options: Pool3DOptions = {},
): Tensor {
  return pool3d("AvgPool3D", input, ksize, strides, pad, options);
}

// ---- Max pooling with argmax, dilation2d ----

export interface MaxPoolWithArgmaxOptions {
  /** The argmax dtype (TF's Targmax / output_dtype; default int64). */
  outputDtype?: "int32" | "int64";
  includeBatchInIndex?: boolean;
  name?: string;
}

/**
 * Max pooling that also returns the flat index of each maximum (tf.nn.max_pool_with_argmax):
 * `((b * height + y) * width + x) * channels + c`, with `b` only when includeBatchInIndex.
 */
export function maxPoolWithArgmax(
  input: TensorLike,
  ksize: WindowArg,
  strides: WindowArg,
  pad: Padding,
  options: MaxPoolWithArgmaxOptions = {},
): [Tensor, Tensor] {
  const op = makeOp(
    "MaxPoolWithArgmax",
    [input],
    {
      ksize: expandN(ksize, 2, "ksize"),
      strides: expandN(strides, 2, "strides"),
      padding: padding(pad),
      Targmax: options.outputDtype,
      include_batch_in_index: options.includeBatchInIndex,
    },
    options.name ?? "MaxPoolWithArgmax",
  );
  return [op.outputs[0], op.outputs[1]];
}

/** Grayscale morphological dilation (tf.nn.dilation2d): filter [fh, fw, depth]. */
export function dilation2d(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg,
  rates: WindowArg,
  pad: Padding,
  options: { name?: string } = {},
): Tensor {
  return makeOp1(
    "Dilation2D",
    [input, filter],
    {
      strides: expandN(strides, 2, "strides"),
      rates: expandN(rates, 2, "rates"),
      padding: padding(pad),
    },
    options.name ?? "dilation2d",
  );
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

// ---- Composed convolutions ----

/** 2-D convolution with holes (tf.nn.atrous_conv2d): conv2d with dilations [1, rate, rate, 1]. */
export function atrousConv2d(
  value: TensorLike,
  filters: TensorLike,
  rate: number,
  pad: Padding,
  options: { name?: string } = {},
): Tensor {
  if (!Number.isInteger(rate) || rate < 1)
    throw new ValueError(`rate must be a positive integer, got ${rate}`);
  return conv2d(value, filters, { padding: pad, dilations: rate, name: options.name });
}

/**
 * Depthwise convolution followed by a 1x1 pointwise convolution (tf.nn.separable_conv2d):
 * depthwise filter [fh, fw, in_channels, multiplier], pointwise [1, 1, in * multiplier, out].
 */
export function separableConv2d(
  input: TensorLike,
  depthwiseFilter: TensorLike,
  pointwiseFilter: TensorLike,
  strides: WindowArg,
  pad: Padding,
  options: { rate?: WindowArg; dataFormat?: "NHWC"; name?: string } = {},
): Tensor {
  const g = graphOf([input, depthwiseFilter, pointwiseFilter]);
  const pw = convertToTensor(pointwiseFilter, undefined, undefined, g);
  const dw = convertToTensor(depthwiseFilter, undefined, undefined, g);
  if (pw.shape.rank === 4) {
    const [a, b] = [pw.shape.dim(0), pw.shape.dim(1)];
    if ((a !== null && a !== 1) || (b !== null && b !== 1))
      throw new ValueError(`pointwise filter must be [1, 1, in, out], got ${pw.shape}`);
    const want =
      dw.shape.rank === 4 && dw.shape.dim(2) !== null && dw.shape.dim(3) !== null
        ? dw.shape.dim(2)! * dw.shape.dim(3)!
        : null;
    const got = pw.shape.dim(2);
    if (want !== null && got !== null && want !== got)
      throw new ValueError(
        `pointwise filter's input channels (${got}) must be the depthwise output channels (${want})`,
      );
  }
  return g.nameScope(options.name ?? "separable_conv2d", () => {
    const depthwise = depthwiseConv2d(input, dw, strides, pad, {
      dilations: options.rate,
      name: "depthwise",
    });
    return conv2d(depthwise, pw, { padding: "VALID", name: "pointwise" });
  });
}

export interface Conv1DOptions {
  dataFormat?: "NWC";
  dilations?: number;
  name?: string;
}

/** 1-D convolution (tf.nn.conv1d): value [batch, width, in], filters [fw, in, out]; via conv2d. */
export function conv1d(
  value: TensorLike,
  filters: TensorLike,
  stride: number | readonly number[],
  pad: PaddingArg,
  options: Conv1DOptions = {},
): Tensor {
  const g = graphOf([value, filters]);
  const s = typeof stride === "number" ? stride : stride.length === 3 ? stride[1] : stride[0];
  return g.nameScope(options.name ?? "conv1d", () => {
    const x = makeOp1("ExpandDims", [value, 1], {}, "ExpandDims");
    const f = makeOp1("ExpandDims", [filters, 0], {}, "ExpandDims_1");
    const y = conv2d(x, f, {
      strides: [1, s],
      padding: typeof pad === "string" ? pad : [[0, 0], [0, 0], ...pad.slice(1)],
      dilations: [1, options.dilations ?? 1],
      name: "Conv2D",
    });
    return makeOp1("Squeeze", [y], { squeeze_dims: [1] }, "Squeeze");
  });
}

/** The static rank of a tensor-like; convolution and pool dispatch on it. */
function rankOf(x: Tensor, what: string): number {
  const r = x.shape.rank;
  if (r === null) throw new ValueError(`${what}: the input's rank must be known`);
  return r;
}

/**
 * N-D convolution (tf.nn.convolution) dispatched on the input's rank: 3 (conv1d), 4 (conv2d) or
 * 5 (conv3d), with strides and dilation rates per spatial dimension.
 */
export function convolution(
  input: TensorLike,
  filter: TensorLike,
  pad: Padding,
  options: {
    strides?: WindowArg;
    dilationRate?: WindowArg;
    dataFormat?: string;
    name?: string;
  } = {},
): Tensor {
  const x = convertToTensor(input);
  const n = rankOf(x, "convolution") - 2;
  if (options.dataFormat !== undefined && !["NWC", "NHWC", "NDHWC"].includes(options.dataFormat))
    throw new UnimplementedError(`convolution: only channels-last data formats are supported`);
  const strides = expandN(options.strides ?? 1, n, "strides").slice(1, n + 1);
  const rates = expandN(options.dilationRate ?? 1, n, "dilation_rate").slice(1, n + 1);
  if (strides.some((s) => s > 1) && rates.some((r) => r > 1))
    throw new ValueError(
      "convolution: strides > 1 not supported in conjunction with dilation_rate > 1",
    );
  const name = options.name ?? "convolution";
  if (n === 1) return conv1d(x, filter, strides[0], pad, { dilations: rates[0], name });
  if (n === 2) return conv2d(x, filter, { strides, padding: pad, dilations: rates, name });
  if (n === 3) return conv3d(x, filter, strides, pad, { dilations: rates, name });
  throw new ValueError(`convolution: input must be of rank 3, 4 or 5, got ${n + 2}`);
}

/**
 * TF's with_space_to_batch for a dilated window op: pads (SAME: around the dilated window; then
 * up to a multiple of the rate), moves the rate's phases into the batch, applies `op` (VALID,
 * undilated), and moves them back, cropping the extra padding.
 */
function withSpaceToBatch(
  x: Tensor,
  window: readonly number[],
  rates: number[],
  pad: "SAME" | "VALID",
  op: (t: Tensor) => Tensor,
): Tensor {
  const n = rates.length;
  const sizes = Array.from({ length: n }, (_, i) => x.shape.dim(i + 1));
  if (sizes.some((d) => d === null))
    throw new UnimplementedError("pool: dilation_rate > 1 needs static spatial dimensions");
  const paddings: number[] = [];
  const crops: number[] = [];
  for (let i = 0; i < n; i++) {
    const extra = pad === "SAME" ? (window[i] - 1) * rates[i] : 0;
    const start = Math.floor(extra / 2);
    const full = sizes[i]! + extra;
    const endExtra = (rates[i] - (full % rates[i])) % rates[i];
    paddings.push(start, extra - start + endExtra);
    crops.push(0, endExtra);
  }
  const pairs = (v: number[]) => new NDArray("int32", [n, 2], Int32Array.from(v));
  const batched = makeOp1("SpaceToBatchND", [x, ints(rates), pairs(paddings)]);
  return makeOp1("BatchToSpaceND", [op(batched), ints(rates), pairs(crops)]);
}

/**
 * N-D pooling (tf.nn.pool): "MAX" or "AVG" over windows of `windowShape`, for inputs of rank 3, 4
 * or 5 (channels last). With dilationRate > 1 it pools the space-to-batch form of the input, as
 * TF's with_space_to_batch (with SAME padding the zero padding takes part, as in TF).
 */
export function pool(
  input: TensorLike,
  windowShape: readonly number[],
  poolingType: "MAX" | "AVG",
  pad: Padding,
  options: {
    dilationRate?: WindowArg;
    strides?: WindowArg;
    dataFormat?: string;
    name?: string;
  } = {},
): Tensor {
  const x = convertToTensor(input);
  const n = rankOf(x, "pool") - 2;
  if (windowShape.length !== n)
    throw new ValueError(`pool: window_shape must have ${n} elements, got ${windowShape.length}`);
  if (poolingType !== "MAX" && poolingType !== "AVG")
    throw new ValueError(`pool: pooling_type must be "MAX" or "AVG", got '${poolingType}'`);
  if (options.dataFormat !== undefined && !["NWC", "NHWC", "NDHWC"].includes(options.dataFormat))
    throw new UnimplementedError(`pool: only channels-last data formats are supported`);
  const strides = expandN(options.strides ?? 1, n, "strides").slice(1, n + 1);
  const rates = expandN(options.dilationRate ?? 1, n, "dilation_rate").slice(1, n + 1);
  const name = options.name ?? (poolingType === "MAX" ? "max_pool" : "avg_pool");
  if (rates.some((r) => r > 1)) {
    if (strides.some((st) => st > 1))
      throw new ValueError("pool: strides > 1 not supported in conjunction with dilation_rate > 1");
    return x.graph.nameScope(name, () =>
      withSpaceToBatch(x, windowShape, rates, padding(pad), (t) =>
        pool(t, windowShape, poolingType, "VALID"),
      ),
    );
  }
  const max = poolingType === "MAX";
  if (n === 1) {
    return x.graph.nameScope(name, () => {
      const x2 = makeOp1("ExpandDims", [x, 1]);
      const k = [1, windowShape[0]];
      const s = [1, strides[0]];
      const y = max ? maxPool(x2, k, s, pad) : avgPool(x2, k, s, pad);
      return makeOp1("Squeeze", [y], { squeeze_dims: [1] });
    });
  }
  if (n === 2) return (max ? maxPool : avgPool)(x, [...windowShape], strides, pad, { name });
  if (n === 3) return (max ? maxPool3d : avgPool3d)(x, [...windowShape], strides, pad, { name });
  throw new ValueError(`pool: input must be of rank 3, 4 or 5, got ${n + 2}`);
}

// ---- Fractional pooling ----

export interface FractionalPoolOptions {
  /** Pseudo-random (true) or random (false, default) region boundaries. */
  pseudoRandom?: boolean;
  /** Neighbouring regions share their boundary row/column. */
  overlapping?: boolean;
  /** The same regions on every run (seeded by seed/seed2, random seeds when both are 0). */
  deterministic?: boolean;
  seed?: number;
  seed2?: number;
  name?: string;
}

/** A pooling ratio: one number for rows and columns, [rows, cols], or TF's 4-list. */
function ratio4(r: number | readonly number[]): number[] {
  const list = typeof r === "number" ? [r] : [...r];
  if (list.length === 1) return [1, list[0], list[0], 1];
  if (list.length === 2) return [1, list[0], list[1], 1];
  if (list.length === 4) return list;
  throw new ValueError(`pooling_ratio should be of length 1, 2 or 4, but was ${list.length}`);
}

function fractional(
  type: string,
  value: TensorLike,
  poolingRatio: number | readonly number[],
  o: FractionalPoolOptions,
): [Tensor, Tensor, Tensor] {
  const op = makeOp(
    type,
    [value],
    {
      pooling_ratio: ratio4(poolingRatio),
      pseudo_random: o.pseudoRandom,
      overlapping: o.overlapping,
      deterministic: o.deterministic,
      seed: o.seed,
      seed2: o.seed2,
    },
    o.name ?? type,
  );
  return [op.outputs[0], op.outputs[1], op.outputs[2]];
}

/**
 * Fractional max pooling (tf.nn.fractional_max_pool): output rows = floor(rows / ratio), each the
 * max of a randomly sized region; returns [output, row_pooling_sequence, col_pooling_sequence].
 */
export function fractionalMaxPool(
  value: TensorLike,
  poolingRatio: number | readonly number[],
  options: FractionalPoolOptions = {},
): [Tensor, Tensor, Tensor] {
  return fractional("FractionalMaxPool", value, poolingRatio, options);
}

/** Fractional average pooling (tf.nn.fractional_avg_pool); returns [output, row seq, col seq]. */
export function fractionalAvgPool(
  value: TensorLike,
  poolingRatio: number | readonly number[],
  options: FractionalPoolOptions = {},
): [Tensor, Tensor, Tensor] {
  return fractional("FractionalAvgPool", value, poolingRatio, options);
}

// ---- CTC loss ----

/** Sparse labels: indices [num_labels, 2] (batch, time) in row-major order and their values. */
export interface SparseLabels {
  indices: TensorLike;
  values: TensorLike;
}

export interface CtcLossOptions {
  preprocessCollapseRepeated?: boolean;
  ctcMergeRepeated?: boolean;
  ignoreLongerOutputsThanInputs?: boolean;
  /** inputs are [max_time, batch, classes] (default) or, when false, [batch, max_time, classes]. */
  timeMajor?: boolean;
  name?: string;
}

/**
 * Connectionist temporal classification loss (tf.nn.ctc_loss, TF1 signature): per batch entry,
 * -log p(labels | softmax(inputs)), the blank being the last class. `labels` is sparse (a
 * SparseTensor or its indices and values: int64 indices, int32 values).
 */
export function ctcLoss(
  labels: SparseLabels,
  inputs: TensorLike,
  sequenceLength: TensorLike,
  options: CtcLossOptions = {},
): Tensor {
  const g = graphOf([labels.indices, labels.values, inputs, sequenceLength]);
  let x = convertToTensor(inputs, undefined, undefined, g);
  return g.nameScope(options.name ?? "CTCLoss", (scope) => {
    if (options.timeMajor === false) x = makeOp1("Transpose", [x, ints([1, 0, 2])]);
    const idx = convertToTensor(labels.indices, "int64", undefined, g);
    const vals = makeOp1("Cast", [labels.values], { DstT: "int32" });
    const len = convertToTensor(sequenceLength, "int32", undefined, g);
    const op = g.createOp(
      "CTCLoss",
      [x, idx, vals, len],
      {
        preprocess_collapse_repeated: options.preprocessCollapseRepeated ?? false,
        ctc_merge_repeated: options.ctcMergeRepeated ?? true,
        ignore_longer_outputs_than_inputs: options.ignoreLongerOutputsThanInputs ?? false,
      },
      scope.slice(0, -1),
      { exactName: true },
    );
    return op.outputs[0];
  });
}

/**
 * Grayscale morphological erosion (tf.nn.erosion2d): the dual of dilation2d,
 * -dilation2d(-value, kernel mirrored in both spatial dims); kernel [kh, kw, depth].
 */
export function erosion2d(
  value: TensorLike,
  kernel: TensorLike,
  strides: WindowArg,
  rates: WindowArg,
  pad: Padding,
  options: { name?: string } = {},
): Tensor {
  const g = graphOf([value, kernel]);
  return g.nameScope(options.name ?? "erosion2d", () => {
    const mirrored = makeOp1("ReverseV2", [kernel, ints([0, 1])]);
    const d = dilation2d(makeOp1("Neg", [value]), mirrored, strides, rates, pad);
    return makeOp1("Neg", [d]);
  });
}

/** A decoded batch of label sequences in sparse form (a SparseTensor's parts). */
export type DecodedSparse = { indices: Tensor; values: Tensor; denseShape: Tensor };

/**
 * Greedy CTC decoding (tf.nn.ctc_greedy_decoder): the most likely class at each step, blanks
 * (the last class) removed and, with mergeRepeated (default true), repeats merged. Returns
 * [[decoded], negSumLogits] with negSumLogits [batch, 1] = -(sum over steps of the max input).
 */
export function ctcGreedyDecoder(
  inputs: TensorLike,
  sequenceLength: TensorLike,
  mergeRepeated = true,
  options: { name?: string } = {},
): [[DecodedSparse], Tensor] {
  const op = makeOp(
    "CTCGreedyDecoder",
    [inputs, sequenceLength],
    { merge_repeated: mergeRepeated },
    options.name ?? "CTCGreedyDecoder",
  );
  const [indices, values, denseShape, logProb] = op.outputs;
  return [[{ indices, values, denseShape }], logProb];
}

/**
 * Beam-search CTC decoding (tf.nn.ctc_beam_search_decoder): the `topPaths` most likely label
 * sequences under softmax(inputs) (blank = last class). Returns [decoded (one sparse result per
 * path), log probabilities [batch, topPaths]]. With mergeRepeated (default true), adjacent equal
 * labels of a path are merged in the output, as TF.
 */
export function ctcBeamSearchDecoder(
  inputs: TensorLike,
  sequenceLength: TensorLike,
  beamWidth = 100,
  topPaths = 1,
  mergeRepeated = true,
  options: { name?: string } = {},
): [DecodedSparse[], Tensor] {
  const op = makeOp(
    "CTCBeamSearchDecoder",
    [inputs, sequenceLength],
    { beam_width: beamWidth, top_paths: topPaths, merge_repeated: mergeRepeated },
    options.name ?? "CTCBeamSearchDecoder",
  );
  const o = op.outputs;
  const decoded = Array.from({ length: topPaths }, (_, p) => ({
    indices: o[p],
    values: o[topPaths + p],
    denseShape: o[2 * topPaths + p],
  }));
  return [decoded, o[3 * topPaths]];
}
