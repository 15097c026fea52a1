// ParseExample / ParseSingleExample: serialized tf.train.Example protos (byte strings, see
// framework/bytes.ts) into dense tensors and SparseTensor components, as TF 1.15's example
// parser does: dense features fill [batch, ...dense_shape] (a default where one is missing),
// sparse features become (indices, values, dense_shape) with one row per example.
import { stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { readExampleFeatures, type WireFeature } from "./example_wire.js";
import { cpuBackend } from "./index.js";
import {
  type DenseSpec,
  denseSpecs,
  featureOutputs,
  type SparseSpec,
  scalarString,
  sparseSpecs,
} from "./parsing_util.js";
import "./parsing_sequence.js";
import "./parsing_tensor.js";

/** A string element's bytes: a byte string straight through Buffer (native), text as UTF-8. */
function elementBytes(s: string): Uint8Array {
  return NOT_LATIN1.test(s) ? stringBytes(s) : Buffer.from(s, "latin1");
}
const NOT_LATIN1 = /[\u0100-\uffff]/;

/** The wanted features of serialized Example `index` (example_wire.ts reads the wire format). */
function parseOne(
  op: string,
  s: string,
  index: number,
  wanted: ReadonlySet<string>,
): Record<string, WireFeature> {
  try {
    return readExampleFeatures(elementBytes(s), wanted);
  } catch (e) {
    throw new InvalidArgumentError(
      `${op}: Could not parse example input ${index} (${s.length} bytes): ${(e as Error).message}`,
    );
  }
}

/** Parses `serialized` and computes the outputs (see featureOutputs). */
function parseExamples(
  op: string,
  serialized: readonly string[],
  names: readonly string[],
  sparse: readonly SparseSpec[],
  dense: readonly DenseSpec[],
  batched: boolean,
): NDArray[] {
  const wanted = new Set([...sparse.map((f) => f.key), ...dense.map((f) => f.key)]);
  const maps = serialized.map((s, i) => parseOne(op, s, i, wanted));
  return featureOutputs(op, maps, names, sparse, dense, batched);
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
    const sparse = sparseSpecs("ParseExample", sk, sparseTypes);
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
    const sparse = sparseSpecs("ParseSingleExample", sk, sparseTypes);
    return parseExamples("ParseSingleExample", [serialized], [], sparse, dense, false);
  };
});
