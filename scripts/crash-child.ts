// The process that scripts/crash-test.ts kills: it restores the newest checkpoint of <work>/ckpt
// (as a restarted trainer would), then saves in a loop — a checkpoint every step (Saver with
// maxToKeep 3) and a SavedModel every second step (simpleSave and Builder in turn) under
// <work>/models — and prints what it is doing, one line per phase, so that the parent knows
// where each kill landed and what completed:
//   ready <step> | save <step> | saved <step> | build <dir> | built <dir> | logged <step>
// It also logs summaries every step with a FileWriter under <work>/events (a scalar "step" and
// a histogram of `a`; small queue and flush interval, so background writes land at random
// moments) and flushes every third step ("logged <step>": all steps up to it are on disk).
// Usage: node --import tsx scripts/crash-child.ts <work> [--once | --events]
// (--once: one step with both a checkpoint and a SavedModel, then exit; --events: only write
// large events to <work>/events-stream without pause (1 MiB per write), so that a kill may land
// in the middle of a write: "ready <base>", then "logged <step>" after each flush, steps
// numbered from base + 1)
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import * as tf from "../src/index.js";
import { SummarySchema } from "../src/io/proto/index.js";

export const MAX_TO_KEEP = 3;
const SIDE = 128;

/** The saved variables: `a` (float32 [128,128]), `b` (int32 [16]), `step` (int32). */
export interface CrashModel {
  graph: tf.Graph;
  sess: tf.Session;
  saver: tf.train.Saver;
  s: tf.Tensor;
  a: tf.Variable;
  b: tf.Variable;
  step: tf.Variable;
  /** Sets every variable to its value at step `s` (fed). */
  setAll: tf.Operation;
  init: tf.Operation;
  /** The merged summaries: scalar "step" (the step variable) and histogram "a". */
  summary: tf.Tensor;
}

export function buildModel(): CrashModel {
  const graph = new tf.Graph();
  return graph.asDefault(() => {
    const s = tf.placeholder("float32", [], "s");
    const a = new tf.Variable(tf.zeros([SIDE, SIDE]), { name: "a" });
    const b = new tf.Variable(tf.zeros([16], "int32"), { name: "b" });
    const step = new tf.Variable(tf.constant(0, { dtype: "int32" }), { name: "step" });
    // a[i] = s + i/1024 and b[i] = 3s + i: exact in float32 / int32 for the steps reached here.
    const ramp = tf.reshape(tf.div(tf.range(0, SIDE * SIDE, 1, { dtype: "float32" }), 1024), [
      SIDE,
      SIDE,
    ]);
    const si = tf.cast(s, "int32");
    const setAll = tf.group([
      a.assign(tf.add(ramp, s)),
      b.assign(tf.add(tf.mul(si, 3), tf.range(0, 16, 1, { dtype: "int32" }))),
      step.assign(si),
    ]);
    const saver = new tf.train.Saver({ maxToKeep: MAX_TO_KEEP });
    const init = tf.globalVariablesInitializer();
    const sess = new tf.Session({ graph });
    const summary = tf.summary.merge([
      tf.summary.scalar("step", tf.cast(step.value(), "float32")),
      tf.summary.histogram("a", a.value()),
    ]);
    return { graph, sess, saver, s, a, b, step, setAll, init, summary };
  });
}

/** Whether `a`, `b` and `step` as read hold their values of step `s`; else what differs. */
export function checkValues(
  a: tf.NDArray,
  b: tf.NDArray,
  step: tf.NDArray,
  s: number,
): string | null {
  if (Number(step.item()) !== s) return `step is ${step.item()}, expected ${s}`;
  const av = a.data as Float32Array;
  if (av.length !== SIDE * SIDE) return `a has ${av.length} elements`;
  for (let i = 0; i < av.length; i++) {
    if (av[i] !== s + i / 1024) return `a[${i}] is ${av[i]}, expected ${s + i / 1024}`;
  }
  const bv = b.data as Int32Array;
  for (let i = 0; i < 16; i++) if (bv[i] !== 3 * s + i) return `b[${i}] is ${bv[i]}`;
  return null;
}

const say = (line: string) => fs.writeSync(1, `${line}\n`); // synchronous: survives a kill

async function main(work: string, once: boolean): Promise<void> {
  const ckptDir = path.join(work, "ckpt");
  const modelsDir = path.join(work, "models");
  const m = buildModel();
  await m.sess.run(m.init);
  let s = 0;
  const state = tf.train.getCheckpointState(ckptDir);
  if (state) {
    await m.saver.restore(m.sess, state.modelCheckpointPath);
    s = Number((await m.sess.run(m.step.graphElement)).item());
    // As a restarted trainer does, so that maxToKeep also deletes the earlier run's checkpoints.
    m.saver.recoverLastCheckpoints(state.allModelCheckpointPaths);
  }
  const writer = new tf.summary.FileWriter(path.join(work, "events"), m.graph, {
    maxQueue: 2,
    flushSecs: 0.01,
  });
  say(`ready ${s}`);
  do {
    s++;
    await m.sess.run(m.setAll, { [m.s.name]: s });
    say(`save ${s}`);
    await m.saver.save(m.sess, path.join(ckptDir, "model"), { globalStep: s });
    say(`saved ${s}`);
    if (s % 2 === 0 || once) {
      const dir = path.join(modelsDir, `m${s}-${process.pid}`);
      say(`build ${dir}`);
      if (s % 4 === 0) {
        await tf.savedModel.simpleSave(m.sess, dir, { s: m.s }, { a: m.a.value() });
      } else {
        const builder = new tf.savedModel.Builder(dir);
        await builder.addMetaGraphAndVariables(m.sess, [tf.savedModel.tagConstants.SERVING]);
        builder.save();
      }
      say(`built ${dir}`);
    }
    writer.addSummary((await m.sess.run(m.summary)).data[0] as string, s);
    if (s % 3 === 0 || once) {
      await writer.flush();
      say(`logged ${s}`);
    }
  } while (!once);
  await writer.close();
}

/** Events of 256 KiB each (a tensor summary), 4 per write, flushed every 8, until killed. */
async function streamEvents(work: string): Promise<void> {
  const writer = new tf.summary.FileWriter(path.join(work, "events-stream"), null, {
    maxQueue: 4,
    flushSecs: 0.01,
  });
  const content = new Uint8Array(256 * 1024).map((_, i) => (i * 7919) & 0xff);
  const tensor = {
    dtype: 4,
    tensorShape: { dim: [{ size: BigInt(content.length) }] },
    tensorContent: content,
  };
  const summary = create(SummarySchema, {
    value: [{ tag: "blob", value: { case: "tensor", value: tensor } }],
  });
  // Steps unique across children, so that the parent can tell whose steps are missing.
  const base = (Date.now() % 1e9) * 1000;
  say(`ready ${base}`);
  for (let s = base + 1; ; s++) {
    writer.addSummary(summary, s);
    if (s % 8 === 0) {
      await writer.flush();
      say(`logged ${s}`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const work = process.argv[2];
  if (!work) {
    console.error("usage: crash-child.ts <work> [--once]");
    process.exit(2);
  }
  const run = process.argv.includes("--events")
    ? streamEvents(work)
    : main(work, process.argv.includes("--once"));
  run.catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
