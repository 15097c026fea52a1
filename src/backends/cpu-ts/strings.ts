// String ops: splitting, joining, substrings, conversions, regexes, hashing, base64: TypeScript kernels.
export {};
