// Non-max suppression kernels: NonMaxSuppression V1-V5 (V4 pads, V5 adds Soft-NMS and the
// selected scores) and NonMaxSuppressionWithOverlaps. One greedy loop serves them all, as in TF:
// candidates above score_threshold leave a queue by decreasing score (lower index first on ties)
// and are kept unless too similar to one already kept; with Soft-NMS (sigma > 0) a candidate's
// score decays by exp(-iou^2 / (2 sigma)) instead, and it goes back in the queue while above the
// threshold.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo, type Value } from "../kernel.js";
import { numbers, scalarOf } from "./image_util.js";
import { cpuBackend } from "./index.js";

/** Intersection over union of boxes i and j ([y1, x1, y2, x2], corners in either order). */
export function iou(b: ArrayLike<number>, i: number, j: number): number {
  const yminI = Math.min(b[i * 4], b[i * 4 + 2]);
  const xminI = Math.min(b[i * 4 + 1], b[i * 4 + 3]);
  const ymaxI = Math.max(b[i * 4], b[i * 4 + 2]);
  const xmaxI = Math.max(b[i * 4 + 1], b[i * 4 + 3]);
  const yminJ = Math.min(b[j * 4], b[j * 4 + 2]);
  const xminJ = Math.min(b[j * 4 + 1], b[j * 4 + 3]);
  const ymaxJ = Math.max(b[j * 4], b[j * 4 + 2]);
  const xmaxJ = Math.max(b[j * 4 + 1], b[j * 4 + 3]);
  const areaI = (ymaxI - yminI) * (xmaxI - xminI);
  const areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
  if (areaI <= 0 || areaJ <= 0) return 0;
  const ih = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0);
  const iw = Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0);
  const inter = ih * iw;
  return inter / (areaI + areaJ - inter);
}

interface Candidate {
  index: number;
  score: number;
  /** Kept boxes before this position were already compared with this candidate. */
  checkedUpTo: number;
}

/** A binary max-heap of candidates: higher score first, lower index first on ties. */
class CandidateQueue {
  private readonly items: Candidate[] = [];
  private before(a: Candidate, b: Candidate): boolean {
    return a.score > b.score || (a.score === b.score && a.index < b.index);
  }
  get size(): number {
    return this.items.length;
  }
  push(c: Candidate): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Candidate {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l], h[m])) m = l;
        if (r < h.length && this.before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export interface Selection {
  indices: number[];
  scores: number[];
}

/** TF's greedy selection over `similarity(i, j)` (IOU or a given overlap). */
export function selectBoxes(
  scores: ArrayLike<number>,
  maxOutput: number,
  similarity: (i: number, j: number) => number,
  threshold: number,
  scoreThreshold: number,
  softSigma = 0,
): Selection {
  const queue = new CandidateQueue();
  for (let i = 0; i < scores.length; i++)
    if (scores[i] > scoreThreshold) queue.push({ index: i, score: scores[i], checkedUpTo: 0 });
  const soft = softSigma > 0;
  const scale = soft ? -0.5 / softSigma : 0;
  const kept: number[] = [];
  const keptScores: number[] = [];
  while (kept.length < maxOutput && queue.size > 0) {
    const cand = queue.pop();
    const original = cand.score;
    let hardSuppressed = false;
    // Most overlaps are with recent selections: compare newest first.
    for (let j = kept.length - 1; j >= cand.checkedUpTo; j--) {
      const sim = similarity(cand.index, kept[j]);
      if (!soft && sim > threshold) {
        hardSuppressed = true;
        break;
      }
      if (soft) cand.score *= Math.exp(scale * sim * sim);
      if (cand.score <= scoreThreshold) break;
    }
    cand.checkedUpTo = kept.length;
    if (hardSuppressed) continue;
    if (cand.score === original) {
      kept.push(cand.index);
      keptScores.push(cand.score);
    } else if (cand.score > scoreThreshold) queue.push(cand);
  }
  return { indices: kept, scores: keptScores };
}

function checkBoxes(boxes: NDArray, scores: NDArray, op: string): number {
  if (boxes.rank !== 2 || boxes.shape[1] !== 4)
    throw new InvalidArgumentError(
      `${op}: boxes must be 2-D with 4 columns, got shape ${shapeString(boxes.shape)}`,
    );
  const n = boxes.shape[0];
  if (scores.rank !== 1 || scores.shape[0] !== n)
    throw new InvalidArgumentError(
      `${op}: scores has incompatible shape ${shapeString(scores.shape)} (expected [${n}])`,
    );
  return n;
}

function checkMaxOutput(v: NDArray, op: string): number {
  const m = scalarOf(v, "max_output_size", op);
  if (m < 0)
    throw new InvalidArgumentError(`${op}: max_output_size must be non-negative, got ${m}`);
  return m;
}

function checkIou(t: number, op: string): number {
  if (!(t >= 0 && t <= 1))
    throw new InvalidArgumentError(`${op}: iou_threshold must be in [0, 1], got ${t}`);
  return t;
}

const int32 = (v: number[], pad = 0): NDArray => {
  const out = new Int32Array(Math.max(v.length, pad));
  out.set(v);
  return new NDArray("int32", [out.length], out);
};

/** Runs NMS on the standard inputs of V1-V5; `version` decides which inputs exist. */
function nmsKernel(node: NodeInfo, inputs: Value[], version: number): Selection & { max: number } {
  const boxes = arr(inputs[0]);
  const scores = arr(inputs[1]);
  checkBoxes(boxes, scores, node.type);
  const max = checkMaxOutput(arr(inputs[2]), node.type);
  const iouT = checkIou(
    version === 1
      ? Number(node.attrs.iou_threshold ?? 0.5)
      : scalarOf(arr(inputs[3]), "iou_threshold", node.type),
    node.type,
  );
  const scoreT = version >= 3 ? scalarOf(arr(inputs[4]), "score_threshold", node.type) : -Infinity;
  let sigma = 0;
  if (version === 5) {
    sigma = scalarOf(arr(inputs[5]), "soft_nms_sigma", node.type);
    if (sigma < 0)
      throw new InvalidArgumentError(
        `${node.type}: soft_nms_sigma must be non-negative, got ${sigma}`,
      );
  }
  const b = numbers(boxes);
  const sel = selectBoxes(numbers(scores), max, (i, j) => iou(b, i, j), iouT, scoreT, sigma);
  return { ...sel, max };
}

cpuBackend.register("NonMaxSuppression", (node) => (inputs) => [
  int32(nmsKernel(node, inputs, 1).indices),
]);
cpuBackend.register("NonMaxSuppressionV2", (node) => (inputs) => [
  int32(nmsKernel(node, inputs, 2).indices),
]);
cpuBackend.register("NonMaxSuppressionV3", (node) => (inputs) => [
  int32(nmsKernel(node, inputs, 3).indices),
]);

cpuBackend.register("NonMaxSuppressionV4", (node) => {
  const pad = Boolean(node.attrs.pad_to_max_output_size);
  return (inputs) => {
    const s = nmsKernel(node, inputs, 4);
    const valid = new NDArray("int32", [], Int32Array.from([s.indices.length]));
    return [int32(s.indices, pad ? s.max : 0), valid];
  };
});

cpuBackend.register("NonMaxSuppressionV5", (node) => {
  const pad = Boolean(node.attrs.pad_to_max_output_size);
  return (inputs) => {
    const s = nmsKernel(node, inputs, 5);
    const dtype = arr(inputs[1]).dtype;
    const n = pad ? Math.max(s.max, s.indices.length) : s.indices.length;
    const scores = new NDArray(dtype, [n]);
    (scores.data as Float32Array).set(s.scores);
    const valid = new NDArray("int32", [], Int32Array.from([s.indices.length]));
    return [int32(s.indices, pad ? s.max : 0), scores, valid];
  };
});

cpuBackend.register("NonMaxSuppressionWithOverlaps", (node) => (inputs) => {
  const overlaps = arr(inputs[0]);
  const scores = arr(inputs[1]);
  const n = overlaps.shape[0];
  if (overlaps.rank !== 2 || overlaps.shape[1] !== n)
    throw new InvalidArgumentError(
      `${node.type}: overlaps must be a square matrix, got shape ${shapeString(overlaps.shape)}`,
    );
  if (scores.rank !== 1 || scores.shape[0] !== n)
    throw new InvalidArgumentError(
      `${node.type}: scores has incompatible shape ${shapeString(scores.shape)} (expected [${n}])`,
    );
  const max = checkMaxOutput(arr(inputs[2]), node.type);
  const t = scalarOf(arr(inputs[3]), "overlap_threshold", node.type);
  const st = scalarOf(arr(inputs[4]), "score_threshold", node.type);
  const o = numbers(overlaps);
  return [int32(selectBoxes(numbers(scores), max, (i, j) => o[i * n + j], t, st).indices)];
});

/**
 * CombinedNonMaxSuppression: per image, NMS per class (boxes [batch, n, q, 4] with q = 1 shared
 * by all classes or q = num_classes), then the best `max_total_size` (or, with pad_per_class,
 * min(max_per_class * classes, max_total_size)) detections by score, zero-padded.
 */
cpuBackend.register("CombinedNonMaxSuppression", (node) => {
  const padPerClass = Boolean(node.attrs.pad_per_class);
  const clip = node.attrs.clip_boxes === undefined ? true : Boolean(node.attrs.clip_boxes);
  return (inputs) => {
    const boxes = arr(inputs[0]);
    const scores = arr(inputs[1]);
    if (boxes.rank !== 4 || boxes.shape[3] !== 4)
      throw new InvalidArgumentError(
        `${node.type}: boxes must be 4-D [batch, num_boxes, q, 4], got ${shapeString(boxes.shape)}`,
      );
    const [batch, n, q] = boxes.shape;
    if (scores.rank !== 3 || scores.shape[0] !== batch || scores.shape[1] !== n)
      throw new InvalidArgumentError(
        `${node.type}: scores must be [batch, num_boxes, num_classes] matching boxes ${shapeString(boxes.shape)}, got ${shapeString(scores.shape)}`,
      );
    const classes = scores.shape[2];
    if (q !== 1 && q !== classes)
      throw new InvalidArgumentError(
        `${node.type}: third dimension of boxes must be either 1 or num_classes (${classes}), got ${q}`,
      );
    const perClass = scalarOf(arr(inputs[2]), "max_output_size_per_class", node.type);
    const total = scalarOf(arr(inputs[3]), "max_total_size", node.type);
    if (perClass <= 0 || total <= 0)
      throw new InvalidArgumentError(
        `${node.type}: max_output_size_per_class and max_total_size must be positive`,
      );
    const iouT = checkIou(scalarOf(arr(inputs[4]), "iou_threshold", node.type), node.type);
    const scoreT = scalarOf(arr(inputs[5]), "score_threshold", node.type);
    const size = padPerClass ? Math.min(perClass * classes, total) : total;
    const b = numbers(boxes);
    const s = numbers(scores);
    const outBoxes = new Float32Array(batch * size * 4);
    const outScores = new Float32Array(batch * size);
    const outClasses = new Float32Array(batch * size);
    const valid = new Int32Array(batch);
    const classBoxes = new Float64Array(n * 4);
    const classScores = new Float64Array(n);
    for (let im = 0; im < batch; im++) {
      const found: { score: number; box: number; cls: number }[] = [];
      for (let cls = 0; cls < classes; cls++) {
        const qi = q === 1 ? 0 : cls;
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < 4; k++) classBoxes[i * 4 + k] = b[((im * n + i) * q + qi) * 4 + k];
          classScores[i] = s[(im * n + i) * classes + cls];
        }
        const sel = selectBoxes(
          classScores,
          perClass,
          (i, j) => iou(classBoxes, i, j),
          iouT,
          scoreT,
        );
        sel.indices.forEach((box, k) => {
          found.push({ score: sel.scores[k], box, cls });
        });
      }
      // Stable: equal scores keep class order, then selection order.
      found.sort((x, y) => y.score - x.score);
      const keep = found.slice(0, size);
      valid[im] = keep.length;
      keep.forEach((d, k) => {
        const o = im * size + k;
        outScores[o] = d.score;
        outClasses[o] = d.cls;
        const qi = q === 1 ? 0 : d.cls;
        for (let c = 0; c < 4; c++) {
          const v = b[((im * n + d.box) * q + qi) * 4 + c];
          outBoxes[o * 4 + c] = clip ? Math.min(Math.max(v, 0), 1) : v;
        }
      });
    }
    return [
      new NDArray("float32", [batch, size, 4], outBoxes),
      new NDArray("float32", [batch, size], outScores),
      new NDArray("float32", [batch, size], outClasses),
      new NDArray("int32", [batch], valid),
    ];
  };
});
