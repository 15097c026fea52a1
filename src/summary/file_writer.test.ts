import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import * as tf from "../index.js";
import {
  type Event,
  GraphDefSchema,
  MetaGraphDefSchema,
  RunMetadataSchema,
  SessionLog_SessionStatus,
  SummarySchema,
} from "../io/proto/index.js";
import { FileWriter, FileWriterCache } from "./file_writer.js";

const tmp = () => mkdtempSync(join(tmpdir(), "tg-writer-"));
const read = (w: FileWriter): Event[] => [...tf.train.summaryIterator(w.filePath)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a summary op of a fresh graph and returns its output (a byte string). */
async function summaryBytes(build: () => tf.Tensor): Promise<string> {
  const g = new tf.Graph();
  const t = g.asDefault(build);
  return (await new tf.Session({ graph: g }).run(t)).data[0] as string;
}

const writers: FileWriter[] = [];
const track = (w: FileWriter) => {
  writers.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.close()));
});

describe("FileWriter", () => {
  it("creates the logdir and events.out.tfevents.<secs>.<host><suffix>, file_version first", () => {
    const dir = join(tmp(), "run1");
    const before = Math.floor(Date.now() / 1000);
    const w = track(new FileWriter(dir, null, { filenameSuffix: ".v1" }));
    expect(w.getLogdir()).toBe(dir);
    expect(readdirSync(dir)).toEqual([basename(w.filePath)]);
    const m = /^events\.out\.tfevents\.(\d{10})\.(.+)\.v1$/.exec(basename(w.filePath));
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(before);
    // The version record is on disk before anything is flushed.
    const [first] = read(w);
    expect(first.what).toEqual({ case: "fileVersion", value: "brain.Event:2" });
    expect(first.wallTime).toBeGreaterThanOrEqual(before);
  });

  it("addSummary writes what a summary op output, with the step, after flush", async () => {
    const w = track(new FileWriter(tmp()));
    w.addSummary(await summaryBytes(() => tf.summary.scalar("loss", 0.25)), 3);
    expect(read(w).length).toBe(1); // queued, not yet written
    await w.flush();
    const events = read(w);
    expect(events.length).toBe(2);
    expect(Number(events[1].step)).toBe(3);
    expect(events[1].what.case).toBe("summary");
    const s = events[1].what.value as { value: { tag: string; value: unknown }[] };
    expect(s.value[0].tag).toBe("loss");
    expect(s.value[0].value).toEqual({ case: "simpleValue", value: 0.25 });
  });

  it("hands the queue to the file when maxQueue events wait, without flush", async () => {
    const w = track(new FileWriter(tmp(), null, { maxQueue: 2 }));
    w.addSessionLog({ status: SessionLog_SessionStatus.START }, 0);
    await sleep(30);
    expect(read(w).length).toBe(1);
    w.addSessionLog({ status: SessionLog_SessionStatus.STOP }, 1);
    await sleep(30);
    const events = read(w);
    expect(events.map((e) => e.what.case)).toEqual(["fileVersion", "sessionLog", "sessionLog"]);
  });

  it("flushes every flushSecs in the background", async () => {
    const w = track(new FileWriter(tmp(), null, { flushSecs: 0.02 }));
    w.addSummary(
      create(SummarySchema, { value: [{ tag: "t", value: { case: "simpleValue", value: 1 } }] }),
    );
    await sleep(80);
    expect(read(w).length).toBe(2);
  });

  it("writes a graph given at construction, with _output_shapes on its nodes", async () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.add(tf.placeholder("float32", [null, 3], "x"), 1, "y"));
    const w = track(new FileWriter(tmp(), g));
    await w.flush();
    const e = read(w)[1];
    if (e.what.case !== "graphDef") throw new Error("expected a graph");
    const def = fromBinary(GraphDefSchema, e.what.value);
    const y = def.node.find((n) => n.name === "y")!;
    expect(y.op).toBe("AddV2");
    const shapes = y.attr._output_shapes.value;
    if (shapes.case !== "list") throw new Error("expected a list");
    expect(shapes.value.shape[0].dim.map((d) => Number(d.size))).toEqual([-1, 3]);
  });

  it("addRunMetadata writes a TaggedRunMetadata of a traced run; a tag is used once", async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.mul(tf.constant(2, { name: "two" }), 3, "y"));
    const runMetadata: tf.RunMetadata = {};
    // Constants unfolded, so that the trace has the Mul node.
    const config = { graphOptions: { rewriteOptions: { constantFolding: "OFF" as const } } };
    await new tf.Session({ graph: g, config }).run(y, undefined, {
      traceLevel: "FULL_TRACE",
      runMetadata,
    });
    const w = track(new FileWriter(tmp()));
    w.addRunMetadata(runMetadata, "step0", 0);
    expect(() => w.addRunMetadata(runMetadata, "step0", 1)).toThrow(
      "The provided tag was already used for this event type",
    );
    await w.flush();
    const e = read(w)[1];
    if (e.what.case !== "taggedRunMetadata") throw new Error("expected run metadata");
    expect(e.what.value.tag).toBe("step0");
    const md = fromBinary(RunMetadataSchema, e.what.value.runMetadata);
    const names = md.stepStats!.devStats.flatMap((d) => d.nodeStats.map((n) => n.nodeName));
    expect(names).toContain("y");
    const ny = md.stepStats!.devStats[0].nodeStats.find((n) => n.nodeName === "y")!;
    expect(ny.timelineLabel).toMatch(/^y = Mul\(two:0, /);
    expect(ny.output[0].tensorDescription?.dtype).toBe(1); // DT_FLOAT
  });

  it("addMetaGraph and addEvent", async () => {
    const w = track(new FileWriter(tmp()));
    w.addMetaGraph(create(MetaGraphDefSchema, { metaInfoDef: { tags: ["serve"] } }), 5);
    w.addEvent({ step: 7n, what: { case: "fileVersion", value: "x" } });
    await w.flush();
    const [, meta, ev] = read(w);
    if (meta.what.case !== "metaGraphDef") throw new Error("expected a meta graph");
    expect(fromBinary(MetaGraphDefSchema, meta.what.value).metaInfoDef?.tags).toEqual(["serve"]);
    expect(Number(meta.step)).toBe(5);
    expect(Number(ev.step)).toBe(7);
  });

  it("writes plugin metadata with the first value of each tag only, as TF", async () => {
    const w = track(new FileWriter(tmp()));
    const bytes = await summaryBytes(() => tf.summary.text("note", tf.constant("hi")));
    w.addSummary(bytes, 0);
    w.addSummary(bytes, 1);
    await w.flush();
    const metas = read(w)
      .slice(1)
      .map((e) => (e.what.case === "summary" ? e.what.value.value[0].metadata : null));
    expect(metas[0]?.pluginData?.pluginName).toBe("text");
    expect(metas[1]).toBeUndefined();
  });

  it("close writes everything; later events are ignored; reopen starts a new file", async () => {
    const dir = tmp();
    const w = new FileWriter(dir, null, { maxQueue: 100 });
    for (let i = 0; i < 5; i++) w.addSessionLog({ msg: `m${i}` }, i);
    await w.close();
    expect(read(w).map((e) => Number(e.step))).toEqual([0, 0, 1, 2, 3, 4]);
    w.addSessionLog({ msg: "dropped" });
    w.reopen();
    w.addSessionLog({ msg: "after" }, 9);
    await w.close();
    // A new file even within the same second: its name takes the next free second.
    const files = readdirSync(dir).sort();
    expect(files.length).toBe(2);
    expect(files[1]).toBe(basename(w.filePath));
    const events = files.flatMap((f) => [...tf.train.summaryIterator(join(dir, f))]);
    const msgs = events.flatMap((e) => (e.what.case === "sessionLog" ? [e.what.value.msg] : []));
    expect(msgs).toEqual(["m0", "m1", "m2", "m3", "m4", "after"]);
    expect(events.filter((e) => e.what.case === "fileVersion").length).toBe(2);
  });

  it("bad input: bytes that are not a Summary, a logdir that is a file", () => {
    const w = track(new FileWriter(tmp()));
    expect(() => w.addSummary(new Uint8Array([0xff, 0xff]))).toThrow(tf.InvalidArgumentError);
    const file = join(tmp(), "f");
    writeFileSync(file, "");
    expect(() => new FileWriter(file)).toThrow(/EEXIST|ENOTDIR/);
  });
});

describe("two writers in one logdir", () => {
  it("never share a file, even in the same second", async () => {
    const dir = tmp();
    const a = track(new FileWriter(dir));
    const b = track(new FileWriter(dir));
    expect(a.filePath).not.toBe(b.filePath);
    a.addSessionLog({ msg: "a" });
    b.addSessionLog({ msg: "b" });
    await Promise.all([a.flush(), b.flush()]);
    expect(read(a).length).toBe(2);
    expect(read(b).length).toBe(2);
  });
});

describe("FileWriterCache", () => {
  it("gives one writer per logdir and clear() closes them", async () => {
    const dir = tmp();
    const a = FileWriterCache.get(dir);
    expect(FileWriterCache.get(dir)).toBe(a);
    a.addSessionLog({ msg: "x" });
    await FileWriterCache.clear();
    expect(existsSync(a.filePath)).toBe(true);
    expect(read(a).length).toBe(3); // version, default graph, session log
    expect(FileWriterCache.get(dir)).not.toBe(a);
    await FileWriterCache.clear();
  });
});
