// example_wire.ts against the proto semantics (protobuf-es's decoder as the reference) and on
// hand-made wire bytes: packed and unpacked lists, merges, last-wins, unknown fields, bad input.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { ExampleSchema, type Feature, FeatureSchema } from "../../io/proto/index.js";
import { readExampleFeatures, WireError, type WireFeature } from "./example_wire.js";

/** A feature's values as plain arrays, for comparing both decoders. */
function plain(f: Feature | WireFeature | undefined): unknown {
  if (f === undefined) return undefined;
  const k = f.kind;
  if (k.case === undefined) return { case: undefined };
  return { case: k.case, values: Array.from(k.value.value as ArrayLike<unknown>) };
}

function viaProtobufEs(bytes: Uint8Array): Record<string, unknown> {
  const m = fromBinary(ExampleSchema, bytes).features?.feature ?? {};
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, plain(v)]));
}

function viaWire(bytes: Uint8Array, wanted: string[] | null = null): Record<string, unknown> {
  const m = readExampleFeatures(bytes, wanted && new Set(wanted));
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, plain(v)]));
}

/** Length-delimited field `n` holding `body`. */
function ld(n: number, body: number[]): number[] {
  return [(n << 3) | 2, body.length, ...body];
}
const ascii = (s: string) => Array.from(new TextEncoder().encode(s)); // UTF-8
const f32 = (x: number) => Array.from(new Uint8Array(new Float32Array([x]).buffer));
/** An Example with one map entry per [key, Feature bytes]. */
const example = (...entries: [string, number[]][]) =>
  Uint8Array.from(
    ld(
      1,
      entries.flatMap(([k, f]) => ld(1, [...ld(1, ascii(k)), ...ld(2, f)])),
    ),
  );

describe("readExampleFeatures", () => {
  test("matches protobuf-es on Examples it encoded (floats, negative and large int64s, bytes)", () => {
    const e = create(ExampleSchema, {
      features: {
        feature: {
          img: create(FeatureSchema, {
            kind: { case: "floatList", value: { value: [0.5, -1.25, 3e38, 0] } },
          }),
          ids: create(FeatureSchema, {
            kind: { case: "int64List", value: { value: [0n, -1n, 2n ** 62n, -(2n ** 63n), 300n] } },
          }),
          txt: create(FeatureSchema, {
            kind: {
              case: "bytesList",
              value: { value: [Uint8Array.of(0, 255), new Uint8Array(0)] },
            },
          }),
          none: create(FeatureSchema, {}),
        },
      },
    });
    const bytes = toBinary(ExampleSchema, e);
    expect(viaWire(bytes)).toEqual(viaProtobufEs(bytes));
    expect(Object.keys(viaWire(bytes, ["img", "missing"]))).toEqual(["img"]);
  });

  test("unpacked floats and int64s, packed and unpacked mixed, in order", () => {
    // FloatList: value 1.5 unpacked (tag 13), then packed [2, 3] (tag 10), then 4 unpacked.
    const floats = [13, ...f32(1.5), ...ld(1, [...f32(2), ...f32(3)]), 13, ...f32(4)];
    // Int64List: 5 unpacked (tag 8), packed [1, 150] (150 = 0x96 0x01).
    const ints = [8, 5, ...ld(1, [1, 0x96, 0x01])];
    const bytes = example(["f", ld(2, floats)], ["i", ld(3, ints)]);
    expect(viaWire(bytes)).toEqual({
      f: { case: "floatList", values: [1.5, 2, 3, 4] },
      i: { case: "int64List", values: [5n, 1n, 150n] },
    });
    expect(viaWire(bytes)).toEqual(viaProtobufEs(bytes));
  });

  test("a repeated key's last entry wins; a list given twice merges; a later oneof case wins", () => {
    const bytes = example(
      ["k", ld(2, ld(1, f32(1)))],
      ["k", ld(2, ld(1, f32(2)))],
      ["m", [...ld(3, ld(1, [7])), ...ld(3, ld(1, [8]))]],
      ["o", [...ld(3, ld(1, [7])), ...ld(2, ld(1, f32(9)))]],
    );
    expect(viaWire(bytes)).toEqual({
      k: { case: "floatList", values: [2] },
      m: { case: "int64List", values: [7n, 8n] },
      o: { case: "floatList", values: [9] },
    });
    expect(viaWire(bytes)).toEqual(viaProtobufEs(bytes));
  });

  test("unknown fields at every level are skipped", () => {
    const unknownVarint = [(9 << 3) | 0, 0x80, 0x01];
    const unknownFixed = [(10 << 3) | 5, 1, 2, 3, 4, (11 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8];
    const feature = [...unknownVarint, ...ld(2, [...unknownFixed, ...ld(1, f32(6))])];
    const entry = [...ld(1, ascii("u")), ...unknownVarint, ...ld(2, feature)];
    const bytes = Uint8Array.from([...unknownFixed, ...ld(1, [...unknownVarint, ...ld(1, entry)])]);
    expect(viaWire(bytes)).toEqual({ u: { case: "floatList", values: [6] } });
    expect(viaWire(bytes)).toEqual(viaProtobufEs(bytes));
  });

  test("an empty Example has no features; a UTF-8 key decodes as text", () => {
    expect(viaWire(new Uint8Array(0))).toEqual({});
    const bytes = example(["é", ld(1, ld(1, ascii("v")))]);
    expect(Object.keys(viaWire(bytes))).toEqual(["é"]);
    // A key that is not UTF-8 (0xE9 alone) is malformed, as protobuf's string fields are.
    const bad = Uint8Array.from(ld(1, ld(1, ld(1, [0xe9]))));
    expect(() => readExampleFeatures(bad, null)).toThrow(/not valid UTF-8/);
    expect(() => fromBinary(ExampleSchema, bad)).toThrow();
  });

  test("malformed bytes are WireError: truncation, bad lengths, field 0, odd packed floats", () => {
    const good = example(["k", ld(2, ld(1, f32(1)))]);
    for (const cut of [1, 3, good.length - 1]) {
      expect(() => readExampleFeatures(good.subarray(0, cut), null)).toThrow(WireError);
    }
    expect(() => readExampleFeatures(Uint8Array.of(0, 0), null)).toThrow(/invalid tag/);
    expect(() => readExampleFeatures(Uint8Array.of(10, 5, 1), null)).toThrow(/runs past/);
    expect(() => readExampleFeatures(example(["k", ld(2, ld(1, [1, 2, 3]))]), null)).toThrow(
      /multiple of 4/,
    );
    expect(() => readExampleFeatures(Uint8Array.of((1 << 3) | 3), null)).toThrow(/wire type 3/);
  });
});
