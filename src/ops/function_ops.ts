// Graph functions: function calls, PartitionedCall, If/While and their stateless forms, Defun: builders, registrations (shape fn, gradient).
export {};
