// Resource variables: VarHandleOp and the ops that read and update a variable through its handle
// (registrations with shape functions and gradients, and their raw builders). A handle is a
// scalar of dtype "resource"; the variable's dtype and shape travel beside it at construction
// (TF's handle data), found by following the handle back to its VarHandleOp.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";

/** The Tindices attr for plain JS indices (int32, as TF converts Python ints); else from the input. */
const indexType = (indices: TensorLike): "int32" | undefined =>
  indices instanceof Tensor || indices instanceof NDArray ? undefined : "int32";

/** What a resource handle points to, as known at construction. */
export interface HandleData {
  readonly dtype: DType;
  readonly shape: TensorShape;
}

const handleDataOf = new WeakMap<Tensor, HandleData>();

/**
 * Records the dtype and shape of the variable a resource tensor points to (for handles that do
 * not come from a VarHandleOp, e.g. a function's resource argument).
 */
export function setHandleData(handle: Tensor, data: HandleData): void {
  handleDataOf.set(handle, data);
}

/** Ops that pass a handle through unchanged: the handle data of their output is their input's. */
const FORWARDING = new Set(["Identity", "Switch", "Enter", "Exit", "RefEnter", "Merge"]);

/** The dtype and shape of the variable `handle` points to, or null when unknown. */
export function handleData(handle: Tensor): HandleData | null {
  let t: Tensor | undefined = handle;
  for (let hops = 0; t && hops < 64; hops++) {
    const known = handleDataOf.get(t);
    if (known) return known;
    if (t.op.type === "VarHandleOp") {
      return {
        dtype: t.op.attrs.dtype as DType,
        shape: t.op.attrs.shape as TensorShape,
      };
    }
    t = FORWARDING.has(t.op.type) ? t.op.inputs[0] : undefined;
  }
  return null;
}

/** The shape of the variable behind input `i` (unknown when not known). */
function varShape(c: ShapeContext, i: number): TensorShape {
  c.withRank(i, 0);
  return handleData(c.op.inputs[i])?.shape ?? TensorShape.unknown();
}

/** Checks that input `value` fits the variable behind input `handle` (dtype and shape). */
function checkValue(c: ShapeContext, handle: number, value: number, scalarOk = false): void {
  const data = handleData(c.op.inputs[handle]);
  if (!data) return;
  const dtype = c.inputDtype(value);
  if (dtype !== data.dtype) {
    c.fail(`Trying to assign variable with wrong dtype. Expected ${data.dtype} got ${dtype}`);
  }
  const v = c.input(value);
  if (scalarOk && v.rank === 0) return;
  if (!data.shape.isCompatibleWith(v)) {
    c.fail(`Shapes of the variable ${data.shape} and the value ${v} must be equal`);
  }
}

/** A shape function for an op without outputs: only the checks. */
const noOutputs =
  (check: (c: ShapeContext) => void) =>
  (c: ShapeContext): TensorShape[] => {
    check(c);
    return [];
  };

registerOp("VarHandleOp", { shape: () => [] });
registerOp("ReadVariableOp", {
  shape: (c) => varShape(c, 0),
  // The gradient of a read flows to the handle (and so to the variable): several reads sum.
  gradient: (_op, [g]) => [g],
});
registerOp("AssignVariableOp", { shape: noOutputs((c) => checkValue(c, 0, 1)) });
registerOp("AssignAddVariableOp", { shape: noOutputs((c) => checkValue(c, 0, 1)) });
registerOp("AssignSubVariableOp", { shape: noOutputs((c) => checkValue(c, 0, 1)) });
registerOp("VarIsInitializedOp", { shape: noOutputs((c) => c.withRank(0, 0)) });
registerOp("DestroyResourceOp", { shape: noOutputs((c) => c.withRank(0, 0)) });
registerOp("VariableShape", {
  shape: (c) => {
    const s = varShape(c, 0);
    return [s.rank];
  },
});

/** TF's gather shape: indices.shape + params.shape[1 + batchDims:]. */
function gatherShape(c: ShapeContext): TensorShape {
  const params = varShape(c, 0);
  const batchDims = c.attr<number>("batch_dims");
  if (params.rank === null) return TensorShape.unknown();
  if (params.rank < 1 + batchDims) {
    c.fail(`Shape must be at least rank ${1 + batchDims} but is rank ${params.rank}`);
  }
  return c.input(1).concatenate(params.dims!.slice(1 + batchDims));
}

/** TF's gather_nd shape: indices.shape[:-1] + params.shape[indices.shape[-1]:]. */
function gatherNdShape(c: ShapeContext): TensorShape {
  const params = varShape(c, 0);
  const indices = c.withRankAtLeast(1, 1);
  if (indices.rank === null) return TensorShape.unknown();
  const k = indices.dim(indices.rank - 1);
  if (k === null || params.rank === null) return TensorShape.unknown();
  if (k > params.rank) {
    c.fail(
      `indices.shape[-1] must be <= params.rank, but saw indices shape: ${indices} and params shape: ${params}`,
    );
  }
  return new TensorShape(indices.dims!.slice(0, -1)).concatenate(params.dims!.slice(k));
}

registerOp("ResourceGather", {
  shape: gatherShape,
  // TF returns IndexedSlices(values, flat indices, variable shape); here they are summed into a
  // dense gradient of the variable's shape (UnsortedSegmentSum), as TF does when it densifies.
  gradient: (op, [g]) => [g ? densifyGatherGrad(op, g) : null, null],
});
registerOp("ResourceGatherNd", { shape: gatherNdShape });

/** The dense gradient of ResourceGather: the slices of `grad` summed into their rows. */
function densifyGatherGrad(op: Operation, grad: Tensor): Tensor {
  const handle = op.inputs[0];
  const indices = op.inputs[1];
  const paramsShape = makeOp1("VariableShape", [handle], {}, "VariableShape");
  const size = makeOp1("ExpandDims", [makeOp1("Size", [indices], { out_type: "int32" }), 0]);
  const i32 = (x: number) => new NDArray("int32", [1], Int32Array.of(x));
  const inner = makeOp1("StridedSlice", [paramsShape, i32(1), i32(0), i32(1)], { end_mask: 1 });
  const valuesShape = makeOp1("ConcatV2", [[size, inner], 0]);
  const values = makeOp1("Reshape", [grad, valuesShape]);
  const flatIndices = makeOp1("Reshape", [indices, size]);
  const rows = makeOp1("StridedSlice", [paramsShape, i32(0), i32(1), i32(1)], {
    shrink_axis_mask: 1,
  });
  return makeOp1("UnsortedSegmentSum", [values, flatIndices, rows]);
}

/**
 * Scatter shapes (TF's ScatterUpdateShape): updates must be a scalar or of shape
 * indices.shape + var.shape[1:].
 */
function checkScatter(c: ShapeContext, varShape: TensorShape): void {
  const updates = c.input(2);
  const indices = c.input(1);
  if (varShape.rank !== null && varShape.rank < 1) {
    c.fail(`Shape must be at least rank 1 but is rank ${varShape.rank}`);
  }
  if (updates.rank === 0 || varShape.rank === null || indices.rank === null) return;
  const want = indices.concatenate(varShape.dims!.slice(1));
  if (!want.isCompatibleWith(updates)) {
    c.fail(
      `Shapes must be equal rank or updates a scalar: updates ${updates} vs indices.shape + var.shape[1:] = ${want}`,
    );
  }
}

/** ScatterNd shapes: updates must be indices.shape[:-1] + var.shape[indices.shape[-1]:]. */
function checkScatterNd(c: ShapeContext, varShape: TensorShape): void {
  const indices = c.withRankAtLeast(1, 1);
  const updates = c.input(2);
  if (indices.rank === null || varShape.rank === null || updates.rank === null) return;
  const k = indices.dim(indices.rank - 1);
  if (k === null) return;
  if (k > varShape.rank) {
    c.fail(`The last dimension of indices (${k}) must be <= the rank of ref (${varShape.rank})`);
  }
  const want = new TensorShape(indices.dims!.slice(0, -1)).concatenate(varShape.dims!.slice(k));
  if (!want.isCompatibleWith(updates)) {
    c.fail(
      `The shape of updates ${updates} must be indices.shape[:-1] + ref.shape[indices.shape[-1]:] = ${want}`,
    );
  }
}

/** The scatter operations: each has a ref form (Scatter*) and a resource form (ResourceScatter*). */
const SCATTER_KINDS = ["Add", "Sub", "Mul", "Div", "Min", "Max", "Update"] as const;
const SCATTER_ND_KINDS = ["Add", "Sub", "Update"] as const;

for (const k of SCATTER_KINDS) {
  registerOp(`Scatter${k}`, {
    shape: (c) => {
      checkScatter(c, c.input(0));
      return c.input(0);
    },
  });
  registerOp(`ResourceScatter${k}`, { shape: noOutputs((c) => checkScatter(c, varShape(c, 0))) });
}
for (const k of SCATTER_ND_KINDS) {
  registerOp(`ScatterNd${k}`, {
    shape: (c) => {
      checkScatterNd(c, c.input(0));
      return c.input(0);
    },
  });
  registerOp(`ResourceScatterNd${k}`, {
    shape: noOutputs((c) => checkScatterNd(c, varShape(c, 0))),
  });
}
registerOp("StridedSliceAssign", { shape: (c) => c.input(0) });
registerOp("ResourceStridedSliceAssign", { shape: noOutputs((c) => c.withRank(0, 0)) });
registerOp("CountUpTo", { shape: (c) => c.withRank(0, 0) });
registerOp("ResourceCountUpTo", {
  shape: (c) => {
    const s = varShape(c, 0);
    if (s.rank !== null && s.rank !== 0) c.fail(`Shape must be rank 0 but is rank ${s.rank}`);
    return [];
  },
});
registerOp("RefIdentity", { shape: (c) => c.input(0), gradient: (_op, [g]) => [g] });

// ---------------------------------------------------------------------------------------------
// Raw builders (TF's gen_resource_variable_ops / gen_state_ops), camelCase.

/** A handle to the variable `sharedName` of `container` (TF's VarHandleOp). */
export function varHandleOp(
  dtype: DType,
  shape: readonly (number | null)[] | TensorShape | null,
  options: { container?: string; sharedName?: string; name?: string } = {},
): Tensor {
  return makeOp1(
    "VarHandleOp",
    [],
    {
      dtype,
      shape: shape instanceof TensorShape ? shape : TensorShape.from(shape),
      container: options.container,
      shared_name: options.sharedName,
    },
    options.name,
  );
}

function dtypeOf(handle: Tensor, given: DType | undefined, what: string): DType {
  const dtype = given ?? handleData(handle)?.dtype;
  if (!dtype) throw new ValueError(`${what}: the variable's dtype is not known; pass dtype`);
  return dtype;
}

/** The variable's current value (TF's ReadVariableOp). */
export function readVariableOp(
  handle: Tensor,
  options: { dtype?: DType; name?: string } = {},
): Tensor {
  return makeOp1(
    "ReadVariableOp",
    [handle],
    { dtype: dtypeOf(handle, options.dtype, "readVariableOp") },
    options.name,
  );
}

/** Sets the variable to `value` (TF's AssignVariableOp); the op has no outputs. */
export function assignVariableOp(
  handle: Tensor,
  value: TensorLike,
  options: { name?: string } = {},
): Operation {
  return makeOp(
    "AssignVariableOp",
    [handle, value],
    { dtype: handleData(handle)?.dtype },
    options.name,
  );
}
export function assignAddVariableOp(
  handle: Tensor,
  value: TensorLike,
  options: { name?: string } = {},
): Operation {
  return makeOp(
    "AssignAddVariableOp",
    [handle, value],
    { dtype: handleData(handle)?.dtype },
    options.name,
  );
}
export function assignSubVariableOp(
  handle: Tensor,
  value: TensorLike,
  options: { name?: string } = {},
): Operation {
  return makeOp(
    "AssignSubVariableOp",
    [handle, value],
    { dtype: handleData(handle)?.dtype },
    options.name,
  );
}
/** Whether the variable behind `handle` has a value in the session (TF's VarIsInitializedOp). */
export function varIsInitializedOp(handle: Tensor, options: { name?: string } = {}): Tensor {
  return makeOp1("VarIsInitializedOp", [handle], {}, options.name);
}
/** Deletes the variable's value from the session (TF's DestroyResourceOp). */
export function destroyResourceOp(
  handle: Tensor,
  options: { ignoreLookupError?: boolean; name?: string } = {},
): Operation {
  return makeOp(
    "DestroyResourceOp",
    [handle],
    { ignore_lookup_error: options.ignoreLookupError },
    options.name,
  );
}
/** The variable's shape, at run time (TF's VariableShape). */
export function variableShape(
  handle: Tensor,
  options: { outType?: "int32" | "int64"; name?: string } = {},
): Tensor {
  return makeOp1("VariableShape", [handle], { out_type: options.outType }, options.name);
}
/** Rows `indices` of the variable (TF's ResourceGather). */
export function resourceGather(
  handle: Tensor,
  indices: TensorLike,
  options: { batchDims?: number; dtype?: DType; name?: string } = {},
): Tensor {
  return makeOp1(
    "ResourceGather",
    [handle, indices],
    {
      dtype: dtypeOf(handle, options.dtype, "resourceGather"),
      batch_dims: options.batchDims,
      Tindices: indexType(indices),
    },
    options.name,
  );
}
/** The slices of the variable that `indices` name (TF's ResourceGatherNd). */
export function resourceGatherNd(
  handle: Tensor,
  indices: TensorLike,
  options: { dtype?: DType; name?: string } = {},
): Tensor {
  return makeOp1(
    "ResourceGatherNd",
    [handle, indices],
    { dtype: dtypeOf(handle, options.dtype, "resourceGatherNd"), Tindices: indexType(indices) },
    options.name,
  );
}

/** A handle, a Variable (its ref or handle), or a ref tensor: what scatter ops update. */
export interface Updatable {
  readonly ref: Tensor;
}
export type UpdateTarget = Tensor | Updatable;

function targetTensor(x: UpdateTarget, what: string): Tensor {
  const t = x instanceof Tensor ? x : x.ref;
  if (!(t instanceof Tensor) || (!t.isRef && t.dtype !== ("resource" as DType))) {
    throw new ValueError(`${what} must be a Variable, a ref tensor or a resource handle`);
  }
  return t;
}

/** The variable after `op` ran: a ref passes through; a handle is read after the op. */
function afterUpdate(target: Tensor, op: Operation): Tensor {
  if (target.isRef) return op.outputs[0];
  return op.graph.controlDependencies([op], () => readVariableOp(target));
}

export interface ScatterOptions {
  useLocking?: boolean;
  name?: string;
}

function scatter(
  family: "Scatter" | "ScatterNd",
  kind: string,
  ref: UpdateTarget,
  indices: TensorLike,
  updates: TensorLike,
  options: ScatterOptions,
): Tensor {
  const t = targetTensor(ref, `${family}${kind}: ref`);
  if (t.isRef) {
    const attrs = { use_locking: options.useLocking, Tindices: indexType(indices) };
    const op = makeOp(`${family}${kind}`, [t, indices, updates], attrs, options.name);
    return afterUpdate(t, op);
  }
  const dtype = handleData(t)?.dtype;
  const attrs: Record<string, string | boolean | undefined> =
    family === "Scatter" ? { dtype } : { T: dtype, use_locking: options.useLocking };
  attrs.Tindices = indexType(indices);
  return afterUpdate(
    t,
    makeOp(`Resource${family}${kind}`, [t, indices, updates], attrs, options.name),
  );
}

/** ref[indices, ...] += updates (TF's tf.scatter_add): a Variable of either kind, or a ref. */
export const scatterAdd = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Add", r, i, u, o);
export const scatterSub = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Sub", r, i, u, o);
export const scatterMul = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Mul", r, i, u, o);
export const scatterDiv = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Div", r, i, u, o);
export const scatterMin = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Min", r, i, u, o);
export const scatterMax = (r: UpdateTarget, i: TensorLike, u: TensorLike, o: ScatterOptions = {}) =>
  scatter("Scatter", "Max", r, i, u, o);
export const scatterUpdate = (
  r: UpdateTarget,
  i: TensorLike,
  u: TensorLike,
  o: ScatterOptions = {},
) => scatter("Scatter", "Update", r, i, u, o);
/** ref[indices[i]] += updates[i] for index tuples (TF's tf.scatter_nd_add). */
export const scatterNdAdd = (
  r: UpdateTarget,
  i: TensorLike,
  u: TensorLike,
  o: ScatterOptions = {},
) => scatter("ScatterNd", "Add", r, i, u, o);
export const scatterNdSub = (
  r: UpdateTarget,
  i: TensorLike,
  u: TensorLike,
  o: ScatterOptions = {},
) => scatter("ScatterNd", "Sub", r, i, u, o);
export const scatterNdUpdate = (
  r: UpdateTarget,
  i: TensorLike,
  u: TensorLike,
  o: ScatterOptions = {},
) => scatter("ScatterNd", "Update", r, i, u, o);

export interface StridedSliceAssignOptions {
  beginMask?: number;
  endMask?: number;
  ellipsisMask?: number;
  newAxisMask?: number;
  shrinkAxisMask?: number;
  name?: string;
}

/** ref[begin:end:strides] = value (TF's StridedSliceAssign / ResourceStridedSliceAssign). */
export function stridedSliceAssign(
  ref: UpdateTarget,
  begin: TensorLike,
  end: TensorLike,
  strides: TensorLike,
  value: TensorLike,
  options: StridedSliceAssignOptions = {},
): Tensor {
  const t = targetTensor(ref, "stridedSliceAssign: ref");
  const attrs = {
    begin_mask: options.beginMask,
    end_mask: options.endMask,
    ellipsis_mask: options.ellipsisMask,
    new_axis_mask: options.newAxisMask,
    shrink_axis_mask: options.shrinkAxisMask,
    Index: indexType(begin),
  };
  if (t.isRef) {
    return makeOp1("StridedSliceAssign", [t, begin, end, strides, value], attrs, options.name);
  }
  const op = makeOp(
    "ResourceStridedSliceAssign",
    [t, begin, end, strides, value],
    { ...attrs, T: handleData(t)?.dtype },
    options.name,
  );
  return afterUpdate(t, op);
}

/**
 * Increments an int32/int64 scalar variable until it reaches `limit` (then OutOfRangeError);
 * outputs the value before the increment (TF's tf.count_up_to).
 */
export function countUpTo(
  ref: UpdateTarget,
  limit: number,
  options: { name?: string } = {},
): Tensor {
  const t = targetTensor(ref, "countUpTo: ref");
  if (t.isRef) return makeOp1("CountUpTo", [t], { limit }, options.name);
  return makeOp1("ResourceCountUpTo", [t], { limit, T: handleData(t)?.dtype }, options.name);
}
