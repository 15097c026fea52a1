// Kernels of the random op family: TensorFlow's stateful Philox random ops (random_op.cc,
// random_shuffle_op.cc). Each op's generator lives in the session (env.resources), so two sessions
// with the same seeds draw the same numbers and each run of an op draws new ones.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type KernelEnv, type NodeInfo, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  fillNormalFloat32,
  fillNormalFloat64,
  fillTruncatedNormal,
  fillUniformFloat32,
  fillUniformFloat64,
  fillUniformInt32,
  fillUniformInt64,
  GuardedPhilox,
  type PhiloxRandom,
  SingleSampler,
} from "./philox.js";

/** The op's generator in this session, made from its `seed`/`seed2` attrs on first use. */
export function generatorFor(node: NodeInfo, env: KernelEnv): GuardedPhilox {
  const key = `random:${node.name}`;
  const existing = env.resources.get(key);
  if (existing instanceof GuardedPhilox) return existing;
  const g = new GuardedPhilox(node.attrs.seed as number, node.attrs.seed2 as number);
  env.resources.set(key, g);
  return g;
}

/** The output shape from a `shape` input: a vector of non-negative int32/int64. */
function shapeFromTensor(t: NDArray): number[] {
  if (t.rank !== 1) {
    throw new InvalidArgumentError(
      `shape must be a vector of {int32,int64}, got shape ${shapeString(t.shape)}`,
    );
  }
  const dims = Array.from(t.data as ArrayLike<number | bigint>, Number);
  for (const d of dims) {
    if (d < 0)
      throw new InvalidArgumentError(`Dimension ${d} must be >= 0 (in shape ${shapeString(dims)})`);
  }
  return dims;
}

type Fill = (gen: PhiloxRandom, out: Float32Array | Float64Array) => void;

/** A float random op: output of the `dtype` attr, filled by `f32` or `f64`. */
function floatRandomKernel(opName: string, f32: Fill, f64: Fill) {
  return (node: NodeInfo, env: KernelEnv) => {
    const dtype = node.attrs.dtype as DType;
    if (dtype !== "float32" && dtype !== "float64") {
      throw new UnimplementedError(`${opName} is not implemented for dtype ${dtype}`);
    }
    const fill = dtype === "float32" ? f32 : f64;
    const gen = generatorFor(node, env);
    return (inputs: Value[]) => {
      const out = new NDArray(dtype, shapeFromTensor(arr(inputs[0])));
      fill(gen.reserveRandomOutputs(out.size), out.data as Float32Array | Float64Array);
      return [out];
    };
  };
}

cpuBackend.register(
  "RandomUniform",
  floatRandomKernel(
    "RandomUniform",
    (g, o) => fillUniformFloat32(g, o as Float32Array),
    (g, o) => fillUniformFloat64(g, o as Float64Array),
  ),
);
cpuBackend.register(
  "RandomStandardNormal",
  floatRandomKernel(
    "RandomStandardNormal",
    (g, o) => fillNormalFloat32(g, o as Float32Array),
    (g, o) => fillNormalFloat64(g, o as Float64Array),
  ),
);
cpuBackend.register(
  "TruncatedNormal",
  floatRandomKernel("TruncatedNormal", fillTruncatedNormal, fillTruncatedNormal),
);

cpuBackend.register("RandomUniformInt", (node, env) => {
  const dtype = node.attrs.Tout as DType;
  const gen = generatorFor(node, env);
  return (inputs) => {
    const [minval, maxval] = [arr(inputs[1]), arr(inputs[2])];
    if (minval.rank !== 0)
      throw new InvalidArgumentError(`minval must be 0-D, got shape ${shapeString(minval.shape)}`);
    if (maxval.rank !== 0)
      throw new InvalidArgumentError(`maxval must be 0-D, got shape ${shapeString(maxval.shape)}`);
    const out = new NDArray(dtype, shapeFromTensor(arr(inputs[0])));
    // As TF, an empty output needs no valid range.
    if (out.size === 0) return [out];
    const lo = minval.data[0] as number | bigint;
    const hi = maxval.data[0] as number | bigint;
    if (!(lo < hi)) throw new InvalidArgumentError(`Need minval < maxval: ${lo} >= ${hi}`);
    const g = gen.reserveRandomOutputs(out.size);
    if (dtype === "int64")
      fillUniformInt64(g, out.data as BigInt64Array, lo as bigint, hi as bigint);
    else fillUniformInt32(g, out.data as Int32Array, lo as number, hi as number);
    return [out];
  };
});

cpuBackend.register("RandomShuffle", (node, env) => {
  const gen = generatorFor(node, env);
  return (inputs) => {
    const input = arr(inputs[0]);
    // Nothing to shuffle: TF passes the input through (scalars included) and draws nothing.
    if (input.size <= 1 || input.shape[0] <= 1) return [input];
    const n = input.shape[0];
    const sampler = new SingleSampler(gen.reserveSamples32(n - 1));
    // TF's Fisher-Yates variant: position i swaps with i + (word % (n - i)), exactly n - 1 words.
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const j = i + (sampler.next() % (n - i));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    const out = new NDArray(input.dtype, input.shape);
    const row = input.size / n;
    const src = input.data as ArrayLike<unknown>;
    const dst = out.data as unknown as unknown[];
    for (let i = 0; i < n; i++) {
      const from = perm[i] * row;
      const to = i * row;
      for (let k = 0; k < row; k++) dst[to + k] = src[from + k];
    }
    return [out];
  };
});
