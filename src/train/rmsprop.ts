// tf.train.RMSPropOptimizer: ms = decay * ms + (1 - decay) * grad^2;
// mom = momentum * mom + learning_rate * grad / sqrt(ms + epsilon); var -= mom.
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

export interface RMSPropOptions extends OptimizerOptions {
  learningRate?: Hyper;
  /** Discount of the running mean of squared gradients. Default 0.9. */
  decay?: Hyper;
  /** Default 0. */
  momentum?: Hyper;
  /** Default 1e-10. */
  epsilon?: Hyper;
  /** Normalize by the estimated variance of the gradient rather than its second moment. Default false. */
  centered?: boolean;
}

/**
 * RMSProp (TF1's RMSPropOptimizer). Slots: "rms" ("w/RMSProp", starting at ones as in TF1),
 * "mg" when centered, and "momentum" ("w/RMSProp_1", or "w/RMSProp_2" when centered).
 */
export class RMSPropOptimizer extends Optimizer {
  private readonly learningRate: Hyper;
  private readonly decay: Hyper;
  private readonly momentum: Hyper;
  private readonly epsilon: Hyper;
  readonly centered: boolean;
  private tensors: { lr: Tensor; decay: Tensor; momentum: Tensor; epsilon: Tensor } | undefined;

  constructor(
    learningRate: Hyper | RMSPropOptions,
    decay?: Hyper | RMSPropOptions,
    momentum?: Hyper | RMSPropOptions,
    epsilon?: Hyper | RMSPropOptions,
    options?: RMSPropOptions,
  ) {
    const o = positionalOptions<RMSPropOptions>(
      [learningRate, decay, momentum, epsilon, options],
      ["learningRate", "decay", "momentum", "epsilon"],
    );
    super(o.useLocking, o.name ?? "RMSProp");
    this.learningRate = required(o.learningRate, "RMSPropOptimizer: learningRate");
    this.decay = o.decay ?? 0.9;
    this.momentum = o.momentum ?? 0;
    this.epsilon = o.epsilon ?? 1e-10;
    this.centered = o.centered ?? false;
  }

  protected override createSlots(varList: readonly Variable[]): void {
    for (const v of varList) {
      this.slotWithValue(v, 1, "rms", this.name);
      if (this.centered) this.zerosSlot(v, "mg", this.name);
      this.zerosSlot(v, "momentum", this.name);
    }
  }

  protected override prepare(): void {
    this.tensors = {
      lr: this.hyperTensor(this.learningRate, "learning_rate"),
      decay: this.hyperTensor(this.decay, "decay"),
      momentum: this.hyperTensor(this.momentum, "momentum"),
      epsilon: this.hyperTensor(this.epsilon, "epsilon"),
    };
  }

  protected override applyDense(grad: Tensor, variable: Variable): Operation {
    const t = this.tensors!;
    const d = variable.dtype;
    const rms = this.getSlot(variable, "rms")!;
    const mom = this.getSlot(variable, "momentum")!;
    const hyper = [t.lr, t.decay, t.momentum, t.epsilon].map((x) => this.castTo(x, d));
    const [lr, decay, momentum, epsilon] = hyper;
    const attrs = { use_locking: this.useLocking };
    const others = [lr, decay, momentum, epsilon, grad];
    if (this.centered) {
      const mg = this.getSlot(variable, "mg")!;
      return applyOp("ApplyCenteredRMSProp", [variable, mg, rms, mom], others, attrs);
    }
    return applyOp("ApplyRMSProp", [variable, rms, mom], others, attrs);
  }
}
