/**
 * Histograms on a common grid: TF's buckets are exponential and differ per step, so each step's
 * counts are spread over `n` equal bins between `lo` and `hi` (a bucket's count spread evenly
 * over its width), as TensorBoard does before drawing.
 */
import type { HistogramBucket } from "../api_types.js";

export function rebin(
  buckets: readonly HistogramBucket[],
  lo: number,
  hi: number,
  n: number,
): number[] {
  const out = new Array<number>(n).fill(0);
  const width = (hi - lo) / n;
  const binOf = (x: number) => Math.min(n - 1, Math.max(0, Math.floor((x - lo) / width)));
  for (const [left, right, count] of buckets) {
    if (!(width > 0) || right <= left) {
      // A point mass (or a degenerate range): all in the bin holding it.
      out[width > 0 ? binOf(left) : 0] += count;
      continue;
    }
    const first = binOf(left);
    const last = binOf(right);
    for (let b = first; b <= last; b++) {
      const a = Math.max(left, lo + b * width);
      const z = Math.min(right, lo + (b + 1) * width);
      if (z > a) out[b] += (count * (z - a)) / (right - left);
    }
  }
  return out;
}
