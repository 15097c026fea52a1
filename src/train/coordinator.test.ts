import { describe, expect, test } from "vitest";
import * as tf from "../index.js";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("Coordinator", () => {
  test("threads loop until a stop is requested; join waits for them", async () => {
    const coord = new tf.train.Coordinator();
    let steps = 0;
    const threads = [0, 1].map(
      () =>
        new tf.train.AsyncThread(async () => {
          while (!coord.shouldStop()) {
            steps++;
            await tick(1);
          }
        }),
    );
    for (const t of threads) t.start();
    expect(threads.every((t) => t.isAlive())).toBe(true);
    await tick(20);
    coord.requestStop();
    await coord.join(threads);
    expect(steps).toBeGreaterThan(2);
    expect(threads.some((t) => t.isAlive())).toBe(false);
    expect(coord.joined).toBe(true);
  });

  test("the first error requested is raised by join; OutOfRangeError is a clean stop", async () => {
    const coord = new tf.train.Coordinator();
    coord.requestStop(new tf.errors.InvalidArgumentError("bad input"));
    coord.requestStop(new Error("second")); // after the first request: not recorded
    await expect(coord.join([])).rejects.toThrow("bad input");

    const clean = new tf.train.Coordinator();
    await clean.stopOnException(() => {
      throw new tf.errors.OutOfRangeError("End of sequence");
    });
    expect(clean.shouldStop()).toBe(true);
    await clean.join([]); // no error
    // After join, an error requested is raised directly.
    expect(() => clean.requestStop(new Error("late"))).toThrow("late");
    clean.clearStop();
    expect(clean.shouldStop()).toBe(false);
  });

  test("stopOnException turns an error into a stop request; waitForStop times out", async () => {
    const coord = new tf.train.Coordinator();
    expect(await coord.waitForStop(0.01)).toBe(false);
    const r = await coord.stopOnException(async () => {
      await tick(1);
      throw new tf.errors.UnavailableError("reader failed");
    });
    expect(r).toBeUndefined();
    expect(await coord.waitForStop()).toBe(true);
    expect(() => coord.raiseRequestedException()).toThrow("reader failed");
  });

  test("a thread that does not stop within the grace period is named by join", async () => {
    const coord = new tf.train.Coordinator();
    let release!: () => void;
    const stuck = new tf.train.AsyncThread(() => new Promise<void>((r) => (release = r)), {
      name: "stuck",
    });
    stuck.start();
    coord.registerThread(stuck);
    coord.requestStop();
    await expect(coord.join(undefined, { stopGracePeriodSecs: 0.02 })).rejects.toThrow(
      "Coordinator stopped with threads still running: stuck",
    );
    release();
    await stuck.join();
  });
});
