// QuantizeAndDequantize (V1, V2, V3): scale-only fake quantization of float tensors.
import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { scalarInt, shapeString } from "./array_extra_util.js";
import { cpuBackend } from "./index.js";

interface QdqAttrs {
  signed: boolean;
  numBits: number;
  rangeGiven: boolean;
  halfUp: boolean;
  narrow: boolean;
}

function scalarOf(a: NDArray, what: string, op: string): number {
  if (a.rank !== 0) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(a.shape)}`,
    );
  }
  return Number(a.data[0]);
}

/**
 * TF's scaled quantization: the quantized range is [-(2^(b-1)), 2^(b-1) - 1] (signed; the low end
 * +1 when narrow) or [0, 2^b - 1]; the scale is the larger one that keeps both ends of
 * [min, max] representable, the other end is widened to match, and each value becomes
 * round(clamp(v, min, max) * scale) * (1 / scale), in the input's precision.
 */
function quantizeDequantize(
  x: NDArray,
  givenMin: number,
  givenMax: number,
  a: QdqAttrs,
  op: string,
): NDArray {
  const dtype = x.dtype as DType;
  if (dtype !== "float32" && dtype !== "float64") {
    throw new InvalidArgumentError(`${op} does not support dtype ${dtype}`);
  }
  const limit = a.signed ? 62 : 63;
  if (a.numBits <= 0 || a.numBits >= limit) {
    throw new InvalidArgumentError(
      `${op}: num_bits is out of range: ${a.numBits} with signed_input_ ${a.signed}`,
    );
  }
  const f = dtype === "float32" ? Math.fround : (v: number) => v;
  const src = x.data as Float64Array;
  let minR = givenMin;
  let maxR = givenMax;
  if (a.rangeGiven) {
    if (minR > maxR) {
      throw new InvalidArgumentError(`${op}: Invalid range: input_min ${minR} > input_max ${maxR}`);
    }
  } else if (x.size > 0) {
    minR = Number.POSITIVE_INFINITY;
    maxR = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < src.length; i++) {
      if (src[i] < minR) minR = src[i];
      if (src[i] > maxR) maxR = src[i];
    }
  }
  const out = allocData(dtype, x.size) as Float64Array;
  if (x.size === 0) return new NDArray(dtype, x.shape, out);
  const minQ = a.signed ? -(2 ** (a.numBits - 1)) + (a.narrow ? 1 : 0) : 0;
  const maxQ = a.signed ? 2 ** (a.numBits - 1) - 1 : 2 ** a.numBits - 1;
  const big = dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const fromMin = minQ * minR > 0 ? f(minQ / minR) : big;
  const fromMax = maxQ * maxR > 0 ? f(maxQ / maxR) : big;
  let scale: number;
  let inverse: number;
  if (fromMin < fromMax) {
    scale = fromMin;
    inverse = f(minR / minQ);
    maxR = f(maxQ * inverse);
  } else {
    scale = fromMax;
    inverse = f(maxR / maxQ);
    minR = f(minQ * inverse);
  }
  const round = a.halfUp
    ? (v: number) => Math.floor(v + 0.5)
    : (v: number) => {
        // Half to even (C's rint).
        const r = Math.round(v);
        return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
      };
  for (let i = 0; i < src.length; i++) {
    const clamped = Math.min(Math.max(src[i], minR), maxR);
    out[i] = f(round(f(clamped * scale)) * inverse);
  }
  return new NDArray(dtype, x.shape, out);
}

cpuBackend.register("QuantizeAndDequantize", (node) => {
  const attrs: QdqAttrs = {
    signed: node.attrs.signed_input as boolean,
    numBits: node.attrs.num_bits as number,
    rangeGiven: node.attrs.range_given as boolean,
    halfUp: false,
    narrow: false,
  };
  const lo = node.attrs.input_min as number;
  const hi = node.attrs.input_max as number;
  return (inputs) => [quantizeDequantize(arr(inputs[0]), lo, hi, attrs, "QuantizeAndDequantize")];
});

cpuBackend.register("QuantizeAndDequantizeV2", (node) => {
  const attrs: QdqAttrs = {
    signed: node.attrs.signed_input as boolean,
    numBits: node.attrs.num_bits as number,
    rangeGiven: node.attrs.range_given as boolean,
    halfUp: node.attrs.round_mode === "HALF_UP",
    narrow: node.attrs.narrow_range as boolean,
  };
  const op = "QuantizeAndDequantizeV2";
  return (inputs) => {
    const [x, lo, hi] = inputs.map(arr);
    return [
      quantizeDequantize(
        x,
        scalarOf(lo, "input_min", op),
        scalarOf(hi, "input_max", op),
        attrs,
        op,
      ),
    ];
  };
});

cpuBackend.register("QuantizeAndDequantizeV3", (node) => {
  const op = "QuantizeAndDequantizeV3";
  return (inputs) => {
    const [x, lo, hi, bits] = inputs.map(arr);
    const attrs: QdqAttrs = {
      signed: node.attrs.signed_input as boolean,
      numBits: scalarInt(bits, "num_bits", op),
      rangeGiven: node.attrs.range_given as boolean,
      halfUp: false,
      narrow: node.attrs.narrow_range as boolean,
    };
    return [
      quantizeDequantize(
        x,
        scalarOf(lo, "input_min", op),
        scalarOf(hi, "input_max", op),
        attrs,
        op,
      ),
    ];
  };
});
