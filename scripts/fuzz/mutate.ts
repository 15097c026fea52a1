// libFuzzer-style byte mutations: bit and byte flips, random bytes, inserts and erases, copies
// inside the input, interesting integers (8/16/32/64-bit, either endianness), small arithmetic,
// dictionary words, and splicing with another corpus entry. A mutation run stacks 1..8 of them.

/** xorshift128+ over two 32-bit halves: fast, seeded, good enough for choosing mutations. */
export class Rng {
  private a: number;
  private b: number;
  constructor(seed: number) {
    this.a = seed >>> 0 || 0x9e3779b9;
    this.b = Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) >>> 0 || 0x27d4eb2f;
  }
  /** A uint32. */
  next(): number {
    let s1 = this.a;
    const s0 = this.b;
    this.a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0 ^ (s0 >>> 26);
    this.b = s1 >>> 0;
    return (this.b + s0) >>> 0;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 16, 32, 64, 100];
const INTERESTING_32 = [
  0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 1000, 1024, 4096, 32767, 32768, 65535, 65536, 100000,
  0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x40000000, 0x10000000,
];

export class ByteMutator {
  constructor(
    private readonly rng: Rng,
    private readonly dictionary: readonly Uint8Array[] = [],
  ) {}

  /** A mutated copy of `data` no longer than `maxLen`; `other` is a corpus entry for splicing. */
  mutate(data: Uint8Array, maxLen: number, other?: Uint8Array): Uint8Array {
    let out: Uint8Array =
      data.length > 0 ? Uint8Array.from(data) : new Uint8Array([this.rng.below(256)]);
    const n = 1 + this.rng.below(this.rng.chance(0.5) ? 2 : 8);
    for (let i = 0; i < n; i++) out = this.once(out, maxLen, other);
    return out.length > maxLen ? out.subarray(0, maxLen) : out;
  }

  private once(d: Uint8Array, maxLen: number, other?: Uint8Array): Uint8Array {
    const r = this.rng;
    const len = d.length;
    switch (r.below(12)) {
      case 0: // flip a bit
        if (len) d[r.below(len)]! ^= 1 << r.below(8);
        return d;
      case 1: // random byte
        if (len) d[r.below(len)] = r.below(256);
        return d;
      case 2: {
        // insert 1..8 random (or repeated) bytes
        const k = 1 + r.below(8);
        const at = r.below(len + 1);
        const ins = new Uint8Array(k);
        const rep = r.chance(0.5) ? r.below(256) : -1;
        for (let i = 0; i < k; i++) ins[i] = rep >= 0 ? rep : r.below(256);
        return concat(d.subarray(0, at), ins, d.subarray(at));
      }
      case 3: {
        // erase a run
        if (len < 2) return d;
        const at = r.below(len);
        const k = 1 + r.below(Math.min(len - at, r.chance(0.8) ? 8 : len));
        return concat(d.subarray(0, at), d.subarray(at + k));
      }
      case 4: {
        // copy a part over another place, or insert a copy of it
        if (len < 2) return d;
        const from = r.below(len);
        const k = 1 + r.below(Math.min(len - from, 64));
        const part = d.slice(from, from + k);
        const to = r.below(len);
        if (r.chance(0.5)) return concat(d.subarray(0, to), part, d.subarray(to));
        d.set(part.subarray(0, Math.min(k, len - to)), to);
        return d;
      }
      case 5:
      case 6: {
        // an interesting integer, 1/2/4/8 bytes, either endianness
        if (!len) return d;
        const width = r.pick([1, 2, 4, 8]);
        const at = r.below(Math.max(1, len - width + 1));
        const v = width === 1 ? r.pick(INTERESTING_8) : r.pick(INTERESTING_32);
        writeInt(d, at, width, r.chance(0.2) ? -v : v, r.chance(0.7));
        return d;
      }
      case 7: {
        // add or subtract a small number to a byte or a 32-bit word
        if (!len) return d;
        const delta = 1 + r.below(35);
        const at = r.below(len);
        if (r.chance(0.5) || len - at < 4)
          d[at] = (d[at]! + (r.chance(0.5) ? delta : -delta)) & 0xff;
        else {
          const dv = new DataView(d.buffer, d.byteOffset, d.length);
          dv.setUint32(at, dv.getUint32(at, true) + (r.chance(0.5) ? delta : -delta), true);
        }
        return d;
      }
      case 8: {
        // a dictionary word: inserted or written over
        if (!this.dictionary.length) return d;
        const w = r.pick(this.dictionary);
        const at = r.below(len + 1);
        if (r.chance(0.5) || at + w.length > len)
          return concat(d.subarray(0, at), w, d.subarray(at));
        d.set(w, at);
        return d;
      }
      case 9: {
        // splice: a prefix of this input and a suffix of another (or a chunk of it inserted)
        if (!other || other.length === 0) return d;
        const a = r.below(len + 1);
        const b = r.below(other.length);
        if (r.chance(0.5)) return concat(d.subarray(0, a), other.subarray(b));
        const k = 1 + r.below(Math.min(other.length - b, 256));
        return concat(d.subarray(0, a), other.subarray(b, b + k), d.subarray(a));
      }
      case 10: {
        // shuffle a few bytes
        if (len < 2) return d;
        const at = r.below(len - 1);
        const k = Math.min(len - at, 2 + r.below(7));
        for (let i = k - 1; i > 0; i--) {
          const j = r.below(i + 1);
          const t = d[at + i]!;
          d[at + i] = d[at + j]!;
          d[at + j] = t;
        }
        return d;
      }
      default: {
        // truncate or grow
        if (r.chance(0.5) && len > 1) return d.subarray(0, r.below(len));
        const grow = Math.min(maxLen - len, 1 + r.below(64));
        if (grow <= 0) return d;
        const tail = new Uint8Array(grow);
        for (let i = 0; i < grow; i++) tail[i] = r.below(256);
        return concat(d, tail);
      }
    }
  }
}

function writeInt(d: Uint8Array, at: number, width: number, v: number, little: boolean): void {
  for (let i = 0; i < width && at + i < d.length; i++) {
    // Bytes past 32 bits carry the sign (for -v) or zero.
    const byte = i < 4 ? (v >>> (8 * i)) & 0xff : v < 0 ? 0xff : 0;
    d[little ? at + i : at + width - 1 - i] = byte;
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
