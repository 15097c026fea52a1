// Fused batch normalization (FusedBatchNorm, V2, V3 and their Grad ops, with the Grad ops' own
// gradients as TF's _FusedBatchNormGradGrad) and BatchNormWithGlobalNormalization: shape
// functions and gradients. NHWC and NCHW.
import { UnimplementedError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { gradients } from "../gradients/gradients.js";
import { makeOp, makeOp1 } from "./op_builder.js";

/** The channel axis of a 4-D batch-norm input (3 for NHWC, 1 for NCHW). */
function channelAxis(c: ShapeContext): number {
  const f = c.attr<string>("data_format");
  if (f === "NHWC") return 3;
  if (f === "NCHW") return 1;
  throw new UnimplementedError(
    `${c.op.type} '${c.op.name}': data_format must be NHWC or NCHW, got ${f}`,
  );
}

/** Merges the length of each rank-1 input in `inputs` into the channel dim. */
function mergeChannels(c: ShapeContext, channels: Dim, inputs: number[]): Dim {
  let ch = channels;
  for (const i of inputs) {
    const v = c.withRank(i, 1);
    ch = c.mergeDim(ch, v.dim(0), `${c.op.def.inputs[i].name} size and channel dimension`);
  }
  return ch;
}

function fusedShape(c: ShapeContext, v3: boolean): TensorShape[] {
  const x = c.withRank(0, 4);
  const axis = channelAxis(c);
  const training = c.attr<boolean>("is_training");
  // In training the mean and variance inputs are unused (TF passes empty tensors).
  const ch = mergeChannels(c, x.dim(axis), training ? [1, 2] : [1, 2, 3, 4]);
  if (training) for (const i of [3, 4]) c.withRank(i, 1);
  const dims = x.asList() ?? [null, null, null, null];
  dims[axis] = ch;
  const vec = new TensorShape([ch]);
  const out = [new TensorShape(dims), vec, vec, vec, vec];
  if (v3) out.push(TensorShape.scalar());
  return out;
}

const GRAD_OF: Record<string, string> = {
  FusedBatchNorm: "FusedBatchNormGrad",
  FusedBatchNormV2: "FusedBatchNormGradV2",
  FusedBatchNormV3: "FusedBatchNormGradV3",
};

/** TF's _BaseFusedBatchNormGrad: training uses the saved batch moments, inference the given ones. */
function fusedGradient(op: Operation, grads: (Tensor | null)[]): (Tensor | null)[] {
  const dy = grads[0];
  if (!dy) return [null, null, null, null, null];
  const [x, scale, , mean, variance] = op.inputs;
  const training = op.attrs.is_training as boolean;
  const inputs = training
    ? [dy, x, scale, op.outputs[3], op.outputs[4]]
    : [dy, x, scale, mean, variance];
  if (op.type === "FusedBatchNormV3") inputs.push(op.outputs[5]);
  const g = makeOp(GRAD_OF[op.type], inputs, {
    epsilon: op.attrs.epsilon,
    data_format: op.attrs.data_format,
    is_training: training,
  });
  return [g.outputs[0], g.outputs[1], g.outputs[2], null, null];
}

for (const [type, v3] of [
  ["FusedBatchNorm", false],
  ["FusedBatchNormV2", false],
  ["FusedBatchNormV3", true],
] as const) {
  registerOp(type, { shape: (c) => fusedShape(c, v3), gradient: fusedGradient });
}

function fusedGradShape(c: ShapeContext): TensorShape[] {
  const axis = channelAxis(c);
  const dy = c.withRank(0, 4);
  const x = c.withRank(1, 4);
  if (!dy.isCompatibleWith(x)) c.fail(`y_backprop ${dy} and x ${x} must have the same shape`);
  const merged = dy.mergeWith(x);
  const ch = mergeChannels(c, merged.dim(axis), [2, 3, 4]);
  const dims = merged.asList()!;
  dims[axis] = ch;
  const vec = new TensorShape([ch]);
  const reserve = c.attr<boolean>("is_training") ? new TensorShape([0]) : vec;
  return [new TensorShape(dims), vec, vec, reserve, reserve];
}

const ints = (v: number[]) => new NDArray("int32", [v.length], Int32Array.from(v));

/**
 * The batch-norm gradients (dx, dscale, doffset) composed of primitive ops (TF's _BatchNormGrad),
 * differentiated again for the Grad ops' gradients.
 */
function composedBatchNormGrad(
  gy: Tensor,
  x: Tensor,
  scale: Tensor,
  popMean: Tensor,
  popVar: Tensor,
  eps: number,
  nchw: boolean,
  training: boolean,
): [Tensor, Tensor, Tensor] {
  const axes = ints(nchw ? [0, 2, 3] : [0, 1, 2]);
  const bshape = ints([1, -1, 1, 1]);
  const bc = (t: Tensor | NDArray) => (nchw ? makeOp1("Reshape", [t, bshape]) : t);
  const mean = (t: Tensor) => makeOp1("Mean", [t, axes], { keep_dims: nchw });
  const sum = (t: Tensor) => makeOp1("Sum", [t, axes], { keep_dims: nchw });
  const sq = (t: Tensor) => (nchw ? makeOp1("Squeeze", [t], { squeeze_dims: [0, 2, 3] }) : t);
  const s = bc(scale);
  let gx: Tensor;
  let gscale: Tensor;
  if (training) {
    const meanGy = mean(gy);
    const meanX = mean(x);
    const varX = mean(makeOp1("SquaredDifference", [x, makeOp1("StopGradient", [meanX])]));
    const xOff = makeOp1("Sub", [x, meanX]);
    const m = makeOp1("Mean", [makeOp1("Mul", [gy, xOff]), axes], { keep_dims: true });
    const ve = makeOp1("AddV2", [varX, eps]);
    const inner = makeOp1("Sub", [
      makeOp1("Sub", [gy, meanGy]),
      makeOp1("Mul", [makeOp1("Mul", [makeOp1("Reciprocal", [ve]), m]), xOff]),
    ]);
    gx = makeOp1("Mul", [makeOp1("Mul", [s, makeOp1("Rsqrt", [ve])]), inner]);
    gscale = makeOp1("Mul", [makeOp1("Rsqrt", [ve]), sum(makeOp1("Mul", [gy, xOff]))]);
  } else {
    const r = makeOp1("Rsqrt", [makeOp1("AddV2", [bc(popVar), eps])]);
    gscale = makeOp1("Mul", [sum(makeOp1("Mul", [gy, makeOp1("Sub", [x, bc(popMean)])])), r]);
    gx = makeOp1("Mul", [makeOp1("Mul", [gy, s]), r]);
  }
  return [gx, sq(gscale), sq(sum(gy))];
}

/** TF's _FusedBatchNormGradGrad: differentiates the composed gradient with the incoming grads. */
function fusedGradGradient(op: Operation, grads: (Tensor | null)[]): (Tensor | null)[] {
  const nulls = op.inputs.map(() => null);
  const [gy, x, scale, m, v] = op.inputs;
  const pairs = [0, 1, 2].filter((i) => grads[i] !== null);
  if (pairs.length === 0) return nulls;
  const outs = composedBatchNormGrad(
    gy,
    x,
    scale,
    m,
    v,
    op.attrs.epsilon as number,
    op.attrs.data_format === "NCHW",
    op.attrs.is_training as boolean,
  );
  const [dgy, dx, dscale] = gradients(
    pairs.map((i) => outs[i]),
    [gy, x, scale],
    pairs.map((i) => grads[i]),
  );
  return [dgy, dx, dscale, ...nulls.slice(3)];
}

for (const type of ["FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"]) {
  registerOp(type, { shape: fusedGradShape, gradient: fusedGradGradient });
}

// ---- BatchNormWithGlobalNormalization (deprecated): t [n, h, w, c], the rest [c] ----

function globalNormShape(c: ShapeContext): TensorShape {
  const t = c.withRank(0, 4);
  const ch = mergeChannels(c, t.dim(3), [1, 2, 3, 4]);
  return new TensorShape([t.dim(0), t.dim(1), t.dim(2), ch]);
}

registerOp("BatchNormWithGlobalNormalization", {
  shape: globalNormShape,
  gradient: (op, [dy]) => {
    if (!dy) return [null, null, null, null, null];
    const [t, m, v, , gamma] = op.inputs;
    const g = makeOp("BatchNormWithGlobalNormalizationGrad", [t, m, v, gamma, dy], {
      variance_epsilon: op.attrs.variance_epsilon,
      scale_after_normalization: op.attrs.scale_after_normalization,
    });
    const [dx, dm, dv, db, dg] = g.outputs;
    return [dx, dm, dv, db, dg];
  },
});

registerOp("BatchNormWithGlobalNormalizationGrad", {
  shape: (c) => {
    const t = c.withRank(0, 4);
    const ch = mergeChannels(c, t.dim(3), [1, 2, 3]);
    const bp = c.withRank(4, 4);
    if (!bp.isCompatibleWith(t)) c.fail(`backprop ${bp} must have the shape of t ${t}`);
    const vec = new TensorShape([ch]);
    return [t.mergeWith(bp), vec, vec, vec, vec];
  },
});
