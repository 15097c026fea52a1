// The array_index op family: Slice, StridedSlice, Gather(V2), GatherNd, Range, Select(V2), Where,
// OneHot, ReverseV2, InvertPermutation, Unique.

import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { isTensorConvertible, Tensor, TO_TENSOR } from "../framework/graph.js";
import { checkAxes, intValues, planStridedSlice, rangeSize } from "../framework/index_rules.js";
import { inferDType, NDArray, type NestedArray, type ValueLike } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { broadcastStaticShapes, type Dim, TensorShape } from "../framework/tensor_shape.js";
import {
  convertToTensor,
  graphOf,
  isOptionsObject,
  makeOp,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";

// ---------------------------------------------------------------------------------------------
// Shape functions

/** The constant value of input i as JS numbers, or null when not known at construction. */
function constInts(c: ShapeContext, i: number): number[] | null {
  const v = c.inputValue(i);
  return v ? intValues(v) : null;
}

registerOp("Slice", {
  shape: (c) => {
    const input = c.input(0);
    const n = c.mergeDim(
      c.withRank(1, 1).dim(0),
      c.withRank(2, 1).dim(0),
      "begin and size lengths",
    );
    if (n !== null && input.rank !== null && input.rank !== n) {
      c.fail(`Shape must be rank ${n} but is rank ${input.rank}`);
    }
    const rank = input.rank ?? n;
    const size = constInts(c, 2);
    if (size === null) return rank === null ? null : TensorShape.unknownOfRank(rank);
    const begin = constInts(c, 1);
    const dims = size.map((s, i) => {
      const dim = input.dim(i);
      const b = begin?.[i];
      if (b !== undefined && (b < 0 || (dim !== null && b > dim))) {
        c.fail(`Expected begin[${i}] in [0, ${dim ?? "?"}], but got ${b}`);
      }
      if (s < -1) c.fail(`Expected size[${i}] to be >= -1, but got ${s}`);
      if (b !== undefined && dim !== null && b + s > dim) {
        c.fail(`Expected size[${i}] in [0, ${dim - b}], but got ${s}`);
      }
      if (s !== -1) return s;
      return b !== undefined && dim !== null ? dim - b : null;
    });
    return new TensorShape(dims);
  },
});

registerOp("StridedSlice", {
  shape: (c) => {
    const input = c.input(0);
    let n: Dim = null;
    for (let i = 1; i <= 3; i++)
      n = c.mergeDim(n, c.withRank(i, 1).dim(0), "begin, end and strides lengths");
    if (input.rank === null || n === null) return null;
    const plan = planStridedSlice(
      input.dims!,
      n,
      constInts(c, 1),
      constInts(c, 2),
      constInts(c, 3),
      {
        beginMask: c.attr<number>("begin_mask"),
        endMask: c.attr<number>("end_mask"),
        ellipsisMask: c.attr<number>("ellipsis_mask"),
        newAxisMask: c.attr<number>("new_axis_mask"),
        shrinkAxisMask: c.attr<number>("shrink_axis_mask"),
      },
    );
    return new TensorShape(plan.finalShape);
  },
});

registerOp("Gather", {
  shape: (c) => {
    const params = c.withRankAtLeast(0, 1);
    if (params.rank === null) return null;
    return c.input(1).concatenate(params.dims!.slice(1));
  },
});

registerOp("GatherV2", {
  shape: (c) => {
    const params = c.withRankAtLeast(0, 1);
    const indices = c.input(1);
    const axisShape = c.input(2);
    if (axisShape.rank !== null && axisShape.rank > 1)
      c.fail(`Shape must be at most rank 1 but is rank ${axisShape.rank}`);
    let batchDims = c.attr<number>("batch_dims");
    const axisV = constInts(c, 2);
    if (axisV === null) {
      if (params.rank === null || indices.rank === null) return null;
      return TensorShape.unknownOfRank(params.rank + indices.rank - 1 - batchDims);
    }
    let axis = axisV[0];
    const r = params.rank;
    if (r !== null && (axis < -r || axis >= r)) {
      c.fail(`Shape must be at least rank ${axis < 0 ? -axis : axis + 1} but is rank ${r}`);
    }
    if (r === null || indices.rank === null) return null;
    if (axis < 0) axis += r;
    if (batchDims < -indices.rank || batchDims > indices.rank) {
      c.fail(`Shape must be at least rank ${Math.abs(batchDims)} but is rank ${indices.rank}`);
    }
    if (batchDims < 0) batchDims += indices.rank;
    if (batchDims > axis)
      c.fail(`batch_dims (${batchDims}) must be less than or equal to axis (${axis})`);
    const pd = params.dims!;
    const id = indices.dims!;
    const outer = pd
      .slice(0, axis)
      .map((d, i) => (i < batchDims ? c.mergeDim(d, id[i], "Batch dimensions") : d));
    return new TensorShape([...outer, ...id.slice(batchDims), ...pd.slice(axis + 1)]);
  },
});

registerOp("GatherNd", {
  shape: (c) => {
    const params = c.input(0);
    const indices = c.withRankAtLeast(1, 1);
    if (indices.rank === null || params.rank === null) return null;
    const k = indices.dim(-1);
    if (k === null) return null;
    if (k > params.rank) {
      c.fail(
        `indices.shape[-1] must be <= params.rank, but saw indices shape: ${indices} and params shape: ${params}`,
      );
    }
    return new TensorShape([...indices.dims!.slice(0, -1), ...params.dims!.slice(k)]);
  },
});

registerOp("Range", {
  shape: (c) => {
    for (let i = 0; i < 3; i++) c.withRank(i, 0);
    const vals = [0, 1, 2].map((i) => constInts(c, i));
    if (vals.some((v) => v === null)) return TensorShape.unknownOfRank(1);
    const [[start], [limit], [delta]] = vals as number[][];
    const dtype = c.attr<DType>("Tidx");
    return [
      rangeSize(start, limit, delta, dtype === "int32" || dtype === "int64", dtype === "float32"),
    ];
  },
});

registerOp("Select", {
  shape: (c) => {
    let data = c.input(1);
    if (!data.isCompatibleWith(c.input(2)))
      c.fail(`Shapes ${c.input(1)} and ${c.input(2)} must be equal`);
    data = data.mergeWith(c.input(2));
    const cond = c.input(0);
    if (cond.rank === null || data.rank === null || cond.rank === 0) return data;
    if (cond.rank !== 1 || data.rank === 0) {
      if (!cond.isCompatibleWith(data)) c.fail(`Shapes ${cond} and ${data} must be equal`);
      return data.mergeWith(cond);
    }
    // A vector condition selects along the first dim of 'then' and 'else'.
    const d0 = c.mergeDim(cond.dim(0), data.dim(0));
    return new TensorShape([d0, ...data.dims!.slice(1)]);
  },
});

registerOp("SelectV2", {
  shape: (c) => {
    const te = c.broadcast(1, 2);
    const out = broadcastStaticShapes(c.input(0), te);
    if (!out) c.fail(`Incompatible shapes: ${c.input(0)} vs. ${te}`);
    return out;
  },
});

registerOp("Where", { shape: (c) => new TensorShape([null, c.input(0).rank]) });

registerOp("OneHot", {
  shape: (c) => {
    const indices = c.input(0);
    c.withRank(1, 0);
    c.withRank(2, 0);
    c.withRank(3, 0);
    const axis = c.attr<number>("axis");
    if (axis < -1) c.fail(`Expected axis to be -1 or between [0, N].  But received: ${axis}`);
    if (indices.rank === null) return null;
    if (axis > indices.rank) {
      c.fail(`Expected axis to be -1 or between [0, ${indices.rank}].  But received: ${axis}`);
    }
    const depthV = constInts(c, 1);
    const depth = depthV === null ? null : depthV[0];
    if (depth !== null && depth < 0) c.fail(`depth must be non-negative, got: ${depth}`);
    const dims = [...indices.dims!];
    dims.splice(axis === -1 ? dims.length : axis, 0, depth);
    return new TensorShape(dims);
  },
});

registerOp("ReverseV2", {
  shape: (c) => {
    const input = c.input(0);
    c.withRank(1, 1);
    const axes = constInts(c, 1);
    if (axes !== null && input.rank !== null) checkAxes(axes, input.rank);
    return input;
  },
});

registerOp("InvertPermutation", { shape: (c) => c.withRank(0, 1) });

registerOp("Unique", { shape: (c) => [[null], c.withRank(0, 1)] });

// ---------------------------------------------------------------------------------------------
// Builders

const isTensorish = (v: unknown): boolean => v instanceof Tensor || isTensorConvertible(v);

function dtypeOfTensorish(v: unknown): DType {
  return v instanceof Tensor ? v.dtype : (v as { [TO_TENSOR](): Tensor })[TO_TENSOR]().dtype;
}

/**
 * Index-like arguments that share one type attr: JS values become int32 constants (int64 for
 * bigints), or take the dtype of a tensor among them, so `[1, 2]` is not read as float32.
 */
function asIndices(values: readonly TensorLike[]): TensorLike[] {
  const t = values.find(isTensorish);
  let dtype: DType | undefined = t === undefined ? undefined : dtypeOfTensorish(t);
  if (dtype === undefined) {
    const a = values.find((v) => v instanceof NDArray) as NDArray | undefined;
    dtype =
      a?.dtype ??
      (values.some((v) => !isTensorish(v) && jsDType(v) === "int64") ? "int64" : "int32");
  }
  const d = dtype;
  return values.map((v) => (isTensorish(v) ? v : NDArray.from(v as ValueLike, d)));
}

/** The dtype a JS value would take on its own (numbers: float32). */
function jsDType(v: TensorLike): DType {
  if (v instanceof NDArray) return v.dtype;
  if (ArrayBuffer.isView(v)) return NDArray.from(v as ValueLike).dtype;
  return inferDType(v as NestedArray);
}

/**
 * Extracts a slice of `size` elements starting at `begin` in each dim (tf.slice). A size of -1
 * takes everything to the end of that dim.
 */
export function slice(x: TensorLike, begin: TensorLike, size: TensorLike, name?: string): Tensor {
  return makeOp1("Slice", [x, ...asIndices([begin, size])], {}, name);
}

export interface StridedSliceOptions {
  /** Bit i set: ignore begin[i] and start from the first element (last for negative strides). */
  beginMask?: number;
  /** Bit i set: ignore end[i] and go to the end of the dim. */
  endMask?: number;
  /** Bit i set: entry i is `...`, standing for as many full dims as needed. */
  ellipsisMask?: number;
  /** Bit i set: entry i inserts a new dim of size 1 (tf.newaxis). */
  newAxisMask?: number;
  /** Bit i set: entry i takes the single element begin[i] and drops the dim. */
  shrinkAxisMask?: number;
  name?: string;
}

/**
 * numpy-style strided slicing (tf.strided_slice): x[begin:end:strides] in each dim, with negative
 * indices counting from the end, out-of-range indices clamped, and the masks for `:`, `...`,
 * tf.newaxis and plain indices. `strides` defaults to ones.
 */
export function stridedSlice(
  x: TensorLike,
  begin: TensorLike,
  end: TensorLike,
  strides?: TensorLike,
  options: StridedSliceOptions = {},
): Tensor {
  if (strides === undefined) {
    let n: number | null;
    if (isTensorish(begin)) {
      const t = begin instanceof Tensor ? begin : (begin as { [TO_TENSOR](): Tensor })[TO_TENSOR]();
      n = t.shape.dim(0);
    } else n = NDArray.from(begin as ValueLike).size;
    if (n === null)
      throw new ValueError(
        "stridedSlice: strides must be given when the length of begin is not known",
      );
    strides = new Array<number>(n).fill(1);
  }
  return makeOp1(
    "StridedSlice",
    [x, ...asIndices([begin, end, strides])],
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

export interface GatherOptions {
  /** The dim of params to gather from (default: batchDims). */
  axis?: TensorLike;
  /** Leading dims shared by params and indices, gathered per batch entry (default 0). */
  batchDims?: number;
  name?: string;
}

/**
 * Gathers slices of `params` along `axis` at `indices` (tf.gather): the output has shape
 * params.shape[:axis] + indices.shape[batchDims:] + params.shape[axis+1:]. An index out of
 * [0, dim) is an InvalidArgumentError at run time. The third argument is the axis, or options
 * `{ axis, batchDims, name }`; with batchDims the axis defaults to batchDims.
 */
export function gather(
  params: TensorLike,
  indices: TensorLike,
  axis: TensorLike | GatherOptions = 0,
  name?: string,
): Tensor {
  const o: GatherOptions = isOptionsObject(axis)
    ? (axis as GatherOptions)
    : { axis: axis as TensorLike, name };
  const batchDims = o.batchDims ?? 0;
  const attrs = batchDims === 0 ? {} : { batch_dims: batchDims };
  if (o.axis === undefined && batchDims < 0) {
    throw new ValueError("gather: a negative batchDims needs an explicit axis");
  }
  const ax = o.axis ?? batchDims;
  return makeOp1(
    "GatherV2",
    [params, ...asIndices([indices]), ...asIndices([ax])],
    attrs,
    o.name ?? name,
  );
}

/**
 * Gathers slices of `params` addressed by the last dim of `indices` (tf.gather_nd): the output
 * has shape indices.shape[:-1] + params.shape[indices.shape[-1]:]. With `batchDims` (TF's
 * Python wrapper), the first batchDims dims of params and indices are batch dims and each batch
 * entry gathers from its own params.
 */
export function gatherNd(
  params: TensorLike,
  indices: TensorLike,
  options: string | { batchDims?: number; name?: string } = {},
): Tensor {
  const o = typeof options === "string" ? { name: options } : options;
  const batchDims = o.batchDims ?? 0;
  const [idx] = asIndices([indices]);
  if (batchDims === 0) return makeOp1("GatherNd", [params, idx], {}, o.name);
  if (!Number.isInteger(batchDims) || batchDims < 0) {
    throw new ValueError(`gatherNd: batchDims must be a non-negative integer, got ${batchDims}`);
  }
  return batchGatherNd(params, idx, batchDims, o.name);
}

/**
 * gather_nd with batch dims, composed of plain ops: batch dims flattened into one of size B,
 * each index row prefixed with its batch number, one GatherNd, and the batch dims restored.
 */
function batchGatherNd(
  paramsLike: TensorLike,
  indicesLike: TensorLike,
  b: number,
  name?: string,
): Tensor {
  const g = graphOf([paramsLike, indicesLike]);
  return g.nameScope(name ?? "GatherNd", () => {
    const params = convertToTensor(paramsLike, undefined, undefined, g);
    const indices = convertToTensor(indicesLike, undefined, undefined, g);
    const r = indices.shape.rank;
    if (r === null) throw new ValueError("gatherNd: batchDims needs indices of known rank");
    if (r <= b) {
      throw new ValueError(
        `gatherNd: batchDims (${b}) must be less than the rank of indices (${r})`,
      );
    }
    const i32 = (v: number[]) => NDArray.from(v, "int32");
    const shape = (t: Tensor) => makeOp1("Shape", [t], { out_type: "int32" });
    const cat = (parts: TensorLike[]) => makeOp1("ConcatV2", [parts, i32([0]).reshape([])]);
    const sl = (t: Tensor, begin: number, size: number) =>
      makeOp1("Slice", [t, i32([begin]), i32([size])]);
    const pShape = shape(params);
    const batchShape = sl(pShape, 0, b);
    const nB = makeOp1("Prod", [batchShape, i32([0])], { keep_dims: true });
    const pFlat = makeOp1("Reshape", [params, cat([nB, sl(pShape, b, -1)])]);
    const iFlat = makeOp1("Reshape", [indices, cat([nB, sl(shape(indices), b, -1)])]);
    // The batch number of every index row: [B, 1, ..., 1] broadcast to iFlat.shape[:-1] + [1].
    const count = makeOp1("Reshape", [nB, i32([])]);
    const range = makeOp1("Range", [i32([0]).reshape([]), count, i32([1]).reshape([])]);
    const ones = new Array<number>(r - b).fill(1);
    const column = makeOp1("Reshape", [
      makeOp1("Cast", [range], { DstT: indices.dtype }),
      i32([-1, ...ones]),
    ]);
    const rowsShape = cat([sl(shape(iFlat), 0, r - b), i32([1])]);
    const full = makeOp1("ConcatV2", [
      [makeOp1("BroadcastTo", [column, rowsShape]), iFlat],
      i32([-1]).reshape([]),
    ]);
    const out = makeOp1("GatherNd", [pFlat, full]);
    // Known shapes give a constant target shape, so the result's static shape is known too.
    const ps = params.shape;
    const is = indices.shape;
    const k = is.dim(-1);
    const target =
      ps.isFullyDefined && is.isFullyDefined && k !== null
        ? i32([
            ...ps.asArray().slice(0, b),
            ...is.asArray().slice(b, -1),
            ...ps.asArray().slice(b + k),
          ])
        : cat([batchShape, sl(shape(out), 1, -1)]);
    return makeOp1("Reshape", [out, target]);
  });
}

const RANGE_DTYPES: readonly DType[] = ["int32", "int64", "float32", "float64"];

/**
 * A sequence from `start` (inclusive) to `limit` (exclusive) by `delta` (tf.range); with one
 * argument, range(n) is 0..n-1. The dtype is int32 when every argument is an integer (int64
 * when one is past int32), float32 when one is not (tensors bring their own dtype; the widest
 * wins), unless `dtype` says.
 */
export function range(
  start: TensorLike,
  limit?: TensorLike,
  delta: TensorLike = 1,
  options: { dtype?: DType; name?: string } = {},
): Tensor {
  const args: TensorLike[] = limit === undefined ? [0, start, delta] : [start, limit, delta];
  const argDType = (v: TensorLike): DType => {
    if (isTensorish(v)) return dtypeOfTensorish(v);
    const d = jsDType(v);
    if (d !== "float32" || v instanceof NDArray || ArrayBuffer.isView(v)) return d;
    // As TF converts a Python int: int64 when it does not fit int32.
    if (!Number.isInteger(v)) return "float32";
    return Math.abs(v as number) <= 2 ** 31 - 1 ? "int32" : "int64";
  };
  const dtype =
    options.dtype ??
    args
      .map(argDType)
      .reduce((a, b) => (RANGE_DTYPES.indexOf(b) > RANGE_DTYPES.indexOf(a) ? b : a));
  if (!RANGE_DTYPES.includes(dtype)) throw new ValueError(`range: unsupported dtype ${dtype}`);
  const inputs = args.map((v) => {
    if (!isTensorish(v)) return NDArray.from(v as ValueLike, dtype);
    if (dtypeOfTensorish(v) === dtype) return v;
    return makeOp1("Cast", [v], { DstT: dtype }, "Cast");
  });
  return makeOp1("Range", inputs, {}, options.name ?? "range");
}

/**
 * With `x` and `y`: elements of `x` where `condition` is true, else of `y`, all three
 * broadcasting together (SelectV2, tf.where_v2). With only `condition`: the coordinates of its
 * true (non-zero) elements, an int64 tensor of shape [numTrue, rank] (Where).
 */
export function where(
  condition: TensorLike,
  x?: TensorLike,
  y?: TensorLike,
  name?: string,
): Tensor {
  if (x === undefined && y === undefined) return makeOp1("Where", [condition], {}, name);
  if (x === undefined || y === undefined) {
    throw new ValueError("where: x and y must both be given, or neither");
  }
  return makeOp1("SelectV2", [condition, x, y], {}, name);
}

/**
 * TF1's tf.where with x and y (Select): `condition` has x's shape, or is a vector picking whole
 * rows along x's first dim, or is a scalar; no broadcasting otherwise.
 */
export function select(condition: TensorLike, x: TensorLike, y: TensorLike, name?: string): Tensor {
  return makeOp1("Select", [condition, x, y], {}, name);
}

export interface OneHotOptions {
  /** The value at each index (default 1). */
  onValue?: TensorLike;
  /** The value everywhere else (default 0). */
  offValue?: TensorLike;
  /** Where the new depth dim goes (default -1: last). */
  axis?: number;
  /** The output dtype: default the dtype of onValue/offValue when tensors, else float32. */
  dtype?: DType;
  name?: string;
}

/**
 * One-hot encoding (tf.one_hot): a new dim of size `depth` at `axis` holding onValue at each index
 * and offValue elsewhere. Indices outside [0, depth) give a row of offValue.
 */
export function oneHot(indices: TensorLike, depth: TensorLike, options?: OneHotOptions): Tensor;
export function oneHot(
  indices: TensorLike,
  depth: TensorLike,
  onValue: TensorLike,
  offValue?: TensorLike,
  options?: Omit<OneHotOptions, "onValue" | "offValue">,
): Tensor;
export function oneHot(
  indices: TensorLike,
  depth: TensorLike,
  onValueOrOptions: TensorLike | OneHotOptions = {},
  offValue?: TensorLike,
  rest: Omit<OneHotOptions, "onValue" | "offValue"> = {},
): Tensor {
  // TF's on_value and off_value may come positionally, as in tf.one_hot(i, 3, 1.0, 0.0).
  const options: OneHotOptions = isOptionsObject(onValueOrOptions)
    ? (onValueOrOptions as OneHotOptions)
    : { ...rest, onValue: onValueOrOptions as TensorLike, offValue };
  const { onValue, offValue: off } = options;
  const given = [onValue, off].filter((v) => v !== undefined) as TensorLike[];
  const tensorDtypes = given.filter(isTensorish).map(dtypeOfTensorish);
  let dtype = options.dtype ?? tensorDtypes[0];
  if (dtype === undefined) {
    // Strings and booleans pick their dtype; JS numbers are float32, as everywhere here.
    const js = given.map(jsDType).find((d) => d === "string" || d === "bool");
    dtype = js ?? "float32";
  }
  for (const d of tensorDtypes) {
    if (d !== dtype)
      throw new ValueError(`oneHot: dtype ${d} of onValue/offValue does not match dtype ${dtype}`);
  }
  const value = (v: TensorLike | undefined, dflt: number): TensorLike => {
    if (v !== undefined && isTensorish(v)) return v;
    if (v !== undefined) return NDArray.from(v as ValueLike, dtype);
    if (dtype === "string")
      throw new ValueError("oneHot: string outputs need onValue and offValue");
    return NDArray.from(dflt, dtype);
  };
  return makeOp1(
    "OneHot",
    [...asIndices([indices]), depth, value(onValue, 1), value(off, 0)],
    { axis: options.axis ?? -1 },
    options.name,
  );
}

/** Reverses `x` along each of `axis` (tf.reverse); negative axes count from the end. */
export function reverse(x: TensorLike, axis: TensorLike, name?: string): Tensor {
  return makeOp1("ReverseV2", [x, ...asIndices([axis])], {}, name);
}

/** The inverse of a permutation of 0..n-1 (tf.invert_permutation): y[x[i]] = i. */
export function invertPermutation(x: TensorLike, name?: string): Tensor {
  return makeOp1("InvertPermutation", asIndices([x]), {}, name);
}

/**
 * The unique elements of a vector in order of first appearance, and for each input element the
 * position of its value in them (tf.unique): [y, idx].
 */
export function unique(x: TensorLike, outIdx: DType = "int32", name?: string): [Tensor, Tensor] {
  const op = makeOp("Unique", [x], { out_idx: outIdx }, name);
  return [op.outputs[0], op.outputs[1]];
}
