// More random ops: Multinomial, RandomGamma (+RandomGammaGrad), RandomPoisson(V2),
// ParameterizedTruncatedNormal and the Stateless* family: registrations (shape functions, the
// RandomGamma gradient) and builders, with TF1's seed rules (getSeed in random.ts).
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Graph, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerGradient, registerOp, type ShapeFn } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "./op_builder.js";
import { getSeed, type ShapeArg } from "./random.js";

type Ctx = Parameters<ShapeFn>[0];

/** The output shape named by a 1-D shape input (partially known). */
function shapeInput(c: Ctx, i: number): TensorShape {
  c.withRank(i, 1);
  return c.inputAsShape(i);
}

/** A stateless op's seed must be a vector of 2. */
function seedInput(c: Ctx, i: number): void {
  const s = c.withRank(i, 1);
  if (s.dim(0) !== null && s.dim(0) !== 2) c.fail(`seed must have shape [2], not ${s}`);
}

/** [batch, num_samples] of a (Stateless)Multinomial. */
function multinomialShape(c: Ctx): TensorShape {
  const logits = c.withRank(0, 2);
  c.withRank(1, 0);
  const n = c.inputValue(1);
  return new TensorShape([logits.dim(0), n === null ? null : Number(n.data[0])]);
}

registerOp("Multinomial", { shape: multinomialShape });
registerOp("StatelessMultinomial", {
  shape: (c) => {
    seedInput(c, 2);
    return multinomialShape(c);
  },
});
/** shape ++ the parameter's shape (RandomGamma, RandomPoisson). */
const sampleShape: ShapeFn = (c) => shapeInput(c, 0).concatenate(c.input(1));
registerOp("RandomGamma", { shape: sampleShape });
registerOp("RandomPoisson", { shape: sampleShape });
registerOp("RandomPoissonV2", { shape: sampleShape });
registerOp("RandomGammaGrad", { shape: (c) => c.broadcast() });
registerOp("ParameterizedTruncatedNormal", {
  shape: (c) => {
    for (let i = 1; i <= 4; i++) {
      const r = c.input(i).rank;
      if (r !== null && r > 1) c.fail(`Shape must be at most rank 1 but is rank ${r} (input ${i})`);
    }
    return shapeInput(c, 0);
  },
});
for (const t of ["StatelessRandomUniform", "StatelessRandomNormal", "StatelessTruncatedNormal"]) {
  registerOp(t, {
    shape: (c) => {
      seedInput(c, 1);
      return shapeInput(c, 0);
    },
  });
}
registerOp("StatelessRandomUniformInt", {
  shape: (c) => {
    seedInput(c, 1);
    c.withRank(2, 0);
    c.withRank(3, 0);
    return shapeInput(c, 0);
  },
});

// The gradient in alpha of a Gamma sample at fixed CDF value (TF's _RandomGammaGrad): each
// sample's RandomGammaGrad, times the incoming gradient, summed over the sample dims.
registerGradient("RandomGamma", (op, grads) => {
  const g = grads[0];
  if (!g) return [null, null];
  const [shape, alpha] = op.inputs;
  const i32 = (v: number | number[]) => NDArray.from(v, "int32");
  const numSampleDims = makeOp1("GatherV2", [makeOp1("Shape", [shape]), i32(0), i32(0)]);
  const ones = makeOp1("Fill", [makeOp1("ExpandDims", [numSampleDims, i32(0)]), i32(1)]);
  const alphaShape = makeOp1("ConcatV2", [[ones, makeOp1("Shape", [alpha])], i32(0)]);
  const alphaB = makeOp1("Reshape", [alpha, alphaShape]);
  const partial = makeOp1("RandomGammaGrad", [alphaB, op.outputs[0]]);
  const dims = makeOp1("Range", [i32(0), numSampleDims, i32(1)]);
  return [null, makeOp1("Sum", [makeOp1("Mul", [g, partial]), dims], { keep_dims: false })];
});

// ---------------------------------------------------------------------------------------------
// Builders

/** A shape argument as an int32 tensor (JS dims and TensorShapes become constants). */
function shapeTensor(shape: ShapeArg, graph: Graph): Tensor {
  if (shape instanceof Tensor) return shape;
  const dims = shape instanceof TensorShape ? shape.asArray() : [...shape];
  return convertToTensor(NDArray.from(dims, "int32"), undefined, "shape", graph);
}

/** A stateless seed: a [2] int32/int64 tensor, or two JS numbers (an int64 constant). */
function seedTensor(seed: TensorLike, graph: Graph): Tensor {
  if (Array.isArray(seed)) {
    if (seed.length !== 2)
      throw new ValueError(`A stateless seed must have 2 elements, got ${seed.length}`);
    return convertToTensor(NDArray.from(seed as number[], "int64"), undefined, "seed", graph);
  }
  return convertToTensor(seed, undefined, "seed", graph);
}

const attrSeeds = (seed: number | undefined, graph: Graph) => {
  const [s, s2] = getSeed(seed, graph);
  return { seed: s ?? 0, seed2: s2 ?? 0 };
};

export interface MultinomialOptions {
  seed?: number;
  /** int64 (default) or int32. */
  outputDtype?: DType;
  name?: string;
}

/**
 * Draws numSamples class indices per row of `logits` ([batch, classes], unnormalized log
 * probabilities): a [batch, numSamples] tensor (tf.multinomial / tf.random.categorical).
 */
export function multinomial(
  logits: TensorLike,
  numSamples: TensorLike,
  options: MultinomialOptions = {},
): Tensor {
  const graph = graphOf([logits, numSamples]);
  const n = typeof numSamples === "number" ? NDArray.from(numSamples, "int32") : numSamples;
  return makeOp1(
    "Multinomial",
    [logits, n],
    { ...attrSeeds(options.seed, graph), output_dtype: options.outputDtype ?? "int64" },
    options.name,
  );
}

export interface GammaOptions {
  /** Inverse scale (default 1): samples are Gamma(alpha, 1) / beta. */
  beta?: TensorLike;
  dtype?: DType;
  seed?: number;
  name?: string;
}

/**
 * Gamma(alpha, beta) samples of shape `shape ++ broadcast(alpha, beta).shape` (tf.random.gamma),
 * differentiable in alpha (and beta).
 */
export function randomGamma(
  shape: ShapeArg,
  alpha: TensorLike,
  options: GammaOptions = {},
): Tensor {
  const dtype = options.dtype ?? "float32";
  const graph = graphOf([shape, alpha, options.beta]);
  return graph.nameScope(options.name ?? "random_gamma", (scope) => {
    const shapeT = shapeTensor(shape, graph);
    let a = convertToTensor(alpha, dtype, "alpha", graph);
    const beta =
      options.beta === undefined ? undefined : convertToTensor(options.beta, dtype, "beta", graph);
    if (beta) a = makeOp1("AddV2", [a, makeOp1("ZerosLike", [beta])]);
    let sample = makeOp1("RandomGamma", [shapeT, a], attrSeeds(options.seed, graph));
    if (beta) sample = makeOp1("RealDiv", [sample, beta]);
    // As TF: never exactly 0 (the smallest positive normal value instead).
    const tiny = NDArray.from(
      dtype === "float64" ? 2.2250738585072014e-308 : 1.1754943508222875e-38,
      dtype,
    );
    return graph.createOp(
      "Maximum",
      [convertToTensor(tiny, dtype, "tiny", graph), sample],
      {},
      scope.slice(0, -1),
      {
        exactName: true,
      },
    ).outputs[0];
  });
}

/** Poisson(lam) samples of shape `shape ++ lam.shape` (tf.random.poisson: a RandomPoissonV2). */
export function randomPoisson(
  lam: TensorLike,
  shape: ShapeArg,
  options: { dtype?: DType; seed?: number; name?: string } = {},
): Tensor {
  const graph = graphOf([lam, shape]);
  return makeOp1(
    "RandomPoissonV2",
    [shapeTensor(shape, graph), lam],
    { ...attrSeeds(options.seed, graph), dtype: options.dtype ?? "float32" },
    options.name ?? "random_poisson",
  );
}

export interface ParameterizedTruncatedNormalOptions {
  /** Each a scalar or one value per batch (shape[0]). */
  means?: TensorLike;
  stddevs?: TensorLike;
  minvals?: TensorLike;
  maxvals?: TensorLike;
  dtype?: DType;
  seed?: number;
  name?: string;
}

/** Normal samples truncated to [minvals, maxvals] per batch row (shape[0] is the batch). */
export function parameterizedTruncatedNormal(
  shape: ShapeArg,
  options: ParameterizedTruncatedNormalOptions = {},
): Tensor {
  const dtype = options.dtype ?? "float32";
  const graph = graphOf([shape, options.means, options.stddevs, options.minvals, options.maxvals]);
  const param = (v: TensorLike | undefined, d: number) =>
    makeOp1("Reshape", [
      convertToTensor(v ?? d, dtype, undefined, graph),
      NDArray.from([-1], "int32"),
    ]);
  return graph.nameScope(options.name ?? "parameterized_truncated_normal", () =>
    makeOp1(
      "ParameterizedTruncatedNormal",
      [
        shapeTensor(shape, graph),
        param(options.means, 0),
        param(options.stddevs, 1),
        param(options.minvals, -2),
        param(options.maxvals, 2),
      ],
      { ...attrSeeds(options.seed, graph), dtype },
    ),
  );
}

export interface StatelessOptions {
  dtype?: DType;
  name?: string;
}

/**
 * Deterministic uniform values in [minval, maxval) from a [2] seed (tf.random.stateless_uniform):
 * the same seed gives the same values. Integer dtypes need maxval.
 */
export function statelessRandomUniform(
  shape: ShapeArg,
  seed: TensorLike,
  options: StatelessOptions & { minval?: TensorLike; maxval?: TensorLike } = {},
): Tensor {
  const dtype = options.dtype ?? "float32";
  const graph = graphOf([shape, seed, options.minval, options.maxval]);
  return graph.nameScope(options.name ?? "stateless_random_uniform", (scope) => {
    const shapeT = shapeTensor(shape, graph);
    const seedT = seedTensor(seed, graph);
    const lo = convertToTensor(options.minval ?? 0, dtype, "min", graph);
    const name = scope.slice(0, -1);
    if (dtype === "int32" || dtype === "int64") {
      if (options.maxval === undefined)
        throw new ValueError(`Must specify maxval for integer dtype ${dtype}`);
      const hi = convertToTensor(options.maxval, dtype, "max", graph);
      return graph.createOp("StatelessRandomUniformInt", [shapeT, seedT, lo, hi], { dtype }, name, {
        exactName: true,
      }).outputs[0];
    }
    const hi = convertToTensor(options.maxval ?? 1, dtype, "max", graph);
    const rnd = makeOp1("StatelessRandomUniform", [shapeT, seedT], { dtype });
    const scaled = makeOp1("Mul", [rnd, makeOp1("Sub", [hi, lo])]);
    return graph.createOp("AddV2", [scaled, lo], {}, name, { exactName: true }).outputs[0];
  });
}

function statelessNormal(
  type: string,
  defaultName: string,
  shape: ShapeArg,
  seed: TensorLike,
  options: StatelessOptions & { mean?: TensorLike; stddev?: TensorLike },
): Tensor {
  const dtype = options.dtype ?? "float32";
  const graph = graphOf([shape, seed, options.mean, options.stddev]);
  return graph.nameScope(options.name ?? defaultName, (scope) => {
    const rnd = makeOp1(type, [shapeTensor(shape, graph), seedTensor(seed, graph)], { dtype });
    const mean = convertToTensor(options.mean ?? 0, dtype, "mean", graph);
    const stddev = convertToTensor(options.stddev ?? 1, dtype, "stddev", graph);
    return graph.createOp("AddV2", [makeOp1("Mul", [rnd, stddev]), mean], {}, scope.slice(0, -1), {
      exactName: true,
    }).outputs[0];
  });
}

/** Deterministic normal values from a [2] seed (tf.random.stateless_normal). */
export function statelessRandomNormal(
  shape: ShapeArg,
  seed: TensorLike,
  options: StatelessOptions & { mean?: TensorLike; stddev?: TensorLike } = {},
): Tensor {
  return statelessNormal("StatelessRandomNormal", "stateless_random_normal", shape, seed, options);
}

/** Deterministic normal values within 2 stddevs of the mean (tf.random.stateless_truncated_normal). */
export function statelessTruncatedNormal(
  shape: ShapeArg,
  seed: TensorLike,
  options: StatelessOptions & { mean?: TensorLike; stddev?: TensorLike } = {},
): Tensor {
  return statelessNormal(
    "StatelessTruncatedNormal",
    "stateless_truncated_normal",
    shape,
    seed,
    options,
  );
}

/** Deterministic class indices from a [2] seed (tf.random.stateless_multinomial / stateless_categorical). */
export function statelessMultinomial(
  logits: TensorLike,
  numSamples: TensorLike,
  seed: TensorLike,
  options: { outputDtype?: DType; name?: string } = {},
): Tensor {
  const graph = graphOf([logits, numSamples, seed]);
  const n = typeof numSamples === "number" ? NDArray.from(numSamples, "int32") : numSamples;
  return makeOp1(
    "StatelessMultinomial",
    [logits, n, seedTensor(seed, graph)],
    { output_dtype: options.outputDtype ?? "int64" },
    options.name,
  );
}
