/**
 * Buffered, synchronous, streaming input from a file, optionally GZIP/ZLIB-compressed: the byte
 * layer under the record readers (TFRecord, text lines, fixed-length records). Reads in chunks
 * with fs.readSync (compressed files through the streaming decoder in inflate.ts), so a file of
 * any size is read in bounded memory.
 */
import * as fs from "node:fs";
import { DataLossError, InvalidArgumentError } from "../framework/errors.js";
import { fsCall, fsError } from "./checkpoint/fs_util.js";
import { InflateError, Inflater } from "./inflate.js";

/** TF's compression_type strings ("" is none). */
export type RecordCompression = "" | "GZIP" | "ZLIB";

export interface InputStreamOptions {
  compression?: RecordCompression;
  /** Bytes per read from the file (TF's buffer_size); default 256 KiB. */
  bufferSize?: number;
}

const DEFAULT_BUFFER = 256 * 1024;

/** Checks a compression_type string, naming `what` in the error. */
export function checkCompression(c: string, what: string): RecordCompression {
  if (c === "" || c === "GZIP" || c === "ZLIB") return c;
  throw new InvalidArgumentError(
    `${what}: unsupported compression_type "${c}" (use "", "GZIP" or "ZLIB")`,
  );
}

export class FileInputStream {
  private fd: number | null;
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  /** Uncompressed-stream offset of buf[start]. */
  private pos = 0;
  private filePos = 0;
  private eof = false;
  private readonly inflater: Inflater | null;
  private size: number;
  readonly compression: RecordCompression;

  constructor(
    readonly path: string,
    options: InputStreamOptions = {},
  ) {
    this.compression = checkCompression(options.compression ?? "", path);
    const size = options.bufferSize ?? DEFAULT_BUFFER;
    if (!Number.isInteger(size) || size <= 0) {
      throw new RangeError(`buffer size must be a positive integer, got ${size}`);
    }
    const fd = fsCall(path, "opening", () => fs.openSync(path, "r"));
    this.fd = fd;
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      this.size = st.size;
    } catch (e) {
      fs.closeSync(fd);
      this.fd = null;
      throw fsError(e, path, "opening");
    }
    this.buf = new Uint8Array(size);
    this.inflater =
      this.compression === "" ? null : new Inflater((max) => this.readRaw(max), this.compression);
  }

  /**
   * Size of the file on disk (compressed size for compressed files) when last looked at; see
   * `refreshFileSize` for a file that may be growing (a reader following a writer).
   */
  get fileSize(): number {
    return this.size;
  }

  /** Looks at the file's size again. */
  refreshFileSize(): number {
    if (this.fd !== null) this.size = fs.fstatSync(this.fd).size;
    return this.size;
  }

  /** Offset (in the uncompressed stream) of the next byte `read` returns. */
  get offset(): number {
    return this.pos;
  }

  /** Raw file bytes for the decoder. */
  private readRaw(max: number): Uint8Array {
    const b = new Uint8Array(max);
    const n = this.readFile(b, 0, max);
    return b.subarray(0, n);
  }

  private readFile(into: Uint8Array, at: number, len: number): number {
    if (this.fd === null) throw new DataLossError(`${this.path}: read after close`);
    const fd = this.fd;
    const n = fsCall(this.path, "reading", () => fs.readSync(fd, into, at, len, this.filePos));
    this.filePos += n;
    return n;
  }

  /** Pulls more bytes into the buffer; false at the end of the stream. */
  private fill(): boolean {
    if (this.eof) return false;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.inflater === null) {
      if (this.end === this.buf.length) this.grow(this.buf.length * 2);
      const n = this.readFile(this.buf, this.end, this.buf.length - this.end);
      if (n === 0) this.eof = true;
      this.end += n;
      return n > 0;
    }
    let chunk: Uint8Array | null;
    try {
      chunk = this.inflater.next();
    } catch (e) {
      if (e instanceof InflateError) {
        throw new DataLossError(
          `${this.path}: corrupt ${this.compression} data at compressed byte ${e.offset}: ${e.message}`,
        );
      }
      throw e;
    }
    if (chunk === null) {
      this.eof = true;
      return false;
    }
    if (this.end + chunk.length > this.buf.length) {
      this.grow(Math.max(this.buf.length * 2, this.end + chunk.length));
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
    return true;
  }

  private grow(size: number): void {
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(this.start, this.end));
    this.end -= this.start;
    this.start = 0;
    this.buf = b;
  }

  /**
   * Up to `n` bytes (fewer only at the end of the stream), as a fresh array. Memory grows with
   * the bytes actually read, not with `n`: a corrupt length cannot make it allocate gigabytes.
   */
  read(n: number): Uint8Array {
    if (this.end - this.start >= n) {
      const out = this.buf.slice(this.start, this.start + n);
      this.start += n;
      this.pos += n;
      return out;
    }
    if (this.inflater === null && n - (this.end - this.start) > this.buf.length) {
      return this.readLargePlain(n);
    }
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      if (this.start === this.end && !this.fill()) break;
      const take = Math.min(n - got, this.end - this.start);
      parts.push(this.buf.slice(this.start, this.start + take));
      this.start += take;
      got += take;
    }
    this.pos += got;
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(got);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** A plain-file read larger than the buffer: straight from the file into the result. */
  private readLargePlain(n: number): Uint8Array {
    const buffered = this.end - this.start;
    // Never more than the file still holds: a corrupt length cannot make a huge allocation.
    let left = this.size - this.filePos;
    if (left < n - buffered) left = this.refreshFileSize() - this.filePos;
    const want = Math.min(n, buffered + Math.max(0, left));
    const out = new Uint8Array(want);
    out.set(this.buf.subarray(this.start, this.end));
    this.start = this.end = 0;
    let got = buffered;
    while (got < want) {
      const k = this.readFile(out, got, want - got);
      if (k === 0) break;
      got += k;
    }
    this.pos += got;
    return got === want ? out : out.slice(0, got);
  }

  /** Skips up to `n` bytes; returns how many were skipped (fewer only at the end). */
  skip(n: number): number {
    let done = 0;
    while (done < n) {
      if (this.start === this.end) {
        // Plain files: seek past whole buffers instead of reading them.
        if (this.inflater === null && !this.eof) {
          const left = Math.max(0, this.fileSize - this.filePos);
          const jump = Math.min(n - done, left);
          this.filePos += jump;
          done += jump;
          if (done === n) break;
        }
        if (!this.fill()) break;
      }
      const take = Math.min(n - done, this.end - this.start);
      this.start += take;
      done += take;
    }
    this.pos += done;
    return done;
  }

  /**
   * Bytes up to and including the next `delim` (or to the end of the stream when none follows);
   * null at the end of the stream.
   */
  readUntil(delim: number): Uint8Array | null {
    let scanFrom = this.start;
    for (;;) {
      const i = this.buf.subarray(0, this.end).indexOf(delim, scanFrom);
      if (i >= 0) return this.read(i + 1 - this.start);
      const have = this.end - this.start;
      if (!this.fill()) return have > 0 ? this.read(have) : null;
      // fill() may have moved the buffered bytes to the front.
      scanFrom = this.start + have;
    }
  }

  /** True when no byte is left. */
  atEnd(): boolean {
    return this.start === this.end && !this.fill();
  }

  close(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      fs.closeSync(fd);
    }
  }
}
