import { type FileAccess, FilePolicy } from "../backends/file_policy.js";
import { type Backend, type KernelEnv, VariableRef } from "../backends/kernel.js";
import { defaultBackends } from "../backends/registry.js";
import type { DType } from "../framework/dtypes.js";
import { UnimplementedError, ValueError } from "../framework/errors.js";
import { type Graph, getDefaultGraph, type Operation, type Tensor } from "../framework/graph.js";
import { resolveMemoryLimit } from "../framework/memory_limit.js";
import { NDArray } from "../framework/ndarray.js";
import { enterRun, leaveRun } from "../framework/run_context.js";
import type { PassReport, RewriterConfig } from "../passes/rewriter_config.js";
import { type Feeds, normalizeFeeds } from "./feeds.js";
import { type Fetches, type FetchResult, flattenFetches } from "./fetches.js";
import { compilePlan } from "./plan.js";
import type { Plan, RunStats } from "./plan_support.js";

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
 * have independent values) and caches one compiled plan per distinct (feeds, fetches).
 */
export class Session {
  readonly graph: Graph;
  readonly target: string;
  readonly config: ConfigProto;
  private readonly backends: Backend[];
  private readonly plans = new Map<string, Plan>();
  private readonly variables = new Map<string, VariableRef>();
  private readonly env: KernelEnv;
  /** Bytes one tensor may take in this session's runs (ConfigProto.memoryLimitBytes). */
  private readonly memoryLimit: number;
  private closed = false;

  constructor(options: SessionOptions = {}) {
    this.graph = options.graph ?? getDefaultGraph();
    this.target = options.target ?? "";
    this.config = options.config ?? {};
    if (this.target !== "") {
      throw new UnimplementedError(
        `Session target '${this.target}': distributed sessions are not implemented yet; use the in-process session (target "")`,
      );
    }
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
    };
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
      const result: unknown = this.execute(fetches, feeds, options);
      return Promise.resolve(result as never);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `run` without the promise, for callers that need no asynchrony. */
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): FetchResult<F> {
    return this.execute(fetches, feeds, options) as FetchResult<F>;
  }

  private execute(fetches: Fetches, feeds?: Feeds, options?: RunOptions): unknown {
    enterRun({
      signal: new AbortController().signal,
      mayAwait: false,
      memoryLimit: this.memoryLimit,
    });
    try {
      return this.executeUnderLimit(fetches, feeds, options);
    } finally {
      leaveRun();
    }
  }

  private executeUnderLimit(fetches: Fetches, feeds?: Feeds, options?: RunOptions): unknown {
    if (this.closed) throw new ValueError("Attempted to use a closed Session.");
    const flat = flattenFetches(this.graph, fetches);
    const feedPairs = normalizeFeeds(this.graph, feeds);
    const plan = this.planFor(
      feedPairs.map(([t]) => t),
      flat.tensors,
      flat.ops,
    );
    const stats = options?.runMetadata ? { nodes: 0, peakLiveBytes: 0, devStats: [] } : undefined;
    const deadline =
      options?.timeoutInMs !== undefined ? performance.now() + options.timeoutInMs : undefined;
    const values = plan.execute(
      feedPairs.map(([, v]) => v),
      stats,
      deadline,
    );
    if (options?.runMetadata) options.runMetadata.stepStats = stats;
    this.copyVariableAliases(values);
    return flat.rebuild(values);
  }

  private planFor(feeds: Tensor[], fetchTensors: Tensor[], targets: readonly Operation[]): Plan {
    const key = `${feeds.map((t) => t.name).join(",")}|${fetchTensors.map((t) => t.name).join(",")}|${targets.map((o) => o.name).join(",")}|${this.graph.editVersion}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = compilePlan(feeds, fetchTensors, targets, this.backends, this.env);
      if (this.plans.size > 1000) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
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

  /** Releases the session's variables and plans; running it afterwards is an error. */
  close(): void {
    this.closed = true;
    this.plans.clear();
    this.variables.clear();
    this.env.resources.clear();
  }
}
