import { describe, expect, it } from "vitest";
import { checkGradient, randomValues } from "../../test/gradcheck.js";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const f64 = (v: tf.NestedArray | tf.NDArray) => tf.constant(v, { dtype: "float64" });
const f32 = (v: tf.NestedArray | tf.NDArray) => tf.constant(v, { dtype: "float32" });
const i32 = (v: tf.NestedArray) => tf.constant(v, { dtype: "int32" });
const nd = (shape: number[], values: number[]) =>
  new tf.NDArray("float64", shape, Float64Array.from(values));
const seq = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
const op1 = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown> = {}) =>
  tf.getDefaultGraph().createOp(type, inputs, attrs as never).outputs[0];
const opN = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown> = {}) =>
  tf.getDefaultGraph().createOp(type, inputs, attrs as never).outputs;
/** A 1 x rows x cols x 1 image from a 2-D array. */
const img = (rows: number[][]): number[][][][] => [rows.map((r) => r.map((v) => [v]))];
const X3 = img([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);

// ---- Naive references for the 3-D convolution (straight from the definition) ----

interface Conv3Ref {
  x: number[];
  xs: number[]; // [n, d, h, w, ic]
  f: number[];
  fs: number[]; // [kd, kh, kw, ic, oc]
  strides: number[]; // 3
  dil: number[]; // 3
  same: boolean;
}

function refGeometry(r: Conv3Ref) {
  const out: number[] = [];
  const pad: number[] = [];
  for (let i = 0; i < 3; i++) {
    const size = r.xs[i + 1];
    const eff = (r.fs[i] - 1) * r.dil[i] + 1;
    const o = r.same
      ? Math.ceil(size / r.strides[i])
      : Math.floor((size - eff + r.strides[i]) / r.strides[i]);
    out.push(o);
    pad.push(r.same ? Math.floor(Math.max(0, (o - 1) * r.strides[i] + eff - size) / 2) : 0);
  }
  return { out, pad };
}

/** Calls visit(outIndex, inIndex, filterIndex) for every in-bounds product of the conv. */
function refVisit(r: Conv3Ref, visit: (o: number, x: number, f: number) => void): number[] {
  const [n, d, h, w, ic] = r.xs;
  const [kd, kh, kw, , oc] = r.fs;
  const { out, pad } = refGeometry(r);
  for (let b = 0; b < n; b++)
    for (let od = 0; od < out[0]; od++)
      for (let oh = 0; oh < out[1]; oh++)
        for (let ow = 0; ow < out[2]; ow++)
          for (let a = 0; a < kd; a++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const id = od * r.strides[0] - pad[0] + a * r.dil[0];
                const ih = oh * r.strides[1] - pad[1] + p * r.dil[1];
                const iw = ow * r.strides[2] - pad[2] + q * r.dil[2];
                if (id < 0 || id >= d || ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                for (let ci = 0; ci < ic; ci++)
                  for (let co = 0; co < oc; co++)
                    visit(
                      (((b * out[0] + od) * out[1] + oh) * out[2] + ow) * oc + co,
                      (((b * d + id) * h + ih) * w + iw) * ic + ci,
                      (((a * kh + p) * kw + q) * ic + ci) * oc + co,
                    );
              }
  return [n, ...out, oc];
}

function refConv3d(r: Conv3Ref): { shape: number[]; values: number[] } {
  const { out } = refGeometry(r);
  const values = Array<number>(r.xs[0] * out[0] * out[1] * out[2] * r.fs[4]).fill(0);
  const shape = refVisit(r, (o, x, f) => {
    values[o] += r.x[x] * r.f[f];
  });
  return { shape, values };
}

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(0, ...a.map((v, i) => Math.abs(v - b[i])));
}

describe.each(BACKENDS)("nn_extra on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T) => runGraph(build, { backend });

  describe("LRN", () => {
    it("normalizes over neighbouring channels (hand-worked)", async () => {
      const x = [[[[1, 2, 3, 4]]]];
      const [a, b] = await run(() => [
        tf.nn.lrn(f32(x), { depthRadius: 1 }),
        tf.nn.localResponseNormalization(f32(x), { depthRadius: 1, bias: 2, alpha: 0.5, beta: 1 }),
      ]);
      // sqr sums over [d-1, d+1]: 5, 14, 29, 25; a = x / sqrt(1 + s); b = x / (2 + s / 2).
      expectArray(a, [
        [[[1 / Math.sqrt(6), 2 / Math.sqrt(15), 3 / Math.sqrt(30), 4 / Math.sqrt(26)]]],
      ]);
      expectArray(b, [[[[1 / 4.5, 2 / 9, 3 / 16.5, 4 / 14.5]]]]);
    });

    it("LRNGrad: d/dx of x / (1 + |x|^2) by hand", async () => {
      // x = [1, 2], r = 1, bias = alpha = beta = 1: N = 6 for both channels, y = [1/6, 2/6];
      // dy0/dx0 = (N - 2 x0^2) / N^2 = 1/9, dy0/dx1 = -2 x0 x1 / N^2 = -1/9.
      const attrs = { depth_radius: 1, bias: 1, alpha: 1, beta: 1 };
      const [dx] = await run(() => {
        const x = f32([[[[1, 2]]]]);
        const y = op1("LRN", [x], attrs);
        return [op1("LRNGrad", [f32([[[[1, 0]]]]), x, y], attrs)];
      });
      expectArray(dx, [[[[1 / 9, -1 / 9]]]]);
    });

    it("gradient (float32, several channels)", async () => {
      await checkGradient(
        (x) => tf.nn.lrn(x, { depthRadius: 2, alpha: 0.3, beta: 0.75 }),
        [{ shape: [1, 2, 1, 5] }],
        {
          dtype: "float32",
          backend,
        },
      );
    });
  });

  it("l2Normalize (composed, as TF)", async () => {
    const [a, b, c] = await run(() => [
      tf.nn.l2Normalize(f64([3, 4])),
      tf.nn.l2Normalize(
        f64([
          [3, 4],
          [0, 0],
        ]),
        1,
      ),
      tf.nn.l2Normalize(
        f64([
          [3, 0],
          [4, 0],
        ]),
        0,
      ),
    ]);
    expectArray(a, [0.6, 0.8]);
    expectArray(b, [
      [0.6, 0.8],
      [0, 0],
    ]);
    expectArray(c, [
      [0.6, 0],
      [0.8, 0],
    ]);
  });

  describe("Conv3D", () => {
    it("hand-worked: 2x2x2 cube of 1..8 with a ones filter", async () => {
      const x = nd([1, 2, 2, 2, 1], seq(8));
      const f = nd([2, 2, 2, 1, 1], Array(8).fill(1));
      const [valid, same] = await run(() => [
        tf.nn.conv3d(f64(x), f64(f), 1, "VALID"),
        tf.nn.conv3d(f64(x), f64(f), [1, 1, 1], "SAME"),
      ]);
      expectArray(valid, [[[[[36]]]]]);
      // SAME pads after: out[d,h,w] sums x over indices >= (d,h,w).
      expect(Array.from(same.data as Float64Array)).toEqual([36, 20, 22, 12, 26, 14, 15, 8]);
    });

    for (const [name, strides, dil, same] of [
      ["VALID, stride 1", [1, 1, 1], [1, 1, 1], false],
      ["SAME, strides 2,1,2", [2, 1, 2], [1, 1, 1], true],
      ["VALID, dilations 1,2,1", [1, 1, 1], [1, 2, 1], false],
      ["SAME, dilations 2,1,1", [1, 1, 1], [2, 1, 1], true],
    ] as const) {
      it(`forward and both backprops match a naive reference: ${name}`, async () => {
        const xs = [2, 4, 5, 3, 2];
        const fs = [2, 3, 2, 2, 3];
        const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
        const r: Conv3Ref = {
          x: randomValues(n(xs), 3),
          xs,
          f: randomValues(n(fs), 5),
          fs,
          strides: [...strides],
          dil: [...dil],
          same,
        };
        const want = refConv3d(r);
        const dy = randomValues(n(want.shape), 7);
        const dxRef = Array<number>(n(xs)).fill(0);
        const dfRef = Array<number>(n(fs)).fill(0);
        refVisit(r, (o, x, f) => {
          dxRef[x] += dy[o] * r.f[f];
          dfRef[f] += dy[o] * r.x[x];
        });
        const opts = { dilations: [...dil] };
        const pad = same ? "SAME" : "VALID";
        const [y, dx, df, dxV1, dfV1] = await run(() => {
          const x = f64(nd(xs, r.x));
          const f = f64(nd(fs, r.f));
          const g = f64(nd(want.shape, dy));
          const attrs = { strides: [1, ...strides, 1], padding: pad, dilations: [1, ...dil, 1] };
          return [
            tf.nn.conv3d(x, f, [...strides], pad, opts),
            op1("Conv3DBackpropInputV2", [i32(xs), f, g], attrs),
            tf.nn.conv3dBackpropFilterV2(x, i32(fs), g, [...strides], pad, opts),
            op1("Conv3DBackpropInput", [x, f, g], attrs),
            op1("Conv3DBackpropFilter", [x, f, g], attrs),
          ];
        });
        expect(y.shape).toEqual(want.shape);
        const close = (a: tf.NDArray, b: number[]) =>
          expect(maxDiff(Array.from(a.data as Float64Array), b)).toBeLessThan(1e-10);
        close(y, want.values);
        close(dx, dxRef);
        close(df, dfRef);
        close(dxV1, dxRef);
        close(dfV1, dfRef);
      });
    }

    it("conv3dTranspose is the input backprop", async () => {
      const [y] = await run(() => [
        tf.nn.conv3dTranspose(
          f64([[[[[1]]]]]),
          f64(nd([2, 2, 2, 1, 1], seq(8))),
          [1, 2, 2, 2, 1],
          1,
          "VALID",
        ),
      ]);
      expect(Array.from(y.data as Float64Array)).toEqual(seq(8));
    });

    it("gradients (strided, dilated)", async () => {
      await checkGradient(
        (x, f) => tf.nn.conv3d(x, f, [1, 2, 1], "SAME", { dilations: [1, 1, 2] }),
        [{ shape: [1, 3, 3, 4, 2] }, { shape: [2, 1, 2, 2, 2] }],
        { backend },
      );
    });

    it("rejects a depth mismatch at run time", async () => {
      const build = () =>
        tf.nn.conv3d(
          tf.placeholder("float64", null, "x"),
          f64(nd([1, 1, 1, 3, 1], [1, 1, 1])),
          1,
          "VALID",
        );
      await expect(
        runGraph(build, {
          backend,
          feeds: { "x:0": nd([1, 1, 1, 1, 2], [1, 2]) },
        }),
      ).rejects.toThrow(/input depth \(2\) must equal the filter's input depth \(3\)/);
    });
  });

  describe("3-D pooling", () => {
    // x[d, h, w] = 1..8 except that 8 and 3 are swapped: the max is at (0, 1, 0).
    const cube = [1, 2, 8, 4, 5, 6, 7, 3];
    it("MaxPool3D and AvgPool3D by hand, VALID and SAME", async () => {
      const x = nd([1, 2, 2, 2, 1], cube);
      const [mv, av, ms, as] = await run(() => [
        tf.nn.maxPool3d(f32(x), 2, 2, "VALID"),
        tf.nn.avgPool3d(f64(x), [2, 2, 2], 1, "VALID"),
        tf.nn.maxPool3d(f32(x), 2, 1, "SAME"),
        tf.nn.avgPool3d(f64(x), 2, 1, "SAME"),
      ]);
      expectArray(mv, [[[[[8]]]]]);
      expectArray(av, [[[[[4.5]]]]]);
      // SAME: out[d,h,w] pools over indices >= (d,h,w), padded taps not counted.
      expect(Array.from(ms.data as Float32Array)).toEqual([8, 6, 8, 4, 7, 6, 7, 3]);
      expect(Array.from(as.data as Float64Array)).toEqual([4.5, 3.75, 5.5, 3.5, 5.25, 4.5, 5, 3]);
    });

    it("MaxPool3DGrad routes to the max; MaxPool3DGradGrad gathers from it; AvgPool3DGrad spreads", async () => {
      const attrs = { ksize: [1, 2, 2, 2, 1], strides: [1, 2, 2, 2, 1], padding: "VALID" };
      const [g, gg, ag] = await run(() => {
        const x = f32(nd([1, 2, 2, 2, 1], cube));
        const y = op1("MaxPool3D", [x], attrs);
        return [
          op1("MaxPool3DGrad", [x, y, f32([[[[[10]]]]])], attrs),
          op1("MaxPool3DGradGrad", [x, y, f32(nd([1, 2, 2, 2, 1], seq(8, 11)))], attrs),
          op1("AvgPool3DGrad", [i32([1, 2, 2, 2, 1]), f64([[[[[8]]]]])], attrs),
        ];
      });
      expect(Array.from(g.data as Float32Array)).toEqual([0, 0, 10, 0, 0, 0, 0, 0]);
      expectArray(gg, [[[[[13]]]]]);
      expect(Array.from(ag.data as Float64Array)).toEqual(Array(8).fill(1));
    });

    it("gradients of AvgPool3D (SAME, float64) and MaxPool3D (float32)", async () => {
      await checkGradient(
        (x) => tf.nn.avgPool3d(x, [2, 2, 1], [1, 2, 1], "SAME"),
        [{ shape: [1, 3, 3, 2, 2] }],
        {
          backend,
        },
      );
      await checkGradient((x) => tf.nn.maxPool3d(x, 2, 1, "VALID"), [{ shape: [1, 3, 2, 3, 1] }], {
        dtype: "float32",
        backend,
      });
    });
  });

  describe("2-D max pooling variants", () => {
    const attrs = { ksize: [1, 2, 2, 1], strides: [1, 1, 1, 1], padding: "VALID" };
    it("MaxPoolV2 takes its window from tensors", async () => {
      const [y] = await run(() => [
        op1("MaxPoolV2", [f64(X3), i32([1, 2, 2, 1]), i32([1, 1, 1, 1])], { padding: "VALID" }),
      ]);
      expectArray(
        y,
        img([
          [5, 6],
          [8, 9],
        ]),
      );
    });

    it("MaxPoolGradV2, MaxPoolGradGrad and MaxPoolGradGradV2", async () => {
      const [g, gg, gg2] = await run(() => {
        const x = f64(X3);
        const y = op1("MaxPool", [x], attrs);
        const k = i32([1, 2, 2, 1]);
        const s = i32([1, 1, 1, 1]);
        const up = f64(
          img([
            [1, 2],
            [3, 4],
          ]),
        );
        const big = f64(
          img([
            [10, 20, 30],
            [40, 50, 60],
            [70, 80, 90],
          ]),
        );
        return [
          op1("MaxPoolGradV2", [x, y, up, k, s], { padding: "VALID" }),
          op1("MaxPoolGradGrad", [x, y, big], attrs),
          op1("MaxPoolGradGradV2", [x, y, big, k, s], { padding: "VALID" }),
        ];
      });
      expectArray(
        g,
        img([
          [0, 0, 0],
          [0, 1, 2],
          [0, 3, 4],
        ]),
      );
      expectArray(
        gg,
        img([
          [50, 60],
          [80, 90],
        ]),
      );
      expectArray(
        gg2,
        img([
          [50, 60],
          [80, 90],
        ]),
      );
    });

    it("MaxPoolWithArgmax: flat indices with and without the batch (TF's doc formula)", async () => {
      const two = [X3[0], X3[0].map((r) => r.map((v) => [10 - v[0]]))];
      const [[y, a], [, ab], [, a32]] = await run(() => [
        tf.nn.maxPoolWithArgmax(f64(two), 2, 1, "VALID"),
        tf.nn.maxPoolWithArgmax(f64(two), 2, 1, "VALID", { includeBatchInIndex: true }),
        tf.nn.maxPoolWithArgmax(f64(two), 2, 1, "VALID", { outputDtype: "int32" }),
      ]);
      expectArray(y, [
        img([
          [5, 6],
          [8, 9],
        ])[0],
        img([
          [9, 8],
          [6, 5],
        ])[0],
      ]);
      expect(a.dtype).toBe("int64");
      expect(Array.from(a.data as BigInt64Array, Number)).toEqual([4, 5, 7, 8, 0, 1, 3, 4]);
      expect(Array.from(ab.data as BigInt64Array, Number)).toEqual([4, 5, 7, 8, 9, 10, 12, 13]);
      expect(a32.dtype).toBe("int32");
      expect(Array.from(a32.data as Int32Array)).toEqual([4, 5, 7, 8, 0, 1, 3, 4]);
    });

    it("MaxPoolGradWithArgmax and MaxPoolGradGradWithArgmax", async () => {
      const pa = { ksize: [1, 2, 2, 1], strides: [1, 1, 1, 1], padding: "VALID" };
      const [g, gg] = await run(() => {
        const x = f64(X3);
        const [, argmax] = opN("MaxPoolWithArgmax", [x], pa);
        return [
          op1(
            "MaxPoolGradWithArgmax",
            [
              x,
              f64(
                img([
                  [1, 2],
                  [3, 4],
                ]),
              ),
              argmax,
            ],
            pa,
          ),
          op1(
            "MaxPoolGradGradWithArgmax",
            [
              x,
              f64(
                img([
                  [10, 20, 30],
                  [40, 50, 60],
                  [70, 80, 90],
                ]),
              ),
              argmax,
            ],
            pa,
          ),
        ];
      });
      expectArray(
        g,
        img([
          [0, 0, 0],
          [0, 1, 2],
          [0, 3, 4],
        ]),
      );
      expectArray(
        gg,
        img([
          [50, 60],
          [80, 90],
        ]),
      );
    });

    it("an argmax out of range is an InvalidArgumentError", async () => {
      const pa = { ksize: [1, 2, 2, 1], strides: [1, 1, 1, 1], padding: "VALID" };
      await expect(
        run(() => [
          op1(
            "MaxPoolGradWithArgmax",
            [
              f64(X3),
              f64(
                img([
                  [1, 1],
                  [1, 1],
                ]),
              ),
              tf.constant(
                [
                  [
                    [[0], [1]],
                    [[2], [99]],
                  ],
                ],
                { dtype: "int64" },
              ),
            ],
            pa,
          ),
        ]),
      ).rejects.toThrow(tf.InvalidArgumentError);
    });
  });

  describe("Dilation2D", () => {
    it("by hand, with its backprops", async () => {
      const attrs = { strides: [1, 1, 1, 1], rates: [1, 1, 1, 1], padding: "VALID" };
      const [y, dx, df] = await run(() => {
        const x = f64(X3);
        const f = f64([
          [[0], [1]],
          [[2], [0]],
        ]);
        const dy = f64(
          img([
            [1, 2],
            [3, 4],
          ]),
        );
        return [
          tf.nn.dilation2d(x, f, 1, 1, "VALID"),
          op1("Dilation2DBackpropInput", [x, f, dy], attrs),
          op1("Dilation2DBackpropFilter", [x, f, dy], attrs),
        ];
      });
      // out[y, x] = max(x[y,x] + 0, x[y,x+1] + 1, x[y+1,x] + 2, x[y+1,x+1] + 0): always the tap below.
      expectArray(
        y,
        img([
          [6, 7],
          [9, 10],
        ]),
      );
      expectArray(
        dx,
        img([
          [0, 0, 0],
          [1, 2, 0],
          [3, 4, 0],
        ]),
      );
      expectArray(df, [
        [[0], [0]],
        [[10], [0]],
      ]);
    });
    it("erosion2d is the dual (hand-worked)", async () => {
      const [y] = await run(() => [
        tf.nn.erosion2d(
          f64(X3),
          f64([
            [[0], [1]],
            [[2], [0]],
          ]),
          1,
          1,
          "VALID",
        ),
      ]);
      // out[y, x] = min(x[y,x] - 0, x[y,x+1] - 2, x[y+1,x] - 1, x[y+1,x+1] - 0) (the kernel mirrored).
      expectArray(
        y,
        img([
          [0, 1],
          [3, 4],
        ]),
      );
    });
    it("gradient (SAME, rate 2)", async () => {
      await checkGradient(
        (x, f) => tf.nn.dilation2d(x, f, 1, 2, "SAME"),
        [{ shape: [1, 4, 4, 2] }, { shape: [2, 2, 2] }],
        {
          backend,
        },
      );
    });
  });

  describe("fused batch norm", () => {
    // x [2, 1, 1, 2]: channel 0 holds [1, 3], channel 1 [2, 6]; mean [2, 4], variance [1, 4]
    // (biased) or [2, 8] (unbiased).
    const x = [[[[1, 2]]], [[[3, 6]]]];
    it("training (NHWC and NCHW) and inference, V1/V2/V3", async () => {
      const train = { epsilon: 0, is_training: true, data_format: "NHWC" };
      type Outs = [
        tf.NDArray[],
        tf.NDArray[],
        tf.NDArray[],
        tf.NDArray[],
        tf.NDArray[],
        tf.NDArray,
      ];
      const [v1, v2, v3, [y, m, v], inf, nchw] = (await run<(tf.Tensor | readonly tf.Tensor[])[]>(
        () => {
          const empty = f32(new tf.NDArray("float32", [0]));
          const args = [f32(x), f32([1, 2]), f32([0, 1]), empty, empty];
          return [
            opN("FusedBatchNorm", args, train),
            opN("FusedBatchNormV2", args, train),
            opN("FusedBatchNormV3", args, train),
            tf.nn.fusedBatchNorm(f32(x), f32([1, 2]), f32([0, 1]), { epsilon: 0 }),
            tf.nn.fusedBatchNorm(f32(x), f32([1, 1]), f32([0, 0]), {
              mean: f32([0, 1]),
              variance: f32([4, 1]),
              isTraining: false,
              epsilon: 0,
            }),
            tf.nn.fusedBatchNorm(
              f32([
                [[[1]], [[2]]],
                [[[3]], [[6]]],
              ]),
              f32([1, 2]),
              f32([0, 1]),
              { dataFormat: "NCHW", epsilon: 0 },
            )[0],
          ];
        },
      )) as unknown as Outs;
      for (const outs of [v1, v2, v3]) {
        expectArray(outs[0], [[[[-1, -1]]], [[[1, 3]]]]);
        expectArray(outs[1], [2, 4]);
        expectArray(outs[2], [2, 8]);
        expectArray(outs[3], [2, 4]);
        expectArray(outs[4], [1, 4]);
      }
      expect(v3.length).toBe(6);
      expect(v3[5].shape).toEqual([]);
      expectArray(y, [[[[-1, -1]]], [[[1, 3]]]], { tol: 1e-4 });
      expectArray(m, [2, 4]);
      expectArray(v, [2, 8]);
      expectArray(inf[0], [[[[0.5, 1]]], [[[1.5, 5]]]], { tol: 1e-4 });
      expectArray(inf[1], [0, 1]);
      expectArray(inf[2], [4, 1]);
      expectArray(
        nchw,
        [
          [[[-1]], [[-1]]],
          [[[1]], [[3]]],
        ],
        { tol: 1e-4 },
      );
    });

    it("FusedBatchNormGrad by hand (inference) and training sums", async () => {
      const [inf, train] = await run(() => {
        const dy = f32([[[[1, 2]]], [[[3, 4]]]]);
        return [
          opN("FusedBatchNormGradV3", [dy, f32(x), f32([2, 3]), f32([1, 2]), f32([4, 9]), f32(0)], {
            epsilon: 0,
            is_training: false,
          }),
          opN("FusedBatchNormGrad", [dy, f32(x), f32([1, 2]), f32([2, 4]), f32([1, 4])], {
            epsilon: 0,
          }),
        ];
      });
      // Inference: dx = dy * scale / sqrt(var); dscale = sum(dy * (x - mean)) / sqrt(var).
      expectArray(
        inf[0],
        [[[[1, 2]]], [[[3, 4]]]].map((a) => a.map((b) => b.map((c) => [c[0] * 1, c[1] * 1]))),
      ); // scale/sqrt(var) = [1, 1]
      expectArray(inf[1], [(1 * 0 + 3 * 2) / 2, (2 * 0 + 4 * 4) / 3]);
      expectArray(inf[2], [4, 6]);
      expect(inf[3].shape).toEqual([2]);
      // Training: x - mean = [-1, 1] and [-2, 2]; sum(dy (x - mean)) = [2, 4]; dscale = [2, 2].
      // dx = scale / std * (dy - mean(dy) - (x - mean) * mean(dy (x - mean)) / var)
      //    ch0: 1 * ([1, 3] - 2 - [-1, 1] * 1) = [0, 0]; ch1: 2/2 * ([2, 4] - 3 - [-2, 2] * 2 / 4) = [0, 0].
      expectArray(train[0], [[[[0, 0]]], [[[0, 0]]]]);
      expectArray(train[1], [2, 2]);
      expectArray(train[2], [4, 6]);
      expect(train[3].shape).toEqual([0]);
    });

    it("first-order gradients (training and inference, NHWC and NCHW)", async () => {
      for (const [training, format] of [
        [true, "NHWC"],
        [false, "NHWC"],
        [true, "NCHW"],
      ] as const) {
        await checkGradient(
          (xx, s, o) =>
            tf.nn.fusedBatchNorm(xx, s, o, {
              mean: training ? undefined : f32([0.1, -0.2]),
              variance: training ? undefined : f32([0.5, 2]),
              isTraining: training,
              dataFormat: format,
            })[0],
          [
            { shape: format === "NHWC" ? [2, 2, 1, 2] : [2, 2, 2, 1] },
            { shape: [2] },
            { shape: [2] },
          ],
          { dtype: "float32", backend },
        );
      }
    });

    it("second order: the gradient of FusedBatchNormGrad (training, inference; NHWC, NCHW)", async () => {
      for (const [training, format] of [
        [true, "NHWC"],
        [false, "NHWC"],
        [true, "NCHW"],
        [false, "NCHW"],
      ] as const) {
        const attrs = { epsilon: 0.01, is_training: training, data_format: format };
        await checkGradient(
          (dy, xx, s) => {
            // In training the Grad op takes the batch moments of x (from the forward op).
            const fwd = opN(
              "FusedBatchNormV2",
              [xx, s, f32([0, 0]), f32([0.1, -0.2]), f32([0.5, 2])],
              attrs,
            );
            const [m, v] = training ? [fwd[3], fwd[4]] : [f32([0.1, -0.2]), f32([0.5, 2])];
            const g = opN("FusedBatchNormGradV2", [dy, xx, s, m, v], attrs);
            // All three gradients, flattened: the checker weighs each element randomly.
            return tf.concat([tf.reshape(g[0], [-1]), g[1], g[2]], 0);
          },
          [
            { shape: [2, 2, 2, 2] },
            { shape: [2, 2, 2, 2], values: randomValues(16, 8) },
            { shape: [2], values: [0.7, 1.3] },
          ],
          { dtype: "float32", backend },
        );
      }
    });
  });

  it("BatchNormWithGlobalNormalization and its gradient", async () => {
    const args = () => [f64([[[[3, 5]]]]), f64([1, 1]), f64([4, 16]), f64([0, 1]), f64([2, 3])];
    const [a, b] = await run(() => [
      tf.nn.batchNormWithGlobalNormalization(
        ...(args() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]),
        0,
        true,
      ),
      tf.nn.batchNormWithGlobalNormalization(
        ...(args() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]),
        0,
        false,
      ),
    ]);
    // (3 - 1) / 2 * 2 + 0 = 2; (5 - 1) / 4 * 3 + 1 = 4; without gamma: 1 and 2.
    expectArray(a, [[[[2, 4]]]]);
    expectArray(b, [[[[1, 2]]]]);
    for (const scaleAfter of [true, false]) {
      await checkGradient(
        (t, m, v, beta, gamma) =>
          tf.nn.batchNormWithGlobalNormalization(t, m, v, beta, gamma, 0.01, scaleAfter),
        [
          { shape: [2, 2, 1, 3] },
          { shape: [3] },
          { shape: [3], values: [0.5, 1, 2] },
          { shape: [3] },
          { shape: [3] },
        ],
        { backend },
      );
    }
  });

  it("BatchNormWithGlobalNormalizationGrad by hand", async () => {
    // t = [3, 5], m = [1, 1], v = [4, 16] (r = 1/sqrt(v) = [1/2, 1/4]), gamma = [2, 3], backprop 1.
    const [dx, dm, dv, db, dg] = await run(() =>
      opN(
        "BatchNormWithGlobalNormalizationGrad",
        [f64([[[[3, 5]]]]), f64([1, 1]), f64([4, 16]), f64([2, 3]), f64([[[[1, 1]]]])],
        {
          variance_epsilon: 0,
          scale_after_normalization: true,
        },
      ),
    );
    expectArray(dx, [[[[1, 0.75]]]]); // backprop * r * gamma
    expectArray(dm, [-1, -0.75]);
    expectArray(dv, [-0.25, -0.09375]); // -1/2 * backprop * (t - m) * gamma * r^3
    expectArray(db, [1, 1]);
    expectArray(dg, [1, 1]); // backprop * (t - m) * r
  });

  it("BiasAddV1", async () => {
    const [y] = await run(() => [
      tf.nn.biasAddV1(
        f64([
          [1, 2],
          [3, 4],
        ]),
        f64([10, 20]),
      ),
    ]);
    expectArray(y, [
      [11, 22],
      [13, 24],
    ]);
  });

  describe("composed convolutions and pooling", () => {
    it("conv1d, convolution (rank 3, 4, 5) and atrousConv2d", async () => {
      const [c1, c1d, conv2, conv3, atrous] = await run(() => [
        tf.nn.conv1d(f64([[[1], [2], [3], [4]]]), f64([[[1]], [[1]]]), 1, "VALID"),
        tf.nn.convolution(f64([[[1], [2], [3], [4], [5]]]), f64([[[1]], [[10]]]), "VALID", {
          dilationRate: 2,
        }),
        tf.nn.convolution(
          f64(X3),
          f64([
            [[[1]], [[1]]],
            [[[1]], [[1]]],
          ]),
          "VALID",
          { dilationRate: 2 },
        ),
        tf.nn.convolution(
          f64(nd([1, 2, 2, 2, 1], seq(8))),
          f64(nd([2, 2, 2, 1, 1], Array(8).fill(1))),
          "VALID",
        ),
        tf.nn.atrousConv2d(
          f64(X3),
          f64([
            [[[1]], [[1]]],
            [[[1]], [[1]]],
          ]),
          2,
          "VALID",
        ),
      ]);
      expectArray(c1, [[[3], [5], [7]]]);
      // dilation 2: x[i] + 10 x[i + 2].
      expectArray(c1d, [[[31], [42], [53]]]);
      expectArray(conv2, [[[[20]]]]); // 1 + 3 + 7 + 9
      expectArray(conv3, [[[[[36]]]]]);
      expectArray(atrous, [[[[20]]]]);
    });

    it("separableConv2d is depthwise then pointwise", async () => {
      const x = nd([1, 3, 3, 2], randomValues(18, 1));
      const dw = nd([2, 2, 2, 2], randomValues(16, 2));
      const pw = nd([1, 1, 4, 3], randomValues(12, 3));
      const [a, b] = await run(() => [
        tf.nn.separableConv2d(f64(x), f64(dw), f64(pw), 1, "SAME"),
        tf.nn.conv2d(tf.nn.depthwiseConv2d(f64(x), f64(dw), 1, "SAME"), f64(pw), {
          padding: "VALID",
        }),
      ]);
      expectArray(a, b.toArray(), { tol: 1e-12 });
      expect(() =>
        tf.nn.separableConv2d(f64(x), f64(dw), f64(nd([1, 1, 3, 1], [1, 1, 1])), 1, "SAME"),
      ).toThrow(tf.ValueError);
    });

    it("pool: 1-D, 2-D and 3-D, MAX and AVG", async () => {
      const [m1, a1, m2, a3] = await run(() => [
        tf.nn.pool(f64([[[1], [3], [2], [5]]]), [2], "MAX", "VALID", { strides: [2] }),
        tf.nn.pool(f64([[[1], [3], [2], [5]]]), [2], "AVG", "VALID", { strides: [2] }),
        tf.nn.pool(f64(X3), [2, 2], "MAX", "VALID"),
        tf.nn.pool(f64(nd([1, 2, 2, 2, 1], seq(8))), [2, 2, 2], "AVG", "VALID"),
      ]);
      expectArray(m1, [[[3], [5]]]);
      expectArray(a1, [[[2], [3.5]]]);
      expectArray(
        m2,
        img([
          [5, 6],
          [8, 9],
        ]),
      );
      expectArray(a3, [[[[[4.5]]]]]);
      expect(() =>
        tf.nn.pool(f64(X3), [2, 2], "MAX", "VALID", { dilationRate: 2, strides: 2 }),
      ).toThrow(tf.ValueError);
    });

    it("gradients of the composed builders", async () => {
      await checkGradient((x) => tf.nn.l2Normalize(x, 1), [{ shape: [2, 3] }], { backend });
      await checkGradient(
        (x, f) => tf.nn.conv1d(x, f, 2, "SAME", { dilations: 1 }),
        [{ shape: [1, 5, 2] }, { shape: [2, 2, 3] }],
        {
          backend,
        },
      );
      await checkGradient(
        (x, dw, pw) => tf.nn.separableConv2d(x, dw, pw, 1, "VALID", { rate: 2 }),
        [{ shape: [1, 4, 4, 2] }, { shape: [2, 2, 2, 1] }, { shape: [1, 1, 2, 2] }],
        { backend },
      );
      await checkGradient(
        (x) => tf.nn.pool(x, [2, 2], "AVG", "SAME", { dilationRate: 2 }),
        [{ shape: [1, 4, 3, 1] }],
        {
          backend,
        },
      );
    });

    it("pool with dilation (space to batch, as TF)", async () => {
      const x1 = () => f64([[[1], [3], [2], [5], [4]]]);
      const [v1, s1, v2, a2, s2] = await run(() => [
        tf.nn.pool(x1(), [2], "MAX", "VALID", { dilationRate: 2 }),
        tf.nn.pool(x1(), [2], "MAX", "SAME", { dilationRate: [2] }),
        tf.nn.pool(f64(X3), [2, 2], "MAX", "VALID", { dilationRate: 2 }),
        tf.nn.pool(f64(X3), [2, 2], "AVG", "VALID", { dilationRate: 2 }),
        tf.nn.pool(f64(X3), [2, 2], "AVG", "SAME", { dilationRate: [1, 2] }),
      ]);
      // VALID: windows (x0, x2), (x1, x3), (x2, x4).
      expectArray(v1, [[[2], [5], [4]]]);
      // SAME: one zero padded on each side: (0, 3), (1, 2), (3, 5), (2, 4), (5, 0).
      expectArray(s1, [[[3], [2], [5], [4], [5]]]);
      expectArray(v2, img([[9]]));
      expectArray(a2, img([[5]]));
      // Rows: window 2, rate 1 (pad 1 after); columns: window 2, rate 2 (pad 1 each side), zeros
      // counted: row 0 averages x[0..1][c-1], x[0..1][c+1].
      expectArray(
        s2,
        img([
          [(0 + 0 + 2 + 5) / 4, (1 + 4 + 3 + 6) / 4, (2 + 5 + 0 + 0) / 4],
          [(0 + 0 + 5 + 8) / 4, (4 + 7 + 6 + 9) / 4, (5 + 8 + 0 + 0) / 4],
          [(0 + 0 + 8 + 0) / 4, (7 + 0 + 9 + 0) / 4, (8 + 0 + 0 + 0) / 4],
        ]),
      );
    });
  });

  describe("fractional pooling", () => {
    const x44 = nd([1, 4, 4, 1], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]);
    it("ratio 2 has regions of exactly 2: max_pool and avg_pool 2x2 (hand-worked)", async () => {
      const [[m, rows, cols], [a], [mo], [ao]] = await run(() => [
        tf.nn.fractionalMaxPool(f64(x44), 2),
        tf.nn.fractionalAvgPool(f64(x44), [1, 2, 2, 1]),
        tf.nn.fractionalMaxPool(f64(x44), 2, { overlapping: true }),
        tf.nn.fractionalAvgPool(f64(x44), 2, { overlapping: true }),
      ]);
      expectArray(
        m,
        img([
          [9, 6],
          [9, 9],
        ]),
      );
      expect(Array.from(rows.data as BigInt64Array, Number)).toEqual([0, 2, 4]);
      expect(Array.from(cols.data as BigInt64Array, Number)).toEqual([0, 2, 4]);
      expectArray(
        a,
        img([
          [4.5, 3.25],
          [6, 6.25],
        ]),
      );
      // Overlapping: rows/cols [0, 2] and [2, 3] (the boundary is shared).
      expectArray(
        mo,
        img([
          [9, 8],
          [9, 9],
        ]),
      );
      expectArray(
        ao,
        img([
          [37 / 9, 26 / 6],
          [38 / 6, 25 / 4],
        ]),
      );
    });

    it("random and pseudo-random sequences: boundaries, lengths, and the pooled values", async () => {
      const values = randomValues(5 * 7 * 2, 9);
      for (const pseudoRandom of [false, true]) {
        const [[y, rows, cols]] = await run(() => [
          tf.nn.fractionalMaxPool(f64(nd([1, 5, 7, 2], values)), [1.44, 1.73], { pseudoRandom }),
        ]);
        const r = Array.from(rows.data as BigInt64Array, Number);
        const c = Array.from(cols.data as BigInt64Array, Number);
        expect(y.shape).toEqual([1, 3, 4, 2]);
        expect(r[0]).toBe(0);
        expect(r[3]).toBe(5);
        expect(c[0]).toBe(0);
        expect(c[4]).toBe(7);
        for (const [seq, lo, hi] of [
          [r, 1, 2],
          [c, 1, 2],
        ] as const)
          for (let i = 1; i < seq.length; i++) {
            expect(seq[i] - seq[i - 1]).toBeGreaterThanOrEqual(lo);
            expect(seq[i] - seq[i - 1]).toBeLessThanOrEqual(hi + (pseudoRandom ? 1 : 0));
          }
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 4; j++)
            for (let ch = 0; ch < 2; ch++) {
              let best = Number.NEGATIVE_INFINITY;
              for (let a = r[i]; a < r[i + 1]; a++)
                for (let b = c[j]; b < c[j + 1]; b++)
                  best = Math.max(best, values[(a * 7 + b) * 2 + ch]);
              expect((y.data as Float64Array)[(i * 4 + j) * 2 + ch]).toBe(best);
            }
      }
    });

    it("deterministic with seeds gives the same regions every run; seeds need deterministic", async () => {
      const build = () =>
        tf.nn.fractionalMaxPool(f64(nd([1, 9, 9, 1], seq(81))), 1.5, {
          deterministic: true,
          seed: 3,
          seed2: 4,
        })[1];
      const [a] = await run(() => [build()]);
      const [b] = await run(() => [build()]);
      expect(Array.from(a.data as BigInt64Array)).toEqual(Array.from(b.data as BigInt64Array));
      await expect(
        run(() => [tf.nn.fractionalAvgPool(f64(x44), 1.5, { seed: 1 })[0]]),
      ).rejects.toThrow(/deterministic is false/);
    });

    it("Grad ops by hand, from given sequences", async () => {
      const [gm, ga] = await run(() => {
        const rows = tf.constant([0, 1, 4], { dtype: "int64" });
        const cols = tf.constant([0, 3, 4], { dtype: "int64" });
        const x = f64(x44);
        const dy = f64(
          img([
            [1, 2],
            [3, 4],
          ]),
        );
        return [
          op1("FractionalMaxPoolGrad", [
            x,
            f64(
              img([
                [4, 1],
                [9, 8],
              ]),
            ),
            dy,
            rows,
            cols,
          ]),
          op1("FractionalAvgPoolGrad", [
            tf.constant([1, 4, 4, 1], { dtype: "int64" }),
            dy,
            rows,
            cols,
          ]),
        ];
      });
      // Regions: rows {0}, {1,2,3}; cols {0,1,2}, {3}. Maxima: 4 at (0,2), 1 at (0,3), 9 at (1,1), 8 at (2,3).
      expectArray(
        gm,
        img([
          [0, 0, 1, 2],
          [0, 3, 0, 0],
          [0, 0, 0, 4],
          [0, 0, 0, 0],
        ]),
      );
      expectArray(
        ga,
        img([
          [1 / 3, 1 / 3, 1 / 3, 2],
          [1 / 3, 1 / 3, 1 / 3, 4 / 3],
          [1 / 3, 1 / 3, 1 / 3, 4 / 3],
          [1 / 3, 1 / 3, 1 / 3, 4 / 3],
        ]),
      );
    });

    it("gradients (deterministic regions)", async () => {
      const o = { deterministic: true, seed: 5, seed2: 6, overlapping: true };
      await checkGradient(
        (x) => tf.nn.fractionalAvgPool(x, [1.4, 1.7], o)[0],
        [{ shape: [1, 5, 6, 2] }],
        {
          backend,
        },
      );
      await checkGradient(
        (x) => tf.nn.fractionalMaxPool(x, [1.4, 1.7], o)[0],
        [{ shape: [1, 5, 6, 2], values: randomValues(60, 11) }],
        { backend },
      );
    });
  });

  describe("CTCLoss", () => {
    const i64 = (v: tf.NestedArray) => tf.constant(v, { dtype: "int64" });
    /** Labels of one batch entry as sparse indices/values. */
    const one = (values: number[]) => ({
      indices: i64(values.map((_, t) => [0, t])),
      values: i32(values),
    });
    const zeros = (t: number, c: number) => f64(nd([t, 1, c], Array(t * c).fill(0)));
    it("hand-worked losses (uniform softmax, blank = last class)", async () => {
      const [a, b, c, d, e, f] = await run(() => [
        // T = 1, label [0]: p = 1/2.
        tf.nn.ctcLoss(one([0]), zeros(1, 2), i32([1])),
        // T = 2, label [0]: paths 00, 0-, -0: p = 3/4.
        tf.nn.ctcLoss(one([0]), zeros(2, 2), i32([2])),
        // Without merging repeats, 00 decodes to "00": p = 2/4.
        tf.nn.ctcLoss(one([0]), zeros(2, 2), i32([2]), { ctcMergeRepeated: false }),
        // T = 3, label [0, 0]: only 0-0: p = 1/8.
        tf.nn.ctcLoss(one([0, 0]), zeros(3, 2), i32([3])),
        // Collapsing the label [0, 0] to [0] first: T = 2, p = 3/4.
        tf.nn.ctcLoss(one([0, 0]), zeros(2, 2), i32([2]), { preprocessCollapseRepeated: true }),
        // Label [0, 0] needs 3 steps: ignored (loss 0) with the flag.
        tf.nn.ctcLoss(one([0, 0]), zeros(2, 2), i32([2]), { ignoreLongerOutputsThanInputs: true }),
      ]);
      expectArray(a, [Math.LN2]);
      expectArray(b, [-Math.log(0.75)]);
      expectArray(c, [Math.LN2]);
      expectArray(d, [3 * Math.LN2]);
      expectArray(e, [-Math.log(0.75)]);
      expectArray(f, [0]);
    });

    it("its gradient output (hand-worked) and errors", async () => {
      const [[, g]] = await run(() => [
        opN("CTCLoss", [zeros(2, 2), i64([[0, 0]]), i32([0]), i32([2])]),
      ]);
      // softmax - occupancy: class 0 holds 2 of the 3 paths at each step (2/3), the blank 1/3.
      expectArray(g, [[[-1 / 6, 1 / 6]], [[-1 / 6, 1 / 6]]]);
      await expect(run(() => [tf.nn.ctcLoss(one([0, 0]), zeros(2, 2), i32([2]))])).rejects.toThrow(
        /Not enough time for target transition sequence \(required: 3, available: 2\)/,
      );
      await expect(
        run(() => [
          tf.nn.ctcLoss({ indices: i64([[1, 0]]), values: i32([0]) }, zeros(2, 2), i32([2])),
        ]),
      ).rejects.toThrow(/batch index/);
    });

    it("CTCGreedyDecoder: best path, blanks dropped, repeats merged or not", async () => {
      // [time 4, batch 2, classes 3] (blank = 2): batch 0 picks 0, 0, 2, 1; batch 1 (length 2) 1, 2.
      const pick = [
        [0, 1],
        [0, 2],
        [2, 0],
        [1, 0],
      ];
      const top = [
        [0.5, 0.9],
        [0.6, 0.8],
        [0.7, 0.1],
        [0.4, 0.2],
      ];
      const x = pick.map((row, t) =>
        row.map((k, b) => [0, 1, 2].map((c) => (c === k ? top[t][b] : 0))),
      );
      const [[[merged], lp], [[plain]]] = await run(() => [
        tf.nn.ctcGreedyDecoder(f64(x), i32([4, 2])),
        tf.nn.ctcGreedyDecoder(f64(x), i32([4, 2]), false),
      ]);
      const ints = (t: tf.NDArray) => Array.from(t.data as BigInt64Array, Number);
      expect(ints(merged.indices)).toEqual([0, 0, 0, 1, 1, 0]);
      expect(ints(merged.values)).toEqual([0, 1, 1]);
      expect(ints(merged.denseShape)).toEqual([2, 2]);
      expect(ints(plain.values)).toEqual([0, 0, 1, 1]);
      expect(ints(plain.denseShape)).toEqual([2, 3]);
      expectArray(lp, [[-(0.5 + 0.6 + 0.7 + 0.4)], [-(0.9 + 0.8)]]);
    });

    it("CTCBeamSearchDecoder finds the most likely labelling (not the best path)", async () => {
      // Two steps of p(a) = 0.4, p(blank) = 0.6: the best path is blank-blank (""), p = 0.36, but
      // "a" has p = 0.4 * 0.4 + 0.4 * 0.6 + 0.6 * 0.4 = 0.64 (paths aa, a-, -a).
      const x = () => f64([[[Math.log(0.4), Math.log(0.6)]], [[Math.log(0.4), Math.log(0.6)]]]);
      const [[paths, lp], [[greedy]]] = await run(() => [
        tf.nn.ctcBeamSearchDecoder(x(), i32([2]), 2, 2),
        tf.nn.ctcGreedyDecoder(x(), i32([2])),
      ]);
      const ints = (t: tf.NDArray) => Array.from(t.data as BigInt64Array, Number);
      expect(ints(paths[0].values)).toEqual([0]);
      expect(ints(paths[0].denseShape)).toEqual([1, 1]);
      expect(ints(paths[1].values)).toEqual([]);
      expect(ints(paths[1].denseShape)).toEqual([1, 0]);
      expectArray(lp, [[Math.log(0.64), Math.log(0.36)]]);
      expect(ints(greedy.values)).toEqual([]);
    });

    it("CTCBeamSearchDecoder: repeats need a blank; merge_repeated merges them in the output", async () => {
      // Three steps, classes a, b, blank: a, blank, a are each very likely: the best labelling is "aa".
      const step = (k: number) => [0, 1, 2].map((c) => (c === k ? 5 : 0));
      const x = () => f64([[step(0)], [step(2)], [step(0)]]);
      const [[[merged]], [[plain], lp]] = await run(() => [
        tf.nn.ctcBeamSearchDecoder(x(), i32([3]), 4, 1),
        tf.nn.ctcBeamSearchDecoder(x(), i32([3]), 4, 1, false),
      ]);
      const ints = (t: tf.NDArray) => Array.from(t.data as BigInt64Array, Number);
      expect(ints(plain.values)).toEqual([0, 0]);
      expect(ints(merged.values)).toEqual([0]);
      expect((lp.data as Float64Array)[0]).toBeLessThan(0);
      await expect(run(() => [tf.nn.ctcBeamSearchDecoder(x(), i32([3]), 1, 2)[1]])).rejects.toThrow(
        /top_paths/,
      );
    });

    it("gradient: batch of 2 with different lengths, batch-major inputs", async () => {
      const labels = () => ({
        indices: i64([
          [0, 0],
          [0, 1],
          [1, 0],
        ]),
        values: i32([1, 0, 2]),
      });
      await checkGradient(
        (x) => tf.nn.ctcLoss(labels(), x, i32([4, 3]), { timeMajor: false }),
        [{ shape: [2, 4, 4] }],
        { backend },
      );
    });
  });

  it("sparseSoftmaxCrossEntropyWithLogits on rank-3 logits equals the rank-2 result", async () => {
    const logits = nd([2, 2, 3], randomValues(12, 4));
    const labels = [
      [0, 2],
      [1, 1],
    ];
    const [a, b] = await run(() => [
      tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: i32(labels), logits: f64(logits) }),
      tf.nn.sparseSoftmaxCrossEntropyWithLogits({
        labels: i32(labels.flat()),
        logits: tf.reshape(f64(logits), [4, 3]),
      }),
    ]);
    expect(a.shape).toEqual([2, 2]);
    expectArray(a, [
      Array.from(b.data as Float64Array).slice(0, 2),
      Array.from(b.data as Float64Array).slice(2),
    ]);
    await checkGradient(
      (l) => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: i32(labels), logits: l }),
      [{ shape: [2, 2, 3] }],
      { backend },
    );
  });
});

describe.each(BACKENDS)("tf.layers.batchNormalization({ fused: true }) on %s", (backend) => {
  it("trains with FusedBatchNormV3, updating the moving variance with the unbiased one", async () => {
    const g = new tf.Graph();
    const { y, yDyn, layer, dGamma } = g.asDefault(() => {
      // x [2, 1, 1, 2]: batch mean [2, 4], variance [1, 4] (biased) and [2, 8] (unbiased).
      const x = f32([[[[1, 2]]], [[[3, 6]]]]);
      const layer = new tf.layers.BatchNormalization({ momentum: 0.9, epsilon: 0, fused: true });
      const y = layer.apply(x, { training: true });
      const t = tf.placeholderWithDefault(false, [], "training");
      const yDyn = layer.apply(x, { training: t });
      const [dGamma] = tf.gradients(tf.reduceSum(tf.mul(y, f32([1, 2]))), [layer.gamma!.value()]);
      return { y, yDyn, layer, dGamma };
    });
    expect(g.operations.some((o) => o.type === "FusedBatchNormV3")).toBe(true);
    const sess = new tf.Session({ graph: g, backend });
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    expectArray(await sess.run(y), [[[[-1, -1]]], [[[1, 1]]]], { tol: 1e-4 });
    // d/dgamma of sum(w * x_hat): x_hat sums to 0 per channel.
    expectArray(await sess.run(dGamma!), [0, 0], { tol: 1e-4 });
    const updates = g.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS);
    expect(updates).toHaveLength(4);
    await sess.run(updates.slice(0, 2));
    const [mm, mv] = await sess.run([layer.movingMean!.value(), layer.movingVariance!.value()]);
    expectArray(mm, [0.2, 0.4]);
    expectArray(mv, [1.1, 1.7]);
    // With the training tensor false: the moving averages, and no update.
    const [inf] = await sess.run([yDyn, ...updates.slice(2)]);
    expectArray(
      inf,
      [
        [[[(1 - 0.2) / Math.sqrt(1.1), (2 - 0.4) / Math.sqrt(1.7)]]],
        [[[(3 - 0.2) / Math.sqrt(1.1), (6 - 0.4) / Math.sqrt(1.7)]]],
      ],
      { tol: 1e-4 },
    );
    expectArray(await sess.run(layer.movingMean!.value()), [0.2, 0.4]);
    expect(() =>
      g.asDefault(() => tf.layers.batchNormalization(f32([[1, 2]]), { fused: true, name: "bad" })),
    ).toThrow(/4-D input/);
  });
});

describe("nn_extra run-time errors name the op and the shapes", () => {
  const x = (shape: number[]) => f64(nd(shape, Array(shape.reduce((a, b) => a * b, 1)).fill(1)));
  const cases: [string, () => tf.Tensor, RegExp][] = [
    [
      "Conv3DBackpropInputV2 with out_backprop of the wrong shape",
      () =>
        op1(
          "Conv3DBackpropInputV2",
          [
            i32([1, 3, 3, 3, 1]),
            x([2, 2, 2, 1, 1]),
            tf.placeholderWithDefault(x([1, 3, 3, 3, 1]), null),
          ],
          {
            strides: [1, 1, 1, 1, 1],
            padding: "VALID",
          },
        ),
      /Conv3DBackpropInputV2: out_backprop has shape \[1,3,3,3,1\], but the computed shape is \[1,2,2,2,1\]/,
    ],
    [
      "MaxPoolGradV2 with a grad of the wrong shape",
      () =>
        op1(
          "MaxPoolGradV2",
          [
            x([1, 3, 3, 1]),
            x([1, 2, 2, 1]),
            tf.placeholderWithDefault(x([1, 3, 3, 1]), null),
            i32([1, 2, 2, 1]),
            i32([1, 1, 1, 1]),
          ],
          { padding: "VALID" },
        ),
      /MaxPoolGradV2: grad has shape \[1,3,3,1\], but the computed shape is \[1,2,2,1\]/,
    ],
    [
      "FusedBatchNorm with a scale of the wrong length",
      () =>
        opN("FusedBatchNorm", [
          tf.cast(x([1, 2, 2, 3]), "float32"),
          tf.placeholderWithDefault(f32([1, 1]), null),
          f32([0, 0, 0]),
          f32([]),
          f32([]),
        ])[0],
      /FusedBatchNorm: scale must be a 1-D tensor of 3 elements \(the channel count\), got \[2\]/,
    ],
    [
      "Dilation2D with a filter of the wrong depth",
      () =>
        op1("Dilation2D", [x([1, 3, 3, 2]), tf.placeholderWithDefault(x([2, 2, 3]), null)], {
          strides: [1, 1, 1, 1],
          rates: [1, 1, 1, 1],
          padding: "VALID",
        }),
      /Dilation2D: input depth \(2\) must equal the filter depth \(3\)/,
    ],
  ];
  for (const [what, build, message] of cases) {
    it(what, async () => {
      await expect(runGraph(build)).rejects.toThrow(message);
      await expect(runGraph(build)).rejects.toThrow(tf.InvalidArgumentError);
    });
  }

  it("sparseSoftmaxCrossEntropyWithLogits: unknown class count, and a rank mismatch", async () => {
    const [loss] = await runGraph(() => {
      const logits = tf.placeholderWithDefault(f64(nd([1, 2, 2], [0, 0, 1, 1])), [null, 2, null]);
      return [tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: i32([[0, 1]]), logits })];
    });
    expectArray(loss, [[Math.LN2, Math.LN2]]);
    expect(() =>
      tf.nn.sparseSoftmaxCrossEntropyWithLogits({
        labels: i32([0, 1]),
        logits: f64(nd([1, 2, 2], [0, 0, 1, 1])),
      }),
    ).toThrow(/Rank mismatch/);
  });
});

describe("nn_extra shape functions", () => {
  const c3 = (strides: number[], padding: string) => ({ strides: [1, ...strides, 1], padding });
  it("Conv3D and its backprops", () => {
    inferOk("Conv3D", "[2,5,6,7,3];[2,3,3,3,8]", "[2,4,4,5,8]", c3([1, 1, 1], "VALID"));
    inferOk("Conv3D", "[?,5,6,7,3];[2,3,3,3,8]", "[?,3,3,4,8]", c3([2, 2, 2], "SAME"));
    inferOk("Conv3D", "[1,5,?,7,3];[2,3,3,3,8]", "[1,5,?,7,8]", c3([1, 1, 1], "SAME"));
    inferErr("Conv3D", "[1,5,6,7,3];[2,3,3,4,8]", /Depth of input/, c3([1, 1, 1], "VALID"));
    inferErr("Conv3D", "[1,5,6,7];[2,3,3,3,8]", /rank 5/, c3([1, 1, 1], "VALID"));
    inferOk(
      "Conv3DBackpropInputV2",
      "[5];[2,3,3,3,8];[1,4,4,5,8]",
      "[1,5,6,7,3]",
      c3([1, 1, 1], "VALID"),
      {
        dtypes: ["int32", "float32", "float32"],
        constInputs: { 0: new tf.NDArray("int32", [5], Int32Array.from([1, 5, 6, 7, 3])) },
      },
    );
    inferOk(
      "Conv3DBackpropFilterV2",
      "[1,5,6,7,3];[5];[1,4,4,5,8]",
      "[2,3,3,3,8]",
      c3([1, 1, 1], "VALID"),
      {
        dtypes: ["float32", "int32", "float32"],
        constInputs: { 1: new tf.NDArray("int32", [5], Int32Array.from([2, 3, 3, 3, 8])) },
      },
    );
    inferOk(
      "Conv3DBackpropInput",
      "[1,5,6,7,3];[2,3,3,3,8];[1,4,4,5,8]",
      "[1,5,6,7,3]",
      c3([1, 1, 1], "VALID"),
    );
    inferErr(
      "Conv3DBackpropInput",
      "[1,5,6,7,3];[2,3,3,3,8];[1,4,4,4,8]",
      /out_backprop/,
      c3([1, 1, 1], "VALID"),
    );
  });

  it("3-D pooling", () => {
    const p = { ksize: [1, 2, 2, 2, 1], strides: [1, 2, 2, 2, 1], padding: "VALID" };
    inferOk("MaxPool3D", "[1,4,5,6,3]", "[1,2,2,3,3]", p);
    inferOk("AvgPool3D", "[?,4,5,6,3]", "[?,2,2,3,3]", p);
    inferOk("MaxPool3DGrad", "[1,4,5,6,3];[1,2,2,3,3];[1,2,2,3,3]", "[1,4,5,6,3]", p);
    inferOk("MaxPool3DGradGrad", "[1,4,5,6,3];[1,2,2,3,3];[1,4,5,6,3]", "[1,2,2,3,3]", p);
    inferErr("MaxPool3D", "[1,4,5,6,3]", /ksize/, { ...p, ksize: [1, 2, 2, 1] });
    expect(() => inferOk("MaxPool3D", "[1,4,5,6,3]", "?", { ...p, data_format: "NCDHW" })).toThrow(
      tf.UnimplementedError,
    );
  });

  it("max-pool variants, argmax, dilation, LRN, batch norms", () => {
    const p = { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: "SAME" };
    const k = new tf.NDArray("int32", [4], Int32Array.from([1, 2, 2, 1]));
    inferOk(
      "MaxPoolV2",
      "[1,5,5,3];[4];[4]",
      "[1,3,3,3]",
      { padding: "SAME" },
      {
        dtypes: ["float32", "int32", "int32"],
        constInputs: { 1: k, 2: k },
      },
    );
    inferOk(
      "MaxPoolV2",
      "[1,5,5,3];[4];[4]",
      "[1,?,?,3]",
      { padding: "SAME" },
      {
        dtypes: ["float32", "int32", "int32"],
      },
    );
    inferOk("MaxPoolGradGrad", "[1,5,5,3];[1,3,3,3];[1,5,5,3]", "[1,3,3,3]", p);
    inferOk("MaxPoolWithArgmax", "[1,5,5,3]", "[1,3,3,3];[1,3,3,3]", p);
    inferOk("MaxPoolGradWithArgmax", "[1,5,5,3];[1,3,3,3];[1,3,3,3]", "[1,5,5,3]", p, {
      dtypes: ["float32", "float32", "int64"],
    });
    inferOk("Dilation2D", "[1,5,5,3];[2,2,3]", "[1,4,4,3]", {
      strides: [1, 1, 1, 1],
      rates: [1, 1, 1, 1],
      padding: "VALID",
    });
    inferErr("Dilation2D", "[1,5,5,3];[2,2,2]", /depth/, {
      strides: [1, 1, 1, 1],
      rates: [1, 1, 1, 1],
      padding: "VALID",
    });
    inferOk("LRN", "[1,2,3,4]", "[1,2,3,4]");
    inferErr("LRN", "[2,3,4]", /rank 4/);
    inferOk("FusedBatchNormV3", "[2,3,4,5];[5];[5];[0];[0]", "[2,3,4,5];[5];[5];[5];[5];[]");
    inferOk("FusedBatchNorm", "[2,5,4,4];[?];[5];[0];[0]", "[2,5,4,4];[5];[5];[5];[5]", {
      data_format: "NCHW",
    });
    inferErr("FusedBatchNorm", "[2,3,4,5];[4];[5];[0];[0]", /scale/);
    inferErr("FusedBatchNorm", "[2,3,4,5];[5];[5];[0];[0]", /mean/, { is_training: false });
    inferOk("FusedBatchNormGrad", "[2,3,4,5];[2,3,4,5];[5];[5];[5]", "[2,3,4,5];[5];[5];[0];[0]");
    inferOk(
      "FusedBatchNormGradV3",
      "[2,3,4,5];[2,3,4,5];[5];[5];[5];[]",
      "[2,3,4,5];[5];[5];[5];[5]",
      {
        is_training: false,
      },
    );
    const g = { variance_epsilon: 0.1, scale_after_normalization: true };
    inferOk("BatchNormWithGlobalNormalization", "[2,3,4,5];[5];[5];[5];[?]", "[2,3,4,5]", g);
    inferOk(
      "BatchNormWithGlobalNormalizationGrad",
      "[2,3,4,5];[5];[5];[5];[2,3,4,5]",
      "[2,3,4,5];[5];[5];[5];[5]",
      g,
    );
    inferOk("BiasAddV1", "[2,?];[3]", "[2,3]");
    inferOk(
      "CTCLoss",
      "[5,2,4];[3,2];[3];[?]",
      "[2];[5,2,4]",
      {},
      {
        dtypes: ["float32", "int64", "int32", "int32"],
      },
    );
    inferErr(
      "CTCLoss",
      "[5,2,4];[3,2];[3];[3]",
      /Batch size/,
      {},
      {
        dtypes: ["float32", "int64", "int32", "int32"],
      },
    );
    inferOk("FractionalMaxPool", "[1,5,7,3]", "[1,3,4,3];[4];[5]", {
      pooling_ratio: [1, 1.44, 1.73, 1],
    });
    inferOk("FractionalAvgPool", "[?,5,?,3]", "[?,2,?,3];[3];[?]", { pooling_ratio: [1, 2, 2, 1] });
    inferErr("FractionalAvgPool", "[1,5,7,3]", /pooling_ratio/, { pooling_ratio: [1, 2, 2] });
  });
});

it("CTC decoders give SparseTensors, with TF's keyword arguments in an options object too", () => {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder("float32", [3, 1, 4]);
    const len = tf.constant([3], { dtype: "int32" });
    const [[greedy]] = tf.nn.ctcGreedyDecoder(x, len, { mergeRepeated: false });
    expect(greedy).toBeInstanceOf(tf.SparseTensor);
    expect(greedy.indices.op.attrs.merge_repeated).toBe(false);
    const [paths] = tf.nn.ctcBeamSearchDecoder(x, len, { beamWidth: 5, topPaths: 2 });
    expect(paths).toHaveLength(2);
    expect(paths[1]).toBeInstanceOf(tf.SparseTensor);
    expect(paths[0].indices.op.attrs).toMatchObject({ beam_width: 5, top_paths: 2 });
  });
});
