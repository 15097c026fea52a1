// Placement and partitioning (what the master sends each task), TF's rendezvous keys, the
// rendezvous, and two servers in this process running a step across them.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as tf from "../index.js";
import { graphToGraphDef } from "../io/graph_def.js";
import * as pb from "../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../io/tensor_proto.js";
import { ClusterSpec } from "./cluster_spec.js";
import { type PartitionRequest, partitionGraph } from "./partition.js";
import { RemoteSession } from "./remote_session.js";
import { masterClient } from "./rpc.js";
import { parseRendezvousKey, Rendezvous, rendezvousKey } from "./send_recv.js";
import { Server } from "./server.js";

const PS = "/job:ps/replica:0/task:0/device:CPU:0";
const W0 = "/job:worker/replica:0/task:0/device:CPU:0";

function request(g: tf.Graph, over: Partial<PartitionRequest>): PartitionRequest {
  const def = graphToGraphDef(g);
  return {
    graph: g,
    nodeDefs: new Map(def.node.map((n) => [n.name, n])),
    library: def.library,
    versions: def.versions,
    feeds: [],
    fetches: [],
    targets: [],
    cluster: new ClusterSpec({ ps: ["p:1"], worker: ["w0:1", "w1:1"] }),
    defaultTask: { job: "worker", task: 0 },
    deviceFilters: [],
    incarnation: (t) => (t.job === "ps" ? 0xabc : 7),
    ...over,
  };
}

describe("rendezvous keys", () => {
  it("are TF's: send device; incarnation in 16 hex digits; recv device; name; frame:iter", () => {
    const key = rendezvousKey(PS, 0xabc, W0, "edge_1_v");
    expect(key).toBe(`${PS};0000000000000abc;${W0};edge_1_v;0:0`);
    expect(parseRendezvousKey(key)).toEqual({
      sendDevice: PS,
      incarnation: 0xabc,
      recvDevice: W0,
      tensorName: "edge_1_v",
    });
    expect(parseRendezvousKey("no;key")).toBeNull();
  });
});

describe("partitionGraph", () => {
  function model() {
    const g = new tf.Graph();
    const m = g.asDefault(() => {
      const v = tf.device(
        "/job:ps/task:0",
        () => new tf.Variable(tf.constant([1, 2]), { name: "v" }),
      );
      const x = tf.placeholder("float32", [2], "x");
      const y = tf.mul(v, x, "y");
      const unused = tf.constant(3, { name: "unused" });
      return { v, x, y, unused };
    });
    return { g, ...m };
  }

  it("prunes, places and cuts the graph with a _Send/_Recv pair per crossing edge", () => {
    const { g } = model();
    const parts = partitionGraph(request(g, { feeds: ["x:0"], fetches: ["y:0"] }));
    expect(parts.map((p) => `/job:${p.task.job}/task:${p.task.task}`).sort()).toEqual([
      "/job:ps/task:0",
      "/job:worker/task:0",
    ]);
    const ps = parts.find((p) => p.task.job === "ps")!;
    const w = parts.find((p) => p.task.job === "worker")!;
    // The initializer is not needed; the variable's read (an Identity of its ref) stays with it.
    expect(ps.graphDef.node.map((n) => n.op).sort()).toEqual(["Identity", "VariableV2", "_Send"]);
    expect(w.graphDef.node.map((n) => n.op).sort()).toEqual(["Mul", "_Recv", "_Recv", "_Send"]);
    expect(w.graphDef.node.some((n) => n.name === "unused")).toBe(false);
    const send = ps.graphDef.node.find((n) => n.op === "_Send")!;
    const recv = w.graphDef.node.find(
      (n) => n.op === "_Recv" && n.attr.client_terminated.value.value === false,
    )!;
    const s = (n: pb.NodeDef, a: string) =>
      new TextDecoder().decode(n.attr[a].value.value as Uint8Array);
    expect(s(send, "send_device")).toBe(PS);
    expect(s(send, "recv_device")).toBe(W0);
    expect(s(recv, "tensor_name")).toBe(s(send, "tensor_name"));
    expect(send.attr.send_device_incarnation.value.value).toBe(0xabcn);
    const mul = w.graphDef.node.find((n) => n.op === "Mul")!;
    expect(mul.device).toBe(W0);
    expect(mul.input[0]).toBe(`${recv.name}:0`);
    // The feed arrives from the client, the fetch leaves to it, by TF's client-terminated keys.
    expect(w.feedKeys.get("x:0")).toBe(
      `/job:localhost/replica:0/task:0/device:CPU:0;0000000000000001;${W0};x:0;0:0`,
    );
    expect(w.fetchKeys.get("y:0")).toBe(
      `${W0};0000000000000007;/job:localhost/replica:0/task:0/device:CPU:0;y:0;0:0`,
    );
  });

  it("colocates ops that update a variable with it, and honours _class attrs", () => {
    const { g, v } = model();
    const parts = partitionGraph(request(g, { targets: [v.initializer.name] }));
    expect(parts).toHaveLength(1);
    expect(parts[0].task).toEqual({ job: "ps", task: 0 });
    const g2 = new tf.Graph();
    const c = g2.asDefault(() =>
      tf.device("/job:worker/task:1", () => tf.constant(1, { name: "anchor" })),
    );
    const d = g2.asDefault(() => tf.constant(2, { name: "follower" }));
    const req = request(g2, { fetches: ["follower:0", "anchor:0"] });
    const follower = create(pb.NodeDefSchema, { ...(req.nodeDefs.get("follower") as pb.NodeDef) });
    follower.attr._class = create(pb.AttrValueSchema, {
      value: {
        case: "list",
        value: create(pb.AttrValue_ListValueSchema, {
          s: [new TextEncoder().encode("loc:@anchor")],
        }),
      },
    });
    (req.nodeDefs as Map<string, pb.NodeDef>).set("follower", follower);
    const p2 = partitionGraph(req);
    expect(p2).toHaveLength(1);
    expect(p2[0].task).toEqual({ job: "worker", task: 1 });
    void c;
    void d;
  });

  it("refuses devices outside the cluster or the device filters, naming them", () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.device("/job:worker/task:2", () => tf.constant(1, { name: "c" })));
    expect(() => partitionGraph(request(g, { fetches: ["c:0"] }))).toThrow(
      /Cannot assign a device for operation c: device '\/job:worker\/task:2'.*'ps' \(tasks 0..0\), 'worker' \(tasks 0..1\)/,
    );
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.device("/job:ps/task:0", () => tf.constant(1, { name: "c" })));
    expect(() =>
      partitionGraph(request(g2, { fetches: ["c:0"], deviceFilters: ["/job:worker"] })),
    ).toThrow(/device filters are \/job:worker/);
    expect(() => partitionGraph(request(g2, { fetches: ["nope:0"] }))).toThrow(
      tf.InvalidArgumentError,
    );
    expect(() => partitionGraph(request(g2, { targets: ["nope"] }))).toThrow(/Target node 'nope'/);
  });
});

describe("control flow across tasks", () => {
  it("is an UnimplementedError naming the tensor, not a hang", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const p = tf.placeholder("bool", [], "p");
      const r = tf.cond(
        p,
        () => tf.device("/job:ps/task:0", () => tf.add(tf.constant(1), tf.constant(2), "inner")),
        () => tf.constant(0),
      );
      tf.identity(r as tf.Tensor, "out");
    });
    expect(() => partitionGraph(request(g, { feeds: ["p:0"], fetches: ["out:0"] }))).toThrow(
      /control flow split across tasks is not supported/,
    );
  });
});

describe("Rendezvous", () => {
  const arr = tf.NDArray.from([1, 2]);
  it("meets a send and a receive in either order, once per key", async () => {
    const r = new Rendezvous();
    r.send(1n, "k", arr);
    expect(await r.recv(1n, "k")).toBe(arr);
    const waiting = r.recv(2n, "k");
    r.send(2n, "k", arr);
    expect(await waiting).toBe(arr);
    expect(r.pendingSteps).toBe(0);
  });

  it("fails waiting and later receives of an aborted step", async () => {
    const r = new Rendezvous();
    const waiting = r.recv(3n, "k");
    r.abort(3n, new tf.AbortedError("gone"));
    await expect(waiting).rejects.toThrow("gone");
    await expect(r.recv(3n, "k2")).rejects.toThrow(tf.AbortedError);
    r.cleanup(3n);
    expect(r.pendingSteps).toBe(0);
  });
});

describe("two servers in one process", () => {
  it("run a step across tasks and leave no step state behind", async () => {
    const ps = new Server({ ps: ["localhost:0"] }, { start: false });
    await ps.start();
    const cluster = { ps: [ps.target.slice(7)], worker: ["localhost:0"] };
    const worker = new Server(cluster, { jobName: "worker", start: false });
    await worker.start();
    try {
      const g = new tf.Graph();
      const { v, y } = g.asDefault(() => {
        const v = tf.device(
          "/job:ps/task:0",
          () => new tf.Variable(tf.constant([1, 2, 3]), { name: "v" }),
        );
        return { v, y: tf.mul(v, tf.constant(2)) };
      });
      const sess = new RemoteSession({ target: worker.target, graph: g });
      await sess.run(v.initializer);
      expect(Array.from((await sess.run(y)).data as Float32Array)).toEqual([2, 4, 6]);
      expect(Array.from(ps.worker!.variableRef("v")!.read().data as Float32Array)).toEqual([
        1, 2, 3,
      ]);
      expect(worker.worker!.variableRef("v")).toBeUndefined();
      await sess.close();
      // Everything a step sent was received.
      expect(ps.worker!.rendezvous.pendingSteps).toBe(0);
      expect(worker.worker!.rendezvous.pendingSteps).toBe(0);
    } finally {
      await worker.stop();
      await ps.stop();
    }
  }, 30_000);

  it("stops a step blocked on a task at RunOptions.timeoutInMs, and keeps serving", async () => {
    const ps = new Server({ ps: ["localhost:0"] }, { start: false });
    await ps.start();
    const worker = new Server(
      { ps: [ps.target.slice(7)], worker: ["localhost:0"] },
      { jobName: "worker", start: false },
    );
    await worker.start();
    try {
      const g = new tf.Graph();
      const { take, y } = g.asDefault(() => {
        const q = tf.device(
          "/job:ps/task:0",
          () => new tf.FIFOQueue(2, ["float32"], { shapes: [[]] }),
        );
        const take = tf.mul(q.dequeue() as tf.Tensor, tf.constant(2));
        return { take, y: tf.add(tf.constant(1), tf.constant(1)) };
      });
      const sess = new RemoteSession({ target: worker.target, graph: g });
      const start = Date.now();
      const err = await sess.run(take, undefined, { timeoutInMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(tf.DeadlineExceededError);
      expect(Date.now() - start).toBeLessThan(3000);
      expect((await sess.run(y)).data[0]).toBe(2);
      await sess.close();
    } finally {
      await worker.stop();
      await ps.stop();
    }
  }, 30_000);

  it("serves callables (MakeCallable, RunCallable, ReleaseCallable)", async () => {
    const s = await tf.train.Server.createLocalServer();
    const client = masterClient(s.target.slice(7));
    try {
      const g = new tf.Graph();
      g.asDefault(() => tf.mul(tf.placeholder("float32", [2], "a"), tf.constant(10), "m"));
      const created = await client.call(
        "CreateSession",
        create(pb.CreateSessionRequestSchema, { graphDef: graphToGraphDef(g) }),
      );
      const sessionHandle = created.sessionHandle;
      const made = await client.call(
        "MakeCallable",
        create(pb.MakeCallableRequestSchema, {
          sessionHandle,
          options: create(pb.CallableOptionsSchema, { feed: ["a:0"], fetch: ["m:0"] }),
        }),
      );
      const run = await client.call(
        "RunCallable",
        create(pb.RunCallableRequestSchema, {
          sessionHandle,
          handle: made.handle,
          feed: [ndarrayToTensorProto(tf.NDArray.from([1, 2]))],
        }),
      );
      expect(Array.from(tensorProtoToNDArray(run.fetch[0]).data as Float32Array)).toEqual([10, 20]);
      await client.call(
        "ReleaseCallable",
        create(pb.ReleaseCallableRequestSchema, { sessionHandle, handle: made.handle }),
      );
      await expect(
        client.call(
          "RunCallable",
          create(pb.RunCallableRequestSchema, { sessionHandle, handle: made.handle }),
        ),
      ).rejects.toThrow(/No such callable handle/);
      await expect(
        client.call("RunStep", create(pb.RunStepRequestSchema, { sessionHandle: "nope" })),
      ).rejects.toThrow(tf.AbortedError);
    } finally {
      client.close();
      await s.stop();
    }
  }, 30_000);

  it("createLocalServer picks a free port; _Send outside a server is FailedPreconditionError", async () => {
    const s = await tf.train.Server.createLocalServer();
    try {
      expect(s.target).toMatch(/^grpc:\/\/localhost:\d+$/);
      expect(s.target).not.toBe("grpc://localhost:0");
    } finally {
      await s.stop();
      await s.join();
    }
    const g = new tf.Graph();
    const op = g.asDefault(() =>
      g.createOp("_Send", [tf.constant(1)], {
        T: "float32",
        tensor_name: "t",
        send_device: PS,
        send_device_incarnation: 1,
        recv_device: W0,
      }),
    );
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(op)).rejects.toThrow(
      /runs only in a graph partition registered on a tf.train.Server/,
    );
  }, 30_000);
});
