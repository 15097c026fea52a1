// What the static and dataflow plans share: the Plan interface, kernel creation and error
// annotation.

import { markEscaped } from "../backends/buffer_pool.js";
import {
  type Backend,
  type Dead,
  type Kernel,
  type KernelEnv,
  ResourceHandle,
  type Value,
  VariableRef,
} from "../backends/kernel.js";
import { DTYPE_BYTES, type DType } from "../framework/dtypes.js";
import {
  FailedPreconditionError,
  InternalError,
  InvalidArgumentError,
  OpError,
  ResourceExhaustedError,
  UnimplementedError,
} from "../framework/errors.js";
import type { Operation } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { PassReport } from "../passes/rewriter_config.js";
import type { RunState } from "./run_state.js";

/** A compiled (feeds, fetches) signature, ready to run many times. */
export interface Plan {
  /**
   * Runs the plan; returns the fetched values (refs read): synchronously when nothing awaited,
   * else a promise (see run_state.ts).
   */
  execute(feedValues: readonly Value[], st: RunState): NDArray[] | Promise<NDArray[]>;
  /** Number of nodes in the plan. */
  readonly size: number;
  /** What the graph passes changed when the plan was compiled. */
  readonly passReport?: readonly PassReport[];
}

export interface RunStats {
  /** Nodes executed. */
  nodes: number;
  /** Largest total size of live intermediate buffers during the run, in bytes (fetched and fed values included). */
  peakLiveBytes: number;
  /** Per device, per node timings and outputs (TF's StepStats), with RunOptions.traceLevel. */
  devStats: DeviceStepStats[];
}

/** TF's DeviceStepStats: the nodes one device ran in a step. */
export interface DeviceStepStats {
  device: string;
  nodeStats: NodeExecStats[];
}

/** TF's NodeExecStats, the parts tensorgraph fills. Times in microseconds. */
export interface NodeExecStats {
  nodeName: string;
  opType: string;
  /** The backend whose kernel ran it ("native", "cpu-ts"). */
  backend: string;
  /** Wall-clock start, in microseconds since the epoch. */
  allStartMicros: number;
  opStartRelMicros: number;
  opEndRelMicros: number;
  allEndRelMicros: number;
  /** What TF's timeline shows as the node's label: "name = Op(inputs)". */
  timelineLabel: string;
  output: { slot: number; dtype: DType; shape: number[]; requestedBytes: number }[];
}

export function inputIsRef(op: Operation, index: number): boolean {
  let i = 0;
  for (const arg of op.def.inputs) {
    const n = arg.numberAttr
      ? (op.attrs[arg.numberAttr] as number)
      : arg.typeListAttr
        ? (op.attrs[arg.typeListAttr] as unknown[]).length
        : 1;
    if (index < i + n) return arg.isRef;
    i += n;
  }
  return false;
}

/** The backend each plan kernel came from (for traces). */
const backendOfKernel = new WeakMap<Kernel, string>();
export const kernelBackend = (k: Kernel): string => backendOfKernel.get(k) ?? "unknown";

export function makeKernel(op: Operation, backends: readonly Backend[], env: KernelEnv): Kernel {
  for (const b of backends) {
    const factory = b.get(op.type);
    if (!factory) continue;
    try {
      const kernel = factory(
        {
          name: op.name,
          type: op.type,
          attrs: op.attrs,
          inputDtypes: op.inputs.map((t) => t.dtype),
          outputDtypes: op.outputs.map((t) => t.dtype),
        },
        env,
      );
      backendOfKernel.set(kernel, b.name);
      return kernel;
    } catch (e) {
      throw annotate(e, op);
    }
  }
  throw new UnimplementedError(
    `No kernel is registered for op type '${op.type}' (node '${op.name}', defined at ${op.definedAt}) on backend ${backends.map((b) => b.name).join(" or ")}`,
    op.name,
  );
}

/** The RangeErrors of a JS allocation that is too large (typed array, ArrayBuffer, Array). */
const OUT_OF_MEMORY =
  /Invalid typed array length|Array buffer allocation failed|Invalid array (buffer )?length|Invalid string length/;

/** Adds the failing node's name and creation site to a kernel's error, keeping its class. */
export function annotate(e: unknown, op: Operation): Error {
  const suffix = `\n\t [[node ${op.name} (defined at ${op.definedAt}) ]]`;
  if (e instanceof OpError) {
    if (e.opName) return e;
    const Cls = e.constructor as new (m: string, o?: string) => OpError;
    // An allocation refused by memory_limit.ts knows the shape, not the op: name its type too.
    const where = e instanceof ResourceExhaustedError ? ` (op '${op.type}')` : "";
    const err = new Cls(`${e.message}${where}${suffix}`, op.name);
    return err;
  }
  const msg = e instanceof Error ? e.message : String(e);
  // The last resort for an allocation no check caught (memory_limit.ts checks the known ones).
  if (e instanceof RangeError && OUT_OF_MEMORY.test(msg)) {
    return new ResourceExhaustedError(
      `OOM in the kernel of '${op.type}': ${msg}${suffix}`,
      op.name,
    );
  }
  return new InternalError(`Kernel of '${op.type}' failed: ${msg}${suffix}`, op.name);
}

/** What a fetch returns for a value: a variable's current value; a handle only when kept. */
export function fetchedValue(v: Value, keepHandles: true): Value;
export function fetchedValue(v: Value, keepHandles?: false): NDArray;
export function fetchedValue(v: Value, keepHandles = false): Value {
  if (keepHandles && v instanceof ResourceHandle) return v;
  if (v instanceof NDArray) {
    markEscaped(v.data); // the caller holds it now
    return v;
  }
  if (v instanceof VariableRef) return v.read();
  throw new InvalidArgumentError(
    `Cannot fetch a ${v.kind} resource handle ('${v.name}'): fetch a tensor computed from it`,
  );
}

/** A kernel returned a promise in a run that cannot await (Session.runSync). */
export function cannotAwait(op: Operation | undefined): FailedPreconditionError {
  const what = op ? `op '${op.name}' (${op.type})` : "an op";
  return new FailedPreconditionError(
    `${what} waits (a blocking or asynchronous kernel): run it with Session.run, not runSync`,
    op?.name,
  );
}

const bytesOf = (v: NDArray): number => v.size * DTYPE_BYTES[v.dtype];

/**
 * Per-run statistics: live bytes (each buffer once, however many slots share it), their peak,
 * and with tracing each node's NodeExecStats.
 */
export class LiveBytes {
  private readonly refs = new Map<unknown, number>();
  private live = 0;
  private nodeStats: NodeExecStats[] | null = null;
  constructor(readonly stats: RunStats) {}
  hold(v: Value | Dead | undefined): void {
    if (!(v instanceof NDArray)) return;
    const n = this.refs.get(v.data) ?? 0;
    this.refs.set(v.data, n + 1);
    if (n === 0) this.live += bytesOf(v);
  }
  drop(v: Value | Dead | undefined): void {
    if (!(v instanceof NDArray)) return;
    const n = this.refs.get(v.data);
    if (n === undefined) return;
    if (n === 1) {
      this.refs.delete(v.data);
      this.live -= bytesOf(v);
    } else this.refs.set(v.data, n - 1);
  }
  peak(): void {
    if (this.live > this.stats.peakLiveBytes) this.stats.peakLiveBytes = this.live;
  }
  /** Records a node that ran from `started` (performance.now()) until now. */
  trace(op: Operation, backend: string, started: number, outs: readonly (Value | Dead)[]): void {
    if (!this.nodeStats) {
      let dev = this.stats.devStats.find((d) => d.device === CPU_DEVICE);
      if (!dev) this.stats.devStats.push((dev = { device: CPU_DEVICE, nodeStats: [] }));
      this.nodeStats = dev.nodeStats;
    }
    const dur = Math.round((performance.now() - started) * 1000);
    this.nodeStats.push({
      nodeName: op.name,
      opType: op.type,
      backend,
      allStartMicros: Math.round((performance.timeOrigin + started) * 1000),
      opStartRelMicros: 0,
      opEndRelMicros: dur,
      allEndRelMicros: dur,
      timelineLabel: `${op.name} = ${op.type}(${op.inputs.map((t) => t.name).join(", ")})`,
      output: outs.flatMap((v, slot) =>
        v instanceof NDArray
          ? [{ slot, dtype: v.dtype, shape: [...v.shape], requestedBytes: bytesOf(v) }]
          : [],
      ),
    });
  }
}

/** The device name tensorgraph's in-process runs report (TF's for the first CPU). */
export const CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0";
