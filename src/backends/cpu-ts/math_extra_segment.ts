// Kernels of the segment reductions: Segment{Sum,Mean,Prod,Min,Max} (sorted ids),
// UnsortedSegment{Prod,Min,Max}, SparseSegment{Sum,Mean,SqrtN}[WithNumSegments] and the
// SparseSegment{Mean,SqrtN}Grad ops. Each one maps rows of `data` to output segments and
// combines them; the ops differ in where the rows and segment ids come from and how empty
// segments are filled.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

type Kind = "sum" | "mean" | "sqrtn" | "prod" | "min" | "max";

/** numeric_limits<T>::max() and lowest() as TensorFlow's unsorted min/max start from. */
const HIGHEST: Partial<Record<DType, number>> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
  int32: 2147483647,
  uint8: 255,
};
const LOWEST: Partial<Record<DType, number>> = {
  float32: -3.4028234663852886e38,
  float64: -Number.MAX_VALUE,
  int32: -2147483648,
  uint8: 0,
};
const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

const NUMERIC: readonly DType[] = ["float32", "float64", "int32", "int64", "uint8"];
const FLOATS: readonly DType[] = ["float32", "float64"];

/** Which output segment each used row of `data` goes to: out[seg[r]] ⊕= data[src[r]]. */
interface RowMap {
  src: ArrayLike<number>;
  seg: ArrayLike<number>;
}

/**
 * Combines rows of `data` into `numSegments` output rows. Segments no row reaches are filled with
 * 0 (`emptyZero`, as the sorted and sparse ops do, except that an empty product is 1) or the
 * reduction's identity (the unsorted ops).
 */
function reduceSegments(
  data: NDArray,
  rows: RowMap,
  numSegments: number,
  kind: Kind,
  emptyZero: boolean,
): NDArray {
  const dtype = data.dtype;
  const rowSize = data.rank === 0 ? 1 : data.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new NDArray(dtype, [numSegments, ...data.shape.slice(1)]);
  const counts = new Float64Array(numSegments);
  const big = dtype === "int64";
  const o = out.data as unknown as (number | bigint)[];
  const d = data.data as unknown as (number | bigint)[];
  // The identity each segment starts from.
  let init: number | bigint;
  if (kind === "prod") init = big ? 1n : 1;
  else if (kind === "min") init = big ? I64_MAX : HIGHEST[dtype]!;
  else if (kind === "max") init = big ? I64_MIN : LOWEST[dtype]!;
  else init = big ? 0n : 0;
  o.fill(init as never);
  // Accumulate in doubles for the number dtypes (stores round to float32 / wrap ints at the end).
  const acc: (number | bigint)[] = big ? (o as bigint[]) : Array.from(o as number[]);
  for (let r = 0; r < rows.src.length; r++) {
    const s = rows.seg[r];
    counts[s]++;
    const from = rows.src[r] * rowSize;
    const to = s * rowSize;
    for (let k = 0; k < rowSize; k++) {
      const a = acc[to + k] as number;
      const v = d[from + k] as number;
      switch (kind) {
        case "prod":
          acc[to + k] = big
            ? BigInt.asIntN(64, (a as unknown as bigint) * (v as unknown as bigint))
            : a * v;
          break;
        case "min":
          acc[to + k] = v < a || Number.isNaN(v) ? v : a;
          break;
        case "max":
          acc[to + k] = v > a || Number.isNaN(v) ? v : a;
          break;
        default:
          acc[to + k] = big
            ? BigInt.asIntN(64, (a as unknown as bigint) + (v as unknown as bigint))
            : a + v;
      }
    }
  }
  for (let s = 0; s < numSegments; s++) {
    const n = counts[s];
    for (let k = 0; k < rowSize; k++) {
      const i = s * rowSize + k;
      let v = acc[i];
      if (n === 0 && emptyZero && kind !== "prod") v = big ? 0n : 0;
      else if (n > 0 && kind === "mean")
        v = big
          ? (v as bigint) / BigInt(n)
          : FLOATS.includes(dtype)
            ? (v as number) / n
            : Math.trunc((v as number) / n);
      else if (n > 0 && kind === "sqrtn") v = (v as number) / Math.sqrt(n);
      o[i] = v;
    }
  }
  return out;
}

function checkDtype(op: string, dtype: DType, kind: Kind): void {
  const ok =
    kind === "mean" || kind === "sqrtn" ? (op.startsWith("Sparse") ? FLOATS : NUMERIC) : NUMERIC;
  if (!ok.includes(dtype)) throw new InvalidArgumentError(`${op} has no kernel for dtype ${dtype}`);
}

const ints = (a: NDArray): number[] => Array.from(a.data as ArrayLike<number | bigint>, Number);

function scalarArg(op: string, what: string, a: NDArray): number {
  if (a.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} should be a scalar, not shape ${shapeString(a.shape)}`,
    );
  const n = Number(a.data[0]);
  if (n < 0) throw new InvalidArgumentError(`${op}: ${what} must be non-negative, got ${n}`);
  return n;
}

/** Sorted segment ids: a vector, non-decreasing, non-negative (checked as TF does). */
function sortedIds(op: string, ids: NDArray, expectLength: number, what: string): number[] {
  if (ids.rank !== 1)
    throw new InvalidArgumentError(
      `${op}: segment_ids should be a vector, got shape ${shapeString(ids.shape)}`,
    );
  if (ids.size !== expectLength) {
    throw new InvalidArgumentError(
      `${op}: segment_ids should be the same size as ${what}: ${ids.size} vs. ${expectLength}`,
    );
  }
  const v = ints(ids);
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0)
      throw new InvalidArgumentError(`${op}: segment id ${v[i]} at position ${i} is negative`);
    if (i > 0 && v[i] < v[i - 1]) {
      throw new InvalidArgumentError(
        `${op}: segment ids are not increasing: ${v[i - 1]} then ${v[i]} at position ${i}`,
      );
    }
  }
  return v;
}

// ---- Segment{Sum,Mean,Prod,Min,Max}(data, segment_ids) ----

for (const [type, kind] of [
  ["SegmentSum", "sum"],
  ["SegmentMean", "mean"],
  ["SegmentProd", "prod"],
  ["SegmentMin", "min"],
  ["SegmentMax", "max"],
] as const) {
  cpuBackend.register(type, (node) => {
    checkDtype(type, node.inputDtypes[0], kind);
    return (inputs) => {
      const [data, idsArr] = inputs.map(arr);
      if (data.rank < 1)
        throw new InvalidArgumentError(`${type}: data must be at least rank 1, got a scalar`);
      const ids = sortedIds(type, idsArr, data.shape[0], "the first dimension of data");
      const num = ids.length === 0 ? 0 : ids[ids.length - 1] + 1;
      const src = ids.map((_, i) => i);
      return [reduceSegments(data, { src, seg: ids }, num, kind, true)];
    };
  });
}

// ---- UnsortedSegment{Prod,Min,Max}(data, segment_ids, num_segments) ----

for (const [type, kind] of [
  ["UnsortedSegmentProd", "prod"],
  ["UnsortedSegmentMin", "min"],
  ["UnsortedSegmentMax", "max"],
] as const) {
  cpuBackend.register(type, (node) => {
    checkDtype(type, node.inputDtypes[0], kind);
    return (inputs) => {
      const [data, idsArr, numArr] = inputs.map(arr);
      const num = scalarArg(type, "num_segments", numArr);
      const idRank = idsArr.rank;
      if (idRank > data.rank || data.shape.slice(0, idRank).join() !== idsArr.shape.join()) {
        throw new InvalidArgumentError(
          `${type}: data.shape = ${shapeString(data.shape)} does not start with segment_ids.shape = ${shapeString(idsArr.shape)}`,
        );
      }
      // Rows are data viewed as [ids.size, ...rest]; negative ids drop their row.
      const flat = data.reshape([idsArr.size, ...data.shape.slice(idRank)]);
      const src: number[] = [];
      const seg: number[] = [];
      ints(idsArr).forEach((s, i) => {
        if (s < 0) return;
        if (s >= num)
          throw new InvalidArgumentError(
            `${type}: segment_ids[${i}] = ${s} is out of range [0, ${num})`,
          );
        src.push(i);
        seg.push(s);
      });
      return [reduceSegments(flat, { src, seg }, num, kind, false)];
    };
  });
}

// ---- SparseSegment{Sum,Mean,SqrtN}[WithNumSegments](data, indices, segment_ids[, num_segments]) ----

for (const [base, kind] of [
  ["SparseSegmentSum", "sum"],
  ["SparseSegmentMean", "mean"],
  ["SparseSegmentSqrtN", "sqrtn"],
] as const) {
  for (const withNum of [false, true]) {
    const type = withNum ? `${base}WithNumSegments` : base;
    cpuBackend.register(type, (node) => {
      checkDtype(type, node.inputDtypes[0], kind);
      return (inputs) => {
        const [data, idxArr, idsArr, numArr] = inputs.map(arr);
        if (data.rank < 1)
          throw new InvalidArgumentError(`${type}: data must be at least rank 1, got a scalar`);
        if (idxArr.rank !== 1)
          throw new InvalidArgumentError(
            `${type}: indices should be a vector, got shape ${shapeString(idxArr.shape)}`,
          );
        const ids = sortedIds(type, idsArr, idxArr.size, "indices");
        const src = ints(idxArr);
        src.forEach((r, i) => {
          if (r < 0 || r >= data.shape[0]) {
            throw new InvalidArgumentError(
              `${type}: indices[${i}] = ${r} is out of range [0, ${data.shape[0]})`,
            );
          }
        });
        let num = ids.length === 0 ? 0 : ids[ids.length - 1] + 1;
        if (withNum) {
          const n = scalarArg(type, "num_segments", numArr);
          if (n < num)
            throw new InvalidArgumentError(
              `${type}: segment ids must be < num_segments (${n}), got ${num - 1}`,
            );
          num = n;
        }
        return [reduceSegments(data, { src, seg: ids }, num, kind, true)];
      };
    });
  }
}

// ---- SparseSegment{Mean,SqrtN}Grad(grad, indices, segment_ids, output_dim0) ----
// output[indices[i]] += grad[segment_ids[i]] / weight(count of segment_ids[i]).

for (const [type, weight] of [
  ["SparseSegmentMeanGrad", (n: number) => n],
  ["SparseSegmentSqrtNGrad", (n: number) => Math.sqrt(n)],
] as const) {
  cpuBackend.register(type, (node) => {
    const dtype = node.inputDtypes[0];
    if (!FLOATS.includes(dtype))
      throw new InvalidArgumentError(`${type} has no kernel for dtype ${dtype}`);
    return (inputs) => {
      const [grad, idxArr, idsArr, dim0Arr] = inputs.map(arr);
      if (grad.rank < 1) throw new InvalidArgumentError(`${type}: grad must be at least rank 1`);
      if (idxArr.rank !== 1) throw new InvalidArgumentError(`${type}: indices should be a vector`);
      const ids = ints(idsArr);
      if (idsArr.rank !== 1 || ids.length !== idxArr.size) {
        throw new InvalidArgumentError(
          `${type}: segment_ids and indices should have the same size`,
        );
      }
      const dim0 = scalarArg(type, "output_dim0", dim0Arr);
      const idx = ints(idxArr);
      const counts = new Float64Array(grad.shape[0]);
      for (const s of ids) {
        if (s < 0 || s >= grad.shape[0]) {
          throw new InvalidArgumentError(
            `${type}: segment id ${s} out of range [0, ${grad.shape[0]})`,
          );
        }
        counts[s]++;
      }
      const rowSize = grad.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = new NDArray(dtype, [dim0, ...grad.shape.slice(1)]);
      const acc = new Float64Array(out.size);
      const g = grad.data as Float64Array;
      idx.forEach((r, i) => {
        if (r < 0 || r >= dim0)
          throw new InvalidArgumentError(`${type}: index ${r} out of range [0, ${dim0})`);
        const scale = 1 / weight(counts[ids[i]]);
        for (let k = 0; k < rowSize; k++) acc[r * rowSize + k] += g[ids[i] * rowSize + k] * scale;
      });
      (out.data as Float64Array).set(acc);
      return [out];
    };
  });
}
