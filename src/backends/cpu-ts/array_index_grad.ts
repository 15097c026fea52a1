// Kernels of the ops that array_index gradients are built from: StridedSliceGrad,
// UnsortedSegmentSum, ScatterNd.
import { allocData, type DType, type TypedData } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { intValues, planStridedSlice, stridedSliceMasks } from "../../framework/index_rules.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

/** Element storage viewed as a plain indexable list (typed arrays and string[] alike). */
type Elems = { [i: number]: unknown; length: number };

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

function vectorOf(a: NDArray, what: string): number[] {
  if (a.rank !== 1)
    throw new InvalidArgumentError(`${what} must be a vector, not shape ${shapeString(a.shape)}`);
  return intValues(a);
}

/** The dtypes whose elements can be summed (TF's number types that tensorgraph has). */
const SUMMABLE: readonly DType[] = ["float32", "float64", "int32", "int64", "uint8"];

function checkSummable(op: string, dtype: DType): void {
  if (!SUMMABLE.includes(dtype)) {
    throw new InvalidArgumentError(`${op} has no kernel for dtype ${dtype}`);
  }
}

/**
 * dst[to + k] += src[from + k] for k < n. Typed-array stores wrap integers as TF's kernels do
 * (int32, uint8 modulo 2^32 and 2^8; BigInt64Array modulo 2^64).
 */
function addRun(src: TypedData, from: number, dst: TypedData, to: number, n: number): void {
  if (dst instanceof BigInt64Array) {
    const s = src as BigInt64Array;
    for (let k = 0; k < n; k++) dst[to + k] += s[from + k];
  } else {
    const d = dst as Float64Array;
    const s = src as Float64Array;
    for (let k = 0; k < n; k++) d[to + k] += s[from + k];
  }
}

// ---------------------------------------------------------------------------------------------
// StridedSliceGrad: dy written back (not summed: a slice reads each element at most once) into
// zeros of the input's shape.

cpuBackend.register("StridedSliceGrad", (node) => {
  const masks = stridedSliceMasks(node.attrs);
  return (inputs) => {
    const shape = vectorOf(arr(inputs[0]), "shape");
    const begin = vectorOf(arr(inputs[1]), "begin");
    const end = vectorOf(arr(inputs[2]), "end");
    const strides = vectorOf(arr(inputs[3]), "strides");
    const dy = arr(inputs[4]);
    if (begin.length !== end.length || begin.length !== strides.length) {
      throw new InvalidArgumentError(
        `Expected begin, end, and strides to be 1D equal size tensors, but got shapes [${begin.length}], [${end.length}], and [${strides.length}] instead.`,
      );
    }
    if (shape.some((d) => d < 0)) {
      throw new InvalidArgumentError(`shape must not have negative dims, got [${shape}]`);
    }
    const plan = planStridedSlice(shape, begin.length, begin, end, strides, masks);
    const finalShape = plan.finalShape as number[];
    if (!sameShape(dy.shape, finalShape)) {
      throw new InvalidArgumentError(
        `shape of dy was ${shapeString(dy.shape)} instead of ${shapeString(finalShape)}`,
      );
    }
    const out = allocData(dy.dtype, shapeSize(shape));
    const sizes = plan.sizes as number[];
    const total = shapeSize(sizes);
    const rank = shape.length;
    const src = dy.data as unknown as Elems;
    const dst = out as unknown as Elems;
    if (total > 0 && rank === 0) dst[0] = src[0];
    if (total > 0 && rank > 0) {
      // Walk the slice's elements in order (dy's order), tracking the offset in the output.
      const outStrides = new Array<number>(rank);
      let acc = 1;
      for (let d = rank - 1; d >= 0; d--) {
        outStrides[d] = acc;
        acc *= shape[d];
      }
      const jump = outStrides.map((s, d) => s * plan.strides[d]);
      let off = 0;
      for (let d = 0; d < rank; d++) off += plan.begin[d] * outStrides[d];
      const last = rank - 1;
      const idx = new Array<number>(rank).fill(0);
      for (let i = 0; i < total; ) {
        for (let k = 0; k < sizes[last]; k++) dst[off + k * jump[last]] = src[i++];
        for (let d = last - 1; d >= 0; d--) {
          idx[d]++;
          off += jump[d];
          if (idx[d] < sizes[d]) break;
          off -= jump[d] * idx[d];
          idx[d] = 0;
        }
      }
    }
    return [new NDArray(dy.dtype, shape, out)];
  };
});

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum: output[ids[i]] += data[i] over the leading ids.shape dims of data.

cpuBackend.register("UnsortedSegmentSum", (node) => {
  checkSummable("UnsortedSegmentSum", node.inputDtypes[0]);
  return (inputs) => {
    const data = arr(inputs[0]);
    const idsArr = arr(inputs[1]);
    const numArr = arr(inputs[2]);
    if (numArr.rank !== 0) {
      throw new InvalidArgumentError(
        `num_segments should be a scalar, not shape ${shapeString(numArr.shape)}`,
      );
    }
    const num = Number(numArr.data[0]);
    if (num < 0) throw new InvalidArgumentError(`num_segments must be non-negative, got ${num}`);
    const idRank = idsArr.rank;
    if (idRank > data.rank || !sameShape(data.shape.slice(0, idRank), idsArr.shape)) {
      throw new InvalidArgumentError(
        `data.shape = ${shapeString(data.shape)} does not start with segment_ids.shape = ${shapeString(idsArr.shape)}`,
      );
    }
    const inner = data.shape.slice(idRank);
    const n = shapeSize(inner);
    const out = allocData(data.dtype, num * n);
    const ids = intValues(idsArr);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0) continue; // dropped, as TensorFlow does
      if (id >= num) {
        throw new InvalidArgumentError(`segment_ids[${i}] = ${id} is out of range [0, ${num})`);
      }
      addRun(data.data, i * n, out, id * n, n);
    }
    return [new NDArray(data.dtype, [num, ...inner], out)];
  };
});

// ---------------------------------------------------------------------------------------------
// ScatterNd: zeros of `shape` with each updates slice added at the position its index row names
// (duplicates sum).

cpuBackend.register("ScatterNd", (node) => {
  checkSummable("ScatterNd", node.inputDtypes[1]);
  return (inputs) => {
    const indices = arr(inputs[0]);
    const updates = arr(inputs[1]);
    const shape = vectorOf(arr(inputs[2]), "shape");
    if (shape.some((d) => d < 0)) {
      throw new InvalidArgumentError(`shape must not have negative dims, got [${shape}]`);
    }
    if (indices.rank < 1) {
      throw new InvalidArgumentError(
        `Indices shape must have rank at least one, got ${shapeString(indices.shape)}`,
      );
    }
    const k = indices.shape[indices.rank - 1];
    if (k > shape.length) {
      throw new InvalidArgumentError(
        `Output must have rank >= indices.shape[-1] = ${k}, got shape ${shapeString(shape)}`,
      );
    }
    const batchShape = indices.shape.slice(0, -1);
    const sliceShape = shape.slice(k);
    const want = [...batchShape, ...sliceShape];
    if (!sameShape(updates.shape, want)) {
      throw new InvalidArgumentError(
        `The shape of updates must be indices.shape[:-1] + shape[indices.shape[-1]:] = ${shapeString(want)}, got ${shapeString(updates.shape)}`,
      );
    }
    const n = shapeSize(sliceShape);
    const out = allocData(updates.dtype, shapeSize(shape));
    const outStrides = new Array<number>(k);
    let acc = n;
    for (let d = k - 1; d >= 0; d--) {
      outStrides[d] = acc;
      acc *= shape[d];
    }
    const idx = intValues(indices);
    const rows = shapeSize(batchShape);
    for (let i = 0; i < rows; i++) {
      let to = 0;
      for (let d = 0; d < k; d++) {
        const v = idx[i * k + d];
        if (v < 0 || v >= shape[d]) {
          throw new InvalidArgumentError(
            `indices[${i}] = [${idx.slice(i * k, i * k + k).join(", ")}] does not index into shape ${shapeString(shape)}`,
          );
        }
        to += v * outStrides[d];
      }
      addRun(updates.data, i * n, out, to, n);
    }
    return [new NDArray(updates.dtype, shape, out)];
  };
});
