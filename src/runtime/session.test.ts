import { describe, expect, test } from "vitest";
import * as tf from "../index.js";

function graphWith<T>(build: () => T): { g: tf.Graph; sess: tf.Session; out: T } {
  const g = new tf.Graph();
  const out = g.asDefault(build);
  return { g, sess: new tf.Session({ graph: g }), out };
}

describe("Session.run fetches", () => {
  test("a tensor, an op, a name, a variable, and nested structures", async () => {
    const { sess, out } = graphWith(() => {
      const a = tf.constant([1, 2], { name: "a" });
      const v = new tf.Variable(tf.constant(7), { name: "v" });
      return { a, v, op: tf.noOp("nop") };
    });
    await sess.run(out.v.initializer);
    expect((await sess.run(out.a)).toArray()).toEqual([1, 2]);
    expect(await sess.run(out.op)).toBeNull();
    expect((await sess.run("a:0")).toArray()).toEqual([1, 2]);
    expect(await sess.run("nop")).toBeNull();
    expect((await sess.run(out.v)).item()).toBe(7);
    const r = await sess.run({ x: [out.a, out.op] as const, y: { z: "v/read:0" } });
    expect(r.x[0].toArray()).toEqual([1, 2]);
    expect(r.x[1]).toBeNull();
    expect(r.y.z.item()).toBe(7);
    // The same tensor twice is computed once and returned in both places.
    const [p, q] = await sess.run([out.a, out.a]);
    expect(p).toBe(q);
  });

  test("fetching something of another graph or a bad name is an error", async () => {
    const { sess } = graphWith(() => tf.constant(1, { name: "c" }));
    const other = new tf.Graph().asDefault(() => tf.constant(2));
    await expect(sess.run(other)).rejects.toThrow(/not an element of this session's graph/);
    await expect(sess.run("nope:0")).rejects.toThrow(tf.NotFoundError);
    await expect(sess.run(42 as unknown as tf.Tensor)).rejects.toThrow(tf.ValueError);
  });
});

describe("Session.run feeds", () => {
  const build = () => {
    const x = tf.placeholder("float32", [null, 2], "x");
    const unused = tf.placeholder("int32", [], "unused");
    const y = tf.identity(x, "y");
    const z = tf.identity(y, "z");
    return { x, unused, y, z };
  };

  test("a Map, pairs, or an object keyed by tensor name", async () => {
    const { sess, out } = graphWith(build);
    const v = [
      [1, 2],
      [3, 4],
    ];
    expect((await sess.run(out.y, new Map([[out.x, v]]))).toArray()).toEqual(v);
    expect((await sess.run(out.y, [[out.x, v]])).toArray()).toEqual(v);
    expect((await sess.run(out.y, { "x:0": v })).toArray()).toEqual(v);
    expect((await sess.run(out.y, { x: v })).toArray()).toEqual(v);
    expect((await sess.run(out.y, { x: new tf.NDArray("float32", [1, 2], [5, 6]) })).shape).toEqual(
      [1, 2],
    );
  });

  test("a TypedArray takes the placeholder's shape with the unknown dim inferred", async () => {
    const { sess, out } = graphWith(build);
    const r = await sess.run(out.y, { x: new Float32Array([1, 2, 3, 4, 5, 6]) });
    expect(r.shape).toEqual([3, 2]);
    await expect(sess.run(out.y, { x: new Float32Array(3) })).rejects.toThrow(
      tf.InvalidArgumentError,
    );
    await expect(sess.run(out.y, { x: new Int32Array(4) })).rejects.toThrow(/Int32Array/);
  });

  test("any tensor can be fed, and what it makes unnecessary does not run", async () => {
    const { sess, out } = graphWith(build);
    // x is not fed and not needed: y is fed.
    expect((await sess.run(out.z, { "y:0": [[9, 9]] })).toArray()).toEqual([[9, 9]]);
  });

  test("a wrong shape or dtype is an InvalidArgumentError naming the tensor and both shapes", async () => {
    const { sess, out } = graphWith(build);
    await expect(sess.run(out.y, { x: [1, 2, 3] })).rejects.toThrow(
      "Cannot feed value of shape [3] for Tensor 'x:0', which has shape [?,2]",
    );
    await expect(sess.run(out.y, { x: [[1, 2, 3]] })).rejects.toThrow(tf.InvalidArgumentError);
    await expect(sess.run(out.y, { x: new tf.NDArray("int32", [1, 2], [1, 2]) })).rejects.toThrow(
      /dtype int32 for Tensor 'x:0'/,
    );
    await expect(sess.run(out.y, { x: [[1], [2, 3]] })).rejects.toThrow(/ragged/);
    await expect(sess.run(out.y, { x: [["a", "b"]] })).rejects.toThrow(tf.InvalidArgumentError);
    await expect(sess.run(out.unused, { unused: 1.5 })).rejects.toThrow(/Cannot convert/);
  });

  test("a needed placeholder that is not fed is an error naming it; an unneeded one need not be fed", async () => {
    const { sess, out } = graphWith(build);
    await expect(sess.run(out.y)).rejects.toThrow(
      /You must feed a value for placeholder tensor 'x' with dtype float and shape \[\?,2\]/,
    );
    await expect(sess.run(out.y)).rejects.toThrow(tf.InvalidArgumentError);
    await expect(sess.run(out.y, { x: [[1, 2]] })).resolves.toBeDefined();
  });

  test("feeding a tensor twice or a tensor of another graph is an error", async () => {
    const { sess, out } = graphWith(build);
    await expect(
      sess.run(out.y, [
        [out.x, [[1, 2]]],
        ["x:0", [[1, 2]]],
      ]),
    ).rejects.toThrow(/more than once/);
    const other = new tf.Graph().asDefault(() => tf.placeholder("float32", [], "x"));
    await expect(sess.run(out.y, [[other, 1]])).rejects.toThrow(/not an element/);
  });

  test("placeholderWithDefault takes the fed value or its default", async () => {
    const { sess, out } = graphWith(() =>
      tf.identity(tf.placeholderWithDefault(tf.constant([1, 2]), [null], "p")),
    );
    expect((await sess.run(out)).toArray()).toEqual([1, 2]);
    expect((await sess.run(out, { p: [5, 6, 7] })).toArray()).toEqual([5, 6, 7]);
    await expect(sess.run(out, { p: [[5]] })).rejects.toThrow(tf.InvalidArgumentError);
  });
});

describe("Session lifecycle and errors", () => {
  test("plans are cached per (feeds, fetches) signature", async () => {
    const { sess, out } = graphWith(() => {
      const x = tf.placeholder("float32", [], "x");
      return tf.identity(x);
    });
    await sess.run(out, { x: 1 });
    await sess.run(out, { x: 2 });
    expect(sess.cachedPlanCount).toBe(1);
    await sess.run([out], { x: 3 });
    expect(sess.cachedPlanCount).toBe(1);
    await sess.run(out.op, { x: 3 });
    expect(sess.cachedPlanCount).toBe(2);
  });

  test("a closed session cannot run", async () => {
    const { sess, out } = graphWith(() => tf.constant(1));
    sess.close();
    await expect(sess.run(out)).rejects.toThrow(/closed Session/);
  });

  test("a session with an unreachable target fails with UnavailableError naming the address", async () => {
    const g = new tf.Graph();
    const out = g.asDefault(() => tf.constant(1));
    const sess = new tf.Session({
      graph: g,
      target: "grpc://127.0.0.1:1",
      config: { operationTimeoutInMs: 2000 },
    });
    await expect(sess.run(out)).rejects.toThrow(tf.UnavailableError);
    await expect(sess.run(out)).rejects.toThrow(/127\.0\.0\.1:1/);
    expect(() => new tf.Session({ target: "http://localhost:1" })).toThrow(tf.InvalidArgumentError);
  });

  test("an op without a kernel is an UnimplementedError naming it", async () => {
    const { sess, out } = graphWith(() => tf.getDefaultGraph().createOp("Abort", [], {}, "boom"));
    await expect(sess.run(out)).rejects.toThrow(tf.UnimplementedError);
    await expect(sess.run(out)).rejects.toThrow(/'Abort' \(node 'boom'/);
  });

  test("a kernel's run-time error keeps its class and names the node", async () => {
    const { sess, out } = graphWith(() => {
      const v = new tf.Variable(tf.constant([1, 2]), { name: "v" });
      return tf.identity(v, "reader");
    });
    const err = (await sess.run(out).catch((e: unknown) => e)) as tf.OpError;
    expect(err).toBeInstanceOf(tf.FailedPreconditionError);
    expect(err.message).toMatch(/uninitialized value v/);
    expect(err.message).toMatch(/\[\[node v\/read/);
    expect(err.opName).toBe("v/read");
  });
});

test("a control dependency on a fed placeholder is met by the feed", async () => {
  const g = new tf.Graph();
  const { p, out } = g.asDefault(() => {
    const p = tf.placeholder("float32", [], "p");
    const out = tf.controlDependencies([p], () => tf.constant(3));
    return { p, out };
  });
  const sess = new tf.Session({ graph: g });
  expect((await sess.run(out, [[p, 1]])).item()).toBe(3);
  await expect(sess.run(out)).rejects.toThrow(/must feed a value for placeholder tensor 'p'/);
});

// CI also runs the suite with TENSORGRAPH_REWRITE=off: then no pass runs.
describe.skipIf(process.env.TENSORGRAPH_REWRITE === "off")("graph passes", () => {
  test("run by default, reported in RunMetadata.optimizations, switched off by TF's names", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2], "x");
      let y = x;
      for (let i = 0; i < 10; i++) y = tf.add(y, 1);
      return { x, y };
    });
    const feeds: [tf.Tensor, number[]][] = [[x, [1, 2]]];
    const on: tf.RunMetadata = {};
    const sess = new tf.Session({ graph: g });
    expect((await sess.run(y, feeds, { runMetadata: on })).toArray()).toEqual([11, 12]);
    expect(on.optimizations?.some((r) => r.pass === "arithmetic_optimizer")).toBe(true);
    expect(on.stepStats!.nodes).toBeLessThan(10);
    const off: tf.RunMetadata = {};
    const plain = new tf.Session({
      graph: g,
      config: { graphOptions: { rewriteOptions: { arithmeticOptimization: "OFF" } } },
    });
    expect((await plain.run(y, feeds, { runMetadata: off })).toArray()).toEqual([11, 12]);
    expect(off.stepStats!.nodes).toBeGreaterThanOrEqual(10); // the adds (and their shared constant)
  });
});

test("listDevices names the process's CPU, as TF's in-process session does", async () => {
  const sess = new tf.Session({ graph: new tf.Graph() });
  const [cpu] = await sess.listDevices();
  expect(cpu.name).toBe("/job:localhost/replica:0/task:0/device:CPU:0");
  expect(cpu.deviceType).toBe("CPU");
});
