import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as tf from "../index.js";
import { TFRecordFileWriter } from "../io/tfrecord.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-readers-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Uint8Array): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};
function tfrecords(name: string, records: string[], compression: "" | "GZIP" = ""): string {
  const p = path.join(dir, name);
  const w = new TFRecordFileWriter(p, { compression });
  for (const r of records) w.write(Buffer.from(r, "latin1"));
  w.close();
  return p;
}
const big = (a: tf.NDArray): number => Number(a.data[0]);

/** A graph with a closed queue of `files` and the reader made by `make`. */
function setup(files: string[], make: () => tf.ReaderBase) {
  const g = new tf.Graph();
  const out = g.asDefault(() => {
    const q = new tf.FIFOQueue(files.length + 1, "string", { shapes: [[]] });
    const fill = q.enqueueMany([tf.constant(files, { dtype: "string" })]);
    const close = q.close();
    const reader = make();
    return { q, fill, close, reader, read: reader.read(q), upTo: reader.readUpTo(q, 3) };
  });
  const sess = new tf.Session({ graph: g });
  return { sess, ...out, g };
}
async function start(s: ReturnType<typeof setup>) {
  await s.sess.run(s.fill);
  await s.sess.run(s.close);
}

describe("readers", () => {
  test("TFRecordReader: records of each file in turn, keyed file:offset; then OutOfRangeError", async () => {
    const a = tfrecords("a.tfrecord", ["one", "two"]);
    const b = tfrecords("b.tfrecord", ["three"], "GZIP");
    const s = setup([a], () => new tf.TFRecordReader());
    await start(s);
    const got: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const [k, v] = await s.sess.run([s.read.key, s.read.value]);
      got.push([k.item() as string, v.item() as string]);
    }
    // Each record is 12 bytes of header, the data, 4 of footer: "one" takes 19 bytes.
    expect(got).toEqual([
      [`${a}:0`, "one"],
      [`${a}:19`, "two"],
    ]);
    expect(s.read.key.shape.toString()).toBe("[]");
    await expect(s.sess.run([s.read.key, s.read.value])).rejects.toThrow(tf.errors.OutOfRangeError);
    expect(big(await s.sess.run(s.reader.numRecordsProduced()))).toBe(2);
    expect(big(await s.sess.run(s.reader.numWorkUnitsCompleted()))).toBe(1);

    const z = setup([b], () => new tf.TFRecordReader({ options: { compressionType: "GZIP" } }));
    await start(z);
    expect((await z.sess.run(z.read.value)).item()).toBe("three");
  });

  test("TextLineReader: lines keyed file:line (header lines counted); readUpTo stops at a file's end", async () => {
    const a = file("a.csv", "h1,h2\n1,2\r\n3,4\n");
    const b = file("b.csv", "h\n5,6\n7,8\n9,0\n");
    const s = setup([a, b], () => new tf.TextLineReader({ skipHeaderLines: 1 }));
    await start(s);
    expect(s.upTo.keys.shape.toString()).toBe("[?]");
    const [k1, v1] = await s.sess.run([s.upTo.keys, s.upTo.values]);
    expect(k1.toArray()).toEqual([`${a}:2`, `${a}:3`]);
    expect(v1.toArray()).toEqual(["1,2", "3,4"]);
    const [k2, v2] = await s.sess.run([s.upTo.keys, s.upTo.values]);
    expect(k2.toArray()).toEqual([`${b}:2`, `${b}:3`, `${b}:4`]);
    expect(v2.toArray()).toEqual(["5,6", "7,8", "9,0"]);
    await expect(s.sess.run([s.upTo.keys, s.upTo.values])).rejects.toThrow(
      /FIFOQueue '_0_fifo_queue' is closed and has insufficient elements/,
    );
  });

  test("WholeFileReader: the file's bytes, keyed by its name; reset starts over", async () => {
    const a = file("w.bin", Uint8Array.of(0, 255, 10, 65));
    const s = setup([a, a], () => new tf.WholeFileReader());
    await start(s);
    const [k, v] = await s.sess.run([s.read.key, s.read.value]);
    expect(k.item()).toBe(a);
    expect(v.item()).toBe("\u0000\u00ff\nA");
    await s.sess.run([s.read.key, s.read.value]);
    expect(big(await s.sess.run(s.reader.numWorkUnitsCompleted()))).toBe(1);
    await s.sess.run(s.reader.reset());
    expect(big(await s.sess.run(s.reader.numRecordsProduced()))).toBe(0);
  });

  test("FixedLengthRecordReader: header and footer skipped, records keyed by number from 0", async () => {
    // header "HH", records "abc" "def", a partial record "gh" dropped, footer "F".
    const a = file("f.bin", "HHabcdefghF");
    const s = setup(
      [a],
      () => new tf.FixedLengthRecordReader(3, { headerBytes: 2, footerBytes: 1 }),
    );
    await start(s);
    const [k, v] = await s.sess.run([s.upTo.keys, s.upTo.values]);
    expect(k.toArray()).toEqual([`${a}:0`, `${a}:1`]);
    expect(v.toArray()).toEqual(["abc", "def"]);
  });

  test("IdentityReader: each work unit as key and value", async () => {
    const s = setup(["x", "y"], () => new tf.IdentityReader());
    await start(s);
    const [k, v] = await s.sess.run([s.upTo.keys, s.upTo.values]);
    expect(k.toArray()).toEqual(["x"]);
    expect(v.toArray()).toEqual(["x"]);
    expect((await s.sess.run([s.read.key, s.read.value])).map((t) => t.item())).toEqual(["y", "y"]);
  });

  test("bad input: a missing file is NotFoundError; a non-string queue is refused", async () => {
    const s = setup([path.join(dir, "missing.tfrecord")], () => new tf.TFRecordReader());
    await start(s);
    await expect(s.sess.run([s.read.key, s.read.value])).rejects.toThrow(tf.errors.NotFoundError);
    const g = new tf.Graph();
    const out = g.asDefault(() => {
      const q = new tf.FIFOQueue(2, "int32", { shapes: [[]] });
      return { fill: q.enqueue(1), read: new tf.IdentityReader().read(q) };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(out.fill);
    await expect(sess.run(out.read.value)).rejects.toThrow(
      /Expected queue with single string component/,
    );
  });
});
