// tf.io's TFRecord API (TF 1.15 names): TFRecordWriter, tf_record_iterator, TFRecordOptions and
// TFRecordCompressionType, over the streaming file layer in io/tfrecord.ts. Records are bytes:
// written from a Uint8Array or a string (framework/bytes.ts), read back as byte strings.
import { bytesString, stringBytes } from "../framework/bytes.js";
import { InvalidArgumentError } from "../framework/errors.js";
import { type RecordCompression, TFRecordFileReader, TFRecordFileWriter } from "../io/tfrecord.js";

/** tf.io.TFRecordCompressionType: NONE, ZLIB, GZIP (TF's enum values). */
export const TFRecordCompressionType = { NONE: 0, ZLIB: 1, GZIP: 2 } as const;
export type TFRecordCompressionTypeValue =
  (typeof TFRecordCompressionType)[keyof typeof TFRecordCompressionType];

/** What TFRecordOptions' compression_type may be: the enum, its name, or null/"" for none. */
export type CompressionTypeLike = TFRecordCompressionTypeValue | RecordCompression | "NONE" | null;

function compressionString(c: CompressionTypeLike | undefined): RecordCompression {
  switch (c) {
    case undefined:
    case null:
    case "":
    case "NONE":
    case TFRecordCompressionType.NONE:
      return "";
    case "ZLIB":
    case TFRecordCompressionType.ZLIB:
      return "ZLIB";
    case "GZIP":
    case TFRecordCompressionType.GZIP:
      return "GZIP";
    default:
      throw new InvalidArgumentError(
        `Unsupported compression_type ${JSON.stringify(c)} (use TFRecordCompressionType, "ZLIB", "GZIP" or "")`,
      );
  }
}

/** tf.io.TFRecordOptions(compression_type, compression_level, input_buffer_size). */
export class TFRecordOptions {
  readonly compressionType: RecordCompression;
  /** zlib level 0-9 for writing (-1: zlib's default). */
  readonly compressionLevel: number;
  /** Bytes read from the file at a time. */
  readonly inputBufferSize?: number;

  constructor(
    compressionType: CompressionTypeLike = null,
    options: { compressionLevel?: number; inputBufferSize?: number } = {},
  ) {
    this.compressionType = compressionString(compressionType);
    const level = options.compressionLevel ?? -1;
    if (!Number.isInteger(level) || level < -1 || level > 9) {
      throw new InvalidArgumentError(`compression_level must be in [-1, 9], got ${level}`);
    }
    this.compressionLevel = level;
    this.inputBufferSize = options.inputBufferSize;
  }

  /** TFRecordOptions.get_compression_type_string: "", "ZLIB" or "GZIP". */
  static getCompressionTypeString(options: TFRecordOptions | CompressionTypeLike): string {
    return options instanceof TFRecordOptions
      ? options.compressionType
      : compressionString(options);
  }
}

function asOptions(o: TFRecordOptions | CompressionTypeLike | undefined): TFRecordOptions {
  return o instanceof TFRecordOptions ? o : new TFRecordOptions(o ?? null);
}

/** tf.io.TFRecordWriter(path, options): writes records to a new TFRecord file. */
export class TFRecordWriter {
  private readonly writer: TFRecordFileWriter;

  constructor(path: string, options?: TFRecordOptions | CompressionTypeLike) {
    const o = asOptions(options);
    this.writer = new TFRecordFileWriter(path, {
      compression: o.compressionType,
      compressionLevel: o.compressionLevel,
    });
  }

  /** Writes one record: bytes, or a string (a byte string, or text written as UTF-8). */
  write(record: Uint8Array | string): void {
    this.writer.write(typeof record === "string" ? stringBytes(record) : record);
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}

/**
 * tf.io.tf_record_iterator(path, options): the records of a TFRecord file as byte strings, read
 * as the iteration goes (the file is closed at the end, or when the loop is left early). A corrupt
 * record is DataLossError naming the file and offset; a missing file, NotFoundError.
 */
export function* tfRecordIterator(
  path: string,
  options?: TFRecordOptions | CompressionTypeLike,
): Generator<string, void, undefined> {
  const o = asOptions(options);
  const reader = new TFRecordFileReader(path, {
    compression: o.compressionType,
    bufferSize: o.inputBufferSize,
  });
  try {
    for (let r = reader.next(); r !== null; r = reader.next()) yield bytesString(r);
  } finally {
    reader.close();
  }
}
