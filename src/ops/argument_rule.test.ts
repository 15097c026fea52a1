// One argument rule for every builder: TF's required arguments positional in TF's order, its
// optional ones in one trailing options object; where TF users pass a keyword argument either
// way, both forms build the same op.
import { describe, expect, test } from "vitest";
import * as tf from "../index.js";

/** The op a builder made, as comparable data: type, attrs and input names. */
function built(fn: () => tf.Tensor): unknown {
  const g = new tf.Graph();
  const t = g.asDefault(() => {
    tf.placeholder("float32", [1, 4, 4, 2], "x");
    tf.placeholder("float32", [2, 2, 2, 3], "w");
    return fn();
  });
  return { type: t.op.type, attrs: t.op.attrs, inputs: t.op.inputs.map((i) => i.name) };
}
const x = () => tf.getDefaultGraph().getTensorByName("x:0");
const w = () => tf.getDefaultGraph().getTensorByName("w:0");

describe("TF's positional arguments and the keyword object build the same op", () => {
  test("tf.nn.conv2d(input, filter, strides, padding, options)", () => {
    const positional = built(() => tf.nn.conv2d(x(), w(), [1, 2, 2, 1], "SAME", { dilations: 1 }));
    const keywords = built(() =>
      tf.nn.conv2d(x(), w(), { strides: [1, 2, 2, 1], padding: "SAME" }),
    );
    expect(positional).toEqual(keywords);
    expect(positional).toMatchObject({
      type: "Conv2D",
      attrs: { strides: [1, 2, 2, 1], padding: "SAME" },
    });
  });

  test("conv2d without padding says what is missing", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.placeholder("float32", [1, 4, 4, 2]);
      const b = tf.placeholder("float32", [2, 2, 2, 3]);
      expect(() => (tf.nn.conv2d as (...a: unknown[]) => tf.Tensor)(a, b, 1)).toThrow(
        /conv2d: padding is required/,
      );
    });
  });

  test("the conv2d backprops take TF's order too", () => {
    const sizes = [1, 4, 4, 2];
    const dy = () => tf.zeros([1, 4, 4, 3]);
    expect(built(() => tf.nn.conv2dBackpropInput(sizes, w(), dy(), 1, "SAME"))).toEqual(
      built(() => tf.nn.conv2dBackpropInput(sizes, w(), dy(), { strides: 1, padding: "SAME" })),
    );
    expect(built(() => tf.nn.conv2dBackpropFilter(x(), [2, 2, 2, 3], dy(), 1, "SAME"))).toEqual(
      built(() =>
        tf.nn.conv2dBackpropFilter(x(), [2, 2, 2, 3], dy(), { strides: 1, padding: "SAME" }),
      ),
    );
  });

  test("tf.nn.maxPool and avgPool in either form", () => {
    expect(built(() => tf.nn.maxPool(x(), 2, 2, "VALID"))).toEqual(
      built(() => tf.nn.maxPool(x(), { ksize: 2, strides: 2, padding: "VALID" })),
    );
    expect(built(() => tf.nn.avgPool(x(), [2, 2], 1, "SAME", { name: "p" }))).toEqual(
      built(() => tf.nn.avgPool(x(), { ksize: [2, 2], strides: 1, padding: "SAME", name: "p" })),
    );
  });

  test("tf.nn.depthwiseConv2d and conv2dTranspose in either form", () => {
    expect(built(() => tf.nn.depthwiseConv2d(x(), tf.ones([2, 2, 2, 1]), 1, "SAME"))).toEqual(
      built(() =>
        tf.nn.depthwiseConv2d(x(), tf.ones([2, 2, 2, 1]), { strides: 1, padding: "SAME" }),
      ),
    );
    const up = (f: () => tf.Tensor) => built(f);
    expect(
      up(() => tf.nn.conv2dTranspose(x(), tf.ones([2, 2, 3, 2]), [1, 8, 8, 3], 2, "SAME")),
    ).toEqual(
      up(() =>
        tf.nn.conv2dTranspose(x(), tf.ones([2, 2, 3, 2]), [1, 8, 8, 3], {
          strides: 2,
          padding: "SAME",
        }),
      ),
    );
  });

  test("tf.pad's mode positionally or in the options", async () => {
    const g = new tf.Graph();
    const [a, b] = g.asDefault(() => {
      const v = tf.constant([
        [1, 2],
        [3, 4],
      ]);
      return [
        tf.pad(
          v,
          [
            [1, 0],
            [0, 1],
          ],
          "REFLECT",
        ),
        tf.pad(
          v,
          [
            [1, 0],
            [0, 1],
          ],
          { mode: "REFLECT" },
        ),
      ];
    });
    const [ra, rb] = await new tf.Session({ graph: g }).run([a, b]);
    expect(ra.toArray()).toEqual([
      [3, 4, 3],
      [1, 2, 1],
      [3, 4, 3],
    ]);
    expect(rb.toArray()).toEqual(ra.toArray());
  });

  test("tf.oneHot's on and off values positionally or in the options", async () => {
    const g = new tf.Graph();
    const [a, b] = g.asDefault(() => [
      tf.oneHot([0, 2], 3, 5, -1, { dtype: "int32" }),
      tf.oneHot([0, 2], 3, { onValue: 5, offValue: -1, dtype: "int32" }),
    ]);
    const [ra, rb] = await new tf.Session({ graph: g }).run([a, b]);
    expect(ra.dtype).toBe("int32");
    expect(ra.toArray()).toEqual([
      [5, -1, -1],
      [-1, -1, 5],
    ]);
    expect(rb.toArray()).toEqual(ra.toArray());
  });
});
