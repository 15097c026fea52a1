// The tf.summary namespace: summary ops and their builders, FileWriter and its cache.

export { FileWriter, FileWriterCache, type FileWriterOptions } from "./file_writer.js";
export { histogramProto } from "./histogram.js";
export {
  audio,
  histogram,
  image,
  merge,
  mergeAll,
  type SummaryOptions,
  scalar,
  type TensorSummaryOptions,
  tensorSummary,
  text,
} from "./summary_ops.js";
