// Resize kernels with TensorFlow 1.15's coordinate mappings: ResizeBilinear, ResizeNearestNeighbor,
// ResizeBicubic (each with its gradient) and ResizeArea.
//
// The source coordinate of output index i is i * scale ("asymmetric", the legacy mapping when
// both flags are false), (i + 0.5) * scale - 0.5 with half_pixel_centers, where scale is
// (in - 1) / (out - 1) with align_corners (and out > 1), else in / out. Nearest-neighbour uses
// (i + 0.5) * scale with half-pixel centers (TF's HalfPixelScalerForNN) and rounds with
// align_corners, floors otherwise. Each gradient kernel is the exact adjoint of its forward map.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { check4D, checkSize, type Floats, floats, numbers, sizePair } from "./image_util.js";
import { cpuBackend } from "./index.js";

interface ResizeFlags {
  alignCorners: boolean;
  halfPixel: boolean;
}

function readFlags(node: NodeInfo): ResizeFlags {
  const alignCorners = Boolean(node.attrs.align_corners);
  const halfPixel = Boolean(node.attrs.half_pixel_centers);
  if (alignCorners && halfPixel)
    throw new InvalidArgumentError(
      `${node.type}: If half_pixel_centers is True, align_corners must be False.`,
    );
  return { alignCorners, halfPixel };
}

/** TF's CalculateResizeScale: input size per output step. */
export function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** Lower and upper source indices and the weight of the upper one, per output index. */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  lerp: Float64Array;
}

function linearTaps(inSize: number, outSize: number, f: ResizeFlags): Taps {
  const scale = Math.fround(resizeScale(inSize, outSize, f.alignCorners));
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const lerp = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    // TF computes the source coordinate in float32.
    const src = Math.fround(f.halfPixel ? Math.fround((i + 0.5) * scale) - 0.5 : i * scale);
    const fl = Math.floor(src);
    lo[i] = Math.max(fl, 0);
    hi[i] = Math.min(Math.ceil(src), inSize - 1);
    lerp[i] = src - fl;
  }
  return { lo, hi, lerp };
}

function nearestTaps(inSize: number, outSize: number, f: ResizeFlags): Int32Array {
  const scale = Math.fround(resizeScale(inSize, outSize, f.alignCorners));
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.fround(f.halfPixel ? (i + 0.5) * scale : i * scale);
    // roundf rounds halves away from zero (src >= 0 here).
    let k = Math.min(f.alignCorners ? Math.floor(src + 0.5) : Math.floor(src), inSize - 1);
    if (f.halfPixel) k = Math.max(0, k);
    idx[i] = k;
  }
  return idx;
}

/** Keys' cubic convolution weights, tabulated as TF does (1024 steps per unit). */
const TABLE_SIZE = 1024;
const cubicTables = new Map<number, Float32Array>();
function cubicTable(a: number): Float32Array {
  let t = cubicTables.get(a);
  if (t) return t;
  t = new Float32Array((TABLE_SIZE + 1) * 2);
  for (let i = 0; i <= TABLE_SIZE; i++) {
    let x = i / TABLE_SIZE;
    t[i * 2] = ((a + 2) * x - (a + 3)) * x * x + 1;
    x += 1;
    t[i * 2 + 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }
  cubicTables.set(a, t);
  return t;
}

/** Round half to even, as lrintf does in the default rounding mode. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Four source indices and weights per output index. */
interface CubicTaps {
  idx: Int32Array;
  w: Float64Array;
}

function cubicTaps(inSize: number, outSize: number, f: ResizeFlags): CubicTaps {
  const scale = Math.fround(resizeScale(inSize, outSize, f.alignCorners));
  // Half-pixel centers use Keys' a = -0.5 and drop taps outside the image (renormalising the
  // rest); the legacy mapping uses a = -0.75 and repeats the edge pixels.
  const table = cubicTable(f.halfPixel ? -0.5 : -0.75);
  const idx = new Int32Array(outSize * 4);
  const w = new Float64Array(outSize * 4);
  const clamp = (k: number) => Math.min(Math.max(k, 0), inSize - 1);
  for (let i = 0; i < outSize; i++) {
    const src = Math.fround(f.halfPixel ? Math.fround((i + 0.5) * scale) - 0.5 : i * scale);
    const base = Math.floor(src);
    const offset = rint((src - base) * TABLE_SIZE);
    const ws = [
      table[offset * 2 + 1],
      table[offset * 2],
      table[(TABLE_SIZE - offset) * 2],
      table[(TABLE_SIZE - offset) * 2 + 1],
    ];
    if (f.halfPixel) {
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const j = base - 1 + k;
        if (j < 0 || j >= inSize) ws[k] = 0;
        total += ws[k];
      }
      if (Math.abs(total) >= 1000 * 1.1754943508222875e-38)
        for (let k = 0; k < 4; k++) ws[k] /= total;
    }
    for (let k = 0; k < 4; k++) {
      idx[i * 4 + k] = clamp(base - 1 + k);
      w[i * 4 + k] = ws[k];
    }
  }
  return { idx, w };
}

/** The image and target size of a forward resize, checked. */
function resizeInputs(node: NodeInfo, inputs: unknown[]) {
  const x = arr(inputs[0] as NDArray);
  const [n, h, w, c] = check4D(x, "input", node.type);
  const [oh, ow] = sizePair(arr(inputs[1] as NDArray), "size", node.type);
  if (h === 0 || w === 0)
    throw new InvalidArgumentError(
      `${node.type}: input image must be of non-zero size, got ${shapeString(x.shape)}`,
    );
  checkSize(n * oh * ow * c, node.type);
  return { x, n, h, w, c, oh, ow };
}

/** The gradient input and original image size of a resize gradient, checked. */
function gradInputs(node: NodeInfo, grads: NDArray, size: readonly number[]) {
  const [n, oh, ow, c] = check4D(grads, "input_grad", node.type);
  const [, h, w] = size;
  if (size[0] !== n || size[3] !== c)
    throw new InvalidArgumentError(
      `${node.type}: grads ${shapeString(grads.shape)} and the original image ${shapeString(size)} differ in batch or depth`,
    );
  if (h <= 0 || w <= 0)
    throw new InvalidArgumentError(`${node.type}: original image must be of non-zero size`);
  checkSize(n * h * w * c, node.type);
  return { n, h, w, c, oh, ow };
}

// ---- Bilinear ----

function bilinear(
  src: ArrayLike<number>,
  dst: Floats,
  g: { n: number; h: number; w: number; c: number; oh: number; ow: number },
  ys: Taps,
  xs: Taps,
  adjoint: boolean,
): void {
  const { n, h, w, c, oh, ow } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const top = (b * h + ys.lo[y]) * w;
      const bot = (b * h + ys.hi[y]) * w;
      const yl = ys.lerp[y];
      for (let x = 0; x < ow; x++, o += c) {
        const l = xs.lo[x];
        const r = xs.hi[x];
        const xl = xs.lerp[x];
        const tl = (top + l) * c;
        const tr = (top + r) * c;
        const bl = (bot + l) * c;
        const br = (bot + r) * c;
        for (let k = 0; k < c; k++) {
          if (adjoint) {
            const d = src[o + k];
            dst[tl + k] += d * (1 - yl) * (1 - xl);
            dst[tr + k] += d * (1 - yl) * xl;
            dst[bl + k] += d * yl * (1 - xl);
            dst[br + k] += d * yl * xl;
          } else {
            const t = src[tl + k] + (src[tr + k] - src[tl + k]) * xl;
            const bt = src[bl + k] + (src[br + k] - src[bl + k]) * xl;
            dst[o + k] = t + (bt - t) * yl;
          }
        }
      }
    }
  }
}

cpuBackend.register("ResizeBilinear", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const g = resizeInputs(node, inputs);
    const out = floats("float32", g.n * g.oh * g.ow * g.c, node.type);
    const ys = linearTaps(g.h, g.oh, flags);
    const xs = linearTaps(g.w, g.ow, flags);
    bilinear(numbers(g.x), out, g, ys, xs, false);
    return [new NDArray("float32", [g.n, g.oh, g.ow, g.c], out)];
  };
});

cpuBackend.register("ResizeBilinearGrad", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const dy = arr(inputs[0]);
    const orig = arr(inputs[1]);
    const g = gradInputs(node, dy, check4D(orig, "original_image", node.type));
    const dx = floats(orig.dtype, g.n * g.h * g.w * g.c, node.type);
    bilinear(numbers(dy), dx, g, linearTaps(g.h, g.oh, flags), linearTaps(g.w, g.ow, flags), true);
    return [new NDArray(orig.dtype, orig.shape, dx)];
  };
});

// ---- Nearest neighbour ----

cpuBackend.register("ResizeNearestNeighbor", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const { x, n, h, w, c, oh, ow } = resizeInputs(node, inputs);
    const ys = nearestTaps(h, oh, flags);
    const xs = nearestTaps(w, ow, flags);
    const out = new NDArray(x.dtype, [n, oh, ow, c]);
    const src = x.data as unknown as number[];
    const dst = out.data as unknown as number[];
    let o = 0;
    for (let b = 0; b < n; b++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          const i0 = ((b * h + ys[y]) * w + xs[xo]) * c;
          for (let k = 0; k < c; k++) dst[o++] = src[i0 + k];
        }
    return [out];
  };
});

cpuBackend.register("ResizeNearestNeighborGrad", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const dy = arr(inputs[0]);
    const [h, w] = sizePair(arr(inputs[1]), "size", node.type);
    const [n, , , c] = check4D(dy, "input", node.type);
    const g = gradInputs(node, dy, [n, h, w, c]);
    // Each gradient pixel goes to the input pixel the forward map read it from.
    const ys = nearestTaps(h, g.oh, flags);
    const xs = nearestTaps(w, g.ow, flags);
    const out = new NDArray(dy.dtype, [n, h, w, c]);
    const src = dy.data as unknown as number[];
    const dst = out.data as unknown as number[];
    let o = 0;
    for (let b = 0; b < n; b++)
      for (let y = 0; y < g.oh; y++)
        for (let x = 0; x < g.ow; x++) {
          const i0 = ((b * h + ys[y]) * w + xs[x]) * c;
          for (let k = 0; k < c; k++) dst[i0 + k] += src[o++];
        }
    return [out];
  };
});

// ---- Bicubic ----

function bicubic(
  src: ArrayLike<number>,
  dst: Floats,
  g: { n: number; h: number; w: number; c: number; oh: number; ow: number },
  ys: CubicTaps,
  xs: CubicTaps,
  adjoint: boolean,
): void {
  const { n, h, w, c, oh, ow } = g;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++, o += c) {
        for (let k = 0; k < c; k++) {
          let acc = 0;
          for (let i = 0; i < 4; i++) {
            const row = (b * h + ys.idx[y * 4 + i]) * w;
            const wy = ys.w[y * 4 + i];
            for (let j = 0; j < 4; j++) {
              const at = (row + xs.idx[x * 4 + j]) * c + k;
              const wt = wy * xs.w[x * 4 + j];
              if (adjoint) dst[at] += src[o + k] * wt;
              else acc += src[at] * wt;
            }
          }
          if (!adjoint) dst[o + k] = acc;
        }
      }
    }
  }
}

cpuBackend.register("ResizeBicubic", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const g = resizeInputs(node, inputs);
    const out = floats("float32", g.n * g.oh * g.ow * g.c, node.type);
    bicubic(numbers(g.x), out, g, cubicTaps(g.h, g.oh, flags), cubicTaps(g.w, g.ow, flags), false);
    return [new NDArray("float32", [g.n, g.oh, g.ow, g.c], out)];
  };
});

cpuBackend.register("ResizeBicubicGrad", (node) => {
  const flags = readFlags(node);
  return (inputs) => {
    const dy = arr(inputs[0]);
    const orig = arr(inputs[1]);
    const g = gradInputs(node, dy, check4D(orig, "original_image", node.type));
    const dx = floats(orig.dtype, g.n * g.h * g.w * g.c, node.type);
    bicubic(numbers(dy), dx, g, cubicTaps(g.h, g.oh, flags), cubicTaps(g.w, g.ow, flags), true);
    return [new NDArray(orig.dtype, orig.shape, dx)];
  };
});

// ---- Area ----

/** Per output index: the source indices it covers and the fraction of each that it covers. */
function areaTaps(
  inSize: number,
  outSize: number,
  scale: number,
): { idx: number[]; w: number[] }[] {
  const taps: { idx: number[]; w: number[] }[] = [];
  for (let i = 0; i < outSize; i++) {
    const s0 = i * scale;
    const s1 = (i + 1) * scale;
    const idx: number[] = [];
    const w: number[] = [];
    for (let j = Math.floor(s0); j < Math.ceil(s1); j++) {
      idx.push(Math.min(j, inSize - 1));
      w.push(Math.min(j + 1, s1) - Math.max(j, s0));
    }
    taps.push({ idx, w });
  }
  return taps;
}

cpuBackend.register("ResizeArea", (node) => {
  const alignCorners = Boolean(node.attrs.align_corners);
  return (inputs) => {
    const { x, n, h, w, c, oh, ow } = resizeInputs(node, inputs);
    const hs = resizeScale(h, oh, alignCorners);
    const ws = resizeScale(w, ow, alignCorners);
    const ys = areaTaps(h, oh, hs);
    const xs = areaTaps(w, ow, ws);
    const norm = 1 / (hs * ws);
    const src = numbers(x);
    const out = floats("float32", n * oh * ow * c, node.type);
    let o = 0;
    for (let b = 0; b < n; b++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++, o += c) {
          const ty = ys[y];
          const tx = xs[xo];
          for (let i = 0; i < ty.idx.length; i++) {
            const row = (b * h + ty.idx[i]) * w;
            for (let j = 0; j < tx.idx.length; j++) {
              const wt = ty.w[i] * tx.w[j];
              const at = (row + tx.idx[j]) * c;
              for (let k = 0; k < c; k++) out[o + k] += src[at + k] * wt;
            }
          }
          for (let k = 0; k < c; k++) out[o + k] *= norm;
        }
    return [new NDArray("float32", [n, oh, ow, c], out)];
  };
});
