// TF's readers as graph ops: TFRecordReaderV2, TextLineReaderV2, WholeFileReaderV2,
// FixedLengthRecordReaderV2, IdentityReaderV2 and the ReaderRead/ReadUpTo/NumRecordsProduced/
// NumWorkUnitsCompleted/Reset ops; the classes tf.TFRecordReader, tf.TextLineReader,
// tf.WholeFileReader, tf.FixedLengthRecordReader, tf.IdentityReader (TF 1.15's ReaderBase API).
import type { Operation, Tensor } from "../framework/graph.js";
import { registerOp } from "../framework/op_registry.js";
import type { QueueBase } from "./data_flow_ops.js";
import { convertToTensor, makeOp, makeOp1, type TensorLike } from "./op_builder.js";

for (const t of [
  "TFRecordReaderV2",
  "TextLineReaderV2",
  "WholeFileReaderV2",
  "FixedLengthRecordReaderV2",
  "IdentityReaderV2",
]) {
  registerOp(t, { shape: () => [] });
  // TF1's reader before 1.2 (imported graphs): the handle is a ref to a 2-vector of strings.
  registerOp(t.slice(0, -2), { shape: () => [2] });
}
for (const v of ["V2", ""]) {
  registerOp(`ReaderRead${v}`, { shape: () => [[], []] });
  registerOp(`ReaderReadUpTo${v}`, {
    shape: (c) => {
      c.withRank(2, 0);
      return [[null], [null]];
    },
  });
  registerOp(`ReaderNumRecordsProduced${v}`, { shape: () => [] });
  registerOp(`ReaderNumWorkUnitsCompleted${v}`, { shape: () => [] });
  registerOp(`ReaderReset${v}`, {});
}

/** A (key, value) pair: destructure it as a list or read `.key` and `.value` (TF's ReadResult). */
export type ReadResult = [Tensor, Tensor] & { key: Tensor; value: Tensor };
/** Many (keys, values): two string vectors. */
export type ReadUpToResult = [Tensor, Tensor] & { keys: Tensor; values: Tensor };

/** A queue of work units (file names): a queue object or its handle tensor. */
export type WorkQueue = QueueBase | Tensor;
const queueRef = (q: WorkQueue): Tensor => ("queueRef" in q ? q.queueRef : q);

/** What every reader offers (tf.ReaderBase). */
export class ReaderBase {
  constructor(readonly readerRef: Tensor) {}

  /** Whether serializeState/restoreState work (no reader here supports them yet). */
  get supportsSerialize(): boolean {
    return false;
  }

  /** The next record, taking a new work unit from `queue` when the current one is done. */
  read(queue: WorkQueue, name?: string): ReadResult {
    const [key, value] = makeOp(
      "ReaderReadV2",
      [this.readerRef, queueRef(queue)],
      {},
      name ?? "ReaderReadV2",
    ).outputs;
    return Object.assign([key, value] as [Tensor, Tensor], { key, value });
  }

  /** Up to numRecords records, stopping at the end of a work unit that gave some. */
  readUpTo(queue: WorkQueue, numRecords: TensorLike, name?: string): ReadUpToResult {
    const n = convertToTensor(numRecords, "int64", undefined, this.readerRef.graph);
    const [keys, values] = makeOp(
      "ReaderReadUpToV2",
      [this.readerRef, queueRef(queue), n],
      {},
      name ?? "ReaderReadUpToV2",
    ).outputs;
    return Object.assign([keys, values] as [Tensor, Tensor], { keys, values });
  }

  /** How many records it has produced (int64 scalar). */
  numRecordsProduced(name?: string): Tensor {
    return makeOp1("ReaderNumRecordsProducedV2", [this.readerRef], {}, name);
  }
  /** How many work units it has finished (int64 scalar). */
  numWorkUnitsCompleted(name?: string): Tensor {
    return makeOp1("ReaderNumWorkUnitsCompletedV2", [this.readerRef], {}, name);
  }
  /** Back to the initial state: no work unit, counts at zero. */
  reset(name?: string): Operation {
    return makeOp("ReaderResetV2", [this.readerRef], {}, name);
  }
}

/** tf.TFRecordReader({ name, options }): the records of TFRecord files; keys "<file>:<offset>". */
export class TFRecordReader extends ReaderBase {
  constructor(
    options: { name?: string; options?: { compressionType?: "" | "GZIP" | "ZLIB" } } = {},
  ) {
    super(
      makeOp1(
        "TFRecordReaderV2",
        [],
        { compression_type: options.options?.compressionType ?? "" },
        options.name ?? "TFRecordReaderV2",
      ),
    );
  }
}

/** tf.TextLineReader({ skipHeaderLines, name }): the lines of text files; keys "<file>:<line>". */
export class TextLineReader extends ReaderBase {
  constructor(options: { skipHeaderLines?: number; name?: string } = {}) {
    super(
      makeOp1(
        "TextLineReaderV2",
        [],
        { skip_header_lines: options.skipHeaderLines ?? 0 },
        options.name ?? "TextLineReaderV2",
      ),
    );
  }
}

/** tf.WholeFileReader({ name }): each file's whole contents; the key is the file name. */
export class WholeFileReader extends ReaderBase {
  constructor(options: { name?: string } = {}) {
    super(makeOp1("WholeFileReaderV2", [], {}, options.name ?? "WholeFileReaderV2"));
  }
}

/**
 * tf.FixedLengthRecordReader(recordBytes, { headerBytes, footerBytes, hopBytes, name, encoding }):
 * fixed-length records of binary files; keys "<file>:<record number from 0>".
 */
export class FixedLengthRecordReader extends ReaderBase {
  constructor(
    recordBytes: number,
    options: {
      headerBytes?: number;
      footerBytes?: number;
      hopBytes?: number;
      name?: string;
      encoding?: "" | "GZIP" | "ZLIB";
    } = {},
  ) {
    super(
      makeOp1(
        "FixedLengthRecordReaderV2",
        [],
        {
          record_bytes: recordBytes,
          header_bytes: options.headerBytes ?? 0,
          footer_bytes: options.footerBytes ?? 0,
          hop_bytes: options.hopBytes ?? 0,
          encoding: options.encoding ?? "",
        },
        options.name ?? "FixedLengthRecordReaderV2",
      ),
    );
  }
}

/** tf.IdentityReader({ name }): each work unit as both key and value. */
export class IdentityReader extends ReaderBase {
  constructor(options: { name?: string } = {}) {
    super(makeOp1("IdentityReaderV2", [], {}, options.name ?? "IdentityReaderV2"));
  }
}
