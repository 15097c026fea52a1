// Builders of the array extra ops (registered in array_extra.ts, which re-exports these).
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { convertToTensor, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

export interface NameOption {
  name?: string;
}

/** JS index values as int32 (or `dtype`) constants; tensors and NDArrays pass through. */
function idx(v: TensorLike, dtype: DType = "int32"): TensorLike {
  if (typeof v === "number" || typeof v === "bigint" || Array.isArray(v)) {
    return NDArray.from(v as ValueLike, dtype);
  }
  return v;
}
const shapeOf = (t: Tensor): Tensor => makeOp1("Shape", [t], { out_type: "int32" });
const outs2 = (op: Operation): [Tensor, Tensor] => [op.outputs[0], op.outputs[1]];

/**
 * `num` evenly spaced values from `start` to `stop`, both included (tf.linspace): start, stop
 * float scalars; num an int scalar > 0.
 */
export function linspace(
  start: TensorLike,
  stop: TensorLike,
  num: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("LinSpace", [start, stop, idx(num)], {}, options.name ?? "LinSpace");
}

/**
 * Reverses the first seqLengths[b] elements along `seqAxis` of each batch entry b (along
 * `batchAxis`), the rest unchanged (tf.reverse_sequence).
 */
export function reverseSequence(
  x: TensorLike,
  seqLengths: TensorLike,
  seqAxis: number,
  batchAxis = 0,
  options: NameOption = {},
): Tensor {
  return makeOp1(
    "ReverseSequence",
    [x, idx(seqLengths, "int64")],
    { seq_dim: seqAxis, batch_dim: batchAxis },
    options.name,
  );
}

export interface DataFormatOption extends NameOption {
  /** "NHWC" (default) or "NCHW". */
  dataFormat?: "NHWC" | "NCHW";
}

/** Moves blockSize x blockSize spatial blocks into the depth dim (tf.space_to_depth). */
export function spaceToDepth(
  x: TensorLike,
  blockSize: number,
  options: DataFormatOption = {},
): Tensor {
  return makeOp1(
    "SpaceToDepth",
    [x],
    { block_size: blockSize, data_format: options.dataFormat ?? "NHWC" },
    options.name,
  );
}

/** The inverse of spaceToDepth: depth moved into blockSize x blockSize spatial blocks. */
export function depthToSpace(
  x: TensorLike,
  blockSize: number,
  options: DataFormatOption = {},
): Tensor {
  return makeOp1(
    "DepthToSpace",
    [x],
    { block_size: blockSize, data_format: options.dataFormat ?? "NHWC" },
    options.name,
  );
}

/**
 * Pads the M spatial dims (after the batch dim) and moves blockShape blocks of them into the
 * batch dim (tf.space_to_batch_nd); paddings is [M, 2].
 */
export function spaceToBatchNd(
  x: TensorLike,
  blockShape: TensorLike,
  paddings: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("SpaceToBatchND", [x, idx(blockShape), idx(paddings)], {}, options.name);
}

/** The inverse of spaceToBatchNd: batch blocks moved back into space, then cropped. */
export function batchToSpaceNd(
  x: TensorLike,
  blockShape: TensorLike,
  crops: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("BatchToSpaceND", [x, idx(blockShape), idx(crops)], {}, options.name);
}

/** SpaceToBatch of a 4-D NHWC tensor with a square block (TF1's tf.space_to_batch op). */
export function spaceToBatch(
  x: TensorLike,
  paddings: TensorLike,
  blockSize: number,
  options: NameOption = {},
): Tensor {
  return makeOp1("SpaceToBatch", [x, idx(paddings)], { block_size: blockSize }, options.name);
}

/** BatchToSpace of a 4-D NHWC tensor with a square block (tf.batch_to_space). */
export function batchToSpace(
  x: TensorLike,
  crops: TensorLike,
  blockSize: number,
  options: NameOption = {},
): Tensor {
  return makeOp1("BatchToSpace", [x, idx(crops)], { block_size: blockSize }, options.name);
}

function scatter(
  type: string,
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  name?: string,
): Tensor {
  return makeOp1(type, [tensor, idx(indices), updates], {}, name);
}

/** A copy of `tensor` with the slices named by `indices` replaced by `updates`. */
export function tensorScatterUpdate(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  options: NameOption = {},
): Tensor {
  return scatter("TensorScatterUpdate", tensor, indices, updates, options.name);
}

/** A copy of `tensor` with `updates` added at `indices` (duplicates add up). */
export function tensorScatterAdd(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  options: NameOption = {},
): Tensor {
  return scatter("TensorScatterAdd", tensor, indices, updates, options.name);
}

/** A copy of `tensor` with `updates` subtracted at `indices`. */
export function tensorScatterSub(
  tensor: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  options: NameOption = {},
): Tensor {
  return scatter("TensorScatterSub", tensor, indices, updates, options.name);
}

/** `input` with `updates` added at `indices` (tf.scatter_nd_add on a tensor, not a variable). */
export function scatterNdNonAliasingAdd(
  input: TensorLike,
  indices: TensorLike,
  updates: TensorLike,
  options: NameOption = {},
): Tensor {
  return scatter("ScatterNdNonAliasingAdd", input, indices, updates, options.name);
}

function inplace(type: string, x: TensorLike, i: TensorLike, v: TensorLike, name?: string) {
  return makeOp1(type, [x, idx(i), v], {}, name);
}
/** A copy of `x` with rows i replaced by v (tf.inplace_update). */
export function inplaceUpdate(
  x: TensorLike,
  i: TensorLike,
  v: TensorLike,
  options: NameOption = {},
) {
  return inplace("InplaceUpdate", x, i, v, options.name);
}
/** A copy of `x` with v added to rows i (tf.inplace_add). */
export function inplaceAdd(x: TensorLike, i: TensorLike, v: TensorLike, options: NameOption = {}) {
  return inplace("InplaceAdd", x, i, v, options.name);
}
/** A copy of `x` with v subtracted from rows i (tf.inplace_sub). */
export function inplaceSub(x: TensorLike, i: TensorLike, v: TensorLike, options: NameOption = {}) {
  return inplace("InplaceSub", x, i, v, options.name);
}

/**
 * The unique elements of a vector in order of first appearance, the position of each input
 * element in them, and how often each occurs (tf.unique_with_counts): [y, idx, count].
 */
export function uniqueWithCounts(
  x: TensorLike,
  options: { outIdx?: DType; name?: string } = {},
): [Tensor, Tensor, Tensor] {
  const op = makeOp("UniqueWithCounts", [x], { out_idx: options.outIdx ?? "int32" }, options.name);
  return [op.outputs[0], op.outputs[1], op.outputs[2]];
}

/** The elements of x not in y, in x's order, and their positions in x (tf.setdiff1d). */
export function setdiff1d(
  x: TensorLike,
  y: TensorLike,
  options: { indexDtype?: DType; name?: string } = {},
): [Tensor, Tensor] {
  return outs2(
    makeOp("ListDiff", [x, y], { out_idx: options.indexDtype ?? "int32" }, options.name),
  );
}

/** A tensor of shape d.shape + d.shape with `diagonal` on its diagonal (tf.diag). */
export function diag(diagonal: TensorLike, options: NameOption = {}): Tensor {
  return makeOp1("Diag", [diagonal], {}, options.name);
}

/** The diagonal of a [D1..Dk, D1..Dk] tensor, shape [D1..Dk] (tf.diag_part). */
export function diagPart(input: TensorLike, options: NameOption = {}): Tensor {
  return makeOp1("DiagPart", [input], {}, options.name);
}

/**
 * Image patches as depth (tf.extract_image_patches): for each output position, the
 * ksizes[1] x ksizes[2] window (dilated by rates) flattened into the depth dim, zeros where it
 * falls in SAME padding.
 */
export function extractImagePatches(
  images: TensorLike,
  ksizes: number[],
  strides: number[],
  rates: number[],
  padding: "SAME" | "VALID",
  options: NameOption = {},
): Tensor {
  return makeOp1(
    "ExtractImagePatches",
    [images],
    { ksizes, strides, rates, padding },
    options.name,
  );
}

/**
 * For each value, where it would go in the sorted innermost dim of `sortedSequence`
 * (tf.searchsorted): side "left" gives the first such index (LowerBound), "right" the last
 * (UpperBound). Leading dims of the two must match; the result has values' shape.
 */
export function searchsorted(
  sortedSequence: TensorLike,
  values: TensorLike,
  options: { side?: "left" | "right"; outType?: DType; name?: string } = {},
): Tensor {
  const side = options.side ?? "left";
  if (side !== "left" && side !== "right")
    throw new ValueError(`searchsorted: side must be 'left' or 'right', got '${side}'`);
  const seq = convertToTensor(sortedSequence);
  const vals = convertToTensor(values, seq.dtype);
  const lastOf = (t: Tensor) =>
    makeOp1("StridedSlice", [shapeOf(t), idx([-1]), idx([0]), idx([1])], {
      end_mask: 1,
      shrink_axis_mask: 1,
    });
  const to2d = (t: Tensor) =>
    makeOp1("Reshape", [t, makeOp1("Pack", [[idx(-1), lastOf(t)]], { axis: 0 })]);
  const out = makeOp1(
    side === "left" ? "LowerBound" : "UpperBound",
    [to2d(seq), to2d(vals)],
    { out_type: options.outType ?? "int32" },
    options.name,
  );
  return makeOp1("Reshape", [out, shapeOf(vals)]);
}

/**
 * The k largest entries of the innermost dim and their indices (tf.nn.top_k): [values,
 * indices], largest first when sorted (the default); equal values keep their index order.
 */
export function topK(
  x: TensorLike,
  k: TensorLike = 1,
  options: { sorted?: boolean; name?: string } = {},
): [Tensor, Tensor] {
  return outs2(makeOp("TopKV2", [x, idx(k)], { sorted: options.sorted ?? true }, options.name));
}

/**
 * Whether each target class is among the k highest predictions of its row (tf.nn.in_top_k);
 * ties at the boundary count as in; non-finite predictions and out-of-range targets are false.
 */
export function inTopK(
  predictions: TensorLike,
  targets: TensorLike,
  k: TensorLike,
  options: NameOption = {},
): Tensor {
  const t = idx(targets);
  const tDtype = (t as { dtype?: DType }).dtype ?? "int32";
  return makeOp1("InTopKV2", [predictions, t, idx(k, tDtype)], {}, options.name);
}

/** The n-th smallest (reverse: largest) value of the innermost dim (tf.nn.nth_element). */
export function nthElement(
  x: TensorLike,
  n: TensorLike,
  options: { reverse?: boolean; name?: string } = {},
): Tensor {
  return makeOp1("NthElement", [x, idx(n)], { reverse: options.reverse ?? false }, options.name);
}

/** Rolls elements along `axis` by `shift` (tf.roll); both scalars or matching vectors. */
export function roll(
  x: TensorLike,
  shift: TensorLike,
  axis: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("Roll", [x, idx(shift), idx(axis)], {}, options.name);
}

/** Flat indices into an array of shape `dims` as coordinates (tf.unravel_index): [len(dims), n]. */
export function unravelIndex(
  indices: TensorLike,
  dims: TensorLike,
  options: NameOption = {},
): Tensor {
  const i = idx(indices);
  const d = (i as { dtype?: DType }).dtype ?? "int32";
  return makeOp1("UnravelIndex", [i, idx(dims, d)], {}, options.name);
}

/** The index of each dim of srcFormat in dstFormat (tf.nn.data_format_dim_map). */
export function dataFormatDimMap(
  x: TensorLike,
  options: { srcFormat?: string; dstFormat?: string; name?: string } = {},
): Tensor {
  return makeOp1(
    "DataFormatDimMap",
    [idx(x)],
    { src_format: options.srcFormat ?? "NHWC", dst_format: options.dstFormat ?? "NCHW" },
    options.name,
  );
}

/** A vector (or [4, 2] matrix) in srcFormat's dim order permuted to dstFormat's. */
export function dataFormatVecPermute(
  x: TensorLike,
  options: { srcFormat?: string; dstFormat?: string; name?: string } = {},
): Tensor {
  return makeOp1(
    "DataFormatVecPermute",
    [idx(x)],
    { src_format: options.srcFormat ?? "NHWC", dst_format: options.dstFormat ?? "NCHW" },
    options.name,
  );
}

/**
 * `x`, checked to have a shape compatible with `shape` (tf.ensure_shape): a ValueError now
 * when the static shape already disagrees, an InvalidArgumentError at run time otherwise.
 */
export function ensureShape(
  x: TensorLike,
  shape: readonly (number | null)[] | TensorShape,
  options: NameOption = {},
): Tensor {
  return makeOp1("EnsureShape", [x], { shape: TensorShape.from(shape) }, options.name);
}

/** A tensor of `shape` and `dtype` with unspecified contents (here: zeros). */
export function empty(
  shape: TensorLike,
  dtype: DType,
  options: { init?: boolean; name?: string } = {},
): Tensor {
  return makeOp1("Empty", [idx(shape)], { dtype, init: options.init ?? false }, options.name);
}

/**
 * Splits `data` into numPartitions tensors by `partitions` (tf.dynamic_partition): output i
 * holds, in order, the slices of data whose partition is i.
 */
export function dynamicPartition(
  data: TensorLike,
  partitions: TensorLike,
  numPartitions: number,
  options: NameOption = {},
): Tensor[] {
  return makeOp(
    "DynamicPartition",
    [data, idx(partitions)],
    { num_partitions: numPartitions },
    options.name,
  ).outputs.slice();
}

/** Stacks tensors of one fully known shape along a new first dim (tf.parallel_stack). */
export function parallelStack(values: readonly TensorLike[], options: NameOption = {}): Tensor {
  const ts = values.map((v) => convertToTensor(v));
  if (ts.length === 0) throw new ValueError("parallelStack: needs at least one value");
  const s = ts[0].shape;
  if (!s.isFullyDefined)
    throw new ValueError(`parallelStack: the values' shape must be fully known, got ${s}`);
  const expanded = ts.map((t) => makeOp1("ExpandDims", [t, idx(0)]));
  const shape = new TensorShape([ts.length, ...s.asArray()]);
  return makeOp1("ParallelConcat", [expanded], { shape }, options.name ?? "parallel_stack");
}

/** `x`, promised constant for the run (tf.guarantee_const). */
export function guaranteeConst(x: TensorLike, options: NameOption = {}): Tensor {
  return makeOp1("GuaranteeConst", [x], {}, options.name);
}

/** `x`; asking tf.gradients to go through it is a LookupError carrying `message`. */
export function preventGradient(
  x: TensorLike,
  options: { message?: string; name?: string } = {},
): Tensor {
  return makeOp1("PreventGradient", [x], { message: options.message ?? "" }, options.name);
}

/**
 * TF1's tf.Print: `input`, passed through; each run also prints `message` and the first
 * `summarize` elements of each of `data` (to stderr by default; the cpu-ts backend's print sink
 * can be replaced), for the first `firstN` runs only when firstN >= 0.
 */
export function print(
  input: TensorLike,
  data: readonly TensorLike[],
  options: { message?: string; firstN?: number; summarize?: number; name?: string } = {},
): Tensor {
  return makeOp1(
    "Print",
    [input, data],
    {
      message: options.message ?? "",
      first_n: options.firstN ?? -1,
      summarize: options.summarize ?? 3,
    },
    options.name,
  );
}

/** PrintV2: prints a string scalar followed by `end` to outputStream ("stderr", "stdout" ...). */
export function printV2(
  input: TensorLike,
  options: { outputStream?: string; end?: string; name?: string } = {},
): Operation {
  return makeOp(
    "PrintV2",
    [convertToTensor(input, "string")],
    { output_stream: options.outputStream ?? "stderr", end: options.end ?? "\n" },
    options.name,
  );
}

/** The bytes of `x` reinterpreted as `type` (tf.bitcast): a dim is added or removed when sizes differ. */
export function bitcast(x: TensorLike, type: DType, options: NameOption = {}): Tensor {
  return makeOp1("Bitcast", [x], { type }, options.name);
}

/**
 * Bit j of output byte i is 1 where input element 8i+j of the innermost dim is > threshold (for
 * bool inputs: is true); the first element is the most significant bit (tf.compare_and_bitpack).
 */
export function compareAndBitpack(
  x: TensorLike,
  threshold: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("CompareAndBitpack", [x, threshold], {}, options.name);
}

/**
 * A 64-bit fingerprint of each row (first dim) of `data`, as 8 little-endian uint8s
 * (tf.fingerprint): FarmHash Fingerprint64 of the row's bytes; strings hash their UTF-8 bytes.
 */
export function fingerprint(
  data: TensorLike,
  options: { method?: string; name?: string } = {},
): Tensor {
  const method = NDArray.from(options.method ?? "farmhash64", "string");
  return makeOp1("Fingerprint", [data, method], {}, options.name);
}

/**
 * Patches of a 5-D NDHWC volume as depth (tf.extract_volume_patches): for each output position,
 * the ksizes[1] x ksizes[2] x ksizes[3] window flattened into the depth dim.
 */
export function extractVolumePatches(
  input: TensorLike,
  ksizes: number[],
  strides: number[],
  padding: "SAME" | "VALID",
  options: NameOption = {},
): Tensor {
  return makeOp1("ExtractVolumePatches", [input], { ksizes, strides, padding }, options.name);
}

/** Transposes by `perm` and conjugates (real dtypes: a plain transpose) (tf.transpose(conjugate=True)). */
export function conjugateTranspose(
  x: TensorLike,
  perm: TensorLike,
  options: NameOption = {},
): Tensor {
  return makeOp1("ConjugateTranspose", [x, idx(perm)], {}, options.name);
}

export interface QuantizeAndDequantizeOptions {
  /** Quantize to signed values (default true). */
  signedInput?: boolean;
  /** Bits of the quantized values (default 8). */
  numBits?: number;
  /** Use inputMin / inputMax as the range (default false: the input's own min and max). */
  rangeGiven?: boolean;
  /** "HALF_TO_EVEN" (default) or "HALF_UP". */
  roundMode?: "HALF_TO_EVEN" | "HALF_UP";
  /** Leave out the lowest quantized value, so the range is symmetric (default false). */
  narrowRange?: boolean;
  name?: string;
}

/**
 * Quantizes then dequantizes (tf.quantization.quantize_and_dequantize, QuantizeAndDequantizeV2):
 * the scale maps the range onto the quantized integers, 0 maps to 0, values are clamped to the
 * range, rounded at that scale and scaled back. The gradient passes straight through.
 */
export function quantizeAndDequantize(
  input: TensorLike,
  inputMin: TensorLike,
  inputMax: TensorLike,
  options: QuantizeAndDequantizeOptions = {},
): Tensor {
  return makeOp1(
    "QuantizeAndDequantizeV2",
    [input, inputMin, inputMax],
    {
      signed_input: options.signedInput ?? true,
      num_bits: options.numBits ?? 8,
      range_given: options.rangeGiven ?? false,
      round_mode: options.roundMode ?? "HALF_TO_EVEN",
      narrow_range: options.narrowRange ?? false,
    },
    options.name,
  );
}

export interface SliceMasksOptions {
  beginMask?: number;
  endMask?: number;
  ellipsisMask?: number;
  newAxisMask?: number;
  shrinkAxisMask?: number;
  name?: string;
}

/**
 * A copy of `input` with input[begin:end:strides] (StridedSlice's semantics and masks) replaced
 * by `value`, which must have the slice's shape (TensorStridedSliceUpdate).
 */
export function tensorStridedSliceUpdate(
  input: TensorLike,
  begin: TensorLike,
  end: TensorLike,
  strides: TensorLike,
  value: TensorLike,
  options: SliceMasksOptions = {},
): Tensor {
  return makeOp1(
    "TensorStridedSliceUpdate",
    [input, idx(begin), idx(end), idx(strides), value],
    {
      begin_mask: options.beginMask ?? 0,
      end_mask: options.endMask ?? 0,
      ellipsis_mask: options.ellipsisMask ?? 0,
      new_axis_mask: options.newAxisMask ?? 0,
      shrink_axis_mask: options.shrinkAxisMask ?? 0,
    },
    options.name,
  );
}
