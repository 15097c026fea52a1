// ParseSequenceExample: a batch of serialized tf.train.SequenceExamples. The context is parsed as
// ParseExample parses features; each feature list becomes, per example, a sequence of steps:
// dense lists [batch, longest sequence, ...shape] padded with zeros ("" for strings) plus their
// lengths, sparse lists (indices [N, 3] = example, step, position; values; dense shape).
import { fromBinary } from "@bufbuild/protobuf";
import { stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { checkShapeAllocation, elementCount } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, type TensorShape } from "../../framework/tensor_shape.js";
import {
  type FeatureList,
  type SequenceExample,
  SequenceExampleSchema,
} from "../../io/proto/index.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import {
  denseSpecs,
  featureOutputs,
  featureValues,
  makeArray,
  sparseSpecs,
  TF_NAME,
  type Value,
  where,
} from "./parsing_util.js";

const OP = "ParseSequenceExample";

function parseOne(s: string, index: number): SequenceExample {
  try {
    return fromBinary(SequenceExampleSchema, stringBytes(s));
  } catch (e) {
    throw new InvalidArgumentError(
      `${OP}: Could not parse example input ${index} (${s.length} bytes): ${(e as Error).message}`,
    );
  }
}

/** One step's values of list `key` (a Feature in the list), checked against the dtype. */
const stepValues = (
  list: FeatureList,
  key: string,
  dtype: DType,
  name: string,
  i: number,
): Value[][] =>
  list.feature.map((f) => Array.from(featureValues(OP, { [key]: f }, key, dtype, name, i) ?? []));

cpuBackend.register(OP, (node) => {
  const a = node.attrs;
  const strs = (k: string) => (a[k] ?? []) as string[];
  const types = (k: string) => (a[k] ?? []) as DType[];
  const contextSparse = sparseSpecs(OP, strs("context_sparse_keys"), types("context_sparse_types"));
  const listSparse = sparseSpecs(
    OP,
    strs("feature_list_sparse_keys"),
    types("feature_list_sparse_types"),
  );
  if (types("feature_list_dense_types").length !== strs("feature_list_dense_keys").length)
    throw new InvalidArgumentError(
      `${OP}: feature_list_dense_types must have one type per feature_list_dense_keys`,
    );
  const listDenseKeys = strs("feature_list_dense_keys");
  const listDenseTypes = types("feature_list_dense_types");
  const listDenseShapes = (a.feature_list_dense_shapes ?? []) as TensorShape[];
  const assumedEmpty = new Set(strs("feature_list_dense_missing_assumed_empty"));
  const listDense = listDenseKeys.map((key, j) => {
    const s = listDenseShapes[j];
    if (!s?.isFullyDefined)
      throw new InvalidArgumentError(
        `${OP}: feature_list_dense_shapes[${j}] for key '${key}' must be fully defined, got ${s}`,
      );
    return { key, dtype: listDenseTypes[j], shape: s.dims as number[] };
  });
  return (inputs) => {
    const xs = inputs.map(arr);
    const [serialized, names] = xs;
    if (serialized.rank !== 1)
      throw new InvalidArgumentError(
        `${OP}: Expected serialized to be a vector, got shape: ${shapeString(serialized.shape)}`,
      );
    const nameOf = (i: number) => (names.size > 0 ? ((names.data as string[])[i] ?? "") : "");
    const n = serialized.size;
    const examples = (serialized.data as string[]).map(parseOne);
    const dense = denseSpecs(OP, node, strs("context_dense_keys"), xs.slice(2), [
      "Tcontext_dense",
      "context_dense_shapes",
    ]);
    const context = featureOutputs(
      OP,
      examples.map((e) => e.context?.feature),
      examples.map((_, i) => nameOf(i)),
      contextSparse,
      dense,
      true,
    );
    const lists = (i: number) => examples[i].featureLists?.featureList;
    // Sparse feature lists: one entry per value, at (example, step, position).
    const spIdx: NDArray[] = [];
    const spVals: NDArray[] = [];
    const spShapes: NDArray[] = [];
    for (const sp of listSparse) {
      const idx: bigint[] = [];
      const vals: Value[] = [];
      let steps = 0;
      let longest = 0;
      for (let i = 0; i < n; i++) {
        const list = lists(i)?.[sp.key];
        if (!list) continue;
        const per = stepValues(list, sp.key, sp.dtype, nameOf(i), i);
        steps = Math.max(steps, per.length);
        per.forEach((v, t) => {
          longest = Math.max(longest, v.length);
          v.forEach((x, j) => {
            idx.push(BigInt(i), BigInt(t), BigInt(j));
            vals.push(x);
          });
        });
      }
      checkShapeAllocation("int64", [vals.length, 3]);
      spIdx.push(new NDArray("int64", [vals.length, 3], BigInt64Array.from(idx)));
      spVals.push(makeArray(sp.dtype, [vals.length], vals));
      const dims = [BigInt(n), BigInt(steps), BigInt(longest)];
      spShapes.push(new NDArray("int64", [3], BigInt64Array.from(dims)));
    }
    // Dense feature lists: [batch, longest sequence, ...shape], zero-padded, and the lengths.
    const dnVals: NDArray[] = [];
    const dnLens: NDArray[] = [];
    for (const d of listDense) {
      const count = elementCount(d.shape);
      const per: Value[][][] = [];
      for (let i = 0; i < n; i++) {
        const list = lists(i)?.[d.key];
        if (!list) {
          if (!assumedEmpty.has(d.key))
            throw new InvalidArgumentError(
              `${OP}: Name: ${nameOf(i) || "<unknown>"}, Feature list '${d.key}' is required but could not be found (example index ${i}). Did you mean to include it in feature_list_dense_missing_assumed_empty or feature_list_dense_defaults?`,
            );
          per.push([]);
          continue;
        }
        const steps = stepValues(list, d.key, d.dtype, nameOf(i), i);
        steps.forEach((v, t) => {
          if (v.length !== count)
            throw new InvalidArgumentError(
              `${OP}: ${where(nameOf(i), d.key, i)} Number of ${TF_NAME[d.dtype]} values != expected. values size: ${v.length} but output shape: ${shapeString(d.shape)} (step ${t})`,
            );
        });
        per.push(steps);
      }
      const longest = Math.max(0, ...per.map((p) => p.length));
      const shape = [n, longest, ...d.shape];
      checkShapeAllocation(d.dtype, shape);
      const pad: Value = d.dtype === "string" ? "" : d.dtype === "int64" ? 0n : 0;
      const flat: Value[] = [];
      for (const steps of per) {
        for (const v of steps) flat.push(...v);
        for (let k = steps.length * count; k < longest * count; k++) flat.push(pad);
      }
      dnVals.push(makeArray(d.dtype, shape, flat));
      dnLens.push(
        new NDArray(
          "int64",
          [n],
          BigInt64Array.from(per, (p) => BigInt(p.length)),
        ),
      );
    }
    return [...context, ...spIdx, ...spVals, ...spShapes, ...dnVals, ...dnLens];
  };
});
