// ParseExample / ParseSingleExample: serialized tf.train.Example protos (byte strings, see
// framework/bytes.ts) into dense tensors and SparseTensor components, as TF 1.15's example
// parser does: dense features fill [batch, ...dense_shape] (a default where one is missing),
// sparse features become (indices, values, dense_shape) with one row per example.
import { fromBinary } from "@bufbuild/protobuf";
import { stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkShapeAllocation, elementCount } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { type Example, ExampleSchema } from "../../io/proto/index.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  type DenseSpec,
  denseSpecs,
  featureValues,
  makeArray,
  type SparseSpec,
  scalarString,
  TF_NAME,
  type Value,
  where,
} from "./parsing_util.js";
import "./parsing_tensor.js";

function parseOne(op: string, s: string, index: number): Example {
  try {
    return fromBinary(ExampleSchema, stringBytes(s));
  } catch (e) {
    throw new InvalidArgumentError(
      `${op}: Could not parse example input ${index} (${s.length} bytes): ${(e as Error).message}`,
    );
  }
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
      const vals = featureValues(op, ex.features?.feature, d.key, d.dtype, name, i);
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
      const v = featureValues(op, ex.features?.feature, sp.key, sp.dtype, names[i] ?? "", i) ?? [];
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
