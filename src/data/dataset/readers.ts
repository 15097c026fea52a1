// The file datasets: tf.data.TFRecordDataset, TextLineDataset, FixedLengthRecordDataset (string
// scalars, one per record; records are byte strings, see framework/bytes.ts).
import { TensorShape } from "../../framework/tensor_shape.js";
import { convertToTensor, graphOf, type TensorLike } from "../../ops/op_builder.js";
import { Dataset } from "./dataset.js";
import { TensorSpec } from "./structure.js";

export interface RecordDatasetOptions {
  /** "" (none), "GZIP" or "ZLIB". */
  compressionType?: TensorLike;
  /** Bytes per read (0: the reader's default). */
  bufferSize?: TensorLike;
}

const RECORD = new TensorSpec("string", TensorShape.scalar());

function fileDataset(type: string, inputs: TensorLike[], dtypes: ("string" | "int64")[]): Dataset {
  const ts = inputs.map((x, i) => convertToTensor(x, dtypes[i]));
  const t = graphOf(ts).createOp(type, ts, {}, type).outputs[0];
  return new Dataset(t, RECORD);
}

/** The records of TFRecord files (`filenames`: a string or a list of them), one file after another. */
export function TFRecordDataset(
  filenames: TensorLike,
  options: RecordDatasetOptions = {},
): Dataset {
  return fileDataset(
    "TFRecordDataset",
    [filenames, options.compressionType ?? "", options.bufferSize ?? 256 * 1024],
    ["string", "string", "int64"],
  );
}

/** The lines of text files, without their "\n" or "\r\n". */
export function TextLineDataset(
  filenames: TensorLike,
  options: RecordDatasetOptions = {},
): Dataset {
  return fileDataset(
    "TextLineDataset",
    [filenames, options.compressionType ?? "", options.bufferSize ?? 256 * 1024],
    ["string", "string", "int64"],
  );
}

/** Records of `recordBytes` bytes from files with a header and footer of fixed sizes. */
export function FixedLengthRecordDataset(
  filenames: TensorLike,
  recordBytes: TensorLike,
  options: RecordDatasetOptions & { headerBytes?: TensorLike; footerBytes?: TensorLike } = {},
): Dataset {
  return fileDataset(
    "FixedLengthRecordDatasetV2",
    [
      filenames,
      options.headerBytes ?? 0,
      recordBytes,
      options.footerBytes ?? 0,
      options.bufferSize ?? 256 * 1024,
      options.compressionType ?? "",
    ],
    ["string", "int64", "int64", "int64", "int64", "string"],
  );
}
