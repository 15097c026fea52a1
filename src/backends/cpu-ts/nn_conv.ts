// Kernels of the nn_conv op family: 2-D convolutions (plain and depthwise) with their backprops,
// max/avg pooling with their gradients, and BiasAdd. NHWC layout only.
//
// Conv2D and its backprops are GEMMs over the "patch matrix" (one row of kh * kw * in_channels
// values per output pixel): im2col fills a block of rows at a time (a cache-sized buffer, never the
// whole matrix) and a register-blocked GEMM consumes it. Depthwise convolutions and pooling are
// direct loops whose innermost loop runs contiguously over channels.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import {
  type ConvPadding,
  type WindowAttrs,
  windowedOutputSize,
} from "../../framework/window_rules.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";

export {
  type ConvPadding,
  type WindowAttrs,
  windowedOutputSize,
} from "../../framework/window_rules.js";

/** Everything a 2-D window loop needs: sizes, strides, dilations and leading paddings. */
export interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  /** Conv2D: output channels; depthwise: channel multiplier; pooling: unused (1). */
  oc: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
}

export function readWindowAttrs(node: NodeInfo): WindowAttrs {
  const format = node.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC") {
    throw new UnimplementedError(
      `${node.type} only supports the NHWC data format on CPU, got ${format}`,
    );
  }
  return {
    strides: (node.attrs.strides as number[] | undefined) ?? [1, 1, 1, 1],
    dilations: (node.attrs.dilations as number[] | undefined) ?? [1, 1, 1, 1],
    padding: node.attrs.padding as ConvPadding,
    explicitPaddings: (node.attrs.explicit_paddings as number[] | undefined) ?? [],
  };
}

/** The geometry of a window op over input [n,h,w,c] with a kh x kw window; `oc` as in Geometry. */
export function geometry(
  input: readonly number[],
  kh: number,
  kw: number,
  oc: number,
  a: WindowAttrs,
): Geometry {
  const [n, h, w, c] = input;
  const p = a.explicitPaddings;
  const rows = windowedOutputSize(h, kh, a.strides[1], a.dilations[1], a.padding, [p[2], p[3]]);
  const cols = windowedOutputSize(w, kw, a.strides[2], a.dilations[2], a.padding, [p[4], p[5]]);
  return {
    n,
    h,
    w,
    c,
    kh,
    kw,
    oc,
    oh: rows.out,
    ow: cols.out,
    sh: a.strides[1],
    sw: a.strides[2],
    dh: a.dilations[1],
    dw: a.dilations[2],
    padTop: rows.padBefore,
    padLeft: cols.padBefore,
  };
}

type Floats = Float32Array | Float64Array;

function floats(dtype: DType, n: number): Floats {
  if (n > 2 ** 31 - 1)
    throw new InvalidArgumentError(`Output of ${n} elements is too large to allocate`);
  if (dtype === "float64") return new Float64Array(n);
  if (dtype === "float32") return new Float32Array(n);
  throw new InvalidArgumentError(`Expected a float32 or float64 tensor, got ${dtype}`);
}

export function check4D(x: NDArray, what: string, op: string): void {
  if (x.rank !== 4)
    throw new InvalidArgumentError(
      `${op}: ${what} must be 4-dimensional, got ${shapeString(x.shape)}`,
    );
}

/** A 1-D int32 "sizes" input (input_sizes, filter_sizes, orig_input_shape) as 4 dims. */
export function sizesInput(
  v: NDArray,
  what: string,
  op: string,
  fill?: (k: number) => number,
): number[] {
  if (v.rank !== 1 || (v.size !== 4 && !(fill && v.size === 2))) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a 1-D tensor of 4 elements, got shape ${shapeString(v.shape)}`,
    );
  }
  const d = Array.from(v.data as Int32Array, Number);
  const dims = d.length === 2 && fill ? [fill(0), d[0], d[1], fill(3)] : d;
  if (dims.some((x) => x < 0))
    throw new InvalidArgumentError(`${op}: ${what} has a negative dimension: [${dims.join(",")}]`);
  return dims;
}

/** out_backprop must be [n, oh, ow, channels] for the geometry; a mismatch would read out of bounds. */
export function checkOutBackprop(dy: NDArray, g: Geometry, channels: number, op: string): void {
  const want = [g.n, g.oh, g.ow, channels];
  if (dy.rank !== 4 || dy.shape.some((d, i) => d !== want[i])) {
    throw new InvalidArgumentError(
      `${op}: out_backprop has shape ${shapeString(dy.shape)}, but the computed output shape is ${shapeString(want)}`,
    );
  }
}

// ---- Conv2D: im2col over blocks of output pixels, then a register-blocked GEMM ----

// biome-ignore format: the 4 x 4 block reads best one row of C per line
/**
 * C[i, j] += sum_p A[i, p] * B[j, p] for i < m, j < n, p < k (A: m x k, B: n x k, C: m x n, all
 * row-major from their offsets). Both operands are read contiguously along p, and a 4 x 4 block
 * of C is kept in locals: 16 multiply-adds per 8 loads.
 */
function gemmNT(
  A: Floats,
  aOff: number,
  B: Floats,
  bOff: number,
  C: Floats,
  cOff: number,
  m: number,
  n: number,
  k: number,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = aOff + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const c0 = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = A[a0 + p];
        const x1 = A[a1 + p];
        const x2 = A[a2 + p];
        const x3 = A[a3 + p];
        const y0 = B[b0 + p];
        const y1 = B[b1 + p];
        const y2 = B[b2 + p];
        const y3 = B[b3 + p];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      let o = c0 + j;
      C[o] += s00; C[o + 1] += s01; C[o + 2] += s02; C[o + 3] += s03;
      o += n;
      C[o] += s10; C[o + 1] += s11; C[o + 2] += s12; C[o + 3] += s13;
      o += n;
      C[o] += s20; C[o + 1] += s21; C[o + 2] += s22; C[o + 3] += s23;
      o += n;
      C[o] += s30; C[o + 1] += s31; C[o + 2] += s32; C[o + 3] += s33;
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[b0 + p];
        s0 += A[a0 + p] * y;
        s1 += A[a1 + p] * y;
        s2 += A[a2 + p] * y;
        s3 += A[a3 + p] * y;
      }
      C[c0 + j] += s0;
      C[c0 + n + j] += s1;
      C[c0 + 2 * n + j] += s2;
      C[c0 + 3 * n + j] += s3;
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[a0 + p] * B[b0 + p];
      C[cOff + i * n + j] += s;
    }
  }
}

/** Output pixels per GEMM block: enough for the GEMM to pay off, small enough to stay in cache. */
const blockPixels = (k: number): number => Math.max(8, Math.min(1024, Math.floor(32768 / k)));

/** The row of patch values (kh * kw * c, zero where padded) under output pixel p, written at `dst`. */
function im2colRow(x: Floats, g: Geometry, p: number, cols: Floats, dst: number): void {
  const { h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft } = g;
  const ox = p % ow;
  const oy = Math.floor(p / ow) % oh;
  const b = Math.floor(p / (ow * oh));
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh - padTop + ky * dh;
    for (let kx = 0; kx < kw; kx++, dst += c) {
      const ix = ox * sw - padLeft + kx * dw;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
        cols.fill(0, dst, dst + c);
        continue;
      }
      const x0 = ((b * h + iy) * w + ix) * c;
      for (let ci = 0; ci < c; ci++) cols[dst + ci] = x[x0 + ci];
    }
  }
}

/** The adjoint of im2colRow: adds the patch row back into the input positions it came from. */
function col2imRow(cols: Floats, src: number, g: Geometry, p: number, dx: Floats): void {
  const { h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft } = g;
  const ox = p % ow;
  const oy = Math.floor(p / ow) % oh;
  const b = Math.floor(p / (ow * oh));
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh - padTop + ky * dh;
    for (let kx = 0; kx < kw; kx++, src += c) {
      const ix = ox * sw - padLeft + kx * dw;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const x0 = ((b * h + iy) * w + ix) * c;
      for (let ci = 0; ci < c; ci++) dx[x0 + ci] += cols[src + ci];
    }
  }
}

/** A new array of x's kind holding the transpose of the rows x cols matrix x. */
function transposed(x: Floats, rows: number, cols: number): Floats {
  const t = x instanceof Float64Array ? new Float64Array(x.length) : new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) t[q * rows + r] = x[r * cols + q];
  return t;
}

const like = (x: Floats, n: number): Floats =>
  x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);

/** out[p, co] = sum_k patches[p, k] * f[k, co], k over (ky, kx, ci). */
function conv2dForward(x: Floats, f: Floats, out: Floats, g: Geometry): void {
  const k = g.kh * g.kw * g.c;
  const pixels = g.n * g.oh * g.ow;
  if (k === 0 || g.oc === 0) return;
  const fT = transposed(f, k, g.oc);
  const bp = blockPixels(k);
  const cols = like(x, bp * k);
  for (let p0 = 0; p0 < pixels; p0 += bp) {
    const m = Math.min(bp, pixels - p0);
    for (let i = 0; i < m; i++) im2colRow(x, g, p0 + i, cols, i * k);
    gemmNT(cols, 0, fT, 0, out, p0 * g.oc, m, g.oc, k);
  }
}

/** True when dy[d0 .. d0 + len) is all zeros (common after ReLU and max pooling): nothing to add. */
function zeroRow(dy: Floats, d0: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (dy[d0 + i] !== 0) return false;
  return true;
}

/**
 * dpatches[p, k] = sum_co dy[p, co] * f[k, co], scattered back into dx. Pixels whose dy row is
 * all zeros contribute nothing and are left out of the blocks.
 */
function conv2dBackInput(dy: Floats, f: Floats, dx: Floats, g: Geometry): void {
  const k = g.kh * g.kw * g.c;
  const oc = g.oc;
  const pixels = g.n * g.oh * g.ow;
  if (k === 0 || oc === 0) return;
  const bp = blockPixels(k);
  const rows = like(dy, bp * oc);
  const cols = like(dy, bp * k);
  const which = new Int32Array(bp);
  let m = 0;
  for (let p = 0; p <= pixels; p++) {
    if (p < pixels) {
      if (zeroRow(dy, p * oc, oc)) continue;
      rows.set(dy.subarray(p * oc, (p + 1) * oc), m * oc);
      which[m++] = p;
    }
    if (m === bp || (p === pixels && m > 0)) {
      cols.fill(0, 0, m * k);
      gemmNT(rows, 0, f, 0, cols, 0, m, k, oc);
      for (let i = 0; i < m; i++) col2imRow(cols, i * k, g, which[i], dx);
      m = 0;
    }
  }
}

/** df[k, co] = sum_p patches[p, k] * dy[p, co], over blocks of pixels (both operands transposed). */
function conv2dBackFilter(x: Floats, dy: Floats, df: Floats, g: Geometry): void {
  const k = g.kh * g.kw * g.c;
  const oc = g.oc;
  const pixels = g.n * g.oh * g.ow;
  if (k === 0 || oc === 0) return;
  const bp = blockPixels(k);
  const row = like(x, k);
  const colsT = like(x, k * bp);
  const dyT = like(dy, oc * bp);
  const which = new Int32Array(bp);
  let m = 0;
  for (let p = 0; p <= pixels; p++) {
    if (p < pixels) {
      if (zeroRow(dy, p * oc, oc)) continue;
      which[m++] = p;
    }
    if (m === bp || (p === pixels && m > 0)) {
      for (let i = 0; i < m; i++) {
        im2colRow(x, g, which[i], row, 0);
        for (let q = 0; q < k; q++) colsT[q * m + i] = row[q];
        const d0 = which[i] * oc;
        for (let co = 0; co < oc; co++) dyT[co * m + i] = dy[d0 + co];
      }
      gemmNT(colsT, 0, dyT, 0, df, 0, k, oc, m);
      m = 0;
    }
  }
}

cpuBackend.register("Conv2D", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const f = arr(inputs[1]);
    check4D(x, "input", node.type);
    check4D(f, "filter", node.type);
    if (x.shape[3] !== f.shape[2]) {
      throw new InvalidArgumentError(
        `Conv2D: input depth (${x.shape[3]}) must equal the filter's input depth (${f.shape[2]}): input ${shapeString(x.shape)}, filter ${shapeString(f.shape)}`,
      );
    }
    const g = geometry(x.shape, f.shape[0], f.shape[1], f.shape[3], attrs);
    const out = floats(x.dtype, g.n * g.oh * g.ow * g.oc);
    conv2dForward(x.data as Floats, f.data as Floats, out, g);
    return [new NDArray(x.dtype, [g.n, g.oh, g.ow, g.oc], out)];
  };
});

cpuBackend.register("Conv2DBackpropInput", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const f = arr(inputs[1]);
    const dy = arr(inputs[2]);
    check4D(f, "filter", node.type);
    check4D(dy, "out_backprop", node.type);
    const sizes = sizesInput(arr(inputs[0]), "input_sizes", node.type, (k) =>
      k === 0 ? dy.shape[0] : f.shape[2],
    );
    if (sizes[3] !== f.shape[2]) {
      throw new InvalidArgumentError(
        `Conv2DBackpropInput: input depth (${sizes[3]}) must equal the filter's input depth (${f.shape[2]})`,
      );
    }
    const g = geometry(sizes, f.shape[0], f.shape[1], f.shape[3], attrs);
    checkOutBackprop(dy, g, f.shape[3], node.type);
    const dx = floats(dy.dtype, g.n * g.h * g.w * g.c);
    conv2dBackInput(dy.data as Floats, f.data as Floats, dx, g);
    return [new NDArray(dy.dtype, sizes, dx)];
  };
});

cpuBackend.register("Conv2DBackpropFilter", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const dy = arr(inputs[2]);
    check4D(x, "input", node.type);
    check4D(dy, "out_backprop", node.type);
    const sizes = sizesInput(arr(inputs[1]), "filter_sizes", node.type);
    if (sizes[2] !== x.shape[3]) {
      throw new InvalidArgumentError(
        `Conv2DBackpropFilter: input depth (${x.shape[3]}) must equal the filter's input depth (${sizes[2]})`,
      );
    }
    const g = geometry(x.shape, sizes[0], sizes[1], sizes[3], attrs);
    checkOutBackprop(dy, g, sizes[3], node.type);
    const df = floats(x.dtype, sizes[0] * sizes[1] * sizes[2] * sizes[3]);
    conv2dBackFilter(x.data as Floats, dy.data as Floats, df, g);
    return [new NDArray(x.dtype, sizes, df)];
  };
});

// ---- DepthwiseConv2dNative: out[..., ci * m + j] = sum x[..., ci] * f[ky, kx, ci, j] ----

/**
 * Visits every (output pixel, filter tap) pair of a depthwise window whose input pixel is inside
 * the image: `o0` is the output pixel's first channel, `x0` the input pixel's, `f0` the tap's.
 */
function forEachDepthwiseTap(
  g: Geometry,
  visit: (o0: number, x0: number, f0: number) => void,
): void {
  const { n, h, w, c, kh, kw, oc: m, oh, ow, sh, sw, dh, dw, padTop, padLeft } = g;
  const cm = c * m;
  let o0 = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o0 += cm) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx * dw;
            if (ix < 0 || ix >= w) continue;
            visit(o0, ((b * h + iy) * w + ix) * c, (ky * kw + kx) * cm);
          }
        }
      }
    }
  }
}

function depthwiseForward(x: Floats, f: Floats, out: Floats, g: Geometry): void {
  const { c, oc: m } = g;
  forEachDepthwiseTap(g, (o0, x0, f0) => {
    for (let ci = 0; ci < c; ci++) {
      const a = x[x0 + ci];
      const r = ci * m;
      for (let j = 0; j < m; j++) out[o0 + r + j] += a * f[f0 + r + j];
    }
  });
}

function depthwiseBackInput(dy: Floats, f: Floats, dx: Floats, g: Geometry): void {
  const { c, oc: m } = g;
  forEachDepthwiseTap(g, (d0, x0, f0) => {
    for (let ci = 0; ci < c; ci++) {
      const r = ci * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += dy[d0 + r + j] * f[f0 + r + j];
      dx[x0 + ci] += s;
    }
  });
}

function depthwiseBackFilter(x: Floats, dy: Floats, df: Floats, g: Geometry): void {
  const { c, oc: m } = g;
  forEachDepthwiseTap(g, (d0, x0, f0) => {
    for (let ci = 0; ci < c; ci++) {
      const a = x[x0 + ci];
      const r = ci * m;
      for (let j = 0; j < m; j++) df[f0 + r + j] += a * dy[d0 + r + j];
    }
  });
}

cpuBackend.register("DepthwiseConv2dNative", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const f = arr(inputs[1]);
    check4D(x, "input", node.type);
    check4D(f, "filter", node.type);
    if (x.shape[3] !== f.shape[2]) {
      throw new InvalidArgumentError(
        `DepthwiseConv2dNative: input depth (${x.shape[3]}) must equal the filter's input depth (${f.shape[2]})`,
      );
    }
    const g = geometry(x.shape, f.shape[0], f.shape[1], f.shape[3], attrs);
    const out = floats(x.dtype, g.n * g.oh * g.ow * g.c * g.oc);
    depthwiseForward(x.data as Floats, f.data as Floats, out, g);
    return [new NDArray(x.dtype, [g.n, g.oh, g.ow, g.c * g.oc], out)];
  };
});

cpuBackend.register("DepthwiseConv2dNativeBackpropInput", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const f = arr(inputs[1]);
    const dy = arr(inputs[2]);
    check4D(f, "filter", node.type);
    check4D(dy, "out_backprop", node.type);
    const sizes = sizesInput(arr(inputs[0]), "input_sizes", node.type);
    if (sizes[3] !== f.shape[2]) {
      throw new InvalidArgumentError(
        `${node.type}: input depth (${sizes[3]}) must equal the filter's input depth (${f.shape[2]})`,
      );
    }
    const g = geometry(sizes, f.shape[0], f.shape[1], f.shape[3], attrs);
    checkOutBackprop(dy, g, g.c * g.oc, node.type);
    const dx = floats(dy.dtype, g.n * g.h * g.w * g.c);
    depthwiseBackInput(dy.data as Floats, f.data as Floats, dx, g);
    return [new NDArray(dy.dtype, sizes, dx)];
  };
});

cpuBackend.register("DepthwiseConv2dNativeBackpropFilter", (node) => {
  const attrs = readWindowAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const dy = arr(inputs[2]);
    check4D(x, "input", node.type);
    check4D(dy, "out_backprop", node.type);
    const sizes = sizesInput(arr(inputs[1]), "filter_sizes", node.type);
    if (sizes[2] !== x.shape[3]) {
      throw new InvalidArgumentError(
        `${node.type}: input depth (${x.shape[3]}) must equal the filter's input depth (${sizes[2]})`,
      );
    }
    const g = geometry(x.shape, sizes[0], sizes[1], sizes[3], attrs);
    checkOutBackprop(dy, g, g.c * g.oc, node.type);
    const df = floats(x.dtype, sizes[0] * sizes[1] * sizes[2] * sizes[3]);
    depthwiseBackFilter(x.data as Floats, dy.data as Floats, df, g);
    return [new NDArray(x.dtype, sizes, df)];
  };
});

// ---- Pooling ----

/** Pooling attrs: ksize and strides must leave the batch and depth dimensions alone. */
export function readPoolAttrs(node: NodeInfo): { ksize: number[]; attrs: WindowAttrs } {
  const attrs = readWindowAttrs(node);
  const ksize = node.attrs.ksize as number[];
  if (ksize.length !== 4 || attrs.strides.length !== 4) {
    throw new InvalidArgumentError(`${node.type}: ksize and strides must have 4 elements`);
  }
  if (ksize.some((k) => k < 1))
    throw new InvalidArgumentError(
      `${node.type}: ksize must be positive, got [${ksize.join(",")}]`,
    );
  if (ksize[0] !== 1 || ksize[3] !== 1 || attrs.strides[0] !== 1 || attrs.strides[3] !== 1) {
    throw new UnimplementedError(
      `${node.type} only supports pooling across the spatial dimensions (ksize and strides of 1 in the batch and depth dimensions)`,
    );
  }
  return { ksize, attrs };
}

/**
 * For each output pixel, the flat input index (of channel 0) at which its window's first max
 * lies, per channel, in window scan order (TF routes max pool gradients to the first max).
 */
function maxPoolArgmax(x: ArrayLike<number>, g: Geometry, argmax: Int32Array): void {
  const { n, h, w, c, kh, kw, oh, ow, sh, sw, padTop, padLeft } = g;
  let o0 = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o0 += c) {
        let first = true;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx;
            if (ix < 0 || ix >= w) continue;
            const x0 = ((b * h + iy) * w + ix) * c;
            if (first) {
              for (let ci = 0; ci < c; ci++) argmax[o0 + ci] = x0 + ci;
              first = false;
            } else {
              // A NaN wins over numbers (a comparison with NaN is false, so test for it explicitly).
              for (let ci = 0; ci < c; ci++) {
                const v = x[x0 + ci];
                const best = x[argmax[o0 + ci]];
                if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) argmax[o0 + ci] = x0 + ci;
              }
            }
          }
        }
      }
    }
  }
}

function poolGeometry(x: NDArray, ksize: number[], attrs: WindowAttrs, op: string): Geometry {
  check4D(x, "input", op);
  return geometry(x.shape, ksize[1], ksize[2], 1, attrs);
}

cpuBackend.register("MaxPool", (node) => {
  const { ksize, attrs } = readPoolAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.dtype === "string" || x.dtype === "bool")
      throw new InvalidArgumentError(`MaxPool does not support ${x.dtype}`);
    const g = poolGeometry(x, ksize, attrs, node.type);
    const size = g.n * g.oh * g.ow * g.c;
    if (size > 2 ** 31 - 1) throw new InvalidArgumentError("MaxPool: output is too large");
    const argmax = new Int32Array(size);
    const src = x.data as unknown as number[];
    maxPoolArgmax(src, g, argmax);
    const out = new NDArray(x.dtype, [g.n, g.oh, g.ow, g.c]);
    const o = out.data as unknown as number[];
    for (let i = 0; i < size; i++) o[i] = src[argmax[i]];
    return [out];
  };
});

cpuBackend.register("MaxPoolGrad", (node) => {
  const { ksize, attrs } = readPoolAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const dy = arr(inputs[2]);
    if (x.dtype !== "float32" && x.dtype !== "float64")
      throw new InvalidArgumentError(`MaxPoolGrad does not support ${x.dtype}`);
    const g = poolGeometry(x, ksize, attrs, node.type);
    checkOutBackprop(dy, g, g.c, node.type);
    const argmax = new Int32Array(dy.size);
    maxPoolArgmax(x.data as Floats, g, argmax);
    const dx = floats(x.dtype, x.size);
    const d = dy.data as Floats;
    for (let i = 0; i < argmax.length; i++) dx[argmax[i]] += d[i];
    return [new NDArray(x.dtype, x.shape, dx)];
  };
});

/** Per output row and column, the number of window taps inside the input (AvgPool's divisor). */
function validCounts(out: number, size: number, k: number, s: number, pad: number): Int32Array {
  const counts = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - pad;
    counts[o] = Math.min(start + k, size) - Math.max(start, 0);
  }
  return counts;
}

/** Average pooling forward (grad = false) or its gradient (grad = true: src is dy, dst is dx). */
function avgPoolLoop(src: Floats, dst: Floats, g: Geometry, grad: boolean): void {
  const { n, h, w, c, kh, kw, oh, ow, sh, sw, padTop, padLeft } = g;
  const rows = validCounts(oh, h, kh, sh, padTop);
  const cols = validCounts(ow, w, kw, sw, padLeft);
  let o0 = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++, o0 += c) {
        const count = rows[oy] * cols[ox];
        if (count <= 0) continue;
        const scale = 1 / count;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx;
            if (ix < 0 || ix >= w) continue;
            const x0 = ((b * h + iy) * w + ix) * c;
            if (grad) for (let ci = 0; ci < c; ci++) dst[x0 + ci] += src[o0 + ci] * scale;
            else for (let ci = 0; ci < c; ci++) dst[o0 + ci] += src[x0 + ci];
          }
        }
        if (!grad) for (let ci = 0; ci < c; ci++) dst[o0 + ci] *= scale;
      }
    }
  }
}

cpuBackend.register("AvgPool", (node) => {
  const { ksize, attrs } = readPoolAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const g = poolGeometry(x, ksize, attrs, node.type);
    const out = floats(x.dtype, g.n * g.oh * g.ow * g.c);
    avgPoolLoop(x.data as Floats, out, g, false);
    return [new NDArray(x.dtype, [g.n, g.oh, g.ow, g.c], out)];
  };
});

cpuBackend.register("AvgPoolGrad", (node) => {
  const { ksize, attrs } = readPoolAttrs(node);
  return (inputs) => {
    const sizes = sizesInput(arr(inputs[0]), "orig_input_shape", node.type);
    const dy = arr(inputs[1]);
    const g = geometry(sizes, ksize[1], ksize[2], 1, attrs);
    checkOutBackprop(dy, g, g.c, node.type);
    const dx = floats(dy.dtype, g.n * g.h * g.w * g.c);
    avgPoolLoop(dy.data as Floats, dx, g, true);
    return [new NDArray(dy.dtype, sizes, dx)];
  };
});

// ---- BiasAdd ----

function checkNHWC(node: NodeInfo): void {
  const format = node.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC")
    throw new UnimplementedError(`${node.type} only supports the NHWC data format on CPU`);
}

// BiasAddV1 is BiasAdd without data_format (always NHWC).
cpuBackend.registerAll(["BiasAdd", "BiasAddV1"], (node) => {
  checkNHWC(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const bias = arr(inputs[1]);
    if (x.rank < 2)
      throw new InvalidArgumentError(
        `${node.type}: input must be at least 2-D, got ${shapeString(x.shape)}`,
      );
    const c = x.shape[x.rank - 1];
    if (bias.rank !== 1 || bias.size !== c) {
      throw new InvalidArgumentError(
        `Must provide as many biases as the last dimension of the input tensor: ${shapeString(bias.shape)} vs. ${shapeString(x.shape)}`,
      );
    }
    // Works for number and bigint (int64) data alike; storing into the typed array wraps ints.
    const src = x.data as unknown as number[];
    const b = bias.data as unknown as number[];
    const out = new NDArray(x.dtype, x.shape);
    const o = out.data as unknown as number[];
    for (let i = 0; i < x.size; i += c) for (let j = 0; j < c; j++) o[i + j] = src[i + j] + b[j];
    return [out];
  };
});

cpuBackend.register("BiasAddGrad", (node) => {
  checkNHWC(node);
  return (inputs) => {
    const dy = arr(inputs[0]);
    if (dy.rank < 2)
      throw new InvalidArgumentError(
        `BiasAddGrad: input must be at least 2-D, got ${shapeString(dy.shape)}`,
      );
    const c = dy.shape[dy.rank - 1];
    const src = dy.data as unknown as number[];
    const out = new NDArray(dy.dtype, [c]);
    if (dy.dtype === "float32" || dy.dtype === "float64") {
      // Sum in float64 so a float32 gradient over a large batch keeps its precision.
      const acc = new Float64Array(c);
      for (let i = 0; i < dy.size; i += c) for (let j = 0; j < c; j++) acc[j] += src[i + j];
      (out.data as Floats).set(acc);
    } else {
      const o = out.data as unknown as number[];
      for (let i = 0; i < dy.size; i += c) for (let j = 0; j < c; j++) o[j] += src[i + j];
    }
    return [out];
  };
});
