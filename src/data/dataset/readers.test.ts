// File datasets (TFRecordDataset, TextLineDataset, FixedLengthRecordDataset), listFiles and the
// file cache, with their bad-input errors: a corrupt record is a DataLossError naming the file
// and the byte offset, a missing file a NotFoundError, and the iterator works after
// re-initialization.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as tf from "../../index.js";
import { TFRecordFileWriter } from "../../io/tfrecord.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-dataset-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeRecords(name: string, records: string[], compression: "" | "GZIP" | "ZLIB" = "") {
  const file = path.join(dir, name);
  const w = new TFRecordFileWriter(file, { compression });
  for (const r of records) w.write(Buffer.from(r, "latin1"));
  w.close();
  return file;
}

/** A session reading `make()`'s dataset through an initializable iterator, fed by `feeds`. */
function reader(make: () => tf.data.Dataset) {
  const g = new tf.Graph();
  const { it, next } = g.asDefault(() => {
    const it = make().makeInitializableIterator();
    return { it, next: it.getNext() as tf.Tensor };
  });
  const sess = new tf.Session({ graph: g });
  const all = async (feeds?: tf.Feeds) => {
    await sess.run(it.initializer, feeds);
    const out: unknown[] = [];
    for (;;) {
      try {
        const v = await sess.run(next);
        out.push(v.rank === 0 ? v.item() : v.toArray());
      } catch (e) {
        if (e instanceof tf.OutOfRangeError) return out;
        throw e;
      }
    }
  };
  return { all, sess, g };
}

describe("TFRecordDataset", () => {
  test("reads the records of several files in order, plain, GZIP and ZLIB", async () => {
    const a = writeRecords("a.tfrecord", ["one", "two"]);
    const b = writeRecords("b.tfrecord.gz", ["three", "\u00ff\u0000bytes"], "GZIP");
    const c = writeRecords("c.tfrecord.z", ["four"], "ZLIB");
    expect(await reader(() => tf.data.TFRecordDataset([a, a])).all()).toEqual([
      "one",
      "two",
      "one",
      "two",
    ]);
    expect(
      await reader(() => tf.data.TFRecordDataset(b, { compressionType: "GZIP" })).all(),
    ).toEqual(["three", "\u00ff\u0000bytes"]);
    expect(
      await reader(() => tf.data.TFRecordDataset(c, { compressionType: "ZLIB" })).all(),
    ).toEqual(["four"]);
  });

  test("a corrupt record is a DataLossError naming the file and offset; re-init works", async () => {
    const file = writeRecords("corrupt.tfrecord", ["first", "second"]);
    const bytes = fs.readFileSync(file);
    // The second record starts at 12 + 5 + 4 = 21; flip a byte of its data (at 21 + 12).
    bytes[21 + 12] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const r = reader(() => tf.data.TFRecordDataset(file));
    const err = await r.all().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tf.DataLossError);
    expect(String((err as Error).message)).toContain(file);
    expect(String((err as Error).message)).toMatch(/offset 21/);
    // The iterator starts over after its initializer runs again, and the session still works.
    const again = await r.all().catch((e: unknown) => e);
    expect(again).toBeInstanceOf(tf.DataLossError);
    bytes[21 + 12] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect(await r.all()).toEqual(["first", "second"]);
  });

  test("a missing file is a NotFoundError, and the iterator can be re-initialized", async () => {
    const good = writeRecords("good.tfrecord", ["ok"]);
    const g = new tf.Graph();
    const { it, next, files } = g.asDefault(() => {
      const files = tf.placeholder("string", [null], "files");
      const it = tf.data.TFRecordDataset(files).makeInitializableIterator();
      return { it, next: it.getNext() as tf.Tensor, files };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(it.initializer, new Map([[files, [path.join(dir, "missing.tfrecord")]]]));
    await expect(sess.run(next)).rejects.toThrow(tf.NotFoundError);
    await sess.run(it.initializer, new Map([[files, [good]]]));
    expect((await sess.run(next)).item()).toBe("ok");
  });

  test("map(parseSingleExample) over tf.train.Example records", async () => {
    const example = (n: number) =>
      tf.train.serializeToString(
        tf.train.Example({
          features: tf.train.Features({
            feature: { x: tf.train.Feature({ int64List: tf.train.Int64List({ value: [n] }) }) },
          }),
        }),
      );
    const file = writeRecords("examples.tfrecord", [example(3), example(7)]);
    const parsed = await reader(() =>
      tf.data
        .TFRecordDataset(file)
        .map(
          (r: tf.Tensor) =>
            tf.io.parseSingleExample(r, { x: tf.io.fixedLenFeature([], "int64") }).x as tf.Tensor,
        ),
    ).all();
    expect(parsed.map(Number)).toEqual([3, 7]);
  });
});

describe("text and fixed-length records", () => {
  test("TextLineDataset: lines without \\n or \\r\\n, files in order", async () => {
    const a = path.join(dir, "a.txt");
    fs.writeFileSync(a, "alpha\r\nbeta\ngamma");
    const b = path.join(dir, "b.txt");
    fs.writeFileSync(b, "delta\n");
    expect(await reader(() => tf.data.TextLineDataset([a, b])).all()).toEqual([
      "alpha",
      "beta",
      "gamma",
      "delta",
    ]);
  });

  test("FixedLengthRecordDataset: header and footer skipped", async () => {
    const f = path.join(dir, "fixed.bin");
    fs.writeFileSync(f, "HDRaabbccFT");
    expect(
      await reader(() =>
        tf.data.FixedLengthRecordDataset(f, 2, { headerBytes: 3, footerBytes: 2 }),
      ).all(),
    ).toEqual(["aa", "bb", "cc"]);
  });

  test("listFiles: the matching files, sorted when not shuffled", async () => {
    const sub = path.join(dir, "list");
    fs.mkdirSync(sub);
    for (const n of ["b.rec", "a.rec", "c.txt"]) fs.writeFileSync(path.join(sub, n), "");
    expect(
      await reader(() =>
        tf.data.Dataset.listFiles(path.join(sub, "*.rec"), { shuffle: false }),
      ).all(),
    ).toEqual([path.join(sub, "a.rec"), path.join(sub, "b.rec")]);
    const shuffled = (await reader(() =>
      tf.data.Dataset.listFiles(path.join(sub, "*"), { seed: 3 }),
    ).all()) as string[];
    expect([...shuffled].sort()).toEqual(["a.rec", "b.rec", "c.txt"].map((n) => path.join(sub, n)));
  });
});

describe("cache to a file", () => {
  test("the first full pass writes the file; later sessions read it instead of the input", async () => {
    const cache = path.join(dir, "cache");
    const make = (p: tf.Tensor) =>
      tf.data.Dataset.fromTensorSlices(p)
        .map((x: tf.Tensor) => ({ x, s: tf.asString(x) }))
        .cache(cache)
        .map((e: { x: tf.Tensor; s: tf.Tensor }) => e.s);
    const run = async (values: number[]) => {
      const g = new tf.Graph();
      const { it, next, p } = g.asDefault(() => {
        const p = tf.placeholder("float32", [null], "p");
        const it = make(p).makeInitializableIterator();
        return { it, next: it.getNext() as tf.Tensor, p };
      });
      const sess = new tf.Session({ graph: g });
      await sess.run(it.initializer, new Map([[p, values]]));
      const out: unknown[] = [];
      for (;;) {
        try {
          out.push((await sess.run(next)).item());
        } catch (e) {
          if (e instanceof tf.OutOfRangeError) return out;
          throw e;
        }
      }
    };
    expect(await run([1, 2])).toEqual(["1.000000", "2.000000"]);
    expect(fs.existsSync(cache)).toBe(true);
    // A new session with other input reads the cache.
    expect(await run([5, 6, 7])).toEqual(["1.000000", "2.000000"]);
  });
});
