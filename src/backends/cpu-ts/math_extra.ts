// More math: unary and binary special functions, cumulative ops, segment reductions, bitwise ops, counting and bucketing: TypeScript kernels.
export {};
