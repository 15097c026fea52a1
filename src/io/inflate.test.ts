import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  adler32Extend,
  type CompressionFormat,
  crc32Extend,
  InflateError,
  Inflater,
} from "./inflate.js";

/** Inflates `data`, supplying at most `step` input bytes per pull. */
function inflate(data: Uint8Array, format: CompressionFormat, step = 1 << 16): Buffer {
  let pos = 0;
  const inf = new Inflater((max) => {
    const n = Math.min(max, step, data.length - pos);
    pos += n;
    return data.subarray(pos - n, pos);
  }, format);
  const parts: Uint8Array[] = [];
  for (let c = inf.next(); c !== null; c = inf.next()) parts.push(c);
  return Buffer.concat(parts);
}

/** Compressible but varied bytes: runs, repeats far back, noise. */
function sample(n: number): Buffer {
  const b = Buffer.alloc(n);
  let seed = 12345;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    b[i] =
      i % 1000 < 300 ? (i * 7) & 0xff : i % 1000 < 600 ? b[Math.max(0, i - 40000)] : seed >>> 24;
  }
  return b;
}

describe("checksums", () => {
  it("CRC-32 and Adler-32 of standard check strings", () => {
    const digits = new TextEncoder().encode("123456789");
    expect(crc32Extend(0, digits)).toBe(0xcbf43926); // the CRC-32 check value
    expect(crc32Extend(crc32Extend(0, digits, 0, 4), digits, 4)).toBe(0xcbf43926);
    // Adler-32 of "Wikipedia" is 0x11E60398 (the worked example of the algorithm).
    expect(adler32Extend(1, new TextEncoder().encode("Wikipedia"))).toBe(0x11e60398);
  });
});

describe("Inflater", () => {
  it("decodes a hand-made stored block and a fixed-Huffman block", () => {
    // BFINAL=1 BTYPE=00, LEN=3, NLEN=~3, "abc".
    const stored = Uint8Array.of(0x01, 0x03, 0x00, 0xfc, 0xff, 0x61, 0x62, 0x63);
    expect(inflate(stored, "RAW").toString()).toBe("abc");
    // BFINAL=1 BTYPE=01 (bits 1,1,0), 'a' = literal 97 -> 8-bit code 0x30+97 = 10010001,
    // end-of-block = 0000000: packed LSB first, 0x4b 0x04 0x00.
    expect(inflate(Uint8Array.of(0x4b, 0x04, 0x00), "RAW").toString()).toBe("a");
  });

  for (const format of ["RAW", "ZLIB", "GZIP"] as const) {
    it(`matches zlib on ${format} streams at every level, fed 1 byte or 64 KiB at a time`, () => {
      const raw = sample(300_000);
      for (const level of [0, 1, 6, 9]) {
        const z =
          format === "RAW"
            ? deflateRawSync(raw, { level })
            : format === "ZLIB"
              ? deflateSync(raw, { level })
              : gzipSync(raw, { level });
        expect(inflate(z, format).equals(raw)).toBe(true);
        if (level === 6) expect(inflate(z, format, 1).equals(raw)).toBe(true);
      }
    });
  }

  it("hands out output in bounded chunks (streaming, not the whole stream at once)", () => {
    const raw = Buffer.alloc(2_000_000, 0x41);
    const z = gzipSync(raw);
    let pos = 0;
    const inf = new Inflater((max) => {
      const n = Math.min(max, z.length - pos);
      pos += n;
      return z.subarray(pos - n, pos);
    }, "GZIP");
    let total = 0;
    let largest = 0;
    for (let c = inf.next(); c !== null; c = inf.next()) {
      total += c.length;
      largest = Math.max(largest, c.length);
    }
    expect(total).toBe(raw.length);
    expect(largest).toBeLessThanOrEqual(65536 + 32768);
  });

  it("reads gzip headers with extra field, name, comment and header CRC", () => {
    const body = deflateRawSync(Buffer.from("hello"));
    const header = Buffer.from([
      0x1f,
      0x8b,
      8,
      4 | 8 | 16 | 2,
      0,
      0,
      0,
      0,
      0,
      3,
      2,
      0,
      0xaa,
      0xbb,
      ...Buffer.from("name\0comment\0"),
      0x12,
      0x34,
    ]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32Extend(0, Buffer.from("hello")), 0);
    trailer.writeUInt32LE(5, 4);
    expect(inflate(Buffer.concat([header, body, trailer]), "GZIP").toString()).toBe("hello");
  });

  it("rejects malformed streams with InflateError and the input offset", () => {
    const bad = (data: Uint8Array, format: CompressionFormat, msg: RegExp) =>
      expect(() => inflate(data, format)).toThrow(msg);
    bad(Uint8Array.of(0x07), "RAW", /block type 3/); // BFINAL=1 BTYPE=11
    // A stored block announcing 3 bytes (LEN=3) with none there.
    bad(Uint8Array.of(0x01, 0x03, 0x00, 0xfc, 0xff), "RAW", /unexpected end/);
    // fflate does not compare a stored block's LEN with NLEN; a corrupt LEN is caught by the
    // trailer (the block's data is misread, so the CRC-32 or the size cannot match).
    const stored = gzipSync(Buffer.from("stored bytes, level 0"), { level: 0 });
    stored[11] ^= 1; // LEN's low byte (header 10 bytes, then the block's BFINAL/BTYPE byte)
    expect(() => inflate(stored, "GZIP")).toThrow(InflateError);
    bad(Uint8Array.of(0x1f, 0x8c), "GZIP", /bad magic/);
    bad(Uint8Array.of(0x78, 0x00), "ZLIB", /bad header/);
    const gz = gzipSync(Buffer.from("some text some text"));
    gz[gz.length - 8] ^= 1;
    bad(gz, "GZIP", /CRC-32 mismatch/);
    const zl = deflateSync(Buffer.from("some text some text"));
    zl[zl.length - 1] ^= 1;
    bad(zl, "ZLIB", /Adler-32 mismatch/);
    bad(gzipSync(sample(10000)).subarray(0, 500), "GZIP", /unexpected end/);
    // Fixed block: length symbol 257 (len 3), distance code 0 (1 back) with no output yet.
    // Bits: 1,1,0 | 0000001 (257) | 00000 (dist 0) | 0000000 (EOB).
    bad(Uint8Array.of(0x03, 0x02, 0x00, 0x00), "RAW", /too far back/);
    const inf = new Inflater(() => Uint8Array.of(0x07), "RAW");
    expect(() => inf.next()).toThrow(/block type 3/);
    expect(() => inf.next()).toThrow(/block type 3/); // the error sticks
    try {
      inflate(Uint8Array.of(0x07), "RAW");
    } catch (e) {
      expect(e).toBeInstanceOf(InflateError);
      expect((e as InflateError).offset).toBe(1);
    }
  });

  it("reads concatenated gzip members, checking each member's trailer", () => {
    const a = sample(70_000);
    const b = Buffer.from("second member");
    // A member whose header carries a 100 KB name: its start is reported only once the header
    // is complete, well after the previous member's trailer.
    const named = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 255]),
      Buffer.alloc(100_000, 0x6e),
      Buffer.from([0]),
      deflateRawSync(b),
      Buffer.alloc(8),
    ]);
    named.writeUInt32LE(crc32Extend(0, b), named.length - 8);
    named.writeUInt32LE(b.length, named.length - 4);
    const members = [gzipSync(a), gzipSync(Buffer.alloc(0)), named, gzipSync(b, { level: 0 })];
    const gz = Buffer.concat(members);
    const want = Buffer.concat([a, b, b]);
    for (const step of [1, 1000, 1 << 16])
      expect(inflate(gz, "GZIP", step).equals(want)).toBe(true);
    // A bad CRC-32 in the first member's trailer: the error names where that trailer starts.
    const bad = Buffer.from(gz);
    bad[members[0].length - 8] ^= 1;
    try {
      inflate(bad, "GZIP");
      expect.unreachable();
    } catch (e) {
      expect((e as InflateError).message).toMatch(/CRC-32 mismatch/);
      expect((e as InflateError).offset).toBe(members[0].length - 8);
    }
    // A wrong size (ISIZE) in the third member's trailer.
    const badSize = Buffer.from(gz);
    badSize[members[0].length + members[1].length + named.length - 4] ^= 1;
    expect(() => inflate(badSize, "GZIP")).toThrow(/length mismatch/);
    // Bytes after the last member that are not a member.
    expect(() => inflate(Buffer.concat([gz, Buffer.from("junk after")]), "GZIP")).toThrow(
      /not another gzip member/,
    );
    expect(() => inflate(Buffer.concat([gz, Buffer.from("ab")]), "GZIP")).toThrow(InflateError);
  });

  it("every truncation of a GZIP or ZLIB stream is an InflateError, never a short result", () => {
    const raw = sample(3000);
    for (const [format, z] of [
      ["GZIP", gzipSync(raw)],
      ["ZLIB", deflateSync(raw)],
    ] as const) {
      // Every cut near the end (deflate's last block, the trailer), every 7th before it.
      for (let cut = 0; cut < z.length; cut += cut < z.length - 64 ? 7 : 1) {
        expect(() => inflate(z.subarray(0, cut), format, 997)).toThrow(InflateError);
      }
    }
  });

  it("corrupt bytes give either an InflateError or, when harmless, the right output", () => {
    const raw = sample(20_000);
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const [format, z] of [
      ["GZIP", gzipSync(raw)],
      ["ZLIB", deflateSync(raw)],
      ["GZIP", gzipSync(raw, { level: 0 })],
    ] as const) {
      for (let k = 0; k < 150; k++) {
        const bad = Buffer.from(z);
        for (let j = 0; j <= k % 3; j++) bad[rnd(bad.length)] ^= 1 + rnd(255);
        try {
          // Header bytes such as gzip's mtime are not covered by any check.
          expect(inflate(bad, format, 4096).equals(raw)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(InflateError);
        }
      }
    }
  });

  it("keeps the output of one push bounded on highly compressed data", () => {
    // 64 MB of zeros compress about 1000:1; an unbounded push of 16 KiB would yield 16 MB.
    const z = gzipSync(Buffer.alloc(64 << 20));
    let pos = 0;
    let sinceSupply = 0;
    let most = 0;
    let total = 0;
    const inf = new Inflater((max) => {
      expect(max).toBeLessThanOrEqual(16384);
      sinceSupply = 0;
      const n = Math.min(max, z.length - pos);
      pos += n;
      return z.subarray(pos - n, pos);
    }, "GZIP");
    for (let c = inf.next(); c !== null; c = inf.next()) {
      sinceSupply += c.length;
      total += c.length;
      most = Math.max(most, sinceSupply);
    }
    expect(total).toBe(64 << 20);
    expect(most).toBeLessThanOrEqual(2 << 20);
  });
});
