// tf.nn activations, softmax and cross-entropy losses, dropout, moments and batch normalization.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { getDefaultGraph, type Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { convertToTensor, makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { randomUniform } from "./random.js";

const same = (c: ShapeContext) => c.input(0);
const sameAsBoth = (c: ShapeContext) => c.input(0).mergeWith(c.input(1));
const lastAxis = (values: number[]) =>
  new NDArray("int32", [values.length], Int32Array.from(values));

// Activations: each gradient uses TF's own *Grad op, so imported TF graphs and ours match.
registerOp("Relu", {
  shape: same,
  gradient: (op, [dy]) => [makeOp1("ReluGrad", [dy!, op.outputs[0]])],
});
registerOp("Relu6", {
  shape: same,
  gradient: (op, [dy]) => [makeOp1("Relu6Grad", [dy!, op.inputs[0]])],
});
registerOp("Elu", {
  shape: same,
  gradient: (op, [dy]) => [makeOp1("EluGrad", [dy!, op.outputs[0]])],
});
registerOp("Selu", {
  shape: same,
  gradient: (op, [dy]) => [makeOp1("SeluGrad", [dy!, op.outputs[0]])],
});
registerOp("LeakyRelu", {
  shape: same,
  gradient: (op, [dy]) => [
    makeOp1("LeakyReluGrad", [dy!, op.inputs[0]], { alpha: op.attrs.alpha as number }),
  ],
});
registerOp("Softplus", {
  shape: same,
  gradient: (op, [dy]) => [makeOp1("SoftplusGrad", [dy!, op.inputs[0]])],
});
registerOp("Softsign", {
  shape: same,
  gradient: (op, [dy]) => {
    // d/dx x/(1+|x|) = 1/(1+|x|)^2
    const denom = makeOp1("AddV2", [makeOp1("Abs", [op.inputs[0]]), 1]);
    return [makeOp1("RealDiv", [dy!, makeOp1("Square", [denom])])];
  },
});
// The gradient ops' own gradients (for second order): linear in the incoming gradient.
registerOp("ReluGrad", {
  shape: sameAsBoth,
  gradient: (op, [g]) => [
    makeOp1("ReluGrad", [g!, op.inputs[1]]),
    makeOp1("ZerosLike", [op.inputs[1]]),
  ],
});
registerOp("Relu6Grad", {
  shape: sameAsBoth,
  gradient: (op, [g]) => [
    makeOp1("Relu6Grad", [g!, op.inputs[1]]),
    makeOp1("ZerosLike", [op.inputs[1]]),
  ],
});
registerOp("LeakyReluGrad", {
  shape: sameAsBoth,
  gradient: (op, [g]) => [
    makeOp1("LeakyReluGrad", [g!, op.inputs[1]], { alpha: op.attrs.alpha as number }),
    makeOp1("ZerosLike", [op.inputs[1]]),
  ],
});
registerOp("EluGrad", { shape: sameAsBoth });
registerOp("SeluGrad", { shape: sameAsBoth });
registerOp("SoftplusGrad", {
  shape: sameAsBoth,
  // SoftplusGrad(g, x) = g * sigmoid(x): linear in g; d/dx = g * sigmoid(x) * (1 - sigmoid(x)).
  gradient: (op, [gg]) => {
    const [g, x] = op.inputs;
    const s = makeOp1("Sigmoid", [x]);
    const ds = makeOp1("Mul", [s, makeOp1("Sub", [1, s])]);
    return [makeOp1("SoftplusGrad", [gg!, x]), makeOp1("Mul", [makeOp1("Mul", [gg!, g]), ds])];
  },
});

// Softmax family (over the last axis).
const withRankAtLeast1 = (c: ShapeContext) => c.withRankAtLeast(0, 1);
registerOp("Softmax", {
  shape: withRankAtLeast1,
  gradient: (op, [dy]) => {
    const s = op.outputs[0];
    const dot = makeOp1("Sum", [makeOp1("Mul", [dy!, s]), lastAxis([-1])], { keep_dims: true });
    return [makeOp1("Mul", [makeOp1("Sub", [dy!, dot]), s])];
  },
});
registerOp("LogSoftmax", {
  shape: withRankAtLeast1,
  gradient: (op, [dy]) => {
    const softmax = makeOp1("Exp", [op.outputs[0]]);
    const sum = makeOp1("Sum", [dy!, lastAxis([-1])], { keep_dims: true });
    return [makeOp1("Sub", [dy!, makeOp1("Mul", [sum, softmax])])];
  },
});

function crossEntropyShape(c: ShapeContext, sparse: boolean): (TensorShape | null)[] {
  const logits = c.withRank(0, 2);
  const labels = sparse ? c.withRank(1, 1) : c.withRank(1, 2);
  const batch = c.mergeDim(logits.dim(0), labels.dim(0), "Batch dimensions of logits and labels");
  const classes = sparse
    ? logits.dim(1)
    : c.mergeDim(logits.dim(1), labels.dim(1), "Class dimensions of logits and labels");
  return [new TensorShape([batch]), new TensorShape([batch, classes])];
}

/** d(loss)/d(logits) = grad_loss[:, None] * backprop, from the op's second output. */
function lossGradTimesBackprop(op: Operation, gradLoss: Tensor): Tensor {
  return makeOp1("Mul", [makeOp1("ExpandDims", [gradLoss, -1]), op.outputs[1]]);
}

registerOp("SoftmaxCrossEntropyWithLogits", {
  shape: (c) => crossEntropyShape(c, false),
  gradient: (op, [gradLoss]) => {
    if (!gradLoss) return [null, null];
    const logSoftmax = makeOp1("LogSoftmax", [op.inputs[0]]);
    const gradLabels = makeOp1("Mul", [
      makeOp1("ExpandDims", [gradLoss, -1]),
      makeOp1("Neg", [logSoftmax]),
    ]);
    return [lossGradTimesBackprop(op, gradLoss), gradLabels];
  },
});
registerOp("SparseSoftmaxCrossEntropyWithLogits", {
  shape: (c) => crossEntropyShape(c, true),
  gradient: (op, [gradLoss]) => [gradLoss ? lossGradTimesBackprop(op, gradLoss) : null, null],
});

registerOp("L2Loss", {
  shape: () => [],
  gradient: (op, [dy]) => [makeOp1("Mul", [op.inputs[0], dy!])],
});
registerOp("CheckNumerics", { shape: same, gradient: (_op, [dy]) => [dy] });

// ---- Builders -------------------------------------------------------------------------------

export const relu = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Relu", [features], {}, name);
export const relu6 = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Relu6", [features], {}, name);
export const elu = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Elu", [features], {}, name);
export const selu = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Selu", [features], {}, name);
export const softplus = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Softplus", [features], {}, name);
export const softsign = (features: TensorLike, name?: string): Tensor =>
  makeOp1("Softsign", [features], {}, name);
/** max(alpha * x, x) (tf.nn.leaky_relu). */
export function leakyRelu(features: TensorLike, alpha = 0.2, name?: string): Tensor {
  return makeOp1("LeakyRelu", [features], { alpha }, name);
}
/** 1 / (1 + exp(-x)) (also tf.sigmoid). */
export const sigmoid = (x: TensorLike, name?: string): Tensor => makeOp1("Sigmoid", [x], {}, name);
export const tanh = (x: TensorLike, name?: string): Tensor => makeOp1("Tanh", [x], {}, name);

/** Moves `axis` to the end and back around `fn` (Softmax/LogSoftmax work on the last axis). */
function onAxis(x: Tensor, axis: number, fn: (t: Tensor) => Tensor): Tensor {
  const rank = x.shape.rank;
  if (axis === -1 || (rank !== null && axis === rank - 1)) return fn(x);
  if (rank === null) throw new ValueError("softmax over a non-last axis needs a known rank");
  const a = axis < 0 ? axis + rank : axis;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[a] = rank - 1;
  perm[rank - 1] = a;
  const permT = new NDArray("int32", [rank], Int32Array.from(perm));
  return makeOp1("Transpose", [fn(makeOp1("Transpose", [x, permT])), permT]);
}

/** exp(x) / sum(exp(x)) along `axis` (default the last). */
export function softmax(logits: TensorLike, axis = -1, name?: string): Tensor {
  const x = convertToTensor(logits);
  return onAxis(x, axis, (t) => makeOp1("Softmax", [t], {}, name));
}
export function logSoftmax(logits: TensorLike, axis = -1, name?: string): Tensor {
  const x = convertToTensor(logits);
  return onAxis(x, axis, (t) => makeOp1("LogSoftmax", [t], {}, name));
}

interface LossArgs {
  labels: TensorLike;
  logits: TensorLike;
  name?: string;
}

/** Per-example softmax cross entropy; gradients flow into labels too (tf.nn.softmax_cross_entropy_with_logits_v2). */
export function softmaxCrossEntropyWithLogitsV2({ labels, logits, name }: LossArgs): Tensor {
  const l = convertToTensor(logits);
  const y = convertToTensor(labels, l.dtype, undefined, l.graph);
  return makeOp("SoftmaxCrossEntropyWithLogits", [l, y], {}, name).outputs[0];
}
/** As TF1's deprecated v1: no gradient into the labels. */
export function softmaxCrossEntropyWithLogits({ labels, logits, name }: LossArgs): Tensor {
  const l = convertToTensor(logits);
  const y = makeOp1("StopGradient", [convertToTensor(labels, l.dtype, undefined, l.graph)]);
  return makeOp("SoftmaxCrossEntropyWithLogits", [l, y], {}, name).outputs[0];
}
/** Per-example cross entropy with integer class labels (tf.nn.sparse_softmax_cross_entropy_with_logits). */
export function sparseSoftmaxCrossEntropyWithLogits({ labels, logits, name }: LossArgs): Tensor {
  const l = convertToTensor(logits);
  const y = convertToTensor(labels, undefined, undefined, l.graph);
  if (y.dtype !== "int32" && y.dtype !== "int64") {
    throw new ValueError(
      `sparseSoftmaxCrossEntropyWithLogits: labels must be int32 or int64, got ${y.dtype}`,
    );
  }
  const rank = l.shape.rank;
  if (rank === 0) throw new ValueError(`Logits cannot be scalars - received shape ${l.shape}.`);
  if (rank !== null && y.shape.rank !== null && y.shape.rank !== rank - 1) {
    throw new ValueError(
      `Rank mismatch: Rank of labels (received ${y.shape.rank}) should equal rank of logits minus 1 (received ${rank}).`,
    );
  }
  if (rank === null || rank === 2)
    return makeOp("SparseSoftmaxCrossEntropyWithLogits", [l, y], {}, name).outputs[0];
  // As TF's wrapper: flatten to [-1, classes] and [-1], then give the cost the labels' shape.
  return l.graph.nameScope(name ?? "SparseSoftmaxCrossEntropyWithLogits", () => {
    const last = rank - 1;
    const classes = l.shape.dim(last);
    const flatShape =
      classes !== null
        ? lastAxis([-1, classes])
        : makeOp1("ConcatV2", [
            [
              lastAxis([-1]),
              makeOp1("Slice", [makeOp1("Shape", [l]), lastAxis([last]), lastAxis([1])]),
            ],
            0,
          ]);
    const flatLogits = makeOp1("Reshape", [l, flatShape]);
    const flatLabels = makeOp1("Reshape", [y, lastAxis([-1])]);
    const cost = makeOp("SparseSoftmaxCrossEntropyWithLogits", [flatLogits, flatLabels]).outputs[0];
    const out = makeOp1("Reshape", [cost, makeOp1("Shape", [y])]);
    out.setShape(y.shape);
    return out;
  });
}
/** max(x, 0) - x * z + log(1 + exp(-|x|)): stable logistic loss (tf.nn.sigmoid_cross_entropy_with_logits). */
export function sigmoidCrossEntropyWithLogits({ labels, logits, name }: LossArgs): Tensor {
  const x = convertToTensor(logits);
  const z = convertToTensor(labels, x.dtype, undefined, x.graph);
  return x.graph.nameScope(name ?? "logistic_loss", () => {
    const zeros = makeOp1("ZerosLike", [x]);
    const relu = makeOp1("SelectV2", [makeOp1("GreaterEqual", [x, zeros]), x, zeros]);
    const negAbs = makeOp1("Neg", [makeOp1("Abs", [x])]);
    return makeOp1("AddV2", [
      makeOp1("Sub", [relu, makeOp1("Mul", [x, z])]),
      makeOp1("Log1p", [makeOp1("Exp", [negAbs])]),
    ]);
  });
}

/** sum(t ** 2) / 2 (tf.nn.l2_loss). */
export const l2Loss = (t: TensorLike, name?: string): Tensor => makeOp1("L2Loss", [t], {}, name);

/** Gathers rows of `params` by `ids` (tf.nn.embedding_lookup with a single params tensor). */
export function embeddingLookup(params: TensorLike, ids: TensorLike, name?: string): Tensor {
  return makeOp1("GatherV2", [params, ids, 0], {}, name ?? "embedding_lookup");
}

/** Mean and variance over `axes` (tf.nn.moments). */
export function moments(
  x: TensorLike,
  axes: number[],
  { keepDims = false, name }: { keepDims?: boolean; name?: string } = {},
): [Tensor, Tensor] {
  const t = convertToTensor(x);
  return t.graph.nameScope(name ?? "moments", () => {
    const ax = new NDArray("int32", [axes.length], Int32Array.from(axes));
    const mean = makeOp1("Mean", [t, ax], { keep_dims: true }, "mean");
    const variance = makeOp1(
      "Mean",
      [makeOp1("SquaredDifference", [t, makeOp1("StopGradient", [mean])]), ax],
      { keep_dims: true },
      "variance",
    );
    if (keepDims) return [mean, variance];
    return [
      makeOp1("Squeeze", [mean], { squeeze_dims: axes }),
      makeOp1("Squeeze", [variance], { squeeze_dims: axes }),
    ];
  });
}

/** (x - mean) / sqrt(variance + eps) * scale + offset (tf.nn.batch_normalization). */
export function batchNormalization(
  x: TensorLike,
  mean: TensorLike,
  variance: TensorLike,
  offset: TensorLike | null,
  scale: TensorLike | null,
  varianceEpsilon: number,
  name?: string,
): Tensor {
  const t = convertToTensor(x);
  return t.graph.nameScope(name ?? "batchnorm", () => {
    let inv = makeOp1("Rsqrt", [makeOp1("AddV2", [variance, varianceEpsilon])]);
    if (scale !== null) inv = makeOp1("Mul", [inv, scale]);
    const shift =
      offset !== null
        ? makeOp1("Sub", [offset, makeOp1("Mul", [mean, inv])])
        : makeOp1("Neg", [makeOp1("Mul", [mean, inv])]);
    return makeOp1("AddV2", [makeOp1("Mul", [t, inv]), shift]);
  });
}

export interface DropoutOptions {
  /** Fraction of elements dropped (TF2 style); give this or keepProb. */
  rate?: number | Tensor;
  keepProb?: number | Tensor;
  noiseShape?: readonly number[];
  seed?: number;
  name?: string;
}

/**
 * Zeroes each element with probability `rate` and scales the rest by 1/(1-rate), so the
 * expectation is unchanged (tf.nn.dropout). `dropout(x, 0.8)` is TF1's positional keep_prob.
 */
export function dropout(
  x: TensorLike,
  keepProbOrOptions: number | Tensor | DropoutOptions = {},
): Tensor {
  const opts: DropoutOptions =
    typeof keepProbOrOptions === "number" || keepProbOrOptions instanceof Tensor
      ? { keepProb: keepProbOrOptions }
      : keepProbOrOptions;
  const t = convertToTensor(x);
  if ((opts.rate === undefined) === (opts.keepProb === undefined)) {
    throw new ValueError("dropout: give exactly one of rate and keepProb");
  }
  if (typeof opts.rate === "number" && (opts.rate < 0 || opts.rate >= 1)) {
    throw new ValueError(`dropout: rate must be in [0, 1), got ${opts.rate}`);
  }
  if (typeof opts.keepProb === "number" && (opts.keepProb <= 0 || opts.keepProb > 1)) {
    throw new ValueError(`dropout: keepProb must be in (0, 1], got ${opts.keepProb}`);
  }
  if (opts.keepProb === 1) return t;
  return t.graph.nameScope(opts.name ?? "dropout", () => {
    const keep =
      opts.keepProb !== undefined
        ? convertToTensor(opts.keepProb, t.dtype, "keep_prob", t.graph)
        : makeOp1("Sub", [1, convertToTensor(opts.rate!, t.dtype, "rate", t.graph)]);
    const shape = opts.noiseShape ? [...opts.noiseShape] : makeOp1("Shape", [t]);
    const noise = randomUniform(shape, { dtype: t.dtype as DType, seed: opts.seed });
    const mask = makeOp1("Floor", [makeOp1("AddV2", [keep, noise])]);
    return makeOp1("Mul", [makeOp1("RealDiv", [t, keep]), mask]);
  });
}

/** Passes `tensor` through, raising InvalidArgumentError with `message` if it holds NaN or Inf. */
export function checkNumerics(tensor: TensorLike, message: string, name?: string): Tensor {
  return makeOp1("CheckNumerics", [tensor], { message }, name);
}

/**
 * A CheckNumerics on every floating-point op output of the graph (tf.add_check_numerics_ops):
 * running it reports the first op, in execution order, that produced a NaN or Inf.
 */
export function addCheckNumericsOps(): Operation {
  const g = getDefaultGraph();
  const checks: Tensor[] = [];
  for (const op of [...g.operations]) {
    if (op.type === "CheckNumerics") continue;
    for (const out of op.outputs) {
      if ((out.dtype === "float32" || out.dtype === "float64") && !out.isRef) {
        checks.push(
          makeOp1("CheckNumerics", [out], { message: `${op.name}:${out.index} (op ${op.type})` }),
        );
      }
    }
  }
  return g.controlDependencies(checks, () => g.createOp("NoOp", [], {}, "CheckNumerics"));
}
