// Kernels of the cumulative ops (Cumsum, Cumprod, CumulativeLogsumexp) and the counting ops
// (Bincount, HistogramFixedWidth, Bucketize).
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

// ---- Cumulative ops ----

/** A scan step: the running value after `acc` meets element `v` (numbers or bigints). */
interface Scan<T> {
  init: T;
  step: (acc: T, v: T) => T;
}

function scanKernel(
  type: string,
  forDtype: (dtype: DType) => Scan<number> | Scan<bigint> | null,
): void {
  cpuBackend.register(type, (node) => {
    const dtype = node.inputDtypes[0];
    const scan = forDtype(dtype);
    if (!scan) throw new InvalidArgumentError(`${type} has no kernel for dtype ${dtype}`);
    const exclusive = node.attrs.exclusive === true;
    const reverse = node.attrs.reverse === true;
    return (inputs) => {
      const x = arr(inputs[0]);
      const axisArr = arr(inputs[1]);
      if (axisArr.rank !== 0) {
        throw new InvalidArgumentError(
          `${type}: axis must be a scalar, not ${shapeString(axisArr.shape)}`,
        );
      }
      const rank = x.rank;
      const a = Number(axisArr.data[0]);
      if (a < -rank || a >= rank) {
        throw new InvalidArgumentError(
          `${type}: axis ${a} is out of range for a tensor of shape ${shapeString(x.shape)} (must be in [${-rank}, ${rank}))`,
        );
      }
      const axis = a < 0 ? a + rank : a;
      const n = x.shape[axis];
      let inner = 1;
      for (let d = axis + 1; d < rank; d++) inner *= x.shape[d];
      const outer = n * inner === 0 ? 0 : x.size / (n * inner);
      const out = new NDArray(dtype, x.shape);
      const src = x.data as unknown as (number | bigint)[];
      const dst = out.data as unknown as (number | bigint)[];
      const { init, step } = scan as Scan<number | bigint>;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let acc = init;
          for (let k = 0; k < n; k++) {
            const at = base + (reverse ? n - 1 - k : k) * inner;
            if (exclusive) {
              dst[at] = acc;
              acc = step(acc, src[at]);
            } else {
              acc = step(acc, src[at]);
              dst[at] = acc;
            }
          }
        }
      }
      return [out];
    };
  });
}

const NUMERIC: readonly DType[] = ["float32", "float64", "int32", "uint8"];
scanKernel("Cumsum", (dtype) =>
  dtype === "int64"
    ? { init: 0n, step: (a: bigint, v: bigint) => BigInt.asIntN(64, a + v) }
    : NUMERIC.includes(dtype)
      ? {
          init: 0,
          step:
            dtype === "int32"
              ? (a: number, v: number) => (a + v) | 0
              : (a: number, v: number) => a + v,
        }
      : null,
);
scanKernel("Cumprod", (dtype) =>
  dtype === "int64"
    ? { init: 1n, step: (a: bigint, v: bigint) => BigInt.asIntN(64, a * v) }
    : NUMERIC.includes(dtype)
      ? { init: 1, step: dtype === "int32" ? Math.imul : (a: number, v: number) => a * v }
      : null,
);
// log(exp(a) + exp(v)) without overflow: the larger plus log1p(exp(smaller - larger)).
const logAddExp = (a: number, v: number): number => {
  if (a === -Infinity) return v;
  if (v === -Infinity) return a;
  const m = Math.max(a, v);
  return m + Math.log1p(Math.exp(-Math.abs(a - v)));
};
scanKernel("CumulativeLogsumexp", (dtype) =>
  dtype === "float32" || dtype === "float64" ? { init: -Infinity, step: logAddExp } : null,
);

// ---- Counting ops ----

const vectorOrScalar = (op: string, what: string, v: NDArray, rank: number): void => {
  if (v.rank !== rank) {
    throw new InvalidArgumentError(
      `${op}: ${what} must be ${rank === 0 ? "a scalar" : `rank ${rank}`}, got shape ${shapeString(v.shape)}`,
    );
  }
};

// Bincount(arr, size, weights): counts (or summed weights) of each value in [0, size); larger
// values are dropped, negative ones are an error.
cpuBackend.register("Bincount", (node) => {
  const dtype = node.attrs.T as DType;
  return (inputs) => {
    const [values, sizeArr, weights] = inputs.map(arr);
    vectorOrScalar("Bincount", "size", sizeArr, 0);
    const size = Number(sizeArr.data[0]);
    if (size < 0) throw new InvalidArgumentError(`Bincount: size (${size}) must be non-negative`);
    const hasWeights = weights.size > 0;
    if (hasWeights && weights.shape.join() !== values.shape.join()) {
      throw new InvalidArgumentError(
        `Bincount: weights must be empty or have the shape of arr: arr ${shapeString(values.shape)}, weights ${shapeString(weights.shape)}`,
      );
    }
    const out = new NDArray(dtype, [size]);
    const o = out.data as unknown as (number | bigint)[];
    const v = values.data as Int32Array;
    const w = weights.data as unknown as (number | bigint)[];
    for (let i = 0; i < v.length; i++) {
      const k = v[i];
      if (k < 0)
        throw new InvalidArgumentError(`Bincount: input arr must be non-negative, got ${k}`);
      if (k >= size) continue;
      if (dtype === "int64") (o as bigint[])[k] += hasWeights ? (w[i] as bigint) : 1n;
      else (o as number[])[k] += hasWeights ? (w[i] as number) : 1;
    }
    return [out];
  };
});

// HistogramFixedWidth(values, value_range, nbins): equal-width bins over value_range, values
// outside it counted in the first or last bin.
cpuBackend.register("HistogramFixedWidth", (node) => {
  const dtype = node.attrs.dtype as DType;
  return (inputs) => {
    const [values, range, nbinsArr] = inputs.map(arr);
    vectorOrScalar("HistogramFixedWidth", "nbins", nbinsArr, 0);
    if (range.rank !== 1 || range.size !== 2) {
      throw new InvalidArgumentError(
        `HistogramFixedWidth: value_range should be a vector of 2 elements, got shape ${shapeString(range.shape)}`,
      );
    }
    const nbins = Number(nbinsArr.data[0]);
    if (nbins <= 0)
      throw new InvalidArgumentError(
        `HistogramFixedWidth: nbins should be a positive number, but got '${nbins}'`,
      );
    const lo = Number(range.data[0]);
    const hi = Number(range.data[1]);
    if (!(lo < hi)) {
      throw new InvalidArgumentError(
        `HistogramFixedWidth: value_range should satisfy value_range[0] < value_range[1], but got '[${lo}, ${hi}]'`,
      );
    }
    const out = new NDArray(dtype, [nbins]);
    const o = out.data as unknown as (number | bigint)[];
    const v = values.data as unknown as ArrayLike<number | bigint>;
    const width = hi - lo;
    for (let i = 0; i < values.size; i++) {
      const x = Number(v[i]);
      let k = Math.floor(((x - lo) / width) * nbins);
      if (!(k >= 0)) k = 0; // below the range (and NaN) counts in the first bin
      if (k >= nbins) k = nbins - 1;
      if (dtype === "int64") (o as bigint[])[k] += 1n;
      else (o as number[])[k] += 1;
    }
    return [out];
  };
});

// Bucketize: the number of boundaries <= each value (an upper-bound binary search).
cpuBackend.register("Bucketize", (node) => {
  const boundaries = (node.attrs.boundaries as number[]) ?? [];
  for (let i = 1; i < boundaries.length; i++) {
    if (boundaries[i] < boundaries[i - 1]) {
      throw new InvalidArgumentError("Bucketize: expected sorted boundaries");
    }
  }
  return (inputs) => {
    const x = arr(inputs[0]);
    const out = new NDArray("int32", x.shape);
    const o = out.data as Int32Array;
    const v = x.data as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < x.size; i++) {
      const value = Number(v[i]);
      let lo = 0;
      let hi = boundaries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (boundaries[mid] <= value) lo = mid + 1;
        else hi = mid;
      }
      o[i] = lo;
    }
    return [out];
  };
});
