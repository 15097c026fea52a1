// Sparse arithmetic and reductions: SparseAdd (+ its gradient op), SparseTensorDenseAdd,
// SparseDenseCwise{Add,Mul,Div}, SparseReduce{Sum,Max}[Sparse], SparseSoftmax,
// SparseSparse{Maximum,Minimum}: TypeScript kernels.

import type { DType } from "../../framework/dtypes.js";
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
  type Sparse,
  shapeArray,
  valuesOf,
} from "./sparse_util.js";

const num = (a: NDArray, i: number): number => Number(a.data[i]);

function sameShape(op: string, a: Sparse, b: Sparse): void {
  if (a.shape.join() !== b.shape.join())
    throw new InvalidArgumentError(
      `${op}: operands' shapes do not match: got [${a.shape}] and [${b.shape}]`,
    );
}

/**
 * Merges two sparse tensors in row-major order (both must be ordered): for each index in either,
 * calls `emit(entry of a or -1, entry of b or -1)`.
 */
function merge(a: Sparse, b: Sparse, emit: (i: number, j: number) => void): void {
  let i = 0;
  let j = 0;
  while (i < a.n || j < b.n) {
    const c = i >= a.n ? 1 : j >= b.n ? -1 : compareEntries(a.idx, i, b.idx, j, a.rank);
    if (c < 0) emit(i++, -1);
    else if (c > 0) emit(-1, j++);
    else emit(i++, j++);
  }
}

function rowOf(sp: Sparse, i: number): number[] {
  return sp.idx.slice(i * sp.rank, (i + 1) * sp.rank);
}

/** SparseAdd: the sum of two sparse tensors; sums with |s| < thresh are dropped. */
cpuBackend.register("SparseAdd", () => (inputs) => {
  const op = "SparseAdd";
  const x = inputs.map(arr);
  const a = readSparse(op, x[0], x[1], x[2], "a_");
  const b = readSparse(op, x[3], x[4], x[5], "b_");
  sameShape(op, a, b);
  const thresh = num(x[6], 0);
  const idx: number[] = [];
  const vals: number[] = [];
  merge(a, b, (i, j) => {
    const s =
      i < 0 ? num(b.values, j) : j < 0 ? num(a.values, i) : num(a.values, i) + num(b.values, j);
    if (i >= 0 && j >= 0 && Math.abs(s) < thresh) return;
    idx.push(...(i >= 0 ? rowOf(a, i) : rowOf(b, j)));
    vals.push(s);
  });
  return [
    indicesArray(idx, vals.length, a.rank),
    valuesOf(a.values.dtype, vals),
    shapeArray(a.shape),
  ];
});

/** Routes the sum's value gradients back to the entries of a and b they came from. */
cpuBackend.register("SparseAddGrad", () => (inputs) => {
  const [grad, ai, bi, si] = inputs.map(arr);
  const rank = si.shape[1];
  const [a, b, s] = [ints(ai), ints(bi), ints(si)];
  const [na, nb, ns] = [ai.shape[0], bi.shape[0], si.shape[0]];
  const ga = new Array<number>(na).fill(0);
  const gb = new Array<number>(nb).fill(0);
  let i = 0;
  let j = 0;
  for (let k = 0; k < ns; k++) {
    while (i < na && compareEntries(a, i, s, k, rank) < 0) i++;
    while (j < nb && compareEntries(b, j, s, k, rank) < 0) j++;
    if (i < na && compareEntries(a, i, s, k, rank) === 0) ga[i++] = num(grad, k);
    if (j < nb && compareEntries(b, j, s, k, rank) === 0) gb[j++] = num(grad, k);
  }
  return [valuesOf(grad.dtype, ga), valuesOf(grad.dtype, gb)];
});

/** SparseTensorDenseAdd: dense b plus the sparse a (same shapes). */
cpuBackend.register("SparseTensorDenseAdd", () => (inputs) => {
  const op = "SparseTensorDenseAdd";
  const [ai, av, as, b] = inputs.map(arr);
  const a = readSparse(op, ai, av, as, "a_");
  if (a.shape.join() !== b.shape.join())
    throw new InvalidArgumentError(
      `${op}: dimension mismatch: a has dense shape [${a.shape}], b has ${shapeString(b.shape)}`,
    );
  checkBounds(op, a);
  const out = (b.data as Float32Array).slice();
  const st = stridesOf(a.shape);
  for (let k = 0; k < a.n; k++) {
    let at = 0;
    for (let d = 0; d < a.rank; d++) at += a.idx[k * a.rank + d] * st[d];
    if (b.dtype === "int64") (out as unknown as BigInt64Array)[at] += av.data[k] as bigint;
    else out[at] += Number(av.data[k]);
  }
  return [new NDArray(b.dtype, b.shape, out)];
});

/** Values of sp (op) dense, the dense side broadcast to sp's shape; one value per entry. */
function cwise(type: string, f: (x: number, y: number) => number): void {
  cpuBackend.register(type, () => (inputs) => {
    const [i, v, s, dense] = inputs.map(arr);
    const sp = readSparse(type, i, v, s, "sp_");
    const dr = dense.rank;
    const off = sp.rank - dr;
    if (off < 0 || dense.shape.some((d, k) => d !== 1 && d !== sp.shape[off + k]))
      throw new InvalidArgumentError(
        `${type}: Dense side with broadcasted shape ${shapeString(dense.shape)} does not match the sparse side's [${sp.shape}]`,
      );
    checkBounds(type, sp);
    const st = stridesOf(dense.shape);
    const out = new Array<number>(sp.n);
    for (let k = 0; k < sp.n; k++) {
      let at = 0;
      for (let d = 0; d < dr; d++)
        if (dense.shape[d] !== 1) at += sp.idx[k * sp.rank + off + d] * st[d];
      out[k] = f(num(v, k), num(dense, at));
    }
    return [valuesOf(v.dtype, out)];
  });
}
cwise("SparseDenseCwiseAdd", (x, y) => x + y);
cwise("SparseDenseCwiseMul", (x, y) => x * y);
cwise("SparseDenseCwiseDiv", (x, y) => x / y);

/** Groups a sparse tensor's entries by their index with the reduction axes dropped. */
function reduce(type: string, sparseOut: boolean, combine: (a: number, b: number) => number): void {
  cpuBackend.register(type, (node) => {
    const keepDims = node.attrs.keep_dims as boolean;
    return (inputs) => {
      const [i, v, s, ax] = inputs.map(arr);
      const sp = readSparse(type, i, v, s, "input_");
      checkBounds(type, sp);
      const reduced = new Set<number>();
      for (const a of ints(ax)) {
        if (a < -sp.rank || a >= sp.rank)
          throw new InvalidArgumentError(
            `${type}: invalid reduction dimension ${a}, for input with ${sp.rank} dimensions`,
          );
        reduced.add(a < 0 ? a + sp.rank : a);
      }
      const kept = sp.shape.map((d, k) => (reduced.has(k) ? 1 : d));
      const outShape = keepDims ? kept : sp.shape.filter((_, k) => !reduced.has(k));
      const st = stridesOf(kept);
      const groups = new Map<number, number>();
      for (let k = 0; k < sp.n; k++) {
        let at = 0;
        for (let d = 0; d < sp.rank; d++)
          if (!reduced.has(d)) at += sp.idx[k * sp.rank + d] * st[d];
        const x = num(v, k);
        const g = groups.get(at);
        groups.set(at, g === undefined ? x : combine(g, x));
      }
      if (!sparseOut) {
        const out = new Array<number>(denseSize(type, outShape)).fill(0);
        for (const [at, x] of groups) out[at] = x;
        return [valuesOf(v.dtype, out).reshape(outShape)];
      }
      const keys = [...groups.keys()].sort((a, b) => a - b);
      const outRank = outShape.length;
      const idx: number[] = [];
      for (const at of keys) {
        let rest = at;
        const full = kept.map((_, d) => {
          const q = Math.floor(rest / st[d]);
          rest %= st[d];
          return q;
        });
        idx.push(...(keepDims ? full : full.filter((_, d) => !reduced.has(d))));
      }
      return [
        indicesArray(idx, keys.length, outRank),
        valuesOf(
          v.dtype,
          keys.map((k) => groups.get(k)!),
        ),
        shapeArray(outShape),
      ];
    };
  });
}
reduce("SparseReduceSum", false, (a, b) => a + b);
reduce("SparseReduceSumSparse", true, (a, b) => a + b);
reduce("SparseReduceMax", false, Math.max);
reduce("SparseReduceMaxSparse", true, Math.max);

/** Softmax over the last dimension among the entries present, per group of the other indices. */
cpuBackend.register("SparseSoftmax", () => (inputs) => {
  const op = "SparseSoftmax";
  const [i, v, s] = inputs.map(arr);
  const sp = readSparse(op, i, v, s, "sp_");
  if (sp.rank < 2)
    throw new InvalidArgumentError(
      `${op}: input should have rank >= 2, but received shape [${sp.shape}]`,
    );
  const groups = new Map<string, number[]>();
  for (let k = 0; k < sp.n; k++) {
    const key = sp.idx.slice(k * sp.rank, (k + 1) * sp.rank - 1).join(",");
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(k);
  }
  const out = new Array<number>(sp.n);
  for (const g of groups.values()) {
    const m = Math.max(...g.map((k) => num(v, k)));
    let sum = 0;
    for (const k of g) sum += out[k] = Math.exp(num(v, k) - m);
    for (const k of g) out[k] /= sum;
  }
  return [valuesOf(v.dtype, out)];
});

/** Element-wise max/min of two sparse tensors (absent entries are zeros); the union of indices. */
function sparseSparse(type: string, f: (a: number, b: number) => number): void {
  cpuBackend.register(type, () => (inputs) => {
    const x = inputs.map(arr);
    const a = readSparse(type, x[0], x[1], x[2], "a_");
    const b = readSparse(type, x[3], x[4], x[5], "b_");
    sameShape(type, a, b);
    const idx: number[] = [];
    const vals: number[] = [];
    merge(a, b, (i, j) => {
      idx.push(...(i >= 0 ? rowOf(a, i) : rowOf(b, j)));
      vals.push(f(i >= 0 ? num(a.values, i) : 0, j >= 0 ? num(b.values, j) : 0));
    });
    return [indicesArray(idx, vals.length, a.rank), valuesOf(a.values.dtype as DType, vals)];
  });
}
sparseSparse("SparseSparseMaximum", Math.max);
sparseSparse("SparseSparseMinimum", Math.min);
