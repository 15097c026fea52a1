// Starts the tasks of a cluster as separate OS processes on free loopback ports (tests only), and
// stops them all (also when the test process exits early).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./server_main.ts", import.meta.url));

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TaskProcess {
  job: string;
  task: number;
  target: string;
  child: ChildProcess;
  /** Kills the task (SIGKILL), as a crash would. */
  kill(): void;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

/** Starts one task of `cluster` in its own process; resolves when it listens. */
export function startTask(
  cluster: Record<string, string[]>,
  job: string,
  task: number,
  config: { operationTimeoutInMs?: number } = {},
): Promise<TaskProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", SCRIPT, JSON.stringify({ cluster, job, task, config })],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  live.add(child);
  child.once("exit", () => live.delete(child));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`task ${job}:${task} did not start in 30 s: ${err}`));
    }, 30_000);
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ job, task, target: m[1], child, kill: () => child.kill("SIGKILL") });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`task ${job}:${task} exited (${code}): ${err}`));
    });
  });
}

/** Stops tasks: closes their stdin (a clean stop), then kills what is still running after 3 s. */
export async function stopTasks(tasks: readonly TaskProcess[]): Promise<void> {
  await Promise.all(
    tasks.map(
      (t) =>
        new Promise<void>((resolve) => {
          if (t.child.exitCode !== null || t.child.signalCode !== null) return resolve();
          const timer = setTimeout(() => t.child.kill("SIGKILL"), 3000);
          t.child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          t.child.stdin!.end();
        }),
    ),
  );
}

/** Free loopback addresses for a cluster: { ps: 1, worker: 2 } → { ps: ["localhost:p"], ... }. */
export async function localCluster(
  sizes: Record<string, number>,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [job, n] of Object.entries(sizes)) {
    out[job] = [];
    for (let i = 0; i < n; i++) out[job].push(`localhost:${await freePort()}`);
  }
  return out;
}
