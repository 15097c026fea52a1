// Builders of the image ops (exported as tf.image by ns_image.ts): one per op type, TF's
// required arguments positional and its optional ones in a trailing options object.
import { bytesString } from "../framework/bytes.js";
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { getSeed } from "./random.js";

export interface ResizeOptions {
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
  name?: string;
}

/**
 * Runs a 4-D image op on `images`; a 3-D image is given a batch of one and has it taken away
 * again, as tf.image's Python wrappers do.
 */
export function batched(images: TensorLike, fn: (x: Tensor) => Tensor): Tensor {
  const x = convertToTensor(images);
  const rank = x.shape.rank;
  if (rank !== null && rank !== 3 && rank !== 4)
    throw new ValueError(`'images' must have either 3 or 4 dimensions, got shape ${x.shape}`);
  if (rank !== 3) return fn(x);
  const zero = new NDArray("int32", [], Int32Array.from([0]));
  const y = fn(makeOp1("ExpandDims", [x, zero]));
  return makeOp1("Squeeze", [y], { squeeze_dims: [0] });
}

function resize(type: string, images: TensorLike, size: TensorLike, o: ResizeOptions): Tensor {
  return batched(images, (x) =>
    makeOp1(
      type,
      [x, convertToTensor(size, "int32", undefined, x.graph)],
      { align_corners: o.alignCorners ?? false, half_pixel_centers: o.halfPixelCenters ?? false },
      o.name ?? type,
    ),
  );
}

/** Bilinear resize to `size` = [height, width] (tf.image.resize_bilinear); float32 result. */
export function resizeBilinear(
  images: TensorLike,
  size: TensorLike,
  options: ResizeOptions = {},
): Tensor {
  return resize("ResizeBilinear", images, size, options);
}

/** Nearest-neighbour resize (tf.image.resize_nearest_neighbor); keeps the dtype. */
export function resizeNearestNeighbor(
  images: TensorLike,
  size: TensorLike,
  options: ResizeOptions = {},
): Tensor {
  return resize("ResizeNearestNeighbor", images, size, options);
}

/** Bicubic resize (tf.image.resize_bicubic); float32 result. */
export function resizeBicubic(
  images: TensorLike,
  size: TensorLike,
  options: ResizeOptions = {},
): Tensor {
  return resize("ResizeBicubic", images, size, options);
}

/** Area-averaging resize (tf.image.resize_area); float32 result. */
export function resizeArea(
  images: TensorLike,
  size: TensorLike,
  options: { alignCorners?: boolean; name?: string } = {},
): Tensor {
  return batched(images, (x) =>
    makeOp1(
      "ResizeArea",
      [x, convertToTensor(size, "int32", undefined, x.graph)],
      { align_corners: options.alignCorners ?? false },
      options.name ?? "ResizeArea",
    ),
  );
}

// ---- Crops ----

export interface CropAndResizeOptions {
  /** "bilinear" (default) or "nearest". */
  method?: "bilinear" | "nearest";
  /** Value of crop pixels that fall outside the image (default 0). */
  extrapolationValue?: number;
  name?: string;
}

/**
 * Crops `boxes` ([num_boxes, 4] of normalised [y1, x1, y2, x2]) out of the images `boxInd`
 * points to and resizes each to `cropSize` = [height, width] (tf.image.crop_and_resize).
 */
export function cropAndResize(
  image: TensorLike,
  boxes: TensorLike,
  boxInd: TensorLike,
  cropSize: TensorLike,
  options: CropAndResizeOptions = {},
): Tensor {
  const g = graphOf([image, boxes, boxInd, cropSize]);
  return makeOp1(
    "CropAndResize",
    [
      convertToTensor(image, undefined, undefined, g),
      convertToTensor(boxes, "float32", undefined, g),
      convertToTensor(boxInd, "int32", undefined, g),
      convertToTensor(cropSize, "int32", undefined, g),
    ],
    { method: options.method ?? "bilinear", extrapolation_value: options.extrapolationValue ?? 0 },
    options.name ?? "CropAndResize",
  );
}

// ---- Colour space ----

/** RGB to HSV, all channels in [0, 1] (tf.image.rgb_to_hsv); float images. */
export function rgbToHsv(images: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("RGBToHSV", [images], {}, options.name ?? "RGBToHSV");
}

/** HSV to RGB (tf.image.hsv_to_rgb); float images. */
export function hsvToRgb(images: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("HSVToRGB", [images], {}, options.name ?? "HSVToRGB");
}

// ---- Codecs (encoded images are byte strings: one char per byte) ----

/** Bytes or a byte string as a string tensor. */
function contents(c: TensorLike | Uint8Array): TensorLike {
  if (!(c instanceof Uint8Array)) return c;
  return new NDArray("string", [], [bytesString(c)]);
}

/** PNG-encodes a [height, width, channels] uint8 image (tf.image.encode_png); a scalar byte string. */
export function encodePng(
  image: TensorLike,
  options: { compression?: number; name?: string } = {},
): Tensor {
  return makeOp1(
    "EncodePng",
    [image],
    { compression: options.compression ?? -1 },
    options.name ?? "EncodePng",
  );
}

export interface DecodeOptions {
  /** 0: the file's own channel count; 1, 3 (and for PNG 2, 4): converted to that many. */
  channels?: number;
  name?: string;
}

/** Decodes a PNG (or JPEG) to a [height, width, channels] uint8 image (tf.image.decode_png). */
export function decodePng(
  contentsValue: TensorLike | Uint8Array,
  options: DecodeOptions & { dtype?: DType } = {},
): Tensor {
  return makeOp1(
    "DecodePng",
    [contents(contentsValue)],
    { channels: options.channels ?? 0, dtype: options.dtype ?? "uint8" },
    options.name ?? "DecodePng",
  );
}

export interface DecodeJpegOptions extends DecodeOptions {
  /** Downscaling ratio: 1, 2, 4 or 8. */
  ratio?: number;
  fancyUpscaling?: boolean;
  tryRecoverTruncated?: boolean;
  acceptableFraction?: number;
  dctMethod?: string;
}

function jpegAttrs(o: DecodeJpegOptions): Record<string, AttrValue> {
  return {
    channels: o.channels ?? 0,
    ratio: o.ratio ?? 1,
    fancy_upscaling: o.fancyUpscaling ?? true,
    try_recover_truncated: o.tryRecoverTruncated ?? false,
    acceptable_fraction: o.acceptableFraction ?? 1,
    dct_method: o.dctMethod ?? "",
  };
}

/** Decodes a JPEG (or PNG) to a [height, width, channels] uint8 image (tf.image.decode_jpeg). */
export function decodeJpeg(
  contentsValue: TensorLike | Uint8Array,
  options: DecodeJpegOptions = {},
): Tensor {
  return makeOp1(
    "DecodeJpeg",
    [contents(contentsValue)],
    jpegAttrs(options),
    options.name ?? "DecodeJpeg",
  );
}

/** Decodes the `cropWindow` = [y, x, height, width] part of a JPEG (tf.image.decode_and_crop_jpeg). */
export function decodeAndCropJpeg(
  contentsValue: TensorLike | Uint8Array,
  cropWindow: TensorLike,
  options: DecodeJpegOptions = {},
): Tensor {
  return makeOp1(
    "DecodeAndCropJpeg",
    [contents(contentsValue), convertToTensor(cropWindow, "int32")],
    jpegAttrs(options),
    options.name ?? "DecodeAndCropJpeg",
  );
}

/** [height, width, channels] of a JPEG, read from its header (tf.image.extract_jpeg_shape). */
export function extractJpegShape(
  contentsValue: TensorLike | Uint8Array,
  options: { outputType?: "int32" | "int64"; name?: string } = {},
): Tensor {
  return makeOp1(
    "ExtractJpegShape",
    [contents(contentsValue)],
    { output_type: options.outputType ?? "int32" },
    options.name ?? "ExtractJpegShape",
  );
}

export interface EncodeJpegOptions {
  /** "" (from the channel count), "grayscale" (1 channel) or "rgb" (3 channels). */
  format?: "" | "grayscale" | "rgb";
  /** 0-100 (default 95). */
  quality?: number;
  progressive?: boolean;
  optimizeSize?: boolean;
  chromaDownsampling?: boolean;
  densityUnit?: "in" | "cm";
  xDensity?: number;
  yDensity?: number;
  xmpMetadata?: string;
  name?: string;
}

/** JPEG-encodes a [height, width, 1 or 3] uint8 image (tf.image.encode_jpeg); a scalar byte string. */
export function encodeJpeg(image: TensorLike, options: EncodeJpegOptions = {}): Tensor {
  return makeOp1(
    "EncodeJpeg",
    [image],
    {
      format: options.format ?? "",
      quality: options.quality ?? 95,
      progressive: options.progressive ?? false,
      optimize_size: options.optimizeSize ?? false,
      chroma_downsampling: options.chromaDownsampling ?? true,
      density_unit: options.densityUnit ?? "in",
      x_density: options.xDensity ?? 300,
      y_density: options.yDensity ?? 300,
      xmp_metadata: options.xmpMetadata ?? "",
    },
    options.name ?? "EncodeJpeg",
  );
}

// ---- Bounding boxes and non-max suppression ----

/**
 * Draws `boxes` ([batch, num_boxes, 4], normalised [y1, x1, y2, x2]) on float `images`
 * (tf.image.draw_bounding_boxes); `colors` ([num_colors, 4] RGBA) cycle over the boxes.
 */
export function drawBoundingBoxes(
  images: TensorLike,
  boxes: TensorLike,
  options: { colors?: TensorLike; name?: string } = {},
): Tensor {
  const b = convertToTensor(boxes, "float32");
  if (options.colors === undefined)
    return makeOp1("DrawBoundingBoxes", [images, b], {}, options.name ?? "DrawBoundingBoxes");
  const colors = convertToTensor(options.colors, "float32", undefined, b.graph);
  return makeOp1(
    "DrawBoundingBoxesV2",
    [images, b, colors],
    {},
    options.name ?? "DrawBoundingBoxesV2",
  );
}

export interface NmsOptions {
  /** Boxes overlapping a kept one by more than this IOU are dropped (default 0.5). */
  iouThreshold?: number;
  /** Boxes scoring at or below this are never kept (default -Infinity). */
  scoreThreshold?: number;
  name?: string;
}

function nmsInputs(
  boxes: TensorLike,
  scores: TensorLike,
  maxOutputSize: TensorLike,
  o: NmsOptions,
) {
  const g = graphOf([boxes, scores, maxOutputSize]);
  return [
    convertToTensor(boxes, "float32", undefined, g),
    convertToTensor(scores, "float32", undefined, g),
    convertToTensor(maxOutputSize, "int32", undefined, g),
    convertToTensor(o.iouThreshold ?? 0.5, "float32", undefined, g),
    convertToTensor(o.scoreThreshold ?? Number.NEGATIVE_INFINITY, "float32", undefined, g),
  ];
}

/**
 * Greedy non-max suppression (tf.image.non_max_suppression): the indices of at most
 * `maxOutputSize` boxes ([n, 4] of [y1, x1, y2, x2]), by decreasing score.
 */
export function nonMaxSuppression(
  boxes: TensorLike,
  scores: TensorLike,
  maxOutputSize: TensorLike,
  options: NmsOptions = {},
): Tensor {
  return makeOp1(
    "NonMaxSuppressionV3",
    nmsInputs(boxes, scores, maxOutputSize, options),
    {},
    options.name ?? "NonMaxSuppressionV3",
  );
}

/**
 * Non-max suppression whose indices are padded with zeros to `maxOutputSize` when
 * `padToMaxOutputSize` (tf.image.non_max_suppression_padded): [indices, number valid].
 */
export function nonMaxSuppressionPadded(
  boxes: TensorLike,
  scores: TensorLike,
  maxOutputSize: TensorLike,
  options: NmsOptions & { padToMaxOutputSize?: boolean } = {},
): [Tensor, Tensor] {
  const op = makeOp(
    "NonMaxSuppressionV4",
    nmsInputs(boxes, scores, maxOutputSize, options),
    { pad_to_max_output_size: options.padToMaxOutputSize ?? false },
    options.name ?? "NonMaxSuppressionV4",
  );
  return [op.outputs[0], op.outputs[1]];
}

/**
 * Non-max suppression returning the kept scores too (tf.image.non_max_suppression_with_scores);
 * with `softNmsSigma` > 0 overlapping boxes are down-weighted (Soft-NMS) instead of dropped.
 */
export function nonMaxSuppressionWithScores(
  boxes: TensorLike,
  scores: TensorLike,
  maxOutputSize: TensorLike,
  options: NmsOptions & { softNmsSigma?: number } = {},
): [Tensor, Tensor] {
  const inputs = nmsInputs(boxes, scores, maxOutputSize, options);
  const sigma = convertToTensor(options.softNmsSigma ?? 0, "float32", undefined, inputs[0].graph);
  const op = makeOp(
    "NonMaxSuppressionV5",
    [...inputs, sigma],
    { pad_to_max_output_size: false },
    options.name ?? "NonMaxSuppressionV5",
  );
  return [op.outputs[0], op.outputs[1]];
}

/** Non-max suppression over a given [n, n] overlap matrix (tf.image.non_max_suppression_overlaps). */
export function nonMaxSuppressionOverlaps(
  overlaps: TensorLike,
  scores: TensorLike,
  maxOutputSize: TensorLike,
  options: { overlapThreshold?: number; scoreThreshold?: number; name?: string } = {},
): Tensor {
  const g = graphOf([overlaps, scores, maxOutputSize]);
  return makeOp1(
    "NonMaxSuppressionWithOverlaps",
    [
      convertToTensor(overlaps, "float32", undefined, g),
      convertToTensor(scores, "float32", undefined, g),
      convertToTensor(maxOutputSize, "int32", undefined, g),
      convertToTensor(options.overlapThreshold ?? 0.5, "float32", undefined, g),
      convertToTensor(options.scoreThreshold ?? Number.NEGATIVE_INFINITY, "float32", undefined, g),
    ],
    {},
    options.name ?? "NonMaxSuppressionWithOverlaps",
  );
}

export interface CombinedNmsOptions {
  iouThreshold?: number;
  scoreThreshold?: number;
  /** Pad to min(maxOutputSizePerClass * classes, maxTotalSize) instead of maxTotalSize. */
  padPerClass?: boolean;
  /** Clip the returned boxes to [0, 1] (default true). */
  clipBoxes?: boolean;
  name?: string;
}

/**
 * Per-class NMS over a batch (tf.image.combined_non_max_suppression): boxes [batch, n, q, 4],
 * scores [batch, n, classes]; returns [boxes, scores, classes, validDetections].
 */
export function combinedNonMaxSuppression(
  boxes: TensorLike,
  scores: TensorLike,
  maxOutputSizePerClass: TensorLike,
  maxTotalSize: TensorLike,
  options: CombinedNmsOptions = {},
): [Tensor, Tensor, Tensor, Tensor] {
  const g = graphOf([boxes, scores, maxOutputSizePerClass, maxTotalSize]);
  const f = (v: TensorLike) => convertToTensor(v, "float32", undefined, g);
  const op = makeOp(
    "CombinedNonMaxSuppression",
    [
      f(boxes),
      f(scores),
      convertToTensor(maxOutputSizePerClass, "int32", undefined, g),
      convertToTensor(maxTotalSize, "int32", undefined, g),
      f(options.iouThreshold ?? 0.5),
      f(options.scoreThreshold ?? Number.NEGATIVE_INFINITY),
    ],
    { pad_per_class: options.padPerClass ?? false, clip_boxes: options.clipBoxes ?? true },
    options.name ?? "combined_non_max_suppression",
  );
  const [b, s, c, v] = op.outputs;
  return [b, s, c, v];
}

export interface SampleBoxOptions {
  seed?: number;
  /** A crop must cover at least this fraction of some bounding box (default 0.1). */
  minObjectCovered?: TensorLike;
  aspectRatioRange?: [number, number];
  areaRange?: [number, number];
  maxAttempts?: number;
  useImageIfNoBoundingBoxes?: boolean;
  name?: string;
}

/**
 * A random crop for data augmentation (tf.image.sample_distorted_bounding_box): for an image of
 * `imageSize` = [height, width, channels] and `boundingBoxes` [batch, N, 4], returns
 * [begin, size, bboxes] for tf.slice and draw_bounding_boxes.
 */
export function sampleDistortedBoundingBox(
  imageSize: TensorLike,
  boundingBoxes: TensorLike,
  options: SampleBoxOptions = {},
): [Tensor, Tensor, Tensor] {
  const size = convertToTensor(imageSize);
  const g = size.graph;
  const [seed, seed2] = getSeed(options.seed, g);
  const op = makeOp(
    "SampleDistortedBoundingBoxV2",
    [
      size,
      convertToTensor(boundingBoxes, "float32", undefined, g),
      convertToTensor(options.minObjectCovered ?? 0.1, "float32", undefined, g),
    ],
    {
      seed: seed ?? 0,
      seed2: seed2 ?? 0,
      aspect_ratio_range: options.aspectRatioRange ?? [0.75, 1.33],
      area_range: options.areaRange ?? [0.05, 1],
      max_attempts: options.maxAttempts ?? 100,
      use_image_if_no_bounding_boxes: options.useImageIfNoBoundingBoxes ?? false,
    },
    options.name ?? "SampleDistortedBoundingBoxV2",
  );
  const [b, s, bb] = op.outputs;
  return [b, s, bb];
}

/** JPEG-encodes with a quality given as a scalar tensor (tf.image.encode_jpeg's EncodeJpegVariableQuality). */
export function encodeJpegVariableQuality(
  image: TensorLike,
  quality: TensorLike,
  options: { name?: string } = {},
): Tensor {
  return makeOp1(
    "EncodeJpegVariableQuality",
    [image, convertToTensor(quality, "int32")],
    {},
    options.name ?? "EncodeJpegVariableQuality",
  );
}

export type SamplingKernelType =
  | "lanczos1"
  | "lanczos3"
  | "lanczos5"
  | "gaussian"
  | "box"
  | "triangle"
  | "keyscubic"
  | "mitchellcubic";

/**
 * Resamples images to `size` with the input scaled by `scale` and shifted by `translation`
 * ([y, x] each) under a sampling kernel (tf.raw_ops.ScaleAndTranslate, behind TF2's
 * tf.image.resize); antialiasing widens the kernel when downscaling.
 */
export function scaleAndTranslate(
  images: TensorLike,
  size: TensorLike,
  scale: TensorLike,
  translation: TensorLike,
  options: { kernelType?: SamplingKernelType; antialias?: boolean; name?: string } = {},
): Tensor {
  const g = graphOf([images, size, scale, translation]);
  return makeOp1(
    "ScaleAndTranslate",
    [
      convertToTensor(images, undefined, undefined, g),
      convertToTensor(size, "int32", undefined, g),
      convertToTensor(scale, "float32", undefined, g),
      convertToTensor(translation, "float32", undefined, g),
    ],
    { kernel_type: options.kernelType ?? "lanczos3", antialias: options.antialias ?? true },
    options.name ?? "ScaleAndTranslate",
  );
}

/** Decodes every frame of a GIF: [frames, height, width, 3] uint8 (tf.image.decode_gif). */
export function decodeGif(
  contentsValue: TensorLike | Uint8Array,
  options: { name?: string } = {},
): Tensor {
  return makeOp1("DecodeGif", [contents(contentsValue)], {}, options.name ?? "DecodeGif");
}

/** Decodes a BMP: [height, width, 3 or 4] uint8 (tf.image.decode_bmp). */
export function decodeBmp(
  contentsValue: TensorLike | Uint8Array,
  options: DecodeOptions = {},
): Tensor {
  return makeOp1(
    "DecodeBmp",
    [contents(contentsValue)],
    { channels: options.channels ?? 0 },
    options.name ?? "DecodeBmp",
  );
}
