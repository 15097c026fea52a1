// tf.image functions composed from other ops, as TF's Python image_ops defines them: flips,
// rotations, crops and pads, random flips and crops, dtype conversion,
// brightness/contrast/hue/saturation/gamma, greyscale, standardisation and decode_image.
// (The metrics are in image_metrics.ts.)
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { clipByValue } from "./clip_ops.js";
import { cond } from "./control_flow.js";
import {
  decodeBmp,
  decodeGif,
  decodeJpeg,
  decodePng,
  resizeArea,
  resizeBicubic,
  resizeBilinear,
  resizeNearestNeighbor,
} from "./image_api.js";
import { cast, equal, floorDiv, less, mul, sub } from "./math.js";
import { convertToTensor, makeOp1, type TensorLike } from "./op_builder.js";
import { randomUniform } from "./random.js";
import { reduceMean, reduceSum } from "./reduction.js";

/** The static rank, which these functions need (3 for one image, 4 for a batch). */
function rankOf(x: Tensor, allowed: number[] = [3, 4]): number {
  const r = x.shape.rank;
  if (r === null || !allowed.includes(r))
    throw new ValueError(
      `'image' must have ${allowed.join(" or ")} dimensions (known at construction), got shape ${x.shape}`,
    );
  return r;
}

/** [height, width] of an image or batch, which must be known at construction. */
function staticSize(x: Tensor): [number, number] {
  const r = rankOf(x);
  const h = x.shape.dim(r - 3);
  const w = x.shape.dim(r - 2);
  if (h === null || w === null)
    throw new ValueError(
      `The image's height and width must be known at construction, got ${x.shape}`,
    );
  return [h, w];
}

const named = <T>(x: TensorLike, name: string | undefined, fn: (t: Tensor) => T): T => {
  const t = convertToTensor(x);
  return t.graph.nameScope(name ?? "image", () => fn(t));
};

// ---- Geometry ----

/** Mirrors images left to right (tf.image.flip_left_right). */
export function flipLeftRight(image: TensorLike, options: { name?: string } = {}): Tensor {
  return named(image, options.name ?? "flip_left_right", (x) =>
    makeOp1("ReverseV2", [x, convertToTensor([rankOf(x) - 2], "int32")]),
  );
}

/** Mirrors images top to bottom (tf.image.flip_up_down). */
export function flipUpDown(image: TensorLike, options: { name?: string } = {}): Tensor {
  return named(image, options.name ?? "flip_up_down", (x) =>
    makeOp1("ReverseV2", [x, convertToTensor([rankOf(x) - 3], "int32")]),
  );
}

/** Swaps height and width (tf.image.transpose_image). */
export function transposeImage(image: TensorLike, options: { name?: string } = {}): Tensor {
  return named(image, options.name ?? "transpose", (x) => {
    const perm = rankOf(x) === 3 ? [1, 0, 2] : [0, 2, 1, 3];
    return makeOp1("Transpose", [x, convertToTensor(perm, "int32")]);
  });
}
export { transposeImage as transpose };

/** Rotates images counter-clockwise by k quarter turns (tf.image.rot90); k known at construction. */
export function rot90(image: TensorLike, k = 1, options: { name?: string } = {}): Tensor {
  if (!Number.isInteger(k)) throw new ValueError(`rot90: k must be an integer, got ${k}`);
  return named(image, options.name ?? "rot90", (x) => {
    const turns = ((k % 4) + 4) % 4;
    if (turns === 0) return makeOp1("Identity", [x]);
    if (turns === 1) return transposeImage(flipLeftRight(x));
    if (turns === 2) return flipUpDown(flipLeftRight(x));
    return flipLeftRight(transposeImage(x));
  });
}

/**
 * Mirrors an image left to right with probability 1/2 (tf.image.random_flip_left_right); a
 * batch draws one coin per image. `seed` as for every random op.
 */
export function randomFlipLeftRight(
  image: TensorLike,
  options: { seed?: number; name?: string } = {},
): Tensor {
  return named(image, options.name ?? "random_flip_left_right", (x) => {
    if (rankOf(x) === 3) {
      const coin = less(randomUniform([], { seed: options.seed }), 0.5);
      return cond(
        coin,
        () => flipLeftRight(x),
        () => makeOp1("Identity", [x]),
      );
    }
    const n = x.shape.dim(0);
    const batch =
      n ??
      makeOp1("Slice", [
        makeOp1("Shape", [x], { out_type: "int32" }),
        convertToTensor([0], "int32"),
        convertToTensor([1], "int32"),
      ]);
    const coins = less(
      randomUniform(typeof batch === "number" ? [batch] : batch, { seed: options.seed }),
      0.5,
    );
    // Select with a rank-1 condition picks whole images.
    return makeOp1("Select", [coins, flipLeftRight(x), x]);
  });
}

function checkBox(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0)
    throw new ValueError(`${what} must be a non-negative integer, got ${v}`);
}

/** The [offsetHeight, offsetWidth, targetHeight, targetWidth] window of images (tf.image.crop_to_bounding_box). */
export function cropToBoundingBox(
  image: TensorLike,
  offsetHeight: number,
  offsetWidth: number,
  targetHeight: number,
  targetWidth: number,
  options: { name?: string } = {},
): Tensor {
  return named(image, options.name ?? "crop_to_bounding_box", (x) => {
    const r = rankOf(x);
    const [h, w] = staticSize(x);
    for (const [k, v] of Object.entries({ offsetHeight, offsetWidth, targetHeight, targetWidth }))
      checkBox(k, v);
    if (targetHeight === 0 || targetWidth === 0)
      throw new ValueError("target_height and target_width must be > 0");
    if (offsetHeight + targetHeight > h) throw new ValueError("height must be >= target + offset.");
    if (offsetWidth + targetWidth > w) throw new ValueError("width must be >= target + offset.");
    const begin = r === 3 ? [offsetHeight, offsetWidth, 0] : [0, offsetHeight, offsetWidth, 0];
    const size = r === 3 ? [targetHeight, targetWidth, -1] : [-1, targetHeight, targetWidth, -1];
    return makeOp1("Slice", [x, convertToTensor(begin, "int32"), convertToTensor(size, "int32")]);
  });
}

/** Pads images with zeros to targetHeight x targetWidth, placing them at the offsets (tf.image.pad_to_bounding_box). */
export function padToBoundingBox(
  image: TensorLike,
  offsetHeight: number,
  offsetWidth: number,
  targetHeight: number,
  targetWidth: number,
  options: { name?: string } = {},
): Tensor {
  return named(image, options.name ?? "pad_to_bounding_box", (x) => {
    const r = rankOf(x);
    const [h, w] = staticSize(x);
    for (const [k, v] of Object.entries({ offsetHeight, offsetWidth })) checkBox(k, v);
    const after = [targetHeight - offsetHeight - h, targetWidth - offsetWidth - w];
    if (after[0] < 0) throw new ValueError("height must be <= target - offset");
    if (after[1] < 0) throw new ValueError("width must be <= target - offset");
    const rows = [
      [offsetHeight, after[0]],
      [offsetWidth, after[1]],
      [0, 0],
    ];
    const paddings = r === 3 ? rows : [[0, 0], ...rows];
    return makeOp1("Pad", [x, convertToTensor(paddings, "int32")]);
  });
}

/** Centre-crops and/or zero-pads images to targetHeight x targetWidth (tf.image.resize_image_with_crop_or_pad). */
export function resizeWithCropOrPad(
  image: TensorLike,
  targetHeight: number,
  targetWidth: number,
  options: { name?: string } = {},
): Tensor {
  return named(image, options.name ?? "resize_image_with_crop_or_pad", (x) => {
    const [h, w] = staticSize(x);
    if (targetHeight <= 0 || targetWidth <= 0)
      throw new ValueError("target_height and target_width must be > 0");
    const dh = targetHeight - h;
    const dw = targetWidth - w;
    const cropped = cropToBoundingBox(
      x,
      Math.max(Math.floor(-dh / 2), 0),
      Math.max(Math.floor(-dw / 2), 0),
      Math.min(targetHeight, h),
      Math.min(targetWidth, w),
    );
    return padToBoundingBox(
      cropped,
      Math.max(Math.floor(dh / 2), 0),
      Math.max(Math.floor(dw / 2), 0),
      targetHeight,
      targetWidth,
    );
  });
}

/** The central `centralFraction` (in (0, 1]) of each image (tf.image.central_crop). */
export function centralCrop(
  image: TensorLike,
  centralFraction: number,
  options: { name?: string } = {},
): Tensor {
  if (!(centralFraction > 0 && centralFraction <= 1))
    throw new ValueError("central_fraction must be within (0, 1]");
  return named(image, options.name ?? "central_crop", (x) => {
    if (centralFraction === 1) return makeOp1("Identity", [x]);
    const [h, w] = staticSize(x);
    const top = Math.trunc((h - h * centralFraction) / 2);
    const left = Math.trunc((w - w * centralFraction) / 2);
    return cropToBoundingBox(x, top, left, h - 2 * top, w - 2 * left);
  });
}

export type ResizeMethod = "bilinear" | "nearest" | "bicubic" | "area" | 0 | 1 | 2 | 3;

/**
 * Resizes images to `size` = [height, width] (tf.image.resize_images): method "bilinear" (0,
 * default), "nearest" (1), "bicubic" (2) or "area" (3). Float results except for nearest.
 */
export function resizeImages(
  images: TensorLike,
  size: TensorLike,
  options: { method?: ResizeMethod; alignCorners?: boolean; name?: string } = {},
): Tensor {
  const method = options.method ?? "bilinear";
  const o = { alignCorners: options.alignCorners ?? false, name: options.name };
  switch (method) {
    case "bilinear":
    case 0:
      return resizeBilinear(images, size, o);
    case "nearest":
    case 1:
      return resizeNearestNeighbor(images, size, o);
    case "bicubic":
    case 2:
      return resizeBicubic(images, size, o);
    case "area":
    case 3:
      return resizeArea(images, size, o);
    default:
      throw new ValueError(`Resize method is not implemented: ${String(method)}`);
  }
}

// ---- Dtypes ----

const INT_MAX: Partial<Record<DType, number>> = {
  uint8: 255,
  int32: 2 ** 31 - 1,
  int64: 2 ** 63 - 1,
};
const INT_MIN: Partial<Record<DType, number>> = { uint8: 0, int32: -(2 ** 31), int64: -(2 ** 63) };
const isFloatType = (d: DType) => d === "float32" || d === "float64";

/**
 * Converts images between dtypes with TF's scaling (tf.image.convert_image_dtype): floats span
 * [0, 1) and integers [0, MAX]; int to int shifts by the width difference, float to int scales
 * by MAX + 0.5 (clipped first with `saturate`).
 */
export function convertImageDtype(
  image: TensorLike,
  dtype: DType,
  options: { saturate?: boolean; name?: string } = {},
): Tensor {
  const x = convertToTensor(image);
  const from = x.dtype;
  const fromMax = INT_MAX[from];
  const toMax = INT_MAX[dtype];
  if ((fromMax === undefined && !isFloatType(from)) || (toMax === undefined && !isFloatType(dtype)))
    throw new ValueError(`convert_image_dtype: unsupported conversion ${from} -> ${dtype}`);
  if (from === dtype) return makeOp1("Identity", [x], {}, options.name);
  return x.graph.nameScope(options.name ?? "convert_image", () => {
    if (fromMax !== undefined && toMax !== undefined) {
      if (fromMax > toMax) {
        // 2^a / 2^b exactly: (fromMax + 1) / (toMax + 1).
        const scale = Math.round((fromMax + 1) / (toMax + 1));
        return cast(floorDiv(x, convertToTensor(scale, from)), dtype);
      }
      const scale = Math.round((toMax + 1) / (fromMax + 1));
      return mul(cast(x, dtype), convertToTensor(scale, dtype));
    }
    if (isFloatType(from) && isFloatType(dtype)) return cast(x, dtype);
    if (fromMax !== undefined) return mul(cast(x, dtype), convertToTensor(1 / fromMax, dtype));
    const scaled = mul(x, convertToTensor(toMax! + 0.5, from));
    if (!options.saturate) return cast(scaled, dtype);
    return cast(clipByValue(scaled, INT_MIN[dtype]!, toMax!), dtype);
  });
}

/** Runs fn on the image as float32 (floats as they are) and converts back, saturating. */
function inFloat(image: TensorLike, name: string, fn: (x: Tensor) => Tensor): Tensor {
  return named(image, name, (x) => {
    const dtype = x.dtype;
    const f = isFloatType(dtype) ? x : convertImageDtype(x, "float32");
    return convertImageDtype(fn(f), dtype, { saturate: true });
  });
}

// ---- Colour ----

/** Adds `delta` to every channel (tf.image.adjust_brightness); integer images are converted to floats and back. */
export function adjustBrightness(
  image: TensorLike,
  delta: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return inFloat(image, options.name ?? "adjust_brightness", (x) =>
    makeOp1("AddV2", [x, convertToTensor(delta, x.dtype, undefined, x.graph)]),
  );
}

/** (x - mean) * factor + mean per image and channel (tf.image.adjust_contrast, AdjustContrastv2). */
export function adjustContrast(
  images: TensorLike,
  contrastFactor: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return inFloat(images, options.name ?? "adjust_contrast", (x) => {
    const f32 = x.dtype === "float32" ? x : cast(x, "float32");
    const y = makeOp1("AdjustContrastv2", [
      f32,
      convertToTensor(contrastFactor, "float32", undefined, x.graph),
    ]);
    return x.dtype === "float32" ? y : cast(y, x.dtype);
  });
}

function hsvAdjust(type: string, image: TensorLike, amount: TensorLike, name: string): Tensor {
  return inFloat(image, name, (x) => {
    const f32 = x.dtype === "float32" ? x : cast(x, "float32");
    const y = makeOp1(type, [f32, convertToTensor(amount, "float32", undefined, x.graph)]);
    return x.dtype === "float32" ? y : cast(y, x.dtype);
  });
}

/** Rotates the hue by `delta` (in [-1, 1], a full turn per unit) (tf.image.adjust_hue). */
export function adjustHue(
  image: TensorLike,
  delta: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return hsvAdjust("AdjustHue", image, delta, options.name ?? "adjust_hue");
}

/** Multiplies the saturation by `saturationFactor`, clipped to [0, 1] (tf.image.adjust_saturation). */
export function adjustSaturation(
  image: TensorLike,
  saturationFactor: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return hsvAdjust(
    "AdjustSaturation",
    image,
    saturationFactor,
    options.name ?? "adjust_saturation",
  );
}

/** gain * image ** gamma on [0, 1] floats (tf.image.adjust_gamma). */
export function adjustGamma(
  image: TensorLike,
  gamma = 1,
  gain = 1,
  options: { name?: string } = {},
): Tensor {
  if (gamma < 0) throw new ValueError("Gamma should be a non-negative real number.");
  return inFloat(image, options.name ?? "adjust_gamma", (x) =>
    mul(convertToTensor(gain, x.dtype), makeOp1("Pow", [x, convertToTensor(gamma, x.dtype)])),
  );
}

/** ITU-R 601 luma of RGB images, keeping a last dim of 1 (tf.image.rgb_to_grayscale). */
export function rgbToGrayscale(images: TensorLike, options: { name?: string } = {}): Tensor {
  return inFloat(images, options.name ?? "rgb_to_grayscale", (x) => {
    const weights = convertToTensor([0.2989, 0.587, 0.114], x.dtype, undefined, x.graph);
    return reduceSum(mul(x, weights), -1, true);
  });
}

/** Repeats a single channel three times (tf.image.grayscale_to_rgb). */
export function grayscaleToRgb(images: TensorLike, options: { name?: string } = {}): Tensor {
  return named(images, options.name ?? "grayscale_to_rgb", (x) => {
    const last = x.shape.rank === null ? null : x.shape.dim(x.shape.rank - 1);
    if (last !== null && last !== 1)
      throw new ValueError(`The last dimension of images must be 1, got ${x.shape}`);
    return makeOp1("ConcatV2", [[x, x, x], convertToTensor(-1, "int32")]);
  });
}

/**
 * (x - mean) / max(stddev, 1 / sqrt(num_pixels)) per image (tf.image.per_image_standardization);
 * float32 result.
 */
export function perImageStandardization(
  image: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return named(image, options.name ?? "per_image_standardization", (x) => {
    const r = rankOf(x);
    const f = cast(x, "float32");
    const axes = [-1, -2, -3];
    const mean = reduceMean(f, axes, true);
    const centred = sub(f, mean);
    const std = makeOp1("Sqrt", [reduceMean(makeOp1("Square", [centred]), axes, true)]);
    const dims = makeOp1("Slice", [
      makeOp1("Shape", [f], { out_type: "int32" }),
      convertToTensor([r - 3], "int32"),
      convertToTensor([3], "int32"),
    ]);
    const pixels = cast(makeOp1("Prod", [dims, convertToTensor(0, "int32")]), "float32");
    return makeOp1("RealDiv", [centred, makeOp1("Maximum", [std, makeOp1("Rsqrt", [pixels])])]);
  });
}

// ---- Decoding any format ----

/**
 * Decodes a JPEG, PNG, GIF or BMP by its leading bytes, as tf.image.decode_image's Python does
 * (conds on the first bytes), then converts to `dtype` (uint8 by default, else
 * convert_image_dtype). GIFs give [frames, height, width, 3], or their first frame with
 * `expandAnimations: false`; the others [height, width, channels].
 */
export function decodeImage(
  contents: TensorLike,
  options: { channels?: number; dtype?: DType; name?: string; expandAnimations?: boolean } = {},
): Tensor {
  const c = convertToTensor(contents, "string");
  const channels = options.channels ?? 0;
  return c.graph.nameScope(options.name ?? "decode_image", () => {
    // UTF8_CHAR units: on a byte string, one char is one byte.
    const head = makeOp1("Substr", [c, convertToTensor(0, "int32"), convertToTensor(3, "int32")], {
      unit: "UTF8_CHAR",
    });
    const is = (signature: string) => equal(head, convertToTensor(signature, "string"));
    const gif = () => {
      if (channels !== 0 && channels !== 3)
        throw new ValueError("Channels must be in (None, 0, 3) when decoding GIF images");
      const frames = decodeGif(c);
      if (options.expandAnimations ?? true) return frames;
      return makeOp1("Slice", [
        frames,
        convertToTensor([0, 0, 0, 0], "int32"),
        convertToTensor([1, -1, -1, -1], "int32"),
      ]);
    };
    const firstFrame = (t: Tensor) =>
      options.expandAnimations === false ? makeOp1("Squeeze", [t], { squeeze_dims: [0] }) : t;
    const bmp = () => {
      if (channels !== 0 && channels !== 3)
        throw new ValueError("Channels must be in (None, 0, 3) when decoding BMP images");
      return decodeBmp(c);
    };
    const image = cond(
      is("\xff\xd8\xff"),
      () => decodeJpeg(c, { channels }),
      () =>
        cond(
          is("\x89PN"),
          () => decodePng(c, { channels }),
          () =>
            cond(
              is("GIF"),
              () => firstFrame(gif()),
              () => bmp(),
            ),
        ),
    );
    const dtype = options.dtype ?? "uint8";
    return dtype === "uint8" ? image : convertImageDtype(image, dtype);
  });
}

/**
 * A random `size` crop of `value` (tf.image.random_crop), any rank: uniform offsets drawn with
 * `seed`, then a slice. `size` must fit in value's shape.
 */
export function randomCrop(
  value: TensorLike,
  size: readonly number[],
  options: { seed?: number; name?: string } = {},
): Tensor {
  return named(value, options.name ?? "random_crop", (x) => {
    const r = x.shape.rank;
    if (r !== null && r !== size.length)
      throw new ValueError(
        `random_crop: size ${JSON.stringify(size)} must have the rank of value ${x.shape}`,
      );
    size.forEach((s, i) => {
      const d = x.shape.dim(i);
      if (d !== null && s > d)
        throw new ValueError(`Need value.shape >= size, got ${x.shape} and [${size}]`);
    });
    const sizeT = convertToTensor([...size], "int32");
    const limit = makeOp1("AddV2", [
      sub(makeOp1("Shape", [x], { out_type: "int32" }), sizeT),
      convertToTensor(1, "int32"),
    ]);
    const raw = randomUniform([size.length], {
      dtype: "int32",
      maxval: 2 ** 31 - 1,
      seed: options.seed,
    });
    return makeOp1("Slice", [x, makeOp1("FloorMod", [raw, limit]), sizeT]);
  });
}
