// ParseExample / ParseSingleExample: serialized tf.train.Example protos (byte strings, see
// framework/bytes.ts) into dense tensors and SparseTensor components, as TF 1.15's example
// parser does: dense features fill [batch, ...dense_shape] (a default where one is missing),
// sparse features become (indices, values, dense_shape) with one row per example.
import { fromBinary } from "@bufbuild/protobuf";
import { bytesString, stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkShapeAllocation, elementCount } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, type TensorShape } from "../../framework/tensor_shape.js";
import { type Example, ExampleSchema, type Feature } from "../../io/proto/index.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import "./parsing_tensor.js";

type Value = number | bigint | string;
/** TF's names of the dtypes a feature may have (they appear in its messages). */
const TF_NAME: Record<string, string> = { float32: "float", int64: "int64", string: "string" };
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

interface DenseSpec {
  key: string;
  dtype: DType;
  shape: number[];
  /** The default value's elements, or null when the feature is required. */
  defaults: readonly Value[] | null;
}
interface SparseSpec {
  key: string;
  dtype: DType;
}

/** What the error messages say about an example: "Name: <name>, Key: k, Index: i". */
const where = (name: string, key: string, index: number) =>
  `Name: ${name || "<unknown>"}, Key: ${key}, Index: ${index}.`;

function parseOne(op: string, s: string, index: number): Example {
  try {
    return fromBinary(ExampleSchema, stringBytes(s));
  } catch (e) {
    throw new InvalidArgumentError(
      `${op}: Could not parse example input ${index} (${s.length} bytes): ${(e as Error).message}`,
    );
  }
}

/** A feature's values as the spec's dtype; undefined when the example lacks the feature. */
function featureValues(
  op: string,
  ex: Example,
  key: string,
  dtype: DType,
  name: string,
  index: number,
): Value[] | undefined {
  const f = ex.features?.feature[key];
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

function makeArray(dtype: DType, shape: number[], values: readonly Value[]): NDArray {
  checkShapeAllocation(dtype, shape);
  if (dtype === "string") return new NDArray("string", shape, values as string[]);
  if (dtype === "int64") return new NDArray("int64", shape, BigInt64Array.from(values as bigint[]));
  return new NDArray("float32", shape, Float32Array.from(values as number[]));
}

/**
 * Parses `serialized` (the examples; `batch` null for ParseSingleExample's one scalar) into the
 * outputs: sparse indices, sparse values, sparse shapes, dense values.
 */
function parseExamples(
  op: string,
  serialized: readonly string[],
  names: readonly string[],
  sparse: readonly SparseSpec[],
  dense: readonly DenseSpec[],
  batched: boolean,
): NDArray[] {
  const n = serialized.length;
  const examples = serialized.map((s, i) => parseOne(op, s, i));
  const denseOut = dense.map((d) => {
    const count = elementCount(d.shape);
    const out: Value[] = [];
    examples.forEach((ex, i) => {
      const name = names[i] ?? "";
      const vals = featureValues(op, ex, d.key, d.dtype, name, i);
      if (vals === undefined) {
        if (d.defaults === null)
          throw new InvalidArgumentError(
            `${op}: Name: ${name || "<unknown>"}, Feature: ${d.key} (data type: ${TF_NAME[d.dtype]}) is required but could not be found (example index ${i}).`,
          );
        out.push(...d.defaults);
      } else if (vals.length !== count) {
        throw new InvalidArgumentError(
          `${op}: ${where(name, d.key, i)} Number of ${TF_NAME[d.dtype]} values != expected. Values size: ${vals.length} but output shape: ${shapeString(d.shape)}`,
        );
      } else out.push(...vals);
    });
    return makeArray(d.dtype, batched ? [n, ...d.shape] : d.shape, out);
  });
  const indices: NDArray[] = [];
  const values: NDArray[] = [];
  const shapes: NDArray[] = [];
  for (const sp of sparse) {
    const idx: bigint[] = [];
    const vals: Value[] = [];
    let longest = 0;
    examples.forEach((ex, i) => {
      const v = featureValues(op, ex, sp.key, sp.dtype, names[i] ?? "", i) ?? [];
      longest = Math.max(longest, v.length);
      v.forEach((x, j) => {
        if (batched) idx.push(BigInt(i));
        idx.push(BigInt(j));
        vals.push(x);
      });
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

/** The dense specs of a node: keys, dtypes (Tdense), shapes (dense_shapes) and default inputs. */
function denseSpecs(
  op: string,
  node: NodeInfo,
  keys: readonly string[],
  defaults: readonly NDArray[],
): DenseSpec[] {
  const types = (node.attrs.Tdense ?? []) as DType[];
  const shapes = (node.attrs.dense_shapes ?? []) as TensorShape[];
  if (types.length !== keys.length || shapes.length !== keys.length)
    throw new InvalidArgumentError(
      `${op}: Tdense (${types.length}) and dense_shapes (${shapes.length}) must match the ${keys.length} dense keys`,
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

const scalarString = (v: NDArray, op: string, what: string): string => {
  if (v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(v.shape)}`,
    );
  return (v.data as string[])[0];
};

cpuBackend.register("ParseExample", (node) => {
  const ns = node.attrs.Nsparse as number;
  const nd = node.attrs.Ndense as number;
  const sparseTypes = (node.attrs.sparse_types ?? []) as DType[];
  return (inputs) => {
    const xs = inputs.map(arr);
    const [serialized, names] = xs;
    if (serialized.rank !== 1)
      throw new InvalidArgumentError(
        `ParseExample: Expected serialized to be a vector, got shape: ${shapeString(serialized.shape)}`,
      );
    if (names.size > 0 && (names.rank !== 1 || names.size !== serialized.size))
      throw new InvalidArgumentError(
        `ParseExample: Expected len(names) == len(serialized), but got: ${shapeString(names.shape)} vs. ${shapeString(serialized.shape)}`,
      );
    const sk = xs
      .slice(2, 2 + ns)
      .map((v, i) => scalarString(v, "ParseExample", `sparse_keys[${i}]`));
    const dk = xs
      .slice(2 + ns, 2 + ns + nd)
      .map((v, i) => scalarString(v, "ParseExample", `dense_keys[${i}]`));
    const dense = denseSpecs("ParseExample", node, dk, xs.slice(2 + ns + nd));
    const sparse = sk.map((key, i) => ({ key, dtype: sparseTypes[i] }));
    return parseExamples(
      "ParseExample",
      serialized.data as string[],
      names.data as string[],
      sparse,
      dense,
      true,
    );
  };
});

cpuBackend.register("ParseSingleExample", (node) => {
  const sk = (node.attrs.sparse_keys ?? []) as string[];
  const dk = (node.attrs.dense_keys ?? []) as string[];
  const sparseTypes = (node.attrs.sparse_types ?? []) as DType[];
  return (inputs) => {
    const xs = inputs.map(arr);
    const serialized = scalarString(xs[0], "ParseSingleExample", "serialized");
    const dense = denseSpecs("ParseSingleExample", node, dk, xs.slice(1));
    const sparse = sk.map((key, i) => ({ key, dtype: sparseTypes[i] }));
    return parseExamples("ParseSingleExample", [serialized], [], sparse, dense, false);
  };
});
