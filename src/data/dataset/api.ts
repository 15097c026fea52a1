// tf.data: datasets and iterators as graph ops (TF 1.15's API, camelCase).
export { AUTOTUNE, Dataset, type Element, type ElementFn } from "./dataset.js";
export { Iterator } from "./iterator.js";
export {
  FixedLengthRecordDataset,
  type RecordDatasetOptions,
  TextLineDataset,
  TFRecordDataset,
} from "./readers.js";
export { DatasetSpec, type Spec, type Structure, TensorSpec } from "./structure.js";
