/**
 * Incremental reading of TFRecord-framed files (event files) that may still be growing:
 * each call reads only the bytes appended since the last whole record.
 *
 * A record is: uint64 length, uint32 masked CRC-32C of the length, the data, uint32 masked CRC-32C
 * of the data (all little-endian). A record cut short at the end of the file is "incomplete": the
 * writer may still be writing it, so it is read again next time; a CRC that does not match is
 * "corrupt": the framing after it cannot be trusted, so the file is read no further.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { crc32c, maskCrc } from "../io/checkpoint/crc32c.js";

const HEADER = 12;
const FOOTER = 4;
/** Bytes read from disk at a time (a larger record is read whole once its length is known). */
const CHUNK = 16 * 1024 * 1024;
/** A record longer than this is treated as corrupt: no event comes near it. */
export const MAX_RECORD_BYTES = 1024 * 1024 * 1024;

export interface RecordProblem {
  kind: "corrupt" | "incomplete";
  /** Byte offset of the record that could not be read. */
  offset: number;
  message: string;
}

export interface ScannedRecords {
  /** Each whole record's data, with the file offset where its header starts. */
  records: { offset: number; data: Uint8Array }[];
  /** Bytes of `buf` taken by whole records. */
  consumed: number;
  problem?: RecordProblem;
  /** For an incomplete record: the bytes it needs from its start (header to footer). */
  needed?: number;
}

const u32 = (b: Uint8Array, at: number) =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** The whole records at the start of `buf` (which begins at file offset `base`). */
export function scanRecords(buf: Uint8Array, base = 0): ScannedRecords {
  const records: ScannedRecords["records"] = [];
  let at = 0;
  while (at < buf.length) {
    const offset = base + at;
    if (buf.length - at < HEADER) {
      return {
        records,
        consumed: at,
        needed: HEADER,
        problem: {
          kind: "incomplete",
          offset,
          message: `incomplete record header at offset ${offset} (${buf.length - at} of ${HEADER} bytes)`,
        },
      };
    }
    const lo = u32(buf, at);
    const hi = u32(buf, at + 4);
    if (maskCrc(crc32c(buf.subarray(at, at + 8))) !== u32(buf, at + 8)) {
      return {
        records,
        consumed: at,
        problem: { kind: "corrupt", offset, message: `corrupt record length at offset ${offset}` },
      };
    }
    const length = hi * 2 ** 32 + lo;
    if (length > MAX_RECORD_BYTES) {
      return {
        records,
        consumed: at,
        problem: {
          kind: "corrupt",
          offset,
          message: `record at offset ${offset} claims ${length} bytes (more than ${MAX_RECORD_BYTES})`,
        },
      };
    }
    const total = HEADER + length + FOOTER;
    if (buf.length - at < total) {
      return {
        records,
        consumed: at,
        needed: total,
        problem: {
          kind: "incomplete",
          offset,
          message: `incomplete record at offset ${offset} (${buf.length - at} of ${total} bytes)`,
        },
      };
    }
    const data = buf.subarray(at + HEADER, at + HEADER + length);
    if (maskCrc(crc32c(data)) !== u32(buf, at + HEADER + length)) {
      return {
        records,
        consumed: at,
        problem: { kind: "corrupt", offset, message: `corrupt record data at offset ${offset}` },
      };
    }
    records.push({ offset, data });
    at += total;
  }
  return { records, consumed: at };
}

/** Follows one record file: `poll()` gives the records appended since the previous call. */
export class RecordFollower {
  /** File offset just past the last whole record read. */
  offset = 0;
  /** Why reading stopped before the end of the file, if it did. */
  problem: RecordProblem | undefined;

  constructor(readonly path: string) {}

  /** The new whole records. After a corrupt record, nothing more is read from this file. */
  poll(): { offset: number; data: Uint8Array }[] {
    if (this.problem?.kind === "corrupt") return [];
    const fd = openSync(this.path, "r");
    try {
      const size = fstatSync(fd).size;
      const out: { offset: number; data: Uint8Array }[] = [];
      this.problem = undefined;
      let want = CHUNK;
      while (this.offset < size) {
        const n = Math.min(size - this.offset, want);
        const buf = new Uint8Array(n);
        const got = readSync(fd, buf, 0, n, this.offset);
        const scan = scanRecords(buf.subarray(0, got), this.offset);
        out.push(...scan.records);
        this.offset += scan.consumed;
        if (scan.problem) {
          this.problem = scan.problem;
          // A record larger than one chunk: read it whole if the file holds it.
          const needed = scan.needed ?? 0;
          if (scan.problem.kind === "incomplete" && needed > n && this.offset + needed <= size) {
            want = needed;
            this.problem = undefined;
            continue;
          }
          break;
        }
        if (got < n) break;
        want = CHUNK;
      }
      return out;
    } finally {
      closeSync(fd);
    }
  }
}
