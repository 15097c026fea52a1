// Replays the fuzz corpora (test/fuzz/corpus/<target>/, kept by `npm run fuzz -- --merge`) and
// every input that once broke a target (test/fuzz/regressions/<target>/) through the targets'
// own functions: each must finish or throw a tf.errors.* class, nothing else (see
// scripts/fuzz/classify.ts). The ASan run (`npm run test:asan`) runs this file too, so the
// native-kernel and parser corpora also go through the sanitized addon.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classifyError } from "../../scripts/fuzz/classify.js";
import type { FuzzTarget } from "../../scripts/fuzz/target.js";
import checkpoint from "../../scripts/fuzz/targets/checkpoint.js";
import events from "../../scripts/fuzz/targets/events.js";
import feeds from "../../scripts/fuzz/targets/feeds.js";
import graphdef from "../../scripts/fuzz/targets/graphdef.js";
import kernels from "../../scripts/fuzz/targets/kernels.js";
import metagraph from "../../scripts/fuzz/targets/metagraph.js";
import pbtxt from "../../scripts/fuzz/targets/pbtxt.js";
import savedmodel from "../../scripts/fuzz/targets/savedmodel.js";
import { SCRATCH_ROOT } from "../../scripts/fuzz/targets/seeds.js";
import tfrecord from "../../scripts/fuzz/targets/tfrecord.js";

const TARGETS: FuzzTarget[] = [
  graphdef,
  pbtxt,
  metagraph,
  savedmodel,
  checkpoint,
  tfrecord,
  events,
  feeds,
  kernels,
];
const HERE = import.meta.dirname;

function inputs(dir: string): [string, Uint8Array][] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !n.startsWith(".") && !n.endsWith(".md"))
    .sort()
    .map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]);
}

/** Runs one input; returns the finding (null: finished, or threw a TF error). */
async function outcome(t: FuzzTarget, data: Uint8Array): Promise<string | null> {
  try {
    await t.run(data);
    return null;
  } catch (e) {
    return classifyError(e);
  }
}

describe("fuzz corpora and regressions", () => {
  // The targets' scratch files (scripts/fuzz/targets/seeds.ts scratch()).
  afterAll(() =>
    rmSync(join(SCRATCH_ROOT, `tgfuzz-${process.pid}`), { recursive: true, force: true }),
  );
  for (const t of TARGETS) {
    it(`${t.name}: every corpus input finishes or throws a tf.errors class`, {
      timeout: 300_000,
    }, async () => {
      const all = [
        ...inputs(join(HERE, "corpus", t.name)),
        ...inputs(join(HERE, "regressions", t.name)),
      ];
      expect(all.length).toBeGreaterThan(0);
      const findings: string[] = [];
      for (const [name, data] of all) {
        const f = await outcome(t, data);
        if (f) findings.push(`${name}: ${f}`);
      }
      expect(findings).toEqual([]);
    });
  }
});
