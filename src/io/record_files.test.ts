import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { DataLossError, InvalidArgumentError, NotFoundError } from "../framework/errors.js";
import {
  type FixedLengthOptions,
  FixedLengthRecordFileReader,
  TextLineFileReader,
  type TextLineOptions,
} from "./record_files.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-record-files-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(contents: string | Uint8Array): string {
  const f = path.join(dir, `f${n++}`);
  fs.writeFileSync(f, typeof contents === "string" ? Buffer.from(contents, "latin1") : contents);
  return f;
}
const str = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function lines(f: string, options: TextLineOptions = {}): string[] {
  const r = new TextLineFileReader(f, options);
  try {
    return [...r].map(str);
  } finally {
    r.close();
  }
}

function records(f: string, options: FixedLengthOptions): string[] {
  const r = new FixedLengthRecordFileReader(f, options);
  try {
    return [...r].map(str);
  } finally {
    r.close();
  }
}

describe("TextLineFileReader", () => {
  it("splits on \\n, strips \\r\\n, keeps a last line without \\n, no line after a final \\n", () => {
    expect(lines(file("a\nbb\r\n\nccc"))).toEqual(["a", "bb", "", "ccc"]);
    expect(lines(file("a\nb\n"))).toEqual(["a", "b"]);
    expect(lines(file(""))).toEqual([]);
    expect(lines(file("\n"))).toEqual([""]);
    expect(lines(file("x\r"))).toEqual(["x"]); // a trailing \r at the end of the file goes too
    expect(lines(file("x\n\r"))).toEqual(["x"]); // a last "line" of only \r is no line
  });

  it("keeps inner \\r by default (TextLineReader) and drops every \\r in 'all' mode (TextLineDataset)", () => {
    const f = file("a\rb\r\nc\r\r\n");
    expect(lines(f)).toEqual(["a\rb", "c\r"]);
    expect(lines(f, { carriageReturns: "all" })).toEqual(["ab", "c"]);
  });

  it("skips header lines and counts lines", () => {
    const f = file("h1\nh2\nx\ny");
    expect(lines(f, { skipHeaderLines: 2 })).toEqual(["x", "y"]);
    expect(lines(f, { skipHeaderLines: 10 })).toEqual([]);
    const r = new TextLineFileReader(f, { skipHeaderLines: 1 });
    r.next();
    expect(r.lineNumber).toBe(2);
    r.close();
    expect(() => new TextLineFileReader(f, { skipHeaderLines: -1 })).toThrow(InvalidArgumentError);
  });

  it("reads lines longer than its buffer and lines across buffer ends", () => {
    const long = "x".repeat(10_000);
    const text = `${long}\nshort\r\n${long}y`;
    expect(lines(file(text), { bufferSize: 7 })).toEqual([long, "short", `${long}y`]);
  });

  it("reads GZIP and ZLIB text files", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\r\n");
    const want = text.split("\r\n");
    expect(lines(file(gzipSync(text)), { compression: "GZIP", bufferSize: 100 })).toEqual(want);
    expect(lines(file(deflateSync(text)), { compression: "ZLIB" })).toEqual(want);
  });

  it("a missing file is NotFoundError", () => {
    expect(() => new TextLineFileReader(path.join(dir, "nope.txt"))).toThrow(NotFoundError);
  });
});

describe("FixedLengthRecordFileReader", () => {
  it("skips the header, reads records, leaves the footer", () => {
    const f = file("HHabcdefFF");
    expect(records(f, { headerBytes: 2, recordBytes: 3, footerBytes: 2 })).toEqual(["abc", "def"]);
    expect(records(f, { recordBytes: 5 })).toEqual(["HHabc", "defFF"]);
  });

  it("hop bytes: overlapping and gapped records, each followed by the footer", () => {
    // Body "abcdefgh" then footer "F": records start every hop, and need record + footer bytes
    // from their start (TF's FixedLengthRecordReader lookahead).
    const f = file("abcdefghF");
    expect(records(f, { recordBytes: 3, hopBytes: 2, footerBytes: 1 })).toEqual([
      "abc",
      "cde",
      "efg",
    ]);
    expect(records(f, { recordBytes: 2, hopBytes: 3 })).toEqual(["ab", "de", "gh"]);
    expect(records(f, { recordBytes: 2, hopBytes: 3, footerBytes: 1 })).toEqual(["ab", "de", "gh"]);
  });

  it("reader rule: a trailing partial record is dropped", () => {
    expect(records(file("abcdefgh"), { recordBytes: 3 })).toEqual(["abc", "def"]);
  });

  it("dataset rule: a body that is not whole records is an error naming the file and lengths", () => {
    const f = file("HHabcdefgFF");
    const opts = { headerBytes: 2, recordBytes: 3, footerBytes: 2, requireWholeRecords: true };
    expect(() => records(f, opts)).toThrow(InvalidArgumentError);
    expect(() => records(f, opts)).toThrow(
      /has body length 7 bytes, which is not an exact multiple of the record length \(3 bytes\)/,
    );
    const gz = file(gzipSync("HHabcdefgFF"));
    const r = new FixedLengthRecordFileReader(gz, { ...opts, compression: "GZIP" });
    expect(str(r.next() as Uint8Array)).toBe("abc");
    expect(str(r.next() as Uint8Array)).toBe("def");
    expect(() => r.next()).toThrow(DataLossError);
    r.close();
    expect(records(file("HHabcdefFF"), opts)).toEqual(["abc", "def"]);
  });

  it("reads GZIP and ZLIB files, large ones across buffers", () => {
    const body = Buffer.alloc(100_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const raw = Buffer.concat([Buffer.from("HEAD"), body, Buffer.from("FOOT")]);
    const opts = { headerBytes: 4, recordBytes: 1000, footerBytes: 4 };
    const want = Array.from({ length: 100 }, (_, i) =>
      str(body.subarray(i * 1000, (i + 1) * 1000)),
    );
    expect(records(file(raw), { ...opts, bufferSize: 64 })).toEqual(want);
    expect(records(file(gzipSync(raw)), { ...opts, compression: "GZIP" })).toEqual(want);
    expect(records(file(deflateSync(raw)), { ...opts, compression: "ZLIB" })).toEqual(want);
  });

  it("bad sizes are InvalidArgumentError; a missing file is NotFoundError", () => {
    const f = file("abc");
    expect(() => records(f, { recordBytes: -1 })).toThrow(/record_bytes must be >= 0 not -1/);
    expect(() => records(f, { recordBytes: 1, headerBytes: -2 })).toThrow(InvalidArgumentError);
    expect(() => records(f, { recordBytes: 0 })).toThrow(/cannot both be 0/);
    expect(() => records(path.join(dir, "nope"), { recordBytes: 1 })).toThrow(NotFoundError);
  });
});
