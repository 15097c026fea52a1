// Event files (TFRecord files of tensorflow.Event messages), as TensorBoard reads them: their
// names, a streaming reader, and an appending writer whose writes never block the caller.
import { type FileHandle, open as openAsync } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { DataLossError } from "../framework/errors.js";
import { decodeProto, type Event, EventSchema } from "../io/proto/index.js";
import { frameRecord, TFRecordFileReader } from "../io/tfrecord.js";

/** What TF writes as the first event of every file. */
export const FILE_VERSION = "brain.Event:2";

/**
 * The name TF gives a new event file: `events.out.tfevents.<secs>.<host><suffix>` with the
 * seconds zero-padded to 10 digits (TF's EventsWriter uses "%010lld").
 */
export function eventFileName(
  logdir: string,
  suffix = "",
  seconds = Math.floor(Date.now() / 1000),
): string {
  return join(
    logdir,
    `events.out.tfevents.${String(seconds).padStart(10, "0")}.${hostname()}${suffix}`,
  );
}

/**
 * Every Event in an event file, in order. After the last whole record, a truncated or corrupt
 * record (or one that is not an Event) is a DataLossError naming the file and the byte offset,
 * thrown after the valid events were yielded. A missing file is NotFoundError.
 */
export function* readEventFile(path: string): Generator<Event> {
  const reader = new TFRecordFileReader(path);
  try {
    for (;;) {
      const offset = reader.offset;
      const record = reader.next();
      if (record === null) return;
      let event: Event;
      try {
        event = decodeProto(EventSchema, record, "record");
      } catch (e) {
        throw new DataLossError(
          `Corrupt event file ${path}: record at offset ${offset} is not an Event (${(e as Error).message})`,
        );
      }
      yield event;
    }
  } finally {
    reader.close();
  }
}

/**
 * Appends framed records to one file with asynchronous writes. `write` only queues; writes are
 * chained so records land in order, each batch in one `write` call (a crash leaves at most one
 * partial record at the end, which readers report as data loss after the whole ones).
 */
export class RecordAppender {
  readonly path: string;
  private handle: Promise<FileHandle> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Queues the framed `records` for writing (see `drain` for when and whether they landed). */
  append(records: readonly Uint8Array[]): void {
    if (records.length === 0) return;
    const framed = records.map(frameRecord);
    let total = 0;
    for (const f of framed) total += f.length;
    const buf = new Uint8Array(total);
    let at = 0;
    for (const f of framed) {
      buf.set(f, at);
      at += f.length;
    }
    if (!this.handle) {
      this.handle = openAsync(this.path, "a");
      this.handle.catch(() => {}); // an open error surfaces through drain()
    }
    const handle = this.handle;
    // The chain never rejects (a write error is kept for drain), so nothing goes unhandled.
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        const h = await handle;
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await h.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
      } catch (e) {
        this.failure = e as Error;
      }
    });
  }

  /** Resolves when every queued record is written; rejects with the first write error. */
  async drain(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await this.chain;
    if (handle) await (await handle.catch(() => undefined))?.close();
    if (this.failure) throw this.failure;
  }
}
