/**
 * TFRecord files: each record is framed as TensorFlow frames it —
 *   uint64 length (little-endian), uint32 masked CRC-32C of those 8 bytes,
 *   the data, uint32 masked CRC-32C of the data —
 * optionally inside one GZIP or ZLIB stream. Reading and writing are streaming and synchronous.
 */
import * as fs from "node:fs";
import { deflateRawSync, constants as zc } from "node:zlib";
import { DataLossError } from "../framework/errors.js";
import { crc32c, maskCrc } from "./checkpoint/crc32c.js";
import { fsCall } from "./checkpoint/fs_util.js";
import {
  checkCompression,
  FileInputStream,
  type InputStreamOptions,
  type RecordCompression,
} from "./file_stream.js";
import { adler32Extend, crc32Extend } from "./inflate.js";

export type { RecordCompression } from "./file_stream.js";

const HEADER = 12;
const FOOTER = 4;

function maskedCrc(data: Uint8Array): number {
  return maskCrc(crc32c(data));
}

/** One record framed as TF does: u64 length LE, masked crc32c of the length, data, masked crc32c of data. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length + FOOTER);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc(out.subarray(0, 8)), true);
  out.set(data, HEADER);
  view.setUint32(HEADER + data.length, maskedCrc(data), true);
  return out;
}

/** Sequential, streaming reader of a TFRecord file. */
export class TFRecordFileReader {
  private readonly stream: FileInputStream;

  constructor(path: string, options: InputStreamOptions = {}) {
    this.stream = new FileInputStream(path, options);
  }

  get path(): string {
    return this.stream.path;
  }

  /** Byte offset of the next record (in the uncompressed stream). */
  get offset(): number {
    return this.stream.offset;
  }

  /**
   * The next record, or null at a clean end. A truncated or corrupt record: DataLossError naming
   * the file and the byte offset where the record starts.
   */
  next(): Uint8Array | null {
    const at = this.stream.offset;
    const header = this.stream.read(HEADER);
    if (header.length === 0) return null;
    if (header.length < HEADER) throw this.loss("truncated record", at, "header cut short");
    const view = new DataView(header.buffer, header.byteOffset, HEADER);
    if (view.getUint32(8, true) !== maskedCrc(header.subarray(0, 8))) {
      throw this.loss("corrupted record", at, "length checksum mismatch");
    }
    const len64 = view.getBigUint64(0, true);
    // A plain file cannot hold more than what is left of it; compressed ones are bounded by what
    // the stream actually delivers (FileInputStream.read grows with the data).
    const plain = this.stream.compression === "";
    let left = plain ? this.stream.fileSize - at - HEADER : Number.POSITIVE_INFINITY;
    if (plain && Number(len64) + FOOTER > left) left = this.stream.refreshFileSize() - at - HEADER;
    if (len64 > BigInt(Number.MAX_SAFE_INTEGER) || Number(len64) + FOOTER > left) {
      throw this.loss("truncated record", at, `length ${len64} runs past the end of the file`);
    }
    const len = Number(len64);
    const body = this.stream.read(len + FOOTER);
    if (body.length < len + FOOTER) {
      throw this.loss("truncated record", at, `length ${len} runs past the end of the data`);
    }
    const data = body.subarray(0, len);
    const stored = new DataView(body.buffer, body.byteOffset + len, FOOTER).getUint32(0, true);
    if (stored !== maskedCrc(data))
      throw this.loss("corrupted record", at, "data checksum mismatch");
    return data;
  }

  private loss(kind: string, at: number, why: string): DataLossError {
    return new DataLossError(`${kind} at byte offset ${at} in ${this.stream.path}: ${why}`);
  }

  close(): void {
    this.stream.close();
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let r = this.next(); r !== null; r = this.next()) yield r;
  }
}

/** Records are buffered up to this many bytes, then written (deflated) in one piece. */
const CHUNK = 256 * 1024;

/**
 * Writes records to a new file (truncating an existing one, as TF's TFRecordWriter does), with
 * optional GZIP/ZLIB. Records are buffered (256 KiB) and written when the buffer fills, on
 * flush() or on close(). Compressed output is one stream: pending bytes are deflated chunk by chunk
 * with a sync flush (each piece ends byte-aligned, not final), and close() ends the stream with an
 * empty final block and the wrapper's checksum trailer.
 */
export class TFRecordFileWriter {
  private fd: number | null;
  private readonly compression: RecordCompression;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private check: number;
  private total = 0;

  constructor(
    readonly path: string,
    options: { compression?: RecordCompression; compressionLevel?: number } = {},
  ) {
    this.compression = checkCompression(options.compression ?? "", path);
    this.level = options.compressionLevel ?? zc.Z_DEFAULT_COMPRESSION;
    this.check = this.compression === "ZLIB" ? 1 : 0;
    this.fd = fsCall(path, "creating", () => fs.openSync(path, "w"));
    if (this.compression === "GZIP") {
      // Magic, deflate, no flags, no mtime, no extra flags, OS unknown.
      this.writeRaw(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255));
    } else if (this.compression === "ZLIB") {
      this.writeRaw(Uint8Array.of(0x78, 0x9c));
    }
  }

  private readonly level: number;

  private writeRaw(b: Uint8Array): void {
    if (this.fd === null) throw new DataLossError(`${this.path}: write after close`);
    const fd = this.fd;
    let at = 0;
    while (at < b.length) {
      at += fsCall(this.path, "writing", () => fs.writeSync(fd, b, at, b.length - at));
    }
  }

  write(record: Uint8Array): void {
    if (this.fd === null) throw new DataLossError(`${this.path}: write after close`);
    const framed = frameRecord(record);
    this.pending.push(framed);
    this.pendingBytes += framed.length;
    if (this.pendingBytes >= CHUNK) this.writePending();
  }

  /** Writes out the buffered records (deflated when compressing). */
  private writePending(): void {
    if (this.pendingBytes === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.compression === "") {
      this.writeRaw(data);
      return;
    }
    this.check =
      this.compression === "GZIP" ? crc32Extend(this.check, data) : adler32Extend(this.check, data);
    this.total += data.length;
    this.writeRaw(deflateRawSync(data, { level: this.level, finishFlush: zc.Z_SYNC_FLUSH }));
  }

  /**
   * Hands what is buffered to the OS (compressed data up to a sync point), so that readers see
   * every record written so far; like TF's Flush, it does not fsync (see sync()).
   */
  flush(): void {
    if (this.fd === null) return;
    this.writePending();
  }

  /** flush(), then fsync: the records are on disk. */
  sync(): void {
    if (this.fd === null) return;
    this.writePending();
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    this.writePending();
    if (this.compression !== "") {
      // An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block (7 zero
      // bits) — 10 bits, padded to two bytes.
      this.writeRaw(Uint8Array.of(0x03, 0x00));
      const t = new Uint8Array(this.compression === "GZIP" ? 8 : 4);
      const v = new DataView(t.buffer);
      if (this.compression === "GZIP") {
        v.setUint32(0, this.check, true);
        v.setUint32(4, this.total >>> 0, true);
      } else v.setUint32(0, this.check, false);
      this.writeRaw(t);
    }
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }
}
