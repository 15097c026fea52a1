// Kernels of the random extra ops: Multinomial, RandomGamma (+RandomGammaGrad), RandomPoisson(V2),
// ParameterizedTruncatedNormal and the Stateless* family, on the Philox generator. Stateful ops
// keep their generator in the session (each run draws new numbers); stateless ones derive key
// and counter from their seed input alone, so the same seed always gives the same values.

import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { broadcastBinary, type NumFn2 } from "./elementwise.js";
import { cpuBackend } from "./index.js";
import { lgamma, randomGammaGrad } from "./math_extra_special.js";
import {
  fillNormalFloat32,
  fillNormalFloat64,
  fillTruncatedNormal,
  fillUniformFloat32,
  fillUniformFloat64,
  fillUniformInt32,
  fillUniformInt64,
  type GuardedPhilox,
  PhiloxRandom,
  SingleSampler,
} from "./philox.js";
import { generatorFor } from "./random.js";

/**
 * A stateless op's generator: the seed pair hashed by one Philox block, whose words become the
 * key and the high counter words (TensorFlow's GenerateKey for stateless random ops).
 */
function statelessGenerator(op: string, seed: NDArray): PhiloxRandom {
  if (seed.rank !== 1 || seed.size !== 2) {
    throw new InvalidArgumentError(
      `${op}: seed must have shape [2], not ${shapeString(seed.shape)}`,
    );
  }
  const s = Array.from(seed.data as ArrayLike<number | bigint>, (v) => BigInt(v));
  const mix = new Uint32Array(4);
  PhiloxRandom.fromSeeds(s[0], s[1]).next(mix);
  const g = new PhiloxRandom();
  g.key.set([mix[0], mix[1]]);
  g.counter.set([0, 0, mix[2], mix[3]]);
  return g;
}

function shapeFromTensor(op: string, t: NDArray): number[] {
  if (t.rank !== 1)
    throw new InvalidArgumentError(
      `${op}: shape must be a vector, got shape ${shapeString(t.shape)}`,
    );
  const dims = Array.from(t.data as ArrayLike<number | bigint>, Number);
  for (const d of dims) {
    if (d < 0)
      throw new InvalidArgumentError(
        `${op}: dimension ${d} must be >= 0 (in shape ${shapeString(dims)})`,
      );
  }
  return dims;
}

function checkFloat(op: string, dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new InvalidArgumentError(`${op} has no kernel for dtype ${dtype}`);
  }
}

const TWO_32 = 4294967296;
/** Uniform and normal doubles from a word stream (two words per uniform, as SimplePhilox). */
class Draw {
  private spare: number | null = null;
  constructor(private readonly s: SingleSampler) {}
  /** Uniform in [0, 1) with 52 random bits. */
  uniform(): number {
    const hi = this.s.next() & 0xfffff;
    return (hi * TWO_32 + this.s.next()) * 2 ** -52;
  }
  /** Standard normal by Box-Muller (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = Math.max(this.uniform(), 1e-300);
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * this.uniform();
    this.spare = r * Math.cos(t);
    return r * Math.sin(t);
  }
}

// ---- Multinomial ----

/** Draws `n` classes per row of logits by inverting the cumulative distribution. */
function sampleMultinomial(
  op: string,
  logits: NDArray,
  n: number,
  dtype: DType,
  draw: Draw,
): NDArray {
  if (logits.rank !== 2)
    throw new InvalidArgumentError(
      `${op}: logits should be a matrix, got shape ${shapeString(logits.shape)}`,
    );
  if (n < 0) throw new InvalidArgumentError(`${op}: num_samples should be non-negative, got ${n}`);
  const [batch, classes] = logits.shape;
  if (classes === 0 && n > 0 && batch > 0)
    throw new InvalidArgumentError(`${op}: num_classes should be positive, got 0`);
  const out = new NDArray(dtype, [batch, n]);
  const o = out.data as unknown as (number | bigint)[];
  const x = logits.data as Float64Array;
  const cdf = new Float64Array(classes);
  for (let b = 0; b < batch; b++) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++)
      if (Number.isFinite(x[b * classes + j])) max = Math.max(max, x[b * classes + j]);
    let total = 0;
    for (let j = 0; j < classes; j++) {
      const l = x[b * classes + j];
      total += Number.isFinite(l) ? Math.exp(l - max) : 0;
      cdf[j] = total;
    }
    for (let k = 0; k < n; k++) {
      const target = draw.uniform() * total;
      // The first class whose cumulative mass exceeds the target (upper bound).
      let lo = 0;
      let hi = classes;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] <= target) lo = mid + 1;
        else hi = mid;
      }
      const c = Math.min(lo, classes - 1);
      o[b * n + k] = dtype === "int64" ? BigInt(c) : c;
    }
  }
  return out;
}

const numSamplesOf = (op: string, t: NDArray): number => {
  if (t.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: num_samples should be a scalar, got shape ${shapeString(t.shape)}`,
    );
  return Number(t.data[0]);
};

cpuBackend.register("Multinomial", (node, env) => {
  checkFloat("Multinomial", node.inputDtypes[0]);
  const dtype = node.attrs.output_dtype as DType;
  const gen = generatorFor(node, env);
  return (inputs) => {
    const logits = arr(inputs[0]);
    const n = numSamplesOf("Multinomial", arr(inputs[1]));
    // Two words per sample, reserved up front so that the next run continues after them.
    const rows = logits.rank === 2 ? logits.shape[0] : 0;
    const g = gen.reserveSamples32(2 * rows * Math.max(n, 0));
    return [sampleMultinomial("Multinomial", logits, n, dtype, new Draw(new SingleSampler(g)))];
  };
});

cpuBackend.register("StatelessMultinomial", (node) => {
  checkFloat("StatelessMultinomial", node.inputDtypes[0]);
  const dtype = node.attrs.output_dtype as DType;
  return (inputs) => {
    const g = statelessGenerator("StatelessMultinomial", arr(inputs[2]));
    const n = numSamplesOf("StatelessMultinomial", arr(inputs[1]));
    return [
      sampleMultinomial(
        "StatelessMultinomial",
        arr(inputs[0]),
        n,
        dtype,
        new Draw(new SingleSampler(g)),
      ),
    ];
  };
});

// ---- RandomGamma ----

/** One Gamma(alpha, 1) sample: Marsaglia and Tsang's method, boosted for alpha < 1. */
function sampleGamma(alpha: number, draw: Draw): number {
  if (!(alpha >= 0)) return Number.NaN;
  if (alpha === 0) return 0;
  if (alpha === 1) return -Math.log1p(-draw.uniform()); // exponential
  // Gamma(a) = Gamma(a + 1) U^(1/a) for a < 1.
  const boost = alpha < 1;
  const a = boost ? alpha + 1 : alpha;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let x: number;
  for (;;) {
    const z = draw.normal();
    let v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    const u = draw.uniform();
    if (u < 1 - 0.0331 * z * z * z * z || Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) {
      x = d * v;
      break;
    }
  }
  return boost ? x * draw.uniform() ** (1 / alpha) : x;
}

/** Samples of shape `shape ++ param.shape`, sample-major: out[i * params + j] = f(param[j]). */
function perParameter(
  op: string,
  shapeArr: NDArray,
  param: NDArray,
  dtype: DType,
  gen: GuardedPhilox,
  f: (p: number, draw: Draw) => number,
): NDArray {
  const shape = shapeFromTensor(op, shapeArr);
  const out = new NDArray(dtype, [...shape, ...param.shape]);
  if (out.size === 0) return out;
  const p = param.data as unknown as ArrayLike<number>;
  const np = param.size;
  // As TF, 256 words are set aside per output for the rejection loops.
  const draw = new Draw(new SingleSampler(gen.reserveRandomOutputs(out.size)));
  const o = out.data as unknown as (number | bigint)[];
  const big = dtype === "int64";
  for (let i = 0; i < out.size; i++) {
    const v = f(Number(p[i % np]), draw);
    o[i] = big ? BigInt(Number.isFinite(v) ? v : 0) : v;
  }
  return out;
}

cpuBackend.register("RandomGamma", (node, env) => {
  const dtype = node.inputDtypes[1];
  checkFloat("RandomGamma", dtype);
  const gen = generatorFor(node, env);
  return (inputs) => [
    perParameter("RandomGamma", arr(inputs[0]), arr(inputs[1]), dtype, gen, sampleGamma),
  ];
});

cpuBackend.register("RandomGammaGrad", (node) => {
  const dtype = node.inputDtypes[0];
  checkFloat("RandomGammaGrad", dtype);
  return (inputs) => [
    broadcastBinary(arr(inputs[0]), arr(inputs[1]), dtype, randomGammaGrad as NumFn2),
  ];
});

// ---- RandomPoisson ----

/**
 * One Poisson(rate) sample: multiplying uniforms until below e^-rate for small rates, Hörmann's
 * transformed rejection with squeeze (PTRS, 1993) for rate >= 10.
 */
function samplePoisson(rate: number, draw: Draw): number {
  if (!(rate >= 0) || rate === Infinity) return Number.NaN;
  if (rate === 0) return 0;
  if (rate < 10) {
    const limit = Math.exp(-rate);
    let k = 0;
    let prod = draw.uniform();
    while (prod > limit) {
      k++;
      prod *= draw.uniform();
    }
    return k;
  }
  const logRate = Math.log(rate);
  const b = 0.931 + 2.53 * Math.sqrt(rate);
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = draw.uniform() - 0.5;
    const v = draw.uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + rate + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v * invAlpha) - Math.log(a / (us * us) + b) <= -rate + k * logRate - lgamma(k + 1))
      return k;
  }
}

for (const type of ["RandomPoisson", "RandomPoissonV2"]) {
  cpuBackend.register(type, (node, env) => {
    if (!["float32", "float64", "int32", "int64"].includes(node.inputDtypes[1])) {
      throw new InvalidArgumentError(`${type} has no kernel for rate dtype ${node.inputDtypes[1]}`);
    }
    const dtype = node.attrs.dtype as DType;
    if (!["float32", "float64", "int32", "int64"].includes(dtype)) {
      throw new InvalidArgumentError(`${type} has no kernel for output dtype ${dtype}`);
    }
    const gen = generatorFor(node, env);
    return (inputs) => [
      perParameter(type, arr(inputs[0]), arr(inputs[1]), dtype, gen, samplePoisson),
    ];
  });
}

// ---- ParameterizedTruncatedNormal ----

/** A standard normal sample conditioned on [a, b] (a < b), by whichever rejection method fits. */
function truncatedStandardNormal(a: number, b: number, draw: Draw): number {
  if (a >= 0 || b <= 0) {
    // One-sided: work on [lo, hi] with lo >= 0 and mirror back.
    const flip = b <= 0;
    const lo = flip ? -b : a;
    const hi = flip ? -a : b;
    const alpha = (lo + Math.sqrt(lo * lo + 4)) / 2;
    let z: number;
    if (hi - lo < 1 / alpha) {
      // Narrow: uniform proposals, accepted with density ratio exp((lo² - z²)/2).
      do z = lo + (hi - lo) * draw.uniform();
      while (draw.uniform() > Math.exp((lo * lo - z * z) / 2));
    } else {
      // Robert (1995): exponential proposals shifted to lo.
      for (;;) {
        z = lo - Math.log1p(-draw.uniform()) / alpha;
        if (z <= hi && draw.uniform() <= Math.exp(-((z - alpha) ** 2) / 2)) break;
      }
    }
    return flip ? -z : z;
  }
  if (b - a < 2.5) {
    // The interval holds 0: uniform proposals accepted with exp(-z²/2).
    let z: number;
    do z = a + (b - a) * draw.uniform();
    while (draw.uniform() > Math.exp((-z * z) / 2));
    return z;
  }
  for (;;) {
    const z = draw.normal();
    if (z >= a && z <= b) return z;
  }
}

cpuBackend.register("ParameterizedTruncatedNormal", (node, env) => {
  const dtype = node.attrs.dtype as DType;
  checkFloat("ParameterizedTruncatedNormal", dtype);
  const gen = generatorFor(node, env);
  return (inputs) => {
    const op = "ParameterizedTruncatedNormal";
    const shape = shapeFromTensor(op, arr(inputs[0]));
    if (shape.length === 0)
      throw new InvalidArgumentError(`${op}: shape must have at least one dimension (the batch)`);
    const out = new NDArray(dtype, shape);
    const batch = shape[0];
    const perBatch = batch === 0 ? 0 : out.size / batch;
    const params = inputs.slice(1).map((v, i) => {
      const p = arr(v);
      if (p.rank > 1 || (p.size !== 1 && p.size !== batch)) {
        throw new InvalidArgumentError(
          `${op}: ${["means", "stdevs", "minvals", "maxvals"][i]} must be a scalar or a vector of length batch_size ${batch}, got shape ${shapeString(p.shape)}`,
        );
      }
      return (k: number) => Number(p.data[p.size === 1 ? 0 : k]);
    });
    if (out.size === 0) return [out];
    const draw = new Draw(new SingleSampler(gen.reserveRandomOutputs(out.size)));
    const o = out.data as Float64Array;
    for (let k = 0; k < batch; k++) {
      const [mean, std, lo, hi] = params.map((p) => p(k));
      if (!(std > 0) || !(lo < hi)) {
        throw new InvalidArgumentError(
          `${op}: invalid parameters for batch ${k}: stddev ${std} must be > 0 and minval ${lo} < maxval ${hi}`,
        );
      }
      const a = (lo - mean) / std;
      const b = (hi - mean) / std;
      for (let i = 0; i < perBatch; i++)
        o[k * perBatch + i] = mean + std * truncatedStandardNormal(a, b, draw);
    }
    return [out];
  };
});

// ---- Stateless uniform, normal, truncated normal, uniform int ----

for (const [type, f32, f64] of [
  ["StatelessRandomUniform", fillUniformFloat32, fillUniformFloat64],
  ["StatelessRandomNormal", fillNormalFloat32, fillNormalFloat64],
  ["StatelessTruncatedNormal", fillTruncatedNormal, fillTruncatedNormal],
] as const) {
  cpuBackend.register(type, (node) => {
    const dtype = node.attrs.dtype as DType;
    checkFloat(type, dtype);
    return (inputs) => {
      const out = new NDArray(dtype, shapeFromTensor(type, arr(inputs[0])));
      const g = statelessGenerator(type, arr(inputs[1]));
      if (dtype === "float32")
        (f32 as (g: PhiloxRandom, o: Float32Array) => void)(g, out.data as Float32Array);
      else (f64 as (g: PhiloxRandom, o: Float64Array) => void)(g, out.data as Float64Array);
      return [out];
    };
  });
}

cpuBackend.register("StatelessRandomUniformInt", (node) => {
  const dtype = node.attrs.dtype as DType;
  if (dtype !== "int32" && dtype !== "int64") {
    throw new InvalidArgumentError(`StatelessRandomUniformInt has no kernel for dtype ${dtype}`);
  }
  return (inputs) => {
    const [minval, maxval] = [arr(inputs[2]), arr(inputs[3])];
    if (minval.rank !== 0 || maxval.rank !== 0) {
      throw new InvalidArgumentError(
        `StatelessRandomUniformInt: minval and maxval must be scalars, got shapes ${shapeString(minval.shape)} and ${shapeString(maxval.shape)}`,
      );
    }
    const out = new NDArray(dtype, shapeFromTensor("StatelessRandomUniformInt", arr(inputs[0])));
    const g = statelessGenerator("StatelessRandomUniformInt", arr(inputs[1]));
    if (out.size === 0) return [out];
    const lo = minval.data[0] as number | bigint;
    const hi = maxval.data[0] as number | bigint;
    if (!(lo < hi))
      throw new InvalidArgumentError(
        `StatelessRandomUniformInt: need minval < maxval: ${lo} >= ${hi}`,
      );
    if (dtype === "int64")
      fillUniformInt64(g, out.data as BigInt64Array, lo as bigint, hi as bigint);
    else fillUniformInt32(g, out.data as Int32Array, lo as number, hi as number);
    return [out];
  };
});
