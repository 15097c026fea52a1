// Kernels of the array_shape op family: data movement, shared by every dtype (strings included).
import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkShapeAllocation } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { broadcastShapes, shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { arr, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";

// ---------------------------------------------------------------------------------------------
// Helpers

/** Element storage seen as a plain indexable array (typed arrays and string[] alike). */
type Slots = { [i: number]: unknown; length: number };

/** Copies n elements src[s..s+n) to dst[d..d+n). */
function copyRange(dst: TypedData, d: number, src: TypedData, s: number, n: number): void {
  if (Array.isArray(dst)) {
    for (let i = 0; i < n; i++) dst[d + i] = (src as string[])[s + i];
  } else {
    (dst as Float32Array).set((src as Float32Array).subarray(s, s + n), d);
  }
}

/** An int tensor's values as JS numbers. */
const ints = (a: NDArray): number[] => Array.from(a.data as ArrayLike<number | bigint>, Number);

function scalarInt(a: NDArray, what: string): number {
  if (a.size !== 1)
    throw new InvalidArgumentError(`'${what}' must be a scalar, got shape ${shapeString(a.shape)}`);
  return Number(a.data[0]);
}

function vectorInts(a: NDArray, what: string): number[] {
  if (a.rank !== 1)
    throw new InvalidArgumentError(`${what} must be 1-D, got shape ${shapeString(a.shape)}`);
  return ints(a);
}

function normAxis(axis: number, rank: number, what: string): number {
  if (axis < -rank || axis >= rank) {
    throw new InvalidArgumentError(`${what}: axis ${axis} is out of range [${-rank}, ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** An int32 or int64 array of the given values. */
function intArray(dtype: DType, shape: readonly number[], values: readonly number[]): NDArray {
  if (dtype === "int64") return new NDArray("int64", shape, BigInt64Array.from(values, BigInt));
  return new NDArray("int32", shape, Int32Array.from(values));
}

/** An array of `shape` with every element equal to the first element of `value`'s data. */
function filled(dtype: DType, shape: readonly number[], value: unknown): NDArray {
  const data = allocData(dtype, shapeSize(shape), shape);
  (data as unknown as { fill(v: unknown): void }).fill(value);
  return new NDArray(dtype, shape, data);
}

/**
 * out[index] = src[offset + sum(index[k] * strides[k])] over the output shape: transposes
 * (permuted strides) and broadcasts (zero strides) alike.
 */
function stridedCopy(x: NDArray, outShape: readonly number[], strides: readonly number[]): NDArray {
  const size = shapeSize(outShape);
  const out = allocData(x.dtype, size);
  const dst = out as unknown as Slots;
  const src = x.data as unknown as Slots;
  const rank = outShape.length;
  if (size === 0) return new NDArray(x.dtype, outShape, out);
  if (rank === 0) {
    dst[0] = src[0];
    return new NDArray(x.dtype, outShape, out);
  }
  const last = rank - 1;
  const n = outShape[last];
  const step = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let base = 0;
  for (let o = 0; o < size; ) {
    // Innermost dim in a tight loop, then carry into the outer dims.
    for (let k = 0; k < n; k++) dst[o++] = src[base + k * step];
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < outShape[d]) break;
      base -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return new NDArray(x.dtype, outShape, out);
}

/** Product of shape[from..to). */
const prod = (shape: readonly number[], from: number, to = shape.length): number => {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
};

// ---------------------------------------------------------------------------------------------
// Reshaping

cpuBackend.register("Reshape", () => (inputs) => {
  const x = arr(inputs[0]);
  const dims = vectorInts(arr(inputs[1]), "sizes input");
  let infer = -1;
  let known = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (d === -1) {
      if (infer >= 0)
        throw new InvalidArgumentError(`Only one input size may be -1, not both ${infer} and ${i}`);
      infer = i;
    } else if (d < 0) throw new InvalidArgumentError(`Size ${i} must be non-negative, not ${d}`);
    else known *= d;
  }
  if (infer >= 0) {
    if (known === 0) {
      throw new InvalidArgumentError(
        "Reshape cannot infer the missing input size for an empty tensor unless all specified input sizes are non-zero",
      );
    }
    if (x.size % known !== 0) {
      throw new InvalidArgumentError(
        `Input to reshape is a tensor with ${x.size} values, but the requested shape requires a multiple of ${known}`,
      );
    }
    dims[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new InvalidArgumentError(
      `Input to reshape is a tensor with ${x.size} values, but the requested shape has ${known}`,
    );
  }
  return [x.reshape(dims)];
});

cpuBackend.register("Transpose", () => (inputs) => {
  const x = arr(inputs[0]);
  const perm = vectorInts(arr(inputs[1]), "perm");
  const rank = x.rank;
  if (perm.length !== rank) {
    throw new InvalidArgumentError(
      `transpose expects a vector of size ${rank}. But input(1) is a vector of size ${perm.length}`,
    );
  }
  const seen = new Uint8Array(rank);
  for (const p of perm) {
    if (p < 0 || p >= rank) throw new InvalidArgumentError(`${p} is out of range [0 .. ${rank})`);
    if (seen[p])
      throw new InvalidArgumentError(`perm [${perm}] is not a permutation: ${p} is duplicated`);
    seen[p] = 1;
  }
  if (perm.every((p, i) => p === i)) return [x];
  const inStrides = x.strides;
  return [
    stridedCopy(
      x,
      perm.map((p) => x.shape[p]),
      perm.map((p) => inStrides[p]),
    ),
  ];
});

cpuBackend.register("ExpandDims", () => (inputs) => {
  const x = arr(inputs[0]);
  const axis = scalarInt(arr(inputs[1]), "dim");
  if (axis < -x.rank - 1 || axis > x.rank) {
    throw new InvalidArgumentError(
      `Tried to expand dim index ${axis} for tensor with ${x.rank} dimensions.`,
    );
  }
  const shape = [...x.shape];
  shape.splice(axis < 0 ? axis + x.rank + 1 : axis, 0, 1);
  return [x.reshape(shape)];
});

cpuBackend.register("Squeeze", (node) => {
  const given = node.attrs.squeeze_dims as readonly number[];
  return (inputs) => {
    const x = arr(inputs[0]);
    const rank = x.rank;
    const axes = new Set<number>();
    for (const a of given) {
      if (a < -rank || a >= rank) {
        throw new InvalidArgumentError(
          `Tried to squeeze dim index ${a} for tensor with ${rank} dimensions.`,
        );
      }
      axes.add(a < 0 ? a + rank : a);
    }
    const shape: number[] = [];
    x.shape.forEach((d, i) => {
      if (axes.size === 0) {
        if (d !== 1) shape.push(d);
      } else if (!axes.has(i)) shape.push(d);
      else if (d !== 1)
        throw new InvalidArgumentError(
          `Can not squeeze dim[${i}], expected a dimension of 1, got ${d}`,
        );
    });
    return [x.reshape(shape)];
  };
});

// ---------------------------------------------------------------------------------------------
// Joining and splitting

cpuBackend.register("ConcatV2", () => (inputs) => {
  const xs = inputs.slice(0, -1).map(arr);
  const first = xs[0];
  const rank = first.rank;
  if (rank === 0)
    throw new InvalidArgumentError("ConcatOp : Can't concatenate scalars (use tf.stack instead)");
  const axis = normAxis(scalarInt(arr(inputs[inputs.length - 1]), "axis"), rank, "ConcatOp");
  let total = 0;
  xs.forEach((x, i) => {
    const mismatch =
      x.rank !== rank
        ? "Ranks of all input tensors should match"
        : "Dimensions of inputs should match";
    if (x.rank !== rank || x.shape.some((d, k) => k !== axis && d !== first.shape[k])) {
      throw new InvalidArgumentError(
        `ConcatOp : ${mismatch}: shape[0] = ${shapeString(first.shape)} vs. shape[${i}] = ${shapeString(x.shape)}`,
      );
    }
    total += x.shape[axis];
  });
  const outShape = [...first.shape];
  outShape[axis] = total;
  const outer = prod(outShape, 0, axis);
  const inner = prod(outShape, axis + 1);
  const out = allocData(first.dtype, shapeSize(outShape));
  const rowLen = total * inner;
  let col = 0;
  for (const x of xs) {
    const chunk = x.shape[axis] * inner;
    for (let o = 0; o < outer; o++) copyRange(out, o * rowLen + col, x.data, o * chunk, chunk);
    col += chunk;
  }
  return [new NDArray(first.dtype, outShape, out)];
});

cpuBackend.register("Pack", (node) => {
  const axisAttr = node.attrs.axis as number;
  return (inputs) => {
    const xs = inputs.map(arr);
    const first = xs[0];
    xs.forEach((x, i) => {
      if (x.shape.length !== first.rank || x.shape.some((d, k) => d !== first.shape[k])) {
        throw new InvalidArgumentError(
          `Shapes of all inputs must match: values[0].shape = ${shapeString(first.shape)} != values[${i}].shape = ${shapeString(x.shape)}`,
        );
      }
    });
    const axis = normAxis(axisAttr, first.rank + 1, "Pack");
    const outShape = [...first.shape];
    outShape.splice(axis, 0, xs.length);
    const outer = prod(first.shape, 0, axis);
    const inner = prod(first.shape, axis);
    const out = allocData(first.dtype, outer * inner * xs.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < xs.length; i++)
        copyRange(out, (o * xs.length + i) * inner, xs[i].data, o * inner, inner);
    }
    return [new NDArray(first.dtype, outShape, out)];
  };
});

/** Slices x along `axis` into consecutive pieces of the given sizes. */
function splitAlong(
  x: NDArray,
  axis: number,
  sizes: readonly number[],
  dropAxis = false,
): NDArray[] {
  const outer = prod(x.shape, 0, axis);
  const inner = prod(x.shape, axis + 1);
  const rowLen = x.shape[axis] * inner;
  let start = 0;
  return sizes.map((s) => {
    const chunk = s * inner;
    const out = allocData(x.dtype, outer * chunk);
    for (let o = 0; o < outer; o++) copyRange(out, o * chunk, x.data, o * rowLen + start, chunk);
    start += chunk;
    const shape = [...x.shape];
    if (dropAxis) shape.splice(axis, 1);
    else shape[axis] = s;
    return new NDArray(x.dtype, shape, out);
  });
}

cpuBackend.register("Unpack", (node) => {
  const num = node.attrs.num as number;
  const axisAttr = node.attrs.axis as number;
  return (inputs) => {
    const x = arr(inputs[0]);
    const axis = normAxis(axisAttr, x.rank, "Unpack");
    if (x.shape[axis] !== num) {
      throw new InvalidArgumentError(
        `Input shape axis ${axis} must equal ${num}, got shape ${shapeString(x.shape)}`,
      );
    }
    return splitAlong(x, axis, new Array<number>(num).fill(1), true);
  };
});

cpuBackend.register("Split", (node) => {
  const num = node.attrs.num_split as number;
  return (inputs) => {
    const x = arr(inputs[1]);
    const axis = normAxis(scalarInt(arr(inputs[0]), "split_dim"), x.rank, "Split");
    const d = x.shape[axis];
    if (d % num !== 0) {
      throw new InvalidArgumentError(
        `Number of ways to split should evenly divide the split dimension, but got split_dim ${axis} (size = ${d}) and num_split ${num}`,
      );
    }
    return splitAlong(x, axis, new Array<number>(num).fill(d / num));
  };
});

cpuBackend.register("SplitV", (node) => {
  const num = node.attrs.num_split as number;
  return (inputs) => {
    const x = arr(inputs[0]);
    const sizes = vectorInts(arr(inputs[1]), "size_splits");
    const axis = normAxis(scalarInt(arr(inputs[2]), "split_dim"), x.rank, "Split");
    if (sizes.length !== num) {
      throw new InvalidArgumentError(
        `Length of size_splits (${sizes.length}) must equal num_split (${num})`,
      );
    }
    const d = x.shape[axis];
    let infer = -1;
    let total = 0;
    sizes.forEach((s, i) => {
      if (s === -1) {
        if (infer >= 0)
          throw new InvalidArgumentError(`size_splits [${sizes}] may hold only one -1`);
        infer = i;
      } else if (s < 0)
        throw new InvalidArgumentError(`size_splits [${sizes}] must be >= 0 (or one -1)`);
      else total += s;
    });
    if (infer < 0 ? total !== d : total > d) {
      throw new InvalidArgumentError(
        `Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified. Got: ${total} for dimension ${axis} of size ${d} (size_splits [${sizes}])`,
      );
    }
    if (infer >= 0) sizes[infer] = d - total;
    return splitAlong(x, axis, sizes);
  };
});

// ---------------------------------------------------------------------------------------------
// Tile and pad

cpuBackend.register("Tile", () => (inputs) => {
  const x = arr(inputs[0]);
  const mult = vectorInts(arr(inputs[1]), "multiples");
  if (mult.length !== x.rank) {
    throw new InvalidArgumentError(
      `Expected multiples argument to be a vector of length ${x.rank} but got length ${mult.length}`,
    );
  }
  mult.forEach((m, i) => {
    if (m < 0) throw new InvalidArgumentError(`Expected multiples[${i}] >= 0, but got ${m}`);
  });
  // The whole output first: the steps below allocate intermediates on the way to it.
  checkShapeAllocation(
    x.dtype,
    x.shape.map((d, i) => d * mult[i]),
  );
  // One dim at a time, innermost first: repeat each block of dims [d..] m times.
  let data = x.data;
  const shape = [...x.shape];
  for (let d = x.rank - 1; d >= 0; d--) {
    const m = mult[d];
    if (m === 1) continue;
    const outer = prod(shape, 0, d);
    const chunk = prod(shape, d);
    const next = allocData(x.dtype, outer * chunk * m);
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < m; r++) copyRange(next, (o * m + r) * chunk, data, o * chunk, chunk);
    }
    data = next;
    shape[d] *= m;
  }
  return [data === x.data ? x : new NDArray(x.dtype, shape, data)];
});

type PadMode = "CONSTANT" | "REFLECT" | "SYMMETRIC";

function readPaddings(p: NDArray, rank: number): number[][] {
  if (p.rank !== 2 || p.shape[0] !== rank || p.shape[1] !== 2) {
    throw new InvalidArgumentError(
      `paddings must be a matrix of shape [${rank},2] (one row per input dim), got shape ${shapeString(p.shape)}`,
    );
  }
  const v = ints(p);
  return Array.from({ length: rank }, (_, i) => [v[2 * i], v[2 * i + 1]]);
}

/** Pads x: for each output dim, a map from output index to input index (-1 for fill). */
function padArray(
  x: NDArray,
  pads: readonly number[][],
  mode: PadMode,
  fillValue: unknown,
): NDArray {
  const rank = x.rank;
  const outShape = x.shape.map((d, i) => pads[i][0] + d + pads[i][1]);
  for (const [before, after] of pads)
    if (before < 0 || after < 0)
      throw new InvalidArgumentError(`Paddings must be non-negative: ${before} ${after}`);
  // Before the index maps below, which are as long as the output's dims.
  checkShapeAllocation(x.dtype, outShape);
  const maps = x.shape.map((d, i) => {
    const [before, after] = pads[i];
    if (mode === "REFLECT" && (before >= d || after >= d)) {
      throw new InvalidArgumentError(
        `paddings must be less than the dimension size: ${before}, ${after} not less than ${d}`,
      );
    }
    if (mode === "SYMMETRIC" && (before > d || after > d)) {
      throw new InvalidArgumentError(
        `paddings must be no greater than the dimension size: ${before}, ${after} greater than ${d}`,
      );
    }
    const m = new Int32Array(outShape[i]);
    for (let j = 0; j < m.length; j++) {
      const k = j - before;
      if (k >= 0 && k < d) m[j] = k;
      else if (mode === "CONSTANT") m[j] = -1;
      else if (mode === "REFLECT") m[j] = k < 0 ? -k : 2 * d - 2 - k;
      else m[j] = k < 0 ? -k - 1 : 2 * d - 1 - k;
    }
    return m;
  });
  const out = filled(x.dtype, outShape, fillValue);
  const dst = out.data as unknown as Slots;
  const src = x.data as unknown as Slots;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const inStrides = x.strides;
  const outStrides = out.strides;
  const walk = (d: number, inOff: number, outOff: number): void => {
    const m = maps[d];
    if (d === rank - 1) {
      for (let j = 0; j < m.length; j++) if (m[j] >= 0) dst[outOff + j] = src[inOff + m[j]];
      return;
    }
    for (let j = 0; j < m.length; j++) {
      if (m[j] >= 0) walk(d + 1, inOff + m[j] * inStrides[d], outOff + j * outStrides[d]);
    }
  };
  walk(0, 0, 0);
  return out;
}

cpuBackend.register("Pad", (node) => {
  const zero = allocData(node.inputDtypes[0], 1)[0];
  return (inputs) => {
    const x = arr(inputs[0]);
    return [padArray(x, readPaddings(arr(inputs[1]), x.rank), "CONSTANT", zero)];
  };
});
cpuBackend.register("PadV2", () => (inputs) => {
  const x = arr(inputs[0]);
  const c = arr(inputs[2]);
  if (c.rank !== 0)
    throw new InvalidArgumentError(
      `constant_values must be a scalar, got shape ${shapeString(c.shape)}`,
    );
  return [padArray(x, readPaddings(arr(inputs[1]), x.rank), "CONSTANT", c.data[0])];
});
cpuBackend.register("MirrorPad", (node) => {
  const mode = node.attrs.mode as PadMode;
  return (inputs) => {
    const x = arr(inputs[0]);
    return [padArray(x, readPaddings(arr(inputs[1]), x.rank), mode, allocData(x.dtype, 1)[0])];
  };
});

// ---------------------------------------------------------------------------------------------
// Filling

cpuBackend.register("Fill", () => (inputs) => {
  const dims = vectorInts(arr(inputs[0]), "dims");
  const v = arr(inputs[1]);
  if (v.rank !== 0)
    throw new InvalidArgumentError(`value must be a scalar, got shape ${shapeString(v.shape)}`);
  dims.forEach((d, i) => {
    if (d < 0) throw new InvalidArgumentError(`dims[${i}] must be non-negative, got ${d}`);
  });
  return [filled(v.dtype, dims, v.data[0])];
});

cpuBackend.register("ZerosLike", () => (inputs) => {
  const x = arr(inputs[0]);
  return [new NDArray(x.dtype, x.shape)];
});
cpuBackend.register("OnesLike", () => (inputs) => {
  const x = arr(inputs[0]);
  if (x.dtype === "string")
    throw new InvalidArgumentError("OnesLike does not support string tensors");
  return [filled(x.dtype, x.shape, x.dtype === "int64" ? 1n : 1)];
});

// ---------------------------------------------------------------------------------------------
// Shapes

cpuBackend.register("Shape", (node) => {
  const outType = node.outputDtypes[0];
  return (inputs) => {
    const x = arr(inputs[0]);
    return [intArray(outType, [x.rank], x.shape)];
  };
});
cpuBackend.register("ShapeN", (node) => {
  const outType = node.outputDtypes[0];
  return (inputs) => inputs.map((v: Value) => intArray(outType, [arr(v).rank], arr(v).shape));
});
cpuBackend.register("Size", (node) => {
  const outType = node.outputDtypes[0];
  return (inputs) => [intArray(outType, [], [arr(inputs[0]).size])];
});
cpuBackend.register("Rank", () => (inputs) => [intArray("int32", [], [arr(inputs[0]).rank])]);

cpuBackend.register("BroadcastTo", () => (inputs) => {
  const x = arr(inputs[0]);
  const target = vectorInts(arr(inputs[1]), "shape");
  target.forEach((d, i) => {
    if (d < 0) throw new InvalidArgumentError(`shape[${i}] must be non-negative, got ${d}`);
  });
  const off = target.length - x.rank;
  if (off < 0 || x.shape.some((d, i) => d !== 1 && d !== target[i + off])) {
    throw new InvalidArgumentError(
      `Unable to broadcast tensor of shape ${shapeString(x.shape)} to tensor of shape ${shapeString(target)}`,
    );
  }
  if (off === 0 && x.shape.every((d, i) => d === target[i])) return [x];
  const inStrides = x.strides;
  const strides = target.map((d, j) =>
    j < off || x.shape[j - off] !== d ? 0 : inStrides[j - off],
  );
  return [stridedCopy(x, target, strides)];
});

/** numpy broadcast of two concrete shapes, as an InvalidArgumentError when they do not broadcast. */
function broadcastOrThrow(a: readonly number[], b: readonly number[]): number[] {
  const out = broadcastShapes(a, b);
  if (!out)
    throw new InvalidArgumentError(`Incompatible shapes: ${shapeString(a)} vs. ${shapeString(b)}`);
  return out;
}

cpuBackend.register("BroadcastArgs", (node) => {
  const dtype = node.outputDtypes[0];
  return (inputs) => {
    const out = broadcastOrThrow(
      vectorInts(arr(inputs[0]), "s0"),
      vectorInts(arr(inputs[1]), "s1"),
    );
    return [intArray(dtype, [out.length], out)];
  };
});
