// tf.data at run time: a dataset value (what a dataset op outputs along its `variant` edge) is a
// ResourceHandle of kind "dataset" whose state is a DatasetImpl; iterating it gives an
// ElementIterator. Everything is asynchronous: a map function runs as a graph function (a
// promise), a prefetch buffer fills while the session awaits.
import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { arr, ResourceHandle, type Value } from "../kernel.js";

/** One element of a dataset: its components, flattened (TF's nest order). */
export type Element = Value[];

/** A pass over a dataset. `next` is never called again before its promise settles. */
export interface ElementIterator {
  /** The next element, or null at the end of the sequence. */
  next(): Promise<Element | null>;
  /** Stops background work and releases files; the iterator is not used after. */
  close(): void;
}

/** A dataset: a recipe for passes over its elements (each `iterate` starts from the beginning). */
export interface DatasetImpl {
  /** The node that made it (named in errors). */
  readonly op: string;
  iterate(): ElementIterator;
}

export const DATASET_KIND = "dataset";

/** A dataset value: what a dataset op outputs (graph functions may return them too). */
export function datasetHandle(impl: DatasetImpl): ResourceHandle<DatasetImpl> {
  return new ResourceHandle(DATASET_KIND, impl.op, impl);
}

/** The dataset an input carries; InvalidArgumentError when it is something else. */
export function datasetOf(v: Value, op: string, what = "input_dataset"): DatasetImpl {
  if (v instanceof ResourceHandle && v.kind === DATASET_KIND) return v.state as DatasetImpl;
  throw new InvalidArgumentError(`${op}: ${what} must be a dataset (a variant from a dataset op)`);
}

/** An iterator over a fixed list of elements. */
export function listIterator(elements: readonly Element[]): ElementIterator {
  let i = 0;
  return {
    next: () => Promise.resolve(i < elements.length ? elements[i++] : null),
    close: () => {},
  };
}

/** An iterator from a synchronous producer (null at the end). */
export function syncIterator(produce: () => Element | null, close = () => {}): ElementIterator {
  let done = false;
  return {
    next: () => {
      if (done) return Promise.resolve(null);
      try {
        const e = produce();
        if (e === null) {
          done = true;
          close();
        }
        return Promise.resolve(e);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    close: () => {
      if (!done) close();
      done = true;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scalar inputs

export function scalarNumber(v: Value, op: string, what: string): number {
  const a = arr(v);
  if (!(a instanceof NDArray) || a.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${a instanceof NDArray ? shapeString(a.shape) : "?"}`,
    );
  return Number(a.data[0]);
}

export function scalarBool(v: Value, op: string, what: string): boolean {
  return scalarNumber(v, op, what) !== 0;
}

export function scalarString(v: Value, op: string, what: string): string {
  const a = arr(v);
  if (a.rank !== 0 || a.dtype !== "string")
    throw new InvalidArgumentError(
      `${op}: ${what} must be a string scalar, got ${a.dtype} of shape ${shapeString(a.shape)}`,
    );
  return (a.data as string[])[0];
}

/** A scalar or vector of strings (filenames). */
export function stringList(v: Value, op: string, what: string): string[] {
  const a = arr(v);
  if (a.rank > 1 || a.dtype !== "string")
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar or a vector of strings, got ${a.dtype} of shape ${shapeString(a.shape)}`,
    );
  return [...(a.data as string[])];
}

// ---------------------------------------------------------------------------------------------
// Slicing and stacking

/** Row `i` of `a` along its first dimension. */
export function sliceRow(a: NDArray, i: number): NDArray {
  const inner = a.shape.slice(1);
  const n = shapeSize(inner);
  const data = a.data;
  const part =
    a.dtype === "string"
      ? (data as string[]).slice(i * n, (i + 1) * n)
      : (data as Exclude<typeof data, string[]>).slice(i * n, (i + 1) * n);
  return new NDArray(a.dtype, inner, part);
}

/**
 * `rows` stacked along a new first dimension (TF's batch). All rows must have one shape:
 * InvalidArgumentError naming the component and both shapes otherwise.
 */
export function stackRows(rows: readonly NDArray[], op: string, component: number): NDArray {
  const first = rows[0];
  for (let k = 1; k < rows.length; k++) {
    const r = rows[k];
    if (r.dtype !== first.dtype || r.shape.join() !== first.shape.join())
      throw new InvalidArgumentError(
        `${op}: Cannot batch tensors with different shapes in component ${component}. First element had shape ${shapeString(first.shape)} and element ${k} had shape ${shapeString(r.shape)}.`,
      );
  }
  const shape = [rows.length, ...first.shape];
  const n = first.size;
  const out = allocData(first.dtype, n * rows.length, shape);
  if (first.dtype === "string") {
    const o = out as string[];
    rows.forEach((r, k) => {
      const d = r.data as string[];
      for (let j = 0; j < n; j++) o[k * n + j] = d[j];
    });
  } else {
    const o = out as Exclude<typeof out, string[]>;
    rows.forEach((r, k) => {
      (o as Float32Array).set(r.data as Float32Array, k * n);
    });
  }
  return new NDArray(first.dtype, shape, out);
}

/**
 * `rows` padded to `shape` (one entry per row dim; the padded batch's inner shape) with `pad`
 * (a scalar of the dtype) and stacked.
 */
export function padAndStack(
  rows: readonly NDArray[],
  shape: readonly number[],
  pad: NDArray,
  op: string,
  component: number,
): NDArray {
  const full = [rows.length, ...shape];
  const inner = shapeSize(shape);
  const dtype: DType = pad.dtype;
  const out = allocData(dtype, inner * rows.length, full);
  (out as unknown[] & { fill(v: unknown): void }).fill(pad.data[0] as never);
  const strides = shape.map((_, d) => shapeSize(shape.slice(d + 1)));
  rows.forEach((r, k) => {
    if (r.dtype !== dtype)
      throw new InvalidArgumentError(
        `${op}: component ${component} has dtype ${r.dtype}, but its padding value is ${dtype}`,
      );
    if (r.rank !== shape.length)
      throw new InvalidArgumentError(
        `${op}: component ${component} of element ${k} has shape ${shapeString(r.shape)}, which is incompatible with the padded shape of rank ${shape.length}`,
      );
    r.shape.forEach((d, j) => {
      if (d > shape[j])
        throw new InvalidArgumentError(
          `${op}: Attempted to pad to a smaller size than the input element (component ${component}: element shape ${shapeString(r.shape)}, padded shape ${shapeString(shape)})`,
        );
    });
    // Copy row by row of the last dimension.
    const rs = r.strides;
    const last = r.rank === 0 ? 1 : r.shape[r.rank - 1];
    const lines = r.rank === 0 ? 1 : r.size / Math.max(last, 1);
    if (r.size === 0) return;
    const idx = new Array<number>(Math.max(r.rank - 1, 0)).fill(0);
    for (let line = 0; line < lines; line++) {
      let src = 0;
      let dst = k * inner;
      for (let d = 0; d < idx.length; d++) {
        src += idx[d] * rs[d];
        dst += idx[d] * strides[d];
      }
      for (let j = 0; j < last; j++) (out as unknown[])[dst + j] = (r.data as unknown[])[src + j];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < r.shape[d]) break;
        idx[d] = 0;
      }
    }
  });
  return new NDArray(dtype, full, out);
}
