// CropAndResize (bilinear or nearest sampling of normalised boxes) with its image and boxes
// gradients, and DrawBoundingBoxes (V1 and V2, with TF's default colour table).
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { check4D, checkSize, floats, numbers, sizePair } from "./image_util.js";
import { cpuBackend } from "./index.js";

/** Checks boxes [num_boxes, 4] and box_ind [num_boxes] (each index in [0, batch)). */
function readBoxes(boxes: NDArray, boxInd: NDArray, batch: number, op: string) {
  if (boxes.rank !== 2 || boxes.shape[1] !== 4)
    throw new InvalidArgumentError(
      `${op}: boxes must be 2-D [num_boxes, 4], got shape ${shapeString(boxes.shape)}`,
    );
  const n = boxes.shape[0];
  if (boxInd.rank !== 1 || boxInd.shape[0] !== n)
    throw new InvalidArgumentError(
      `${op}: box_index has incompatible shape ${shapeString(boxInd.shape)} (expected [${n}])`,
    );
  const ind = numbers(boxInd);
  for (let i = 0; i < n; i++)
    if (!(ind[i] >= 0 && ind[i] < batch))
      throw new InvalidArgumentError(
        `${op}: box_index has values outside [0, batch_size): box_index[${i}] = ${ind[i]}, batch_size = ${batch}`,
      );
  return { n, b: numbers(boxes), ind };
}

/**
 * Where crop row/column i of a box samples the image: (y1 + i * step) * (size - 1) for crops of
 * more than one pixel, the box centre otherwise. `null` is outside the image.
 */
function sampleAt(lo: number, hi: number, i: number, crop: number, size: number): number | null {
  const at =
    crop > 1
      ? lo * (size - 1) + (i * ((hi - lo) * (size - 1))) / (crop - 1)
      : 0.5 * (lo + hi) * (size - 1);
  return at < 0 || at > size - 1 ? null : at;
}

interface Tap {
  /** Sample coordinate (null: outside), its floor and ceiling and the fraction between them. */
  at: number | null;
  lo: number;
  hi: number;
  lerp: number;
}

function tap(at: number | null): Tap {
  if (at === null) return { at, lo: 0, hi: 0, lerp: 0 };
  const lo = Math.floor(at);
  return { at, lo, hi: Math.ceil(at), lerp: at - lo };
}

/** Calls fn for each crop pixel inside the image: box, output offset, row and column taps. */
function forEachSample(
  boxes: { n: number; b: ArrayLike<number> },
  ch: number,
  cw: number,
  h: number,
  w: number,
  fn: (box: number, y: number, x: number, ty: Tap, tx: Tap) => void,
): void {
  for (let i = 0; i < boxes.n; i++) {
    const [y1, x1, y2, x2] = [0, 1, 2, 3].map((k) => boxes.b[i * 4 + k]);
    for (let y = 0; y < ch; y++) {
      const ty = tap(sampleAt(y1, y2, y, ch, h));
      for (let x = 0; x < cw; x++) fn(i, y, x, ty, tap(sampleAt(x1, x2, x, cw, w)));
    }
  }
}

function readMethod(node: NodeInfo): "bilinear" | "nearest" {
  const m = (node.attrs.method as string | undefined) ?? "bilinear";
  if (m !== "bilinear" && m !== "nearest")
    throw new InvalidArgumentError(
      `${node.type}: method must be 'bilinear' or 'nearest', got '${m}'`,
    );
  return m;
}

cpuBackend.register("CropAndResize", (node) => {
  const method = readMethod(node);
  const extrapolation = Number(node.attrs.extrapolation_value ?? 0);
  return (inputs) => {
    const image = arr(inputs[0]);
    const [batch, h, w, c] = check4D(image, "image", node.type);
    if (h <= 0 || w <= 0)
      throw new InvalidArgumentError(`${node.type}: image dimensions must be positive`);
    const boxes = readBoxes(arr(inputs[1]), arr(inputs[2]), batch, node.type);
    const [ch, cw] = sizePair(arr(inputs[3]), "crop_size", node.type);
    checkSize(boxes.n * ch * cw * c, node.type);
    const src = numbers(image);
    const out = floats("float32", boxes.n * ch * cw * c, node.type);
    forEachSample(boxes, ch, cw, h, w, (i, y, x, ty, tx) => {
      const o = ((i * ch + y) * cw + x) * c;
      if (ty.at === null || tx.at === null) {
        out.fill(extrapolation, o, o + c);
        return;
      }
      const base = boxes.ind[i] * h;
      if (method === "nearest") {
        const at = ((base + Math.round(ty.at)) * w + Math.round(tx.at)) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[at + k];
        return;
      }
      const tl = ((base + ty.lo) * w + tx.lo) * c;
      const tr = ((base + ty.lo) * w + tx.hi) * c;
      const bl = ((base + ty.hi) * w + tx.lo) * c;
      const br = ((base + ty.hi) * w + tx.hi) * c;
      for (let k = 0; k < c; k++) {
        const top = src[tl + k] + (src[tr + k] - src[tl + k]) * tx.lerp;
        const bot = src[bl + k] + (src[br + k] - src[bl + k]) * tx.lerp;
        out[o + k] = top + (bot - top) * ty.lerp;
      }
    });
    return [new NDArray("float32", [boxes.n, ch, cw, c], out)];
  };
});

function checkGrads(dy: NDArray, n: number, op: string): [number, number, number] {
  const [gn, ch, cw, c] = check4D(dy, "grads", op);
  if (gn !== n)
    throw new InvalidArgumentError(
      `${op}: boxes and grads have incompatible shapes (${n} vs. ${gn} boxes)`,
    );
  return [ch, cw, c];
}

cpuBackend.register("CropAndResizeGradImage", (node) => {
  const method = readMethod(node);
  const dtype = (node.attrs.T as "float32" | "float64" | undefined) ?? "float32";
  return (inputs) => {
    const dy = arr(inputs[0]);
    const size = arr(inputs[3]);
    if (size.rank !== 1 || size.size !== 4)
      throw new InvalidArgumentError(
        `${node.type}: image_size must be a 1-D tensor of 4 elements, got shape ${shapeString(size.shape)}`,
      );
    const [batch, h, w, depth] = Array.from(numbers(size));
    if (batch < 0 || h <= 0 || w <= 0 || depth < 0)
      throw new InvalidArgumentError(`${node.type}: image dimensions must be positive`);
    const boxes = readBoxes(arr(inputs[1]), arr(inputs[2]), batch, node.type);
    const [ch, cw, c] = checkGrads(dy, boxes.n, node.type);
    if (c !== depth)
      throw new InvalidArgumentError(
        `${node.type}: image_size and grads are incompatible (depth ${depth} vs. ${c})`,
      );
    const g = numbers(dy);
    const out = floats(dtype, batch * h * w * c, node.type);
    forEachSample(boxes, ch, cw, h, w, (i, y, x, ty, tx) => {
      if (ty.at === null || tx.at === null) return;
      const o = ((i * ch + y) * cw + x) * c;
      const base = boxes.ind[i] * h;
      if (method === "nearest") {
        const at = ((base + Math.round(ty.at)) * w + Math.round(tx.at)) * c;
        for (let k = 0; k < c; k++) out[at + k] += g[o + k];
        return;
      }
      const tl = ((base + ty.lo) * w + tx.lo) * c;
      const tr = ((base + ty.lo) * w + tx.hi) * c;
      const bl = ((base + ty.hi) * w + tx.lo) * c;
      const br = ((base + ty.hi) * w + tx.hi) * c;
      for (let k = 0; k < c; k++) {
        const top = (1 - ty.lerp) * g[o + k];
        const bot = ty.lerp * g[o + k];
        out[tl + k] += (1 - tx.lerp) * top;
        out[tr + k] += tx.lerp * top;
        out[bl + k] += (1 - tx.lerp) * bot;
        out[br + k] += tx.lerp * bot;
      }
    });
    return [new NDArray(dtype, [batch, h, w, c], out)];
  };
});

cpuBackend.register("CropAndResizeGradBoxes", (node) => (inputs) => {
  const dy = arr(inputs[0]);
  const image = arr(inputs[1]);
  const [batch, h, w, depth] = check4D(image, "image", node.type);
  if (h <= 0 || w <= 0)
    throw new InvalidArgumentError(`${node.type}: image dimensions must be positive`);
  const boxes = readBoxes(arr(inputs[2]), arr(inputs[3]), batch, node.type);
  const [ch, cw, c] = checkGrads(dy, boxes.n, node.type);
  if (c !== depth)
    throw new InvalidArgumentError(
      `${node.type}: image and grads have different depths (${depth} vs. ${c})`,
    );
  const g = numbers(dy);
  const src = numbers(image);
  const out = new Float32Array(boxes.n * 4);
  // d(sample y)/d(y1) = (h - 1) - y * ratio and d/d(y2) = y * ratio; for a one-pixel crop
  // the centre moves by (h - 1) / 2 for either.
  const hr = ch > 1 ? (h - 1) / (ch - 1) : 0;
  const wr = cw > 1 ? (w - 1) / (cw - 1) : 0;
  forEachSample(boxes, ch, cw, h, w, (i, y, x, ty, tx) => {
    if (ty.at === null || tx.at === null) return;
    const o = ((i * ch + y) * cw + x) * c;
    const base = boxes.ind[i] * h;
    const tl = ((base + ty.lo) * w + tx.lo) * c;
    const tr = ((base + ty.lo) * w + tx.hi) * c;
    const bl = ((base + ty.hi) * w + tx.lo) * c;
    const br = ((base + ty.hi) * w + tx.hi) * c;
    let dY = 0;
    let dX = 0;
    for (let k = 0; k < c; k++) {
      const gy =
        (1 - tx.lerp) * (src[bl + k] - src[tl + k]) + tx.lerp * (src[br + k] - src[tr + k]);
      const gx =
        (1 - ty.lerp) * (src[tr + k] - src[tl + k]) + ty.lerp * (src[br + k] - src[bl + k]);
      dY += g[o + k] * gy;
      dX += g[o + k] * gx;
    }
    if (ch > 1) {
      out[i * 4] += dY * (h - 1 - y * hr);
      out[i * 4 + 2] += dY * y * hr;
    } else {
      out[i * 4] += dY * 0.5 * (h - 1);
      out[i * 4 + 2] += dY * 0.5 * (h - 1);
    }
    if (cw > 1) {
      out[i * 4 + 1] += dX * (w - 1 - x * wr);
      out[i * 4 + 3] += dX * x * wr;
    } else {
      out[i * 4 + 1] += dX * 0.5 * (w - 1);
      out[i * 4 + 3] += dX * 0.5 * (w - 1);
    }
  });
  return [new NDArray("float32", [boxes.n, 4], out)];
});

// ---- DrawBoundingBoxes ----

/** TF's default box colours (RGBA): yellow, blue, red, lime, purple, olive, maroon, navy, aqua, fuchsia. */
const DEFAULT_COLORS = [
  [1, 1, 0, 1],
  [0, 0, 1, 1],
  [1, 0, 0, 1],
  [0, 1, 0, 1],
  [0.5, 0, 0.5, 1],
  [0.5, 0.5, 0, 1],
  [0.5, 0, 0, 1],
  [0, 0, 0.5, 1],
  [0, 1, 1, 1],
  [1, 0, 1, 1],
];

function drawBoxes(node: NodeInfo, images: NDArray, boxesArr: NDArray, colors?: NDArray): NDArray {
  const [batch, h, w, depth] = check4D(images, "images", node.type);
  if (depth !== 1 && depth !== 3 && depth !== 4)
    throw new InvalidArgumentError(
      `${node.type}: Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA), got ${depth}`,
    );
  if (boxesArr.rank !== 3 || boxesArr.shape[0] !== batch || boxesArr.shape[2] !== 4)
    throw new InvalidArgumentError(
      `${node.type}: boxes must be [batch, num_boxes, 4], got ${shapeString(boxesArr.shape)} for images ${shapeString(images.shape)}`,
    );
  let table = DEFAULT_COLORS.map((c) => [...c]);
  if (colors && colors.size > 0) {
    if (colors.rank !== 2 || colors.shape[1] < depth)
      throw new InvalidArgumentError(
        `${node.type}: colors must be [num_colors, >= depth], got ${shapeString(colors.shape)}`,
      );
    const cv = numbers(colors);
    const k = colors.shape[1];
    table = Array.from({ length: colors.shape[0] }, (_, i) =>
      Array.from({ length: k }, (_, j) => cv[i * k + j]),
    );
  }
  // Grey images: boxes are drawn white.
  if (depth === 1) for (const c of table) c[0] = 1;
  const out = new NDArray(images.dtype, images.shape, (images.data as Float32Array).slice());
  const dst = out.data as Float32Array;
  const nb = boxesArr.shape[1];
  const bx = numbers(boxesArr);
  const paint = (b: number, y: number, x: number, color: number[]) => {
    const o = ((b * h + y) * w + x) * depth;
    for (let k = 0; k < depth; k++) dst[o + k] = color[k];
  };
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < nb; i++) {
      const color = table[i % table.length];
      const at = (b * nb + i) * 4;
      // Rows and columns truncate toward zero, as TF's static_cast<int64>.
      const top = Math.trunc(bx[at] * (h - 1));
      const left = Math.trunc(bx[at + 1] * (w - 1));
      const bottom = Math.trunc(bx[at + 2] * (h - 1));
      const right = Math.trunc(bx[at + 3] * (w - 1));
      if (top > bottom || left > right) continue;
      if (top >= h || bottom < 0 || left >= w || right < 0) continue;
      const r0 = Math.max(top, 0);
      const r1 = Math.min(bottom, h - 1);
      const c0 = Math.max(left, 0);
      const c1 = Math.min(right, w - 1);
      if (top >= 0) for (let x = c0; x <= c1; x++) paint(b, top, x, color);
      if (bottom < h) for (let x = c0; x <= c1; x++) paint(b, bottom, x, color);
      if (left >= 0) for (let y = r0; y <= r1; y++) paint(b, y, left, color);
      if (right < w) for (let y = r0; y <= r1; y++) paint(b, y, right, color);
    }
  return out;
}

cpuBackend.register("DrawBoundingBoxes", (node) => (inputs) => [
  drawBoxes(node, arr(inputs[0]), arr(inputs[1])),
]);
cpuBackend.register("DrawBoundingBoxesV2", (node) => (inputs) => [
  drawBoxes(node, arr(inputs[0]), arr(inputs[1]), arr(inputs[2])),
]);
