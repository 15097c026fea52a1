// Queue runners and the queue-based input pipelines, run end to end: enqueue loops run
// concurrently with the runs that dequeue, and end as TF's do.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as tf from "../index.js";
import { TFRecordFileWriter } from "../io/tfrecord.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-input-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const nums = (a: tf.NDArray): number[] => Array.from(a.data as ArrayLike<number | bigint>, Number);

/** Builds in a fresh graph; a session with variables (global and local) initialized. */
async function setup<T>(build: () => T) {
  const g = new tf.Graph();
  const out = g.asDefault(build);
  const sess = new tf.Session({ graph: g });
  await sess.run(
    g.asDefault(() => [tf.globalVariablesInitializer(), tf.localVariablesInitializer()]),
  );
  return { g, sess, out };
}

/** Runs `next` until OutOfRangeError; the values it gave. */
async function drain<R>(next: () => Promise<R>): Promise<R[]> {
  const got: R[] = [];
  for (;;) {
    try {
      got.push(await next());
    } catch (e) {
      if (e instanceof tf.errors.OutOfRangeError) return got;
      throw e;
    }
  }
}

describe("QueueRunner", () => {
  test("its loop fills the queue until the input ends, then closes it", async () => {
    const { g, sess, out } = await setup(() => {
      const v = new tf.Variable(tf.constant(0, { dtype: "int64" }), { name: "v" });
      const q = new tf.FIFOQueue<tf.Tensor>(2, "int64", { shapes: [[]] });
      const qr = new tf.train.QueueRunner(q, [q.enqueue(tf.countUpTo(v, 5))]);
      tf.train.addQueueRunner(qr);
      return { deq: q.dequeue(), qr };
    });
    expect(g.getCollection(tf.GraphKeys.QUEUE_RUNNERS)).toEqual([out.qr]);
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    expect(threads.length).toBe(2); // the enqueue loop and the one that cancels on stop
    // Started again for this session while its loop runs: no new threads.
    expect(out.qr.createThreads(sess)).toEqual([]);
    const got = await drain(() => sess.run(out.deq));
    expect(got.map((a) => Number(a.data[0]))).toEqual([0, 1, 2, 3, 4]);
    coord.requestStop();
    await coord.join(threads);
  });

  test("an error in an enqueue loop stops the coordinator and join raises it", async () => {
    const { sess, out } = await setup(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(2, "float32", { shapes: [[]] });
      const bad = tf.placeholder("float32", [], "never_fed");
      const qr = new tf.train.QueueRunner(q, [q.enqueue(bad)]);
      return { qr, deq: q.dequeue() };
    });
    const coord = new tf.train.Coordinator();
    const threads = out.qr.createThreads(sess, { coord, start: true });
    await expect(coord.join(threads)).rejects.toThrow(/never_fed/);
    // The cancel thread closed the queue: a dequeue does not wait forever.
    await expect(sess.run(out.deq)).rejects.toThrow(tf.errors.OutOfRangeError);
  });
});

describe("input producers", () => {
  test("stringInputProducer: numEpochs passes in order without shuffle, then OutOfRangeError", async () => {
    const { sess, out } = await setup(() => {
      const q = tf.train.stringInputProducer(["a", "b", "c"], { numEpochs: 2, shuffle: false });
      return { deq: q.dequeue(), q };
    });
    expect(out.q.queueRef.op.name).toBe("input_producer");
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    const got = await drain(() => sess.run(out.deq));
    expect(got.map((a) => a.item())).toEqual(["a", "b", "c", "a", "b", "c"]);
    coord.requestStop();
    await coord.join(threads);
  });

  test("shuffled epochs are permutations, fixed by the seed", async () => {
    const epochs = async () => {
      const { sess, out } = await setup(() => {
        tf.setRandomSeed(3);
        return tf.train.rangeInputProducer(6, { numEpochs: 2, seed: 1 }).dequeue();
      });
      const coord = new tf.train.Coordinator();
      const threads = tf.train.startQueueRunners(sess, coord);
      const got = (await drain(() => sess.run(out))).map((a) => a.item() as number);
      coord.requestStop();
      await coord.join(threads);
      return got;
    };
    const a = await epochs();
    expect(a.length).toBe(12);
    expect([...a.slice(0, 6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...a.slice(6)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await epochs()).toEqual(a);
  });

  test("sliceInputProducer keeps the rows of its tensors together", async () => {
    const { sess, out } = await setup(() =>
      tf.train.sliceInputProducer(
        [tf.constant([1, 2, 3]), tf.constant(["x", "y", "z"], { dtype: "string" })],
        {
          numEpochs: 1,
          shuffle: false,
        },
      ),
    );
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    const got = await drain(() => sess.run(out));
    expect(got.map(([n, s]) => [n.item(), s.item()])).toEqual([
      [1, "x"],
      [2, "y"],
      [3, "z"],
    ]);
    coord.requestStop();
    await coord.join(threads);
  });

  test("bad arguments are ValueErrors", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      expect(() => tf.train.stringInputProducer([])).toThrow(/non-null input tensor/);
      expect(() => tf.train.limitEpochs(tf.constant([1]), 0)).toThrow(/num_epochs must be > 0/);
      expect(() => tf.train.shuffleBatch([tf.constant(1)], 2, 10, 10)).toThrow(
        /capacity 10 must be bigger than min_after_dequeue 10/,
      );
      const x = tf.placeholder("float32");
      expect(() => tf.train.batch([x], 2)).toThrow(/Cannot infer Tensor's rank/);
    });
  });
});

describe("batchers", () => {
  test("batch: examples in order, a smaller final batch, then OutOfRangeError", async () => {
    const { sess, out } = await setup(() => {
      const [n] = tf.train.sliceInputProducer([tf.constant([1, 2, 3, 4, 5])], {
        numEpochs: 1,
        shuffle: false,
      });
      return tf.train.batch({ n }, 2, { allowSmallerFinalBatch: true });
    });
    expect(out.n.shape.toString()).toBe("[?]");
    expect(out.n.op.name).toBe("batch");
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    const got = await drain(() => sess.run(out));
    expect(got.map((r) => nums(r.n))).toEqual([[1, 2], [3, 4], [5]]);
    coord.requestStop();
    await coord.join(threads);
  });

  test("batch with dynamicPad pads each batch to its longest example", async () => {
    const { sess, out } = await setup(() => {
      const [row, len] = tf.train.sliceInputProducer(
        [
          tf.constant([
            [1, 0, 0],
            [2, 3, 0],
            [4, 5, 6],
          ]),
          tf.constant([1, 2, 3], { dtype: "int32" }),
        ],
        { numEpochs: 1, shuffle: false },
      );
      const example = tf.slice(row, [0], tf.reshape(len, [1])); // [1], [2,3], [4,5,6]
      return tf.train.batch([example], 2, { dynamicPad: true, allowSmallerFinalBatch: true });
    });
    expect(out[0].shape.toString()).toBe("[?,?]");
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    const got = await drain(() => sess.run(out[0]));
    // Hand-worked: [1] padded to the batch's longest, [2,3]; then [4,5,6] alone.
    expect(got.map((a) => a.toArray())).toEqual([
      [
        [1, 0],
        [2, 3],
      ],
      [[4, 5, 6]],
    ]);
    coord.requestStop();
    await coord.join(threads);
  });

  test("shuffleBatch: each example once per epoch; batchJoin: one loop per input", async () => {
    const { sess, out } = await setup(() => {
      const [n] = tf.train.sliceInputProducer([tf.range(0, 8)], { numEpochs: 1, seed: 2 });
      const shuffled = tf.train.shuffleBatch([n], 4, 8, 2, { seed: 5 });
      const a = tf.train.rangeInputProducer(3, { numEpochs: 1, shuffle: false }).dequeue();
      const b = tf.add(
        tf.train.rangeInputProducer(3, { numEpochs: 1, shuffle: false }).dequeue(),
        10,
      );
      const joined = tf.train.batchJoin([[a], [b]], 6);
      return { shuffled, joined };
    });
    expect(out.shuffled[0].shape.toString()).toBe("[4]");
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    const s = (await drain(() => sess.run(out.shuffled[0]))).flatMap(nums);
    expect(s.length).toBe(8);
    expect([...s].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const j = nums(await sess.run(out.joined[0]));
    expect([...j].sort((x, y) => x - y)).toEqual([0, 1, 2, 10, 11, 12]);
    coord.requestStop();
    await coord.join(threads);
  });
});

describe("maybeBatch", () => {
  test("only the examples keepInput keeps are batched (scalar, and a vector with enqueueMany)", async () => {
    const { sess, out } = await setup(() => {
      const [n] = tf.train.sliceInputProducer([tf.range(0, 6)], { numEpochs: 1, shuffle: false });
      const even = tf.equal(tf.mod(n, 2), 0);
      const one = tf.train.maybeBatch([n], even, 3);
      const rows = tf.constant([10, 11, 12, 13], { dtype: "int32" });
      const keep = tf.constant([true, false, true, true]);
      const many = tf.train.maybeBatch([rows], keep, 3, { enqueueMany: true });
      return { one, many };
    });
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    expect(nums(await sess.run(out.one[0]))).toEqual([0, 2, 4]);
    expect(nums(await sess.run(out.many[0]))).toEqual([10, 12, 13]);
    coord.requestStop();
    await coord.join(threads);
    const g = new tf.Graph();
    g.asDefault(() => {
      expect(() => tf.train.maybeBatch([tf.constant(1)], tf.constant([true]), 2)).toThrow(
        /cannot be a vector when `enqueue_many=False`/,
      );
    });
  });
});

describe("a full queue-based pipeline", () => {
  test("stringInputProducer → TFRecordReader → parseSingleExample → shuffleBatch trains a model", async () => {
    // 2 files of 16 Examples each: x in [-1, 1), y = 3x - 1 (a line to fit).
    const files = [0, 1].map((f) => {
      const p = path.join(dir, `train-${f}.tfrecord`);
      const w = new TFRecordFileWriter(p);
      for (let i = 0; i < 16; i++) {
        const x = (f * 16 + i) / 16 - 1;
        const ex = tf.train.Example({
          features: tf.train.Features({
            feature: {
              x: tf.train.Feature({ floatList: tf.train.FloatList({ value: [x] }) }),
              y: tf.train.Feature({ floatList: tf.train.FloatList({ value: [3 * x - 1] }) }),
            },
          }),
        });
        w.write(Buffer.from(tf.train.serializeToString(ex), "latin1"));
      }
      w.close();
      return p;
    });
    const numEpochs = 20;
    const { sess, out } = await setup(() => {
      const filenames = tf.train.stringInputProducer(files, { numEpochs, seed: 1 });
      const [, record] = new tf.TFRecordReader().read(filenames);
      const parsed = tf.io.parseSingleExample(record, {
        x: tf.io.fixedLenFeature([1], "float32"),
        y: tf.io.fixedLenFeature([1], "float32"),
      }) as { x: tf.Tensor; y: tf.Tensor };
      const b = tf.train.shuffleBatch(parsed, 8, 64, 16, { numThreads: 2, seed: 4 });
      const w = new tf.Variable(tf.zeros([1, 1]), { name: "w" });
      const bias = new tf.Variable(tf.zeros([1]), { name: "b" });
      const pred = tf.add(tf.matmul(b.x, w), bias);
      const loss = tf.reduceMean(tf.square(tf.sub(pred, b.y)));
      const step = new tf.train.GradientDescentOptimizer(0.2).minimize(loss);
      return { step, loss, w, bias, batchX: b.x };
    });
    expect(out.batchX.shape.toString()).toBe("[8,1]");
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    let steps = 0;
    let last = Number.POSITIVE_INFINITY;
    try {
      while (!coord.shouldStop()) {
        const [, l] = await sess.run([out.step, out.loss]);
        last = (l as tf.NDArray).item() as number;
        steps++;
      }
    } catch (e) {
      // The end of the input: the producer's epochs are used up and the batch queue runs dry.
      expect(e).toBeInstanceOf(tf.errors.OutOfRangeError);
      coord.requestStop(e);
    }
    await coord.join(threads);
    // 20 epochs of 32 examples in batches of 8: 80 full batches, no example lost or repeated.
    expect(steps).toBe(80);
    expect(last).toBeLessThan(1e-3);
    const [w, b] = await sess.run([out.w.value(), out.bias.value()]);
    expect(w.item()).toBeCloseTo(3, 1);
    expect(b.item()).toBeCloseTo(-1, 1);
  });
});

describe("queue summaries", () => {
  test("producers and batchers add TF's fullness summaries", async () => {
    const { g, sess } = await setup(() => {
      const q = tf.train.stringInputProducer(["a"], { capacity: 4 });
      tf.train.shuffleBatch([q.dequeue()], 2, 10, 4);
    });
    const tags = g
      .getCollection<tf.Tensor>(tf.GraphKeys.SUMMARIES)
      .map((t) => t.op.inputs[0].op.attrs.value as tf.NDArray)
      .map((v) => v.item());
    expect(tags).toEqual([
      "input_producer/fraction_of_4_full",
      "shuffle_batch/fraction_over_4_of_6_full",
    ]);
    // Nothing enqueued yet (no runners started): both are 0.
    const merged = await sess.run(g.getCollection<tf.Tensor>(tf.GraphKeys.SUMMARIES));
    expect(merged.length).toBe(2);
  });
});

describe("bad input in a pipeline", () => {
  test("a corrupt record stops the coordinator: join raises DataLossError naming file and offset", async () => {
    const p = path.join(dir, "corrupt.tfrecord");
    const w = new TFRecordFileWriter(p);
    w.write(Buffer.from("good"));
    w.write(Buffer.from("flipped"));
    w.close();
    const bytes = fs.readFileSync(p);
    bytes[20 + 12 + 1] ^= 0xff; // a data byte of the second record (it starts at byte 20)
    fs.writeFileSync(p, bytes);
    const { sess, out } = await setup(() => {
      const files = tf.train.stringInputProducer([p], { numEpochs: 1 });
      const [, value] = new tf.TFRecordReader().read(files);
      return tf.train.batch([value], 1);
    });
    const coord = new tf.train.Coordinator();
    const threads = tf.train.startQueueRunners(sess, coord);
    expect((await sess.run(out[0])).toArray()).toEqual(["good"]);
    await expect(coord.join(threads)).rejects.toThrow(tf.errors.DataLossError);
    expect(() => coord.raiseRequestedException()).toThrow(/byte offset 20 in .*corrupt\.tfrecord/);
  });
});
