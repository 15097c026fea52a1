// Bad records in the example parsers (issue: "a feature of the wrong type or length is
// InvalidArgumentError naming the key and the record"), and a session that stays usable after.
import { describe, expect, test } from "vitest";
import * as tf from "../index.js";

const { train } = tf;
const floats = (...value: number[]) => train.Feature({ floatList: train.FloatList({ value }) });
const ints = (...value: number[]) => train.Feature({ int64List: train.Int64List({ value }) });
const example = (feature: Record<string, tf.train.Feature>) =>
  train.serializeToString(train.Example({ features: train.Features({ feature }) }));

describe("example parsers: bad features name the key and the record", () => {
  const good = example({ img: floats(1, 2), lbl: ints(1) });
  const wrongType = example({ img: ints(1, 2), lbl: ints(1) });
  const wrongLen = example({ img: floats(1, 2, 3), lbl: ints(1) });
  const sparseWrongType = example({ img: floats(1, 2), lbl: floats(1) });

  function build() {
    const input = tf.placeholder("string", [null]);
    const p = tf.io.parseExample(input, {
      img: tf.io.fixedLenFeature([2], "float32"),
      lbl: tf.io.varLenFeature("int64"),
    });
    return { input, img: p.img as tf.Tensor, lbl: (p.lbl as tf.SparseTensor).values };
  }

  test("ParseExample: wrong type / length in record 2 of a batch, then the session still runs", async () => {
    const g = new tf.Graph();
    const { input, img, lbl } = g.asDefault(build);
    const sess = new tf.Session({ graph: g });
    const run = (batch: string[]) => sess.run([img, lbl], [[input, batch]]);
    await expect(run([good, good, wrongType])).rejects.toThrow(tf.InvalidArgumentError);
    await expect(run([good, good, wrongType])).rejects.toThrow(
      /Key: img, Index: 2\. Data types don't match\. Data type: int64 but expected type: float/,
    );
    await expect(run([good, good, wrongLen])).rejects.toThrow(
      /Key: img, Index: 2\. Number of float values != expected\. Values size: 3 but output shape: \[2\]/,
    );
    await expect(run([good, sparseWrongType])).rejects.toThrow(
      /Key: lbl, Index: 1\. Data types don't match/,
    );
    // The failed runs left nothing behind: the next run with good records works.
    const [x, l] = await run([good, good]);
    expect(x.toArray()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(Array.from(l.data as BigInt64Array)).toEqual([1n, 1n]);
    sess.close();
  });

  test("ParseSingleExample names the key", async () => {
    const g = new tf.Graph();
    const out = g.asDefault(
      () =>
        tf.io.parseSingleExample(wrongLen, { img: tf.io.fixedLenFeature([2], "float32") })
          .img as tf.Tensor,
    );
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(out)).rejects.toThrow(/Key: img.*Number of float values != expected/);
    sess.close();
  });
});
