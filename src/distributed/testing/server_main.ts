// A tf.train.Server in its own process, for tests: argv[2] is JSON { cluster, job, task, config }.
// Prints "READY <target>" once listening; stops when its stdin closes (the test process ended or
// let it go) or on SIGTERM.
import "../../index.js"; // every op and kernel a partition may use
import { Server } from "../server.js";

const spec = JSON.parse(process.argv[2] ?? "{}") as {
  cluster: Record<string, string[]>;
  job: string;
  task: number;
  config?: { operationTimeoutInMs?: number };
};
const server = new Server(spec.cluster, {
  jobName: spec.job,
  taskIndex: spec.task,
  config: spec.config,
  start: false,
});
const stop = () => {
  void server.stop().then(() => process.exit(0));
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
server.start().then(
  () => process.stdout.write(`READY ${server.target}\n`),
  (e: Error) => {
    process.stderr.write(`${e.name}: ${e.message}\n`);
    process.exit(1);
  },
);
