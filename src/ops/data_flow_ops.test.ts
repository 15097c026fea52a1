import { describe, expect, test } from "vitest";
import * as tf from "../index.js";

const nums = (a: tf.NDArray): number[] => Array.from(a.data as ArrayLike<number | bigint>, Number);

/** Builds in a fresh graph and returns a session on it. */
function build<T>(fn: () => T): { sess: tf.Session; out: T; g: tf.Graph } {
  const g = new tf.Graph();
  const out = g.asDefault(fn);
  return { sess: new tf.Session({ graph: g }), out, g };
}

describe("FIFOQueue", () => {
  test("elements come out in the order they went in; size and isClosed", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(10, "float32", { shapes: [[]] });
      const x = tf.placeholder("float32", [], "x");
      return { enq: q.enqueue(x), many: q.enqueueMany([[4, 5, 6]]), deq: q.dequeue(), q };
    });
    for (const v of [1, 2, 3]) await sess.run(out.enq, { x: v });
    await sess.run(out.many);
    expect((await sess.run(out.q.size())).item()).toBe(6);
    const got: number[] = [];
    for (let i = 0; i < 6; i++) got.push((await sess.run(out.deq)).item() as number);
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await sess.run(out.q.isClosed())).item()).toBe(false);
  });

  test("dequeueMany batches; dequeueUpTo after close gives the rest, then OutOfRangeError", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor[]>(10, ["int32", "string"], { shapes: [[2], []] });
      return {
        enq: q.enqueueMany([
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          tf.constant(["a", "b", "c"], { dtype: "string" }),
        ]),
        many: q.dequeueMany(2),
        upTo: q.dequeueUpTo(2),
        close: q.close(),
      };
    });
    expect(out.many[0].shape.toString()).toBe("[2,2]");
    expect(out.upTo[0].shape.toString()).toBe("[?,2]");
    await sess.run(out.enq);
    const [a, s] = await sess.run(out.many);
    expect(a.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(s.toArray()).toEqual(["a", "b"]);
    await sess.run(out.close);
    const [b, t] = await sess.run(out.upTo);
    expect(b.toArray()).toEqual([[5, 6]]);
    expect(t.toArray()).toEqual(["c"]);
    await expect(sess.run(out.upTo)).rejects.toThrow(tf.errors.OutOfRangeError);
  });

  test("a dequeue from a closed, empty queue is OutOfRangeError with TF's message", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(2, "float32");
      return { close: q.close(), deq: q.dequeue(), enq: q.enqueue(1) };
    });
    await sess.run(out.close);
    await expect(sess.run(out.deq)).rejects.toThrow(
      /FIFOQueue '_0_fifo_queue' is closed and has insufficient elements \(requested 1, current size 0\)/,
    );
    await expect(sess.run(out.deq)).rejects.toThrow(tf.errors.OutOfRangeError);
    // Enqueue to a closed queue: CancelledError; closing twice as well.
    await expect(sess.run(out.enq)).rejects.toThrow(tf.errors.CancelledError);
    await expect(sess.run(out.close)).rejects.toThrow(/is already closed/);
  });

  test("dequeueMany with too few left after close fails and keeps the elements", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(5, "int32", { shapes: [[]] });
      return {
        enq: q.enqueueMany(tf.constant([7, 8], { dtype: "int32" })),
        many: q.dequeueMany(3),
        close: q.close(),
        size: q.size(),
      };
    });
    await sess.run(out.enq);
    await sess.run(out.close);
    await expect(sess.run(out.many)).rejects.toThrow(
      /is closed and has insufficient elements \(requested 3, current size 2\)/,
    );
    expect((await sess.run(out.size)).item()).toBe(2);
  });

  test("names: enqueue a record, dequeue a record", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<Record<string, tf.Tensor>>(3, ["int32", "float32"], {
        shapes: [[], [2]],
        names: ["label", "x"],
      });
      return {
        enq: q.enqueue({ x: [1, 2], label: tf.constant(3, { dtype: "int32" }) }),
        deq: q.dequeue(),
        q,
      };
    });
    await sess.run(out.enq);
    const r = await sess.run(out.deq);
    expect(r.label.item()).toBe(3);
    expect(r.x.toArray()).toEqual([1, 2]);
    expect(() => out.q.enqueue([1, [1, 2]])).toThrow(/must enqueue a dictionary/);
    expect(() => out.q.enqueue({ x: [1, 2] })).toThrow(/do not match names/);
  });

  test("bad input: shapes and dtypes checked at construction and at run time", async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const q = new tf.FIFOQueue(3, ["float32"], { shapes: [[2]] });
      expect(() => q.enqueue([[1, 2, 3]])).toThrow(tf.errors.ValueError);
      expect(() => new tf.FIFOQueue(3, ["float32"], { shapes: [[null]] })).toThrow(/fully defined/);
      expect(() => new tf.FIFOQueue(3, ["float32"], { shapes: [[1], [2]] })).toThrow(
        /same length as dtypes/,
      );
    });
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue(3, ["float32"], { shapes: [[2]] });
      const x = tf.placeholder("float32", [null]);
      const u = new tf.FIFOQueue(3, ["float32"]);
      return { enq: q.enqueue([x]), x, many: u.dequeueMany(1) };
    });
    await expect(sess.run(out.enq, new Map([[out.x, [1, 2, 3]]]))).rejects.toThrow(
      /Shape mismatch in tuple component 0. Expected \[2\], got \[3\]/,
    );
    await expect(sess.run(out.many)).rejects.toThrow(
      /require the components to have specified shapes/,
    );
  });

  test("tf.queue holds the same classes (TF 1.15's tf.queue namespace)", () => {
    expect(tf.queue.FIFOQueue).toBe(tf.FIFOQueue);
    expect(tf.queue.RandomShuffleQueue).toBe(tf.RandomShuffleQueue);
  });

  test("shape functions read the queue's shapes", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const q = new tf.FIFOQueue<tf.Tensor[]>(3, ["float32", "int32"], { shapes: [[2, 3], []] });
      const [a, b] = q.dequeue();
      expect(a.shape.toString()).toBe("[2,3]");
      expect(b.shape.toString()).toBe("[]");
      const n = tf.placeholder("int32", []);
      expect(q.dequeueMany(n)[0].shape.toString()).toBe("[?,2,3]");
      const u = new tf.FIFOQueue<tf.Tensor>(3, "float32");
      expect(u.dequeue().shape.rank).toBe(null);
      expect(q.size().shape.toString()).toBe("[]");
    });
  });
});

describe("PaddingFIFOQueue", () => {
  test("dequeueMany pads each component to the batch's largest shape with zeros", async () => {
    const { sess, out } = build(() => {
      const q = new tf.PaddingFIFOQueue<tf.Tensor[]>(5, ["int32", "string"], [[null], [null]]);
      const x = tf.placeholder("int32", [null]);
      const s = tf.placeholder("string", [null]);
      return { enq: q.enqueue([x, s]), x, s, many: q.dequeueMany(2), q };
    });
    expect(out.many[0].shape.toString()).toBe("[2,?]");
    await sess.run(
      out.enq,
      new Map<tf.Tensor, tf.Feedable>([
        [out.x, [1]],
        [out.s, tf.NDArray.from(["a", "b"], "string")],
      ]),
    );
    await sess.run(
      out.enq,
      new Map<tf.Tensor, tf.Feedable>([
        [out.x, [2, 3, 4]],
        [out.s, tf.NDArray.from(["c"], "string")],
      ]),
    );
    const [a, s] = await sess.run(out.many);
    // Hand-worked: [1] and [2,3,4] padded to length 3; ["a","b"] and ["c"] to length 2.
    expect(a.toArray()).toEqual([
      [1, 0, 0],
      [2, 3, 4],
    ]);
    expect(s.toArray()).toEqual([
      ["a", "b"],
      ["c", ""],
    ]);
  });

  test("ranks must match the declared shapes", async () => {
    const { sess, out } = build(() => {
      const q = new tf.PaddingFIFOQueue(5, ["int32"], [[null, 2]]);
      const x = tf.placeholder("int32");
      return { enq: q.enqueue([x]), x };
    });
    await expect(sess.run(out.enq, new Map([[out.x, [1, 2]]]))).rejects.toThrow(
      /Expected \[\?,2\], got \[2\]/,
    );
    expect(() => new tf.PaddingFIFOQueue(5, ["int32"], [null as unknown as number[]])).toThrow(
      tf.errors.ValueError,
    );
  });
});

describe("RandomShuffleQueue", () => {
  test("a seeded queue gives every element once, in an order fixed by the seed", async () => {
    const order = async () => {
      const { sess, out } = build(() => {
        const q = new tf.RandomShuffleQueue<tf.Tensor>(20, 0, "int32", { shapes: [[]], seed: 7 });
        return { enq: q.enqueueMany(tf.range(0, 10)), deq: q.dequeueMany(10) };
      });
      await sess.run(out.enq);
      return nums(await sess.run(out.deq));
    };
    const a = await order();
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await order()).toEqual(a);
  });

  test("min_after_dequeue holds elements back until the queue is closed", async () => {
    const { sess, out } = build(() => {
      const q = new tf.RandomShuffleQueue<tf.Tensor>(10, 3, "float32", { shapes: [[]], seed: 1 });
      return {
        enq: q.enqueueMany([[1, 2, 3, 4]]),
        deq: q.dequeue(),
        upTo: q.dequeueUpTo(10),
        close: q.close(),
        size: q.size(),
      };
    });
    await sess.run(out.enq);
    await sess.run(out.deq); // 4 > 3: one may go
    expect((await sess.run(out.size)).item()).toBe(3);
    // A second dequeue would wait (3 left, min 3): this synchronous run refuses to wait.
    expect(() => sess.runSync(out.deq)).toThrow(tf.errors.FailedPreconditionError);
    expect((await sess.run(out.size)).item()).toBe(3);
    await sess.run(out.close);
    expect((await sess.run(out.upTo)).size).toBe(3);
    await expect(sess.run(out.deq)).rejects.toThrow(
      /RandomShuffleQueue '_0_random_shuffle_queue' is closed and has insufficient elements/,
    );
  });
});

describe("PriorityQueue", () => {
  test("elements come out smallest priority first, the priority as component 0", async () => {
    const { sess, out } = build(() => {
      const q = new tf.PriorityQueue<tf.Tensor[]>(10, ["string"], [[]]);
      return {
        enq: q.enqueueMany([
          tf.constant([5, 1, 3, 1], { dtype: "int64" }),
          tf.constant(["e", "a", "c", "b"], { dtype: "string" }),
        ]),
        many: q.dequeueMany(4),
        q,
      };
    });
    expect(out.q.dtypes).toEqual(["int64", "string"]);
    await sess.run(out.enq);
    const [p, v] = await sess.run(out.many);
    expect(nums(p)).toEqual([1, 1, 3, 5]);
    expect(v.toArray()).toEqual(["a", "b", "c", "e"]); // ties keep their arrival order
  });

  test("the priority must be an int64 scalar", async () => {
    const { sess, out } = build(() => {
      const q = new tf.PriorityQueue(10, [], []);
      const p = tf.placeholder("int64");
      return { enq: q.enqueue([p]), p };
    });
    await expect(
      sess.run(out.enq, new Map([[out.p, new tf.NDArray("int64", [1], [1n])]])),
    ).rejects.toThrow(/priority element to be a scalar/);
  });
});

describe("blocking runs", () => {
  test("a dequeue waits for an enqueue of another run in flight at the same time", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(1, "float32", { shapes: [[]] });
      const x = tf.placeholder("float32", [], "x");
      return { deq: q.dequeue(), enq: q.enqueue(x), size: q.size() };
    });
    const pending = sess.run(out.deq);
    await new Promise((r) => setTimeout(r, 10));
    await sess.run(out.enq, { x: 5 });
    expect((await pending).item()).toBe(5);
    // An enqueue to the full queue waits for the dequeue of a later run.
    await sess.run(out.enq, { x: 1 });
    const waiting = sess.run(out.enq, { x: 2 });
    expect((await sess.run(out.deq)).item()).toBe(1);
    await waiting;
    expect((await sess.run(out.deq)).item()).toBe(2);
  });

  test("RunOptions.timeoutInMs: DeadlineExceededError, and the queue stays intact", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(1, "float32", { shapes: [[]] });
      return { deq: q.dequeue(), enq: q.enqueue(7), size: q.size() };
    });
    await expect(sess.run(out.deq, undefined, { timeoutInMs: 30 })).rejects.toThrow(
      tf.errors.DeadlineExceededError,
    );
    await sess.run(out.enq);
    expect((await sess.run(out.size)).item()).toBe(1); // the timed-out dequeue took nothing
    await expect(sess.run(out.enq, undefined, { timeoutInMs: 30 })).rejects.toThrow(
      tf.errors.DeadlineExceededError,
    );
    expect((await sess.run(out.deq)).item()).toBe(7);
    expect((await sess.run(out.size)).item()).toBe(0); // the timed-out enqueue added nothing
  });

  test("close(cancelPendingEnqueues) fails a waiting enqueue with CancelledError", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(1, "float32", { shapes: [[]] });
      return {
        enq: q.enqueue(1),
        cancel: q.close({ cancelPendingEnqueues: true }),
        deq: q.dequeue(),
      };
    });
    await sess.run(out.enq);
    const waiting = sess.run(out.enq);
    await sess.run(out.cancel);
    await expect(waiting).rejects.toThrow(tf.errors.CancelledError);
    expect((await sess.run(out.deq)).item()).toBe(1);
    await expect(sess.run(out.deq)).rejects.toThrow(tf.errors.OutOfRangeError);
  });

  test("a waiting dequeue ends with OutOfRangeError when the queue is closed", async () => {
    const { sess, out } = build(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(1, "float32", { shapes: [[]] });
      return { many: q.dequeueMany(2), close: q.close(), enq: q.enqueue(3), size: q.size() };
    });
    const waiting = sess.run(out.many);
    await sess.run(out.enq);
    await sess.run(out.close);
    await expect(waiting).rejects.toThrow(/insufficient elements \(requested 1, current size 0\)/);
    expect((await sess.run(out.size)).item()).toBe(1); // the element it held went back
  });
});

describe("queues in GraphDefs and sessions", () => {
  test("a graph with a queue exports and imports; the imported ops run and keep their shapes", async () => {
    const src = new tf.Graph();
    src.asDefault(() => {
      const q = new tf.PaddingFIFOQueue<tf.Tensor>(4, "float32", [[null]], { name: "pq" });
      q.enqueueMany([[[1, 2]]], "enq");
      q.dequeueMany(1, "deq");
    });
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(src.asGraphDef(), { name: "" }));
    const deq = g.getTensorByName("deq:0");
    expect(deq.shape.toString()).toBe("[1,?]");
    const sess = new tf.Session({ graph: g });
    await sess.run(g.getOperationByName("enq"));
    expect((await sess.run(deq)).toArray()).toEqual([[1, 2]]);
  });

  test("closing the session cancels a waiting dequeue", async () => {
    const { sess, out } = build(() => new tf.FIFOQueue<tf.Tensor>(1, "float32").dequeue());
    const waiting = sess.run(out);
    await new Promise((r) => setTimeout(r, 5));
    sess.close();
    await expect(waiting).rejects.toThrow(tf.errors.CancelledError);
  });

  test("two sessions have separate queues; a shared_name is the queue's name", async () => {
    const g = new tf.Graph();
    const out = g.asDefault(() => {
      const q = new tf.FIFOQueue<tf.Tensor>(2, "float32", { shapes: [[]], sharedName: "shared" });
      return { enq: q.enqueue(1), size: q.size(), close: q.close(), deq: q.dequeue() };
    });
    const a = new tf.Session({ graph: g });
    const b = new tf.Session({ graph: g });
    await a.run(out.enq);
    expect((await a.run(out.size)).item()).toBe(1);
    expect((await b.run(out.size)).item()).toBe(0);
    await b.run(out.close);
    await expect(b.run(out.deq)).rejects.toThrow(/FIFOQueue 'shared' is closed/);
  });
});

describe("TF1's V1 queue and reader ops (imported graphs)", () => {
  test("FIFOQueue/QueueEnqueueMany/QueueDequeue/QueueSize with a ref handle, and a V1 reader", async () => {
    const g = new tf.Graph();
    const out = g.asDefault(() => {
      const attrs = { component_types: ["string"], shapes: [tf.TensorShape.from([])], capacity: 5 };
      const h = g.createOp("FIFOQueue", [], attrs, "q").outputs[0];
      expect(h.isRef).toBe(true);
      expect(h.shape.toString()).toBe("[2]");
      const files = tf.constant(["a", "b"], { dtype: "string" });
      const enq = g.createOp("QueueEnqueueMany", [h, [files]], {}, "enq");
      const close = g.createOp("QueueClose", [h], {}, "close");
      const size = g.createOp("QueueSize", [h], {}, "size").outputs[0];
      const r = g.createOp("IdentityReader", [], {}, "reader").outputs[0];
      const read = g.createOp("ReaderRead", [r, h], {}, "read").outputs;
      const deq = g.createOp("QueueDequeue", [h], { component_types: ["string"] }, "deq");
      return { enq, close, size, read, deq: deq.outputs[0] };
    });
    expect(out.deq.shape.toString()).toBe("[]");
    const sess = new tf.Session({ graph: g });
    await sess.run(out.enq);
    expect((await sess.run(out.size)).item()).toBe(2);
    expect((await sess.run(out.read[1])).item()).toBe("a");
    await sess.run(out.close);
    expect((await sess.run(out.deq)).item()).toBe("b");
    await expect(sess.run(out.deq)).rejects.toThrow(tf.errors.OutOfRangeError);
  });
});
