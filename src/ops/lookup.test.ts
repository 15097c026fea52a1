import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BACKENDS, expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";

const S = (v: tf.ValueLike) => tf.constant(v, { dtype: "string" });
const I64 = (v: tf.ValueLike) => tf.constant(v, { dtype: "int64" });
const big = (a: tf.NDArray): number[] => Array.from(a.data as BigInt64Array, Number);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-lookup-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};

describe.each(BACKENDS)("lookup tables on %s", (backend) => {
  /** Builds in a fresh graph, runs the table initializers, then returns a runner. */
  async function session<T>(build: () => T): Promise<{ sess: tf.Session; out: T }> {
    const g = new tf.Graph();
    const out = g.asDefault(build);
    const sess = new tf.Session({ graph: g, backend });
    await sess.run(g.asDefault(() => tf.tablesInitializer()));
    return { sess, out };
  }

  test("StaticHashTable with KeyValueTensorInitializer (TF docs example)", async () => {
    const { sess, out } = await session(() => {
      const init = new tf.lookup.KeyValueTensorInitializer(
        S(["emerson", "lake", "palmer"]),
        I64([0, 1, 2]),
      );
      const table = new tf.lookup.StaticHashTable(init, -1);
      return { find: table.lookup(S(["emerson", "lake", "tarkus"])), size: table.size(), table };
    });
    const [find, size] = await sess.run([out.find, out.size]);
    expect(find.dtype).toBe("int64");
    expect(big(find)).toEqual([0, 1, -1]);
    expect(big(size)).toEqual([3]);
    const [k, v] = await sess.run(out.table.export());
    expectArray(k, ["emerson", "lake", "palmer"]);
    expect(big(v)).toEqual([0, 1, 2]);
    // Initializing again is a no-op, as in TF.
    await sess.run(out.table.initializer);
    expect(big(await sess.run(out.size))).toEqual([3]);
  });

  test("lookups keep the keys' shape; float values; a SparseTensor maps its values", async () => {
    const { sess, out } = await session(() => {
      const table = new tf.lookup.StaticHashTable(
        new tf.lookup.KeyValueTensorInitializer(
          tf.constant([1, 2], { dtype: "int64" }),
          tf.constant([0.5, 1.5]),
        ),
        tf.constant(-1),
      );
      const sp = new tf.SparseTensor(
        [
          [0, 0],
          [1, 2],
        ],
        tf.constant([2, 7], { dtype: "int64" }),
        [2, 3],
      );
      return [
        table.lookup(
          I64([
            [1, 3],
            [2, 2],
          ]),
        ),
        table.lookup(sp),
      ] as const;
    });
    const [dense, sparse] = await sess.run(out);
    expectArray(
      dense,
      [
        [0.5, -1],
        [1.5, 1.5],
      ],
      { dtype: "float32" },
    );
    expectArray(sparse.values, [1.5, -1]);
    expect(big(sparse.denseShape)).toEqual([2, 3]);
  });

  test("an uninitialized table is a FailedPreconditionError; sessions hold their own tables", async () => {
    const g = new tf.Graph();
    const { find, init } = g.asDefault(() => {
      const table = new tf.lookup.StaticHashTable(
        new tf.lookup.KeyValueTensorInitializer(S(["a"]), I64([7])),
        -1,
      );
      return { find: table.lookup(S(["a"])), init: tf.tablesInitializer() };
    });
    const s1 = new tf.Session({ graph: g, backend });
    const s2 = new tf.Session({ graph: g, backend });
    await expect(s1.run(find)).rejects.toThrow(tf.FailedPreconditionError);
    await expect(s1.run(find)).rejects.toThrow("Table not initialized.");
    await s1.run(init);
    expect(big(await s1.run(find))).toEqual([7]);
    await expect(s2.run(find)).rejects.toThrow(tf.FailedPreconditionError);
  });

  test("wrong key dtype at construction; duplicate keys with different values at run time", async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const table = new tf.lookup.StaticHashTable(
        new tf.lookup.KeyValueTensorInitializer(S(["a"]), I64([1])),
        -1,
      );
      expect(() => table.lookup(I64([1]))).toThrow(tf.ValueError);
    });
    await expect(
      session(
        () =>
          new tf.lookup.StaticHashTable(
            new tf.lookup.KeyValueTensorInitializer(S(["a", "a"]), I64([1, 2])),
            -1,
          ),
      ),
    ).rejects.toThrow(/different value for same key/);
  });

  test("indexTableFromTensor, with and without OOV buckets (TF docs examples)", async () => {
    const { sess, out } = await session(() => {
      const vocab = S(["emerson", "lake", "palmer"]);
      const features = S(["emerson", "lake", "palmer", "king", "crimson"]);
      const plain = tf.lookup.indexTableFromTensor(vocab);
      const oov = tf.lookup.indexTableFromTensor(vocab, { numOovBuckets: 1 });
      return [plain.lookup(features), oov.lookup(features), oov.size()];
    });
    const [a, b, n] = await sess.run(out);
    expect(big(a)).toEqual([0, 1, 2, -1, -1]);
    expect(big(b)).toEqual([0, 1, 2, 3, 3]);
    expect(big(n)).toEqual([4]);
  });

  test("OOV buckets are vocab size + Fingerprint64 mod buckets", async () => {
    const { sess, out } = await session(() => {
      const t = tf.lookup.indexTableFromTensor(S(["x"]), { numOovBuckets: 3 });
      return t.lookup(S(["x", "Hello", "TensorFlow", "2.x"]));
    });
    // to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) = [0, 2, 2] (TF docs), shifted by 1.
    expect(big(await sess.run(out))).toEqual([0, 1, 3, 3]);
  });

  test("indexTableFromFile and indexToStringTable* (TF docs examples)", async () => {
    const vocab = file("vocab.txt", "emerson\nlake\npalmer\n");
    const { sess, out } = await session(() => [
      tf.lookup
        .indexTableFromFile(vocab, { numOovBuckets: 1 })
        .lookup(S(["emerson", "lake", "and", "palmer"])),
      tf.lookup.indexToStringTableFromTensor(S(["emerson", "lake", "palmer"])).lookup(I64([1, 5])),
      tf.lookup.indexToStringTableFromFile(vocab, { defaultValue: "?" }).lookup(I64([2, 3])),
    ]);
    const [ids, words, fromFile] = await sess.run(out);
    expect(big(ids)).toEqual([0, 1, 3, 2]);
    expectArray(words, ["lake", "UNK"]);
    expectArray(fromFile, ["palmer", "?"]);
  });

  test("TextFileInitializer: columns, delimiter, vocabSize and its errors", async () => {
    const p = file("cols.txt", "a,10\nb,20\nc,30\n");
    const { sess, out } = await session(() => {
      const init = new tf.lookup.TextFileInitializer(p, "string", 0, "int64", 1, {
        delimiter: ",",
        vocabSize: 2,
      });
      const t = new tf.lookup.StaticHashTable(init, -1);
      return [t.lookup(S(["b", "c"])), t.size()];
    });
    const [v, n] = await sess.run(out);
    expect(big(v)).toEqual([20, -1]);
    expect(big(n)).toEqual([2]);
    const bad = (make: () => tf.lookup.TextFileInitializer) =>
      session(() => new tf.lookup.StaticHashTable(make(), -1));
    await expect(
      bad(
        () =>
          new tf.lookup.TextFileInitializer(p, "string", 0, "int64", 1, {
            delimiter: ",",
            vocabSize: 5,
          }),
      ),
    ).rejects.toThrow(/invalid vocab_size.*expected 5 but got 3/);
    await expect(
      bad(() => new tf.lookup.TextFileInitializer(p, "string", 0, "int64", 2, { delimiter: "," })),
    ).rejects.toThrow(/column index 2/);
    await expect(
      bad(() => new tf.lookup.TextFileInitializer(p, "string", 0, "int64", 0, { delimiter: "," })),
    ).rejects.toThrow(/not a valid int64/);
    await expect(
      bad(
        () => new tf.lookup.TextFileInitializer(path.join(dir, "none"), "string", -2, "int64", -1),
      ),
    ).rejects.toThrow(tf.NotFoundError);
    expect(() => new tf.lookup.TextFileInitializer(p, "string", -1, "int64", 1)).toThrow(
      tf.ValueError,
    );
  });

  test("MutableHashTable: insert, lookup, remove, size, export, import", async () => {
    const g = new tf.Graph();
    const t = g.asDefault(() => new tf.lookup.MutableHashTable("string", "int64", -1));
    const sess = new tf.Session({ graph: g, backend });
    const ops = g.asDefault(() => ({
      insert: t.insert(S(["a", "b", "c"]), I64([1, 2, 3])),
      update: t.insert(S(["a"]), I64([10])),
      remove: t.remove(S(["b", "zz"])),
      find: t.lookup(S(["a", "b", "c"])),
      size: t.size(),
      exp: t.export(),
      imp: t.importValues(S(["q"]), I64([5])),
    }));
    expect(big(await sess.run(ops.size))).toEqual([0]);
    expect(big(await sess.run(ops.find))).toEqual([-1, -1, -1]);
    await sess.run(ops.insert);
    await sess.run(ops.update);
    await sess.run(ops.remove);
    expect(big(await sess.run(ops.find))).toEqual([10, -1, 3]);
    expect(big(await sess.run(ops.size))).toEqual([2]);
    const [k, v] = await sess.run(ops.exp);
    expectArray(k, ["a", "c"]);
    expect(big(v)).toEqual([10, 3]);
    await sess.run(ops.imp);
    expect(big(await sess.run(ops.find))).toEqual([-1, -1, -1]);
    expect(big(await sess.run(ops.size))).toEqual([1]);
  });

  test("DenseHashTable: vector values, reserved keys rejected", async () => {
    const g = new tf.Graph();
    const t = g.asDefault(
      () =>
        new tf.lookup.DenseHashTable("int64", "float32", tf.constant([-1, -1]), I64(0), I64(-1)),
    );
    const sess = new tf.Session({ graph: g, backend });
    const [ins, find, bad] = g.asDefault(() => [
      t.insert(
        I64([5, 6]),
        tf.constant([
          [1, 2],
          [3, 4],
        ]),
      ),
      t.lookup(I64([6, 7])),
      t.insert(I64([0]), tf.constant([[9, 9]])),
    ]);
    expect(find.shape.toString()).toBe("[2,2]");
    await sess.run(ins);
    expectArray(await sess.run(find), [
      [3, 4],
      [-1, -1],
    ]);
    await expect(sess.run(bad)).rejects.toThrow(/empty_key or deleted_key/);
  });

  test("an initializable table rejects Insert", async () => {
    const { sess, out } = await session(() => {
      const t = new tf.lookup.StaticHashTable(
        new tf.lookup.KeyValueTensorInitializer(S(["a"]), I64([1])),
        -1,
      );
      return tf
        .getDefaultGraph()
        .createOp("LookupTableInsertV2", [t.resourceHandle, S(["b"]), I64([2])]);
    });
    await expect(sess.run(out)).rejects.toThrow(tf.UnimplementedError);
  });

  test("TF1's V1 ops (ref string handles), as in imported graphs", async () => {
    const g = new tf.Graph();
    const { init, find, size } = g.asDefault(() => {
      const h = g.createOp("HashTable", [], { key_dtype: "string", value_dtype: "int64" }, "table")
        .outputs[0];
      const init = g.createOp("InitializeTable", [h, S(["x", "y"]), I64([4, 5])], {}, "init");
      const find = g.createOp("LookupTableFind", [h, S(["y", "z"]), I64(0)], {}, "find").outputs[0];
      const size = g.createOp("LookupTableSize", [h], {}, "size").outputs[0];
      return { init, find, size };
    });
    expect(find.shape.toString()).toBe("[2]");
    const sess = new tf.Session({ graph: g, backend });
    await sess.run(init);
    const [f, n] = await sess.run([find, size]);
    expect(big(f)).toEqual([5, 0]);
    expect(big(n)).toEqual([2]);
  });

  test("a table is made in its initializer's graph", async () => {
    const g = new tf.Graph();
    const init = g.asDefault(() => new tf.lookup.KeyValueTensorInitializer(S(["k"]), I64([3])));
    const table = new tf.lookup.StaticHashTable(init, -1);
    expect(table.resourceHandle.graph).toBe(g);
    expect(g.getCollection("table_initializer")).toEqual([table.initializer]);
    const find = g.asDefault(() => table.lookup(S(["k", "j"])));
    const sess = new tf.Session({ graph: g, backend });
    await sess.run(table.initializer);
    expect(big(await sess.run(find))).toEqual([3, -1]);
  });

  test("tablesInitializer with no tables is a no-op", async () => {
    const g = new tf.Graph();
    const op = g.asDefault(() => tf.tablesInitializer());
    expect(op.type).toBe("NoOp");
    expect(await new tf.Session({ graph: g, backend }).run(op)).toBeNull();
  });
});
