/**
 * Dependency optimization (TF's dependency_optimizer): Identity, Snapshot and StopGradient pass
 * values through, so their readers read the input directly (and wait for what they waited for);
 * a NoOp between control edges is bypassed when that adds no more edges than it removes.
 * Identities of refs and resource handles stay (a ref's Identity reads the variable's value at
 * that point), as do targets and an Identity with control inputs whose value is fetched.
 */
import type { PassContext } from "./pass.js";
import { type PNode, RESOURCE_DTYPES } from "./plan_graph.js";

const PASS_THROUGH = new Set(["Identity", "Snapshot", "StopGradient", "PreventGradient"]);

export function dependencies(c: PassContext): void {
  const { pg } = c;
  for (const n of pg.liveOrder()) {
    if (pg.targets.has(n)) continue;
    if (PASS_THROUGH.has(n.type)) bypassIdentity(c, n);
    else if (n.type === "NoOp") bypassNoOp(c, n);
  }
}

function bypassIdentity(c: PassContext, n: PNode): void {
  const { pg } = c;
  const input = n.inputs[0];
  if (input.isRef || RESOURCE_DTYPES.has(input.dtype) || n.outputs[0].isRef) return;
  // A fetch cannot wait for control inputs: the Identity is what makes it wait.
  if (n.controls.length > 0 && pg.fetches.includes(n.refs[0])) return;
  pg.replaceAllUses(n, [input], n.controls);
  c.log(`removed '${n.name}' (${n.type}): its readers read '${input.node.name}'`);
}

function bypassNoOp(c: PassContext, n: PNode): void {
  const { pg } = c;
  const users = pg.controlConsumers(n);
  const fanIn = n.controls.length;
  if (fanIn * users.length > fanIn + users.length) return;
  pg.replaceAllUses(n, [], n.controls);
  c.log(`removed '${n.name}' (NoOp): ${users.length} control edge(s) on it moved to its inputs`);
}
