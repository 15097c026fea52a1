// tf.nn convolutions (conv2d and its backprops, conv2d_transpose, depthwise_conv2d), max and
// average pooling, and bias_add, with their shape functions and gradients. NHWC only.

import { UnimplementedError, ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import {
  type ConvPadding,
  type WindowAttrs,
  windowedOutputSize,
} from "../framework/window_rules.js";
import {
  convertToTensor,
  graphOf,
  isOptionsObject,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";

// ---- Shape functions ----

/** Checks a list(int) attr of 4 positive values with 1 in the batch and depth dimensions. */
function list4(c: ShapeContext, attr: string, what: string): number[] {
  const v = c.attr<number[]>(attr);
  if (v.length !== 4)
    c.fail(`${c.op.type} requires the ${what} attribute to contain 4 values, but got: ${v.length}`);
  if (v.some((x) => !Number.isInteger(x) || x < 1))
    c.fail(`${c.op.type}: ${what} values must be positive integers, got [${v.join(",")}]`);
  if (v[0] !== 1 || v[3] !== 1) {
    c.fail(
      `Current implementation does not yet support ${what}s in the batch and depth dimensions.`,
    );
  }
  return v;
}

/** The window attrs of a conv or pool op, validated (NCHW is an UnimplementedError). */
function windowAttrs(c: ShapeContext): WindowAttrs {
  const format = c.op.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC") {
    throw new UnimplementedError(
      `${c.op.type} '${c.op.name}': only the NHWC data format is supported, got ${format}`,
    );
  }
  const padding = c.attr<string>("padding") as ConvPadding;
  const explicitOk = c.op.def.attrMap.has("explicit_paddings");
  if (padding !== "SAME" && padding !== "VALID" && !(explicitOk && padding === "EXPLICIT")) {
    c.fail(`${c.op.type}: unsupported padding '${padding}'`);
  }
  const explicitPaddings = explicitOk ? c.attr<number[]>("explicit_paddings") : [];
  if (padding === "EXPLICIT") {
    if (explicitPaddings.length !== 8) {
      c.fail(
        `explicit_paddings attribute must contain 8 values, but got: ${explicitPaddings.length}`,
      );
    }
    if (explicitPaddings.some((p) => p < 0))
      c.fail("All elements of explicit_paddings must be nonnegative");
    const [b0, b1, , , , , d0, d1] = explicitPaddings;
    if (b0 || b1 || d0 || d1)
      c.fail("Nonzero explicit padding in the batch or depth dimensions is not supported");
  } else if (explicitPaddings.length > 0) {
    c.fail("explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT");
  }
  const hasDilations = c.op.def.attrMap.has("dilations");
  return {
    strides: list4(c, "strides", "stride"),
    dilations: hasDilations ? list4(c, "dilations", "dilation") : [1, 1, 1, 1],
    padding,
    explicitPaddings,
  };
}

/** [batch, out rows, out cols, channels] of a window op over a rank-4 input. */
function windowOutput(
  x: TensorShape,
  kh: Dim,
  kw: Dim,
  channels: Dim,
  a: WindowAttrs,
): TensorShape {
  const p = a.explicitPaddings;
  const spatial = (size: Dim, k: Dim, i: number): Dim =>
    size === null || k === null
      ? null
      : windowedOutputSize(size, k, a.strides[i], a.dilations[i], a.padding, [
          p[2 * i] ?? 0,
          p[2 * i + 1] ?? 0,
        ]).out;
  return new TensorShape([x.dim(0), spatial(x.dim(1), kh, 1), spatial(x.dim(2), kw, 2), channels]);
}

/** A 1-D sizes input (input_sizes, filter_sizes, orig_input_shape) as a rank-4 shape. */
function sizesShape(c: ShapeContext, i: number, fill?: [Dim, Dim]): TensorShape {
  c.withRank(i, 1);
  const n = c.input(i).dim(0);
  if (n !== null && n !== 4 && !(fill && n === 2))
    c.fail(`${c.op.def.inputs[i].name} must be a vector of 4 elements, got ${n}`);
  const s = c.inputAsShape(i);
  if (s.rank === 2 && fill) return new TensorShape([fill[0], s.dim(0), s.dim(1), fill[1]]);
  return s.rank === 4 ? s : TensorShape.unknownOfRank(4);
}

function mustEqual(c: ShapeContext, a: Dim, b: Dim, message: string): void {
  if (a !== null && b !== null && a !== b) c.fail(`${message} (${a} vs. ${b})`);
}

/** A backprop's out_backprop must have the shape the forward op would have produced. */
function checkOutBackprop(c: ShapeContext, i: number, expected: TensorShape): void {
  const dy = c.withRank(i, 4);
  if (!dy.isCompatibleWith(expected)) {
    c.fail(`out_backprop has shape ${dy}, but the forward op's output shape is ${expected}`);
  }
}

// ---- Gradient helpers ----

/** The shape of `x` as an int32 vector: a constant when static, else a Shape op. */
function shapeOf(x: Tensor): Tensor | NDArray {
  if (x.shape.isFullyDefined) {
    return new NDArray("int32", [x.shape.rank!], Int32Array.from(x.shape.asArray()));
  }
  return makeOp1("Shape", [x], { out_type: "int32" });
}

/** The op's attrs other than its dtype, for the backprop ops that share them. */
function sharedAttrs(op: Operation): Record<string, AttrValue> {
  const { T: _t, ...rest } = op.attrs;
  return rest;
}

// ---- Conv2D family ----

function convFilterDepth(c: ShapeContext, inDepth: Dim, filterDepth: Dim): void {
  mustEqual(c, inDepth, filterDepth, "Depth of input must equal the input depth of the filter");
}

registerOp("Conv2D", {
  shape: (c) => {
    const a = windowAttrs(c);
    const x = c.withRank(0, 4);
    const f = c.withRank(1, 4);
    convFilterDepth(c, x.dim(3), f.dim(2));
    return windowOutput(x, f.dim(0), f.dim(1), f.dim(3), a);
  },
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    const [x, f] = op.inputs;
    const attrs = sharedAttrs(op);
    return [
      makeOp1("Conv2DBackpropInput", [shapeOf(x), f, dy], attrs),
      makeOp1("Conv2DBackpropFilter", [x, shapeOf(f), dy], attrs),
    ];
  },
});

registerOp("Conv2DBackpropInput", {
  shape: (c) => {
    const a = windowAttrs(c);
    const f = c.withRank(1, 4);
    const dy = c.withRank(2, 4);
    const x = sizesShape(c, 0, [dy.dim(0), f.dim(2)]);
    convFilterDepth(c, x.dim(3), f.dim(2));
    mustEqual(c, f.dim(3), dy.dim(3), "The filter's output depth must equal out_backprop's depth");
    checkOutBackprop(c, 2, windowOutput(x, f.dim(0), f.dim(1), f.dim(3), a));
    return x;
  },
  // As TF: d(input_sizes) none; d(filter) = backprop-filter of (dy, out_backprop); d(out_backprop) = conv2d(dy, filter).
  gradient: (op, [dy]) => {
    if (!dy) return [null, null, null];
    const [, f, outBackprop] = op.inputs;
    const attrs = sharedAttrs(op);
    return [
      null,
      makeOp1("Conv2DBackpropFilter", [dy, shapeOf(f), outBackprop], attrs),
      makeOp1("Conv2D", [dy, f], attrs),
    ];
  },
});

registerOp("Conv2DBackpropFilter", {
  shape: (c) => {
    const a = windowAttrs(c);
    const x = c.withRank(0, 4);
    c.withRank(2, 4);
    const f = sizesShape(c, 1);
    convFilterDepth(c, x.dim(3), f.dim(2));
    checkOutBackprop(c, 2, windowOutput(x, f.dim(0), f.dim(1), f.dim(3), a));
    return f;
  },
  gradient: (op, [dy]) => {
    if (!dy) return [null, null, null];
    const [x, , outBackprop] = op.inputs;
    const attrs = sharedAttrs(op);
    return [
      makeOp1("Conv2DBackpropInput", [shapeOf(x), dy, outBackprop], attrs),
      null,
      makeOp1("Conv2D", [x, dy], attrs),
    ];
  },
});

// ---- DepthwiseConv2dNative family: filter [kh, kw, in_channels, multiplier] ----

const times = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : a * b);

registerOp("DepthwiseConv2dNative", {
  shape: (c) => {
    const a = windowAttrs(c);
    const x = c.withRank(0, 4);
    const f = c.withRank(1, 4);
    convFilterDepth(c, x.dim(3), f.dim(2));
    return windowOutput(x, f.dim(0), f.dim(1), times(x.dim(3) ?? f.dim(2), f.dim(3)), a);
  },
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    const [x, f] = op.inputs;
    const attrs = sharedAttrs(op);
    return [
      makeOp1("DepthwiseConv2dNativeBackpropInput", [shapeOf(x), f, dy], attrs),
      makeOp1("DepthwiseConv2dNativeBackpropFilter", [x, shapeOf(f), dy], attrs),
    ];
  },
});

registerOp("DepthwiseConv2dNativeBackpropInput", {
  shape: (c) => {
    const a = windowAttrs(c);
    const f = c.withRank(1, 4);
    c.withRank(2, 4);
    const x = sizesShape(c, 0);
    convFilterDepth(c, x.dim(3), f.dim(2));
    const ch = times(x.dim(3) ?? f.dim(2), f.dim(3));
    checkOutBackprop(c, 2, windowOutput(x, f.dim(0), f.dim(1), ch, a));
    return x;
  },
});

registerOp("DepthwiseConv2dNativeBackpropFilter", {
  shape: (c) => {
    const a = windowAttrs(c);
    const x = c.withRank(0, 4);
    c.withRank(2, 4);
    const f = sizesShape(c, 1);
    convFilterDepth(c, x.dim(3), f.dim(2));
    const ch = times(x.dim(3) ?? f.dim(2), f.dim(3));
    checkOutBackprop(c, 2, windowOutput(x, f.dim(0), f.dim(1), ch, a));
    return f;
  },
});

// ---- Pooling ----

/** The pooled shape of input `i` (ksize and strides must be 1 in the batch and depth dims). */
function poolShape(c: ShapeContext, x: TensorShape): TensorShape {
  const a = windowAttrs(c);
  const k = c.attr<number[]>("ksize");
  if (k.length !== 4)
    c.fail(`${c.op.type} requires the ksize attribute to contain 4 values, but got: ${k.length}`);
  if (k.some((v) => !Number.isInteger(v) || v < 1))
    c.fail(`${c.op.type}: ksize values must be positive integers, got [${k.join(",")}]`);
  if (k[0] !== 1 || k[3] !== 1) {
    throw new UnimplementedError(
      `${c.op.type} '${c.op.name}': pooling over the batch or depth dimension is not supported`,
    );
  }
  return windowOutput(x, k[1], k[2], x.dim(3), a);
}

registerOp("MaxPool", {
  shape: (c) => poolShape(c, c.withRank(0, 4)),
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("MaxPoolGrad", [op.inputs[0], op.outputs[0], dy], sharedAttrs(op))];
  },
});

registerOp("MaxPoolGrad", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = poolShape(c, x);
    checkOutBackprop(c, 1, out);
    checkOutBackprop(c, 2, out);
    return x;
  },
});

registerOp("AvgPool", {
  shape: (c) => poolShape(c, c.withRank(0, 4)),
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("AvgPoolGrad", [shapeOf(op.inputs[0]), dy], sharedAttrs(op))];
  },
});

registerOp("AvgPoolGrad", {
  shape: (c) => {
    const x = sizesShape(c, 0);
    checkOutBackprop(c, 1, poolShape(c, x));
    return x;
  },
  // AvgPoolGrad is linear in its gradient input, and AvgPool is its adjoint.
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    return [null, makeOp1("AvgPool", [dy], sharedAttrs(op))];
  },
});

// ---- BiasAdd ----

function checkBiasFormat(c: ShapeContext): void {
  const format = c.op.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC") {
    throw new UnimplementedError(
      `${c.op.type} '${c.op.name}': only the NHWC data format is supported, got ${format}`,
    );
  }
}

/** BiasAdd's (and BiasAddV1's) output: the input's shape, its last dim merged with the bias's. */
export function biasAddShape(c: ShapeContext): TensorShape {
  const x = c.withRankAtLeast(0, 2);
  const b = c.withRank(1, 1);
  if (x.rank === null) return x;
  const dims = x.asList()!;
  dims[dims.length - 1] = c.mergeDim(dims[dims.length - 1], b.dim(0));
  return new TensorShape(dims);
}

registerOp("BiasAdd", {
  shape: (c) => {
    checkBiasFormat(c);
    return biasAddShape(c);
  },
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    return [dy, makeOp1("BiasAddGrad", [dy], sharedAttrs(op))];
  },
});

registerOp("BiasAddGrad", {
  shape: (c) => {
    checkBiasFormat(c);
    const x = c.withRankAtLeast(0, 2);
    return new TensorShape([x.rank === null ? null : x.dim(x.rank - 1)]);
  },
  // The bias gradient's adjoint broadcasts each channel's value back over the input.
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("BroadcastTo", [dy, shapeOf(op.inputs[0])])];
  },
});

// ---- Builders ----

/** A stride, dilation or window size: one number for both spatial dims, [h, w], or TF's 4-list. */
export type WindowArg = number | readonly number[];
/** "SAME", "VALID", or explicit paddings [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type PaddingArg = "SAME" | "VALID" | "same" | "valid" | readonly (readonly number[])[];
export type DataFormat = "NHWC" | "NCHW";

/** number | [n] | [h, w] | [1, h, w, 1] as the 4-element NHWC list (TF's _get_sequence). */
function expand4(v: WindowArg, what: string): number[] {
  const list = typeof v === "number" ? [v] : [...v];
  if (list.length === 1) return [1, list[0], list[0], 1];
  if (list.length === 2) return [1, list[0], list[1], 1];
  if (list.length === 4) return list;
  throw new ValueError(`${what} should be of length 1, 2 or 4, but was ${list.length}`);
}

function paddingAttrs(p: PaddingArg): { padding: string; explicit_paddings?: number[] } {
  if (typeof p === "string") {
    const up = p.toUpperCase();
    if (up !== "SAME" && up !== "VALID")
      throw new ValueError(`padding must be "SAME", "VALID" or a list of pairs, got '${p}'`);
    return { padding: up };
  }
  if (p.length !== 4 || p.some((pair) => pair.length !== 2)) {
    throw new ValueError(
      "explicit padding must be 4 pairs: [[0, 0], [top, bottom], [left, right], [0, 0]]",
    );
  }
  return { padding: "EXPLICIT", explicit_paddings: p.flat() };
}

export interface Conv2DOptions {
  strides?: WindowArg;
  padding: PaddingArg;
  dilations?: WindowArg;
  dataFormat?: DataFormat;
  name?: string;
}

function convAttrs(o: Conv2DOptions): Record<string, AttrValue | undefined> {
  return {
    strides: expand4(o.strides ?? 1, "strides"),
    dilations: expand4(o.dilations ?? 1, "dilations"),
    data_format: o.dataFormat,
    ...paddingAttrs(o.padding),
  };
}

/** Options of the convolutions besides TF's required strides and padding. */
export interface ConvOptions {
  dilations?: WindowArg;
  dataFormat?: DataFormat;
  name?: string;
}

/**
 * The window arguments in either of the forms a TF user writes: `(strides, padding, options?)`
 * as TF's positional arguments, or one `{ strides, padding, ... }` object (TF's keywords).
 */
function convArgs(
  where: string,
  stridesOrOptions: WindowArg | Conv2DOptions,
  padding: PaddingArg | undefined,
  options: ConvOptions | undefined,
): Conv2DOptions {
  if (isOptionsObject(stridesOrOptions)) return stridesOrOptions as Conv2DOptions;
  if (padding === undefined)
    throw new ValueError(`${where}: padding is required ("SAME", "VALID" or explicit pairs)`);
  return { ...options, strides: stridesOrOptions as WindowArg, padding };
}

/**
 * 2-D convolution (tf.nn.conv2d): input [batch, height, width, in_channels], filter
 * [filter_height, filter_width, in_channels, out_channels]. Called as TF's
 * `conv2d(input, filter, strides, padding, { dilations, dataFormat, name })` or with
 * `{ strides, padding, ... }` in place of the positional strides and padding.
 */
export function conv2d(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg,
  padding: PaddingArg,
  options?: ConvOptions,
): Tensor;
export function conv2d(input: TensorLike, filter: TensorLike, options: Conv2DOptions): Tensor;
export function conv2d(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg | Conv2DOptions,
  padding?: PaddingArg,
  options?: ConvOptions,
): Tensor {
  const o = convArgs("conv2d", strides, padding, options);
  return makeOp1("Conv2D", [input, filter], convAttrs(o), o.name ?? "Conv2D");
}

/** The gradient of conv2d with respect to its input, of shape `inputSizes` (tf.nn.conv2d_backprop_input). */
export function conv2dBackpropInput(
  inputSizes: TensorLike,
  filter: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg,
  padding: PaddingArg,
  options?: ConvOptions,
): Tensor;
export function conv2dBackpropInput(
  inputSizes: TensorLike,
  filter: TensorLike,
  outBackprop: TensorLike,
  options: Conv2DOptions,
): Tensor;
export function conv2dBackpropInput(
  inputSizes: TensorLike,
  filter: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg | Conv2DOptions,
  padding?: PaddingArg,
  options?: ConvOptions,
): Tensor {
  const o = convArgs("conv2dBackpropInput", strides, padding, options);
  return makeOp1("Conv2DBackpropInput", [inputSizes, filter, outBackprop], convAttrs(o), o.name);
}

/** The gradient of conv2d with respect to its filter, of shape `filterSizes` (tf.nn.conv2d_backprop_filter). */
export function conv2dBackpropFilter(
  input: TensorLike,
  filterSizes: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg,
  padding: PaddingArg,
  options?: ConvOptions,
): Tensor;
export function conv2dBackpropFilter(
  input: TensorLike,
  filterSizes: TensorLike,
  outBackprop: TensorLike,
  options: Conv2DOptions,
): Tensor;
export function conv2dBackpropFilter(
  input: TensorLike,
  filterSizes: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg | Conv2DOptions,
  padding?: PaddingArg,
  options?: ConvOptions,
): Tensor {
  const o = convArgs("conv2dBackpropFilter", strides, padding, options);
  return makeOp1("Conv2DBackpropFilter", [input, filterSizes, outBackprop], convAttrs(o), o.name);
}

/**
 * The transpose of conv2d (tf.nn.conv2d_transpose, "deconvolution"): `value` [batch, h, w,
 * in_channels] and filter [fh, fw, output_channels, in_channels] give `outputShape`.
 */
export function conv2dTranspose(
  value: TensorLike,
  filter: TensorLike,
  outputShape: TensorLike,
  strides: WindowArg,
  padding?: PaddingArg,
  options?: ConvOptions,
): Tensor;
export function conv2dTranspose(
  value: TensorLike,
  filter: TensorLike,
  outputShape: TensorLike,
  options: Conv2DOptions,
): Tensor;
export function conv2dTranspose(
  value: TensorLike,
  filter: TensorLike,
  outputShape: TensorLike,
  stridesOrOptions: WindowArg | Conv2DOptions,
  padding: PaddingArg = "SAME",
  options: ConvOptions = {},
): Tensor {
  const o = convArgs("conv2dTranspose", stridesOrOptions, padding, options);
  const g = graphOf([value, filter, outputShape]);
  const v = convertToTensor(value, undefined, undefined, g);
  const f = convertToTensor(filter, v.dtype, undefined, g);
  const vc = v.shape.rank === 4 ? v.shape.dim(3) : null;
  const fc = f.shape.rank === 4 ? f.shape.dim(3) : null;
  if (vc !== null && fc !== null && vc !== fc)
    throw new ValueError(`input channels does not match filter's input channels, ${vc} != ${fc}`);
  const os = convertToTensor(outputShape, "int32", undefined, g);
  if (!os.shape.isCompatibleWith([4]))
    throw new ValueError(`output_shape must have shape (4,), got ${os.shape}`);
  const wanted = graphSizes(os);
  const oc = f.shape.rank === 4 ? f.shape.dim(2) : null;
  if (wanted && oc !== null && wanted[3] !== oc) {
    throw new ValueError(
      `output_shape does not match filter's output channels, ${wanted[3]} != ${oc}`,
    );
  }
  return makeOp1("Conv2DBackpropInput", [os, f, v], convAttrs(o), o.name ?? "conv2d_transpose");
}

/** The constant value of a 1-D int tensor, if known at construction. */
function graphSizes(t: Tensor): number[] | null {
  if (t.op.type !== "Const") return null;
  return Array.from((t.op.attrs.value as NDArray).data as Int32Array, Number);
}

export interface WindowOptions {
  dilations?: WindowArg;
  dataFormat?: DataFormat;
  name?: string;
}

/**
 * Depthwise 2-D convolution (tf.nn.depthwise_conv2d): each input channel is convolved with its
 * own `channel_multiplier` filters; filter [fh, fw, in_channels, channel_multiplier].
 */
export function depthwiseConv2d(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg | DepthwiseOptions,
  padding?: PoolPadding,
  options?: WindowOptions,
): Tensor {
  const o = convArgs("depthwise convolution", strides, padding, options);
  return makeOp1("DepthwiseConv2dNative", [input, filter], convAttrs(o), o.name ?? "depthwise");
}

/** The DepthwiseConv2dNative op itself (tf.nn.depthwise_conv2d_native). */
export function depthwiseConv2dNative(
  input: TensorLike,
  filter: TensorLike,
  strides: WindowArg | DepthwiseOptions,
  padding?: PoolPadding,
  options?: WindowOptions,
): Tensor {
  const o = convArgs("depthwise convolution", strides, padding, options);
  return makeOp1("DepthwiseConv2dNative", [input, filter], convAttrs(o), o.name);
}

/** The gradient of a depthwise convolution with respect to its input (tf.nn.depthwise_conv2d_native_backprop_input). */
export function depthwiseConv2dNativeBackpropInput(
  inputSizes: TensorLike,
  filter: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg | DepthwiseOptions,
  padding?: PoolPadding,
  options?: WindowOptions,
): Tensor {
  const o = convArgs("depthwise convolution", strides, padding, options);
  return makeOp1(
    "DepthwiseConv2dNativeBackpropInput",
    [inputSizes, filter, outBackprop],
    convAttrs(o),
    o.name,
  );
}

/** The gradient of a depthwise convolution with respect to its filter (tf.nn.depthwise_conv2d_native_backprop_filter). */
export function depthwiseConv2dNativeBackpropFilter(
  input: TensorLike,
  filterSizes: TensorLike,
  outBackprop: TensorLike,
  strides: WindowArg | DepthwiseOptions,
  padding?: PoolPadding,
  options?: WindowOptions,
): Tensor {
  const o = convArgs("depthwise convolution", strides, padding, options);
  return makeOp1(
    "DepthwiseConv2dNativeBackpropFilter",
    [input, filterSizes, outBackprop],
    convAttrs(o),
    o.name,
  );
}

/** Depthwise convolutions' keyword form: TF's strides and padding with the other options. */
export interface DepthwiseOptions extends WindowOptions {
  strides: WindowArg;
  padding: PoolPadding;
}

export interface PoolOptions {
  dataFormat?: DataFormat;
  name?: string;
}

type PoolPadding = "SAME" | "VALID" | "same" | "valid";

/** Pooling's keyword form: TF's ksize, strides and padding with the other options. */
export interface PoolKeywordOptions extends PoolOptions {
  ksize: WindowArg;
  strides: WindowArg;
  padding: PoolPadding;
}

/** Pooling's window arguments, given positionally as TF's or as one keyword object. */
function poolArgs(
  ksize: WindowArg | PoolKeywordOptions,
  strides: WindowArg | undefined,
  padding: PoolPadding | undefined,
  options: PoolOptions | undefined,
): PoolKeywordOptions {
  if (isOptionsObject(ksize)) return ksize as PoolKeywordOptions;
  if (strides === undefined || padding === undefined)
    throw new ValueError("pooling needs ksize, strides and padding");
  return { ...options, ksize: ksize as WindowArg, strides, padding };
}

function poolAttrs(
  ksize: WindowArg,
  strides: WindowArg,
  padding: PoolPadding,
  o: PoolOptions,
): Record<string, AttrValue | undefined> {
  const p = paddingAttrs(padding);
  return {
    ksize: expand4(ksize, "ksize"),
    strides: expand4(strides, "strides"),
    padding: p.padding,
    data_format: o.dataFormat,
  };
}

/** Max pooling (tf.nn.max_pool): the maximum of each ksize window of `value` [batch, h, w, c]. */
export function maxPool(
  value: TensorLike,
  ksize: WindowArg | PoolKeywordOptions,
  strides?: WindowArg,
  padding?: PoolPadding,
  options?: PoolOptions,
): Tensor {
  const o = poolArgs(ksize, strides, padding, options);
  return makeOp1(
    "MaxPool",
    [value],
    poolAttrs(o.ksize, o.strides, o.padding, o),
    o.name ?? "MaxPool",
  );
}

/**
 * Average pooling (tf.nn.avg_pool): the mean of each ksize window; with SAME padding a window at
 * the edge averages only the elements inside the input.
 */
export function avgPool(
  value: TensorLike,
  ksize: WindowArg | PoolKeywordOptions,
  strides?: WindowArg,
  padding?: PoolPadding,
  options?: PoolOptions,
): Tensor {
  const o = poolArgs(ksize, strides, padding, options);
  return makeOp1(
    "AvgPool",
    [value],
    poolAttrs(o.ksize, o.strides, o.padding, o),
    o.name ?? "AvgPool",
  );
}

/** The gradient of max pooling: each window's gradient goes to its (first) maximum. */
export function maxPoolGrad(
  origInput: TensorLike,
  origOutput: TensorLike,
  grad: TensorLike,
  ksize: WindowArg | PoolKeywordOptions,
  strides?: WindowArg,
  padding?: PoolPadding,
  options?: PoolOptions,
): Tensor {
  const o = poolArgs(ksize, strides, padding, options);
  return makeOp1(
    "MaxPoolGrad",
    [origInput, origOutput, grad],
    poolAttrs(o.ksize, o.strides, o.padding, o),
    o.name,
  );
}

/** The gradient of average pooling, for an input of shape `origInputShape`. */
export function avgPoolGrad(
  origInputShape: TensorLike,
  grad: TensorLike,
  ksize: WindowArg | PoolKeywordOptions,
  strides?: WindowArg,
  padding?: PoolPadding,
  options?: PoolOptions,
): Tensor {
  const o = poolArgs(ksize, strides, padding, options);
  return makeOp1(
    "AvgPoolGrad",
    [origInputShape, grad],
    poolAttrs(o.ksize, o.strides, o.padding, o),
    o.name,
  );
}

/** Adds the 1-D `bias` to the last dimension of `value` (tf.nn.bias_add). */
export function biasAdd(
  value: TensorLike,
  bias: TensorLike,
  options: { dataFormat?: DataFormat; name?: string } = {},
): Tensor {
  return makeOp1(
    "BiasAdd",
    [value, bias],
    { data_format: options.dataFormat },
    options.name ?? "BiasAdd",
  );
}

/** The gradient of bias_add for the bias: `outBackprop` summed over all but the last dimension. */
export function biasAddGrad(
  outBackprop: TensorLike,
  options: { dataFormat?: DataFormat; name?: string } = {},
): Tensor {
  return makeOp1("BiasAddGrad", [outBackprop], { data_format: options.dataFormat }, options.name);
}
