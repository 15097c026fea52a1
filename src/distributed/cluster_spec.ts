// tf.train.ClusterSpec: the jobs of a cluster and the "host:port" of each task, from a plain
// object, a ClusterDef or another ClusterSpec (TF 1.15's python/training/server_lib.py rules).
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, ValueError } from "../framework/errors.js";
import { type ClusterDef, ClusterDefSchema, JobDefSchema } from "../io/proto/index.js";

/** A job's tasks: a list of addresses (task i at index i) or a sparse map task index → address. */
export type JobTasks = readonly string[] | { readonly [taskIndex: number]: string };
/** What a ClusterSpec is built from. */
export type ClusterLike = { readonly [job: string]: JobTasks } | ClusterDef | ClusterSpec;

const JOB_NAME = /^[a-zA-Z][_a-zA-Z0-9]*$/;

function isClusterDef(x: unknown): x is ClusterDef {
  return (x as { $typeName?: string }).$typeName === "tensorflow.ClusterDef";
}

export class ClusterSpec {
  private readonly spec = new Map<string, Map<number, string>>();

  constructor(cluster: ClusterLike = {}) {
    if (cluster instanceof ClusterSpec) {
      for (const [job, tasks] of cluster.spec) this.spec.set(job, new Map(tasks));
    } else if (isClusterDef(cluster)) {
      for (const job of cluster.job) {
        if (this.spec.has(job.name))
          throw new ValueError(`Duplicate job name in cluster_def: ${job.name}`);
        this.addJob(
          job.name,
          Object.entries(job.tasks).map(([i, a]) => [Number(i), a]),
        );
      }
    } else {
      for (const [job, tasks] of Object.entries(cluster)) {
        const entries: [number, string][] = Array.isArray(tasks)
          ? (tasks as readonly string[]).map((a, i) => [i, a])
          : Object.entries(tasks as Record<string, string>).map(([i, a]) => [Number(i), a]);
        this.addJob(job, entries);
      }
    }
  }

  private addJob(job: string, tasks: [number, string][]): void {
    if (!JOB_NAME.test(job)) throw new ValueError(`Invalid job name in cluster spec: '${job}'`);
    const m = new Map<number, string>();
    for (const [i, address] of tasks) {
      if (!Number.isInteger(i) || i < 0)
        throw new ValueError(`Job '${job}': task index must be a non-negative integer, got ${i}`);
      if (typeof address !== "string")
        throw new ValueError(`Job '${job}' task ${i}: the address must be a string "host:port"`);
      m.set(i, address);
    }
    this.spec.set(job, new Map([...m].sort((a, b) => a[0] - b[0])));
  }

  /** The job names, sorted. */
  get jobs(): string[] {
    return [...this.spec.keys()].sort();
  }

  private tasksOf(job: string): Map<number, string> {
    const t = this.spec.get(job);
    if (!t) throw new ValueError(`No such job in cluster: '${job}'`);
    return t;
  }

  numTasks(job: string): number {
    return this.tasksOf(job).size;
  }

  taskIndices(job: string): number[] {
    return [...this.tasksOf(job).keys()];
  }

  taskAddress(job: string, taskIndex: number): string {
    const a = this.tasksOf(job).get(taskIndex);
    if (a === undefined) throw new ValueError(`No task with index ${taskIndex} in job '${job}'`);
    return a;
  }

  /** The job's addresses by task index, undefined where a sparse job has no task. */
  jobTasks(job: string): (string | undefined)[] {
    const t = this.tasksOf(job);
    const n = t.size === 0 ? 0 : Math.max(...t.keys()) + 1;
    return Array.from({ length: n }, (_, i) => t.get(i));
  }

  /** The address of a task, or undefined when the cluster has no such job or task. */
  findTask(job: string, taskIndex: number): string | undefined {
    return this.spec.get(job)?.get(taskIndex);
  }

  /** Jobs as lists where dense, as index → address objects where sparse (TF's as_dict). */
  asDict(): Record<string, string[] | Record<number, string>> {
    const out: Record<string, string[] | Record<number, string>> = {};
    for (const job of this.jobs) {
      const t = this.spec.get(job)!;
      const dense = [...t.keys()].every((k, i) => k === i);
      out[job] = dense ? [...t.values()] : Object.fromEntries(t);
    }
    return out;
  }

  asClusterDef(): ClusterDef {
    return create(ClusterDefSchema, {
      job: this.jobs.map((name) =>
        create(JobDefSchema, { name, tasks: Object.fromEntries(this.spec.get(name)!) }),
      ),
    });
  }

  /** Whether the spec has any job. */
  get isEmpty(): boolean {
    return this.spec.size === 0;
  }

  /** Every task as (job, index, address), jobs sorted. */
  tasks(): { job: string; task: number; address: string }[] {
    return this.jobs.flatMap((job) =>
      [...this.spec.get(job)!].map(([task, address]) => ({ job, task, address })),
    );
  }

  /** "job 'ps' (1 task), job 'worker' (2 tasks)": for error messages. */
  describe(): string {
    return this.jobs.map((j) => `'${j}' (tasks 0..${this.numTasks(j) - 1})`).join(", ");
  }

  equals(other: ClusterSpec): boolean {
    return JSON.stringify(this.asDict()) === JSON.stringify(other.asDict());
  }
}

/** TF_CONFIG's JSON, as Kubeflow's TFJob and TF's launchers set it. */
interface TFConfig {
  cluster?: Record<string, JobTasks>;
  task?: { type?: string; index?: number };
  rpc_layer?: string;
  environment?: string;
}

/** Parses a TF_CONFIG string; a malformed one is a ValueError naming what is wrong. */
export function parseTFConfig(text: string | undefined): TFConfig {
  if (text === undefined || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`TF_CONFIG is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ValueError("TF_CONFIG must be a JSON object with 'cluster' and 'task'");
  return parsed as TFConfig;
}

/**
 * tf.distribute.cluster_resolver.TFConfigClusterResolver: the cluster, this task's type and index
 * and the RPC layer, read from the TF_CONFIG environment variable (read again on each call, as TF).
 */
export class TFConfigClusterResolver {
  private readonly overrides: { taskType?: string; taskId?: number; rpcLayer?: string };
  private readonly env: () => string | undefined;

  constructor(
    options: {
      taskType?: string;
      taskId?: number;
      rpcLayer?: string;
      /** Where TF_CONFIG comes from (default: process.env.TF_CONFIG). */
      tfConfig?: string;
    } = {},
  ) {
    this.overrides = {
      taskType: options.taskType,
      taskId: options.taskId,
      rpcLayer: options.rpcLayer,
    };
    const fixed = options.tfConfig;
    this.env = () => fixed ?? process.env.TF_CONFIG;
  }

  private config(): TFConfig {
    return parseTFConfig(this.env());
  }

  clusterSpec(): ClusterSpec {
    return new ClusterSpec(this.config().cluster ?? {});
  }

  get taskType(): string | undefined {
    return this.overrides.taskType ?? this.config().task?.type;
  }

  get taskId(): number | undefined {
    return this.overrides.taskId ?? this.config().task?.index;
  }

  get rpcLayer(): string | undefined {
    return this.overrides.rpcLayer ?? this.config().rpc_layer;
  }

  get environment(): string {
    return this.config().environment ?? "";
  }

  /** The target of a task ("grpc://host:port"); default: this task's. "" when there is no cluster. */
  master(taskType?: string, taskId?: number, rpcLayer?: string): string {
    const type = taskType ?? this.taskType;
    const id = taskId ?? this.taskId;
    const spec = this.clusterSpec();
    if (type === undefined || id === undefined || spec.isEmpty) return "";
    const address = spec.findTask(type, id);
    if (address === undefined)
      throw new InvalidArgumentError(
        `TF_CONFIG's cluster has no task ${type}:${id} (jobs: ${spec.describe()})`,
      );
    const layer = rpcLayer ?? this.rpcLayer ?? "grpc";
    return `${layer}://${address}`;
  }
}
