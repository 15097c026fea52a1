import { describe, expect, test } from "vitest";
import {
  type Backend,
  backendNames,
  getBackend,
  type KernelEnv,
  VariableRef,
} from "../backends/kernel.js";
import * as tf from "../index.js";
import { compilePlan } from "../runtime/plan.js";
import { newRunState } from "../runtime/run_state.js";
import type { PassReport, RewriterConfig } from "./rewriter_config.js";

const cpu: Backend[] = [getBackend("cpu-ts")];

function makeEnv(): KernelEnv {
  const vars = new Map<string, VariableRef>();
  return {
    variable: (name, dtype, shape) => {
      let v = vars.get(name);
      if (!v) vars.set(name, (v = new VariableRef(name, dtype, shape)));
      return v;
    },
    resources: new Map(),
  };
}

const OFF: RewriterConfig = {
  constantFolding: "OFF",
  arithmeticOptimization: "OFF",
  commonSubgraphElimination: "OFF",
  dependencyOptimization: "OFF",
  remapping: "OFF",
};

interface Compiled {
  values: tf.NDArray[];
  size: number;
  report: readonly PassReport[];
}

/** Compiles and runs fetches of `g` with `config`; the plan's size and pass report. */
async function compileRun(
  _g: tf.Graph,
  fetches: tf.Tensor[],
  feeds: [tf.Tensor, tf.NDArray][] = [],
  config: RewriterConfig = {},
  backends = cpu,
  env = makeEnv(),
  targets: tf.Operation[] = [],
): Promise<Compiled> {
  const plan = compilePlan(
    feeds.map(([t]) => t),
    fetches,
    targets,
    backends,
    env,
    config,
  );
  const values = await plan.execute(
    feeds.map(([, v]) => v),
    newRunState({ signal: new AbortController().signal, mayAwait: true, memoryLimit: 2 ** 40 }),
  );
  return { values, size: plan.size, report: plan.passReport ?? [] };
}

/** CI also runs the suite with TENSORGRAPH_REWRITE=off: then no pass runs and these tests skip. */
const passesOff = process.env.TENSORGRAPH_REWRITE === "off";

const changes = (r: readonly PassReport[], pass: string): readonly string[] =>
  r.find((p) => p.pass === pass)?.changes ?? [];

const f32 = (shape: number[], data: number[]) => new tf.NDArray("float32", shape, data);

describe.skipIf(passesOff)("constant folding", () => {
  test("a subgraph of constants becomes one Const; the user's graph is unchanged", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2]);
      const k = tf.mul(tf.constant([1, 2], { dtype: "float32" }), tf.constant(3), "k");
      return { x, y: tf.add(x, k, "y") };
    });
    const opsBefore = g.operations.length;
    const on = await compileRun(g, [y], [[x, f32([2], [10, 20])]]);
    const off = await compileRun(g, [y], [[x, f32([2], [10, 20])]], OFF);
    expect(on.values[0].toArray()).toEqual([13, 26]); // 10 + 1·3, 20 + 2·3
    expect(off.values[0].toArray()).toEqual([13, 26]);
    expect(changes(on.report, "constant_folding")).toContain("folded 'k' (Mul) into a constant");
    expect(on.size).toBeLessThan(off.size);
    expect(g.operations.length).toBe(opsBefore);
  });

  test("Shape, Size and Rank of static shapes are constants; unknown ones are computed", async () => {
    const g = new tf.Graph();
    const { x, u, s, n, r, su } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2, 3]);
      const u = tf.placeholder("float32", [null, 3]);
      return { x, u, s: tf.shape(x), n: tf.size(x), r: tf.rank(u), su: tf.shape(u) };
    });
    const feeds: [tf.Tensor, tf.NDArray][] = [
      [x, f32([2, 3], [1, 2, 3, 4, 5, 6])],
      [u, f32([1, 3], [1, 2, 3])],
    ];
    const on = await compileRun(g, [s, n, r, su], feeds);
    expect(on.values.map((v) => v.toArray())).toEqual([[2, 3], 6, 2, [1, 3]]);
    const folded = changes(on.report, "constant_folding");
    expect(folded.filter((l) => l.startsWith("materialized")).length).toBe(3); // not su
  });

  test("a fed constant is not folded; stateful ops are not folded", async () => {
    const g = new tf.Graph();
    const { c, y, rnd } = g.asDefault(() => {
      const c = tf.constant(2, { name: "c" });
      const rnd = tf.randomUniform([2], { seed: 1 });
      return { c, y: tf.mul(c, 5), rnd: tf.mul(rnd, 1.5) };
    });
    const on = await compileRun(g, [y], [[c, f32([], [4])]]);
    expect(on.values[0].item()).toBe(20);
    expect(on.report).toEqual([]);
    const a = await compileRun(g, [rnd], [], {}, cpu, makeEnv());
    const b = await compileRun(g, [rnd], [], OFF, cpu, makeEnv());
    expect(changes(a.report, "constant_folding").join()).not.toMatch(/RandomUniform/);
    expect(a.values[0].toArray()).toEqual(b.values[0].toArray()); // seeded: the same stream
  });
});

describe.skipIf(passesOff)("common subexpressions", () => {
  test("identical nodes are computed once; random ops stay separate", async () => {
    const g = new tf.Graph();
    const { x, y, r } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2]);
      const a = tf.exp(x, "a");
      const b = tf.exp(x, "b");
      const r = tf.sub(tf.randomUniform([3]), tf.randomUniform([3]));
      return { x, y: tf.add(a, b), r };
    });
    const on = await compileRun(g, [y, r], [[x, f32([2], [0, 1])]]);
    expect(changes(on.report, "common_subgraph_elimination")).toContain(
      "'b' (Exp) is the same as 'a'",
    );
    const [v0, v1] = on.values[0].toArray() as number[];
    expect(v0).toBeCloseTo(2, 6);
    expect(v1).toBeCloseTo(2 * Math.E, 5);
    expect((on.values[1].toArray() as number[]).some((v) => v !== 0)).toBe(true);
  });
});

describe.skipIf(passesOff)("arithmetic simplification", () => {
  test("x·1, x+0, x−0, x/1, AddN(x), Neg(Neg(x)), cancelling transposes, reshape chains", async () => {
    const g = new tf.Graph();
    const { x, outs } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2, 3]);
      const ones = tf.ones([3]);
      return {
        x,
        outs: [
          tf.mul(x, ones),
          tf.add(tf.zeros([1, 3]), x),
          tf.sub(x, 0),
          tf.div(x, 1),
          tf.addN([x]),
          tf.neg(tf.neg(x)),
          tf.transpose(tf.transpose(x, [1, 0]), [1, 0]),
          tf.reshape(tf.reshape(x, [3, 2]), [6]),
          tf.reshape(x, [2, 3]),
        ],
      };
    });
    const data = f32([2, 3], [1, -2, 3, -4, 5, -6]);
    const on = await compileRun(g, outs, [[x, data]]);
    const off = await compileRun(g, outs, [[x, data]], OFF);
    for (let i = 0; i < outs.length; i++) {
      expect(on.values[i].shape).toEqual(off.values[i].shape);
      expect(on.values[i].toArray()).toEqual(off.values[i].toArray());
    }
    expect(on.values[7].shape).toEqual([6]);
    expect(changes(on.report, "arithmetic_optimizer").length).toBeGreaterThanOrEqual(9);
    expect(on.size).toBeLessThan(5); // the placeholder-fed values pass straight through
  });

  test("a constant that broadcasts x to a larger shape is not dropped", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [3]);
      return { x, y: tf.mul(x, tf.ones([2, 3])) };
    });
    const on = await compileRun(g, [y], [[x, f32([3], [1, 2, 3])]]);
    expect(on.values[0].shape).toEqual([2, 3]);
    expect(changes(on.report, "arithmetic_optimizer")).toEqual([]);
  });

  test("a chain of 1,000 adds of a constant to a fed tensor becomes one add", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [4]);
      let y = x;
      for (let i = 0; i < 1000; i++) y = tf.add(y, 1);
      return { x, y };
    });
    const on = await compileRun(g, [y], [[x, f32([4], [0, 1, 2, -1000])]]);
    expect(on.values[0].toArray()).toEqual([1000, 1001, 1002, 0]);
    expect(on.size).toBe(2); // x + 1000
  });
});

describe.skipIf(passesOff)("dependency optimization", () => {
  test("Identity/StopGradient chains vanish; a control input of an Identity still runs first", async () => {
    const g = new tf.Graph();
    const { x, y, v, z } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2]);
      const v = new tf.Variable(tf.constant([0, 0], { dtype: "float32" }), { name: "v" });
      const y = tf.identity(tf.stopGradient(tf.identity(tf.identity(x))));
      const assign = v.assign(x);
      const gated = tf.controlDependencies([assign], () => tf.identity(x));
      const z = tf.add(gated, tf.identity(v), "z");
      return { x, y, v, z };
    });
    const env = makeEnv();
    await compileRun(g, [], [], {}, cpu, env, [v.initializer]);
    const on = await compileRun(g, [y], [[x, f32([2], [1, 2])]], {}, cpu, env);
    expect(on.values[0].toArray()).toEqual([1, 2]);
    expect(on.size).toBe(0); // the fetch is the feed
    expect(changes(on.report, "dependency_optimizer").length).toBe(4);
    const zr = await compileRun(g, [z], [[x, f32([2], [3, 4])]], {}, cpu, env);
    // TF gives no order between the assign and the read of v without a control edge; both orders
    // give x + v where v is either 0 or x: the assign must have run, so v is x afterwards.
    expect(zr.values[0].shape).toEqual([2]);
    expect(env.variable("v", "float32", [2]).read().toArray()).toEqual([3, 4]);
  });

  test("a NoOp between control edges is bypassed; the updates behind it still run", async () => {
    const g = new tf.Graph();
    const { v, w, step } = g.asDefault(() => {
      const v = new tf.Variable(tf.constant(1), { name: "v" });
      const w = new tf.Variable(tf.constant(10), { name: "w" });
      const inner = tf.group([v.assignAdd(1), w.assignAdd(5)], "inner");
      return { v, w, step: tf.group([inner], "step") };
    });
    const env = makeEnv();
    await compileRun(g, [], [], {}, cpu, env, [v.initializer, w.initializer]);
    const r = await compileRun(g, [], [], {}, cpu, env, [step]);
    expect(changes(r.report, "dependency_optimizer")).toContain(
      "removed 'inner' (NoOp): 1 control edge(s) on it moved to its inputs",
    );
    await compileRun(g, [], [], {}, cpu, env, [step]);
    expect(env.variable("v", "int32", []).read().item()).toBe(3);
    expect(env.variable("w", "int32", []).read().item()).toBe(20);
  });

  test("a fetched Identity with control inputs is kept", async () => {
    const g = new tf.Graph();
    const { x, y, v } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2]);
      const v = new tf.Variable(tf.constant([0, 0], { dtype: "float32" }), { name: "v" });
      const assign = v.assign(x);
      return { x, v, y: tf.controlDependencies([assign], () => tf.identity(x)) };
    });
    const env = makeEnv();
    await compileRun(g, [], [], {}, cpu, env, [v.initializer]);
    await compileRun(g, [y], [[x, f32([2], [5, 6])]], {}, cpu, env);
    expect(env.variable("v", "float32", [2]).read().toArray()).toEqual([5, 6]);
  });
});

describe.skipIf(passesOff)("remapping", () => {
  test("MatMul+BiasAdd+Relu becomes _FusedMatMul with the same values", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [2, 2]);
      const w = tf.placeholder("float32", [2, 3]);
      const b = tf.placeholder("float32", [3]);
      return { x: [x, w, b] as const, y: tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, w), b)) };
    });
    const feeds: [tf.Tensor, tf.NDArray][] = [
      [x[0], f32([2, 2], [1, 2, 3, 4])],
      [x[1], f32([2, 3], [1, 0, -1, 0, 1, -1])],
      [x[2], f32([3], [0.5, -10, 1])],
    ];
    const on = await compileRun(g, [y], feeds);
    // x·w = [[1,2,-3],[3,4,-7]]; + b = [[1.5,-8,-2],[3.5,-6,-6]]; relu.
    expect(on.values[0].toArray()).toEqual([
      [1.5, 0, 0],
      [3.5, 0, 0],
    ]);
    expect(changes(on.report, "remapper")[0]).toMatch(/into one _FusedMatMul/);
    expect(on.size).toBe(1);
  });

  test("Conv2D+BiasAdd+Relu6 and Conv2D+FusedBatchNorm fuse into _FusedConv2D", async () => {
    const g = new tf.Graph();
    const { x, outs } = g.asDefault(() => {
      const x = tf.placeholder("float32", [1, 3, 3, 2]);
      const f = tf.constant(
        Array.from({ length: 8 }, (_, i) => (i % 3) - 1),
        { dtype: "float32", shape: [2, 2, 2, 1] },
      );
      // Two filters: the same conv twice would be one node after CSE.
      const conv = (name: string) =>
        tf.nn.conv2d(x, name === "c1" ? f : tf.neg(f), 1, "VALID", { name });
      const biased = tf.nn.relu6(tf.nn.biasAdd(conv("c1"), tf.constant([0.5])));
      const c = (v: number) => tf.constant([v], { dtype: "float32" });
      const bn = tf.nn.fusedBatchNorm(conv("c2"), c(2), c(1), {
        mean: c(0.5),
        variance: c(3),
        epsilon: 1,
        isTraining: false,
      });
      return { x, outs: [biased, tf.nn.relu(bn[0])] };
    });
    const data = f32(
      [1, 3, 3, 2],
      Array.from({ length: 18 }, (_, i) => (i * 7) % 5),
    );
    const on = await compileRun(g, outs, [[x, data]]);
    const off = await compileRun(g, outs, [[x, data]], OFF);
    expect(changes(on.report, "remapper").length).toBe(2);
    for (let i = 0; i < 2; i++) {
      const a = on.values[i].data as Float32Array;
      const b = off.values[i].data as Float32Array;
      expect(on.values[i].shape).toEqual([1, 2, 2, 1]);
      for (let k = 0; k < a.length; k++) expect(a[k]).toBeCloseTo(b[k], 5);
    }
  });

  test.each(backendNames())("on %s, a fused dense layer gives the unfused values", async (name) => {
    const backends = name === "cpu-ts" ? cpu : [getBackend(name), ...cpu];
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [8, 300]);
      const w = tf.constant(
        new tf.NDArray(
          "float32",
          [300, 200],
          Array.from({ length: 60000 }, (_, i) => Math.sin(i)),
        ),
      );
      const b = tf.constant(
        new tf.NDArray(
          "float32",
          [200],
          Array.from({ length: 200 }, (_, i) => i / 100 - 1),
        ),
      );
      return { x, y: tf.nn.elu(tf.nn.biasAdd(tf.matmul(x, w), b)) };
    });
    const data = new tf.NDArray(
      "float32",
      [8, 300],
      Array.from({ length: 2400 }, (_, i) => Math.cos(i)),
    );
    const on = await compileRun(g, [y], [[x, data]], {}, backends);
    const off = await compileRun(g, [y], [[x, data]], OFF, backends);
    expect(changes(on.report, "remapper").length).toBe(1);
    const a = on.values[0].data as Float32Array;
    const b = off.values[0].data as Float32Array;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
  });

  test("a MatMul whose value is also fetched is not fused", async () => {
    const g = new tf.Graph();
    const { mm, y } = g.asDefault(() => {
      const mm = tf.matmul(
        tf.constant([[1, 2]]),
        tf.placeholderWithDefault(tf.ones([2, 1]), [2, 1]),
      );
      return { mm, y: tf.nn.biasAdd(mm, tf.constant([1])) };
    });
    const on = await compileRun(g, [mm, y]);
    expect(changes(on.report, "remapper")).toEqual([]);
    expect(on.values[1].toArray()).toEqual([[4]]);
  });
});

describe.skipIf(passesOff)("switches", () => {
  test("each pass is switched off by its RewriterConfig name", async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.identity(tf.mul(tf.constant(2), tf.constant(3))));
    const on = await compileRun(g, [y]);
    expect(on.report.map((r) => r.pass).sort()).toEqual([
      "constant_folding",
      "dependency_optimizer",
    ]);
    const noFold = await compileRun(g, [y], [], { constantFolding: "OFF" });
    expect(noFold.report.map((r) => r.pass)).toEqual(["dependency_optimizer"]);
    const off = await compileRun(g, [y], [], OFF);
    expect(off.report).toEqual([]);
    expect(off.values[0].item()).toBe(6);
  });
});

describe.skipIf(passesOff)("what the run sees", () => {
  test("a value over the session's memory limit is not folded: the run refuses it", async () => {
    const g = new tf.Graph();
    const big = g.asDefault(() => tf.matmul(tf.ones([64, 1]), tf.ones([1, 64]))); // 16384 bytes
    const plan = compilePlan([], [big], [], cpu, makeEnv(), {}, 8192);
    expect(changes(plan.passReport ?? [], "constant_folding").join()).not.toMatch(/MatMul/);
    const st = newRunState({
      signal: new AbortController().signal,
      mayAwait: true,
      memoryLimit: 8192,
    });
    await expect(async () => plan.execute([], st)).rejects.toThrow(tf.ResourceExhaustedError);
    const free = await compileRun(g, [big]);
    expect(changes(free.report, "constant_folding").join()).toMatch(/MatMul/);
  });

  test("a reshape that fails at run time still fails when a later reshape follows it", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [null]);
      return { x, y: tf.reshape(tf.reshape(x, [2, 2]), [-1]) };
    });
    await expect(compileRun(g, [y], [[x, f32([6], [1, 2, 3, 4, 5, 6])]])).rejects.toThrow(
      tf.InvalidArgumentError,
    );
  });

  test("a kernel error in a rewritten plan names the node and where the user made it", async () => {
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder("float32", [null]);
      return { x, y: tf.reshape(tf.add(tf.identity(x), 0), [5], "r") };
    });
    const run = compileRun(g, [y], [[x, f32([3], [1, 2, 3])]]);
    await expect(run).rejects.toThrow(tf.InvalidArgumentError);
    await expect(run).rejects.toThrow(/node r \(defined at [^)]*optimize\.test\.ts/);
  });
});
