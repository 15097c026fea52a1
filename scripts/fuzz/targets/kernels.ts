// The native kernels through the public API: the input picks an op the native backend implements
// (MatMul, BatchMatMulV2, the convolutions and their gradients, pooling and its gradients, the
// element-wise unary and binary ops, reductions, softmax, cross entropies, BiasAdd(Grad), Apply*),
// its input shapes (matching or not, zero, huge), its attrs (strides, padding, explicit paddings,
// dilations, data formats, ksize, axes, transposes, alpha) and values; the graph is built with
// Graph.createOp (TF's attr names, so bad attrs reach the shape functions and kernels) and run on
// the native backend and on cpu-ts. Where both succeed, the results must agree (else FuzzMismatch).

import { backendNames } from "../../../src/backends/kernel.js";
import { nativeTuning } from "../../../src/backends/native/index.js";
import * as tf from "../../../src/index.js";
import { FuzzMismatch } from "../classify.js";
import { defineTarget } from "../target.js";
import { Provider } from "./provider.js";

// Every element-wise op and reduction goes to the addon, however small.
nativeTuning.smallElements = 0;

type Float = "float32" | "float64";
interface Input {
  dtype: tf.DType;
  shape: number[];
  /** Given values (ints); else random floats. */
  values?: number[];
  /** A constant in the graph (else a placeholder of unknown shape, fed). */
  constant?: boolean;
}
interface Case {
  type: string;
  inputs: Input[];
  attrs: Record<string, unknown>;
  /** Some input elements NaN, ±Infinity or 0. */
  special?: boolean;
  /** Inputs from this index on form one list input (the fused ops' `args`). */
  listFrom?: number;
  /** Inputs that are the outputs of an op built first (MaxPoolGrad's orig_output). */
  pre?: (g: tf.Graph, ins: tf.Tensor[]) => tf.Tensor[];
}

const MAX_ELEMENTS = 1 << 15;
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

const BINARY = [
  "Add",
  "AddV2",
  "Sub",
  "Mul",
  "Div",
  "RealDiv",
  "Maximum",
  "Minimum",
  "SquaredDifference",
  "ReluGrad",
];
const UNARY = [
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
  "LeakyRelu",
  "Elu",
  "Softplus",
];
const REDUCE = ["Sum", "Mean", "Max", "Min", "Prod"];

/** A small dim mostly; `p.dim()` (zero, negative, huge) sometimes. */
const d = (p: Provider, hi = 6) => (p.byte() < 220 ? p.int(1, hi) : p.dim());
/** `v` most of the time, else another dim: mismatched shapes. */
const same = (p: Provider, v: number) => (p.byte() < 225 ? v : d(p));

function window(p: Provider, nchw: boolean, spatial: [number, number]): number[] {
  const [h, w] = spatial;
  if (p.byte() > 240) return Array.from({ length: p.int(0, 5) }, () => p.dim());
  return nchw ? [1, 1, h, w] : [1, h, w, 1];
}

function imageShape(nchw: boolean, n: number, h: number, w: number, c: number): number[] {
  return nchw ? [n, c, h, w] : [n, h, w, c];
}

/** Output size of a conv/pool window (TF's GetWindowedOutputSize), for consistent shapes. */
function outSize(inp: number, k: number, s: number, dil: number, same: boolean): number {
  const eff = (k - 1) * dil + 1;
  return Math.max(0, same ? Math.ceil(inp / s) : Math.ceil((inp - eff + 1) / s));
}

function padding(p: Provider, allowExplicit: boolean): Record<string, unknown> {
  const pad = p.pick(
    allowExplicit
      ? ["SAME", "VALID", "EXPLICIT", "BOGUS"]
      : ["SAME", "VALID", "SAME", "VALID", "BOGUS"],
  );
  if (pad !== "EXPLICIT") return { padding: pad };
  return {
    padding: pad,
    explicit_paddings: Array.from({ length: p.byte() > 230 ? p.int(0, 9) : 8 }, (_, i) =>
      i < 2 || i > 5 ? 0 : p.int(-1, 3),
    ),
  };
}

/** The remapper's fused form of a MatMul or Conv2D: a bias of `channels` and an activation. */
function fused(p: Provider, base: Case, type: string, channels: number, f: Float): Case {
  const ops = p.pick([
    ["BiasAdd"],
    ["BiasAdd", "Relu"],
    ["BiasAdd", "Relu6"],
    ["BiasAdd", "Elu"],
    ["BiasAdd", "Tanh"],
    [],
    ["Relu"],
  ]);
  const args = ops.length > 0 && ops[0] === "BiasAdd" ? 1 : 0;
  return {
    type,
    inputs: [
      ...base.inputs,
      ...Array.from({ length: args }, () => ({ dtype: f, shape: [same(p, channels)] })),
    ],
    listFrom: base.inputs.length,
    attrs: { ...base.attrs, fused_ops: ops, num_args: same(p, args), epsilon: 1e-4 },
  };
}

function choose(p: Provider): Case {
  const f: Float = p.byte() < 200 ? "float32" : "float64";
  const kind = p.int(0, 13);
  switch (kind) {
    case 0: {
      const [m, k, n] = [d(p, 9), d(p, 9), d(p, 9)];
      const ta = p.bool();
      const tb = p.bool();
      const k2 = same(p, k);
      const mm: Case = {
        type: "MatMul",
        inputs: [
          { dtype: f, shape: ta ? [k, m] : [m, k] },
          { dtype: same(p, 1) === 1 ? f : "int32", shape: tb ? [n, k2] : [k2, n] },
        ],
        attrs: { transpose_a: ta, transpose_b: tb },
      };
      return p.byte() > 200 ? fused(p, mm, "_FusedMatMul", n, f) : mm;
    }
    case 1: {
      const [m, k, n] = [d(p), d(p), d(p)];
      const ba = Array.from({ length: p.int(0, 2) }, () => d(p, 3));
      const bb = ba.map((x) => (p.bool() ? 1 : same(p, x)));
      const [ax, ay] = [p.bool(), p.bool()];
      return {
        type: "BatchMatMulV2",
        inputs: [
          { dtype: f, shape: [...ba, ...(ax ? [k, m] : [m, k])] },
          { dtype: f, shape: [...bb, ...(ay ? [n, same(p, k)] : [same(p, k), n])] },
        ],
        attrs: { adj_x: ax, adj_y: ay },
      };
    }
    case 2:
    case 3:
    case 4: {
      // Conv2D and its two gradients, with shapes that fit one another most of the time.
      const nchw = p.byte() > 200;
      const [n, h, w, c, fh, fw, oc] = [
        d(p, 3),
        d(p, 9),
        d(p, 9),
        d(p, 4),
        d(p, 3),
        d(p, 3),
        d(p, 4),
      ];
      const [s, dl] = [p.int(1, 3), p.byte() > 200 ? p.int(2, 3) : 1];
      const pad = padding(p, true);
      const attrs = {
        strides: window(p, nchw, [s, s]),
        dilations: window(p, nchw, [dl, dl]),
        data_format: nchw ? "NCHW" : "NHWC",
        ...pad,
      };
      const isSame = pad.padding === "SAME";
      const [oh, ow] = [
        same(p, outSize(h, fh, s, dl, isSame)),
        same(p, outSize(w, fw, s, dl, isSame)),
      ];
      const input = imageShape(nchw, n, h, w, c);
      const filter = [fh, fw, same(p, c), oc];
      const out = imageShape(nchw, n, oh, ow, oc);
      if (kind === 2) {
        const conv: Case = {
          type: "Conv2D",
          inputs: [
            { dtype: f, shape: input },
            { dtype: f, shape: filter },
          ],
          attrs,
        };
        return p.byte() > 200 ? fused(p, conv, "_FusedConv2D", oc, f) : conv;
      }
      if (kind === 3)
        return {
          type: "Conv2DBackpropInput",
          inputs: [
            { dtype: "int32", shape: [4], values: input, constant: p.bool() },
            { dtype: f, shape: filter },
            { dtype: f, shape: out },
          ],
          attrs,
        };
      return {
        type: "Conv2DBackpropFilter",
        inputs: [
          { dtype: f, shape: input },
          { dtype: "int32", shape: [4], values: filter, constant: p.bool() },
          { dtype: f, shape: out },
        ],
        attrs,
      };
    }
    case 5:
    case 6: {
      // MaxPool / AvgPool, or their gradients (orig_output computed in the graph).
      const nchw = p.byte() > 220;
      const [n, h, w, c, k, s] = [d(p, 3), d(p, 9), d(p, 9), d(p, 3), p.int(1, 3), p.int(1, 3)];
      const pad = padding(p, false);
      const attrs = {
        ksize: window(p, nchw, [k, k]),
        strides: window(p, nchw, [s, s]),
        data_format: nchw ? "NCHW" : "NHWC",
        ...pad,
      };
      const input = imageShape(nchw, n, h, w, c);
      const isSame = pad.padding === "SAME";
      const out = imageShape(
        nchw,
        n,
        same(p, outSize(h, k, s, 1, isSame)),
        same(p, outSize(w, k, s, 1, isSame)),
        c,
      );
      const max = p.bool();
      if (kind === 5)
        return { type: max ? "MaxPool" : "AvgPool", inputs: [{ dtype: f, shape: input }], attrs };
      if (!max)
        return {
          type: "AvgPoolGrad",
          inputs: [
            { dtype: "int32", shape: [4], values: input, constant: p.bool() },
            { dtype: f, shape: out },
          ],
          attrs,
        };
      return {
        type: "MaxPoolGrad",
        inputs: [
          { dtype: f, shape: input },
          { dtype: f, shape: out },
        ],
        attrs,
        pre: (g, [x, grad]) => [x!, g.createOp("MaxPool", [x!], attrs).outputs[0]!, grad!],
      };
    }
    case 7: {
      const rank = p.int(0, 4);
      const a = Array.from({ length: rank }, () => d(p, 5));
      const b = a.map((x) => (p.byte() < 60 ? 1 : same(p, x))).slice(p.int(0, rank));
      const [x, y] = p.bool() ? [a, b] : [b, a];
      return {
        type: p.pick(BINARY),
        inputs: [
          { dtype: f, shape: x },
          { dtype: same(p, 1) === 1 ? f : "float64", shape: y },
        ],
        attrs: {},
      };
    }
    case 8: {
      const type = p.pick(UNARY);
      return {
        type,
        inputs: [{ dtype: f, shape: Array.from({ length: p.int(0, 4) }, () => d(p, 7)) }],
        attrs: type === "LeakyRelu" ? { alpha: p.num() } : {},
      };
    }
    case 9: {
      const rank = p.int(0, 4);
      const axes = Array.from({ length: p.int(0, 3) }, () => p.int(-rank - 1, rank));
      return {
        type: p.pick(REDUCE),
        inputs: [
          { dtype: f, shape: Array.from({ length: rank }, () => d(p, 7)) },
          {
            dtype: p.bool() ? "int32" : "int64",
            shape: p.byte() > 240 ? [] : [axes.length],
            values: axes,
            constant: p.bool(),
          },
        ],
        attrs: { keep_dims: p.bool() },
      };
    }
    case 10:
      return {
        type: p.bool() ? "Softmax" : "LogSoftmax",
        inputs: [{ dtype: f, shape: Array.from({ length: p.int(0, 3) }, () => d(p, 9)) }],
        attrs: {},
      };
    case 11: {
      const [b, c] = [d(p, 9), d(p, 9)];
      if (p.bool())
        return {
          type: "SoftmaxCrossEntropyWithLogits",
          inputs: [
            { dtype: f, shape: [b, c] },
            { dtype: f, shape: [same(p, b), same(p, c)] },
          ],
          attrs: {},
        };
      const labels = Array.from({ length: Math.max(0, Math.min(b, 64)) }, () => p.int(-1, c));
      return {
        type: "SparseSoftmaxCrossEntropyWithLogits",
        inputs: [
          { dtype: f, shape: [b, c] },
          { dtype: p.bool() ? "int32" : "int64", shape: [same(p, b)], values: labels },
        ],
        attrs: {},
      };
    }
    case 12: {
      const nchw = p.byte() > 200;
      const shape = Array.from({ length: p.int(1, 4) }, () => d(p, 6));
      const c = nchw && shape.length > 1 ? shape[1]! : shape[shape.length - 1]!;
      const format = { data_format: nchw ? "NCHW" : "NHWC" };
      if (p.bool())
        return {
          type: "BiasAdd",
          inputs: [
            { dtype: f, shape },
            { dtype: f, shape: [same(p, c)] },
          ],
          attrs: format,
        };
      return { type: "BiasAddGrad", inputs: [{ dtype: f, shape }], attrs: format };
    }
    default: {
      // Optimizer updates on a variable (the Apply ops take refs: built in the graph).
      const shape = Array.from({ length: p.int(0, 3) }, () => d(p, 5));
      const type = p.pick([
        "ApplyGradientDescent",
        "ApplyMomentum",
        "ApplyAdam",
        "ApplyRMSProp",
        "ApplyCenteredRMSProp",
        "ApplyAdagrad",
      ]);
      return {
        type,
        inputs: [
          { dtype: f, shape },
          { dtype: f, shape: p.byte() > 230 ? [same(p, 1)] : [] },
        ],
        attrs: { use_nesterov: p.bool() },
      };
    }
  }
}

function fill(x: Input, rnd: () => number, special: boolean): tf.NDArray {
  if (x.values) {
    const v = x.values.slice(0, Math.max(0, size(x.shape)));
    while (v.length < size(x.shape)) v.push(0);
    return new tf.NDArray(x.dtype, x.shape, x.dtype === "int64" ? v.map(BigInt) : (v as never));
  }
  const n = size(x.shape);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    // A wrong-dtype operand (int32): small integers.
    return new tf.NDArray(
      x.dtype,
      x.shape,
      Int32Array.from({ length: n }, () => Math.floor(rnd() * 5) - 2) as never,
    );
  }
  const data = x.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++)
    data[i] =
      special && rnd() < 0.05 ? [Number.NaN, Infinity, -Infinity, 0][i % 4]! : rnd() * 4 - 2;
  return new tf.NDArray(x.dtype, x.shape, data as never);
}

/** Builds the case in a fresh graph: its feeds and its outputs. */
interface Built {
  graph: tf.Graph;
  feeds: Map<tf.Tensor, tf.NDArray>;
  outs: readonly tf.Tensor[];
  init?: tf.Operation;
}

function build(c: Case): Built {
  if (
    c.inputs.some(
      (x) => x.shape.some((v) => !Number.isSafeInteger(v) || v < 0) || size(x.shape) > MAX_ELEMENTS,
    )
  ) {
    // Not feedable: the shape goes in as a constant shape argument instead (huge sizes are the
    // kernels' and size checks' business), via Fill, which must refuse cleanly.
    const g = new tf.Graph();
    const outs = g.asDefault(() => [
      tf.fill(
        tf.constant(
          c.inputs[0]!.shape.map((v) => Math.trunc(v) | 0),
          { dtype: "int32" },
        ),
        1.5,
      ),
    ]);
    return { graph: g, feeds: new Map(), outs };
  }
  const graph = new tf.Graph();
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  return graph.asDefault((): Built => {
    let ins = c.inputs.map((x) => {
      const v = fill(x, rnd, c.special === true);
      if (x.constant) return tf.constant(v);
      const ph = tf.placeholder(x.dtype, undefined);
      feeds.set(ph, v);
      return ph;
    });
    if (c.pre) ins = c.pre(graph, ins);
    const grouped: (tf.Tensor | tf.Tensor[])[] =
      c.listFrom === undefined ? ins : [...ins.slice(0, c.listFrom), ins.slice(c.listFrom)];
    if (c.type.startsWith("Apply")) return buildApply(graph, c, ins, feeds);
    const op = graph.createOp(c.type, grouped, c.attrs as never);
    return { graph, feeds, outs: op.outputs };
  });
}

function buildApply(
  graph: tf.Graph,
  c: Case,
  ins: tf.Tensor[],
  feeds: Map<tf.Tensor, tf.NDArray>,
): Built {
  const [grad, scalar] = ins as [tf.Tensor, tf.Tensor];
  const value = feeds.get(grad)!;
  const slot = () => new tf.Variable(tf.constant(value), { useResource: false });
  const v = slot();
  const slots = (n: number) => Array.from({ length: n }, () => slot().ref);
  const inputs: Record<string, () => tf.Tensor[]> = {
    ApplyGradientDescent: () => [v.ref, scalar, grad],
    ApplyMomentum: () => [v.ref, ...slots(1), scalar, grad, scalar],
    ApplyAdam: () => [v.ref, ...slots(2), ...Array<tf.Tensor>(6).fill(scalar), grad],
    ApplyRMSProp: () => [v.ref, ...slots(2), ...Array<tf.Tensor>(4).fill(scalar), grad],
    ApplyCenteredRMSProp: () => [v.ref, ...slots(3), ...Array<tf.Tensor>(4).fill(scalar), grad],
    ApplyAdagrad: () => [v.ref, ...slots(1), scalar, grad],
  };
  const args = inputs[c.type]!();
  const init = tf.globalVariablesInitializer();
  const attrs = c.type === "ApplyMomentum" || c.type === "ApplyAdam" ? c.attrs : {};
  const op = graph.createOp(c.type, args, attrs as never);
  return { graph, feeds, outs: op.outputs, init };
}

async function runOn(backend: string, b: Built): Promise<tf.NDArray[] | Error> {
  const sess = new tf.Session({ graph: b.graph, backend, config: { memoryLimitBytes: 64 << 20 } });
  try {
    if (b.init) await sess.run(b.init);
    return (await sess.run([...b.outs], b.feeds)) as tf.NDArray[];
  } catch (e) {
    return e as Error;
  } finally {
    sess.close();
  }
}

function close(a: tf.NDArray, b: tf.NDArray, f64: boolean): string | null {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join())
    return `dtype/shape ${a.dtype}[${a.shape}] vs ${b.dtype}[${b.shape}]`;
  const x = a.data as ArrayLike<number>;
  const y = b.data as ArrayLike<number>;
  let scale = 1;
  for (let i = 0; i < y.length; i++)
    if (Number.isFinite(y[i]!)) scale = Math.max(scale, Math.abs(y[i]!));
  const tol = (f64 ? 1e-9 : 2e-3) * scale;
  for (let i = 0; i < x.length; i++) {
    const [u, v] = [x[i]!, y[i]!];
    if (Number.isNaN(u) && Number.isNaN(v)) continue;
    if (u === v) continue;
    if (!(Math.abs(u - v) <= tol)) return `element ${i}: native ${u} vs cpu-ts ${v}`;
  }
  return null;
}

export async function runKernelCase(data: Uint8Array): Promise<void> {
  const p = new Provider(data);
  const c = choose(p);
  c.special = p.byte() > 220;
  const b = build(c);
  // Without the addon (not built), the TypeScript kernels alone.
  const native = await runOn(backendNames().includes("native") ? "native" : "cpu-ts", b);
  const ref = await runOn("cpu-ts", b);
  if (native instanceof Error) throw native;
  if (ref instanceof Error) throw ref;
  for (let i = 0; i < native.length; i++) {
    const why = close(native[i]!, ref[i]!, native[i]!.dtype === "float64");
    if (why)
      throw new FuzzMismatch(
        `${c.type} ${JSON.stringify(c.attrs)} on ${c.inputs.map((x) => `${x.dtype}[${x.shape}]`).join(", ")}: output ${i}: ${why}`,
      );
  }
}

export default defineTarget({
  name: "kernels",
  maxLen: 128,
  seeds: () =>
    Array.from({ length: 14 }, (_, k) =>
      Uint8Array.of(0, k, 3, 0, 4, 0, 5, 0, 2, 0, 3, 1, 0, 1, 0, 2, 2, 1, 1, 0, 0, 0, 0),
    ),
  run: runKernelCase,
});
