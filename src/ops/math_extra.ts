// More math: unary and binary special functions, cumulative ops, segment reductions, bitwise ops, counting and bucketing: builders, registrations (shape fn, gradient).
export {};
