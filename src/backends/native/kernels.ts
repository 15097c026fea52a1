// The native backend's kernels: TypeScript checks shapes and attrs exactly as the cpu-ts
// reference does (same errors), allocates the outputs, and hands typed arrays to the addon (no
// copies). Dtypes other than float32/float64, and element-wise ops on tiny tensors (where a call
// into C++ costs more than the work), run the cpu-ts kernel for the same node.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { checkAllocation } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { currentRun } from "../../framework/run_context.js";
import { broadcastShapes, shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { takeFloats } from "../buffer_pool.js";
import { registerFusedKernels } from "../cpu-ts/fused.js";
import { cpuBackend } from "../cpu-ts/index.js";
import {
  check4D,
  checkOutBackprop,
  type Geometry,
  geometry,
  readPoolAttrs,
  readWindowAttrs,
  sizesInput,
  type WindowAttrs,
} from "../cpu-ts/nn_conv.js";
import { planReduction } from "../cpu-ts/reduction.js";
import { readApplyInputs } from "../cpu-ts/training_ops.js";
import { trackInFlight } from "../in_flight.js";
import {
  arr,
  type Backend,
  type Kernel,
  type KernelEnv,
  type KernelFactory,
  type NodeInfo,
  type Value,
  type VariableRef,
} from "../kernel.js";
import type { NativeAddon } from "./addon.js";

type Floats = Float32Array | Float64Array;

const isFloat = (d: DType): boolean => d === "float32" || d === "float64";

/** An output buffer; every native kernel writes all of its elements, so a reused one will do. */
function floats(dtype: DType, n: number): Floats {
  checkAllocation(dtype, n); // the pool allocates outside allocData
  if (n > 2 ** 31 - 1)
    throw new InvalidArgumentError(`Output of ${n} elements is too large to allocate`);
  return takeFloats(dtype === "float64", n);
}

/** Threads for this session's kernels: ConfigProto.intraOpParallelismThreads, 0 = one per core. */
export function threadsOf(env: KernelEnv): number {
  const t = (env as KernelEnv & { readonly intraOpParallelismThreads?: number })
    .intraOpParallelismThreads;
  return t !== undefined && Number.isInteger(t) && t > 0 ? t : 0;
}

/** The reference kernel for the same node (other dtypes, tiny inputs). */
function reference(node: NodeInfo, env: KernelEnv): Kernel {
  const f = cpuBackend.get(node.type);
  if (!f) throw new UnimplementedError(`No kernel for ${node.type}`);
  return f(node, env);
}

/** Errors the addon throws (RangeError, "tensorgraph native: ...") become InvalidArgumentError. */
function call(f: () => void): void {
  try {
    f();
  } catch (e) {
    throw nativeError(e);
  }
}

const nativeError = (e: unknown): unknown =>
  e instanceof RangeError ? new InvalidArgumentError(e.message) : e;

/**
 * Runs a large kernel off the main thread when the run may await (`sess.run`), so the event
 * loop and other runs proceed meanwhile; small ones, and `runSync`, call it synchronously (a
 * hand-off to a worker thread costs tens of microseconds).
 */
function callMaybeAsync(
  flops: number,
  sync: () => void,
  async: () => Promise<void>,
  result: () => Value[],
): Value[] | Promise<Value[]> {
  if (flops < nativeTuning.asyncMinFlops || !currentRun()?.mayAwait) {
    call(sync);
    return result();
  }
  let work: Promise<void>;
  try {
    work = async(); // argument errors throw here, synchronously
  } catch (e) {
    throw nativeError(e);
  }
  return trackInFlight(work).then(result, (e) => {
    throw nativeError(e);
  });
}

/**
 * Below `smallElements` elements, element-wise ops and reductions run the TypeScript kernel (a
 * call into C++ costs more than such work). Tests set it to 0 to exercise the native code.
 */
export const nativeTuning = {
  smallElements: 2048,
  /**
   * Whether the Apply ops update a variable's buffer in place (after copying it once, so that a
   * constant or feed it was assigned from is never written). The session copies fetched values
   * that are a variable's buffer, so what a run returned never changes.
   */
  applyInPlace: true,
  /**
   * Matmuls and convolutions of at least this many multiply-adds (about a millisecond of work
   * here) run off the main thread. Below it, the hand-off (a worker thread's wake-up and a turn
   * of the event loop, ~0.1 ms on a busy 2-core machine) costs more than it frees: measured on
   * the MLP 784-512-512-10 step, off-thread matmuls of 51M MACs made it 15-25% slower.
   */
  asyncMinFlops: 2 ** 26,
};

export function registerKernels(backend: Backend, nat: NativeAddon): void {
  /** A factory that runs natively for float dtypes (input `which`'s dtype) and otherwise defers. */
  const floatOnly = (make: KernelFactory, which = 0): KernelFactory => {
    return (node, env) => {
      const d = node.inputDtypes[which];
      return d !== undefined && isFloat(d) ? make(node, env) : reference(node, env);
    };
  };

  // ---- MatMul, BatchMatMulV2 ----

  /** Offsets of each batch's matrix (broadcast dims repeat one matrix), as (off, rs, cs) triples. */
  function refs(
    batch: readonly number[],
    outBatch: readonly number[],
    matSize: number,
    rs: number,
    cs: number,
  ): Float64Array {
    const total = shapeSize(outBatch);
    const rank = outBatch.length;
    const strides = new Array<number>(rank).fill(0);
    let acc = matSize;
    for (let i = batch.length - 1; i >= 0; i--) {
      const o = i + rank - batch.length;
      strides[o] = batch[i] === 1 ? 0 : acc;
      acc *= batch[i];
    }
    const out = new Float64Array(total * 3);
    for (let t = 0; t < total; t++) {
      let rest = t;
      let off = 0;
      for (let d = rank - 1; d >= 0; d--) {
        off += (rest % outBatch[d]) * strides[d];
        rest = Math.floor(rest / outBatch[d]);
      }
      out[3 * t] = off;
      out[3 * t + 1] = rs;
      out[3 * t + 2] = cs;
    }
    return out;
  }

  function matmul(
    x: NDArray,
    y: NDArray,
    adjX: boolean,
    adjY: boolean,
    threads: number,
  ): Value[] | Promise<Value[]> {
    const rx = x.rank;
    const ry = y.rank;
    const m = x.shape[adjX ? rx - 1 : rx - 2];
    const kx = x.shape[adjX ? rx - 2 : rx - 1];
    const ky = y.shape[adjY ? ry - 1 : ry - 2];
    const n = y.shape[adjY ? ry - 2 : ry - 1];
    if (kx !== ky) {
      throw new InvalidArgumentError(
        `Matrix size-incompatible: In[0]: ${shapeString(x.shape)}, In[1]: ${shapeString(y.shape)}`,
      );
    }
    const bx = x.shape.slice(0, -2);
    const by = y.shape.slice(0, -2);
    const batch = broadcastShapes(bx, by);
    if (!batch) {
      throw new InvalidArgumentError(
        `In[0] and In[1] must have compatible batch dimensions: ${shapeString(x.shape)} vs. ${shapeString(y.shape)}`,
      );
    }
    const k = kx;
    const out = floats(x.dtype, shapeSize(batch) * m * n);
    // A[i,p] at i*k + p, or p*m + i when adjoint; B[p,j] at p*n + j, or j*k + p.
    const ar = refs(bx, batch, m * k, adjX ? 1 : k, adjX ? m : 1);
    const br = refs(by, batch, k * n, adjY ? 1 : n, adjY ? k : 1);
    const args = [x.data as Floats, y.data as Floats, out, ar, br, m, n, k, threads] as const;
    return callMaybeAsync(
      shapeSize(batch) * m * n * k,
      () => nat.matmul(...args),
      () => nat.matmulAsync(...args),
      () => [new NDArray(x.dtype, [...batch, m, n], out)],
    );
  }

  backend.register(
    "MatMul",
    floatOnly((node, env) => {
      const ta = node.attrs.transpose_a === true;
      const tb = node.attrs.transpose_b === true;
      const threads = threadsOf(env);
      return (inputs) => {
        const a = arr(inputs[0]);
        const b = arr(inputs[1]);
        for (const [i, t] of [a, b].entries()) {
          if (t.rank !== 2) {
            throw new InvalidArgumentError(
              `In[${i}] is not a matrix. Instead it has shape ${shapeString(t.shape)}`,
            );
          }
        }
        return matmul(a, b, ta, tb, threads);
      };
    }),
  );

  backend.register(
    "BatchMatMulV2",
    floatOnly((node, env) => {
      const adjX = node.attrs.adj_x === true;
      const adjY = node.attrs.adj_y === true;
      const threads = threadsOf(env);
      return (inputs) => {
        const x = arr(inputs[0]);
        const y = arr(inputs[1]);
        for (const [i, t] of [x, y].entries()) {
          if (t.rank < 2) throw new InvalidArgumentError(`In[${i}] ndims must be >= 2: ${t.rank}`);
        }
        return matmul(x, y, adjX, adjY, threads);
      };
    }),
  );

  // ---- Conv2D and its backprops ----

  const geomArray = (g: Geometry): Float64Array =>
    Float64Array.of(
      g.n,
      g.h,
      g.w,
      g.c,
      g.kh,
      g.kw,
      g.oc,
      g.oh,
      g.ow,
      g.sh,
      g.sw,
      g.dh,
      g.dw,
      g.padTop,
      g.padLeft,
    );

  const convFlops = (g: Geometry): number => g.n * g.oh * g.ow * g.oc * g.kh * g.kw * g.c;

  /** Conv2D on CPU: NHWC, strides and dilations of 1 in the batch and depth dims. */
  function convAttrs(node: NodeInfo): WindowAttrs {
    const a = readWindowAttrs(node);
    if (a.strides.length !== 4 || a.strides[0] !== 1 || a.strides[3] !== 1) {
      throw new InvalidArgumentError(
        `${node.type}: strides in the batch and depth dimensions must be 1`,
      );
    }
    return a;
  }

  backend.register(
    "Conv2D",
    floatOnly((node, env) => {
      const attrs = convAttrs(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const x = arr(inputs[0]);
        const f = arr(inputs[1]);
        check4D(x, "input", node.type);
        check4D(f, "filter", node.type);
        if (x.shape[3] !== f.shape[2]) {
          throw new InvalidArgumentError(
            `Conv2D: input depth (${x.shape[3]}) must equal the filter's input depth (${f.shape[2]}): input ${shapeString(x.shape)}, filter ${shapeString(f.shape)}`,
          );
        }
        const g = geometry(x.shape, f.shape[0], f.shape[1], f.shape[3], attrs);
        const out = floats(x.dtype, g.n * g.oh * g.ow * g.oc);
        const args = [0, x.data as Floats, f.data as Floats, out, geomArray(g), threads] as const;
        return callMaybeAsync(
          convFlops(g),
          () => nat.conv2d(...args),
          () => nat.conv2dAsync(...args),
          () => [new NDArray(x.dtype, [g.n, g.oh, g.ow, g.oc], out)],
        );
      };
    }),
  );

  backend.register(
    "Conv2DBackpropInput",
    floatOnly((node, env) => {
      const attrs = convAttrs(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const f = arr(inputs[1]);
        const dy = arr(inputs[2]);
        check4D(f, "filter", node.type);
        check4D(dy, "out_backprop", node.type);
        const sizes = sizesInput(arr(inputs[0]), "input_sizes", node.type);
        if (sizes[3] !== f.shape[2]) {
          throw new InvalidArgumentError(
            `Conv2DBackpropInput: input depth (${sizes[3]}) must equal the filter's input depth (${f.shape[2]})`,
          );
        }
        const g = geometry(sizes, f.shape[0], f.shape[1], f.shape[3], attrs);
        checkOutBackprop(dy, g, f.shape[3], node.type);
        const dx = floats(dy.dtype, g.n * g.h * g.w * g.c);
        const args = [1, dy.data as Floats, f.data as Floats, dx, geomArray(g), threads] as const;
        return callMaybeAsync(
          convFlops(g),
          () => nat.conv2d(...args),
          () => nat.conv2dAsync(...args),
          () => [new NDArray(dy.dtype, sizes, dx)],
        );
      };
    }, 2),
  );

  backend.register(
    "Conv2DBackpropFilter",
    floatOnly((node, env) => {
      const attrs = convAttrs(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const x = arr(inputs[0]);
        const dy = arr(inputs[2]);
        check4D(x, "input", node.type);
        check4D(dy, "out_backprop", node.type);
        const sizes = sizesInput(arr(inputs[1]), "filter_sizes", node.type);
        if (sizes[2] !== x.shape[3]) {
          throw new InvalidArgumentError(
            `Conv2DBackpropFilter: input depth (${x.shape[3]}) must equal the filter's input depth (${sizes[2]})`,
          );
        }
        const g = geometry(x.shape, sizes[0], sizes[1], sizes[3], attrs);
        checkOutBackprop(dy, g, sizes[3], node.type);
        const df = floats(x.dtype, sizes[0] * sizes[1] * sizes[2] * sizes[3]);
        const args = [2, x.data as Floats, dy.data as Floats, df, geomArray(g), threads] as const;
        return callMaybeAsync(
          convFlops(g),
          () => nat.conv2d(...args),
          () => nat.conv2dAsync(...args),
          () => [new NDArray(x.dtype, sizes, df)],
        );
      };
    }),
  );

  // ---- Pooling ----

  const poolGeometry = (shape: readonly number[], ksize: number[], attrs: WindowAttrs) =>
    geometry(shape, ksize[1], ksize[2], 1, { ...attrs, dilations: [1, 1, 1, 1] });

  for (const [type, kind] of [
    ["MaxPool", 0],
    ["AvgPool", 2],
  ] as const) {
    backend.register(
      type,
      floatOnly((node, env) => {
        const { ksize, attrs } = readPoolAttrs(node);
        const threads = threadsOf(env);
        return (inputs) => {
          const x = arr(inputs[0]);
          check4D(x, "input", node.type);
          const g = poolGeometry(x.shape, ksize, attrs);
          const out = floats(x.dtype, g.n * g.oh * g.ow * g.c);
          const xd = x.data as Floats;
          call(() => nat.pool(kind, xd, xd, out, geomArray(g), threads));
          return [new NDArray(x.dtype, [g.n, g.oh, g.ow, g.c], out)];
        };
      }),
    );
  }

  backend.register(
    "MaxPoolGrad",
    floatOnly((node, env) => {
      const { ksize, attrs } = readPoolAttrs(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const x = arr(inputs[0]);
        const dy = arr(inputs[2]);
        check4D(x, "input", node.type);
        const g = poolGeometry(x.shape, ksize, attrs);
        checkOutBackprop(dy, g, g.c, node.type);
        const dx = floats(x.dtype, x.size);
        call(() => nat.pool(1, x.data as Floats, dy.data as Floats, dx, geomArray(g), threads));
        return [new NDArray(x.dtype, x.shape, dx)];
      };
    }),
  );

  backend.register(
    "AvgPoolGrad",
    floatOnly((node, env) => {
      const { ksize, attrs } = readPoolAttrs(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const sizes = sizesInput(arr(inputs[0]), "orig_input_shape", node.type);
        const dy = arr(inputs[1]);
        const g = poolGeometry(sizes, ksize, attrs);
        checkOutBackprop(dy, g, g.c, node.type);
        const dx = floats(dy.dtype, g.n * g.h * g.w * g.c);
        const d = dy.data as Floats;
        call(() => nat.pool(3, d, d, dx, geomArray(g), threads));
        return [new NDArray(dy.dtype, sizes, dx)];
      };
    }, 1),
  );

  // ---- Element-wise ----

  const BINARY: Record<string, number> = {
    Add: 0,
    AddV2: 0,
    Sub: 1,
    Mul: 2,
    Div: 3,
    RealDiv: 3,
    Maximum: 4,
    Minimum: 5,
    SquaredDifference: 6,
    ReluGrad: 7,
  };
  for (const [type, op] of Object.entries(BINARY)) {
    backend.register(
      type,
      floatOnly((node, env) => {
        const threads = threadsOf(env);
        const small = reference(node, env);
        return (inputs) => {
          const a = arr(inputs[0]);
          const b = arr(inputs[1]);
          if (a.size < nativeTuning.smallElements && b.size < nativeTuning.smallElements)
            return small(inputs);
          const plan = broadcastPlan(a.shape, b.shape);
          if (!plan) {
            if (!broadcastShapes(a.shape, b.shape))
              throw new InvalidArgumentError(
                `Incompatible shapes: ${shapeString(a.shape)} vs. ${shapeString(b.shape)}`,
              );
            return small(inputs);
          }
          const out = floats(a.dtype, plan.size);
          call(() =>
            nat.binary(
              op,
              a.data as Floats,
              b.data as Floats,
              out,
              plan.dims,
              plan.sa,
              plan.sb,
              threads,
            ),
          );
          return [new NDArray(a.dtype, plan.shape, out)];
        };
      }),
    );
  }

  const UNARY: Record<string, number> = {
    Neg: 0,
    Relu: 1,
    Relu6: 2,
    Exp: 3,
    Log: 4,
    Sqrt: 5,
    Rsqrt: 6,
    Square: 7,
    Tanh: 8,
    Sigmoid: 9,
    Abs: 10,
    Reciprocal: 11,
    LeakyRelu: 12,
    Elu: 13,
    Softplus: 14,
  };
  for (const [type, op] of Object.entries(UNARY)) {
    backend.register(
      type,
      floatOnly((node, env) => {
        const threads = threadsOf(env);
        const small = reference(node, env);
        const param = type === "LeakyRelu" ? (node.attrs.alpha as number) : 0;
        return (inputs) => {
          const x = arr(inputs[0]);
          if (x.size < nativeTuning.smallElements) return small(inputs);
          const out = floats(x.dtype, x.size);
          call(() => nat.unary(op, x.data as Floats, out, param, threads));
          return [new NDArray(x.dtype, x.shape, out)];
        };
      }),
    );
  }

  // ---- Reductions ----

  const REDUCE: Record<string, number> = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 };
  for (const [type, op] of Object.entries(REDUCE)) {
    backend.register(
      type,
      floatOnly((node, env) => {
        const threads = threadsOf(env);
        const keepDims = node.attrs.keep_dims === true;
        const small = reference(node, env);
        return (inputs) => {
          const x = arr(inputs[0]);
          if (x.size < nativeTuning.smallElements) return small(inputs);
          const p = planReduction(x.shape, arr(inputs[1]), keepDims);
          if (p.dims.length > 8) return small(inputs);
          const out = floats(x.dtype, p.outSize);
          call(() =>
            nat.reduce(
              op,
              x.data as Floats,
              out,
              Float64Array.from(p.dims),
              Float64Array.from(p.outStrides),
              p.count,
              threads,
            ),
          );
          return [new NDArray(x.dtype, p.outShape, out)];
        };
      }),
    );
  }

  // ---- Softmax, cross entropy ----

  for (const [type, log] of [
    ["Softmax", false],
    ["LogSoftmax", true],
  ] as const) {
    backend.register(
      type,
      floatOnly((_node, env) => {
        const threads = threadsOf(env);
        return (inputs) => {
          const x = arr(inputs[0]);
          if (x.rank < 1) throw new InvalidArgumentError("logits must have rank >= 1");
          const cols = x.shape[x.rank - 1];
          const rows = cols === 0 ? 0 : x.size / cols;
          const out = floats(x.dtype, x.size);
          call(() => nat.softmax(x.data as Floats, out, rows, cols, log, threads));
          return [new NDArray(x.dtype, x.shape, out)];
        };
      }),
    );
  }

  backend.register(
    "SoftmaxCrossEntropyWithLogits",
    floatOnly((node, env) => {
      const threads = threadsOf(env);
      const general = reference(node, env);
      return (inputs) => {
        const logits = arr(inputs[0]);
        const labels = arr(inputs[1]);
        if (logits.rank !== 2 || labels.shape.join() !== logits.shape.join())
          return general(inputs);
        const [rows, cols] = logits.shape;
        const loss = floats(logits.dtype, rows);
        const backprop = floats(logits.dtype, rows * cols);
        call(() =>
          nat.xent(
            logits.data as Floats,
            labels.data as Floats,
            null,
            loss,
            backprop,
            rows,
            cols,
            threads,
          ),
        );
        return [
          new NDArray(logits.dtype, [rows], loss),
          new NDArray(logits.dtype, [rows, cols], backprop),
        ];
      };
    }),
  );

  backend.register(
    "SparseSoftmaxCrossEntropyWithLogits",
    floatOnly((node, env) => {
      const threads = threadsOf(env);
      const general = reference(node, env);
      return (inputs) => {
        const logits = arr(inputs[0]);
        const labels = arr(inputs[1]);
        if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0])
          return general(inputs); // the reference raises the error
        const [rows, cols] = logits.shape;
        const ids =
          labels.data instanceof Int32Array
            ? labels.data
            : Int32Array.from(labels.data as BigInt64Array, (v) =>
                v < -(2n ** 31n) || v >= 2n ** 31n ? -1 : Number(v),
              );
        for (let i = 0; i < ids.length; i++) {
          if (!(ids[i] >= 0 && ids[i] < cols)) {
            const id = labels.data instanceof Int32Array ? ids[i] : String(labels.data[i]);
            throw new InvalidArgumentError(
              `Received a label value of ${id} which is outside the valid range of [0, ${cols}). Label: ${i}`,
            );
          }
        }
        const loss = floats(logits.dtype, rows);
        const backprop = floats(logits.dtype, rows * cols);
        call(() => nat.xent(logits.data as Floats, null, ids, loss, backprop, rows, cols, threads));
        return [
          new NDArray(logits.dtype, [rows], loss),
          new NDArray(logits.dtype, [rows, cols], backprop),
        ];
      };
    }),
  );

  // ---- BiasAdd ----

  function checkNHWC(node: NodeInfo): void {
    const format = node.attrs.data_format as string | undefined;
    if (format !== undefined && format !== "NHWC")
      throw new UnimplementedError(`${node.type} only supports the NHWC data format on CPU`);
  }

  backend.register(
    "BiasAdd",
    floatOnly((node, env) => {
      checkNHWC(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const x = arr(inputs[0]);
        const bias = arr(inputs[1]);
        if (x.rank < 2)
          throw new InvalidArgumentError(
            `BiasAdd: input must be at least 2-D, got ${shapeString(x.shape)}`,
          );
        const c = x.shape[x.rank - 1];
        if (bias.rank !== 1 || bias.size !== c) {
          throw new InvalidArgumentError(
            `Must provide as many biases as the last dimension of the input tensor: ${shapeString(bias.shape)} vs. ${shapeString(x.shape)}`,
          );
        }
        const out = floats(x.dtype, x.size);
        const rows = c === 0 ? 0 : x.size / c;
        call(() => nat.biasAdd(x.data as Floats, bias.data as Floats, out, rows, c, threads));
        return [new NDArray(x.dtype, x.shape, out)];
      };
    }),
  );

  backend.register(
    "BiasAddGrad",
    floatOnly((node, env) => {
      checkNHWC(node);
      const threads = threadsOf(env);
      return (inputs) => {
        const dy = arr(inputs[0]);
        if (dy.rank < 2)
          throw new InvalidArgumentError(
            `BiasAddGrad: input must be at least 2-D, got ${shapeString(dy.shape)}`,
          );
        const c = dy.shape[dy.rank - 1];
        const rows = c === 0 ? 0 : dy.size / c;
        const out = floats(dy.dtype, c);
        call(() => nat.biasAddGrad(dy.data as Floats, out, rows, c, threads));
        return [new NDArray(dy.dtype, [c], out)];
      };
    }),
  );

  // ---- Optimizer Apply ops: in place on buffers this backend owns ----

  /**
   * Buffers the apply kernels made (a variable's value the first time it was updated here).
   * Only these are updated in place: any other value (a constant's, a feed's, another kernel's
   * output) may be shared and is copied first.
   */
  const owned = new WeakSet<Floats>();
  function ownedValue(ref: VariableRef): NDArray {
    const v = ref.read();
    if (nativeTuning.applyInPlace && owned.has(v.data as Floats)) return v;
    const copy = new NDArray(v.dtype, v.shape, (v.data as Floats).slice());
    owned.add(copy.data as Floats);
    ref.assign(copy, false);
    return copy;
  }

  const APPLY: Record<string, { kind: number; inputs: string[]; refs: number; grad: number }> = {
    ApplyGradientDescent: { kind: 0, inputs: ["var", "alpha", "delta"], refs: 1, grad: 2 },
    ApplyMomentum: {
      kind: 1,
      inputs: ["var", "accum", "lr", "grad", "momentum"],
      refs: 2,
      grad: 3,
    },
    ApplyAdam: {
      kind: 2,
      inputs: [
        "var",
        "m",
        "v",
        "beta1_power",
        "beta2_power",
        "lr",
        "beta1",
        "beta2",
        "epsilon",
        "grad",
      ],
      refs: 3,
      grad: 9,
    },
    ApplyRMSProp: {
      kind: 3,
      inputs: ["var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"],
      refs: 3,
      grad: 7,
    },
    ApplyCenteredRMSProp: {
      kind: 4,
      inputs: ["var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"],
      refs: 4,
      grad: 8,
    },
    ApplyAdagrad: { kind: 5, inputs: ["var", "accum", "lr", "grad"], refs: 2, grad: 3 },
  };
  for (const [type, spec] of Object.entries(APPLY)) {
    backend.register(
      type,
      floatOnly((node, env) => {
        const threads = threadsOf(env);
        const flags =
          (node.attrs.use_nesterov === true ? 1 : 0) | (node.attrs.update_slots !== false ? 2 : 0);
        const scalars = new Float64Array(spec.inputs.length - spec.refs - 1);
        return (inputs: Value[]) => {
          const { refs: refList, values: current, grad } = readApplyInputs(spec, inputs, scalars);
          if (grad.dtype !== current[0].dtype)
            throw new InvalidArgumentError(`${type}: grad dtype differs from the variable's`);
          // Two refs to one variable (var and a slot the same): the reference semantics, not in place.
          if (new Set(refList).size !== refList.length) return reference(node, env)(inputs);
          const slots = refList.map((r) => ownedValue(r).data as Floats);
          call(() => nat.apply(spec.kind, slots, scalars, grad.data as Floats, flags, threads));
          return [refList[0]];
        };
      }),
    );
  }

  // ---- _FusedMatMul, _FusedConv2D (made by the remapper pass): bias and activation in place ----
  registerFusedKernels(backend, {
    biasAdd: (y, bias, rows, channels, env) =>
      call(() => nat.biasAdd(y, bias, y, rows, channels, threadsOf(env))),
    activation: (name) => {
      const op = name === "Relu" || name === "Relu6" || name === "Elu" ? UNARY[name] : undefined;
      if (op === undefined) return null;
      return (y, env) => call(() => nat.unary(op, y, y, 0, threadsOf(env)));
    },
  });
}

// ---- Broadcasting and reduction plans (collapsed to few dims) ----

interface BroadcastPlan {
  shape: number[];
  size: number;
  dims: Float64Array;
  sa: Float64Array;
  sb: Float64Array;
}

/** Output shape and per-input strides (0 where broadcast), adjacent dims merged; null past 8 dims. */
export function broadcastPlan(a: readonly number[], b: readonly number[]): BroadcastPlan | null {
  const shape = broadcastShapes(a, b);
  if (!shape) return null;
  const rank = shape.length;
  const strides = (s: readonly number[]): number[] => {
    const out = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const o = i + rank - s.length;
      out[o] = s[i] === 1 && shape[o] !== 1 ? 0 : acc;
      acc *= s[i];
    }
    return out;
  };
  const sa = strides(a);
  const sb = strides(b);
  const dims: number[] = [];
  const ra: number[] = [];
  const rb: number[] = [];
  for (let d = 0; d < rank; d++) {
    if (shape[d] === 1) continue;
    const k = dims.length - 1;
    // Merge into the previous (outer) dim when both inputs walk them as one.
    if (k >= 0 && ra[k] === sa[d] * shape[d] && rb[k] === sb[d] * shape[d]) {
      dims[k] *= shape[d];
      ra[k] = sa[d];
      rb[k] = sb[d];
    } else {
      dims.push(shape[d]);
      ra.push(sa[d]);
      rb.push(sb[d]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    ra.push(0);
    rb.push(0);
  }
  if (dims.length > 8) return null;
  return {
    shape,
    size: shapeSize(shape),
    dims: Float64Array.from(dims),
    sa: Float64Array.from(ra),
    sb: Float64Array.from(rb),
  };
}
