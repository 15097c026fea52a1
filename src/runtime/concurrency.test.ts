// Runs in flight together on one session: they interleave at op boundaries (kernels off the main
// thread, yields to the event loop), give results the sequential semantics allow, and fail with
// CancelledError when the session closes under them.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FunctionInstance, KernelEnv } from "../backends/kernel.js";
import { nativeTuning } from "../backends/native/kernels.js";
import * as tf from "../index.js";
import { applyGradientDescent } from "../ops/training_ops.js";

const hasNative = (): boolean => new tf.Session({ graph: new tf.Graph() }).backendName === "native";

/** A graph with a counter and a 256×256 matmul (large enough to run off the main thread). */
function counterGraph() {
  const g = new tf.Graph();
  const parts = g.asDefault(() => {
    const v = new tf.Variable(tf.constant(0, { dtype: "float32" }), { name: "counter" });
    const m = tf.randomUniform([256, 256], { seed: 1 });
    const heavy = tf.reduceSum(tf.matmul(m, m));
    // An increment that first waits for the heavy matmul: it is in flight when it runs.
    const inc = tf.controlDependencies([heavy], () => v.assignAdd(1));
    const read = tf.controlDependencies([heavy], () => tf.identity(v.value()));
    return { v, heavy, inc, read };
  });
  return { g, ...parts };
}

describe("concurrent runs", () => {
  // The 256×256 matmuls here go off the main thread (by default only ~1 ms kernels do).
  const defaultMinFlops = nativeTuning.asyncMinFlops;
  beforeAll(() => {
    nativeTuning.asyncMinFlops = 2 ** 20;
  });
  afterAll(() => {
    nativeTuning.asyncMinFlops = defaultMinFlops;
  });

  test("100 runs in flight at once, half incrementing, half reading: nothing lost", async () => {
    const { g, v, inc, read } = counterGraph();
    const sess = new tf.Session({ graph: g });
    await sess.run(v.initializer);
    let settled = 0;
    let inFlightAtOnce = 0;
    const runs: Promise<tf.NDArray>[] = [];
    for (let i = 0; i < 100; i++) {
      const p = sess.run(i % 2 === 0 ? inc : read);
      p.then(() => settled++);
      runs.push(p);
      inFlightAtOnce = Math.max(inFlightAtOnce, runs.length - settled);
    }
    const results = (await Promise.all(runs)).map((r) => r.item() as number);
    const increments = results.filter((_, i) => i % 2 === 0).sort((a, b) => a - b);
    // Each AssignAdd saw a distinct value: the 50 results are exactly 1..50.
    expect(increments).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Each read saw some state between the first and the last increment.
    for (let i = 1; i < 100; i += 2) {
      expect(results[i]).toBeGreaterThanOrEqual(0);
      expect(results[i]).toBeLessThanOrEqual(50);
      expect(Number.isInteger(results[i])).toBe(true);
    }
    expect((await sess.run(v)).item()).toBe(50);
    // With native kernels off the main thread, all 100 were truly in flight together.
    if (hasNative()) expect(inFlightAtOnce).toBe(100);
  });

  test("an in-place update waits for a kernel still reading the variable off the main thread", async () => {
    const g = new tf.Graph();
    const { w, product, step } = g.asDefault(() => {
      const w = new tf.Variable(tf.ones([512, 512]), { name: "w" });
      const product = tf.reduceSum(tf.matmul(w.value(), tf.ones([512, 512])));
      // w ← w − 1·1 = 0, in place on the native backend.
      const step = applyGradientDescent(w, 1, tf.ones([512, 512]));
      return { w, product, step };
    });
    const sess = new tf.Session({ graph: g });
    for (let trial = 0; trial < 5; trial++) {
      await sess.run(w.initializer);
      await sess.run(step); // w = 0, now in a buffer of its own that later steps update in place
      const read = sess.run(product);
      const update = sess.run(step);
      const total = (await read).item() as number;
      await update;
      // The matmul saw all of w before the update or all of it after, never a torn mix.
      expect([0, -(512 ** 3)]).toContain(total);
      expect((await sess.run(tf.reduceSum(w.value()).name)).item()).toBe(-(512 ** 2));
    }
  });

  test("a long run lets the event loop (timers, other runs) proceed while it computes", async () => {
    const g = new tf.Graph();
    const { loop, tiny } = g.asDefault(() => {
      // A loop of many small iterations: seconds of work in one run, no op taking long.
      const loop = tf.whileLoop(
        (i: tf.Tensor) => tf.less(i, 20000),
        (i: tf.Tensor) => [tf.add(i, 1)],
        [tf.constant(0)],
      )[0];
      return { loop, tiny: tf.add(tf.constant(2), 3) };
    });
    const sess = new tf.Session({ graph: g });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    let tinyDoneFirst = false;
    const long = sess.run(loop).then((r) => r.item());
    const short = sess.run(tiny).then(() => {
      tinyDoneFirst = true;
    });
    const value = await long;
    clearInterval(timer);
    await short;
    expect(value).toBe(20000);
    expect(tinyDoneFirst).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });

  test("a native matmul runs off the main thread while JavaScript goes on", async () => {
    if (!hasNative()) return; // the TypeScript backend computes on the main thread
    const g = new tf.Graph();
    const y = g.asDefault(() => {
      const m = tf.randomUniform([768, 768], { seed: 2 });
      return tf.reduceSum(tf.matmul(m, m));
    });
    // Stateful random ops draw new values each run: compare two sessions' first runs.
    const expected = new tf.Session({ graph: g }).runSync(y).item() as number;
    const sess = new tf.Session({ graph: g });
    let ranMeanwhile = false;
    const p = sess.run(y);
    setImmediate(() => {
      ranMeanwhile = true;
    });
    expect(((await p).item() as number) / expected).toBeCloseTo(1, 5);
    expect(ranMeanwhile).toBe(true);
  });

  test("close() fails the runs in flight with CancelledError; the process stays usable", async () => {
    const { g, v, inc } = counterGraph();
    const sess = new tf.Session({ graph: g });
    await sess.run(v.initializer);
    const runs = Array.from({ length: 10 }, () => sess.run(inc));
    sess.close();
    const outcomes = await Promise.allSettled(runs);
    for (const o of outcomes) {
      // A run that finished before close (none should on native, since each awaits its matmul).
      if (o.status === "rejected") expect(o.reason).toBeInstanceOf(tf.CancelledError);
    }
    if (hasNative()) expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    await expect(sess.run(inc)).rejects.toThrow(/closed Session/);
    // Another session on the same graph works.
    const again = new tf.Session({ graph: g });
    await again.run(v.initializer);
    expect((await again.run(inc)).item()).toBe(1);
  });

  test("timeoutInMs stops a long run with DeadlineExceededError", async () => {
    const g = new tf.Graph();
    const loop = g.asDefault(
      () =>
        tf.whileLoop(
          (i: tf.Tensor) => tf.less(i, 1e9),
          (i: tf.Tensor) => [tf.add(i, 1)],
          [tf.constant(0)],
        )[0],
    );
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(loop, undefined, { timeoutInMs: 50 })).rejects.toBeInstanceOf(
      tf.DeadlineExceededError,
    );
    const after = g.asDefault(() => tf.constant(1));
    expect((await sess.run(after)).item()).toBe(1);
  });

  test("FULL_TRACE fills per-node stats: timings, outputs and the backend that ran each node", async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() =>
      tf.matmul(tf.placeholder("float32", [4, 3], "a"), tf.ones([3, 2], "float32", "b"), {
        name: "mm",
      }),
    );
    const sess = new tf.Session({ graph: g });
    const runMetadata: tf.RunMetadata = {};
    const feeds = { "a:0": new tf.NDArray("float32", [4, 3], new Float32Array(12).fill(1)) };
    await sess.run(y, feeds, { traceLevel: "FULL_TRACE", runMetadata });
    const dev = runMetadata.stepStats!.devStats[0];
    expect(dev.device).toBe("/job:localhost/replica:0/task:0/device:CPU:0");
    const mm = dev.nodeStats.find((n) => n.nodeName === "mm")!;
    expect(mm.opType).toBe("MatMul");
    expect(mm.output).toEqual([{ slot: 0, dtype: "float32", shape: [4, 2], requestedBytes: 32 }]);
    expect(mm.allStartMicros).toBeGreaterThan(1.6e15); // microseconds since the epoch
    expect(mm.allEndRelMicros).toBeGreaterThanOrEqual(0);
    expect(mm.timelineLabel).toBe("mm = MatMul(a:0, b:0)");
    expect(["native", "cpu-ts"]).toContain(mm.backend);
    // Without a trace level only the totals are kept.
    const plain: tf.RunMetadata = {};
    await sess.run(y, feeds, { runMetadata: plain });
    expect(plain.stepStats!.devStats).toEqual([]);
    expect(plain.stepStats!.nodes).toBeGreaterThan(0);
  });

  test("KernelEnv.instantiateFunction calls a library function in the session", async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const f = tf.defun((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(a, b), 1), {
        inputTypes: ["float32", "float32"],
        name: "MulAddOne",
      });
      f(tf.constant(1), tf.constant(2)); // adds the function to the graph's library
    });
    const sess = new tf.Session({ graph: g });
    const env = (sess as unknown as { env: KernelEnv }).env;
    const f: FunctionInstance = env.instantiateFunction!("MulAddOne");
    const [out] = await f([
      new tf.NDArray("float32", [2], Float32Array.of(2, 3)),
      new tf.NDArray("float32", [2], Float32Array.of(4, 5)),
    ]);
    expect((out as tf.NDArray).toArray()).toEqual([9, 16]);
    expect(() => env.instantiateFunction!("Nope")).toThrow(tf.NotFoundError);
  });
});
