// Colour kernels: RGBToHSV, HSVToRGB, AdjustHue, AdjustSaturation, AdjustContrastv2 and the
// deprecated AdjustContrast. Hue is in [0, 1) (a sixth per RGB primary/secondary), as in TF.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { floats, numbers, scalarOf } from "./image_util.js";
import { cpuBackend } from "./index.js";

function checkRGB(x: NDArray, op: string): void {
  if (x.rank < 1 || x.shape[x.rank - 1] !== 3)
    throw new InvalidArgumentError(
      `${op}: input must have 3 channels in its last dimension, got shape ${shapeString(x.shape)}`,
    );
}

/** Hue in [0, 1), from the max and min channel; 0 for greys. */
function hueOf(r: number, g: number, b: number, max: number, range: number): number {
  if (range <= 0) return 0;
  const norm = 1 / (6 * range);
  let h: number;
  if (r === max) h = norm * (g - b);
  else if (g === max) h = norm * (b - r) + 2 / 6;
  else h = norm * (r - g) + 4 / 6;
  return h < 0 ? h + 1 : h;
}

/** TF's HSV to RGB: each channel a clamped piecewise-linear function of the hue. */
function hsvToRgb(h: number, s: number, v: number, out: Float64Array): void {
  const dh = h * 6;
  const dr = Math.min(Math.max(Math.abs(dh - 3) - 1, 0), 1);
  const dg = Math.min(Math.max(2 - Math.abs(dh - 2), 0), 1);
  const db = Math.min(Math.max(2 - Math.abs(dh - 4), 0), 1);
  const ms = 1 - s;
  out[0] = (ms + s * dr) * v;
  out[1] = (ms + s * dg) * v;
  out[2] = (ms + s * db) * v;
}

/** Runs `fn(r, g, b, out)` on each pixel of a [..., 3] float image. */
function perPixel(
  node: NodeInfo,
  x: NDArray,
  fn: (a: number, b: number, c: number, out: Float64Array) => void,
): NDArray {
  checkRGB(x, node.type);
  const src = numbers(x);
  const dst = floats(x.dtype, x.size, node.type);
  const px = new Float64Array(3);
  for (let i = 0; i < x.size; i += 3) {
    fn(src[i], src[i + 1], src[i + 2], px);
    dst[i] = px[0];
    dst[i + 1] = px[1];
    dst[i + 2] = px[2];
  }
  return new NDArray(x.dtype, x.shape, dst);
}

cpuBackend.register("RGBToHSV", (node) => (inputs) => [
  perPixel(node, arr(inputs[0]), (r, g, b, out) => {
    const max = Math.max(r, g, b);
    const range = max - Math.min(r, g, b);
    out[0] = hueOf(r, g, b, max, range);
    out[1] = max > 0 ? range / max : 0;
    out[2] = max;
  }),
]);

cpuBackend.register("HSVToRGB", (node) => (inputs) => [
  perPixel(node, arr(inputs[0]), (h, s, v, out) => hsvToRgb(h, s, v, out)),
]);

cpuBackend.register("AdjustHue", (node) => (inputs) => {
  const delta = scalarOf(arr(inputs[1]), "delta", node.type);
  return [
    perPixel(node, arr(inputs[0]), (r, g, b, out) => {
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      let h = (hueOf(r, g, b, max, max - min) + delta) % 1;
      if (h < 0) h += 1;
      // Rotating the hue keeps the max and min channels: s and v are unchanged.
      hsvToRgb(h, max > 0 ? (max - min) / max : 0, max, out);
    }),
  ];
});

cpuBackend.register("AdjustSaturation", (node) => (inputs) => {
  const scale = scalarOf(arr(inputs[1]), "scale", node.type);
  return [
    perPixel(node, arr(inputs[0]), (r, g, b, out) => {
      const max = Math.max(r, g, b);
      const range = max - Math.min(r, g, b);
      const s = Math.min(1, Math.max(0, (max > 0 ? range / max : 0) * scale));
      hsvToRgb(hueOf(r, g, b, max, range), s, max, out);
    }),
  ];
});

/**
 * (x - mean) * factor + mean, the mean per image and channel over height and width; with
 * bounds, the result is clipped to [lo, hi] (AdjustContrast V1).
 */
function contrast(node: NodeInfo, x: NDArray, factor: number, bounds?: [number, number]): NDArray {
  if (x.rank < 3)
    throw new InvalidArgumentError(
      `${node.type}: input must be at least 3-D, got shape ${shapeString(x.shape)}`,
    );
  const c = x.shape[x.rank - 1];
  const hw = x.shape[x.rank - 2] * x.shape[x.rank - 3];
  const images = c * hw === 0 ? 0 : x.size / (c * hw);
  const src = numbers(x);
  const outType = bounds ? "float32" : x.dtype;
  const dst = floats(outType, x.size, node.type);
  const mean = new Float64Array(c);
  for (let b = 0; b < images; b++) {
    const base = b * hw * c;
    mean.fill(0);
    for (let p = 0; p < hw; p++) for (let k = 0; k < c; k++) mean[k] += src[base + p * c + k];
    for (let k = 0; k < c; k++) mean[k] /= hw;
    for (let p = 0; p < hw; p++)
      for (let k = 0; k < c; k++) {
        const i = base + p * c + k;
        let v = (src[i] - mean[k]) * factor + mean[k];
        if (bounds) v = Math.min(Math.max(v, bounds[0]), bounds[1]);
        dst[i] = v;
      }
  }
  return new NDArray(outType, x.shape, dst);
}

cpuBackend.register("AdjustContrastv2", (node) => (inputs) => [
  contrast(node, arr(inputs[0]), scalarOf(arr(inputs[1]), "contrast_factor", node.type)),
]);

cpuBackend.register("AdjustContrast", (node) => (inputs) => {
  const factor = scalarOf(arr(inputs[1]), "contrast_factor", node.type);
  const lo = scalarOf(arr(inputs[2]), "min_value", node.type);
  const hi = scalarOf(arr(inputs[3]), "max_value", node.type);
  return [contrast(node, arr(inputs[0]), factor, [lo, hi])];
});
