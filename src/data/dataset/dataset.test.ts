// tf.data end to end: datasets built in a graph, read through iterators in a session. Expected
// values are TF 1.15's documented examples where there is one (named), else worked by hand.
import { describe, expect, test } from "vitest";
import * as tf from "../../index.js";
import type { Nested } from "../../ops/nest.js";

type DS = tf.data.Dataset;

/** All elements of `make()`'s dataset (built in a fresh graph), as nested JS values. */
async function elements(make: () => DS, feeds?: tf.Feeds): Promise<unknown[]> {
  const g = new tf.Graph();
  const { it, next } = g.asDefault(() => {
    const it = make().makeInitializableIterator();
    return { it, next: it.getNext() };
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(it.initializer, feeds);
  return drain(sess, next);
}

async function drain(sess: tf.Session, next: Nested<tf.Tensor>, max = 1000): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < max; i++) {
    try {
      out.push(toJs(await sess.run(next as unknown as tf.Tensor)));
    } catch (e) {
      if (e instanceof tf.OutOfRangeError) return out;
      throw e;
    }
  }
  return out;
}

function toJs(v: unknown): unknown {
  if (v instanceof tf.NDArray) {
    const a = v.toArray();
    const num = (x: unknown): unknown =>
      typeof x === "bigint" ? Number(x) : Array.isArray(x) ? x.map(num) : x;
    return num(a);
  }
  if (Array.isArray(v)) return v.map(toJs);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJs(x)]));
  return v;
}

describe("sources", () => {
  test("range as Python's range (1, 2 and 3 arguments, negative step)", async () => {
    expect(await elements(() => tf.data.Dataset.range(4))).toEqual([0, 1, 2, 3]);
    expect(await elements(() => tf.data.Dataset.range(2, 5))).toEqual([2, 3, 4]);
    expect(await elements(() => tf.data.Dataset.range(1, 8, 3))).toEqual([1, 4, 7]);
    expect(await elements(() => tf.data.Dataset.range(5, 1, -2))).toEqual([5, 3]);
  });

  test("fromTensors is one element; fromTensorSlices slices nested structures", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.fromTensors([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
    const ds = () =>
      tf.data.Dataset.fromTensorSlices({
        a: tf.constant([1, 2], { dtype: "int32" }),
        b: [
          tf.constant(["x", "y"]),
          tf.constant([
            [1, 1],
            [2, 2],
          ]),
        ],
      });
    const d = tf.getDefaultGraph().asDefault(ds);
    expect((d.outputShapes as { b: tf.TensorShape[] }).b[1].toString()).toBe("[2]");
    expect(await elements(ds)).toEqual([
      { a: 1, b: ["x", [1, 1]] },
      { a: 2, b: ["y", [2, 2]] },
    ]);
  });

  test("zip stops at the shortest; concatenate runs one after the other", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.zip([tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12)]),
      ),
    ).toEqual([
      [0, 10],
      [1, 11],
    ]);
    expect(
      await elements(() => tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))),
    ).toEqual([0, 1, 5, 6]);
    expect(() => tf.data.Dataset.range(2).concatenate(tf.data.Dataset.fromTensors(1))).toThrow(
      /same element types/,
    );
  });
});

describe("sparse", () => {
  test("fromSparseTensorSlices: each row's (indices, values, denseShape), empty rows too", async () => {
    // Rows of [[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 0, 0]] (worked by hand).
    const make = () =>
      tf.data.Dataset.fromSparseTensorSlices(
        new tf.SparseTensor(
          [
            [0, 0],
            [0, 2],
            [2, 1],
          ],
          tf.constant([1, 2, 3], { dtype: "int32" }),
          [3, 4],
        ),
      );
    const g = new tf.Graph();
    g.asDefault(() =>
      expect((make().outputShapes as tf.TensorShape[]).map(String)).toEqual([
        "[?,1]",
        "[?]",
        "[1]",
      ]),
    );
    expect(await elements(make)).toEqual([
      [[[0], [2]], [1, 2], [4]],
      [[], [], [4]],
      [[[1]], [3], [4]],
    ]);
  });
});

describe("batching", () => {
  test("batch keeps a partial last batch unless dropRemainder; static shapes follow", async () => {
    expect(await elements(() => tf.data.Dataset.range(5).batch(2))).toEqual([[0, 1], [2, 3], [4]]);
    expect(
      await elements(() => tf.data.Dataset.range(5).batch(2, { dropRemainder: true })),
    ).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.data.Dataset.fromTensorSlices(tf.zeros([6, 3])).batch(4);
      expect((a.outputShapes as tf.TensorShape).toString()).toBe("[?,3]");
      const b = tf.data.Dataset.fromTensorSlices(tf.zeros([6, 3])).batch(4, {
        dropRemainder: true,
      });
      expect((b.outputShapes as tf.TensorShape).toString()).toBe("[4,3]");
    });
  });

  test("batch of differently shaped elements is an InvalidArgumentError naming both shapes", async () => {
    await expect(
      elements(() =>
        tf.data.Dataset.range(1, 3)
          .map((x: tf.Tensor) => tf.fill(tf.reshape(x, [1]), 1))
          .batch(2),
      ),
    ).rejects.toThrow(/Cannot batch tensors with different shapes in component 0.*\[1\].*\[2\]/);
  });

  test("paddedBatch (TF's docstring example: range(1,5).map(fill([x], x)))", async () => {
    const make = () =>
      tf.data.Dataset.range(1, 5)
        .map((x: tf.Tensor) => tf.fill(tf.reshape(x, [1]), x))
        .paddedBatch(2, [null]);
    expect(await elements(make)).toEqual([
      [
        [1, 0],
        [2, 2],
      ],
      [
        [3, 3, 3, 0],
        [4, 4, 4, 4],
      ],
    ]);
    // A fixed padded size and a padding value.
    const fixed = () =>
      tf.data.Dataset.range(1, 3)
        .map((x: tf.Tensor) => tf.fill(tf.reshape(x, [1]), x))
        .paddedBatch(2, [3], { paddingValues: -1 });
    expect(await elements(fixed)).toEqual([
      [
        [1, -1, -1],
        [2, 2, -1],
      ],
    ]);
    const g = new tf.Graph();
    g.asDefault(() => expect((fixed().outputShapes as tf.TensorShape).toString()).toBe("[?,3]"));
    await expect(
      elements(() =>
        tf.data.Dataset.range(1, 4)
          .map((x: tf.Tensor) => tf.fill(tf.reshape(x, [1]), x))
          .paddedBatch(3, [2]),
      ),
    ).rejects.toThrow(/pad to a smaller size/);
  });

  test("unbatch undoes batch", async () => {
    expect(await elements(() => tf.data.Dataset.range(5).batch(2).unbatch())).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });

  test("window (TF's docstring examples) with flatMap(batch)", async () => {
    const windows = (size: number, o: Parameters<DS["window"]>[1]) => () =>
      tf.data.Dataset.range(7)
        .window(size, o)
        .flatMap((w: DS) => w.batch(size));
    expect(await elements(windows(2, {}))).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
    expect(await elements(windows(3, { shift: 2, dropRemainder: true }))).toEqual([
      [0, 1, 2],
      [2, 3, 4],
      [4, 5, 6],
    ]);
    expect(await elements(windows(3, { shift: 1, stride: 2, dropRemainder: true }))).toEqual([
      [0, 2, 4],
      [1, 3, 5],
      [2, 4, 6],
    ]);
  });
});

describe("order and counts", () => {
  test("repeat: a count, forever (-1, none), zero; take and skip with -1", async () => {
    expect(await elements(() => tf.data.Dataset.range(2).repeat(3))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(await elements(() => tf.data.Dataset.range(3).repeat().take(7))).toEqual([
      0, 1, 2, 0, 1, 2, 0,
    ]);
    expect(await elements(() => tf.data.Dataset.range(3).repeat(0))).toEqual([]);
    expect(await elements(() => tf.data.Dataset.range(5).take(-1))).toEqual([0, 1, 2, 3, 4]);
    expect(await elements(() => tf.data.Dataset.range(5).skip(3))).toEqual([3, 4]);
    expect(await elements(() => tf.data.Dataset.range(5).skip(-1))).toEqual([]);
    // An empty dataset repeated forever ends (no element in a pass ends the repetition).
    expect(await elements(() => tf.data.Dataset.range(0).repeat())).toEqual([]);
  });

  test("shuffle: a permutation; the same seed gives the same orders in another session", async () => {
    const make = () => tf.data.Dataset.range(20).shuffle(8, { seed: 42 }).repeat(2);
    const a = (await elements(make)) as number[];
    const b = (await elements(make)) as number[];
    expect(a).toEqual(b);
    const [e1, e2] = [a.slice(0, 20), a.slice(20)];
    expect([...e1].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(e1).not.toEqual([...Array(20).keys()]);
    // reshuffleEachIteration (the default): each epoch has its own order.
    expect(e2).not.toEqual(e1);
    const same = (await elements(() =>
      tf.data.Dataset.range(20).shuffle(8, { seed: 42, reshuffleEachIteration: false }).repeat(2),
    )) as number[];
    expect(same.slice(20)).toEqual(same.slice(0, 20));
    const other = await elements(() => tf.data.Dataset.range(20).shuffle(8, { seed: 7 }));
    expect(other).not.toEqual(e1);
  });

  test("shuffle reshuffles when the iterator is initialized again", async () => {
    const g = new tf.Graph();
    const { it, next } = g.asDefault(() => {
      const it = tf.data.Dataset.range(30).shuffle(30, { seed: 1 }).makeInitializableIterator();
      return { it, next: it.getNext() };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(it.initializer);
    const first = await drain(sess, next);
    await sess.run(it.initializer);
    const second = await drain(sess, next);
    expect(second).not.toEqual(first);
    expect([...(second as number[])].sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
  });
});

describe("functions", () => {
  test("map: tuple elements spread into arguments, dict results", async () => {
    const make = () =>
      tf.data.Dataset.fromTensorSlices([tf.constant([1, 2, 3]), tf.constant([10, 20, 30])]).map(
        (a: tf.Tensor, b: tf.Tensor) => ({ sum: tf.add(a, b), prod: tf.mul(a, b) }),
      );
    expect(await elements(make)).toEqual([
      { prod: 10, sum: 11 },
      { prod: 40, sum: 22 },
      { prod: 90, sum: 33 },
    ]);
  });

  test("map with a captured placeholder, fed when the iterator is initialized", async () => {
    const g = new tf.Graph();
    const { it, next, scale } = g.asDefault(() => {
      const scale = tf.placeholder("float32", [], "scale");
      const it = tf.data.Dataset.fromTensorSlices(tf.constant([1, 2, 3]))
        .map((x: tf.Tensor) => tf.mul(x, scale))
        .makeInitializableIterator();
      return { it, next: it.getNext(), scale };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(it.initializer, new Map([[scale, 2]]));
    expect(await drain(sess, next)).toEqual([2, 4, 6]);
    await sess.run(it.initializer, new Map([[scale, -1]]));
    expect(await drain(sess, next)).toEqual([-1, -2, -3]);
  });

  test("a large captured tensor stays intact while later runs reuse pooled buffers", async () => {
    const n = 1 << 15; // large enough for the executor's buffer pool
    const g = new tf.Graph();
    const { it, next, p, other } = g.asDefault(() => {
      const p = tf.placeholder("float32", [n], "p");
      const big = tf.mul(p, 2); // computed in the initializer's run, from the pool
      const it = tf.data.Dataset.range(2)
        .map((i: tf.Tensor) => tf.gather(big, tf.cast(i, "int32")))
        .makeInitializableIterator();
      return { it, next: it.getNext() as tf.Tensor, p, other: tf.mul(p, 0) };
    });
    const sess = new tf.Session({ graph: g });
    const ones = new Float32Array(n).fill(1);
    await sess.run(it.initializer, new Map([[p, ones]]));
    for (let k = 0; k < 3; k++) await sess.run(other, new Map([[p, ones]])); // same-size buffers
    expect([(await sess.run(next)).item(), (await sess.run(next)).item()]).toEqual([2, 2]);
  });

  test("map with numParallelCalls keeps the input order", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.range(10).map((x: tf.Tensor) => tf.mul(x, x), { numParallelCalls: 4 }),
      ),
    ).toEqual([0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
  });

  test("filter, and a predicate that is not a scalar bool", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.range(10).filter((x: tf.Tensor) => tf.equal(tf.mod(x, 3), 0)),
      ),
    ).toEqual([0, 3, 6, 9]);
    expect(() => tf.data.Dataset.range(3).filter((x: tf.Tensor) => tf.add(x, 1))).toThrow(
      /scalar bool/,
    );
  });

  test("flatMap and interleave (TF's docstring example, cycleLength 2, blockLength 4)", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.range(3).flatMap((x: tf.Tensor) =>
          tf.data.Dataset.fromTensors(x).repeat(2),
        ),
      ),
    ).toEqual([0, 0, 1, 1, 2, 2]);
    expect(
      await elements(() =>
        tf.data.Dataset.range(1, 6).interleave(
          (x: tf.Tensor) => tf.data.Dataset.fromTensors(x).repeat(6),
          { cycleLength: 2, blockLength: 4 },
        ),
      ),
    ).toEqual([
      1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5,
    ]);
  });

  test("the map function is in the graph's library and survives a GraphDef round trip", async () => {
    const g = new tf.Graph();
    const it = g.asDefault(() =>
      tf.data.Dataset.range(3)
        .map((x: tf.Tensor) => tf.add(x, 100))
        .makeInitializableIterator({ name: "it" }),
    );
    g.asDefault(() => it.getNext({ name: "next" }));
    const gd = g.asGraphDef();
    expect(gd.library?.function.some((f) => f.signature?.name.startsWith("Dataset_map"))).toBe(
      true,
    );
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.importGraphDef(gd, { name: "" }));
    const sess = new tf.Session({ graph: g2 });
    await sess.run(it.initializer.name);
    expect(await drain(sess, g2.getTensorByName("next:0"))).toEqual([100, 101, 102]);
  });
});

describe("cache and prefetch", () => {
  test("cache in memory replays the first pass (random values drawn once)", async () => {
    const values = (await elements(() =>
      tf.data.Dataset.range(3)
        .map((x: tf.Tensor) => tf.add(tf.cast(x, "float32"), tf.randomUniform([])))
        .cache()
        .repeat(3),
    )) as number[];
    expect(values.slice(3, 6)).toEqual(values.slice(0, 3));
    expect(values.slice(6)).toEqual(values.slice(0, 3));
    // Without the cache, each pass draws again.
    const fresh = (await elements(() =>
      tf.data.Dataset.range(3)
        .map((x: tf.Tensor) => tf.add(tf.cast(x, "float32"), tf.randomUniform([])))
        .repeat(2),
    )) as number[];
    expect(fresh.slice(3)).not.toEqual(fresh.slice(0, 3));
  });

  test("prefetch yields every element in order, and the end", async () => {
    expect(
      await elements(() =>
        tf.data.Dataset.range(10)
          .map((x: tf.Tensor) => tf.neg(x))
          .prefetch(3),
      ),
    ).toEqual([0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
    expect(await elements(() => tf.data.Dataset.range(4).prefetch(tf.data.AUTOTUNE))).toEqual([
      0, 1, 2, 3,
    ]);
  });
});

describe("iterators", () => {
  test("one-shot iterator: starts on first use; OutOfRangeError 'End of sequence' at the end", async () => {
    const g = new tf.Graph();
    const next = g.asDefault(() =>
      tf.data.Dataset.range(3)
        .map((x: tf.Tensor) => tf.mul(x, 2))
        .makeOneShotIterator()
        .getNext(),
    );
    const sess = new tf.Session({ graph: g });
    expect(await drain(sess, next)).toEqual([0, 2, 4]);
    await expect(sess.run(next as tf.Tensor)).rejects.toThrow(/End of sequence/);
    // A placeholder cannot be captured by value.
    expect(() =>
      g.asDefault(() =>
        tf.data.Dataset.fromTensors(tf.placeholder("float32", [], "p")).makeOneShotIterator(),
      ),
    ).toThrow(/makeInitializableIterator/);
  });

  test("getNext before the initializer ran is a FailedPreconditionError", async () => {
    const g = new tf.Graph();
    const next = g.asDefault(() => tf.data.Dataset.range(3).makeInitializableIterator().getNext());
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(next as tf.Tensor)).rejects.toThrow(tf.FailedPreconditionError);
  });

  test("fromStructure + makeInitializer: one iterator over a train and a test dataset", async () => {
    const g = new tf.Graph();
    const { trainInit, testInit, next } = g.asDefault(() => {
      const train = tf.data.Dataset.range(100, 103);
      const test = tf.data.Dataset.range(5, 7);
      const it = tf.data.Iterator.fromStructure("int64", []);
      return {
        trainInit: it.makeInitializer(train),
        testInit: it.makeInitializer(test),
        next: it.getNext(),
      };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(trainInit);
    expect(await drain(sess, next)).toEqual([100, 101, 102]);
    await sess.run(testInit);
    expect(await drain(sess, next)).toEqual([5, 6]);
  });

  test("fromStringHandle: the fed handle picks the iterator at each run", async () => {
    const g = new tf.Graph();
    const { handle, next, trainIt, testIt } = g.asDefault(() => {
      const handle = tf.placeholder("string", [], "handle");
      const trainIt = tf.data.Dataset.range(3).repeat().makeOneShotIterator();
      const testIt = tf.data.Dataset.range(50, 53).makeInitializableIterator();
      const it = tf.data.Iterator.fromStringHandle(handle, "int64", []);
      return { handle, next: it.getNext() as tf.Tensor, trainIt, testIt };
    });
    const sess = new tf.Session({ graph: g });
    const [trainH, testH] = await sess.run([trainIt.stringHandle(), testIt.stringHandle()]);
    await sess.run(testIt.initializer);
    const run = async (h: tf.NDArray) =>
      Number((await sess.run(next, new Map([[handle, h]]))).item());
    expect([await run(trainH), await run(trainH), await run(testH), await run(trainH)]).toEqual([
      0, 1, 50, 2,
    ]);
    await expect(
      sess.run(next, new Map([[handle, new tf.NDArray("string", [], ["nope"])]])),
    ).rejects.toThrow(tf.NotFoundError);
  });

  test("an error in a pass leaves the iterator usable after it is initialized again", async () => {
    const g = new tf.Graph();
    const { it, next, p } = g.asDefault(() => {
      const p = tf.placeholder("float32", [null], "p");
      const it = tf.data.Dataset.fromTensorSlices(p)
        .map((x: tf.Tensor) => tf.reshape(x, [1]))
        .batch(2)
        .makeInitializableIterator();
      return { it, next: it.getNext(), p };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(it.initializer, new Map([[p, [1, 2, 3]]]));
    expect(await drain(sess, next)).toEqual([[[1], [2]], [[3]]]);
    await sess.run(it.initializer, new Map([[p, [4]]]));
    expect(await drain(sess, next)).toEqual([[[4]]]);
  });
});

describe("TF 1.15 graph forms", () => {
  test("BatchDataset (V1), ShuffleAndRepeatDataset, ModelDataset and OptimizeDataset run", async () => {
    const op = (
      type: string,
      inputs: (tf.Tensor | tf.Tensor[])[],
      attrs: Record<string, unknown>,
    ) => tf.getDefaultGraph().createOp(type, inputs, attrs as Record<string, never>).outputs[0];
    const i64 = (x: number) => tf.constant(x, { dtype: "int64" });
    const make = () => {
      const range = tf.data.Dataset.range(6);
      const spec = { output_types: ["int64"], output_shapes: [new tf.TensorShape([])] };
      const sr = op(
        "ShuffleAndRepeatDataset",
        [range.variantTensor, i64(6), i64(1), i64(2), i64(2)],
        spec,
      );
      const batched = op("BatchDataset", [sr, i64(4)], {
        ...spec,
        output_shapes: [new tf.TensorShape([null])],
      });
      const bspec = { output_types: ["int64"], output_shapes: [new tf.TensorShape([null])] };
      const opt = op("OptimizeDataset", [batched, tf.constant([], { dtype: "string" })], bspec);
      const model = op("ModelDataset", [opt], bspec);
      return new tf.data.Dataset(
        model,
        new tf.data.TensorSpec("int64", new tf.TensorShape([null])),
      );
    };
    const batches = (await elements(make)) as number[][];
    expect(batches.map((b) => b.length)).toEqual([4, 4, 4]);
    const all = batches.flat();
    // Two epochs, each a permutation of 0..5, in different orders.
    expect([...all.slice(0, 6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...all.slice(6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.slice(6)).not.toEqual(all.slice(0, 6));
  });
});
