// Summary kernels: each builds a tensorflow.Summary and outputs it serialized, as a byte string
// in a scalar string tensor. PNG encoding is fast-png's; WAV and histograms are summary/'s.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { encode as pngEncode } from "fast-png";
import { bytesString, stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString, TensorShape } from "../../framework/tensor_shape.js";
import {
  type Summary,
  type Summary_Value,
  Summary_ValueSchema,
  SummaryMetadataSchema,
  SummarySchema,
  type TensorProto,
  TensorProtoSchema,
} from "../../io/proto/index.js";
import { dataTypeEnum, shapeToProto } from "../../io/tensor_proto.js";
import { histogramProto } from "../../summary/histogram.js";
import { encodeWav } from "../../summary/wav.js";
import { arr, type NodeInfo } from "../kernel.js";
import { checkSize, numbers } from "./image_util.js";
import { cpuBackend } from "./index.js";

const output = (s: Summary): NDArray[] => [
  new NDArray("string", [], [bytesString(toBinary(SummarySchema, s))]),
];

/** A scalar string input's value as text (tags are UTF-8 in TF's protos). */
function scalarTag(t: NDArray, what: string, node: NodeInfo): string {
  if (t.rank !== 0)
    throw new InvalidArgumentError(
      `${node.type}: ${what} must be a scalar, got shape ${shapeString(t.shape)}`,
    );
  return textOf((t.data as string[])[0]);
}

/** A string element as text: a byte string is decoded as UTF-8; any other string is text already. */
function textOf(s: string): string {
  return Buffer.from(stringBytes(s)).toString("utf8");
}

cpuBackend.register("ScalarSummary", (node) => (inputs) => {
  const tags = arr(inputs[0]);
  const values = arr(inputs[1]);
  if (tags.shape.join() !== values.shape.join() || tags.rank !== values.rank) {
    const single = tags.size === 1 ? ` (tag '${textOf((tags.data as string[])[0])}')` : "";
    throw new InvalidArgumentError(
      `${node.type}: tags and values not the same shape: ${shapeString(tags.shape)} != ${shapeString(values.shape)}${single}`,
    );
  }
  const v = numbers(values);
  const t = tags.data as string[];
  const value: Summary_Value[] = [];
  for (let i = 0; i < t.length; i++) {
    value.push(
      create(Summary_ValueSchema, {
        tag: textOf(t[i]),
        value: { case: "simpleValue", value: Number(v[i]) },
      }),
    );
  }
  return output(create(SummarySchema, { value }));
});

cpuBackend.register("HistogramSummary", (node) => (inputs) => {
  const tag = scalarTag(arr(inputs[0]), "tags", node);
  const v = numbers(arr(inputs[1]));
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x))
      throw new InvalidArgumentError(`Nan in summary histogram for: ${node.name}`);
    if (!Number.isFinite(x))
      throw new InvalidArgumentError(`Infinity in summary histogram for: ${node.name}`);
  }
  const histo = histogramProto(v);
  return output(
    create(SummarySchema, { value: [{ tag, value: { case: "histo", value: histo } }] }),
  );
});

/**
 * One image of `hw` pixels × `depth` channels to uint8, as TF's NormalizeFloatImage: min and max
 * over the pixels whose channels are all finite; non-negative images scale by 255/max, others by
 * 127/max|x| and shift by 128 (a range under 1e-6 scales by 0); the result is truncated to uint8
 * and non-finite pixels become `bad`. float32 images compute in float32, as TF's kernel does.
 */
export function normalizeImage(
  src: ArrayLike<number>,
  start: number,
  hw: number,
  depth: number,
  bad: Uint8Array,
  f32: boolean,
): Uint8Array {
  const out = new Uint8Array(hw * depth);
  const fr = f32 ? Math.fround : (x: number) => x;
  const finite = (p: number) => {
    for (let j = 0; j < depth; j++) if (!Number.isFinite(src[start + p * depth + j])) return false;
    return true;
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < hw; p++) {
    if (!finite(p)) continue;
    for (let j = 0; j < depth; j++) {
      const x = src[start + p * depth + j];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  const ZERO = 1e-6;
  let scale: number;
  let offset: number;
  if (lo < 0) {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    scale = m < ZERO ? 0 : fr(127 / m);
    offset = 128;
  } else {
    scale = hi < ZERO ? 0 : fr(255 / hi);
    offset = 0;
  }
  for (let p = 0; p < hw; p++) {
    const ok = finite(p);
    for (let j = 0; j < depth; j++) {
      const o = p * depth + j;
      // Truncation (static_cast<uint8>), after the float multiply-add.
      out[o] = ok ? Math.trunc(fr(fr(src[start + o] * scale) + offset)) : bad[j];
    }
  }
  return out;
}

cpuBackend.register("ImageSummary", (node) => {
  const maxImages = (node.attrs.max_images as number | undefined) ?? 3;
  const badColor =
    (node.attrs.bad_color as NDArray | undefined) ?? new NDArray("uint8", [4], [255, 0, 0, 255]);
  if (badColor.rank !== 1 || badColor.dtype !== "uint8") {
    throw new InvalidArgumentError(
      `${node.name}: bad_color must be a uint8 vector, got ${badColor.dtype} ${shapeString(badColor.shape)}`,
    );
  }
  return (inputs) => {
    const tag = scalarTag(arr(inputs[0]), "Tags", node);
    const t = arr(inputs[1]);
    const [b, h, w, depth] = t.shape;
    if (t.rank !== 4 || ![1, 3, 4].includes(depth)) {
      throw new InvalidArgumentError(
        `${node.type}: Tensor must be 4-D with last dim 1, 3, or 4, not ${shapeString(t.shape)} (tag '${tag}')`,
      );
    }
    if (badColor.size < depth) {
      throw new InvalidArgumentError(
        `${node.type}: bad_color must have at least ${depth} elements, got ${badColor.size}`,
      );
    }
    const n = Math.min(maxImages, b);
    const hw = h * w;
    checkSize(hw * depth, node.type);
    const value: Summary_Value[] = [];
    for (let i = 0; i < n; i++) {
      let pixels: Uint8Array;
      if (t.dtype === "uint8") {
        pixels = (t.data as Uint8Array).subarray(i * hw * depth, (i + 1) * hw * depth);
      } else {
        const src = t.data as ArrayLike<number>;
        pixels = normalizeImage(
          src,
          i * hw * depth,
          hw,
          depth,
          badColor.data as Uint8Array,
          t.dtype === "float32",
        );
      }
      const png = pngEncode({ width: w, height: h, data: pixels, channels: depth, depth: 8 });
      value.push(
        create(Summary_ValueSchema, {
          tag: maxImages > 1 ? `${tag}/image/${i}` : `${tag}/image`,
          value: {
            case: "image",
            value: { height: h, width: w, colorspace: depth, encodedImageString: png },
          },
        }),
      );
    }
    return output(create(SummarySchema, { value }));
  };
});

cpuBackend.register("AudioSummaryV2", (node) => {
  const maxOutputs = (node.attrs.max_outputs as number | undefined) ?? 3;
  return (inputs) => {
    const tag = scalarTag(arr(inputs[0]), "Tag", node);
    const t = arr(inputs[1]);
    const rateT = arr(inputs[2]);
    if (rateT.size !== 1) {
      throw new InvalidArgumentError(
        `${node.type}: sample_rate must be rank-0 or contain a single value, got shape ${shapeString(rateT.shape)}`,
      );
    }
    const sampleRate = Number(rateT.data[0]);
    if (!(sampleRate > 0))
      throw new InvalidArgumentError(`${node.type}: sample_rate must be > 0, got ${sampleRate}`);
    if (t.rank !== 2 && t.rank !== 3) {
      throw new InvalidArgumentError(
        `${node.type}: Tensor must be 3-D or 2-D, got: ${shapeString(t.shape)} (tag '${tag}')`,
      );
    }
    const [b, frames] = t.shape;
    const channels = t.rank === 2 ? 1 : t.shape[2];
    // The WAV header's fields: rate as lrintf rounds it (half to even; 0 becomes 1), channels
    // 1..65535, and a file under 4 GiB (TF's wav_io limits).
    const whole = Math.round(sampleRate);
    const rate = Math.max(1, whole - sampleRate === 0.5 && whole % 2 === 1 ? whole - 1 : whole);
    if (channels === 0 || channels >= 2 ** 16)
      throw new InvalidArgumentError(
        `${node.type}: channels must be in [1, 65535], got ${channels}`,
      );
    if (rate >= 2 ** 32)
      throw new InvalidArgumentError(
        `${node.type}: sample_rate ${sampleRate} is too large for WAV`,
      );
    if (44 + frames * channels * 2 >= 2 ** 32)
      throw new InvalidArgumentError(
        `${node.type}: ${frames} frames of ${channels} channels do not fit a WAV file (4 GiB)`,
      );
    checkSize(frames * channels * 2 + 44, node.type);
    const data = t.data as Float32Array;
    const n = Math.min(maxOutputs, b);
    const value: Summary_Value[] = [];
    for (let i = 0; i < n; i++) {
      const clip = data.subarray(i * frames * channels, (i + 1) * frames * channels);
      value.push(
        create(Summary_ValueSchema, {
          tag: maxOutputs > 1 ? `${tag}/audio/${i}` : `${tag}/audio`,
          value: {
            case: "audio",
            value: {
              sampleRate,
              numChannels: BigInt(channels),
              lengthFrames: BigInt(frames),
              contentType: "audio/wav",
              encodedAudioString: encodeWav(clip, rate, channels, frames),
            },
          },
        }),
      );
    }
    return output(create(SummarySchema, { value }));
  };
});

/** A tensor as TF's AsProtoTensorContent writes it: numbers and bools as raw little-endian bytes, strings in string_val. */
export function tensorContentProto(a: NDArray): TensorProto {
  const p = create(TensorProtoSchema, {
    dtype: dataTypeEnum(a.dtype as DType) ?? 0,
    tensorShape: shapeToProto(new TensorShape(a.shape)),
  });
  if (a.dtype === "string") p.stringVal = (a.data as string[]).map(stringBytes);
  else {
    const d = a.data as ArrayBufferView;
    p.tensorContent = new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  }
  return p;
}

cpuBackend.register("TensorSummaryV2", (node) => (inputs) => {
  const tag = scalarTag(arr(inputs[0]), "tag", node);
  const metaT = arr(inputs[2]);
  if (metaT.size !== 1) {
    throw new InvalidArgumentError(
      `${node.type}: serialized_summary_metadata must be a scalar, got shape ${shapeString(metaT.shape)}`,
    );
  }
  let metadata: ReturnType<typeof fromBinary<typeof SummaryMetadataSchema>>;
  try {
    metadata = fromBinary(SummaryMetadataSchema, stringBytes((metaT.data as string[])[0]));
  } catch (e) {
    throw new InvalidArgumentError(
      `${node.type}: could not parse serialized_summary_metadata (tag '${tag}'): ${(e as Error).message}`,
    );
  }
  const tensor = tensorContentProto(arr(inputs[1]));
  return output(
    create(SummarySchema, { value: [{ tag, metadata, value: { case: "tensor", value: tensor } }] }),
  );
});

cpuBackend.register("MergeSummary", (node) => (inputs) => {
  const tags = new Set<string>();
  const value: Summary_Value[] = [];
  for (const input of inputs) {
    for (const s of arr(input).data as string[]) {
      let summary: Summary;
      try {
        summary = fromBinary(SummarySchema, stringBytes(s));
      } catch {
        throw new InvalidArgumentError(`${node.type}: Could not parse one of the summary inputs`);
      }
      for (const v of summary.value) {
        // Tensor summaries may leave the tag empty: only non-empty tags must be unique.
        if (v.tag !== "" && tags.has(v.tag)) {
          throw new InvalidArgumentError(
            `${node.type}: Duplicate tag ${v.tag} found in summary inputs`,
          );
        }
        tags.add(v.tag);
        value.push(v);
      }
    }
  }
  return output(create(SummarySchema, { value }));
});
