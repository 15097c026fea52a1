// tf.train.Server: one task of a cluster, serving TF's MasterService (clients' sessions) and
// WorkerService (graph partitions, tensors between tasks) on one gRPC port.
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  UnavailableError,
  ValueError,
} from "../framework/errors.js";
import * as pb from "../io/proto/index.js";
import { type ClusterLike, ClusterSpec } from "./cluster_spec.js";
import { Master, type WorkerCall } from "./master.js";
import {
  type CallOptions,
  CHANNEL_OPTIONS,
  MASTER_METHODS,
  serviceDefinition,
  serviceHandlers,
  WORKER_METHODS,
  type WorkerClient,
  workerClient,
} from "./rpc.js";
import { Worker } from "./worker.js";

/** The parts of a session ConfigProto a server takes as its sessions' default. */
export interface ServerConfig {
  /** The most a call to another task may take, in ms (0 or undefined: no limit). */
  operationTimeoutInMs?: number;
  /** Only tasks matching one of these ("/job:ps", "/job:worker/task:1") take part in sessions. */
  deviceFilters?: readonly string[];
}

export interface ServerOptions {
  /** This server's job (default: the cluster's only job). */
  jobName?: string;
  /** This server's task index in its job (default 0). */
  taskIndex?: number;
  /** "grpc" (the only protocol). */
  protocol?: string;
  config?: ServerConfig;
  /** Start serving now (default true); otherwise call `start()`. */
  start?: boolean;
}

const isServerDef = (x: unknown): x is pb.ServerDef =>
  (x as { $typeName?: string }).$typeName === "tensorflow.ServerDef";

/** The address a server listens on for the address the cluster gives its task. */
function bindAddress(address: string): { bind: string; port: number } {
  const i = address.lastIndexOf(":");
  const host = i >= 0 ? address.slice(0, i) : address;
  const port = Number(address.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`Invalid task address '${address}': expected "host:port"`);
  // Loopback names bind loopback only; any other host name means "reachable from elsewhere".
  const loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].includes(host);
  return { bind: loopback ? `127.0.0.1:${port}` : `0.0.0.0:${port}`, port };
}

/**
 * An in-process call with a remote call's deadline and cancellation: it rejects with
 * DeadlineExceededError after `timeoutMs` (the work itself is stopped by the master's cleanup).
 */
function withDeadline<T>(
  work: Promise<T>,
  options: CallOptions | undefined,
  what: string,
): Promise<T> {
  const timeoutMs = options?.timeoutMs ?? 0;
  const signal = options?.signal;
  if (timeoutMs <= 0 && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    const timer =
      timeoutMs > 0
        ? setTimeout(
            () =>
              reject(new DeadlineExceededError(`${what}: deadline of ${timeoutMs} ms exceeded`)),
            timeoutMs,
          )
        : undefined;
    const onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    });
  });
}

export class Server {
  readonly jobName: string;
  readonly taskIndex: number;
  private cluster: ClusterSpec;
  private readonly config: ServerConfig;
  private grpcServer: grpc.Server | undefined;
  private boundPort: number | undefined;
  private ready: Promise<void> | undefined;
  private stopped = false;
  private readonly joiners: (() => void)[] = [];
  private readonly peers = new Map<string, WorkerClient>();
  /** @internal The task's worker (its resources), once started. */
  worker: Worker | undefined;
  /** @internal The task's master, once started. */
  master: Master | undefined;

  constructor(serverOrCluster: pb.ServerDef | ClusterLike, options: ServerOptions = {}) {
    let cluster: ClusterSpec;
    let job = options.jobName;
    let task = options.taskIndex;
    let config = options.config ?? {};
    if (isServerDef(serverOrCluster)) {
      cluster = new ClusterSpec(serverOrCluster.cluster ?? create(pb.ClusterDefSchema));
      job ??= serverOrCluster.jobName || undefined;
      task ??= serverOrCluster.taskIndex;
      const d = serverOrCluster.defaultSessionConfig;
      if (d && !options.config)
        config = {
          operationTimeoutInMs: Number(d.operationTimeoutInMs),
          deviceFilters: d.deviceFilters,
        };
    } else cluster = new ClusterSpec(serverOrCluster);
    const protocol = options.protocol ?? "grpc";
    if (protocol !== "grpc")
      throw new ValueError(`Server: unsupported protocol '${protocol}' (only "grpc")`);
    if (job === undefined) {
      if (cluster.jobs.length !== 1)
        throw new ValueError(
          `Server: jobName must be given when the cluster has several jobs (${cluster.describe()})`,
        );
      job = cluster.jobs[0];
    }
    task ??= 0;
    if (!cluster.jobs.includes(job))
      throw new ValueError(
        `Server: job '${job}' is not in the cluster (jobs: ${cluster.describe()})`,
      );
    if (cluster.findTask(job, task) === undefined)
      throw new ValueError(
        `Server: job '${job}' has no task ${task} (jobs: ${cluster.describe()})`,
      );
    this.jobName = job;
    this.taskIndex = task;
    this.cluster = cluster;
    this.config = config;
    if (options.start ?? true) void this.start().catch(() => {});
  }

  /** A single-task server on a free loopback port ("localhost:0"), started. */
  static async createLocalServer(
    options: { config?: ServerConfig; start?: boolean } = {},
  ): Promise<Server> {
    const s = new Server(
      { localhost: ["localhost:0"] },
      { jobName: "localhost", taskIndex: 0, config: options.config, start: false },
    );
    if (options.start ?? true) await s.start();
    return s;
  }

  /** The cluster this server belongs to (its own address with the bound port). */
  get clusterSpec(): ClusterSpec {
    return this.cluster;
  }

  /** "grpc://localhost:PORT": what `new tf.Session({ target })` connects to. */
  get target(): string {
    const address = this.cluster.taskAddress(this.jobName, this.taskIndex);
    const { port } = bindAddress(address);
    const p = port !== 0 ? port : this.boundPort;
    if (p === undefined || p === 0)
      throw new FailedPreconditionError(
        "Server.target: the server picks its port when started; await server.start() first",
      );
    const host = address.slice(0, address.lastIndexOf(":"));
    return `grpc://${host}:${p}`;
  }

  /** The ServerDef this server runs (TF's server_def). */
  get serverDef(): pb.ServerDef {
    return create(pb.ServerDefSchema, {
      cluster: this.cluster.asClusterDef(),
      jobName: this.jobName,
      taskIndex: this.taskIndex,
      protocol: "grpc",
      defaultSessionConfig: create(pb.ConfigProtoSchema, {
        operationTimeoutInMs: BigInt(this.config.operationTimeoutInMs ?? 0),
        deviceFilters: [...(this.config.deviceFilters ?? [])],
      }),
    });
  }

  /** Starts serving (once; later calls return the same promise). Resolves when listening. */
  start(): Promise<void> {
    if (this.stopped)
      return Promise.reject(new FailedPreconditionError("Server.start: the server was stopped"));
    this.ready ??= this.listen();
    return this.ready;
  }

  private async listen(): Promise<void> {
    const address = this.cluster.taskAddress(this.jobName, this.taskIndex);
    const { bind } = bindAddress(address);
    const server = new grpc.Server(CHANNEL_OPTIONS);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(bind, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err
          ? reject(
              new UnavailableError(`Could not start the gRPC server on ${bind}: ${err.message}`),
            )
          : resolve(p),
      ),
    );
    this.boundPort = port;
    if (bindAddress(address).port === 0) {
      // The cluster names this task with its real port from now on (peers of a local server).
      const dict = this.cluster.asDict();
      const host = address.slice(0, address.lastIndexOf(":"));
      const tasks = dict[this.jobName];
      const fixed = `${host}:${port}`;
      if (Array.isArray(tasks)) tasks[this.taskIndex] = fixed;
      else tasks[this.taskIndex] = fixed;
      this.cluster = new ClusterSpec(dict);
    }
    const timeout = this.config.operationTimeoutInMs ?? 0;
    this.worker = new Worker({
      job: this.jobName,
      task: this.taskIndex,
      cluster: this.cluster,
      peer: (a) => this.peer(a),
      operationTimeoutMs: timeout,
    });
    const worker = this.worker;
    const callWorker: WorkerCall = (task, method, request, options) => {
      if (task.job === this.jobName && task.task === this.taskIndex)
        return withDeadline(
          (worker.impl[method] as (r: typeof request) => ReturnType<WorkerCall>)(request),
          options,
          `${method} on ${worker.localTask}`,
        ) as never;
      const a = this.cluster.findTask(task.job, task.task);
      if (a === undefined)
        return Promise.reject(
          new InvalidArgumentError(
            `No task /job:${task.job}/task:${task.task} in the cluster (jobs: ${this.cluster.describe()})`,
          ),
        );
      return this.peer(a).call(method, request, options);
    };
    this.master = new Master({
      cluster: this.cluster,
      task: { job: this.jobName, task: this.taskIndex },
      callWorker,
      defaultConfig: create(pb.ConfigProtoSchema, {
        operationTimeoutInMs: BigInt(timeout),
        deviceFilters: [...(this.config.deviceFilters ?? [])],
      }),
    });
    server.addService(
      serviceDefinition("MasterService", MASTER_METHODS),
      serviceHandlers("MasterService", MASTER_METHODS, this.master.impl),
    );
    server.addService(
      serviceDefinition("WorkerService", WORKER_METHODS),
      serviceHandlers("WorkerService", WORKER_METHODS, this.worker.impl),
    );
    this.grpcServer = server;
  }

  private peer(address: string): WorkerClient {
    let c = this.peers.get(address);
    if (!c) this.peers.set(address, (c = workerClient(address)));
    return c;
  }

  /** Resolves when the server stops (TF's join blocks until then). */
  join(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.joiners.push(resolve));
  }

  /**
   * Stops serving (tensorgraph's; TF servers run until their process ends): calls in flight get
   * a moment to finish, then are cancelled. Resolves when the port is released.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.ready?.catch(() => {});
    await this.master?.closeAll().catch(() => {});
    const server = this.grpcServer;
    if (server) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    for (const c of this.peers.values()) c.close();
    this.peers.clear();
    for (const j of this.joiners.splice(0)) j();
  }
}
