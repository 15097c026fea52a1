// tf.train.AdamOptimizer (Kingma & Ba): bias-corrected first and second moment estimates.
import { ValueError } from "../framework/errors.js";
import type { Graph, Operation, Tensor } from "../framework/graph.js";
import { mul } from "../ops/math.js";
import { applyOp } from "../ops/training_ops.js";
import type { Variable } from "../ops/variables.js";
import {
  groupOps,
  type Hyper,
  Optimizer,
  type OptimizerOptions,
  positionalOptions,
  updateOpOf,
} from "./optimizer.js";

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: Hyper;
  /** Decay of the first moment estimates. Default 0.9. */
  beta1?: number | Tensor;
  /** Decay of the second moment estimates. Default 0.999. */
  beta2?: number | Tensor;
  /** Default 1e-8. */
  epsilon?: Hyper;
}

/**
 * Adam (TF1's AdamOptimizer). Slots "m" ("w/Adam") and "v" ("w/Adam_1"); the non-slot variables
 * "beta1_power" and "beta2_power" hold beta^t and are multiplied by beta after each step.
 */
export class AdamOptimizer extends Optimizer {
  private readonly learningRate: Hyper;
  private readonly beta1: number | Tensor;
  private readonly beta2: number | Tensor;
  private readonly epsilon: Hyper;
  private tensors: { lr: Tensor; beta1: Tensor; beta2: Tensor; epsilon: Tensor } | undefined;

  constructor(
    learningRate?: Hyper | AdamOptions,
    beta1?: number | Tensor | AdamOptions,
    beta2?: number | Tensor | AdamOptions,
    epsilon?: Hyper | AdamOptions,
    options?: AdamOptions,
  ) {
    const o = positionalOptions<AdamOptions>(
      [learningRate, beta1, beta2, epsilon, options],
      ["learningRate", "beta1", "beta2", "epsilon"],
    );
    super(o.useLocking, o.name ?? "Adam");
    this.learningRate = o.learningRate ?? 0.001;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
  }

  protected override createSlots(varList: readonly Variable[]): void {
    const graph = varList[0].graph;
    this.createNonSlotVariable(this.beta1, "beta1_power", graph, varList[0]);
    this.createNonSlotVariable(this.beta2, "beta2_power", graph, varList[0]);
    for (const v of varList) {
      this.zerosSlot(v, "m", this.name);
      this.zerosSlot(v, "v", this.name);
    }
  }

  /** The variables holding beta1^t and beta2^t in `graph`. */
  betaAccumulators(graph: Graph): [Variable, Variable] {
    const b1 = this.getNonSlotVariable("beta1_power", graph);
    const b2 = this.getNonSlotVariable("beta2_power", graph);
    if (!b1 || !b2)
      throw new ValueError("AdamOptimizer: the beta accumulators are created by applyGradients");
    return [b1, b2];
  }

  protected override prepare(): void {
    this.tensors = {
      lr: this.hyperTensor(this.learningRate, "learning_rate"),
      beta1: this.hyperTensor(this.beta1, "beta1"),
      beta2: this.hyperTensor(this.beta2, "beta2"),
      epsilon: this.hyperTensor(this.epsilon, "epsilon"),
    };
  }

  protected override applyDense(grad: Tensor, variable: Variable): Operation {
    const t = this.tensors!;
    const d = variable.dtype;
    const [b1p, b2p] = this.betaAccumulators(variable.graph);
    const others = [
      this.castTo(b1p.value(), d),
      this.castTo(b2p.value(), d),
      this.castTo(t.lr, d),
      this.castTo(t.beta1, d),
      this.castTo(t.beta2, d),
      this.castTo(t.epsilon, d),
      grad,
    ];
    const slots = [this.getSlot(variable, "m")!, this.getSlot(variable, "v")!];
    return applyOp("ApplyAdam", [variable, ...slots], others, { use_locking: this.useLocking });
  }

  /** After the updates, beta1_power *= beta1 and beta2_power *= beta2. */
  protected override finish(
    updateOps: readonly Operation[],
    name: string,
    exactName: boolean,
  ): Operation {
    const t = this.tensors!;
    const graph = updateOps[0].graph;
    const [b1p, b2p] = this.betaAccumulators(graph);
    const updates = graph.controlDependencies(updateOps, () => [
      updateOpOf(b1p.assign(mul(b1p, t.beta1))),
      updateOpOf(b2p.assign(mul(b2p, t.beta2))),
    ]);
    return groupOps([...updateOps, ...updates], name, exactName);
  }
}
