import { describe, expect, it } from "vitest";
import * as tf from "../index.js";
import type { NodeExecStats } from "../runtime/plan_support.js";
import { stepStatsFromProto, stepStatsToProto } from "./run_metadata.js";
import { parseOpLabel, Timeline, type TraceEvent } from "./timeline.js";

const node = (
  nodeName: string,
  start: number,
  dur: number,
  label: string,
  bytes: number[] = [8],
): NodeExecStats => ({
  nodeName,
  opType: parseOpLabel(label).op,
  backend: "cpu-ts",
  allStartMicros: start,
  opStartRelMicros: 0,
  opEndRelMicros: dur,
  allEndRelMicros: dur,
  timelineLabel: label,
  output: bytes.map((b, slot) => ({ slot, dtype: "float32", shape: [b / 4], requestedBytes: b })),
});

// a runs 1000-1010; b 1005-1015 overlaps it (second lane); c starts 1020 after both, lane 0.
const STATS = {
  devStats: [
    {
      device: "/cpu:0",
      nodeStats: [
        node("a", 1000, 10, "a = Const()"),
        node("b", 1005, 10, "b = Const()"),
        node("c", 1020, 5, "c = AddV2(a, b:0)"),
      ],
    },
  ],
};

const byPh = (events: TraceEvent[], ph: string) => events.filter((e) => e.ph === ph);

describe("Timeline", () => {
  it("names processes per device and threads per lane ('M' events first)", () => {
    const ev = new Timeline(STATS).traceEvents();
    const meta = byPh(ev, "M");
    expect(ev.slice(0, meta.length)).toEqual(meta);
    expect(meta).toEqual([
      { name: "process_name", ph: "M", pid: 0, args: { name: "Allocators" } },
      { name: "process_name", ph: "M", pid: 1, args: { name: "/cpu:0 Compute" } },
      { name: "process_name", ph: "M", pid: 2, args: { name: "/cpu:0 Tensors" } },
      { name: "thread_name", ph: "M", pid: 1, tid: 0, args: { name: "lane 0" } },
      { name: "thread_name", ph: "M", pid: 1, tid: 1, args: { name: "lane 1" } },
    ]);
  });

  it("emits one 'X' event per node on the first free lane, args as TF's timeline", () => {
    const x = byPh(new Timeline(STATS).traceEvents(), "X");
    expect(x).toEqual([
      {
        name: "Const",
        ph: "X",
        cat: "Op",
        pid: 1,
        tid: 0,
        ts: 1000,
        dur: 10,
        args: { name: "a", op: "Const", backend: "cpu-ts" },
      },
      {
        name: "Const",
        ph: "X",
        cat: "Op",
        pid: 1,
        tid: 1,
        ts: 1005,
        dur: 10,
        args: { name: "b", op: "Const", backend: "cpu-ts" },
      },
      {
        name: "AddV2",
        ph: "X",
        cat: "Op",
        pid: 1,
        tid: 0,
        ts: 1020,
        dur: 5,
        args: { name: "c", op: "AddV2", input0: "a", input1: "b:0", backend: "cpu-ts" },
      },
    ]);
  });

  it("draws dataflow arrows from each producer's end to the consumer's start", () => {
    const ev = new Timeline(STATS).traceEvents();
    expect([...byPh(ev, "s"), ...byPh(ev, "t")]).toEqual([
      { name: "a:0", ph: "s", cat: "DataFlow", pid: 1, tid: 0, ts: 1010, id: 0 },
      { name: "b:0", ph: "s", cat: "DataFlow", pid: 1, tid: 1, ts: 1015, id: 1 },
      { name: "a:0", ph: "t", cat: "DataFlow", pid: 1, tid: 0, ts: 1020, id: 0 },
      { name: "b:0", ph: "t", cat: "DataFlow", pid: 1, tid: 0, ts: 1020, id: 1 },
    ]);
    expect(byPh(new Timeline(STATS).traceEvents({ showDataflow: false }), "s")).toEqual([]);
  });

  it("showMemory: tensor lifetimes until the last consumer and a live-bytes counter", () => {
    const ev = new Timeline(STATS).traceEvents({ showMemory: true });
    const lives = byPh(ev, "N").map((n) => [n.ts, byPh(ev, "D").find((d) => d.id === n.id)!.ts]);
    // a:0 and b:0 live until c ends (1025); c:0 has no consumer: it dies when c ends.
    expect(lives).toEqual([
      [1000, 1025],
      [1005, 1025],
      [1020, 1025],
    ]);
    const snap = byPh(ev, "O")[0];
    expect(snap.pid).toBe(2);
    expect(snap.args).toEqual({
      snapshot: {
        tensor_name: "a:0",
        dtype: "float32",
        shape: [2],
        requested_bytes: 8,
        allocator: "cpu-ts",
      },
    });
    // +8 at 1000, +8 at 1005, +8 at 1020, then three frees at 1025.
    expect(byPh(ev, "C").map((c) => [c.ts, c.args?.["cpu-ts"]])).toEqual([
      [1000, 8],
      [1005, 16],
      [1020, 24],
      [1025, 16],
      [1025, 8],
      [1025, 0],
    ]);
  });

  it("generateChromeTraceFormat is {traceEvents} JSON", () => {
    const json = JSON.parse(new Timeline(STATS).generateChromeTraceFormat());
    expect(Object.keys(json)).toEqual(["traceEvents"]);
    expect(json.traceEvents.length).toBe(5 + 3 + 4);
  });

  it("reads a StepStats proto too (backend kept in the allocator name)", () => {
    const proto = stepStatsToProto(STATS);
    expect(proto.devStats[0].nodeStats[2].timelineLabel).toBe("c = AddV2(a, b:0)");
    expect(stepStatsFromProto(proto)).toEqual(STATS);
    expect(new Timeline(proto).traceEvents()).toEqual(new Timeline(STATS).traceEvents());
  });

  it("parses labels as TF's _parse_op_label", () => {
    expect(parseOpLabel("x/y = MatMul(a:0, b)")).toEqual({
      name: "x/y",
      op: "MatMul",
      inputs: ["a:0", "b"],
    });
    expect(parseOpLabel("garbage")).toEqual({ name: "unknown", op: "unknown", inputs: [] });
  });

  it("traces a real FULL_TRACE run: every node that ran is an X event", async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => {
      const x = tf.placeholder("float32", [2, 2], "x");
      return tf.matmul(
        x,
        tf.constant(
          [
            [1, 0],
            [0, 1],
          ],
          { name: "eye" },
        ),
        { name: "mm" },
      );
    });
    const runMetadata: tf.RunMetadata = {};
    await new tf.Session({ graph: g }).run(
      y,
      {
        "x:0": [
          [1, 2],
          [3, 4],
        ],
      },
      {
        traceLevel: "FULL_TRACE",
        runMetadata,
      },
    );
    const tl = new tf.Timeline(runMetadata.stepStats!);
    const x = byPh(tl.traceEvents(), "X");
    const mm = x.find((e) => e.args?.name === "mm")!;
    expect(mm.name).toBe("MatMul");
    expect(mm.args?.input0).toBe("x:0");
    expect(mm.args?.input1).toBe("eye:0");
    expect(typeof mm.args?.backend).toBe("string");
    expect(mm.dur).toBeGreaterThanOrEqual(0);
    const trace = JSON.parse(tl.generateChromeTraceFormat({ showMemory: true }));
    expect(trace.traceEvents.some((e: TraceEvent) => e.ph === "C")).toBe(true);
  });
});
