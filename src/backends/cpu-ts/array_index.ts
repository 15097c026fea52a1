// Kernels of the array_index op family: slicing, gathering, selection, ranges, one-hot, reversal.
import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import {
  checkAxes,
  intValues,
  planStridedSlice,
  rangeSize,
  stridedSliceMasks,
} from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import {
  broadcastShapes,
  shapeSize,
  shapeString,
  stridesOf,
} from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { broadcastStrides } from "./elementwise.js";
import { cpuBackend } from "./index.js";

// ---------------------------------------------------------------------------------------------
// Shared helpers (also used by the shape functions in src/ops/array_index.ts: they are pure).

/** Element storage viewed as a plain indexable list (typed arrays and string[] alike). */
type Elems = { [i: number]: unknown; length: number };

/** Copies n elements src[from..] to dst[to..]; a block copy for typed arrays. */
function copyRun(src: TypedData, from: number, dst: TypedData, to: number, n: number): void {
  if (Array.isArray(src)) {
    for (let k = 0; k < n; k++) (dst as string[])[to + k] = src[from + k];
  } else {
    (dst as Float32Array).set((src as Float32Array).subarray(from, from + n), to);
  }
}

/**
 * out[k0,...] = x[begin0 + k0*step0, ...] for k < size in every dim: the work of Slice,
 * StridedSlice and ReverseV2. `begin`/`step`/`size` have one entry per dim of x.
 */
export function stridedCopy(
  x: NDArray,
  begin: readonly number[],
  step: readonly number[],
  size: readonly number[],
): TypedData {
  const total = shapeSize(size);
  const out = allocData(x.dtype, total);
  if (total === 0) return out;
  const rank = size.length;
  const src = x.data as unknown as Elems;
  const dst = out as unknown as Elems;
  if (rank === 0) {
    dst[0] = src[0];
    return out;
  }
  const inStrides = stridesOf(x.shape);
  const jump = inStrides.map((s, d) => s * step[d]);
  let off = 0;
  for (let d = 0; d < rank; d++) off += begin[d] * inStrides[d];
  const last = rank - 1;
  const n = size[last];
  const inner = jump[last];
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; ) {
    if (inner === 1) copyRun(x.data, off, out, o, n);
    else for (let k = 0; k < n; k++) dst[o + k] = src[off + k * inner];
    o += n;
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      off += jump[d];
      if (idx[d] < size[d]) break;
      off -= jump[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** "[1,0]" for flat element `flat` of an array of `shape` (TF's SliceDebugString; "" for scalars). */
function indexString(shape: readonly number[], flat: number): string {
  if (shape.length === 0) return "";
  const parts = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    parts[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return `[${parts.join(",")}]`;
}

function scalarOf(a: NDArray, what: string): number {
  if (a.rank !== 0)
    throw new InvalidArgumentError(`${what} must be a scalar, not shape ${shapeString(a.shape)}`);
  return Number(a.data[0]);
}

function vectorOf(a: NDArray, what: string): number[] {
  if (a.rank !== 1)
    throw new InvalidArgumentError(`${what} must be a vector, not shape ${shapeString(a.shape)}`);
  return intValues(a);
}

/** Whether each element is "true": non-zero numbers, true booleans. */
function truthy(a: NDArray): Uint8Array {
  if (a.dtype === "bool") return a.data as Uint8Array;
  const out = new Uint8Array(a.size);
  const d = a.data as ArrayLike<number | bigint>;
  for (let i = 0; i < out.length; i++) out[i] = d[i] ? 1 : 0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Slice, StridedSlice, ReverseV2

cpuBackend.register("Slice", () => (inputs) => {
  const x = arr(inputs[0]);
  const begin = vectorOf(arr(inputs[1]), "begin");
  const size = vectorOf(arr(inputs[2]), "size");
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new InvalidArgumentError(
      `Expected begin and size arguments to be 1-D tensors of size ${x.rank}, but got shapes [${begin.length}] and [${size.length}] instead.`,
    );
  }
  const sizes = new Array<number>(x.rank);
  for (let i = 0; i < x.rank; i++) {
    const dim = x.shape[i];
    const b = begin[i];
    if (b < 0 || b > dim)
      throw new InvalidArgumentError(`Expected begin[${i}] in [0, ${dim}], but got ${b}`);
    const s = size[i] === -1 ? dim - b : size[i];
    if (s < 0 || b + s > dim) {
      throw new InvalidArgumentError(`Expected size[${i}] in [0, ${dim - b}], but got ${size[i]}`);
    }
    sizes[i] = s;
  }
  if (sizes.every((s, i) => s === x.shape[i])) return [x];
  const ones = new Array<number>(x.rank).fill(1);
  return [new NDArray(x.dtype, sizes, stridedCopy(x, begin, ones, sizes))];
});

cpuBackend.register("StridedSlice", (node) => {
  const masks = stridedSliceMasks(node.attrs);
  return (inputs) => {
    const x = arr(inputs[0]);
    const begin = vectorOf(arr(inputs[1]), "begin");
    const end = vectorOf(arr(inputs[2]), "end");
    const strides = vectorOf(arr(inputs[3]), "strides");
    if (begin.length !== end.length || begin.length !== strides.length) {
      throw new InvalidArgumentError(
        `Expected begin, end, and strides to be 1D equal size tensors, but got shapes [${begin.length}], [${end.length}], and [${strides.length}] instead.`,
      );
    }
    const plan = planStridedSlice(x.shape, begin.length, begin, end, strides, masks);
    const sizes = plan.sizes as number[];
    const finalShape = plan.finalShape as number[];
    const identity = sizes.every((s, i) => s === x.shape[i] && plan.strides[i] === 1);
    if (identity) return [x.reshape(finalShape)];
    return [new NDArray(x.dtype, finalShape, stridedCopy(x, plan.begin, plan.strides, sizes))];
  };
});

cpuBackend.register("ReverseV2", () => (inputs) => {
  const x = arr(inputs[0]);
  const axes = checkAxes(vectorOf(arr(inputs[1]), "axis"), x.rank);
  if (axes.every((a) => x.shape[a] <= 1)) return [x];
  const begin = new Array<number>(x.rank).fill(0);
  const step = new Array<number>(x.rank).fill(1);
  for (const a of axes) {
    begin[a] = x.shape[a] - 1;
    step[a] = -1;
  }
  return [new NDArray(x.dtype, x.shape, stridedCopy(x, begin, step, x.shape))];
});

// ---------------------------------------------------------------------------------------------
// Gather, GatherV2, GatherNd

/**
 * params gathered along `axis` by `indices`, the first `batchDims` dims of both being batch dims:
 * output shape params[:axis] + indices[batchDims:] + params[axis+1:].
 */
function gather(params: NDArray, indices: NDArray, axis: number, batchDims: number): NDArray {
  const ps = params.shape;
  const is = indices.shape;
  for (let d = 0; d < batchDims; d++) {
    if (ps[d] !== is[d]) {
      throw new InvalidArgumentError(
        `params.shape[${d}]: ${ps[d]} should be equal to indices.shape[${d}]: ${is[d]}`,
      );
    }
  }
  const batch = shapeSize(ps.slice(0, batchDims));
  const outer = shapeSize(ps.slice(batchDims, axis));
  const limit = ps[axis];
  const inner = shapeSize(ps.slice(axis + 1));
  const perBatch = shapeSize(is.slice(batchDims));
  const outShape = [...ps.slice(0, axis), ...is.slice(batchDims), ...ps.slice(axis + 1)];
  const idx = intValues(indices);
  for (let j = 0; j < idx.length; j++) {
    if (idx[j] < 0 || idx[j] >= limit) {
      throw new InvalidArgumentError(
        `indices${indexString(is, j)} = ${idx[j]} is not in [0, ${limit})`,
      );
    }
  }
  const out = allocData(params.dtype, shapeSize(outShape));
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outer; r++) {
      const base = (b * outer + r) * limit;
      for (let j = 0; j < perBatch; j++) {
        copyRun(params.data, (base + idx[b * perBatch + j]) * inner, out, o, inner);
        o += inner;
      }
    }
  }
  return new NDArray(params.dtype, outShape, out);
}

cpuBackend.register("Gather", () => (inputs) => {
  const params = arr(inputs[0]);
  if (params.rank < 1) throw new InvalidArgumentError("params must be at least 1 dimensional");
  return [gather(params, arr(inputs[1]), 0, 0)];
});

cpuBackend.register("GatherV2", (node) => {
  const batchAttr = node.attrs.batch_dims as number;
  return (inputs) => {
    const params = arr(inputs[0]);
    const indices = arr(inputs[1]);
    const axisArg = arr(inputs[2]);
    if (axisArg.size !== 1) {
      throw new InvalidArgumentError(
        `axis must be a scalar, not shape ${shapeString(axisArg.shape)}`,
      );
    }
    const a = Number(axisArg.data[0]);
    const rank = params.rank;
    if (a < -rank || a >= rank) {
      throw new InvalidArgumentError(
        `Expected axis in the range [${-rank}, ${rank}), but got ${a}`,
      );
    }
    const axis = a < 0 ? a + rank : a;
    const batchDims = batchAttr < 0 ? batchAttr + indices.rank : batchAttr;
    if (batchDims < 0 || batchDims > indices.rank) {
      throw new InvalidArgumentError(
        `batch_dims ${batchAttr} is out of range for indices of rank ${indices.rank}`,
      );
    }
    if (batchDims > axis) {
      throw new InvalidArgumentError(
        `batch_dims (${batchDims}) must be less than or equal to axis (${axis}).`,
      );
    }
    return [gather(params, indices, axis, batchDims)];
  };
});

cpuBackend.register("GatherNd", () => (inputs) => {
  const params = arr(inputs[0]);
  const indices = arr(inputs[1]);
  if (indices.rank < 1) throw new InvalidArgumentError("indices must be at least a vector");
  const k = indices.shape[indices.rank - 1];
  if (k > params.rank) {
    throw new InvalidArgumentError(
      `index innermost dimension length must be <= params rank; saw: ${k} vs. ${params.rank}`,
    );
  }
  const batchShape = indices.shape.slice(0, -1);
  const n = shapeSize(batchShape);
  const sliceShape = params.shape.slice(k);
  const inner = shapeSize(sliceShape);
  const pStrides = stridesOf(params.shape);
  const idx = intValues(indices);
  const out = allocData(params.dtype, n * inner);
  for (let i = 0; i < n; i++) {
    let from = 0;
    for (let d = 0; d < k; d++) {
      const v = idx[i * k + d];
      if (v < 0 || v >= params.shape[d]) {
        throw new InvalidArgumentError(
          `indices${indexString(batchShape, i)} = [${idx.slice(i * k, i * k + k).join(", ")}] does not index into param shape ${shapeString(params.shape)}`,
        );
      }
      from += v * pStrides[d];
    }
    copyRun(params.data, from, out, i * inner, inner);
  }
  return [new NDArray(params.dtype, [...batchShape, ...sliceShape], out)];
});

// ---------------------------------------------------------------------------------------------
// Range

cpuBackend.register("Range", (node) => {
  const dtype = node.attrs.Tidx as DType;
  return (inputs) => {
    const [s, l, d] = inputs.map(arr);
    if (dtype === "int64") {
      const start = bigScalar(s, "start");
      const limit = bigScalar(l, "limit");
      const delta = bigScalar(d, "delta");
      const n = rangeSize(Number(start), Number(limit), Number(delta), true);
      const out = allocData("int64", n);
      for (let i = 0; i < n; i++) out[i] = start + BigInt(i) * delta;
      return [new NDArray("int64", [n], out)];
    }
    const start = scalarOf(s, "start");
    const limit = scalarOf(l, "limit");
    const delta = scalarOf(d, "delta");
    const n = rangeSize(start, limit, delta, dtype === "int32", dtype === "float32");
    const out = allocData(dtype, n) as Float32Array;
    // TensorFlow accumulates in the output type: v = start; v += delta ...
    let v = start;
    for (let i = 0; i < n; i++) {
      out[i] = v;
      v = dtype === "float32" ? Math.fround(v + delta) : v + delta;
    }
    return [new NDArray(dtype, [n], out)];
  };
});

function bigScalar(a: NDArray, what: string): bigint {
  if (a.rank !== 0)
    throw new InvalidArgumentError(`${what} must be a scalar, not shape ${shapeString(a.shape)}`);
  return (a.data as BigInt64Array)[0];
}

// ---------------------------------------------------------------------------------------------
// Select, SelectV2, Where

cpuBackend.register("Select", () => (inputs) => {
  const cond = arr(inputs[0]);
  const t = arr(inputs[1]);
  const e = arr(inputs[2]);
  if (shapeString(t.shape) !== shapeString(e.shape)) {
    throw new InvalidArgumentError(
      `'then' and 'else' must have the same size.  but received: ${shapeString(t.shape)} vs. ${shapeString(e.shape)}`,
    );
  }
  const c = cond.data as Uint8Array;
  if (cond.rank === 0) return [c[0] ? t : e];
  const out = allocData(t.dtype, t.size);
  const td = t.data as unknown as Elems;
  const ed = e.data as unknown as Elems;
  const od = out as unknown as Elems;
  if (shapeString(cond.shape) === shapeString(t.shape)) {
    for (let i = 0; i < out.length; i++) od[i] = c[i] ? td[i] : ed[i];
  } else if (cond.rank === 1 && t.rank >= 1) {
    // A vector condition picks whole rows of 'then' or 'else'.
    if (cond.size !== t.shape[0]) {
      throw new InvalidArgumentError(
        `Number of batches of 'then' must match size of 'cond', but saw: ${t.shape[0]} vs. ${cond.size}`,
      );
    }
    const row = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
    for (let r = 0; r < cond.size; r++) copyRun(c[r] ? t.data : e.data, r * row, out, r * row, row);
  } else {
    throw new InvalidArgumentError(
      `'then' and 'cond' must have the same size.  but received: ${shapeString(t.shape)} vs. ${shapeString(cond.shape)}`,
    );
  }
  return [new NDArray(t.dtype, t.shape, out)];
});

cpuBackend.register("SelectV2", () => (inputs) => {
  const cond = arr(inputs[0]);
  const t = arr(inputs[1]);
  const e = arr(inputs[2]);
  const te = broadcastShapes(t.shape, e.shape);
  const shape = te && broadcastShapes(cond.shape, te);
  if (!shape) {
    throw new InvalidArgumentError(
      `condition ${shapeString(cond.shape)}, then ${shapeString(t.shape)}, and else ${shapeString(e.shape)} must be broadcastable`,
    );
  }
  const size = shapeSize(shape);
  const out = allocData(t.dtype, size);
  const c = cond.data as Uint8Array;
  const td = t.data as unknown as Elems;
  const ed = e.data as unknown as Elems;
  const od = out as unknown as Elems;
  const rank = shape.length;
  if (size === 0) return [new NDArray(t.dtype, shape, out)];
  if (rank === 0) {
    od[0] = c[0] ? td[0] : ed[0];
    return [new NDArray(t.dtype, shape, out)];
  }
  const sc = broadcastStrides(cond.shape, shape);
  const st = broadcastStrides(t.shape, shape);
  const se = broadcastStrides(e.shape, shape);
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  let ic = 0;
  let it = 0;
  let ie = 0;
  for (let o = 0; o < size; ) {
    for (let k = 0; k < shape[last]; k++) {
      od[o++] = c[ic + k * sc[last]] ? td[it + k * st[last]] : ed[ie + k * se[last]];
    }
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      ic += sc[d];
      it += st[d];
      ie += se[d];
      if (idx[d] < shape[d]) break;
      ic -= sc[d] * idx[d];
      it -= st[d] * idx[d];
      ie -= se[d] * idx[d];
      idx[d] = 0;
    }
  }
  return [new NDArray(t.dtype, shape, out)];
});

cpuBackend.register("Where", () => (inputs) => {
  const x = arr(inputs[0]);
  const on = truthy(x);
  let count = 0;
  for (let i = 0; i < on.length; i++) count += on[i];
  const rank = x.rank;
  const out = new BigInt64Array(count * rank);
  const coord = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < on.length; i++) {
    if (on[i]) for (let d = 0; d < rank; d++) out[o++] = BigInt(coord[d]);
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d] < x.shape[d]) break;
      coord[d] = 0;
    }
  }
  return [new NDArray("int64", [count, rank], out)];
});

// ---------------------------------------------------------------------------------------------
// OneHot, InvertPermutation, Unique

cpuBackend.register("OneHot", (node) => {
  const axisAttr = node.attrs.axis as number;
  return (inputs) => {
    const indices = arr(inputs[0]);
    const depth = scalarOf(arr(inputs[1]), "depth");
    const onV = arr(inputs[2]);
    const offV = arr(inputs[3]);
    if (onV.rank !== 0)
      throw new InvalidArgumentError(
        `on_value must be a scalar, but got: ${shapeString(onV.shape)}`,
      );
    if (offV.rank !== 0)
      throw new InvalidArgumentError(
        `off_value must be a scalar, but got: ${shapeString(offV.shape)}`,
      );
    if (depth < 0) throw new InvalidArgumentError(`depth must be non-negative, got: ${depth}`);
    const rank = indices.rank;
    if (axisAttr < -1 || axisAttr > rank) {
      throw new InvalidArgumentError(
        `Expected axis to be -1 or between [0, ${rank}).  But received: ${axisAttr}`,
      );
    }
    const axis = axisAttr === -1 ? rank : axisAttr;
    const prefix = shapeSize(indices.shape.slice(0, axis));
    const suffix = shapeSize(indices.shape.slice(axis));
    const outShape = [...indices.shape.slice(0, axis), depth, ...indices.shape.slice(axis)];
    const out = allocData(onV.dtype, prefix * depth * suffix, outShape);
    const od = out as unknown as Elems;
    const on = onV.data[0];
    const off = offV.data[0];
    for (let i = 0; i < od.length; i++) od[i] = off;
    const idx = intValues(indices);
    // Out-of-range indices (negative included) leave their row all off, as TensorFlow does.
    for (let p = 0; p < prefix; p++) {
      for (let s = 0; s < suffix; s++) {
        const v = idx[p * suffix + s];
        if (v >= 0 && v < depth) od[(p * depth + v) * suffix + s] = on;
      }
    }
    return [new NDArray(onV.dtype, outShape, out)];
  };
});

cpuBackend.register("InvertPermutation", () => (inputs) => {
  const x = arr(inputs[0]);
  const perm = vectorOf(x, "invert_permutation expects a 1D vector; x");
  const n = perm.length;
  const y = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const d = perm[i];
    if (d < 0 || d >= n) throw new InvalidArgumentError(`${d} is not between 0 and ${n}`);
    if (y[d] !== -1) throw new InvalidArgumentError(`${d} is duplicated in the input.`);
    y[d] = i;
  }
  return [NDArray.from(y, x.dtype)];
});

cpuBackend.register("Unique", (node) => {
  const idxType = node.attrs.out_idx as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank !== 1)
      throw new InvalidArgumentError(
        `unique expects a 1D vector, not shape ${shapeString(x.shape)}`,
      );
    const src = x.data as unknown as Elems;
    const first = new Map<unknown, number>();
    const keep: number[] = [];
    const idx = new Array<number>(x.size);
    for (let i = 0; i < x.size; i++) {
      const v = src[i];
      let k = first.get(v);
      if (k === undefined) {
        k = keep.length;
        first.set(v, k);
        keep.push(i);
      }
      idx[i] = k;
    }
    const y = allocData(x.dtype, keep.length) as unknown as Elems;
    keep.forEach((from, k) => {
      y[k] = src[from];
    });
    return [
      new NDArray(x.dtype, [keep.length], y as unknown as TypedData),
      NDArray.from(idx, idxType),
    ];
  };
});
