/**
 * The board on what tensorgraph itself writes: a small regression trained in a session, its
 * summaries written by tf.summary.FileWriter (scalar, histogram, image, text, the graph and a
 * FULL_TRACE run's metadata), read back through the board's API.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as tf from "../index.js";
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
import { type Board, startBoard } from "./server.js";

let dir: string;
let board: Board;
const losses: number[] = [];

const get = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
  const res = await fetch(`${board.url}${path.slice(1)}?${new URLSearchParams(params)}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "board-real-"));
  const g = new tf.Graph();
  const m = g.asDefault(() => {
    const x = tf.placeholder("float32", [null, 2], "x");
    const y = tf.placeholder("float32", [null, 1], "y");
    const pred = tf.layers.dense(x, 1, { name: "dense", kernelInitializer: tf.zerosInitializer() });
    const loss = tf.reduceMean(tf.square(tf.sub(pred, y)), undefined, false, "mse");
    const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss);
    tf.summary.scalar("loss", loss);
    tf.summary.histogram("kernel", tf.trainableVariables()[0].value());
    tf.summary.image("input", tf.reshape(x, [-1, 1, 2, 1]), { maxOutputs: 1 });
    tf.summary.text("note", tf.constant("a real run"));
    return {
      x,
      y,
      loss,
      train,
      merged: tf.summary.mergeAll()!,
      init: tf.globalVariablesInitializer(),
    };
  });
  // Unfused, so that the trace shows the MatMul node itself.
  const sess = new tf.Session({
    graph: g,
    config: { graphOptions: { rewriteOptions: { remapping: "OFF" } } },
  });
  await sess.run(m.init);
  const writer = new tf.summary.FileWriter(join(dir, "train"), g);
  const feeds: [tf.Tensor, number[][]][] = [
    [
      m.x,
      [
        [0, 1],
        [1, 0],
        [1, 1],
      ],
    ],
    [m.y, [[1], [2], [3]]],
  ];
  for (let step = 0; step < 4; step++) {
    const runMetadata: tf.RunMetadata = {};
    const options = step === 2 ? { traceLevel: "FULL_TRACE" as const, runMetadata } : undefined;
    const [summary, loss] = (await sess.run(
      [m.merged, m.loss, m.train],
      feeds,
      options,
    )) as tf.NDArray[];
    losses.push(loss.item() as number);
    writer.addSummary(summary.data[0] as string, step);
    if (step === 2) writer.addRunMetadata(runMetadata, "step_2", step);
  }
  await writer.close();
  board = await startBoard({ logdir: dir, port: 0, reloadIntervalMs: 100 });
}, 60_000);

afterAll(async () => {
  await board?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("what FileWriter wrote in a training loop shows on the board", async () => {
  const runs = await get<RunsResponse>("/data/runs");
  expect(runs.problems).toEqual([]);
  expect(runs.runs).toHaveLength(1);
  const run = runs.runs[0];
  expect(run.name).toBe("train");
  expect(run.graph).toBe(true);
  expect(run.tags.scalars).toEqual(["loss"]);
  expect(run.tags.histograms).toEqual(["kernel"]);
  expect(run.tags.images).toEqual(["input/image"]);
  // (The text tag's form is tf.summary.text's business: "note" or "note/text_summary".)
  expect(run.tags.text).toHaveLength(1);
  const noteTag = run.tags.text[0];
  expect(noteTag).toMatch(/^note/);
  expect(run.tags.runMetadata).toEqual(["step_2"]);

  const loss = await get<SeriesResponse<ScalarPoint>>("/data/scalars", {
    run: "train",
    tag: "loss",
  });
  expect(loss.entries.map((p) => p.step)).toEqual([0, 1, 2, 3]);
  expect(loss.entries.map((p) => p.value)).toEqual(losses.map(Math.fround));
  // The kernel starts at zeros: the first histogram holds two zeros.
  const h = await get<SeriesResponse<HistogramStep>>("/data/histograms", {
    run: "train",
    tag: "kernel",
  });
  expect(h.entries[0]).toMatchObject({ step: 0, min: 0, max: 0, num: 2 });
  const im = await get<SeriesResponse<BlobEntry>>("/data/images", {
    run: "train",
    tag: "input/image",
  });
  expect(im.entries[0]).toMatchObject({ width: 2, height: 1, contentType: "image/png" });
  const text = await get<SeriesResponse<TextEntry>>("/data/text", { run: "train", tag: noteTag });
  expect(text.entries[0].text).toBe("a real run");

  const graph = await get<GraphResponse>("/data/graph", { run: "train" });
  const matmul = graph.nodes.find((n) => n.name === "dense/MatMul")!;
  expect(matmul.op).toBe("MatMul");
  expect(matmul.inputs[0]).toBe("x");
  expect(matmul.outputShapes).toEqual(["[?,1]"]);
  expect(matmul.attrs.T).toBe("float");

  const trace = await get<TraceResponse>("/data/trace", { run: "train", tag: "step_2" });
  expect(trace.step).toBe(2);
  const nodes = trace.devices.flatMap((d) => d.nodes);
  const traced = nodes.find((n) => n.name === "dense/MatMul")!;
  expect(traced.op).toBe("MatMul");
  expect(traced.end).toBeGreaterThanOrEqual(traced.start);
  expect(traced.outputs[0]).toMatch(/^float\[3,1\] 12 B$/);
});
