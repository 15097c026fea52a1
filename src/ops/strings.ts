// String ops: splitting, joining, substrings, conversions, regexes, hashing, base64: builders, registrations (shape fn, gradient).
export {};
