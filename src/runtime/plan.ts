import type { Backend, KernelEnv } from "../backends/kernel.js";
import { type DType, TF_DTYPE_NAME } from "../framework/dtypes.js";
import { InvalidArgumentError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { isFunctionCall } from "../passes/inline_functions.js";
import { inlineFunctionCalls } from "../passes/lower_plan.js";
import { optimizeRun } from "../passes/optimize.js";
import type { RewriterConfig } from "../passes/rewriter_config.js";
import { DataflowPlan } from "./dataflow_plan.js";
import { makeKernel, type Plan } from "./plan_support.js";
import { StaticPlan } from "./static_plan.js";

/** Op types that make a plan need the dataflow executor (dead tensors, frames, cycles). */
const CONTROL_FLOW = new Set([
  "Switch",
  "RefSwitch",
  "Merge",
  "RefMerge",
  "Enter",
  "RefEnter",
  "Exit",
  "RefExit",
  "NextIteration",
  "RefNextIteration",
  "LoopCond",
]);

/**
 * Compiles (feeds, fetches, targets): prunes the graph to the ops they need (a fed tensor's
 * producer is not needed for it), checks every needed placeholder is fed, and builds a static
 * plan (topological order, buffers released at last use) or, for graphs with control flow, a
 * dataflow plan that follows dead tensors and loop frames. `rewrite` switches the graph passes
 * (all on by default); `memoryLimit` is the session's per-tensor limit, which values computed
 * ahead of the run respect too.
 */
export function compilePlan(
  feeds: readonly Tensor[],
  fetchTensors: readonly Tensor[],
  targets: readonly Operation[],
  backends: readonly Backend[],
  env: KernelEnv,
  rewrite?: RewriterConfig,
  memoryLimit?: number,
): Plan {
  const fed = new Set(feeds);
  const needed = neededOps(fetchTensors, targets, fed);
  for (const op of needed) {
    if (op.type === "Placeholder") {
      const t = op.outputs[0];
      throw new InvalidArgumentError(
        `You must feed a value for placeholder tensor '${op.name}' with dtype ${TF_DTYPE_NAME[t.dtype as DType] ?? t.dtype} and shape ${t.shape}\n\t [[node ${op.name} (defined at ${op.definedAt}) ]]`,
        op.name,
      );
    }
  }
  // Calls and functional control flow run inlined, in a lowered copy of what the run needs.
  if ([...needed].some(isFunctionCall)) {
    const low = inlineFunctionCalls(needed, feeds, fetchTensors, targets);
    return compilePlan(low.feeds, low.fetches, low.targets, backends, env, rewrite, memoryLimit);
  }
  const kernelOf = (op: Operation) => makeKernel(op, backends, env);
  if ([...needed].some((op) => CONTROL_FLOW.has(op.type))) {
    return new DataflowPlan(needed, feeds, fetchTensors, kernelOf);
  }
  const order = topoOrder(fetchTensors, targets, fed);
  // The graph passes rewrite a private copy of what the run needs (src/passes/optimize.ts).
  const opt = optimizeRun(order, feeds, fetchTensors, targets, backends, env, rewrite, memoryLimit);
  if (!opt?.run) {
    const plan = new StaticPlan(order, feeds, fetchTensors, kernelOf);
    return opt ? Object.assign(plan, { passReport: opt.reports }) : plan;
  }
  const run = opt.run;
  const runOrder = topoOrder(run.fetches, run.targets, new Set(run.feeds));
  const plan = new StaticPlan(runOrder, run.feeds, run.fetches, kernelOf);
  return Object.assign(plan, { passReport: opt.reports });
}

/** Whether the op's outputs are all fed, so that the feeds stand in for it. */
const replacedByFeeds = (op: Operation, fed: ReadonlySet<Tensor>): boolean =>
  op.outputs.length > 0 && op.outputs.every((t) => fed.has(t));

/** Every op the fetches and targets depend on, through data and control edges (cycles allowed). */
function neededOps(
  fetches: readonly Tensor[],
  targets: readonly Operation[],
  fed: ReadonlySet<Tensor>,
): Set<Operation> {
  const needed = new Set<Operation>();
  const stack: Operation[] = [];
  const visit = (op: Operation) => {
    if (!needed.has(op)) {
      needed.add(op);
      stack.push(op);
    }
  };
  for (const t of fetches) if (!fed.has(t)) visit(t.op);
  targets.forEach(visit);
  while (stack.length) {
    const op = stack.pop()!;
    for (const t of op.inputs) if (!fed.has(t)) visit(t.op);
    // An op whose every output is fed is replaced by the feeds: a control edge on it is met.
    for (const c of op.controlInputs) if (!replacedByFeeds(c, fed)) visit(c);
  }
  return needed;
}

/** Ops the fetches and targets need, in an order where each op follows its inputs. */
function topoOrder(
  fetches: readonly Tensor[],
  targets: readonly Operation[],
  fed: ReadonlySet<Tensor>,
): Operation[] {
  const order: Operation[] = [];
  const state = new Map<Operation, 1 | 2>(); // 1 visiting, 2 done
  const roots: Operation[] = [];
  for (const t of fetches) if (!fed.has(t)) roots.push(t.op);
  roots.push(...targets);
  for (const root of roots) {
    if (state.has(root)) continue;
    const stack: [Operation, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [op, k] = top;
      if (k < op.inputs.length + op.controlInputs.length) {
        top[1]++;
        let dep: Operation;
        if (k < op.inputs.length) {
          if (fed.has(op.inputs[k])) continue;
          dep = op.inputs[k].op;
        } else {
          dep = op.controlInputs[k - op.inputs.length];
          if (replacedByFeeds(dep, fed)) continue;
        }
        const s = state.get(dep);
        if (s === 2) continue;
        if (s === 1) {
          throw new InvalidArgumentError(
            `Graph has a cycle through '${dep.name}' and '${op.name}' that no control-flow op breaks`,
          );
        }
        state.set(dep, 1);
        stack.push([dep, 0]);
      } else {
        stack.pop();
        state.set(op, 2);
        order.push(op);
      }
    }
  }
  return order;
}
