// Structure-aware mutations for protobuf inputs (GraphDef, MetaGraphDef, SavedModel...): the input
// is decoded with protobuf-es, one field somewhere in the message tree is changed through the
// schema's descriptors (a scalar set to an interesting value, a string to another name found in
// the message, an enum to another value, a list element removed, duplicated or added, a message
// cleared or replaced by one of the same type from another corpus entry, a oneof switched), and
// the result is encoded again. Inputs that do not decode are left to the byte mutator.
import {
  clone,
  create,
  type DescField,
  type DescMessage,
  fromBinary,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import type { Rng } from "./mutate.js";

type Obj = Record<string, unknown>;
interface Slot {
  msg: Obj;
  field: DescField;
}

const INT32S = [0, 1, -1, 2, 3, 4, 7, 8, 64, 255, 1024, 65536, 2147483647, -2147483648, 1e6];
const INT64S = [
  0n,
  1n,
  -1n,
  2n,
  3n,
  8n,
  1024n,
  2147483647n,
  2147483648n,
  4294967296n,
  1000000n,
  9007199254740993n,
  9223372036854775807n,
  -9223372036854775808n,
  -2n,
];
const FLOATS = [0, -0, 1, -1, 0.5, 1e-45, 3.4e38, 1e300, Number.NaN, Infinity, -Infinity];

export class ProtoMutator {
  constructor(
    private readonly rng: Rng,
    private readonly schema: DescMessage,
    private readonly words: readonly string[] = [],
  ) {}

  /** A structurally mutated re-encoding of `data`, or null when `data` does not decode. */
  mutate(data: Uint8Array, other?: Uint8Array): Uint8Array | null {
    let msg: Obj;
    try {
      msg = fromBinary(this.schema, data) as unknown as Obj;
    } catch {
      return null;
    }
    const slots: Slot[] = [];
    const strings: string[] = [...this.words];
    const byType = new Map<string, Obj[]>();
    walk(msg, this.schema, slots, strings, byType, 0);
    if (slots.length === 0) return null;
    let donors: Map<string, Obj[]> | undefined;
    if (other && this.rng.chance(0.3)) {
      try {
        const o = fromBinary(this.schema, other) as unknown as Obj;
        donors = new Map();
        walk(o, this.schema, [], strings, donors, 0);
      } catch {
        donors = undefined;
      }
    }
    const n = 1 + this.rng.below(3);
    for (let i = 0; i < n; i++) this.mutateSlot(this.rng.pick(slots), strings, donors ?? byType);
    try {
      return toBinary(this.schema, msg as never);
    } catch {
      return null;
    }
  }

  private mutateSlot(s: Slot, strings: string[], donors: Map<string, Obj[]>): void {
    const r = this.rng;
    const f = s.field;
    switch (f.fieldKind) {
      case "scalar":
        set(s.msg, f, this.scalar(f.scalar, get(s.msg, f), strings));
        return;
      case "enum":
        set(s.msg, f, r.chance(0.8) ? r.pick(f.enum.values).number : r.below(300) - 10);
        return;
      case "message": {
        const pool = donors.get(f.message.typeName);
        if (r.chance(0.3)) set(s.msg, f, undefined);
        else if (pool && r.chance(0.6)) set(s.msg, f, clone(f.message, r.pick(pool) as never));
        else set(s.msg, f, create(f.message));
        return;
      }
      case "list": {
        const list = (s.msg[f.localName] as unknown[]) ?? [];
        const choice = r.below(4);
        if (choice === 0 && list.length) list.splice(r.below(list.length), 1);
        else if (choice === 1 && list.length) {
          const at = r.below(list.length);
          list.splice(r.below(list.length + 1), 0, list[at]);
        } else if (choice === 2 && list.length > 1) {
          const a = r.below(list.length);
          const b = r.below(list.length);
          [list[a], list[b]] = [list[b], list[a]];
        } else {
          let v: unknown;
          if (f.listKind === "message") {
            const pool = donors.get(f.message.typeName);
            v = pool && r.chance(0.6) ? clone(f.message, r.pick(pool) as never) : create(f.message);
          } else if (f.listKind === "enum") v = r.pick(f.enum.values).number;
          else v = this.scalar(f.scalar, list.length ? r.pick(list) : undefined, strings);
          if (list.length && r.chance(0.5)) list[r.below(list.length)] = v;
          else list.splice(r.below(list.length + 1), 0, v);
        }
        s.msg[f.localName] = list;
        return;
      }
      case "map": {
        const m = (s.msg[f.localName] as Obj) ?? {};
        const keys = Object.keys(m);
        if (keys.length && r.chance(0.4)) delete m[r.pick(keys)];
        else if (keys.length && r.chance(0.5)) {
          // same value under another key
          const key =
            f.mapKey === ScalarType.STRING
              ? r.pick(strings.length ? strings : ["k"])
              : String(r.pick(INT32S));
          m[key] = m[r.pick(keys)];
        } else if (keys.length && f.mapKind === "message") {
          const pool = donors.get(f.message.typeName);
          m[r.pick(keys)] =
            pool && r.chance(0.6) ? clone(f.message, r.pick(pool) as never) : create(f.message);
        }
        s.msg[f.localName] = m;
        return;
      }
    }
  }

  private scalar(t: ScalarType, old: unknown, strings: string[]): unknown {
    const r = this.rng;
    switch (t) {
      case ScalarType.BOOL:
        return !old;
      case ScalarType.STRING: {
        const base = strings.length ? r.pick(strings) : "";
        switch (r.below(6)) {
          case 0:
            return "";
          case 1:
            return `${base}:${r.pick([0, 1, 2, 99, -1])}`;
          case 2:
            return `^${base}`;
          case 3:
            return typeof old === "string" && old.length ? old.slice(0, r.below(old.length)) : base;
          default:
            return base;
        }
      }
      case ScalarType.BYTES: {
        const b = old instanceof Uint8Array ? Uint8Array.from(old) : new Uint8Array(r.below(16));
        if (b.length && r.chance(0.7)) b[r.below(b.length)] = r.below(256);
        return r.chance(0.2) ? b.subarray(0, r.below(b.length + 1)) : b;
      }
      case ScalarType.FLOAT:
      case ScalarType.DOUBLE:
        return r.pick(FLOATS);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return r.pick(INT64S);
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return BigInt.asUintN(64, r.pick(INT64S));
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return r.pick(INT32S) >>> 0;
      default:
        return r.pick(INT32S) | 0;
    }
  }
}

function get(msg: Obj, f: DescField): unknown {
  if (f.fieldKind !== "list" && f.fieldKind !== "map" && f.oneof) {
    const o = msg[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return o?.case === f.localName ? o.value : undefined;
  }
  return msg[f.localName];
}

function set(msg: Obj, f: DescField, v: unknown): void {
  if (f.fieldKind !== "list" && f.fieldKind !== "map" && f.oneof) {
    msg[f.oneof.localName] =
      v === undefined ? { case: undefined } : { case: f.localName, value: v };
  } else msg[f.localName] = v;
}

/** Collects every field of every message in the tree (a slot each), the strings, and the messages by type. */
function walk(
  msg: Obj,
  desc: DescMessage,
  slots: Slot[],
  strings: string[],
  byType: Map<string, Obj[]>,
  depth: number,
): void {
  if (depth > 40 || slots.length > 20000) return;
  let pool = byType.get(desc.typeName);
  if (!pool) byType.set(desc.typeName, (pool = []));
  pool.push(msg);
  for (const f of desc.fields) {
    slots.push({ msg, field: f });
    const v = get(msg, f);
    if (v === undefined || v === null) continue;
    if (f.fieldKind === "scalar" && typeof v === "string" && v && strings.length < 2000)
      strings.push(v);
    else if (f.fieldKind === "message")
      walk(v as Obj, f.message, slots, strings, byType, depth + 1);
    else if (f.fieldKind === "list") {
      for (const e of v as unknown[]) {
        if (f.listKind === "message") walk(e as Obj, f.message, slots, strings, byType, depth + 1);
        else if (typeof e === "string" && strings.length < 2000) strings.push(e);
      }
    } else if (f.fieldKind === "map") {
      for (const [k, e] of Object.entries(v as Obj)) {
        if (strings.length < 2000) strings.push(k);
        if (f.mapKind === "message") walk(e as Obj, f.message, slots, strings, byType, depth + 1);
      }
    }
  }
}
