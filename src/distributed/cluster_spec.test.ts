// ClusterSpec, TF_CONFIG, device names and replicaDeviceSetter (TF 1.15's server_lib.py and
// device_setter.py behaviour, checked against the values its docs give).
import { describe, expect, it } from "vitest";
import * as tf from "../index.js";
import { ClusterSpec, TFConfigClusterResolver } from "./cluster_spec.js";
import { deviceMatches, deviceString, mergeDevice, parseDevice } from "./device_name.js";
import { replicaDeviceSetter } from "./replica_device_setter.js";

describe("ClusterSpec", () => {
  const spec = new tf.train.ClusterSpec({
    worker: ["worker0.example.com:2222", "worker1.example.com:2222"],
    ps: ["ps0.example.com:2222"],
  });

  it("lists jobs, tasks and addresses", () => {
    expect(spec.jobs).toEqual(["ps", "worker"]);
    expect(spec.numTasks("worker")).toBe(2);
    expect(spec.taskIndices("ps")).toEqual([0]);
    expect(spec.taskAddress("worker", 1)).toBe("worker1.example.com:2222");
    expect(spec.jobTasks("worker")).toEqual([
      "worker0.example.com:2222",
      "worker1.example.com:2222",
    ]);
  });

  it("round-trips through a ClusterDef and another ClusterSpec", () => {
    const def = spec.asClusterDef();
    expect(def.job.map((j) => j.name)).toEqual(["ps", "worker"]);
    expect(def.job[1].tasks[1]).toBe("worker1.example.com:2222");
    expect(new ClusterSpec(def).asDict()).toEqual(spec.asDict());
    expect(new ClusterSpec(spec).equals(spec)).toBe(true);
  });

  it("keeps sparse jobs sparse (TF's dict of index → address)", () => {
    const sparse = new ClusterSpec({ worker: { 1: "w1:2222", 3: "w3:2222" } });
    expect(sparse.taskIndices("worker")).toEqual([1, 3]);
    expect(sparse.jobTasks("worker")).toEqual([undefined, "w1:2222", undefined, "w3:2222"]);
    expect(sparse.asDict()).toEqual({ worker: { 1: "w1:2222", 3: "w3:2222" } });
  });

  it("rejects unknown jobs and tasks with ValueError", () => {
    expect(() => spec.numTasks("chief")).toThrow(tf.ValueError);
    expect(() => spec.taskAddress("ps", 3)).toThrow(/No task with index 3 in job 'ps'/);
    expect(() => new ClusterSpec({ "bad job": ["a:1"] })).toThrow(/Invalid job name/);
  });
});

describe("TFConfigClusterResolver", () => {
  const config = JSON.stringify({
    cluster: { chief: ["c:2222"], worker: ["w0:2222", "w1:2222"], ps: ["p:2222"] },
    task: { type: "worker", index: 1 },
    rpc_layer: "grpc",
  });

  it("reads the cluster, the task and the target from TF_CONFIG", () => {
    const r = new tf.distribute.clusterResolver.TFConfigClusterResolver({ tfConfig: config });
    expect(r.clusterSpec().jobs).toEqual(["chief", "ps", "worker"]);
    expect(r.taskType).toBe("worker");
    expect(r.taskId).toBe(1);
    expect(r.master()).toBe("grpc://w1:2222");
    expect(r.master("ps", 0)).toBe("grpc://p:2222");
  });

  it("reads process.env.TF_CONFIG by default; none means no cluster", () => {
    const saved = process.env.TF_CONFIG;
    try {
      process.env.TF_CONFIG = config;
      expect(new TFConfigClusterResolver().taskId).toBe(1);
      delete process.env.TF_CONFIG;
      const r = new TFConfigClusterResolver();
      expect(r.clusterSpec().isEmpty).toBe(true);
      expect(r.master()).toBe("");
    } finally {
      if (saved === undefined) delete process.env.TF_CONFIG;
      else process.env.TF_CONFIG = saved;
    }
  });

  it("names what is wrong in a malformed TF_CONFIG", () => {
    expect(() => new TFConfigClusterResolver({ tfConfig: "{cluster" }).clusterSpec()).toThrow(
      /TF_CONFIG is not valid JSON/,
    );
    expect(() => new TFConfigClusterResolver({ tfConfig: config }).master("chief", 4)).toThrow(
      /no task chief:4/,
    );
  });
});

describe("device names", () => {
  it("parses full, partial and legacy forms", () => {
    expect(parseDevice("/job:worker/replica:0/task:1/device:CPU:0")).toEqual({
      job: "worker",
      replica: 0,
      task: 1,
      deviceType: "CPU",
      deviceIndex: 0,
    });
    expect(parseDevice("/job:ps/task:2")).toEqual({ job: "ps", task: 2 });
    expect(parseDevice("/cpu:0")).toEqual({ deviceType: "CPU", deviceIndex: 0 });
    expect(parseDevice("")).toEqual({});
    expect(() => parseDevice("/job:ps/task:x")).toThrow(tf.InvalidArgumentError);
    expect(() => parseDevice("/machine:1")).toThrow(/Malformed device specification/);
  });

  it("merges over defaults and matches filters", () => {
    const full = mergeDevice(parseDevice("/task:1"), {
      job: "worker",
      replica: 0,
      task: 0,
      deviceType: "CPU",
      deviceIndex: 0,
    });
    expect(deviceString(full)).toBe("/job:worker/replica:0/task:1/device:CPU:0");
    expect(deviceMatches(full, parseDevice("/job:worker"))).toBe(true);
    expect(deviceMatches(full, parseDevice("/job:worker/task:0"))).toBe(false);
  });
});

describe("replicaDeviceSetter", () => {
  it("puts variables on the ps tasks round-robin and the rest on the worker", () => {
    const setter = replicaDeviceSetter({ psTasks: 2, workerDevice: "/job:worker/task:3" })!;
    const g = new tf.Graph();
    g.asDefault(() =>
      tf.device(setter, () => {
        const a = new tf.Variable(tf.constant(1), { name: "a" });
        const b = new tf.Variable(tf.constant(1), { name: "b" });
        const c = new tf.Variable(tf.constant(1), { name: "c" });
        const s = tf.add(a.value(), b.value());
        expect([a, b, c].map((v) => v.op.device)).toEqual([
          "/job:ps/task:0",
          "/job:ps/task:1",
          "/job:ps/task:0",
        ]);
        expect(s.op.device).toBe("/job:worker/task:3");
      }),
    );
  });

  it("keeps an op's own device parts inside the setter (merge_devices)", () => {
    const setter = replicaDeviceSetter({ cluster: { ps: ["p:1"], worker: ["w:1"] } })!;
    const g = new tf.Graph();
    g.asDefault(() =>
      tf.device("/task:5", () =>
        tf.device(setter, () => {
          expect(tf.constant(1).op.device).toBe("/job:worker/task:5");
        }),
      ),
    );
  });

  it("is null without ps tasks (as TF)", () => {
    expect(replicaDeviceSetter({ cluster: { worker: ["w:1"] } })).toBeNull();
    expect(replicaDeviceSetter()).toBeNull();
  });
});
