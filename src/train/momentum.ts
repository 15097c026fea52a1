// tf.train.MomentumOptimizer: accum = momentum * accum + grad; var -= learning_rate * accum.
import type { Operation, Tensor } from "../framework/graph.js";
import { applyOp } from "../ops/training_ops.js";
import type { Variable } from "../ops/variables.js";
import {
  type Hyper,
  Optimizer,
  type OptimizerOptions,
  positionalOptions,
  required,
} from "./optimizer.js";

export interface MomentumOptions extends OptimizerOptions {
  learningRate?: Hyper;
  momentum?: Hyper;
  /** Nesterov momentum: var -= learning_rate * (grad + momentum * accum). Default false. */
  useNesterov?: boolean;
}

/** Gradient descent with momentum (TF1's MomentumOptimizer); its slot is "momentum" ("w/Momentum"). */
export class MomentumOptimizer extends Optimizer {
  private readonly learningRate: Hyper;
  private readonly momentum: Hyper;
  readonly useNesterov: boolean;
  private learningRateTensor: Tensor | undefined;
  private momentumTensor: Tensor | undefined;

  constructor(
    learningRate: Hyper | MomentumOptions,
    momentum?: Hyper | MomentumOptions,
    options?: MomentumOptions,
  ) {
    const o = positionalOptions<MomentumOptions>(
      [learningRate, momentum, options],
      ["learningRate", "momentum"],
    );
    super(o.useLocking, o.name ?? "Momentum");
    this.learningRate = required(o.learningRate, "MomentumOptimizer: learningRate");
    this.momentum = required(o.momentum, "MomentumOptimizer: momentum");
    this.useNesterov = o.useNesterov ?? false;
  }

  protected override createSlots(varList: readonly Variable[]): void {
    for (const v of varList) this.zerosSlot(v, "momentum", this.name);
  }

  protected override prepare(): void {
    this.learningRateTensor = this.hyperTensor(this.learningRate, "learning_rate");
    this.momentumTensor = this.hyperTensor(this.momentum, "momentum");
  }

  protected override applyDense(grad: Tensor, variable: Variable): Operation {
    const lr = this.castTo(this.learningRateTensor!, variable.dtype);
    const momentum = this.castTo(this.momentumTensor!, variable.dtype);
    return applyOp(
      "ApplyMomentum",
      [variable, this.getSlot(variable, "momentum")!],
      [lr, grad, momentum],
      { use_locking: this.useLocking, use_nesterov: this.useNesterov },
    );
  }
}
