/**
 * tf.train.Example and its messages (tensorflow/core/example/{example,feature}.proto), as
 * TensorFlow's Python exposes them: `Example`, `Features`, `Feature`, `BytesList`, `FloatList`,
 * `Int64List`, `SequenceExample`, `FeatureList`, `FeatureLists` each make a message from its
 * fields (`Feature` takes one of `bytesList`, `floatList`, `int64List`, as in Python).
 * `serializeToString` gives the binary encoding as a byte string (framework/bytes.ts), what
 * tf.parseExample reads; `exampleFromString` / `sequenceExampleFromString` read one back.
 *
 *   const ex = tf.train.Example({ features: tf.train.Features({ feature: {
 *     x: tf.train.Feature({ floatList: tf.train.FloatList({ value: [1.5] }) }) } }) });
 *   tf.parseExample([tf.train.serializeToString(ex)], { x: tf.io.fixedLenFeature([1], "float32") });
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { bytesString, stringBytes } from "../framework/bytes.js";
import { InvalidArgumentError } from "../framework/errors.js";
import {
  type BytesList as BytesListMsg,
  BytesListSchema,
  decodeProto,
  type Example as ExampleMsg,
  ExampleSchema,
  type FeatureList as FeatureListMsg,
  FeatureListSchema,
  type FeatureLists as FeatureListsMsg,
  FeatureListsSchema,
  type Feature as FeatureMsg,
  FeatureSchema,
  type Features as FeaturesMsg,
  FeaturesSchema,
  type FloatList as FloatListMsg,
  FloatListSchema,
  type Int64List as Int64ListMsg,
  Int64ListSchema,
  type SequenceExample as SequenceExampleMsg,
  SequenceExampleSchema,
} from "../io/proto/index.js";

export type BytesList = BytesListMsg;
export type Example = ExampleMsg;
export type Feature = FeatureMsg;
export type FeatureList = FeatureListMsg;
export type FeatureLists = FeatureListsMsg;
export type Features = FeaturesMsg;
export type FloatList = FloatListMsg;
export type Int64List = Int64ListMsg;
export type SequenceExample = SequenceExampleMsg;

type Init<S extends Parameters<typeof create>[0]> = MessageInitShape<S>;

/** BytesList: `value` as byte strings / text (framework/bytes.ts) or Uint8Arrays. */
export function BytesList(init: { value?: readonly (string | Uint8Array)[] } = {}): BytesList {
  const value = (init.value ?? []).map((v) => (typeof v === "string" ? stringBytes(v) : v));
  return create(BytesListSchema, { value });
}
export function FloatList(init: { value?: readonly number[] } = {}): FloatList {
  return create(FloatListSchema, { value: [...(init.value ?? [])] });
}
/** Int64List: numbers must be safe integers; bigints are taken as they are. */
export function Int64List(init: { value?: readonly (number | bigint)[] } = {}): Int64List {
  return create(Int64ListSchema, { value: (init.value ?? []).map((v) => BigInt(v)) });
}
/** Feature: at most one of bytesList, floatList, int64List (its `kind`). */
export function Feature(
  init: { bytesList?: BytesList; floatList?: FloatList; int64List?: Int64List } = {},
): Feature {
  const set = Object.entries(init).filter(([, v]) => v !== undefined);
  if (set.length > 1)
    throw new InvalidArgumentError(
      `Feature: only one of bytesList, floatList, int64List may be set, got ${set.map(([k]) => k).join(", ")}`,
    );
  const f = create(FeatureSchema);
  if (init.bytesList) f.kind = { case: "bytesList", value: init.bytesList };
  else if (init.floatList) f.kind = { case: "floatList", value: init.floatList };
  else if (init.int64List) f.kind = { case: "int64List", value: init.int64List };
  return f;
}
export function Features(init: { feature?: Readonly<Record<string, Feature>> } = {}): Features {
  return create(FeaturesSchema, { feature: { ...(init.feature ?? {}) } });
}
export function FeatureList(init: { feature?: readonly Feature[] } = {}): FeatureList {
  return create(FeatureListSchema, { feature: [...(init.feature ?? [])] });
}
export function FeatureLists(
  init: { featureList?: Readonly<Record<string, FeatureList>> } = {},
): FeatureLists {
  return create(FeatureListsSchema, { featureList: { ...(init.featureList ?? {}) } });
}
export function Example(init: { features?: Features } = {}): Example {
  return create(ExampleSchema, init as Init<typeof ExampleSchema>);
}
export function SequenceExample(
  init: { context?: Features; featureLists?: FeatureLists } = {},
): SequenceExample {
  return create(SequenceExampleSchema, init as Init<typeof SequenceExampleSchema>);
}

/** The message's binary encoding (Python's SerializeToString) as a byte string. */
export function serializeToString(message: Example | SequenceExample): string {
  return message.$typeName === "tensorflow.Example"
    ? bytesString(toBinary(ExampleSchema, message))
    : bytesString(toBinary(SequenceExampleSchema, message));
}

/** An Example from its encoding (a byte string or bytes): Example.FromString. */
export function exampleFromString(s: string | Uint8Array): Example {
  return decodeProto(ExampleSchema, typeof s === "string" ? stringBytes(s) : s, "Example");
}

/** A SequenceExample from its encoding (a byte string or bytes). */
export function sequenceExampleFromString(s: string | Uint8Array): SequenceExample {
  return decodeProto(
    SequenceExampleSchema,
    typeof s === "string" ? stringBytes(s) : s,
    "SequenceExample",
  );
}
