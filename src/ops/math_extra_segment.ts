// Segment reductions: Segment{Sum,Mean,Prod,Min,Max} (sorted ids), UnsortedSegment{Prod,Min,Max}
// (UnsortedSegmentSum is in array_index_grad.ts), SparseSegment{Sum,Mean,SqrtN} with their
// WithNumSegments forms and the SparseSegment{Mean,SqrtN}Grad ops: registrations and builders.
import "./array_index_grad.js"; // UnsortedSegmentSum, whose shape function the unsorted ops share
import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { getRegisteredOp, registerOp, type ShapeFn } from "../framework/op_registry.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { makeOp1, type TensorLike } from "./op_builder.js";

type Ctx = Parameters<ShapeFn>[0];

/** [num_segments, ...data.shape[1:]] with `num` from a constant input or unknown. */
function segmentOutput(c: Ctx, num: Dim): TensorShape | null {
  const data = c.withRankAtLeast(0, 1);
  if (data.dims === null) return null;
  return new TensorShape([num, ...data.dims.slice(1)]);
}

/** The constant value of a scalar input as a dim (null when not constant). */
function scalarValue(c: Ctx, i: number): Dim {
  c.withRank(i, 0);
  const v = c.inputValue(i);
  return v === null ? null : Number(v.data[0]);
}

/** Sorted segment ids known at construction give the segment count (last id + 1). */
function constantCount(c: Ctx, i: number): Dim {
  const v = c.inputValue(i);
  if (v === null) return null;
  return v.size === 0 ? 0 : Number(v.data[v.size - 1]) + 1;
}

for (const t of ["SegmentSum", "SegmentMean", "SegmentProd", "SegmentMin", "SegmentMax"]) {
  registerOp(t, {
    shape: (c) => {
      const ids = c.withRank(1, 1);
      const data = c.withRankAtLeast(0, 1);
      if (data.dims !== null)
        c.mergeDim(data.dims[0], ids.dim(0), "data.shape[0] and segment_ids.shape[0]");
      return segmentOutput(c, constantCount(c, 1));
    },
  });
}

const unsortedShape = getRegisteredOp("UnsortedSegmentSum")!.shape!;
for (const t of ["UnsortedSegmentProd", "UnsortedSegmentMin", "UnsortedSegmentMax"]) {
  registerOp(t, { shape: unsortedShape });
}

for (const base of ["SparseSegmentSum", "SparseSegmentMean", "SparseSegmentSqrtN"]) {
  const check = (c: Ctx): void => {
    const idx = c.withRank(1, 1);
    const ids = c.withRank(2, 1);
    c.mergeDim(idx.dim(0), ids.dim(0), "indices and segment_ids lengths");
  };
  registerOp(base, {
    shape: (c) => {
      check(c);
      return segmentOutput(c, constantCount(c, 2));
    },
  });
  registerOp(`${base}WithNumSegments`, {
    shape: (c) => {
      check(c);
      return segmentOutput(c, scalarValue(c, 3));
    },
  });
}

for (const t of ["SparseSegmentMeanGrad", "SparseSegmentSqrtNGrad"]) {
  registerOp(t, {
    shape: (c) => {
      c.withRank(1, 1);
      c.withRank(2, 1);
      return segmentOutput(c, scalarValue(c, 3));
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Builders

/** JS index values become int32 constants (plain numbers would be float32). */
function asIndex(v: TensorLike): TensorLike {
  if (typeof v === "number" || Array.isArray(v)) return NDArray.from(v as number[], "int32");
  return v;
}

type Sorted = (data: TensorLike, segmentIds: TensorLike, name?: string) => Tensor;
const sorted =
  (type: string): Sorted =>
  (data, segmentIds, name) =>
    makeOp1(type, [data, asIndex(segmentIds)], {}, name);

/** output[i] = sum of the rows of data whose (sorted) segment id is i (tf.math.segment_sum). */
export const segmentSum: Sorted = sorted("SegmentSum");
/** The mean of each segment's rows (0 for an empty segment). */
export const segmentMean: Sorted = sorted("SegmentMean");
/** The product of each segment's rows (1 for an empty segment). */
export const segmentProd: Sorted = sorted("SegmentProd");
/** The minimum of each segment's rows (0 for an empty segment). */
export const segmentMin: Sorted = sorted("SegmentMin");
/** The maximum of each segment's rows (0 for an empty segment). */
export const segmentMax: Sorted = sorted("SegmentMax");

type Unsorted = (
  data: TensorLike,
  segmentIds: TensorLike,
  numSegments: TensorLike,
  name?: string,
) => Tensor;
const unsorted =
  (type: string): Unsorted =>
  (data, segmentIds, numSegments, name) =>
    makeOp1(type, [data, asIndex(segmentIds), asIndex(numSegments)], {}, name);

/** The product of the rows of each of numSegments segments (1 for an empty one; negative ids dropped). */
export const unsortedSegmentProd: Unsorted = unsorted("UnsortedSegmentProd");
/** The minimum of each segment (the dtype's largest value for an empty one). */
export const unsortedSegmentMin: Unsorted = unsorted("UnsortedSegmentMin");
/** The maximum of each segment (the dtype's lowest value for an empty one). */
export const unsortedSegmentMax: Unsorted = unsorted("UnsortedSegmentMax");

export interface SparseSegmentOptions {
  /** The number of output segments (a WithNumSegments op); else the last segment id + 1. */
  numSegments?: TensorLike;
  name?: string;
}

type Sparse = (
  data: TensorLike,
  indices: TensorLike,
  segmentIds: TensorLike,
  options?: SparseSegmentOptions,
) => Tensor;
const sparse =
  (type: string): Sparse =>
  (data, indices, segmentIds, options = {}) => {
    const ins = [data, asIndex(indices), asIndex(segmentIds)];
    if (options.numSegments === undefined) return makeOp1(type, ins, {}, options.name);
    return makeOp1(
      `${type}WithNumSegments`,
      [...ins, asIndex(options.numSegments)],
      {},
      options.name,
    );
  };

/** output[s] = sum of data[indices[i]] over the i with segmentIds[i] = s (sorted ids). */
export const sparseSegmentSum: Sparse = sparse("SparseSegmentSum");
/** As sparseSegmentSum, divided by each segment's size. */
export const sparseSegmentMean: Sparse = sparse("SparseSegmentMean");
/** As sparseSegmentSum, divided by the square root of each segment's size. */
export const sparseSegmentSqrtN: Sparse = sparse("SparseSegmentSqrtN");
