// What a summary every step costs: the Fashion-MNIST MLP (784-512-512-10, batch 100, Adam) step
// alone, then with the merged scalar summaries (loss, batch accuracy) fetched and handed to a
// FileWriter every step, and with weight histograms every step as well. The first two alternate
// in rounds so that machine noise hits them alike; the median step time of each is reported.
// Target: scalar summaries every step within 5% of the plain step.
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
    tf.summary.scalar("loss", loss);
    tf.summary.scalar("accuracy", tf.reduceMean(tf.cast(tf.equal(predictions, y), "float32")));
    const scalars = tf.summary.mergeAll()!;
    const histograms = tf.nameScope("weights", () =>
      tf.summary.merge(
        tf.trainableVariables().map((v) => tf.summary.histogram(v.name.replace(/:\d+$/, ""), v)),
      ),
    );
    return { g, x, y, loss, train, scalars, histograms, init: tf.globalVariablesInitializer() };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
    scalars: async () => {
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
  // plain and scalars alternate, in swapped order every round (neither always follows the
  // other's garbage); the histogram variant, much heavier, is timed after them.
  const time = async (name: string) => {
    for (let i = 0; i < STEPS; i++) {
      const t0 = performance.now();
      await variants[name]!();
      samples[name]!.push(performance.now() - t0);
    }
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 === 0 ? ["plain", "scalars"] : ["scalars", "plain"]) await time(name);
  }
  await time("scalars+histograms");
  const t0 = performance.now();
  await writer.close();
  const closeMs = performance.now() - t0;
  rmSync(logdir, { recursive: true, force: true });
  const base = median(samples.plain!);
  const backend = sess.backendName;
  console.log(
    `summary overhead, Fashion-MNIST MLP step (batch ${BATCH}, Adam, ${backend} backend), median of ${ROUNDS * STEPS} steps each (histograms: ${STEPS}):`,
  );
  for (const name of Object.keys(variants)) {
    const ms = median(samples[name]!);
    const pct = ((ms / base - 1) * 100).toFixed(1);
    console.log(
      `  ${name.padEnd(20)} ${ms.toFixed(2)} ms/step${name === "plain" ? "" : ` (${pct.startsWith("-") ? "" : "+"}${pct}%)`}`,
    );
  }
  console.log(`  FileWriter.close (writes what was queued): ${closeMs.toFixed(1)} ms`);
}

await main();
