// Per-dtype tables, apart from dtypes.ts so that the memory limit (which dtypes.ts uses to
// allocate) can read them without an import circle.
import type { DType } from "./dtypes.js";

/** TensorFlow's own spelling, for messages ("float", "double", "int32" ...). */
export const TF_DTYPE_NAME: Record<DType, string> = {
  float32: "float",
  float64: "double",
  int32: "int32",
  int64: "int64",
  uint8: "uint8",
  bool: "bool",
  string: "string",
};

/** Bytes per element (strings count as pointers here: only for memory accounting). */
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
  string: 8,
};
