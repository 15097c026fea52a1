/**
 * NDArray ↔ TensorFlow's TensorProto (Const values, tensor attrs) and TensorShape ↔
 * TensorShapeProto, with TensorFlow's encoding rules: numeric data as little-endian
 * `tensor_content` or in the typed repeated fields (`float_val`, `int_val`, ...), where fewer
 * values than elements means the last value fills the rest (one value fills the shape); strings
 * as UTF-8 `string_val`.
 */
import { create } from "@bufbuild/protobuf";
import { DATA_TYPE_ENUM, type DType, dtypeFromEnum } from "../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../framework/errors.js";
import { checkShapeAllocation, elementCount } from "../framework/memory_limit.js";
import { NDArray } from "../framework/ndarray.js";
import { TensorShape } from "../framework/tensor_shape.js";
import {
  DataType,
  type TensorProto,
  TensorProtoSchema,
  type TensorShapeProto,
  TensorShapeProto_DimSchema,
  TensorShapeProtoSchema,
} from "./proto/index.js";

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** TensorFlow's DataType enum value → the dtype name used in OpDefs ("float32", "half", "resource"...). */
export function dataTypeName(value: number): string {
  const ours = dtypeFromEnum(value);
  if (ours) return ours;
  const base = value >= 100 ? value - 100 : value;
  const tfName = DataType[base] as string | undefined;
  if (tfName === undefined || base === 0) return `DataType(${value})`;
  return tfName.replace(/^DT_/, "").toLowerCase();
}

/** The DataType enum value of a dtype name (ours or TensorFlow's lowercase name); undefined if unknown. */
export function dataTypeEnum(name: string): number | undefined {
  if (name in DATA_TYPE_ENUM) return DATA_TYPE_ENUM[name as DType];
  const v = (DataType as unknown as Record<string, number>)[`DT_${name.toUpperCase()}`];
  return typeof v === "number" && v !== 0 ? v : undefined;
}

/** TensorShapeProto → TensorShape (`unknown_rank` → unknown rank, size -1 → unknown dim). */
export function shapeFromProto(p: TensorShapeProto | undefined): TensorShape {
  if (!p) return TensorShape.scalar();
  if (p.unknownRank) return TensorShape.unknown();
  return new TensorShape(
    p.dim.map((d) => {
      const n = Number(d.size);
      if (n < -1 || !Number.isSafeInteger(n))
        throw new InvalidArgumentError(`Invalid dimension size ${d.size} in a TensorShapeProto`);
      return n === -1 ? null : n;
    }),
  );
}

/** TensorShape → TensorShapeProto (as TensorFlow writes it). */
export function shapeToProto(s: TensorShape): TensorShapeProto {
  if (s.rank === null) return create(TensorShapeProtoSchema, { unknownRank: true });
  return create(TensorShapeProtoSchema, {
    dim: s.dims!.map((d) => create(TensorShapeProto_DimSchema, { size: BigInt(d ?? -1) })),
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ELEMENT_BYTES: Partial<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
};

/** The little-endian bytes of a numeric array's elements. */
function contentBytes(a: NDArray): Uint8Array {
  const data = a.data as Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(i * 8, data[i], true);
    else if (data instanceof Int32Array) view.setInt32(i * 4, data[i], true);
    else if (data instanceof BigInt64Array) view.setBigInt64(i * 8, data[i], true);
  }
  return out;
}

/**
 * An NDArray as TensorFlow's Python `make_tensor_proto` writes it: numeric arrays of more than
 * one element as `tensor_content`, single values in the typed field, strings in `string_val`,
 * bools in `bool_val`.
 */
export function ndarrayToTensorProto(a: NDArray): TensorProto {
  const p = create(TensorProtoSchema, {
    dtype: DATA_TYPE_ENUM[a.dtype],
    tensorShape: shapeToProto(new TensorShape(a.shape)),
  });
  switch (a.dtype) {
    case "string":
      p.stringVal = (a.data as string[]).map((s) => utf8.encode(s));
      break;
    case "bool":
      p.boolVal = Array.from(a.data as Uint8Array, (x) => x !== 0);
      break;
    default:
      if (a.size > 1) p.tensorContent = contentBytes(a);
      else if (a.size === 1) {
        if (a.dtype === "float32") p.floatVal = [(a.data as Float32Array)[0]];
        else if (a.dtype === "float64") p.doubleVal = [(a.data as Float64Array)[0]];
        else if (a.dtype === "int64") p.int64Val = [(a.data as BigInt64Array)[0]];
        else p.intVal = [(a.data as Int32Array | Uint8Array)[0]];
      }
  }
  return p;
}

/** Reads a TensorProto into an NDArray. Unsupported dtypes are UnimplementedError; bad data InvalidArgumentError. */
export function tensorProtoToNDArray(p: TensorProto): NDArray {
  const dtype = dtypeFromEnum(p.dtype);
  if (!dtype || p.dtype >= 100) {
    throw new UnimplementedError(
      `TensorProto of dtype ${DataType[p.dtype] ?? p.dtype} is not supported (tensorgraph computes with ${Object.keys(DATA_TYPE_ENUM).join(", ")})`,
    );
  }
  const shape = shapeFromProto(p.tensorShape);
  if (!shape.isFullyDefined)
    throw new InvalidArgumentError(`TensorProto has a shape that is not fully defined: ${shape}`);
  const dims = shape.dims as number[];
  const size = elementCount(dims);
  if (p.tensorContent.length > 0) {
    const bytes = ELEMENT_BYTES[dtype];
    if (bytes === undefined)
      throw new InvalidArgumentError(`TensorProto of dtype ${dtype} cannot use tensor_content`);
    if (p.tensorContent.length !== size * bytes) {
      throw new InvalidArgumentError(
        `TensorProto tensor_content has ${p.tensorContent.length} bytes; a ${dtype} tensor of shape [${dims.join(",")}] needs ${size * bytes}`,
      );
    }
    return new NDArray(dtype, dims, fromContent(dtype, p.tensorContent, size));
  }
  const vals = typedValues(dtype, p);
  if (vals.length > size) {
    throw new InvalidArgumentError(
      `TensorProto has ${vals.length} values for a ${dtype} tensor of shape [${dims.join(",")}] (${size} elements)`,
    );
  }
  // The shape alone decides the size (a few values fill it): refuse a huge one before allocating.
  checkShapeAllocation(dtype, dims);
  const out = new NDArray(dtype, dims);
  const data = out.data as unknown[] & { fill(v: unknown, start?: number): unknown };
  for (let i = 0; i < vals.length; i++) data[i] = vals[i];
  // TensorFlow's rule: the last given value fills the rest (no values: zeros / "").
  if (vals.length > 0 && vals.length < size) data.fill(vals[vals.length - 1], vals.length);
  return out;
}

function typedValues(dtype: DType, p: TensorProto): readonly (number | bigint | string)[] {
  switch (dtype) {
    case "float32":
      return p.floatVal;
    case "float64":
      return p.doubleVal;
    case "int32":
    case "uint8":
      return p.intVal;
    case "int64":
      return p.int64Val;
    case "bool":
      return p.boolVal.map((b) => (b ? 1 : 0));
    case "string":
      return p.stringVal.map((s) => utf8Decoder.decode(s));
  }
}

function fromContent(dtype: DType, content: Uint8Array, size: number) {
  // Copy into an aligned buffer; typed arrays read the host's byte order (little-endian here).
  // new Uint8Array(...) copies into a buffer of its own: `content` may be a view into a larger
  // one (a Node Buffer read from a file), whose .slice() would not copy.
  const buf = new Uint8Array(content).buffer;
  if (!LITTLE_ENDIAN && dtype !== "uint8" && dtype !== "bool") {
    const view = new DataView(buf);
    switch (dtype) {
      case "float32":
        return Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true));
      case "float64":
        return Float64Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true));
      case "int32":
        return Int32Array.from({ length: size }, (_, i) => view.getInt32(i * 4, true));
      default:
        return BigInt64Array.from({ length: size }, (_, i) => view.getBigInt64(i * 8, true));
    }
  }
  switch (dtype) {
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "int64":
      return new BigInt64Array(buf);
    default: {
      const u = new Uint8Array(buf);
      if (dtype === "bool") for (let i = 0; i < u.length; i++) u[i] = u[i] !== 0 ? 1 : 0;
      return u;
    }
  }
}
