// tf.train.GradientDescentOptimizer: var -= learning_rate * grad.
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

export interface GradientDescentOptions extends OptimizerOptions {
  learningRate?: Hyper;
}

/** Plain gradient descent (TF1's GradientDescentOptimizer). */
export class GradientDescentOptimizer extends Optimizer {
  private readonly learningRate: Hyper;
  private learningRateTensor: Tensor | undefined;

  constructor(learningRate: Hyper | GradientDescentOptions, options?: GradientDescentOptions) {
    const o = positionalOptions<GradientDescentOptions>([learningRate, options], ["learningRate"]);
    super(o.useLocking, o.name ?? "GradientDescent");
    this.learningRate = required(o.learningRate, "GradientDescentOptimizer: learningRate");
  }

  protected override prepare(): void {
    this.learningRateTensor = this.hyperTensor(this.learningRate, "learning_rate");
  }

  protected override applyDense(grad: Tensor, variable: Variable): Operation {
    const lr = this.castTo(this.learningRateTensor!, variable.dtype);
    return applyOp("ApplyGradientDescent", [variable], [lr, grad], {
      use_locking: this.useLocking,
    });
  }
}
