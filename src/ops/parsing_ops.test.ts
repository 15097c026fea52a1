// Parsing ops: tf.train.Example parsing (values worked by hand from TF's documented semantics of
// tf.io.parse_example), DecodeRaw, SerializeTensor / ParseTensor.
import { describe, expect, test } from "vitest";
import { expectArray, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const { train } = tf;
const floats = (...value: number[]) => train.Feature({ floatList: train.FloatList({ value }) });
const ints = (...value: number[]) => train.Feature({ int64List: train.Int64List({ value }) });
const bytes = (...value: string[]) => train.Feature({ bytesList: train.BytesList({ value }) });
const example = (feature: Record<string, tf.train.Feature>) =>
  train.serializeToString(train.Example({ features: train.Features({ feature }) }));
const hex = (s: string) =>
  Array.from(s, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join(" ");

describe("tf.train.Example", () => {
  test("serializeToString gives the proto's bytes (worked by hand) and reads back", () => {
    // Example{features{feature{key:"a" value{float_list{value:1}}}}}: 1.0f is 00 00 80 3f; each
    // message is its field tag and length: Example.features (0a 0f), Features.feature map entry
    // (0a 0d), entry key (0a 01 'a'), entry value (12 08), Feature.float_list (12 06), packed
    // FloatList.value (0a 04).
    const s = example({ a: floats(1) });
    expect(hex(s)).toBe("0a 0f 0a 0d 0a 01 61 12 08 12 06 0a 04 00 00 80 3f");
    const back = train.exampleFromString(s);
    expect(back.features?.feature.a.kind).toEqual({
      case: "floatList",
      value: expect.objectContaining({ value: [1] }),
    });
  });

  test("a Feature holds one list only", () => {
    expect(() =>
      train.Feature({ floatList: train.FloatList(), int64List: train.Int64List() }),
    ).toThrow(/only one of/);
  });
});

describe("ParseExample", () => {
  const features = {
    x: tf.io.fixedLenFeature([2], "float32", [0, -1]),
    ids: tf.io.varLenFeature("int64"),
    s: tf.io.fixedLenFeature([], "string", "none"),
  };
  const batch = [
    example({ x: floats(1, 2), ids: ints(3, 4, 5), s: bytes("a") }),
    example({ ids: ints(7) }),
  ];

  test("dense features with defaults, a sparse feature as a SparseTensor", async () => {
    const out = await runGraph(() => {
      const p = tf.parseExample(batch, features);
      const ids = p.ids as tf.SparseTensor;
      return [p.x as tf.Tensor, ids.indices, ids.values, ids.denseShape, p.s as tf.Tensor];
    });
    // Example 1 lacks x and s: their defaults. ids: example 0 has 3 values, example 1 one.
    expectArray(
      out[0],
      [
        [1, 2],
        [0, -1],
      ],
      { dtype: "float32" },
    );
    expect(out[1].toArray()).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
    ]);
    expect(out[2].toArray()).toEqual([3, 4, 5, 7]);
    expect(out[3].toArray()).toEqual([2, 3]);
    expect(out[4].toArray()).toEqual(["a", "none"]);
  });

  test("static shapes: [batch, ...shape] dense, [?, 2] / [?] / [2] sparse", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const p = tf.parseExample(tf.placeholder("string", [null]), features);
      expect((p.x as tf.Tensor).shape.toString()).toBe("[?,2]");
      expect((p.s as tf.Tensor).shape.toString()).toBe("[?]");
      const ids = p.ids as tf.SparseTensor;
      expect(ids.indices.shape.toString()).toBe("[?,2]");
      expect(ids.values.shape.toString()).toBe("[?]");
      expect(ids.denseShape.shape.toString()).toBe("[2]");
      const op = (p.x as tf.Tensor).op;
      expect(op.type).toBe("ParseExample");
      expect(op.attrs.Nsparse).toBe(1);
      expect(op.attrs.Ndense).toBe(2);
      expect(() => tf.parseExample(tf.placeholder("string", []), features)).toThrow(/rank 1/);
    });
  });

  test("a required dense feature that is missing names the feature and the example", async () => {
    const p = () =>
      tf.parseExample(batch, { x: tf.io.fixedLenFeature([2], "float32") }).x as tf.Tensor;
    await expect(runGraph(p)).rejects.toThrow(tf.InvalidArgumentError);
    await expect(runGraph(p)).rejects.toThrow(
      /Feature: x \(data type: float\) is required.*index 1/,
    );
  });

  test("a feature of the wrong type or length is InvalidArgumentError", async () => {
    const wrongType = () =>
      tf.parseExample(batch, { ids: tf.io.fixedLenFeature([3], "float32", [0, 0, 0]) })
        .ids as tf.Tensor;
    await expect(runGraph(wrongType)).rejects.toThrow(
      /Key: ids, Index: 0\. Data types don't match/,
    );
    const wrongLen = () =>
      tf.parseExample(batch, { x: tf.io.fixedLenFeature([3], "float32", [0, 0, 0]) })
        .x as tf.Tensor;
    await expect(runGraph(wrongLen)).rejects.toThrow(
      /Number of float values != expected\. Values size: 2 but output shape: \[3\]/,
    );
  });

  test("bytes that are not an Example, and a bad feature spec", async () => {
    const bad = () =>
      tf.parseExample(["\xff\xff"], { x: tf.io.varLenFeature("float32") }).x as tf.SparseTensor;
    await expect(runGraph(() => bad().values)).rejects.toThrow(/Could not parse example input 0/);
    expect(() => tf.io.varLenFeature("int32")).toThrow(tf.ValueError);
    expect(() => tf.io.fixedLenFeature([2], "float32", [1, 2, 3])).not.toThrow();
    expect(() =>
      tf.parseExample(batch, { x: tf.io.fixedLenFeature([2], "float32", [1, 2, 3]) }),
    ).toThrow(/default_value of 'x' has 3 elements/);
  });

  test("a scalar default fills the dense shape", async () => {
    const [x] = await runGraph(() => [
      tf.parseExample(batch, { x: tf.io.fixedLenFeature([2], "float32", 9) }).x as tf.Tensor,
    ]);
    expectArray(x, [
      [1, 2],
      [9, 9],
    ]);
  });
});

describe("ParseSingleExample", () => {
  test("dense of the feature's shape, sparse 1-D", async () => {
    const s = example({ x: floats(1, 2), tags: bytes("p", "q") });
    const out = await runGraph(() => {
      const p = tf.parseSingleExample(s, {
        x: tf.io.fixedLenFeature([2, 1], "float32"),
        tags: tf.io.varLenFeature("string"),
        y: tf.io.fixedLenFeature([], "int64", 4),
      });
      const tags = p.tags as tf.SparseTensor;
      expect((p.x as tf.Tensor).shape.toString()).toBe("[2,1]");
      expect(tags.indices.shape.toString()).toBe("[?,1]");
      expect(tags.denseShape.shape.toString()).toBe("[1]");
      return [p.x as tf.Tensor, tags.indices, tags.values, tags.denseShape, p.y as tf.Tensor];
    });
    expectArray(out[0], [[1], [2]]);
    expect(out[1].toArray()).toEqual([[0], [1]]);
    expect(out[2].toArray()).toEqual(["p", "q"]);
    expect(out[3].toArray()).toEqual([2]);
    expect(out[4].toArray()).toEqual(4);
  });

  test("serialized must be a scalar", () => {
    inferOk("SerializeTensor", "[2,3]", "[]");
    const g = new tf.Graph();
    g.asDefault(() => {
      expect(() => tf.parseSingleExample(["a"], { x: tf.io.varLenFeature("float32") })).toThrow(
        /rank 0/,
      );
    });
  });
});

describe("DecodeRaw", () => {
  test("little- and big-endian int32, uint8, float32 (bytes worked by hand)", async () => {
    const le = "\x01\x00\x00\x00\x00\x01\x00\x00";
    const out = await runGraph(() => [
      tf.io.decodeRaw([le], "int32"),
      tf.io.decodeRaw([le], "int32", { littleEndian: false }),
      tf.decodeRaw(["AB", "CD"], "uint8"),
      tf.decodeRaw("\x00\x00\x80\x3f\x00\x00\x00\xc0", "float32"),
      tf.decodeRaw(["\x00\x00\x00\x00\x00\x00\x00\x01"], "int64", { littleEndian: false }),
    ]);
    expectArray(out[0], [[1, 256]], { dtype: "int32" });
    // 01 00 00 00 big-endian is 2^24; 00 01 00 00 is 2^16.
    expectArray(out[1], [[16777216, 65536]]);
    expectArray(
      out[2],
      [
        [65, 66],
        [67, 68],
      ],
      { dtype: "uint8" },
    );
    expectArray(out[3], [1, -2]);
    expect(out[4].toArray()).toEqual([[1]]);
  });

  test("shape: one more dim; bad lengths are InvalidArgumentError", async () => {
    inferOk("DecodeRaw", "[3]", "[3,?]", { out_type: "int32" }, { dtypes: ["string"] });
    await expect(runGraph(() => tf.decodeRaw(["abc"], "int32"))).rejects.toThrow(
      /length 3 that is not a multiple of 4/,
    );
    await expect(runGraph(() => tf.decodeRaw(["ab", "abcd"], "uint8"))).rejects.toThrow(
      /element 1 has size 4 != 2/,
    );
  });
});

describe("SerializeTensor / ParseTensor", () => {
  test("round trip of numbers and byte strings", async () => {
    const out = await runGraph(() => [
      tf.io.parseTensor(
        tf.io.serializeTensor(
          tf.constant([
            [1.5, 2],
            [3, 4],
          ]),
        ),
        "float32",
      ),
      tf.parseTensor(tf.serializeTensor(tf.constant(["a", "\xff\x00", "€"])), "string"),
      tf.serializeTensor(tf.constant(5, { dtype: "int32" })),
    ]);
    expectArray(out[0], [
      [1.5, 2],
      [3, 4],
    ]);
    // Output bytes are byte strings: "€" (text, above 0xFF) comes back as its UTF-8 bytes e2 82 ac.
    expect(out[1].toArray()).toEqual(["a", "\xff\x00", "\xe2\x82\xac"]);
    expect(out[2].shape).toEqual([]);
  });

  test("reads TensorFlow's encoding of a scalar int32 5 (tensor_content, worked by hand)", async () => {
    // dtype DT_INT32 (08 03), an empty tensor_shape (12 00), tensor_content 05 00 00 00 (22 04 ...).
    const [x] = await runGraph(() => [
      tf.parseTensor("\x08\x03\x12\x00\x22\x04\x05\x00\x00\x00", "int32"),
    ]);
    expect(x.shape).toEqual([]);
    expect(x.toArray()).toBe(5);
  });

  test("a dtype mismatch or bad bytes is InvalidArgumentError", async () => {
    await expect(
      runGraph(() => tf.parseTensor(tf.serializeTensor(tf.constant([1, 2])), "int32")),
    ).rejects.toThrow(/Type mismatch between parsed tensor \(float32\) and dtype \(int32\)/);
    await expect(runGraph(() => tf.parseTensor("\xff", "int32"))).rejects.toThrow(
      tf.InvalidArgumentError,
    );
    inferOk("ParseTensor", "[]", "?", { out_type: "float32" }, { dtypes: ["string"] });
  });
});
