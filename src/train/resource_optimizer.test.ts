// Optimizers on resource variables: the same numbers as on reference variables (the ResourceApply*
// ops share the Apply* kernels), resource slots, and the SparseApply* ops worked by hand.
import { describe, expect, test } from "vitest";
import { BACKENDS, expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";
import {
  sparseApplyAdagrad,
  sparseApplyCenteredRMSProp,
  sparseApplyMomentum,
  sparseApplyRMSProp,
} from "../ops/training_ops.js";

const OPTIMIZERS: [string, string, () => tf.train.Optimizer][] = [
  ["GradientDescent", "ApplyGradientDescent", () => new tf.train.GradientDescentOptimizer(0.05)],
  ["Momentum", "ApplyMomentum", () => new tf.train.MomentumOptimizer(0.02, 0.9)],
  [
    "Momentum (Nesterov)",
    "ApplyMomentum",
    () => new tf.train.MomentumOptimizer(0.02, 0.9, { useNesterov: true }),
  ],
  ["Adam", "ApplyAdam", () => new tf.train.AdamOptimizer(0.1)],
  ["RMSProp", "ApplyRMSProp", () => new tf.train.RMSPropOptimizer(0.02, { momentum: 0.3 })],
  [
    "RMSProp (centered)",
    "ApplyCenteredRMSProp",
    () => new tf.train.RMSPropOptimizer(0.01, { momentum: 0.5, centered: true }),
  ],
  ["Adagrad", "ApplyAdagrad", () => new tf.train.AdagradOptimizer(0.3)],
];

// A small linear regression: 6 samples, 3 features, y = x . [1, -2, 0.5] + 0.3.
const X = [
  [1, 0, 2],
  [0, 1, -1],
  [2, 1, 0],
  [-1, 3, 1],
  [0.5, -2, 2],
  [1, 1, 1],
];
const Y = X.map((r) => [r[0] - 2 * r[1] + 0.5 * r[2] + 0.3]);

/** Trains w [3,1] and b [1] for `steps` steps; returns the loss, w, b and every optimizer variable per step. */
async function train(
  backend: string,
  make: () => tf.train.Optimizer,
  useResource: boolean,
  steps = 8,
): Promise<{ values: tf.NDArray[][]; types: string[]; resourceSlots: boolean[] }> {
  const g = new tf.Graph();
  const built = g.asDefault(() => {
    const w = new tf.Variable(tf.constant([[0.1], [0.2], [-0.1]]), { name: "w", useResource });
    const b = new tf.Variable(tf.constant([0]), { name: "b", useResource });
    const step = tf.train.getOrCreateGlobalStep();
    const pred = tf.add(tf.matmul(tf.constant(X), w), b);
    const loss = tf.reduceMean(tf.square(tf.sub(pred, tf.constant(Y))));
    const opt = make();
    const op = opt.minimize(loss, { globalStep: step });
    const extra = opt.variables();
    return { op, fetches: [loss, w, b, step, ...extra], extra };
  });
  const sess = new tf.Session({ graph: g, backend });
  await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
  const values: tf.NDArray[][] = [];
  for (let i = 0; i < steps; i++) {
    await sess.run(built.op);
    values.push(await sess.run(built.fetches));
  }
  return {
    values,
    types: g.operations.map((o) => o.type),
    resourceSlots: built.extra.map((v) => v.isResource),
  };
}

describe.each(BACKENDS)("optimizers on resource variables, on %s", (backend) => {
  for (const [name, applyType, make] of OPTIMIZERS) {
    test(`${name}: the same numbers as on reference variables`, async () => {
      const ref = await train(backend, make, false);
      const res = await train(backend, make, true);
      expect(res.types).toContain(`Resource${applyType}`);
      expect(res.types).not.toContain(applyType);
      expect(ref.types).toContain(applyType);
      // Slots (and Adam's beta powers) are of the variable's kind, as TF's slot_creator makes them.
      expect(res.resourceSlots.every((r) => r)).toBe(true);
      expect(ref.resourceSlots.some((r) => r)).toBe(false);
      // cpu-ts runs one kernel for both forms: identical; the native Apply kernels may round differently.
      const tol = backend === "cpu-ts" ? 0 : 1e-5;
      res.values.forEach((stepValues, i) => {
        for (const [k, v] of stepValues.entries()) {
          expectArray(v, ref.values[i][k].toArray(), { tol });
        }
      });
      const losses = res.values.map((v) => v[0].item() as number);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      expect(res.values[res.values.length - 1][3].item()).toBe(8); // the global step
    });
  }
});

describe.each(BACKENDS)("SparseApply* and ResourceSparseApply* on %s", (backend) => {
  /** Variables with `init`, the update built from them, run twice: the values after each run. */
  async function sparse(
    init: tf.NestedArray[],
    build: (vars: tf.Variable[]) => tf.Tensor,
    useResource: boolean,
  ): Promise<tf.NDArray[][]> {
    const g = new tf.Graph();
    const { vars, op } = g.asDefault(() => {
      const vars = init.map(
        (v, i) => new tf.Variable(v, { name: `v${i}`, trainable: false, useResource }),
      );
      return { vars, op: build(vars) };
    });
    expect(g.operations.some((o) => o.type.startsWith(useResource ? "ResourceSparse" : "Sparse")));
    const s = new tf.Session({ graph: g, backend });
    await s.run(vars.map((v) => v.initializer));
    const out: tf.NDArray[][] = [];
    for (let i = 0; i < 2; i++) {
      const updated = await s.run(op);
      const values = await s.run(vars);
      expectArray(updated, values[0].toArray(), { tol: 0 });
      out.push(values);
    }
    return out;
  }

  for (const useResource of [false, true]) {
    const kind = useResource ? "ResourceSparseApply" : "SparseApply";

    test(`${kind}Momentum: rows in order, a repeated row updated twice`, async () => {
      const [first] = await sparse(
        [
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [
            [0, 0],
            [0, 0],
            [0, 0],
          ],
        ],
        ([v, a]) =>
          sparseApplyMomentum(
            v,
            a,
            0.1,
            [
              [1, 1],
              [2, 2],
            ],
            [2, 0],
            0.9,
          ),
        useResource,
      );
      // Row 2: accum = 1, var -= 0.1; row 0: accum = 2, var -= 0.2; row 1 untouched.
      expectArray(first[0], [
        [0.8, 1.8],
        [3, 4],
        [4.9, 5.9],
      ]);
      expectArray(first[1], [
        [2, 2],
        [0, 0],
        [1, 1],
      ]);
      const [dup] = await sparse(
        [[[3]], [[0]]],
        ([v, a]) => sparseApplyMomentum(v, a, 0.1, [[1], [1]], [0, 0], 0.9),
        useResource,
      );
      // accum: 1 then 0.9 + 1 = 1.9; var: 3 - 0.1 - 0.19.
      expectArray(dup[0], [[2.71]]);
      expectArray(dup[1], [[1.9]]);
    });

    test(`${kind}Adagrad`, async () => {
      const [first, second] = await sparse(
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [1, 1],
            [1, 1],
          ],
        ],
        ([v, a]) => sparseApplyAdagrad(v, a, 0.5, [[3, 4]], [1]),
        useResource,
      );
      // accum[1] = 1 + [9, 16]; var[1] -= 0.5 * [3, 4] / sqrt([10, 17]).
      expectArray(first[1], [
        [1, 1],
        [10, 17],
      ]);
      expectArray(first[0], [
        [1, 2],
        [3 - 1.5 / Math.sqrt(10), 4 - 2 / Math.sqrt(17)],
      ]);
      expectArray(second[1], [
        [1, 1],
        [19, 33],
      ]);
    });

    test(`${kind}RMSProp and ${kind}CenteredRMSProp`, async () => {
      const [rms] = await sparse(
        [
          [[1], [2]],
          [[1], [1]],
          [[0], [0]],
        ],
        ([v, ms, mom]) => sparseApplyRMSProp(v, ms, mom, 0.1, 0.9, 0.5, 0.01, [[2]], [0]),
        useResource,
      );
      // ms = 1 + (4 - 1) * 0.1 = 1.3; mom = 0.1 * 2 / sqrt(1.31); var = 1 - mom.
      const mom = 0.2 / Math.sqrt(1.31);
      expectArray(rms[0], [[1 - mom], [2]]);
      expectArray(rms[1], [[1.3], [1]]);
      expectArray(rms[2], [[mom], [0]]);
      const [centered] = await sparse(
        [
          [[1], [2]],
          [[0], [0]],
          [[1], [1]],
          [[0], [0]],
        ],
        ([v, mg, ms, m]) =>
          sparseApplyCenteredRMSProp(v, mg, ms, m, 0.1, 0.9, 0.5, 0.01, [[2]], [1]),
        useResource,
      );
      // ms = 1.3, mg = 0.2, mom = 0.1 * 2 / sqrt(1.3 - 0.04 + 0.01).
      const cm = 0.2 / Math.sqrt(1.27);
      expectArray(centered[0], [[1], [2 - cm]]);
      expectArray(centered[1], [[0], [0.2]]);
      expectArray(centered[3], [[0], [cm]]);
    });

    test(`${kind}: bad indices and shapes`, async () => {
      const g = new tf.Graph();
      const { bad, v, a } = g.asDefault(() => {
        const v = new tf.Variable(tf.zeros([2, 2]), { name: "v", useResource });
        const a = new tf.Variable(tf.zeros([2, 2]), { name: "a", useResource });
        expect(() => sparseApplyAdagrad(v, a, 0.1, [[1, 1, 1]], [0])).toThrow(tf.ValueError);
        expect(() => sparseApplyAdagrad(v, a, 0.1, [[1, 1]], [0, 1])).toThrow(tf.ValueError);
        return { v, a, bad: sparseApplyAdagrad(v, a, 0.1, [[1, 1]], [2]) };
      });
      const s = new tf.Session({ graph: g, backend });
      await s.run([v.initializer, a.initializer]);
      await expect(s.run(bad)).rejects.toThrow(/Index 2 at offset 0 in indices is out of range/);
    });
  }
});

describe("layers in a useResource variable scope", () => {
  test("dense layers get resource variables and Adam trains them", async () => {
    const g = new tf.Graph();
    const r = g.asDefault(() => {
      tf.setRandomSeed(7); // the same initial weights every run
      const x = tf.placeholder("float32", [null, 3], "x");
      const out = tf.variableScope(
        "m",
        () => tf.layers.dense(tf.layers.dense(x, 4, { activation: tf.nn.relu }), 1),
        { useResource: true },
      );
      // A target of 1: the loss starts far from 0, so Adam's first steps (size ~lr) cannot overshoot.
      const loss = tf.reduceMean(tf.square(tf.sub(out, 1)));
      const train = new tf.train.AdamOptimizer(0.01).minimize(loss);
      return { loss, train, vars: tf.globalVariables() };
    });
    // The layers' kernels and biases, Adam's beta powers and its slots.
    expect(r.vars.length).toBe(14);
    expect(r.vars.every((v) => v.isResource)).toBe(true);
    const s = new tf.Session({ graph: g });
    await s.run(g.asDefault(() => tf.globalVariablesInitializer()));
    const feeds = {
      "x:0": [
        [1, 2, 3],
        [0, 1, 0],
      ],
    };
    const before = (await s.run(r.loss, feeds)).item() as number;
    for (let i = 0; i < 5; i++) await s.run(r.train, feeds);
    expect((await s.run(r.loss, feeds)).item()).toBeLessThan(before);
  });
});
