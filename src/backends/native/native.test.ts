// Every native kernel against the TypeScript reference (cpu-ts) on random inputs, for each kernel
// build the CPU can run (AVX2+FMA and the portable baseline), including awkward shapes: sizes
// that are not multiples of the SIMD width or block sizes, 1xN and Nx1, zero-sized dims,
// broadcasting of every kind, strides, dilations and padding in convolutions. Also: bad sizes
// reaching the addon are errors (never a crash), and the Apply ops update in place safely.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AttrValue } from "../../framework/op_def.js";
import * as tf from "../../index.js";
import * as train from "../../ops/training_ops.js";
import { nativeAddon, nativeBackend, nativeTuning } from "./index.js";

const nat = nativeAddon;
const ISAS: ("avx2" | "baseline")[] = nat
  ? nat.info().cpuHasAvx2Fma
    ? ["avx2", "baseline"]
    : ["baseline"]
  : [];

type Floats = Float32Array | Float64Array;

/** A seeded generator, so a failing case can be rerun. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
let rand = rng(1234);

function randomArray(shape: number[], dtype: "float32" | "float64" = "float32", scale = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * scale;
  return new tf.NDArray(dtype, shape, data);
}

type Input = tf.NDArray;
type Build = (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** Runs `build` over placeholders fed with `inputs` on one backend; returns every output. */
function runOn(backend: string, inputs: Input[], build: Build): tf.NDArray[] {
  const g = new tf.Graph();
  const { phs, outs } = g.asDefault(() => {
    const phs = inputs.map((x, i) => tf.placeholder(x.dtype, x.shape, `in${i}`));
    const r = build(phs);
    return { phs, outs: Array.isArray(r) ? r : [r] };
  });
  const sess = new tf.Session({ graph: g, backend });
  return sess.runSync(
    outs,
    phs.map((p, i) => [p, inputs[i]] as [tf.Tensor, tf.NDArray]),
  ) as tf.NDArray[];
}

/** |a - b| <= tol * (1 + |b|) elementwise, NaN matching NaN. */
function expectClose(actual: tf.NDArray, expected: tf.NDArray, tol: number, what = ""): void {
  expect(actual.shape, what).toEqual(expected.shape);
  expect(actual.dtype, what).toBe(expected.dtype);
  const a = actual.data as Floats;
  const e = expected.data as Floats;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) || Number.isNaN(a[i])) {
      if (Number.isNaN(e[i]) !== Number.isNaN(a[i])) {
        worst = Number.POSITIVE_INFINITY;
        at = i;
        break;
      }
      continue;
    }
    if (!Number.isFinite(e[i])) {
      if (a[i] !== e[i]) {
        worst = Number.POSITIVE_INFINITY;
        at = i;
        break;
      }
      continue;
    }
    const err = Math.abs(a[i] - e[i]) / (1 + Math.abs(e[i]));
    if (err > worst) {
      worst = err;
      at = i;
    }
  }
  if (worst > tol) {
    throw new Error(
      `${what}: element ${at} is ${a[at]}, reference ${e[at]} (relative error ${worst} > ${tol})`,
    );
  }
}

/** Runs on native and on cpu-ts and compares every output. */
function compare(inputs: Input[], build: Build, tol = 2e-5, what = ""): void {
  const ref = runOn("cpu-ts", inputs, build);
  const got = runOn("native", inputs, build);
  expect(got.length).toBe(ref.length);
  got.forEach((v, i) => {
    expectClose(v, ref[i], tol, `${what} output ${i}`);
  });
}

/** Creates a raw op by its TF type, attrs by TF name; returns its outputs. */
function op(
  type: string,
  inputs: (tf.Tensor | tf.Tensor[])[],
  attrs: Record<string, AttrValue> = {},
): tf.Tensor[] {
  return [...tf.getDefaultGraph().createOp(type, inputs, attrs).outputs];
}
const i32 = (v: number[]) => tf.constant(new tf.NDArray("int32", [v.length], Int32Array.from(v)));

describe.skipIf(!nat)("native backend", () => {
  it("registers as 'native' and reports its kernel build", () => {
    expect(tf.Session).toBeDefined();
    expect(nativeBackend()?.name).toBe("native");
    expect(["avx2+fma", "baseline"]).toContain(nat!.info().isa);
    expect(nat!.info().hardwareThreads).toBeGreaterThanOrEqual(1);
  });

  it("loads the build TENSORGRAPH_NATIVE_ADDON names (scripts/test-asan.sh's sanitized one)", () => {
    const want = process.env.TENSORGRAPH_NATIVE_ADDON;
    if (!want || process.platform !== "linux") return;
    // The worker really mapped that file, so a sanitizer run can't silently test build/Release.
    const maps = readFileSync("/proc/self/maps", "utf8");
    expect(maps).toContain(want);
    expect(maps).not.toContain("build/Release/tensorgraph_native.node");
  });

  beforeAll(() => {
    nativeTuning.smallElements = 0; // exercise the native code even on tiny tensors
  });
  afterAll(() => {
    nativeTuning.smallElements = 2048;
    nat!.setIsa(nat!.info().cpuHasAvx2Fma ? "avx2" : "baseline");
  });

  describe.each(ISAS)("%s kernels", (isa) => {
    beforeAll(() => {
      nat!.setIsa(isa);
      rand = rng(isa === "avx2" ? 1 : 2);
    });

    it("MatMul: awkward sizes, all transposes, float32 and float64", () => {
      const sizes: [number, number, number][] = [
        [1, 1, 1],
        [1, 37, 5],
        [37, 1, 5],
        [5, 7, 1],
        [6, 16, 8],
        [7, 17, 9],
        [13, 33, 300], // k spans two KC blocks
        [150, 20, 3], // m spans two MC blocks
        [3, 4100, 2], // n spans two NC blocks
        [65, 129, 257],
        [0, 4, 3],
        [4, 0, 3],
        [4, 3, 0],
      ];
      for (const dtype of ["float32", "float64"] as const) {
        for (const [m, n, k] of sizes) {
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              const a = randomArray(ta ? [k, m] : [m, k], dtype);
              const b = randomArray(tb ? [n, k] : [k, n], dtype);
              compare(
                [a, b],
                ([x, y]) => tf.matmul(x, y, { transposeA: ta, transposeB: tb }),
                dtype === "float32" ? 1e-5 * Math.max(1, Math.sqrt(k)) : 1e-12,
                `matmul ${dtype} ${m}x${n}x${k} ta=${ta} tb=${tb}`,
              );
            }
          }
        }
      }
    });

    it("MatMul: large enough to run on several threads", () => {
      const a = randomArray([300, 200]);
      const b = randomArray([200, 310]);
      compare([a, b], ([x, y]) => tf.matmul(x, y), 1e-4);
    });

    it("BatchMatMulV2: broadcast batch dims, adjoints", () => {
      const cases: [number[], number[], boolean, boolean][] = [
        [[2, 3, 4], [2, 4, 5], false, false],
        [[2, 1, 3, 4], [5, 4, 6], false, false],
        [[1, 4, 3], [3, 6, 4], true, true],
        [[7, 2, 9], [9, 3], false, false],
        [[0, 2, 3], [3, 4], false, false],
        [[40, 8, 8], [40, 8, 8], false, true],
      ];
      for (const [sx, sy, ax, ay] of cases) {
        compare(
          [randomArray(sx), randomArray(sy)],
          ([x, y]) => op("BatchMatMulV2", [x, y], { adj_x: ax, adj_y: ay })[0],
          1e-5,
          `batch matmul ${sx} ${sy}`,
        );
      }
      compare(
        [randomArray([3, 5, 7], "float64"), randomArray([7, 2], "float64")],
        ([x, y]) => op("BatchMatMulV2", [x, y], { adj_x: false, adj_y: false })[0],
        1e-12,
      );
    });

    const convCases: {
      x: number[];
      f: number[];
      strides: number[];
      padding: "SAME" | "VALID" | "EXPLICIT";
      dilations?: number[];
      explicit?: number[];
    }[] = [
      { x: [2, 7, 9, 3], f: [3, 3, 3, 5], strides: [1, 1, 1, 1], padding: "SAME" },
      { x: [1, 8, 8, 4], f: [3, 3, 4, 8], strides: [1, 2, 2, 1], padding: "SAME" },
      { x: [3, 9, 7, 2], f: [2, 4, 2, 3], strides: [1, 3, 2, 1], padding: "VALID" },
      { x: [2, 6, 6, 5], f: [1, 1, 5, 7], strides: [1, 1, 1, 1], padding: "VALID" }, // pointwise
      {
        x: [1, 10, 10, 3],
        f: [3, 3, 3, 4],
        strides: [1, 1, 1, 1],
        padding: "SAME",
        dilations: [1, 2, 2, 1],
      },
      {
        x: [2, 5, 6, 3],
        f: [3, 2, 3, 2],
        strides: [1, 1, 2, 1],
        padding: "EXPLICIT",
        explicit: [0, 0, 1, 2, 0, 1, 0, 0],
      },
      { x: [1, 3, 3, 1], f: [5, 5, 1, 1], strides: [1, 1, 1, 1], padding: "SAME" }, // filter > input
      { x: [4, 12, 12, 17], f: [3, 3, 17, 19], strides: [1, 1, 1, 1], padding: "SAME" }, // threads
      { x: [0, 5, 5, 2], f: [3, 3, 2, 2], strides: [1, 1, 1, 1], padding: "SAME" },
      { x: [2, 5, 5, 0], f: [3, 3, 0, 2], strides: [1, 1, 1, 1], padding: "SAME" },
    ];

    it("Conv2D and both backprops: strides, padding, dilations, 1x1, empty", () => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const c of convCases) {
          const attrs: Record<string, AttrValue> = {
            strides: c.strides,
            padding: c.padding,
            dilations: c.dilations ?? [1, 1, 1, 1],
            explicit_paddings: c.explicit ?? [],
          };
          const x = randomArray(c.x, dtype);
          const f = randomArray(c.f, dtype);
          const tol = dtype === "float32" ? 1e-4 : 1e-11;
          const what = `conv ${dtype} ${JSON.stringify(c)}`;
          const y = runOn("cpu-ts", [x, f], ([a, b]) => op("Conv2D", [a, b], attrs)[0])[0];
          compare([x, f], ([a, b]) => op("Conv2D", [a, b], attrs)[0], tol, what);
          const dy = randomArray(y.shape, dtype);
          compare(
            [f, dy],
            ([b, d]) => op("Conv2DBackpropInput", [i32(c.x), b, d], attrs)[0],
            tol,
            `${what} backprop input`,
          );
          compare(
            [x, dy],
            ([a, d]) => op("Conv2DBackpropFilter", [a, i32(c.f), d], attrs)[0],
            tol,
            `${what} backprop filter`,
          );
        }
      }
    });

    it("Conv2D: run-time shape errors", () => {
      const x = randomArray([1, 5, 5, 3]);
      const f = randomArray([3, 3, 2, 4]);
      expect(() =>
        runOn(
          "native",
          [x, f],
          ([a, b]) => op("Conv2D", [a, b], { strides: [1, 1, 1, 1], padding: "SAME" })[0],
        ),
      ).toThrow(tf.InvalidArgumentError);
      const dy = randomArray([1, 4, 4, 4]); // SAME on 5x5 gives 5x5, not 4x4
      expect(() =>
        runOn(
          "native",
          [randomArray([3, 3, 3, 4]), dy],
          ([b, d]) =>
            op("Conv2DBackpropInput", [i32([1, 5, 5, 3]), b, d], {
              strides: [1, 1, 1, 1],
              padding: "SAME",
            })[0],
        ),
      ).toThrow(/out_backprop/);
    });

    it("MaxPool, AvgPool and their gradients; NaN wins a max window", () => {
      const cases: { x: number[]; k: number[]; s: number[]; p: "SAME" | "VALID" }[] = [
        { x: [2, 6, 6, 3], k: [1, 2, 2, 1], s: [1, 2, 2, 1], p: "VALID" },
        { x: [1, 7, 5, 4], k: [1, 3, 3, 1], s: [1, 2, 2, 1], p: "SAME" },
        { x: [3, 5, 9, 17], k: [1, 2, 3, 1], s: [1, 1, 2, 1], p: "SAME" },
        { x: [1, 2, 2, 1], k: [1, 3, 3, 1], s: [1, 1, 1, 1], p: "SAME" },
        { x: [0, 4, 4, 2], k: [1, 2, 2, 1], s: [1, 2, 2, 1], p: "VALID" },
        { x: [8, 16, 16, 8], k: [1, 2, 2, 1], s: [1, 2, 2, 1], p: "SAME" },
      ];
      for (const dtype of ["float32", "float64"] as const) {
        for (const c of cases) {
          const attrs = { ksize: c.k, strides: c.s, padding: c.p };
          const x = randomArray(c.x, dtype);
          if (x.size > 5) (x.data as Floats)[3] = Number.NaN;
          const what = `pool ${dtype} ${JSON.stringify(c)}`;
          compare([x], ([a]) => op("MaxPool", [a], attrs)[0], 1e-6, `max ${what}`);
          compare([x], ([a]) => op("AvgPool", [a], attrs)[0], 1e-6, `avg ${what}`);
          const y = runOn("cpu-ts", [x], ([a]) => op("MaxPool", [a], attrs)[0])[0];
          const dy = randomArray(y.shape, dtype);
          compare(
            [x, y, dy],
            ([a, b, d]) => op("MaxPoolGrad", [a, b, d], attrs)[0],
            1e-6,
            `max grad ${what}`,
          );
          compare(
            [dy],
            ([d]) => op("AvgPoolGrad", [i32(c.x), d], attrs)[0],
            1e-6,
            `avg grad ${what}`,
          );
        }
      }
    });

    it("binary ops with every kind of broadcasting", () => {
      const shapes: [number[], number[]][] = [
        [[17], [17]],
        [
          [3, 5],
          [3, 5],
        ],
        [[4, 7], []],
        [[], [4, 7]],
        [[4, 7], [7]],
        [
          [4, 7],
          [4, 1],
        ],
        [
          [4, 1],
          [1, 7],
        ],
        [
          [2, 3, 1, 5],
          [4, 1],
        ],
        [
          [3, 1, 5],
          [1, 4, 5],
        ],
        [[1], [33]],
        [[2, 0, 3], [3]],
        [[0], [1]],
        [
          [2, 1, 3, 1, 2, 1, 2, 1, 3],
          [3, 1, 2, 1, 2, 1, 1],
        ],
        [[1000], [1000]],
      ];
      const ops = [
        "AddV2",
        "Sub",
        "Mul",
        "RealDiv",
        "Maximum",
        "Minimum",
        "SquaredDifference",
        "ReluGrad",
      ];
      for (const dtype of ["float32", "float64"] as const) {
        for (const [sa, sb] of shapes) {
          const a = randomArray(sa, dtype);
          const b = randomArray(sb, dtype);
          if (a.size > 2) (a.data as Floats)[1] = Number.NaN;
          for (const type of ops) {
            if (type === "ReluGrad" && sa.join() !== sb.join()) continue; // no broadcasting
            compare([a, b], ([x, y]) => op(type, [x, y])[0], 1e-6, `${type} ${sa} ${sb}`);
          }
        }
      }
      expect(() =>
        runOn("native", [randomArray([3, 4]), randomArray([5])], ([x, y]) => tf.add(x, y)),
      ).toThrow(tf.InvalidArgumentError);
    });

    it("unary ops, including NaN and out-of-domain inputs", () => {
      const ops = [
        "Neg",
        "Relu",
        "Relu6",
        "Exp",
        "Log",
        "Sqrt",
        "Rsqrt",
        "Square",
        "Tanh",
        "Sigmoid",
        "Abs",
        "Reciprocal",
        "Elu",
        "Softplus",
      ];
      for (const dtype of ["float32", "float64"] as const) {
        for (const shape of [[1], [31], [3, 0], [7, 9, 11]]) {
          const x = randomArray(shape, dtype, 8);
          if (x.size > 3) (x.data as Floats)[2] = Number.NaN;
          for (const type of ops)
            compare([x], ([a]) => op(type, [a])[0], 1e-6, `${type} ${dtype} ${shape}`);
          compare([x], ([a]) => op("LeakyRelu", [a], { alpha: 0.3 })[0], 1e-6, "LeakyRelu");
        }
      }
    });

    it("reductions over every pattern of axes", () => {
      const cases: [number[], number[], boolean][] = [
        [[7], [0], false],
        [[4, 5], [1], false],
        [[4, 5], [0], true],
        [[4, 5], [0, 1], false],
        [[3, 4, 5], [0, 2], false],
        [[3, 4, 5], [1], true],
        [[3, 1, 5], [-1], false],
        [[2, 3, 4, 5], [1, 3], false],
        [[3, 0, 2], [1], false],
        [[3, 0, 2], [0], false],
        [[2, 3], [], false],
      ];
      for (const dtype of ["float32", "float64"] as const) {
        for (const [shape, axes, keep] of cases) {
          const x = randomArray(shape, dtype);
          for (const type of ["Sum", "Mean", "Max", "Min", "Prod"]) {
            compare(
              [x],
              ([a]) => op(type, [a, i32(axes)], { keep_dims: keep })[0],
              1e-6,
              `${type} ${shape} ${axes}`,
            );
          }
        }
      }
    });

    it("Softmax, LogSoftmax and both cross entropies", () => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const shape of [
          [1, 1],
          [5, 10],
          [3, 33],
          [2, 3, 7],
          [4, 0],
        ]) {
          const x = randomArray(shape, dtype, 10);
          compare([x], ([a]) => op("Softmax", [a])[0], 1e-6, `softmax ${shape}`);
          compare([x], ([a]) => op("LogSoftmax", [a])[0], 1e-6, `logsoftmax ${shape}`);
        }
        for (const [rows, cols] of [
          [1, 1],
          [6, 10],
          [129, 3],
        ]) {
          const logits = randomArray([rows, cols], dtype, 5);
          const labels = randomArray([rows, cols], dtype);
          for (let i = 0; i < labels.size; i++)
            (labels.data as Floats)[i] = Math.abs((labels.data as Floats)[i]);
          compare(
            [logits, labels],
            ([l, y]) => op("SoftmaxCrossEntropyWithLogits", [l, y]),
            1e-5,
            "xent",
          );
          const ids = new tf.NDArray(
            "int32",
            [rows],
            Int32Array.from({ length: rows }, () => Math.floor(rand() * cols)),
          );
          compare(
            [logits, ids],
            ([l, y]) => op("SparseSoftmaxCrossEntropyWithLogits", [l, y]),
            1e-5,
            "sparse xent",
          );
        }
      }
      const bad = new tf.NDArray("int32", [2], Int32Array.of(0, 3));
      expect(() =>
        runOn("native", [randomArray([2, 3]), bad], ([l, y]) =>
          op("SparseSoftmaxCrossEntropyWithLogits", [l, y]),
        ),
      ).toThrow(/label value of 3/);
    });

    it("BiasAdd and BiasAddGrad", () => {
      for (const dtype of ["float32", "float64"] as const) {
        for (const shape of [
          [1, 1],
          [5, 3],
          [2, 3, 4, 17],
          [0, 4],
          [300, 64],
        ]) {
          const x = randomArray(shape, dtype);
          const b = randomArray([shape[shape.length - 1]], dtype);
          compare([x, b], ([a, c]) => op("BiasAdd", [a, c])[0], 1e-6, `biasadd ${shape}`);
          compare([x], ([a]) => op("BiasAddGrad", [a])[0], 1e-6, `biasaddgrad ${shape}`);
        }
      }
    });

    it("the Apply ops match the reference over several steps", () => {
      const shape = [3, 37];
      const initial = () => [
        randomArray(shape),
        randomArray(shape),
        randomArray(shape),
        randomArray(shape),
      ];
      const grads = [randomArray(shape), randomArray(shape)];
      const cases: [string, (v: tf.Variable[], g: tf.Tensor) => tf.Tensor, number][] = [
        ["GradientDescent", ([v], g) => train.applyGradientDescent(v, 0.1, g), 1],
        ["Momentum", ([v, a], g) => train.applyMomentum(v, a, 0.1, g, 0.9), 2],
        [
          "Momentum nesterov",
          ([v, a], g) => train.applyMomentum(v, a, 0.1, g, 0.9, { useNesterov: true }),
          2,
        ],
        [
          "Adam",
          ([v, m, s], g) => train.applyAdam(v, m, s, 0.5, 0.3, 0.01, 0.9, 0.999, 1e-7, g),
          3,
        ],
        [
          "RMSProp",
          ([v, ms, mom], g) => train.applyRMSProp(v, ms, mom, 0.01, 0.9, 0.5, 1e-7, g),
          3,
        ],
        [
          "CenteredRMSProp",
          ([v, mg, ms, mom], g) =>
            train.applyCenteredRMSProp(v, mg, ms, mom, 0.01, 0.9, 0.5, 1e-1, g),
          4,
        ],
        ["Adagrad", ([v, a], g) => train.applyAdagrad(v, a, 0.1, g), 2],
      ];
      for (const [name, build, nvars] of cases) {
        const init = initial();
        // Accumulators must stay positive where they are square-rooted.
        for (const a of init.slice(1))
          for (let i = 0; i < a.size; i++)
            (a.data as Floats)[i] = Math.abs((a.data as Floats)[i]) + 1;
        const results = ["cpu-ts", "native"].map((backend) => {
          const g = new tf.Graph();
          const { vars, train, grad, initOp } = g.asDefault(() => {
            const vars = init
              .slice(0, nvars)
              .map((v, i) => new tf.Variable(tf.constant(v), { name: `v${i}` }));
            const grad = tf.placeholder("float32", shape, "grad");
            return {
              vars,
              train: build(vars, grad),
              grad,
              initOp: tf.globalVariablesInitializer(),
            };
          });
          const sess = new tf.Session({ graph: g, backend });
          sess.runSync(initOp);
          return { sess, vars, train, grad };
        });
        for (let step = 0; step < 3; step++) {
          for (const r of results) r.sess.runSync(r.train, [[r.grad, grads[step % 2]]]);
        }
        const values = results.map(
          (r) => r.sess.runSync(r.vars.map((v) => v.value())) as tf.NDArray[],
        );
        values[0].forEach((ref, i) => {
          expectClose(values[1][i], ref, 1e-5, `${name} var ${i}`);
        });
      }
    });
  });

  it("Apply ops in place never write into a constant or a feed", async () => {
    nat!.setIsa(nat!.info().cpuHasAvx2Fma ? "avx2" : "baseline");
    nativeTuning.applyInPlace = true;
    const g = new tf.Graph();
    const start = new tf.NDArray("float32", [4], Float32Array.of(1, 2, 3, 4));
    const { v, step, init } = g.asDefault(() => {
      const v = new tf.Variable(tf.constant(start), { name: "v" });
      const step = train.applyGradientDescent(v, 1, tf.ones([4]));
      return { v, step, init: tf.globalVariablesInitializer() };
    });
    const sess = new tf.Session({ graph: g, backend: "native" });
    await sess.run(init);
    await sess.run(step);
    await sess.run(step);
    expect(Array.from(start.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(((await sess.run(v.value())) as tf.NDArray).toArray()).toEqual([-1, 0, 1, 2]);
    await sess.run(init); // re-initializing gives the constant's value back
    expect(((await sess.run(v.value())) as tf.NDArray).toArray()).toEqual([1, 2, 3, 4]);
    // In place, a value fetched earlier still keeps its numbers: the session copies fetched
    // variable buffers.
    await sess.run(step);
    const before = (await sess.run(v.value())) as tf.NDArray;
    await sess.run(step);
    const after = (await sess.run(v.value())) as tf.NDArray;
    expect(before.toArray()).toEqual([0, 1, 2, 3]);
    expect(after.toArray()).toEqual([-1, 0, 1, 2]);
    nativeTuning.applyInPlace = false;
    // Not in place: the same.
    await sess.run(step);
    const kept = (await sess.run(v.value())) as tf.NDArray;
    await sess.run(step);
    expect(kept.toArray()).toEqual([-2, -1, 0, 1]);
    nativeTuning.applyInPlace = true;
  });

  describe("bad sizes reaching the addon are errors, never crashes", () => {
    const f32 = (n: number) => new Float32Array(n);
    const refs = (...v: number[]) => Float64Array.from(v);
    it("matmul", () => {
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(0, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).not.toThrow();
      expect(() =>
        nat!.matmul(f32(5), f32(6), f32(4), refs(0, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(3), refs(0, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(1, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(/past/);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(-1, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(0, 3, 1), refs(0, 2, 1), 2, 2, 3.5, 1),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), new Float64Array(6), f32(4), refs(0, 3, 1), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(/mixed/);
      expect(() =>
        nat!.matmul(
          f32(6),
          new Int32Array(6) as never,
          f32(4),
          refs(0, 3, 1),
          refs(0, 2, 1),
          2,
          2,
          3,
          1,
        ),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(0, 3), refs(0, 2, 1), 2, 2, 3, 1),
      ).toThrow(RangeError);
      expect(() =>
        nat!.matmul(f32(6), f32(6), f32(4), refs(0, 3, 1), refs(0, 2, 1), 2 ** 41, 2, 3, 1),
      ).toThrow(RangeError);
    });
    it("conv2d and pooling", () => {
      // n,h,w,c,kh,kw,oc,oh,ow,sh,sw,dh,dw,padTop,padLeft
      const g = refs(1, 4, 4, 2, 3, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1);
      expect(() => nat!.conv2d(0, f32(32), f32(54), f32(48), g, 1)).not.toThrow();
      expect(() => nat!.conv2d(0, f32(31), f32(54), f32(48), g, 1)).toThrow(RangeError);
      expect(() => nat!.conv2d(0, f32(32), f32(54), f32(47), g, 1)).toThrow(RangeError);
      expect(() => nat!.conv2d(1, f32(48), f32(54), f32(33), g, 1)).toThrow(RangeError);
      expect(() => nat!.conv2d(2, f32(32), f32(48), f32(50), g, 1)).toThrow(RangeError);
      expect(() => nat!.conv2d(3, f32(32), f32(54), f32(48), g, 1)).toThrow(RangeError);
      const zeroStride = refs(1, 4, 4, 2, 3, 3, 3, 4, 4, 0, 1, 1, 1, 1, 1);
      expect(() => nat!.conv2d(0, f32(32), f32(54), f32(48), zeroStride, 1)).toThrow(RangeError);
      expect(() => nat!.conv2d(0, f32(32), f32(54), f32(48), refs(1, 4, 4), 1)).toThrow(RangeError);
      const negative = refs(1, 4, 4, 2, 3, 3, 3, 4, 4, 1, 1, 1, 1, -1, 1);
      expect(() => nat!.conv2d(0, f32(32), f32(54), f32(48), negative, 1)).toThrow(RangeError);
      const pg = refs(1, 4, 4, 2, 2, 2, 1, 2, 2, 2, 2, 1, 1, 0, 0);
      expect(() => nat!.pool(0, f32(32), f32(32), f32(8), pg, 1)).not.toThrow();
      expect(() => nat!.pool(0, f32(32), f32(32), f32(9), pg, 1)).toThrow(RangeError);
      expect(() => nat!.pool(1, f32(32), f32(7), f32(32), pg, 1)).toThrow(RangeError);
    });
    it("element-wise, reductions, softmax, bias, apply", () => {
      expect(() =>
        nat!.binary(0, f32(3), f32(3), f32(3), refs(3), refs(1), refs(1), 1),
      ).not.toThrow();
      expect(() => nat!.binary(0, f32(3), f32(2), f32(3), refs(3), refs(1), refs(1), 1)).toThrow(
        /past/,
      );
      expect(() => nat!.binary(0, f32(3), f32(3), f32(3), refs(3), refs(2), refs(1), 1)).toThrow(
        /past/,
      );
      expect(() => nat!.binary(99, f32(3), f32(3), f32(3), refs(3), refs(1), refs(1), 1)).toThrow(
        RangeError,
      );
      expect(() => nat!.unary(0, f32(3), f32(4), 0, 1)).toThrow(RangeError);
      expect(() => nat!.reduce(0, f32(6), f32(2), refs(2, 3), refs(1, 0), 3, 1)).not.toThrow();
      expect(() => nat!.reduce(0, f32(6), f32(2), refs(2, 3), refs(1, 1), 3, 1)).toThrow(/past/);
      expect(() => nat!.reduce(0, f32(5), f32(2), refs(2, 3), refs(1, 0), 3, 1)).toThrow(
        RangeError,
      );
      expect(() => nat!.softmax(f32(6), f32(6), 2, 4, false, 1)).toThrow(RangeError);
      expect(() => nat!.xent(f32(6), null, Int32Array.of(0, 5), f32(2), f32(6), 2, 3, 1)).toThrow(
        /label value of 5/,
      );
      expect(() => nat!.xent(f32(6), null, Int32Array.of(0), f32(2), f32(6), 2, 3, 1)).toThrow(
        RangeError,
      );
      expect(() => nat!.biasAdd(f32(6), f32(2), f32(6), 2, 3, 1)).toThrow(RangeError);
      expect(() => nat!.biasAddGrad(f32(6), f32(2), 2, 3, 1)).toThrow(RangeError);
      expect(() => nat!.apply(0, [f32(3)], refs(0.1), f32(4), 0, 1)).toThrow(RangeError);
      expect(() => nat!.apply(1, [f32(3)], refs(0.1, 0.9), f32(3), 0, 1)).toThrow(RangeError);
      const shared = f32(3);
      expect(() => nat!.apply(1, [shared, shared], refs(0.1, 0.9), f32(3), 0, 1)).toThrow(/share/);
    });
  });

  // Random geometries, dims and strides that pass the addon's length checks (arrays exactly as
  // long as the arguments demand, so one element too far lands in a sanitizer redzone), with
  // window geometries that need not agree with the image (oh/ow/padding arbitrary), zero sizes
  // and random thread counts. Each call must return or throw RangeError; under
  // `npm run test:asan` any out-of-bounds access or undefined behaviour aborts the run.
  it("random arguments are a result or a RangeError, never an out-of-bounds access", () => {
    const r = rng(16);
    const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    const arr = (n: number, f64: boolean) => {
      const a = f64 ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = r() * 4 - 2;
      return a;
    };
    const refs = (...v: number[]) => Float64Array.from(v);
    const prod = (v: number[]) => v.reduce((a, b) => a * b, 1);
    let ran = 0;
    const call = (fn: () => void) => {
      try {
        fn();
        ran++;
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
      }
    };
    for (const isa of ISAS) {
      nat!.setIsa(isa);
      for (let it = 0; it < 150; it++) {
        const f64 = r() < 0.5;
        const th = int(1, 3);
        // Window ops: n,h,w,c,kh,kw,oc,oh,ow,sh,sw,dh,dw,padTop,padLeft.
        const [n, h, w, c] = [int(0, 2), int(1, 6), int(1, 6), int(1, r() < 0.3 ? 40 : 5)];
        const [kh, kw, oc, oh, ow] = [int(1, 4), int(1, 4), int(1, 5), int(0, 7), int(0, 7)];
        const geo = [n, h, w, c, kh, kw, oc, oh, ow, int(1, 3), int(1, 3), int(1, 3), int(1, 3)];
        const g = refs(...geo, int(0, 4), int(0, 4));
        const xs = n * h * w * c;
        const ys = n * oh * ow * oc;
        const fs = kh * kw * c * oc;
        const kind = int(0, 2);
        const [a, b, o] = [
          [xs, fs, ys],
          [ys, fs, xs],
          [xs, ys, fs],
        ][kind];
        call(() => nat!.conv2d(kind, arr(a, f64), arr(b, f64), arr(o, f64), g, th));
        const pg = refs(...geo.slice(0, 6), 1, ...geo.slice(7), int(0, 4), int(0, 4));
        const ps = n * oh * ow * c;
        const pk = int(0, 3);
        const px = arr(pk === 3 ? ps : xs, f64);
        const pdy = arr(ps, f64);
        call(() => nat!.pool(pk, px, pdy, arr(pk === 0 || pk === 2 ? ps : xs, f64), pg, th));
        // Matmul over random strided, offset views, each array just long enough.
        const [m, nn, k, batch] = [int(0, 9), int(0, 9), int(0, 9), int(1, 3)];
        const ar: number[] = [];
        const br: number[] = [];
        let lastA = 0;
        let lastB = 0;
        for (let t = 0; t < batch; t++) {
          const [oa, ob] = [int(0, 5), int(0, 5)];
          const [rsA, csA] = r() < 0.5 ? [k, 1] : [1, m];
          const [rsB, csB] = r() < 0.5 ? [nn, 1] : [int(0, 2), int(0, 12)];
          ar.push(oa, rsA, csA);
          br.push(ob, rsB, csB);
          if (m && k) lastA = Math.max(lastA, oa + (m - 1) * rsA + (k - 1) * csA + 1);
          if (k && nn) lastB = Math.max(lastB, ob + (k - 1) * rsB + (nn - 1) * csB + 1);
        }
        call(() =>
          nat!.matmul(
            arr(lastA, f64),
            arr(lastB, f64),
            arr(batch * m * nn, f64),
            refs(...ar),
            refs(...br),
            m,
            nn,
            k,
            th,
          ),
        );
        // Element-wise with broadcasting strides (0 or row-major), reductions into strided outputs.
        const rank = int(1, 4);
        const dims = Array.from({ length: rank }, () => int(0, 4));
        const strides = (keep: boolean[]) => {
          const st = new Array<number>(rank).fill(0);
          let acc = 1;
          for (let d = rank - 1; d >= 0; d--) {
            if (keep[d]) {
              st[d] = acc;
              acc *= dims[d];
            }
          }
          return { st, len: acc };
        };
        const sx = strides(dims.map(() => r() < 0.7));
        const sy = strides(dims.map(() => r() < 0.7));
        const size = prod(dims);
        const bop = int(0, 8);
        call(() =>
          nat!.binary(
            bop,
            arr(sx.len, f64),
            arr(sy.len, f64),
            arr(size, f64),
            refs(...dims),
            refs(...sx.st),
            refs(...sy.st),
            th,
          ),
        );
        call(() => nat!.unary(int(0, 14), arr(size, f64), arr(size, f64), r(), th));
        const so = strides(dims.map(() => r() < 0.5));
        const count = Math.max(1, size / so.len || 1);
        call(() =>
          nat!.reduce(
            int(0, 4),
            arr(size, f64),
            arr(so.len, f64),
            refs(...dims),
            refs(...so.st),
            count,
            th,
          ),
        );
        const [rows, cols] = [int(0, 5), int(0, 70)];
        call(() =>
          nat!.softmax(arr(rows * cols, f64), arr(rows * cols, f64), rows, cols, r() < 0.5, th),
        );
        const ids = Int32Array.from({ length: rows }, () => int(0, Math.max(0, cols - 1)));
        const dense = r() < 0.5;
        call(() =>
          nat!.xent(
            arr(rows * cols, f64),
            dense ? arr(rows * cols, f64) : null,
            dense ? null : ids,
            arr(rows, f64),
            arr(rows * cols, f64),
            rows,
            cols,
            th,
          ),
        );
        call(() =>
          nat!.biasAdd(
            arr(rows * cols, f64),
            arr(cols, f64),
            arr(rows * cols, f64),
            rows,
            cols,
            th,
          ),
        );
        call(() => nat!.biasAddGrad(arr(rows * cols, f64), arr(cols, f64), rows, cols, th));
        const ak = int(0, 5);
        const len = int(0, 40);
        const slots = Array.from({ length: [1, 2, 3, 3, 4, 2][ak] }, () =>
          arr(len, f64).map(Math.abs),
        );
        const scalars = refs(
          ...Array.from({ length: [1, 2, 6, 4, 4, 1][ak] }, () => r() * 0.5 + 0.1),
        );
        call(() => nat!.apply(ak, slots, scalars, arr(len, f64), int(0, 3), th));
      }
    }
    // Larger sizes: several GEMM blocks (MC/KC/NC), multi-threaded teams, offset views.
    for (const isa of ISAS) {
      nat!.setIsa(isa);
      for (let it = 0; it < 6; it++) {
        const f64 = it % 2 === 1;
        const th = int(2, 3);
        const [m, nn, k] = [int(60, 200), int(60, 300), int(200, 300)];
        const [oa, ob] = [int(0, 9), int(0, 9)];
        const [rsA, csA] = it % 3 === 0 ? [1, m] : [k, 1];
        const [rsB, csB] = it % 3 === 1 ? [1, k] : [nn, 1];
        const la = oa + (m - 1) * rsA + (k - 1) * csA + 1;
        const lb = ob + (k - 1) * rsB + (nn - 1) * csB + 1;
        const out = arr(m * nn, f64);
        call(() =>
          nat!.matmul(
            arr(la, f64),
            arr(lb, f64),
            out,
            refs(oa, rsA, csA),
            refs(ob, rsB, csB),
            m,
            nn,
            k,
            th,
          ),
        );
        const [n, h, w, c, kh, kw, oc] = [
          int(1, 3),
          int(8, 20),
          int(8, 20),
          int(1, 40),
          int(1, 5),
          int(1, 5),
          int(1, 40),
        ];
        const [oh, ow] = [int(1, 22), int(1, 22)];
        const g = refs(
          n,
          h,
          w,
          c,
          kh,
          kw,
          oc,
          oh,
          ow,
          int(1, 2),
          int(1, 2),
          int(1, 2),
          int(1, 2),
          int(0, 4),
          int(0, 4),
        );
        const [xs, ys, fs] = [n * h * w * c, n * oh * ow * oc, kh * kw * c * oc];
        call(() => nat!.conv2d(0, arr(xs, f64), arr(fs, f64), arr(ys, f64), g, th));
        call(() => nat!.conv2d(1, arr(ys, f64), arr(fs, f64), arr(xs, f64), g, th));
        call(() => nat!.conv2d(2, arr(xs, f64), arr(ys, f64), arr(fs, f64), g, th));
      }
    }
    nat!.setIsa(nat!.info().cpuHasAvx2Fma ? "avx2" : "baseline");
    expect(ran).toBeGreaterThan(3000);
  });

  it("results do not depend on the thread count", () => {
    const a = randomArray([257, 190]);
    const b = randomArray([190, 300]);
    const out = [1, 2, 3].map((threads) => {
      const c = new Float32Array(257 * 300);
      const row = (cols: number) => Float64Array.of(0, cols, 1);
      nat!.matmul(
        a.data as Float32Array,
        b.data as Float32Array,
        c,
        row(190),
        row(300),
        257,
        300,
        190,
        threads,
      );
      return c;
    });
    expect(out[1]).toEqual(out[0]);
    expect(out[2]).toEqual(out[0]);
  });

  it("the FMA probe reports a positive rate", () => {
    expect(nat!.fmaPeak(1, 20)).toBeGreaterThan(0.1);
  });
});

describe("without the addon", () => {
  it("the module still loads; nativeBackend() is undefined exactly when the addon is missing", () => {
    expect(nativeBackend() === undefined).toBe(nat === undefined);
  });
});
