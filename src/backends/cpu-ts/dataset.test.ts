// The asynchronous parts of the dataset kernels, on their own: a prefetch buffer fills while its
// consumer is away (between session runs), parallel map calls overlap, interleave follows TF's
// cycle order, and errors arrive in order.
import { describe, expect, test } from "vitest";
import { NDArray } from "../../framework/ndarray.js";
import type { Value } from "../kernel.js";
import { prefetching } from "./dataset_buffers.js";
import type { Element, ElementIterator } from "./dataset_core.js";
import { interleaved, mapped } from "./dataset_functions.js";

const scalar = (x: number) => new NDArray("float32", [], [x]);
const value = (e: Element | null) => (e === null ? null : (e[0] as NDArray).data[0]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source of `n` elements, each after `delayMs`; counts the calls of next. */
function slowSource(n: number, delayMs: number, failAt = -1) {
  const stats = { calls: 0 };
  let i = 0;
  const it: ElementIterator = {
    next: async () => {
      stats.calls++;
      await sleep(delayMs);
      if (i === failAt) {
        i++;
        throw new Error(`element ${failAt} failed`);
      }
      return i < n ? [scalar(i++)] : null;
    },
    close: () => {},
  };
  return { it, stats };
}

describe("prefetch", () => {
  test("fills its buffer while the consumer is away, then delivers in order", async () => {
    const { it, stats } = slowSource(10, 2);
    const p = prefetching(it, 4);
    expect(value(await p.next())).toBe(0);
    await sleep(60); // the consumer does something else (a training step)
    // Up to 4 elements were read ahead meanwhile.
    expect(stats.calls).toBe(5);
    for (let k = 1; k <= 4; k++) expect(value(await p.next())).toBe(k);
    const rest: unknown[] = [];
    for (let e = await p.next(); e !== null; e = await p.next()) rest.push(value(e));
    expect(rest).toEqual([5, 6, 7, 8, 9]);
    expect(await p.next()).toBeNull();
  });

  test("an input error arrives in its place, after the elements before it", async () => {
    const { it } = slowSource(5, 1, 2);
    const p = prefetching(it, 3);
    expect(value(await p.next())).toBe(0);
    expect(value(await p.next())).toBe(1);
    await expect(p.next()).rejects.toThrow("element 2 failed");
  });

  test("close stops the filling", async () => {
    const { it, stats } = slowSource(100, 1);
    const p = prefetching(it, 50);
    await p.next();
    p.close();
    const calls = stats.calls;
    await sleep(30);
    expect(stats.calls).toBeLessThanOrEqual(calls + 1);
  });
});

describe("parallel map", () => {
  test("up to numParallelCalls calls in flight; results in input order", async () => {
    const { it } = slowSource(8, 0);
    let inFlight = 0;
    let most = 0;
    const fn = async (e: Element): Promise<Value[]> => {
      inFlight++;
      most = Math.max(most, inFlight);
      const x = value(e) as number;
      await sleep(10 - x); // later elements finish first
      inFlight--;
      return [scalar(x * 10)];
    };
    const m = mapped(it, fn, 4);
    const out: unknown[] = [];
    for (let e = await m.next(); e !== null; e = await m.next()) out.push(value(e));
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(4); // the calls overlapped
  });
});

describe("interleave", () => {
  test("TF's cycle order: cycle 2, block 2 over inputs of different lengths", async () => {
    // Inputs 1, 2, 3 open datasets of 3, 1 and 2 copies of themselves (worked by hand: slot 0
    // gives 1 1, slot 1 gives 2 (ends), slot 0 gives 1 (ends), slot 1 opens 3: 3 3).
    const input: ElementIterator = (() => {
      const xs = [1, 2, 3];
      let i = 0;
      return { next: async () => (i < xs.length ? [scalar(xs[i++])] : null), close: () => {} };
    })();
    const lengths: Record<number, number> = { 1: 3, 2: 1, 3: 2 };
    const open = async (e: Element): Promise<ElementIterator> => {
      const x = value(e) as number;
      let k = 0;
      return { next: async () => (k++ < lengths[x] ? [scalar(x)] : null), close: () => {} };
    };
    const it = interleaved(input, open, 2, 2);
    const out: unknown[] = [];
    for (let e = await it.next(); e !== null; e = await it.next()) out.push(value(e));
    expect(out).toEqual([1, 1, 2, 1, 3, 3]);
  });
});
