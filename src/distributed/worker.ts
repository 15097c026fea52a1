// The worker service of a server: it holds the task's resources (variables, queues... shared by
// every session of the cluster, as TF's resource manager), compiles the graph partitions masters
// register, runs them step by step (RunGraph), and hands its sent tensors to other workers
// (RecvTensor).
import { create } from "@bufbuild/protobuf";
import { FilePolicy } from "../backends/file_policy.js";
import { type KernelEnv, VariableRef } from "../backends/kernel.js";
import { defaultBackends } from "../backends/registry.js";
import type { DType } from "../framework/dtypes.js";
import { AbortedError, InvalidArgumentError, NotFoundError } from "../framework/errors.js";
import { Graph } from "../framework/graph.js";
import { resolveMemoryLimit } from "../framework/memory_limit.js";
import type { NDArray } from "../framework/ndarray.js";
import { importGraphDef } from "../io/graph_def.js";
import * as pb from "../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../io/tensor_proto.js";
import { compilePlan } from "../runtime/plan.js";
import type { Plan } from "../runtime/plan_support.js";
import { isPending, newRunState } from "../runtime/run_state.js";
import type { ClusterSpec } from "./cluster_spec.js";
import { parseDevice, taskCpuDevice } from "./device_name.js";
import type { CallOptions, ServiceImpl, WorkerClient, WorkerMethods } from "./rpc.js";
import { parseRendezvousKey, Rendezvous, StepControl, taskOfDevice } from "./send_recv.js";

interface RegisteredGraph {
  session: string;
  plan: Plan;
}

/** How long a finished or aborted step's mark stays (late sends/receives of it fail, not wait). */
const STEP_MARK_MS = 30_000;

/** A new random incarnation (below 2^52, so it is exact as a JS number and an int attr). */
export const newIncarnation = (): number => Math.floor(Math.random() * 2 ** 52) + 1;

export interface WorkerOptions {
  job: string;
  task: number;
  cluster: ClusterSpec;
  /** The client of another task's worker service, by address (shared channels). */
  peer: (address: string) => WorkerClient;
  /** ConfigProto.operationTimeoutInMs of the server's default config (0: none). */
  operationTimeoutMs?: number;
}

export class Worker {
  readonly job: string;
  readonly task: number;
  /** "/job:J/replica:0/task:T" */
  readonly localTask: string;
  readonly device: string;
  readonly incarnation = newIncarnation();
  readonly rendezvous = new Rendezvous();
  /** The partitions running now, by step (CleanupGraph aborts them). */
  private readonly running = new Map<bigint, Set<StepControl>>();
  private readonly graphs = new Map<string, RegisteredGraph>();
  private nextGraph = 1;
  private env: KernelEnv;
  private variables = new Map<string, VariableRef>();
  private readonly memoryLimit = resolveMemoryLimit(undefined);
  private readonly backends = defaultBackends();
  readonly impl: ServiceImpl<WorkerMethods>;

  constructor(private readonly options: WorkerOptions) {
    this.job = options.job;
    this.task = options.task;
    this.device = taskCpuDevice(options.job, options.task);
    this.localTask = taskOfDevice(this.device);
    this.env = this.newEnv();
    this.impl = {
      GetStatus: async () =>
        create(pb.GetStatusResponseSchema, { deviceAttributes: [this.deviceAttributes()] }),
      CreateWorkerSession: async () => create(pb.CreateWorkerSessionResponseSchema),
      DeleteWorkerSession: async (r) => {
        for (const [h, g] of this.graphs) if (g.session === r.sessionHandle) this.graphs.delete(h);
        return create(pb.DeleteWorkerSessionResponseSchema);
      },
      RegisterGraph: async (r) => {
        const g = new Graph();
        importGraphDef(r.graphDef ?? create(pb.GraphDefSchema), { graph: g, name: "" });
        const plan = compilePlan([], [], g.operations, this.backends, this.env);
        const handle = `${this.job}${this.task}_graph_${this.nextGraph++}`;
        this.graphs.set(handle, { session: r.sessionHandle, plan });
        return create(pb.RegisterGraphResponseSchema, { graphHandle: handle });
      },
      DeregisterGraph: async (r) => {
        this.graphs.delete(r.graphHandle);
        return create(pb.DeregisterGraphResponseSchema);
      },
      RunGraph: async (r) => {
        const g = this.graphs.get(r.graphHandle);
        if (!g)
          throw new AbortedError(
            `Graph handle '${r.graphHandle}' is not found on ${this.localTask}: the task may have restarted; the master must register its graphs again`,
          );
        const recv = await this.runGraph(g.plan, r.stepId, r.send, r.recvKey);
        return create(pb.RunGraphResponseSchema, {
          recv: recv.map(([name, a]) =>
            create(pb.NamedTensorProtoSchema, { name, tensor: ndarrayToTensorProto(a) }),
          ),
        });
      },
      CleanupGraph: async (r) => {
        this.endStep(r.stepId);
        return create(pb.CleanupGraphResponseSchema);
      },
      CleanupAll: async () => {
        this.resetResources();
        return create(pb.CleanupAllResponseSchema);
      },
      RecvTensor: async (r) => {
        const value = await this.recvTensor(r.stepId, r.rendezvousKey);
        return create(pb.RecvTensorResponseSchema, {
          tensor: ndarrayToTensorProto(value),
          sendStartMicros: BigInt(
            Math.round(performance.timeOrigin * 1000 + performance.now() * 1000),
          ),
        });
      },
    };
  }

  private newEnv(): KernelEnv {
    const variables = this.variables;
    return {
      resources: new Map(),
      files: FilePolicy.from(undefined),
      variable(name: string, dtype: DType, shape: readonly (number | null)[] | null): VariableRef {
        let v = variables.get(name);
        if (!v) variables.set(name, (v = new VariableRef(name, dtype, shape)));
        return v;
      },
    };
  }

  /** This task's CPU device, as GetStatus and ListDevices report it. */
  deviceAttributes() {
    return create(pb.DeviceAttributesSchema, {
      name: this.device,
      deviceType: "CPU",
      memoryLimit: BigInt(this.memoryLimit),
      incarnation: BigInt(this.incarnation),
    });
  }

  /**
   * Releases every resource of the task (TF's CleanupAll / Session.reset): variables, queues,
   * tables. Registered graphs are dropped too (their kernels hold the old resources).
   */
  resetResources(): void {
    this.variables = new Map();
    this.env = this.newEnv();
    this.graphs.clear();
  }

  /** A variable's storage on this task (for tests and tools). */
  variableRef(name: string): VariableRef | undefined {
    return this.variables.get(name);
  }

  private endStep(step: bigint): void {
    const reason = new AbortedError(`Step ${step} was cleaned up by its master`);
    // A partition still running (blocked in a dequeue, a receive...) stops now.
    for (const c of this.running.get(step) ?? []) c.abort(reason);
    this.rendezvous.abort(step, reason);
    setTimeout(() => this.rendezvous.cleanup(step), STEP_MARK_MS).unref();
  }

  private async runGraph(
    plan: Plan,
    step: bigint,
    send: readonly pb.NamedTensorProto[],
    recvKeys: readonly string[],
  ): Promise<[string, NDArray][]> {
    const control = new StepControl(
      this.memoryLimit,
      step,
      this.rendezvous,
      this.localTask,
      (sendDevice, s, key, signal) => this.remoteRecv(sendDevice, s, key, signal),
    );
    let controls = this.running.get(step);
    if (!controls) this.running.set(step, (controls = new Set()));
    controls.add(control);
    try {
      for (const t of send) {
        if (!t.tensor) throw new InvalidArgumentError(`RunGraph: send '${t.name}' has no tensor`);
        this.rendezvous.send(step, t.name, tensorProtoToNDArray(t.tensor));
      }
      const done = plan.execute([], newRunState(control));
      if (isPending(done)) await done;
      return await Promise.all(
        recvKeys.map(
          async (k): Promise<[string, NDArray]> => [k, await this.rendezvous.recv(step, k)],
        ),
      );
    } catch (e) {
      control.abort(e);
      this.rendezvous.abort(step, e);
      throw e;
    } finally {
      controls.delete(control);
      if (controls.size === 0) this.running.delete(step);
    }
  }

  private recvTensor(step: bigint, key: string): Promise<NDArray> {
    const parsed = parseRendezvousKey(key);
    if (!parsed)
      return Promise.reject(
        new InvalidArgumentError(`RecvTensor: malformed rendezvous key '${key}'`),
      );
    if (taskOfDevice(parsed.sendDevice) !== this.localTask)
      return Promise.reject(
        new InvalidArgumentError(
          `RecvTensor: key '${key}' names a sender that is not ${this.localTask}`,
        ),
      );
    if (parsed.incarnation !== this.incarnation)
      return Promise.reject(
        new AbortedError(
          `RecvTensor expects a different device incarnation: ${parsed.incarnation} vs. ${this.incarnation} on ${this.device}; the task restarted since the step's graph was registered`,
        ),
      );
    return this.rendezvous.recv(step, key);
  }

  private remoteRecv(
    sendDevice: string,
    step: bigint,
    key: string,
    signal: AbortSignal,
  ): Promise<NDArray> {
    const spec = parseDevice(sendDevice);
    const address =
      spec.job !== undefined && spec.task !== undefined
        ? this.options.cluster.findTask(spec.job, spec.task)
        : undefined;
    if (address === undefined)
      return Promise.reject(new NotFoundError(`_Recv: no task in the cluster for ${sendDevice}`));
    const opts: CallOptions = { signal, timeoutMs: this.options.operationTimeoutMs };
    return this.options
      .peer(address)
      .call(
        "RecvTensor",
        create(pb.RecvTensorRequestSchema, { stepId: step, rendezvousKey: key }),
        opts,
      )
      .then((r) => {
        if (!r.tensor)
          throw new InvalidArgumentError(`RecvTensor from ${address}: no tensor for '${key}'`);
        return tensorProtoToNDArray(r.tensor);
      });
  }
}
