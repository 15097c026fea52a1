// _Send and _Recv, the ops the master adds where a graph edge crosses tasks (TF's
// core/ops/sendrecv_ops.cc signatures), the per-worker rendezvous they meet in, and the run
// context a partition's step runs in (its step id and how to reach the sending task).
import { cpuBackend } from "../backends/cpu-ts/index.js";
import { type NodeInfo, type Value, VariableRef } from "../backends/kernel.js";
import { AbortedError, FailedPreconditionError } from "../framework/errors.js";
import { NDArray } from "../framework/ndarray.js";
import type { ArgDef, AttrDef, OpDef } from "../framework/op_def.js";
import { registerInternalOp } from "../framework/op_registry.js";
import { currentRun } from "../framework/run_context.js";
import { RunControl } from "../runtime/run_state.js";

const attr = (name: string, type: string, defaultRaw?: unknown): AttrDef => ({
  name,
  type,
  hasDefault: defaultRaw !== undefined,
  defaultRaw,
});
const keyAttrs = [
  attr("tensor_name", "string"),
  attr("send_device", "string"),
  attr("send_device_incarnation", "int"),
  attr("recv_device", "string"),
  attr("client_terminated", "bool", false),
];
const def = (name: string, inputs: ArgDef[], outputs: ArgDef[], attrs: AttrDef[]): OpDef => ({
  name,
  inputs,
  outputs,
  attrs,
  attrMap: new Map(attrs.map((a) => [a.name, a])),
  isStateful: true,
});

registerInternalOp(
  def(
    "_Send",
    [{ name: "tensor", typeAttr: "T", isRef: false }],
    [],
    [attr("T", "type"), ...keyAttrs],
  ),
  {},
);
registerInternalOp(
  def(
    "_Recv",
    [],
    [{ name: "tensor", typeAttr: "tensor_type", isRef: false }],
    [attr("tensor_type", "type"), ...keyAttrs],
  ),
  {},
);

/**
 * TF's rendezvous key of a tensor crossing devices in a step's frame 0, iteration 0:
 * "send_device;incarnation(16 hex digits);recv_device;tensor_name;0:0".
 */
export function rendezvousKey(
  sendDevice: string,
  incarnation: number,
  recvDevice: string,
  tensorName: string,
): string {
  return `${sendDevice};${incarnation.toString(16).padStart(16, "0")};${recvDevice};${tensorName};0:0`;
}

/** The parts of a rendezvous key (InvalidArgument-free: the caller validates). */
export function parseRendezvousKey(
  key: string,
): { sendDevice: string; incarnation: number; recvDevice: string; tensorName: string } | null {
  const parts = key.split(";");
  if (parts.length !== 5) return null;
  const incarnation = Number.parseInt(parts[1], 16);
  if (!Number.isFinite(incarnation)) return null;
  return { sendDevice: parts[0], incarnation, recvDevice: parts[2], tensorName: parts[3] };
}

interface Slot {
  value?: NDArray;
  waiters: { resolve: (v: NDArray) => void; reject: (e: unknown) => void }[];
}

/**
 * Where a step's sends meet its receives, on one worker: each key holds one tensor, taken once.
 * A receive waits for its send; aborting a step fails its waiting receives and later ones.
 */
export class Rendezvous {
  private readonly steps = new Map<bigint, Map<string, Slot>>();
  private readonly aborted = new Map<bigint, unknown>();

  private slot(step: bigint, key: string): Slot {
    let s = this.steps.get(step);
    if (!s) this.steps.set(step, (s = new Map()));
    let slot = s.get(key);
    if (!slot) s.set(key, (slot = { waiters: [] }));
    return slot;
  }

  /** Forgets a delivered key (and its step once it holds nothing). */
  private take(step: bigint, key: string): void {
    const s = this.steps.get(step);
    if (!s) return;
    s.delete(key);
    if (s.size === 0) this.steps.delete(step);
  }

  send(step: bigint, key: string, value: NDArray): void {
    const reason = this.aborted.get(step);
    if (reason !== undefined) throw reason;
    const slot = this.slot(step, key);
    const waiter = slot.waiters.shift();
    if (waiter) {
      this.take(step, key);
      waiter.resolve(value);
    } else slot.value = value;
  }

  recv(step: bigint, key: string, signal?: AbortSignal): Promise<NDArray> {
    const reason = this.aborted.get(step);
    if (reason !== undefined) return Promise.reject(reason);
    const slot = this.slot(step, key);
    if (slot.value !== undefined) {
      this.take(step, key);
      return Promise.resolve(slot.value);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (v: NDArray) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(v);
        },
        reject: (e: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      const onAbort = () => {
        const i = slot.waiters.indexOf(waiter);
        if (i >= 0) slot.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      slot.waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Fails the step's waiting and later receives with `reason` (until `cleanup`). */
  abort(step: bigint, reason: unknown): void {
    this.aborted.set(step, reason);
    for (const slot of this.steps.get(step)?.values() ?? [])
      for (const w of slot.waiters.splice(0)) w.reject(reason);
    this.steps.delete(step);
  }

  /** Drops what the step left (tensors no one received, its aborted mark). */
  cleanup(step: bigint): void {
    const s = this.steps.get(step);
    if (s)
      for (const slot of s.values())
        for (const w of slot.waiters.splice(0))
          w.reject(new AbortedError(`Step ${step} was cleaned up while a receive waited`));
    this.steps.delete(step);
    this.aborted.delete(step);
  }

  /** Steps with tensors or waiters (for tests: nothing should be left after a step). */
  get pendingSteps(): number {
    return this.steps.size;
  }
}

/** How a partition's _Recv reaches another task's rendezvous (the worker's RecvTensor client). */
export type RemoteRecv = (
  sendDevice: string,
  step: bigint,
  key: string,
  signal: AbortSignal,
) => Promise<NDArray>;

/** The context of one RunGraph step: the run's controls plus what _Send/_Recv need. */
export class StepControl extends RunControl {
  constructor(
    memoryLimit: number,
    readonly stepId: bigint,
    readonly rendezvous: Rendezvous,
    /** This worker's task device prefix, "/job:J/replica:0/task:T". */
    readonly localTask: string,
    readonly remoteRecv: RemoteRecv,
  ) {
    super(true, memoryLimit);
  }
}

function stepOf(node: NodeInfo): StepControl {
  const run = currentRun();
  if (!(run instanceof StepControl))
    throw new FailedPreconditionError(
      `${node.type} '${node.name}' runs only in a graph partition registered on a tf.train.Server`,
    );
  return run;
}

/** The task part of a device name ("/job:ps/replica:0/task:0/device:CPU:0" → "/job:ps/replica:0/task:0"). */
export const taskOfDevice = (device: string): string => device.replace(/\/device:.*$/, "");

const copyOf = (a: NDArray): NDArray =>
  new NDArray(a.dtype, a.shape, a.data.slice() as typeof a.data);

function keyOf(node: NodeInfo): { key: string; sendDevice: string; clientTerminated: boolean } {
  const a = node.attrs;
  const sendDevice = String(a.send_device);
  return {
    key: rendezvousKey(
      sendDevice,
      Number(a.send_device_incarnation),
      String(a.recv_device),
      String(a.tensor_name),
    ),
    sendDevice,
    clientTerminated: a.client_terminated === true,
  };
}

cpuBackend.register("_Send", (node) => {
  const { key } = keyOf(node);
  return (inputs: Value[]) => {
    const step = stepOf(node);
    const v = inputs[0];
    // A ref (VariableV2's output) crosses tasks as a copy of its current value: later updates
    // of the variable (in place) must not change what was sent.
    const value = v instanceof VariableRef ? copyOf(v.read()) : (v as NDArray);
    step.rendezvous.send(step.stepId, key, value);
    return [];
  };
});

cpuBackend.register("_Recv", (node) => {
  const { key, sendDevice, clientTerminated } = keyOf(node);
  const sendTask = taskOfDevice(sendDevice);
  return () => {
    const step = stepOf(node);
    const signal = step.signal;
    const local = clientTerminated || sendTask === step.localTask;
    const got = local
      ? step.rendezvous.recv(step.stepId, key, signal)
      : step.remoteRecv(sendDevice, step.stepId, key, signal);
    return got.then((v) => [v]);
  };
});
