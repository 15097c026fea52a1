// Sparse tensors: the SparseTensor value and placeholder, and the sparse ops: builders, registrations (shape fn, gradient).
export {};
