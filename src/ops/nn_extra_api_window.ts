// tf.nn builders of the window ops: 3-D convolution and pooling, max_pool_with_argmax,
// dilation2d / erosion2d, and fractional pooling.
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import type { AttrValue } from "../framework/op_def.js";
import "./nn_extra.js";
import type { WindowArg } from "./nn_conv.js";
import { expandN, ints, type Padding, padding } from "./nn_extra_api_util.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

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
