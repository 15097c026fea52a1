// The Einsum kernel: one loop over every label (output labels outermost), each input read
// through per-label strides. A label repeated in one input adds its strides (the diagonal); an
// ellipsis dim of size 1 gets stride 0 (broadcasting); labels not in the output are summed.
import { allocData, type DType } from "../../framework/dtypes.js";
import {
  type EinsumEquation,
  ELLIPSIS,
  einsumDims,
  einsumOutputShape,
  ellipsisRanks,
  parseEinsum,
} from "../../framework/einsum_rules.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { type FloatArray, gemm } from "./gemm.js";
import { cpuBackend } from "./index.js";
import { checkOutputSize } from "./linalg_matrix.js";

type Num = Float32Array | Float64Array | Int32Array;

/** A row-major copy of `data` (of `shape`) with its dims permuted by `perm`. */
function permuted(data: FloatArray, shape: readonly number[], perm: readonly number[]): FloatArray {
  const out = new (data.constructor as Float64ArrayConstructor)(data.length);
  if (perm.every((p, i) => p === i)) {
    out.set(data);
    return out;
  }
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, st = 1; d >= 0; d--) {
    strides[d] = st;
    st *= shape[d];
  }
  const pShape = perm.map((p) => shape[p]);
  const pStrides = perm.map((p) => strides[p]);
  const idx = new Array<number>(perm.length).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let a = perm.length - 1; a >= 0; a--) {
      src += pStrides[a];
      if (++idx[a] < pShape[a]) break;
      src -= pStrides[a] * pShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * Two float inputs without ellipses, repeated labels or labels only one input has and the output
 * lacks: a batched matrix product of the inputs permuted to [batch, free, contracted] and
 * [batch, contracted, free], permuted to the output's order. Null when the case does not apply.
 */
function einsumByGemm(
  eq: EinsumEquation,
  xs: NDArray[],
  size: Map<string, number>,
  dtype: DType,
  outShape: number[],
): NDArray | null {
  if (xs.length !== 2 || (dtype !== "float32" && dtype !== "float64")) return null;
  const [a, b] = eq.inputs;
  const out = eq.output;
  const all = [...a, ...b, ...out];
  if (all.includes(ELLIPSIS) || new Set(a).size !== a.length || new Set(b).size !== b.length) {
    return null;
  }
  if (a.some((l) => !b.includes(l) && !out.includes(l))) return null;
  if (b.some((l) => !a.includes(l) && !out.includes(l))) return null;
  if ([...size.values()].some((d) => d === 0)) return null;
  const batch = out.filter((l) => a.includes(l) && b.includes(l));
  const aFree = out.filter((l) => a.includes(l) && !b.includes(l));
  const bFree = out.filter((l) => b.includes(l) && !a.includes(l));
  const contracted = a.filter((l) => b.includes(l) && !out.includes(l));
  const prod = (ls: string[]) => ls.reduce((p, l) => p * size.get(l)!, 1);
  const [nb, m, k, n] = [prod(batch), prod(aFree), prod(contracted), prod(bFree)];
  const pa = permuted(
    xs[0].data as FloatArray,
    xs[0].shape,
    [...batch, ...aFree, ...contracted].map((l) => a.indexOf(l)),
  );
  const pb = permuted(
    xs[1].data as FloatArray,
    xs[1].shape,
    [...batch, ...contracted, ...bFree].map((l) => b.indexOf(l)),
  );
  const res = new (pa.constructor as Float64ArrayConstructor)(nb * m * n);
  for (let t = 0; t < nb; t++)
    gemm(pa, t * m * k, false, pb, t * k * n, false, res, t * m * n, m, k, n);
  const resLabels = [...batch, ...aFree, ...bFree];
  const data = permuted(
    res,
    resLabels.map((l) => size.get(l)!),
    out.map((l) => resLabels.indexOf(l)),
  );
  return new NDArray(dtype, outShape, data as never);
}

function einsum(equation: string, xs: NDArray[], dtype: DType): NDArray {
  const eq = parseEinsum(equation, xs.length);
  const dims = einsumDims(
    eq,
    xs.map((x) => x.shape),
  );
  const eRanks = ellipsisRanks(
    eq,
    xs.map((x) => x.rank),
  );
  const maxE = dims.ellipsis.length;
  // Every loop axis: the ellipsis dims as pseudo-labels "…0", "…1", ..., then the letters.
  const eName = (k: number) => `${ELLIPSIS}${k}`;
  const size = new Map<string, number>();
  dims.ellipsis.forEach((d, k) => {
    size.set(eName(k), d!);
  });
  for (const [l, d] of dims.labels) size.set(l, d!);
  const outAxes: string[] = [];
  for (const l of eq.output) {
    if (l === ELLIPSIS) for (let k = 0; k < maxE; k++) outAxes.push(eName(k));
    else outAxes.push(l);
  }
  const sumAxes = [...size.keys()].filter((a) => !outAxes.includes(a));
  const axes = [...outAxes, ...sumAxes];
  const outShape = einsumOutputShape(eq, dims) as number[];
  const outSize = shapeSize(outShape);
  const sumSize = shapeSize(sumAxes.map((a) => size.get(a)!));
  if (!Number.isSafeInteger(outSize * Math.max(1, sumSize))) {
    throw new InvalidArgumentError(`Einsum: the equation ${equation} needs too many products`);
  }
  checkOutputSize(outShape, "Einsum");
  const fast = einsumByGemm(eq, xs, size, dtype, outShape);
  if (fast) return fast;
  // strides[i][a]: how far input i's flat index moves when loop axis a moves by one.
  const strides = xs.map((x, i) => {
    const s = new Array<number>(axes.length).fill(0);
    const xStrides = new Array<number>(x.rank);
    for (let d = x.rank - 1, st = 1; d >= 0; d--) {
      xStrides[d] = st;
      st *= x.shape[d];
    }
    let axis = 0;
    for (const l of eq.inputs[i]) {
      if (l === ELLIPSIS) {
        for (let k = 0; k < eRanks[i]; k++, axis++) {
          if (x.shape[axis] !== 1) s[axes.indexOf(eName(maxE - eRanks[i] + k))] += xStrides[axis];
        }
      } else s[axes.indexOf(l)] += xStrides[axis++];
    }
    return s;
  });
  const sizes = axes.map((a) => size.get(a)!);
  const out = new NDArray(dtype, outShape, allocData(dtype, outSize));
  const o = out.data as Num;
  const data = xs.map((x) => x.data as Num);
  const n = axes.length;
  const idx = new Array<number>(n).fill(0);
  const offs = new Array<number>(xs.length).fill(0);
  const total = outSize * sumSize;
  const nOut = outAxes.length;
  let flatOut = 0;
  let acc = 0;
  for (let t = 0; t < total; t++) {
    let p = 1;
    for (let i = 0; i < xs.length; i++) p *= data[i][offs[i]];
    acc += p;
    // Odometer step from the innermost axis; leaving the summed axes finishes one output element.
    let a = n - 1;
    for (; a >= 0; a--) {
      idx[a]++;
      for (let i = 0; i < xs.length; i++) offs[i] += strides[i][a];
      if (idx[a] < sizes[a]) break;
      for (let i = 0; i < xs.length; i++) offs[i] -= strides[i][a] * sizes[a];
      idx[a] = 0;
    }
    if (a < nOut) {
      o[flatOut++] = acc;
      acc = 0;
    }
  }
  return out;
}

cpuBackend.register("Einsum", (node) => {
  const equation = node.attrs.equation as string;
  return (inputs) => {
    const xs = inputs.map(arr);
    const dtype = xs[0].dtype;
    if (dtype !== "float32" && dtype !== "float64" && dtype !== "int32") {
      throw new InvalidArgumentError(`Einsum has no kernel for dtype ${dtype}`);
    }
    return [einsum(equation, xs, dtype)];
  };
});
