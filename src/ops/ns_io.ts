// The tf.io namespace: re-exports of its builders under TensorFlow's names.

export {
  type CompressionTypeLike,
  TFRecordCompressionType,
  type TFRecordCompressionTypeValue,
  TFRecordOptions,
  TFRecordWriter,
  tfRecordIterator,
} from "./io_tfrecord.js";
export { type DecodeCsvOptions, decodeCompressed, decodeCsv } from "./parsing_csv.js";
export {
  decodeRaw,
  type FeatureSpec,
  type FixedLenFeature,
  fixedLenFeature,
  parseExample,
  parseSingleExample,
  parseTensor,
  serializeTensor,
  type VarLenFeature,
  varLenFeature,
} from "./parsing_ops.js";
export {
  type FixedLenSequenceFeature,
  fixedLenSequenceFeature,
  parseSequenceExample,
} from "./parsing_sequence.js";
