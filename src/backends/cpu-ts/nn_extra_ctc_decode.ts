// Kernels of the CTC decoders: CTCGreedyDecoder (best path) and CTCBeamSearchDecoder (prefix
// beam search, TF's default scorer). Decoded sequences come out sparse: int64 indices
// [n, 2] (batch, position), values [n] and dense shape [batch, longest].
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { LOG0, logSumExp, sequenceInputs } from "./nn_extra_ctc.js";
import { type Floats, floats } from "./nn_extra_window.js";

/** Decoded sequences as a sparse [batch, longest] int64 tensor: indices, values, dense shape. */
function sparseOf(decoded: number[][], batch: number): [NDArray, NDArray, NDArray] {
  const total = decoded.reduce((a, seq) => a + seq.length, 0);
  const indices = new BigInt64Array(2 * total);
  const values = new BigInt64Array(total);
  let i = 0;
  for (let b = 0; b < batch; b++)
    for (let j = 0; j < decoded[b].length; j++, i++) {
      indices[2 * i] = BigInt(b);
      indices[2 * i + 1] = BigInt(j);
      values[i] = BigInt(decoded[b][j]);
    }
  const width = Math.max(0, ...decoded.map((seq) => seq.length));
  return [
    new NDArray("int64", [total, 2], indices),
    new NDArray("int64", [total], values),
    new NDArray("int64", [2], BigInt64Array.from([BigInt(batch), BigInt(width)])),
  ];
}

// Greedy (best path) decoding: the most likely class at each step, blanks dropped (and repeats
// merged with merge_repeated); log_probability is -(sum over steps of the largest input), as TF.
cpuBackend.register("CTCGreedyDecoder", (node) => {
  const merge = node.attrs.merge_repeated === true;
  return (inputs) => {
    const x = arr(inputs[0]);
    const seqLen = arr(inputs[1]);
    const [maxTime, batch, classes] = sequenceInputs(node.type, x, seqLen);
    const len = seqLen.data as Int32Array;
    const src = x.data as Floats;
    const blank = classes - 1;
    const logProb = floats(x.dtype, batch, node.type);
    const decoded: number[][] = [];
    for (let b = 0; b < batch; b++) {
      if (len[b] < 0 || len[b] > maxTime)
        throw new InvalidArgumentError(
          `${node.type}: sequence_length(${b}) must be in [0, max_time = ${maxTime}], got ${len[b]}`,
        );
      const seq: number[] = [];
      let prev = -1;
      let sum = 0;
      for (let t = 0; t < len[b]; t++) {
        const o = (t * batch + b) * classes;
        let best = 0;
        for (let k = 1; k < classes; k++) if (src[o + k] > src[o + best]) best = k;
        sum += src[o + best];
        if (best !== blank && !(merge && best === prev)) seq.push(best);
        prev = best;
      }
      logProb[b] = -sum;
      decoded.push(seq);
    }
    return [...sparseOf(decoded, batch), new NDArray(x.dtype, [batch, 1], logProb)];
  };
});
// ---- CTCBeamSearchDecoder: prefix beam search over label sequences (TF's CTCBeamSearchDecoder
// with its default scorer). Each beam entry keeps, in log space, the probability of its prefix
// ending in a blank and ending in its last label. ----

interface BeamProb {
  total: number;
  blank: number;
  label: number;
}
const noProb = (): BeamProb => ({ total: LOG0, blank: LOG0, label: LOG0 });

class BeamEntry {
  oldp = noProb();
  newp = noProb();
  children: BeamEntry[] | null = null;
  constructor(
    readonly parent: BeamEntry | null,
    readonly label: number,
  ) {}
  get active(): boolean {
    return this.newp.total !== LOG0;
  }
  /** The labels from the root, adjacent repeats merged when asked (as TF, even across blanks). */
  labels(merge: boolean): number[] {
    const out: number[] = [];
    let prev = -1;
    for (let e: BeamEntry | null = this; e?.parent; e = e.parent) {
      if (!merge || e.label !== prev) out.push(e.label);
      prev = e.label;
    }
    return out.reverse();
  }
}

/** The `topPaths` best label sequences and their log probabilities for one batch entry. */
function beamSearch(
  steps: number,
  classes: number,
  logProbs: (t: number, k: number) => number,
  width: number,
  topPaths: number,
  merge: boolean,
): { paths: number[][]; scores: number[] } {
  const blank = classes - 1;
  const root = new BeamEntry(null, -1);
  root.newp.total = 0;
  root.newp.blank = 0;
  let leaves: BeamEntry[] = [root];
  const bottom = () => leaves.reduce((m, e) => (e.newp.total < m.newp.total ? e : m));
  for (let t = 0; t < steps; t++) {
    const y = (k: number) => logProbs(t, k);
    const branches = [...leaves].sort((a, b) => b.newp.total - a.newp.total);
    leaves = [];
    for (const b of branches) b.oldp = { ...b.newp };
    for (const b of branches) {
      if (b.parent) {
        if (b.parent.active) {
          // A repeated label needs a blank in between (else it extends the same label).
          const previous = b.label === b.parent.label ? b.parent.oldp.blank : b.parent.oldp.total;
          b.newp.label = logSumExp(b.newp.label, previous);
        }
        b.newp.label += y(b.label);
      }
      b.newp.blank = b.oldp.total + y(blank);
      b.newp.total = logSumExp(b.newp.blank, b.newp.label);
      leaves.push(b);
    }
    const candidate = (p: BeamProb) =>
      p.total > LOG0 && (leaves.length < width || p.total > bottom().newp.total);
    for (const b of branches) {
      if (!candidate(b.oldp)) continue;
      b.children ??= Array.from({ length: classes - 1 }, (_, k) => new BeamEntry(b, k));
      for (const c of b.children) {
        if (c.active) continue;
        c.newp.blank = LOG0;
        const previous = c.label === b.label ? b.oldp.blank : b.oldp.total;
        c.newp.label = y(c.label) + previous;
        c.newp.total = c.newp.label;
        if (candidate(c.newp)) {
          if (leaves.length === width) {
            const out = bottom();
            out.newp = noProb();
            leaves = leaves.filter((e) => e !== out);
          }
          leaves.push(c);
        } else {
          c.oldp = noProb();
          c.newp = noProb();
        }
      }
    }
  }
  if (topPaths > leaves.length)
    throw new InvalidArgumentError("Less leaves in the beam search than requested.");
  const best = [...leaves].sort((a, b) => b.newp.total - a.newp.total).slice(0, topPaths);
  return { paths: best.map((e) => e.labels(merge)), scores: best.map((e) => e.newp.total) };
}

cpuBackend.register("CTCBeamSearchDecoder", (node) => {
  const width = node.attrs.beam_width as number;
  const top = node.attrs.top_paths as number;
  const merge = node.attrs.merge_repeated !== false;
  if (!(width >= 1) || !(top >= 1) || top > width)
    throw new InvalidArgumentError(
      `${node.type}: need 1 <= top_paths (${top}) <= beam_width (${width})`,
    );
  return (inputs) => {
    const x = arr(inputs[0]);
    const seqLen = arr(inputs[1]);
    const [maxTime, batch, classes] = sequenceInputs(node.type, x, seqLen);
    const len = seqLen.data as Int32Array;
    const src = x.data as Floats;
    const scores = floats(x.dtype, batch * top, node.type);
    const paths: number[][][] = Array.from({ length: top }, () => []);
    const logSoftmax = new Float64Array(classes);
    for (let b = 0; b < batch; b++) {
      if (len[b] < 0 || len[b] > maxTime)
        throw new InvalidArgumentError(
          `${node.type}: sequence_length(${b}) must be in [0, max_time = ${maxTime}], got ${len[b]}`,
        );
      let cached = -1;
      const lp = (t: number, k: number) => {
        if (cached !== t) {
          const o = (t * batch + b) * classes;
          let max = LOG0;
          for (let j = 0; j < classes; j++) max = Math.max(max, src[o + j]);
          let s = 0;
          for (let j = 0; j < classes; j++) s += Math.exp(src[o + j] - max);
          for (let j = 0; j < classes; j++) logSoftmax[j] = src[o + j] - max - Math.log(s);
          cached = t;
        }
        return logSoftmax[k];
      };
      const r = beamSearch(len[b], classes, lp, width, top, merge);
      for (let p = 0; p < top; p++) {
        paths[p].push(r.paths[p]);
        scores[b * top + p] = r.scores[p];
      }
    }
    const outs: NDArray[][] = [[], [], []];
    for (const decoded of paths) {
      const [indices, values, shape] = sparseOf(decoded, batch);
      outs[0].push(indices);
      outs[1].push(values);
      outs[2].push(shape);
    }
    return [...outs[0], ...outs[1], ...outs[2], new NDArray(x.dtype, [batch, top], scores)];
  };
});
