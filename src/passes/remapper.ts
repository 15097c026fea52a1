/**
 * Remapping (TF's remapper): MatMul+BiasAdd(+Relu/Relu6/Elu) → _FusedMatMul, Conv2D+BiasAdd(+act)
 * → _FusedConv2D, and Conv2D+FusedBatchNorm (inference: is_training false)(+act) → _FusedConv2D
 * with the batch norm's scale, offset, mean and variance as arguments. Each fused node's
 * intermediate value must feed only the next node of the pattern, and the backend that would run
 * the MatMul/Conv2D must have the fused kernel too (otherwise fusing would move the work to a
 * slower backend).
 */
import { FUSED_ACTIVATIONS } from "./fused_ops.js";
import type { PassContext } from "./pass.js";
import type { PNode, Ref } from "./plan_graph.js";

const FLOAT_TYPES = new Set(["float32", "float64"]);
const BATCH_NORMS = new Set(["FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"]);

export function remapping(c: PassContext): void {
  const { pg } = c;
  for (const n of pg.liveOrder()) {
    if (n.type !== "MatMul" && n.type !== "Conv2D") continue;
    if (!FLOAT_TYPES.has(n.outputs[0].dtype) || !pg.onlyFeeds(n)) continue;
    const fusedType = n.type === "MatMul" ? "_FusedMatMul" : "_FusedConv2D";
    if (!backendFuses(c, n.type, fusedType)) continue;
    if (n.type === "Conv2D" && n.attrs.data_format !== "NHWC") continue;
    const next = soleConsumer(c, n);
    if (!next) continue;
    let args: Ref[];
    let first: string;
    let epsilon = 0.0001;
    if (next.type === "BiasAdd" && next.inputs[0].node === n && next.attrs.data_format === "NHWC") {
      args = [next.inputs[1]];
      first = "BiasAdd";
    } else if (n.type === "Conv2D" && BATCH_NORMS.has(next.type) && inferenceNorm(c, n, next)) {
      args = next.inputs.slice(1, 5);
      first = "FusedBatchNorm";
      epsilon = next.attrs.epsilon as number;
    } else continue;
    const chain = [n, next];
    const act = pg.onlyFeeds(next) ? soleConsumer(c, next) : null;
    const fusedOps = [first];
    if (act && FUSED_ACTIVATIONS.has(act.type)) {
      chain.push(act);
      fusedOps.push(act.type);
    }
    fuse(c, chain, fusedType, args, fusedOps, epsilon);
  }
}

/** Whether the first backend with a `base` kernel also has the fused one. */
function backendFuses(c: PassContext, base: string, fused: string): boolean {
  const b = c.backends.find((x) => x.has(base));
  return b?.has(fused) === true;
}

/** The one node reading `n`'s first output, when that is its only use (and not a target). */
function soleConsumer(c: PassContext, n: PNode): PNode | null {
  const users = c.pg.dataConsumers(n);
  if (users.length !== 1 || c.pg.targets.has(users[0]) || users[0].stateful) return null;
  return users[0].inputs.filter((r) => r === n.refs[0]).length === 1 ? users[0] : null;
}

/** A batch norm at inference on `conv`'s output whose only used output is its result. */
function inferenceNorm(c: PassContext, conv: PNode, bn: PNode): boolean {
  const a = bn.attrs;
  if (a.is_training !== false || a.data_format !== "NHWC" || bn.inputs[0].node !== conv)
    return false;
  if (bn.inputs.slice(1, 5).some((r) => r.dtype !== conv.outputs[0].dtype)) return false;
  if (c.pg.controlConsumers(bn).length > 0) return false;
  return bn.refs.slice(1).every((r) => c.pg.useCount(r) === 0) && c.pg.useCount(bn.refs[0]) >= 1;
}

function fuse(
  c: PassContext,
  chain: readonly PNode[],
  type: string,
  args: readonly Ref[],
  fusedOps: readonly string[],
  epsilon: number,
): void {
  const [base] = chain;
  const last = chain[chain.length - 1];
  const attrs = { ...base.attrs, num_args: args.length, fused_ops: [...fusedOps], epsilon };
  const controls = chain.flatMap((x) => x.controls);
  const fused = c.pg.create(
    type,
    last.name,
    attrs,
    [...base.inputs, ...args],
    controls,
    [last.outputs[0]],
    base,
  );
  c.pg.replaceAllUses(last, [fused.refs[0]], []);
  c.log(`fused ${chain.map((x) => `'${x.name}' (${x.type})`).join(" + ")} into one ${type}`);
}
