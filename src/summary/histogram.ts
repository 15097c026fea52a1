// TF's summary histogram (tensorflow/core/lib/histogram): fixed bucket edges growing by 10% from
// ±1e-12 to ±1e20, counts per bucket, and the HistogramProto TensorBoard reads.
import { create } from "@bufbuild/protobuf";
import { type HistogramProto, HistogramProtoSchema } from "../io/proto/index.js";

const DBL_MAX = Number.MAX_VALUE;

/**
 * TF's default bucket limits (right edges): -DBL_MAX, the negated series reversed, 0, then
 * 1e-12·1.1^k while below 1e20, then DBL_MAX. The series is built by repeated multiplication,
 * as TF's InitDefaultBuckets does, so the doubles match TF's bit for bit.
 */
export const DEFAULT_BUCKET_LIMITS: readonly number[] = (() => {
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  pos.push(DBL_MAX);
  const neg = pos.map((v) => -v).reverse();
  return [...neg, 0, ...pos];
})();

// The positive limits (1e-12·1.1^k, then DBL_MAX); the default limits are -POS reversed, 0, POS.
const POS = Float64Array.from(DEFAULT_BUCKET_LIMITS.slice((DEFAULT_BUCKET_LIMITS.length + 1) / 2));
const P = POS.length;
const LOG_GROWTH = Math.log(1.1);

/** A first guess at how many positive limits lie below a >= 0, from their geometric growth. */
function guess(a: number): number {
  if (a < 1e-12) return 0;
  const k = Math.floor(Math.log(a / 1e-12) / LOG_GROWTH) + 1;
  return Math.max(0, Math.min(k, P));
}

/** How many positive limits are <= a (a >= 0). */
function countAtMost(a: number): number {
  let k = guess(a);
  while (k > 0 && POS[k - 1] > a) k--;
  while (k < P && POS[k] <= a) k++;
  return k;
}

/** How many positive limits are < a (a > 0). */
function countLess(a: number): number {
  let k = guess(a);
  while (k > 0 && POS[k - 1] >= a) k--;
  while (k < P && POS[k] < a) k++;
  return k;
}

/**
 * Index of the first default limit greater than `v` (C++'s upper_bound, as TF's Histogram::Add
 * finds the bucket), found in constant time from the limits' geometric growth.
 */
export function bucketIndex(v: number): number {
  if (v >= 0) return P + 1 + countAtMost(v);
  // The negative limits greater than v are -p for the positive limits p < |v|.
  return P - countLess(-v);
}

/**
 * The HistogramProto of `values` (all finite) over the default buckets. As TF's EncodeToProto,
 * runs of empty buckets collapse into one entry holding the run's last limit, and an empty input
 * gives one bucket [DBL_MAX: 0] with min DBL_MAX, max -DBL_MAX.
 */
export function histogramProto(values: ArrayLike<number>): HistogramProto {
  const limits = DEFAULT_BUCKET_LIMITS;
  const counts = new Float64Array(limits.length);
  let min = DBL_MAX;
  let max = -DBL_MAX;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // upper_bound past the last limit cannot happen for finite v (DBL_MAX is the last edge),
    // except v = DBL_MAX itself, which TF also puts in the last bucket.
    const b = Math.min(bucketIndex(v), limits.length - 1);
    counts[b] += 1;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < counts.length; ) {
    let end = limits[i];
    let count = counts[i];
    i++;
    if (count <= 0) {
      while (i < counts.length && counts[i] <= 0) {
        end = limits[i];
        count = counts[i];
        i++;
      }
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  if (bucket.length === 0) {
    bucketLimit.push(DBL_MAX);
    bucket.push(0);
  }
  return create(HistogramProtoSchema, {
    min,
    max,
    num: values.length,
    sum,
    sumSquares,
    bucketLimit,
    bucket,
  });
}
