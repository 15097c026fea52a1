// The tf.lookup namespace: re-exports of its builders under TensorFlow's names.
export {
  DenseHashTable,
  IdTableWithHashBuckets,
  indexTableFromFile,
  indexTableFromTensor,
  indexToStringTableFromFile,
  indexToStringTableFromTensor,
  KeyValueTensorInitializer,
  MutableHashTable,
  StaticHashTable,
  type TableInitializer,
  TextFileIndex,
  TextFileInitializer,
} from "./lookup.js";
