// The training_ops family: TF1's Apply* ops, which update a variable (and its optimizer slots)
// through ref inputs and output the variable's ref; their ResourceApply* forms, which update
// resource variables through handles (no outputs); and the SparseApply* forms, which update the
// rows a gradient names.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { getOpDef, registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { makeOp, type TensorLike } from "./op_builder.js";
import { handleData } from "./resource_variables.js";
import type { Variable } from "./variables.js";

/** TF's shape_inference Merge: two shapes that must agree, unknown dims taking the known ones. */
function mergeShapes(c: ShapeContext, a: TensorShape, b: TensorShape): TensorShape {
  if (a.rank === null) return b;
  if (b.rank === null) return a;
  if (a.rank !== b.rank) c.fail(`Shapes must be equal rank, but are ${a.rank} and ${b.rank}`);
  const dims = a.asList()!.map((d, i) => {
    const e = b.dim(i);
    if (d !== null && e !== null && d !== e) {
      c.fail(
        `Dimension ${i} in both shapes must be equal, but are ${d} and ${e}. Shapes are ${a} and ${b}.`,
      );
    }
    return d ?? e;
  });
  return new TensorShape(dims);
}

/** The shape of the variable input `i`: a ref's own shape, or the variable behind a handle. */
function refShape(c: ShapeContext, i: number): TensorShape {
  if (c.inputDtype(i) !== RESOURCE) return c.input(i);
  c.withRank(i, 0);
  return handleData(c.op.inputs[i])?.shape ?? TensorShape.unknown();
}

/**
 * The shape function of an Apply op: the variable inputs `0..refs-1` and the gradient `grad` all
 * have the variable's shape (merged), the other inputs are scalars. The ref forms output the
 * variable's ref; the Resource forms have no outputs.
 */
function applyShape(refs: number, grad: number) {
  return (c: ShapeContext) => {
    let s = refShape(c, 0);
    for (let i = 1; i < refs; i++) s = mergeShapes(c, s, refShape(c, i));
    for (let i = refs; i < c.numInputs; i++) if (i !== grad) c.withRank(i, 0);
    const out = mergeShapes(c, s, c.input(grad));
    return c.op.def.outputs.length === 0 ? [] : out;
  };
}

/**
 * The shape function of a SparseApply op: as applyShape, except that the gradient holds the rows
 * `indices` (a vector) of the variable: grad.shape = [indices.size] + var.shape[1:].
 */
function sparseApplyShape(refs: number, grad: number, indices: number) {
  return (c: ShapeContext) => {
    let s = refShape(c, 0);
    for (let i = 1; i < refs; i++) s = mergeShapes(c, s, refShape(c, i));
    for (let i = refs; i < c.numInputs; i++) if (i !== grad && i !== indices) c.withRank(i, 0);
    const idx = c.withRank(indices, 1);
    const g = c.withRankAtLeast(grad, 1);
    if (s.rank !== null && g.rank !== null) {
      mergeShapes(c, new TensorShape(s.dims!.slice(1)), new TensorShape(g.dims!.slice(1)));
    }
    c.mergeDim(idx.dim(0), g.rank === null ? null : g.dim(0), "indices and grad rows");
    return c.op.def.outputs.length === 0 ? [] : s;
  };
}

const RESOURCE = "resource" as DType;

/** [op type, number of variable inputs, index of grad] of each Apply op, dense. */
const DENSE: [string, number, number][] = [
  ["ApplyGradientDescent", 1, 2],
  ["ApplyMomentum", 2, 3],
  ["ApplyAdam", 3, 9],
  ["ApplyRMSProp", 3, 7],
  ["ApplyCenteredRMSProp", 4, 8],
  ["ApplyAdagrad", 2, 3],
];
/** [op type, variable inputs, grad, indices] of each SparseApply op (TF has no sparse GD or Adam). */
const SPARSE: [string, number, number, number][] = [
  ["SparseApplyMomentum", 2, 3, 4],
  ["SparseApplyAdagrad", 2, 3, 4],
  ["SparseApplyRMSProp", 3, 7, 8],
  ["SparseApplyCenteredRMSProp", 4, 8, 9],
];
for (const [type, refs, grad] of DENSE) {
  registerOp(type, { shape: applyShape(refs, grad) });
  registerOp(`Resource${type}`, { shape: applyShape(refs, grad) });
}
for (const [type, refs, grad, indices] of SPARSE) {
  registerOp(type, { shape: sparseApplyShape(refs, grad, indices) });
  registerOp(`Resource${type}`, { shape: sparseApplyShape(refs, grad, indices) });
}

/** A variable (either kind), a ref tensor or a resource handle: what an Apply op updates. */
export type RefLike = Variable | Tensor;

/** The tensor an Apply op takes for a variable: its ref, or its handle for a resource variable. */
function refOf(x: RefLike, what: string): Tensor {
  const t =
    x instanceof Tensor ? x : typeof x === "object" && x !== null && "ref" in x ? x.ref : undefined;
  if (!t || (!t.isRef && t.dtype !== RESOURCE)) {
    throw new ValueError(
      `${what} must be a Variable, a ref tensor (an l-value) or a resource handle`,
    );
  }
  return t;
}

/**
 * The update op `type` (e.g. "ApplyAdam") on `vars` (the variable, then its slots), followed by
 * the other inputs in TF's order. Resource variables get the op's Resource form
 * ("ResourceApplyAdam"); the variables must all be of one kind.
 */
export function applyOp(
  type: string,
  vars: readonly RefLike[],
  others: readonly TensorLike[],
  attrs: Record<string, AttrValue | undefined>,
  name?: string,
): Operation {
  const names = getOpDef(type)!.inputs.map((a) => a.name);
  const refs = vars.map((v, i) => refOf(v, names[i]));
  const resource = refs[0].dtype === RESOURCE;
  if (refs.some((r) => (r.dtype === RESOURCE) !== resource)) {
    throw new ValueError(
      `${type}: the variable and its slots must be all ref or all resource variables`,
    );
  }
  if (!resource) return makeOp(type, [...refs, ...others], attrs, name);
  const dtype = handleData(refs[0])?.dtype;
  return makeOp(`Resource${type}`, [...refs, ...others], { T: dtype, ...attrs }, name);
}

/** What the builders return: the ref output, or for a resource variable its value after the op. */
function result(op: Operation): Tensor {
  if (op.outputs.length > 0) return op.outputs[0];
  const handle = op.inputs[0];
  return op.graph.controlDependencies(
    [op],
    () =>
      op.graph.createOp("ReadVariableOp", [handle], { dtype: handleData(handle)?.dtype })
        .outputs[0],
  );
}

export interface ApplyOptions {
  /** Accepted for TensorFlow compatibility; updates here never race. */
  useLocking?: boolean;
  name?: string;
}

/** var -= alpha * delta (TF's ApplyGradientDescent). Outputs the variable (its ref, or its value). */
export function applyGradientDescent(
  variable: RefLike,
  alpha: TensorLike,
  delta: TensorLike,
  options: ApplyOptions = {},
): Tensor {
  const attrs = { use_locking: options.useLocking };
  return result(applyOp("ApplyGradientDescent", [variable], [alpha, delta], attrs, options.name));
}

/**
 * accum = accum * momentum + grad; var -= lr * accum, or with Nesterov momentum
 * var -= lr * grad + lr * momentum * accum (TF's ApplyMomentum).
 */
export function applyMomentum(
  variable: RefLike,
  accum: RefLike,
  lr: TensorLike,
  grad: TensorLike,
  momentum: TensorLike,
  options: ApplyOptions & { useNesterov?: boolean } = {},
): Tensor {
  const attrs = { use_locking: options.useLocking, use_nesterov: options.useNesterov };
  return result(
    applyOp("ApplyMomentum", [variable, accum], [lr, grad, momentum], attrs, options.name),
  );
}

/**
 * Adam (TF's ApplyAdam): lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
 * m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
 * var -= lr_t * m / (sqrt(v) + epsilon) (with Nesterov, m is replaced by beta1 * m + (1 - beta1) * grad).
 */
export function applyAdam(
  variable: RefLike,
  m: RefLike,
  v: RefLike,
  beta1Power: TensorLike,
  beta2Power: TensorLike,
  lr: TensorLike,
  beta1: TensorLike,
  beta2: TensorLike,
  epsilon: TensorLike,
  grad: TensorLike,
  options: ApplyOptions & { useNesterov?: boolean } = {},
): Tensor {
  const attrs = { use_locking: options.useLocking, use_nesterov: options.useNesterov };
  const others = [beta1Power, beta2Power, lr, beta1, beta2, epsilon, grad];
  return result(applyOp("ApplyAdam", [variable, m, v], others, attrs, options.name));
}

/**
 * RMSProp (TF's ApplyRMSProp): ms = rho * ms + (1 - rho) * grad^2;
 * mom = momentum * mom + lr * grad / sqrt(ms + epsilon); var -= mom.
 */
export function applyRMSProp(
  variable: RefLike,
  ms: RefLike,
  mom: RefLike,
  lr: TensorLike,
  rho: TensorLike,
  momentum: TensorLike,
  epsilon: TensorLike,
  grad: TensorLike,
  options: ApplyOptions = {},
): Tensor {
  const attrs = { use_locking: options.useLocking };
  const others = [lr, rho, momentum, epsilon, grad];
  return result(applyOp("ApplyRMSProp", [variable, ms, mom], others, attrs, options.name));
}

/**
 * Centered RMSProp (TF's ApplyCenteredRMSProp): as RMSProp, also tracking the mean gradient
 * mg = rho * mg + (1 - rho) * grad, and dividing by sqrt(ms - mg^2 + epsilon).
 */
export function applyCenteredRMSProp(
  variable: RefLike,
  mg: RefLike,
  ms: RefLike,
  mom: RefLike,
  lr: TensorLike,
  rho: TensorLike,
  momentum: TensorLike,
  epsilon: TensorLike,
  grad: TensorLike,
  options: ApplyOptions = {},
): Tensor {
  const attrs = { use_locking: options.useLocking };
  const others = [lr, rho, momentum, epsilon, grad];
  return result(
    applyOp("ApplyCenteredRMSProp", [variable, mg, ms, mom], others, attrs, options.name),
  );
}

/** Adagrad (TF's ApplyAdagrad): accum += grad^2 (when updateSlots); var -= lr * grad / sqrt(accum). */
export function applyAdagrad(
  variable: RefLike,
  accum: RefLike,
  lr: TensorLike,
  grad: TensorLike,
  options: ApplyOptions & { updateSlots?: boolean } = {},
): Tensor {
  const attrs = { use_locking: options.useLocking, update_slots: options.updateSlots };
  return result(applyOp("ApplyAdagrad", [variable, accum], [lr, grad], attrs, options.name));
}

/** The Tindices attr for plain JS indices (int32); else taken from the input. */
const indexType = (indices: TensorLike): "int32" | undefined =>
  indices instanceof Tensor || indices instanceof NDArray ? undefined : "int32";

/**
 * Momentum on the rows `indices` of the variable (TF's SparseApplyMomentum): `grad` holds one
 * row per index; rows apply in order (a repeated index is updated twice).
 */
export function sparseApplyMomentum(
  variable: RefLike,
  accum: RefLike,
  lr: TensorLike,
  grad: TensorLike,
  indices: TensorLike,
  momentum: TensorLike,
  options: ApplyOptions & { useNesterov?: boolean } = {},
): Tensor {
  const attrs = {
    use_locking: options.useLocking,
    use_nesterov: options.useNesterov,
    Tindices: indexType(indices),
  };
  const others = [lr, grad, indices, momentum];
  return result(applyOp("SparseApplyMomentum", [variable, accum], others, attrs, options.name));
}

/** Adagrad on the rows `indices` of the variable (TF's SparseApplyAdagrad). */
export function sparseApplyAdagrad(
  variable: RefLike,
  accum: RefLike,
  lr: TensorLike,
  grad: TensorLike,
  indices: TensorLike,
  options: ApplyOptions & { updateSlots?: boolean } = {},
): Tensor {
  const attrs = {
    use_locking: options.useLocking,
    update_slots: options.updateSlots,
    Tindices: indexType(indices),
  };
  const others = [lr, grad, indices];
  return result(applyOp("SparseApplyAdagrad", [variable, accum], others, attrs, options.name));
}

/** RMSProp on the rows `indices` of the variable (TF's SparseApplyRMSProp). */
export function sparseApplyRMSProp(
  variable: RefLike,
  ms: RefLike,
  mom: RefLike,
  lr: TensorLike,
  rho: TensorLike,
  momentum: TensorLike,
  epsilon: TensorLike,
  grad: TensorLike,
  indices: TensorLike,
  options: ApplyOptions = {},
): Tensor {
  const attrs = { use_locking: options.useLocking, Tindices: indexType(indices) };
  const others = [lr, rho, momentum, epsilon, grad, indices];
  return result(applyOp("SparseApplyRMSProp", [variable, ms, mom], others, attrs, options.name));
}

/** Centered RMSProp on the rows `indices` of the variable (TF's SparseApplyCenteredRMSProp). */
export function sparseApplyCenteredRMSProp(
  variable: RefLike,
  mg: RefLike,
  ms: RefLike,
  mom: RefLike,
  lr: TensorLike,
  rho: TensorLike,
  momentum: TensorLike,
  epsilon: TensorLike,
  grad: TensorLike,
  indices: TensorLike,
  options: ApplyOptions = {},
): Tensor {
  const attrs = { use_locking: options.useLocking, Tindices: indexType(indices) };
  const others = [lr, rho, momentum, epsilon, grad, indices];
  return result(
    applyOp("SparseApplyCenteredRMSProp", [variable, mg, ms, mom], others, attrs, options.name),
  );
}
