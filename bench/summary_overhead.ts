// What a summary every step costs: the Fashion-MNIST MLP (784-512-512-10, batch 100, Adam) step
// alone; with the loss's scalar summary fetched and handed to a FileWriter every step; with the
// merged loss and batch-accuracy summaries (the accuracy is extra model work: argMax, equal,
// mean); and with weight histograms every step as well. The light variants take turns step by
// step so that machine noise hits them alike; the median step time of each is reported, and the
// cost of FileWriter.addSummary alone.
// Target: one scalar summary every step within 5% of the plain step.
// Run: npx tsx bench/summary_overhead.ts [--rounds 8] [--steps 25]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "../src/index.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg("--rounds", 8);
const STEPS = arg("--steps", 25);
const BATCH = 100;

function buildModel() {
  const g = new tf.Graph();
  return g.asDefault(() => {
    tf.setRandomSeed(1);
    const x = tf.placeholder("float32", [null, 784], "images");
    const y = tf.placeholder("int32", [null], "labels");
    const h1 = tf.layers.dense(x, 512, { activation: tf.nn.relu, name: "hidden1" });
    const h2 = tf.layers.dense(h1, 512, { activation: tf.nn.relu, name: "hidden2" });
    const logits = tf.layers.dense(h2, 10, { name: "logits" });
    const loss = tf.losses.sparseSoftmaxCrossEntropy(y, logits);
    const train = new tf.train.AdamOptimizer(1e-3).minimize(loss);
    const predictions = tf.argMax(logits, 1, { outputType: "int32" });
    const lossSummary = tf.summary.scalar("loss", loss);
    tf.summary.scalar("accuracy", tf.reduceMean(tf.cast(tf.equal(predictions, y), "float32")));
    const scalars = tf.summary.mergeAll()!;
    const histograms = tf.nameScope("weights", () =>
      tf.summary.merge(
        tf.trainableVariables().map((v) => tf.summary.histogram(v.name.replace(/:\d+$/, ""), v)),
      ),
    );
    return {
      g,
      x,
      y,
      loss,
      train,
      lossSummary,
      scalars,
      histograms,
      init: tf.globalVariablesInitializer(),
    };
  });
}

/** The q-quantile of the samples (0.5: the median; 0.1: a near-best step, less hurt by load). */
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;

async function main(): Promise<void> {
  const m = buildModel();
  const sess = new tf.Session({ graph: m.g });
  await sess.run(m.init);
  const xs = new Float32Array(BATCH * 784).map(() => Math.random());
  const ys = new Int32Array(BATCH).map(() => Math.floor(Math.random() * 10));
  const feeds: [tf.Tensor, Float32Array | Int32Array][] = [
    [m.x, xs],
    [m.y, ys],
  ];
  const logdir = mkdtempSync(join(tmpdir(), "tg-summary-bench-"));
  const writer = new tf.summary.FileWriter(logdir, m.g);
  let step = 0;
  const variants: Record<string, () => Promise<void>> = {
    plain: async () => {
      await sess.run([m.train, m.loss], feeds);
    },
    "loss scalar": async () => {
      const out = (await sess.run([m.train, m.loss, m.lossSummary], feeds)) as tf.NDArray[];
      writer.addSummary(out[2].data[0] as string, step++);
    },
    "loss+accuracy merged": async () => {
      const out = (await sess.run([m.train, m.loss, m.scalars], feeds)) as tf.NDArray[];
      writer.addSummary(out[2].data[0] as string, step++);
    },
    "scalars+histograms": async () => {
      const out = (await sess.run(
        [m.train, m.loss, m.scalars, m.histograms],
        feeds,
      )) as tf.NDArray[];
      writer.addSummary(out[2].data[0] as string, step);
      writer.addSummary(out[3].data[0] as string, step++);
    },
  };
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) {
    samples[name] = [];
    for (let i = 0; i < 5; i++) await variants[name]!(); // warm-up: plans compiled, pools filled
  }
  // The light variants take turns step by step (the order rotating), so that load, GC and pool
  // state hit them alike; the histogram variant, much heavier, is timed after them.
  const time = async (name: string) => {
    const t0 = performance.now();
    await variants[name]!();
    samples[name]!.push(performance.now() - t0);
  };
  const light = ["plain", "loss scalar", "loss+accuracy merged"];
  for (let i = 0; i < ROUNDS * STEPS; i++) {
    for (let j = 0; j < light.length; j++) await time(light[(i + j) % light.length]!);
  }
  for (let i = 0; i < STEPS; i++) await time("scalars+histograms");
  // The summary's own cost on the step's path, apart from the session: FileWriter.addSummary of
  // the loss summary (parse, metadata rule, Event encoding, queueing).
  const bytes = ((await sess.run(m.lossSummary, feeds)) as tf.NDArray).data[0] as string;
  const n = 20_000;
  const a0 = performance.now();
  for (let i = 0; i < n; i++) writer.addSummary(bytes, step++);
  const addUs = ((performance.now() - a0) / n) * 1000;
  const t0 = performance.now();
  await writer.close();
  const closeMs = performance.now() - t0;
  rmSync(logdir, { recursive: true, force: true });
  const base = quantile(samples.plain!, 0.5);
  const backend = sess.backendName;
  console.log(
    `summary overhead, Fashion-MNIST MLP step (batch ${BATCH}, Adam, ${backend} backend), ${ROUNDS * STEPS} steps each (histograms: ${STEPS}), median and 10th percentile:`,
  );
  const pct = (ms: number, of: number) => {
    const p = ((ms / of - 1) * 100).toFixed(1);
    return `${p.startsWith("-") ? "" : "+"}${p}%`;
  };
  for (const name of Object.keys(variants)) {
    const med = quantile(samples[name]!, 0.5);
    const p10 = quantile(samples[name]!, 0.1);
    const vs =
      name === "plain"
        ? ""
        : ` (${pct(med, base)}, p10 ${pct(p10, quantile(samples.plain!, 0.1))})`;
    console.log(`  ${name.padEnd(20)} ${med.toFixed(2)} / ${p10.toFixed(2)} ms/step${vs}`);
  }
  console.log(
    `  FileWriter.addSummary alone: ${addUs.toFixed(1)} µs per call (${((addUs / 1000 / base) * 100).toFixed(2)}% of the plain step)`,
  );
  console.log(`  FileWriter.close (writes what was queued): ${closeMs.toFixed(1)} ms`);
}

await main();
