// Ops that move or reshape data without computing on it: reshape, transpose, concat, stack, split,
// tile, pad, fill, shape queries and broadcasting of shapes.
import { allocData, type DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { isTensorConvertible, Tensor } from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import {
  constOp,
  convertToTensor,
  graphOf,
  makeOp,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";

// ---------------------------------------------------------------------------------------------
// Shape-function helpers

/** The input's values as JS numbers, if known at construction. */
function constInts(c: ShapeContext, i: number): number[] | null {
  const v = c.inputValue(i);
  return v ? Array.from(v.data as ArrayLike<number | bigint>, Number) : null;
}

/** A scalar (or one-element) int input's value if known at construction. */
function constScalar(c: ShapeContext, i: number, what: string): number | null {
  const s = c.input(i);
  if (s.rank !== null && s.rank > 1) c.fail(`'${what}' must be a scalar, but has rank ${s.rank}`);
  if (s.numElements !== null && s.numElements !== 1)
    c.fail(`'${what}' must be a tensor with a single value`);
  const v = constInts(c, i);
  return v === null ? null : v[0];
}

/** Normalizes a possibly negative axis into [0, rank), failing outside [-rank, rank). */
function axisIn(c: ShapeContext, axis: number, rank: number, what: string): number {
  if (axis < -rank || axis >= rank)
    c.fail(`${what}: axis ${axis} is out of range [${-rank}, ${rank})`);
  return axis < 0 ? axis + rank : axis;
}

/** Merges the shapes of inputs [from, to): all must agree (unknown dims merge with anything). */
function mergeInputs(c: ShapeContext, from: number, to: number): TensorShape {
  let out = TensorShape.unknown();
  for (let i = from; i < to; i++) {
    const s = c.input(i);
    if (!out.isCompatibleWith(s)) {
      c.fail(
        `Shapes of all inputs must match: values[0].shape = ${c.input(from)} != values[${i - from}].shape = ${s}`,
      );
    }
    out = out.mergeWith(s);
  }
  return out;
}

/**
 * Shape fns return TensorShapes, not dims arrays: Graph.createOp would read a dims array that
 * starts with an unknown dim ([null, 3]) as a list of output shapes.
 */
const shp = (dims: readonly Dim[]) => new TensorShape(dims);
const showInts = (v: readonly number[]) => `[${v.join(",")}]`;

// ---------------------------------------------------------------------------------------------
// Shape functions

registerOp("Reshape", {
  shape: (c) => {
    c.withRank(1, 1);
    const numIn = c.input(0).numElements;
    const values = constInts(c, 1);
    if (!values) return c.inputAsShape(1);
    let infer = -1;
    let known = 1;
    for (let i = 0; i < values.length; i++) {
      const d = values[i];
      if (d === -1) {
        if (infer >= 0) c.fail(`Only one input size may be -1, not both ${infer} and ${i}`);
        infer = i;
      } else if (d < 0) c.fail(`Size ${i} must be non-negative, not ${d}`);
      else known *= d;
    }
    const dims: Dim[] = values.map((d) => (d < 0 ? null : d));
    if (numIn === null) return shp(dims);
    const cannot = () =>
      c.fail(
        `Cannot reshape a tensor with ${numIn} elements to shape ${showInts(values)} (${known} elements)`,
      );
    if (infer < 0) {
      if (known !== numIn) cannot();
    } else if (known > 0) {
      if (numIn % known !== 0) cannot();
      dims[infer] = numIn / known;
    } else if (numIn !== 0) cannot();
    return shp(dims);
  },
});

registerOp("Transpose", {
  shape: (c) => {
    const x = c.input(0);
    const n = c.withRank(1, 1).dim(0);
    if (x.rank !== null && n !== null && x.rank !== n) {
      c.fail(`transpose expects a vector of size ${x.rank}. But input(1) is a vector of size ${n}`);
    }
    const rank = x.rank ?? n;
    if (rank === null) return null;
    const perm = constInts(c, 1);
    if (!perm) return TensorShape.unknownOfRank(rank);
    const seen = new Set<number>();
    for (const p of perm) {
      if (p < 0 || p >= rank) c.fail(`perm dim ${p} is out of range of input rank ${rank}`);
      if (seen.has(p)) c.fail(`perm ${showInts(perm)} is not a permutation: ${p} is duplicated`);
      seen.add(p);
    }
    return shp(perm.map((p) => x.dim(p)));
  },
});

registerOp("ExpandDims", {
  shape: (c) => {
    const x = c.input(0);
    const axis = constScalar(c, 1, "dim");
    if (x.rank === null) return null;
    if (axis === null) return TensorShape.unknownOfRank(x.rank + 1);
    if (axis < -x.rank - 1 || axis > x.rank)
      c.fail(`Tried to expand dim index ${axis} for tensor with ${x.rank} dimensions.`);
    const dims = [...(x.dims as Dim[])];
    dims.splice(axis < 0 ? axis + x.rank + 1 : axis, 0, 1);
    return shp(dims);
  },
});

registerOp("Squeeze", {
  shape: (c) => {
    const x = c.input(0);
    if (x.dims === null) return null;
    const rank = x.dims.length;
    const axes = new Set<number>();
    for (const a of c.attr<number[]>("squeeze_dims")) {
      if (a < -rank || a >= rank)
        c.fail(`Tried to squeeze dim index ${a} for tensor with ${rank} dimensions.`);
      axes.add(a < 0 ? a + rank : a);
    }
    const out: Dim[] = [];
    for (let i = 0; i < rank; i++) {
      const d = x.dims[i];
      if (axes.size > 0) {
        if (!axes.has(i)) out.push(d);
        else if (d !== null && d !== 1)
          c.fail(`Can not squeeze dim[${i}], expected a dimension of 1, got ${d}`);
      } else if (d === null) {
        return null; // squeezing every size-1 dim: an unknown dim may or may not go
      } else if (d !== 1) out.push(d);
    }
    return shp(out);
  },
});

registerOp("ConcatV2", {
  shape: (c) => {
    const n = c.numInputs - 1;
    c.withRank(n, 0);
    let rank: number | null = null;
    for (let i = 0; i < n; i++) {
      const r = c.input(i).rank;
      if (r === null) continue;
      if (rank !== null && r !== rank) {
        c.fail(
          `Ranks of all input tensors should match: shape[0] = ${c.input(0)} vs. shape[${i}] = ${c.input(i)}`,
        );
      }
      rank = r;
    }
    if (rank === null) return null;
    if (rank === 0) c.fail("Can't concatenate scalars (use tf.stack instead)");
    const a = constScalar(c, n, "axis");
    if (a === null) return TensorShape.unknownOfRank(rank);
    const axis = axisIn(c, a, rank, "ConcatOp");
    const out: Dim[] = new Array<Dim>(rank).fill(null);
    let sum: number | null = 0;
    for (let i = 0; i < n; i++) {
      const s = c.input(i);
      if (s.dims === null) {
        sum = null;
        continue;
      }
      const d = s.dims[axis];
      sum = sum === null || d === null ? null : sum + d;
      for (let k = 0; k < rank; k++) {
        if (k === axis) continue;
        const cur = out[k];
        const dk = s.dims[k];
        if (cur !== null && dk !== null && cur !== dk) {
          c.fail(
            `Dimension ${k} in both shapes must be equal, but are ${cur} and ${dk}. Shapes are ${c.input(0)} and ${s}.`,
          );
        }
        out[k] = cur ?? dk;
      }
    }
    out[axis] = sum;
    return shp(out);
  },
});

registerOp("Pack", {
  shape: (c) => {
    const s = mergeInputs(c, 0, c.numInputs);
    if (s.dims === null) return null;
    const rank = s.dims.length + 1;
    const axis = c.attr<number>("axis");
    if (axis < -rank || axis >= rank)
      c.fail(`Invalid axis: ${axis}; must be in [${-rank},${rank})`);
    const dims = [...s.dims];
    dims.splice(axis < 0 ? axis + rank : axis, 0, c.numInputs);
    return shp(dims);
  },
});

registerOp("Unpack", {
  shape: (c) => {
    const num = c.attr<number>("num");
    const x = c.input(0);
    if (x.dims === null) return new Array<TensorShape>(num).fill(TensorShape.unknown());
    const axis = axisIn(c, c.attr<number>("axis"), x.dims.length, "Unpack");
    const d = x.dims[axis];
    if (d !== null && d !== num) c.fail(`Dimension must be ${num} but is ${d}`);
    const out = shp(x.dims.filter((_, i) => i !== axis));
    return new Array<TensorShape>(num).fill(out);
  },
});

/** Output shapes of a split of `x` along the (maybe unknown) axis into pieces of the given sizes. */
function splitShapes(
  c: ShapeContext,
  x: TensorShape,
  axisValue: number | null,
  sizes: (Dim | undefined)[],
): ShapeLike[] {
  if (x.dims === null) return sizes.map(() => TensorShape.unknown());
  if (axisValue === null) return sizes.map(() => TensorShape.unknownOfRank(x.dims!.length));
  const axis = axisIn(c, axisValue, x.dims.length, "Split");
  return sizes.map((s) => shp(x.dims!.map((d, i) => (i === axis ? (s ?? null) : d))));
}

registerOp("Split", {
  shape: (c) => {
    const num = c.attr<number>("num_split");
    const x = c.input(1);
    const axisValue = constScalar(c, 0, "split_dim");
    let piece: Dim = null;
    if (x.dims !== null && axisValue !== null) {
      const d = x.dims[axisIn(c, axisValue, x.dims.length, "Split")];
      if (d !== null && d % num !== 0)
        c.fail(`Dimension size must be evenly divisible by ${num} but is ${d}`);
      piece = d === null ? null : d / num;
    }
    return splitShapes(c, x, axisValue, new Array<Dim>(num).fill(piece));
  },
});

registerOp("SplitV", {
  shape: (c) => {
    const num = c.attr<number>("num_split");
    const x = c.input(0);
    const len = c.withRank(1, 1).dim(0);
    if (len !== null && len !== num)
      c.fail(`Length of size_splits (${len}) must equal num_split (${num})`);
    const axisValue = constScalar(c, 2, "split_dim");
    const given = constInts(c, 1);
    if (!given) return splitShapes(c, x, axisValue, new Array<Dim>(num).fill(null));
    const sizes: Dim[] = given.map((s) => (s === -1 ? null : s));
    const infer = given.indexOf(-1);
    if (given.some((s, i) => s < -1 || (s === -1 && i !== infer))) {
      c.fail(`size_splits ${showInts(given)} may hold one -1 and otherwise sizes >= 0`);
    }
    const dim =
      x.dims !== null && axisValue !== null
        ? x.dims[axisIn(c, axisValue, x.dims.length, "Split")]
        : null;
    const total = given.reduce((a, s) => (s === -1 ? a : a + s), 0);
    if (dim !== null && (infer < 0 ? total !== dim : total > dim)) {
      c.fail(
        `Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified. Got: ${total} for dimension of size ${dim}`,
      );
    }
    if (infer >= 0 && dim !== null) sizes[infer] = dim - total;
    return splitShapes(c, x, axisValue, sizes);
  },
});

registerOp("Tile", {
  shape: (c) => {
    const x = c.input(0);
    const n = c.withRank(1, 1).dim(0);
    if (x.rank !== null && n !== null && x.rank !== n) {
      c.fail(`Expected multiples argument to be a vector of length ${x.rank} but got length ${n}`);
    }
    const rank = x.rank ?? n;
    if (rank === null) return null;
    const mult = c.inputAsShape(1);
    return shp(
      Array.from({ length: rank }, (_, i) => {
        const m = mult.dim(i);
        const d = x.dim(i);
        if (m === 0) return 0;
        return m === null || d === null ? null : d * m;
      }),
    );
  },
});

/** Pad, PadV2 and MirrorPad: out dim = before + dim + after. */
function padShape(c: ShapeContext, mirror?: "REFLECT" | "SYMMETRIC"): ShapeLike {
  const x = c.input(0);
  const p = c.withRank(1, 2);
  if (p.dim(1) !== null && p.dim(1) !== 2) c.fail(`Dimension must be 2 but is ${p.dim(1)}`);
  const n = p.dim(0);
  if (x.rank !== null && n !== null && x.rank !== n) {
    c.fail(`The first dimension of paddings must be the rank of inputs: paddings ${p}, input ${x}`);
  }
  const rank = x.rank ?? n;
  if (rank === null) return null;
  const pads = constInts(c, 1);
  if (!pads) return TensorShape.unknownOfRank(rank);
  return shp(
    Array.from({ length: rank }, (_, i) => {
      const [before, after] = [pads[2 * i], pads[2 * i + 1]];
      if (before < 0 || after < 0) c.fail(`Paddings must be non-negative: ${before} ${after}`);
      const d = x.dim(i);
      if (d !== null && mirror === "REFLECT" && (before >= d || after >= d)) {
        c.fail(
          `paddings must be less than the dimension size: ${before}, ${after} not less than ${d}`,
        );
      }
      if (d !== null && mirror === "SYMMETRIC" && (before > d || after > d)) {
        c.fail(
          `paddings must be no greater than the dimension size: ${before}, ${after} greater than ${d}`,
        );
      }
      return d === null ? null : before + d + after;
    }),
  );
}
registerOp("Pad", { shape: (c) => padShape(c) });
registerOp("PadV2", {
  shape: (c) => {
    c.withRank(2, 0);
    return padShape(c);
  },
});
registerOp("MirrorPad", { shape: (c) => padShape(c, c.attr<"REFLECT" | "SYMMETRIC">("mode")) });

registerOp("Fill", {
  shape: (c) => {
    c.withRank(0, 1);
    c.withRank(1, 0);
    const dims = constInts(c, 0);
    if (dims) {
      dims.forEach((d, i) => {
        if (d < 0) c.fail(`dims[${i}] must be non-negative, got ${d}`);
      });
    }
    return c.inputAsShape(0);
  },
});
registerOp("ZerosLike", { shape: (c) => c.input(0) });
registerOp("OnesLike", { shape: (c) => c.input(0) });

registerOp("Shape", { shape: (c) => shp([c.input(0).rank]) });
registerOp("ShapeN", { shape: (c) => c.op.inputs.map((t) => shp([t.shape.rank])) });
registerOp("Size", { shape: () => [] });
registerOp("Rank", { shape: () => [] });

registerOp("BroadcastTo", {
  shape: (c) => {
    c.withRank(1, 1);
    const x = c.input(0);
    const target = c.inputAsShape(1);
    if (target.dims === null || x.dims === null) return target;
    const off = target.dims.length - x.dims.length;
    if (off < 0) {
      c.fail(
        `Rank of input (${x.dims.length}) must be no greater than rank of output shape (${target.dims.length})`,
      );
    }
    return shp(
      target.dims.map((t, j) => {
        const d = j < off ? 1 : x.dims![j - off];
        if (d !== null && d !== 1 && t !== null && t !== d)
          c.fail(`Incompatible shapes: ${x} vs. ${target}`);
        // An unknown target dim must equal an input dim other than 1.
        return t ?? (d !== null && d !== 1 ? d : null);
      }),
    );
  },
});
registerOp("BroadcastArgs", {
  shape: (c) => {
    const a = c.withRank(0, 1).dim(0);
    const b = c.withRank(1, 1).dim(0);
    return shp([a === null || b === null ? null : Math.max(a, b)]);
  },
});

// ---------------------------------------------------------------------------------------------
// Builders

function isTensorLike(v: unknown): boolean {
  return v instanceof Tensor || isTensorConvertible(v);
}
/** The index-type attr to set for a JS value given where an int32/int64 tensor is expected (TF converts Python ints to int32). */
function intAttr(v: unknown): DType | undefined {
  if (isTensorLike(v)) return undefined;
  return v instanceof NDArray && v.dtype === "int64" ? "int64" : "int32";
}

/** Reshapes `x` to `shape` (tf.reshape); one dim of `shape` may be -1 and is inferred. */
export function reshape(x: TensorLike, shape: TensorLike, name?: string): Tensor {
  return makeOp1("Reshape", [x, shape], { Tshape: intAttr(shape) }, name ?? "Reshape");
}

/**
 * Permutes the dims of `x` (tf.transpose): output dim i is input dim perm[i]. The default perm
 * reverses the dims (a matrix transpose for rank 2).
 */
export function transpose(x: TensorLike, perm?: TensorLike, name?: string): Tensor {
  if (perm !== undefined)
    return makeOp1("Transpose", [x, perm], { Tperm: intAttr(perm) }, name ?? "transpose");
  const t = convertToTensor(x);
  const rank = t.rank;
  if (rank !== null) {
    const reversed = Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return makeOp1("Transpose", [t, reversed], { Tperm: "int32" }, name ?? "transpose");
  }
  // Unknown rank: perm = (rank - 1) - range(0, rank, 1), computed at run time as TF does.
  const g = t.graph;
  return g.nameScope(name ?? "transpose", (scope) => {
    const r = rank_(t, "Rank");
    const last = makeOp1("Sub", [r, 1], {}, "sub");
    const perm = makeOp1("Sub", [last, makeOp1("Range", [0, r, 1], {}, "Range")], {}, "sub_1");
    return g.createOp("Transpose", [t, perm], {}, scope.slice(0, -1), { exactName: true })
      .outputs[0];
  });
}

/** Inserts a dim of size 1 at `axis` (tf.expand_dims); -1 appends one. */
export function expandDims(x: TensorLike, axis: TensorLike, name?: string): Tensor {
  return makeOp1("ExpandDims", [x, axis], { Tdim: intAttr(axis) }, name ?? "ExpandDims");
}

/** Removes dims of size 1 (tf.squeeze): those listed in `axis`, or all of them. */
export function squeeze(x: TensorLike, axis?: number | readonly number[], name?: string): Tensor {
  const dims = axis === undefined ? [] : typeof axis === "number" ? [axis] : [...axis];
  return makeOp1("Squeeze", [x], { squeeze_dims: dims }, name ?? "Squeeze");
}

/** Joins tensors along an existing dim (tf.concat); a single tensor passes through an Identity. */
export function concat(values: readonly TensorLike[], axis: TensorLike, name?: string): Tensor {
  if (values.length === 0) throw new ValueError("concat needs at least one value");
  if (values.length === 1) {
    const axisRank = isTensorLike(axis)
      ? convertToTensor(axis).rank
      : NDArray.from(axis as ValueLike).rank;
    if (axisRank !== null && axisRank !== 0)
      throw new ValueError(`concat: axis must be a scalar, got rank ${axisRank}`);
    return makeOp1("Identity", [values[0]], {}, name ?? "concat");
  }
  return makeOp1("ConcatV2", [values, axis], { Tidx: intAttr(axis) }, name ?? "concat");
}

/** Stacks same-shaped tensors into one of rank + 1, along a new dim `axis` (tf.stack). */
export function stack(values: readonly TensorLike[], axis = 0, name?: string): Tensor {
  if (values.length === 0) throw new ValueError("stack needs at least one value");
  const first = values[0];
  const rank = isTensorLike(first)
    ? convertToTensor(first).rank
    : NDArray.from(first as ValueLike).rank;
  if (rank !== null && (axis < -(rank + 1) || axis >= rank + 1)) {
    throw new ValueError(`axis = ${axis} not in [${-(rank + 1)}, ${rank + 1})`);
  }
  return makeOp1("Pack", [values], { axis }, name ?? "stack");
}

export interface UnstackOptions {
  /** How many tensors to make; inferred from the static shape when not given. */
  num?: number;
  axis?: number;
  name?: string;
}
/** Splits `x` along `axis` into tensors of rank - 1 (tf.unstack). */
export function unstack(x: TensorLike, options: UnstackOptions = {}): Tensor[] {
  const axis = options.axis ?? 0;
  let num = options.num;
  const t = convertToTensor(x);
  if (num === undefined) {
    const s = t.shape;
    if (s.rank !== null) {
      if (axis < -s.rank || axis >= s.rank)
        throw new ValueError(`axis = ${axis} not in [${-s.rank}, ${s.rank})`);
      num = s.dim(axis) ?? undefined;
    }
    if (num === undefined) throw new ValueError(`Cannot infer num from shape ${s}`);
  }
  return [...makeOp("Unpack", [t], { num, axis }, options.name ?? "unstack").outputs];
}

/**
 * Splits `x` along `axis` (tf.split): into `numOrSizeSplits` equal pieces (a Split op) or into
 * pieces of the given sizes, one of which may be -1 (a SplitV op).
 */
export function split(
  x: TensorLike,
  numOrSizeSplits: number | TensorLike,
  axis: TensorLike = 0,
  name?: string,
): Tensor[] {
  if (typeof numOrSizeSplits === "number") {
    return [...makeOp("Split", [axis, x], { num_split: numOrSizeSplits }, name ?? "split").outputs];
  }
  const sizes = numOrSizeSplits;
  let num: number | null;
  if (isTensorLike(sizes)) {
    const s = convertToTensor(sizes).shape;
    if (s.rank === 0)
      throw new ValueError(
        "Rank-0 tensors are not supported as the num_or_size_splits argument to split",
      );
    num = s.dim(0);
  } else {
    const v = NDArray.from(sizes as ValueLike, "int32");
    if (v.rank !== 1)
      throw new ValueError(
        `num_or_size_splits must be a number or a 1-D list of sizes, got shape [${v.shape}]`,
      );
    num = v.shape[0];
  }
  if (num === null)
    throw new ValueError(`Cannot infer num from shape ${convertToTensor(sizes).shape}`);
  return [
    ...makeOp("SplitV", [x, sizes, axis], { num_split: num, Tlen: intAttr(sizes) }, name ?? "split")
      .outputs,
  ];
}

/** Repeats `x` `multiples[i]` times along each dim i (tf.tile). */
export function tile(x: TensorLike, multiples: TensorLike, name?: string): Tensor {
  return makeOp1("Tile", [x, multiples], { Tmultiples: intAttr(multiples) }, name ?? "Tile");
}

export interface PadOptions {
  /** CONSTANT (default) fills with `constantValues`; REFLECT and SYMMETRIC mirror the edges. */
  mode?: "CONSTANT" | "REFLECT" | "SYMMETRIC" | "constant" | "reflect" | "symmetric";
  constantValues?: TensorLike;
  name?: string;
}
/**
 * Pads `x` (tf.pad): `paddings` is [rank, 2], the count before and after each dim. TF's `mode`
 * may also come positionally: `pad(x, paddings, "REFLECT")`.
 */
export function pad(
  x: TensorLike,
  paddings: TensorLike,
  modeOrOptions: PadOptions["mode"] | PadOptions = {},
): Tensor {
  const options = typeof modeOrOptions === "string" ? { mode: modeOrOptions } : modeOrOptions;
  const mode = (options.mode ?? "CONSTANT").toUpperCase();
  const attrs = { Tpaddings: intAttr(paddings) };
  const cv = options.constantValues;
  if (mode === "CONSTANT") {
    // As TF does: a plain Pad unless a fill value other than 0 is asked for.
    const isZero = cv === undefined || cv === 0 || cv === false || cv === "";
    if (isZero) return makeOp1("Pad", [x, paddings], attrs, options.name ?? "Pad");
    return makeOp1("PadV2", [x, paddings, cv], attrs, options.name ?? "PadV2");
  }
  if (mode !== "REFLECT" && mode !== "SYMMETRIC")
    throw new ValueError(`Unknown padding mode: ${options.mode}`);
  return makeOp1("MirrorPad", [x, paddings], { ...attrs, mode }, options.name ?? "MirrorPad");
}

/** A tensor of shape `dims` filled with the scalar `value` (tf.fill). */
export function fill(dims: TensorLike, value: TensorLike, name?: string): Tensor {
  return makeOp1("Fill", [dims, value], { index_type: intAttr(dims) }, name ?? "Fill");
}

/** An NDArray of `shape` holding `value` in every element. */
function filledArray(dtype: DType, shape: readonly number[], one: boolean): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = allocData(dtype, size);
  if (one) {
    if (dtype === "string") throw new ValueError("ones: a string tensor has no 1");
    if (dtype === "int64") (data as BigInt64Array).fill(1n);
    else (data as Float32Array).fill(1);
  }
  return new NDArray(dtype, shape, data);
}

/** Constants below this many elements are stored whole in the graph; larger ones use a Fill. */
const SMALL_CONSTANT = 1000;

function zerosOrOnes(
  shape: TensorLike | TensorShape,
  dtype: DType,
  one: boolean,
  name: string,
): Tensor {
  let dims: number[] | undefined;
  if (shape instanceof TensorShape) dims = shape.asArray();
  else if (!isTensorLike(shape)) {
    const v = NDArray.from(shape as ValueLike, "int32");
    if (v.rank > 1)
      throw new ValueError(`Shape must be a 1-D list of dims, got shape [${v.shape}]`);
    dims = Array.from(v.data as Int32Array);
    if (dims.some((d) => d < 0)) throw new ValueError(`Dims must be non-negative, got [${dims}]`);
  }
  const g = graphOf([shape]);
  return g.nameScope(name, (scope) => {
    const opName = scope.slice(0, -1);
    if (dims && dims.reduce((a, b) => a * b, 1) < SMALL_CONSTANT) {
      const value = filledArray(dtype, dims, one);
      return g.createOp("Const", [], { value, dtype }, opName, { exactName: true }).outputs[0];
    }
    let s = dims
      ? constOp(new NDArray("int32", [dims.length], Int32Array.from(dims)), g, "shape_as_tensor")
      : convertToTensor(shape as TensorLike);
    if (s.rank === 0) s = reshape(s, [-1]);
    const value = constOp(filledArray(dtype, [], one), g, "Const");
    return g.createOp("Fill", [s, value], {}, opName, { exactName: true }).outputs[0];
  });
}

/** A tensor of zeros (tf.zeros): a constant for a small static shape, else a Fill. */
export function zeros(
  shape: TensorLike | TensorShape,
  dtype: DType = "float32",
  name?: string,
): Tensor {
  return zerosOrOnes(shape, dtype, false, name ?? "zeros");
}
/** A tensor of ones (tf.ones): a constant for a small static shape, else a Fill. */
export function ones(
  shape: TensorLike | TensorShape,
  dtype: DType = "float32",
  name?: string,
): Tensor {
  return zerosOrOnes(shape, dtype, true, name ?? "ones");
}

export interface LikeOptions {
  /** The output dtype; x's dtype when not given. */
  dtype?: DType;
  name?: string;
}
/** Zeros of x's shape (tf.zeros_like). */
export function zerosLike(x: TensorLike, options: LikeOptions = {}): Tensor {
  const t = convertToTensor(x);
  const name = options.name ?? "zeros_like";
  if (options.dtype === undefined || options.dtype === t.dtype)
    return makeOp1("ZerosLike", [t], {}, name);
  return zeros(shape(t), options.dtype, name);
}
/** Ones of x's shape (tf.ones_like). */
export function onesLike(x: TensorLike, options: LikeOptions = {}): Tensor {
  const t = convertToTensor(x);
  const name = options.name ?? "ones_like";
  if (options.dtype === undefined || options.dtype === t.dtype)
    return makeOp1("OnesLike", [t], {}, name);
  return ones(shape(t), options.dtype, name);
}

export interface ShapeOptions {
  /** int32 (default) or int64. */
  outType?: "int32" | "int64";
  name?: string;
}
/** x's shape as a 1-D int tensor, computed at run time (tf.shape). */
export function shape(x: TensorLike, options: ShapeOptions = {}): Tensor {
  return makeOp1("Shape", [x], { out_type: options.outType ?? "int32" }, options.name ?? "Shape");
}
/** The shapes of several tensors (tf.shape_n). */
export function shapeN(values: readonly TensorLike[], options: ShapeOptions = {}): Tensor[] {
  return [
    ...makeOp(
      "ShapeN",
      [values],
      { out_type: options.outType ?? "int32" },
      options.name ?? "ShapeN",
    ).outputs,
  ];
}
/** x's number of elements, computed at run time (tf.size). */
export function size(x: TensorLike, options: ShapeOptions = {}): Tensor {
  return makeOp1("Size", [x], { out_type: options.outType ?? "int32" }, options.name ?? "Size");
}
/** x's rank (number of dims) as an int32 scalar, computed at run time (tf.rank). */
export function rank(x: TensorLike, name?: string): Tensor {
  return rank_(x, name ?? "Rank");
}
const rank_ = (x: TensorLike, name: string) => makeOp1("Rank", [x], {}, name);

/** Broadcasts `x` to `shape` with numpy rules (tf.broadcast_to). */
export function broadcastTo(x: TensorLike, shape: TensorLike, name?: string): Tensor {
  return makeOp1("BroadcastTo", [x, shape], { Tidx: intAttr(shape) }, name ?? "BroadcastTo");
}
/** The broadcast of two shapes given as 1-D int tensors (tf.broadcast_dynamic_shape's op). */
export function broadcastArgs(s0: TensorLike, s1: TensorLike, name?: string): Tensor {
  const T = isTensorLike(s0) ? undefined : isTensorLike(s1) ? undefined : intAttr(s0);
  return makeOp1("BroadcastArgs", [s0, s1], { T }, name ?? "BroadcastArgs");
}
