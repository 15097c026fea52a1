import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  DataLossError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../framework/errors.js";
import { crc32c, maskCrc } from "./checkpoint/crc32c.js";
import {
  frameRecord,
  type RecordCompression,
  TFRecordFileReader,
  TFRecordFileWriter,
} from "./tfrecord.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-tfrecord-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = (ext = "tfrecord") => path.join(dir, `f${n++}.${ext}`);

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Records of varied sizes and contents (some empty, some larger than the read buffer). */
function sampleRecords(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const b = new Uint8Array(i % 17 === 0 ? 0 : (i * 131) % 3000);
    for (let j = 0; j < b.length; j++) b[j] = (i * 7 + j * 13) & 0xff;
    out.push(b);
  }
  out.push(new Uint8Array(300_000).fill(7)); // spans many buffers and compressed chunks
  return out;
}

/** Compares record lists with Buffer.equals (toEqual on large typed arrays is very slow). */
function expectSame(got: Uint8Array[], want: Uint8Array[]): void {
  expect(got.length).toBe(want.length);
  const bad = got.findIndex((g, i) => !Buffer.from(g).equals(want[i]));
  expect(bad).toBe(-1);
}

function readAll(file: string, compression: RecordCompression, bufferSize?: number): Uint8Array[] {
  const r = new TFRecordFileReader(file, { compression, bufferSize });
  try {
    return [...r];
  } finally {
    r.close();
  }
}

function writeAll(file: string, recs: Uint8Array[], compression: RecordCompression): void {
  const w = new TFRecordFileWriter(file, { compression });
  for (const r of recs) w.write(r);
  w.close();
}

describe("frameRecord", () => {
  it("frames a record as TF does: length, masked crc of length, data, masked crc of data", () => {
    const f = frameRecord(enc("abc"));
    expect(f.length).toBe(8 + 4 + 3 + 4);
    const v = new DataView(f.buffer);
    expect(v.getBigUint64(0, true)).toBe(3n);
    expect(v.getUint32(8, true)).toBe(maskCrc(crc32c(f.subarray(0, 8))));
    expect(dec(f.subarray(12, 15))).toBe("abc");
    expect(v.getUint32(15, true)).toBe(maskCrc(crc32c(enc("abc"))));
  });

  it("matches the TFRecord written by TensorFlow's Rust bindings byte for byte", () => {
    // ../shared/tf-artifacts/README.md: one TFRecord, payload "The Quick Brown Fox".
    const file = path.resolve("../shared/tf-artifacts/rust-expected-tfrecord/expected.tfrecord");
    const bytes = new Uint8Array(fs.readFileSync(file));
    expect(frameRecord(enc("The Quick Brown Fox"))).toEqual(bytes);
  });
});

describe("TFRecordFileReader", () => {
  it("reads the real TFRecord back to its payload", () => {
    const file = path.resolve("../shared/tf-artifacts/rust-expected-tfrecord/expected.tfrecord");
    const r = new TFRecordFileReader(file);
    expect(r.offset).toBe(0);
    expect(dec(r.next() as Uint8Array)).toBe("The Quick Brown Fox");
    expect(r.offset).toBe(35);
    expect(r.next()).toBeNull();
    expect(r.next()).toBeNull();
    r.close();
  });

  for (const compression of ["", "GZIP", "ZLIB"] as const) {
    it(`round-trips records (compression "${compression}"), small and large buffers`, () => {
      const recs = sampleRecords();
      const file = tmp();
      writeAll(file, recs, compression);
      expectSame(readAll(file, compression), recs);
      expectSame(readAll(file, compression, 7), recs);
    });
  }

  it("writes GZIP and ZLIB files that zlib itself reads back to the plain file", () => {
    const recs = sampleRecords();
    const plain = tmp();
    writeAll(plain, recs, "");
    const gz = tmp();
    writeAll(gz, recs, "GZIP");
    const zl = tmp();
    writeAll(zl, recs, "ZLIB");
    const want = fs.readFileSync(plain);
    expect(gunzipSync(fs.readFileSync(gz)).equals(want)).toBe(true);
    expect(inflateSync(fs.readFileSync(zl)).equals(want)).toBe(true);
  });

  it("reads GZIP and ZLIB files made by zlib (every level, concatenated gzip members)", () => {
    const recs = sampleRecords();
    const plain = tmp();
    writeAll(plain, recs, "");
    const raw = fs.readFileSync(plain);
    for (const level of [0, 1, 6, 9]) {
      const gz = tmp();
      fs.writeFileSync(gz, gzipSync(raw, { level }));
      expectSame(readAll(gz, "GZIP", 1000), recs);
      const zl = tmp();
      fs.writeFileSync(zl, deflateSync(raw, { level }));
      expectSame(readAll(zl, "ZLIB"), recs);
    }
    const half = raw.length >> 1;
    const two = tmp();
    fs.writeFileSync(
      two,
      Buffer.concat([gzipSync(raw.subarray(0, half)), gzipSync(raw.subarray(half))]),
    );
    expectSame(readAll(two, "GZIP"), recs);
  });

  it("reports offsets of records in the uncompressed stream", () => {
    const file = tmp();
    writeAll(file, [enc("a"), enc("bcd"), enc("")], "GZIP");
    const r = new TFRecordFileReader(file, { compression: "GZIP" });
    const offsets = [r.offset];
    while (r.next() !== null) offsets.push(r.offset);
    r.close();
    expect(offsets).toEqual([0, 17, 36, 52]);
  });

  it("an empty file has no records", () => {
    const file = tmp();
    fs.writeFileSync(file, "");
    expect(readAll(file, "")).toEqual([]);
    const gz = tmp();
    writeAll(gz, [], "GZIP");
    expect(readAll(gz, "GZIP")).toEqual([]);
  });

  it("a corrupt length checksum is DataLossError naming the file and the record's offset", () => {
    const file = tmp();
    writeAll(file, [enc("first"), enc("second")], "");
    const b = fs.readFileSync(file);
    b[21 + 9] ^= 1; // the second record starts at 21 (12 + 5 + 4); its length crc at 21+8..21+12
    fs.writeFileSync(file, b);
    const r = new TFRecordFileReader(file);
    expect(dec(r.next() as Uint8Array)).toBe("first");
    expect(() => r.next()).toThrow(DataLossError);
    r.close();
    expect(() => readAll(file, "")).toThrow(
      new RegExp(`corrupted record at byte offset 21 in ${file}: length checksum mismatch`),
    );
  });

  it("a corrupt data checksum or data byte is DataLossError", () => {
    const file = tmp();
    writeAll(file, [enc("first"), enc("second")], "");
    const b = fs.readFileSync(file);
    b[21 + 12 + 2] ^= 0x40; // a data byte of the second record
    fs.writeFileSync(file, b);
    expect(() => readAll(file, "")).toThrow(/corrupted record at byte offset 21 .*data checksum/);
    const b2 = fs.readFileSync(file);
    b2[21 + 12 + 2] ^= 0x40;
    b2[b2.length - 1] ^= 0x80; // the data crc itself
    fs.writeFileSync(file, b2);
    expect(() => readAll(file, "")).toThrow(DataLossError);
  });

  it("a truncated record is DataLossError naming the offset (header cut, data cut, crc cut)", () => {
    const full = frameRecord(enc("payload"));
    const both = Buffer.concat([frameRecord(enc("ok")), full]);
    for (const cut of [3, 12, 15, full.length - 1]) {
      const file = tmp();
      fs.writeFileSync(file, both.subarray(0, 18 + cut));
      const r = new TFRecordFileReader(file);
      expect(dec(r.next() as Uint8Array)).toBe("ok");
      expect(() => r.next()).toThrow(/truncated record at byte offset 18/);
      r.close();
    }
  });

  it("a length field larger than the file is DataLossError, not a huge allocation", () => {
    const f = frameRecord(enc("x"));
    const v = new DataView(f.buffer);
    v.setBigUint64(0, 1n << 50n, true);
    v.setUint32(8, maskCrc(crc32c(f.subarray(0, 8))), true);
    const file = tmp();
    fs.writeFileSync(file, f);
    expect(() => readAll(file, "")).toThrow(/truncated record at byte offset 0 .*runs past/);
    const gz = tmp();
    fs.writeFileSync(gz, gzipSync(f));
    expect(() => readAll(gz, "GZIP")).toThrow(/truncated record at byte offset 0/);
  });

  it("corrupt compressed data is DataLossError naming the file", () => {
    const file = tmp();
    writeAll(file, sampleRecords(), "GZIP");
    const b = fs.readFileSync(file);
    b[b.length - 6] ^= 0xff; // inside the gzip trailer (CRC-32)
    fs.writeFileSync(file, b);
    expect(() => readAll(file, "GZIP")).toThrow(DataLossError);
    const notGz = tmp();
    writeAll(notGz, [enc("plain")], "");
    expect(() => readAll(notGz, "GZIP")).toThrow(new RegExp(`${notGz}: corrupt GZIP data`));
    const cut = tmp();
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 1000));
    expect(() => readAll(cut, "GZIP")).toThrow(DataLossError);
  });

  it("a missing file is NotFoundError naming it", () => {
    const file = path.join(dir, "missing.tfrecord");
    expect(() => new TFRecordFileReader(file)).toThrow(NotFoundError);
    expect(() => new TFRecordFileReader(file)).toThrow(/missing\.tfrecord/);
  });

  it("a directory is FailedPreconditionError naming it", () => {
    expect(() => new TFRecordFileReader(dir)).toThrow(FailedPreconditionError);
    expect(() => new TFRecordFileReader(dir)).toThrow(new RegExp(dir));
  });

  it("an unknown compression type is InvalidArgumentError", () => {
    const file = tmp();
    writeAll(file, [], "");
    expect(
      () => new TFRecordFileReader(file, { compression: "SNAPPY" as RecordCompression }),
    ).toThrow(InvalidArgumentError);
  });
});

describe("TFRecordFileWriter", () => {
  it("flush makes written records readable before close", () => {
    for (const compression of ["", "GZIP"] as const) {
      const file = tmp();
      const w = new TFRecordFileWriter(file, { compression });
      w.write(enc("one"));
      w.write(enc("two"));
      w.flush();
      // A sync-flushed stream is readable up to the flush point (the end is not there yet).
      const r = new TFRecordFileReader(file, { compression });
      expect(dec(r.next() as Uint8Array)).toBe("one");
      expect(dec(r.next() as Uint8Array)).toBe("two");
      r.close();
      w.write(enc("three"));
      w.close();
      expect(readAll(file, compression).map(dec)).toEqual(["one", "two", "three"]);
    }
  });

  it("writing after close is an error; close twice is harmless", () => {
    const w = new TFRecordFileWriter(tmp());
    w.close();
    w.close();
    expect(() => w.write(enc("x"))).toThrow(DataLossError);
  });

  it("a writer into a missing directory is NotFoundError", () => {
    expect(() => new TFRecordFileWriter(path.join(dir, "no", "such", "f"))).toThrow(NotFoundError);
  });
});
