// `npm run fuzz -- [--seconds N] [--runs N] [--timeout S] [--merge] [--replay] [target...]`
//
// Builds each target (build.ts), runs the fuzzing loop (engine.ts) in a child process, and
// watches it: a child that dies (a crash, V8 out of memory) or stops reporting for --timeout
// seconds (a hang; the child is killed) is a finding, saved with its input under
// tmp/fuzz/findings/<target>/, and a new child carries on with the corpus so far. Prints, per
// target: executions, executions per second, corpus size, coverage (counters hit / instrumented
// counters, features) at the start (seeds) and at the end, and findings. Exits 1 on any finding.
//
//   --merge   replays the committed corpus, the seeds and the working corpus (tmp/fuzz/corpus)
//             smallest first and writes the inputs that add coverage to test/fuzz/corpus/<target>
//   --replay  runs the seeds and every committed corpus input once (no mutations); with
//             --seeds-only, the seeds alone (the coverage before any fuzzing)
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD_DIR, buildTarget, ROOT } from "./build.js";
import type { EngineConfig, EngineMessage } from "./engine.js";
import { TARGETS } from "./registry.js";

interface Options {
  seconds: number;
  runs: number;
  timeout: number;
  mode: EngineConfig["mode"];
  seedsOnly: boolean;
  seed: number;
  targets: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 10,
    runs: Number.MAX_SAFE_INTEGER,
    timeout: 10,
    mode: "fuzz",
    seedsOnly: false,
    seed: Date.now() % 1e9,
    targets: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === "--seconds") o.seconds = num();
    else if (a === "--runs") o.runs = num();
    else if (a === "--timeout") o.timeout = num();
    else if (a === "--seed") o.seed = num();
    else if (a === "--merge") o.mode = "merge";
    else if (a === "--replay") o.mode = "replay";
    else if (a === "--seeds-only") o.seedsOnly = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else o.targets.push(a);
  }
  const unknown = o.targets.filter((t) => !TARGETS.some((x) => x.name === t));
  if (unknown.length)
    throw new Error(
      `unknown target(s) ${unknown.join(", ")}; targets: ${TARGETS.map((t) => t.name).join(", ")}`,
    );
  if (o.targets.length === 0) o.targets = TARGETS.map((t) => t.name);
  return o;
}

interface Summary {
  target: string;
  execs: number;
  seconds: number;
  corpus: number;
  total: number;
  startHit: number;
  endHit: number;
  startFeatures: number;
  endFeatures: number;
  slowestMs: number;
  findings: string[];
  timeline: { s: number; execs: number; hit: number; features: number }[];
}

const SCRATCH_ROOT = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const shmFile = (t: string) => join(SCRATCH_ROOT, `tgfuzz-${process.pid}-${t}.cur`);

async function fuzzTarget(name: string, o: Options): Promise<Summary> {
  const info = TARGETS.find((t) => t.name === name)!;
  const { bundle } = await buildTarget(name, info.instrument);
  const findingsDir = join(ROOT, "tmp", "fuzz", "findings", name);
  const committed = join(ROOT, "test", "fuzz", "corpus", name);
  const working = join(ROOT, "tmp", "fuzz", "corpus", name);
  const merged = join(ROOT, "tmp", "fuzz", "merged", name);
  const s: Summary = {
    target: name,
    execs: 0,
    seconds: 0,
    corpus: 0,
    total: 0,
    startHit: -1,
    endHit: 0,
    startFeatures: 0,
    endFeatures: 0,
    slowestMs: 0,
    findings: [],
    timeline: [],
  };
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  let seed = o.seed;
  let restarts = 0;
  for (;;) {
    const cfg: EngineConfig = {
      mode: o.mode,
      bundle,
      inputDirs: o.mode !== "replay" ? [committed, working] : o.seedsOnly ? [] : [committed],
      outDir: o.mode === "merge" ? merged : working,
      findingsDir,
      currentFile: shmFile(name),
      deadline,
      maxRuns: o.runs - s.execs,
      seed: seed++,
    };
    if (o.mode === "merge") rmSync(merged, { recursive: true, force: true });
    const before = s.execs;
    const outcome = await runChild(cfg, o.timeout, s, t0);
    if (outcome === "setup") {
      s.findings.push("setup: the target failed before its first input (see above)");
      break;
    }
    if (outcome === "done") {
      if (o.mode === "merge") {
        rmSync(committed, { recursive: true, force: true });
        mkdirSync(join(committed, ".."), { recursive: true });
        renameSync(merged, committed);
      }
      break;
    }
    // A crash or a hang: save the input that was running, then carry on (a few times at most).
    const input = readCurrent(cfg.currentFile);
    mkdirSync(findingsDir, { recursive: true });
    const file = join(findingsDir, `${outcome}-${createHash("sha1").update(input).digest("hex")}`);
    writeFileSync(file, input);
    s.findings.push(`${outcome}: ${file}`);
    console.log(`  ${name}: ${outcome}, input saved to ${file}`);
    if (o.mode !== "fuzz" || ++restarts > 5 || Date.now() >= deadline || s.execs === before) break;
  }
  rmSync(shmFile(name), { force: true });
  s.seconds = (Date.now() - t0) / 1000;
  return s;
}

function readCurrent(file: string): Uint8Array {
  if (!existsSync(file)) return new Uint8Array(0);
  const b = readFileSync(file);
  const n = b.length >= 4 ? b.readUInt32LE(0) : 0;
  return new Uint8Array(b.subarray(4, 4 + n));
}

function runChild(
  cfg: EngineConfig,
  timeoutS: number,
  s: Summary,
  t0: number,
): Promise<"done" | "crash" | "hang" | "setup"> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--max-old-space-size=2048",
        // A larger young generation: the targets allocate a lot of short-lived protobuf objects.
        "--max-semi-space-size=64",
        join(import.meta.dirname, "engine.ts"),
      ],
      {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: {
          ...process.env,
          TGFUZZ_CONFIG: JSON.stringify(cfg),
          TENSORGRAPH_NATIVE_ADDON:
            process.env.TENSORGRAPH_NATIVE_ADDON ??
            join(ROOT, "build", "Release", "tensorgraph_native.node"),
        },
      },
    );
    const base = s.execs;
    let last = Date.now();
    let done = false;
    let hung = false;
    let seeded = false;
    const watchdog = setInterval(() => {
      // The seeds may take a while on a loaded machine: the first report gets a longer allowance.
      const allowance = (s.timeline.length === 0 ? 6 : 1) * timeoutS * 1000;
      if (Date.now() - last > allowance) {
        hung = true;
        child.kill("SIGKILL");
      }
    }, 250);
    child.on("message", (m: EngineMessage) => {
      last = Date.now();
      const at = (Date.now() - t0) / 1000;
      if (m.type === "seeded") {
        seeded = true;
        if (s.startHit < 0) {
          s.startHit = m.hit;
          s.startFeatures = m.features;
        }
        s.total = m.total;
        s.timeline.push({ s: at, execs: base + m.inputs, hit: m.hit, features: m.features });
        s.execs = base + m.inputs;
        s.corpus = m.corpus;
      } else if (m.type === "stats" || m.type === "done") {
        s.execs = base + m.execs;
        s.corpus = m.corpus;
        s.endHit = m.hit;
        s.endFeatures = m.features;
        s.total = m.total;
        s.slowestMs = Math.max(s.slowestMs, m.slowestMs);
        if (
          m.type === "stats" &&
          (s.timeline.length < 4 || at - s.timeline[s.timeline.length - 1]!.s >= 10)
        ) {
          s.timeline.push({ s: at, execs: s.execs, hit: m.hit, features: m.features });
        }
        if (m.type === "done") done = true;
      } else if (m.type === "finding") {
        s.findings.push(`error: ${m.message} (${m.file})`);
        console.log(
          `  ${cfg.bundle.split("/").pop()}: finding: ${m.message}\n    input: ${m.file}`,
        );
      }
    });
    child.on("exit", (code) => {
      clearInterval(watchdog);
      // The targets' scratch files (seeds.ts scratch()).
      rmSync(join(SCRATCH_ROOT, `tgfuzz-${child.pid}`), { recursive: true, force: true });
      if (s.endHit === 0 && s.startHit > 0) s.endHit = s.startHit;
      resolve(done && code === 0 ? "done" : !seeded && !hung ? "setup" : hung ? "hang" : "crash");
    });
  });
}

function pct(a: number, b: number): string {
  return b ? `${((100 * a) / b).toFixed(1)}%` : "-";
}

const opts = parseArgs(process.argv.slice(2));
console.log(
  `fuzz: ${opts.mode}, targets ${opts.targets.join(", ")}, ${opts.mode === "fuzz" ? `${opts.seconds} s each` : "corpus only"}, timeout ${opts.timeout} s, seed ${opts.seed}`,
);
const results: Summary[] = [];
for (const name of opts.targets) {
  console.log(`${name}: ${TARGETS.find((t) => t.name === name)!.what}`);
  const s = await fuzzTarget(name, opts);
  results.push(s);
  const rate = s.execs / Math.max(s.seconds, 1e-3);
  console.log(
    `${name.padEnd(11)} execs ${String(s.execs).padStart(9)}  ${rate.toFixed(0).padStart(6)}/s  corpus ${String(s.corpus).padStart(5)}  ` +
      `coverage ${s.startHit}→${s.endHit}/${s.total} counters (${pct(s.startHit, s.total)}→${pct(s.endHit, s.total)}), features ${s.startFeatures}→${s.endFeatures}  ` +
      `slowest ${s.slowestMs.toFixed(0)} ms  findings ${s.findings.length}`,
  );
}
mkdirSync(BUILD_DIR, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
writeFileSync(
  join(ROOT, "tmp", "fuzz", `run-${opts.mode}-${opts.targets.join("+")}-${stamp}.json`),
  `${JSON.stringify({ options: opts, results }, null, 1)}\n`,
);
process.exit(results.some((r) => r.findings.length > 0) ? 1 : 0);
