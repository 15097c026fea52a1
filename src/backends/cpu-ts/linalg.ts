// Linear algebra: band parts, diagonals, inverses, determinants, decompositions, solves, Einsum: TypeScript kernels.
export {};
