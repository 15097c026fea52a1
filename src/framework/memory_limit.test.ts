import { describe, expect, it } from "vitest";
import * as tf from "../index.js";
import { annotate } from "../runtime/plan_support.js";
import { allocData } from "./dtypes.js";
import {
  checkAllocation,
  currentMemoryLimit,
  elementCount,
  MAX_STRING_ELEMENTS,
  resolveMemoryLimit,
} from "./memory_limit.js";
import { enterRun, leaveRun } from "./run_context.js";

/**
 * Runs `make()`'s tensor in a fresh graph's session and expects a ResourceExhaustedError whose
 * message names the op, the shape and the bytes; then a small run in the same session works.
 */
async function expectRefused(
  make: () => tf.Tensor,
  opType: string,
  shapeText: string,
  bytes: string,
  config?: tf.ConfigProto,
): Promise<void> {
  const g = new tf.Graph();
  const [big, small] = g.asDefault(() => [make(), tf.add(tf.constant([1, 2]), tf.constant(3))]);
  const sess = new tf.Session({ graph: g, config });
  const err = await sess.run(big).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(tf.ResourceExhaustedError);
  const msg = (err as Error).message;
  expect(msg).toContain(`(op '${opType}')`);
  expect(msg).toMatch(/\[\[node \S+ \(defined at /);
  expect(msg).toContain(`shape${shapeText}`);
  expect(msg).toContain(`${bytes} bytes`);
  expect((await sess.run(small)).toArray()).toEqual([4, 5]);
}

describe("memory limit: the reproduced breakages are ResourceExhaustedError", () => {
  it("Fill of [1e6, 1e6] (4e12 bytes of float)", async () => {
    await expectRefused(
      () => tf.fill([1e6, 1e6], 1.5),
      "Fill",
      "[1000000,1000000]",
      "4000000000000",
    );
  });
  it("zeros with int64 dims", async () => {
    const dims = () => tf.constant([1000000, 1000000], { dtype: "int64" });
    await expectRefused(() => tf.zeros(dims()), "Fill", "[1000000,1000000]", "4000000000000");
  });
  it("oneHot with depth 2^31 - 1", async () => {
    // 3 × (2^31 − 1) floats = 25769803764 bytes, past a typed array's 2^32 elements anywhere.
    const idx = () => tf.constant([0, 1, 2], { dtype: "int32" });
    await expectRefused(
      () => tf.oneHot(idx(), 2 ** 31 - 1),
      "OneHot",
      "[3,2147483647]",
      "25769803764",
    );
  });
  it("range(0, 1e12): an int64 range (TF makes an int past int32 int64)", async () => {
    await expectRefused(() => tf.range(0, 1e12), "Range", "[1000000000000]", "8000000000000");
    const g = new tf.Graph();
    expect(g.asDefault(() => tf.range(0, 1e12).dtype)).toBe("int64");
  });
  it("randomUniform([1e6, 1e6])", async () => {
    await expectRefused(
      () => tf.randomUniform([1e6, 1e6]),
      "RandomUniform",
      "[1000000,1000000]",
      "4000000000000",
    );
  });
  it("tile by [2^30, 2^30] refuses the whole output before any intermediate", async () => {
    // [2·2^30, 2·2^30] floats: 2^62 elements × 4 bytes = 2^64 bytes (exact, past 2^53).
    await expectRefused(
      () => tf.tile(tf.ones([2, 2]), [2 ** 30, 2 ** 30]),
      "Tile",
      "[2147483648,2147483648]",
      "18446744073709551616",
    );
  });
  it("pad by [[2^30, 2^30], [0, 0]] refuses before building its index maps", async () => {
    // [2^31 + 2, 2] floats = (2^32 + 4) × 4 bytes.
    await expectRefused(
      () =>
        tf.pad(tf.ones([2, 2]), [
          [2 ** 30, 2 ** 30],
          [0, 0],
        ]),
      "Pad",
      "[2147483650,2]",
      "17179869200",
    );
  });
});

describe("memory limit: inside a loop (the dataflow executor)", () => {
  it("a refused Fill in a while body fails the run; the session runs the loop again", async () => {
    const g = new tf.Graph();
    const [loop, n] = g.asDefault(() => {
      const n = tf.placeholder("int32", []);
      const [, out] = tf.whileLoop(
        (i: tf.Tensor) => tf.less(i, 3),
        (i: tf.Tensor, acc: tf.Tensor) => [
          tf.add(i, 1),
          tf.add(acc, tf.reduceSum(tf.fill(tf.stack([n, n]), 1))),
        ],
        [tf.constant(0, { dtype: "int32" }), tf.constant(0)],
      );
      return [out, n];
    });
    const sess = new tf.Session({ graph: g });
    const err = await sess.run(loop, [[n, 1e6]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(tf.ResourceExhaustedError);
    expect((err as Error).message).toContain(
      "shape[1000000,1000000] and type float: 4000000000000 bytes",
    );
    expect((err as Error).message).toContain("(op 'Fill')");
    expect((await sess.run(loop, [[n, 2]])).toArray()).toBe(12);
  });
});

describe("memory limit: kernels' own size checks", () => {
  it("LinSpace of 2^32 elements (int64 num) is ResourceExhaustedError", async () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => tf.linspace(0, 1, tf.constant(2 ** 32, { dtype: "int64" })));
    const e = await new tf.Session({ graph: g }).run(t).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(tf.ResourceExhaustedError);
    expect((e as Error).message).toContain("LinSpace: output of shape [4294967296]");
  });
});

describe("memory limit: kernel state in JS arrays", () => {
  it("a TensorArray of 2^31 - 1 elements is refused (V8 would abort making its slots)", async () => {
    const g = new tf.Graph();
    const [big, small] = g.asDefault(() => [
      new tf.TensorArray({ dtype: "float32", size: 2 ** 31 - 1 }).size(),
      new tf.TensorArray({ dtype: "float32", size: 3 }).size(),
    ]);
    const sess = new tf.Session({ graph: g });
    const err = await sess.run(big).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(tf.ResourceExhaustedError);
    expect((err as Error).message).toContain("of 2147483647 elements (17179869176 bytes of slots)");
    expect((err as Error).message).toContain("(op 'TensorArrayV3')");
    expect((await sess.run(small)).toArray()).toBe(3);
  });
});

describe("memory limit: ConfigProto.memoryLimitBytes", () => {
  it("lowers the limit: 16×32 floats (2048 bytes) are refused under 1024, 8×8 pass", async () => {
    const config = { memoryLimitBytes: 1024 };
    await expectRefused(() => tf.fill([16, 32], 1), "Fill", "[16,32]", "2048", config);
    const g = new tf.Graph();
    const t = g.asDefault(() => tf.fill([8, 8], 2));
    const sess = new tf.Session({ graph: g, config });
    expect((await sess.run(t)).shape).toEqual([8, 8]);
    // The limit holds only during the session's runs.
    expect(allocData("float32", 4096).length).toBe(4096);
  });
  it("names the session's limit in the message", async () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => tf.fill([1000], 1));
    const sess = new tf.Session({ graph: g, config: { memoryLimitBytes: 1000 } });
    await expect(sess.run(t)).rejects.toThrow(
      /4000 bytes; more than the session's memory limit of 1000 bytes/,
    );
  });
  it("covers kernels that take their outputs from the buffer pool (matmul)", async () => {
    const g = new tf.Graph();
    const [big, small] = g.asDefault(() => [
      tf.matmul(tf.ones([64, 1]), tf.ones([1, 64])), // 64×64 floats: 16384 bytes
      tf.matmul(tf.ones([2, 1]), tf.ones([1, 2])),
    ]);
    const sess = new tf.Session({ graph: g, config: { memoryLimitBytes: 8192 } });
    await expect(sess.run(big)).rejects.toBeInstanceOf(tf.ResourceExhaustedError);
    expect((await sess.run(small)).toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });
  it("is never above the machine's free memory; bad values are ValueError", () => {
    expect(resolveMemoryLimit(1e30)).toBeLessThan(1e30);
    expect(resolveMemoryLimit(4096)).toBe(4096);
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => new tf.Session({ config: { memoryLimitBytes: bad } })).toThrow(tf.ValueError);
    }
  });
});

describe("memory limit: the central check", () => {
  it("counts elements exactly, Infinity past 2^53", () => {
    expect(elementCount([])).toBe(1);
    expect(elementCount([3, 0, 5])).toBe(0);
    expect(elementCount([1e6, 1e6])).toBe(1e12);
    expect(elementCount([2 ** 30, 2 ** 30, 2 ** 30])).toBe(Number.POSITIVE_INFINITY);
    expect(elementCount(new Array(40).fill(2 ** 52).concat([0]))).toBe(0);
  });
  it("lets small allocations through and refuses sizes that are not counts", () => {
    expect(() => checkAllocation("float32", 10)).not.toThrow();
    expect(() => checkAllocation("float32", -1)).toThrow(tf.InvalidArgumentError);
    expect(() => checkAllocation("float32", Number.NaN)).toThrow(tf.InvalidArgumentError);
    expect(() => checkAllocation("float32", 1.5)).toThrow(tf.InvalidArgumentError);
    expect(() => checkAllocation("float32", Number.POSITIVE_INFINITY)).toThrow(
      tf.ResourceExhaustedError,
    );
  });
  it("refuses string tensors past what a JS array holds (V8 would abort the process)", () => {
    expect(() => allocData("string", MAX_STRING_ELEMENTS + 1, [MAX_STRING_ELEMENTS + 1])).toThrow(
      /type string: 268435464 bytes; a string tensor holds at most 33554432 elements/,
    );
  });
  it("uses the run's limit while it runs and the process's after", () => {
    const outer = currentMemoryLimit();
    const signal = new AbortController().signal;
    enterRun({ signal, mayAwait: true, memoryLimit: 100 });
    try {
      expect(currentMemoryLimit()).toBe(100);
      expect(() => allocData("float64", 100)).toThrow(
        /800 bytes; more than the session's memory limit of 100 bytes/,
      );
    } finally {
      leaveRun();
    }
    expect(currentMemoryLimit()).toBe(outer);
  });
  it("turns an allocation RangeError no check caught into ResourceExhaustedError (last resort)", () => {
    const g = new tf.Graph();
    const op = g.asDefault(() => tf.constant(1, { name: "c" })).op;
    const e = annotate(new RangeError("Invalid typed array length: 99999999999"), op);
    expect(e).toBeInstanceOf(tf.ResourceExhaustedError);
    expect(e.message).toContain("OOM in the kernel of 'Const'");
    expect(e.message).toContain("[[node c ");
    const other = annotate(new RangeError("Maximum call stack size exceeded"), op);
    expect(other).toBeInstanceOf(tf.InternalError);
  });
});

it("tf.constant with a huge shape is refused when the graph is built", () => {
  const g = new tf.Graph();
  g.asDefault(() => {
    expect(() => tf.constant(1.5, { shape: [1e6, 1e6] })).toThrow(tf.ResourceExhaustedError);
    expect(() => tf.constant(1.5, { shape: [1e6, 1e6] })).toThrow(/shape\[1000000,1000000\]/);
    // A fill that fits still works, for every dtype.
    expect(tf.constant("s", { shape: [2] }).op.attrs.value).toMatchObject({ data: ["s", "s"] });
  });
});
