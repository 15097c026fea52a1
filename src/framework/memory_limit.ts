// The one check every tensor allocation goes through: a tensor whose size overflows, or whose
// bytes exceed the memory limit, is a ResourceExhaustedError raised before anything is
// allocated (a failed huge allocation would otherwise be a RangeError, or for a JS array of
// strings an uncatchable "heap out of memory" that kills the process).

import { constants as bufferConstants } from "node:buffer";
import { freemem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { DTYPE_BYTES, TF_DTYPE_NAME } from "./dtype_tables.js";
import type { DType } from "./dtypes.js";
import { InvalidArgumentError, ResourceExhaustedError, ValueError } from "./errors.js";

/** The most elements a typed array may hold in this Node.js (2^32 in Node 20). */
export const MAX_TYPED_ARRAY_LENGTH: number = bufferConstants.MAX_LENGTH;
/**
 * The most elements of a string tensor: its storage is a plain JS array, which V8 keeps in fast
 * mode only up to 2^25 elements; past that, filling it is very slow and past ~2^27 V8 aborts
 * the process ("invalid size error"), which no try/catch can stop.
 */
export const MAX_STRING_ELEMENTS = 2 ** 25;

/**
 * The limit of the session whose run is executing now (set by run_context.ts at the start of
 * each synchronous slice of a run, so interleaved runs of different sessions each see their own).
 */
let runLimit: number | undefined;
/** Outside any run: the machine's free memory, read again before refusing (it may have grown). */
let processLimit: number | undefined;

/** The default limit: the machine's free memory now. */
export function defaultMemoryLimit(): number {
  return freemem();
}

/**
 * A session's limit: `requested` (ConfigProto.memoryLimitBytes) when given, never more than the
 * machine's free memory now.
 */
export function resolveMemoryLimit(requested: number | undefined): number {
  const free = defaultMemoryLimit();
  if (requested === undefined) return free;
  if (typeof requested !== "number" || !(requested > 0)) {
    throw new ValueError(
      `ConfigProto.memoryLimitBytes must be a positive number of bytes, got ${String(requested)}`,
    );
  }
  return Math.min(requested, free);
}

/** Sets the limit of the run now executing (undefined: no run). Only run_context.ts calls it. */
export function setRunMemoryLimit(limit: number | undefined): void {
  runLimit = limit;
}

/** The memory limit allocations are checked against now, in bytes. */
export function currentMemoryLimit(): number {
  if (runLimit !== undefined) return runLimit;
  processLimit ??= defaultMemoryLimit();
  return processLimit;
}

/** The number of elements of `shape`: exact, or Infinity when it is past 2^53. */
export function elementCount(shape: readonly number[]): number {
  if (shape.includes(0)) return 0; // before the product can overflow to Infinity (× 0 = NaN)
  let n = 1;
  for (const d of shape) n *= d;
  return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY;
}

/** Exact bytes of a tensor of `shape`, in decimal (computed in bigint: may be past 2^53). */
function exactBytes(dtype: DType, shape: readonly number[]): string {
  let n = BigInt(DTYPE_BYTES[dtype]);
  for (const d of shape) {
    if (!Number.isSafeInteger(d)) return `more than ${Number.MAX_SAFE_INTEGER}`;
    n *= BigInt(d);
  }
  return n.toString();
}

/**
 * Throws ResourceExhaustedError unless a tensor of `dtype` with `size` elements (of `shape`,
 * for the message; [size] when not given) may be allocated now; InvalidArgumentError for a
 * size that is not a count. Called before allocating.
 */
export function checkAllocation(dtype: DType, size: number, shape?: readonly number[]): void {
  const bytes = size * DTYPE_BYTES[dtype];
  const maxElements = dtype === "string" ? MAX_STRING_ELEMENTS : MAX_TYPED_ARRAY_LENGTH;
  // The fast path: every small allocation of a run passes here.
  if (
    Number.isInteger(size) &&
    size >= 0 &&
    size <= maxElements &&
    bytes <= (runLimit ?? processLimit ?? 0)
  ) {
    if (dtype !== "string" || bytes < 1 << 24) return;
  }
  if (!(size >= 0) || (!Number.isInteger(size) && Number.isFinite(size))) {
    throw new InvalidArgumentError(
      `Cannot allocate a tensor of ${String(size)} elements${shape ? ` (shape ${shapeText(shape)})` : ""}`,
    );
  }
  const dims = shape ?? [size];
  const why = refusal(dtype, size, bytes, maxElements);
  if (why === undefined) return;
  throw new ResourceExhaustedError(
    `OOM when allocating tensor with shape${shapeText(dims)} and type ${TF_DTYPE_NAME[dtype]}: ${exactBytes(dtype, dims)} bytes; ${why}`,
  );
}

/** Why an allocation is refused, or undefined when it may go ahead. */
function refusal(
  dtype: DType,
  size: number,
  bytes: number,
  maxElements: number,
): string | undefined {
  if (runLimit !== undefined) {
    if (bytes > runLimit)
      return `more than the session's memory limit of ${runLimit} bytes (ConfigProto.memoryLimitBytes; default: the machine's free memory)`;
  } else if (bytes > currentMemoryLimit()) {
    processLimit = defaultMemoryLimit();
    if (bytes > processLimit) return `more than the machine's free memory of ${processLimit} bytes`;
  }
  if (size > maxElements) {
    return dtype === "string"
      ? `a string tensor holds at most ${maxElements} elements`
      : `a typed array holds at most ${maxElements} elements`;
  }
  if (dtype === "string") {
    // Strings live on V8's heap, whose own limit is far below the machine's memory.
    const available = getHeapStatistics().total_available_size;
    if (bytes > available / 2)
      return `more than half of the ${available} bytes left on the JavaScript heap, where strings live`;
  }
  return undefined;
}

/** Shapes as TensorFlow prints them in OOM messages: [2,3]. */
function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Throws ResourceExhaustedError unless a tensor of `dtype` and `shape` may be allocated now. */
export function checkShapeAllocation(dtype: DType, shape: readonly number[]): void {
  checkAllocation(dtype, elementCount(shape), shape);
}

/**
 * Throws ResourceExhaustedError unless a plain JS array of `length` slots (kernel state such as a
 * TensorArray's elements) may be made: past MAX_STRING_ELEMENTS V8 may abort the process.
 */
export function checkArrayLength(length: number, what: string): void {
  if (Number.isInteger(length) && length >= 0 && length <= MAX_STRING_ELEMENTS) return;
  if (!(length >= 0))
    throw new InvalidArgumentError(`${what} cannot have ${String(length)} elements`);
  throw new ResourceExhaustedError(
    `OOM when allocating ${what} of ${length} elements (${length * 8} bytes of slots): a JS array holds at most ${MAX_STRING_ELEMENTS}`,
  );
}
