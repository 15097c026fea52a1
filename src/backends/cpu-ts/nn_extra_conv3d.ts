// Kernels of 3-D convolution (Conv3D and its V1/V2 backprops) and 3-D max/avg pooling with their
// gradients (NDHWC). Direct loops over the window tap table of nn_extra_window.ts.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  checkRank,
  checkShape,
  type Floats,
  floats,
  maxArgmax,
  type NdGeometry,
  ndGeometry,
  outShape,
  readNdAttrs,
  sizesOf,
  spatialAttr,
} from "./nn_extra_window.js";

/**
 * The one window walk of the three kernels: for each (batch, output pixel, in-bounds tap), `visit`
 * gets flat offsets: `o` of the output pixel's first channel, `x0` of the input pixel's, `f0` of
 * the tap's filter block [ic, oc]. The channel loops stay inside each kernel's visit.
 */
function forEachTap(
  g: NdGeometry,
  oc: number,
  visit: (o: number, x0: number, f0: number) => void,
): void {
  const { n, c: ic, inPixels, outPixels, start, inPix, tap } = g;
  for (let b = 0; b < n; b++)
    for (let op = 0; op < outPixels; op++) {
      const o = (b * outPixels + op) * oc;
      for (let t = start[op]; t < start[op + 1]; t++)
        visit(o, (b * inPixels + inPix[t]) * ic, tap[t] * ic * oc);
    }
}

function conv3dForward(x: Floats, f: Floats, out: Floats, g: NdGeometry, oc: number): void {
  const ic = g.c;
  forEachTap(g, oc, (o, x0, f0) => {
    for (let ci = 0; ci < ic; ci++) {
      const v = x[x0 + ci];
      if (v === 0) continue;
      const fr = f0 + ci * oc;
      for (let co = 0; co < oc; co++) out[o + co] += v * f[fr + co];
    }
  });
}

function conv3dBackInput(dy: Floats, f: Floats, dx: Floats, g: NdGeometry, oc: number): void {
  const ic = g.c;
  forEachTap(g, oc, (o, x0, f0) => {
    for (let ci = 0; ci < ic; ci++) {
      const fr = f0 + ci * oc;
      let s = 0;
      for (let co = 0; co < oc; co++) s += dy[o + co] * f[fr + co];
      dx[x0 + ci] += s;
    }
  });
}

function conv3dBackFilter(x: Floats, dy: Floats, df: Floats, g: NdGeometry, oc: number): void {
  const ic = g.c;
  forEachTap(g, oc, (o, x0, f0) => {
    for (let ci = 0; ci < ic; ci++) {
      const v = x[x0 + ci];
      if (v === 0) continue;
      const fr = f0 + ci * oc;
      for (let co = 0; co < oc; co++) df[fr + co] += v * dy[o + co];
    }
  });
}

/** Input [n, d, h, w, ic] and filter [kd, kh, kw, ic, oc] shapes, checked; the geometry. */
function conv3dGeometry(node: NodeInfo, x: readonly number[], f: readonly number[]): NdGeometry {
  if (x.length !== 5 || f.length !== 5)
    throw new InvalidArgumentError(`${node.type}: input and filter must be 5-dimensional`);
  if (x[4] !== f[3])
    throw new InvalidArgumentError(
      `${node.type}: input depth (${x[4]}) must equal the filter's input depth (${f[3]})`,
    );
  return ndGeometry(x, f.slice(0, 3), readNdAttrs(node, 3));
}

cpuBackend.register("Conv3D", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const f = arr(inputs[1]);
  checkRank(x, 5, "input", node.type);
  checkRank(f, 5, "filter", node.type);
  const g = conv3dGeometry(node, x.shape, f.shape);
  const oc = f.shape[4];
  const shape = outShape(g, oc);
  const out = floats(
    x.dtype,
    shape.reduce((a, b) => a * b, 1),
    node.type,
  );
  conv3dForward(x.data as Floats, f.data as Floats, out, g, oc);
  return [new NDArray(x.dtype, shape, out)];
});

/** Conv3DBackpropInput(V2): `sizes` is the input's shape (V2: a tensor; V1: the input itself). */
function backInput(node: NodeInfo, sizes: number[], fArr: NDArray, dy: NDArray): NDArray {
  checkRank(fArr, 5, "filter", node.type);
  const g = conv3dGeometry(node, sizes, fArr.shape);
  checkShape(dy, outShape(g, fArr.shape[4]), "out_backprop", node.type);
  const dx = floats(
    dy.dtype,
    sizes.reduce((a, b) => a * b, 1),
    node.type,
  );
  conv3dBackInput(dy.data as Floats, fArr.data as Floats, dx, g, fArr.shape[4]);
  return new NDArray(dy.dtype, sizes, dx);
}

function backFilter(node: NodeInfo, x: NDArray, sizes: number[], dy: NDArray): NDArray {
  checkRank(x, 5, "input", node.type);
  const g = conv3dGeometry(node, x.shape, sizes);
  checkShape(dy, outShape(g, sizes[4]), "out_backprop", node.type);
  const df = floats(
    x.dtype,
    sizes.reduce((a, b) => a * b, 1),
    node.type,
  );
  conv3dBackFilter(x.data as Floats, dy.data as Floats, df, g, sizes[4]);
  return new NDArray(x.dtype, sizes, df);
}

cpuBackend.register("Conv3DBackpropInputV2", (node) => (inputs) => {
  const sizes = sizesOf(arr(inputs[0]), 5, "input_sizes", node.type);
  return [backInput(node, sizes, arr(inputs[1]), arr(inputs[2]))];
});
cpuBackend.register("Conv3DBackpropInput", (node) => (inputs) => {
  const x = arr(inputs[0]);
  checkRank(x, 5, "input", node.type);
  return [backInput(node, [...x.shape], arr(inputs[1]), arr(inputs[2]))];
});
cpuBackend.register("Conv3DBackpropFilterV2", (node) => (inputs) => {
  const sizes = sizesOf(arr(inputs[1]), 5, "filter_sizes", node.type);
  return [backFilter(node, arr(inputs[0]), sizes, arr(inputs[2]))];
});
cpuBackend.register("Conv3DBackpropFilter", (node) => (inputs) => {
  const f = arr(inputs[1]);
  checkRank(f, 5, "filter", node.type);
  return [backFilter(node, arr(inputs[0]), [...f.shape], arr(inputs[2]))];
});

// ---- 3-D pooling ----

function pool3dGeometry(node: NodeInfo, x: readonly number[]): NdGeometry {
  if (x.length !== 5)
    throw new InvalidArgumentError(
      `${node.type}: input must be 5-dimensional, got rank ${x.length}`,
    );
  const k = spatialAttr(node, "ksize", node.attrs.ksize as number[], 3);
  return ndGeometry(x, k, readNdAttrs(node, 3));
}

/** The lowest finite value of a float dtype (the max over an empty window, as TF). */
export const lowest = (x: Floats): number =>
  x instanceof Float64Array ? -Number.MAX_VALUE : -3.4028234663852886e38;

cpuBackend.register("MaxPool3D", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const g = pool3dGeometry(node, x.shape);
  const src = x.data as Floats;
  const argmax = maxArgmax(src, g);
  const out = floats(x.dtype, argmax.length, node.type);
  for (let i = 0; i < argmax.length; i++) out[i] = argmax[i] < 0 ? lowest(src) : src[argmax[i]];
  return [new NDArray(x.dtype, outShape(g, g.c), out)];
});

// Max-pool gradients route each output's gradient to its window's first maximum (TF's CPU
// MaxPool3DGrad gives every tied maximum the gradient; ties do not occur with distinct values).
cpuBackend.register("MaxPool3DGrad", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const dy = arr(inputs[2]);
  const g = pool3dGeometry(node, x.shape);
  checkShape(arr(inputs[1]), outShape(g, g.c), "orig_output", node.type);
  checkShape(dy, outShape(g, g.c), "grad", node.type);
  const argmax = maxArgmax(x.data as Floats, g);
  const dx = floats(dy.dtype, x.size, node.type);
  const d = dy.data as Floats;
  for (let i = 0; i < argmax.length; i++) if (argmax[i] >= 0) dx[argmax[i]] += d[i];
  return [new NDArray(dy.dtype, x.shape, dx)];
});

cpuBackend.register("MaxPool3DGradGrad", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const gg = arr(inputs[2]);
  const g = pool3dGeometry(node, x.shape);
  checkShape(arr(inputs[1]), outShape(g, g.c), "orig_output", node.type);
  checkShape(gg, x.shape, "grad", node.type);
  const argmax = maxArgmax(x.data as Floats, g);
  const out = floats(gg.dtype, argmax.length, node.type);
  const src = gg.data as Floats;
  for (let i = 0; i < argmax.length; i++) out[i] = argmax[i] < 0 ? 0 : src[argmax[i]];
  return [new NDArray(gg.dtype, outShape(g, g.c), out)];
});

/** AvgPool3D (grad false: src is x, dst the output) or its gradient (src dy, dst dx). */
function avgPool(src: Floats, dst: Floats, g: NdGeometry, grad: boolean): void {
  const { n, c, inPixels, outPixels, start, inPix } = g;
  for (let b = 0; b < n; b++) {
    for (let op = 0; op < outPixels; op++) {
      const count = start[op + 1] - start[op];
      if (count === 0) continue;
      const scale = 1 / count; // padded taps are not counted, as TF
      const o0 = (b * outPixels + op) * c;
      for (let t = start[op]; t < start[op + 1]; t++) {
        const x0 = (b * inPixels + inPix[t]) * c;
        if (grad) for (let ch = 0; ch < c; ch++) dst[x0 + ch] += src[o0 + ch] * scale;
        else for (let ch = 0; ch < c; ch++) dst[o0 + ch] += src[x0 + ch] * scale;
      }
    }
  }
}

cpuBackend.register("AvgPool3D", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const g = pool3dGeometry(node, x.shape);
  const shape = outShape(g, g.c);
  const out = floats(
    x.dtype,
    shape.reduce((a, b) => a * b, 1),
    node.type,
  );
  avgPool(x.data as Floats, out, g, false);
  return [new NDArray(x.dtype, shape, out)];
});

cpuBackend.register("AvgPool3DGrad", (node) => (inputs) => {
  const sizes = sizesOf(arr(inputs[0]), 5, "orig_input_shape", node.type);
  const dy = arr(inputs[1]);
  const g = pool3dGeometry(node, sizes);
  checkShape(dy, outShape(g, g.c), "grad", node.type);
  const dx = floats(
    dy.dtype,
    sizes.reduce((a, b) => a * b, 1),
    node.type,
  );
  avgPool(dy.data as Floats, dx, g, true);
  return [new NDArray(dy.dtype, sizes, dx)];
});
