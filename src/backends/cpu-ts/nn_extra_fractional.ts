// Kernels of FractionalMaxPool and FractionalAvgPool (NHWC) and their Grad ops. The pooling
// regions come from random cumulative sequences (TF's GeneratePoolingSequence): a shuffle of
// region lengths k and k + 1, or (pseudo_random) ceil(alpha * (i + u)) - 1 for a uniform u.
// With `deterministic` and seeds the regions are the same every run; seeds 0 draw new ones.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { checkRank, type Floats, floats } from "./nn_extra_window.js";
import { GuardedPhilox, type PhiloxRandom } from "./philox.js";

/** A stream of uniform doubles in [0, 1) from a Philox generator. */
function uniforms(gen: PhiloxRandom): () => number {
  const block = new Uint32Array(4);
  let i = 4;
  return () => {
    if (i >= 4) {
      gen.next(block);
      i = 0;
    }
    const hi = block[i++] >>> 5; // 27 bits
    if (i >= 4) {
      gen.next(block);
      i = 0;
    }
    const lo = block[i++] >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  };
}

/** The cumulative pooling sequence: output + 1 boundaries from 0 to input. */
export function poolingSequence(
  input: number,
  output: number,
  rand: () => number,
  pseudoRandom: boolean,
): number[] {
  const seq = [0];
  if (pseudoRandom) {
    const alpha = input / output;
    const k = Math.floor(input / output);
    const maxU = Math.min((k + 2) / alpha - 1, (input + 1 - k) / alpha - (output - 1));
    const u = rand() * maxU;
    for (let i = 1; i < output; i++) seq.push(Math.ceil(alpha * (i + u)) - 1);
    seq.push(input);
    return seq;
  }
  const k = Math.floor(input / output);
  const diff = Array.from({ length: output }, (_, i) => (i < input % output ? k + 1 : k));
  for (let i = diff.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [diff[i], diff[j]] = [diff[j], diff[i]];
  }
  for (const d of diff) seq.push(seq[seq.length - 1] + d);
  return seq;
}

interface Regions {
  rows: number[];
  cols: number[];
}

function readRatio(node: NodeInfo): number[] {
  const r = node.attrs.pooling_ratio as number[];
  if (r.length !== 4 || r[0] !== 1 || r[3] !== 1 || r.some((v) => !(v >= 1)))
    throw new InvalidArgumentError(
      `${node.type}: pooling_ratio must be [1, >= 1, >= 1, 1], got [${r.join(",")}]`,
    );
  return r;
}

/** The row and column sequences of one run (x is [n, h, w, c]). */
function regionsFor(node: NodeInfo, x: NDArray): Regions {
  checkRank(x, 4, "value", node.type);
  const ratio = readRatio(node);
  const seed = node.attrs.seed as number;
  const seed2 = node.attrs.seed2 as number;
  const deterministic = node.attrs.deterministic === true;
  if (!deterministic && (seed !== 0 || seed2 !== 0))
    throw new InvalidArgumentError(
      `${node.type}: Both seed and seed2 should be 0 if deterministic is false.`,
    );
  const rand = uniforms(new GuardedPhilox(seed, seed2).reserveSamples128(1 << 20));
  const pseudo = node.attrs.pseudo_random === true;
  const seqs = [1, 2].map((i) => {
    const out = Math.floor(x.shape[i] / ratio[i]);
    if (out < 1)
      throw new InvalidArgumentError(
        `${node.type}: input size ${x.shape[i]} over pooling ratio ${ratio[i]} leaves no output`,
      );
    return poolingSequence(x.shape[i], out, rand, pseudo);
  });
  return { rows: seqs[0], cols: seqs[1] };
}

/** Visits the inclusive [start, end] input range of each pooling region along one dimension. */
function bounds(seq: number[], i: number, size: number, overlapping: boolean): [number, number] {
  const end = overlapping ? seq[i + 1] : seq[i + 1] - 1;
  return [seq[i], Math.min(end, size - 1)];
}

function forEachRegion(
  shape: readonly number[],
  r: Regions,
  overlapping: boolean,
  visit: (o0: number, cells: number[]) => void,
): void {
  const [n, h, w, c] = shape;
  const oh = r.rows.length - 1;
  const ow = r.cols.length - 1;
  const cells: number[] = [];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++) {
      const [r0, r1] = bounds(r.rows, y, h, overlapping);
      for (let x = 0; x < ow; x++) {
        const [c0, c1] = bounds(r.cols, x, w, overlapping);
        cells.length = 0;
        for (let iy = r0; iy <= r1; iy++)
          for (let ix = c0; ix <= c1; ix++) cells.push(((b * h + iy) * w + ix) * c);
        visit(((b * oh + y) * ow + x) * c, cells);
      }
    }
}

/** Per output element, the flat input index of its region's first maximum. */
function regionArgmax(x: NDArray, r: Regions, overlapping: boolean): Int32Array {
  const c = x.shape[3];
  const src = x.data as unknown as number[];
  const argmax = new Int32Array(x.shape[0] * (r.rows.length - 1) * (r.cols.length - 1) * c);
  forEachRegion(x.shape, r, overlapping, (o0, cells) => {
    for (let ch = 0; ch < c; ch++) {
      let best = cells[0] + ch;
      for (const cell of cells) if (src[cell + ch] > src[best]) best = cell + ch;
      argmax[o0 + ch] = best;
    }
  });
  return argmax;
}

const seqTensor = (s: number[]) => new NDArray("int64", [s.length], BigInt64Array.from(s, BigInt));
const outShape = (shape: readonly number[], r: Regions) => [
  shape[0],
  r.rows.length - 1,
  r.cols.length - 1,
  shape[3],
];

cpuBackend.register("FractionalMaxPool", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const r = regionsFor(node, x);
  const overlapping = node.attrs.overlapping === true;
  const argmax = regionArgmax(x, r, overlapping);
  const out = new NDArray(x.dtype, outShape(x.shape, r));
  const o = out.data as unknown as number[];
  const src = x.data as unknown as number[];
  for (let i = 0; i < argmax.length; i++) o[i] = src[argmax[i]];
  return [out, seqTensor(r.rows), seqTensor(r.cols)];
});

cpuBackend.register("FractionalAvgPool", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const r = regionsFor(node, x);
  const c = x.shape[3];
  const src = x.data as Floats;
  const shape = outShape(x.shape, r);
  const out = floats(
    x.dtype,
    shape.reduce((a, b) => a * b, 1),
    node.type,
  );
  forEachRegion(x.shape, r, node.attrs.overlapping === true, (o0, cells) => {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (const cell of cells) s += src[cell + ch];
      out[o0 + ch] = s / cells.length;
    }
  });
  return [new NDArray(x.dtype, shape, out), seqTensor(r.rows), seqTensor(r.cols)];
});

/** Sequences given to a Grad op: int64 vectors from 0 to the input size. */
function readRegions(node: NodeInfo, rows: NDArray, cols: NDArray, shape: number[]): Regions {
  const read = (t: NDArray, size: number, what: string) => {
    const s = Array.from(t.data as BigInt64Array, Number);
    const ok =
      t.rank === 1 &&
      s.length >= 2 &&
      s[0] === 0 &&
      s[s.length - 1] <= size &&
      s.every((v, i) => i === 0 || v > s[i - 1]);
    if (!ok)
      throw new InvalidArgumentError(
        `${node.type}: ${what} must be an increasing sequence from 0 to at most ${size}, got [${s.join(",")}]`,
      );
    return s;
  };
  return {
    rows: read(rows, shape[1], "row_pooling_sequence"),
    cols: read(cols, shape[2], "col_pooling_sequence"),
  };
}

function checkBackprop(node: NodeInfo, dy: NDArray, want: number[]): void {
  if (dy.shape.join() !== want.join())
    throw new InvalidArgumentError(
      `${node.type}: out_backprop has shape ${shapeString(dy.shape)}, but the pooled shape is ${shapeString(want)}`,
    );
}

cpuBackend.register("FractionalMaxPoolGrad", (node) => (inputs) => {
  const x = arr(inputs[0]);
  const dy = arr(inputs[2]);
  checkRank(x, 4, "orig_input", node.type);
  const r = readRegions(node, arr(inputs[3]), arr(inputs[4]), x.shape);
  checkBackprop(node, dy, outShape(x.shape, r));
  const argmax = regionArgmax(x, r, node.attrs.overlapping === true);
  const dx = floats(dy.dtype, x.size, node.type);
  const d = dy.data as Floats;
  for (let i = 0; i < argmax.length; i++) dx[argmax[i]] += d[i];
  return [new NDArray(dy.dtype, x.shape, dx)];
});

cpuBackend.register("FractionalAvgPoolGrad", (node) => (inputs) => {
  const sizesArr = arr(inputs[0]);
  const shape = Array.from(sizesArr.data as BigInt64Array, Number);
  if (sizesArr.rank !== 1 || shape.length !== 4 || shape.some((d) => d < 0))
    throw new InvalidArgumentError(
      `${node.type}: orig_input_tensor_shape must be 4 non-negative sizes, got [${shape.join(",")}]`,
    );
  const dy = arr(inputs[1]);
  const r = readRegions(node, arr(inputs[2]), arr(inputs[3]), shape);
  checkBackprop(node, dy, outShape(shape, r));
  const c = shape[3];
  const dx = floats(
    dy.dtype,
    shape.reduce((a, b) => a * b, 1),
    node.type,
  );
  const d = dy.data as Floats;
  forEachRegion(shape, r, node.attrs.overlapping === true, (o0, cells) => {
    for (let ch = 0; ch < c; ch++) {
      const g = d[o0 + ch] / cells.length;
      for (const cell of cells) dx[cell + ch] += g;
    }
  });
  return [new NDArray(dy.dtype, shape, dx)];
});
