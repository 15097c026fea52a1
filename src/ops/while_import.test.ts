// Gradients of while loops imported from GraphDefs: the loop's structure is read off the graph.
import { describe, expect, test } from "vitest";
import { checkGradient } from "../../test/gradcheck.js";
import * as tf from "../index.js";

/**
 * Builds `forward` on float64 placeholders in a scratch graph, exports it as a GraphDef, and
 * returns a builder that imports that GraphDef with the given tensors as its inputs: the loop
 * in the result has no tf.whileLoop closures, only the ops TF would have written to a file.
 */
function viaGraphDef(
  shapes: number[][],
  forward: (...xs: tf.Tensor[]) => tf.Tensor,
): (...xs: tf.Tensor[]) => tf.Tensor {
  const g = new tf.Graph();
  const outName = g.asDefault(() => {
    const xs = shapes.map((s, i) => tf.placeholder("float64", s, `in${i}`));
    return tf.identity(forward(...xs), "out").name;
  });
  const gd = g.asGraphDef();
  return (...xs) => {
    const inputMap = new Map(xs.map((x, i) => [`in${i}:0`, x]));
    const [out] = tf.importGraphDef(gd, { inputMap, returnElements: [outName], name: "imported" });
    return out as tf.Tensor;
  };
}

const counter = () => tf.constant(0, { dtype: "int32" });

describe("gradients of while loops imported from a GraphDef", () => {
  test("x squared three times: the same numbers as the loop built here", async () => {
    const build = viaGraphDef([[]], (x) => {
      const [, y] = tf.whileLoop(
        (i) => tf.less(i, 3),
        (i, v) => [tf.add(i, 1), tf.square(v)],
        [counter(), x],
      );
      return y;
    });
    const g = new tf.Graph();
    const { x, y, dy } = g.asDefault(() => {
      const x = tf.placeholder("float64", [], "x");
      const y = build(x);
      return { x, y, dy: tf.gradients(y, x)[0]! };
    });
    // The gradient is built from the imported loop's ops, not from a tf.whileLoop of this graph.
    expect(g.operations.some((o) => o.name.startsWith("imported/") && o.type === "Exit")).toBe(
      true,
    );
    const r = await new tf.Session({ graph: g }).run({ y, dy }, new Map([[x, 1.1]]));
    expect(r.y.item()).toBeCloseTo(1.1 ** 8, 10);
    expect(r.dy.item()).toBeCloseTo(8 * 1.1 ** 7, 10);
  });

  test("loop invariants and constants inside the body, checked numerically", async () => {
    await checkGradient(
      viaGraphDef([[3], [3]], (v0, w) => {
        const [, v] = tf.whileLoop(
          (i) => tf.less(i, 3),
          (i, v) => [
            tf.add(i, 1),
            tf.add(tf.mul(tf.sin(v), w), tf.constant(0.25, { dtype: "float64" })),
          ],
          [counter(), v0],
        );
        return v;
      }),
      [{ shape: [3] }, { shape: [3] }],
    );
  });

  test("an RNN-like loop with a matmul, checked numerically", async () => {
    await checkGradient(
      viaGraphDef(
        [
          [1, 3],
          [3, 3],
          [1, 3],
        ],
        (h0, W, x) => {
          const [, h] = tf.whileLoop(
            (i) => tf.less(i, 3),
            (i, h) => [tf.add(i, 1), tf.tanh(tf.add(tf.matmul(h, W), x))],
            [counter(), h0],
          );
          return h;
        },
      ),
      [{ shape: [1, 3] }, { shape: [3, 3] }, { shape: [1, 3] }],
    );
  });

  test("nested loops, checked numerically", async () => {
    await checkGradient(
      viaGraphDef([[2]], (x) => {
        const [, outer] = tf.whileLoop(
          (i) => tf.less(i, 2),
          (i, v) => {
            const [, inner] = tf.whileLoop(
              (j) => tf.less(j, 2),
              (j, u) => [tf.add(j, 1), tf.sin(u)],
              [counter(), v],
            );
            return [tf.add(i, 1), tf.mul(inner, x)];
          },
          [counter(), x],
        );
        return outer;
      }),
      [{ shape: [2] }],
    );
  });

  test("a loop whose trip count is a run-time input", async () => {
    const g = new tf.Graph();
    const gd = g.asDefault(() => {
      const x = tf.placeholder("float64", [], "x");
      const n = tf.placeholder("int32", [], "n");
      const [, y] = tf.whileLoop(
        (i) => tf.less(i, n),
        (i, v) => [tf.add(i, 1), tf.mul(v, x)],
        [counter(), tf.constant(1, { dtype: "float64" })],
      );
      tf.identity(y, "y");
      return g.asGraphDef();
    });
    const h = new tf.Graph();
    const dx = h.asDefault(() => {
      tf.importGraphDef(gd, { name: "" });
      return tf.gradients(h.getTensorByName("y:0"), h.getTensorByName("x:0"))[0]!;
    });
    const sess = new tf.Session({ graph: h });
    // y = x^n, dy/dx = n x^(n-1)
    expect((await sess.run(dx, { "x:0": 2, "n:0": 5 })).item()).toBeCloseTo(5 * 2 ** 4, 10);
    expect((await sess.run(dx, { "x:0": 2, "n:0": 0 })).item()).toBe(0);
  });
});
