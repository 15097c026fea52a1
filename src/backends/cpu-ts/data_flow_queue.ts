// The state of TF's queues (FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue, PriorityQueue) and
// the waiting rules they share (TF's QueueBase): an enqueue, a dequeue or a close is an
// "attempt"; attempts wait in two lines (enqueues and closes, dequeues) and, whenever the queue
// changes, the attempt at the front of each line is tried again. An attempt that cannot finish
// now makes its kernel return a promise; the run's signal aborting removes it from its line.
import type { DType } from "../../framework/dtypes.js";
import {
  CancelledError,
  FailedPreconditionError,
  InvalidArgumentError,
  OutOfRangeError,
} from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { currentRun, type RunContext } from "../../framework/run_context.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { markEscaped } from "../buffer_pool.js";
import { GuardedPhilox, type PhiloxRandom, SingleSampler } from "./philox.js";

/** One element of a queue: a value per component. */
export type Tuple = NDArray[];
/** A component's declared shape: null dims unknown (PaddingFIFOQueue only). */
export type ComponentShape = readonly (number | null)[];

type Step = "done" | "progress" | "none";

/** An enqueue, dequeue or close waiting for its turn. */
interface Attempt<T> {
  /** Does what it can now: finished (result or error set), changed the queue, or nothing. */
  step(): Step;
  result?: T;
  error?: Error;
  finished: boolean;
  /** Called once it finishes after its kernel returned a promise. */
  notify?: () => void;
  /** Undoes a partial dequeue when the attempt is abandoned (its elements go back). */
  abandon?(): void;
}

export type QueueKind = "FIFOQueue" | "PaddingFIFOQueue" | "RandomShuffleQueue" | "PriorityQueue";

/** What a queue is made with (the queue op's attrs). */
export interface QueueSpec {
  readonly kind: QueueKind;
  /** TF's resource name: the shared_name, else "_<id>_<node name>". */
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** One shape per component, or empty when unspecified (FIFOQueue, RandomShuffleQueue). */
  readonly shapes: readonly ComponentShape[];
  /** The most elements it holds; -1: unbounded. */
  readonly capacity: number;
  readonly minAfterDequeue?: number;
  readonly seed?: number;
  readonly seed2?: number;
}

/** The common part of every queue: validation, the two lines of attempts, close. */
export abstract class QueueState {
  readonly kind: QueueKind;
  readonly name: string;
  readonly dtypes: readonly DType[];
  readonly shapes: readonly ComponentShape[];
  readonly capacity: number;
  closed = false;
  private readonly enqueues: Attempt<unknown>[] = [];
  private readonly dequeues: Attempt<unknown>[] = [];
  private flushing = false;

  constructor(spec: QueueSpec) {
    this.kind = spec.kind;
    this.name = spec.name;
    this.dtypes = spec.dtypes;
    this.shapes = spec.shapes;
    this.capacity = spec.capacity < 0 ? Number.POSITIVE_INFINITY : spec.capacity;
    if (this.shapes.length !== 0 && this.shapes.length !== this.dtypes.length)
      throw new InvalidArgumentError(
        `${this.kind} '${this.name}': ${this.shapes.length} shapes for ${this.dtypes.length} component types`,
      );
  }

  /** How many elements it holds. */
  abstract get size(): number;
  /** Adds one element. */
  protected abstract push(t: Tuple): void;
  /** Removes the next element (size > 0). */
  protected abstract take(): Tuple;
  /** Puts back elements a dequeue took (in the order it took them). */
  protected abstract restore(ts: readonly Tuple[]): void;
  /** How many elements a dequeue may take now (RandomShuffleQueue keeps min_after_dequeue). */
  protected available(): number {
    return this.size;
  }

  /** Checks one element against the queue's dtypes and shapes. */
  validate(t: Tuple, op: string): void {
    this.checkDtypes(t, op);
    if (this.shapes.length === 0) return;
    t.forEach((v, i) => {
      if (!fits(this.shapes[i], v.shape))
        throw new InvalidArgumentError(
          `${op}: Shape mismatch in tuple component ${i}. Expected ${dimsString(this.shapes[i])}, got ${shapeString(v.shape)}`,
        );
    });
  }

  /** Checks a batch (each component [n, ...element]) and splits it into its n elements. */
  splitMany(t: Tuple, op: string): Tuple[] {
    this.checkDtypes(t, op);
    t.forEach((v, i) => {
      if (v.shape.length === 0)
        throw new InvalidArgumentError(
          `${op}: component ${i} must be at least a vector to enqueue many, got a scalar`,
        );
    });
    const n = t[0].shape[0];
    t.forEach((v, i) => {
      const want = this.shapes.length > 0 ? [n, ...this.shapes[i]] : undefined;
      if (want && !fits(want, v.shape))
        throw new InvalidArgumentError(
          `${op}: Shape mismatch in tuple component ${i}. Expected ${dimsString(want)}, got ${shapeString(v.shape)}`,
        );
      if (v.shape[0] !== n)
        throw new InvalidArgumentError(
          `${op}: All input tensors must have the same size in the 0th dimension. Component ${i} has ${v.shape[0]}, and should have ${n}`,
        );
    });
    const out: Tuple[] = [];
    for (let k = 0; k < n; k++) out.push(t.map((v) => sliceRow(v, k)));
    return out;
  }

  private checkDtypes(t: Tuple, op: string): void {
    const got = t.map((v) => v.dtype);
    if (got.length !== this.dtypes.length || got.some((d, i) => d !== this.dtypes[i]))
      throw new InvalidArgumentError(
        `${op}: ${this.kind} '${this.name}' has component types [${this.dtypes.join(", ")}], got [${got.join(", ")}]`,
      );
  }

  /** Enqueues elements, waiting for room as needed (TF enqueues them one at a time). */
  enqueue(elements: Tuple[], op: string, run = currentRun()): void | Promise<void> {
    for (const e of elements) for (const v of e) markEscaped(v.data); // held across runs
    let next = 0;
    const a: Attempt<void> = {
      finished: false,
      step: () => {
        if (this.closed) {
          a.error = new CancelledError(`${this.kind} '${this.name}' is closed.`);
          return "done";
        }
        let moved = false;
        while (next < elements.length && this.size < this.capacity) {
          this.push(elements[next++]);
          moved = true;
        }
        if (next === elements.length) return "done";
        return moved ? "progress" : "none";
      },
    };
    return this.attempt(this.enqueues, a, op, "enqueue", run);
  }

  /**
   * Dequeues `n` elements (`mode` "one": a single element, not batched). "upTo" returns fewer
   * than n when the queue is closed with fewer left. Resolves to the elements taken. `run`: the
   * run that waits (captured when its kernel was called).
   */
  dequeue(
    n: number,
    mode: "one" | "many" | "upTo",
    op: string,
    run = currentRun(),
  ): Tuple[] | Promise<Tuple[]> {
    const taken: Tuple[] = [];
    const a: Attempt<Tuple[]> = {
      finished: false,
      abandon: () => {
        if (taken.length > 0) this.restore(taken.splice(0));
      },
      step: () => {
        const remaining = n - taken.length;
        if (this.closed && this.size < remaining) {
          if (mode === "upTo" && taken.length + this.size > 0) {
            while (this.size > 0) taken.push(this.take());
            a.result = taken;
            return "done";
          }
          const size = this.size;
          a.abandon!();
          a.error = new OutOfRangeError(
            `${this.kind} '${this.name}' is closed and has insufficient elements (requested ${remaining}, current size ${size})`,
          );
          return "done";
        }
        let moved = false;
        for (let avail = this.available(); avail > 0 && taken.length < n; avail--) {
          taken.push(this.take());
          moved = true;
        }
        if (taken.length === n) {
          a.result = taken;
          return "done";
        }
        return moved ? "progress" : "none";
      },
    };
    return this.attempt(this.dequeues, a, op, "dequeue", run);
  }

  /**
   * Closes the queue. Without cancelPending, the close waits behind pending enqueues (which may
   * still finish) as in TF; with it, pending enqueues fail with CancelledError.
   */
  close(cancelPending: boolean, op: string, run = currentRun()): void | Promise<void> {
    if (cancelPending) {
      this.closed = true;
      for (const a of this.enqueues.splice(0)) {
        a.error = new CancelledError(`Queue '${this.name}' is already closed.`);
        this.finish(a);
      }
      this.flush();
      return;
    }
    const a: Attempt<void> = {
      finished: false,
      step: () => {
        if (this.closed) a.error = new CancelledError(`Queue '${this.name}' is already closed.`);
        this.closed = true;
        return "done";
      },
    };
    return this.attempt(this.enqueues, a, op, "close", run);
  }

  /** Lines up an attempt and tries it; returns its result now, or a promise of it. */
  private attempt<T>(
    line: Attempt<unknown>[],
    a: Attempt<T>,
    op: string,
    what: string,
    run: RunContext | undefined,
  ): T | Promise<T> {
    line.push(a as Attempt<unknown>);
    this.flush();
    if (a.finished) {
      if (a.error) throw a.error;
      return a.result as T;
    }
    if (!run?.mayAwait) {
      this.drop(line, a);
      throw new FailedPreconditionError(
        `${op}: the ${what} on ${this.kind} '${this.name}' would wait (size ${this.size}, capacity ${this.capacity}), and this run cannot wait: run it with Session.run, not runSync`,
      );
    }
    const signal = run.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (a.finished) return;
        this.drop(line, a);
        reject(signal.reason);
      };
      a.notify = () => {
        signal.removeEventListener("abort", onAbort);
        if (a.error) reject(a.error);
        else resolve(a.result as T);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Removes an attempt that will not finish, putting back what it took. */
  private drop<T>(line: Attempt<unknown>[], a: Attempt<T>): void {
    const i = line.indexOf(a as Attempt<unknown>);
    if (i >= 0) line.splice(i, 1);
    a.abandon?.();
    a.finished = true;
    this.flush();
  }

  private finish(a: Attempt<unknown>): void {
    a.finished = true;
    a.notify?.();
  }

  /** Tries the front attempt of each line until neither can do anything more. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let progress = true;
      while (progress) {
        progress = false;
        for (const line of [this.enqueues, this.dequeues]) {
          while (line.length > 0) {
            const a = line[0];
            const r = a.step();
            if (r === "none") break;
            progress = true;
            if (r === "done") {
              line.shift();
              this.finish(a);
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** Whether a value's shape fits a declared one (null dims match any size). */
function fits(want: ComponentShape, got: readonly number[]): boolean {
  return want.length === got.length && want.every((d, i) => d === null || d === got[i]);
}
const dimsString = (s: ComponentShape): string => `[${s.map((d) => d ?? "?").join(",")}]`;

/** Row k of v (a copy the queue owns). */
function sliceRow(v: NDArray, k: number): NDArray {
  const inner = v.shape.slice(1);
  const m = inner.reduce((a, b) => a * b, 1);
  return new NDArray(v.dtype, inner, v.data.slice(k * m, (k + 1) * m));
}

/** Elements in arrival order; a head index makes taking from the front cheap. */
export class FIFOQueueState extends QueueState {
  private items: Tuple[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  protected push(t: Tuple): void {
    this.items.push(t);
  }
  protected take(): Tuple {
    const t = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return t;
  }
  protected restore(ts: readonly Tuple[]): void {
    this.items = [...ts, ...this.items.slice(this.head)];
    this.head = 0;
  }
}

/** Takes a uniformly random element; keeps min_after_dequeue elements until it is closed. */
export class RandomShuffleQueueState extends QueueState {
  private readonly items: Tuple[] = [];
  private readonly minAfterDequeue: number;
  private readonly sampler: SingleSampler;
  constructor(spec: QueueSpec) {
    super(spec);
    this.minAfterDequeue = spec.minAfterDequeue ?? 0;
    // One generator for the queue's life: seeds (0, 0) seed it at random, as TF.
    const gen: PhiloxRandom = new GuardedPhilox(spec.seed ?? 0, spec.seed2 ?? 0).reserveSamples128(
      2 ** 40,
    );
    this.sampler = new SingleSampler(gen);
  }
  get size(): number {
    return this.items.length;
  }
  protected override available(): number {
    return this.closed ? this.size : this.size - this.minAfterDequeue;
  }
  protected push(t: Tuple): void {
    this.items.push(t);
  }
  protected take(): Tuple {
    // A 64-bit draw modulo the size, as TF's generator_() % size (two 32-bit words).
    const hi = this.sampler.next();
    const lo = this.sampler.next();
    const n = this.items.length;
    const i = Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(n));
    const t = this.items[i];
    this.items[i] = this.items[n - 1];
    this.items.pop();
    return t;
  }
  protected restore(ts: readonly Tuple[]): void {
    this.items.push(...ts);
  }
}

/** Elements by their int64 priority (component 0), smallest first; ties in arrival order. */
export class PriorityQueueState extends QueueState {
  private readonly heap: { p: bigint; seq: number; t: Tuple }[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  override validate(t: Tuple, op: string): void {
    super.validate(t, op);
    if (t[0].shape.length !== 0)
      throw new InvalidArgumentError(
        `${op}: Expected the priority element to be a scalar, but received shape: ${shapeString(t[0].shape)}`,
      );
  }
  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.p < y.p || (x.p === y.p && x.seq < y.seq);
  }
  private swap(a: number, b: number): void {
    const h = this.heap;
    [h[a], h[b]] = [h[b], h[a]];
  }
  protected push(t: Tuple): void {
    const h = this.heap;
    h.push({ p: (t[0].data as BigInt64Array)[0], seq: this.seq++, t });
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  protected take(): Tuple {
    const h = this.heap;
    const top = h[0].t;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  protected restore(ts: readonly Tuple[]): void {
    for (const t of ts) this.push(t);
  }
}

/** Makes the state of a queue of `spec.kind`. */
export function makeQueue(spec: QueueSpec): QueueState {
  switch (spec.kind) {
    case "RandomShuffleQueue":
      return new RandomShuffleQueueState(spec);
    case "PriorityQueue":
      return new PriorityQueueState(spec);
    default:
      return new FIFOQueueState(spec);
  }
}
