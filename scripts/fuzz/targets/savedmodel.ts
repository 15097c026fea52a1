// saved_model.pb bytes → written into a SavedModel directory in /dev/shm (whose variables/ are
// half_plus_two's) → tf.savedModel.load in a confined session (reads only under that directory,
// 64 MB per tensor): the MetaGraph of tag "serve" imported, variables restored, the init op run
// with the asset paths fed.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "../../../src/index.js";
import { SavedModelSchema } from "../../../src/io/proto/index.js";
import { defineTarget } from "../target.js";
import { FIXTURES, fixtures, sampleGraphs, scratch, WORDS, withImportLimit } from "./seeds.js";

let dir = "";
function modelDir(): string {
  if (dir) return dir;
  dir = join(scratch("savedmodel"), "model");
  mkdirSync(join(dir, "variables"), { recursive: true });
  mkdirSync(join(dir, "assets"), { recursive: true });
  writeFileSync(join(dir, "assets", "vocab.txt"), "a\nb\n");
  const src = join(FIXTURES, "tf-half_plus_two-savedmodel", "variables");
  for (const f of ["variables.index", "variables.data-00000-of-00001"]) {
    copyFileSync(join(src, f), join(dir, "variables", f));
  }
  return dir;
}

export async function loadSavedModel(data: Uint8Array): Promise<void> {
  const d = modelDir();
  writeFileSync(join(d, "saved_model.pb"), data);
  const sess = new tf.Session({
    graph: new tf.Graph(),
    config: { memoryLimitBytes: 64 << 20, fileAccess: { allowRead: [d] } },
  });
  try {
    await tf.savedModel.load(sess, ["serve"], d);
  } finally {
    sess.close();
  }
}

/** A SavedModel written by our own simpleSave (the dense-layer sample graph). */
async function ours(): Promise<Uint8Array> {
  const g = sampleGraphs()[0]!;
  const out = join(scratch("savedmodel-seed"), "m");
  const sess = new tf.Session({ graph: g });
  await sess.run(g.getOperationByName("init"));
  await tf.savedModel.simpleSave(
    sess,
    out,
    { x: g.getTensorByName("x:0") },
    { y: g.getTensorByName("pred:0") },
  );
  sess.close();
  return new Uint8Array(readFileSync(join(out, "saved_model.pb")));
}

/** A SavedModel with an asset (vocab.txt) read by its main op, written by our Builder. */
async function oursWithAsset(): Promise<Uint8Array> {
  const dir = scratch("savedmodel-seed-asset");
  writeFileSync(join(dir, "vocab.txt"), "a\nb\n");
  const g = new tf.Graph();
  const [asset, main] = g.asDefault(() => {
    const a = tf.constant(join(dir, "vocab.txt"), { name: "asset_path" });
    return [a, tf.group([tf.readFile(a)], "main_op")] as const;
  });
  const sess = new tf.Session({ graph: g });
  const b = new tf.savedModel.Builder(join(dir, "m"));
  await b.addMetaGraphAndVariables(sess, ["serve"], { assetsCollection: [asset], mainOp: main });
  await b.save();
  sess.close();
  return new Uint8Array(readFileSync(join(dir, "m", "saved_model.pb")));
}

export default defineTarget({
  name: "savedmodel",
  maxLen: 16384,
  proto: SavedModelSchema,
  dictionary: [
    ...WORDS,
    "serve",
    "saved_model_main_op",
    "legacy_init_op",
    "saved_model_assets",
    "serving_default",
  ],
  seeds: async () => [...fixtures(/saved_model\.pb$/), await ours(), await oursWithAsset()],
  run: (data) => withImportLimit(() => loadSavedModel(data)),
});
