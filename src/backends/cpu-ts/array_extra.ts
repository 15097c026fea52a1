// More array ops: reversal, space/depth/batch rearrangements, scatters, sorting and searching, set ops: TypeScript kernels.
export {};
