// ScaleAndTranslate and its gradient: separable resampling with TF's sampling kernels
// (sampling_kernels.h) and span rule: output pixel x samples the input at
// (x + 0.5) / scale - translate / scale, from the taps within the kernel's radius (widened by
// 1 / scale when antialiasing a downscale), with weights normalised to sum 1. Samples outside
// the input give 0.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { check4D, checkSize, floats, numbers, sizePair } from "./image_util.js";
import { cpuBackend } from "./index.js";

interface SamplingKernel {
  radius: number;
  f: (x: number) => number;
}

// biome-ignore lint/suspicious/noApproximativeNumericConstant: the value TF's kernels use
const PI = 3.14159265359;
const lanczos = (radius: number): SamplingKernel => ({
  radius,
  f: (x) => {
    if (x > radius) return 0;
    if (x <= 1e-3) return 1;
    return (radius * Math.sin(PI * x) * Math.sin((PI * x) / radius)) / (PI * PI * x * x);
  },
});

/** The kernels by kernel_type; each takes |x|. */
const KERNELS: Record<string, SamplingKernel> = {
  lanczos1: lanczos(1),
  lanczos3: lanczos(3),
  lanczos5: lanczos(5),
  // sigma = radius / 3 = 0.5.
  gaussian: { radius: 1.5, f: (x) => (x >= 1.5 ? 0 : Math.exp((-x * x) / (2 * 0.25))) },
  box: { radius: 1, f: (x) => (x < 0.5 ? 1 : x === 0.5 ? 0.5 : 0) },
  triangle: { radius: 1, f: (x) => (x < 1 ? 1 - x : 0) },
  keyscubic: {
    radius: 2,
    f: (x) =>
      x >= 2 ? 0 : x >= 1 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : (1.5 * x - 2.5) * x * x + 1,
  },
  mitchellcubic: {
    radius: 2,
    f: (x) =>
      x >= 2
        ? 0
        : x >= 1
          ? (((-7 / 18) * x + 2) * x - 10 / 3) * x + 16 / 9
          : ((7 / 6) * x - 2) * x * x + 8 / 9,
  },
};

/** Per output index: the first input tap and `size` weights (all zero for an empty span). */
interface Spans {
  size: number;
  starts: Int32Array;
  weights: Float64Array;
}

function computeSpans(
  k: SamplingKernel,
  out: number,
  inSize: number,
  scale: number,
  translate: number,
  antialias: boolean,
): Spans {
  const kScale = antialias ? Math.max(1 / scale, 1) : 1;
  const invScale = 1 / scale;
  const invTranslate = -invScale * translate;
  const r = k.radius * kScale;
  const size = Math.min(2 * Math.ceil(r) + 1, inSize);
  const starts = new Int32Array(out);
  const weights = new Float64Array(out * size);
  const clamp = (v: number) => Math.min(Math.max(v, 0), inSize - 1);
  for (let x = 0; x < out; x++) {
    const sample = (x + 0.5) * invScale + invTranslate;
    if (sample < 0 || sample > inSize) continue;
    const start = clamp(Math.ceil(sample - r - 0.5));
    const end = clamp(Math.floor(sample + r - 0.5)) + 1;
    let total = 0;
    const w: number[] = [];
    for (let s = start; s < end && w.length < size; s++) {
      const v = k.f(Math.abs((s + 0.5 - sample) / kScale));
      w.push(v);
      total += v;
    }
    if (Math.abs(total) >= 1000 * 1.1754943508222875e-38)
      for (let i = 0; i < w.length; i++) weights[x * size + i] = w[i] / total;
    starts[x] = start;
  }
  return { size, starts, weights };
}

function readKernel(node: NodeInfo): { k: SamplingKernel; antialias: boolean } {
  const name = (node.attrs.kernel_type as string | undefined) ?? "lanczos3";
  const k = KERNELS[name];
  if (!k) throw new InvalidArgumentError(`${node.type}: Unrecognized kernel type: ${name}`);
  return {
    k,
    antialias: node.attrs.antialias === undefined ? true : Boolean(node.attrs.antialias),
  };
}

function pairOf(v: NDArray, what: string, op: string): [number, number] {
  if (v.rank !== 1 || v.size !== 2)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a 1-D tensor of 2 elements, got ${shapeString(v.shape)}`,
    );
  return [Number(v.data[0]), Number(v.data[1])];
}

/** out[b, y, x, c] = sum_ij wy[y][i] wx[x][j] in[b, sy + i, sx + j, c], or its adjoint. */
function resample(
  src: ArrayLike<number>,
  dst: Float32Array | Float64Array,
  dims: { n: number; h: number; w: number; c: number; oh: number; ow: number },
  ys: Spans,
  xs: Spans,
  adjoint: boolean,
): void {
  const { n, h, w, c, oh, ow } = dims;
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++, o += c)
        for (let i = 0; i < ys.size; i++) {
          const wy = ys.weights[y * ys.size + i];
          const row = ys.starts[y] + i;
          if (wy === 0 || row >= h) continue;
          for (let j = 0; j < xs.size; j++) {
            const wt = wy * xs.weights[x * xs.size + j];
            const col = xs.starts[x] + j;
            if (wt === 0 || col >= w) continue;
            const at = ((b * h + row) * w + col) * c;
            for (let k = 0; k < c; k++) {
              if (adjoint) dst[at + k] += src[o + k] * wt;
              else dst[o + k] += src[at + k] * wt;
            }
          }
        }
}

function scaleArgs(node: NodeInfo, scaleV: NDArray, translateV: NDArray) {
  const scale = pairOf(scaleV, "scale", node.type);
  const translate = pairOf(translateV, "translation", node.type);
  if (!(scale[0] > 0 && scale[1] > 0))
    throw new InvalidArgumentError(`${node.type}: Scale must be greater than zero, got [${scale}]`);
  return { scale, translate };
}

cpuBackend.register("ScaleAndTranslate", (node) => {
  const { k, antialias } = readKernel(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    const [n, h, w, c] = check4D(x, "input", node.type);
    const [oh, ow] = sizePair(arr(inputs[1]), "size", node.type);
    const { scale, translate } = scaleArgs(node, arr(inputs[2]), arr(inputs[3]));
    if (h <= 0 || w <= 0)
      throw new InvalidArgumentError(`${node.type}: input image must be of non-zero size`);
    checkSize(n * oh * ow * c, node.type);
    const ys = computeSpans(k, oh, h, scale[0], translate[0], antialias);
    const xs = computeSpans(k, ow, w, scale[1], translate[1], antialias);
    const out = floats("float32", n * oh * ow * c, node.type);
    resample(numbers(x), out, { n, h, w, c, oh, ow }, ys, xs, false);
    return [new NDArray("float32", [n, oh, ow, c], out)];
  };
});

cpuBackend.register("ScaleAndTranslateGrad", (node) => {
  const { k, antialias } = readKernel(node);
  return (inputs) => {
    const dy = arr(inputs[0]);
    const orig = arr(inputs[1]);
    const [n, oh, ow, c] = check4D(dy, "grads", node.type);
    const [n2, h, w, c2] = check4D(orig, "original_image", node.type);
    if (n !== n2 || c !== c2)
      throw new InvalidArgumentError(
        `${node.type}: grads ${shapeString(dy.shape)} and original_image ${shapeString(orig.shape)} differ in batch or depth`,
      );
    const { scale, translate } = scaleArgs(node, arr(inputs[2]), arr(inputs[3]));
    checkSize(n * h * w * c, node.type);
    const ys = computeSpans(k, oh, h, scale[0], translate[0], antialias);
    const xs = computeSpans(k, ow, w, scale[1], translate[1], antialias);
    const dx = floats(orig.dtype, n * h * w * c, node.type);
    resample(numbers(dy), dx, { n, h, w, c, oh, ow }, ys, xs, true);
    return [new NDArray(orig.dtype, orig.shape, dx)];
  };
});
