/**
 * The board's HTTP API on a fixture logdir: every kind of data, a corrupt and a truncated file,
 * and requests that try to leave the logdir.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DataType } from "../io/proto/index.js";
import type {
  BlobEntry,
  GraphResponse,
  HistogramStep,
  RunsResponse,
  ScalarPoint,
  SeriesResponse,
  TextEntry,
  TraceResponse,
} from "./api_types.js";
import {
  audioEvent,
  eventRecord,
  fileVersion,
  graphEvent,
  histogramEvent,
  imageEvent,
  png,
  runMetadataEvent,
  scalarEvent,
  tensorScalarEvent,
  textEvent,
  writeEvents,
} from "./fixtures.js";
import { type Board, startBoard } from "./server.js";

let dir: string;
let board: Board;
const RED = png(2, 2, () => [255, 0, 0]);
const BLUE = png(3, 1, () => [0, 0, 255]);
// Byte offsets of the bad files' first unreadable record (worked out as the file is written).
let corruptAt = 0;
let truncatedAt = 0;

function get(
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; type: string; body: Buffer }> {
  // node:http sends the path as given (fetch would resolve `..` segments before sending).
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: board.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"]),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await get(path);
  expect(res.status, `${path}: ${res.body.toString()}`).toBe(200);
  return JSON.parse(res.body.toString()) as T;
}

const q = (path: string, params: Record<string, string>) =>
  `${path}?${new URLSearchParams(params)}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "board-api-"));
  const logdir = join(dir, "logs");
  writeEvents(join(logdir, "train", "events.out.tfevents.1700000000.host"), [
    fileVersion(),
    graphEvent([
      { name: "x", op: "Placeholder", shape: [-1, 3] },
      { name: "dense/kernel", op: "VariableV2", shape: [3, 1], device: "/device:CPU:0" },
      {
        name: "dense/kernel/read",
        op: "Identity",
        inputs: ["dense/kernel"],
        dtype: DataType.DT_FLOAT,
      },
      {
        name: "dense/MatMul",
        op: "MatMul",
        inputs: ["x", "dense/kernel/read"],
        dtype: DataType.DT_FLOAT,
        shape: [-1, 1],
      },
    ]),
    ...[0.9, 0.7, 0.4, 0.3, 0.25].map((v, step) => scalarEvent("loss", step, v)),
    scalarEvent("accuracy", 4, 0.75),
    // Buckets with right edges 0, 1, 2 (TF's first bucket starts at -DBL_MAX): 1 value in (-inf, 0],
    // 3 in (0, 1], 0 in (1, 2]; min -0.5, max 0.9.
    histogramEvent("weights", 0, [0, 1, 2], [1, 3, 0], -0.5, 0.9),
    histogramEvent("weights", 1, [0, 1, 1.7976931348623157e308], [2, 0, 2], -1, 3),
    imageEvent("input", 0, RED, 2, 2),
    imageEvent("input", 1, BLUE, 3, 1),
    textEvent("notes", 3, "hello *board*"),
    audioEvent("tone", 2, 8000, 80, 440),
    runMetadataEvent("step_2", 2, "/job:localhost/replica:0/task:0/device:CPU:0", [
      { name: "x", op: "Placeholder", start: 0, duration: 5 },
      { name: "dense/MatMul", op: "MatMul", start: 10, duration: 40, shape: [4, 1] },
    ]),
  ]);
  // TF2-style scalars in a second run.
  writeEvents(join(logdir, "eval", "events.out.tfevents.1700000001.host"), [
    fileVersion(),
    tensorScalarEvent("loss", 0, 1.5),
    tensorScalarEvent("loss", 10, 0.5),
  ]);
  // A file with a flipped byte in its third record, and one cut off inside its third record.
  const good = [fileVersion(), scalarEvent("loss", 0, 1)].map(eventRecord);
  corruptAt = good[0].length + good[1].length;
  const third = eventRecord(scalarEvent("loss", 1, 2));
  const flipped = third.slice();
  flipped[14] ^= 0xff; // inside the data: the data CRC fails
  mkdirSync(join(logdir, "bad"));
  writeFileSync(
    join(logdir, "bad", "events.out.tfevents.1.host"),
    Buffer.concat([...good, flipped]),
  );
  truncatedAt = corruptAt;
  mkdirSync(join(logdir, "cut"));
  writeFileSync(
    join(logdir, "cut", "events.out.tfevents.1.host"),
    Buffer.concat([...good, third.subarray(0, 20)]),
  );
  // An event file outside the logdir, reachable only through a symlink that leads out.
  writeEvents(join(dir, "secret", "events.out.tfevents.9.host"), [
    fileVersion(),
    scalarEvent("secret", 0, 42),
  ]);
  symlinkSync(join(dir, "secret"), join(logdir, "escape"));
  symlinkSync(
    join(dir, "secret", "events.out.tfevents.9.host"),
    join(logdir, "train", "events.out.tfevents.2.link"),
  );
  board = await startBoard({ logdir, port: 0, reloadIntervalMs: 100, incompleteGraceMs: 0 });
});

afterAll(async () => {
  await board?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("board API", () => {
  test("runs are the directories holding event files, with their tags", async () => {
    const r = await getJson<RunsResponse>("/data/runs");
    expect(r.runs.map((x) => x.name)).toEqual(["bad", "cut", "eval", "train"]);
    const train = r.runs.find((x) => x.name === "train")!;
    expect(train.tags).toEqual({
      scalars: ["loss", "accuracy"],
      histograms: ["weights"],
      images: ["input"],
      audio: ["tone"],
      text: ["notes"],
      runMetadata: ["step_2"],
    });
    expect(train.graph).toBe(true);
    expect(train.files).toEqual(["train/events.out.tfevents.1700000000.host"]);
  });

  test("scalars: TF1 simple values and TF2 tensors", async () => {
    const loss = await getJson<SeriesResponse<ScalarPoint>>(
      q("/data/scalars", { run: "train", tag: "loss" }),
    );
    // simple_value is a float (32-bit) in the proto.
    expect(loss.entries.map((p) => [p.step, p.value])).toEqual(
      [0.9, 0.7, 0.4, 0.3, 0.25].map((v, step) => [step, Math.fround(v)]),
    );
    expect(loss.entries[2].wallTime).toBe(1_700_000_002);
    const evalLoss = await getJson<SeriesResponse<ScalarPoint>>(
      q("/data/scalars", { run: "eval", tag: "loss" }),
    );
    expect(evalLoss.entries.map((p) => [p.step, p.value])).toEqual([
      [0, 1.5],
      [10, 0.5],
    ]);
  });

  test("histograms: buckets as [left, right, count], edges clamped to min and max", async () => {
    const h = await getJson<SeriesResponse<HistogramStep>>(
      q("/data/histograms", { run: "train", tag: "weights" }),
    );
    expect(h.entries[0]).toMatchObject({ step: 0, min: -0.5, max: 0.9, num: 4 });
    // (-DBL_MAX, 0] → [min, 0]; (0, 1] → [0, 0.9] (max); the empty (1, 2] is left out.
    expect(h.entries[0].buckets).toEqual([
      [-0.5, 0, 1],
      [0, 0.9, 3],
    ]);
    expect(h.entries[1].buckets).toEqual([
      [-1, 0, 2],
      [1, 3, 2],
    ]);
  });

  test("images: entries, and the PNG bytes as written", async () => {
    const im = await getJson<SeriesResponse<BlobEntry>>(
      q("/data/images", { run: "train", tag: "input" }),
    );
    expect(im.entries.map((e) => [e.step, e.width, e.height, e.contentType])).toEqual([
      [0, 2, 2, "image/png"],
      [1, 3, 1, "image/png"],
    ]);
    const blob = await get(
      q("/data/blob", { run: "train", tag: "input", index: String(im.entries[1].index) }),
    );
    expect(blob.status).toBe(200);
    expect(blob.type).toBe("image/png");
    expect(new Uint8Array(blob.body)).toEqual(BLUE);
  });

  test("audio: entries, and the WAV bytes", async () => {
    const a = await getJson<SeriesResponse<BlobEntry>>(
      q("/data/audio", { run: "train", tag: "tone" }),
    );
    expect(a.entries).toEqual([
      {
        step: 2,
        wallTime: 1_700_000_002,
        index: a.entries[0].index,
        contentType: "audio/wav",
        sampleRate: 8000,
        lengthFrames: 80,
      },
    ]);
    const wav = await get(
      q("/data/blob", { run: "train", tag: "tone", index: String(a.entries[0].index) }),
    );
    expect(wav.type).toBe("audio/wav");
    expect(wav.body.length).toBe(44 + 80 * 2);
    expect(wav.body.subarray(0, 4).toString()).toBe("RIFF");
  });

  test("text", async () => {
    const t = await getJson<SeriesResponse<TextEntry>>(
      q("/data/text", { run: "train", tag: "notes" }),
    );
    expect(t.entries).toEqual([{ step: 3, wallTime: 1_700_000_003, text: "hello *board*" }]);
  });

  test("graph: nodes with op, device, inputs, attrs and output shapes", async () => {
    const g = await getJson<GraphResponse>(q("/data/graph", { run: "train" }));
    expect(g.nodes.map((n) => n.name)).toEqual([
      "x",
      "dense/kernel",
      "dense/kernel/read",
      "dense/MatMul",
    ]);
    expect(g.nodes[3]).toEqual({
      name: "dense/MatMul",
      op: "MatMul",
      device: "",
      inputs: ["x", "dense/kernel/read"],
      attrs: { T: "float" },
      outputShapes: ["[?,1]"],
    });
    expect(g.nodes[1].device).toBe("/device:CPU:0");
  });

  test("trace: per-node start and end from the step's first start", async () => {
    const t = await getJson<TraceResponse>(q("/data/trace", { run: "train", tag: "step_2" }));
    expect(t.step).toBe(2);
    expect(t.devices).toHaveLength(1);
    expect(t.devices[0].nodes.map((n) => [n.name, n.op, n.start, n.end])).toEqual([
      ["x", "Placeholder", 0, 5],
      ["dense/MatMul", "MatMul", 10, 50],
    ]);
    expect(t.devices[0].nodes[1].outputs).toEqual(["float[4,1]"]);
  });

  test("a corrupt file and a truncated file: their valid events, and which file is bad", async () => {
    const r = await getJson<RunsResponse>("/data/runs");
    const byRun = Object.fromEntries(r.problems.map((p) => [p.run, p]));
    expect(byRun.bad).toMatchObject({
      file: "bad/events.out.tfevents.1.host",
      kind: "corrupt",
      offset: corruptAt,
    });
    expect(byRun.bad.message).toContain(`offset ${corruptAt}`);
    expect(byRun.cut).toMatchObject({
      file: "cut/events.out.tfevents.1.host",
      kind: "incomplete",
      offset: truncatedAt,
    });
    for (const run of ["bad", "cut"]) {
      const s = await getJson<SeriesResponse<ScalarPoint>>(
        q("/data/scalars", { run, tag: "loss" }),
      );
      expect(s.entries.map((p) => p.value)).toEqual([1]);
    }
    expect(r.problems).toHaveLength(2);
  });

  test("new events are read without a restart; a truncated record completes", async () => {
    const path = join(board.logdir.root, "cut", "events.out.tfevents.1.host");
    const whole = readFileSync(path);
    const third = eventRecord(scalarEvent("loss", 1, 2));
    writeFileSync(path, Buffer.concat([whole, third.subarray(20)]));
    const before = board.logdir.generation;
    await expect.poll(() => board.logdir.generation, { timeout: 5000 }).toBeGreaterThan(before);
    const s = await getJson<SeriesResponse<ScalarPoint>>(
      q("/data/scalars", { run: "cut", tag: "loss" }),
    );
    expect(s.entries.map((p) => p.value)).toEqual([1, 2]);
    const r = await getJson<RunsResponse>("/data/runs");
    expect(r.problems.map((p) => p.run)).toEqual(["bad"]);
  });

  test("nothing outside the logdir is reachable", async () => {
    // The symlinked directory and file that lead out are not runs and are never read.
    const r = await getJson<RunsResponse>("/data/runs");
    expect(r.runs.map((x) => x.name)).not.toContain("escape");
    expect(r.runs.flatMap((x) => x.files).join()).not.toContain("link");
    expect(r.runs.flatMap((x) => x.tags.scalars)).not.toContain("secret");
    for (const path of [
      "/../../etc/passwd",
      "/static/../../../etc/passwd",
      "/static/%2e%2e/%2e%2e/etc/passwd",
      "/static/..%2f..%2fetc%2fpasswd",
      "//etc/passwd",
      q("/data/scalars", { run: "../secret", tag: "secret" }),
      q("/data/scalars", { run: "train/../../secret", tag: "secret" }),
      q("/data/scalars", { run: join(dir, "secret"), tag: "secret" }),
      q("/data/graph", { run: "/etc" }),
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(403);
      expect(res.body.toString()).not.toContain("root:");
    }
    for (const path of [
      q("/data/scalars", { run: "escape", tag: "secret" }),
      q("/data/scalars", { run: "nothere", tag: "loss" }),
      q("/data/scalars", { run: "train", tag: "nothere" }),
      q("/data/blob", { run: "train", tag: "input", index: "99" }),
      "/etc/passwd",
      "/data/nothing",
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  test("another Host (DNS rebinding) and other methods are refused", async () => {
    expect((await get("/data/runs", { Host: "evil.example:6006" })).status).toBe(403);
    expect((await get("/data/runs", { Host: "localhost:6006" })).status).toBe(200);
    expect((await get("/data/runs", {}, "POST")).status).toBe(405);
  });

  test("the page and its bundled assets are served by the board (no CDN)", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<script src="/static/board.js">');
    expect(page.body.toString()).not.toMatch(/https?:\/\//);
    const js = await get("/static/board.js");
    expect(js.type).toContain("javascript");
    expect(js.body.length).toBeGreaterThan(10_000);
    const css = await get("/static/board.css");
    expect(css.body.toString()).toContain(".uplot");
  });
});
