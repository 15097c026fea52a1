// Index arithmetic shared by shape functions (at construction) and kernels (at run time): pure
// functions of numbers and shapes, so both layers can use them.
import { InvalidArgumentError } from "./errors.js";
import type { NDArray } from "./ndarray.js";
import type { Dim } from "./tensor_shape.js";

/** The elements of an int32/int64/uint8 array as JS numbers. */
export function intValues(a: NDArray): number[] {
  return Array.from(a.data as ArrayLike<number | bigint>, Number);
}

export interface StridedSliceMasks {
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/** The masks of a StridedSlice-family node, from TF's attrs (begin_mask ...). */
export function stridedSliceMasks(attrs: Readonly<Record<string, unknown>>): StridedSliceMasks {
  return {
    beginMask: attrs.begin_mask as number,
    endMask: attrs.end_mask as number,
    ellipsisMask: attrs.ellipsis_mask as number,
    newAxisMask: attrs.new_axis_mask as number,
    shrinkAxisMask: attrs.shrink_axis_mask as number,
  };
}

/** Where StridedSlice reads from (per input dim) and the shape it produces. */
export interface StridedSlicePlan {
  /** First index read in each input dim (0 where not known). */
  begin: number[];
  /** Step in each input dim (1 where not known). */
  strides: number[];
  /** Elements taken in each input dim (the "processing shape"); null where not known. */
  sizes: Dim[];
  /** The output shape: sizes with shrunk dims dropped and new axes (1) inserted. */
  finalShape: Dim[];
}

const bit = (mask: number, i: number): boolean => i < 32 && ((mask >>> i) & 1) === 1;
const NEW_AXIS = -1;
const SHRINK_AXIS = -2;

/**
 * TensorFlow's StridedSlice semantics: expands the sparse spec (begin/end/strides with ellipsis
 * and new-axis entries) into one range per input dim, canonicalizes negative and out-of-range
 * indices as numpy does, and computes the shapes. `begin`, `end` or `strides` may be null (not
 * known at construction) and dims may be unknown: what cannot be known comes out null. Throws
 * InvalidArgumentError for an invalid spec.
 */
export function planStridedSlice(
  inputShape: readonly Dim[],
  specLength: number,
  beginV: readonly number[] | null,
  endV: readonly number[] | null,
  stridesV: readonly number[] | null,
  m: StridedSliceMasks,
): StridedSlicePlan {
  const { ellipsisMask } = m;
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0) {
    throw new InvalidArgumentError("Multiple ellipses in slice spec not allowed");
  }
  // Sparse spec: find the ellipsis (an implicit one follows the last entry if none is given).
  let ellipsisAt = -1;
  let newAxesAfterEllipsis = 0;
  for (let i = 0; i < specLength; i++) {
    if (ellipsisAt >= 0 && bit(m.newAxisMask, i)) newAxesAfterEllipsis++;
    if (bit(ellipsisMask, i)) ellipsisAt = i;
  }
  let sparseDims = specLength;
  if (ellipsisAt < 0) ellipsisAt = sparseDims++;

  // Dense spec: one entry per input dim.
  const rank = inputShape.length;
  const dBegin: (number | null)[] = new Array(rank).fill(0);
  const dEnd: (number | null)[] = new Array(rank).fill(0);
  const dStride: (number | null)[] = new Array(rank).fill(1);
  const dBeginMask: boolean[] = new Array(rank).fill(false);
  const dEndMask: boolean[] = new Array(rank).fill(false);
  const dShrink: boolean[] = new Array(rank).fill(false);
  const gather: number[] = [];
  let full = 0;
  for (let i = 0; i < sparseDims; i++) {
    if (i === ellipsisAt) {
      const next = Math.min(rank - (sparseDims - i) + 1 + newAxesAfterEllipsis, rank);
      for (; full < next; full++) {
        dBeginMask[full] = dEndMask[full] = true;
        gather.push(full);
      }
    } else if (bit(m.newAxisMask, i)) {
      gather.push(NEW_AXIS);
    } else {
      if (full === rank) {
        throw new InvalidArgumentError(
          `Index out of range using input dim ${full}; input has only ${rank} dims`,
        );
      }
      dBegin[full] = beginV ? beginV[i] : null;
      dEnd[full] = endV ? endV[i] : null;
      dStride[full] = stridesV ? stridesV[i] : null;
      dBeginMask[full] = bit(m.beginMask, i);
      dEndMask[full] = bit(m.endMask, i);
      dShrink[full] = bit(m.shrinkAxisMask, i);
      gather.push(dShrink[full] ? SHRINK_AXIS : full);
      full++;
    }
  }

  const plan: StridedSlicePlan = {
    begin: new Array(rank).fill(0),
    strides: new Array(rank).fill(1),
    sizes: new Array(rank).fill(null),
    finalShape: [],
  };
  for (let i = 0; i < rank; i++) {
    const stride = dStride[i];
    const dim = inputShape[i];
    const shrink = dShrink[i];
    if (stride === 0) throw new InvalidArgumentError(`strides[${i}] must be non-zero`);
    if (shrink && stride !== null && stride < 0) {
      throw new InvalidArgumentError("only stride 1 allowed on non-range indexing.");
    }
    if (stride !== null) plan.strides[i] = stride;
    if (shrink) {
      plan.sizes[i] = 1;
      const b = dBegin[i];
      if (dim === null || b === null) continue;
      const fwd = b < 0 ? dim + b : b;
      if (fwd < 0 || fwd >= dim) {
        throw new InvalidArgumentError(`slice index ${b} of dimension ${i} out of bounds.`);
      }
      plan.begin[i] = fwd;
      continue;
    }
    if (dim === null || stride === null) continue;
    // The valid index range: [0, dim] going forward, [-1, dim-1] going backward.
    const lo = stride > 0 ? 0 : -1;
    const hi = stride > 0 ? dim : dim - 1;
    const canonical = (x: number | null, masked: boolean, isEnd: boolean): number | null => {
      if (masked) return stride > 0 === !isEnd ? lo : hi;
      if (x === null) return null;
      const fwd = x < 0 ? dim + x : x;
      return Math.max(lo, Math.min(fwd, hi));
    };
    const b = canonical(dBegin[i], dBeginMask[i], false);
    const e = canonical(dEnd[i], dEndMask[i], true);
    if (b === null || e === null) continue;
    plan.begin[i] = b;
    const len = e - b;
    plan.sizes[i] = len === 0 || len < 0 !== stride < 0 ? 0 : Math.ceil(len / stride);
  }
  for (const g of gather) {
    if (g === NEW_AXIS) plan.finalShape.push(1);
    else if (g !== SHRINK_AXIS) plan.finalShape.push(plan.sizes[g]);
  }
  return plan;
}

/** Checks a list of axes against a rank; returns them non-negative. */
export function checkAxes(axes: readonly number[], rank: number): number[] {
  const seen = new Set<number>();
  return axes.map((a, i) => {
    if (a < -rank || a >= rank) {
      throw new InvalidArgumentError(`'axis'[${i}] = ${a} is out of valid range [0, ${rank - 1}]`);
    }
    const c = a < 0 ? a + rank : a;
    if (seen.has(c)) throw new InvalidArgumentError(`axis ${c} specified more than once.`);
    seen.add(c);
    return c;
  });
}

/**
 * The number of elements of range(start, limit, delta), checking the arguments as TensorFlow
 * does; `f32` does the float arithmetic in single precision.
 */
export function rangeSize(
  start: number,
  limit: number,
  delta: number,
  integral: boolean,
  f32 = false,
): number {
  if (delta === 0) throw new InvalidArgumentError(`Requires delta != 0: ${delta}`);
  if (delta > 0 && start > limit) {
    throw new InvalidArgumentError(`Requires start <= limit when delta > 0: ${start}/${limit}`);
  }
  if (delta < 0 && start < limit) {
    throw new InvalidArgumentError(`Requires start >= limit when delta < 0: ${start}/${limit}`);
  }
  if (integral)
    return Math.floor((Math.abs(limit - start) + Math.abs(delta) - 1) / Math.abs(delta));
  const r = f32 ? Math.fround(Math.fround(limit - start) / delta) : (limit - start) / delta;
  return Math.ceil(Math.abs(r));
}
