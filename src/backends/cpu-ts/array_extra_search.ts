// Kernels that compare elements: UniqueV2 / UniqueWithCounts(V2), ListDiff, LowerBound /
// UpperBound, TopK(V2), InTopK(V2), NthElement.
import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { checkSize, elems, scalarInt, shapeSize, shapeString } from "./array_extra_util.js";
import { cpuBackend } from "./index.js";

// ---------------------------------------------------------------------------------------------
// Unique along an axis

/**
 * The unique slices of x along `axis` (null: x must be a vector) in order of first appearance:
 * [y, idx, count]. Slices compare by value (0 and -0 are equal, as in TF's hash map).
 */
function uniqueAlong(x: NDArray, axis: number | null, idxType: DType, op: string): NDArray[] {
  if (axis === null && x.rank !== 1) {
    throw new InvalidArgumentError(
      `${op}: unique expects a 1D vector, got shape ${shapeString(x.shape)}`,
    );
  }
  const a = axis ?? 0;
  const outer = shapeSize(x.shape.slice(0, a));
  const n = x.shape[a];
  const inner = shapeSize(x.shape.slice(a + 1));
  const src = elems(x.data);
  const keyOf = (i: number): unknown => {
    if (outer === 1 && inner === 1) return src[i];
    const parts: unknown[] = [];
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) parts.push(src[(o * n + i) * inner + k]);
    }
    return x.dtype === "string" ? JSON.stringify(parts) : parts.join(",");
  };
  const first = new Map<unknown, number>();
  const keep: number[] = [];
  const idx = new Array<number>(n);
  const count: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = keyOf(i);
    let k = first.get(key);
    if (k === undefined) {
      k = keep.length;
      first.set(key, k);
      keep.push(i);
      count.push(0);
    }
    idx[i] = k;
    count[k]++;
  }
  const u = keep.length;
  const yShape = [...x.shape];
  yShape[a] = u;
  const y = allocData(x.dtype, outer * u * inner);
  const dst = elems(y);
  for (let o = 0; o < outer; o++) {
    keep.forEach((from, j) => {
      for (let k = 0; k < inner; k++)
        dst[(o * u + j) * inner + k] = src[(o * n + from) * inner + k];
    });
  }
  return [
    new NDArray(x.dtype, yShape, y),
    NDArray.from(idx, idxType),
    NDArray.from(count, idxType),
  ];
}

/** UniqueV2's axis input: an empty vector (x must be a vector) or one axis. */
function readAxis(a: NDArray, x: NDArray, op: string): number | null {
  if (a.rank !== 1) {
    throw new InvalidArgumentError(
      `${op}: axis expects a 1D vector, got shape ${shapeString(a.shape)}`,
    );
  }
  if (a.size > 1) {
    throw new InvalidArgumentError(
      `${op}: axis does not support input tensors larger than 1 elements`,
    );
  }
  if (a.size === 0) return null;
  const v = Number(a.data[0]);
  const axis = v < 0 ? v + x.rank : v;
  if (axis < 0 || axis >= x.rank) {
    throw new InvalidArgumentError(`${op}: axis has to be between [0, ${x.rank}), got ${v}`);
  }
  return axis;
}

cpuBackend.register("UniqueWithCounts", (node) => {
  const t = node.attrs.out_idx as DType;
  return (inputs) => uniqueAlong(arr(inputs[0]), null, t, "UniqueWithCounts");
});
cpuBackend.register("UniqueV2", (node) => {
  const t = node.attrs.out_idx as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    return uniqueAlong(x, readAxis(arr(inputs[1]), x, "UniqueV2"), t, "UniqueV2").slice(0, 2);
  };
});
cpuBackend.register("UniqueWithCountsV2", (node) => {
  const t = node.attrs.out_idx as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    const axis = readAxis(arr(inputs[1]), x, "UniqueWithCountsV2");
    return uniqueAlong(x, axis, t, "UniqueWithCountsV2");
  };
});

cpuBackend.register("ListDiff", (node) => {
  const t = node.attrs.out_idx as DType;
  return (inputs) => {
    const [x, y] = inputs.map(arr);
    if (x.rank !== 1) throw new InvalidArgumentError(`ListDiff: x should be a 1D vector.`);
    if (y.rank !== 1) throw new InvalidArgumentError(`ListDiff: y should be a 1D vector.`);
    const ys = new Set<unknown>(Array.from(elems(y.data) as ArrayLike<unknown>));
    const src = elems(x.data);
    const keep: number[] = [];
    for (let i = 0; i < x.size; i++) if (!ys.has(src[i])) keep.push(i);
    const out = allocData(x.dtype, keep.length);
    const dst = elems(out);
    keep.forEach((from, j) => {
      dst[j] = src[from];
    });
    return [new NDArray(x.dtype, [keep.length], out), NDArray.from(keep, t)];
  };
});

// ---------------------------------------------------------------------------------------------
// LowerBound, UpperBound

for (const [type, upper] of [
  ["LowerBound", false],
  ["UpperBound", true],
] as const) {
  cpuBackend.register(type, (node) => {
    const outType = node.attrs.out_type as DType;
    return (inputs) => {
      const [s, v] = inputs.map(arr);
      if (s.rank !== 2 || v.rank !== 2) {
        throw new InvalidArgumentError(
          `${type}: sorted_inputs and values must be matrices, got shapes ${shapeString(s.shape)} and ${shapeString(v.shape)}`,
        );
      }
      if (s.shape[0] !== v.shape[0]) {
        throw new InvalidArgumentError(
          `${type}: Leading dim_size of both tensors must match, got ${s.shape[0]} and ${v.shape[0]}`,
        );
      }
      const [rows, n] = s.shape;
      const m = v.shape[1];
      const sd = s.data as ArrayLike<number>;
      const vd = v.data as ArrayLike<number>;
      const out = new Array<number>(rows * m);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < m; j++) {
          const val = vd[r * m + j];
          // First position whose element is >= val (lower) or > val (upper).
          let lo = 0;
          let hi = n;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            const e = sd[r * n + mid];
            if (upper ? e <= val : e < val) lo = mid + 1;
            else hi = mid;
          }
          out[r * m + j] = lo;
        }
      }
      return [new NDArray(outType, v.shape, NDArray.from(out, outType).data)];
    };
  });
}

// ---------------------------------------------------------------------------------------------
// TopK, TopKV2, NthElement

/** Descending order by value, equal values by index (TF's stable top-k). NaN counts as largest. */
function byValueDesc(vals: ArrayLike<number | bigint>, base: number) {
  return (a: number, b: number): number => {
    const va = vals[base + a];
    const vb = vals[base + b];
    if (va !== vb) {
      if (Number.isNaN(va)) return -1; // NaN first
      if (Number.isNaN(vb)) return 1;
      return va > vb ? -1 : 1;
    }
    return a - b;
  };
}

function topK(x: NDArray, k: number, op: string): NDArray[] {
  if (x.rank < 1) throw new InvalidArgumentError(`${op}: input must be at least 1-dimensional`);
  if (k < 0) throw new InvalidArgumentError(`${op}: Need k >= 0, got ${k}`);
  const n = x.shape[x.rank - 1];
  if (n < k) {
    throw new InvalidArgumentError(
      `${op}: input must have at least k columns. Had ${n}, needed ${k}`,
    );
  }
  const outShape = [...x.shape.slice(0, -1), k];
  const rows = shapeSize(x.shape.slice(0, -1));
  checkSize(outShape, op);
  const values = allocData(x.dtype, rows * k);
  const indices = new Int32Array(rows * k);
  const src = x.data as ArrayLike<number | bigint>;
  const dst = elems(values);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(byValueDesc(src, r * n));
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = order[j];
      dst[r * k + j] = src[r * n + order[j]];
    }
  }
  return [new NDArray(x.dtype, outShape, values), new NDArray("int32", outShape, indices)];
}

// Unsorted results come out sorted too: TF leaves their order unspecified.
cpuBackend.register("TopK", (node) => {
  const k = node.attrs.k as number;
  return (inputs) => topK(arr(inputs[0]), k, "TopK");
});
cpuBackend.register(
  "TopKV2",
  () => (inputs) => topK(arr(inputs[0]), scalarInt(arr(inputs[1]), "k", "TopKV2"), "TopKV2"),
);

cpuBackend.register("NthElement", (node) => {
  const reverse = node.attrs.reverse as boolean;
  return (inputs) => {
    const x = arr(inputs[0]);
    const nth = scalarInt(arr(inputs[1]), "n", "NthElement");
    if (x.rank < 1) {
      throw new InvalidArgumentError(
        `NthElement: Input must be >= 1-D, got shape ${shapeString(x.shape)}`,
      );
    }
    if (nth < 0) throw new InvalidArgumentError(`NthElement: Need n >= 0, got ${nth}`);
    const last = x.shape[x.rank - 1];
    if (last <= nth) {
      throw new InvalidArgumentError(
        `NthElement: Input must have at least n+1 columns, got ${last} columns and n = ${nth}`,
      );
    }
    const outShape = x.shape.slice(0, -1);
    const rows = shapeSize(outShape);
    const out = allocData(x.dtype, rows);
    const dst = elems(out);
    const src = x.data as ArrayLike<number | bigint>;
    const pos = reverse ? last - 1 - nth : nth;
    for (let r = 0; r < rows; r++) {
      const row = Array.from({ length: last }, (_, i) => src[r * last + i]);
      row.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      dst[r] = row[pos];
    }
    return [new NDArray(x.dtype, outShape, out)];
  };
});

// ---------------------------------------------------------------------------------------------
// InTopK, InTopKV2

/**
 * Whether predictions[b, targets[b]] is among the k largest of row b: fewer than k entries are
 * strictly larger (so ties at the boundary count as in). Out-of-range targets and non-finite
 * target predictions give false, as in TF.
 */
function inTopK(p: NDArray, t: NDArray, k: number, op: string): NDArray {
  if (p.rank !== 2) {
    throw new InvalidArgumentError(
      `${op}: predictions must be 2-dimensional, got ${shapeString(p.shape)}`,
    );
  }
  if (t.rank !== 1) {
    throw new InvalidArgumentError(
      `${op}: targets must be 1-dimensional, got ${shapeString(t.shape)}`,
    );
  }
  const [batch, classes] = p.shape;
  if (t.shape[0] !== batch) {
    throw new InvalidArgumentError(
      `${op}: First dimension of predictions ${batch} must match length of targets ${t.shape[0]}`,
    );
  }
  const pd = p.data as Float32Array;
  const targets = Array.from(t.data as ArrayLike<number | bigint>, Number);
  const out = new Uint8Array(batch);
  for (let b = 0; b < batch; b++) {
    const target = targets[b];
    if (target < 0 || target >= classes) continue;
    const v = pd[b * classes + target];
    if (!Number.isFinite(v)) continue;
    let larger = 0;
    for (let c = 0; c < classes && larger < k; c++) if (pd[b * classes + c] > v) larger++;
    out[b] = larger < k ? 1 : 0;
  }
  return new NDArray("bool", [batch], out);
}

cpuBackend.register("InTopK", (node) => {
  const k = node.attrs.k as number;
  return (inputs) => [inTopK(arr(inputs[0]), arr(inputs[1]), k, "InTopK")];
});
cpuBackend.register("InTopKV2", () => (inputs) => [
  inTopK(arr(inputs[0]), arr(inputs[1]), scalarInt(arr(inputs[2]), "k", "InTopKV2"), "InTopKV2"),
]);
