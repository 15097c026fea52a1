/**
 * A synchronous, streaming DEFLATE decoder (RFC 1951) with the GZIP (RFC 1952) and ZLIB
 * (RFC 1950) wrappers, for reading compressed record files chunk by chunk.
 *
 * Why not node:zlib: its synchronous API (`inflateSync`) takes the whole input at once, and its
 * streaming API is asynchronous. Readers here are synchronous (`next()`), and a 1 GB file must not
 * be held in memory, so the decoder pulls compressed bytes from a callback (a `fs.readSync` of the
 * next chunk) and hands out decompressed bytes in chunks; its memory is the 32 KiB window plus one
 * output chunk, whatever the file's size.
 */
import * as zlib from "node:zlib";

/** Pulls up to `max` compressed bytes; an empty array at the end of the input. */
export type ByteSupplier = (max: number) => Uint8Array;

export type CompressionFormat = "GZIP" | "ZLIB" | "RAW";

/** A malformed or truncated compressed stream; `offset` is where in the input it was found. */
export class InflateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const WINDOW = 32768;
const OUT_CHUNK = 65536;

const LEN_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LEN_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * A Huffman decoding table indexed by the next `bits` input bits (LSB first): each entry is
 * `symbol << 4 | codeLength` (0: no code has that prefix).
 */
interface Huffman {
  table: Int32Array;
  bits: number;
}

function buildHuffman(lengths: ArrayLike<number>, n: number, offset: number): Huffman {
  const count = new Int32Array(16);
  let maxLen = 0;
  for (let i = 0; i < n; i++) {
    const l = lengths[i];
    count[l]++;
    if (l > maxLen) maxLen = l;
  }
  count[0] = 0;
  // Over-subscribed code sets are malformed; incomplete ones are allowed (RFC 1951 permits a
  // single distance code), their missing entries stay 0 and are rejected if ever met.
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) throw new InflateError("invalid Huffman code lengths (over-subscribed)", offset);
  }
  const bits = Math.max(maxLen, 1);
  const table = new Int32Array(1 << bits);
  const next = new Int32Array(16);
  let code = 0;
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[sym];
    if (len === 0) continue;
    const c = next[len]++;
    // Codes are packed MSB first; the bit reader is LSB first: index by the reversed code.
    let rev = 0;
    for (let k = 0; k < len; k++) rev |= ((c >> k) & 1) << (len - 1 - k);
    const entry = (sym << 4) | len;
    for (let j = rev; j < 1 << bits; j += 1 << len) table[j] = entry;
  }
  return { table, bits };
}

const FIXED_LIT: Huffman = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  return buildHuffman(l, 288, 0);
})();
const FIXED_DIST: Huffman = buildHuffman(new Uint8Array(30).fill(5), 30, 0);

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** Node's native CRC-32 (zlib.crc32, Node >= 20.15), when there. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Extends a CRC-32 (the gzip checksum) over `data[from, to)`. */
export function crc32Extend(crc: number, data: Uint8Array, from = 0, to = data.length): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(data.subarray(from, to), crc) >>> 0;
  let c = ~crc;
  for (let i = from; i < to; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Extends an Adler-32 (the zlib checksum) over `data[from, to)`. */
export function adler32Extend(adler: number, data: Uint8Array, from = 0, to = data.length): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = from;
  while (i < to) {
    // 5552 is the most bytes that can be summed before b may overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, to);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Decompresses a stream pulled from `supply`, handing out chunks of output through `next()`.
 * Concatenated GZIP members are read as one stream, as gzip(1) does.
 */
export class Inflater {
  private input: Uint8Array = new Uint8Array(0);
  private inPos = 0;
  private consumed = 0; // input bytes before `input`
  private bitBuf = 0;
  private bitCnt = 0;
  private readonly out = new Uint8Array(WINDOW + OUT_CHUNK);
  private outPos = 0;
  private flushedTo = 0;
  private readonly gen: Generator<Uint8Array, void, void>;

  constructor(
    private readonly supply: ByteSupplier,
    private readonly format: CompressionFormat,
  ) {
    this.gen = this.run();
  }

  /** The next chunk of decompressed bytes (a fresh array), or null at the end. */
  next(): Uint8Array | null {
    const r = this.gen.next();
    return r.done ? null : r.value;
  }

  /** Input offset of the next unread byte (for error messages). */
  get inputOffset(): number {
    return this.consumed + this.inPos;
  }

  private refill(): boolean {
    this.consumed += this.input.length;
    this.input = this.supply(65536);
    this.inPos = 0;
    return this.input.length > 0;
  }

  /** One input byte, or -1 at the end of the input. */
  private byteOrEnd(): number {
    if (this.inPos >= this.input.length && !this.refill()) return -1;
    return this.input[this.inPos++];
  }

  private byte(): number {
    const b = this.byteOrEnd();
    if (b < 0) throw new InflateError("unexpected end of compressed data", this.inputOffset);
    return b;
  }

  private need(n: number): void {
    while (this.bitCnt < n) {
      this.bitBuf |= this.byte() << this.bitCnt;
      this.bitCnt += 8;
    }
  }

  private bits(n: number): number {
    if (n === 0) return 0;
    this.need(n);
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return v;
  }

  private decodeSym(h: Huffman): number {
    // Fill up to the table width when input allows; near the end of the input fewer bits may
    // remain than the table is wide, so decode from what is there.
    while (this.bitCnt < h.bits) {
      const b = this.byteOrEnd();
      if (b < 0) break;
      this.bitBuf |= b << this.bitCnt;
      this.bitCnt += 8;
    }
    const entry = h.table[this.bitBuf & ((1 << h.bits) - 1)];
    const len = entry & 15;
    if (len === 0 || len > this.bitCnt) {
      throw new InflateError(
        len === 0 ? "invalid Huffman code" : "unexpected end of compressed data",
        this.inputOffset,
      );
    }
    this.bitBuf >>>= len;
    this.bitCnt -= len;
    return entry >> 4;
  }

  private alignToByte(): void {
    this.bitBuf >>>= this.bitCnt & 7;
    this.bitCnt -= this.bitCnt & 7;
  }

  /** A byte from the bit buffer first (after alignment), then from the input. */
  private alignedByte(): number {
    if (this.bitCnt >= 8) {
      const v = this.bitBuf & 0xff;
      this.bitBuf >>>= 8;
      this.bitCnt -= 8;
      return v;
    }
    return this.byte();
  }

  /** Folds the output not yet handed out into the checksum, then hands it out and keeps the
   *  last 32 KiB as the window. */
  private takeOutput(): Uint8Array {
    const from = this.flushedTo;
    if (this.format === "GZIP") this.check = crc32Extend(this.check, this.out, from, this.outPos);
    else if (this.format === "ZLIB") {
      this.check = adler32Extend(this.check, this.out, from, this.outPos);
    }
    this.memberTotal += this.outPos - from;
    const chunk = this.out.slice(from, this.outPos);
    if (this.outPos > WINDOW) {
      this.out.copyWithin(0, this.outPos - WINDOW, this.outPos);
      this.outPos = WINDOW;
    }
    this.flushedTo = this.outPos;
    return chunk;
  }

  private check = 0;
  private memberTotal = 0;

  private *run(): Generator<Uint8Array, void, void> {
    for (let member = 0; ; member++) {
      if (member > 0) {
        // Bytes after a gzip member start another member (as gzip(1) reads them; anything else
        // there is an error); bytes after a ZLIB or raw stream are ignored.
        if (this.format !== "GZIP" || this.bitCnt > 0) return;
        const b = this.byteOrEnd();
        if (b < 0) return;
        this.inPos--;
      }
      this.readHeader();
      let final = false;
      while (!final) {
        final = this.bits(1) === 1;
        const type = this.bits(2);
        if (type === 0) yield* this.storedBlock();
        else if (type === 1) yield* this.huffmanBlock(FIXED_LIT, FIXED_DIST);
        else if (type === 2) {
          const [lit, dist] = this.dynamicTables();
          yield* this.huffmanBlock(lit, dist);
        } else throw new InflateError("invalid deflate block type 3", this.inputOffset);
        // Hand out each block's output as it ends: a sync-flushed stream (a writer's flush()) is
        // then readable up to its flush point before the stream's end is there.
        if (!final && this.outPos > this.flushedTo) yield this.takeOutput();
      }
      const rest = this.outPos > this.flushedTo ? this.takeOutput() : null;
      this.readTrailer();
      if (rest) yield rest;
    }
  }

  /** Hands out a chunk when the output buffer is full (inside a block). */
  private *maybeFlush(): Generator<Uint8Array, void, void> {
    if (this.outPos >= this.out.length) yield this.takeOutput();
  }

  private *storedBlock(): Generator<Uint8Array, void, void> {
    this.alignToByte();
    const len = this.alignedByte() | (this.alignedByte() << 8);
    const nlen = this.alignedByte() | (this.alignedByte() << 8);
    if ((len ^ 0xffff) !== nlen) {
      throw new InflateError("invalid stored block lengths", this.inputOffset);
    }
    for (let i = 0; i < len; i++) {
      this.out[this.outPos++] = this.alignedByte();
      if (this.outPos >= this.out.length) yield* this.maybeFlush();
    }
  }

  private dynamicTables(): [Huffman, Huffman] {
    const hlit = this.bits(5) + 257;
    const hdist = this.bits(5) + 1;
    const hclen = this.bits(4) + 4;
    const clLens = new Uint8Array(19);
    for (let i = 0; i < hclen; i++) clLens[CL_ORDER[i]] = this.bits(3);
    const cl = buildHuffman(clLens, 19, this.inputOffset);
    const lens = new Uint8Array(hlit + hdist);
    let i = 0;
    while (i < hlit + hdist) {
      const sym = this.decodeSym(cl);
      if (sym < 16) {
        lens[i++] = sym;
        continue;
      }
      let rep: number;
      let val = 0;
      if (sym === 16) {
        if (i === 0) throw new InflateError("repeat with no previous length", this.inputOffset);
        val = lens[i - 1];
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > hlit + hdist) {
        throw new InflateError("too many code lengths", this.inputOffset);
      }
      lens.fill(val, i, i + rep);
      i += rep;
    }
    if (lens[256] === 0) throw new InflateError("no end-of-block code", this.inputOffset);
    return [
      buildHuffman(lens.subarray(0, hlit), hlit, this.inputOffset),
      buildHuffman(lens.subarray(hlit), hdist, this.inputOffset),
    ];
  }

  /**
   * The hot loop of a Huffman block, on locals, while at least 12 input bytes (the most one
   * length/distance pair and its refills can take) and 258 output bytes (the longest match) are
   * there; returns true at the end of the block, false when it stopped for room.
   */
  private fastHuffman(lit: Huffman, dist: Huffman): boolean {
    const out = this.out;
    const input = this.input;
    const litT = lit.table;
    const litMask = (1 << lit.bits) - 1;
    const distT = dist.table;
    const distMask = (1 << dist.bits) - 1;
    const inLimit = input.length - 12;
    const outLimit = out.length - 258;
    const before = this.memberTotal - this.flushedTo; // output of this member before out[0]
    let inPos = this.inPos;
    let outPos = this.outPos;
    let buf = this.bitBuf;
    let cnt = this.bitCnt;
    let ended = false;
    while (inPos <= inLimit && outPos <= outLimit) {
      while (cnt <= 23) {
        buf |= input[inPos++] << cnt;
        cnt += 8;
      }
      let e = litT[buf & litMask];
      let l = e & 15;
      if (l === 0) break; // invalid code: the slow path reports it
      buf >>>= l;
      cnt -= l;
      const sym = e >> 4;
      if (sym < 256) {
        out[outPos++] = sym;
        continue;
      }
      if (sym === 256) {
        ended = true;
        break;
      }
      const li = sym - 257;
      if (li >= 29) {
        this.inPos = inPos;
        this.outPos = outPos;
        this.bitBuf = buf;
        this.bitCnt = cnt;
        throw new InflateError("invalid length symbol", this.inputOffset);
      }
      const lx = LEN_EXTRA[li];
      let len = LEN_BASE[li] + (buf & ((1 << lx) - 1));
      buf >>>= lx;
      cnt -= lx;
      while (cnt <= 23) {
        buf |= input[inPos++] << cnt;
        cnt += 8;
      }
      e = distT[buf & distMask];
      l = e & 15;
      const di = e >> 4;
      if (l === 0 || di >= 30) {
        this.inPos = inPos;
        this.outPos = outPos;
        this.bitBuf = buf;
        this.bitCnt = cnt;
        throw new InflateError("invalid distance code", this.inputOffset);
      }
      buf >>>= l;
      cnt -= l;
      while (cnt <= 23) {
        buf |= input[inPos++] << cnt;
        cnt += 8;
      }
      const dx = DIST_EXTRA[di];
      const d = DIST_BASE[di] + (buf & ((1 << dx) - 1));
      buf >>>= dx;
      cnt -= dx;
      if (d > outPos || d > before + outPos) {
        this.inPos = inPos;
        this.outPos = outPos;
        this.bitBuf = buf;
        this.bitCnt = cnt;
        throw new InflateError("invalid distance too far back", this.inputOffset);
      }
      for (; len > 0; len--, outPos++) out[outPos] = out[outPos - d];
    }
    this.inPos = inPos;
    this.outPos = outPos;
    this.bitBuf = buf;
    this.bitCnt = cnt;
    return ended;
  }

  private *huffmanBlock(lit: Huffman, dist: Huffman): Generator<Uint8Array, void, void> {
    const out = this.out;
    const cap = out.length;
    for (;;) {
      if (this.fastHuffman(lit, dist)) return;
      const sym = this.decodeSym(lit);
      if (sym < 256) {
        out[this.outPos++] = sym;
        if (this.outPos >= cap) yield* this.maybeFlush();
        continue;
      }
      if (sym === 256) return;
      const li = sym - 257;
      if (li >= 29) throw new InflateError("invalid length symbol", this.inputOffset);
      let len = LEN_BASE[li] + this.bits(LEN_EXTRA[li]);
      const di = this.decodeSym(dist);
      if (di >= 30) throw new InflateError("invalid distance symbol", this.inputOffset);
      const d = DIST_BASE[di] + this.bits(DIST_EXTRA[di]);
      if (d > this.outPos || d > this.memberTotal + this.outPos - this.flushedTo) {
        throw new InflateError("invalid distance too far back", this.inputOffset);
      }
      while (len > 0) {
        // Copy as much as fits before the buffer is full; overlapping copies go byte by byte.
        const n = Math.min(len, cap - this.outPos);
        let p = this.outPos;
        const end = p + n;
        for (; p < end; p++) out[p] = out[p - d];
        this.outPos = end;
        len -= n;
        if (this.outPos >= cap) yield* this.maybeFlush();
      }
    }
  }

  private readHeader(): void {
    this.check = this.format === "ZLIB" ? 1 : 0;
    this.memberTotal = 0;
    const at = this.inputOffset;
    if (this.format === "GZIP") {
      if (this.byte() !== 0x1f || this.byte() !== 0x8b) {
        throw new InflateError("not a gzip stream (bad magic)", at);
      }
      if (this.byte() !== 8) throw new InflateError("unknown gzip compression method", at);
      const flags = this.byte();
      for (let i = 0; i < 6; i++) this.byte(); // mtime, extra flags, OS
      if (flags & 4) {
        const xlen = this.byte() | (this.byte() << 8);
        for (let i = 0; i < xlen; i++) this.byte();
      }
      if (flags & 8) while (this.byte() !== 0);
      if (flags & 16) while (this.byte() !== 0);
      if (flags & 2) {
        this.byte(); // header CRC-16
        this.byte();
      }
    } else if (this.format === "ZLIB") {
      const cmf = this.byte();
      const flg = this.byte();
      if ((cmf & 15) !== 8 || ((cmf << 8) | flg) % 31 !== 0) {
        throw new InflateError("not a zlib stream (bad header)", at);
      }
      if (flg & 32) throw new InflateError("zlib preset dictionaries are not supported", at);
    }
  }

  private readTrailer(): void {
    this.alignToByte();
    const at = this.inputOffset;
    const check = this.check;
    if (this.format === "GZIP") {
      const crc = this.le32();
      const isize = this.le32();
      if (crc !== check) throw new InflateError("gzip CRC-32 mismatch", at);
      if (isize !== this.memberTotal >>> 0) throw new InflateError("gzip length mismatch", at);
    } else if (this.format === "ZLIB") {
      const adler =
        ((this.alignedByte() << 24) |
          (this.alignedByte() << 16) |
          (this.alignedByte() << 8) |
          this.alignedByte()) >>>
        0;
      if (adler !== check) throw new InflateError("zlib Adler-32 mismatch", at);
    }
  }

  private le32(): number {
    return (
      (this.alignedByte() |
        (this.alignedByte() << 8) |
        (this.alignedByte() << 16) |
        (this.alignedByte() << 24)) >>>
      0
    );
  }
}
