// Sparse tensors: the SparseTensor value and placeholder, and the sparse ops: builders, registrations (shape fn, gradient).
export {
  SparseTensor,
  SparseTensorValue,
  type SparseTensorValueLike,
  sparsePlaceholder,
} from "./sparse_tensor.js";
