// tf.io.TFRecordWriter / tf.io.tfRecordIterator / TFRecordOptions (TF 1.15's Python API).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import * as tf from "../index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-io-tfrecord-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = () => path.join(dir, `r${n++}.tfrecord`);

describe("tf.io TFRecord API", () => {
  test("writer and iterator round-trip byte strings, text and bytes, with each compression", () => {
    const options = [
      undefined,
      new tf.io.TFRecordOptions(tf.io.TFRecordCompressionType.GZIP),
      new tf.io.TFRecordOptions("ZLIB", { compressionLevel: 9 }),
      "GZIP" as const,
    ];
    for (const o of options) {
      const file = tmp();
      const w = new tf.io.TFRecordWriter(file, o);
      w.write("\x00\xffbytes");
      w.write("héllo ✓"); // text: written as its UTF-8 bytes
      w.write(Uint8Array.of(1, 2, 3));
      w.write("");
      w.close();
      const got = [...tf.io.tfRecordIterator(file, o)];
      expect(got).toEqual([
        "\x00\xffbytes",
        Buffer.from("héllo ✓", "utf8").toString("latin1"),
        "\x01\x02\x03",
        "",
      ]);
    }
  });

  test("the real TFRecord reads back to its payload", () => {
    const file = path.resolve("../shared/tf-artifacts/rust-expected-tfrecord/expected.tfrecord");
    expect([...tf.io.tfRecordIterator(file)]).toEqual(["The Quick Brown Fox"]);
  });

  test("records written by the writer are what TF frames (the Rust bindings' file)", () => {
    const file = tmp();
    const w = new tf.io.TFRecordWriter(file);
    w.write("The Quick Brown Fox");
    w.close();
    const want = fs.readFileSync(
      path.resolve("../shared/tf-artifacts/rust-expected-tfrecord/expected.tfrecord"),
    );
    expect(fs.readFileSync(file).equals(want)).toBe(true);
  });

  test("options: compression type strings; bad values are InvalidArgumentError", () => {
    const { TFRecordOptions, TFRecordCompressionType } = tf.io;
    expect(TFRecordOptions.getCompressionTypeString(null)).toBe("");
    expect(TFRecordOptions.getCompressionTypeString(TFRecordCompressionType.ZLIB)).toBe("ZLIB");
    expect(TFRecordOptions.getCompressionTypeString(new TFRecordOptions("GZIP"))).toBe("GZIP");
    expect(TFRecordOptions.getCompressionTypeString("NONE")).toBe("");
    expect(() => new TFRecordOptions("LZ4" as "GZIP")).toThrow(tf.InvalidArgumentError);
    expect(() => new TFRecordOptions("GZIP", { compressionLevel: 11 })).toThrow(
      /compression_level/,
    );
  });

  test("a corrupt record is DataLossError naming file and offset; missing file NotFoundError", () => {
    const file = tmp();
    const w = new tf.io.TFRecordWriter(file);
    w.write("aaaa");
    w.write("bbbb");
    w.close();
    const b = fs.readFileSync(file);
    b[20 + 12] ^= 1; // a data byte of the second record (the first is 12 + 4 + 4 = 20 bytes)
    fs.writeFileSync(file, b);
    const it = tf.io.tfRecordIterator(file);
    expect(it.next().value).toBe("aaaa");
    expect(() => it.next()).toThrow(tf.DataLossError);
    expect(() => [...tf.io.tfRecordIterator(file)]).toThrow(
      new RegExp(`corrupted record at byte offset 20 in ${file}`),
    );
    expect(() => [...tf.io.tfRecordIterator(path.join(dir, "none.tfrecord"))]).toThrow(
      tf.NotFoundError,
    );
  });

  test("leaving the loop early closes the file", () => {
    const file = tmp();
    const w = new tf.io.TFRecordWriter(file);
    for (let i = 0; i < 5; i++) w.write(`r${i}`);
    w.close();
    const before = fs.readdirSync("/proc/self/fd").length;
    for (let k = 0; k < 20; k++) {
      for (const r of tf.io.tfRecordIterator(file)) if (r === "r1") break;
    }
    expect(fs.readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(before + 1);
  });
});
