// The run a kernel is executing for. Runs of one or many sessions interleave: each runs
// synchronously between its awaits (an async native kernel, a blocking queue op, a yield to the
// event loop), and the executor re-enters its run's context at the start of every such slice. A
// kernel reads `currentRun()` synchronously, when it is called; a kernel that returns a promise
// must capture what it needs (the signal) then, not after awaiting.
import { setRunMemoryLimit } from "./memory_limit.js";

/** What a kernel may ask of the run that called it. */
export interface RunContext {
  /**
   * Aborted when the run must stop: its RunOptions.timeoutInMs passed (reason: a
   * DeadlineExceededError) or its session was closed (reason: a CancelledError). A blocking
   * kernel (a queue's dequeue, a reader's read) listens to it and rejects with its reason.
   */
  readonly signal: AbortSignal;
  /** False in `Session.runSync`: a kernel must then not return a promise (it cannot be awaited). */
  readonly mayAwait: boolean;
  /** The most bytes one tensor of this run may take (the session's ConfigProto.memoryLimitBytes). */
  readonly memoryLimit: number;
}

let current: RunContext | undefined;

/** The run now executing, or undefined outside any run. */
export function currentRun(): RunContext | undefined {
  return current;
}

/**
 * Called by the executor at the start of each synchronous slice of a run; returns the context it
 * replaces (a function's run nested in a kernel's call replaces its caller's), for `leaveRun`.
 */
export function enterRun(run: RunContext): RunContext | undefined {
  const previous = current;
  current = run;
  setRunMemoryLimit(run.memoryLimit);
  return previous;
}

/** Called by the executor when a slice ends (it awaits, or the run is over): restores `previous`. */
export function leaveRun(previous?: RunContext): void {
  current = previous;
  setRunMemoryLimit(previous?.memoryLimit);
}

/** Rejects a promise when `signal` aborts (with its reason). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
