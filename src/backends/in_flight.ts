// Kernels running off the main thread right now (a native matmul on a libuv worker...). Each
// reads its input buffers until it settles, so an op that updates a buffer in place (a
// variable's ApplyAdam, an Assign-family op) waits for them first: the executor checks `idle()`
// before such an op and awaits `settled()` otherwise.

const running = new Set<Promise<unknown>>();

/** Registers work running off the main thread until `work` settles; returns `work`. */
export function trackInFlight<T>(work: Promise<T>): Promise<T> {
  running.add(work);
  const done = () => running.delete(work);
  work.then(done, done);
  return work;
}

/** Whether no such work is running. */
export function inFlightIdle(): boolean {
  return running.size === 0;
}

/** Resolves once every work running now has settled (its errors are its caller's). */
export function inFlightSettled(): Promise<unknown> {
  return Promise.allSettled([...running]);
}
