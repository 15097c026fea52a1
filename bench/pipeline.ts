// tf.data input pipelines: (1) Fashion-MNIST MLP training (784-512-512-10, Adam, batch 100) fed
// by TFRecordDataset → map(parse, 2 parallel calls) → shuffle(10000) → batch → prefetch, against
// the same model fed NDArrays (shuffled rows gathered per step), in one run: examples/s and their
// ratio (target ≥ 0.9); (2) peak RSS of a separate process streaming a 1 GB TFRecord file
// through shuffle(10000) → batch(100) (target < 300 MB). Files go to the OS temp dir and are
// deleted after. Alone: npx tsx bench/pipeline.ts
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { imageRecordPipeline, writeImageRecords } from "../src/data/dataset/mnist_records.js";
import { gatherRows, loadFashionMnist, shuffledIndices } from "../src/data/index.js";
import * as tf from "../src/index.js";
import { TFRecordFileWriter } from "../src/io/tfrecord.js";
import { printTable, type Row } from "./harness.js";

const BATCH = 100;
const PIXELS = 784;
const WARMUP_STEPS = 20;
const TIMED_STEPS = Number(process.env.PIPELINE_STEPS ?? 300);

/** The MLP on inputs `x` [batch, 784] float32 and `y` [batch] int32. */
function mlp(x: tf.Tensor, y: tf.Tensor) {
  tf.setRandomSeed(1);
  const h1 = tf.layers.dense(x, 512, { activation: tf.nn.relu });
  const h2 = tf.layers.dense(h1, 512, { activation: tf.nn.relu });
  const logits = tf.layers.dense(h2, 10);
  const loss = tf.losses.sparseSoftmaxCrossEntropy(y, logits);
  return { loss, train: new tf.train.AdamOptimizer(1e-3).minimize(loss) };
}

async function timed(steps: number, step: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP_STEPS; i++) await step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  return (steps * BATCH * 1000) / (performance.now() - t0);
}

async function feedRate(images: Float32Array, labels: Int32Array): Promise<number> {
  const g = new tf.Graph();
  const m = g.asDefault(() => {
    const x = tf.placeholder("float32", [null, PIXELS], "x");
    const y = tf.placeholder("int32", [null], "y");
    return { x, y, ...mlp(x, y), init: tf.globalVariablesInitializer() };
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(m.init);
  let order = shuffledIndices(labels.length, Math.random);
  let at = 0;
  const xs = new Float32Array(BATCH * PIXELS);
  const ys = new Int32Array(BATCH);
  const rate = await timed(TIMED_STEPS, async () => {
    if (at + BATCH > order.length) {
      order = shuffledIndices(labels.length, Math.random);
      at = 0;
    }
    gatherRows(images, PIXELS, order, at, BATCH, xs);
    gatherRows(labels, 1, order, at, BATCH, ys);
    at += BATCH;
    await sess.run(
      [m.train, m.loss],
      [
        [m.x, xs],
        [m.y, ys],
      ],
    );
  });
  sess.close();
  return rate;
}

async function pipelineRate(file: string): Promise<number> {
  const g = new tf.Graph();
  const m = g.asDefault(() => {
    const next = imageRecordPipeline(file, PIXELS, { batchSize: BATCH, seed: 1 })
      .makeOneShotIterator()
      .getNext() as { image: tf.Tensor; label: tf.Tensor };
    return { ...mlp(next.image, next.label), init: tf.globalVariablesInitializer() };
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(m.init);
  const rate = await timed(TIMED_STEPS, () => sess.run([m.train, m.loss]));
  sess.close();
  return rate;
}

/** A TFRecord file of about `bytes` bytes (records of 4 KiB). */
function writeBigFile(file: string, bytes: number): number {
  const w = new TFRecordFileWriter(file);
  const record = new Uint8Array(4096);
  for (let i = 0; i < record.length; i++) record[i] = (i * 2654435761) >>> 24;
  let n = 0;
  for (let written = 0; written < bytes; written += record.length + 16, n++) {
    record[0] = n & 255;
    record[1] = (n >> 8) & 255;
    w.write(record);
  }
  w.close();
  return n;
}

/** In a child process: streams `file` through shuffle(10000) → batch(100); prints JSON. */
async function rssChild(file: string): Promise<void> {
  const g = new tf.Graph();
  const next = g.asDefault(
    () =>
      tf.data
        .TFRecordDataset(file)
        .shuffle(10_000, { seed: 1 })
        .batch(100)
        .makeOneShotIterator()
        .getNext() as tf.Tensor,
  );
  const sess = new tf.Session({ graph: g });
  let records = 0;
  const t0 = performance.now();
  for (;;) {
    try {
      records += (await sess.run(next)).shape[0];
    } catch (e) {
      if (e instanceof tf.OutOfRangeError) break;
      throw e;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ records, seconds, peakMb }));
}

export async function pipelineBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-pipeline-"));
  try {
    const data = await loadFashionMnist();
    const file = path.join(dir, "train.tfrecord");
    writeImageRecords(file, data.trainImages, data.trainLabels, PIXELS);
    const fed = await feedRate(data.trainImages, data.trainLabels);
    const piped = await pipelineRate(file);
    rows.push({
      name: "MLP training fed NDArrays (batch 100, Adam)",
      value: fed,
      unit: "examples/s",
    });
    rows.push({
      name: "MLP training through TFRecordDataset → map(parse) → shuffle → batch → prefetch",
      value: piped,
      unit: "examples/s",
    });
    rows.push({ name: "pipeline / feeds (target ≥ 0.9)", value: piped / fed, unit: "×" });
    if (process.env.PIPELINE_SKIP_RSS) return rows;
    const big = path.join(dir, "big.tfrecord");
    const count = writeBigFile(big, 1 << 30);
    // V8 lets garbage (every record is a new string) pile up in the old generation before it
    // collects; a cap on the old generation is the knob a memory-bound streaming job would set.
    for (const flags of [[], ["--max-old-space-size=128"]]) {
      const child = spawnSync(
        process.execPath,
        [...flags, ...process.execArgv, fileURLToPath(import.meta.url), "--rss-child", big],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      const out = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as {
        records?: number;
        seconds?: number;
        peakMb?: number;
      };
      if (out.records !== count) throw new Error(`streamed ${out.records} of ${count} records`);
      const how = flags.length ? flags.join(" ") : "default V8 flags";
      rows.push({
        name: `1 GiB TFRecord file (4 KiB records) through shuffle(10000) → batch(100), ${how}: peak RSS (target < 300)`,
        value: out.peakMb ?? Number.NaN,
        unit: "MB",
      });
      rows.push({
        name: "  …its throughput",
        value: 1024 / (out.seconds ?? Number.NaN),
        unit: "MB/s",
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--rss-child");
  if (at > 0) await rssChild(process.argv[at + 1]);
  else printTable("tf.data input pipeline", await pipelineBench());
}
