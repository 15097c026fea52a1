// `tensorgraph server`: runs one task of a cluster (a tf.train.Server) until stopped.
//
//   tensorgraph server --cluster '{"ps":["localhost:2222"],"worker":["localhost:2223"]}' --job worker --task 0
//   tensorgraph server --cluster TF_CONFIG        (or no --cluster: the TF_CONFIG variable, as TFJob sets it)
import type { Command } from "commander";
import "../index.js"; // every op and kernel a registered partition may use
import { type ClusterLike, parseTFConfig } from "../distributed/cluster_spec.js";
import { Server } from "../distributed/server.js";
import { ValueError } from "../framework/errors.js";

export interface ServerCommandOptions {
  cluster?: string;
  job?: string;
  task?: string;
  operationTimeoutMs?: string;
}

/** The cluster, job and task the options name (TF_CONFIG fills what they leave out). */
export function serverSpec(
  opts: ServerCommandOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { cluster: ClusterLike; job: string; task: number; operationTimeoutInMs?: number } {
  const raw =
    opts.cluster === undefined || opts.cluster === "TF_CONFIG" ? env.TF_CONFIG : opts.cluster;
  if (raw === undefined || raw.trim() === "")
    throw new ValueError("server: give --cluster '<json>' or set TF_CONFIG");
  const parsed = parseTFConfig(raw) as Record<string, unknown>;
  // A TF_CONFIG ({cluster, task}) or a bare cluster ({job: [addresses]}).
  const isTFConfig = typeof parsed.cluster === "object" && parsed.cluster !== null;
  const cluster = (isTFConfig ? parsed.cluster : parsed) as ClusterLike;
  const task = (isTFConfig ? parsed.task : undefined) as
    | { type?: string; index?: number }
    | undefined;
  const job = opts.job ?? task?.type;
  if (job === undefined) throw new ValueError("server: give --job (or a TF_CONFIG with task.type)");
  const index = opts.task !== undefined ? Number(opts.task) : (task?.index ?? 0);
  if (!Number.isInteger(index) || index < 0)
    throw new ValueError(`server: --task must be a non-negative integer, got '${opts.task}'`);
  const timeout =
    opts.operationTimeoutMs !== undefined ? Number(opts.operationTimeoutMs) : undefined;
  if (timeout !== undefined && !(timeout >= 0))
    throw new ValueError(`server: --operation-timeout-ms must be a non-negative number`);
  return { cluster, job, task: index, operationTimeoutInMs: timeout };
}

/** Adds `server` to the tensorgraph program; `onServer` gets the started server (tests stop it). */
export function addServerCommand(
  program: Command,
  out: (s: string) => void = (s) => process.stdout.write(s),
  onServer?: (s: Server) => void,
): void {
  program
    .command("server")
    .description("run one task of a cluster (tf.train.Server) until stopped")
    .option(
      "--cluster <json|TF_CONFIG>",
      "the cluster as JSON ({job: [host:port...]}) or a TF_CONFIG; default: $TF_CONFIG",
    )
    .option("--job <name>", "this task's job (default: TF_CONFIG's task.type)")
    .option(
      "--task <index>",
      "this task's index in its job (default: TF_CONFIG's task.index, else 0)",
    )
    .option("--operation-timeout-ms <ms>", "the most a call to another task may take")
    .action(async (opts: ServerCommandOptions) => {
      const spec = serverSpec(opts);
      const server = new Server(spec.cluster, {
        jobName: spec.job,
        taskIndex: spec.task,
        config: { operationTimeoutInMs: spec.operationTimeoutInMs },
        start: false,
      });
      await server.start();
      out(
        `tensorgraph server /job:${spec.job}/task:${spec.task} at ${server.target} (Ctrl+C to stop)\n`,
      );
      if (onServer) {
        onServer(server);
        return;
      }
      const stop = () => void server.stop();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      await server.join();
    });
}
