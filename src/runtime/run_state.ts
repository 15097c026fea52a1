// What the executors share about one run in progress: its context (signal, memory limit), its
// deadline and statistics, and the two ways a run lets others proceed: awaiting a kernel that
// returned a promise, and yielding to the event loop after running for a while.
import { DeadlineExceededError } from "../framework/errors.js";
import { abortable, type RunContext } from "../framework/run_context.js";
import type { RunStats } from "./plan_support.js";

/** A run yields to the event loop after computing this long without awaiting. */
const SLICE_MS = 2;

/**
 * A run's context with its abort switch. The AbortSignal kernels may ask for is made only when
 * asked (making one costs microseconds, more than a tiny run); until then `abort` only records
 * its reason.
 */
export class RunControl implements RunContext {
  private controller: AbortController | undefined;
  private reason: unknown;
  private stopped = false;
  constructor(
    readonly mayAwait: boolean,
    readonly memoryLimit: number,
  ) {}
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
  get aborted(): boolean {
    return this.stopped;
  }
  get abortReason(): unknown {
    return this.reason;
  }
  abort(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** Whether `ctx` was aborted, without making a RunControl's signal. */
const abortedReason = (ctx: RunContext): { reason: unknown } | null => {
  if (ctx instanceof RunControl) return ctx.aborted ? { reason: ctx.abortReason } : null;
  return ctx.signal.aborted ? { reason: ctx.signal.reason } : null;
};

export interface RunState {
  readonly ctx: RunContext;
  /** performance.now() past which the run fails with DeadlineExceededError. */
  readonly deadline?: number;
  readonly stats?: RunStats;
  /** Fill stats.devStats per node (RunOptions.traceLevel). */
  readonly trace: boolean;
  /** Return fetched resource handles as they are (a function's outputs), not refuse them. */
  readonly keepHandles: boolean;
  /** When the current synchronous slice began (performance.now()). */
  sliceStart: number;
}

export function newRunState(
  ctx: RunContext,
  options: { deadline?: number; stats?: RunStats; trace?: boolean; keepHandles?: boolean } = {},
): RunState {
  return {
    ctx,
    deadline: options.deadline,
    stats: options.stats,
    trace: options.trace === true && options.stats !== undefined,
    keepHandles: options.keepHandles === true,
    sliceStart: performance.now(),
  };
}

export const deadlineError = (): DeadlineExceededError =>
  new DeadlineExceededError("Timed out: the run took longer than RunOptions.timeoutInMs");

/**
 * Checked every few nodes: throws when the run's deadline passed or its signal aborted; true when
 * the slice has run long enough that the run should let the event loop in (only runs that may
 * await yield).
 */
export function sliceOver(st: RunState): boolean {
  const now = performance.now();
  if (st.deadline !== undefined && now > st.deadline) throw deadlineError();
  const aborted = abortedReason(st.ctx);
  if (aborted) throw aborted.reason;
  return st.ctx.mayAwait && now - st.sliceStart > SLICE_MS;
}

/**
 * Between two slices: awaits `work` (a kernel's promise), or with null lets the event loop run
 * once. Rejects with the signal's reason as soon as the run is aborted (a closed session, a
 * deadline), even while `work` is still pending.
 */
export async function pause<T>(st: RunState, work: Promise<T> | null): Promise<T | undefined> {
  const signal = st.ctx.signal;
  if (signal.aborted) throw signal.reason;
  let value: T | undefined;
  if (work === null) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal.aborted) throw signal.reason;
  } else {
    value = await abortable(work, signal);
  }
  st.sliceStart = performance.now();
  return value;
}

/** Whether a kernel's result is a promise (a kernel that awaits). */
export const isPending = <T>(x: T | Promise<T>): x is Promise<T> => x instanceof Promise;
