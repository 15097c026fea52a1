/**
 * Synchronous, streaming decompression of DEFLATE (RFC 1951) with the GZIP (RFC 1952) and ZLIB
 * (RFC 1950) wrappers, for reading compressed record files chunk by chunk. The DEFLATE decoding
 * itself is fflate's (`Inflate`, `Gunzip`, `Unzlib`); this file feeds it in bounded pieces and
 * checks what fflate's streaming decoders leave unchecked: the trailers (gzip CRC-32 and size of
 * each member, zlib Adler-32) and the header's first bytes.
 *
 * Why not node:zlib: its synchronous API (`inflateSync`) takes the whole input at once, and its
 * streaming API is asynchronous. Readers here are synchronous (`next()`), and a 1 GB file must not
 * be held in memory, so compressed bytes are pulled from a callback (a `fs.readSync` of the next
 * chunk) and decompressed bytes handed out in chunks.
 *
 * Memory: fflate decodes everything it is given in one call, so the output of one push is at most
 * ~1032 times its input (DEFLATE's largest expansion). Pushes are therefore sized from the ratio
 * seen so far (1–16 KiB of input, aiming at ~256 KiB of output): ordinary data goes through in
 * 16 KiB pieces, highly compressed data in smaller ones, and no push can yield more than ~16 MiB
 * whatever the file's size.
 */
import * as zlib from "node:zlib";
import { Gunzip, Inflate, Unzlib } from "fflate";

/** Pulls up to `max` compressed bytes; an empty array at the end of the input. */
export type ByteSupplier = (max: number) => Uint8Array;

export type CompressionFormat = "GZIP" | "ZLIB" | "RAW";

/**
 * A malformed or truncated compressed stream. `offset` is how far into the compressed input the
 * decoder had read when it found the problem (for a trailer mismatch: where the trailer starts).
 */
export class InflateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const MIN_PUSH = 1024;
const MAX_PUSH = 16384;
const TARGET_OUT = 262144;
/** Largest chunk `next()` hands out. */
const OUT_CHUNK = 65536;
/**
 * Compressed bytes kept for the gzip trailer check: fflate reports a member's start only once the
 * member's header is complete, and the previous member's trailer is the 8 bytes before it.
 */
const HISTORY = 262144;
/** Smallest gzip member: 10-byte header, an empty final block (2 bytes), 8-byte trailer. */
const GZIP_MIN_MEMBER = 20;
/** Smallest zlib stream: 2-byte header, an empty final block, 4-byte trailer. */
const ZLIB_MIN = 8;

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

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The last `size` bytes of the input, addressed by their offset in the whole input. */
class InputTail {
  private readonly ring: Uint8Array;
  private written = 0;

  constructor(private readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  append(chunk: Uint8Array): void {
    const skip = Math.max(0, chunk.length - this.size);
    let at = (this.written + skip) % this.size;
    let from = skip;
    while (from < chunk.length) {
      const n = Math.min(chunk.length - from, this.size - at);
      this.ring.set(chunk.subarray(from, from + n), at);
      from += n;
      at = (at + n) % this.size;
    }
    this.written += chunk.length;
  }

  /** `len` bytes from input offset `offset`, or null when they are no longer (or not yet) kept. */
  bytes(offset: number, len: number): Uint8Array | null {
    if (offset < 0 || offset < this.written - this.size || offset + len > this.written) return null;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.ring[(offset + i) % this.size];
    return out;
  }
}

/** fflate's error codes (FlateErrorCode) for corrupt input, in this module's words. */
const FLATE_MESSAGES: Record<number, string> = {
  0: "unexpected end of compressed data",
  1: "invalid deflate block type 3",
  2: "invalid literal/length code",
  3: "invalid distance code or distance too far back",
};

type Decoder = Inflate | Gunzip | Unzlib;

/**
 * Decompresses a stream pulled from `supply`, handing out chunks of output through `next()`.
 * Concatenated GZIP members are read as one stream, as gzip(1) does; each member's trailer is
 * checked. A RAW stream has no trailer: one cut exactly at a code boundary cannot be told from a
 * complete one (GZIP and ZLIB catch that by their checksums).
 */
export class Inflater {
  private readonly decoder: Decoder;
  private readonly tail: InputTail | null;
  private consumed = 0;
  private inputEnded = false;
  private finished = false;
  private failed: InflateError | null = null;
  /** Starts small: the ratio is not known yet, and the first push may be all zeros. */
  private pushSize = MIN_PUSH;
  private readonly ready: Uint8Array[] = [];
  private readyHead = 0;
  private produced = 0;
  /** Leading bytes of the input, until there are enough to check the header. */
  private head: number[] = [];
  private headChecked: boolean;
  // Running checksum and size of the current gzip member (or of the zlib stream).
  private check: number;
  private memberSize = 0;
  private memberStart = 0;

  constructor(
    private readonly supply: ByteSupplier,
    private readonly format: CompressionFormat,
  ) {
    const ondata = (data: Uint8Array) => this.take(data);
    this.check = format === "ZLIB" ? 1 : 0;
    this.headChecked = format === "RAW";
    if (format === "GZIP") {
      const g = new Gunzip(ondata);
      g.onmember = (offset) => this.memberEnded(offset);
      this.decoder = g;
      this.tail = new InputTail(HISTORY);
    } else if (format === "ZLIB") {
      this.decoder = new Unzlib(ondata);
      this.tail = new InputTail(4);
    } else {
      this.decoder = new Inflate(ondata);
      this.tail = null;
    }
  }

  /** The next chunk of decompressed bytes (not shared with the decoder), or null at the end. */
  next(): Uint8Array | null {
    // Output is handed out before more input is pulled (or the end checked): what a writer has
    // sync-flushed is readable before the stream's end is there.
    while (this.readyHead === this.ready.length) {
      // An error sticks: after corrupt data, reads fail again rather than seem to end.
      if (this.failed !== null) throw this.failed;
      if (this.finished) return null;
      try {
        if (this.inputEnded) this.finish();
        else this.pull();
      } catch (e) {
        if (e instanceof InflateError) this.failed = e;
        throw e;
      }
    }
    const chunk = this.ready[this.readyHead++];
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
    return chunk;
  }

  /** Compressed bytes read so far (for error messages). */
  get inputOffset(): number {
    return this.consumed;
  }

  private pull(): void {
    let chunk = this.supply(this.pushSize);
    if (chunk.length === 0) {
      this.inputEnded = true;
      return;
    }
    if (chunk.length < MIN_PUSH) {
      // A supplier may hand out less than asked (a test feeding byte by byte); each fflate push
      // costs ~160 KiB of buffers whatever its size, so gather at least MIN_PUSH first.
      const parts = [chunk];
      let n = chunk.length;
      while (n < MIN_PUSH) {
        const more = this.supply(this.pushSize - n);
        if (more.length === 0) {
          this.inputEnded = true;
          break;
        }
        parts.push(more);
        n += more.length;
      }
      chunk = concat(parts, n);
    }
    this.consumed += chunk.length;
    this.tail?.append(chunk);
    if (!this.headChecked) this.checkHeader(chunk);
    const before = this.produced;
    this.push(chunk, false);
    // Size the next push so that its output stays near TARGET_OUT at this ratio.
    const ratio = Math.max(1, (this.produced - before) / chunk.length);
    this.pushSize = Math.max(MIN_PUSH, Math.min(MAX_PUSH, Math.floor(TARGET_OUT / ratio)));
  }

  private push(chunk: Uint8Array, final: boolean): void {
    try {
      this.decoder.push(chunk, final);
    } catch (e) {
      if (e instanceof InflateError) throw e;
      const code = (e as { code?: unknown }).code;
      let msg = typeof code === "number" ? FLATE_MESSAGES[code] : undefined;
      // Code 6 is a wrapper header fflate rejects: after the first gzip member (whose header is
      // checked here first), bytes that do not start another member.
      if (msg === undefined && code === 6 && this.format === "GZIP") {
        msg = "data after a gzip member is not another gzip member (bad magic)";
      }
      throw new InflateError(
        msg ?? `corrupt compressed data (${(e as Error).message})`,
        this.consumed,
      );
    }
  }

  private take(data: Uint8Array): void {
    if (data.length === 0) return;
    if (this.format === "GZIP") this.check = crc32Extend(this.check, data);
    else if (this.format === "ZLIB") this.check = adler32Extend(this.check, data);
    this.memberSize += data.length;
    this.produced += data.length;
    for (let at = 0; at < data.length; at += OUT_CHUNK) {
      this.ready.push(data.subarray(at, Math.min(at + OUT_CHUNK, data.length)));
    }
  }

  /** Checks the header's first bytes as they arrive (all of them before fflate sees them). */
  private checkHeader(chunk: Uint8Array): void {
    const need = this.format === "GZIP" ? 3 : 2;
    for (let i = 0; i < chunk.length && this.head.length < need; i++) this.head.push(chunk[i]);
    const h = this.head;
    if (this.format === "GZIP") {
      if (h[0] !== 0x1f || (h.length > 1 && h[1] !== 0x8b)) {
        throw new InflateError("not a gzip stream (bad magic)", 0);
      }
      if (h.length > 2 && h[2] !== 8) throw new InflateError("unknown gzip compression method", 0);
    } else if (h.length === 2) {
      if ((h[0] & 15) !== 8 || h[0] >> 4 > 7 || ((h[0] << 8) | h[1]) % 31 !== 0) {
        throw new InflateError("not a zlib stream (bad header)", 0);
      }
      if (h[1] & 32) throw new InflateError("zlib preset dictionaries are not supported", 0);
    }
    this.headChecked = h.length === need;
  }

  /** A gzip member ended and the next starts at input `offset`: checks the ended one's trailer. */
  private memberEnded(offset: number): void {
    this.checkGzipTrailer(offset - 8);
    this.memberStart = offset;
    this.check = 0;
    this.memberSize = 0;
  }

  private checkGzipTrailer(at: number): void {
    const t = this.tail?.bytes(at, 8);
    if (!t) {
      throw new InflateError("gzip member header too long to check the trailer before it", at);
    }
    const v = new DataView(t.buffer);
    if (v.getUint32(0, true) !== this.check) {
      throw new InflateError("gzip CRC-32 mismatch (corrupt or truncated data)", at);
    }
    if (v.getUint32(4, true) !== this.memberSize >>> 0) {
      throw new InflateError("gzip length mismatch (corrupt or truncated data)", at);
    }
  }

  private finish(): void {
    this.finished = true;
    const end = this.consumed;
    const truncated = () => new InflateError("unexpected end of compressed data", end);
    if (!this.headChecked) throw truncated();
    if (this.format === "GZIP" && end - this.memberStart < GZIP_MIN_MEMBER) throw truncated();
    if (this.format === "ZLIB" && end < ZLIB_MIN) throw truncated();
    if (this.format === "RAW" && end === 0) throw truncated();
    this.push(new Uint8Array(0), true);
    // fflate's streaming decoders read past the trailers: the last one is the input's last bytes.
    if (this.format === "GZIP") this.checkGzipTrailer(end - 8);
    else if (this.format === "ZLIB") {
      const t = this.tail?.bytes(end - 4, 4) as Uint8Array;
      if (new DataView(t.buffer).getUint32(0, false) !== this.check) {
        throw new InflateError("zlib Adler-32 mismatch (corrupt or truncated data)", end - 4);
      }
    }
  }
}
