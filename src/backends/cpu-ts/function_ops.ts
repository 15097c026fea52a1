// Graph functions: function calls, PartitionedCall, If/While and their stateless forms, Defun: TypeScript kernels.
export {};
