// Kernels of fused batch normalization (FusedBatchNorm, V2, V3 and their Grad ops; NHWC and NCHW)
// and BatchNormWithGlobalNormalization with its Grad. Per-channel sums accumulate in float64.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { checkRank, type Floats, floats } from "./nn_extra_window.js";

/** Where the channel of flat element i is: floor(i / inner) % c. */
interface Layout {
  c: number;
  inner: number;
  /** Elements per channel (the normalization count). */
  count: number;
}

function layout(node: NodeInfo, x: NDArray, what: string): Layout {
  checkRank(x, 4, what, node.type);
  const f = node.attrs.data_format as string;
  if (f !== "NHWC" && f !== "NCHW")
    throw new InvalidArgumentError(`${node.type}: data_format must be NHWC or NCHW, got ${f}`);
  const nchw = f === "NCHW";
  const c = x.shape[nchw ? 1 : 3];
  return { c, inner: nchw ? x.shape[2] * x.shape[3] : 1, count: c === 0 ? 0 : x.size / c };
}

function vector(t: NDArray, c: number, what: string, op: string): Floats {
  if (t.rank !== 1 || t.size !== c)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a 1-D tensor of ${c} elements (the channel count), got ${shapeString(t.shape)}`,
    );
  return t.data as Floats;
}

const chOf = (i: number, l: Layout) => Math.floor(i / l.inner) % l.c;

/** Per-channel sums of f(i, channel) over all elements. */
function channelSums(size: number, l: Layout, f: (i: number, ch: number) => number): Float64Array {
  const s = new Float64Array(l.c);
  for (let i = 0; i < size; i++) {
    const ch = chOf(i, l);
    s[ch] += f(i, ch);
  }
  return s;
}

const vec = (dtype: DType, v: ArrayLike<number>) => {
  const out = floats(dtype, v.length, "FusedBatchNorm");
  out.set(v);
  return new NDArray(dtype, [v.length], out);
};

function registerFused(type: string, v3: boolean): void {
  cpuBackend.register(type, (node) => {
    const eps = node.attrs.epsilon as number;
    const training = node.attrs.is_training as boolean;
    const u = node.outputDtypes[1];
    return (inputs) => {
      const x = arr(inputs[0]);
      const l = layout(node, x, "x");
      const scale = vector(arr(inputs[1]), l.c, "scale", node.type);
      const offset = vector(arr(inputs[2]), l.c, "offset", node.type);
      const xs = x.data as Floats;
      let mean: Float64Array;
      let variance: Float64Array;
      let outVar: Float64Array;
      if (training) {
        mean = channelSums(x.size, l, (i) => xs[i]).map((s) => s / l.count);
        variance = channelSums(x.size, l, (i, ch) => (xs[i] - mean[ch]) ** 2).map(
          (s) => s / l.count,
        );
        // The batch_variance output is unbiased (Bessel's correction); y uses the biased one.
        const adjust = l.count > 1 ? l.count / (l.count - 1) : 1;
        outVar = variance.map((v) => v * adjust);
      } else {
        mean = Float64Array.from(vector(arr(inputs[3]), l.c, "mean", node.type));
        variance = Float64Array.from(vector(arr(inputs[4]), l.c, "variance", node.type));
        outVar = variance;
      }
      const k = variance.map((v, ch) => scale[ch] / Math.sqrt(v + eps));
      const y = floats(x.dtype, x.size, node.type);
      for (let i = 0; i < x.size; i++) {
        const ch = chOf(i, l);
        y[i] = (xs[i] - mean[ch]) * k[ch] + offset[ch];
      }
      const outs = [
        new NDArray(x.dtype, x.shape, y),
        vec(u, mean),
        vec(u, outVar),
        vec(u, mean),
        vec(u, variance),
      ];
      if (v3) outs.push(new NDArray(u, [], floats(u, 1, node.type)));
      return outs;
    };
  });
}
registerFused("FusedBatchNorm", false);
registerFused("FusedBatchNormV2", false);
registerFused("FusedBatchNormV3", true);

function registerFusedGrad(type: string): void {
  cpuBackend.register(type, (node) => {
    const eps = node.attrs.epsilon as number;
    const training = node.attrs.is_training as boolean;
    const u = node.outputDtypes[1];
    return (inputs) => {
      const dy = arr(inputs[0]);
      const x = arr(inputs[1]);
      const l = layout(node, x, "x");
      if (dy.shape.join() !== x.shape.join())
        throw new InvalidArgumentError(
          `${node.type}: y_backprop ${shapeString(dy.shape)} must have the shape of x ${shapeString(x.shape)}`,
        );
      const scale = vector(arr(inputs[2]), l.c, "scale", node.type);
      const mean = vector(arr(inputs[3]), l.c, "reserve_space_1", node.type);
      const variance = vector(arr(inputs[4]), l.c, "reserve_space_2", node.type);
      const xs = x.data as Floats;
      const g = dy.data as Floats;
      const inv = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
      const sumDy = channelSums(x.size, l, (i) => g[i]);
      const sumDyXm = channelSums(x.size, l, (i, ch) => g[i] * (xs[i] - mean[ch]));
      const dx = floats(x.dtype, x.size, node.type);
      for (let i = 0; i < x.size; i++) {
        const ch = chOf(i, l);
        if (training) {
          const xm = xs[i] - mean[ch];
          const centered =
            g[i] - sumDy[ch] / l.count - (xm * sumDyXm[ch] * inv[ch] * inv[ch]) / l.count;
          dx[i] = scale[ch] * inv[ch] * centered;
        } else dx[i] = g[i] * scale[ch] * inv[ch];
      }
      const reserve = training ? 0 : l.c;
      return [
        new NDArray(x.dtype, x.shape, dx),
        vec(
          u,
          sumDyXm.map((s, ch) => s * inv[ch]),
        ),
        vec(u, sumDy),
        new NDArray(u, [reserve], floats(u, reserve, node.type)),
        new NDArray(u, [reserve], floats(u, reserve, node.type)),
      ];
    };
  });
}
registerFusedGrad("FusedBatchNormGrad");
registerFusedGrad("FusedBatchNormGradV2");
registerFusedGrad("FusedBatchNormGradV3");

// ---- BatchNormWithGlobalNormalization: (t - m) * rsqrt(v + eps) * gamma? + beta, channels last ----

function globalParams(node: NodeInfo, t: NDArray, ins: NDArray[], names: string[]): Floats[] {
  checkRank(t, 4, "t", node.type);
  const c = t.shape[3];
  return ins.map((v, i) => vector(v, c, names[i], node.type));
}

cpuBackend.register("BatchNormWithGlobalNormalization", (node) => {
  const eps = node.attrs.variance_epsilon as number;
  const scaleAfter = node.attrs.scale_after_normalization as boolean;
  return (inputs) => {
    const t = arr(inputs[0]);
    const [m, v, beta, gamma] = globalParams(
      node,
      t,
      [1, 2, 3, 4].map((i) => arr(inputs[i])),
      ["m", "v", "beta", "gamma"],
    );
    const c = t.shape[3];
    const k = Float64Array.from(v, (vv, ch) => (scaleAfter ? gamma[ch] : 1) / Math.sqrt(vv + eps));
    const src = t.data as Floats;
    const out = floats(t.dtype, t.size, node.type);
    for (let i = 0; i < t.size; i++) {
      const ch = i % c;
      out[i] = (src[i] - m[ch]) * k[ch] + beta[ch];
    }
    return [new NDArray(t.dtype, t.shape, out)];
  };
});

cpuBackend.register("BatchNormWithGlobalNormalizationGrad", (node) => {
  const eps = node.attrs.variance_epsilon as number;
  const scaleAfter = node.attrs.scale_after_normalization as boolean;
  return (inputs) => {
    const t = arr(inputs[0]);
    const bp = arr(inputs[4]);
    const [m, v, gamma] = globalParams(
      node,
      t,
      [1, 2, 3].map((i) => arr(inputs[i])),
      ["m", "v", "gamma"],
    );
    if (bp.shape.join() !== t.shape.join())
      throw new InvalidArgumentError(
        `${node.type}: backprop ${shapeString(bp.shape)} must have the shape of t ${shapeString(t.shape)}`,
      );
    const c = t.shape[3];
    const l: Layout = { c, inner: 1, count: c === 0 ? 0 : t.size / c };
    const src = t.data as Floats;
    const g = bp.data as Floats;
    const r = Float64Array.from(v, (vv) => 1 / Math.sqrt(vv + eps));
    const s = Float64Array.from(gamma, (gg) => (scaleAfter ? gg : 1));
    const sumBp = channelSums(t.size, l, (i) => g[i]);
    const sumBpXm = channelSums(t.size, l, (i, ch) => g[i] * (src[i] - m[ch]));
    const dx = floats(t.dtype, t.size, node.type);
    for (let i = 0; i < t.size; i++) dx[i] = g[i] * r[i % c] * s[i % c];
    const dt = t.dtype;
    return [
      new NDArray(dt, t.shape, dx),
      vec(
        dt,
        sumBp.map((b, ch) => -b * r[ch] * s[ch]),
      ),
      vec(
        dt,
        sumBpXm.map((b, ch) => -0.5 * b * s[ch] * r[ch] ** 3),
      ),
      vec(dt, sumBp),
      vec(dt, scaleAfter ? sumBpXm.map((b, ch) => b * r[ch]) : new Float64Array(c)),
    ];
  };
});
