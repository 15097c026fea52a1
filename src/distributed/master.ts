// The master service of a server: it keeps each client session's graph, and runs a step by
// partitioning the graph over the cluster's tasks (partition.ts), registering the partitions on
// their workers once per (feeds, fetches, targets), and running them together with RunGraph.
// Tensors between tasks go worker to worker (RecvTensor); only feeds and fetches pass here.
import { randomBytes } from "node:crypto";
import { clone, create, type MessageShape } from "@bufbuild/protobuf";
import {
  AbortedError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OpError,
} from "../framework/errors.js";
import { Graph } from "../framework/graph.js";
import { importGraphDef } from "../io/graph_def.js";
import * as pb from "../io/proto/index.js";
import type { ClusterSpec } from "./cluster_spec.js";
import { deviceMatches, parseDevice } from "./device_name.js";
import {
  canonicalTensorName,
  type Partition,
  partitionGraph,
  type TaskId,
  taskKey,
} from "./partition.js";
import type { CallOptions, MasterMethods, ServiceImpl, WorkerMethods } from "./rpc.js";

type WReq<K extends keyof WorkerMethods> = MessageShape<WorkerMethods[K]["input"]>;
type WRes<K extends keyof WorkerMethods> = MessageShape<WorkerMethods[K]["output"]>;
/** Calls a method of a task's worker service (in process for the master's own task). */
export type WorkerCall = <K extends keyof WorkerMethods & string>(
  task: TaskId,
  method: K,
  request: WReq<K>,
  options?: CallOptions,
) => Promise<WRes<K>>;

interface RegisteredStep {
  parts: { partition: Partition; handle: string }[];
}

interface MasterSession {
  handle: string;
  nodes: pb.NodeDef[];
  nodeDefs: Map<string, pb.NodeDef>;
  library: pb.GraphDef["library"];
  versions: pb.GraphDef["versions"];
  version: bigint;
  graph: Graph | null;
  config: pb.ConfigProto;
  steps: Map<string, Promise<RegisteredStep>>;
  callables: Map<bigint, pb.CallableOptions>;
  nextCallable: bigint;
  incarnations: Map<string, number>;
}

const newStepId = (): bigint => randomBytes(8).readBigInt64BE() & 0x7fff_ffff_ffff_ffffn;

export interface MasterOptions {
  cluster: ClusterSpec;
  task: TaskId;
  callWorker: WorkerCall;
  /** The server's default ConfigProto (sessions' own config fields override it). */
  defaultConfig?: pb.ConfigProto;
}

export class Master {
  private readonly sessions = new Map<string, MasterSession>();
  private nextSession = 1;
  readonly impl: ServiceImpl<MasterMethods>;

  constructor(private readonly options: MasterOptions) {
    this.impl = {
      CreateSession: async (r) => {
        const s = this.createSession(r.graphDef ?? create(pb.GraphDefSchema), r.config);
        return create(pb.CreateSessionResponseSchema, {
          sessionHandle: s.handle,
          graphVersion: s.version,
        });
      },
      ExtendSession: async (r) => {
        const s = this.session(r.sessionHandle);
        if (r.currentGraphVersion !== s.version)
          throw new AbortedError(
            `Current version is ${s.version} but caller expected ${r.currentGraphVersion}.`,
          );
        this.extend(s, r.graphDef ?? create(pb.GraphDefSchema));
        return create(pb.ExtendSessionResponseSchema, { newGraphVersion: s.version });
      },
      RunStep: async (r) => {
        const s = this.session(r.sessionHandle);
        if (r.partialRunHandle !== "")
          throw new InvalidArgumentError("RunStep: partial runs are not supported by this master");
        const fetched = await this.runStep(s, r.feed, r.fetch, r.target, r.options);
        return create(pb.RunStepResponseSchema, {
          tensor: r.fetch.map((name, i) =>
            create(pb.NamedTensorProtoSchema, { name, tensor: fetched[i] }),
          ),
        });
      },
      CloseSession: async (r) => {
        await this.closeSession(this.session(r.sessionHandle));
        return create(pb.CloseSessionResponseSchema);
      },
      ListDevices: async (r) => {
        const filters =
          r.sessionHandle !== "" ? this.session(r.sessionHandle).config.deviceFilters : [];
        return this.listDevices(filters);
      },
      Reset: async (r) => {
        await this.reset(r.container, r.deviceFilters);
        return create(pb.ResetResponseSchema);
      },
      MakeCallable: async (r) => {
        const s = this.session(r.sessionHandle);
        const opts = r.options ?? create(pb.CallableOptionsSchema);
        const handle = s.nextCallable++;
        s.callables.set(handle, opts);
        return create(pb.MakeCallableResponseSchema, { handle });
      },
      RunCallable: async (r) => {
        const s = this.session(r.sessionHandle);
        const opts = s.callables.get(r.handle);
        if (!opts) throw new InvalidArgumentError(`No such callable handle: ${r.handle}`);
        if (r.feed.length !== opts.feed.length)
          throw new InvalidArgumentError(
            `Invalid number of feed values: expected ${opts.feed.length}, got ${r.feed.length}`,
          );
        const feeds = opts.feed.map((name, i) =>
          create(pb.NamedTensorProtoSchema, { name, tensor: r.feed[i] }),
        );
        const fetched = await this.runStep(s, feeds, opts.fetch, opts.target, opts.runOptions);
        return create(pb.RunCallableResponseSchema, { fetch: fetched });
      },
      ReleaseCallable: async (r) => {
        const s = this.session(r.sessionHandle);
        if (!s.callables.delete(r.handle))
          throw new InvalidArgumentError(`No such callable handle: ${r.handle}`);
        return create(pb.ReleaseCallableResponseSchema);
      },
    };
  }

  private session(handle: string): MasterSession {
    const s = this.sessions.get(handle);
    if (!s)
      throw new AbortedError(
        `Session ${handle} is not found. Possibly, this master has restarted or the session was closed.`,
      );
    return s;
  }

  private createSession(graphDef: pb.GraphDef, config: pb.ConfigProto | undefined): MasterSession {
    const base = this.options.defaultConfig;
    const merged = clone(pb.ConfigProtoSchema, config ?? base ?? create(pb.ConfigProtoSchema));
    if (merged.deviceFilters.length === 0 && base) merged.deviceFilters = [...base.deviceFilters];
    if (merged.operationTimeoutInMs === 0n && base)
      merged.operationTimeoutInMs = base.operationTimeoutInMs;
    const s: MasterSession = {
      handle: `${randomBytes(8).toString("hex")}_${this.nextSession++}`,
      nodes: [],
      nodeDefs: new Map(),
      library: undefined,
      versions: graphDef.versions,
      version: 0n,
      graph: null,
      config: merged,
      steps: new Map(),
      callables: new Map(),
      nextCallable: 1n,
      incarnations: new Map(),
    };
    this.extend(s, graphDef);
    s.version = 0n;
    this.sessions.set(s.handle, s);
    return s;
  }

  /** Adds nodes (new names only) and functions; the graph is checked by importing it. */
  private extend(s: MasterSession, graphDef: pb.GraphDef): void {
    for (const n of graphDef.node)
      if (s.nodeDefs.has(n.name))
        throw new InvalidArgumentError(
          `ExtendSession: node '${n.name}' is already in the session's graph`,
        );
    const library = mergeLibrary(s.library, graphDef.library);
    const all = create(pb.GraphDefSchema, {
      node: [...s.nodes, ...graphDef.node],
      library,
      versions: s.versions ?? graphDef.versions,
    });
    const graph = new Graph();
    importGraphDef(all, { graph, name: "" });
    s.nodes = all.node;
    for (const n of graphDef.node) s.nodeDefs.set(n.name, n);
    s.library = library;
    s.graph = graph;
    s.version++;
    // New nodes may change what a step needs: partitions are made again on next use.
    void this.deregisterAll(s);
  }

  private timeoutOf(s: MasterSession): number {
    return Number(s.config.operationTimeoutInMs);
  }

  private async incarnationsOf(s: MasterSession, tasks: readonly TaskId[]): Promise<void> {
    await Promise.all(
      tasks
        .filter((t) => !s.incarnations.has(taskKey(t)))
        .map(async (t) => {
          const r = await this.options.callWorker(
            t,
            "GetStatus",
            create(pb.GetStatusRequestSchema),
            { timeoutMs: this.timeoutOf(s) },
          );
          s.incarnations.set(taskKey(t), Number(r.deviceAttributes[0]?.incarnation ?? 0n));
        }),
    );
  }

  private registered(
    s: MasterSession,
    feeds: readonly string[],
    fetches: readonly string[],
    targets: readonly string[],
  ): Promise<RegisteredStep> {
    const sig = `${[...feeds].sort().join(",")}|${[...fetches].sort().join(",")}|${[...targets].sort().join(",")}`;
    let p = s.steps.get(sig);
    if (!p) {
      p = this.register(s, feeds, fetches, targets);
      s.steps.set(sig, p);
      p.catch(() => s.steps.delete(sig));
    }
    return p;
  }

  private async register(
    s: MasterSession,
    feeds: readonly string[],
    fetches: readonly string[],
    targets: readonly string[],
  ): Promise<RegisteredStep> {
    const cluster = this.options.cluster;
    const request = {
      graph: s.graph!,
      nodeDefs: s.nodeDefs,
      library: s.library,
      versions: s.versions,
      feeds,
      fetches,
      targets,
      cluster,
      defaultTask: this.options.task,
      deviceFilters: s.config.deviceFilters,
      incarnation: (t: TaskId) => s.incarnations.get(taskKey(t)) ?? 0,
    };
    // A first pass finds the tasks (placement errors surface here); their incarnations go into
    // the rendezvous keys of the final partitions.
    const tasks = partitionGraph(request).map((p) => p.task);
    await this.incarnationsOf(s, tasks);
    const partitions = partitionGraph(request);
    const parts = await Promise.all(
      partitions.map(async (partition) => {
        const r = await this.options.callWorker(
          partition.task,
          "RegisterGraph",
          create(pb.RegisterGraphRequestSchema, {
            sessionHandle: s.handle,
            graphDef: partition.graphDef,
            configProto: s.config,
          }),
          { timeoutMs: this.timeoutOf(s) },
        );
        return { partition, handle: r.graphHandle };
      }),
    );
    return { parts };
  }

  private async runStep(
    s: MasterSession,
    feeds: readonly pb.NamedTensorProto[],
    fetches: readonly string[],
    targets: readonly string[],
    options: pb.RunOptions | undefined,
  ): Promise<pb.TensorProto[]> {
    const feedByName = new Map<string, pb.TensorProto>();
    for (const f of feeds) {
      if (!f.tensor) throw new InvalidArgumentError(`RunStep: feed '${f.name}' has no tensor`);
      feedByName.set(canonicalTensorName(f.name), f.tensor);
    }
    const step = await this.registered(
      s,
      [...feedByName.keys()],
      fetches.map(canonicalTensorName),
      targets,
    );
    const stepId = newStepId();
    const runTimeout = Number(options?.timeoutInMs ?? 0n);
    const opTimeout = this.timeoutOf(s);
    const timeoutMs =
      runTimeout > 0 && (opTimeout === 0 || runTimeout < opTimeout) ? runTimeout : opTimeout;
    const abort = new AbortController();
    const results = new Map<string, pb.TensorProto>();
    const runs = step.parts.map(async ({ partition, handle }) => {
      const send = [...partition.feedKeys].map(([name, key]) =>
        create(pb.NamedTensorProtoSchema, { name: key, tensor: feedByName.get(name)! }),
      );
      const r = await this.options.callWorker(
        partition.task,
        "RunGraph",
        create(pb.RunGraphRequestSchema, {
          sessionHandle: s.handle,
          graphHandle: handle,
          stepId,
          send,
          recvKey: [...partition.fetchKeys.values()],
        }),
        { timeoutMs, signal: abort.signal },
      );
      const byKey = new Map(r.recv.map((t) => [t.name, t.tensor]));
      for (const [name, key] of partition.fetchKeys) {
        const t = byKey.get(key);
        if (!t)
          throw new InvalidArgumentError(
            `RunGraph on ${taskKey(partition.task)} did not return '${name}'`,
          );
        results.set(name, t);
      }
    });
    let firstError: unknown;
    const settled = runs.map((p) =>
      p.catch((e) => {
        // The first failure is the cause; the others are (mostly) its consequences.
        if (firstError === undefined) {
          firstError = e;
          abort.abort(e);
          this.cleanup(step, stepId);
        }
      }),
    );
    await Promise.all(settled);
    if (firstError !== undefined) {
      if (firstError instanceof OpError && firstError.errorCode === 4 && runTimeout > 0)
        throw new DeadlineExceededError(
          `Timed out: the step took longer than RunOptions.timeoutInMs (${runTimeout} ms)`,
        );
      throw firstError;
    }
    this.cleanup(step, stepId);
    return fetches.map((f) => {
      const name = canonicalTensorName(f);
      const t = feedByName.get(name) ?? results.get(name);
      if (!t) throw new NotFoundError(`Fetch '${f}' produced no value`);
      return t;
    });
  }

  /** Tells every task of the step to drop what the step left (fire and forget, as TF). */
  private cleanup(step: RegisteredStep, stepId: bigint): void {
    for (const { partition } of step.parts)
      this.options
        .callWorker(
          partition.task,
          "CleanupGraph",
          create(pb.CleanupGraphRequestSchema, { stepId }),
          { timeoutMs: 10_000 },
        )
        .catch(() => {});
  }

  private async deregisterAll(s: MasterSession): Promise<void> {
    const steps = [...s.steps.values()];
    s.steps.clear();
    await Promise.all(
      steps.map(async (p) => {
        const step = await p.catch(() => null);
        if (!step) return;
        await Promise.all(
          step.parts.map(({ partition, handle }) =>
            this.options
              .callWorker(
                partition.task,
                "DeregisterGraph",
                create(pb.DeregisterGraphRequestSchema, {
                  graphHandle: handle,
                  sessionHandle: s.handle,
                }),
                { timeoutMs: 10_000 },
              )
              .catch(() => {}),
          ),
        );
      }),
    );
  }

  private async closeSession(s: MasterSession): Promise<void> {
    this.sessions.delete(s.handle);
    await this.deregisterAll(s);
  }

  /** The devices of the cluster's tasks (only those matching `filters`, when given). */
  private async listDevices(filters: readonly string[]): Promise<pb.ListDevicesResponse> {
    const { cluster, task: own } = this.options;
    const specs = filters.map(parseDevice);
    const tasks = cluster
      .tasks()
      .filter(
        (t) =>
          specs.length === 0 ||
          specs.some((f) =>
            deviceMatches(
              { job: t.job, replica: 0, task: t.task, deviceType: "CPU", deviceIndex: 0 },
              f,
            ),
          ),
      );
    const all = await Promise.all(
      tasks.map(async (t) => {
        const r = await this.options.callWorker(t, "GetStatus", create(pb.GetStatusRequestSchema), {
          timeoutMs: 10_000,
        });
        return { local: t.job === own.job && t.task === own.task, devices: r.deviceAttributes };
      }),
    );
    return create(pb.ListDevicesResponseSchema, {
      localDevice: all.filter((d) => d.local).flatMap((d) => d.devices),
      remoteDevice: all.filter((d) => !d.local).flatMap((d) => d.devices),
    });
  }

  /** TF's Reset: closes every session of this master and releases every task's resources. */
  private async reset(
    containers: readonly string[],
    deviceFilters: readonly string[],
  ): Promise<void> {
    if (deviceFilters.length > 0)
      throw new FailedPreconditionError("Reset: device filters are not supported by this master");
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => this.deregisterAll(s)));
    await Promise.all(
      this.options.cluster
        .tasks()
        .map((t) =>
          this.options.callWorker(
            t,
            "CleanupAll",
            create(pb.CleanupAllRequestSchema, { container: [...containers] }),
            { timeoutMs: 10_000 },
          ),
        ),
    );
  }

  /** Closes every session (the server is stopping). */
  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => this.deregisterAll(s)));
  }
}

/** The union of two function libraries (the later one's functions replace same-named ones). */
function mergeLibrary(
  a: pb.GraphDef["library"],
  b: pb.GraphDef["library"],
): pb.GraphDef["library"] {
  if (!a) return b;
  if (!b) return a;
  const fns = new Map(a.function.map((f) => [f.signature?.name ?? "", f]));
  for (const f of b.function) fns.set(f.signature?.name ?? "", f);
  const grads = new Map(a.gradient.map((g) => [g.functionName, g]));
  for (const g of b.gradient) grads.set(g.functionName, g);
  return create(pb.FunctionDefLibrarySchema, {
    function: [...fns.values()],
    gradient: [...grads.values()],
  });
}
