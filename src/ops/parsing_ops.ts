// Parsing ops: tf.train.Example protos (ParseExample, ParseSingleExample), raw bytes (DecodeRaw)
// and serialized tensors (SerializeTensor, ParseTensor): registrations (shape functions; none
// has a gradient, as in TensorFlow) and builders. Kernels: backends/cpu-ts/parsing_ops.ts.
// Serialized protos travel in string tensors as byte strings (framework/bytes.ts).
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Tensor } from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { constant } from "./basic.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { SparseTensor } from "./sparse_tensor.js";

// ---- Registrations ----

/** Output shapes of the example parsers: sparse (indices, values, shapes), then dense. */
function exampleShapes(c: ShapeContext, numSparse: number, batch: Dim[] | null): TensorShape[] {
  const rank = batch === null ? 1 : 2;
  const denseShapes = (c.attr<TensorShape[]>("dense_shapes") ?? []) as TensorShape[];
  const rep = (s: Dim[]) => Array.from({ length: numSparse }, () => new TensorShape(s));
  return [
    ...rep([null, rank]),
    ...rep([null]),
    ...rep([rank]),
    ...denseShapes.map((s) => (batch === null ? s : new TensorShape(batch).concatenate(s))),
  ];
}

registerOp("ParseExample", {
  shape: (c) => {
    const s = c.withRank(0, 1);
    return exampleShapes(c, c.attr<number>("Nsparse"), [s.dim(0)]);
  },
});
registerOp("ParseSingleExample", {
  shape: (c) => {
    c.withRank(0, 0);
    return exampleShapes(c, c.attr<number>("num_sparse"), null);
  },
});
registerOp("DecodeRaw", {
  // One more dim: the number of values in each string (known only when run).
  shape: (c) => c.input(0).concatenate([null]),
});
registerOp("SerializeTensor", { shape: () => TensorShape.scalar() });
registerOp("ParseTensor", { shape: () => TensorShape.unknown() });

// ---- Feature specs ----

/** tf.io.FixedLenFeature: a dense feature of a fixed shape; without a default it is required. */
export interface FixedLenFeature {
  readonly kind: "FixedLenFeature";
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly defaultValue?: ValueLike;
}
/** tf.io.VarLenFeature: a feature of any length, parsed into a SparseTensor. */
export interface VarLenFeature {
  readonly kind: "VarLenFeature";
  readonly dtype: DType;
}
export type FeatureSpec = FixedLenFeature | VarLenFeature;

const FEATURE_DTYPES: readonly DType[] = ["float32", "int64", "string"];
function checkDtype(dtype: DType, what: string): DType {
  if (!FEATURE_DTYPES.includes(dtype))
    throw new ValueError(
      `${what}: dtype ${dtype} is not supported; a feature is float32, int64 or string`,
    );
  return dtype;
}

/** tf.io.FixedLenFeature(shape, dtype, default_value=None). */
export function fixedLenFeature(
  shape: readonly number[],
  dtype: DType,
  defaultValue?: ValueLike,
): FixedLenFeature {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ValueError(`FixedLenFeature: shape [${shape.join(",")}] must be fully defined`);
  return {
    kind: "FixedLenFeature",
    shape: [...shape],
    dtype: checkDtype(dtype, "FixedLenFeature"),
    defaultValue,
  };
}

/** tf.io.VarLenFeature(dtype). */
export function varLenFeature(dtype: DType): VarLenFeature {
  return { kind: "VarLenFeature", dtype: checkDtype(dtype, "VarLenFeature") };
}

// ---- Builders ----

/** Features split as TF does: sparse and dense keys, each sorted (with the dense defaults). */
export function splitFeatures(
  features: Readonly<Record<string, FeatureSpec>>,
  what: string,
  allowEmpty = false,
) {
  const keys = Object.keys(features).sort();
  if (keys.length === 0 && !allowEmpty)
    throw new ValueError(`${what}: Missing: features was ${"{}"}.`);
  const sparse = keys.filter((k) => features[k].kind === "VarLenFeature");
  const dense = keys.filter((k) => features[k].kind === "FixedLenFeature");
  const specs = dense.map((k) => features[k] as FixedLenFeature);
  for (const k of keys)
    if (features[k].kind !== "VarLenFeature" && features[k].kind !== "FixedLenFeature")
      throw new ValueError(`${what}: feature '${k}' is not a FixedLenFeature or VarLenFeature`);
  // A missing default is an empty tensor: the feature is then required.
  const defaults = specs.map((f, j) => {
    if (f.defaultValue === undefined) return constant(new NDArray(f.dtype, [0]));
    const v = NDArray.from(f.defaultValue, f.dtype);
    const count = f.shape.reduce((a, b) => a * b, 1);
    if (v.size !== count && v.size !== 1)
      throw new ValueError(
        `${what}: default_value of '${dense[j]}' has ${v.size} elements; its shape [${f.shape.join(",")}] needs ${count}`,
      );
    return constant(v, { shape: [...f.shape] });
  });
  const attrs = {
    sparse_types: sparse.map((k) => features[k].dtype),
    Tdense: specs.map((f) => f.dtype),
    dense_shapes: specs.map((f) => new TensorShape(f.shape)),
  };
  return { sparse, dense, defaults, attrs };
}

/** Maps the op's outputs back to the feature keys (SparseTensors for VarLenFeatures). */
function collect(
  outputs: readonly Tensor[],
  sparse: readonly string[],
  dense: readonly string[],
): Record<string, Tensor | SparseTensor> {
  const ns = sparse.length;
  const out: Record<string, Tensor | SparseTensor> = {};
  sparse.forEach((k, i) => {
    out[k] = new SparseTensor(outputs[i], outputs[ns + i], outputs[2 * ns + i]);
  });
  dense.forEach((k, j) => {
    out[k] = outputs[3 * ns + j];
  });
  return out;
}

/**
 * tf.io.parse_example(serialized, features, name=None, example_names=None): a batch of serialized
 * tf.train.Examples (a string vector) into a tensor per FixedLenFeature ([batch, ...shape]) and a
 * SparseTensor per VarLenFeature ([batch, longest list]).
 */
export function parseExample(
  serialized: TensorLike,
  features: Readonly<Record<string, FeatureSpec>>,
  options: { name?: string; exampleNames?: TensorLike } = {},
): Record<string, Tensor | SparseTensor> {
  const { sparse, dense, defaults, attrs } = splitFeatures(features, "parse_example");
  const op = makeOp(
    "ParseExample",
    [
      serialized,
      options.exampleNames ?? constant(new NDArray("string", [0])),
      sparse,
      dense,
      defaults,
    ],
    { Nsparse: sparse.length, Ndense: dense.length, ...attrs },
    options.name ?? "ParseExample",
  );
  return collect(op.outputs, sparse, dense);
}

/**
 * tf.io.parse_single_example(serialized, features, name=None, example_names=None): one serialized
 * tf.train.Example (a string scalar); dense features have their shape, sparse ones are 1-D.
 */
export function parseSingleExample(
  serialized: TensorLike,
  features: Readonly<Record<string, FeatureSpec>>,
  options: { name?: string } = {},
): Record<string, Tensor | SparseTensor> {
  const { sparse, dense, defaults, attrs } = splitFeatures(features, "parse_single_example");
  const op = makeOp(
    "ParseSingleExample",
    [serialized, defaults],
    { num_sparse: sparse.length, sparse_keys: sparse, dense_keys: dense, ...attrs },
    options.name ?? "ParseSingleExample",
  );
  return collect(op.outputs, sparse, dense);
}

/** tf.io.decode_raw(input_bytes, out_type, little_endian=True): each string's bytes as numbers. */
export function decodeRaw(
  inputBytes: TensorLike,
  outType: DType,
  options: { littleEndian?: boolean; name?: string } = {},
): Tensor {
  return makeOp1(
    "DecodeRaw",
    [inputBytes],
    { out_type: outType, little_endian: options.littleEndian ?? true },
    options.name,
  );
}

/** tf.io.serialize_tensor(tensor): a TensorProto as a string scalar (a byte string). */
export function serializeTensor(tensor: TensorLike, options: { name?: string } = {}): Tensor {
  return makeOp1("SerializeTensor", [tensor], {}, options.name);
}

/** tf.io.parse_tensor(serialized, out_type): the tensor a serialized TensorProto holds. */
export function parseTensor(
  serialized: TensorLike,
  outType: DType,
  options: { name?: string } = {},
): Tensor {
  return makeOp1("ParseTensor", [serialized], { out_type: outType }, options.name);
}
