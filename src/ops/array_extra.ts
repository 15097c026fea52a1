// More array ops: reversal, space/depth/batch rearrangements, scatters, sorting and searching, set ops: builders, registrations (shape fn, gradient).
export {};
