// More 2-D nn ops: MaxPoolV2 (window as tensors), the max-pool gradients' own gradients,
// MaxPoolWithArgmax and its gradients, Dilation2D and its backprops, LRN, BiasAddV1: shape
// functions and gradients.
import { registerGradient, registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { windowedOutputSize } from "../framework/window_rules.js";
import { biasAddShape } from "./nn_conv.js"; // MaxPool, MaxPoolGrad and BiasAdd are registered first
import {
  attrsWithout,
  backpropShapes,
  checkCompatible,
  mustEqual,
  type NdWindow,
  ndWindowAttrs,
  ndWindowOutput,
  requireChannelsLast,
  spatialList,
  zerosLike,
} from "./nn_extra_window.js";
import { makeOp1 } from "./op_builder.js";

const noT = (op: Parameters<typeof attrsWithout>[0]) => attrsWithout(op, "T", "Targmax");

// ---- Max pooling with the window in attrs (MaxPoolGradGrad) or in tensors (the V2 ops) ----

function pool2dOut(c: ShapeContext, x: TensorShape): TensorShape {
  const w = ndWindowAttrs(c, 2);
  return ndWindowOutput(x, spatialList(c, "ksize", 2, "ksize"), x.dim(3), w);
}

/** The spatial ksize and strides of a V2 op when its ksize/strides inputs are constants. */
function v2Window(c: ShapeContext, ki: number): { k: number[]; w: NdWindow } | null {
  requireChannelsLast(c);
  const padding = c.attr<string>("padding");
  if (padding !== "SAME" && padding !== "VALID")
    c.fail(`${c.op.type}: padding must be SAME or VALID, got '${padding}'`);
  c.withRank(ki, 1);
  c.withRank(ki + 1, 1);
  const kv = c.inputValue(ki);
  const sv = c.inputValue(ki + 1);
  if (!kv || !sv) return null;
  const k = Array.from(kv.data as Int32Array, Number);
  const s = Array.from(sv.data as Int32Array, Number);
  if (k.length !== 4 || s.length !== 4)
    c.fail(`${c.op.type}: ksize and strides must have 4 elements, got ${k.length} and ${s.length}`);
  if (k.some((v) => v < 1) || s.some((v) => v < 1))
    c.fail(`${c.op.type}: ksize and strides must be positive`);
  if (k[0] !== 1 || k[3] !== 1 || s[0] !== 1 || s[3] !== 1)
    c.fail(`${c.op.type}: pooling over the batch or depth dimension is not supported`);
  return { k: k.slice(1, 3), w: { strides: s.slice(1, 3), dilations: [1, 1], padding } };
}

function poolV2Out(c: ShapeContext, x: TensorShape, ki: number): TensorShape {
  const win = v2Window(c, ki);
  if (!win) return new TensorShape([x.dim(0), null, null, x.dim(3)]);
  return ndWindowOutput(x, win.k, x.dim(3), win.w);
}

registerOp("MaxPoolV2", {
  shape: (c) => poolV2Out(c, c.withRank(0, 4), 1),
  gradient: (op, [dy]) => {
    if (!dy) return [null, null, null];
    const [x, k, s] = op.inputs;
    return [makeOp1("MaxPoolGradV2", [x, op.outputs[0], dy, k, s], noT(op)), null, null];
  },
});

registerOp("MaxPoolGradV2", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = poolV2Out(c, x, 3);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, out);
    return x;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null, null, null];
    const [x, y, , k, s] = op.inputs;
    const gg = makeOp1("MaxPoolGradGradV2", [x, y, g, k, s], noT(op));
    return [zerosLike(x), zerosLike(y), gg, null, null];
  },
});

registerOp("MaxPoolGradGradV2", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = poolV2Out(c, x, 3);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, x);
    return out;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null, null, null];
    const [x, y, , k, s] = op.inputs;
    const gg = makeOp1("MaxPoolGradV2", [x, y, g, k, s], noT(op));
    return [zerosLike(x), zerosLike(y), gg, null, null];
  },
});

registerOp("MaxPoolGradGrad", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = pool2dOut(c, x);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, x);
    return out;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, y] = op.inputs;
    return [zerosLike(x), zerosLike(y), makeOp1("MaxPoolGrad", [x, y, g], noT(op))];
  },
});

// MaxPoolGrad is declared in nn_conv.ts; its gradient (TF's _MaxPoolGradGrad) lives here.
registerGradient("MaxPoolGrad", (op, [g]) => {
  if (!g) return [null, null, null];
  const [x, y] = op.inputs;
  return [zerosLike(x), zerosLike(y), makeOp1("MaxPoolGradGrad", [x, y, g], noT(op))];
});

// ---- MaxPoolWithArgmax: argmax is the flat index ((b * h + y) * w + x) * c + ch (b only when
// include_batch_in_index) ----

registerOp("MaxPoolWithArgmax", {
  shape: (c) => {
    const out = pool2dOut(c, c.withRank(0, 4));
    return [out, out];
  },
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("MaxPoolGradWithArgmax", [op.inputs[0], dy, op.outputs[1]], noT(op))];
  },
});

registerOp("MaxPoolGradWithArgmax", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = pool2dOut(c, x);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, out);
    return x;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, , argmax] = op.inputs;
    return [zerosLike(x), makeOp1("MaxPoolGradGradWithArgmax", [x, g, argmax], noT(op)), null];
  },
});

registerOp("MaxPoolGradGradWithArgmax", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const out = pool2dOut(c, x);
    checkCompatible(c, 1, x);
    checkCompatible(c, 2, out);
    return out;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, , argmax] = op.inputs;
    return [zerosLike(x), makeOp1("MaxPoolGradWithArgmax", [x, g, argmax], noT(op)), null];
  },
});

// ---- Dilation2D (grayscale morphological dilation): filter [fh, fw, depth] ----

function dilationOut(c: ShapeContext, x: TensorShape, f: TensorShape): TensorShape {
  const strides = spatialList(c, "strides", 2, "stride");
  const rates = spatialList(c, "rates", 2, "rate");
  const padding = c.attr<string>("padding");
  if (padding !== "SAME" && padding !== "VALID")
    c.fail(`${c.op.type}: padding must be SAME or VALID, got '${padding}'`);
  mustEqual(c, x.dim(3), f.dim(2), "Input depth must equal the filter depth");
  const spatial = (i: number): Dim => {
    const size = x.dim(i + 1);
    const k = f.dim(i);
    return size === null || k === null
      ? null
      : windowedOutputSize(size, k, strides[i], rates[i], padding).out;
  };
  return new TensorShape([x.dim(0), spatial(0), spatial(1), x.dim(3) ?? f.dim(2)]);
}

registerOp("Dilation2D", {
  shape: (c) => dilationOut(c, c.withRank(0, 4), c.withRank(1, 3)),
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    const [x, f] = op.inputs;
    const a = noT(op);
    return [
      makeOp1("Dilation2DBackpropInput", [x, f, dy], a),
      makeOp1("Dilation2DBackpropFilter", [x, f, dy], a),
    ];
  },
});
const dilationBackprop = backpropShapes(4, 3, dilationOut);
registerOp("Dilation2DBackpropInput", { shape: dilationBackprop.input });
registerOp("Dilation2DBackpropFilter", { shape: dilationBackprop.filter });

// ---- LRN: out = x / (bias + alpha * sum of squares over nearby channels) ** beta ----

registerOp("LRN", {
  shape: (c) => c.withRank(0, 4),
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("LRNGrad", [dy, op.inputs[0], op.outputs[0]], noT(op))];
  },
});
registerOp("LRNGrad", {
  shape: (c) => {
    let s = c.withRank(0, 4);
    for (const i of [1, 2]) {
      const o = c.withRank(i, 4);
      if (!s.isCompatibleWith(o)) c.fail(`LRNGrad: input shapes must match: ${s} vs. ${o}`);
      s = s.mergeWith(o);
    }
    return s;
  },
});

// ---- BiasAddV1: BiasAdd without data_format ----

registerOp("BiasAddV1", {
  shape: biasAddShape,
  gradient: (_op, [dy]) => {
    if (!dy) return [null, null];
    return [dy, makeOp1("BiasAddGrad", [dy])];
  },
});
