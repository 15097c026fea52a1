// tf.train.Coordinator: lets a group of "threads" stop together and reports the first error one
// of them hit. Threads here are async loops in the same process (AsyncThread): each runs
// between its awaits (a session run, a wait on a queue), interleaved with the others and with the
// training loop.
import { OutOfRangeError } from "../framework/errors.js";

/** An async loop with a thread's interface (TF's threading.Thread, as queue runners use it). */
export class AsyncThread {
  readonly name: string;
  private readonly target: () => Promise<void>;
  private running: Promise<void> | null = null;
  private alive = false;

  constructor(target: () => Promise<void>, options: { name?: string } = {}) {
    this.target = target;
    this.name = options.name ?? `Thread-${++threadCount}`;
  }

  /** Starts the loop (once). */
  start(): void {
    if (this.running) throw new Error(`thread ${this.name} can only be started once`);
    this.alive = true;
    this.running = (async () => {
      try {
        await this.target();
      } finally {
        this.alive = false;
      }
    })();
    // The target reports its own errors (to a coordinator); do not leave them unhandled here.
    this.running.catch(() => {});
  }

  /** Whether it was started and has not finished. */
  isAlive(): boolean {
    return this.alive;
  }

  /**
   * Resolves when it has finished (never rejects), or after `timeoutSecs` if given. A thread
   * never started resolves at once.
   */
  async join(timeoutSecs?: number): Promise<void> {
    if (!this.running) return;
    const done = this.running.then(
      () => {},
      () => {},
    );
    if (timeoutSecs === undefined) return done;
    await within(done, timeoutSecs);
  }
}
let threadCount = 0;

/** Waits for `p`, or `secs` at most (the timer is cleared, so it keeps nothing alive). */
async function within(p: Promise<unknown>, secs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, secs * 1000));
  });
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * tf.train.Coordinator({ cleanStopExceptionTypes }): `shouldStop()` tells loops to end,
 * `requestStop(err)` asks them to (remembering the first error, except the clean-stop types:
 * OutOfRangeError by default, what an input pipeline raises at its end), `join(threads)` waits
 * for them and raises that error.
 */
export class Coordinator {
  private readonly cleanStop: readonly ErrorClass[];
  private stopped = false;
  private error: unknown = undefined;
  private hasError = false;
  private isJoined = false;
  private registered = new Set<AsyncThread>();
  private wake: (() => void)[] = [];

  constructor(options: { cleanStopExceptionTypes?: readonly ErrorClass[] } = {}) {
    this.cleanStop = options.cleanStopExceptionTypes ?? [OutOfRangeError];
  }

  private isClean(e: unknown): boolean {
    return this.cleanStop.some((c) => e instanceof c);
  }

  /**
   * Asks the threads to stop. With an error (not a clean-stop one), the first such error of
   * the first request is what join raises. After join, an error is raised here directly.
   */
  requestStop(ex?: unknown): void {
    const err = ex !== undefined && ex !== null && !this.isClean(ex) ? ex : undefined;
    if (this.isJoined && err !== undefined) throw err;
    if (this.stopped) return;
    if (err !== undefined && !this.hasError) {
      this.error = err;
      this.hasError = true;
    }
    this.stopped = true;
    for (const w of this.wake.splice(0)) w();
  }

  /** Forgets a stop request and its error, so the coordinator can be used again. */
  clearStop(): void {
    this.isJoined = false;
    this.error = undefined;
    this.hasError = false;
    this.stopped = false;
  }

  shouldStop(): boolean {
    return this.stopped;
  }

  /** Whether join has finished. */
  get joined(): boolean {
    return this.isJoined;
  }

  /**
   * Runs `fn`; an error it throws (or rejects with) becomes a stop request (TF's
   * `with coord.stop_on_exception():`). Resolves to fn's result, or undefined after an error.
   */
  async stopOnException<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.requestStop(e);
      return undefined;
    }
  }

  /** Resolves to true once a stop is requested, or to false after `timeoutSecs`. */
  waitForStop(timeoutSecs?: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const w = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.wake.push(w);
      if (timeoutSecs !== undefined)
        timer = setTimeout(() => {
          const i = this.wake.indexOf(w);
          if (i >= 0) this.wake.splice(i, 1);
          resolve(false);
        }, timeoutSecs * 1000);
    });
  }

  /** Adds a thread for join to wait for. */
  registerThread(t: AsyncThread): void {
    this.registered.add(t);
  }

  /**
   * Waits until the threads (the registered ones and `threads`) have finished or a stop is
   * requested; then gives them `stopGracePeriodSecs` to finish. Raises the error a stop request
   * carried; else, with threads still running, an Error naming them (unless ignoreLiveThreads).
   */
  async join(
    threads?: readonly AsyncThread[],
    options: { stopGracePeriodSecs?: number; ignoreLiveThreads?: boolean } = {},
  ): Promise<void> {
    const all = [...new Set([...this.registered, ...(threads ?? [])])];
    const finished = Promise.all(all.map((t) => t.join()));
    await Promise.race([finished, this.waitForStop()]);
    const grace = options.stopGracePeriodSecs ?? 120;
    if (all.some((t) => t.isAlive())) await within(finished, grace);
    const stragglers = all.filter((t) => t.isAlive()).map((t) => t.name);
    this.isJoined = true;
    this.registered = new Set();
    if (this.hasError) throw this.error;
    if (stragglers.length > 0 && !options.ignoreLiveThreads)
      throw new Error(`Coordinator stopped with threads still running: ${stragglers.join(" ")}`);
  }

  /** Raises the error a stop request carried, if any. */
  raiseRequestedException(): void {
    if (this.hasError) throw this.error;
  }
}
