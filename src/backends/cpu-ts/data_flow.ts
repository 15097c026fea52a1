// Queue kernels (FIFOQueueV2, PaddingFIFOQueueV2, RandomShuffleQueueV2, PriorityQueueV2 and the
// QueueEnqueue/Dequeue/Close/Size ops). A queue is per-session state (env.resources, keyed by
// container and shared_name, else by node name); its ops pass a ResourceHandle to it. Blocking
// enqueues and dequeues return promises (data_flow_queue.ts has the waiting rules).
import { allocData, type DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import type { TensorShape } from "../../framework/tensor_shape.js";
import { arr, type KernelEnv, type NodeInfo, ResourceHandle, type Value } from "../kernel.js";
import {
  type ComponentShape,
  makeQueue,
  type QueueKind,
  type QueueState,
  type Tuple,
} from "./data_flow_queue.js";
import { cpuBackend } from "./index.js";

/** Reads a list(shape) attr as dim lists (null: unknown dim); an unknown rank is an error. */
function shapesAttr(node: NodeInfo, kind: QueueKind): ComponentShape[] {
  const list = (node.attrs.shapes ?? []) as readonly TensorShape[];
  return list.map((s, i) => {
    if (s.dims === null)
      throw new InvalidArgumentError(
        `${node.name}: ${kind} shape of component ${i} must have a known rank`,
      );
    if (kind !== "PaddingFIFOQueue" && s.dims.some((d) => d === null))
      throw new InvalidArgumentError(
        `${node.name}: ${kind} needs fully defined shapes, component ${i} has ${s.toString()} (PaddingFIFOQueue allows unknown dims)`,
      );
    return s.dims;
  });
}

/** Each session numbers its anonymous queues as TF's resource manager does ("_0_fifo_queue"). */
function anonymousId(env: KernelEnv): number {
  const n = (env.resources.get("queue:#next") as number | undefined) ?? 0;
  env.resources.set("queue:#next", n + 1);
  return n;
}

const queueKernel = (kind: QueueKind) => (node: NodeInfo, env: KernelEnv) => {
  const a = node.attrs;
  let dtypes = [...((a.component_types ?? []) as DType[])];
  let shapes = shapesAttr(node, kind);
  if (kind === "PriorityQueue") {
    // The priority is an extra int64 scalar component in front.
    dtypes = ["int64", ...dtypes];
    if (shapes.length > 0) shapes = [[], ...shapes];
  }
  if (kind === "PaddingFIFOQueue" && shapes.length !== dtypes.length)
    throw new InvalidArgumentError(
      `${node.name}: Shapes must be provided for all components, but received ${shapes.length} and ${dtypes.length} types.`,
    );
  const capacity = a.capacity as number;
  const shared = a.shared_name as string;
  const key = `queue:${(a.container as string) || ""}/${shared || node.name}`;
  return (): Value[] => {
    let q = env.resources.get(key) as QueueState | undefined;
    if (!q) {
      q = makeQueue({
        kind,
        name: shared || `_${anonymousId(env)}_${node.name}`,
        dtypes,
        shapes,
        capacity,
        minAfterDequeue: a.min_after_dequeue as number | undefined,
        seed: a.seed as number | undefined,
        seed2: a.seed2 as number | undefined,
      });
      env.resources.set(key, q);
    }
    return [new ResourceHandle("Queue", q.name, q)];
  };
};
for (const kind of [
  "FIFOQueue",
  "PaddingFIFOQueue",
  "RandomShuffleQueue",
  "PriorityQueue",
] as const) {
  // The V1 op (TF1 graphs before 1.2) passes the same handle along a ref edge.
  cpuBackend.registerAll([`${kind}V2`, kind], queueKernel(kind));
}

/** The queue a handle input points to. */
export function queueOf(v: Value, op: string): QueueState {
  if (!(v instanceof ResourceHandle) || v.kind !== "Queue")
    throw new InvalidArgumentError(`${op}: expects a queue handle`);
  return v.state as QueueState;
}

cpuBackend.registerAll(["QueueEnqueueV2", "QueueEnqueue"], (node) => (inputs) => {
  const q = queueOf(inputs[0], node.type);
  const t = inputs.slice(1).map(arr);
  q.validate(t, node.type);
  const r = q.enqueue([t], node.type);
  return r instanceof Promise ? r.then(() => []) : [];
});

cpuBackend.registerAll(["QueueEnqueueManyV2", "QueueEnqueueMany"], (node) => (inputs) => {
  const q = queueOf(inputs[0], node.type);
  const elements = q.splitMany(inputs.slice(1).map(arr), node.type);
  for (const e of elements) q.validate(e, node.type);
  if (elements.length === 0) return [];
  const r = q.enqueue(elements, node.type);
  return r instanceof Promise ? r.then(() => []) : [];
});

cpuBackend.registerAll(["QueueDequeueV2", "QueueDequeue"], (node) => (inputs) => {
  const q = queueOf(inputs[0], node.type);
  checkOutputTypes(node, q);
  const r = q.dequeue(1, "one", node.type);
  return r instanceof Promise ? r.then((ts) => ts[0]) : r[0];
});

const dequeueManyKernel = (node: NodeInfo) => (inputs: Value[]) => {
  const q = queueOf(inputs[0], node.type);
  checkOutputTypes(node, q);
  const n = Number(arr(inputs[1]).data[0]);
  if (n < 0)
    throw new InvalidArgumentError(`${node.type}: requested ${n} < 0 elements (node ${node.name})`);
  if (q.shapes.length === 0)
    throw new InvalidArgumentError(
      `${q.kind}'s DequeueMany and DequeueUpTo require the components to have specified shapes.`,
    );
  if (n === 0) return q.dtypes.map((d, i) => emptyBatch(d, q.shapes[i]));
  const mode = node.type.startsWith("QueueDequeueUpTo") ? "upTo" : "many";
  const r = q.dequeue(n, mode, node.type);
  return r instanceof Promise ? r.then((ts) => batch(q, ts)) : batch(q, r);
};
cpuBackend.registerAll(
  ["QueueDequeueManyV2", "QueueDequeueMany", "QueueDequeueUpToV2", "QueueDequeueUpTo"],
  dequeueManyKernel,
);

cpuBackend.registerAll(["QueueCloseV2", "QueueClose"], (node) => (inputs) => {
  const r = queueOf(inputs[0], node.type).close(
    node.attrs.cancel_pending_enqueues as boolean,
    node.type,
  );
  return r instanceof Promise ? r.then(() => []) : [];
});
cpuBackend.registerAll(["QueueSizeV2", "QueueSize"], (node) => (inputs) => [
  new NDArray("int32", [], [queueOf(inputs[0], node.type).size]),
]);
cpuBackend.registerAll(["QueueIsClosedV2", "QueueIsClosed"], (node) => (inputs) => [
  new NDArray("bool", [], [queueOf(inputs[0], node.type).closed]),
]);

function checkOutputTypes(node: NodeInfo, q: QueueState): void {
  const want = node.attrs.component_types as DType[];
  if (want.length !== q.dtypes.length || want.some((d, i) => d !== q.dtypes[i]))
    throw new InvalidArgumentError(
      `${node.type}: ${q.kind} '${q.name}' has component types [${q.dtypes.join(", ")}], the op expects [${want.join(", ")}]`,
    );
}

function emptyBatch(dtype: DType, shape: ComponentShape): NDArray {
  return new NDArray(dtype, [0, ...shape.map((d) => d ?? 0)]);
}

/** Stacks the elements' components along a new first axis, zero-padding to the largest shape. */
function batch(q: QueueState, elements: readonly Tuple[]): NDArray[] {
  return q.dtypes.map((dtype, c) => {
    const parts = elements.map((e) => e[c]);
    const rank = parts[0].shape.length;
    const inner = parts[0].shape.map((_, k) => Math.max(...parts.map((p) => p.shape[k])));
    const shape = [parts.length, ...inner];
    const m = inner.reduce((x, y) => x * y, 1);
    const data = allocData(dtype, parts.length * m, shape);
    parts.forEach((p, i) => {
      if (p.shape.every((d, k) => d === inner[k])) {
        copyInto(data, p.data, i * m);
        return;
      }
      // Row-major copy of p into the top-left corner of its padded slot.
      const idx = new Array<number>(rank).fill(0);
      for (let j = 0; j < p.size; j++) {
        let off = 0;
        for (let k = 0; k < rank; k++) off = off * inner[k] + idx[k];
        (data as unknown[])[i * m + off] = (p.data as unknown as unknown[])[j];
        for (let k = rank - 1; k >= 0; k--) {
          if (++idx[k] < p.shape[k]) break;
          idx[k] = 0;
        }
      }
    });
    return new NDArray(dtype, shape, data);
  });
}

function copyInto(dst: NDArray["data"], src: NDArray["data"], at: number): void {
  if (Array.isArray(dst)) for (let j = 0; j < src.length; j++) dst[at + j] = src[j] as string;
  else (dst as Float64Array).set(src as Float64Array, at);
}
