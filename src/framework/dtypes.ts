import { checkAllocation } from "./memory_limit.js";

export { DTYPE_BYTES, TF_DTYPE_NAME } from "./dtype_tables.js";

/** The element types tensorgraph computes with (TensorFlow's names in TF.js spelling). */
export type DType = "float32" | "float64" | "int32" | "int64" | "uint8" | "bool" | "string";

export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "int32",
  "int64",
  "uint8",
  "bool",
  "string",
];

/** The typed storage of each dtype. */
export interface DataTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  bool: Uint8Array;
  string: string[];
}
export type TypedData = DataTypeMap[DType];
export type NumericData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** TensorFlow's DataType enum values (types.proto), for GraphDefs and checkpoints. */
export const DATA_TYPE_ENUM: Record<DType, number> = {
  float32: 1,
  float64: 2,
  int32: 3,
  uint8: 4,
  string: 7,
  int64: 9,
  bool: 10,
};
const ENUM_TO_DTYPE = new Map<number, DType>(
  Object.entries(DATA_TYPE_ENUM).map(([k, v]) => [v, k as DType]),
);
export function dtypeFromEnum(value: number): DType | undefined {
  return ENUM_TO_DTYPE.get(value >= 100 ? value - 100 : value);
}

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}
export const isFloating = (d: DType): boolean => d === "float32" || d === "float64";
export const isInteger = (d: DType): boolean => d === "int32" || d === "int64" || d === "uint8";
export const isNumeric = (d: DType): boolean => d !== "string" && d !== "bool";

/**
 * Zeroed storage of `size` elements (of `shape`, named in the error when given). Refuses with
 * ResourceExhaustedError, before allocating, a size past the memory limit (memory_limit.ts).
 */
export function allocData<D extends DType>(
  dtype: D,
  size: number,
  shape?: readonly number[],
): DataTypeMap[D];
export function allocData(dtype: DType, size: number, shape?: readonly number[]): TypedData {
  checkAllocation(dtype, size, shape);
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "int64":
      return new BigInt64Array(size);
    case "uint8":
    case "bool":
      return new Uint8Array(size);
    case "string":
      return new Array<string>(size).fill("");
  }
}
