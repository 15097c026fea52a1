// Gradients of the array extra ops, following TensorFlow 1.15 (array_grad.py, manip_grad.py,
// nn_grad.py, data_flow_grad.py). They are registered with their ops in array_extra.ts; every
// gradient here is dense (TF's IndexedSlices become UnsortedSegmentSum sums).
import { LookupError, ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import type { GradientFn } from "../framework/op_registry.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";

const i32 = (v: number | number[]): NDArray =>
  Array.isArray(v)
    ? new NDArray("int32", [v.length], Int32Array.from(v))
    : new NDArray("int32", [], Int32Array.of(v));
const shapeOf = (t: Tensor): Tensor => makeOp1("Shape", [t], { out_type: "int32" });
const reshape = (t: Tensor, shape: TensorLike): Tensor => makeOp1("Reshape", [t, shape]);
const transpose = (t: Tensor, perm: number[]): Tensor => makeOp1("Transpose", [t, i32(perm)]);
/** The last element of a 1-D int32 tensor, as a scalar. */
const last = (t: Tensor): Tensor =>
  makeOp1("StridedSlice", [t, i32([-1]), i32([0]), i32([1])], {
    end_mask: 1,
    shrink_axis_mask: 1,
  });

function only(grads: (Tensor | null)[]): Tensor {
  const g = grads[0];
  if (!g) throw new ValueError("array_extra_grad: no gradient flows into the op's output");
  return g;
}

/** The op's own type with `grad` in place of its first input, the other inputs and attrs kept. */
const same =
  (type: string, ...attrNames: string[]): GradientFn =>
  (op, grads) => {
    const attrs = Object.fromEntries(attrNames.map((a) => [a, op.attrs[a]]));
    const rest = op.inputs.slice(1);
    return [makeOp1(type, [only(grads), ...rest], attrs), ...rest.map(() => null)];
  };

/** Identity gradient for the first input (EnsureShape, DebugGradientIdentity, Print). */
export const passThroughGrad: GradientFn = (op, grads) => [
  only(grads),
  ...op.inputs.slice(1).map(() => null),
];

export const reverseSequenceGrad = same("ReverseSequence", "seq_dim", "batch_dim");
export const reverseGrad = same("Reverse");
export const spaceToDepthGrad = same("DepthToSpace", "block_size", "data_format");
export const depthToSpaceGrad = same("SpaceToDepth", "block_size", "data_format");
export const spaceToBatchNdGrad = same("BatchToSpaceND");
export const batchToSpaceNdGrad = same("SpaceToBatchND");
export const spaceToBatchGrad = same("BatchToSpace", "block_size");
export const batchToSpaceGrad = same("SpaceToBatch", "block_size");
export const diagGrad = same("DiagPart");
export const diagPartGrad = same("Diag");

/** Roll by -shift along the same axes. */
export const rollGrad: GradientFn = (op, grads) => {
  const [, shift, axis] = op.inputs;
  return [makeOp1("Roll", [only(grads), makeOp1("Neg", [shift]), axis]), null, null];
};

/** PreventGradient: asking for its gradient is an error that carries the op's message. */
export const preventGradientGrad = (op: Operation): never => {
  throw new LookupError(`Gradient explicitly disabled. Reason: ${op.attrs.message as string}`);
};

// ---------------------------------------------------------------------------------------------
// Scatters: the updated slices take their gradient from the output at the same indices.

const gatherUpdates = (op: Operation, g: Tensor): Tensor => makeOp1("GatherNd", [g, op.inputs[1]]);

export const tensorScatterUpdateGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  const [, indices, updates] = op.inputs;
  // Overwritten slices of the tensor get no gradient.
  const dTensor = makeOp1("TensorScatterUpdate", [g, indices, makeOp1("ZerosLike", [updates])]);
  return [dTensor, null, gatherUpdates(op, g)];
};
export const tensorScatterAddGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  return [g, null, gatherUpdates(op, g)];
};
export const tensorScatterSubGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  return [g, null, makeOp1("Neg", [gatherUpdates(op, g)])];
};

// ---------------------------------------------------------------------------------------------
// Selection

/**
 * TopK: each output value came from input[..., indices[..., j]]; the gradient is summed back
 * there (rows flattened: row r's index i goes to r * n + i).
 */
export const topKGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  const x = op.inputs[0];
  const indices = op.outputs[1];
  const k = last(shapeOf(indices));
  const n = last(shapeOf(x));
  // Sizes, not -1, in the reshape: -1 is ambiguous when k or a leading dim is 0.
  const lead = makeOp1("StridedSlice", [shapeOf(x), i32([0]), i32([-1]), i32([1])]);
  const rows = makeOp1("Prod", [lead, i32(0)]);
  const ind2d = reshape(indices, makeOp1("Pack", [[rows, k]], { axis: 0 }));
  const offsets = makeOp1("Range", [i32(0), makeOp1("Mul", [rows, n]), n]);
  const flat = reshape(makeOp1("AddV2", [ind2d, reshape(offsets, i32([-1, 1]))]), i32([-1]));
  const size = makeOp1("Size", [x], { out_type: "int32" });
  const sum = makeOp1("UnsortedSegmentSum", [reshape(g, i32([-1])), flat, size]);
  const dx = reshape(sum, shapeOf(x));
  return op.inputs.length === 2 ? [dx, null] : [dx];
};

/** NthElement: the gradient is shared equally among the inputs equal to the selected value. */
export const nthElementGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  const x = op.inputs[0];
  const y = makeOp1("ExpandDims", [op.outputs[0], i32(-1)]);
  const indicators = makeOp1("Cast", [makeOp1("Equal", [y, x])], { DstT: g.dtype });
  const count = makeOp1("Sum", [indicators, i32(-1)], { keep_dims: true });
  const share = makeOp1("RealDiv", [indicators, count]);
  return [makeOp1("Mul", [share, makeOp1("ExpandDims", [g, i32(-1)])]), null];
};

/** DynamicPartition: partition the element positions the same way, and stitch the grads back. */
export const dynamicPartitionGrad: GradientFn = (op, grads) => {
  const [data, partitions] = op.inputs;
  const n = op.attrs.num_partitions as number;
  const pShape = shapeOf(partitions);
  const count = makeOp1("Prod", [pShape, i32(0)]);
  const positions = reshape(makeOp1("Range", [i32(0), count, i32(1)]), pShape);
  const parts = makeOp("DynamicPartition", [positions, partitions], { num_partitions: n }).outputs;
  const filled = grads.map((gi, i) => {
    if (gi) return gi;
    throw new ValueError(`DynamicPartition gradient: no gradient for output ${i}`);
  });
  const stitched = makeOp1("DynamicStitch", [parts, filled]);
  return [reshape(stitched, shapeOf(data)), null];
};

// ---------------------------------------------------------------------------------------------
// ExtractImagePatches, ExtractVolumePatches

/**
 * Every patch element was read from one input pixel (or padding). Extracting patches from an
 * image of pixel numbers 1..P (0 is padding) says which, and the gradient is summed back per
 * pixel with UnsortedSegmentSum (padding gets id -1 and is dropped). Works for 2 (images) or 3
 * (volumes) spatial dims.
 */
const patchesGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  const x = op.inputs[0];
  const rank = x.shape.rank;
  const dims = x.shape.dims ?? [];
  const spatial = dims.slice(1, -1);
  const depth = dims[dims.length - 1];
  const outSpatial = (op.outputs[0].shape.dims ?? []).slice(1, -1);
  if (
    rank === null ||
    depth == null ||
    spatial.some((d) => d === null) ||
    outSpatial.some((d) => d === null)
  ) {
    throw new ValueError(
      `${op.type} gradient needs known spatial dims and depth; input shape is ${x.shape}`,
    );
  }
  const ksizes = op.attrs.ksizes as number[];
  const pixels = (spatial as number[]).reduce((a, b) => a * b, 1);
  const numbers = new NDArray(
    "int32",
    [1, ...(spatial as number[]), 1],
    Int32Array.from({ length: pixels }, (_, i) => i + 1),
  );
  const attrs: Record<string, AttrValue> = {
    ksizes,
    strides: op.attrs.strides,
    padding: op.attrs.padding,
  };
  if (op.type === "ExtractImagePatches") attrs.rates = op.attrs.rates;
  const which = makeOp1(op.type, [numbers], attrs);
  const ids = makeOp1("Sub", [reshape(which, i32([-1])), i32(1)]);
  const window = ksizes.slice(1, -1).reduce((a, b) => a * b, 1);
  const perItem = (outSpatial as number[]).reduce((a, b) => a * b, 1) * window;
  const values = transpose(reshape(g, i32([-1, perItem, depth])), [1, 0, 2]);
  const sum = makeOp1("UnsortedSegmentSum", [values, ids, i32(pixels)]);
  return [reshape(transpose(sum, [1, 0, 2]), shapeOf(x))];
};
export const extractImagePatchesGrad = patchesGrad;
export const extractVolumePatchesGrad = patchesGrad;

// ---------------------------------------------------------------------------------------------
// ConjugateTranspose (real dtypes: a transpose)

export const conjugateTransposeGrad: GradientFn = (op, grads) => {
  const perm = op.inputs[1];
  return [makeOp1("ConjugateTranspose", [only(grads), makeOp1("InvertPermutation", [perm])]), null];
};

/** QuantizeAndDequantize*: TF passes the gradient straight through to the input. */
export const straightThroughGrad = passThroughGrad;

// ---------------------------------------------------------------------------------------------
// TensorStridedSliceUpdate: the slice's gradient goes to value, the rest to input.

export const tensorStridedSliceUpdateGrad: GradientFn = (op, grads) => {
  const g = only(grads);
  const [, begin, end, strides, value] = op.inputs;
  const masks = Object.fromEntries(
    ["begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"].map((m) => [
      m,
      op.attrs[m],
    ]),
  );
  const dValue = makeOp1("StridedSlice", [g, begin, end, strides], masks);
  const dInput = makeOp1(
    "TensorStridedSliceUpdate",
    [g, begin, end, strides, makeOp1("ZerosLike", [value])],
    masks,
  );
  return [dInput, null, null, null, dValue];
};
