// Random image kernels: RandomCrop (the V1 op) and SampleDistortedBoundingBox (V1 and V2), with
// TF's sampling procedure (sample_distorted_bounding_box_op.cc): up to max_attempts crops of a
// random aspect ratio and area, the first that covers enough of some bounding box wins, else
// the whole image. Each op's Philox generator lives in the session, as for the random ops.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type KernelEnv, type NodeInfo } from "../kernel.js";
import { numbers, scalarOf } from "./image_util.js";
import { cpuBackend } from "./index.js";
import { SingleSampler } from "./philox.js";
import { generatorFor } from "./random.js";

cpuBackend.register("RandomCrop", (node, env) => {
  const gen = generatorFor(node, env);
  return (inputs) => {
    const image = arr(inputs[0]);
    const size = arr(inputs[1]);
    if (image.rank !== 3)
      throw new InvalidArgumentError(
        `${node.type}: input must be 3-dimensional, got ${shapeString(image.shape)}`,
      );
    if (size.rank !== 1 || size.size !== 2)
      throw new InvalidArgumentError(
        `${node.type}: size must be a vector of 2 elements, got ${shapeString(size.shape)}`,
      );
    const [h, w, c] = image.shape;
    const [th, tw] = Array.from(numbers(size));
    if (th > h || tw > w || th < 0 || tw < 0)
      throw new InvalidArgumentError(
        `${node.type}: width must be >= target + offset (image ${h}x${w}, crop ${th}x${tw})`,
      );
    const rand = new SingleSampler(gen.reserveSamples32(2));
    // Width first, as TF draws them.
    const x0 = w > tw ? rand.next() % (w - tw + 1) : 0;
    const y0 = h > th ? rand.next() % (h - th + 1) : 0;
    const out = new NDArray(image.dtype, [th, tw, c]);
    const src = image.data as unknown as number[];
    const dst = out.data as unknown as number[];
    for (let y = 0; y < th; y++)
      for (let i = 0; i < tw * c; i++) dst[y * tw * c + i] = src[((y0 + y) * w + x0) * c + i];
    return [out];
  };
});

/** Integer rectangle [x0, y0, x1, y1) in pixels. */
type Rect = [number, number, number, number];
const area = (r: Rect) => (r[2] - r[0]) * (r[3] - r[1]);
function intersect(a: Rect, b: Rect): Rect {
  const r: Rect = [
    Math.max(a[0], b[0]),
    Math.max(a[1], b[1]),
    Math.min(a[2], b[2]),
    Math.min(a[3], b[3]),
  ];
  return r[0] > r[2] || r[1] > r[3] ? [0, 0, 0, 0] : r;
}

/** Round half to even (lrintf). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** TF's GenerateRandomCrop: a crop of the aspect ratio with area in [minArea, maxArea] (relative). */
function randomCrop(
  w: number,
  h: number,
  minRel: number,
  maxRel: number,
  ratio: number,
  next: () => number,
): Rect | null {
  if (maxRel <= 0 || ratio <= 0 || w <= 0 || h <= 0 || minRel > maxRel) return null;
  const f = Math.fround;
  const minArea = f(minRel * w * h);
  const maxArea = f(maxRel * w * h);
  let height = rint(f(Math.sqrt(minArea / ratio)));
  let maxHeight = rint(f(Math.sqrt(maxArea / ratio)));
  if (rint(f(maxHeight * ratio)) > w) {
    maxHeight = Math.trunc((w + 0.5 - 1e-7) / ratio);
    if (rint(f(maxHeight * ratio)) > w) maxHeight -= 1;
  }
  if (maxHeight > h) maxHeight = h;
  if (height >= maxHeight) height = maxHeight;
  if (height < maxHeight) height += next() % (maxHeight - height + 1);
  let width = rint(f(height * ratio));
  let a = width * height;
  if (a < minArea) {
    height += 1;
    width = rint(f(height * ratio));
    a = width * height;
  }
  if (a > maxArea) {
    height -= 1;
    width = rint(f(height * ratio));
    a = width * height;
  }
  if (a < minArea || a > maxArea || width > w || height > h || width <= 0 || height <= 0)
    return null;
  const y = height < h ? next() % (h - height) : 0;
  const x = width < w ? next() % (w - width) : 0;
  return [x, y, x + width, y + height];
}

function covers(crop: Rect, minCovered: number, boxes: Rect[]): boolean {
  if (boxes.length === 0) return true;
  if (area(crop) < 1) return false;
  for (const b of boxes) {
    const ba = area(b);
    if (ba < 1) continue;
    if (area(intersect(crop, b)) / ba >= minCovered) return true;
  }
  return false;
}

function pair(node: NodeInfo, attr: string): [number, number] {
  const v = node.attrs[attr] as number[];
  if (!Array.isArray(v) || v.length !== 2)
    throw new InvalidArgumentError(`${node.type}: ${attr} must contain 2 elements`);
  return [v[0], v[1]];
}

function sampleKernel(node: NodeInfo, env: KernelEnv) {
  const gen = generatorFor(node, env);
  const ratios = pair(node, "aspect_ratio_range");
  const areas = pair(node, "area_range");
  if (ratios[0] <= 0 || ratios[1] <= 0)
    throw new InvalidArgumentError(
      `${node.type}: aspect_ratio_range must be positive: [${ratios}]`,
    );
  if (areas[0] <= 0 || areas[1] <= 0 || areas[0] > 1 || areas[1] > 1)
    throw new InvalidArgumentError(`${node.type}: area_range must be in (0, 1]: [${areas}]`);
  const attempts = Number(node.attrs.max_attempts ?? 100);
  if (attempts <= 0)
    throw new InvalidArgumentError(`${node.type}: max_attempts must be positive, got ${attempts}`);
  const useImage = Boolean(node.attrs.use_image_if_no_bounding_boxes);
  return (inputs: NDArray[]) => {
    const sizeArr = inputs[0];
    if (sizeArr.rank !== 1 || sizeArr.size !== 3)
      throw new InvalidArgumentError(
        `${node.type}: image_size must be 1-D with 3 elements, got ${shapeString(sizeArr.shape)}`,
      );
    const [h, w] = Array.from(numbers(sizeArr));
    const bb = inputs[1];
    if (bb.rank !== 3 || bb.shape[2] !== 4)
      throw new InvalidArgumentError(
        `${node.type}: bounding_boxes must be [batch, N, 4], got ${shapeString(bb.shape)}`,
      );
    const minCovered =
      inputs.length > 2
        ? scalarOf(inputs[2], "min_object_covered", node.type)
        : Number(node.attrs.min_object_covered ?? 0.1);
    if (minCovered < 0)
      throw new InvalidArgumentError(
        `${node.type}: min_object_covered must be >= 0, got ${minCovered}`,
      );
    const b = numbers(bb);
    const boxes: Rect[] = [];
    for (let i = 0; i < b.length; i += 4) {
      const [y0, x0, y1, x1] = [b[i], b[i + 1], b[i + 2], b[i + 3]];
      if ([y0, x0, y1, x1].some((v) => v < 0 || v > 1) || y0 > y1 || x0 > x1)
        throw new InvalidArgumentError(
          `${node.type}: bounding boxes must be [ymin, xmin, ymax, xmax] in [0, 1] with min <= max, got [${y0}, ${x0}, ${y1}, ${x1}]`,
        );
      boxes.push([Math.trunc(x0 * w), Math.trunc(y0 * h), Math.trunc(x1 * w), Math.trunc(y1 * h)]);
    }
    if (boxes.length === 0) {
      if (!useImage)
        throw new InvalidArgumentError(
          `${node.type}: No bounding boxes provided as input. One must enable use_image_if_no_bounding_boxes if you wish to not provide any bounding boxes.`,
        );
      boxes.push([0, 0, w, h]);
    }
    const rand = new SingleSampler(gen.reserveSamples32(4 * attempts));
    const next = () => rand.next();
    let crop: Rect = [0, 0, w, h];
    for (let i = 0; i < attempts; i++) {
      // TF's RandFloat: 23 random mantissa bits in [0, 1).
      const u = (next() & 0x7fffff) * 2 ** -23;
      const r = randomCrop(w, h, areas[0], areas[1], u * (ratios[1] - ratios[0]) + ratios[0], next);
      if (r && covers(r, minCovered, boxes)) {
        crop = r;
        break;
      }
    }
    const dtype = sizeArr.dtype;
    const vec = (v: number[]) => NDArray.from(dtype === "int64" ? v.map(BigInt) : v, dtype);
    const bbox = [crop[1] / h, crop[0] / w, crop[3] / h, crop[2] / w];
    return [
      vec([crop[1], crop[0], 0]),
      vec([crop[3] - crop[1], crop[2] - crop[0], -1]),
      new NDArray("float32", [1, 1, 4], Float32Array.from(bbox)),
    ];
  };
}

cpuBackend.register("SampleDistortedBoundingBox", (node, env) => {
  const k = sampleKernel(node, env);
  return (inputs) => k(inputs.map(arr));
});
cpuBackend.register("SampleDistortedBoundingBoxV2", (node, env) => {
  const k = sampleKernel(node, env);
  return (inputs) => k(inputs.map(arr));
});
