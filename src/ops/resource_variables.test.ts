// Resource variables: the graph TF 1.x builds, the ops' values (worked by hand), errors,
// per-session storage, control-dependency reads and gradients through handles.
import { describe, expect, test } from "vitest";
import { BACKENDS, expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";

const rv = (init: tf.TensorLike | (() => tf.TensorLike), name: string, dtype?: tf.DType) =>
  new tf.Variable(init, { name, useResource: true, dtype });

/** A graph with the variables of `build`, initialized in a fresh session. */
async function session<T>(build: () => T, backend?: string): Promise<{ s: tf.Session; r: T }> {
  const g = new tf.Graph();
  const r = g.asDefault(build);
  const s = new tf.Session({ graph: g, backend });
  await s.run(g.asDefault(() => tf.globalVariablesInitializer()));
  return { s, r };
}

describe("resource Variable: the graph", () => {
  test("VarHandleOp, IsInitialized, Assign, Read and the initial value as TF names them", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const v = rv([[1, 2, 3]], "W");
      expect(v.isResource).toBe(true);
      expect(v.name).toBe("W:0");
      expect(v.op.type).toBe("VarHandleOp");
      expect(v.op.attrs.shared_name).toBe("W");
      expect(v.handle.dtype).toBe("resource");
      expect(v.handle.shape.toString()).toBe("[]");
      expect(v.dtype).toBe("float32");
      expect(v.shape.toString()).toBe("[1,3]");
      expect(v.initializer.name).toBe("W/Assign");
      expect(v.initializer.type).toBe("AssignVariableOp");
      expect(v.initialValue.op.name).toBe("W/Initializer/initial_value");
      expect(v.graphElement.name).toBe("W/Read/ReadVariableOp:0");
      expect(g.getOperationByName("W/IsInitialized/VarIsInitializedOp").type).toBe(
        "VarIsInitializedOp",
      );
      const u = rv(() => tf.constant([1, 2]), "U");
      expect(u.initialValue.op.name).toBe("U/Initializer/Const");
      // value() is a fresh read each time, with the variable's static shape.
      const a = v.value();
      const b = v.value();
      expect(a.op.type).toBe("ReadVariableOp");
      expect(a).not.toBe(b);
      expect(a.shape.toString()).toBe("[1,3]");
      expect(tf.globalVariables()).toEqual([v, u]);
      expect(tf.trainableVariables()).toEqual([v, u]);
      expect(() => new tf.Variable(1, { name: "r" }).handle).toThrow(tf.ValueError);
    });
  });

  test("getVariable and variableScope take useResource", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.getVariable("a", { shape: [2], useResource: true });
      const b = tf.variableScope(
        "s",
        () => {
          const inner = tf.variableScope("t", () => tf.getVariable("b", { shape: [3] }));
          const ref = tf.getVariable("c", { shape: [1], useResource: false });
          return [inner, ref];
        },
        { useResource: true },
      );
      const d = tf.getVariable("d", { shape: [1] });
      expect(a.isResource).toBe(true);
      expect(b[0].isResource).toBe(true);
      expect(b[0].op.name).toBe("s/t/b");
      expect(b[1].isResource).toBe(false);
      expect(d.isResource).toBe(false);
      expect(a.initialValue.op.name).toMatch(/^a\/Initializer\//);
    });
  });
});

describe.each(BACKENDS)("resource variables on %s", (backend) => {
  test("read, assign, assignAdd and assignSub return the value after the update", async () => {
    const { s, r } = await session(() => {
      const v = rv([1, 2], "v");
      return {
        v,
        set: v.assign([10, 20]),
        add: v.assignAdd([1, 1]),
        sub: v.assignSub([5, 5]),
      };
    }, backend);
    expectArray(await s.run(r.v), [1, 2]);
    expectArray(await s.run(r.add), [2, 3]);
    expectArray(await s.run(r.add), [3, 4]);
    expectArray(await s.run(r.v.graphElement), [3, 4]);
    expectArray(await s.run(r.set), [10, 20]);
    expectArray(await s.run(r.sub), [5, 15]);
  });

  test("an uninitialized read is FailedPreconditionError naming the variable", async () => {
    const g = new tf.Graph();
    const { v, init, isInit } = g.asDefault(() => {
      const v = rv([1, 2], "weights");
      return { v, init: v.initializer, isInit: tf.isVariableInitialized(v) };
    });
    const s = new tf.Session({ graph: g, backend });
    await expect(s.run(v)).rejects.toThrow(tf.FailedPreconditionError);
    await expect(s.run(v)).rejects.toThrow(
      /Error while reading resource variable weights .*uninitialized/,
    );
    expect((await s.run(isInit)).item()).toBe(false);
    await s.run(init);
    expect((await s.run(isInit)).item()).toBe(true);
  });

  test("two sessions are independent; handles with one shared_name share the variable", async () => {
    const g = new tf.Graph();
    const r = g.asDefault(() => {
      const v = rv([1, 2], "v");
      // A second handle to the same variable, and one in another container.
      const same = tf.varHandleOp("float32", [2], { sharedName: "v", name: "other" });
      const elsewhere = tf.varHandleOp("float32", [2], { sharedName: "v", container: "c" });
      return {
        v,
        add: v.assignAdd([1, 1]),
        viaSame: tf.readVariableOp(same),
        setSame: tf.assignVariableOp(same, [7, 7]),
        viaElsewhere: tf.readVariableOp(elsewhere),
      };
    });
    const s1 = new tf.Session({ graph: g, backend });
    const s2 = new tf.Session({ graph: g, backend });
    await s1.run(r.v.initializer);
    await s2.run(r.v.initializer);
    await s1.run(r.add);
    expectArray(await s1.run(r.v), [2, 3]);
    expectArray(await s2.run(r.v), [1, 2]);
    expectArray(await s1.run(r.viaSame), [2, 3]);
    await s2.run(r.setSame);
    expectArray(await s2.run(r.v), [7, 7]);
    await expect(s1.run(r.viaElsewhere)).rejects.toThrow(/from Container: c\./);
  });

  test("a read in controlDependencies of an assign sees the new value", async () => {
    const { s, r } = await session(() => {
      const v = rv(1, "v");
      const assign = v.assign(5);
      // A ref-variable's value() is its snapshot; a resource variable's is a fresh read.
      const after = tf.controlDependencies([assign], () => v.value());
      const doubled = tf.controlDependencies([assign], () => tf.mul(v, 2));
      const readValue = tf.controlDependencies([assign], () => v.readValue());
      return { v, after, doubled, readValue };
    }, backend);
    expectArray(await s.run(r.v), 1);
    expectArray(await s.run(r.after), 5);
    await s.run(r.v.initializer);
    expectArray(await s.run(r.doubled), 10);
    await s.run(r.v.initializer);
    expectArray(await s.run(r.readValue), 5);
  });

  test("dtype mismatches: ValueError at construction, InvalidArgumentError at run time", async () => {
    const g = new tf.Graph();
    const { bad } = g.asDefault(() => {
      const v = rv([1, 2], "v");
      expect(() => tf.assignVariableOp(v.handle, tf.constant([1, 2], { dtype: "int32" }))).toThrow(
        tf.ValueError,
      );
      expect(() => v.assign([[1, 2]])).toThrow(/must be equal|Shapes/);
      return { v, bad: tf.readVariableOp(v.handle, { dtype: "int32" }) };
    });
    const s = new tf.Session({ graph: g, backend });
    await s.run(tf.variablesInitializer(g.getCollection(tf.GraphKeys.GLOBAL_VARIABLES)));
    await expect(s.run(bad)).rejects.toThrow(tf.InvalidArgumentError);
    await expect(s.run(bad)).rejects.toThrow(/wrong dtype. Expected float32 got int32/);
  });

  test("VariableShape, VarIsInitializedOp and DestroyResourceOp", async () => {
    const { s, r } = await session(() => {
      const v = rv(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        "v",
      );
      return {
        v,
        shape: tf.variableShape(v.handle),
        shape64: tf.variableShape(v.handle, { outType: "int64" }),
        isInit: tf.varIsInitializedOp(v.handle),
        destroy: tf.destroyResourceOp(v.handle),
        strict: tf.destroyResourceOp(v.handle, { ignoreLookupError: false }),
      };
    }, backend);
    expect(r.shape.shape.toString()).toBe("[2]");
    expectArray(await s.run(r.shape), [2, 3], { dtype: "int32" });
    expectArray(await s.run(r.shape64), [2, 3], { dtype: "int64" });
    expect((await s.run(r.isInit)).item()).toBe(true);
    await s.run(r.destroy);
    expect((await s.run(r.isInit)).item()).toBe(false);
    await expect(s.run(r.v)).rejects.toThrow(tf.FailedPreconditionError);
    await s.run(r.destroy); // ignore_lookup_error (the default)
    await expect(s.run(r.strict)).rejects.toThrow(tf.NotFoundError);
  });

  test("ResourceGather and ResourceGatherNd", async () => {
    const { s, r } = await session(() => {
      const v = rv(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        "v",
      );
      const b = rv(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        "b",
      );
      return {
        rows: tf.resourceGather(v.handle, [2, 0, 2]),
        nested: tf.resourceGather(v.handle, [[1], [0]]),
        // batch_dims 1: row i of b gathered at indices[i].
        batched: tf.resourceGather(b.handle, [[2], [0]], { batchDims: 1 }),
        nd: tf.resourceGatherNd(v.handle, [
          [0, 1],
          [2, 0],
        ]),
        ndRows: tf.resourceGatherNd(v.handle, [[1]]),
        bad: tf.resourceGather(v.handle, [3]),
        sparseRead: v.sparseRead([1]),
        refSparseRead: new tf.Variable(M, { name: "r" }).sparseRead([2, 1]),
        gatherNd: v.gatherNd([[2, 1]]),
      };
    }, backend);
    expect(r.rows.shape.toString()).toBe("[3,2]");
    expect(r.nested.shape.toString()).toBe("[2,1,2]");
    expect(r.nd.shape.toString()).toBe("[2]");
    expectArray(await s.run(r.rows), [
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    expectArray(await s.run(r.nested), [[[3, 4]], [[1, 2]]]);
    expectArray(await s.run(r.batched), [[3], [4]]);
    expectArray(await s.run(r.nd), [2, 5]);
    expectArray(await s.run(r.ndRows), [[3, 4]]);
    await expect(s.run(r.bad)).rejects.toThrow(tf.InvalidArgumentError);
    expect(r.sparseRead.op.type).toBe("ResourceGather");
    expectArray(await s.run(r.sparseRead), [[3, 4]]);
    expectArray(await s.run(r.refSparseRead), [
      [5, 6],
      [3, 4],
    ]);
    expectArray(await s.run(r.gatherNd), [6]);
  });
});

const M = [
  [1, 2],
  [3, 4],
  [5, 6],
];
// Rows 2 and 0 of M combined with U (worked by hand, row by row).
const U = [
  [0, 20],
  [30, 1],
];
const SCATTER_CASES: [string, typeof tf.scatterAdd, tf.NestedArray, tf.NestedArray][] = [
  [
    "Add",
    tf.scatterAdd,
    U,
    [
      [31, 3],
      [3, 4],
      [5, 26],
    ],
  ],
  [
    "Sub",
    tf.scatterSub,
    U,
    [
      [-29, 1],
      [3, 4],
      [5, -14],
    ],
  ],
  [
    "Mul",
    tf.scatterMul,
    U,
    [
      [30, 2],
      [3, 4],
      [0, 120],
    ],
  ],
  [
    "Div",
    tf.scatterDiv,
    [
      [2, 4],
      [4, 8],
    ],
    [
      [0.25, 0.25],
      [3, 4],
      [2.5, 1.5],
    ],
  ],
  [
    "Min",
    tf.scatterMin,
    U,
    [
      [1, 1],
      [3, 4],
      [0, 6],
    ],
  ],
  [
    "Max",
    tf.scatterMax,
    U,
    [
      [30, 2],
      [3, 4],
      [5, 20],
    ],
  ],
  [
    "Update",
    tf.scatterUpdate,
    U,
    [
      [30, 1],
      [3, 4],
      [0, 20],
    ],
  ],
];

describe.each(BACKENDS)("scatter ops, ref and resource forms, on %s", (backend) => {
  for (const useResource of [false, true]) {
    const kind = useResource ? "ResourceScatter" : "Scatter";
    for (const [name, fn, updates, want] of SCATTER_CASES) {
      test(`${kind}${name}`, async () => {
        const { s, r } = await session(() => {
          const v = new tf.Variable(M, { name: "v", useResource });
          const out = fn(v, [2, 0], updates);
          const types = tf.getDefaultGraph().operations.map((o) => o.type);
          expect(types).toContain(`${kind}${name}`);
          return { v, out };
        }, backend);
        expectArray(await s.run(r.out), want);
        expectArray(await s.run(r.v), want);
      });
    }

    test(`${kind}: scalar updates, repeated indices, int32 division truncates, bad index`, async () => {
      const { s, r } = await session(() => {
        const v = new tf.Variable(
          [
            [1, 2],
            [3, 4],
          ],
          { name: "v", useResource },
        );
        const n = new tf.Variable(tf.constant([7, -7], { dtype: "int32" }), {
          name: "n",
          useResource,
        });
        return {
          twice: tf.scatterAdd(v, [1, 1], 5),
          div: tf.scatterDiv(n, [0, 1], tf.constant([2, 2], { dtype: "int32" })),
          bad: tf.scatterAdd(v, [2], [[1, 1]]),
        };
      }, backend);
      expectArray(await s.run(r.twice), [
        [1, 2],
        [13, 14],
      ]);
      expectArray(await s.run(r.div), [3, -3], { dtype: "int32" });
      await expect(s.run(r.bad)).rejects.toThrow(/indices\[0\] = 2 is not in \[0, 2\)/);
    });

    // TF's scatter_nd_add example: [1..8], indices [[4],[3],[1],[7]], updates [9,10,11,12].
    const ND: [string, typeof tf.scatterNdAdd, number[]][] = [
      ["Add", tf.scatterNdAdd, [1, 13, 3, 14, 14, 6, 7, 20]],
      ["Sub", tf.scatterNdSub, [1, -9, 3, -6, -4, 6, 7, -4]],
      ["Update", tf.scatterNdUpdate, [1, 11, 3, 10, 9, 6, 7, 12]],
    ];
    for (const [name, fn, want] of ND) {
      test(`${useResource ? "ResourceScatterNd" : "ScatterNd"}${name}`, async () => {
        const { s, r } = await session(() => {
          const v = new tf.Variable([1, 2, 3, 4, 5, 6, 7, 8], { name: "v", useResource });
          return fn(v, [[4], [3], [1], [7]], [9, 10, 11, 12]);
        }, backend);
        expectArray(await s.run(r), want);
      });
    }

    test(`${useResource ? "Resource" : ""}ScatterNd on slices, and its errors`, async () => {
      const { s, r } = await session(() => {
        const v = new tf.Variable(M, { name: "v", useResource });
        expect(() => tf.scatterNdAdd(v, [[0]], [1, 2, 3])).toThrow(tf.ValueError);
        return {
          rows: tf.scatterNdAdd(v, [[2], [0]], U),
          bad: tf.scatterNdUpdate(v, [[0, 5]], [1]),
        };
      }, backend);
      expectArray(await s.run(r.rows), [
        [31, 3],
        [3, 4],
        [5, 26],
      ]);
      await expect(s.run(r.bad)).rejects.toThrow(/does not index into param shape \[3,2\]/);
    });

    test(`${useResource ? "Resource" : ""}StridedSliceAssign`, async () => {
      const { s, r } = await session(() => {
        const m = new tf.Variable(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          { name: "m", useResource },
        );
        const v = new tf.Variable([1, 2, 3, 4, 5], { name: "v", useResource });
        return {
          // m[:, 1:3] = [[7, 8], [9, 10]]
          block: tf.stridedSliceAssign(
            m,
            [0, 1],
            [2, 3],
            [1, 1],
            [
              [7, 8],
              [9, 10],
            ],
          ),
          // m[1] = [0, 0, 0] (shrink_axis_mask)
          row: tf.stridedSliceAssign(m, [1], [2], [1], [0, 0, 0], { shrinkAxisMask: 1 }),
          // v[::-2] = [10, 30, 50]: positions 4, 2, 0
          reversed: tf.stridedSliceAssign(v, [-1], [0], [-2], [10, 30, 50], { endMask: 1 }),
          bad: tf.stridedSliceAssign(v, [0], [2], [1], [1, 2, 3]),
        };
      }, backend);
      expectArray(await s.run(r.block), [
        [1, 7, 8],
        [4, 9, 10],
      ]);
      expectArray(await s.run(r.row), [
        [1, 7, 8],
        [0, 0, 0],
      ]);
      expectArray(await s.run(r.reversed), [50, 2, 30, 4, 10]);
      await expect(s.run(r.bad)).rejects.toThrow(/sliced l-value shape \[2\] does not match/);
    });

    test(`${useResource ? "Resource" : ""}CountUpTo`, async () => {
      const { s, r } = await session(() => {
        const c = new tf.Variable(tf.constant(0, { dtype: "int64" }), { name: "c", useResource });
        return { c, next: tf.countUpTo(c, 2) };
      }, backend);
      expectArray(await s.run(r.next), 0, { dtype: "int64" });
      expectArray(await s.run(r.next), 1, { dtype: "int64" });
      await expect(s.run(r.next)).rejects.toThrow(/Reached limit of 2/);
      await expect(s.run(r.next)).rejects.toThrow(tf.OutOfRangeError);
      expectArray(await s.run(r.c), 2, { dtype: "int64" });
    });
  }

  test("RefIdentity passes the ref on: an Assign through it updates the variable", async () => {
    const { s, r } = await session(() => {
      const v = new tf.Variable([1, 2], { name: "v" });
      const ref = tf.getDefaultGraph().createOp("RefIdentity", [v.ref]).outputs[0];
      expect(ref.isRef).toBe(true);
      return { v, set: tf.getDefaultGraph().createOp("Assign", [ref, tf.constant([5, 6])]) };
    }, backend);
    await s.run(r.set);
    expectArray(await s.run(r.v), [5, 6]);
  });
});

describe("shape functions", () => {
  test("reads, gathers and scatters take the variable's shape from its handle", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const h = tf.varHandleOp("float32", [null, 4]);
      expect(tf.readVariableOp(h).shape.toString()).toBe("[?,4]");
      expect(tf.resourceGather(h, [[1, 2]]).shape.toString()).toBe("[1,2,4]");
      expect(tf.resourceGatherNd(h, [[1, 2]]).shape.toString()).toBe("[1]");
      expect(tf.variableShape(h).shape.toString()).toBe("[2]");
      expect(() => tf.scatterUpdate(h, [0, 1], tf.zeros([2, 3]))).toThrow(tf.ValueError);
      expect(() => tf.resourceGatherNd(h, [[1, 2, 3]])).toThrow(tf.ValueError);
      const u = tf.varHandleOp("float32", null);
      expect(tf.readVariableOp(u).shape.rank).toBeNull();
    });
  });
});

/**
 * Checks tf.gradients(y, v) for a resource variable against central differences on the
 * variable's value (set through its initializer's input).
 */
async function checkVariableGradient(
  init: number[][],
  build: (v: tf.Variable) => tf.Tensor,
): Promise<void> {
  const g = new tf.Graph();
  const { v, y, grad } = g.asDefault(() => {
    const v = new tf.Variable(tf.constant(init, { dtype: "float64" }), {
      name: "v",
      useResource: true,
    });
    const y = tf.reduceSum(build(v));
    const [grad] = tf.gradients(y, v);
    return { v, y, grad };
  });
  expect(grad).not.toBeNull();
  const s = new tf.Session({ graph: g });
  const flat = init.flat();
  const at = async (values: number[]) => {
    await v.load(new tf.NDArray("float64", [init.length, init[0].length], values), s);
    return (await s.run(y)).item() as number;
  };
  await at(flat);
  const analytic = Array.from((await s.run(grad!)).data as Float64Array);
  const delta = 1e-6;
  for (let i = 0; i < flat.length; i++) {
    const plus = flat.map((x, j) => (j === i ? x + delta : x));
    const minus = flat.map((x, j) => (j === i ? x - delta : x));
    const numeric = ((await at(plus)) - (await at(minus))) / (2 * delta);
    expect(Math.abs(analytic[i] - numeric)).toBeLessThan(1e-6);
  }
}

describe("gradients through resource variables", () => {
  test("ReadVariableOp: several reads sum at the handle", async () => {
    // y = sum(v * v) + sum(3 * v): dy/dv = 2v + 3.
    await checkVariableGradient(
      [
        [1, -2],
        [0.5, 3],
      ],
      (v) => tf.add(tf.mul(v.value(), v.value()), tf.mul(v, 3)),
    );
  });

  test("ResourceGather: rows gathered twice get both gradients", async () => {
    await checkVariableGradient(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      (v) => tf.square(tf.resourceGather(v.handle, [2, 0, 2])),
    );
    // By hand: d/dv sum(gather(v, [2, 0, 2])) counts each row's uses.
    const g = new tf.Graph();
    const { grad, v } = g.asDefault(() => {
      const v = rv(tf.zeros([3, 2]), "v");
      const [grad] = tf.gradients(tf.reduceSum(tf.resourceGather(v.handle, [2, 0, 2])), v);
      return { grad: grad!, v };
    });
    const s = new tf.Session({ graph: g });
    await s.run(v.initializer);
    expectArray(await s.run(grad), [
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  test("reads inside tf.cond: the gradient of the branch taken", async () => {
    const g = new tf.Graph();
    const r = g.asDefault(() => {
      const v = rv([1, 2], "v");
      const p = tf.placeholder("bool", [], "p");
      const y = tf.cond(
        p,
        () => tf.reduceSum(tf.square(v.value())),
        () => tf.reduceSum(tf.mul(v.value(), 3)),
      );
      const [grad] = tf.gradients(y, v);
      return { v, grad: grad! };
    });
    const s = new tf.Session({ graph: g });
    await s.run(r.v.initializer);
    expectArray(await s.run(r.grad, { "p:0": true }), [2, 4]);
    expectArray(await s.run(r.grad, { "p:0": false }), [3, 3]);
  });

  test("reads inside tf.whileLoop: the gradient sums over the iterations", async () => {
    const g = new tf.Graph();
    const r = g.asDefault(() => {
      const v = rv(2, "v");
      // acc = v^3 after three iterations: d/dv = 3 v^2 = 12.
      const [, out] = tf.whileLoop(
        (i: tf.Tensor) => tf.less(i, 3),
        (i: tf.Tensor, acc: tf.Tensor) => [tf.add(i, 1), tf.mul(acc, v.value())],
        [tf.constant(0), tf.constant(1)],
      ) as tf.Tensor[];
      const [grad] = tf.gradients(out, v);
      return { v, out, grad: grad! };
    });
    const s = new tf.Session({ graph: g });
    await s.run(r.v.initializer);
    expectArray(await s.run(r.out), 8);
    expectArray(await s.run(r.grad), 12);
  });
});
