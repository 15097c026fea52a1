// What the master does with a client's graph before a step: prunes it to what the fetches and
// targets need, places every node on a task (explicit devices, colocation with "_class" attrs and
// with the variables/resources it updates, the master's own task by default), and cuts it into
// one GraphDef per task, with a _Send/_Recv pair (TF's rendezvous keys) on each edge that crosses
// tasks, a client-terminated _Recv for each feed and _Send for each fetch.
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, UnimplementedError } from "../framework/errors.js";
import type { Graph, Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import {
  type AttrValue,
  AttrValueSchema,
  type GraphDef,
  GraphDefSchema,
  type NodeDef,
  NodeDefSchema,
} from "../io/proto/index.js";
import { dataTypeEnum, ndarrayToTensorProto } from "../io/tensor_proto.js";
import type { ClusterSpec } from "./cluster_spec.js";
import {
  type DeviceSpec,
  deviceMatches,
  deviceString,
  parseDevice,
  taskCpuDevice,
} from "./device_name.js";
import { rendezvousKey } from "./send_recv.js";

/** The device of the client end of feeds and fetches (TF's client device name). */
export const CLIENT_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0";

export interface TaskId {
  job: string;
  task: number;
}
export const taskKey = (t: TaskId): string => `/job:${t.job}/replica:0/task:${t.task}`;

/** One task's partition and the rendezvous keys the master feeds and fetches through it. */
export interface Partition {
  task: TaskId;
  graphDef: GraphDef;
  /** feed tensor name → rendezvous key of its client-terminated _Recv in this partition. */
  feedKeys: Map<string, string>;
  /** fetch tensor name → rendezvous key of its client-terminated _Send in this partition. */
  fetchKeys: Map<string, string>;
}

export interface PartitionRequest {
  graph: Graph;
  /** The session's NodeDefs by name (the client's own, with attrs the Graph does not keep). */
  nodeDefs: ReadonlyMap<string, NodeDef>;
  library: GraphDef["library"];
  versions: GraphDef["versions"];
  feeds: readonly string[];
  fetches: readonly string[];
  targets: readonly string[];
  cluster: ClusterSpec;
  /** Where nodes without a device (or with only a device type) go: the master's task. */
  defaultTask: TaskId;
  /** ConfigProto.deviceFilters: only matching tasks may hold nodes (empty: all). */
  deviceFilters: readonly string[];
  /** Each task's incarnation (part of the rendezvous keys). */
  incarnation: (task: TaskId) => number;
}

/** "x" → "x:0"; "x:1" stays. */
export const canonicalTensorName = (name: string): string =>
  /:\d+$/.test(name) ? name : `${name}:0`;

function tensorByName(graph: Graph, name: string, what: string): Tensor {
  const [op, index] = [
    name.slice(0, name.lastIndexOf(":")),
    Number(name.slice(name.lastIndexOf(":") + 1)),
  ];
  const t = graph.hasOperation(op) ? graph.getOperationByName(op).outputs[index] : undefined;
  if (!t)
    throw new InvalidArgumentError(
      `Tensor ${name}, specified in either feed_devices or fetch_devices was not found in the Graph (${what})`,
    );
  return t;
}

/** The ops the fetches and targets need, not looking past fed tensors. */
function neededOps(
  fetches: readonly Tensor[],
  targets: readonly Operation[],
  fed: ReadonlySet<string>,
): Operation[] {
  const seen = new Set<Operation>();
  const stack: Operation[] = [
    ...fetches.filter((t) => !fed.has(t.name)).map((t) => t.op),
    ...targets,
  ];
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    for (const t of op.inputs) if (!fed.has(t.name)) stack.push(t.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

/** Union-find over op names: an op joins the group of what it must be colocated with. */
class Groups {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    while (p !== (this.parent.get(p) ?? p)) p = this.parent.get(p)!;
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

function colocationNames(def: NodeDef | undefined): string[] {
  const v = def?.attr._class?.value;
  if (v?.case !== "list") return [];
  const dec = new TextDecoder();
  return v.value.s
    .map((b) => dec.decode(b))
    .filter((s) => s.startsWith("loc:@"))
    .map((s) => s.slice(5));
}

/** A resource handle (VarHandleOp, a queue's or table's handle...): its users run where it lives. */
const isResource = (t: Tensor): boolean =>
  (t.dtype as string) === "resource" || t.op.def.outputs[t.index]?.type === "resource";

/** Places each needed op on a task; an impossible device is InvalidArgumentError naming it. */
export function placeOps(req: PartitionRequest, ops: readonly Operation[]): Map<Operation, TaskId> {
  const groups = new Groups();
  const names = new Set(ops.map((o) => o.name));
  for (const op of ops) {
    for (const other of colocationNames(req.nodeDefs.get(op.name)))
      if (names.has(other)) groups.union(other, op.name);
    // An op that updates a variable or uses a resource runs where it lives (TF's placer rule).
    for (const t of op.inputs)
      if ((t.isRef || isResource(t)) && names.has(t.op.name)) groups.union(t.op.name, op.name);
  }
  // A group's device: the first explicit part of each field among its members, producers first.
  const groupSpec = new Map<string, DeviceSpec>();
  for (const op of ops) {
    const g = groups.find(op.name);
    const spec = parseDevice(op.device);
    const prev = groupSpec.get(g) ?? {};
    groupSpec.set(g, {
      job: prev.job ?? spec.job,
      replica: prev.replica ?? spec.replica,
      task: prev.task ?? spec.task,
      deviceType: prev.deviceType ?? spec.deviceType,
      deviceIndex: prev.deviceIndex ?? spec.deviceIndex,
    });
  }
  const filters = req.deviceFilters.map(parseDevice);
  const out = new Map<Operation, TaskId>();
  const checked = new Map<string, TaskId>();
  for (const op of ops) {
    const spec = groupSpec.get(groups.find(op.name))!;
    const job = spec.job ?? req.defaultTask.job;
    const task = spec.task ?? (job === req.defaultTask.job ? req.defaultTask.task : 0);
    const key = `${job}/${task}/${spec.replica ?? 0}/${spec.deviceType ?? "CPU"}`;
    let placed = checked.get(key);
    if (!placed) {
      const full: DeviceSpec = { job, replica: 0, task, deviceType: "CPU", deviceIndex: 0 };
      const inCluster = req.cluster.findTask(job, task) !== undefined && (spec.replica ?? 0) === 0;
      const typeOk = spec.deviceType === undefined || spec.deviceType === "CPU";
      const filtered = filters.length === 0 || filters.some((f) => deviceMatches(full, f));
      if (!inCluster || !typeOk || !filtered) {
        const why = !inCluster
          ? `the cluster has jobs ${req.cluster.describe()}`
          : !typeOk
            ? "tasks have only CPU devices"
            : `the session's device filters are ${req.deviceFilters.join(", ")}`;
        throw new InvalidArgumentError(
          `Cannot assign a device for operation ${op.name}: device '${op.device || deviceString(spec)}' matches no device (${why})`,
          op.name,
        );
      }
      placed = { job, task };
      checked.set(key, placed);
    }
    out.set(op, placed);
  }
  return out;
}

const attr = (value: AttrValue["value"]): AttrValue => create(AttrValueSchema, { value });
const typeAttr = (t: Tensor): AttrValue => {
  const e = dataTypeEnum(t.dtype);
  if (e === undefined)
    throw new InvalidArgumentError(`Tensor ${t.name} of dtype ${t.dtype} cannot cross tasks`);
  return attr({ case: "type", value: e });
};
const strAttr = (s: string): AttrValue => attr({ case: "s", value: new TextEncoder().encode(s) });

function sendRecvAttrs(key: {
  sendDevice: string;
  recvDevice: string;
  tensorName: string;
  incarnation: number;
  client: boolean;
}) {
  return {
    tensor_name: strAttr(key.tensorName),
    send_device: strAttr(key.sendDevice),
    send_device_incarnation: attr({ case: "i", value: BigInt(key.incarnation) }),
    recv_device: strAttr(key.recvDevice),
    client_terminated: attr({ case: "b", value: key.client }),
  };
}

/** Prunes, places and partitions; one Partition per task that runs something. */
export function partitionGraph(req: PartitionRequest): Partition[] {
  const { graph } = req;
  const feeds = req.feeds.map(canonicalTensorName);
  const fed = new Set(feeds);
  for (const f of feeds) tensorByName(graph, f, "feed");
  const fetchTensors = req.fetches.map((f) => tensorByName(graph, canonicalTensorName(f), "fetch"));
  const targetOps = req.targets.map((name) => {
    if (!graph.hasOperation(name))
      throw new InvalidArgumentError(`Target node '${name}' was not found in the Graph`);
    return graph.getOperationByName(name);
  });
  const ops = neededOps(fetchTensors, targetOps, fed);
  const placement = placeOps(req, ops);

  const parts = new Map<string, Partition>();
  const partOf = (t: TaskId): Partition => {
    const k = taskKey(t);
    let p = parts.get(k);
    if (!p) {
      p = {
        task: t,
        graphDef: create(GraphDefSchema, { library: req.library, versions: req.versions }),
        feedKeys: new Map(),
        fetchKeys: new Map(),
      };
      parts.set(k, p);
    }
    return p;
  };
  const deviceOf = (t: TaskId) => taskCpuDevice(t.job, t.task);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.\-/]/g, "_");
  // Receivers already made, per (tensor or control source, receiving task).
  const made = new Map<string, string>();
  let edge = 0;

  /** The name, in `dst`'s partition, of a node giving tensor `t` (a _Recv when it lives elsewhere). */
  const crossTensor = (t: Tensor, src: TaskId, dst: TaskId): string => {
    // A loop's or cond's tensors would need TF's frame-aware keys and dead-tensor sends.
    if (t.op.controlFlowContext !== null)
      throw new UnimplementedError(
        `Tensor ${t.name} of a tf.cond or tf.whileLoop body would cross from ${taskKey(src)} to ${taskKey(dst)}: control flow split across tasks is not supported yet; place the whole construct on one task`,
      );
    const k = `${t.name}|${taskKey(dst)}`;
    const known = made.get(k);
    if (known) return known;
    const tensorName = `edge_${++edge}_${safe(t.op.name)}`;
    const key = {
      sendDevice: deviceOf(src),
      recvDevice: deviceOf(dst),
      tensorName,
      incarnation: req.incarnation(src),
      client: false,
    };
    const base = `${safe(t.op.name)}/_${edge}`;
    partOf(src).graphDef.node.push(
      create(NodeDefSchema, {
        name: `${base}_send`,
        op: "_Send",
        input: [t.name],
        device: key.sendDevice,
        attr: { T: typeAttr(t), ...sendRecvAttrs(key) },
      }),
    );
    const recv = `${base}_recv`;
    partOf(dst).graphDef.node.push(
      create(NodeDefSchema, {
        name: recv,
        op: "_Recv",
        device: key.recvDevice,
        attr: { tensor_type: typeAttr(t), ...sendRecvAttrs(key) },
      }),
    );
    made.set(k, `${recv}:0`);
    return `${recv}:0`;
  };

  for (const op of ops) {
    const task = placement.get(op)!;
    const def = req.nodeDefs.get(op.name);
    if (!def)
      throw new InvalidArgumentError(`Node '${op.name}' has no NodeDef in the session's graph`);
    const node = create(NodeDefSchema, { ...def, device: deviceOf(task), input: [] });
    let dataIndex = 0;
    for (const input of def.input) {
      if (input.startsWith("^")) {
        const src = graph.getOperationByName(input.slice(1));
        const srcTask = placement.get(src);
        if (!srcTask) continue; // pruned away (it fed only fed tensors)
        if (taskKey(srcTask) === taskKey(task)) node.input.push(input);
        else node.input.push(`^${controlRecv(src, srcTask, task)}`);
        continue;
      }
      const t = op.inputs[dataIndex++];
      if (fed.has(t.name)) node.input.push(feedRecv(t, task));
      else {
        const srcTask = placement.get(t.op)!;
        node.input.push(taskKey(srcTask) === taskKey(task) ? input : crossTensor(t, srcTask, task));
      }
    }
    partOf(task).graphDef.node.push(node);
  }

  function controlRecv(src: Operation, srcTask: TaskId, dst: TaskId): string {
    if (src.controlFlowContext !== null)
      throw new UnimplementedError(
        `Control edge from ${src.name} (inside a tf.cond or tf.whileLoop) would cross from ${taskKey(srcTask)} to ${taskKey(dst)}: control flow split across tasks is not supported yet; place the whole construct on one task`,
      );
    const k = `^${src.name}|${taskKey(dst)}`;
    const known = made.get(k);
    if (known) return known;
    const n = ++edge;
    const base = `${safe(src.name)}/_ctrl_${n}`;
    const key = {
      sendDevice: deviceOf(srcTask),
      recvDevice: deviceOf(dst),
      tensorName: `edge_${n}_${safe(src.name)}_ctrl`,
      incarnation: req.incarnation(srcTask),
      client: false,
    };
    const f32 = attr({ case: "type", value: dataTypeEnum("float32")! });
    partOf(srcTask).graphDef.node.push(
      create(NodeDefSchema, {
        name: `${base}_const`,
        op: "Const",
        input: [`^${src.name}`],
        device: key.sendDevice,
        attr: {
          dtype: f32,
          value: attr({
            case: "tensor",
            value: ndarrayToTensorProto(new NDArray("float32", [], new Float32Array(1))),
          }),
        },
      }),
      create(NodeDefSchema, {
        name: `${base}_send`,
        op: "_Send",
        input: [`${base}_const`],
        device: key.sendDevice,
        attr: { T: f32, ...sendRecvAttrs(key) },
      }),
    );
    partOf(dst).graphDef.node.push(
      create(NodeDefSchema, {
        name: `${base}_recv`,
        op: "_Recv",
        device: key.recvDevice,
        attr: { tensor_type: f32, ...sendRecvAttrs(key) },
      }),
    );
    made.set(k, `${base}_recv`);
    return `${base}_recv`;
  }

  function feedRecv(t: Tensor, dst: TaskId): string {
    const k = `feed|${t.name}|${taskKey(dst)}`;
    const known = made.get(k);
    if (known) return known;
    const key = {
      sendDevice: CLIENT_DEVICE,
      recvDevice: deviceOf(dst),
      tensorName: t.name,
      incarnation: 1,
      client: true,
    };
    const name = `${safe(t.op.name)}/_recv_${t.index}_${++edge}`;
    partOf(dst).graphDef.node.push(
      create(NodeDefSchema, {
        name,
        op: "_Recv",
        device: key.recvDevice,
        attr: { tensor_type: typeAttr(t), ...sendRecvAttrs(key) },
      }),
    );
    partOf(dst).feedKeys.set(
      t.name,
      rendezvousKey(key.sendDevice, key.incarnation, key.recvDevice, key.tensorName),
    );
    made.set(k, `${name}:0`);
    return `${name}:0`;
  }

  // Fetches: a client-terminated _Send after each fetched tensor (fed ones come from the feed).
  for (const t of fetchTensors) {
    if (fed.has(t.name)) continue;
    const task = placement.get(t.op)!;
    const p = partOf(task);
    if (p.fetchKeys.has(t.name)) continue;
    const key = {
      sendDevice: deviceOf(task),
      recvDevice: CLIENT_DEVICE,
      tensorName: t.name,
      incarnation: req.incarnation(task),
      client: true,
    };
    p.graphDef.node.push(
      create(NodeDefSchema, {
        name: `${safe(t.op.name)}/_send_${t.index}_${++edge}`,
        op: "_Send",
        input: [t.name],
        device: key.sendDevice,
        attr: { T: typeAttr(t), ...sendRecvAttrs(key) },
      }),
    );
    p.fetchKeys.set(
      t.name,
      rendezvousKey(key.sendDevice, key.incarnation, key.recvDevice, key.tensorName),
    );
  }
  return [...parts.values()];
}
