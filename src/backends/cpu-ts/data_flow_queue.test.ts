// The queues' waiting rules, driven directly (as an executor would: each call inside a run
// context that may wait, with the run's abort signal).
import { describe, expect, test } from "vitest";
import { CancelledError, DeadlineExceededError, OutOfRangeError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { enterRun, leaveRun } from "../../framework/run_context.js";
import { makeQueue, type QueueState, type Tuple } from "./data_flow_queue.js";

const el = (v: number): Tuple => [new NDArray("float32", [], [v])];
const vals = (ts: Tuple[]): number[] => ts.map((t) => t[0].data[0] as number);

/** Calls `fn` as a kernel of a run that may wait, aborted through the returned controller. */
function inRun<T>(fn: () => T): { result: T; abort: (reason: Error) => void } {
  const ctl = new AbortController();
  enterRun({ signal: ctl.signal, mayAwait: true, memoryLimit: Number.POSITIVE_INFINITY });
  try {
    return { result: fn(), abort: (r) => ctl.abort(r) };
  } finally {
    leaveRun();
  }
}
const fifo = (capacity: number): QueueState =>
  makeQueue({ kind: "FIFOQueue", name: "q", dtypes: ["float32"], shapes: [[]], capacity });

describe("queue waits", () => {
  test("a dequeue from an empty queue waits for a later enqueue", async () => {
    const q = fifo(2);
    const { result } = inRun(() => q.dequeue(1, "one", "QueueDequeueV2"));
    expect(result).toBeInstanceOf(Promise);
    inRun(() => q.enqueue([el(5)], "QueueEnqueueV2"));
    expect(vals(await result)).toEqual([5]);
    expect(q.size).toBe(0);
  });

  test("an aborted dequeue leaves the queue intact: the next element is not consumed", async () => {
    const q = fifo(2);
    const { result, abort } = inRun(() => q.dequeue(1, "one", "QueueDequeueV2"));
    abort(new DeadlineExceededError("Timed out"));
    await expect(result).rejects.toThrow(DeadlineExceededError);
    inRun(() => q.enqueue([el(1)], "QueueEnqueueV2"));
    expect(q.size).toBe(1);
  });

  test("an enqueue to a full queue waits for room; an aborted one adds nothing", async () => {
    const q = fifo(1);
    inRun(() => q.enqueue([el(1)], "QueueEnqueueV2"));
    const waiting = inRun(() => q.enqueue([el(2)], "QueueEnqueueV2"));
    expect(waiting.result).toBeInstanceOf(Promise);
    const aborted = inRun(() => q.enqueue([el(3)], "QueueEnqueueV2"));
    aborted.abort(new CancelledError("Session closed"));
    await expect(aborted.result).rejects.toThrow(CancelledError);
    expect(vals(inRun(() => q.dequeue(1, "one", "d")).result as Tuple[])).toEqual([1]);
    await waiting.result;
    expect(vals(inRun(() => q.dequeue(1, "one", "d")).result as Tuple[])).toEqual([2]);
    expect(q.size).toBe(0);
  });

  test("an enqueueMany larger than the capacity goes in as room is made", async () => {
    const q = fifo(2);
    const { result } = inRun(() => q.enqueue([el(1), el(2), el(3)], "QueueEnqueueManyV2"));
    expect(q.size).toBe(2);
    expect(vals(inRun(() => q.dequeue(2, "many", "d")).result as Tuple[])).toEqual([1, 2]);
    await result;
    expect(q.size).toBe(1);
  });

  test("a waiting dequeueMany takes elements as they come; aborted, it puts them back in order", async () => {
    const q = fifo(5);
    const { result } = inRun(() => q.dequeue(3, "many", "QueueDequeueManyV2"));
    inRun(() => q.enqueue([el(1), el(2)], "e"));
    expect(q.size).toBe(0); // taken by the waiting dequeue
    inRun(() => q.enqueue([el(9)], "e")); // the third element completes it
    expect(vals(await result)).toEqual([1, 2, 9]);
    const second = inRun(() => q.dequeue(3, "many", "QueueDequeueManyV2"));
    inRun(() => q.enqueue([el(4), el(5)], "e"));
    second.abort(new DeadlineExceededError("Timed out"));
    await expect(second.result).rejects.toThrow(DeadlineExceededError);
    expect(vals(inRun(() => q.dequeue(2, "many", "d")).result as Tuple[])).toEqual([4, 5]);
  });

  test("closing fails waiting dequeues with OutOfRangeError", async () => {
    const q = fifo(5);
    const { result } = inRun(() => q.dequeue(1, "one", "QueueDequeueV2"));
    inRun(() => q.close(false, "QueueCloseV2"));
    await expect(result).rejects.toThrow(OutOfRangeError);
    await expect(result).rejects.toThrow(
      "FIFOQueue 'q' is closed and has insufficient elements (requested 1, current size 0)",
    );
  });

  test("close waits behind pending enqueues; with cancelPendingEnqueues they fail", async () => {
    const q = fifo(1);
    inRun(() => q.enqueue([el(1)], "e"));
    const pending = inRun(() => q.enqueue([el(2)], "e"));
    const close = inRun(() => q.close(false, "QueueCloseV2"));
    expect(close.result).toBeInstanceOf(Promise);
    expect(q.closed).toBe(false);
    inRun(() => q.dequeue(1, "one", "d"));
    await pending.result;
    await close.result;
    expect(q.closed).toBe(true);
    expect(q.size).toBe(1);

    const r = fifo(1);
    inRun(() => r.enqueue([el(1)], "e"));
    const cancelled = inRun(() => r.enqueue([el(2)], "e"));
    inRun(() => r.close(true, "QueueCloseV2"));
    await expect(cancelled.result).rejects.toThrow(CancelledError);
    await expect(cancelled.result).rejects.toThrow("Queue 'q' is already closed.");
    expect(r.size).toBe(1);
  });

  test("a run that may not wait gets an error instead of a promise, and nothing changes", () => {
    const q = fifo(1);
    enterRun({
      signal: new AbortController().signal,
      mayAwait: false,
      memoryLimit: Number.POSITIVE_INFINITY,
    });
    try {
      expect(() => q.dequeue(1, "one", "QueueDequeueV2")).toThrow(/would wait/);
    } finally {
      leaveRun();
    }
    inRun(() => q.enqueue([el(1)], "e"));
    expect(q.size).toBe(1);
  });
});
