// A cluster of separate OS processes (one ps, two workers) on loopback ports, driven by clients in
// this process: placement across tasks, tensors worker to worker, variables shared by every client
// of the cluster, TF's errors, and a client built from TF's own service definition.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "../index.js";
import { RemoteSession, resetTarget } from "./remote_session.js";
import {
  freePort,
  localCluster,
  startTask,
  stopTasks,
  type TaskProcess,
} from "./testing/cluster_procs.js";

let cluster: Record<string, string[]>;
let tasks: TaskProcess[] = [];
const target = (job: string, task: number) =>
  tasks.find((t) => t.job === job && t.task === task)!.target;

beforeAll(async () => {
  cluster = await localCluster({ ps: 1, worker: 2 });
  tasks = await Promise.all([
    startTask(cluster, "ps", 0),
    startTask(cluster, "worker", 0),
    startTask(cluster, "worker", 1),
  ]);
}, 60_000);

afterAll(async () => {
  await stopTasks(tasks);
}, 30_000);

/** A graph with v = [1, 2, 3] on the ps, y = v * x on worker 1, z = y + 1 where the master is. */
function model() {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const v = tf.device(
      "/job:ps/task:0",
      () => new tf.Variable(tf.constant([1, 2, 3]), { name: "v" }),
    );
    const x = tf.placeholder("float32", [3], "x");
    const y = tf.device("/job:worker/task:1", () => tf.mul(v, x, "y"));
    const z = tf.add(y, tf.constant(1), "z");
    const bump = v.assignAdd(tf.constant([10, 10, 10]));
    return { g, v, x, y, z, bump };
  });
}

describe("a cluster of processes", () => {
  it("runs a step placed over three tasks and shares the ps's variables between clients", async () => {
    const m = model();
    // tf.Session with a target is a client of that server's master, as in TF.
    const sess = new tf.Session({ target: target("worker", 0), graph: m.g });
    await sess.run(m.v.initializer);
    // [1,2,3] * [2,2,2] = [2,4,6] on worker 1; + 1 on worker 0.
    const [y, z] = await sess.run([m.y, m.z], { x: [2, 2, 2] });
    expect(Array.from(y.data as Float32Array)).toEqual([2, 4, 6]);
    expect(Array.from(z.data as Float32Array)).toEqual([3, 5, 7]);
    await sess.run(m.bump);
    // Another client, its own graph, through the other worker: the same variable on the ps.
    const other = model();
    const sess2 = new RemoteSession({ target: target("worker", 1), graph: other.g });
    const v = await sess2.run(other.v.value());
    expect(Array.from(v.data as Float32Array)).toEqual([11, 12, 13]);
    // The graph grows after the first run (ExtendSession).
    const w = other.g.asDefault(() => tf.mul(other.v.value(), tf.constant(2), "w"));
    expect(Array.from((await sess2.run(w)).data as Float32Array)).toEqual([22, 24, 26]);
    await sess.close();
    await sess2.close();
  }, 60_000);

  it("places variables round-robin with replicaDeviceSetter and lists the cluster's devices", async () => {
    const setter = tf.train.replicaDeviceSetter({ cluster, workerDevice: "/job:worker/task:0" });
    expect(setter).not.toBeNull();
    const g = new tf.Graph();
    const { a, b, s } = g.asDefault(() =>
      tf.device(setter!, () => {
        const a = new tf.Variable(tf.constant(2), { name: "rr_a" });
        const b = new tf.Variable(tf.constant(5), { name: "rr_b" });
        return { a, b, s: tf.add(a.value(), b.value()) };
      }),
    );
    expect(a.op.device).toBe("/job:ps/task:0");
    expect(s.op.device).toBe("/job:worker/task:0");
    const sess = new RemoteSession({ target: target("worker", 0), graph: g });
    await sess.run([a.initializer, b.initializer]);
    expect((await sess.run(s)).data[0]).toBe(7);
    const devices = await sess.listDevices();
    expect(devices.map((d) => d.name).sort()).toEqual([
      "/job:ps/replica:0/task:0/device:CPU:0",
      "/job:worker/replica:0/task:0/device:CPU:0",
      "/job:worker/replica:0/task:1/device:CPU:0",
    ]);
    expect(devices.every((d) => d.deviceType === "CPU" && d.incarnation > 0n)).toBe(true);
    await sess.close();
    // ConfigProto.deviceFilters: the session sees (and may place on) only the matching tasks.
    const filtered = new RemoteSession({
      target: target("worker", 0),
      graph: g,
      config: { deviceFilters: ["/job:ps", "/job:worker/task:0"] },
    });
    await filtered.run(s);
    expect((await filtered.listDevices()).map((d) => d.name).sort()).toEqual([
      "/job:ps/replica:0/task:0/device:CPU:0",
      "/job:worker/replica:0/task:0/device:CPU:0",
    ]);
    await filtered.close();
  }, 60_000);

  it("names the device and the cluster's jobs for an unknown job or task", async () => {
    const g = new tf.Graph();
    const t = g.asDefault(() =>
      tf.device("/job:chief/task:0", () => tf.constant(1, { name: "c" })),
    );
    const sess = new RemoteSession({ target: target("worker", 0), graph: g });
    const err = await sess.run(t).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tf.InvalidArgumentError);
    expect(String((err as Error).message)).toMatch(/\/job:chief\/task:0.*'ps'.*'worker'/);
    const g2 = new tf.Graph();
    const t2 = g2.asDefault(() =>
      tf.device("/job:worker/task:7", () => tf.constant(1, { name: "c" })),
    );
    const sess2 = new RemoteSession({ target: target("worker", 0), graph: g2 });
    await expect(sess2.run(t2)).rejects.toThrow(/\/job:worker\/task:7/);
    await sess.close();
    await sess2.close();
  }, 30_000);

  it("fails an unreachable target with UnavailableError naming the address, in time", async () => {
    const port = await freePort();
    const g = new tf.Graph();
    const c = g.asDefault(() => tf.constant(1));
    const sess = new RemoteSession({
      target: `grpc://localhost:${port}`,
      graph: g,
      config: { operationTimeoutInMs: 3000 },
    });
    const start = Date.now();
    const err = await sess.run(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tf.UnavailableError);
    expect(String((err as Error).message)).toContain(`localhost:${port}`);
    expect(Date.now() - start).toBeLessThan(5000);
    await sess.close();
  }, 30_000);

  it("answers a malformed request with InvalidArgumentError and keeps serving", async () => {
    const address = target("worker", 0).replace("grpc://", "");
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        "/tensorflow.grpc.MasterService/RunStep",
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0xff, 0xff, 0xff]),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(status?.code).toBe(grpc.status.INVALID_ARGUMENT);
    const g = new tf.Graph();
    const c = g.asDefault(() => tf.add(tf.constant(2), tf.constant(3)));
    const sess = new RemoteSession({ target: target("worker", 0), graph: g });
    expect((await sess.run(c)).data[0]).toBe(5);
    await sess.close();
  }, 30_000);

  it("serves a client generated from TF's master_service.proto (proto-loader)", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const def = protoLoader.loadSync("tensorflow/core/protobuf/master_service.proto", {
      includeDirs: [`${root}src/distributed/testing/fixtures`, `${root}proto`],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      tensorflow: {
        grpc: { MasterService: new (a: string, c: grpc.ChannelCredentials) => grpc.Client };
      };
    };
    const client = new pkg.tensorflow.grpc.MasterService(
      target("worker", 0).replace("grpc://", ""),
      grpc.credentials.createInsecure(),
    ) as unknown as Record<
      string,
      (req: unknown, cb: (e: grpc.ServiceError | null, r: Record<string, unknown>) => void) => void
    > &
      grpc.Client;
    const call = (method: string, req: unknown) =>
      new Promise<Record<string, unknown>>((resolve, reject) =>
        client[method](req, (e, r) => (e ? reject(e) : resolve(r))),
      );
    const graphDef = {
      node: [
        { name: "x", op: "Placeholder", attr: { dtype: { type: "DT_FLOAT" } } },
        {
          name: "two",
          op: "Const",
          attr: {
            dtype: { type: "DT_FLOAT" },
            value: { tensor: { dtype: "DT_FLOAT", tensor_shape: {}, float_val: [2] } },
          },
        },
        { name: "y", op: "Mul", input: ["x", "two"], attr: { T: { type: "DT_FLOAT" } } },
      ],
    };
    const created = await call("CreateSession", { graph_def: graphDef });
    const handle = created.session_handle as string;
    expect(handle).not.toBe("");
    const r = await call("RunStep", {
      session_handle: handle,
      feed: [
        {
          name: "x:0",
          tensor: { dtype: "DT_FLOAT", tensor_shape: { dim: [{ size: 3 }] }, float_val: [1, 2, 3] },
        },
      ],
      fetch: ["y:0"],
    });
    const out = (
      r.tensor as {
        name: string;
        tensor: {
          dtype: string;
          tensor_shape: { dim: { size: string }[] };
          tensor_content: Buffer;
        };
      }[]
    )[0];
    expect(out.name).toBe("y:0");
    expect(out.tensor.dtype).toBe("DT_FLOAT");
    expect(out.tensor.tensor_shape.dim.map((d) => Number(d.size))).toEqual([3]);
    const c = out.tensor.tensor_content;
    expect(
      Array.from(new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength))),
    ).toEqual([2, 4, 6]);
    await call("CloseSession", { session_handle: handle });
    client.close();
  }, 30_000);

  it("trains with between-graph replication: two workers' clients update the ps's variables (async SGD)", async () => {
    // y = 3x + 1 by gradient descent; each worker's client builds its own graph with
    // replicaDeviceSetter (variables on the ps, the rest on its worker) and runs its own steps.
    const xs = [0, 1, 2, 3];
    const ys = xs.map((x) => 3 * x + 1);
    const replica = (index: number) => {
      const g = new tf.Graph();
      const m = g.asDefault(() =>
        tf.device(
          tf.train.replicaDeviceSetter({ cluster, workerDevice: `/job:worker/task:${index}` })!,
          () => {
            const step = tf.train.getOrCreateGlobalStep();
            const w = new tf.Variable(tf.constant(0), { name: "sgd_w" });
            const b = new tf.Variable(tf.constant(0), { name: "sgd_b" });
            const x = tf.placeholder("float32", [null], "x");
            const y = tf.placeholder("float32", [null], "y");
            const loss = tf.reduceMean(
              tf.square(tf.sub(tf.add(tf.mul(w.value(), x), b.value()), y)),
            );
            const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss, {
              globalStep: step,
            });
            return { step, w, b, x, y, loss, train, init: tf.globalVariablesInitializer() };
          },
        ),
      );
      expect(m.train.device).toBe(`/job:worker/task:${index}`);
      return { m, sess: new RemoteSession({ target: target("worker", index), graph: g }) };
    };
    const r0 = replica(0);
    const r1 = replica(1);
    await r0.sess.run(r0.m.init); // the chief initializes; the other replica uses what is on the ps
    const feeds = (r: typeof r0) => ({ [r.m.x.name]: xs, [r.m.y.name]: ys });
    const loss0 = (await r1.sess.run(r1.m.loss, feeds(r1))).data[0] as number;
    const steps = 40;
    const loop = async (r: typeof r0) => {
      for (let i = 0; i < steps; i++) await r.sess.run(r.m.train, feeds(r));
    };
    await Promise.all([loop(r0), loop(r1)]);
    // Both replicas' updates landed on the same variables: the global step counts all of them.
    const [step, w, b, loss] = await r1.sess.run(
      [r1.m.step, r1.m.w.value(), r1.m.b.value(), r1.m.loss],
      feeds(r1),
    );
    expect(step.data[0]).toBe(BigInt(2 * steps));
    const [w0] = await r0.sess.run([r0.m.w.value()]);
    expect(w0.data[0]).toBe(w.data[0]);
    expect(loss0).toBeCloseTo(41.5, 4); // mean of (3x+1)^2 over x = 0..3: (1+16+49+100)/4
    expect(loss.data[0] as number).toBeLessThan(0.05);
    expect(w.data[0] as number).toBeCloseTo(3, 0);
    expect(b.data[0] as number).toBeCloseTo(1, 0);
    await r0.sess.close();
    await r1.sess.close();
  }, 120_000);

  it("releases the cluster's variables with Session.reset(target)", async () => {
    const m = model();
    const sess = new RemoteSession({ target: target("worker", 0), graph: m.g });
    await sess.run(m.v.initializer);
    await resetTarget(target("worker", 0));
    const m2 = model();
    const sess2 = new RemoteSession({ target: target("worker", 0), graph: m2.g });
    await expect(sess2.run(m2.v.value())).rejects.toThrow(tf.FailedPreconditionError);
    await sess.close();
    await sess2.close();
  }, 30_000);
});

describe("a task that dies", () => {
  it("fails the next step with UnavailableError naming the task's address, within the timeout", async () => {
    const c = await localCluster({ ps: 1, worker: 1 });
    const procs = await Promise.all([
      startTask(c, "ps", 0),
      startTask(c, "worker", 0, { operationTimeoutInMs: 5000 }),
    ]);
    try {
      const g = new tf.Graph();
      const { v, y } = g.asDefault(() => {
        const v = tf.device(
          "/job:ps/task:0",
          () => new tf.Variable(tf.constant([1, 2]), { name: "v" }),
        );
        return { v, y: tf.mul(v, tf.constant(2)) };
      });
      const sess = new RemoteSession({
        target: procs[1].target,
        graph: g,
        config: { operationTimeoutInMs: 5000 },
      });
      await sess.run(v.initializer);
      expect(Array.from((await sess.run(y)).data as Float32Array)).toEqual([2, 4]);
      procs[0].kill();
      await new Promise((r) => procs[0].child.once("exit", r));
      const start = Date.now();
      const err = await sess.run(y).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(tf.UnavailableError);
      expect(String((err as Error).message)).toContain(c.ps[0]);
      expect(Date.now() - start).toBeLessThan(6000);
      await sess.close();
    } finally {
      await stopTasks(procs);
    }
  }, 60_000);
});
