// Linear algebra: band parts, diagonals, inverses, determinants, decompositions, solves, Einsum: builders, registrations (shape fn, gradient).
export {};
