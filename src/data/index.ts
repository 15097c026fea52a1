// Data loading: IDX files and MNIST-style datasets (Fashion-MNIST), and tf.data.
export * from "./dataset/api.js";
export {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  gatherRows,
  loadFashionMnist,
  loadMnistStyle,
  type MnistData,
  seededRandom,
  shuffledIndices,
} from "./fashion_mnist.js";
export {
  encodeIdx,
  type IdxArray,
  type IdxData,
  type IdxDType,
  parseIdx,
  readIdxFile,
  readIdxFileSync,
} from "./idx.js";
