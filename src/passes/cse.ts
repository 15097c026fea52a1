/**
 * Common-subexpression elimination (TF's common_subgraph_elimination): two stateless nodes of
 * the same type, attrs, inputs and control inputs compute the same values; the later one's
 * uses move to the earlier one. Constants compare by value (small ones only).
 */
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { TensorShape } from "../framework/tensor_shape.js";
import type { PassContext } from "./pass.js";
import { type PNode, RESOURCE_DTYPES } from "./plan_graph.js";

/** Constants larger than this are not compared (hashing them costs more than it saves). */
const MAX_CONST_ELEMENTS = 4096;

/** Stateless types whose every run must stay a separate node. */
const NEVER_MERGE: ReadonlySet<string> = new Set(["Placeholder", "PlaceholderWithDefault", "NoOp"]);

export function commonSubexpressions(c: PassContext): void {
  const { pg } = c;
  const ids = new Map<PNode, number>();
  const seen = new Map<string, PNode>();
  for (const n of pg.liveOrder()) {
    ids.set(n, ids.size);
    const key = keyOf(n, ids);
    if (key === null) continue;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, n);
      continue;
    }
    pg.replaceAllUses(n, first.refs, []);
    c.log(`'${n.name}' (${n.type}) is the same as '${first.name}'`);
  }
}

/** A key equal for nodes computing the same values, or null for nodes that must stay apart. */
function keyOf(n: PNode, ids: ReadonlyMap<PNode, number>): string | null {
  if (n.stateful || NEVER_MERGE.has(n.type)) return null;
  if (n.outputs.some((o) => o.isRef || RESOURCE_DTYPES.has(o.dtype))) return null;
  if (n.inputs.some((r) => r.isRef || RESOURCE_DTYPES.has(r.dtype))) return null;
  const parts = [n.type, n.device];
  for (const r of n.inputs) parts.push(`${ids.get(r.node)}:${r.index}`);
  parts.push(
    `^${n.controls
      .map((x) => ids.get(x))
      .sort()
      .join(",")}`,
  );
  for (const k of Object.keys(n.attrs).sort()) {
    const v = attrKey(n.attrs[k]);
    if (v === null) return null;
    parts.push(`${k}=${v}`);
  }
  return parts.join("|");
}

function attrKey(v: AttrValue): string | null {
  if (v instanceof NDArray) {
    if (v.size > MAX_CONST_ELEMENTS) return null;
    const data = v.data as ArrayLike<unknown>;
    const items: string[] = [];
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (typeof x === "string") items.push(JSON.stringify(x));
      else if (typeof x === "number")
        items.push(Object.is(x, -0) ? "-0" : String(x)); // -0 is not 0
      else if (typeof x === "bigint" || typeof x === "boolean") items.push(String(x));
      else return null;
    }
    return `${v.dtype}[${v.shape.join(",")}](${items.join(",")})`;
  }
  if (v instanceof TensorShape) return `shape(${v.toString()})`;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const x of v) {
      const k = attrKey(x as AttrValue);
      if (k === null) return null;
      parts.push(k);
    }
    return `[${parts.join(",")}]`;
  }
  if (typeof v === "object") return JSON.stringify(v);
  return `${typeof v}:${String(v)}`;
}
