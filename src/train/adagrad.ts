// tf.train.AdagradOptimizer: accum += grad^2; var -= learning_rate * grad / sqrt(accum).
import { ValueError } from "../framework/errors.js";
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

export interface AdagradOptions extends OptimizerOptions {
  learningRate?: Hyper;
  /** The accumulators' starting value; must be positive. Default 0.1. */
  initialAccumulatorValue?: number;
}

/** Adagrad (TF1's AdagradOptimizer); its slot is "accumulator" ("w/Adagrad"). */
export class AdagradOptimizer extends Optimizer {
  private readonly learningRate: Hyper;
  readonly initialAccumulatorValue: number;
  private learningRateTensor: Tensor | undefined;

  constructor(
    learningRate: Hyper | AdagradOptions,
    initialAccumulatorValue?: number | AdagradOptions,
    options?: AdagradOptions,
  ) {
    const o = positionalOptions<AdagradOptions>(
      [learningRate, initialAccumulatorValue, options],
      ["learningRate", "initialAccumulatorValue"],
    );
    super(o.useLocking, o.name ?? "Adagrad");
    this.learningRate = required(o.learningRate, "AdagradOptimizer: learningRate");
    this.initialAccumulatorValue = o.initialAccumulatorValue ?? 0.1;
    if (!(this.initialAccumulatorValue > 0)) {
      throw new ValueError(
        `initial_accumulator_value must be positive: ${this.initialAccumulatorValue}`,
      );
    }
  }

  protected override createSlots(varList: readonly Variable[]): void {
    for (const v of varList) {
      this.slotWithValue(v, this.initialAccumulatorValue, "accumulator", this.name);
    }
  }

  protected override prepare(): void {
    this.learningRateTensor = this.hyperTensor(this.learningRate, "learning_rate");
  }

  protected override applyDense(grad: Tensor, variable: Variable): Operation {
    const lr = this.castTo(this.learningRateTensor!, variable.dtype);
    return applyOp("ApplyAdagrad", [variable, this.getSlot(variable, "accumulator")!], [lr, grad], {
      use_locking: this.useLocking,
    });
  }
}
