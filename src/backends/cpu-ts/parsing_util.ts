// Shared by the example parsers (parsing_ops.ts, parsing_sequence.ts): feature specs, a Feature's
// values as a dtype, and TF's messages.
import { bytesString } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkShapeAllocation, elementCount } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, type TensorShape } from "../../framework/tensor_shape.js";
import type { Feature } from "../../io/proto/index.js";
import type { NodeInfo } from "../kernel.js";

export type Value = number | bigint | string;
/** TF's names of the dtypes a feature may have (they appear in its messages). */
export const TF_NAME: Record<string, string> = {
  float32: "float",
  int64: "int64",
  string: "string",
};
const LIST_OF: Record<string, Feature["kind"]["case"]> = {
  float32: "floatList",
  int64: "int64List",
  string: "bytesList",
};
const KIND_DTYPE: Record<string, string> = {
  floatList: "float32",
  int64List: "int64",
  bytesList: "string",
};

export interface DenseSpec {
  key: string;
  dtype: DType;
  shape: number[];
  /** The default value's elements, or null when the feature is required. */
  defaults: readonly Value[] | null;
}
export interface SparseSpec {
  key: string;
  dtype: DType;
}

/** What the error messages say about an example: "Name: <name>, Key: k, Index: i". */
export const where = (name: string, key: string, index: number) =>
  `Name: ${name || "<unknown>"}, Key: ${key}, Index: ${index}.`;

/**
 * A Feature as the parsers read it: protobuf-es's Feature, or example_wire.ts's (typed arrays
 * for the number lists).
 */
export type FeatureLike =
  | Feature
  | { kind: { case: "floatList"; value: { value: ArrayLike<number> } } }
  | { kind: { case: "int64List"; value: { value: ArrayLike<bigint> } } }
  | { kind: { case: "bytesList"; value: { value: readonly Uint8Array[] } } }
  | { kind: { case: undefined } };

/** A feature's values as the spec's dtype; undefined when `features` lacks it. */
export function featureValues(
  op: string,
  features: Readonly<Record<string, FeatureLike>> | undefined,
  key: string,
  dtype: DType,
  name: string,
  index: number,
): ArrayLike<Value> | undefined {
  const f = features?.[key];
  if (f === undefined) return undefined;
  const kind = f.kind;
  // A Feature with no list set is an empty list of any type (TF's fast parser reads it so).
  if (kind.case === undefined) return [];
  if (kind.case !== LIST_OF[dtype])
    throw new InvalidArgumentError(
      `${op}: ${where(name, key, index)} Data types don't match. Data type: ${TF_NAME[KIND_DTYPE[kind.case]]} but expected type: ${TF_NAME[dtype]}`,
    );
  if (kind.case === "bytesList") return kind.value.value.map(bytesString);
  return kind.value.value;
}

/** Copies `vals` into a typed array or a string array at `at`. */
function fill(
  data: { set(v: ArrayLike<Value>, at: number): void },
  vals: ArrayLike<Value>,
  at: number,
): void {
  if (Array.isArray(data)) {
    for (let j = 0; j < vals.length; j++) data[at + j] = vals[j];
  } else data.set(vals, at);
}

export function makeArray(dtype: DType, shape: number[], values: readonly Value[]): NDArray {
  checkShapeAllocation(dtype, shape);
  if (dtype === "string") return new NDArray("string", shape, values as string[]);
  if (dtype === "int64") return new NDArray("int64", shape, BigInt64Array.from(values as bigint[]));
  return new NDArray("float32", shape, Float32Array.from(values as number[]));
}

/** The dense specs of a node: keys, dtypes (Tdense), shapes (dense_shapes) and default inputs. */
export function denseSpecs(
  op: string,
  node: NodeInfo,
  keys: readonly string[],
  defaults: readonly NDArray[],
  attrs: readonly [string, string] = ["Tdense", "dense_shapes"],
): DenseSpec[] {
  const types = (node.attrs[attrs[0]] ?? []) as DType[];
  const shapes = (node.attrs[attrs[1]] ?? []) as TensorShape[];
  if (types.length !== keys.length || shapes.length !== keys.length)
    throw new InvalidArgumentError(
      `${op}: ${attrs[0]} (${types.length}) and ${attrs[1]} (${shapes.length}) must match the ${keys.length} dense keys`,
    );
  return keys.map((key, j) => {
    const s = shapes[j];
    // FixedLenSequenceFeature's variable first dim (-1) is not supported.
    if (!s.isFullyDefined)
      throw new InvalidArgumentError(
        `${op}: dense_shapes[${j}] (${s}) for key '${key}' must be fully defined (variable-length dense features are not supported)`,
      );
    const shape = s.dims as number[];
    const def = defaults[j];
    if (def.size === 0) return { key, dtype: types[j], shape, defaults: null };
    if (def.size !== elementCount(shape))
      throw new InvalidArgumentError(
        `${op}: dense_defaults[${j}] for key '${key}' has shape ${shapeString(def.shape)}; it must have ${elementCount(shape)} elements, for dense shape ${s}`,
      );
    return { key, dtype: types[j], shape, defaults: Array.from(def.data as ArrayLike<Value>) };
  });
}

export const scalarString = (v: NDArray, op: string, what: string): string => {
  if (v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(v.shape)}`,
    );
  return (v.data as string[])[0];
};

/**
 * The outputs of an example parser for the examples' feature maps (`batched` false for one
 * example, ParseSingleExample): sparse indices, sparse values, sparse shapes, dense values.
 */
export function featureOutputs(
  op: string,
  maps: readonly (Readonly<Record<string, FeatureLike>> | undefined)[],
  names: readonly string[],
  sparse: readonly SparseSpec[],
  dense: readonly DenseSpec[],
  batched: boolean,
): NDArray[] {
  const n = maps.length;
  const denseOut = dense.map((d) => {
    const count = elementCount(d.shape);
    // Refuse a too-large output before filling it (defaults repeat once per example).
    const shape = batched ? [n, ...d.shape] : d.shape;
    checkShapeAllocation(d.dtype, shape);
    // Filled in place, example by example (no intermediate JS array of every value).
    const out = new NDArray(d.dtype, shape);
    const data = out.data as { set(v: ArrayLike<Value>, at: number): void };
    maps.forEach((m, i) => {
      const name = names[i] ?? "";
      const vals = featureValues(op, m, d.key, d.dtype, name, i);
      if (vals === undefined) {
        if (d.defaults === null)
          throw new InvalidArgumentError(
            `${op}: Name: ${name || "<unknown>"}, Feature: ${d.key} (data type: ${TF_NAME[d.dtype]}) is required but could not be found (example index ${i}).`,
          );
        fill(data, d.defaults, i * count);
      } else if (vals.length !== count) {
        throw new InvalidArgumentError(
          `${op}: ${where(name, d.key, i)} Number of ${TF_NAME[d.dtype]} values != expected. Values size: ${vals.length} but output shape: ${shapeString(d.shape)}`,
        );
      } else fill(data, vals, i * count);
    });
    return out;
  });
  const indices: NDArray[] = [];
  const values: NDArray[] = [];
  const shapes: NDArray[] = [];
  for (const sp of sparse) {
    const idx: bigint[] = [];
    const vals: Value[] = [];
    let longest = 0;
    maps.forEach((m, i) => {
      const v = featureValues(op, m, sp.key, sp.dtype, names[i] ?? "", i) ?? [];
      longest = Math.max(longest, v.length);
      for (let j = 0; j < v.length; j++) {
        if (batched) idx.push(BigInt(i));
        idx.push(BigInt(j));
        vals.push(v[j]);
      }
    });
    const rank = batched ? 2 : 1;
    checkShapeAllocation("int64", [vals.length, rank]);
    indices.push(new NDArray("int64", [vals.length, rank], BigInt64Array.from(idx)));
    values.push(makeArray(sp.dtype, [vals.length], vals));
    const dims = batched ? [BigInt(n), BigInt(longest)] : [BigInt(longest)];
    shapes.push(new NDArray("int64", [rank], BigInt64Array.from(dims)));
  }
  return [...indices, ...values, ...shapes, ...denseOut];
}

/** The sparse keys and their types (sparse_types) must pair up (an imported node may not). */
export function sparseSpecs(
  op: string,
  keys: readonly string[],
  types: readonly DType[],
): SparseSpec[] {
  if (types.length !== keys.length)
    throw new InvalidArgumentError(
      `${op}: sparse_types has ${types.length} types for ${keys.length} sparse keys`,
    );
  return keys.map((key, i) => ({ key, dtype: types[i] }));
}
