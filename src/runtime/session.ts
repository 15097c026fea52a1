import { type FileAccess, FilePolicy } from "../backends/file_policy.js";
import {
  type Backend,
  type FunctionInstance,
  type KernelEnv,
  VariableRef,
} from "../backends/kernel.js";
import { defaultBackends } from "../backends/registry.js";
import {
  type DeviceAttributes,
  RemoteSession,
  resetTarget,
} from "../distributed/remote_session.js";
import type { DType } from "../framework/dtypes.js";
import {
  CancelledError,
  InvalidArgumentError,
  NotFoundError,
  ValueError,
} from "../framework/errors.js";
import { Graph, getDefaultGraph, type Operation, type Tensor } from "../framework/graph.js";
import { resolveMemoryLimit } from "../framework/memory_limit.js";
import { NDArray } from "../framework/ndarray.js";
import { currentRun } from "../framework/run_context.js";
import { TensorShape } from "../framework/tensor_shape.js";
import type { PassReport, RewriterConfig } from "../passes/rewriter_config.js";
import { type Feeds, normalizeFeeds } from "./feeds.js";
import { type Fetches, type FetchResult, flattenFetches } from "./fetches.js";
import { compilePlan } from "./plan.js";
import { CPU_DEVICE, type Plan, type RunStats } from "./plan_support.js";
import { deadlineError, isPending, newRunState, RunControl } from "./run_state.js";

/** TensorFlow's ConfigProto, the parts tensorgraph uses. */
export interface ConfigProto {
  intraOpParallelismThreads?: number;
  interOpParallelismThreads?: number;
  logDevicePlacement?: boolean;
  allowSoftPlacement?: boolean;
  /**
   * The most bytes one tensor may take (tensorgraph's, not TF's: TF bounds memory per device).
   * Larger ones are a ResourceExhaustedError before allocating. Default and upper bound: the
   * machine's free memory when the session is created.
   */
  memoryLimitBytes?: number;
  /**
   * Which files the graph's ops (ReadFile, WriteFile, MatchingFiles, SaveV2/RestoreV2 and the
   * other checkpoint ops, InitializeTableFromTextFile) may touch (tensorgraph's, not TF's):
   * "all" (the default, as TF), "none", or `{ allow: [dirs], allowRead: [dirs] }` (read and
   * write below `allow`, only read below `allowRead`). Paths are compared after resolving `..`
   * and symbolic links; a refused access is a PermissionDeniedError naming the op and the path.
   */
  fileAccess?: FileAccess;
  /** Only devices matching these (e.g. "/job:ps", "/job:worker/task:1") are seen by a remote session. */
  deviceFilters?: readonly string[];
  /** The longest a remote call (each RunGraph, RecvTensor...) may take. */
  operationTimeoutInMs?: number;
  /** TF's GraphOptions: the switches of the graph passes run when a plan is compiled. */
  graphOptions?: { rewriteOptions?: RewriterConfig };
}

export interface SessionOptions {
  graph?: Graph;
  /** "" (in-process, the default) or a server address such as "grpc://localhost:2222". */
  target?: string;
  config?: ConfigProto;
  /** Kernel backend: "cpu-ts" (the TypeScript reference). Defaults to the best available. */
  backend?: string;
}

/** TF's RunOptions/RunMetadata, the parts tensorgraph uses. */
export interface RunOptions {
  /** Stop the run with DeadlineExceededError after this many milliseconds. */
  timeoutInMs?: number;
  /** Filled with statistics of the run when given. */
  runMetadata?: RunMetadata;
  /** "FULL_TRACE" (or SOFTWARE/HARDWARE) fills runMetadata.stepStats.devStats per node. */
  traceLevel?: "NO_TRACE" | "SOFTWARE_TRACE" | "HARDWARE_TRACE" | "FULL_TRACE";
}
export interface RunMetadata {
  stepStats?: RunStats;
  /** What the graph passes changed in the plan this run used (ConfigProto.graphOptions). */
  optimizations?: readonly PassReport[];
}

/**
 * Runs a graph. A session owns the values of the graph's variables (two sessions on one graph
 * have independent values) and caches one compiled plan per distinct (feeds, fetches). Runs may
 * be in flight together: each computes between awaits (kernels off the main thread, waits of
 * blocking ops, turns of the event loop after a couple of milliseconds), and every op runs whole
 * before another starts, so each op sees a consistent state of the variables.
 */
export class Session {
  readonly graph: Graph;
  readonly target: string;
  readonly config: ConfigProto;
  private readonly backends: Backend[];
  private readonly plans = new Map<string, Plan>();
  private readonly variables = new Map<string, VariableRef>();
  private readonly functions = new Map<string, FunctionInstance>();
  private readonly env: KernelEnv;
  /** Bytes one tensor may take in this session's runs (ConfigProto.memoryLimitBytes). */
  private readonly memoryLimit: number;
  /** Runs in flight (aborted by close), and the session's own lifetime (for work between runs). */
  private readonly inFlight = new Set<RunControl>();
  private readonly lifetime = new AbortController();
  private closed = false;

  constructor(options: SessionOptions = {}) {
    this.graph = options.graph ?? getDefaultGraph();
    this.target = options.target ?? "";
    this.config = options.config ?? {};
    this.memoryLimit = resolveMemoryLimit(this.config.memoryLimitBytes);
    this.backends = defaultBackends(options.backend);
    const variables = this.variables;
    this.env = {
      resources: new Map(),
      intraOpParallelismThreads: this.config.intraOpParallelismThreads,
      files: FilePolicy.from(this.config.fileAccess),
      variable(name: string, dtype: DType, shape: readonly (number | null)[] | null): VariableRef {
        let v = variables.get(name);
        if (!v) variables.set(name, (v = new VariableRef(name, dtype, shape)));
        return v;
      },
      instantiateFunction: (name: string) => this.instantiateFunction(name),
    };
    if (this.target !== "") {
      // A session on a server (TF's grpc:// targets) is a client of its master service.
      // biome-ignore lint/correctness/noConstructorReturn: tf.Session({ target }), as TF's
      return new RemoteSession(options as { target: string }) as unknown as Session;
    }
  }

  /** Clears the resources (variables, queues...) of every container of a server (TF's Session.reset). */
  static reset(target: string, containers: readonly string[] = []): Promise<void> {
    return resetTarget(target, containers);
  }

  /** The devices this session runs on (TF's Session.list_devices): here, the process's CPU. */
  async listDevices(): Promise<DeviceAttributes[]> {
    return [
      {
        name: CPU_DEVICE,
        deviceType: "CPU",
        memoryLimitBytes: this.memoryLimit,
        incarnation: 0n,
      },
    ];
  }

  /** The backend kernels run on first (others fill in ops it lacks). */
  get backendName(): string {
    return this.backends[0].name;
  }

  /**
   * Runs the ops needed to compute `fetches`, with `feeds` replacing the values of the tensors
   * they key. Resolves to the fetches' structure with each tensor's value (an NDArray) and null
   * for each operation.
   */
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): Promise<FetchResult<F>> {
    try {
      const result = this.execute(fetches, feeds, options, true);
      return (isPending(result) ? result : Promise.resolve(result)) as Promise<FetchResult<F>>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * `run` without the promise, for callers that need no asynchrony. Kernels run on the calling
   * thread; a graph with an op that waits (a queue's dequeue...) is a FailedPreconditionError.
   */
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): FetchResult<F> {
    return this.execute(fetches, feeds, options, false) as FetchResult<F>;
  }

  private execute(
    fetches: Fetches,
    feeds: Feeds | undefined,
    options: RunOptions | undefined,
    mayAwait: boolean,
  ): unknown {
    if (this.closed) throw new ValueError("Attempted to use a closed Session.");
    const flat = flattenFetches(this.graph, fetches);
    const feedPairs = normalizeFeeds(this.graph, feeds);
    const plan = this.planFor(
      feedPairs.map(([t]) => t),
      flat.tensors,
      flat.ops,
    );
    const metadata = options?.runMetadata;
    const stats: RunStats | undefined = metadata
      ? { nodes: 0, peakLiveBytes: 0, devStats: [] }
      : undefined;
    const timeout = options?.timeoutInMs;
    const controller = new RunControl(mayAwait, this.memoryLimit);
    const st = newRunState(controller, {
      deadline: timeout !== undefined ? performance.now() + timeout : undefined,
      stats,
      trace: (options?.traceLevel ?? "NO_TRACE") !== "NO_TRACE",
    });
    const finish = (values: NDArray[]): unknown => {
      if (metadata) {
        metadata.stepStats = stats;
        if (plan.passReport) metadata.optimizations = plan.passReport;
      }
      this.copyVariableAliases(values);
      return flat.rebuild(values);
    };
    this.inFlight.add(controller);
    let values: NDArray[] | Promise<NDArray[]>;
    try {
      values = plan.execute(
        feedPairs.map(([, v]) => v),
        st,
      );
    } catch (e) {
      this.inFlight.delete(controller);
      throw e;
    }
    if (!isPending(values)) {
      this.inFlight.delete(controller);
      return finish(values);
    }
    // The run goes on asynchronously: its deadline now also fires while it waits.
    const timer =
      timeout !== undefined
        ? setTimeout(() => controller.abort(deadlineError()), Math.max(0, timeout))
        : undefined;
    return values.then(finish).finally(() => {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    });
  }

  /** The graph passes' switches (ConfigProto.graphOptions.rewriteOptions): all on by default. */
  private get rewriteOptions(): RewriterConfig {
    return this.config.graphOptions?.rewriteOptions ?? {};
  }

  private planFor(feeds: Tensor[], fetchTensors: Tensor[], targets: readonly Operation[]): Plan {
    const key = `${feeds.map((t) => t.name).join(",")}|${fetchTensors.map((t) => t.name).join(",")}|${targets.map((o) => o.name).join(",")}|${this.graph.editVersion}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = compilePlan(
        feeds,
        fetchTensors,
        targets,
        this.backends,
        this.env,
        this.rewriteOptions,
        this.memoryLimit,
      );
      if (this.plans.size > 1000) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  /**
   * A function of the graph's library as a callable (KernelEnv.instantiateFunction): its body is
   * compiled once into a plan of a small graph that calls it; each call runs that plan in the
   * calling run's context (or, between runs, the session's).
   */
  private instantiateFunction(name: string): FunctionInstance {
    const known = this.functions.get(name);
    if (known) return known;
    const opDef = this.graph.library.opDef(name);
    if (!opDef) {
      throw new NotFoundError(`Function '${name}' is not in the graph's function library`);
    }
    const g = new Graph();
    g.library.addAll(this.graph.library);
    const args = opDef.inputs.map(
      (a) =>
        g.createOp("Placeholder", [], { dtype: a.type as DType, shape: TensorShape.unknown() })
          .outputs[0],
    );
    const call = g.createOp(name, args, {}, name);
    const plan = compilePlan(
      args,
      call.outputs,
      [call],
      this.backends,
      this.env,
      this.rewriteOptions,
      this.memoryLimit,
    );
    const instance: FunctionInstance = (values) => {
      if (values.length !== args.length) {
        return Promise.reject(
          new InvalidArgumentError(
            `Function '${name}' takes ${args.length} argument(s), got ${values.length}`,
          ),
        );
      }
      const ctx = currentRun() ?? {
        signal: this.lifetime.signal,
        mayAwait: true,
        memoryLimit: this.memoryLimit,
      };
      try {
        return Promise.resolve(plan.execute(values, newRunState(ctx, { keepHandles: true })));
      } catch (e) {
        return Promise.reject(e);
      }
    };
    this.functions.set(name, instance);
    return instance;
  }
  /**
   * A fetched value that is a variable's own buffer is copied: kernels may later update that
   * buffer in place (the native Apply ops do), and what a run returned must not change.
   */
  private copyVariableAliases(values: NDArray[]): void {
    if (this.variables.size === 0) return;
    const held = new Set<unknown>();
    for (const v of this.variables.values()) if (v.value) held.add(v.value.data);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (held.has(v.data))
        values[i] = new NDArray(v.dtype, v.shape, v.data.slice() as typeof v.data);
    }
  }

  /** How many compiled plans the session holds (one per distinct feeds/fetches signature). */
  get cachedPlanCount(): number {
    return this.plans.size;
  }

  /** @internal The session's variable storage (for Saver and tests). */
  variableRef(name: string): VariableRef | undefined {
    return this.variables.get(name);
  }

  /**
   * Releases the session's variables, resources and plans; running it afterwards is an error.
   * Runs still in flight fail with CancelledError (their buffers are dropped).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const cancelled = () =>
      new CancelledError("The session was closed while the run was in flight");
    for (const c of this.inFlight) c.abort(cancelled());
    this.inFlight.clear();
    this.lifetime.abort(cancelled());
    this.functions.clear();
    this.plans.clear();
    this.variables.clear();
    this.env.resources.clear();
  }
}
