// DecodeRaw (a string's bytes read as numbers), SerializeTensor and ParseTensor (a tensor as a
// serialized TensorProto). Bytes travel as byte strings (framework/bytes.ts).
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { bytesString, stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { checkShapeAllocation } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { TensorProtoSchema } from "../../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../../io/tensor_proto.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

/** Bytes per element, and how one is read from a DataView, for DecodeRaw's out_types. */
const RAW: Partial<
  Record<DType, [number, (v: DataView, at: number, le: boolean) => number | bigint]>
> = {
  float32: [4, (v, at, le) => v.getFloat32(at, le)],
  float64: [8, (v, at, le) => v.getFloat64(at, le)],
  int32: [4, (v, at, le) => v.getInt32(at, le)],
  int64: [8, (v, at, le) => v.getBigInt64(at, le)],
  uint8: [1, (v, at) => v.getUint8(at)],
  bool: [1, (v, at) => (v.getUint8(at) !== 0 ? 1 : 0)],
};

cpuBackend.register("DecodeRaw", (node) => {
  const dtype = node.attrs.out_type as DType;
  const le = (node.attrs.little_endian ?? true) as boolean;
  const raw = RAW[dtype];
  if (!raw)
    throw new UnimplementedError(
      `DecodeRaw: out_type ${dtype} is not supported (tensorgraph computes with ${Object.keys(RAW).join(", ")})`,
    );
  const [size, read] = raw;
  return (inputs) => {
    const x = arr(inputs[0]);
    const bytes = (x.data as string[]).map(stringBytes);
    const len = bytes.length > 0 ? bytes[0].length : 0;
    bytes.forEach((b, i) => {
      if (b.length !== len)
        throw new InvalidArgumentError(
          `DecodeRaw requires input strings to all be the same size, but element ${i} has size ${b.length} != ${len}`,
        );
    });
    if (len % size !== 0)
      throw new InvalidArgumentError(
        `Input to DecodeRaw has length ${len} that is not a multiple of ${size}, the size of ${dtype}`,
      );
    const per = len / size;
    const shape = [...x.shape, per];
    checkShapeAllocation(dtype, shape);
    const out = new NDArray(dtype, shape);
    const data = out.data as unknown as { [i: number]: number | bigint };
    bytes.forEach((b, i) => {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let k = 0; k < per; k++) data[i * per + k] = read(view, k * size, le);
    });
    return [out];
  };
});

cpuBackend.register("SerializeTensor", () => (inputs) => {
  const x = arr(inputs[0]);
  const p = ndarrayToTensorProto(x);
  // String elements are bytes (a byte string or UTF-8 text), not always UTF-8 text.
  if (x.dtype === "string") p.stringVal = (x.data as string[]).map(stringBytes);
  return [new NDArray("string", [], [bytesString(toBinary(TensorProtoSchema, p))])];
});

cpuBackend.register("ParseTensor", (node) => {
  const dtype = node.attrs.out_type as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    if (x.rank !== 0)
      throw new InvalidArgumentError(
        `ParseTensor: Expected serialized to be a scalar, got shape: ${shapeString(x.shape)}`,
      );
    let out: NDArray;
    try {
      const p = fromBinary(TensorProtoSchema, stringBytes((x.data as string[])[0]));
      out = tensorProtoToNDArray(p);
      if (out.dtype === "string") {
        // Read string elements back as byte strings; the last value fills the rest (TF's rule).
        const vals = p.stringVal.map(bytesString);
        const data = out.data as string[];
        for (let i = 0; i < data.length; i++) data[i] = vals[Math.min(i, vals.length - 1)] ?? "";
      }
    } catch (e) {
      if (e instanceof UnimplementedError) throw e;
      throw new InvalidArgumentError(
        `ParseTensor: Could not parse \`serialized\` as TensorProto: ${(e as Error).message}`,
      );
    }
    if (out.dtype !== dtype)
      throw new InvalidArgumentError(
        `ParseTensor: Type mismatch between parsed tensor (${out.dtype}) and dtype (${dtype})`,
      );
    return [out];
  };
});
