// tf.image metrics and filters composed from other ops: total variation, image gradients,
// Sobel edges, PSNR and SSIM, as TF's Python image_ops defines them.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { convertImageDtype } from "./image_composed.js";
import { mul, sub } from "./math.js";
import { convertToTensor, makeOp1, type TensorLike } from "./op_builder.js";
import { reduceMean, reduceSum } from "./reduction.js";

const INT_MAX: Partial<Record<DType, number>> = {
  uint8: 255,
  int32: 2 ** 31 - 1,
  int64: 2 ** 63 - 1,
};
const isFloatType = (d: DType) => d === "float32" || d === "float64";

/** The static rank (3 for one image, 4 for a batch). */
function rankOf(x: Tensor): number {
  const r = x.shape.rank;
  if (r !== 3 && r !== 4)
    throw new ValueError(
      `'image' must have 3 or 4 dimensions (known at construction), got shape ${x.shape}`,
    );
  return r;
}

/** [height, width], which must be known at construction. */
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

const named = <T>(x: TensorLike, name: string, fn: (t: Tensor) => T): T => {
  const t = convertToTensor(x);
  return t.graph.nameScope(name, () => fn(t));
};

/** Sum of absolute differences of neighbouring pixels, per image (tf.image.total_variation). */
export function totalVariation(images: TensorLike, options: { name?: string } = {}): Tensor {
  return named(images, options.name ?? "total_variation", (x) => {
    const r = rankOf(x);
    const [dy, dx] = imageGradients(
      r === 3 ? makeOp1("ExpandDims", [x, convertToTensor(0, "int32")]) : x,
    );
    const sumAbs = (t: Tensor) => reduceSum(makeOp1("Abs", [t]), [1, 2, 3]);
    const tv = makeOp1("AddV2", [sumAbs(dy), sumAbs(dx)]);
    return r === 3 ? makeOp1("Squeeze", [tv], { squeeze_dims: [0] }) : tv;
  });
}

/**
 * Finite differences of a 4-D batch (tf.image.image_gradients): [dy, dx], each the image's
 * shape with a zero last row (dy) or column (dx).
 */
export function imageGradients(image: TensorLike): [Tensor, Tensor] {
  const x = convertToTensor(image);
  if (x.shape.rank !== 4)
    throw new ValueError(`image_gradients expects a 4D tensor [batch, h, w, d], not ${x.shape}`);
  return x.graph.nameScope("image_gradients", () => {
    const sl = (begin: number[], size: number[]) =>
      makeOp1("Slice", [x, convertToTensor(begin, "int32"), convertToTensor(size, "int32")]);
    const dy = sub(
      sl([0, 1, 0, 0], [-1, -1, -1, -1]),
      sl([0, 0, 0, 0], [-1, dimLess(x, 1), -1, -1]),
    );
    const dx = sub(
      sl([0, 0, 1, 0], [-1, -1, -1, -1]),
      sl([0, 0, 0, 0], [-1, -1, dimLess(x, 2), -1]),
    );
    const pad = (t: Tensor, axis: number) =>
      makeOp1("Pad", [
        t,
        convertToTensor(
          [0, 1, 2, 3].map((a) => (a === axis ? [0, 1] : [0, 0])),
          "int32",
        ),
      ]);
    return [pad(dy, 1), pad(dx, 2)];
  });
}

/** Size of dim `axis` minus one, which must be static. */
function dimLess(x: Tensor, axis: number): number {
  const d = x.shape.dim(axis);
  if (d === null)
    throw new ValueError(
      `The image's height and width must be known at construction, got ${x.shape}`,
    );
  return d - 1;
}

/** Peak signal-to-noise ratio in dB per image (tf.image.psnr): 10 log10(maxVal^2 / MSE). */
export function psnr(
  a: TensorLike,
  b: TensorLike,
  maxVal: number,
  options: { name?: string } = {},
): Tensor {
  return named(a, options.name ?? "PSNR", (x) => {
    const fa = convertImageDtype(x, "float32");
    const fb = convertImageDtype(convertToTensor(b), "float32");
    // The max value scales with the conversion, as TF's does.
    const max =
      x.dtype === "float32" || x.dtype === "float64" ? maxVal : maxVal / INT_MAX[x.dtype]!;
    const mse = reduceMean(makeOp1("SquaredDifference", [fa, fb]), [-3, -2, -1]);
    const ln10 = Math.log(10);
    const logMse = makeOp1("Log", [mse]);
    // 20 log10(max) - 10 log10(mse)
    return sub(
      convertToTensor(20 * Math.log10(max), "float32"),
      mul(logMse, convertToTensor(10 / ln10, "float32")),
    );
  });
}

/**
 * Sobel edge maps of a [batch, h, w, d] float batch (tf.image.sobel_edges): [batch, h, w, d, 2]
 * holding the vertical (dy) and horizontal (dx) responses, with reflected borders.
 */
export function sobelEdges(image: TensorLike): Tensor {
  const x = convertToTensor(image);
  if (x.shape.rank !== 4)
    throw new ValueError(`sobel_edges expects a 4-D [batch, h, w, d] tensor, got ${x.shape}`);
  const d = x.shape.dim(3);
  if (d === null) throw new ValueError(`sobel_edges needs a known channel count, got ${x.shape}`);
  return x.graph.nameScope("sobel_edges", () => {
    const ky = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
    const kx = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
    // Depthwise filter [3, 3, d, 2]: every channel gets both kernels.
    const filter: number[] = [];
    for (let t = 0; t < 9; t++) for (let c = 0; c < d; c++) filter.push(ky[t], kx[t]);
    const f = convertToTensor(new NDArray(x.dtype, [3, 3, d, 2], filter));
    const padded = makeOp1(
      "MirrorPad",
      [
        x,
        convertToTensor(
          [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ],
          "int32",
        ),
      ],
      { mode: "REFLECT" },
    );
    const y = makeOp1("DepthwiseConv2dNative", [padded, f], {
      strides: [1, 1, 1, 1],
      padding: "VALID",
    });
    const shape = makeOp1("ConcatV2", [
      [makeOp1("Shape", [x], { out_type: "int32" }), convertToTensor([2], "int32")],
      convertToTensor(0, "int32"),
    ]);
    return makeOp1("Reshape", [y, shape]);
  });
}

/** TF's _fspecial_gauss: a normalised size x size Gaussian, as a depthwise filter over `channels`. */
function gaussianFilter(size: number, sigma: number, channels: number, dtype: DType): NDArray {
  const g1 = Array.from({ length: size }, (_, i) => {
    const d = i - (size - 1) / 2;
    return (-0.5 * d * d) / (sigma * sigma);
  });
  const w: number[] = [];
  let total = 0;
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const v = Math.exp(g1[i] + g1[j]);
      w.push(v);
      total += v;
    }
  const data: number[] = [];
  for (const v of w) for (let c = 0; c < channels; c++) data.push(v / total);
  return new NDArray(dtype, [size, size, channels, 1], data);
}

export interface SsimOptions {
  filterSize?: number;
  filterSigma?: number;
  k1?: number;
  k2?: number;
}

/**
 * Structural similarity of two image batches (tf.image.ssim): the mean over pixels and
 * channels of luminance x contrast-structure, from Gaussian-weighted (11 x 11, sigma 1.5)
 * local statistics over the valid region. Images must be at least filterSize on each side.
 */
export function ssim(
  img1: TensorLike,
  img2: TensorLike,
  maxVal: number,
  options: SsimOptions = {},
): Tensor {
  const size = options.filterSize ?? 11;
  const sigma = options.filterSigma ?? 1.5;
  const a = convertToTensor(img1);
  return a.graph.nameScope("SSIM", () => {
    const x = convertImageDtype(a, "float32");
    const y = convertImageDtype(convertToTensor(img2), "float32");
    const r = rankOf(x);
    const [h, w] = staticSize(x);
    const ch = x.shape.dim(r - 1);
    if (ch === null) throw new ValueError(`ssim needs a known channel count, got ${x.shape}`);
    if (h < size || w < size)
      throw new ValueError(`ssim: images ${x.shape} are smaller than the ${size}x${size} filter`);
    if (!x.shape.isCompatibleWith(convertToTensor(img2).shape))
      throw new ValueError(`ssim: shapes ${x.shape} and ${convertToTensor(img2).shape} differ`);
    // Dynamic range scales with the integer-to-float conversion.
    const max = isFloatType(a.dtype) ? maxVal : maxVal / INT_MAX[a.dtype]!;
    const c1 = (options.k1 ?? 0.01) ** 2 * max * max;
    const c2 = (options.k2 ?? 0.03) ** 2 * max * max;
    const filter = convertToTensor(gaussianFilter(size, sigma, ch, "float32"));
    const batch = (t: Tensor) =>
      r === 3 ? makeOp1("ExpandDims", [t, convertToTensor(0, "int32")]) : t;
    const blur = (t: Tensor) =>
      makeOp1("DepthwiseConv2dNative", [batch(t), filter], {
        strides: [1, 1, 1, 1],
        padding: "VALID",
      });
    const f = (v: number) => convertToTensor(v, "float32");
    const mx = blur(x);
    const my = blur(y);
    const num0 = mul(mul(mx, my), f(2));
    const den0 = makeOp1("AddV2", [makeOp1("Square", [mx]), makeOp1("Square", [my])]);
    const luminance = makeOp1("RealDiv", [
      makeOp1("AddV2", [num0, f(c1)]),
      makeOp1("AddV2", [den0, f(c1)]),
    ]);
    const num1 = mul(blur(mul(x, y)), f(2));
    const den1 = blur(makeOp1("AddV2", [makeOp1("Square", [x]), makeOp1("Square", [y])]));
    const cs = makeOp1("RealDiv", [
      makeOp1("AddV2", [sub(num1, num0), f(c2)]),
      makeOp1("AddV2", [sub(den1, den0), f(c2)]),
    ]);
    const perImage = reduceMean(mul(luminance, cs), [1, 2, 3]);
    return r === 3 ? makeOp1("Squeeze", [perImage], { squeeze_dims: [0] }) : perImage;
  });
}
