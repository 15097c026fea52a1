// Crash-safe files (issue #16, part 5): what a writer killed mid-save leaves (built here by hand,
// file by file, as a kill at each point would leave it) is removed by the next save, and nothing
// else is; SavedModels appear whole or not at all. Plus a small kill -9 campaign
// (scripts/crash-test.ts) so that CI exercises the real thing.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../backends/cpu-ts/io_ops.js";
import * as tf from "../index.js";
import { dataFilename, indexFilename } from "../io/checkpoint/bundle.js";
import { parseTempName, processAlive, tempName } from "../io/checkpoint/fs_util.js";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "tg-crash-safe-"));
let count = 0;
const tmpDir = () => fs.mkdtempSync(path.join(tmpRoot, `t${count++}-`));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** The pid of a process that has exited (a writer killed earlier). */
const deadPid = (): number => spawnSync(process.execPath, ["-e", ""]).pid!;

async function started(maxToKeep = 3) {
  const g = new tf.Graph();
  return g.asDefault(async () => {
    const v = new tf.Variable(tf.constant([1, 2, 3]), { name: "v" });
    const saver = new tf.train.Saver({ maxToKeep });
    const sess = new tf.Session({ graph: g });
    await sess.run(tf.globalVariablesInitializer());
    return { v, saver, sess };
  });
}

const copyCheckpoint = (from: string, to: string, suffixes: readonly string[]) => {
  for (const s of suffixes) fs.copyFileSync(`${from}${s}`, `${to}${s}`);
};
const DATA = ".data-00000-of-00001";

describe("temporary names", () => {
  it("carry the writer's pid; TF's names (no pid) parse too", () => {
    const t = tempName("/d/model-3.index");
    expect(t).toMatch(/^\/d\/model-3\.index\.tempstate\d+-\d+$/);
    expect(parseTempName(path.basename(t))).toEqual({
      target: "model-3.index",
      pid: process.pid,
    });
    expect(parseTempName("checkpoint.tempstate123")).toEqual({ target: "checkpoint", pid: null });
    expect(parseTempName("model-3.index")).toBeNull();
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
    expect(processAlive(-1)).toBe(false);
  });
});

describe("Saver.save removes the leftovers of a killed writer", () => {
  it("interrupted deletions, marks and dead writers' temporary files; nothing else", async () => {
    const { saver, sess } = await started(3);
    const dir = tmpDir();
    const p = (n: string) => path.join(dir, n);
    for (const step of [1, 2, 3]) await saver.save(sess, p("model"), { globalStep: step });
    const dead = deadPid();
    const all = [".index", DATA, ".meta"];
    // Killed in the middle of deleting model-0: the index went first, the rest stayed.
    copyCheckpoint(p("model-1"), p("model-0"), [DATA, ".meta"]);
    // Killed after the state file stopped naming model-100, before its index went.
    copyCheckpoint(p("model-1"), p("model-100"), all);
    fs.writeFileSync(p("model-100.deleting"), "");
    // Killed after marking model-3, before the state file was rewritten: still named, kept.
    fs.writeFileSync(p("model-3.deleting"), "");
    // Kept: a whole checkpoint not named (keepCheckpointEveryNHours, writeState: false), a V1
    // checkpoint (no index), another family's partial checkpoint, a meta graph alone.
    copyCheckpoint(p("model-1"), p("model-50"), all);
    fs.writeFileSync(p("model-60"), "V1");
    fs.writeFileSync(p("model-60.meta"), "");
    copyCheckpoint(p("model-1"), p("other-1"), [DATA]);
    fs.writeFileSync(p("model.meta"), "");
    // Temporary files: of a dead writer (removed), of this live process and TF's recent ones
    // (kept), TF's from two days ago (removed), and one of another family (kept).
    const temps = {
      dead: p(`model-2.index.tempstate11-${dead}`),
      deadState: p(`checkpoint.tempstate12-${dead}`),
      live: p(`model-4${DATA}.tempstate13-${process.pid}`),
      tfRecent: p("model-2.meta.tempstate14"),
      tfOld: p("model-1.index.tempstate15"),
      other: p(`other-1.index.tempstate16-${dead}`),
    };
    for (const f of Object.values(temps)) fs.writeFileSync(f, "partial");
    const twoDaysAgo = (Date.now() - 48 * 3600 * 1000) / 1000;
    fs.utimesSync(temps.tfOld, twoDaysAgo, twoDaysAgo);

    await saver.save(sess, p("model"), { globalStep: 4 });
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual(
      [
        "checkpoint",
        ...["model-2", "model-3", "model-4", "model-50"].flatMap((m) => all.map((s) => m + s)),
        "model-60",
        "model-60.meta",
        "model.meta",
        `other-1${DATA}`,
        path.basename(temps.live),
        path.basename(temps.tfRecent),
        path.basename(temps.other),
      ].sort(),
    );
    // maxToKeep deleted model-1 after the state file stopped naming it, and left no mark.
    expect(tf.train.getCheckpointState(dir)!.allModelCheckpointPaths).toEqual(
      ["model-2", "model-3", "model-4"].map(p),
    );
  });

  it("a crash between the state file and the deletion: the mark finishes it at the next save", async () => {
    const { saver, sess } = await started(2);
    const dir = tmpDir();
    const p = (n: string) => path.join(dir, n);
    for (const step of [1, 2, 3]) await saver.save(sess, p("model"), { globalStep: step });
    // As a kill right after the state file was rewritten (model-1 no longer named) would leave it.
    copyCheckpoint(p("model-2"), p("model-1"), [".index", DATA, ".meta"]);
    fs.writeFileSync(p("model-1.deleting"), "");
    // A restarted trainer: a new Saver that takes over the named checkpoints.
    const { saver: again, sess: sess2 } = await started(2);
    again.recoverLastCheckpoints(tf.train.getCheckpointState(dir)!.allModelCheckpointPaths);
    await again.save(sess2, p("model"), { globalStep: 4 });
    expect(fs.readdirSync(dir).filter((n) => n.startsWith("model-1"))).toEqual([]);
    expect(fs.existsSync(indexFilename(p("model-2")))).toBe(false); // maxToKeep, as usual
    expect(fs.existsSync(dataFilename(p("model-3"), 0, 1))).toBe(true);
  });

  it("writeState: false leaves the directory alone (the caller owns it)", async () => {
    const { saver, sess } = await started(3);
    const dir = tmpDir();
    const stale = path.join(dir, `model-1.index.tempstate1-${deadPid()}`);
    fs.writeFileSync(stale, "");
    await saver.save(sess, path.join(dir, "model"), { globalStep: 2, writeState: false });
    expect(fs.existsSync(stale)).toBe(true);
  });
});

describe("SavedModel Builder writes into a temporary directory and renames it", () => {
  it("no directory under the real name until save; stale temporaries of dead writers go", async () => {
    const { sess } = await started();
    const parent = tmpDir();
    const exportDir = path.join(parent, "export");
    const staleDead = path.join(parent, `old.tempstate1-${deadPid()}`);
    const staleLive = path.join(parent, `busy.tempstate2-${process.pid}`);
    const tfTemp = path.join(parent, "tf.tempstate3"); // no pid: not surely ours
    for (const d of [staleDead, staleLive, tfTemp])
      fs.mkdirSync(path.join(d, "variables"), { recursive: true });
    const b = new tf.savedModel.Builder(exportDir);
    await b.addMetaGraphAndVariables(sess, ["serve"]);
    expect(fs.existsSync(exportDir)).toBe(false);
    const building = fs.readdirSync(parent).filter((n) => n.startsWith("export.tempstate"));
    expect(building).toHaveLength(1);
    expect(fs.existsSync(staleDead)).toBe(false);
    expect(fs.existsSync(staleLive) && fs.existsSync(tfTemp)).toBe(true);
    expect(b.save()).toBe(path.join(exportDir, "saved_model.pb"));
    expect(fs.readdirSync(exportDir).sort()).toEqual(["saved_model.pb", "variables"]);
    expect(fs.readdirSync(parent).filter((n) => n.startsWith("export."))).toEqual([]);
    // It loads, with the variable's value.
    const g = new tf.Graph();
    const s2 = new tf.Session({ graph: g });
    await tf.savedModel.load(s2, ["serve"], exportDir);
    expect(Array.from((await s2.run("v:0")).data as Float32Array)).toEqual([1, 2, 3]);
  });

  it("an empty export directory that exists is replaced; simpleSave too", async () => {
    const { v, sess } = await started();
    const exportDir = path.join(tmpDir(), "empty");
    fs.mkdirSync(exportDir);
    await tf.savedModel.simpleSave(sess, exportDir, { x: v.value() }, { y: v.value() });
    expect(fs.readdirSync(exportDir).sort()).toEqual(["saved_model.pb", "variables"]);
    expect(fs.readdirSync(path.dirname(exportDir))).toEqual(["empty"]);
  });
});

describe("kill -9 campaign", () => {
  it("8 kills at random moments of Saver.save / SavedModel building: no failure", () => {
    const repo = path.resolve(import.meta.dirname, "../..");
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/crash-test.ts",
        "--kills",
        "8",
        "--seed",
        "16",
        "--max-delay",
        "600",
      ],
      { cwd: repo, encoding: "utf8", timeout: 280_000 },
    );
    const summary = r.stdout.split("\n").find((l) => l.startsWith("crash-test summary:")) ?? "";
    expect(summary, r.stdout + r.stderr).toMatch(/ kills=8 .* failures=0 /);
    expect(r.status).toBe(0);
  }, 300_000);
});
