// `tensorgraph server`: its options and TF_CONFIG, and a server it starts answering a session.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { RemoteSession } from "../distributed/remote_session.js";
import type { Server } from "../distributed/server.js";
import * as tf from "../index.js";
import { addServerCommand, serverSpec } from "./server_command.js";

describe("tensorgraph server", () => {
  it("reads the cluster from --cluster JSON, a TF_CONFIG string, or the TF_CONFIG variable", () => {
    const cluster = { ps: ["localhost:2222"], worker: ["localhost:2223", "localhost:2224"] };
    expect(serverSpec({ cluster: JSON.stringify(cluster), job: "worker", task: "1" }, {})).toEqual({
      cluster,
      job: "worker",
      task: 1,
      operationTimeoutInMs: undefined,
    });
    const tfConfig = JSON.stringify({ cluster, task: { type: "ps", index: 0 } });
    expect(serverSpec({}, { TF_CONFIG: tfConfig })).toMatchObject({ job: "ps", task: 0 });
    expect(
      serverSpec({ cluster: "TF_CONFIG", task: "1", job: "worker" }, { TF_CONFIG: tfConfig }),
    ).toMatchObject({ job: "worker", task: 1 });
    expect(() => serverSpec({}, {})).toThrow(/give --cluster/);
    expect(() => serverSpec({ cluster: JSON.stringify(cluster) }, {})).toThrow(/give --job/);
    expect(() => serverSpec({ cluster: "{", job: "ps" }, {})).toThrow(/not valid JSON/);
    expect(() =>
      serverSpec({ cluster: JSON.stringify(cluster), job: "ps", task: "-1" }, {}),
    ).toThrow(/--task/);
  });

  it("starts a server that a session can use", async () => {
    const program = new Command("tensorgraph").exitOverride();
    let out = "";
    let server: Server | undefined;
    addServerCommand(
      program,
      (s) => (out += s),
      (s) => (server = s),
    );
    await program.parseAsync([
      "node",
      "tensorgraph",
      "server",
      "--cluster",
      JSON.stringify({ local: ["localhost:0"] }),
      "--job",
      "local",
    ]);
    try {
      expect(out).toMatch(/\/job:local\/task:0 at grpc:\/\/localhost:\d+/);
      const g = new tf.Graph();
      const c = g.asDefault(() => tf.add(tf.constant(40), tf.constant(2)));
      const sess = new RemoteSession({ target: server!.target, graph: g });
      expect((await sess.run(c)).data[0]).toBe(42);
      await sess.close();
    } finally {
      await server?.stop();
    }
  }, 30_000);
});
