// Tests of the random extra ops, by statistics of large samples (means and variances within a
// few standard errors), seeded determinism, shapes and errors; never by timing.
import { describe, expect, test } from "vitest";
import { inferOk } from "../../test/helpers.js";
import { betainc, igamma, igammac } from "../backends/cpu-ts/math_extra_special.js";
import * as tf from "../index.js";

const N = 20000;
const f64 = (v: tf.ValueLike): tf.Tensor => tf.constant(v, { dtype: "float64" });

/** Runs `build` in a fresh graph with graph seed `seed` (a new session each call). */
function sample(build: () => tf.Tensor, seed?: number): Promise<tf.NDArray>;
function sample(build: () => tf.Tensor[], seed?: number): Promise<tf.NDArray[]>;
async function sample(
  build: () => tf.Tensor | tf.Tensor[],
  seed = 7,
): Promise<tf.NDArray | tf.NDArray[]> {
  const g = new tf.Graph();
  g.seed = seed;
  const fetches = g.asDefault(build);
  const sess = new tf.Session({ graph: g });
  return Array.isArray(fetches) ? sess.run(fetches) : sess.run(fetches);
}

function moments(
  values: ArrayLike<number | bigint>,
  stride = 1,
  offset = 0,
): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let i = offset; i < values.length; i += stride) {
    const v = Number(values[i]);
    s += v;
    s2 += v * v;
    n++;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

/** |mean - expected| within 4 standard errors of a sample of n with this variance. */
function expectMean(actual: number, expected: number, variance: number, n = N): void {
  expect(Math.abs(actual - expected)).toBeLessThan(4 * Math.sqrt(variance / n));
}

describe("multinomial", () => {
  test("class frequencies follow softmax(logits); -inf is never drawn", async () => {
    const r = await sample(() =>
      tf.multinomial(
        f64([
          [Math.log(0.2), Math.log(0.8), Number.NEGATIVE_INFINITY],
          [0, 0, 0],
        ]),
        N,
      ),
    );
    expect(r.dtype).toBe("int64");
    expect(r.shape).toEqual([2, N]);
    const d = Array.from(r.data as BigInt64Array, Number);
    const row0 = d.slice(0, N);
    const row1 = d.slice(N);
    expect(row0.every((v) => v === 0 || v === 1)).toBe(true);
    expectMean(moments(row0).mean, 0.8, 0.16);
    for (let k = 0; k < 3; k++) {
      const freq = row1.filter((v) => v === k).length / N;
      expectMean(freq, 1 / 3, 2 / 9);
    }
  });
  test("seeded: the same in two sessions, new numbers on each run", async () => {
    const g = new tf.Graph();
    const m = g.asDefault(() =>
      tf.multinomial(f64([[0, 0, 0, 0]]), 50, { seed: 3, outputDtype: "int32" }),
    );
    const a = await new tf.Session({ graph: g }).run(m);
    const sess = new tf.Session({ graph: g });
    const b = await sess.run(m);
    const c = await sess.run(m);
    expect(a.dtype).toBe("int32");
    const values = (x: tf.NDArray) => Array.from(x.data as Int32Array);
    expect(values(a)).toEqual(values(b));
    expect(values(c)).not.toEqual(values(b));
  });
  test("shape and errors", async () => {
    inferOk(
      "Multinomial",
      "[?,5];[]",
      "[?,3]",
      {},
      { dtypes: ["float32", "int32"], constInputs: { 1: tf.NDArray.from(3, "int32") } },
    );
    await expect(sample(() => tf.multinomial(f64([1, 2]), 3))).rejects.toThrow(
      /Shape must be rank 2/,
    );
  });
});

describe("random.gamma", () => {
  test("mean and variance are alpha / beta and alpha / beta² (both sampling branches)", async () => {
    const r = await sample(() =>
      tf.random.gamma([N], f64([0.5, 3, 1]), { dtype: "float64", beta: f64([1, 2, 1]) }),
    );
    expect(r.shape).toEqual([N, 3]);
    const d = r.data as Float64Array;
    for (const [j, alpha, beta] of [
      [0, 0.5, 1],
      [1, 3, 2],
      [2, 1, 1],
    ]) {
      const m = moments(d, 3, j);
      const v = alpha / beta ** 2;
      expectMean(m.mean, alpha / beta, v);
      expect(Math.abs(m.variance / v - 1)).toBeLessThan(0.1);
    }
    expect(d.every((x) => x > 0)).toBe(true);
  });
  test("the distribution matches the gamma CDF at its quartiles", async () => {
    const r = await sample(() => tf.random.gamma([N], 2.5, { dtype: "float64" }));
    const d = r.data as Float64Array;
    for (const x of [1.2, 2.2, 3.5]) {
      const frac = d.filter((v) => v <= x).length / N;
      const p = igamma(2.5, x);
      expectMean(frac, p, p * (1 - p));
    }
  });
  test("the gradient in alpha has the mean d E[X] / d alpha = 1 / beta", async () => {
    const g = new tf.Graph();
    g.seed = 11;
    const { grads } = g.asDefault(() => {
      const alpha = f64([0.7, 4]);
      const beta = f64(2);
      const x = tf.random.gamma([N], alpha, { dtype: "float64", beta });
      return { grads: tf.gradients(tf.reduceMean(x, 0), [alpha]) };
    });
    const [ga] = await new tf.Session({ graph: g }).run(grads as tf.Tensor[]);
    // Each element's gradient is a sample mean of dX/dalpha, with E = 1/beta.
    const d = ga.data as Float64Array;
    expect(Math.abs(d[0] - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(d[1] - 0.5)).toBeLessThan(0.03);
  });
  test("RandomGammaGrad is the derivative of the quantile at fixed CDF value", async () => {
    // Solve P(alpha, x) = u for x by bisection at alpha ± h, and compare the central difference.
    const quantile = (a: number, u: number) => {
      let lo = 0;
      let hi = 100;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (igamma(a, mid) < u) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    };
    const alphas = [0.5, 2, 7];
    const xs = [0.3, 1.5, 9];
    const r = await sample(
      () => tf.getDefaultGraph().createOp("RandomGammaGrad", [f64(alphas), f64(xs)]).outputs[0],
    );
    alphas.forEach((a, i) => {
      const u = igamma(a, xs[i]);
      const h = 1e-5;
      const numeric = (quantile(a + h, u) - quantile(a - h, u)) / (2 * h);
      expect(Math.abs((r.data as Float64Array)[i] - numeric)).toBeLessThan(1e-6);
    });
  });
  test("shape is shape ++ alpha.shape", () => {
    inferOk(
      "RandomGamma",
      "[2];[3,4]",
      "[5,6,3,4]",
      {},
      { dtypes: ["int32", "float32"], constInputs: { 0: tf.NDArray.from([5, 6], "int32") } },
    );
  });
});

describe("random.poisson", () => {
  test("mean and variance equal the rate (small and large rates)", async () => {
    const r = await sample(() => tf.random.poisson(f64([0.7, 4, 60]), [N], { dtype: "float64" }));
    expect(r.shape).toEqual([N, 3]);
    const d = r.data as Float64Array;
    [0.7, 4, 60].forEach((lam, j) => {
      const m = moments(d, 3, j);
      expectMean(m.mean, lam, lam);
      expect(Math.abs(m.variance / lam - 1)).toBeLessThan(0.1);
    });
    expect(d.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
  });
  test("integer output dtypes and the V1 op", async () => {
    const [a, b] = await sample(() => [
      tf.random.poisson(f64([3]), [1000], { dtype: "int64" }),
      tf
        .getDefaultGraph()
        .createOp("RandomPoisson", [tf.constant([1000], { dtype: "int32" }), tf.constant([3])], {
          seed: 1,
          seed2: 2,
        }).outputs[0],
    ]);
    expect(a.dtype).toBe("int64");
    expect(b.dtype).toBe("float32");
    expect(Math.abs(moments(a.data as BigInt64Array).mean - 3)).toBeLessThan(0.25);
    expect(Math.abs(moments(b.data as Float32Array).mean - 3)).toBeLessThan(0.25);
  });
});

describe("parameterizedTruncatedNormal", () => {
  test("samples stay in their bounds with the truncated normal's mean", async () => {
    const r = await sample(() =>
      tf.random.parameterizedTruncatedNormal([4, 5000], {
        means: f64([0, 0, 10, 0]),
        stddevs: f64([1, 1, 2, 1]),
        minvals: f64([-1, 0.5, -100, -10]),
        maxvals: f64([1, 3, 100, -9]),
        dtype: "float64",
      }),
    );
    const d = r.data as Float64Array;
    const row = (k: number) => Array.from(d.subarray(k * 5000, (k + 1) * 5000));
    // Mean of N(0,1) on [a, b]: (φ(a) - φ(b)) / (Φ(b) - Φ(a)).
    const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
    // Φ from the incomplete gamma: Φ(x) = Q(1/2, x²/2) / 2 for x < 0 (no cancellation in the tail).
    const Phi = (x: number) =>
      x < 0 ? igammac(0.5, (x * x) / 2) / 2 : 1 - igammac(0.5, (x * x) / 2) / 2;
    const bounds = [
      [-1, 1],
      [0.5, 3],
      [-100, 100],
      [-10, -9],
    ];
    bounds.forEach(([lo, hi], k) => {
      const values = row(k);
      expect(values.every((v) => v >= lo && v <= hi)).toBe(true);
    });
    const truncMean = (a: number, b: number) => (phi(a) - phi(b)) / (Phi(b) - Phi(a));
    expectMean(moments(row(0)).mean, 0, 0.3, 5000);
    expectMean(moments(row(1)).mean, truncMean(0.5, 3), 0.4, 5000);
    expectMean(moments(row(2)).mean, 10, 4, 5000);
    // Far in the lower tail, the mass piles up at the upper bound: mean ≈ -9 - 1/9.
    expect(Math.abs(moments(row(3)).mean - truncMean(-10, -9))).toBeLessThan(0.01);
  });
  test("bad parameters are an error", async () => {
    await expect(
      sample(() => tf.random.parameterizedTruncatedNormal([2, 3], { minvals: 1, maxvals: -1 })),
    ).rejects.toThrow(/minval 1 < maxval -1/);
    await expect(
      sample(() =>
        tf.random.parameterizedTruncatedNormal([2, 3], { means: f64([0, 1, 2]), dtype: "float64" }),
      ),
    ).rejects.toThrow(/means must be a scalar or a vector of length batch_size 2/);
  });
});

describe("stateless random ops", () => {
  test("the same seed gives the same values, in any session; another seed others", async () => {
    const build = (seed: number[]) => [
      tf.random.statelessUniform([100], seed),
      tf.random.statelessNormal([7], seed, { dtype: "float64" }),
      tf.random.statelessTruncatedNormal([9], seed),
      tf.random.statelessUniform([10], seed, { dtype: "int32", minval: 0, maxval: 10 }),
      tf.random.statelessMultinomial(f64([[0, 0, 0]]), 20, seed),
    ];
    const a = await sample(() => build([1, 2]), 1);
    const b = await sample(() => build([1, 2]), 99);
    const c = await sample(() => build([2, 1]), 1);
    a.forEach((x, i) => {
      expect(Array.from(x.data as ArrayLike<unknown>)).toEqual(
        Array.from(b[i].data as ArrayLike<unknown>),
      );
      expect(Array.from(x.data as ArrayLike<unknown>)).not.toEqual(
        Array.from(c[i].data as ArrayLike<unknown>),
      );
    });
    // A seed tensor computed at run time works too.
    const g = new tf.Graph();
    const [seedPh, u] = g.asDefault(() => {
      const p = tf.placeholder("int64", [2]);
      return [p, tf.random.statelessUniform([100], p)];
    });
    const sess = new tf.Session({ graph: g });
    const v = await sess.run(u, [[seedPh, new tf.NDArray("int64", [2], BigInt64Array.of(1n, 2n))]]);
    expect(Array.from(v.data as Float32Array)).toEqual(Array.from(a[0].data as Float32Array));
  });
  test("distributions", async () => {
    const [u, n, t, k] = await sample(() => [
      tf.random.statelessUniform([N], [5, 6], { dtype: "float64", minval: 2, maxval: 4 }),
      tf.random.statelessNormal([N], [5, 6], { mean: 1, stddev: 3 }),
      tf.random.statelessTruncatedNormal([N], [5, 6]),
      tf.random.statelessUniform([N], [5, 6], { dtype: "int64", minval: -3n, maxval: 3n } as never),
    ]);
    const mu = moments(u.data as Float64Array);
    expectMean(mu.mean, 3, 1 / 3);
    expect(Math.abs(mu.variance - 1 / 3)).toBeLessThan(0.02);
    expect((u.data as Float64Array).every((v) => v >= 2 && v < 4)).toBe(true);
    const mn = moments(n.data as Float32Array);
    expectMean(mn.mean, 1, 9);
    expect(Math.abs(mn.variance / 9 - 1)).toBeLessThan(0.05);
    expect((t.data as Float32Array).every((v) => Math.abs(v) < 2)).toBe(true);
    // Variance of N(0,1) truncated to (-2, 2): 1 - 4φ(2) / (2Φ(2) - 1) = 0.7737413.
    expect(Math.abs(moments(t.data as Float32Array).variance - 0.7737413)).toBeLessThan(0.03);
    const ks = Array.from(k.data as BigInt64Array, Number);
    expect(new Set(ks)).toEqual(new Set([-3, -2, -1, 0, 1, 2]));
  });
  test("seed shape and int range are checked", async () => {
    expect(() =>
      new tf.Graph().asDefault(() =>
        tf.random.statelessUniform([2], tf.constant([1, 2, 3], { dtype: "int32" })),
      ),
    ).toThrow(/seed must have shape \[2\]/);
    await expect(
      sample(() =>
        tf.random.statelessUniform([2], [1, 2], { dtype: "int32", minval: 5, maxval: 5 }),
      ),
    ).rejects.toThrow(/need minval < maxval/);
  });
});

// Keep the import of betainc used: the F-distribution check of gamma ratios below uses it.
test("a ratio of gamma samples follows the beta distribution (CDF at the median)", async () => {
  const r = await sample(() => {
    const x = tf.random.gamma([N], 2, { dtype: "float64" });
    const y = tf.random.gamma([N], 3, { dtype: "float64" });
    return tf.divide(x, tf.add(x, y));
  });
  const d = r.data as Float64Array;
  for (const q of [0.25, 0.4, 0.6]) {
    const p = betainc(2, 3, q);
    expectMean(d.filter((v) => v <= q).length / N, p, p * (1 - p));
  }
});
