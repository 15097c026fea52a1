// Every user-facing op builder, re-exported for the `tf` namespace. Importing this module also
// registers every op and gradient (each *_grad module imports the ops it differentiates).
import type { DeviceFunction, OpLike } from "../framework/graph.js";
import { getDefaultGraph } from "../framework/graph.js";
import "./grad_support.js";
import "./compat_ops.js";
import "./stack_ops.js";
import "./tensor_array_grad.js";
import "./training_ops.js";

export * as distribute from "../distributed/ns_distribute.js";
export { type ImportGraphDefOptions, importGraphDef } from "../io/graph_def.js";
export * as savedModel from "../io/saved_model.js";
export * as layers from "../layers/index.js";
export * as losses from "../layers/losses.js";
export * as metrics from "../layers/metrics.js";
export * as summary from "../summary/index.js";
export * from "../summary/top_level.js";
export * as train from "../train/index.js";
export * from "./array_extra.js";
export * from "./array_index.js";
export * from "./array_index_grad.js";
export * from "./array_shape.js";
export * from "./array_shape_grad.js";
export {
  constant,
  group,
  identity,
  identityN,
  noOp,
  placeholder,
  placeholderWithDefault,
  stopGradient,
} from "./basic.js";
export * from "./clip_ops.js";
export { assert, case, cond, type WhileLoopOptions, whileLoop } from "./control_flow.js";
export * from "./data_flow_ops.js";
export * from "./dataset_ops.js";
export * from "./function_ops.js";
export {
  type FoldOptions,
  foldl,
  foldr,
  type MapFnOptions,
  mapFn,
  type ScanOptions,
  scan,
} from "./functional_ops.js";
export * from "./image.js";
export * as initializers from "./initializers.js";
export {
  mergeV2Checkpoints,
  restoreSlice,
  restoreV1,
  restoreV2,
  saveV1,
  saveV2,
} from "./io_ops.js";
export * from "./io_readers.js";
export * from "./linalg.js";
export * from "./lookup.js";
export * from "./math.js";
export * from "./math_extra.js";
export * from "./math_grad.js";
export * as nn from "./nn.js";
export * from "./nn_extra.js";
export * as bitwise from "./ns_bitwise.js";
export * as image from "./ns_image.js";
export * as io from "./ns_io.js";
export * as linalg from "./ns_linalg.js";
export * as lookup from "./ns_lookup.js";
export * as queue from "./ns_queue.js";
export * as random from "./ns_random.js";
export * as sparse from "./ns_sparse.js";
export * as strings from "./ns_strings.js";
export { convertToTensor, type TensorLike } from "./op_builder.js";
export * from "./parsing_csv.js";
export * from "./parsing_ops.js";
export * from "./random.js";
export * from "./random_extra.js";
export * from "./reduction.js";
export * from "./reduction_grad.js";
export * from "./resource_variables.js";
export * from "./sparse.js";
export * from "./strings.js";
export { TensorArray, type TensorArrayOptions } from "./tensor_array.js";
export * from "./variable_scope.js";
export {
  globalVariables,
  globalVariablesInitializer,
  isVariableInitialized,
  localVariables,
  localVariablesInitializer,
  trainableVariables,
  Variable,
  type VariableOptions,
  variablesInitializer,
} from "./variables.js";

/** Runs `fn` inside a name scope of the default graph (tf.name_scope). */
export function nameScope<T>(name: string, fn: (scope: string) => T): T {
  return getDefaultGraph().nameScope(name, fn);
}
/** Ops created inside `fn` run after `deps` (tf.control_dependencies); null clears them. */
export function controlDependencies<T>(deps: readonly OpLike[] | null, fn: () => T): T {
  return getDefaultGraph().controlDependencies(deps, fn);
}
/** Ops created inside `fn` get `device` (tf.device), a device string or a device function. */
export function device<T>(name: string | DeviceFunction, fn: () => T): T {
  return getDefaultGraph().device(name, fn);
}
export function addToCollection(name: string, value: unknown): void {
  getDefaultGraph().addToCollection(name, value);
}
export function getCollection<T = unknown>(name: string, scope?: string): T[] {
  return getDefaultGraph().getCollection<T>(name, scope);
}
