import { expect, test } from "vitest";
import * as tf from "../index.js";

// The executor releases each intermediate at its last use, so a chain of large intermediates
// holds about two of them at a time, not all of them.
test("a chain of large intermediates does not hold them all at once", async () => {
  const n = 1 << 20; // 4 MiB of float32 per intermediate
  const steps = 12;
  const g = new tf.Graph();
  const { x, out } = g.asDefault(() => {
    const x = tf.placeholder("float32", [n], "x");
    let y = x;
    for (let i = 0; i < steps; i++) y = tf.add(y, 1);
    return { x, out: y };
  });
  // Without the arithmetic pass, which would merge the adds into one.
  const sess = new tf.Session({
    graph: g,
    config: { graphOptions: { rewriteOptions: { arithmeticOptimization: "OFF" } } },
  });
  const md: tf.RunMetadata = {};
  const r = await sess.run(out, [[x, new Float32Array(n)]], { runMetadata: md });
  expect(r.data[0]).toBe(steps);
  expect(r.data[n - 1]).toBe(steps);
  const stats = md.stepStats!;
  expect(stats.nodes).toBeGreaterThanOrEqual(steps);
  const mib = stats.peakLiveBytes / (1 << 20);
  // The feed, the input of the running add and its output: 3 buffers, never the 13 of them all.
  expect(mib).toBeGreaterThanOrEqual(8);
  expect(mib).toBeLessThanOrEqual(12);
});

test("an output nobody reads is released right after its op runs", async () => {
  const g = new tf.Graph();
  const { a, b } = g.asDefault(() => {
    const big = tf.fill([1 << 18], 1); // 1 MiB
    const unused = tf.add(big, 1); // read by nothing
    const small = tf.constant(1);
    return { a: tf.add(small, 1), b: tf.group([unused.op]) };
  });
  const sess = new tf.Session({ graph: g });
  const md: tf.RunMetadata = {};
  await sess.run([a, b], undefined, { runMetadata: md });
  expect(md.stepStats!.peakLiveBytes).toBeLessThanOrEqual(2 * (1 << 20) + 64);
});
