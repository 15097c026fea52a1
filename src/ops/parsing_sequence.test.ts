// ParseSequenceExample: values worked by hand from TF's documented semantics of
// tf.io.parse_sequence_example (dense lists zero-padded to the longest sequence, with lengths).
import { describe, expect, test } from "vitest";
import { expectArray, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const { train } = tf;
const ints = (...value: number[]) => train.Feature({ int64List: train.Int64List({ value }) });
const floats = (...value: number[]) => train.Feature({ floatList: train.FloatList({ value }) });
const seqExample = (
  context: Record<string, tf.train.Feature>,
  lists: Record<string, tf.train.Feature[]>,
) =>
  train.serializeToString(
    train.SequenceExample({
      context: train.Features({ feature: context }),
      featureLists: train.FeatureLists({
        featureList: Object.fromEntries(
          Object.entries(lists).map(([k, f]) => [k, train.FeatureList({ feature: f })]),
        ),
      }),
    }),
  );

const batch = [
  seqExample({ len: ints(2) }, { tok: [ints(1), ints(2)], w: [floats(0.5, 1), floats(1.5, 2)] }),
  seqExample({}, { tok: [ints(3, 4, 5)] }),
];
const spec = (allowMissing: boolean) => ({
  contextFeatures: { len: tf.io.fixedLenFeature([], "int64", -1) },
  sequenceFeatures: {
    tok: tf.io.varLenFeature("int64"),
    w: tf.io.fixedLenSequenceFeature([2], "float32", { allowMissing }),
  },
});

describe("ParseSequenceExample", () => {
  test("context, sparse and dense feature lists, lengths", async () => {
    const out = await runGraph(() => {
      const [ctx, lists, lengths] = tf.io.parseSequenceExample(batch, spec(true));
      const tok = lists.tok as tf.SparseTensor;
      return [
        ctx.len as tf.Tensor,
        tok.indices,
        tok.values,
        tok.denseShape,
        lists.w as tf.Tensor,
        lengths.w,
      ];
    });
    expect(out[0].toArray()).toEqual([2, -1]); // example 1 lacks len: the default
    // tok: example 0 has steps [1], [2]; example 1 one step [3, 4, 5].
    expect(out[1].toArray()).toEqual([
      [0, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
      [1, 0, 1],
      [1, 0, 2],
    ]);
    expect(out[2].toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(out[3].toArray()).toEqual([2, 2, 3]); // [batch, longest sequence, longest step]
    // w: example 1 lacks it (allowMissing): length 0, zero padding.
    expectArray(out[4], [
      [
        [0.5, 1],
        [1.5, 2],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ]);
    expect(out[5].toArray()).toEqual([2, 0]);
  });

  test("static shapes", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const [ctx, lists, lengths] = tf.io.parseSequenceExample(
        tf.placeholder("string", [3]),
        spec(true),
      );
      expect((ctx.len as tf.Tensor).shape.toString()).toBe("[3]");
      expect((lists.w as tf.Tensor).shape.toString()).toBe("[3,?,2]");
      expect(lengths.w.shape.toString()).toBe("[3]");
      const tok = lists.tok as tf.SparseTensor;
      expect(tok.indices.shape.toString()).toBe("[?,3]");
      expect(tok.denseShape.shape.toString()).toBe("[3]");
    });
  });

  test("a required feature list that is missing names it and the example", async () => {
    const run = () =>
      runGraph(() => tf.io.parseSequenceExample(batch, spec(false))[1].w as tf.Tensor);
    await expect(run()).rejects.toThrow(tf.InvalidArgumentError);
    await expect(run()).rejects.toThrow(/Feature list 'w' is required.*index 1/);
  });

  test("a step of the wrong size is InvalidArgumentError", async () => {
    const bad = [seqExample({}, { w: [floats(1, 2), floats(3)] })];
    await expect(
      runGraph(() => tf.io.parseSequenceExample(bad, spec(true))[1].w as tf.Tensor),
    ).rejects.toThrow(/Key: w, Index: 0\. Number of float values != expected\. values size: 1/);
  });
});
