// Sparse tensors: the SparseTensor value and placeholder, and the sparse ops: TypeScript kernels.
export {};
