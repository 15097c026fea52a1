// The tf.train namespace: optimizers, the global step and learning-rate schedules.

export * from "../distributed/train_exports.js";
export {
  type ExportMetaGraphOptions,
  exportMetaGraph,
  type ImportMetaGraphOptions,
} from "../io/meta_graph.js";
export * from "../summary/train_exports.js";
export { AdagradOptimizer, type AdagradOptions } from "./adagrad.js";
export { AdamOptimizer, type AdamOptions } from "./adam.js";
export * from "./coordinator.js";
export * from "./example.js";
export {
  assertGlobalStep,
  createGlobalStep,
  getGlobalStep,
  getOrCreateGlobalStep,
  globalStep,
} from "./global_step.js";
export { GradientDescentOptimizer, type GradientDescentOptions } from "./gradient_descent.js";
export { importMetaGraph } from "./import_meta_graph.js";
export * from "./input.js";
export {
  type ExponentialDecayOptions,
  exponentialDecay,
  piecewiseConstant,
} from "./learning_rate_decay.js";
export { MomentumOptimizer, type MomentumOptions } from "./momentum.js";
export {
  type ApplyGradientsOptions,
  type ComputeGradientsOptions,
  type GradAndVar,
  type Hyper,
  type MinimizeOptions,
  Optimizer,
  type OptimizerOptions,
} from "./optimizer.js";
export * from "./queue_runner.js";
export { RMSPropOptimizer, type RMSPropOptions } from "./rmsprop.js";
export {
  checkpointExists,
  getCheckpointState,
  latestCheckpoint,
  listVariables,
  loadVariable,
  removeCheckpoint,
  type SaveOptions,
  Saver,
  type SaverOptions,
} from "./saver.js";
