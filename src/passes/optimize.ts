/**
 * The pass manager (TF's Grappler meta-optimizer, for one plan): the ops a run needs are taken
 * into a PlanGraph, the passes switched on in RewriterConfig rewrite it (two rounds of dependency
 * optimization, CSE, constant folding and arithmetic simplification, then remapping), and when
 * anything changed a private Graph is built for the plan. The user's Graph is never touched.
 *
 * The passes run for a caller that gives a RewriterConfig (a session gives its
 * ConfigProto.graphOptions.rewriteOptions; unset switches are on). TENSORGRAPH_REWRITE (read
 * once): "off" turns every pass off; "on" runs them for every plan, with all switches on where no
 * config is given; "strict" is "on" and makes a pass's internal failure an error instead of a
 * silent fall back to the graph as written (for tests).
 */
import type { Backend, KernelEnv } from "../backends/kernel.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { arithmetic } from "./arithmetic.js";
import { constantFolding } from "./constant_folding.js";
import { commonSubexpressions } from "./cse.js";
import { dependencies } from "./dependency.js";
import type { Pass, PassContext } from "./pass.js";
import { PlanGraph } from "./plan_graph.js";
import { remapping } from "./remapper.js";
import type { PassReport, RewriterConfig, Toggle } from "./rewriter_config.js";

type Mode = "default" | "on" | "off" | "strict";

const readMode = (): Mode => {
  const v = typeof process !== "undefined" ? process.env.TENSORGRAPH_REWRITE : undefined;
  return v === "on" || v === "off" || v === "strict" ? v : "default";
};
const MODE: Mode = readMode();

interface PassEntry {
  /** TF's name for the optimizer (as RunMetadata reports it). */
  readonly name: string;
  readonly toggle: keyof RewriterConfig;
  readonly run: Pass;
}

const ROUNDS = 2;
const ROUND_PASSES: readonly PassEntry[] = [
  { name: "dependency_optimizer", toggle: "dependencyOptimization", run: dependencies },
  {
    name: "common_subgraph_elimination",
    toggle: "commonSubgraphElimination",
    run: commonSubexpressions,
  },
  { name: "constant_folding", toggle: "constantFolding", run: constantFolding },
  { name: "arithmetic_optimizer", toggle: "arithmeticOptimization", run: arithmetic },
];
const FINAL_PASSES: readonly PassEntry[] = [
  { name: "remapper", toggle: "remapping", run: remapping },
];

const isOn = (t: Toggle | undefined): boolean => t !== "OFF";

/** The run rewritten into a private graph, and what each pass changed. */
export interface OptimizedRun {
  /** The rewritten run, or null when no pass changed anything (run the graph as written). */
  readonly run: { feeds: Tensor[]; fetches: Tensor[]; targets: Operation[] } | null;
  readonly reports: PassReport[];
}

/**
 * Runs the enabled passes over `order` (the ops a run needs, inputs first; no control-flow
 * ops). Null when every pass is off or the run cannot be rewritten (a fed tensor's op also runs).
 */
export function optimizeRun(
  order: readonly Operation[],
  feeds: readonly Tensor[],
  fetches: readonly Tensor[],
  targets: readonly Operation[],
  backends: readonly Backend[],
  env: KernelEnv,
  config: RewriterConfig | undefined,
  memoryLimit?: number,
): OptimizedRun | null {
  if (MODE === "off" || (config === undefined && MODE === "default")) return null;
  const on = (p: PassEntry) => isOn(config?.[p.toggle]);
  const rounds = ROUND_PASSES.filter(on);
  const finals = FINAL_PASSES.filter(on);
  if (rounds.length + finals.length === 0) return null;
  try {
    const pg = PlanGraph.build(order, feeds, fetches, targets);
    if (!pg) return null;
    const logs = new Map<string, string[]>();
    const apply = (p: PassEntry): number => {
      const lines = logs.get(p.name) ?? [];
      logs.set(p.name, lines);
      const before = lines.length;
      const ctx: PassContext = { pg, backends, env, memoryLimit, log: (s) => lines.push(s) };
      p.run(ctx);
      return lines.length - before;
    };
    for (let r = 0; r < ROUNDS; r++) {
      let changed = 0;
      for (const p of rounds) changed += apply(p);
      if (changed === 0) break;
    }
    for (const p of finals) apply(p);
    const reports: PassReport[] = [];
    for (const [pass, changes] of logs) if (changes.length) reports.push({ pass, changes });
    return { run: reports.length ? pg.materialize() : null, reports };
  } catch (e) {
    if (MODE === "strict") throw e;
    return null; // a pass that cannot finish leaves the run as written
  }
}
