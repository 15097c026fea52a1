// Kernels of the array extra ops that update, check or reinterpret: the tensor scatters, the
// in-place updates, UnravelIndex, ConcatOffset, the data-format maps, EnsureShape, Empty,
// DynamicPartition, the identities, Bitcast and CompareAndBitpack.

import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { intValues, planStridedSlice, stridedSliceMasks } from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import { stridesOf } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import {
  accumulate,
  checkNumeric,
  checkSize,
  elems,
  scalarInt,
  shapeSize,
  shapeString,
  vectorInts,
} from "./array_extra_util.js";
import { cpuBackend } from "./index.js";

/** A copy of a tensor's storage (the scatters and in-place ops return new tensors). */
function copyData(x: NDArray): TypedData {
  return Array.isArray(x.data) ? [...x.data] : (x.data as Float32Array).slice();
}

/** Writes (mode 0), adds (1) or subtracts (-1) src[si..si+n) into dst[di..]. */
function apply(
  dtype: DType,
  dst: TypedData,
  di: number,
  src: TypedData,
  si: number,
  n: number,
  mode: 0 | 1 | -1,
): void {
  if (mode === 0) {
    const d = elems(dst);
    const s = elems(src);
    for (let k = 0; k < n; k++) d[di + k] = s[si + k];
  } else {
    for (let k = 0; k < n; k++) accumulate(dtype, dst, di + k, src, si + k, mode);
  }
}

// ---------------------------------------------------------------------------------------------
// TensorScatterUpdate / Add / Sub, ScatterNdNonAliasingAdd

for (const [type, mode] of [
  ["TensorScatterUpdate", 0],
  ["TensorScatterAdd", 1],
  ["TensorScatterSub", -1],
  ["ScatterNdNonAliasingAdd", 1],
] as const) {
  cpuBackend.register(type, () => (inputs) => {
    const [t, indices, updates] = inputs.map(arr);
    if (mode !== 0) checkNumeric(t.dtype, type);
    if (indices.rank < 1) {
      throw new InvalidArgumentError(`${type}: indices must be at least a vector`);
    }
    const k = indices.shape[indices.rank - 1];
    if (k > t.rank) {
      throw new InvalidArgumentError(
        `${type}: Index innermost dimension length must be <= tensor rank; saw: ${k} vs. ${t.rank}`,
      );
    }
    const lead = indices.shape.slice(0, -1);
    const want = [...lead, ...t.shape.slice(k)];
    if (shapeString(updates.shape) !== shapeString(want)) {
      throw new InvalidArgumentError(
        `${type}: updates must have shape indices.shape[:-1] + tensor.shape[indices.shape[-1]:] = ${shapeString(want)}, got ${shapeString(updates.shape)} (indices ${shapeString(indices.shape)}, tensor ${shapeString(t.shape)})`,
      );
    }
    const rows = shapeSize(lead);
    const inner = shapeSize(t.shape.slice(k));
    const st = stridesOf(t.shape);
    const idx = intValues(indices);
    const offsets = new Array<number>(rows);
    for (let r = 0; r < rows; r++) {
      let off = 0;
      for (let d = 0; d < k; d++) {
        const v = idx[r * k + d];
        if (v < 0 || v >= t.shape[d]) {
          throw new InvalidArgumentError(
            `${type}: indices[${r}] = [${idx.slice(r * k, r * k + k).join(", ")}] does not index into shape ${shapeString(t.shape)}`,
          );
        }
        off += v * st[d];
      }
      offsets[r] = off;
    }
    const out = copyData(t);
    for (let r = 0; r < rows; r++)
      apply(t.dtype, out, offsets[r], updates.data, r * inner, inner, mode);
    return [new NDArray(t.dtype, t.shape, out)];
  });
}

// ---------------------------------------------------------------------------------------------
// InplaceUpdate / Add / Sub

for (const [type, mode] of [
  ["InplaceUpdate", 0],
  ["InplaceAdd", 1],
  ["InplaceSub", -1],
] as const) {
  cpuBackend.register(type, () => (inputs) => {
    const [x, iArr, v] = inputs.map(arr);
    if (mode !== 0) checkNumeric(x.dtype, type);
    if (iArr.rank > 1)
      throw new InvalidArgumentError(`${type}: i must be a vector, got ${shapeString(iArr.shape)}`);
    const rowsI = intValues(iArr);
    const want = [rowsI.length, ...x.shape.slice(1)];
    if (x.rank < 1 || shapeString(v.shape) !== shapeString(want)) {
      throw new InvalidArgumentError(
        `${type}: v shape ${shapeString(v.shape)} must be [len(i)] + x.shape[1:] = ${shapeString(want)} (x ${shapeString(x.shape)})`,
      );
    }
    const inner = shapeSize(x.shape.slice(1));
    rowsI.forEach((r, j) => {
      if (r < 0 || r >= x.shape[0]) {
        throw new InvalidArgumentError(`${type}: i[${j}] = ${r} is not in [0, ${x.shape[0]})`);
      }
    });
    const out = copyData(x);
    rowsI.forEach((r, j) => {
      apply(x.dtype, out, r * inner, v.data, j * inner, inner, mode);
    });
    return [new NDArray(x.dtype, x.shape, out)];
  });
}

// ---------------------------------------------------------------------------------------------
// UnravelIndex, ConcatOffset

cpuBackend.register("UnravelIndex", (node) => {
  const dtype = node.attrs.Tidx as DType;
  return (inputs) => {
    const [ind, dimsArr] = inputs.map(arr);
    if (ind.rank > 1) {
      throw new InvalidArgumentError(
        `UnravelIndex: The indices can only be scalar or vector, got ${shapeString(ind.shape)}`,
      );
    }
    const dims = vectorInts(dimsArr, "dims", "UnravelIndex");
    if (dims.some((d) => d <= 0)) {
      throw new InvalidArgumentError(`UnravelIndex: dims must be positive, got [${dims}]`);
    }
    const total = dims.reduce((a, b) => a * b, 1);
    const flat = intValues(ind);
    flat.forEach((f, i) => {
      if (f < 0 || f >= total) {
        throw new InvalidArgumentError(
          `UnravelIndex: index out of bounds: indices[${i}] = ${f} is not in [0, ${total}) for dims [${dims}]`,
        );
      }
    });
    const n = flat.length;
    const out = new Array<number>(dims.length * n);
    flat.forEach((f, i) => {
      for (let d = dims.length - 1; d >= 0; d--) {
        out[d * n + i] = f % dims[d];
        f = Math.floor(f / dims[d]);
      }
    });
    const shape = ind.rank === 0 ? [dims.length] : [dims.length, n];
    return [NDArray.from(out, dtype).reshape(shape)];
  };
});

cpuBackend.register("ConcatOffset", () => (inputs) => {
  const xs = inputs.map(arr);
  const shapes = xs.slice(1).map((s, i) => vectorInts(s, `shape[${i}]`, "ConcatOffset"));
  const rank = shapes[0].length;
  let cdim = scalarInt(xs[0], "concat_dim", "ConcatOffset");
  if (cdim < 0) cdim += rank;
  if (cdim < 0 || cdim >= rank) {
    throw new InvalidArgumentError(
      `ConcatOffset: Concat dim is out of range: ${Number(xs[0].data[0])} vs. ${rank}`,
    );
  }
  let offset = 0;
  return shapes.map((s, i) => {
    if (s.length !== rank) {
      throw new InvalidArgumentError(
        `ConcatOffset: input ${i} should contain ${rank} elements, but got ${s.length}`,
      );
    }
    for (let d = 0; d < rank; d++) {
      if (d !== cdim && s[d] !== shapes[0][d]) {
        throw new InvalidArgumentError(
          `ConcatOffset: All dimensions except ${cdim} must match. Input ${i} has shape [${s.join(" ")}] and doesn't match input 0 with shape [${shapes[0].join(" ")}].`,
        );
      }
    }
    const o = new Int32Array(rank);
    o[cdim] = offset;
    offset += s[cdim];
    return new NDArray("int32", [rank], o);
  });
});

// ---------------------------------------------------------------------------------------------
// DataFormatDimMap, DataFormatVecPermute

cpuBackend.register("DataFormatDimMap", (node) => {
  const src = node.attrs.src_format as string;
  const dst = node.attrs.dst_format as string;
  const n = src.length;
  const map = [...src].map((ch) => dst.indexOf(ch));
  return (inputs) => {
    const x = arr(inputs[0]);
    const vals = intValues(x).map((v) => {
      if (v < -n || v >= n) {
        throw new InvalidArgumentError(`DataFormatDimMap: x must be in [-${n}, ${n}), got ${v}`);
      }
      return map[(v + n) % n];
    });
    return [NDArray.from(vals, x.dtype).reshape(x.shape)];
  };
});

cpuBackend.register("DataFormatVecPermute", (node) => {
  const src = node.attrs.src_format as string;
  const dst = node.attrs.dst_format as string;
  const n = src.length;
  // y[i] = x[position in src of dst's i-th dim]
  const from = [...dst].map((ch) => src.indexOf(ch));
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank === 1 && x.size !== n) {
      throw new InvalidArgumentError(
        `DataFormatVecPermute: 1D input must be of size ${n}, but got shape ${shapeString(x.shape)}`,
      );
    }
    if (x.rank === 2 && (x.shape[0] !== n || x.shape[1] !== 2)) {
      throw new InvalidArgumentError(
        `DataFormatVecPermute: 2D input must be of shape [${n}, 2], but got shape ${shapeString(x.shape)}`,
      );
    }
    if (x.rank !== 1 && x.rank !== 2) {
      throw new InvalidArgumentError(
        `DataFormatVecPermute: input must be a vector or 2D tensor, but got shape ${shapeString(x.shape)}`,
      );
    }
    const row = x.rank === 1 ? 1 : 2;
    const out = allocData(x.dtype, x.size);
    const s = elems(x.data);
    const d = elems(out);
    from.forEach((f, i) => {
      for (let k = 0; k < row; k++) d[i * row + k] = s[f * row + k];
    });
    return [new NDArray(x.dtype, x.shape, out)];
  };
});

// ---------------------------------------------------------------------------------------------
// EnsureShape, Empty, DynamicPartition

cpuBackend.register("EnsureShape", (node) => {
  const want = (node.attrs.shape as { dims: (number | null)[] | null }).dims;
  return (inputs) => {
    const x = arr(inputs[0]);
    const ok =
      want === null ||
      (want.length === x.rank && want.every((d, i) => d === null || d === x.shape[i]));
    if (!ok) {
      throw new InvalidArgumentError(
        `Shape of tensor ${node.name} ${shapeString(x.shape)} is not compatible with expected shape [${want!.map((d) => d ?? "?").join(",")}].`,
      );
    }
    return [x];
  };
});

cpuBackend.register("Empty", (node) => {
  const dtype = node.attrs.dtype as DType;
  return (inputs) => {
    const shape = vectorInts(arr(inputs[0]), "shape", "Empty");
    for (const d of shape) {
      if (d < 0) throw new InvalidArgumentError(`Empty: Received negative dimension: ${d}`);
    }
    checkSize(shape, "Empty");
    return [new NDArray(dtype, shape)];
  };
});

cpuBackend.register("DynamicPartition", (node) => {
  const num = node.attrs.num_partitions as number;
  return (inputs) => {
    const [data, p] = inputs.map(arr);
    const prefixOk = p.rank <= data.rank && p.shape.every((d, i) => d === data.shape[i]);
    if (!prefixOk) {
      throw new InvalidArgumentError(
        `DynamicPartition: data.shape must start with partitions.shape, got data.shape = ${shapeString(data.shape)}, partitions.shape = ${shapeString(p.shape)}`,
      );
    }
    const parts = intValues(p);
    const counts = new Array<number>(num).fill(0);
    parts.forEach((v, i) => {
      if (v < 0 || v >= num) {
        throw new InvalidArgumentError(
          `DynamicPartition: partitions[${i}] = ${v} is not in [0, ${num})`,
        );
      }
      counts[v]++;
    });
    const rest = data.shape.slice(p.rank);
    const inner = shapeSize(rest);
    const outs = counts.map((c) => allocData(data.dtype, c * inner));
    const fill = new Array<number>(num).fill(0);
    const src = elems(data.data);
    parts.forEach((v, i) => {
      const dst = elems(outs[v]);
      const at = fill[v]++ * inner;
      for (let k = 0; k < inner; k++) dst[at + k] = src[i * inner + k];
    });
    return outs.map((o, i) => new NDArray(data.dtype, [counts[i], ...rest], o));
  };
});

// ---------------------------------------------------------------------------------------------
// Identities, PlaceholderV2

cpuBackend.registerAll(
  ["GuaranteeConst", "PreventGradient", "DebugGradientIdentity"],
  () => (inputs) => [arr(inputs[0])],
);

cpuBackend.register("DeepCopy", () => (inputs) => {
  const x = arr(inputs[0]);
  return [new NDArray(x.dtype, x.shape, copyData(x))];
});

// ConjugateTranspose of real dtypes is Transpose: its kernel, looked up when a node needs it.
cpuBackend.register("ConjugateTranspose", (node, env) => {
  const transpose = cpuBackend.get("Transpose");
  if (!transpose) throw new InvalidArgumentError("ConjugateTranspose: no Transpose kernel");
  return transpose(node, env);
});

cpuBackend.register("HostConst", (node) => {
  const value = node.attrs.value as NDArray;
  return () => [value];
});
cpuBackend.registerAll(["Copy", "CopyHost"], () => (inputs) => [arr(inputs[0])]);

cpuBackend.register("TensorStridedSliceUpdate", (node) => {
  const masks = stridedSliceMasks(node.attrs);
  const op = "TensorStridedSliceUpdate";
  return (inputs) => {
    const [x, b, e, s, value] = inputs.map(arr);
    const begin = vectorInts(b, "begin", op);
    const end = vectorInts(e, "end", op);
    const strides = vectorInts(s, "strides", op);
    if (begin.length !== end.length || begin.length !== strides.length) {
      throw new InvalidArgumentError(
        `${op}: Expected begin, end, and strides to be 1D equal size tensors, but got shapes [${begin.length}], [${end.length}], and [${strides.length}] instead.`,
      );
    }
    const plan = planStridedSlice(x.shape, begin.length, begin, end, strides, masks);
    const finalShape = plan.finalShape as number[];
    if (shapeString(finalShape) !== shapeString(value.shape)) {
      throw new InvalidArgumentError(
        `${op}: sliced l-value shape ${shapeString(finalShape)} does not match r-value shape ${shapeString(value.shape)}`,
      );
    }
    const sizes = plan.sizes as number[];
    const out = copyData(x);
    const dst = elems(out);
    const src = elems(value.data);
    const total = shapeSize(sizes);
    if (x.rank === 0) {
      if (total > 0) dst[0] = src[0];
      return [new NDArray(x.dtype, x.shape, out)];
    }
    // The slice's elements in row-major order are value's elements in order.
    const st = stridesOf(x.shape);
    const k = new Array<number>(sizes.length).fill(0);
    for (let o = 0; o < total; o++) {
      let off = 0;
      for (let d = 0; d < sizes.length; d++)
        off += (plan.begin[d] + k[d] * plan.strides[d]) * st[d];
      dst[off] = src[o];
      for (let d = sizes.length - 1; d >= 0; d--) {
        if (++k[d] < sizes[d]) break;
        k[d] = 0;
      }
    }
    return [new NDArray(x.dtype, x.shape, out)];
  };
});

cpuBackend.register("PlaceholderV2", (node) => () => {
  throw new InvalidArgumentError(
    `You must feed a value for placeholder tensor '${node.name}' with dtype ${node.outputDtypes[0]}`,
  );
});

// ---------------------------------------------------------------------------------------------
// Bitcast, CompareAndBitpack

const BYTES: Partial<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
};

cpuBackend.register("Bitcast", (node) => {
  const from = node.inputDtypes[0];
  const to = node.attrs.type as DType;
  const fb = BYTES[from];
  const tb = BYTES[to];
  if (fb === undefined || tb === undefined) {
    throw new InvalidArgumentError(`Bitcast between ${from} and ${to} is not supported`);
  }
  return (inputs) => {
    const x = arr(inputs[0]);
    let shape = x.shape;
    if (fb > tb) shape = [...x.shape, fb / tb];
    else if (fb < tb) {
      if (x.rank === 0 || x.shape[x.rank - 1] !== tb / fb) {
        throw new InvalidArgumentError(
          `Bitcast: Cannot bitcast from ${from} to ${to}: the last dim of shape ${shapeString(x.shape)} must be ${tb / fb}`,
        );
      }
      shape = x.shape.slice(0, -1);
    }
    // Copy into a fresh buffer (aligned for the target type), bytes in the machine's order.
    const src = x.data as Uint8Array;
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength).slice();
    const n = bytes.byteLength / tb;
    const data: TypedData =
      to === "float32"
        ? new Float32Array(bytes.buffer, 0, n)
        : to === "float64"
          ? new Float64Array(bytes.buffer, 0, n)
          : to === "int32"
            ? new Int32Array(bytes.buffer, 0, n)
            : to === "int64"
              ? new BigInt64Array(bytes.buffer, 0, n)
              : bytes;
    return [new NDArray(to, shape, data)];
  };
});

cpuBackend.register("CompareAndBitpack", () => (inputs) => {
  const [x, th] = inputs.map(arr);
  if (th.rank !== 0) {
    throw new InvalidArgumentError(
      `CompareAndBitpack: Compare tensor must be scalar, but saw shape: ${shapeString(th.shape)}`,
    );
  }
  if (x.rank < 1 || x.shape[x.rank - 1] % 8 !== 0) {
    throw new InvalidArgumentError(
      `CompareAndBitpack: Inner dimension of input should be divisible by 8, but saw shape: ${shapeString(x.shape)}`,
    );
  }
  const n = x.size / 8;
  const out = new Uint8Array(n);
  const src = x.data as ArrayLike<number | bigint>;
  const t = th.data[0] as number | bigint;
  const isBool = x.dtype === "bool";
  for (let i = 0; i < n; i++) {
    let byte = 0;
    for (let b = 0; b < 8; b++) {
      const v = src[i * 8 + b];
      const bit = isBool ? v !== 0 : v > t;
      byte = (byte << 1) | (bit ? 1 : 0);
    }
    out[i] = byte;
  }
  return [new NDArray("uint8", [...x.shape.slice(0, -1), x.shape[x.rank - 1] / 8], out)];
});
