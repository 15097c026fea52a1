// More math: unary and binary special functions, bitwise ops, cumulative ops, counting and
// bucketing, EuclideanNorm: builders. Registrations are in math_extra_ops.ts and
// math_extra_segment.ts (segment reductions), gradients in math_extra_grad.ts.
import "./math_extra_grad.js"; // registers the ops and their gradients
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "./op_builder.js";

export * from "./math_extra_segment.js";

// ---------------------------------------------------------------------------------------------
// Builders

type Unary = (x: TensorLike, name?: string) => Tensor;
type Binary = (x: TensorLike, y: TensorLike, name?: string) => Tensor;
const unary =
  (type: string): Unary =>
  (x, name) =>
    makeOp1(type, [x], {}, name);
const binary =
  (type: string): Binary =>
  (x, y, name) =>
    makeOp1(type, [x, y], {}, name);

/** Inverse hyperbolic cosine. */
export const acosh: Unary = unary("Acosh");
/** Inverse hyperbolic sine. */
export const asinh: Unary = unary("Asinh");
/** Inverse hyperbolic tangent. */
export const atanh: Unary = unary("Atanh");
/** The complementary error function 1 - erf(x), accurate where it is tiny. */
export const erfc: Unary = unary("Erfc");
/** log|Γ(x)|. */
export const lgamma: Unary = unary("Lgamma");
/** ψ(x), the derivative of lgamma. */
export const digamma: Unary = unary("Digamma");
/** exp(-|x|) I0(x) (tf.math.bessel_i0e). */
export const besselI0e: Unary = unary("BesselI0e");
/** exp(-|x|) I1(x) (tf.math.bessel_i1e). */
export const besselI1e: Unary = unary("BesselI1e");

/** atan(y / x) with the quadrant from the signs of both. */
export const atan2: Binary = binary("Atan2");
/** 0 where x = 0, else x / y. */
export const xdivy: Binary = binary("Xdivy");
/** 0 where x = 0, else x * log(y). */
export const xlogy: Binary = binary("Xlogy");
/** 0 where y = 0, else x / y. */
export const divNoNan: Binary = binary("DivNoNan");
/** 0 where y = 0 (even if x is NaN or infinite), else x * y. */
export const mulNoNan: Binary = binary("MulNoNan");
/** P(a, x), the regularized lower incomplete gamma function. */
export const igamma: Binary = binary("Igamma");
/** Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function. */
export const igammac: Binary = binary("Igammac");
/** The Hurwitz zeta function ζ(x, q) = Σ_n (q + n)^-x. */
export const zeta: Binary = binary("Zeta");
/** ψ^(a)(x), the a-th derivative of digamma. */
export const polygamma: Binary = binary("Polygamma");
/** The next representable value after x1 toward x2 (tf.math.nextafter). */
export const nextAfter: Binary = binary("NextAfter");

/** I_x(a, b), the regularized incomplete beta function (a, b, x: one shape, or scalars). */
export function betainc(a: TensorLike, b: TensorLike, x: TensorLike, name?: string): Tensor {
  return makeOp1("Betainc", [a, b, x], {}, name);
}

/** |x - y| < tolerance element-wise, for x and y of one shape. */
export function approximateEqual(
  x: TensorLike,
  y: TensorLike,
  options: { tolerance?: number; name?: string } = {},
): Tensor {
  return makeOp1(
    "ApproximateEqual",
    [x, y],
    { tolerance: options.tolerance ?? 1e-5 },
    options.name,
  );
}

/**
 * The sum of tensors of one shape (tf.math.accumulate_n): an AccumulateNV2 op, whose `shape`
 * attr may give the shape when the inputs' is not known.
 */
export function accumulateN(
  inputs: readonly TensorLike[],
  options: { shape?: readonly (number | null)[]; name?: string } = {},
): Tensor {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new ValueError(
      "accumulateN: inputs must be a non-empty list of tensors of one shape and dtype",
    );
  }
  const shape = options.shape ? new TensorShape([...options.shape]) : TensorShape.unknown();
  return makeOp1("AccumulateNV2", [inputs], { shape }, options.name);
}

// ---- Bitwise (also tf.bitwise.*) ----

export const bitwiseAnd: Binary = binary("BitwiseAnd");
export const bitwiseOr: Binary = binary("BitwiseOr");
export const bitwiseXor: Binary = binary("BitwiseXor");
/** x << y; y is clamped to [0, bits - 1]. */
export const leftShift: Binary = binary("LeftShift");
/** x >> y (arithmetic for signed dtypes); y is clamped to [0, bits - 1]. */
export const rightShift: Binary = binary("RightShift");
/** ~x (tf.bitwise.invert). */
export const bitwiseInvert: Unary = unary("Invert");
/** The number of set bits of each element, as uint8. */
export const populationCount: Unary = unary("PopulationCount");

// ---- Cumulative ----

export interface CumulativeOptions {
  /** Each output excludes its own element (the first is the identity). */
  exclusive?: boolean;
  /** Accumulate from the end of the axis. */
  reverse?: boolean;
  name?: string;
}

const axisInput = (axis: TensorLike): TensorLike =>
  typeof axis === "number" ? NDArray.from(axis, "int32") : axis;

/** Cumulative sum along `axis` (default 0): cumsum([a, b, c]) = [a, a + b, a + b + c]. */
export function cumsum(
  x: TensorLike,
  axis: TensorLike = 0,
  options: CumulativeOptions = {},
): Tensor {
  const { exclusive = false, reverse = false, name } = options;
  return makeOp1("Cumsum", [x, axisInput(axis)], { exclusive, reverse }, name);
}
/** Cumulative product along `axis` (default 0): cumprod([a, b, c]) = [a, a b, a b c]. */
export function cumprod(
  x: TensorLike,
  axis: TensorLike = 0,
  options: CumulativeOptions = {},
): Tensor {
  const { exclusive = false, reverse = false, name } = options;
  return makeOp1("Cumprod", [x, axisInput(axis)], { exclusive, reverse }, name);
}
/** log(cumsum(exp(x))) along `axis`, without overflow (tf.math.cumulative_logsumexp). */
export function cumulativeLogsumexp(
  x: TensorLike,
  axis: TensorLike = 0,
  options: CumulativeOptions = {},
): Tensor {
  const { exclusive = false, reverse = false, name } = options;
  return makeOp1("CumulativeLogsumexp", [x, axisInput(axis)], { exclusive, reverse }, name);
}

// ---- Counting and bucketing ----

export interface BincountOptions {
  /** Summed per value instead of counting 1 (same shape as arr). */
  weights?: TensorLike;
  /** The output has at least this many bins. */
  minlength?: TensorLike;
  /** The output has at most this many bins (larger values are dropped). */
  maxlength?: TensorLike;
  /** The output dtype without weights (int32 default). */
  dtype?: DType;
  name?: string;
}

/**
 * The number of occurrences of each value in the int32 tensor `arr` (tf.math.bincount): an
 * output of max(arr) + 1 bins (0 for an empty arr), bounded by minlength and maxlength.
 */
export function bincount(arr: TensorLike, options: BincountOptions = {}): Tensor {
  const graph = graphOf([arr, options.weights, options.minlength, options.maxlength]);
  return graph.nameScope(options.name ?? "bincount", () => {
    const values = convertToTensor(
      arr instanceof Tensor || arr instanceof NDArray
        ? arr
        : NDArray.from(arr as number[], "int32"),
      "int32",
      "arr",
    );
    const flatV = makeOp1("Reshape", [values, NDArray.from([-1], "int32")]);
    const nonEmpty = makeOp1("Greater", [makeOp1("Size", [values]), NDArray.from(0, "int32")]);
    const max = makeOp1("Max", [flatV, NDArray.from(0, "int32")], { keep_dims: false });
    let size = makeOp1("Mul", [
      makeOp1("Cast", [nonEmpty], { DstT: "int32" }),
      makeOp1("AddV2", [max, NDArray.from(1, "int32")]),
    ]);
    if (options.minlength !== undefined)
      size = makeOp1("Maximum", [size, toInt32(options.minlength)]);
    if (options.maxlength !== undefined)
      size = makeOp1("Minimum", [size, toInt32(options.maxlength)]);
    const weights =
      options.weights !== undefined ? options.weights : new NDArray(options.dtype ?? "int32", [0]);
    return makeOp1("Bincount", [values, size, weights]);
  });
}
const toInt32 = (v: TensorLike): TensorLike =>
  typeof v === "number" ? NDArray.from(v, "int32") : v;

/**
 * Counts of `values` in `nbins` equal-width bins over valueRange = [lo, hi] (values outside go
 * to the first or last bin), as tf.histogram_fixed_width.
 */
export function histogramFixedWidth(
  values: TensorLike,
  valueRange: TensorLike,
  options: { nbins?: TensorLike; dtype?: DType; name?: string } = {},
): Tensor {
  const nbins = toInt32(options.nbins ?? 100);
  return makeOp1(
    "HistogramFixedWidth",
    [values, valueRange, nbins],
    { dtype: options.dtype ?? "int32" },
    options.name,
  );
}

/** The index of the bucket of each value: how many of the sorted `boundaries` are <= it. */
export function bucketize(input: TensorLike, boundaries: readonly number[], name?: string): Tensor {
  return makeOp1("Bucketize", [input], { boundaries: [...boundaries] }, name);
}

/**
 * sqrt(sum(x²)) over `axis` (all axes when omitted), as tf.math.reduce_euclidean_norm (an
 * EuclideanNorm op).
 */
export function reduceEuclideanNorm(
  x: TensorLike,
  axis?: number | readonly number[] | TensorLike,
  keepDims = false,
  name?: string,
): Tensor {
  let indices: TensorLike;
  if (axis === undefined || axis === null) {
    const t = convertToTensor(x);
    const rank = t.shape.rank;
    if (rank === null)
      throw new ValueError(
        "reduceEuclideanNorm: the axis is required when the rank of x is unknown",
      );
    indices = NDArray.from(
      Array.from({ length: rank }, (_, i) => i),
      "int32",
    );
    return makeOp1("EuclideanNorm", [t, indices], { keep_dims: keepDims }, name);
  }
  indices =
    typeof axis === "number" || Array.isArray(axis)
      ? NDArray.from(axis as number[], "int32")
      : axis;
  return makeOp1("EuclideanNorm", [x, indices], { keep_dims: keepDims }, name);
}
