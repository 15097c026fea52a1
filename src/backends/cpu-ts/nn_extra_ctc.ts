// Kernel of CTCLoss: per batch entry, the negative log probability of its label sequence under
// softmax(inputs) (Graves et al. 2006), by the forward-backward recursions in log space over the
// label with blanks interleaved (the blank is the last class), and d loss / d inputs.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { type Floats, floats } from "./nn_extra_window.js";

export const LOG0 = Number.NEGATIVE_INFINITY;

export function logSumExp(a: number, b: number): number {
  if (a === LOG0) return b;
  if (b === LOG0) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** The label sequence of each batch entry, from the sparse labels (indices [n, 2], values). */
/**
 * Checks the CTC ops' common inputs: time-major logits [max_time, batch, classes] and
 * sequence_length [batch]; returns the three sizes.
 */
export function sequenceInputs(
  type: string,
  x: NDArray,
  seqLen: NDArray,
): [maxTime: number, batch: number, classes: number] {
  if (x.rank !== 3)
    throw new InvalidArgumentError(`${type}: inputs must be 3-D, got ${shapeString(x.shape)}`);
  const [maxTime, batch, classes] = x.shape;
  if (seqLen.rank !== 1 || seqLen.size !== batch)
    throw new InvalidArgumentError(
      `${type}: sequence_length must be [batch_size] = [${batch}], got ${shapeString(seqLen.shape)}`,
    );
  return [maxTime, batch, classes];
}

function labelsByBatch(node: NodeInfo, idx: NDArray, vals: NDArray, batch: number): number[][] {
  if (idx.rank !== 2 || idx.shape[1] !== 2 || vals.rank !== 1 || vals.size !== idx.shape[0])
    throw new InvalidArgumentError(
      `${node.type}: labels_indices must be [n, 2] and labels_values [n], got ${shapeString(idx.shape)} and ${shapeString(vals.shape)}`,
    );
  const ix = idx.data as BigInt64Array;
  const v = vals.data as Int32Array;
  const out: number[][] = Array.from({ length: batch }, () => []);
  let prev = -1;
  for (let i = 0; i < vals.size; i++) {
    const b = Number(ix[2 * i]);
    if (b < 0 || b >= batch)
      throw new InvalidArgumentError(
        `${node.type}: labels batch index must be between 0 and ${batch - 1}, got ${b}`,
      );
    if (b < prev)
      throw new InvalidArgumentError(`${node.type}: labels_indices must be ordered by batch`);
    prev = b;
    out[b].push(v[i]);
  }
  return out;
}

interface CtcOptions {
  collapse: boolean;
  merge: boolean;
  ignoreLonger: boolean;
}

/**
 * Loss and gradient of one batch entry: `logits(t, k)` reads its inputs, `grad(t, k, v)` writes
 * d loss / d logits. Returns the loss, or null when the label does not fit (and is ignored).
 */
function ctcOne(
  node: NodeInfo,
  b: number,
  steps: number,
  classes: number,
  rawLabel: number[],
  o: CtcOptions,
  logits: (t: number, k: number) => number,
  grad: (t: number, k: number, v: number) => void,
): number {
  const blank = classes - 1;
  const label = o.collapse ? rawLabel.filter((l, i) => i === 0 || l !== rawLabel[i - 1]) : rawLabel;
  for (const l of label)
    if (!(l >= 0 && l < classes))
      throw new InvalidArgumentError(
        `${node.type}: label values must be in [0, ${classes}), got ${l} (batch ${b})`,
      );
  let required = label.length;
  if (o.merge) for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) required++;
  if (required > steps) {
    if (o.ignoreLonger) return 0;
    throw new InvalidArgumentError(
      `${node.type}: Not enough time for target transition sequence (required: ${required}, available: ${steps}), batch ${b}. You can turn this error into a warning by using the flag ignore_longer_outputs_than_inputs`,
    );
  }
  if (steps === 0) return 0;
  // l' = blank, l1, blank, l2, ..., blank.
  const lp = [blank];
  for (const l of label) lp.push(l, blank);
  const U = lp.length;
  // Log softmax of each step.
  const logY = new Float64Array(steps * classes);
  for (let t = 0; t < steps; t++) {
    let max = LOG0;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits(t, k));
    let s = 0;
    for (let k = 0; k < classes; k++) s += Math.exp(logits(t, k) - max);
    const lse = max + Math.log(s);
    for (let k = 0; k < classes; k++) logY[t * classes + k] = logits(t, k) - lse;
  }
  const y = (t: number, u: number) => logY[t * classes + lp[u]];
  const stay = (u: number) => o.merge || lp[u] === blank;
  const skip = (u: number) => lp[u] !== blank && !(o.merge && lp[u] === lp[u - 2]);
  // alpha(t, u) includes the emission at t; beta(t, u) the ones after t.
  const alpha = new Float64Array(steps * U).fill(LOG0);
  const beta = new Float64Array(steps * U).fill(LOG0);
  alpha[0] = y(0, 0);
  if (U > 1) alpha[1] = y(0, 1);
  for (let t = 1; t < steps; t++) {
    for (let u = 0; u < U; u++) {
      let s = stay(u) ? alpha[(t - 1) * U + u] : LOG0;
      if (u > 0) s = logSumExp(s, alpha[(t - 1) * U + u - 1]);
      if (u > 1 && skip(u)) s = logSumExp(s, alpha[(t - 1) * U + u - 2]);
      alpha[t * U + u] = s === LOG0 ? LOG0 : s + y(t, u);
    }
  }
  const last = (steps - 1) * U;
  beta[last + U - 1] = 0;
  if (U > 1) beta[last + U - 2] = 0;
  for (let t = steps - 2; t >= 0; t--) {
    for (let u = 0; u < U; u++) {
      const next = (t + 1) * U;
      let s = stay(u) ? beta[next + u] + y(t + 1, u) : LOG0;
      if (u + 1 < U) s = logSumExp(s, beta[next + u + 1] + y(t + 1, u + 1));
      if (u + 2 < U && skip(u + 2)) s = logSumExp(s, beta[next + u + 2] + y(t + 1, u + 2));
      beta[t * U + u] = s;
    }
  }
  let logP = LOG0;
  for (let u = 0; u < U; u++) logP = logSumExp(logP, alpha[u] + beta[u]);
  // d loss / d logits(t, k) = softmax(t, k) - sum over u with l'_u = k of alpha beta / p.
  const occupancy = new Float64Array(classes);
  for (let t = 0; t < steps; t++) {
    occupancy.fill(LOG0);
    for (let u = 0; u < U; u++)
      occupancy[lp[u]] = logSumExp(occupancy[lp[u]], alpha[t * U + u] + beta[t * U + u]);
    for (let k = 0; k < classes; k++)
      grad(t, k, Math.exp(logY[t * classes + k]) - Math.exp(occupancy[k] - logP));
  }
  return -logP;
}

cpuBackend.register("CTCLoss", (node) => {
  const o: CtcOptions = {
    collapse: node.attrs.preprocess_collapse_repeated === true,
    merge: node.attrs.ctc_merge_repeated !== false,
    ignoreLonger: node.attrs.ignore_longer_outputs_than_inputs === true,
  };
  return (inputs) => {
    const x = arr(inputs[0]);
    const seqLen = arr(inputs[3]);
    const [maxTime, batch, classes] = sequenceInputs(node.type, x, seqLen);
    if (classes < 1) throw new InvalidArgumentError(`${node.type}: num_classes must be positive`);
    const labels = labelsByBatch(node, arr(inputs[1]), arr(inputs[2]), batch);
    const len = seqLen.data as Int32Array;
    const src = x.data as Floats;
    const loss = floats(x.dtype, batch, node.type);
    const grad = floats(x.dtype, x.size, node.type);
    const at = (t: number, b: number, k: number) => (t * batch + b) * classes + k;
    for (let b = 0; b < batch; b++) {
      if (len[b] < 0 || len[b] > maxTime)
        throw new InvalidArgumentError(
          `${node.type}: sequence_length(${b}) must be in [0, max_time = ${maxTime}], got ${len[b]}`,
        );
      loss[b] = ctcOne(
        node,
        b,
        len[b],
        classes,
        labels[b],
        o,
        (t, k) => src[at(t, b, k)],
        (t, k, v) => {
          grad[at(t, b, k)] = v;
        },
      );
    }
    return [new NDArray(x.dtype, [batch], loss), new NDArray(x.dtype, x.shape, grad)];
  };
});
