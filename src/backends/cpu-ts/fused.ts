// Kernels of Grappler's fused ops (_FusedMatMul, _FusedConv2D, made by the remapper pass): the
// backend's own MatMul or Conv2D kernel, then the epilogue (bias or inference batch norm, then an
// activation) applied in place on its fresh output, in one pass instead of two or three kernels.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import {
  arr,
  type Backend,
  type Dead,
  type Kernel,
  type KernelEnv,
  type KernelFactory,
  type Value,
} from "../kernel.js";
import { cpuBackend } from "./index.js";

type Floats = Float32Array | Float64Array;

/** One element's activation, as the unfused kernels compute it. */
function activation(name: string | undefined, type: string): ((x: number) => number) | null {
  switch (name) {
    case undefined:
      return null;
    case "Relu":
      return (x) => Math.max(x, 0);
    case "Relu6":
      return (x) => Math.min(Math.max(x, 0), 6);
    case "Elu":
      return (x) => (x > 0 ? x : Math.expm1(x));
  }
  throw new UnimplementedError(`${type}: fused activation '${name}' is not supported`);
}

/** Per-channel scale and shift of an inference batch norm: y·s + t. */
function batchNormCoefficients(
  args: readonly NDArray[],
  channels: number,
  epsilon: number,
): { scale: Float64Array; shift: Float64Array } {
  const [scale, offset, mean, variance] = args.map((a) => a.data as Floats);
  const s = new Float64Array(channels);
  const t = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    s[c] = scale[c] / Math.sqrt(variance[c] + epsilon);
    t[c] = offset[c] - mean[c] * s[c];
  }
  return { scale: s, shift: t };
}

/**
 * A backend's own epilogue steps, in place on the base kernel's output (the TypeScript loop
 * below does what they do not).
 */
export interface FusedEpilogue {
  /** y[r, c] += bias[c] for `rows` rows of `channels`. */
  biasAdd(y: Floats, bias: Floats, rows: number, channels: number, env: KernelEnv): void;
  /** The in-place activation `name` (y = act(y)), or null when this backend has none. */
  activation(name: string): ((y: Floats, env: KernelEnv) => void) | null;
}

/** A fused kernel: `base` (MatMul or Conv2D) of `backend`, then the epilogue in `fused_ops`. */
function fusedFactory(
  backend: Backend,
  base: "MatMul" | "Conv2D",
  own: FusedEpilogue | undefined,
): KernelFactory {
  return (node, env) => {
    const baseFactory = backend.get(base);
    if (!baseFactory)
      throw new UnimplementedError(`${node.type}: no ${base} kernel on ${backend.name}`);
    const { fused_ops: _f, num_args: _n, epsilon: _e, ...baseAttrs } = node.attrs;
    const dtype = node.outputDtypes[0];
    const kernel = baseFactory(
      { ...node, type: base, attrs: baseAttrs, inputDtypes: [dtype, dtype] },
      env,
    );
    const ops = (node.attrs.fused_ops ?? []) as readonly string[];
    const batchNorm = ops[0] === "FusedBatchNorm";
    if (ops[0] !== "BiasAdd" && !batchNorm)
      throw new UnimplementedError(`${node.type}: fused ops [${ops.join(", ")}] are not supported`);
    const act = activation(ops[1], node.type);
    const ownAct = own && ops[1] !== undefined ? own.activation(ops[1]) : null;
    const epsilon = (node.attrs.epsilon as number | undefined) ?? 0.0001;
    const wantArgs = batchNorm ? 4 : 1;
    const k: Kernel = (inputs) => {
      const args = inputs.slice(2).map(arr);
      if (args.length !== wantArgs)
        throw new InvalidArgumentError(
          `${node.type} with fused ops [${ops.join(", ")}] needs ${wantArgs} argument(s), got ${args.length}`,
        );
      const out = kernel(inputs.slice(0, 2));
      const finish = (values: readonly (Value | Dead)[]): Value[] => {
        const y = arr(values[0] as Value);
        apply(y, args);
        return [y];
      };
      return out instanceof Promise ? out.then(finish) : finish(out as Value[]);
    };
    const apply = (y: NDArray, args: readonly NDArray[]): void => {
      const channels = y.shape[y.shape.length - 1];
      for (const a of args) {
        if (a.rank !== 1 || a.shape[0] !== channels)
          throw new InvalidArgumentError(
            `${node.type}: each fused argument must be a vector of the ${channels} output channels, got ${shapeString(a.shape)} (node '${node.name}')`,
          );
      }
      if (own && !batchNorm && (ownAct !== null || act === null)) {
        const data = y.data as Floats;
        const rows = channels === 0 ? 0 : y.size / channels;
        own.biasAdd(data, args[0].data as Floats, rows, channels, env);
        ownAct?.(data, env);
        return;
      }
      const { scale, shift } = batchNorm
        ? batchNormCoefficients(args, channels, epsilon)
        : { scale: null, shift: Float64Array.from(args[0].data as Floats) };
      epilogue(y.data as Floats, dtype, channels, scale, shift, act);
    };
    return k;
  };
}

/** y = act(y·scale + shift) per channel (the last dim), rounded as the separate kernels round. */
function epilogue(
  y: Floats,
  dtype: DType,
  channels: number,
  scale: Float64Array | null,
  shift: Float64Array,
  act: ((x: number) => number) | null,
): void {
  const f32 = dtype === "float32";
  for (let i = 0; i < y.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      let v = scale ? y[i + c] * scale[c] + shift[c] : y[i + c] + shift[c];
      if (f32) v = Math.fround(v);
      y[i + c] = act ? act(v) : v;
    }
  }
}

/**
 * Registers _FusedMatMul and _FusedConv2D on `backend`, built on its MatMul and Conv2D, with its
 * own bias and activation steps where it has them.
 */
export function registerFusedKernels(backend: Backend, own?: FusedEpilogue): void {
  backend.register("_FusedMatMul", fusedFactory(backend, "MatMul", own));
  backend.register("_FusedConv2D", fusedFactory(backend, "Conv2D", own));
}

registerFusedKernels(cpuBackend);
