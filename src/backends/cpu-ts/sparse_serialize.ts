// SerializeSparse / DeserializeSparse: a sparse tensor as three serialized TensorProtos (indices,
// values, dense shape), as TensorFlow's string form. The protobuf bytes are binary, so each
// string is a byte string (framework/bytes.ts: one char per byte), not UTF-8 text: they are
// meant for DeserializeSparse (or to carry through string tensors), not for the text ops.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { bytesString, stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { TensorProtoSchema } from "../../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../../io/tensor_proto.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { indicesArray, readSparse, type Sparse, shapeArray, valuesOf } from "./sparse_util.js";

cpuBackend.register("SerializeSparse", (node) => {
  if (node.attrs.out_type !== "string")
    throw new UnimplementedError(
      `SerializeSparse: out_type ${node.attrs.out_type} is not supported (only string)`,
    );
  return (inputs) => {
    const [i, v, s] = inputs.map(arr);
    readSparse("SerializeSparse", i, v, s, "sparse_");
    const out = [i, v, s].map((x) =>
      bytesString(toBinary(TensorProtoSchema, ndarrayToTensorProto(x))),
    );
    return [new NDArray("string", [3], out)];
  };
});

function parse(s: string, k: number, what: string): NDArray {
  try {
    return tensorProtoToNDArray(fromBinary(TensorProtoSchema, stringBytes(s)));
  } catch (e) {
    throw new InvalidArgumentError(
      `DeserializeSparse: could not parse serialized_sparse[${k}, ${what}]: ${(e as Error).message}`,
    );
  }
}

/**
 * [..., 3] serialized sparse tensors of one rank: one sparse tensor with the batch dims in front,
 * each dense dim the largest of the inputs'.
 */
cpuBackend.register("DeserializeSparse", (node) => {
  const dtype = node.attrs.dtype as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank < 1 || x.shape[x.rank - 1] !== 3)
      throw new InvalidArgumentError(
        `DeserializeSparse: serialized_sparse must have 3 as its last dimension, got ${shapeString(x.shape)}`,
      );
    const batch = x.shape.slice(0, -1);
    const count = x.size / 3;
    const parts: Sparse[] = [];
    for (let k = 0; k < count; k++) {
      const [i, v, s] = ["indices", "values", "shape"].map((w, j) =>
        parse((x.data as string[])[3 * k + j], k, w),
      );
      if (v.dtype !== dtype)
        throw new InvalidArgumentError(
          `DeserializeSparse: requested SparseTensor of type ${dtype} but SparseTensor[${k}].values.dtype() == ${v.dtype}`,
        );
      const sp = readSparse("DeserializeSparse", i, v, s, `SparseTensor[${k}] `);
      if (parts.length && sp.rank !== parts[0].rank)
        throw new InvalidArgumentError(
          `DeserializeSparse: inconsistent rank across SparseTensors: ${parts[0].rank} vs. ${sp.rank}`,
        );
      parts.push(sp);
    }
    if (x.rank === 1) {
      const p = parts[0];
      return [indicesArray(p.idx, p.n, p.rank), p.values, shapeArray(p.shape)];
    }
    const rank = parts.length ? parts[0].rank : 0;
    const dense = Array.from({ length: rank }, (_, d) =>
      Math.max(0, ...parts.map((p) => p.shape[d])),
    );
    const strides = batch.map((_, d) => batch.slice(d + 1).reduce((a, b) => a * b, 1));
    const idx: number[] = [];
    const vals: (number | bigint | string)[] = [];
    parts.forEach((p, k) => {
      const prefix = strides.map((st, d) => Math.floor(k / st) % batch[d]);
      for (let e = 0; e < p.n; e++) {
        idx.push(...prefix, ...p.idx.slice(e * rank, (e + 1) * rank));
        vals.push(p.values.data[e] as number | bigint | string);
      }
    });
    const values =
      dtype === "string"
        ? new NDArray("string", [vals.length], vals as string[])
        : dtype === "bool"
          ? new NDArray("bool", [vals.length], Uint8Array.from(vals as number[]))
          : dtype === "int64"
            ? new NDArray("int64", [vals.length], BigInt64Array.from(vals as bigint[]))
            : valuesOf(dtype, vals as number[]);
    const n = vals.length;
    return [indicesArray(idx, n, batch.length + rank), values, shapeArray([...batch, ...dense])];
  };
});
