// A direct reader of serialized tf.train.Example protos for the example parsers: it walks the
// wire format once and keeps only the features asked for, reading packed float and int64 lists
// straight into typed arrays (a general protobuf decoder builds a JS number per value, which made
// ParseExample spend most of its time allocating). Proto semantics kept: unknown fields skipped,
// a repeated map key's last entry wins, a oneof's last case wins and a repeated occurrence of the
// same list merges (values appended), packed and unpacked encodings both read.
//
//   Example  { Features features = 1; }
//   Features { map<string, Feature> feature = 1; }      entry: { string key = 1; Feature value = 2; }
//   Feature  { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
//   BytesList { repeated bytes value = 1; }  FloatList { repeated float value = 1; }
//   Int64List { repeated int64 value = 1; }

/** A feature as the parsers read it (the shape of protobuf-es's Feature, typed arrays inside). */
export type WireFeature =
  | { kind: { case: "floatList"; value: { value: Float32Array } } }
  | { kind: { case: "int64List"; value: { value: BigInt64Array } } }
  | { kind: { case: "bytesList"; value: { value: Uint8Array[] } } }
  | { kind: { case: undefined } };

/** A malformed Example; the caller names the op and the input. */
export class WireError extends Error {}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A cursor over `buf[pos, end)`. */
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  varint(): number {
    // Values up to 2^53 exactly (lengths, tags); int64 values use varint64.
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new WireError("varint too long");
  }

  varint64(): bigint {
    let lo = 0;
    let shift = 0;
    let i = 0;
    // The low 28 bits in a number, the rest in a bigint (most int64 values fit in the first).
    for (; i < 4; i++) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return BigInt(lo);
      shift += 7;
    }
    let v = BigInt(lo);
    let s = 28n;
    for (; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError("truncated varint");
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return BigInt.asIntN(64, v);
      s += 7n;
    }
    throw new WireError("varint too long");
  }

  /** The next field's tag (field number << 3 | wire type); field 0 is malformed. */
  tag(): number {
    const t = this.varint();
    if (t < 8) throw new WireError(`invalid tag ${t}`);
    return t;
  }

  /** A reader over the length-delimited field starting here; this one moves past it. */
  sub(): Reader {
    const e = this.lengthEnd();
    const r = new Reader(this.buf, this.pos, e);
    this.pos = e;
    return r;
  }

  /** The end of a length-delimited field starting here. */
  lengthEnd(): number {
    const len = this.varint();
    const e = this.pos + len;
    if (e > this.end) throw new WireError("length-delimited field runs past its message");
    return e;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new WireError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new WireError("truncated fixed-width field");
  }
}

/** Appends `b` to `a` (a oneof case occurring twice merges its repeated values). */
function concatF32(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
function concatI64(a: BigInt64Array, b: BigInt64Array): BigInt64Array {
  if (a.length === 0) return b;
  const out = new BigInt64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function floatList(r: Reader): Float32Array {
  const parts: Float32Array[] = [];
  const singles: number[] = [];
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === 10) {
      const p = r.sub();
      const len = p.end - p.pos;
      if (len & 3) throw new WireError("packed float list length is not a multiple of 4");
      if (singles.length > 0) parts.push(Float32Array.from(singles.splice(0)));
      if (LITTLE_ENDIAN) {
        // A copy into a fresh buffer: the bytes may not be 4-aligned in the record (and a
        // Buffer's slice would share its pool).
        const copy = new Uint8Array(len);
        copy.set(p.buf.subarray(p.pos, p.end));
        parts.push(new Float32Array(copy.buffer));
      } else {
        const v = new DataView(p.buf.buffer, p.buf.byteOffset + p.pos, len);
        parts.push(Float32Array.from({ length: len >> 2 }, (_, k) => v.getFloat32(4 * k, true)));
      }
    } else if (tag === 13) {
      if (r.pos + 4 > r.end) throw new WireError("truncated float");
      singles.push(new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true));
      r.pos += 4;
    } else r.skip(tag & 7);
  }
  if (singles.length > 0) parts.push(Float32Array.from(singles));
  return parts.length === 1 ? parts[0] : parts.reduce(concatF32, new Float32Array(0));
}

function int64List(r: Reader): BigInt64Array {
  const vals: bigint[] = [];
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === 10) {
      const p = r.sub();
      while (p.pos < p.end) vals.push(p.varint64());
    } else if (tag === 8) vals.push(r.varint64());
    else r.skip(tag & 7);
  }
  return BigInt64Array.from(vals);
}

function bytesList(r: Reader): Uint8Array[] {
  const vals: Uint8Array[] = [];
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === 10) {
      const p = r.sub();
      vals.push(p.buf.subarray(p.pos, p.end));
    } else r.skip(tag & 7);
  }
  return vals;
}

function feature(r: Reader): WireFeature {
  let f: WireFeature = { kind: { case: undefined } };
  while (r.pos < r.end) {
    const tag = r.tag();
    const k: WireFeature["kind"] = f.kind;
    if (tag === 10) {
      const v = bytesList(r.sub());
      const value: Uint8Array[] = k.case === "bytesList" ? [...k.value.value, ...v] : v;
      f = { kind: { case: "bytesList", value: { value } } };
    } else if (tag === 18) {
      const v = floatList(r.sub());
      const value: Float32Array = k.case === "floatList" ? concatF32(k.value.value, v) : v;
      f = { kind: { case: "floatList", value: { value } } };
    } else if (tag === 26) {
      const v = int64List(r.sub());
      const value: BigInt64Array = k.case === "int64List" ? concatI64(k.value.value, v) : v;
      f = { kind: { case: "int64List", value: { value } } };
    } else r.skip(tag & 7);
  }
  return f;
}

/** A map key's bytes as the string protobuf decodes (UTF-8), with an ASCII fast path. */
function keyString(buf: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end && ascii; i++) if (buf[i] >= 0x80) ascii = false;
  if (ascii && end - start <= 1024) return String.fromCharCode(...buf.subarray(start, end));
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new WireError("feature key is not valid UTF-8");
  }
}

/**
 * The features of a serialized Example whose keys are in `wanted` (all when null); features
 * absent from the Example are absent from the result.
 */
export function readExampleFeatures(
  bytes: Uint8Array,
  wanted: ReadonlySet<string> | null,
): Record<string, WireFeature> {
  const out: Record<string, WireFeature> = Object.create(null);
  const r = new Reader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag !== 10) {
      r.skip(tag & 7);
      continue;
    }
    // Example.features: a run of map entries (an Example may carry the field more than once;
    // the maps merge).
    const fs = r.sub();
    while (fs.pos < fs.end) {
      const t = fs.tag();
      if (t !== 10) {
        fs.skip(t & 7);
        continue;
      }
      const entry = fs.sub();
      let key = "";
      let value: Reader | null = null;
      while (entry.pos < entry.end) {
        const et = entry.tag();
        if (et === 10) {
          const k = entry.sub();
          key = keyString(bytes, k.pos, k.end);
        } else if (et === 18) value = entry.sub();
        else entry.skip(et & 7);
      }
      if (wanted === null || wanted.has(key)) {
        out[key] = value === null ? { kind: { case: undefined } } : feature(value);
      }
    }
  }
  return out;
}
