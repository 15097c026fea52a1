// Tests of the math extra family: values (hand-worked or from TF's docs, as noted), shapes, errors.
// Numeric gradients are checked in test/grad_checks/math_extra.ts.
import { describe, expect, test } from "vitest";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import { igamma, igammaGradA } from "../backends/cpu-ts/math_extra_special.js";
import * as tf from "../index.js";

const c = (v: tf.ValueLike, dtype?: tf.DType): tf.Tensor => tf.constant(v, { dtype });
const f64 = (v: tf.ValueLike): tf.Tensor => c(v, "float64");
const i32 = (v: tf.ValueLike): tf.Tensor => c(v, "int32");
const op = (
  type: string,
  inputs: (tf.Tensor | tf.Tensor[])[],
  attrs: Record<string, unknown> = {},
) => tf.getDefaultGraph().createOp(type, inputs, attrs as never).outputs[0];
const EULER = 0.5772156649015329;
const ZETA3 = 1.2020569031595942;
const INF = Number.POSITIVE_INFINITY;
// The TF docs' running example for the segment ops.
const SEG = [
  [1, 2, 3, 4],
  [4, 3, 2, 1],
  [5, 6, 7, 8],
];

describe.each(BACKENDS)("math extra ops on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T) => runGraph(build, { backend });

  describe("unary special functions", () => {
    test("inverse hyperbolics", async () => {
      const [a, b, t] = await run(() => [
        tf.acosh(f64([1, 2])),
        tf.asinh(f64([0, 1])),
        tf.atanh(f64([0, 0.5])),
      ]);
      // acosh(2) = ln(2 + √3), asinh(1) = ln(1 + √2), atanh(1/2) = ln(3)/2.
      expectArray(a, [0, Math.log(2 + Math.sqrt(3))], { tol: 1e-14 });
      expectArray(b, [0, Math.log(1 + Math.SQRT2)], { tol: 1e-14 });
      expectArray(t, [0, Math.log(3) / 2], { tol: 1e-14 });
    });
    test("erfc keeps precision in the tail", async () => {
      // Reference values of erfc (Abramowitz & Stegun table 7.1 / mpmath).
      const r = await run(() => tf.erfc(f64([-1, 0, 0.5, 3, 10])));
      const want = [
        1.8427007929497148, 1, 0.4795001221869535, 2.209049699858544e-5, 2.088487583762545e-45,
      ];
      Array.from(r.data as Float64Array).forEach((v, i) => {
        expect(Math.abs(v - want[i]) / want[i]).toBeLessThan(1e-13);
      });
    });
    test("lgamma: log of factorials, Γ(1/2) = √π, poles", async () => {
      const r = await run(() => tf.lgamma(f64([0.5, 1, 2, 10, -0.5, 0, -3])));
      // Γ(-1/2) = -2√π, so lgamma(-0.5) = ln(2√π).
      expectArray(
        r,
        [
          Math.log(Math.sqrt(Math.PI)),
          0,
          0,
          Math.log(362880),
          Math.log(2 * Math.sqrt(Math.PI)),
          INF,
          INF,
        ],
        {
          tol: 1e-13,
        },
      );
    });
    test("digamma: ψ(1) = -γ, ψ(1/2) = -γ - 2 ln 2, ψ(n+1) = ψ(n) + 1/n", async () => {
      const r = await run(() => tf.digamma(f64([1, 0.5, 2, 4, -0.5])));
      // ψ(-1/2) = ψ(1/2) + 2 (from ψ(x+1) = ψ(x) + 1/x).
      const half = -EULER - 2 * Math.LN2;
      expectArray(r, [-EULER, half, 1 - EULER, 1 + 1 / 2 + 1 / 3 - EULER, half + 2], {
        tol: 1e-13,
      });
    });
    test("float32 results", async () => {
      const r = await run(() => tf.lgamma(c([0.5, 3])));
      expectArray(r, [Math.log(Math.sqrt(Math.PI)), Math.log(2)], { dtype: "float32", tol: 1e-6 });
    });
    test("Inv on floats and ints", async () => {
      const [f, n] = await run(() => [op("Inv", [f64([2, -4])]), op("Inv", [i32([1, 2, -1])])]);
      expectArray(f, [0.5, -0.25]);
      expectArray(n, [1, 0, -1], { dtype: "int32" });
      await expect(run(() => op("Inv", [i32([0])]))).rejects.toThrow(tf.InvalidArgumentError);
    });
    test("Bessel I0e and I1e", async () => {
      // I0(1) = 1.2660658777520082, I1(1) = 0.5651591039924851 (A&S table 9.8), times e^-1.
      const [i0, i1] = await run(() => [
        tf.besselI0e(f64([0, 1, -1])),
        tf.besselI1e(f64([0, 1, -1])),
      ]);
      const e = Math.exp(-1);
      expectArray(i0, [1, 1.2660658777520082 * e, 1.2660658777520082 * e], { tol: 1e-14 });
      expectArray(i1, [0, 0.5651591039924851 * e, -0.5651591039924851 * e], { tol: 1e-14 });
    });
    test("Bessel functions are continuous where the series hands over to the asymptotic expansion", async () => {
      const [i0, i1] = await run(() => [
        tf.besselI0e(f64([29.999999, 30.000001])),
        tf.besselI1e(f64([29.999999, 30.000001])),
      ]);
      for (const r of [i0, i1]) {
        const [a, b] = r.data as Float64Array;
        expect(Math.abs(a - b)).toBeLessThan(1e-8);
      }
      // Far out, e^-x I0(x) ~ 1 / sqrt(2πx) (1 + 1/(8x) + 9/(2 (8x)²)).
      const big = await run(() => tf.besselI0e(f64([1e4])));
      const approx = (1 / Math.sqrt(2 * Math.PI * 1e4)) * (1 + 1 / 8e4 + 9 / (2 * 8e4 ** 2));
      expect(Math.abs((big.item() as number) - approx)).toBeLessThan(1e-14);
    });
    test("special functions reject integer tensors at construction", () => {
      expect(() => new tf.Graph().asDefault(() => tf.lgamma(i32([1])))).toThrow(
        /value for attr 'T' of int32 is not in the list of allowed values/,
      );
    });
  });

  describe("gradient helper ops", () => {
    test("values (hand-worked from their formulas)", async () => {
      const r = await run(() => {
        const y = f64([0.5, 2]);
        const dy = f64([2, 3]);
        return [
          op("SigmoidGrad", [y, dy]), // dy y (1-y)
          op("TanhGrad", [y, dy]), // dy (1 - y²)
          op("RsqrtGrad", [y, dy]), // -dy y³ / 2
          op("SqrtGrad", [y, dy]), // dy / (2y)
          op("ReciprocalGrad", [y, dy]), // -dy y²
          op("InvGrad", [y, dy]),
          op("SoftsignGrad", [dy, f64([-1, 2])]), // g / (1 + |x|)²
        ];
      });
      expectArray(r[0], [0.5, -6]);
      expectArray(r[1], [1.5, -9]);
      expectArray(r[2], [-0.125, -12]);
      expectArray(r[3], [2, 0.75]);
      expectArray(r[4], [-0.5, -12]);
      expectArray(r[5], [-0.5, -12]);
      expectArray(r[6], [0.5, 1 / 3]);
    });
    test("IgammaGradA matches a central difference of Igamma", async () => {
      const a = [0.5, 2, 2, 7, 0.3];
      const x = [0.3, 1, 5, 20, 4];
      const r = await run(() => op("IgammaGradA", [f64(a), f64(x)]));
      a.forEach((ai, i) => {
        const h = 1e-5;
        const numeric = (igamma(ai + h, x[i]) - igamma(ai - h, x[i])) / (2 * h);
        expect(Math.abs((r.data as Float64Array)[i] - numeric)).toBeLessThan(1e-8);
        expect((r.data as Float64Array)[i]).toBeCloseTo(igammaGradA(ai, x[i]), 14);
      });
    });
    test("shapes must agree", () => {
      inferOk("TanhGrad", "[?,3];[2,?]", "[2,3]");
      inferErr("TanhGrad", "[2];[3]", /Shapes must be equal/);
    });
  });

  describe("binary special functions", () => {
    test("atan2 picks the quadrant", async () => {
      const r = await run(() => tf.atan2(f64([1, 1, -1, 0]), f64([1, -1, -1, -1])));
      expectArray(r, [Math.PI / 4, (3 * Math.PI) / 4, (-3 * Math.PI) / 4, Math.PI], { tol: 1e-15 });
    });
    test("xdivy, xlogy, divNoNan, mulNoNan at zero", async () => {
      const r = await run(() => [
        tf.xdivy(f64([0, 2]), f64([0, 4])),
        tf.xlogy(f64([0, 2]), f64([0, Math.E])),
        tf.divNoNan(f64([1, 3]), f64([0, 2])),
        tf.mulNoNan(f64([Number.NaN, 2]), f64([0, 3])),
      ]);
      expectArray(r[0], [0, 0.5]);
      expectArray(r[1], [0, 2]);
      expectArray(r[2], [0, 1.5]);
      expectArray(r[3], [0, 6]);
    });
    test("igamma and igammac: P(1, x) = 1 - e^-x, P(1/2, x) = erf(√x)", async () => {
      const [p, q, e] = await run(() => [
        tf.igamma(f64([1, 1, 0.5, 3]), f64([2, 0, 2, 10])),
        tf.igammac(f64([1, 0.5, 0.5]), f64([2, 2, 50])),
        tf.erfc(f64(Math.sqrt(50))),
      ]);
      // erf(√2) = 0.9544997361036416; P(3, 10) = 1 - e^-10 (1 + 10 + 50).
      expectArray(p, [1 - Math.exp(-2), 0, 0.9544997361036416, 1 - Math.exp(-10) * 61], {
        tol: 1e-14,
      });
      const qd = q.data as Float64Array;
      expect(qd[0]).toBeCloseTo(Math.exp(-2), 15);
      expect(qd[1]).toBeCloseTo(1 - 0.9544997361036416, 14);
      // Q(1/2, x) = erfc(√x), here computed by another continued fraction; deep in the tail
      // (erfc(√50) ≈ 1.524e-23 by its asymptotic series) both keep their relative precision.
      const erfcSqrt50 = e.item() as number;
      expect(Math.abs(erfcSqrt50 / 1.524e-23 - 1)).toBeLessThan(1e-3);
      expect(Math.abs(qd[2] - erfcSqrt50) / erfcSqrt50).toBeLessThan(1e-10);
    });
    test("igamma is NaN outside its domain", async () => {
      const r = await run(() => tf.igamma(f64([-1, 1]), f64([1, -1])));
      expectArray(r, [Number.NaN, Number.NaN]);
    });
    test("zeta and polygamma", async () => {
      const [z, p] = await run(() => [
        tf.zeta(f64([2, 4, 2, 3, 1]), f64([1, 1, 2, 0.5, 1])),
        tf.polygamma(f64([0, 1, 2, 1.5]), f64([1, 1, 1, 1])),
      ]);
      // ζ(2) = π²/6, ζ(4) = π⁴/90, ζ(2, 2) = ζ(2) - 1, ζ(3, 1/2) = 7 ζ(3).
      expectArray(z, [Math.PI ** 2 / 6, Math.PI ** 4 / 90, Math.PI ** 2 / 6 - 1, 7 * ZETA3, INF], {
        tol: 1e-14,
      });
      // ψ(1) = -γ, ψ'(1) = π²/6, ψ''(1) = -2ζ(3); non-integer order: NaN.
      expectArray(p, [-EULER, Math.PI ** 2 / 6, -2 * ZETA3, Number.NaN], { tol: 1e-13 });
    });
    test("betainc: closed forms, scalars broadcast, other shapes are an error", async () => {
      const r = await run(() =>
        tf.betainc(f64([2, 0.5, 5]), f64([3, 0.5, 2]), f64([0.4, 0.3, 0.9])),
      );
      // I_0.4(2,3) = Σ_{j=2..4} C(4,j) .4^j .6^(4-j) = .5248; I_x(½,½) = (2/π) asin(√x);
      // I_0.9(5,2) = 1 - I_0.1(2,5) = 6·.9^5 - 5·.9^6.
      expectArray(
        r,
        [0.5248, (2 / Math.PI) * Math.asin(Math.sqrt(0.3)), 6 * 0.9 ** 5 - 5 * 0.9 ** 6],
        { tol: 1e-13 },
      );
      const s = await run(() => tf.betainc(f64(2), f64([3, 3]), f64(0.4)));
      expectArray(s, [0.5248, 0.5248], { tol: 1e-13 });
      inferOk("Betainc", "[2,3];[];[2,?]", "[2,3]");
      inferErr("Betainc", "[2];[3];[]", /Shapes must be equal/);
      await expect(
        run(() => {
          const p = tf.placeholderWithDefault(f64([0.5, 0.5]), [null]);
          return tf.betainc(p, f64([1, 2, 3]), f64(0.5));
        }),
      ).rejects.toThrow(/Betainc: shapes of a, b and x must match/);
    });
    test("approximateEqual", async () => {
      const r = await run(() =>
        tf.approximateEqual(f64([1, 2, 3]), f64([1.000001, 2.1, 3]), { tolerance: 1e-5 }),
      );
      expectArray(r, [true, false, true], { dtype: "bool" });
      inferErr("ApproximateEqual", "[2];[3]", /Shapes must be equal/);
    });
    test("nextAfter steps one ulp in float32 and float64", async () => {
      const [a, b] = await run(() => [
        tf.nextAfter(c([1, 1, 0, -1]), c([2, 0, 1, -2])),
        tf.nextAfter(f64([1, 0, 5]), f64([0, -1, 5])),
      ]);
      expectArray(a, [1 + 2 ** -23, 1 - 2 ** -24, 2 ** -149, -1 - 2 ** -23], { tol: 0 });
      expectArray(b, [1 - 2 ** -53, -Number.MIN_VALUE, 5], { tol: 0 });
    });
    test("Mod is C's remainder (the dividend's sign)", async () => {
      const [n, f] = await run(() => [
        op("Mod", [i32([7, -7, 7]), i32([3, 3, -3])]),
        op("Mod", [f64([7.5, -7.5]), f64([-2, 2])]),
      ]);
      expectArray(n, [1, -1, 1], { dtype: "int32" });
      expectArray(f, [1.5, -1.5]);
    });
    test("ClipByValue op and tf.clipByValue agree", async () => {
      const [o, b] = await run(() => [
        op("ClipByValue", [f64([-2, 0.5, 3]), f64(-1), f64(1)]),
        tf.clipByValue(f64([-2, 0.5, 3]), -1, 1),
      ]);
      expectArray(o, [-1, 0.5, 1]);
      expectArray(b, [-1, 0.5, 1]);
      const v = await run(() => op("ClipByValue", [i32([5, -5, 0]), i32([0, -2, 1]), i32(3)]));
      expectArray(v, [3, -2, 1], { dtype: "int32" });
      inferErr(
        "ClipByValue",
        "[3];[2];[]",
        /clip_value_min must be a scalar or have the shape of t/,
      );
    });
    test("accumulateN sums its inputs", async () => {
      const r = await run(() =>
        tf.accumulateN([f64([1, 2]), f64([10, 20]), f64([100, 200])], { shape: [2] }),
      );
      expectArray(r, [111, 222]);
      inferOk("AccumulateNV2", "[?];[2]", "[2]", { shape: new tf.TensorShape([2]) });
      inferErr("AccumulateNV2", "[3];[2]", /AccumulateNV2/, { shape: tf.TensorShape.unknown() });
    });
  });

  describe("bitwise", () => {
    test("and, or, xor, invert on int32, uint8 and int64", async () => {
      const r = await run(() => [
        tf.bitwiseAnd(i32([12, -1]), i32([10, 7])),
        tf.bitwiseOr(i32([12, 0]), i32([10, 7])),
        tf.bitwiseXor(c([12, 255], "uint8"), c([10, 15], "uint8")),
        tf.bitwise.invert(i32([0, 5, -1])),
        tf.bitwise.invert(c([0, 5], "uint8")),
        tf.bitwise.invert(c([0n], "int64")),
      ]);
      expectArray(r[0], [8, 7]);
      expectArray(r[1], [14, 7]);
      expectArray(r[2], [6, 240], { dtype: "uint8" });
      expectArray(r[3], [-1, -6, 0]);
      expectArray(r[4], [255, 250]);
      expect(Array.from(r[5].data as BigInt64Array)).toEqual([-1n]);
    });
    test("shifts clamp the amount to [0, bits - 1]", async () => {
      const r = await run(() => [
        tf.leftShift(i32([1, 1, 1, 1, 1]), i32([0, 3, 31, 40, -1])),
        tf.rightShift(i32([-16, 16]), i32([2, 2])),
        tf.rightShift(c([240], "uint8"), c([4], "uint8")),
        tf.leftShift(c([1n], "int64"), c([40n], "int64")),
      ]);
      expectArray(r[0], [1, 8, -(2 ** 31), -(2 ** 31), 1]);
      expectArray(r[1], [-4, 4]);
      expectArray(r[2], [15]);
      expect(Array.from(r[3].data as BigInt64Array)).toEqual([2n ** 40n]);
    });
    test("populationCount", async () => {
      const [a, b] = await run(() => [
        tf.populationCount(i32([0, 7, -1])),
        tf.populationCount(c([-1n, 255n], "int64")),
      ]);
      expectArray(a, [0, 3, 32], { dtype: "uint8" });
      expectArray(b, [64, 8], { dtype: "uint8" });
    });
    test("bitwise ops reject floats at construction", () => {
      expect(() => new tf.Graph().asDefault(() => tf.bitwiseAnd(c([1]), c([1])))).toThrow(
        /value for attr 'T' of float/,
      );
    });
  });

  describe("cumulative ops", () => {
    test("cumsum with exclusive and reverse", async () => {
      const x = () => f64([1, 2, 3, 4]);
      const r = await run(() => [
        tf.cumsum(x()),
        tf.cumsum(x(), 0, { exclusive: true }),
        tf.cumsum(x(), 0, { reverse: true }),
        tf.cumsum(x(), 0, { exclusive: true, reverse: true }),
      ]);
      expectArray(r[0], [1, 3, 6, 10]);
      expectArray(r[1], [0, 1, 3, 6]);
      expectArray(r[2], [10, 9, 7, 4]);
      expectArray(r[3], [9, 7, 4, 0]);
    });
    test("along an inner (or negative) axis, on ints", async () => {
      const [a, b, d] = await run(() => [
        tf.cumsum(
          i32([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          -1,
        ),
        tf.cumprod(f64([1, 2, 3, 4]), 0, { exclusive: true }),
        tf.cumprod(c([2n, 3n], "int64"), 0),
      ]);
      expectArray(a, [
        [1, 3, 6],
        [4, 9, 15],
      ]);
      expectArray(b, [1, 1, 2, 6]);
      expect(Array.from(d.data as BigInt64Array)).toEqual([2n, 6n]);
    });
    test("cumulativeLogsumexp does not overflow", async () => {
      const [a, b] = await run(() => [
        tf.cumulativeLogsumexp(f64([0, 0, 0])),
        tf.cumulativeLogsumexp(f64([1000, 1000]), 0, { reverse: true, exclusive: true }),
      ]);
      expectArray(a, [0, Math.LN2, Math.log(3)], { tol: 1e-15 });
      expectArray(b, [1000, -INF]);
    });
    test("axis errors", async () => {
      inferErr("Cumsum", "[2];[2]", /rank 0/, {}, { dtypes: ["float32", "int32"] });
      await expect(run(() => tf.cumsum(f64([1, 2]), 1))).rejects.toThrow(
        /Cumsum: axis 1 is out of range/,
      );
    });
  });

  describe("segment reductions (examples from TF's docs)", () => {
    const ids = () => i32([0, 0, 1]);
    test("sorted segments", async () => {
      const r = await run(() => [
        tf.segmentSum(f64(SEG), ids()),
        tf.segmentMean(f64(SEG), ids()),
        tf.segmentProd(f64(SEG), ids()),
        tf.segmentMin(f64(SEG), ids()),
        tf.segmentMax(f64(SEG), ids()),
      ]);
      expectArray(r[0], [
        [5, 5, 5, 5],
        [5, 6, 7, 8],
      ]);
      expectArray(r[1], [
        [2.5, 2.5, 2.5, 2.5],
        [5, 6, 7, 8],
      ]);
      expectArray(r[2], [
        [4, 6, 6, 4],
        [5, 6, 7, 8],
      ]);
      expectArray(r[3], [
        [1, 2, 2, 1],
        [5, 6, 7, 8],
      ]);
      expectArray(r[4], [
        [4, 3, 3, 4],
        [5, 6, 7, 8],
      ]);
    });
    test("empty sorted segments are 0 (1 for a product); ids must be sorted", async () => {
      const [s, m, p] = await run(() => [
        tf.segmentSum(i32([1, 2]), [0, 2]),
        tf.segmentMax(f64([1, 2]), [1, 1]),
        tf.segmentProd(f64([2, 3]), [0, 2]),
      ]);
      expectArray(s, [1, 0, 2], { dtype: "int32" });
      expectArray(m, [0, 2]);
      expectArray(p, [2, 1, 3]);
      await expect(run(() => tf.segmentSum(f64([1, 2]), [1, 0]))).rejects.toThrow(
        /segment ids are not increasing/,
      );
    });
    test("unsorted segments: empty ones hold the identity, negative ids are dropped", async () => {
      const r = await run(() => [
        tf.unsortedSegmentMax(f64(SEG), [0, 1, 0], 2),
        tf.unsortedSegmentProd(f64(SEG), [0, 1, 0], 2),
        tf.unsortedSegmentMin(c([1, 2]), [1, -1], 2),
        tf.unsortedSegmentMax(i32([1, 2]), [1, 1], 2),
      ]);
      expectArray(r[0], [
        [5, 6, 7, 8],
        [4, 3, 2, 1],
      ]);
      expectArray(r[1], [
        [5, 12, 21, 32],
        [4, 3, 2, 1],
      ]);
      expectArray(r[2], [3.4028234663852886e38, 1], { tol: 1e-7 });
      expectArray(r[3], [-(2 ** 31), 2], { dtype: "int32" });
      await expect(run(() => tf.unsortedSegmentMin(f64([1]), [3], 2))).rejects.toThrow(
        /out of range \[0, 2\)/,
      );
    });
    test("sparse segments", async () => {
      const c2 = [
        [1, 2, 3, 4],
        [-1, -2, -3, -4],
        [5, 6, 7, 8],
      ];
      const r = await run(() => [
        tf.sparseSegmentSum(f64(SEG), [0, 1], [0, 0]),
        tf.sparseSegmentSum(f64(SEG), [0, 2], [0, 1]),
        tf.sparseSegmentSum(f64(SEG), [0, 1], [0, 0], { numSegments: 3 }),
        tf.sparseSegmentMean(f64(c2), [0, 1], [0, 0]),
        tf.sparseSegmentSqrtN(f64(SEG), [0, 2], [0, 0]),
      ]);
      expectArray(r[0], [[5, 5, 5, 5]]);
      expectArray(r[1], [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      expectArray(r[2], [
        [5, 5, 5, 5],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ]);
      expectArray(r[3], [[0, 0, 0, 0]]);
      expectArray(r[4], [[6 / Math.SQRT2, 8 / Math.SQRT2, 10 / Math.SQRT2, 12 / Math.SQRT2]]);
      await expect(run(() => tf.sparseSegmentSum(f64(SEG), [0, 3], [0, 0]))).rejects.toThrow(
        /indices\[1\] = 3 is out of range/,
      );
    });
    test("SparseSegmentMeanGrad and SparseSegmentSqrtNGrad (hand-worked)", async () => {
      const g = () =>
        f64([
          [1, 2],
          [3, 4],
        ]);
      const [m, q] = await run(() => [
        op("SparseSegmentMeanGrad", [g(), i32([0, 1, 0]), i32([0, 0, 1]), i32(3)]),
        op("SparseSegmentSqrtNGrad", [g(), i32([0, 1, 0]), i32([0, 0, 1]), i32(3)]),
      ]);
      // Segment 0 has 2 rows (indices 0, 1), segment 1 one row (index 0).
      expectArray(m, [
        [3.5, 5],
        [0.5, 1],
        [0, 0],
      ]);
      const r2 = Math.SQRT2;
      expectArray(q, [
        [1 / r2 + 3, 2 / r2 + 4],
        [1 / r2, 2 / r2],
        [0, 0],
      ]);
    });
    test("shapes", () => {
      inferOk("SegmentSum", "[?,3];[?]", "[?,3]", {}, { dtypes: ["float32", "int32"] });
      inferOk(
        "SegmentSum",
        "[3,2];[3]",
        "[2,2]",
        {},
        { dtypes: ["float32", "int32"], constInputs: { 1: tf.NDArray.from([0, 0, 1], "int32") } },
      );
      inferErr("SegmentMax", "[3,2];[4]", /must be equal/, {}, { dtypes: ["float32", "int32"] });
      inferOk(
        "UnsortedSegmentMin",
        "[4,3];[4];[]",
        "[2,3]",
        {},
        {
          dtypes: ["float32", "int32", "int32"],
          constInputs: { 2: tf.NDArray.from(2, "int32") },
        },
      );
      inferOk(
        "SparseSegmentMeanWithNumSegments",
        "[5,3];[2];[2];[]",
        "[7,3]",
        {},
        {
          dtypes: ["float32", "int32", "int32", "int32"],
          constInputs: { 3: tf.NDArray.from(7, "int32") },
        },
      );
      inferErr(
        "SparseSegmentSum",
        "[5,3];[2];[3]",
        /must be equal/,
        {},
        { dtypes: ["float32", "int32", "int32"] },
      );
    });
  });

  describe("counting, bucketing, EuclideanNorm", () => {
    test("bincount", async () => {
      const r = await run(() => [
        tf.bincount([1, 1, 2, 5]),
        tf.bincount([1, 1, 2], { minlength: 5 }),
        tf.bincount([1, 1, 2, 5], { maxlength: 2 }),
        tf.bincount([1, 1, 2], { weights: f64([0.5, 0.25, 2]) }),
        tf.bincount(i32([]) as tf.Tensor),
      ]);
      expectArray(r[0], [0, 2, 1, 0, 0, 1], { dtype: "int32" });
      expectArray(r[1], [0, 2, 1, 0, 0]);
      expectArray(r[2], [0, 2]);
      expectArray(r[3], [0, 0.75, 2], { dtype: "float64" });
      expect(r[4].shape).toEqual([0]);
      await expect(run(() => op("Bincount", [i32([-1]), i32(2), c([])]))).rejects.toThrow(
        /non-negative/,
      );
      inferOk(
        "Bincount",
        "[?];[];[0]",
        "[4]",
        {},
        { dtypes: ["int32", "int32", "float32"], constInputs: { 1: tf.NDArray.from(4, "int32") } },
      );
    });
    test("histogramFixedWidth (TF's doc example)", async () => {
      const r = await run(() =>
        tf.histogramFixedWidth(c([-1, 0, 1.5, 2, 5, 15]), c([0, 5]), { nbins: 5 }),
      );
      expectArray(r, [2, 1, 1, 0, 2], { dtype: "int32" });
      await expect(
        run(() => tf.histogramFixedWidth(c([1]), c([5, 0]), { nbins: 5 })),
      ).rejects.toThrow(/value_range\[0\] < value_range\[1\]/);
    });
    test("bucketize (TF's doc example)", async () => {
      const r = await run(() =>
        tf.bucketize(
          c([
            [-5, 10000],
            [150, 10],
            [5, 100],
          ]),
          [0, 10, 100],
        ),
      );
      expectArray(r, [
        [0, 3],
        [3, 2],
        [1, 3],
      ]);
    });
    test("reduceEuclideanNorm", async () => {
      const x = () =>
        f64([
          [3, 4],
          [5, 12],
        ]);
      const [a, b, k, n] = await run(() => [
        tf.reduceEuclideanNorm(x(), 1),
        tf.reduceEuclideanNorm(x()),
        tf.reduceEuclideanNorm(x(), 0, true),
        tf.reduceEuclideanNorm(i32([2, 2]), 0),
      ]);
      expectArray(a, [5, 13]);
      expectArray(b, Math.sqrt(194));
      expectArray(k, [[Math.sqrt(34), Math.sqrt(160)]]);
      expectArray(n, 2, { dtype: "int32" }); // sqrt(8) truncated
      inferOk(
        "EuclideanNorm",
        "[2,?,4];[]",
        "[2,4]",
        { keep_dims: false },
        { dtypes: ["float32", "int32"], constInputs: { 1: tf.NDArray.from(1, "int32") } },
      );
    });
  });
});
