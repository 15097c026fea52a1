// Sparse tensors: the SparseTensor value and placeholder, and the sparse ops: TypeScript kernels.
// Structural ops here (to dense, matmul, reorder, reshape, slice, split, concat, fill empty rows);
// arithmetic and reductions in sparse_math.ts.

import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, stridesOf } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  checkBounds,
  compareEntries,
  denseSize,
  indicesArray,
  ints,
  readSparse,
  shapeArray,
  sortOrder,
  take,
} from "./sparse_util.js";
import "./sparse_math.js";
import "./sparse_serialize.js";

/** SparseToDense: indices [N, R] (or [N] for R = 1, or a scalar), values [N] or a scalar. */
cpuBackend.register("SparseToDense", (node) => {
  const validate = node.attrs.validate_indices as boolean;
  return (inputs) => {
    const [indices, outShape, values, def] = inputs.map(arr);
    const op = "SparseToDense";
    if (outShape.rank > 1)
      throw new InvalidArgumentError(
        `${op}: output_shape must be rank 0 or 1, got ${shapeString(outShape.shape)}`,
      );
    const shape = ints(outShape);
    const rank = shape.length;
    if (indices.rank > 2)
      throw new InvalidArgumentError(
        `${op}: sparse_indices must be rank <= 2, got ${shapeString(indices.shape)}`,
      );
    const n = indices.rank === 0 ? 1 : indices.shape[0];
    const r = indices.rank === 2 ? indices.shape[1] : 1;
    if (r !== rank)
      throw new InvalidArgumentError(
        `${op}: sparse_indices has ${r} columns, output_shape has ${rank} dims`,
      );
    if (values.rank > 1 || (values.rank === 1 && values.shape[0] !== n))
      throw new InvalidArgumentError(
        `${op}: sparse_values must be a scalar or a vector of ${n} elements, got ${shapeString(values.shape)}`,
      );
    if (def.size !== 1)
      throw new InvalidArgumentError(
        `${op}: default_value must be a scalar, got ${shapeString(def.shape)}`,
      );
    const size = denseSize(op, shape);
    const idx = ints(indices);
    const sp = { idx, n, rank, values, shape };
    checkBounds(op, sp);
    if (validate) {
      for (let i = 1; i < n; i++) {
        const c = compareEntries(idx, i - 1, idx, i, rank);
        if (c >= 0)
          throw new InvalidArgumentError(
            `${op}: indices[${i}] = [${idx.slice(i * rank, (i + 1) * rank)}] is ${c === 0 ? "repeated" : "out of order"}`,
          );
      }
    }
    const out = allocData(values.dtype, size) as unknown[];
    for (let k = 0; k < size; k++) out[k] = def.data[0];
    const st = stridesOf(shape);
    for (let i = 0; i < n; i++) {
      let at = 0;
      for (let d = 0; d < rank; d++) at += idx[i * rank + d] * st[d];
      out[at] = values.data[values.rank === 0 ? 0 : i];
    }
    return [new NDArray(values.dtype, shape, out as never)];
  };
});

/** SparseTensorDenseMatMul: op(A) @ op(B) with A sparse [N, 2] entries, B dense. */
cpuBackend.register("SparseTensorDenseMatMul", (node) => {
  const adjA = node.attrs.adjoint_a as boolean;
  const adjB = node.attrs.adjoint_b as boolean;
  return (inputs) => {
    const op = "SparseTensorDenseMatMul";
    const [ai, av, as, b] = inputs.map(arr);
    const a = readSparse(op, ai, av, as, "a_");
    if (a.rank !== 2)
      throw new InvalidArgumentError(`${op}: a must be a matrix, got dense shape [${a.shape}]`);
    if (b.rank !== 2)
      throw new InvalidArgumentError(`${op}: b must be a matrix, got ${shapeString(b.shape)}`);
    checkBounds(op, a);
    const [ar, ac] = adjA ? [a.shape[1], a.shape[0]] : a.shape;
    const [br, bc] = adjB ? [b.shape[1], b.shape[0]] : b.shape;
    if (ac !== br)
      throw new InvalidArgumentError(
        `${op}: cannot multiply A and B because inner dimension does not match: ${ac} vs. ${br}. Did you forget a transpose? Dimensions of A: [${a.shape}). Dimensions of B: ${shapeString(b.shape)}`,
      );
    const out = allocData(b.dtype, denseSize(op, [ar, bc]));
    const bd = b.data as ArrayLike<number>;
    const o = out as Float32Array;
    for (let k = 0; k < a.n; k++) {
      let i = a.idx[2 * k];
      let j = a.idx[2 * k + 1];
      if (adjA) [i, j] = [j, i];
      const v = Number(av.data[k]);
      for (let c = 0; c < bc; c++)
        o[i * bc + c] += v * (adjB ? bd[c * b.shape[1] + j] : bd[j * bc + c]);
    }
    return [new NDArray(b.dtype, [ar, bc], out)];
  };
});

/** SparseReorder: entries in row-major order (stable for equal indices). */
cpuBackend.register("SparseReorder", () => (inputs) => {
  const [i, v, s] = inputs.map(arr);
  const sp = readSparse("SparseReorder", i, v, s);
  const perm = sortOrder(sp.idx, sp.n, sp.rank);
  const idx = perm.flatMap((p) => sp.idx.slice(p * sp.rank, (p + 1) * sp.rank));
  return [indicesArray(idx, sp.n, sp.rank), take(v, perm)];
});

/** SparseReshape: the same entries under a new dense shape (one dim may be -1). */
cpuBackend.register("SparseReshape", () => (inputs) => {
  const op = "SparseReshape";
  const [indices, inShape, newShape] = inputs.map(arr);
  const shape = ints(inShape);
  if (indices.rank !== 2 || indices.shape[1] !== shape.length)
    throw new InvalidArgumentError(
      `${op}: input_indices must be [N, ${shape.length}], got ${shapeString(indices.shape)}`,
    );
  const n = indices.shape[0];
  const target = ints(newShape);
  const total = shape.reduce((a, b) => a * b, 1);
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1)
    throw new InvalidArgumentError(
      `${op}: only one output dimension may be -1, not both in [${target}]`,
    );
  const known = target.reduce((a, d) => (d === -1 ? a : a * d), 1);
  for (const d of target)
    if (d < -1) throw new InvalidArgumentError(`${op}: size ${d} must be non-negative, not ${d}`);
  const out = target.map((d) => {
    if (d !== -1) return d;
    if (known === 0 || total % known !== 0)
      throw new InvalidArgumentError(
        `${op}: input to reshape is a SparseTensor with ${total} dense values, but the requested shape requires a multiple of ${known}`,
      );
    return total / known;
  });
  if (out.reduce((a, b) => a * b, 1) !== total)
    throw new InvalidArgumentError(
      `${op}: input to reshape is a tensor with ${total} dense values, but the requested shape has ${out.reduce((a, b) => a * b, 1)}. inputShape=[${shape}] outputShape=[${out}]`,
    );
  const idx = ints(indices);
  const inSt = stridesOf(shape);
  const outSt = stridesOf(out);
  const res = new Array<number>(n * out.length);
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let d = 0; d < shape.length; d++) flat += idx[i * shape.length + d] * inSt[d];
    for (let d = 0; d < out.length; d++) {
      res[i * out.length + d] = Math.floor(flat / outSt[d]);
      flat %= outSt[d];
    }
  }
  return [indicesArray(res, n, out.length), shapeArray(out)];
});

/** The entries inside [start, start + size), shifted to start at 0. */
function sliceEntries(sp: ReturnType<typeof readSparse>, start: number[], size: number[]) {
  const outShape = sp.shape.map((d, k) => Math.max(0, Math.min(start[k] + size[k], d) - start[k]));
  const kept: number[] = [];
  const idx: number[] = [];
  for (let i = 0; i < sp.n; i++) {
    let inside = true;
    for (let d = 0; d < sp.rank && inside; d++) {
      const v = sp.idx[i * sp.rank + d];
      inside = v >= start[d] && v < start[d] + size[d];
    }
    if (!inside) continue;
    kept.push(i);
    for (let d = 0; d < sp.rank; d++) idx.push(sp.idx[i * sp.rank + d] - start[d]);
  }
  return { kept, idx, outShape };
}

cpuBackend.register("SparseSlice", () => (inputs) => {
  const op = "SparseSlice";
  const [i, v, s, st, sz] = inputs.map(arr);
  const sp = readSparse(op, i, v, s);
  const start = ints(st);
  const size = ints(sz);
  if (start.length !== sp.rank || size.length !== sp.rank)
    throw new InvalidArgumentError(
      `${op}: start and size must have ${sp.rank} elements (the rank), got ${start.length} and ${size.length}`,
    );
  if (start.some((x) => x < 0) || size.some((x) => x < 0))
    throw new InvalidArgumentError(
      `${op}: start [${start}] and size [${size}] must be non-negative`,
    );
  const { kept, idx, outShape } = sliceEntries(sp, start, size);
  return [indicesArray(idx, kept.length, sp.rank), take(v, kept), shapeArray(outShape)];
});

/** SparseSplit: num_split pieces along split_dim; the first (size % num_split) get one more. */
cpuBackend.register("SparseSplit", (node) => {
  const num = node.attrs.num_split as number;
  return (inputs) => {
    const op = "SparseSplit";
    const [dimArr, i, v, s] = inputs.map(arr);
    const sp = readSparse(op, i, v, s);
    let dim = Number(dimArr.data[0]);
    if (dim < -sp.rank || dim >= sp.rank)
      throw new InvalidArgumentError(
        `${op}: split_dim ${dim} is out of range for a tensor of rank ${sp.rank}`,
      );
    if (dim < 0) dim += sp.rank;
    const total = sp.shape[dim];
    if (num < 1 || num > Math.max(total, 1))
      throw new InvalidArgumentError(
        `${op}: num_split must be in the range [1, ${total}], got ${num}`,
      );
    const base = Math.floor(total / num);
    const extra = total % num;
    const idxs: NDArray[] = [];
    const vals: NDArray[] = [];
    const shapes: NDArray[] = [];
    let start = 0;
    for (let k = 0; k < num; k++) {
      const len = base + (k < extra ? 1 : 0);
      const st = sp.shape.map((_, d) => (d === dim ? start : 0));
      const sz = sp.shape.map((x, d) => (d === dim ? len : x));
      const r = sliceEntries(sp, st, sz);
      idxs.push(indicesArray(r.idx, r.kept.length, sp.rank));
      vals.push(take(v, r.kept));
      shapes.push(shapeArray(r.outShape));
      start += len;
    }
    return [...idxs, ...vals, ...shapes];
  };
});

/** SparseConcat: entries shifted along concat_dim, then in row-major order. */
cpuBackend.register("SparseConcat", (node) => {
  const count = node.attrs.N as number;
  const concatDim = node.attrs.concat_dim as number;
  return (inputs) => {
    const op = "SparseConcat";
    const xs = inputs.map(arr);
    const sps = Array.from({ length: count }, (_, k) =>
      readSparse(op, xs[k], xs[count + k], xs[2 * count + k], `inputs[${k}] `),
    );
    const rank = sps[0].rank;
    const dim = concatDim < 0 ? concatDim + rank : concatDim;
    if (dim < 0 || dim >= rank)
      throw new InvalidArgumentError(
        `${op}: concat_dim ${concatDim} is out of range for rank ${rank}`,
      );
    const outShape = [...sps[0].shape];
    outShape[dim] = 0;
    const idx: number[] = [];
    const source: [number, number][] = [];
    for (const [k, sp] of sps.entries()) {
      if (sp.rank !== rank || sp.shape.some((d, j) => j !== dim && d !== sps[0].shape[j]))
        throw new InvalidArgumentError(
          `${op}: input ${k} has shape [${sp.shape}], which does not match input 0's [${sps[0].shape}] outside dimension ${dim}`,
        );
      for (let i = 0; i < sp.n; i++) {
        for (let d = 0; d < rank; d++)
          idx.push(sp.idx[i * rank + d] + (d === dim ? outShape[dim] : 0));
        source.push([k, i]);
      }
      outShape[dim] += sp.shape[dim];
    }
    const perm = sortOrder(idx, source.length, rank);
    const dtype = sps[0].values.dtype;
    const vals = allocData(dtype, perm.length) as unknown[];
    perm.forEach((p, j) => {
      const [k, i] = source[p];
      vals[j] = sps[k].values.data[i];
    });
    return [
      indicesArray(
        perm.flatMap((p) => idx.slice(p * rank, (p + 1) * rank)),
        perm.length,
        rank,
      ),
      new NDArray(dtype, [perm.length], vals as never),
      shapeArray(outShape),
    ];
  };
});

/**
 * SparseFillEmptyRows: rows (dim 0) with no entry get one at [row, 0, ...] holding the default
 * value. Outputs are in row order (entries of a row in input order).
 */
cpuBackend.register("SparseFillEmptyRows", () => (inputs) => {
  const op = "SparseFillEmptyRows";
  const [i, v, s, def] = inputs.map(arr);
  const sp = readSparse(op, i, v, s);
  if (def.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: default_value must be a scalar, got ${shapeString(def.shape)}`,
    );
  if (sp.rank < 1)
    throw new InvalidArgumentError(`${op}: dense_shape must have at least one dimension`);
  const rows = sp.shape[0];
  denseSize(op, [rows]);
  const byRow: number[][] = Array.from({ length: rows }, () => []);
  for (let k = 0; k < sp.n; k++) {
    const r = sp.idx[k * sp.rank];
    if (r < 0 || r >= rows)
      throw new InvalidArgumentError(`${op}: indices(${k}, 0) is invalid: ${r} >= ${rows}`);
    byRow[r].push(k);
  }
  const idx: number[] = [];
  const src: number[] = []; // input entry, or -1 for a filled default
  const empty = new Uint8Array(rows);
  const reverse = new BigInt64Array(sp.n);
  for (let r = 0; r < rows; r++) {
    if (byRow[r].length === 0) {
      empty[r] = 1;
      idx.push(r, ...new Array<number>(sp.rank - 1).fill(0));
      src.push(-1);
      continue;
    }
    for (const k of byRow[r]) {
      reverse[k] = BigInt(src.length);
      idx.push(...sp.idx.slice(k * sp.rank, (k + 1) * sp.rank));
      src.push(k);
    }
  }
  const vals = allocData(v.dtype, src.length) as unknown[];
  src.forEach((k, j) => {
    vals[j] = k < 0 ? def.data[0] : v.data[k];
  });
  return [
    indicesArray(idx, src.length, sp.rank),
    new NDArray(v.dtype, [src.length], vals as never),
    new NDArray("bool", [rows], empty),
    new NDArray("int64", [sp.n], reverse),
  ];
});

/** d_values = grad[reverse_index_map]; d_default_value = the sum of the rest of grad. */
cpuBackend.register("SparseFillEmptyRowsGrad", () => (inputs) => {
  const [map, grad] = inputs.map(arr);
  const m = ints(map);
  const used = new Uint8Array(grad.size);
  const d = allocData(grad.dtype, m.length) as Float32Array;
  m.forEach((j, k) => {
    if (j < 0 || j >= grad.size)
      throw new InvalidArgumentError(
        `SparseFillEmptyRowsGrad: reverse_index_map[${k}] = ${j} is out of range [0, ${grad.size})`,
      );
    d[k] = Number(grad.data[j]);
    used[j] = 1;
  });
  let rest = 0;
  for (let j = 0; j < grad.size; j++) if (!used[j]) rest += Number(grad.data[j]);
  const dd = allocData(grad.dtype, 1) as Float32Array;
  dd[0] = rest;
  return [new NDArray(grad.dtype, [m.length], d), new NDArray(grad.dtype as DType, [], dd)];
});

/** val_grad[i] = the gradient of the output entry that input entry i became, else 0. */
cpuBackend.register("SparseSliceGrad", () => (inputs) => {
  const [grad, inIdx, start, outIdx] = inputs.map(arr);
  const rank = inIdx.shape[1] ?? 0;
  const a = ints(inIdx);
  const st = ints(start);
  const b = ints(outIdx);
  const nIn = inIdx.shape[0];
  const nOut = outIdx.shape[0];
  const out = allocData(grad.dtype, nIn) as Float32Array;
  // Both lists are in the same relative order (a slice keeps order), so one merge pass suffices.
  let j = 0;
  for (let i = 0; i < nIn && j < nOut; i++) {
    let same = true;
    for (let d = 0; d < rank && same; d++) same = a[i * rank + d] - st[d] === b[j * rank + d];
    if (same) out[i] = Number(grad.data[j++]);
  }
  if (j !== nOut)
    throw new InvalidArgumentError(
      `SparseSliceGrad: ${nOut - j} output entries were not found among the input's`,
    );
  return [new NDArray(grad.dtype, [nIn], out)];
});
