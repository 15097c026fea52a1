// Summary ops (TF's logging_ops: ScalarSummary, HistogramSummary, ImageSummary, AudioSummaryV2,
// TensorSummaryV2, MergeSummary) and the tf.summary builders over them. Each op outputs a
// serialized Summary proto as a byte string; none has a gradient (TF registers none).
import { clone, create, isMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { bytesString } from "../framework/bytes.js";
import { ValueError } from "../framework/errors.js";
import { type Graph, GraphKeys, type Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { decodeProto, type SummaryMetadata, SummaryMetadataSchema } from "../io/proto/index.js";
import { constOp, convertToTensor, graphOf, type TensorLike } from "../ops/op_builder.js";
import { cleanTag, summaryScope } from "./tags.js";

for (const t of [
  "ScalarSummary",
  "HistogramSummary",
  "ImageSummary",
  "AudioSummaryV2",
  "TensorSummaryV2",
  "MergeSummary",
]) {
  registerOp(t, { shape: () => TensorShape.scalar() });
}

/** TF's default bad_color for ImageSummary: opaque red. */
export const DEFAULT_BAD_COLOR = (): NDArray => new NDArray("uint8", [4], [255, 0, 0, 255]);

export interface SummaryOptions {
  /** Graph collections the summary joins (default: [GraphKeys.SUMMARIES]). */
  collections?: readonly string[];
  /** A prefix for the tag and the op's scope (shown as a tab in TensorBoard). */
  family?: string;
}

/** Builds one summary op in its scope: `make(graph, tag, opName)` returns the op's output. */
function buildSummary(
  name: string,
  inputs: readonly TensorLike[],
  options: SummaryOptions,
  make: (g: Graph, tag: string, opName: string) => Tensor,
): Tensor {
  const g = graphOf(inputs);
  const out = summaryScope(g, name, options.family, (tag, opName) => make(g, tag, opName));
  g.addToCollections(options.collections ?? [GraphKeys.SUMMARIES], out);
  return out;
}

const stringConst = (g: Graph, s: string, name: string): Tensor =>
  constOp(new NDArray("string", [], [s]), g, name);

const create1 = (g: Graph, type: string, inputs: Tensor[], attrs: object, opName: string) =>
  g.createOp(type, inputs, attrs as Record<string, never>, opName, { exactName: true }).outputs[0];

/**
 * tf.summary.scalar: a Summary with one simple_value. `tensor` must be a real-number scalar; a
 * statically non-scalar tensor is refused here, a dynamically non-scalar one when it runs
 * (InvalidArgumentError naming the tag either way).
 */
export function scalar(name: string, tensor: TensorLike, options: SummaryOptions = {}): Tensor {
  return buildSummary(name, [tensor], options, (g, tag, opName) => {
    const values = convertToTensor(tensor, undefined, "values", g);
    const s = values.shape;
    if (s.rank !== null && s.rank !== 0) {
      throw new ValueError(
        `tags and values not the same shape: [] != ${s.toString()} (tag '${tag}')`,
      );
    }
    return create1(g, "ScalarSummary", [stringConst(g, tag, "tags"), values], {}, opName);
  });
}

/** tf.summary.histogram: a HistogramProto of all values over TF's default buckets. */
export function histogram(name: string, values: TensorLike, options: SummaryOptions = {}): Tensor {
  return buildSummary(name, [values], options, (g, tag, opName) => {
    const v = convertToTensor(values, undefined, "values", g);
    return create1(g, "HistogramSummary", [stringConst(g, tag, "tag"), v], {}, opName);
  });
}

/**
 * tf.summary.image: up to `maxOutputs` (default 3) PNG images from a [batch, height, width,
 * channels] tensor (channels 1, 3 or 4). uint8 pixels are written as they are; float images are
 * scaled per image as TF does (non-negative: by 255/max; with negatives: by 127/max|x|, plus
 * 128), with non-finite pixels painted bad_color (opaque red).
 */
export function image(
  name: string,
  tensor: TensorLike,
  options: SummaryOptions & { maxOutputs?: number } = {},
): Tensor {
  return buildSummary(name, [tensor], options, (g, tag, opName) => {
    const t = convertToTensor(tensor, undefined, "tensor", g);
    const attrs = { max_images: options.maxOutputs ?? 3, bad_color: DEFAULT_BAD_COLOR() };
    return create1(g, "ImageSummary", [stringConst(g, tag, "tag"), t], attrs, opName);
  });
}

/**
 * tf.summary.audio: up to `maxOutputs` (default 3) WAV clips (16-bit PCM) from a float tensor
 * [batch, frames, channels] or [batch, frames] of samples in [-1, 1], at `sampleRate` Hz.
 */
export function audio(
  name: string,
  tensor: TensorLike,
  sampleRate: TensorLike,
  options: SummaryOptions & { maxOutputs?: number } = {},
): Tensor {
  return buildSummary(name, [tensor, sampleRate], options, (g, tag, opName) => {
    const rate = convertToTensor(sampleRate, "float32", "sample_rate", g);
    const t = convertToTensor(tensor, "float32", "tensor", g);
    const attrs = { max_outputs: options.maxOutputs ?? 3 };
    return create1(g, "AudioSummaryV2", [stringConst(g, tag, "tag"), t, rate], attrs, opName);
  });
}

export interface TensorSummaryOptions extends SummaryOptions {
  /** Set as the metadata's summary_description. */
  summaryDescription?: string;
  /** The SummaryMetadata (a message or its serialized bytes); default empty. */
  summaryMetadata?: SummaryMetadata | MessageInitShape<typeof SummaryMetadataSchema> | Uint8Array;
  /** Set as the metadata's display_name. */
  displayName?: string;
}

/** tf.summary.tensor_summary: the whole tensor as a TensorProto, with plugin metadata. */
export function tensorSummary(
  name: string,
  tensor: TensorLike,
  options: TensorSummaryOptions = {},
): Tensor {
  const meta = metadataBytes(options);
  return buildSummary(name, [tensor], options, (g, tag, opName) => {
    const t = convertToTensor(tensor, undefined, "tensor", g);
    const inputs = [
      stringConst(g, tag, "tag"),
      t,
      stringConst(g, bytesString(meta), "serialized_summary_metadata"),
    ];
    return create1(g, "TensorSummaryV2", inputs, {}, opName);
  });
}

/** The serialized SummaryMetadata of tensorSummary's options (a copy: the caller's is kept). */
function metadataBytes(o: TensorSummaryOptions): Uint8Array {
  const given = o.summaryMetadata;
  const m =
    given instanceof Uint8Array
      ? decodeProto(SummaryMetadataSchema, given, "summary_metadata")
      : isMessage(given, SummaryMetadataSchema)
        ? clone(SummaryMetadataSchema, given)
        : create(SummaryMetadataSchema, given);
  if (o.summaryDescription !== undefined) m.summaryDescription = o.summaryDescription;
  if (o.displayName !== undefined) m.displayName = o.displayName;
  return toBinary(SummaryMetadataSchema, m);
}

/** tf.summary.text: a string tensor as a TensorSummaryV2 for TensorBoard's text plugin. */
export function text(
  name: string,
  tensor: TensorLike,
  options: { collections?: readonly string[] } = {},
): Tensor {
  const g = graphOf([tensor]);
  const t = convertToTensor(tensor, undefined, undefined, g);
  if (t.dtype !== "string") {
    throw new ValueError(`Expected tensor ${t.name} to have dtype string, got ${t.dtype}`);
  }
  const summaryMetadata = create(SummaryMetadataSchema, { pluginData: { pluginName: "text" } });
  return tensorSummary(name, t, { collections: options.collections, summaryMetadata });
}

/**
 * tf.summary.merge: one Summary holding the values of all `inputs` (serialized Summaries); a tag
 * present twice is InvalidArgumentError when it runs. Joins no collection unless asked.
 */
export function merge(
  inputs: readonly TensorLike[],
  options: { collections?: readonly string[]; name?: string } = {},
): Tensor {
  const g = graphOf(inputs);
  const name = options.name === undefined ? undefined : cleanTag(options.name);
  return g.nameScope(name ?? "Merge", () => {
    const ts = inputs.map((x) => convertToTensor(x, "string", undefined, g));
    const out = g.createOp("MergeSummary", [ts], {}, name ?? "MergeSummary").outputs[0];
    g.addToCollections(options.collections ?? [], out);
    return out;
  });
}

/**
 * tf.summary.merge_all: merges every summary in collection `key` (default GraphKeys.SUMMARIES),
 * optionally only those whose name matches `scope`; null when there are none.
 */
export function mergeAll(
  options: { key?: string; scope?: string; name?: string; graph?: Graph } = {},
): Tensor | null {
  const g = options.graph ?? graphOf([]);
  const ops = g.getCollection<Tensor>(options.key ?? GraphKeys.SUMMARIES, options.scope);
  if (ops.length === 0) return null;
  return merge(ops, { name: options.name });
}
