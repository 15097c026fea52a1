// The fuzzing loop, run in a child process by run.ts (which restarts it after a crash or a hang).
// Coverage signal: the istanbul counters of the target's instrumented files, moved into one
// Uint32Array; after each input every counter is read and zeroed, and an input is kept when it
// produces a (counter, bucketed hit count) pair not seen before, as libFuzzer does.
// Before each input, its bytes go to a file in /dev/shm, so that the supervisor can save the input
// of a crash or a hang.
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { COVERAGE_VARIABLE } from "./build.js";
import { ByteMutator, Rng } from "./mutate.js";
import { ProtoMutator } from "./proto_mutate.js";
import type { FuzzTarget } from "./target.js";

export interface EngineConfig {
  mode: "fuzz" | "merge" | "replay";
  bundle: string;
  /** Where inputs are read from at start (seeds come first). */
  inputDirs: string[];
  /** fuzz: where new corpus entries go; merge: where the minimal corpus goes. */
  outDir: string;
  findingsDir: string;
  currentFile: string;
  deadline: number;
  maxRuns: number;
  seed: number;
}

export type EngineMessage =
  | { type: "seeded"; inputs: number; corpus: number; hit: number; total: number; features: number }
  | {
      type: "stats";
      execs: number;
      corpus: number;
      hit: number;
      total: number;
      features: number;
      slowestMs: number;
    }
  | { type: "finding"; key: string; file: string; message: string }
  | {
      type: "done";
      execs: number;
      corpus: number;
      hit: number;
      total: number;
      features: number;
      slowestMs: number;
      kept?: number;
    };

type CovFile = { s: ArrayLike<number>; f: ArrayLike<number>; b: ArrayLike<ArrayLike<number>> };

const send = (m: EngineMessage) => process.send?.(m);
/** The most bytes a merge writes to test/fuzz/corpus/<target>/ (the corpus is committed). */
const CORPUS_BUDGET = 512 * 1024;
const cfg = JSON.parse(process.env.TGFUZZ_CONFIG ?? "{}") as EngineConfig;
const mod = (await import(pathToFileURL(cfg.bundle).href)) as {
  target: FuzzTarget;
  classifyError(e: unknown): string | null;
};
const target = mod.target;

// --- coverage: every counter of every instrumented file in one array -------------------------
const files = Object.values(
  ((globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] ?? {}) as Record<string, CovFile>,
);
let total = 0;
for (const f of files) {
  total += Object.keys(f.s).length + Object.keys(f.f).length;
  for (const br of Object.values(f.b)) total += br.length;
}
const counters = new Uint32Array(total);
{
  let o = 0;
  const take = (n: number) => counters.subarray(o, (o += n));
  for (const f of files) {
    f.s = take(Object.keys(f.s).length);
    f.f = take(Object.keys(f.f).length);
    const b: Uint32Array[] = [];
    for (const br of Object.values(f.b)) b.push(take(br.length));
    f.b = b;
  }
}
const seen = new Uint8Array(total);
let hit = 0;
let features = 0;

/** Reads and zeroes the counters; returns how many new features the last input produced. */
function collect(): number {
  let fresh = 0;
  for (let i = 0; i < total; i++) {
    const c = counters[i]!;
    if (c === 0) continue;
    counters[i] = 0;
    const bucket = c < 4 ? c - 1 : c < 8 ? 3 : c < 16 ? 4 : c < 32 ? 5 : c < 128 ? 6 : 7;
    const bit = 1 << bucket;
    const s = seen[i]!;
    if ((s & bit) === 0) {
      if (s === 0) hit++;
      seen[i] = s | bit;
      fresh++;
    }
  }
  features += fresh;
  return fresh;
}

// --- running one input --------------------------------------------------------------------------
const curFd = openSync(cfg.currentFile, "w");
let curBuf = Buffer.alloc(4 + target.maxLen * 4);
const findingKeys = new Set<string>();
let slowestMs = 0;

let lastMs = 0;

async function execute(data: Uint8Array): Promise<number> {
  if (curBuf.length < 4 + data.length) curBuf = Buffer.alloc(4 + data.length);
  curBuf.writeUInt32LE(data.length, 0);
  curBuf.set(data, 4);
  writeSync(curFd, curBuf, 0, 4 + data.length, 0);
  // Counts made outside the input (a target's own mutator runs instrumented code too) are dropped.
  counters.fill(0);
  const t0 = performance.now();
  try {
    const r = target.run(data);
    if (r instanceof Promise) await r;
  } catch (e) {
    const finding = mod.classifyError(e);
    if (finding) record(data, e, finding);
  }
  const ms = performance.now() - t0;
  lastMs = ms;
  if (ms > slowestMs) slowestMs = ms;
  return collect();
}

function record(data: Uint8Array, e: unknown, finding: string): void {
  // One report per kind of failure: the message with its numbers blanked, and the throwing frame.
  const frame = e instanceof Error ? (e.stack?.split("\n")[1] ?? "").trim() : "";
  const key = `${finding.slice(0, 160).replace(/\d+/g, "N")} @ ${frame.replace(/:\d+:\d+\)?$/, "")}`;
  if (findingKeys.has(key)) return;
  findingKeys.add(key);
  mkdirSync(cfg.findingsDir, { recursive: true });
  const file = join(cfg.findingsDir, `error-${sha1(data)}`);
  writeFileSync(file, data);
  writeFileSync(`${file}.txt`, `${finding}\n\n${e instanceof Error ? e.stack : ""}\n`);
  send({ type: "finding", key, file, message: finding });
}

const sha1 = (d: Uint8Array) => createHash("sha1").update(d).digest("hex");

/** The target's seeds, then the inputs in `cfg.inputDirs` (smallest first when merging). */
async function readInputs(): Promise<{ seeds: Uint8Array[]; files: Uint8Array[] }> {
  const seeds = [...(await target.seeds())];
  const files: Uint8Array[] = [];
  for (const dir of cfg.inputDirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (name.startsWith(".") || !statSync(p).isFile()) continue;
      const b = new Uint8Array(readFileSync(p));
      if (b.length <= target.maxLen * 4) files.push(b);
    }
  }
  if (cfg.mode === "merge") files.sort((a, b) => a.length - b.length);
  return { seeds, files };
}

// --- the modes ------------------------------------------------------------------------------------
const rng = new Rng(cfg.seed);
const bytes = new ByteMutator(
  rng,
  (target.dictionary ?? []).map((w) => new TextEncoder().encode(w)),
);
const protoMutator = target.proto
  ? new ProtoMutator(rng, target.proto, target.dictionary)
  : undefined;
/** The corpus, with each entry's execution time: cheaper entries are chosen more often. */
const corpus: { data: Uint8Array; ms: number }[] = [];
const choose = () => {
  const a = rng.pick(corpus);
  const b = rng.pick(corpus);
  return rng.chance(0.8) && b.ms < a.ms ? b : a;
};
let execs = 0;

const { seeds, files: found } = await readInputs();
// Seeds are run first; in a merge they are not written out (every run makes them again).
const kept: Uint8Array[] = [];
for (const [i, d] of [...seeds, ...found].entries()) {
  execs++;
  const fresh = (await execute(d)) > 0;
  if (fresh || cfg.mode === "replay") corpus.push({ data: d, ms: lastMs });
  if (fresh && i >= seeds.length) kept.push(d);
}
if (cfg.mode === "merge") {
  mkdirSync(cfg.outDir, { recursive: true });
  // Smallest first, up to the committed corpus's budget (the rest add coverage but weigh more).
  let bytesKept = 0;
  for (const data of kept) {
    if ((bytesKept += data.length) > CORPUS_BUDGET) break;
    writeFileSync(join(cfg.outDir, sha1(data).slice(0, 16)), data);
  }
}
send({
  type: "seeded",
  inputs: seeds.length + found.length,
  corpus: corpus.length,
  hit,
  total,
  features,
});
if (corpus.length === 0) corpus.push({ data: new Uint8Array(0), ms: 0 });

if (cfg.mode === "fuzz") {
  mkdirSync(cfg.outDir, { recursive: true });
  let lastReport = Date.now();
  while (execs < cfg.maxRuns) {
    const now = Date.now();
    if (now >= cfg.deadline) break;
    if (now - lastReport >= 1000) {
      lastReport = now;
      send({ type: "stats", execs, corpus: corpus.length, hit, total, features, slowestMs });
    }
    const base = choose().data;
    const other = corpus.length > 1 ? rng.pick(corpus).data : undefined;
    let input: Uint8Array | null = null;
    const r = rng.below(10);
    if (r < 4 && target.mutate) input = target.mutate(base, rng, other);
    else if (r < 8 && protoMutator) input = protoMutator.mutate(base, other);
    if (!input || input.length > target.maxLen * 4)
      input = bytes.mutate(base, target.maxLen, other);
    execs++;
    if ((await execute(input)) > 0) {
      corpus.push({ data: input, ms: lastMs });
      writeFileSync(join(cfg.outDir, sha1(input).slice(0, 16)), input);
    }
  }
}
closeSync(curFd);
send({ type: "done", execs, corpus: corpus.length, hit, total, features, slowestMs });
process.disconnect?.();
