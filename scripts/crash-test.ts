// Crash campaign for the files tensorgraph writes (issue #16, part 5): a child process
// (scripts/crash-child.ts) saves checkpoints (Saver, maxToKeep 3) and SavedModels
// (simpleSave, Builder) in a loop; this parent kills it with SIGKILL at a random moment, then
// checks the directory as the next reader would and starts a new child, which carries on from
// the newest checkpoint. After each kill:
//  - every checkpoint the `checkpoint` state file names restores, with the values of its step,
//    and the newest is at least the last step the child reported saved;
//  - every SavedModel directory under its real name loads, with the values of its step (a model
//    being built is only in a `.tempstate` directory);
//  - the leftovers seen after the previous kill (temporary files and directories, deletion
//    marks, partial checkpoints, a checkpoint written but not yet named) are gone once the next
//    child has completed a save (a build, for model directories);
//  - nothing else is in the directory;
//  - every event file the child's FileWriter wrote (<work>/events) starts with its version
//    record and reads back up to its last whole record: at most a truncated record at its end
//    (DataLossError "truncated record"), never a corrupt one; every step the child reported
//    logged (flushed) is in the files.
// At the end a last child saves once and exits: then no leftover at all may remain, and its
// event file reads back whole. Then (--event-kills, default a quarter of --kills) children that
// only stream large events (<work>/events-stream) are killed in the middle of their writes, and
// the same event-file checks run after each kill.
// The delays come from a seeded generator (--seed): a failing campaign can be replayed.
// Usage: npm run crash-test -- [--kills 100] [--event-kills 25] [--seed N] [--max-delay 1000] [--dir D] [--keep]
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "../src/index.js";
import { parseTempName } from "../src/io/checkpoint/fs_util.js";
import { readEventFile } from "../src/summary/event_file.js";
import { buildModel, type CrashModel, checkValues, MAX_TO_KEEP } from "./crash-child.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(here, "crash-child.ts");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Child {
  proc: ChildProcess;
  lines: string[];
  stderr: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function startChild(work: string, once: boolean, mode = once ? "--once" : ""): Child {
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", childScript, work, ...(mode ? [mode] : [])],
    { cwd: path.dirname(here), stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const stderr: string[] = [];
  let partial = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (l.startsWith("ready ")) onReady();
    }
  });
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => stderr.push(c));
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, lines, stderr, ready, exited };
}

/** A file's identity: a file rewritten under the same name is another file. */
function identity(file: string): string | null {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch {
    return null;
  }
}

interface Inspection {
  /** Leftover paths (files and temporary model directories) → identity. */
  leftovers: Map<string, string>;
  counts: Record<LeftoverKind, number>;
  failures: string[];
}

type LeftoverKind = "tempFile" | "mark" | "partial" | "unnamed" | "tempDir";

class Campaign {
  readonly ckptDir: string;
  readonly modelsDir: string;
  private model: CrashModel | null = null;
  readonly stats = {
    kills: 0,
    phase: { save: 0, build: 0, other: 0 },
    checkpointsRestored: 0,
    modelsLoaded: 0,
    leftovers: { tempFile: 0, mark: 0, partial: 0, unnamed: 0, tempDir: 0 } as Record<
      LeftoverKind,
      number
    >,
    leftoversRemoved: 0,
    eventKills: 0,
    eventFiles: 0,
    eventsRead: 0,
    truncatedEventFiles: 0,
  };
  readonly failures: string[] = [];
  private previous = new Map<string, string>();
  /** Per events directory, steps some child reported logged: each must be in its files. */
  private readonly loggedSteps = new Map<string, Set<number>>();
  /** Event files checked after an earlier kill (a dead writer's file never changes). */
  private readonly eventFilesSeen = new Set<string>();

  constructor(readonly work: string) {
    this.ckptDir = path.join(work, "ckpt");
    this.modelsDir = path.join(work, "models");
  }

  private async restoreChecked(prefix: string, step: number): Promise<string | null> {
    this.model ??= buildModel();
    const m = this.model;
    await m.saver.restore(m.sess, prefix);
    const [a, b, s] = (await m.sess.run([
      m.a.graphElement,
      m.b.graphElement,
      m.step.graphElement,
    ])) as tf.NDArray[];
    return checkValues(a!, b!, s!, step);
  }

  /** Checks the directories after a child died; `child` is null before the first one. */
  async inspect(child: Child | null, final: boolean): Promise<Inspection> {
    const failures: string[] = [];
    const leftovers = new Map<string, string>();
    const counts: Record<LeftoverKind, number> = {
      tempFile: 0,
      mark: 0,
      partial: 0,
      unnamed: 0,
      tempDir: 0,
    };
    const add = (kind: LeftoverKind, file: string) => {
      const id = identity(file);
      if (id === null) return;
      leftovers.set(file, id);
      if (this.previous.get(file) !== id) counts[kind]++; // seen for the first time
    };
    const lines = child?.lines ?? [];
    const savedSteps = lines.filter((l) => l.startsWith("saved ")).map((l) => Number(l.slice(6)));
    const builtAny = lines.some((l) => l.startsWith("built "));

    // 1. The state file and every checkpoint it names.
    let state: ReturnType<typeof tf.train.getCheckpointState> = null;
    try {
      state = tf.train.getCheckpointState(this.ckptDir);
    } catch (e) {
      failures.push(`the state file does not read: ${(e as Error).message}`);
    }
    const named = new Set<string>();
    let newest = 0;
    if (state) {
      for (const p of new Set([...state.allModelCheckpointPaths, state.modelCheckpointPath])) {
        named.add(path.basename(p));
        const step = Number(/-(\d+)$/.exec(p)?.[1] ?? Number.NaN);
        try {
          const bad = await this.restoreChecked(p, step);
          if (bad) failures.push(`${p} restores wrong values: ${bad}`);
          else this.stats.checkpointsRestored++;
        } catch (e) {
          failures.push(`${p}, named by the state file, does not restore: ${(e as Error).message}`);
        }
      }
      newest = Number(/-(\d+)$/.exec(state.modelCheckpointPath)?.[1] ?? 0);
      if (named.size > MAX_TO_KEEP) failures.push(`the state file names ${named.size} checkpoints`);
    }
    const lastSaved = savedSteps.length > 0 ? Math.max(...savedSteps) : 0;
    if (newest < lastSaved) {
      failures.push(`the newest checkpoint is step ${newest}, but step ${lastSaved} was saved`);
    }

    // 2. Everything else in the checkpoint directory.
    const prefixes = new Map<string, Set<string>>();
    for (const name of fs.existsSync(this.ckptDir) ? fs.readdirSync(this.ckptDir) : []) {
      const file = path.join(this.ckptDir, name);
      if (name === "checkpoint") continue;
      if (parseTempName(name)) {
        add("tempFile", file);
        continue;
      }
      const m = /^(model-\d+)(\.index|\.meta|\.data-00000-of-00001|\.deleting)$/.exec(name);
      if (!m) {
        failures.push(`an unexpected file in the checkpoint directory: ${name}`);
        continue;
      }
      if (!prefixes.has(m[1]!)) prefixes.set(m[1]!, new Set());
      prefixes.get(m[1]!)!.add(m[2]!);
    }
    for (const [prefix, suffixes] of prefixes) {
      const file = (s: string) => path.join(this.ckptDir, prefix + s);
      if (suffixes.has(".deleting")) add("mark", file(".deleting"));
      if (named.has(prefix)) continue;
      const kind: LeftoverKind = suffixes.has(".index") ? "unnamed" : "partial";
      const step = Number(prefix.slice("model-".length));
      // A whole checkpoint that the state file does not name: only the one written when the
      // kill came (newer than the newest named), or one whose deletion is marked.
      if (kind === "unnamed" && step <= newest && !suffixes.has(".deleting")) {
        failures.push(`${prefix} is whole, not named by the state file, and not marked`);
      }
      for (const s of suffixes) if (s !== ".deleting") add(kind, file(s));
    }

    // 3. SavedModels: whole under their real name (checked by loading), else temporary.
    for (const name of fs.existsSync(this.modelsDir) ? fs.readdirSync(this.modelsDir) : []) {
      const dir = path.join(this.modelsDir, name);
      if (parseTempName(name)) {
        add("tempDir", dir);
        continue;
      }
      const step = Number(/^m(\d+)-\d+$/.exec(name)?.[1] ?? Number.NaN);
      try {
        const graph = new tf.Graph();
        const sess = new tf.Session({ graph });
        await tf.savedModel.load(sess, [tf.savedModel.tagConstants.SERVING], dir);
        const [a, b, s] = (await sess.run(["a:0", "b:0", "step:0"])) as tf.NDArray[];
        const bad = checkValues(a!, b!, s!, step);
        if (bad) failures.push(`SavedModel ${name} has wrong values: ${bad}`);
        else this.stats.modelsLoaded++;
      } catch (e) {
        failures.push(`SavedModel ${name} is not whole: ${(e as Error).message}`);
      }
      fs.rmSync(dir, { recursive: true, force: true }); // checked: keep the directory small
    }

    // 4. Event files: whole records up to at most a truncated tail; every logged step there.
    failures.push(...this.checkEvents("events", lines, final));

    // 5. What the previous kill left must be gone once a save (a build) has completed since.
    for (const [file, id] of this.previous) {
      const isDir = file.startsWith(this.modelsDir);
      const completed = isDir ? builtAny : savedSteps.length > 0;
      const now = identity(file);
      if (now !== id) this.stats.leftoversRemoved++;
      else if (completed || final) failures.push(`a leftover survived the next save: ${file}`);
    }
    if (final && leftovers.size > 0) {
      failures.push(`after a clean save, leftovers remain: ${[...leftovers.keys()].join(", ")}`);
    }
    // Leftovers that survive (no save completed) are carried over to the next check.
    for (const [file, id] of this.previous) if (identity(file) === id) leftovers.set(file, id);
    this.previous = leftovers;
    return { leftovers, counts, failures };
  }

  /** After an events directory was checked and removed: its steps need not be found again. */
  forgetEvents(subdir: string): void {
    this.loggedSteps.delete(subdir);
  }

  checkEvents(subdir: string, lines: readonly string[], final: boolean): string[] {
    const failures: string[] = [];
    const dir = path.join(this.work, subdir);
    if (!this.loggedSteps.has(subdir)) this.loggedSteps.set(subdir, new Set());
    const loggedSteps = this.loggedSteps.get(subdir)!;
    const ready = Number(lines.find((l) => l.startsWith("ready "))?.slice(6) ?? Number.NaN);
    const logged = lines.filter((l) => l.startsWith("logged ")).map((l) => Number(l.slice(7)));
    // A flush covers every step this child added before it: ready+1 .. the last logged step.
    if (logged.length > 0)
      for (let s = ready + 1; s <= Math.max(...logged); s++) loggedSteps.add(s);
    const steps = new Set<number>();
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const file = path.join(dir, name);
      if (!/^events\.out\.tfevents\.\d{10}\./.test(name)) {
        failures.push(`an unexpected file in the events directory: ${name}`);
        continue;
      }
      const isNew = !this.eventFilesSeen.has(file);
      this.eventFilesSeen.add(file);
      let n = 0;
      try {
        for (const e of readEventFile(file)) {
          if (n === 0 && e.what.case !== "fileVersion")
            failures.push(`${name} does not start with its version record`);
          if (e.what.case === "summary") steps.add(Number(e.step));
          n++;
        }
      } catch (e) {
        const msg = (e as Error).message;
        if (!(e instanceof tf.DataLossError) || !msg.startsWith("truncated record"))
          failures.push(`${name} is corrupt, not just cut short: ${msg}`);
        else if (final && isNew) failures.push(`the final child's event file is cut short: ${msg}`);
        else if (isNew) this.stats.truncatedEventFiles++;
      }
      if (n === 0) failures.push(`${name} has no whole record (not even its version)`);
      if (isNew) {
        this.stats.eventFiles++;
        this.stats.eventsRead += n;
      }
    }
    const missing = [...loggedSteps].filter((s) => !steps.has(s));
    if (missing.length > 0)
      failures.push(
        `logged steps missing from the event files: ${missing.slice(0, 10).join(", ")}`,
      );
    return failures;
  }

  record(kill: number, inspection: Inspection): void {
    for (const [kind, n] of Object.entries(inspection.counts)) {
      this.stats.leftovers[kind as LeftoverKind] += n;
    }
    for (const f of inspection.failures) {
      const msg = `kill ${kill}: ${f}`;
      this.failures.push(msg);
      console.error(`FAIL ${msg}`);
    }
  }
}

async function main(): Promise<number> {
  const kills = Number(arg("--kills") ?? 100);
  const seed = Number(arg("--seed") ?? Date.now() % 2 ** 31);
  const maxDelay = Number(arg("--max-delay") ?? 1000);
  const keep = process.argv.includes("--keep");
  const work = arg("--dir") ?? fs.mkdtempSync(path.join(os.tmpdir(), "tg-crash-"));
  fs.mkdirSync(work, { recursive: true });
  const random = rng(seed);
  const campaign = new Campaign(work);
  const t0 = Date.now();
  console.log(`crash-test: seed ${seed}, ${kills} kills, delays 0-${maxDelay} ms, in ${work}`);
  for (let k = 1; k <= kills; k++) {
    const child = startChild(work, false);
    const ready = await Promise.race([
      child.ready.then(() => true),
      child.exited.then(() => false),
      sleep(120_000).then(() => false),
    ]);
    if (!ready) {
      child.proc.kill("SIGKILL");
      campaign.failures.push(`kill ${k}: the child did not start: ${child.stderr.join("")}`);
      console.error(`FAIL ${campaign.failures.at(-1)}`);
      break;
    }
    await sleep(random() * maxDelay);
    if (child.proc.exitCode !== null) {
      campaign.failures.push(`kill ${k}: the child died by itself: ${child.stderr.join("")}`);
      console.error(`FAIL ${campaign.failures.at(-1)}`);
      break;
    }
    child.proc.kill("SIGKILL");
    await child.exited;
    campaign.stats.kills++;
    const last = child.lines.at(-1) ?? "";
    const phase = last.startsWith("save ") ? "save" : last.startsWith("build ") ? "build" : "other";
    campaign.stats.phase[phase]++;
    campaign.record(k, await campaign.inspect(child, false));
    if (k % 10 === 0) console.log(`  ${k} kills, ${campaign.failures.length} failure(s)`);
  }
  // A last child saves once and exits: it must clean up everything the last kill left.
  const last = startChild(work, true);
  const code = await last.exited;
  if (code !== 0) campaign.failures.push(`the final save failed: ${last.stderr.join("")}`);
  else campaign.record(kills + 1, await campaign.inspect(last, true));
  // Children that only stream large events, killed in the middle of their writes.
  const eventKills = Number(arg("--event-kills") ?? Math.ceil(kills / 4));
  for (let k = 1; k <= eventKills && campaign.failures.length === 0; k++) {
    const child = startChild(work, false, "--events");
    const ready = await Promise.race([
      child.ready.then(() => true),
      child.exited.then(() => false),
      sleep(120_000).then(() => false),
    ]);
    if (!ready) {
      child.proc.kill("SIGKILL");
      campaign.failures.push(`event kill ${k}: the child did not start: ${child.stderr.join("")}`);
      break;
    }
    await sleep(random() * Math.min(maxDelay, 500));
    child.proc.kill("SIGKILL");
    await child.exited;
    campaign.stats.eventKills++;
    for (const f of campaign.checkEvents("events-stream", child.lines, false)) {
      campaign.failures.push(`event kill ${k}: ${f}`);
      console.error(`FAIL event kill ${k}: ${f}`);
    }
    // Checked: the stream's files are large, and a dead writer's file never changes.
    fs.rmSync(path.join(work, "events-stream"), { recursive: true, force: true });
    campaign.forgetEvents("events-stream");
  }
  const s = campaign.stats;
  const l = s.leftovers;
  console.log(
    `crash-test summary: seed=${seed} kills=${s.kills} (in save ${s.phase.save}, in build ${s.phase.build}, between ${s.phase.other}) ` +
      `checkpoints restored=${s.checkpointsRestored} savedmodels loaded=${s.modelsLoaded} ` +
      `leftovers seen: temp files=${l.tempFile} marks=${l.mark} partial checkpoint files=${l.partial} unnamed checkpoint files=${l.unnamed} temp model dirs=${l.tempDir}, ` +
      `removed by a later save=${s.leftoversRemoved} ` +
      `event-stream kills=${s.eventKills} event files=${s.eventFiles} (cut short by the kill=${s.truncatedEventFiles}) events read=${s.eventsRead} ` +
      `failures=${campaign.failures.length} ` +
      `time=${((Date.now() - t0) / 1000).toFixed(0)}s`,
  );
  if (!keep && campaign.failures.length === 0) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept: ${work}`);
  return campaign.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
