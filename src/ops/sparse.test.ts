import { describe, expect, test } from "vitest";
import { checkGradient } from "../../test/gradcheck.js";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const I64 = (v: tf.ValueLike) => tf.constant(v, { dtype: "int64" });
const big = (a: tf.NDArray): number[] => Array.from(a.data as BigInt64Array, Number);
const sp = (indices: number[][], values: tf.ValueLike, shape: number[], dtype?: tf.DType) =>
  new tf.SparseTensor(I64(indices), tf.constant(values, { dtype }), I64(shape));
/** [indices, values, shape] of a fetched sparse value, as plain arrays. */
const plain = (v: tf.SparseTensorValue) => [big(v.indices), v.values.toArray(), big(v.denseShape)];

describe.each(BACKENDS)("sparse ops on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T, feeds?: tf.Feeds) =>
    runGraph(build, { backend, feeds });

  describe("SparseTensor, placeholders, feeds and fetches", () => {
    test("sparsePlaceholder fed a SparseTensorValue (TF docs: reduce_sum = 3)", async () => {
      const g = new tf.Graph();
      const { x, y } = g.asDefault(() => {
        const x = tf.sparsePlaceholder("float32", undefined, "x");
        return { x, y: tf.sparse.reduceSum(x) };
      });
      expect(x.indices.name).toBe("x/indices:0");
      expect(x.values.name).toBe("x/values:0");
      expect(x.denseShape.name).toBe("x/shape:0");
      const sess = new tf.Session({ graph: g, backend });
      const value = new tf.SparseTensorValue(
        tf.NDArray.from(
          [
            [3, 2, 0],
            [4, 5, 1],
          ],
          "int64",
        ),
        tf.NDArray.from([1, 2], "float32"),
        tf.NDArray.from([7, 9, 2], "int64"),
      );
      expectArray(await sess.run(y, new Map([[x, value]])), 3);
      // A plain object of parts works too, and fetching the SparseTensor gives a SparseTensorValue.
      const back = await sess.run(x, [
        [x, { indices: [[0, 0, 0]], values: [5], denseShape: [1, 1, 1] }],
      ]);
      expect(back).toBeInstanceOf(tf.SparseTensorValue);
      expect(plain(back)).toEqual([[0, 0, 0], [5], [1, 1, 1]]);
      await expect(sess.run(y, new Map([[x, { indices: [[0]] } as never]]))).rejects.toThrow(
        /SparseTensorValue/,
      );
    });
    test("a placeholder with a known shape needs no fed shape; fetch nesting", async () => {
      const g = new tf.Graph();
      const x = g.asDefault(() => tf.sparsePlaceholder("int32", [2, 2]));
      expect(x.shape.toString()).toBe("[2,2]");
      const sess = new tf.Session({ graph: g, backend });
      const dense = g.asDefault(() => tf.sparse.toDense(x));
      const r = await sess.run({ d: dense, s: [x] }, [
        [x.indices, tf.NDArray.from([[1, 0]], "int64")],
        [x.values, tf.NDArray.from([4], "int32")],
      ]);
      expectArray(
        r.d,
        [
          [0, 0],
          [4, 0],
        ],
        { dtype: "int32" },
      );
      expect(plain(r.s[0])).toEqual([[1, 0], [4], [2, 2]]);
    });
    test("static shape from a constant dense shape; rank checks", () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        expect(sp([[0, 1]], [1], [2, 3]).shape.toString()).toBe("[2,3]");
        expect(() => new tf.SparseTensor(I64([0, 1]), tf.constant([1]), I64([2]))).toThrow(
          /rank 2/,
        );
      });
    });
  });

  describe("conversions", () => {
    test("toDense and sparseToDense (default value, 1-D indices, scalar values)", async () => {
      const r = await run(() => [
        tf.sparse.toDense(
          sp(
            [
              [0, 0],
              [1, 2],
            ],
            [1, 2],
            [3, 4],
          ),
        ),
        tf.sparse.toDense(sp([[0, 1]], [7], [1, 3]), { defaultValue: -1 }),
        tf.sparseToDense(
          tf.constant([1, 3], { dtype: "int32" }),
          tf.constant([5], { dtype: "int32" }),
          tf.constant(9),
        ),
      ]);
      expectArray(r[0], [
        [1, 0, 0, 0],
        [0, 0, 2, 0],
        [0, 0, 0, 0],
      ]);
      expectArray(r[1], [[-1, 7, -1]]);
      expectArray(r[2], [0, 9, 0, 9, 0]);
    });
    test("SparseToDense validates order, repeats and bounds", async () => {
      await expect(
        run(() =>
          tf.sparse.toDense(
            sp(
              [
                [1, 0],
                [0, 0],
              ],
              [1, 2],
              [2, 2],
            ),
          ),
        ),
      ).rejects.toThrow(/out of order/);
      await expect(
        run(() =>
          tf.sparse.toDense(
            sp(
              [
                [0, 0],
                [0, 0],
              ],
              [1, 2],
              [2, 2],
            ),
          ),
        ),
      ).rejects.toThrow(/repeated/);
      await expect(run(() => tf.sparse.toDense(sp([[0, 5]], [1], [2, 2])))).rejects.toThrow(
        /out of bounds/,
      );
      const r = await run(() =>
        tf.sparse.toDense(
          sp(
            [
              [1, 0],
              [0, 0],
            ],
            [1, 2],
            [2, 2],
          ),
          { validateIndices: false },
        ),
      );
      expectArray(r, [
        [2, 0],
        [1, 0],
      ]);
    });
    test("fromDense (Where + GatherNd)", async () => {
      const r = await run(() =>
        tf.sparse.fromDense(
          tf.constant([
            [0, 3],
            [0, 0],
            [5, 0],
          ]),
        ),
      );
      expect(plain(r)).toEqual([
        [0, 1, 2, 0],
        [3, 5],
        [3, 2],
      ]);
    });
  });

  describe("matmul", () => {
    // A = [[1, 0, 2], [0, 3, 0]], B = [[1, 2], [3, 4], [5, 6]]: A @ B = [[11, 14], [9, 12]].
    const A = () =>
      sp(
        [
          [0, 0],
          [0, 2],
          [1, 1],
        ],
        [1, 2, 3],
        [2, 3],
      );
    test("plain and adjoint forms", async () => {
      const B = [
        [1, 2],
        [3, 4],
        [5, 6],
      ];
      const r = await run(() => [
        tf.sparse.sparseDenseMatmul(A(), tf.constant(B)),
        tf.sparseTensorDenseMatmul(A(), tf.transpose(tf.constant(B)), { adjointB: true }),
        tf.sparseTensorDenseMatmul(
          A(),
          tf.constant([
            [1, 0],
            [0, 1],
          ]),
          { adjointA: true },
        ),
      ]);
      expectArray(r[0], [
        [11, 14],
        [9, 12],
      ]);
      expectArray(r[1], [
        [11, 14],
        [9, 12],
      ]);
      expectArray(r[2], [
        [1, 0],
        [0, 3],
        [2, 0],
      ]);
    });
    test("shape function and inner-dimension errors", async () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        expect(
          tf.sparseTensorDenseMatmul(A(), tf.placeholder("float32", [3, null])).shape.toString(),
        ).toBe("[2,?]");
        expect(() => tf.sparseTensorDenseMatmul(A(), tf.placeholder("float32", [2, 2]))).toThrow(
          tf.ValueError,
        );
      });
      const b = tf.NDArray.from([[1, 2]], "float32");
      await expect(
        run(() => tf.sparseTensorDenseMatmul(A(), tf.placeholder("float32", null, "b")), { b }),
      ).rejects.toThrow(/inner dimension does not match: 3 vs. 1/);
    });
    test("gradients of the adjoint forms", async () => {
      const idx = () =>
        I64([
          [0, 0],
          [0, 2],
          [1, 1],
        ]);
      for (const [adjointA, adjointB, bShape] of [
        [true, false, [2, 2]],
        [false, true, [2, 3]],
        [true, true, [2, 2]],
      ] as const) {
        await checkGradient(
          (v, b) =>
            tf.sparseTensorDenseMatmul(new tf.SparseTensor(idx(), v, [2, 3]), b, {
              adjointA,
              adjointB,
            }),
          [{ shape: [3] }, { shape: [...bShape] }],
          { backend },
        );
      }
    });
  });

  describe("structure", () => {
    test("reorder", async () => {
      const r = await run(() =>
        tf.sparse.reorder(
          sp(
            [
              [1, 0],
              [0, 1],
              [0, 0],
            ],
            [1, 2, 3],
            [2, 2],
          ),
        ),
      );
      expect(plain(r)).toEqual([
        [0, 0, 0, 1, 1, 0],
        [3, 2, 1],
        [2, 2],
      ]);
    });
    test("reshape, with -1 (flat positions 0, 1, 5 of [2,3] in [3,2])", async () => {
      const r = await run(() =>
        tf.sparse.reshape(
          sp(
            [
              [0, 0],
              [0, 1],
              [1, 2],
            ],
            [1, 2, 3],
            [2, 3],
          ),
          [3, -1],
        ),
      );
      expect(plain(r)).toEqual([
        [0, 0, 0, 1, 2, 1],
        [1, 2, 3],
        [3, 2],
      ]);
      await expect(
        run(() => tf.sparse.reshape(sp([[0, 0]], [1], [2, 3]), [4, -1])),
      ).rejects.toThrow(/multiple of 4/);
      await expect(
        run(() => tf.sparse.reshape(sp([[0, 0]], [1], [2, 3]), [-1, -1])),
      ).rejects.toThrow(/only one/);
    });
    // TF docs: a [2, 7] tensor with a at (0,1), d at (0,4), e at (0,5), b at (1,0), c at (1,1).
    const docs = () =>
      sp(
        [
          [0, 1],
          [0, 4],
          [0, 5],
          [1, 0],
          [1, 1],
        ],
        ["a", "d", "e", "b", "c"],
        [2, 7],
      );
    test("slice (TF docs example)", async () => {
      const [x, y] = await run(() => [
        tf.sparse.slice(docs(), I64([0, 0]), I64([2, 4])),
        tf.sparse.slice(docs(), I64([0, 4]), I64([2, 3])),
      ]);
      expect(plain(x)).toEqual([
        [0, 1, 1, 0, 1, 1],
        ["a", "b", "c"],
        [2, 4],
      ]);
      expect(plain(y)).toEqual([
        [0, 0, 0, 1],
        ["d", "e"],
        [2, 3],
      ]);
    });
    test("split (TF docs example: 7 columns in 2 pieces are 4 and 3)", async () => {
      const [x, y] = await run(() => tf.sparse.split(docs(), 2, 1));
      expect(plain(x)).toEqual([
        [0, 1, 1, 0, 1, 1],
        ["a", "b", "c"],
        [2, 4],
      ]);
      expect(plain(y)).toEqual([
        [0, 0, 0, 1],
        ["d", "e"],
        [2, 3],
      ]);
      await expect(run(() => tf.sparse.split(docs(), 3, 0))).rejects.toThrow(/num_split/);
    });
    test("concat (TF docs example)", async () => {
      const r = await run(() =>
        tf.sparse.concat(1, [
          sp(
            [
              [0, 2],
              [1, 0],
              [1, 1],
            ],
            ["a", "b", "c"],
            [2, 3],
          ),
          sp(
            [
              [0, 1],
              [0, 2],
            ],
            ["d", "e"],
            [2, 4],
          ),
        ]),
      );
      expect(plain(r)).toEqual([
        [0, 2, 0, 4, 0, 5, 1, 0, 1, 1],
        ["a", "d", "e", "b", "c"],
        [2, 7],
      ]);
      await expect(
        run(() => tf.sparse.concat(0, [sp([[0, 0]], [1], [1, 2]), sp([[0, 0]], [1], [1, 3])])),
      ).rejects.toThrow(/does not match/);
    });
    test("fillEmptyRows (TF docs example)", async () => {
      const [filled, empty] = await run(() =>
        tf.sparse.fillEmptyRows(
          sp(
            [
              [0, 1],
              [0, 3],
              [2, 0],
              [3, 1],
            ],
            ["a", "b", "c", "d"],
            [5, 6],
          ),
          "z",
        ),
      );
      expect(plain(filled)).toEqual([
        [0, 1, 0, 3, 1, 0, 2, 0, 3, 1, 4, 0],
        ["a", "b", "z", "c", "d", "z"],
        [5, 6],
      ]);
      expectArray(empty, [false, true, false, false, true]);
      const raw = await run(() => {
        const s = sp(
          [
            [0, 1],
            [0, 3],
            [2, 0],
            [3, 1],
          ],
          [1, 2, 3, 4],
          [5, 6],
        );
        return tf
          .getDefaultGraph()
          .createOp("SparseFillEmptyRows", [s.indices, s.values, s.denseShape, tf.constant(0)])
          .outputs[3];
      });
      expect(big(raw)).toEqual([0, 1, 3, 4]);
    });
  });

  describe("arithmetic", () => {
    test("add: sparse + sparse (merged, in order), threshold, sparse + dense", async () => {
      const r = await run(() => [
        tf.sparse.add(
          sp(
            [
              [0, 0],
              [1, 1],
            ],
            [1, 2],
            [2, 2],
          ),
          sp(
            [
              [0, 0],
              [0, 1],
            ],
            [3, 4],
            [2, 2],
          ),
        ),
        tf.sparse.add(
          sp([[0, 1]], [1], [2, 2]),
          sp(
            [
              [0, 1],
              [1, 0],
            ],
            [-0.9, 5],
            [2, 2],
          ),
          { threshold: 0.5 },
        ),
        tf.sparse.add(
          sp([[0, 1]], [1], [2, 2]),
          tf.constant([
            [1, 1],
            [1, 1],
          ]),
        ),
      ]);
      const [a, b, c] = r as [tf.SparseTensorValue, tf.SparseTensorValue, tf.NDArray];
      expect(plain(a)).toEqual([
        [0, 0, 0, 1, 1, 1],
        [4, 4, 2],
        [2, 2],
      ]);
      expect(big(b.indices)).toEqual([1, 0]);
      expectArray(c, [
        [1, 2],
        [1, 1],
      ]);
      await expect(
        run(() => tf.sparse.add(sp([[0, 0]], [1], [2, 2]), sp([[0, 0]], [1], [2, 3]))),
      ).rejects.toThrow(/shapes do not match/);
    });
    test("sparse (op) dense with broadcasting", async () => {
      const x = () =>
        sp(
          [
            [0, 0],
            [1, 2],
          ],
          [2, 6],
          [2, 3],
        );
      const d = () => tf.constant([1, 2, 3]);
      const r = await run(() => [
        tf.sparseDenseCwiseMul(x(), d()).values,
        tf.sparseDenseCwiseDiv(x(), d()).values,
        tf.sparseDenseCwiseAdd(x(), d()).values,
      ]);
      expectArray(r[0], [2, 18]);
      expectArray(r[1], [2, 2]);
      expectArray(r[2], [3, 9]);
      await expect(
        run(() => tf.sparseDenseCwiseMul(x(), tf.constant([1, 2])).values),
      ).rejects.toThrow(/does not match/);
    });
    test("softmax over the entries of each row (hand-worked: 1/(1+e), e/(1+e), 1)", async () => {
      const r = await run(
        () =>
          tf.sparse.softmax(
            sp(
              [
                [0, 0],
                [0, 2],
                [1, 1],
              ],
              [1, 2, 5],
              [2, 3],
            ),
          ).values,
      );
      expectArray(r, [1 / (1 + Math.E), Math.E / (1 + Math.E), 1]);
    });
    test("maximum and minimum (TF docs example)", async () => {
      const [mx, mn] = await run(() => [
        tf.sparse.maximum(
          sp([[0], [1]], [0, 0], [7], "int32"),
          sp([[1], [2]], [1, 1], [7], "int32"),
        ),
        tf.sparse.minimum(
          sp([[0], [1]], [0, 0], [7], "int32"),
          sp([[1], [2]], [1, 1], [7], "int32"),
        ),
      ]);
      expect(big(mx.indices)).toEqual([0, 1, 2]);
      expectArray(mx.values, [0, 1, 1]);
      expectArray(mn.values, [0, 0, 0]);
    });
  });

  describe("reductions", () => {
    // TF docs: x = [[1, ?, 1], [?, 1, ?]].
    const x = () =>
      sp(
        [
          [0, 0],
          [0, 2],
          [1, 1],
        ],
        [1, 1, 1],
        [2, 3],
      );
    test("reduceSum (TF docs examples)", async () => {
      const r = await run(() => [
        tf.sparse.reduceSum(x()),
        tf.sparse.reduceSum(x(), 0),
        tf.sparse.reduceSum(x(), 1),
        tf.sparse.reduceSum(x(), 1, true),
        tf.sparse.reduceSum(x(), [0, 1]),
        tf.sparse.reduceSum(x(), -1),
      ]);
      expectArray(r[0], 3);
      expectArray(r[1], [1, 1, 1]);
      expectArray(r[2], [2, 1]);
      expectArray(r[3], [[2], [1]]);
      expectArray(r[4], 3);
      expectArray(r[5], [2, 1]);
    });
    test("reduceMax over the entries present (TF docs; an empty group gives 0)", async () => {
      const y = () =>
        sp(
          [
            [0, 0],
            [0, 2],
            [1, 1],
          ],
          [1, 2, 3],
          [2, 3],
        );
      const r = await run(() => [
        tf.sparse.reduceMax(y()),
        tf.sparse.reduceMax(y(), 0),
        tf.sparse.reduceMax(y(), 1),
        tf.sparse.reduceMax(
          sp(
            [
              [0, 0],
              [0, 2],
            ],
            [-1, -2],
            [2, 3],
          ),
          1,
        ),
      ]);
      expectArray(r[0], 3);
      expectArray(r[1], [1, 3, 2]);
      expectArray(r[2], [2, 3]);
      expectArray(r[3], [-1, 0]);
    });
    test("sparse results", async () => {
      const [s, m] = await run(() => [
        tf.sparse.reduceSumSparse(x(), 1),
        tf.sparse.reduceMaxSparse(
          sp(
            [
              [0, 0],
              [0, 2],
              [2, 1],
            ],
            [5, -2, 4],
            [3, 3],
          ),
          1,
          true,
        ),
      ]);
      expect(plain(s)).toEqual([[0, 1], [2, 1], [2]]);
      expect(plain(m)).toEqual([
        [0, 0, 2, 0],
        [5, 4],
        [3, 1],
      ]);
    });
    test("bad axes: at construction when known, else at run time", async () => {
      expect(() => run(() => tf.sparse.reduceSum(x(), 2))).toThrow(/Invalid reduction dimension 2/);
      const s = () => tf.sparsePlaceholder("float32", null, "s");
      await expect(
        run(() => tf.sparse.reduceSum(s(), 2), {
          "s/indices": tf.NDArray.from([[0]], "int64"),
          "s/values": [1],
          "s/shape": tf.NDArray.from([2], "int64"),
        }),
      ).rejects.toThrow(/invalid reduction dimension 2/);
    });
  });

  test("SerializeSparse / DeserializeSparse round trip, batched", async () => {
    const r = await run(() => {
      const a = sp(
        [
          [0, 1],
          [1, 0],
        ],
        [1.5, -2],
        [2, 3],
      );
      const b = sp([[2, 2]], [7], [3, 3]);
      const sa = tf.serializeSparse(a);
      const both = tf.stack([sa, tf.serializeSparse(b)]);
      return [
        sa,
        tf.deserializeSparse(sa, "float32"),
        tf.deserializeSparse(both, "float32"),
      ] as const;
    });
    expect(r[0].shape).toEqual([3]);
    expect(plain(r[1])).toEqual([
      [0, 1, 1, 0],
      [1.5, -2],
      [2, 3],
    ]);
    // Batched: the batch index in front, each dense dim the largest of the inputs'.
    expect(plain(r[2])).toEqual([
      [0, 0, 1, 0, 1, 0, 1, 2, 2],
      [1.5, -2, 7],
      [2, 3, 3],
    ]);
    await expect(
      run(() => tf.deserializeSparse(tf.serializeSparse(sp([[0]], [1], [2])), "int32")),
    ).rejects.toThrow(/requested SparseTensor of type int32/);
    await expect(
      run(() => tf.deserializeSparse(tf.constant(["x", "y", "z"], { dtype: "string" }), "float32")),
    ).rejects.toThrow(/could not parse/);
  });

  test("shape functions", () => {
    const i64 = ["int64", "float32", "int64", "int32"] as tf.DType[];
    inferOk(
      "SparseReduceSum",
      "[?,2];[?];[2];[1]",
      "[3]",
      {},
      {
        dtypes: i64,
        constInputs: { 2: tf.NDArray.from([4, 3], "int64"), 3: tf.NDArray.from([0], "int32") },
      },
    );
    inferErr(
      "SparseReduceSum",
      "[?,2];[?];[2];[1]",
      /Invalid reduction dimension 3/,
      {},
      {
        dtypes: i64,
        constInputs: { 2: tf.NDArray.from([4, 3], "int64"), 3: tf.NDArray.from([3], "int32") },
      },
    );
    inferOk(
      "SparseAdd",
      "[?,3];[?];[3];[?,3];[?];[3];[]",
      "[?,3];[?];[3]",
      {},
      {
        dtypes: ["int64", "float32", "int64", "int64", "float32", "int64", "float32"],
      },
    );
    inferOk(
      "SparseToDense",
      "[?,2];[2];[?];[]",
      "[5,6]",
      {},
      {
        dtypes: ["int64", "int64", "float32", "float32"],
        constInputs: { 1: tf.NDArray.from([5, 6], "int64") },
      },
    );
    inferOk(
      "SparseFillEmptyRows",
      "[4,2];[4];[2];[]",
      "[?,2];[?];[?];[4]",
      {},
      {
        dtypes: ["int64", "float32", "int64", "float32"],
      },
    );
    inferErr(
      "SparseSlice",
      "[?,2];[?];[2,1];[2];[2]",
      /rank 1/,
      {},
      {
        dtypes: ["int64", "float32", "int64", "int64", "int64"],
      },
    );
  });
});
