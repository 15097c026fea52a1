/**
 * Streaming readers of text-line and fixed-length-record files, with TensorFlow's semantics, for
 * tf.data (TextLineDataset, FixedLengthRecordDataset) and the reader ops (TextLineReaderV2,
 * FixedLengthRecordReaderV2). Both read through FileInputStream: bounded memory, optional
 * GZIP/ZLIB.
 */
import { DataLossError, InvalidArgumentError } from "../framework/errors.js";
import { FileInputStream, type RecordCompression } from "./file_stream.js";

const LF = 0x0a;
const CR = 0x0d;

export interface TextLineOptions {
  compression?: RecordCompression;
  bufferSize?: number;
  /** Lines to skip at the start of the file (TextLineReader's skip_header_lines). */
  skipHeaderLines?: number;
  /**
   * Which carriage returns go: "trailing" (one "\r" before the "\n" or the end of the file, as
   * TextLineReader's InputBuffer::ReadLine) or "all" (every "\r" in the line, as TextLineDataset's
   * BufferedInputStream::ReadLine does in TF 1.15). Default "trailing".
   */
  carriageReturns?: "trailing" | "all";
}

/**
 * Lines of a text file, without their "\n" (and "\r", see `carriageReturns`). A last line with
 * no "\n" is still a line; a file ending in "\n" has no empty line after it; an empty file has no
 * lines.
 */
export class TextLineFileReader {
  private readonly stream: FileInputStream;
  private readonly allCr: boolean;
  private line = 0;

  constructor(path: string, options: TextLineOptions = {}) {
    const skip = options.skipHeaderLines ?? 0;
    if (!Number.isInteger(skip) || skip < 0) {
      throw new InvalidArgumentError(`skip_header_lines must be >= 0, got ${skip}`);
    }
    this.stream = new FileInputStream(path, options);
    this.allCr = options.carriageReturns === "all";
    for (let i = 0; i < skip && this.next() !== null; i++);
  }

  get path(): string {
    return this.stream.path;
  }

  /** 1-based number of the line `next()` returned last (header lines count). */
  get lineNumber(): number {
    return this.line;
  }

  /** The next line's bytes, or null at the end of the file. */
  next(): Uint8Array | null {
    const raw = this.stream.readUntil(LF);
    if (raw === null) return null;
    let end = raw.length;
    if (end > 0 && raw[end - 1] === LF) end--;
    let out: Uint8Array;
    if (this.allCr) {
      out = raw.subarray(0, end).filter((b) => b !== CR);
    } else {
      if (end > 0 && raw[end - 1] === CR) end--;
      out = raw.subarray(0, end);
    }
    // TF's ReadLine: at the end of the file, a last line that is empty once stripped is no line.
    if (out.length === 0 && raw[raw.length - 1] !== LF) return null;
    this.line++;
    return out;
  }

  close(): void {
    this.stream.close();
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let r = this.next(); r !== null; r = this.next()) yield r;
  }
}

export interface FixedLengthOptions {
  recordBytes: number;
  headerBytes?: number;
  footerBytes?: number;
  /**
   * Bytes from one record's start to the next (FixedLengthRecordReader's hop_bytes); 0 or
   * absent: `recordBytes`. Records may overlap when it is smaller.
   */
  hopBytes?: number;
  compression?: RecordCompression;
  bufferSize?: number;
  /**
   * FixedLengthRecordDataset's rule: the body (file less header and footer) must be a whole
   * number of records — InvalidArgumentError when the file is opened (uncompressed) or
   * DataLossError at the cut-off record (compressed). Without it (the reader op's rule), a
   * trailing partial record is dropped silently. Not allowed with `hopBytes`.
   */
  requireWholeRecords?: boolean;
}

function nonNegative(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`${what} must be >= 0 not ${v}`);
  }
  return v;
}

/**
 * Fixed-length records of a file: `headerBytes` skipped, then records of `recordBytes` starting
 * every `hopBytes`, each followed by at least `footerBytes` before the end of the file (the
 * footer is never part of a record). Reads ahead only `recordBytes + footerBytes`, so it streams
 * compressed files without knowing their length.
 */
export class FixedLengthRecordFileReader {
  private readonly stream: FileInputStream;
  private readonly record: number;
  private readonly footer: number;
  private readonly hop: number;
  private readonly strict: boolean;
  private readonly header: number;
  /** Bytes read ahead, starting at the current record. */
  private cache: Uint8Array = new Uint8Array(0);
  private count = 0;
  private done = false;

  constructor(path: string, options: FixedLengthOptions) {
    this.record = nonNegative(options.recordBytes, "record_bytes");
    this.header = nonNegative(options.headerBytes ?? 0, "header_bytes");
    this.footer = nonNegative(options.footerBytes ?? 0, "footer_bytes");
    const hop = nonNegative(options.hopBytes ?? 0, "hop_bytes");
    this.hop = hop === 0 ? this.record : hop;
    this.strict = options.requireWholeRecords ?? false;
    if (this.hop === 0) {
      throw new InvalidArgumentError("record_bytes and hop_bytes cannot both be 0");
    }
    if (this.strict && hop !== 0 && hop !== this.record) {
      throw new InvalidArgumentError("hop_bytes cannot be combined with whole-record checking");
    }
    this.stream = new FileInputStream(path, options);
    try {
      if (this.strict && this.stream.compression === "") {
        const body = this.stream.fileSize - this.header - this.footer;
        if (body < 0 || body % this.record !== 0) {
          throw new InvalidArgumentError(
            `Excluding the header (${this.header} bytes) and footer (${this.footer} bytes), ` +
              `input file "${path}" has body length ${body} bytes, which is not an exact ` +
              `multiple of the record length (${this.record} bytes).`,
          );
        }
      }
      this.stream.skip(this.header);
    } catch (e) {
      this.stream.close();
      throw e;
    }
  }

  get path(): string {
    return this.stream.path;
  }

  /** Records returned so far. */
  get recordsProduced(): number {
    return this.count;
  }

  /** The next record, or null at the end. */
  next(): Uint8Array | null {
    if (this.done) return null;
    if (this.count > 0) {
      if (this.hop <= this.cache.length) this.cache = this.cache.subarray(this.hop);
      else {
        const want = this.hop - this.cache.length;
        this.cache = new Uint8Array(0);
        if (this.stream.skip(want) < want) return this.end(0);
      }
    }
    const need = this.record + this.footer - this.cache.length;
    if (need > 0) {
      const more = this.stream.read(need);
      if (more.length < need) return this.end(this.cache.length + more.length);
      const joined = new Uint8Array(this.cache.length + need);
      joined.set(this.cache);
      joined.set(more, this.cache.length);
      this.cache = joined;
    }
    this.count++;
    return this.cache.slice(0, this.record);
  }

  /** End of the records; `partial` bytes were there past the last whole record (and footer). */
  private end(partial: number): null {
    this.done = true;
    // With whole records, what is left after the last record must be exactly the footer.
    if (this.strict && partial !== this.footer && partial > 0) {
      const body = this.header + this.count * this.record + partial - this.header - this.footer;
      throw new DataLossError(
        `Excluding the header (${this.header} bytes) and footer (${this.footer} bytes), ` +
          `input file "${this.stream.path}" has body length ${body} bytes, which is not an ` +
          `exact multiple of the record length (${this.record} bytes).`,
      );
    }
    return null;
  }

  close(): void {
    this.stream.close();
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let r = this.next(); r !== null; r = this.next()) yield r;
  }
}
