// N-D (1-3 spatial dims) channels-last window geometry for the nn_extra kernels: for each output
// pixel, the list of (input pixel, filter tap) pairs inside the input, computed once per call.
// Kernels then run flat loops over that table whatever the spatial rank.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { windowedOutputSize } from "../../framework/window_rules.js";
import type { NodeInfo } from "../kernel.js";

export type Floats = Float32Array | Float64Array;

export interface NdGeometry {
  n: number;
  c: number;
  /** Spatial input and output sizes. */
  inSize: number[];
  outSize: number[];
  /** Pixels per image (product of the spatial sizes). */
  inPixels: number;
  outPixels: number;
  /** Window taps (product of the kernel sizes). */
  taps: number;
  /** Table: output pixel o's pairs are [start[o], start[o + 1]) of inPix / tap. */
  start: Int32Array;
  inPix: Int32Array;
  tap: Int32Array;
}

export interface NdWindowAttrs {
  strides: number[];
  dilations: number[];
  padding: "SAME" | "VALID";
}

/** A list(int) attr of rank + 2 values, 1 in the batch and channel dims: its spatial part. */
export function spatialAttr(node: NodeInfo, name: string, list: number[], rank: number): number[] {
  if (list.length !== rank + 2)
    throw new InvalidArgumentError(
      `${node.type}: ${name} must have ${rank + 2} elements, got ${list.length}`,
    );
  if (list.some((v) => !Number.isInteger(v) || v < 1))
    throw new InvalidArgumentError(
      `${node.type}: ${name} must be positive, got [${list.join(",")}]`,
    );
  if (list[0] !== 1 || list[rank + 1] !== 1)
    throw new UnimplementedError(
      `${node.type}: ${name} in the batch and depth dimensions must be 1, got [${list.join(",")}]`,
    );
  return list.slice(1, rank + 1);
}

/** The window attrs of a channels-last conv/pool node over `rank` spatial dims. */
export function readNdAttrs(node: NodeInfo, rank: number): NdWindowAttrs {
  const format = node.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC" && format !== "NDHWC")
    throw new UnimplementedError(
      `${node.type} only supports the channels-last data format on CPU, got ${format}`,
    );
  const padding = node.attrs.padding as string;
  if (padding !== "SAME" && padding !== "VALID")
    throw new InvalidArgumentError(`${node.type}: padding must be SAME or VALID, got ${padding}`);
  const ones = Array<number>(rank + 2).fill(1);
  return {
    strides: spatialAttr(node, "strides", node.attrs.strides as number[], rank),
    dilations: spatialAttr(node, "dilations", (node.attrs.dilations as number[]) ?? ones, rank),
    padding,
  };
}

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

/** The tap table of a window op over input [n, ...spatial, c] with kernel `k`. */
export function ndGeometry(
  input: readonly number[],
  k: readonly number[],
  a: NdWindowAttrs,
): NdGeometry {
  const rank = k.length;
  const inSize = input.slice(1, rank + 1);
  const outSize: number[] = [];
  const padBefore: number[] = [];
  for (let i = 0; i < rank; i++) {
    const r = windowedOutputSize(inSize[i], k[i], a.strides[i], a.dilations[i], a.padding);
    outSize.push(r.out);
    padBefore.push(r.padBefore);
  }
  const outPixels = prod(outSize);
  const taps = prod(k);
  if (outPixels * taps > 2 ** 28)
    throw new InvalidArgumentError(`Window of ${taps} taps over ${outPixels} outputs is too large`);
  const start = new Int32Array(outPixels + 1);
  const inPix: number[] = [];
  const tap: number[] = [];
  const o = Array<number>(rank).fill(0);
  const t = Array<number>(rank).fill(0);
  for (let op = 0; op < outPixels; op++) {
    start[op] = inPix.length;
    t.fill(0);
    for (let ti = 0; ti < taps; ti++) {
      let flat = 0;
      let inside = true;
      for (let d = 0; d < rank; d++) {
        const pos = o[d] * a.strides[d] - padBefore[d] + t[d] * a.dilations[d];
        if (pos < 0 || pos >= inSize[d]) inside = false;
        flat = flat * inSize[d] + pos;
      }
      if (inside) {
        inPix.push(flat);
        tap.push(ti);
      }
      for (let d = rank - 1; d >= 0 && ++t[d] === k[d]; d--) t[d] = 0;
    }
    for (let d = rank - 1; d >= 0 && ++o[d] === outSize[d]; d--) o[d] = 0;
  }
  start[outPixels] = inPix.length;
  return {
    n: input[0],
    c: input[rank + 1],
    inSize,
    outSize,
    inPixels: prod(inSize),
    outPixels,
    taps,
    start,
    inPix: Int32Array.from(inPix),
    tap: Int32Array.from(tap),
  };
}

export function floats(dtype: DType, n: number, op: string): Floats {
  if (n > 2 ** 31 - 1)
    throw new InvalidArgumentError(`${op}: output of ${n} elements is too large to allocate`);
  if (dtype === "float64") return new Float64Array(n);
  if (dtype === "float32") return new Float32Array(n);
  throw new InvalidArgumentError(`${op}: expected a float32 or float64 tensor, got ${dtype}`);
}

export function checkRank(x: NDArray, rank: number, what: string, op: string): void {
  if (x.rank !== rank)
    throw new InvalidArgumentError(
      `${op}: ${what} must be ${rank}-dimensional, got ${shapeString(x.shape)}`,
    );
}

/** A 1-D int sizes input (input_sizes, filter_sizes, orig_input_shape) of `n` non-negative dims. */
export function sizesOf(v: NDArray, n: number, what: string, op: string): number[] {
  if (v.rank !== 1 || v.size !== n)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a 1-D tensor of ${n} elements, got shape ${shapeString(v.shape)}`,
    );
  const d = Array.from(v.data as ArrayLike<number | bigint>, Number);
  if (d.some((x) => x < 0))
    throw new InvalidArgumentError(`${op}: ${what} has a negative dimension: [${d.join(",")}]`);
  return d;
}

/** `t` must have exactly `want` as its shape (else a kernel would read out of bounds). */
export function checkShape(t: NDArray, want: readonly number[], what: string, op: string): void {
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i]))
    throw new InvalidArgumentError(
      `${op}: ${what} has shape ${shapeString(t.shape)}, but the computed shape is ${shapeString(want)}`,
    );
}

/** [n, ...out spatial, channels]. */
export const outShape = (g: NdGeometry, channels: number): number[] => [
  g.n,
  ...g.outSize,
  channels,
];

/**
 * For each output element (pixel x channel) of a max pool, the flat index into the input of its
 * window's first maximum, in window scan order (NaN wins over numbers); -1 for an empty window.
 */
export function maxArgmax(x: ArrayLike<number>, g: NdGeometry): Int32Array {
  const { n, c, inPixels, outPixels, start, inPix } = g;
  const size = n * outPixels * c;
  if (size > 2 ** 31 - 1) throw new InvalidArgumentError("max pooling output is too large");
  const argmax = new Int32Array(size).fill(-1);
  for (let b = 0; b < n; b++) {
    for (let op = 0; op < outPixels; op++) {
      const o0 = (b * outPixels + op) * c;
      for (let t = start[op]; t < start[op + 1]; t++) {
        const x0 = (b * inPixels + inPix[t]) * c;
        for (let ch = 0; ch < c; ch++) {
          const best = argmax[o0 + ch];
          const v = x[x0 + ch];
          if (best < 0 || v > x[best] || (Number.isNaN(v) && !Number.isNaN(x[best])))
            argmax[o0 + ch] = x0 + ch;
        }
      }
    }
  }
  return argmax;
}
