/**
 * Arithmetic simplification (TF's arithmetic_optimizer), each rewrite only where the value and
 * its static shape provably stay the same:
 *   x·1, x/1, x+0, x−0 → x (the constant may not broadcast x to a larger shape);
 *   Transpose(Transpose(x, p), q) → x when the permutations cancel;
 *   Reshape(Reshape(x, s), t) → Reshape(x, t) (sizes known); Reshape(x, s) → x when x has shape s;
 *   AddN(x) → x; Neg(Neg(x)) → x; LogicalNot(LogicalNot(x)) → x;
 *   Sum/Mean/Prod/Max/Min over no axes → x;
 *   (x + c1) + c2 → x + (c1 + c2), and the same for Mul: a chain of constant adds becomes one.
 */
import type { DType } from "../framework/dtypes.js";
import type { TensorShape } from "../framework/tensor_shape.js";
import { allEqual, constValue, evaluate, intValues } from "./const_eval.js";
import { addConst, type PassContext } from "./pass.js";
import { type PNode, RESOURCE_DTYPES, type Ref } from "./plan_graph.js";

const ADDS = new Set(["Add", "AddV2"]);
const NUMERIC: ReadonlySet<DType> = new Set(["float32", "float64", "int32", "int64"]);
const REDUCTIONS = new Set(["Sum", "Mean", "Prod", "Max", "Min"]);

export function arithmetic(c: PassContext): void {
  const { pg } = c;
  for (const n of pg.liveOrder()) {
    if (pg.targets.has(n) || n.stateful || n.outputs.length !== 1) continue;
    if (n.inputs.some((r) => r.isRef || RESOURCE_DTYPES.has(r.dtype))) continue;
    const same = sameValueAs(n);
    if (same) {
      pg.replaceAllUses(n, [same], n.controls);
      c.log(`'${n.name}' (${n.type}) is its input '${same.node.name}'`);
      continue;
    }
    if (n.type === "Reshape" && reshapeOfValidReshape(n.inputs[0])) {
      const inner = n.inputs[0].node;
      pg.setInput(n, 0, inner.inputs[0]);
      pg.setControls(n, [...n.controls, ...inner.controls]);
      c.log(`'${n.name}' (Reshape) reshapes the input of '${inner.name}' (Reshape) directly`);
      continue;
    }
    combineConstants(c, n);
  }
}

/** The input `n` provably equals (same value, dtype and shape), or null. */
function sameValueAs(n: PNode): Ref | null {
  const [a, b] = n.inputs;
  const out = n.outputs[0];
  const isConst = (r: Ref | undefined, x: number) => {
    const v = r && constValue(r);
    return v !== undefined && NUMERIC.has(v.dtype) && allEqual(v, x);
  };
  const keeps = (x: Ref, k: Ref) => x.dtype === out.dtype && broadcastKeeps(x.shape, k.shape);
  switch (n.type) {
    case "Mul":
      if (isConst(b, 1) && keeps(a, b)) return a;
      if (isConst(a, 1) && keeps(b, a)) return b;
      return null;
    case "Div":
    case "RealDiv":
      return isConst(b, 1) && keeps(a, b) ? a : null;
    case "Add":
    case "AddV2":
      if (isConst(b, 0) && keeps(a, b)) return a;
      if (isConst(a, 0) && keeps(b, a)) return b;
      return null;
    case "Sub":
      return isConst(b, 0) && keeps(a, b) ? a : null;
    case "AddN":
      return n.inputs.length === 1 ? a : null;
    case "Neg":
    case "LogicalNot":
      return a.node.type === n.type && !a.node.stateful ? a.node.inputs[0] : null;
    case "Transpose": {
      const inner = a.node;
      if (inner.type !== "Transpose") return null;
      const p = constInts(b);
      const q = constInts(inner.inputs[1]);
      if (!p || !q || p.length !== q.length) return null;
      // out[i] = x.dim(q[p[i]]): identity when q∘p is (and the inner one fits x's rank).
      const x = inner.inputs[0];
      return x.shape.rank === p.length && p.every((pi, i) => q[pi] === i) ? x : null;
    }
    case "Reshape": {
      const target = constInts(b);
      const s = a.shape;
      if (!target || !s.isFullyDefined || s.rank !== target.length) return null;
      return (s.dims as number[]).every((d, i) => d === target[i]) ? a : null;
    }
  }
  if (REDUCTIONS.has(n.type)) {
    const axes = constInts(b);
    return axes && axes.length === 0 && a.dtype === out.dtype ? a : null;
  }
  return null;
}

/** A Reshape's output that provably holds its input's elements (so the reshape may be skipped). */
function reshapeOfValidReshape(r: Ref): boolean {
  const inner = r.node;
  if (inner.type !== "Reshape") return false;
  const x = inner.inputs[0].shape;
  return x.isFullyDefined && r.shape.isFullyDefined && x.numElements === r.shape.numElements;
}

function constInts(r: Ref | undefined): number[] | null {
  const v = r && constValue(r);
  return v ? intValues(v) : null;
}

/** Whether broadcasting a `k`-shaped constant against `x` leaves x's shape as it is. */
function broadcastKeeps(x: TensorShape, k: TensorShape): boolean {
  if (k.rank === 0) return true;
  if (x.rank === null || k.rank === null || !k.isFullyDefined || k.rank > x.rank) return false;
  const xd = x.dims as (number | null)[];
  const kd = k.dims as number[];
  const off = xd.length - kd.length;
  return kd.every((d, i) => d === 1 || d === xd[off + i]);
}

/**
 * (x ∘ c1) ∘ c2 → x ∘ (c1 ∘ c2) for ∘ = Add/AddV2 or Mul, when the inner node feeds only this one
 * and both constants are known: the combined constant is computed now, by the run's kernel.
 */
function combineConstants(c: PassContext, n: PNode): void {
  const { pg } = c;
  const isAdd = ADDS.has(n.type);
  if (!(isAdd || n.type === "Mul") || !NUMERIC.has(n.outputs[0].dtype)) return;
  const split = (m: PNode): [Ref, Ref] | null => {
    const [a, b] = m.inputs;
    if (constValue(b) && !constValue(a)) return [a, b];
    if (constValue(a) && !constValue(b)) return [b, a];
    return null;
  };
  const outer = split(n);
  if (!outer) return;
  const inner = outer[0].node;
  if (!(isAdd ? ADDS.has(inner.type) : inner.type === "Mul") || !pg.onlyFeeds(inner)) return;
  const parts = split(inner);
  if (!parts) return;
  const [x, c1] = parts;
  const c2 = outer[1];
  const dtype = n.outputs[0].dtype;
  const v = evaluate(c, n.name, n.type, n.attrs, [constValue(c1)!, constValue(c2)!], [dtype]);
  if (!v) return;
  const k = addConst(pg, `${n.name}/combined`, v[0], [...c1.node.controls, ...c2.node.controls], n);
  const xAt = n.inputs[0] === outer[0] ? 0 : 1;
  pg.setInput(n, xAt, x);
  pg.setInput(n, 1 - xAt, k.refs[0]);
  pg.setControls(n, [...n.controls, ...inner.controls]);
  c.log(`'${n.name}' (${n.type}) takes '${inner.name}''s constant: one ${n.type} instead of two`);
}
