/**
 * docs/board.png: the board on a real run's logdir. Trains a small Fashion-MNIST MLP twice (two
 * learning rates, two runs), writing loss, accuracy, weight histograms, sample images, a text
 * note, the graph and one traced step with tf.summary.FileWriter; then serves the logdir with the
 * board and screenshots it in headless Chromium.
 *
 *   npx tsx scripts/board-screenshot.ts [--out docs/board.png] [--logdir DIR] [--tab scalars]
 *
 * Needs the Fashion-MNIST files (apt-get install -y dataset-fashion-mnist) and /usr/bin/chromium.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startBoard } from "../src/board/server.js";
import { gatherRows, loadFashionMnist, seededRandom, shuffledIndices } from "../src/data/index.js";
import * as tf from "../src/index.js";

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: "docs/board.png" },
    logdir: { type: "string" },
    tab: { type: "string", default: "scalars" },
    steps: { type: "string", default: "300" },
  },
});
const logdir = args.logdir ?? mkdtempSync(join(tmpdir(), "board-shot-"));
const steps = Number(args.steps);
const data = await loadFashionMnist();
const pixels = data.height * data.width;
const BATCH = 64;

async function trainRun(name: string, lr: number): Promise<void> {
  const g = new tf.Graph();
  const m = g.asDefault(() => {
    const x = tf.placeholder("float32", [null, pixels], "images");
    const y = tf.placeholder("int32", [null], "labels");
    const h = tf.layers.dense(x, 128, { activation: tf.nn.relu, name: "hidden" });
    const logits = tf.layers.dense(h, data.numClasses, { name: "logits" });
    const loss = tf.losses.sparseSoftmaxCrossEntropy(y, logits);
    const globalStep = tf.train.getOrCreateGlobalStep();
    const train = new tf.train.GradientDescentOptimizer(lr).minimize(loss, { globalStep });
    const correct = tf.equal(tf.argMax(logits, 1, { outputType: "int32" }), y);
    const accuracy = tf.reduceMean(tf.cast(correct, "float32"));
    tf.summary.scalar("loss", loss);
    tf.summary.scalar("accuracy", accuracy);
    for (const v of tf.trainableVariables()) {
      const name = v.name.replace(/:0$/, "");
      tf.summary.histogram(name, v.value());
      if (name.endsWith("kernel"))
        tf.summary.scalar(`${name}_norm`, tf.sqrt(tf.reduceSum(tf.square(v.value()))));
    }
    tf.summary.image("samples", tf.reshape(x, [-1, data.height, data.width, 1]), { maxOutputs: 2 });
    tf.summary.text("config", tf.constant(`SGD, learning rate ${lr}, batch ${BATCH}`));
    return { x, y, train, merged: tf.summary.mergeAll()!, init: tf.globalVariablesInitializer() };
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(m.init);
  const writer = new tf.summary.FileWriter(join(logdir, name), g);
  const random = seededRandom(1);
  let order = shuffledIndices(data.numTrain, random);
  const xs = new Float32Array(BATCH * pixels);
  const ys = new Int32Array(BATCH);
  const feeds: [tf.Tensor, Float32Array | Int32Array][] = [
    [m.x, xs],
    [m.y, ys],
  ];
  for (let step = 0; step < steps; step++) {
    const at = (step * BATCH) % (data.numTrain - BATCH);
    if (step > 0 && at < BATCH) order = shuffledIndices(data.numTrain, random);
    gatherRows(data.trainImages, pixels, order, at, BATCH, xs);
    gatherRows(data.trainLabels, 1, order, at, BATCH, ys);
    const runMetadata: tf.RunMetadata = {};
    const traced = step === 10;
    const [summary] = (await sess.run(
      [m.merged, m.train],
      feeds,
      traced ? { traceLevel: "FULL_TRACE", runMetadata } : undefined,
    )) as tf.NDArray[];
    if (step % 5 === 0) writer.addSummary(summary.data[0] as string, step);
    if (traced) writer.addRunMetadata(runMetadata, `step_${step}`, step);
  }
  await writer.close();
  sess.close();
}

await trainRun("sgd_lr0.1", 0.1);
await trainRun("sgd_lr0.02", 0.02);

const board = await startBoard({ logdir, port: 0 });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
  await page.goto(`${board.url}#${args.tab}`);
  await page.waitForFunction(() => window.tgBoard.generation >= 0 && !window.tgBoard.busy);
  if (args.tab === "scalars") {
    // Hover the loss chart, to show the tooltip.
    const over = page.locator('.scalar-card[data-tag="loss"] .u-over');
    const box = await over.boundingBox();
    if (box) await page.mouse.move(box.x + box.width * 0.62, box.y + box.height / 2);
  }
  await page.waitForTimeout(500);
  await page.screenshot({ path: args.out });
  console.log(`${args.out}: the board on ${logdir}`);
} finally {
  await browser.close();
  await board.close();
}
