import { allocData, type DataTypeMap, type DType, isDType, type TypedData } from "./dtypes.js";
import { InvalidArgumentError } from "./errors.js";
import { shapeSize, shapeString } from "./tensor_shape.js";

/** A nested JS array of numbers, booleans or strings (any depth). */
export type NestedArray = number | boolean | string | bigint | readonly NestedArray[];
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
/** Anything a value can be made from: a scalar, nested arrays, a TypedArray or an NDArray. */
export type ValueLike = NDArray | NestedArray | TypedArray;

/**
 * A concrete value (numpy's ndarray): a dtype, a shape and row-major data. What `sess.run`
 * returns and what feeds are turned into. Treat it as immutable once made.
 */
export class NDArray<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: number[];
  readonly data: DataTypeMap[D];

  constructor(dtype: D, shape: readonly number[], data?: DataTypeMap[D] | ValueLike) {
    if (!isDType(dtype)) throw new InvalidArgumentError(`Unknown dtype '${String(dtype)}'`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new InvalidArgumentError(
          `Invalid shape ${shapeString(shape)}: dims must be integers >= 0`,
        );
      }
    }
    this.dtype = dtype;
    this.shape = [...shape];
    const size = shapeSize(shape);
    if (data === undefined) {
      this.data = allocData(dtype, size, shape);
    } else if (isTypedDataOf(dtype, data)) {
      this.data = data as DataTypeMap[D];
    } else {
      this.data = toTypedData(dtype, flatten(data as ValueLike), size) as DataTypeMap[D];
    }
    if (this.data.length !== size) {
      throw new InvalidArgumentError(
        `NDArray of shape ${shapeString(shape)} needs ${size} elements, got ${this.data.length}`,
      );
    }
  }

  /** Makes an NDArray from nested arrays or a scalar, inferring the shape; numbers become float32 unless `dtype` says otherwise. */
  static from(value: ValueLike, dtype?: DType): NDArray {
    if (value instanceof NDArray) {
      return dtype === undefined || dtype === value.dtype ? value : castNDArray(value, dtype);
    }
    if (ArrayBuffer.isView(value)) {
      const d = dtype ?? typedArrayDType(value as TypedArray);
      return new NDArray(d, [(value as TypedArray).length], value as TypedArray);
    }
    const shape = inferShape(value);
    const d = dtype ?? inferDType(value);
    return new NDArray(d, shape, value);
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** Row-major strides in elements. */
  get strides(): number[] {
    const s = new Array<number>(this.shape.length);
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= this.shape[i];
    }
    return s;
  }

  /** The single element of a size-1 array, as a JS number, boolean or string. */
  item(): number | boolean | string {
    if (this.size !== 1) {
      throw new InvalidArgumentError(
        `item() needs an array of one element, this has shape ${shapeString(this.shape)}`,
      );
    }
    return elementToJS(this.dtype, this.data, 0);
  }

  /** Nested JS arrays (int64 becomes number; use `data` for exact 64-bit values). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return elementToJS(this.dtype, this.data, 0);
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = elementToJS(this.dtype, this.data, offset + i);
      } else {
        const stride = shapeSize(this.shape.slice(dim + 1));
        for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * stride);
      }
      return out;
    };
    return build(0, 0);
  }

  /** A view with another shape of the same size (shares data). */
  reshape(shape: readonly number[]): NDArray<D> {
    return new NDArray(this.dtype, shape, this.data);
  }

  toString(): string {
    const body = JSON.stringify(this.toArray(), (_k, v) =>
      typeof v === "bigint" ? v.toString() : v,
    );
    return `NDArray(${this.dtype}, ${shapeString(this.shape)}, ${body})`;
  }
}

function elementToJS(dtype: DType, data: TypedData, i: number): number | boolean | string {
  switch (dtype) {
    case "bool":
      return (data as Uint8Array)[i] !== 0;
    case "int64":
      return Number((data as BigInt64Array)[i]);
    case "string":
      return (data as string[])[i];
    default:
      return (data as Float32Array)[i];
  }
}

function isTypedDataOf(dtype: DType, data: unknown): boolean {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array;
    case "float64":
      return data instanceof Float64Array;
    case "int32":
      return data instanceof Int32Array;
    case "int64":
      return data instanceof BigInt64Array;
    case "uint8":
    case "bool":
      return data instanceof Uint8Array;
    case "string":
      return Array.isArray(data) && data.every((x) => typeof x === "string") && !isNested(data);
  }
}

const isNested = (a: readonly unknown[]): boolean => a.length > 0 && Array.isArray(a[0]);

export function typedArrayDType(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof Uint8Array) return "uint8";
  throw new InvalidArgumentError(`Unsupported typed array ${Object.prototype.toString.call(a)}`);
}

/** The shape of a nested array; ragged nesting is an InvalidArgumentError. */
export function inferShape(value: NestedArray | TypedArray): number[] {
  if (ArrayBuffer.isView(value)) return [(value as TypedArray).length];
  if (!Array.isArray(value)) return [];
  const shape = [value.length];
  if (value.length > 0) shape.push(...inferShape(value[0] as NestedArray));
  const check = (v: NestedArray | TypedArray, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v) || ArrayBuffer.isView(v)) throw ragged();
      return;
    }
    const len = ArrayBuffer.isView(v) ? (v as TypedArray).length : Array.isArray(v) ? v.length : -1;
    if (len !== shape[dim]) throw ragged();
    if (Array.isArray(v)) for (const x of v) check(x as NestedArray, dim + 1);
    else if (dim + 1 !== shape.length) throw ragged();
  };
  check(value, 0);
  return shape;
}
const ragged = () =>
  new InvalidArgumentError(
    "Nested array is ragged: every list at one depth must have the same length",
  );

function firstLeaf(value: NestedArray): unknown {
  let v: unknown = value;
  while (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    v = v[0];
  }
  return v;
}

export function inferDType(value: NestedArray | TypedArray): DType {
  if (ArrayBuffer.isView(value)) return typedArrayDType(value as TypedArray);
  const leaf = firstLeaf(value);
  if (typeof leaf === "boolean") return "bool";
  if (typeof leaf === "string") return "string";
  if (typeof leaf === "bigint") return "int64";
  return "float32";
}

function flatten(value: ValueLike): unknown[] | TypedArray {
  if (value instanceof NDArray) return Array.from(value.data as globalThis.ArrayLike<unknown>);
  if (ArrayBuffer.isView(value)) return value as TypedArray;
  if (!Array.isArray(value)) return [value];
  const out: unknown[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (ArrayBuffer.isView(v))
      for (const x of Array.from(v as unknown as globalThis.ArrayLike<unknown>)) out.push(x);
    else out.push(v);
  };
  walk(value);
  return out;
}

/** Converts flat JS values to the typed storage of `dtype`, checking that each value fits. */
export function toTypedData(
  dtype: DType,
  flat: globalThis.ArrayLike<unknown>,
  size: number,
): TypedData {
  if (flat.length !== size) {
    throw new InvalidArgumentError(`The shape needs ${size} elements, got ${flat.length}`);
  }
  const out = allocData(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = flat[i];
    switch (dtype) {
      case "string":
        if (typeof v !== "string") throw badElement(v, dtype);
        (out as string[])[i] = v;
        break;
      case "bool":
        if (typeof v !== "boolean" && typeof v !== "number") throw badElement(v, dtype);
        (out as Uint8Array)[i] = v ? 1 : 0;
        break;
      case "int64":
        if (typeof v === "bigint") (out as BigInt64Array)[i] = BigInt.asIntN(64, v);
        else if (typeof v === "number" && Number.isInteger(v))
          (out as BigInt64Array)[i] = BigInt(v);
        else if (typeof v === "boolean") (out as BigInt64Array)[i] = v ? 1n : 0n;
        else throw badElement(v, dtype);
        break;
      case "int32":
      case "uint8":
        if (typeof v === "boolean") (out as Int32Array)[i] = v ? 1 : 0;
        else if (typeof v === "number" && Number.isInteger(v)) (out as Int32Array)[i] = v;
        else if (typeof v === "bigint") (out as Int32Array)[i] = Number(v);
        else throw badElement(v, dtype);
        break;
      default:
        if (typeof v === "number") (out as Float32Array)[i] = v;
        else if (typeof v === "boolean") (out as Float32Array)[i] = v ? 1 : 0;
        else if (typeof v === "bigint") (out as Float32Array)[i] = Number(v);
        else throw badElement(v, dtype);
    }
  }
  return out;
}
const badElement = (v: unknown, dtype: DType) =>
  new InvalidArgumentError(`Cannot convert ${JSON.stringify(String(v))} (${typeof v}) to ${dtype}`);

/** Element-wise conversion to another dtype (C-style: floats truncate toward zero to integers). */
export function castNDArray(x: NDArray, dtype: DType): NDArray {
  if (x.dtype === dtype) return x;
  const n = x.size;
  const out = allocData(dtype, n);
  const src = x.data;
  if (dtype === "string" || x.dtype === "string") {
    throw new InvalidArgumentError(`Cast between ${x.dtype} and ${dtype} is not supported`);
  }
  if (dtype === "int64") {
    const o = out as BigInt64Array;
    if (x.dtype === "bool" || x.dtype === "uint8" || x.dtype === "int32") {
      for (let i = 0; i < n; i++) o[i] = BigInt((src as Int32Array)[i]);
    } else {
      for (let i = 0; i < n; i++) {
        const v = (src as Float32Array)[i];
        o[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
      }
    }
  } else if (x.dtype === "int64") {
    const s = src as BigInt64Array;
    if (dtype === "bool") for (let i = 0; i < n; i++) (out as Uint8Array)[i] = s[i] !== 0n ? 1 : 0;
    else
      for (let i = 0; i < n; i++)
        (out as Float64Array)[i] = Number(
          BigInt.asIntN(dtype === "int32" ? 32 : dtype === "uint8" ? 8 : 64, s[i]),
        );
    if (dtype === "uint8")
      for (let i = 0; i < n; i++) (out as Uint8Array)[i] = Number(BigInt.asUintN(8, s[i]));
  } else if (dtype === "bool") {
    const s = src as Float32Array;
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = s[i] !== 0 ? 1 : 0;
  } else if (dtype === "int32") {
    const s = src as Float32Array;
    const o = out as Int32Array;
    for (let i = 0; i < n; i++) o[i] = Math.trunc(s[i]) | 0;
  } else {
    // float32/float64/uint8 targets: typed-array assignment converts (uint8 wraps as C does).
    const s = src as Float32Array;
    const o = out as Float32Array;
    if (dtype === "uint8") for (let i = 0; i < n; i++) o[i] = Math.trunc(s[i]);
    else o.set(s);
  }
  return new NDArray(dtype, x.shape, out);
}
