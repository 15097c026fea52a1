// Kernels of the per-channel nn extras: LRN and LRNGrad (over the last dimension), BiasAddV1.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { checkRank, type Floats, floats } from "./nn_extra_window.js";

// ---- LRN over the channel (last) dimension ----

interface LrnAttrs {
  r: number;
  bias: number;
  alpha: number;
  beta: number;
}

function lrnAttrs(node: NodeInfo): LrnAttrs {
  const r = node.attrs.depth_radius as number;
  if (!Number.isInteger(r) || r < 0)
    throw new InvalidArgumentError(`${node.type}: depth_radius must be >= 0, got ${r}`);
  return {
    r,
    bias: node.attrs.bias as number,
    alpha: node.attrs.alpha as number,
    beta: node.attrs.beta as number,
  };
}

/** bias + alpha * (sum of x^2 over channels [d - r, d + r]) for each element. */
function lrnNorms(x: Floats, c: number, a: LrnAttrs): Float64Array {
  const norm = new Float64Array(x.length);
  for (let p = 0; p < x.length; p += c) {
    for (let d = 0; d < c; d++) {
      let s = 0;
      for (let j = Math.max(0, d - a.r); j <= Math.min(c - 1, d + a.r); j++)
        s += x[p + j] * x[p + j];
      norm[p + d] = a.bias + a.alpha * s;
    }
  }
  return norm;
}

cpuBackend.register("LRN", (node) => {
  const a = lrnAttrs(node);
  return (inputs) => {
    const x = arr(inputs[0]);
    checkRank(x, 4, "input", node.type);
    const src = x.data as Floats;
    const out = floats(x.dtype, x.size, node.type);
    const norm = lrnNorms(src, x.shape[3], a);
    for (let i = 0; i < out.length; i++) out[i] = src[i] * norm[i] ** -a.beta;
    return [new NDArray(x.dtype, x.shape, out)];
  };
});

// dx[k] = g[k] * N[k]^-beta - 2 alpha beta x[k] * sum over j with k in window(j) of g[j] y[j] / N[j].
cpuBackend.register("LRNGrad", (node) => {
  const a = lrnAttrs(node);
  return (inputs) => {
    const [dy, x, y] = [0, 1, 2].map((i) => arr(inputs[i]));
    checkRank(x, 4, "input_image", node.type);
    for (const [t, what] of [
      [dy, "input_grads"],
      [y, "output_image"],
    ] as const) {
      if (t.shape.join() !== x.shape.join())
        throw new InvalidArgumentError(
          `${node.type}: ${what} ${shapeString(t.shape)} must have the shape of input_image ${shapeString(x.shape)}`,
        );
    }
    const c = x.shape[3];
    const xs = x.data as Floats;
    const ys = y.data as Floats;
    const gs = dy.data as Floats;
    const norm = lrnNorms(xs, c, a);
    const out = floats(x.dtype, x.size, node.type);
    for (let p = 0; p < x.size; p += c) {
      for (let j = 0; j < c; j++) {
        const gj = gs[p + j];
        if (gj === 0) continue;
        const coef = (-2 * a.alpha * a.beta * ys[p + j]) / norm[p + j];
        for (let k = Math.max(0, j - a.r); k <= Math.min(c - 1, j + a.r); k++)
          out[p + k] += gj * coef * xs[p + k];
        out[p + j] += gj * norm[p + j] ** -a.beta;
      }
    }
    return [new NDArray(x.dtype, x.shape, out)];
  };
});
