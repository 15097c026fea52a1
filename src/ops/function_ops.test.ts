import { describe, expect, test } from "vitest";
import { expectArray, inferOk } from "../../test/helpers.js";
import * as tf from "../index.js";

const run = (g: tf.Graph, fetches: tf.Tensor | string, feeds?: tf.Feeds): Promise<tf.NDArray> =>
  new tf.Session({ graph: g }).run(fetches, feeds) as Promise<tf.NDArray>;

describe("tf.defun", () => {
  test("a call node of the function's op type; the body lives in the library", async () => {
    const g = new tf.Graph();
    const f = tf.defun((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(a, b), 1), {
      inputTypes: ["float32", "float32"],
      name: "MulPlusOne",
    });
    const y = g.asDefault(() => f(tf.constant([1, 2, 3]), tf.constant([4, 5, 6]))) as tf.Tensor;
    expect(y.op.type).toBe("MulPlusOne");
    // As TF1's Defun: the body is traced on placeholders of unknown shape.
    expect(y.shape.rank).toBeNull();
    expect(g.library.names).toEqual(["MulPlusOne"]);
    // 1·4+1, 2·5+1, 3·6+1
    expectArray(await run(g, y), [5, 11, 19]);
    // The user's graph is unchanged by running it (the body is inlined in a private copy).
    expect(g.operations.map((o) => o.type)).toEqual(["Const", "Const", "MulPlusOne"]);
  });

  test("several outputs, no outputs, and a function calling a function", async () => {
    const g = new tf.Graph();
    const sq = tf.defun((a: tf.Tensor) => tf.square(a), { inputTypes: ["float32"], name: "Sq" });
    const two = tf.defun((a: tf.Tensor) => [sq(a) as tf.Tensor, tf.neg(a)], {
      inputTypes: ["float32"],
      name: "Two",
    });
    const [p, q] = g.asDefault(() => two(tf.constant([3, -2]))) as tf.Tensor[];
    expect(new Set(g.library.names)).toEqual(new Set(["Sq", "Two"]));
    const [pv, qv] = await new tf.Session({ graph: g }).run([p, q]);
    expectArray(pv, [9, 4]);
    expectArray(qv, [-3, 2]);
  });

  test("gradients differentiate the body (SymbolicGradient), or use gradFunc", async () => {
    const g = new tf.Graph();
    const cube = tf.defun((a: tf.Tensor) => tf.mul(tf.mul(a, a), a), {
      inputTypes: ["float32"],
      name: "Cube",
    });
    const fixed = tf.defun((a: tf.Tensor) => tf.mul(a, 2), {
      inputTypes: ["float32"],
      name: "Fixed",
      // A deliberately different gradient: 7 for every element.
      gradFunc: (op, grads) => [tf.mul(tf.onesLike(op.inputs[0]), tf.mul(grads[0]!, 7))],
    });
    const { dx, dz } = g.asDefault(() => {
      const x = tf.constant([1, 2, -3]);
      const [dx] = tf.gradients(cube(x) as tf.Tensor, x);
      const [dz] = tf.gradients(fixed(x) as tf.Tensor, x);
      return { dx: dx!, dz: dz! };
    });
    expect(dx.op.type).toBe("SymbolicGradient");
    // d(x³)/dx = 3x²
    expectArray(await run(g, dx), [3, 12, 27]);
    // A TF1 GraphDef with the SymbolicGradient node imports and runs the same.
    const g2 = new tf.Graph();
    tf.importGraphDef(g.asGraphDef(), { graph: g2, name: "" });
    expect(g2.getOperationByName(dx.op.name).type).toBe("SymbolicGradient");
    expectArray(await run(g2, dx.name), [3, 12, 27]);
    expectArray(await run(g, dz), [7, 7, 7]);
  });

  test("exported as a FunctionDef, imported into another graph, runs the same", async () => {
    const g = new tf.Graph();
    const f = tf.defun((a: tf.Tensor) => tf.sub(tf.mul(a, 3), 1), {
      inputTypes: ["float32"],
      name: "ThreeXMinusOne",
    });
    g.asDefault(() => f(tf.placeholder("float32", [2], "x")));
    const gd = g.asGraphDef();
    expect(gd.library?.function.map((d) => d.signature?.name)).toEqual(["ThreeXMinusOne"]);
    const g2 = new tf.Graph();
    tf.importGraphDef(gd, { graph: g2, name: "" });
    expectArray(await run(g2, "ThreeXMinusOne:0", { "x:0": [1, 2] }), [2, 5]);
  });

  test("calls inside tf.whileLoop and tf.cond run in their frame and branch", async () => {
    const g = new tf.Graph();
    // f(a) = 2a + 1 and k(a) = 5: their constants must run in the loop's frame / taken branch.
    const f = tf.defun((a: tf.Tensor) => tf.add(tf.mul(a, 2), 1), {
      inputTypes: ["float32"],
      name: "TwoAPlusOne",
      shapeFunc: (op) => [op.inputs[0].shape],
    });
    const k = tf.defun((_a: tf.Tensor) => tf.constant(5), {
      inputTypes: ["float32"],
      name: "Five",
    });
    const { w, c } = g.asDefault(() => {
      const p = tf.placeholder("bool", [], "p");
      const [, w] = tf.whileLoop(
        (i: tf.Tensor) => tf.less(i, 3),
        (i: tf.Tensor, x: tf.Tensor) => [tf.add(i, 1), f(x) as tf.Tensor],
        [tf.constant(0), tf.constant(1)],
      ) as tf.Tensor[];
      const x = tf.constant(7);
      const c = tf.cond(
        p,
        () => k(x) as tf.Tensor,
        () => tf.neg(x),
      );
      return { w, c };
    });
    const sess = new tf.Session({ graph: g });
    // x: 1 → 3 → 7 → 15
    expect(((await sess.run(w, { p: true })) as tf.NDArray).item()).toBe(15);
    expect(((await sess.run(c, { p: true })) as tf.NDArray).item()).toBe(5);
    expect(((await sess.run(c, { p: false })) as tf.NDArray).item()).toBe(-7);
  });

  test("the gradient of a functional If follows the branch the predicate takes", async () => {
    const g = new tf.Graph();
    const sq = tf.defun((a: tf.Tensor) => tf.square(a), { inputTypes: ["float32"], name: "SqB" });
    const tri = tf.defun((a: tf.Tensor) => tf.mul(a, 3), { inputTypes: ["float32"], name: "TriB" });
    const { p, dx } = g.asDefault(() => {
      const p = tf.placeholder("bool", [], "p");
      const x = tf.constant([1, -2]);
      sq.addToGraph(g);
      tri.addToGraph(g);
      const y = g.createOp("If", [p, [x]], {
        Tout: ["float32"],
        then_branch: { func: "SqB" },
        else_branch: { func: "TriB" },
      }).outputs[0];
      return { p, dx: tf.gradients(y, x)[0]! };
    });
    const sess = new tf.Session({ graph: g });
    expectArray((await sess.run(dx, [[p, true]])) as tf.NDArray, [2, -4]); // 2x
    expectArray((await sess.run(dx, [[p, false]])) as tf.NDArray, [3, 3]);
    expect(g.library.names).toContain("SqB_grad_float32_float32");
  });

  test("bad calls", () => {
    const g = new tf.Graph();
    const f = tf.defun((a: tf.Tensor) => a, { inputTypes: ["float32"], name: "Id1" });
    g.asDefault(() => {
      expect(() => f()).toThrow(/takes 1 argument/);
      expect(() => f(tf.constant(1, { dtype: "int32" }))).toThrow(tf.ValueError);
    });
    expect(() =>
      tf.defun((a: tf.Tensor) => a, { inputTypes: ["float32"], argNames: ["Bad-Name"] })(1),
    ).toThrow(/argument name 'Bad-Name' is not valid/);
  });
});

describe("shape functions of the call ops", () => {
  const f = { func: "f" };
  test("If / Case: output_shapes, else unknown", () => {
    inferOk(
      "If",
      "[];[2]",
      "[2,3]",
      {
        Tout: ["float32"],
        then_branch: f,
        else_branch: f,
        output_shapes: [new tf.TensorShape([2, 3])],
      },
      { dtypes: ["bool", "float32"] },
    );
    inferOk(
      "StatelessIf",
      "[];[2]",
      "?;?",
      {
        Tout: ["float32", "float32"],
        then_branch: f,
        else_branch: f,
      },
      { dtypes: ["bool", "float32"] },
    );
    inferOk(
      "Case",
      "[];[2]",
      "[5]",
      {
        Tout: ["float32"],
        branches: [f, f],
        output_shapes: [new tf.TensorShape([5])],
      },
      { dtypes: ["int32", "float32"] },
    );
  });
  test("While: the loop variables' shapes unless output_shapes says", () => {
    inferOk("While", "[2];[3,4]", "[2];[3,4]", { cond: f, body: f });
    inferOk("StatelessWhile", "[2]", "[?]", {
      cond: f,
      body: f,
      output_shapes: [new tf.TensorShape([null])],
    });
  });
  test("PartitionedCall: unknown; SymbolicGradient: the inputs' shapes", () => {
    inferOk("PartitionedCall", "[2]", "?", { Tout: ["float32"], f });
    inferOk("SymbolicGradient", "[2,2];[7]", "[2,2]", { Tout: ["float32"], f });
  });
});
