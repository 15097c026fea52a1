// tf.layers.BatchNormalization (TF 1.x's non-fused batch normalization).
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { TensorShape } from "../framework/tensor_shape.js";
import { where } from "../ops/array_index.js";
import { reshape, zerosLike } from "../ops/array_shape.js";
import { ones, zeros } from "../ops/initializers.js";
import { fusedBatchNorm } from "../ops/nn_extra_api.js";
import { moments, batchNormalization as nnBatchNorm } from "../ops/nn_ops.js";
import { convertToTensor, makeOp1 } from "../ops/op_builder.js";
import type { InitializerLike, Regularizer } from "../ops/variable_scope.js";
import type { Variable } from "../ops/variables.js";
import { type CallOptions, Layer, type LayerOptions, type ScopeOptions } from "./base.js";
import { trainingArg } from "./core.js";

export interface BatchNormalizationOptions extends LayerOptions {
  /** The axis of the features (default -1: channels last). */
  axis?: number;
  /** Of the moving averages (default 0.99). */
  momentum?: number;
  /** Added to the variance (default 1e-3). */
  epsilon?: number;
  /** Add the learned offset beta (default true). */
  center?: boolean;
  /** Multiply by the learned scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerLike;
  gammaInitializer?: InitializerLike;
  movingMeanInitializer?: InitializerLike;
  movingVarianceInitializer?: InitializerLike;
  betaRegularizer?: Regularizer | null;
  gammaRegularizer?: Regularizer | null;
  /**
   * Use the fused kernel (FusedBatchNormV3; 4-D float32 input, axis 3 or 1), as TF's `fused=True`:
   * the moving variance is then updated with the batch's unbiased variance. Default false (TF's
   * default, None, picks the fused kernel for 4-D inputs).
   */
  fused?: boolean;
}

/**
 * Batch normalization (tf.layers.BatchNormalization): normalizes over every axis but `axis` with
 * the batch's moments when training and with the moving averages otherwise. Variables
 * `<scope>/gamma`, `beta` (trainable), `moving_mean`, `moving_variance` (not trainable). When
 * training, the updates `moving -= (moving - batch) * (1 - momentum)` (ops AssignMovingAvg,
 * AssignMovingAvg_1) go to UPDATE_OPS: run them with the training step. The variance is the
 * batch's population variance (TF's non-fused path; TF's fused kernel, used for 4-D inputs, updates
 * the moving variance with the unbiased one).
 */
export class BatchNormalization extends Layer {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private readonly opts: BatchNormalizationOptions;
  private normAxis = -1;

  constructor(options: BatchNormalizationOptions = {}, scopeOptions: ScopeOptions = {}) {
    super("batch_normalization", options, scopeOptions);
    this.axis = options.axis ?? -1;
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
    this.opts = options;
  }

  protected build(inputShape: TensorShape): void {
    const rank = inputShape.rank;
    if (rank === null) throw new ValueError(`Input has undefined rank: ${inputShape}`);
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 0 || axis >= rank) throw new ValueError(`Invalid axis: ${this.axis}`);
    const dim = inputShape.dim(axis);
    if (dim === null) {
      throw new ValueError(`Input has undefined \`axis\` dimension. Input shape: ${inputShape}`);
    }
    this.normAxis = axis;
    this.inputSpec = { ndim: rank, axes: { [axis]: dim } };
    const dtype = this.dtype === "float64" ? "float64" : "float32";
    if (this.scale) {
      this.gamma = this.addWeight("gamma", [dim], {
        dtype,
        initializer: this.opts.gammaInitializer ?? ones(),
        regularizer: this.opts.gammaRegularizer,
      });
    }
    if (this.center) {
      this.beta = this.addWeight("beta", [dim], {
        dtype,
        initializer: this.opts.betaInitializer ?? zeros(),
        regularizer: this.opts.betaRegularizer,
      });
    }
    this.movingMean = this.addWeight("moving_mean", [dim], {
      dtype,
      initializer: this.opts.movingMeanInitializer ?? zeros(),
      trainable: false,
    });
    this.movingVariance = this.addWeight("moving_variance", [dim], {
      dtype,
      initializer: this.opts.movingVarianceInitializer ?? ones(),
      trainable: false,
    });
  }

  protected call(inputs: Tensor, options: CallOptions): Tensor {
    const rank = inputs.rank!;
    const axis = this.normAxis;
    const reductionAxes = [...Array(rank).keys()].filter((i) => i !== axis);
    // Parameters are [dim]: reshape them to broadcast unless the axis is the last one.
    const broadcastShape = Array<number>(rank).fill(1);
    broadcastShape[axis] = inputs.shape.dim(axis)!;
    const bc = (v: Tensor | Variable | null): Tensor | null => {
      if (v === null) return null;
      const t = convertToTensor(v);
      return axis === rank - 1 ? t : reshape(t, broadcastShape);
    };
    const training = trainingArg(options.training);
    if (this.opts.fused) return this.fusedCall(inputs, training);
    let mean: Tensor;
    let variance: Tensor;
    const movingMean = this.movingMean!.value();
    const movingVariance = this.movingVariance!.value();
    if (training === false) {
      mean = movingMean;
      variance = movingVariance;
    } else {
      const [bm, bv] = moments(inputs, reductionAxes);
      mean = training === true ? bm : where(training, bm, movingMean);
      variance = training === true ? bv : where(training, bv, movingVariance);
      this.addUpdate(this.movingAverageUpdate(this.movingMean!, bm, training));
      this.addUpdate(this.movingAverageUpdate(this.movingVariance!, bv, training));
    }
    const out = nnBatchNorm(
      inputs,
      bc(mean)!,
      bc(variance)!,
      bc(this.beta),
      bc(this.gamma),
      this.epsilon,
    );
    out.setShape(inputs.shape);
    return out;
  }

  /** TF's _fused_batch_norm: FusedBatchNormV3 with the batch's moments or the moving ones. */
  private fusedCall(inputs: Tensor, training: boolean | Tensor): Tensor {
    const rank = inputs.rank;
    const axis = this.normAxis;
    if (rank !== 4 || (axis !== 3 && axis !== 1))
      throw new ValueError(
        `fused batch normalization needs a 4-D input normalized over axis 3 or 1, got rank ${rank}, axis ${axis}`,
      );
    if (inputs.dtype !== "float32")
      throw new ValueError(`fused batch normalization supports float32 only, got ${inputs.dtype}`);
    const dim = inputs.shape.dim(axis)!;
    const fill = (v: number) => new NDArray("float32", [dim], new Float32Array(dim).fill(v));
    const gamma = this.gamma ? convertToTensor(this.gamma) : fill(1);
    const beta = this.beta ? convertToTensor(this.beta) : fill(0);
    const dataFormat = axis === 3 ? "NHWC" : "NCHW";
    const opts = { epsilon: this.epsilon, dataFormat } as const;
    const infer = () =>
      fusedBatchNorm(inputs, gamma, beta, {
        ...opts,
        mean: this.movingMean!.value(),
        variance: this.movingVariance!.value(),
        isTraining: false,
      })[0];
    if (training === false) return infer();
    const [y, mean, variance] = fusedBatchNorm(inputs, gamma, beta, opts);
    this.addUpdate(this.movingAverageUpdate(this.movingMean!, mean, training));
    this.addUpdate(this.movingAverageUpdate(this.movingVariance!, variance, training));
    return training === true ? y : where(training, y, infer());
  }

  /** variable -= (variable - value) * (1 - momentum), only when `training` (TF's _assign_moving_average). */
  private movingAverageUpdate(v: Variable, value: Tensor, training: true | Tensor): Tensor {
    const g = value.graph;
    return g.nameScope("AssignMovingAvg", (scope) => {
      const decay = convertToTensor(1 - this.momentum, v.dtype, "decay");
      let delta = makeOp1("Mul", [makeOp1("Sub", [v.value(), value], {}, "sub"), decay], {}, "mul");
      if (training !== true) delta = where(training, delta, zerosLike(delta));
      // A resource variable updates through AssignSubVariableOp (and reads back), as TF's does.
      if (v.isResource) return v.assignSub(delta);
      return g.createOp("AssignSub", [v.ref, delta], {}, scope.slice(0, -1), { exactName: true })
        .outputs[0];
    });
  }
}
