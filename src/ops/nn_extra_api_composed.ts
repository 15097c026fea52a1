// tf.nn convolutions and pooling composed of other ops: atrous_conv2d, separable_conv2d, conv1d,
// convolution (any rank), and pool (any rank, with dilation through space-to-batch).
import { UnimplementedError, ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import {
  avgPool,
  conv2d,
  depthwiseConv2d,
  maxPool,
  type PaddingArg,
  type WindowArg,
} from "./nn_conv.js";
import { expandN, ints, type Padding, padding } from "./nn_extra_api_util.js";
import { avgPool3d, conv3d, maxPool3d } from "./nn_extra_api_window.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "./op_builder.js";

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
