// Kernels of the 2-D window extras: MaxPoolV2 and the max-pool gradient variants (V2, GradGrad),
// MaxPoolWithArgmax and its gradients, Dilation2D and its backprops.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr, type NodeInfo, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { lowest } from "./nn_extra_conv3d.js";
import {
  checkRank,
  checkShape,
  type Floats,
  floats,
  maxArgmax,
  type NdGeometry,
  type NdWindowAttrs,
  ndGeometry,
  outShape,
  readNdAttrs,
  spatialAttr,
} from "./nn_extra_window.js";

// ---- Max pooling: window from attrs or (V2) from the ksize/strides inputs ----

function attrWindow(node: NodeInfo): { k: number[]; a: NdWindowAttrs } {
  return {
    k: spatialAttr(node, "ksize", node.attrs.ksize as number[], 2),
    a: readNdAttrs(node, 2),
  };
}

function tensorWindow(
  node: NodeInfo,
  ksize: Value,
  strides: Value,
): { k: number[]; a: NdWindowAttrs } {
  const list = (v: Value) => Array.from(arr(v).data as Int32Array, Number);
  const a = readNdAttrs({ ...node, attrs: { ...node.attrs, strides: list(strides) } }, 2);
  return { k: spatialAttr(node, "ksize", list(ksize), 2), a };
}

function poolGeometry(
  node: NodeInfo,
  x: NDArray,
  w: { k: number[]; a: NdWindowAttrs },
): NdGeometry {
  checkRank(x, 4, "orig_input", node.type);
  return ndGeometry(x.shape, w.k, w.a);
}

/** The max over each window of x (any real dtype), from its argmax table. */
function gatherMax(x: NDArray, g: NdGeometry, argmax: Int32Array): NDArray {
  const out = new NDArray(x.dtype, outShape(g, g.c));
  const src = x.data as unknown as number[];
  const o = out.data as unknown as number[];
  const low = x.dtype === "float64" ? -Number.MAX_VALUE : -3.4028234663852886e38;
  for (let i = 0; i < argmax.length; i++) o[i] = argmax[i] < 0 ? low : src[argmax[i]];
  return out;
}

cpuBackend.register("MaxPoolV2", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const g = poolGeometry(node, x, tensorWindow(node, inputs[1], inputs[2]));
  return [gatherMax(x, g, maxArgmax(x.data as unknown as number[], g))];
});

/** dx: each output's gradient added at its window's first maximum. */
function maxPoolGrad(
  node: NodeInfo,
  inputs: Value[],
  w: { k: number[]; a: NdWindowAttrs },
): NDArray {
  const x = arr(inputs[0]);
  const dy = arr(inputs[2]);
  const g = poolGeometry(node, x, w);
  checkShape(arr(inputs[1]), outShape(g, g.c), "orig_output", node.type);
  checkShape(dy, outShape(g, g.c), "grad", node.type);
  const argmax = maxArgmax(x.data as Floats, g);
  const dx = floats(dy.dtype, x.size, node.type);
  const d = dy.data as Floats;
  for (let i = 0; i < argmax.length; i++) if (argmax[i] >= 0) dx[argmax[i]] += d[i];
  return new NDArray(dy.dtype, x.shape, dx);
}

/** out: each output takes the (input-shaped) gradient at its window's first maximum. */
function maxPoolGradGrad(
  node: NodeInfo,
  inputs: Value[],
  w: { k: number[]; a: NdWindowAttrs },
): NDArray {
  const x = arr(inputs[0]);
  const gg = arr(inputs[2]);
  const g = poolGeometry(node, x, w);
  checkShape(arr(inputs[1]), outShape(g, g.c), "orig_output", node.type);
  checkShape(gg, x.shape, "grad", node.type);
  const argmax = maxArgmax(x.data as Floats, g);
  const out = floats(gg.dtype, argmax.length, node.type);
  const src = gg.data as Floats;
  for (let i = 0; i < argmax.length; i++) out[i] = argmax[i] < 0 ? 0 : src[argmax[i]];
  return new NDArray(gg.dtype, outShape(g, g.c), out);
}

cpuBackend.register("MaxPoolGradV2", (node) => (inputs) => [
  maxPoolGrad(node, inputs, tensorWindow(node, inputs[3], inputs[4])),
]);
cpuBackend.register("MaxPoolGradGrad", (node) => {
  const w = attrWindow(node);
  return (inputs) => [maxPoolGradGrad(node, inputs, w)];
});
cpuBackend.register("MaxPoolGradGradV2", (node) => (inputs) => [
  maxPoolGradGrad(node, inputs, tensorWindow(node, inputs[3], inputs[4])),
]);

// ---- MaxPoolWithArgmax ----

/** Flat argmax indices (with the batch) to the op's argmax tensor (without it, unless asked). */
function argmaxTensor(node: NodeInfo, argmax: Int32Array, g: NdGeometry): NDArray {
  const withBatch = node.attrs.include_batch_in_index === true;
  const perBatchOut = g.outPixels * g.c;
  const perBatchIn = g.inPixels * g.c;
  const idx = (i: number) => argmax[i] - (withBatch ? 0 : Math.floor(i / perBatchOut) * perBatchIn);
  const shape = outShape(g, g.c);
  if (node.attrs.Targmax === "int32") {
    const out = new Int32Array(argmax.length);
    for (let i = 0; i < out.length; i++) out[i] = idx(i);
    return new NDArray("int32", shape, out);
  }
  const out = new BigInt64Array(argmax.length);
  for (let i = 0; i < out.length; i++) out[i] = BigInt(idx(i));
  return new NDArray("int64", shape, out);
}

/** The argmax input as absolute flat input indices (adding the batch offset when not included). */
function readArgmax(node: NodeInfo, t: NDArray, g: NdGeometry): Int32Array {
  checkShape(t, outShape(g, g.c), "argmax", node.type);
  const withBatch = node.attrs.include_batch_in_index === true;
  const perBatchOut = g.outPixels * g.c;
  const perBatchIn = g.inPixels * g.c;
  const total = g.n * perBatchIn;
  const src = t.data as ArrayLike<number | bigint>;
  const out = new Int32Array(t.size);
  for (let i = 0; i < out.length; i++) {
    const v = Number(src[i]) + (withBatch ? 0 : Math.floor(i / perBatchOut) * perBatchIn);
    if (!(v >= 0 && v < total))
      throw new InvalidArgumentError(
        `${node.type}: argmax value ${Number(src[i])} at ${i} is out of range for input of ${total} elements`,
      );
    out[i] = v;
  }
  return out;
}

cpuBackend.register("MaxPoolWithArgmax", (node) => {
  const w = attrWindow(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const g = poolGeometry(node, x, w);
    const argmax = maxArgmax(x.data as unknown as number[], g);
    return [gatherMax(x, g, argmax), argmaxTensor(node, argmax, g)];
  };
});

cpuBackend.register("MaxPoolGradWithArgmax", (node) => {
  const w = attrWindow(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const dy = arr(inputs[1]);
    const g = poolGeometry(node, x, w);
    checkShape(dy, outShape(g, g.c), "grad", node.type);
    const argmax = readArgmax(node, arr(inputs[2]), g);
    const dx = floats(dy.dtype, x.size, node.type);
    const d = dy.data as Floats;
    for (let i = 0; i < argmax.length; i++) dx[argmax[i]] += d[i];
    return [new NDArray(dy.dtype, x.shape, dx)];
  };
});

cpuBackend.register("MaxPoolGradGradWithArgmax", (node) => {
  const w = attrWindow(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const gg = arr(inputs[1]);
    const g = poolGeometry(node, x, w);
    checkShape(gg, x.shape, "grad", node.type);
    const argmax = readArgmax(node, arr(inputs[2]), g);
    const out = floats(gg.dtype, argmax.length, node.type);
    const src = gg.data as Floats;
    for (let i = 0; i < argmax.length; i++) out[i] = src[argmax[i]];
    return [new NDArray(gg.dtype, outShape(g, g.c), out)];
  };
});

// ---- Dilation2D: out[b, y, x, c] = max over taps of input + filter[tap, c] ----

function dilationGeometry(node: NodeInfo, x: NDArray, f: NDArray): NdGeometry {
  checkRank(x, 4, "input", node.type);
  checkRank(f, 3, "filter", node.type);
  if (x.shape[3] !== f.shape[2])
    throw new InvalidArgumentError(
      `${node.type}: input depth (${x.shape[3]}) must equal the filter depth (${f.shape[2]})`,
    );
  const padding = node.attrs.padding as string;
  if (padding !== "SAME" && padding !== "VALID")
    throw new InvalidArgumentError(`${node.type}: padding must be SAME or VALID, got ${padding}`);
  return ndGeometry(x.shape, f.shape.slice(0, 2), {
    strides: spatialAttr(node, "strides", node.attrs.strides as number[], 2),
    dilations: spatialAttr(node, "rates", node.attrs.rates as number[], 2),
    padding,
  });
}

/**
 * For each output element, the value and the (input index, filter index) of its first maximum
 * (-1 for an empty window).
 */
function dilationArgmax(x: Floats, f: Floats, g: NdGeometry) {
  const { n, c, inPixels, outPixels, start, inPix, tap } = g;
  const size = n * outPixels * c;
  const value = floats(x instanceof Float64Array ? "float64" : "float32", size, "Dilation2D");
  const xi = new Int32Array(size).fill(-1);
  const fi = new Int32Array(size).fill(-1);
  value.fill(lowest(x));
  for (let b = 0; b < n; b++) {
    for (let op = 0; op < outPixels; op++) {
      const o0 = (b * outPixels + op) * c;
      for (let t = start[op]; t < start[op + 1]; t++) {
        const x0 = (b * inPixels + inPix[t]) * c;
        const f0 = tap[t] * c;
        for (let ch = 0; ch < c; ch++) {
          const v = x[x0 + ch] + f[f0 + ch];
          if (xi[o0 + ch] < 0 || v > value[o0 + ch]) {
            value[o0 + ch] = v;
            xi[o0 + ch] = x0 + ch;
            fi[o0 + ch] = f0 + ch;
          }
        }
      }
    }
  }
  return { value, xi, fi };
}

cpuBackend.register("Dilation2D", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const f = arr(inputs[1]);
  const g = dilationGeometry(node, x, f);
  floats(x.dtype, 0, node.type); // float dtypes only
  const { value } = dilationArgmax(x.data as Floats, f.data as Floats, g);
  return [new NDArray(x.dtype, outShape(g, g.c), value)];
});

function dilationBackprop(node: NodeInfo, inputs: Value[], toFilter: boolean): NDArray {
  const x = arr(inputs[0]);
  const f = arr(inputs[1]);
  const dy = arr(inputs[2]);
  const g = dilationGeometry(node, x, f);
  checkShape(dy, outShape(g, g.c), "out_backprop", node.type);
  const { xi, fi } = dilationArgmax(x.data as Floats, f.data as Floats, g);
  const target = toFilter ? f : x;
  const out = floats(x.dtype, target.size, node.type);
  const idx = toFilter ? fi : xi;
  const d = dy.data as Floats;
  for (let i = 0; i < idx.length; i++) if (idx[i] >= 0) out[idx[i]] += d[i];
  return new NDArray(x.dtype, target.shape, out);
}

cpuBackend.register("Dilation2DBackpropInput", (node) => (inputs) => [
  dilationBackprop(node, inputs, false),
]);
cpuBackend.register("Dilation2DBackpropFilter", (node) => (inputs) => [
  dilationBackprop(node, inputs, true),
]);
