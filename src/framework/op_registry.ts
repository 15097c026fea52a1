import { NotFoundError } from "./errors.js";
import type { Operation, Tensor } from "./graph.js";
import { type AttrDef, type AttrValue, type OpDef, tfOpDefs } from "./op_def.js";
import type { ShapeContext } from "./shape_inference.js";
import { type ShapeLike, TensorShape } from "./tensor_shape.js";

/** Static shape inference: the shape of each output (one ShapeLike for single-output ops). */
export type ShapeFn = (c: ShapeContext) => ShapeLike | ShapeLike[];
/**
 * The gradient of an op: given the op and the gradient flowing into each of its outputs (null where
 * none flows), the gradient for each of its inputs (null where none).
 */
export type GradientFn = (op: Operation, grads: (Tensor | null)[]) => (Tensor | null)[];

/** What tensorgraph adds to TensorFlow's OpDef for an op it supports. */
export interface OpRegistration {
  /** Static shape function; ops without one have outputs of unknown shape. */
  shape?: ShapeFn;
  /** Gradient; ops without one are not differentiable (`tf.gradients` raises LookupError-like). */
  gradient?: GradientFn;
}

export interface RegisteredOp extends OpRegistration {
  readonly def: OpDef;
}

const registry = new Map<string, RegisteredOp>();

/**
 * Declares an op that tensorgraph supports. Its signature (input, output and attr names,
 * defaults, allowed dtypes) is TensorFlow's own, from ops.pbtxt; the registration adds the shape
 * function and the gradient. Kernels are registered separately, per backend.
 */
export function registerOp(type: string, registration: OpRegistration): void {
  const def = tfOpDefs().get(type);
  if (!def) throw new NotFoundError(`registerOp: '${type}' is not a TensorFlow op type`);
  registry.set(type, { def, ...registration });
}

/**
 * Declares an op type TensorFlow registers outside ops.pbtxt (Grappler's internal fused ops such
 * as _FusedMatMul, which only graph passes create): its OpDef is given here.
 */
export function registerInternalOp(def: OpDef, registration: OpRegistration): void {
  registry.set(def.name, { def, ...registration });
}

/** Adds or replaces the gradient of a registered op (used by the gradients module). */
export function registerGradient(type: string, gradient: GradientFn): void {
  const op = registry.get(type);
  if (!op) throw new NotFoundError(`registerGradient: op '${type}' is not registered`);
  registry.set(type, { ...op, gradient });
}

export function getRegisteredOp(type: string): RegisteredOp | undefined {
  return registry.get(type);
}
export function registeredOpTypes(): string[] {
  return [...registry.keys()];
}

/** The OpDef of any TensorFlow op type, registered here or not. */
export function getOpDef(type: string): OpDef | undefined {
  return registry.get(type)?.def ?? tfOpDefs().get(type);
}

/** The default value of an attr as tensorgraph represents attr values. */
export function defaultAttrValue(attr: AttrDef): AttrValue | undefined {
  if (!attr.hasDefault) return undefined;
  const raw = attr.defaultRaw;
  if (attr.type === "shape") return TensorShape.from(raw === "?" ? null : (raw as number[]));
  if (attr.type === "list(shape)") {
    return (raw as unknown[]).map((s) => TensorShape.from(s === "?" ? null : (s as number[])));
  }
  return raw as AttrValue;
}
