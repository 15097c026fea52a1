// Fingerprint with method "farmhash64": FarmHash's Fingerprint64 (the "na" variant) of each row's
// bytes, written little-endian into 8 uint8s, as TF's fingerprint op does.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { shapeString } from "./array_extra_util.js";
import { cpuBackend } from "./index.js";

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & M64;
// FarmHash's constants: primes between 2^63 and 2^64.
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;

/** Rotates right by `s` bits (0 < s < 64). */
const rot = (v: bigint, s: bigint): bigint => u64((v >> s) | (v << (64n - s)));
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);
const mul = (a: bigint, b: bigint): bigint => u64(a * b);
const add = (...vs: bigint[]): bigint => u64(vs.reduce((a, b) => a + b, 0n));

function hashLen16(u: bigint, v: bigint, m: bigint): bigint {
  let a = mul(u ^ v, m);
  a ^= a >> 47n;
  let b = mul(v ^ a, m);
  b ^= b >> 47n;
  return mul(b, m);
}

class Bytes {
  private readonly view: DataView;
  constructor(readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  f64(i: number): bigint {
    return this.view.getBigUint64(i, true);
  }
  f32(i: number): bigint {
    return BigInt(this.view.getUint32(i, true));
  }
}

function len0to16(s: Bytes, len: number): bigint {
  const n = BigInt(len);
  if (len >= 8) {
    const m = add(K2, n * 2n);
    const a = add(s.f64(0), K2);
    const b = s.f64(len - 8);
    const c = add(mul(rot(b, 37n), m), a);
    const d = mul(add(rot(a, 25n), b), m);
    return hashLen16(c, d, m);
  }
  if (len >= 4) {
    const m = add(K2, n * 2n);
    return hashLen16(add(n, s.f32(0) << 3n), s.f32(len - 4), m);
  }
  if (len > 0) {
    const a = BigInt(s.b[0]);
    const b = BigInt(s.b[len >> 1]);
    const c = BigInt(s.b[len - 1]);
    const y = (a + (b << 8n)) & 0xffffffffn;
    const z = (n + (c << 2n)) & 0xffffffffn;
    return mul(shiftMix(mul(y, K2) ^ mul(z, K0)), K2);
  }
  return K2;
}

function len17to32(s: Bytes, len: number): bigint {
  const m = add(K2, BigInt(len) * 2n);
  const a = mul(s.f64(0), K1);
  const b = s.f64(8);
  const c = mul(s.f64(len - 8), m);
  const d = mul(s.f64(len - 16), K2);
  return hashLen16(add(rot(add(a, b), 43n), rot(c, 30n), d), add(a, rot(add(b, K2), 18n), c), m);
}

function len33to64(s: Bytes, len: number): bigint {
  const m = add(K2, BigInt(len) * 2n);
  const a = mul(s.f64(0), K2);
  const b = s.f64(8);
  const c = mul(s.f64(len - 8), m);
  const d = mul(s.f64(len - 16), K2);
  const y = add(rot(add(a, b), 43n), rot(c, 30n), d);
  const z = hashLen16(y, add(a, rot(add(b, K2), 18n), c), m);
  const e = mul(s.f64(16), m);
  const f = s.f64(24);
  const g = mul(add(y, s.f64(len - 32)), m);
  const h = mul(add(z, s.f64(len - 24)), m);
  return hashLen16(add(rot(add(e, f), 43n), rot(g, 30n), h), add(e, rot(add(f, a), 18n), g), m);
}

/** Two 64-bit halves from 32 bytes at `i` and two seeds. */
function weak32(s: Bytes, i: number, a0: bigint, b0: bigint): [bigint, bigint] {
  const w = s.f64(i);
  const x = s.f64(i + 8);
  const y = s.f64(i + 16);
  const z = s.f64(i + 24);
  let a = add(a0, w);
  const b = rot(add(b0, a, z), 21n);
  const c = a;
  a = add(a, x, y);
  return [add(a, z), add(b, rot(a, 44n), c)];
}

/** FarmHash Fingerprint64 of a byte string. */
export function farmhash64(bytes: Uint8Array): bigint {
  const s = new Bytes(bytes);
  const len = bytes.length;
  if (len <= 16) return len0to16(s, len);
  if (len <= 32) return len17to32(s, len);
  if (len <= 64) return len33to64(s, len);
  const seed = 81n;
  let x = seed;
  let y = add(mul(seed, K1), 113n);
  let z = mul(shiftMix(add(mul(y, K2), 113n)), K2);
  let v: [bigint, bigint] = [0n, 0n];
  let w: [bigint, bigint] = [0n, 0n];
  x = add(mul(x, K2), s.f64(0));
  // Whole 64-byte blocks, then the last 64 bytes (overlapping the previous block).
  const end = Math.floor((len - 1) / 64) * 64;
  const last64 = end + ((len - 1) & 63) - 63;
  for (let p = 0; p !== end; p += 64) {
    x = mul(rot(add(x, y, v[0], s.f64(p + 8)), 37n), K1);
    y = mul(rot(add(y, v[1], s.f64(p + 48)), 42n), K1);
    x ^= w[1];
    y = add(y, v[0], s.f64(p + 40));
    z = mul(rot(add(z, w[0]), 33n), K1);
    v = weak32(s, p, mul(v[1], K1), add(x, w[0]));
    w = weak32(s, p + 32, add(z, w[1]), add(y, s.f64(p + 16)));
    [z, x] = [x, z];
  }
  const m = add(K1, (z & 0xffn) << 1n);
  const p = last64;
  w[0] = add(w[0], BigInt((len - 1) & 63));
  v[0] = add(v[0], w[0]);
  w[0] = add(w[0], v[0]);
  x = mul(rot(add(x, y, v[0], s.f64(p + 8)), 37n), m);
  y = mul(rot(add(y, v[1], s.f64(p + 48)), 42n), m);
  x ^= mul(w[1], 9n);
  y = add(y, mul(v[0], 9n), s.f64(p + 40));
  z = mul(rot(add(z, w[0]), 33n), m);
  v = weak32(s, p, mul(v[1], m), add(x, w[0]));
  w = weak32(s, p + 32, add(z, w[1]), add(y, s.f64(p + 16)));
  [z, x] = [x, z];
  return hashLen16(
    add(hashLen16(v[0], w[0], m), mul(shiftMix(y), K0), z),
    add(hashLen16(v[1], w[1], m), x),
    m,
  );
}

/** Writes `h` little-endian into out[at..at+8). */
function put(h: bigint, out: Uint8Array, at: number): void {
  for (let k = 0; k < 8; k++) out[at + k] = Number((h >> BigInt(8 * k)) & 0xffn);
}

const utf8 = new TextEncoder();

/** The bytes of each of `rows` equal slices of `bytes`, fingerprinted into out ([rows, 8]). */
function fingerprintRows(bytes: Uint8Array, rows: number, out: Uint8Array): void {
  const per = rows === 0 ? 0 : bytes.length / rows;
  for (let r = 0; r < rows; r++)
    put(farmhash64(bytes.subarray(r * per, (r + 1) * per)), out, r * 8);
}

cpuBackend.register("Fingerprint", () => (inputs) => {
  const data = arr(inputs[0]);
  const method = arr(inputs[1]);
  if (method.rank !== 0) {
    throw new InvalidArgumentError(
      `Fingerprint: method should be a scalar string, got shape ${shapeString(method.shape)}`,
    );
  }
  if (method.data[0] !== "farmhash64") {
    throw new InvalidArgumentError(
      `Fingerprint: Unsupported fingerprint method: ${method.data[0]}`,
    );
  }
  if (data.rank < 1) {
    throw new InvalidArgumentError(
      `Fingerprint: data should have at least one dimension, got shape ${shapeString(data.shape)}`,
    );
  }
  const rows = data.shape[0];
  const out = new Uint8Array(rows * 8);
  if (data.dtype === "string") {
    // Each string is fingerprinted; rows of several strings fingerprint their fingerprints.
    const strs = data.data as string[];
    if (strs.length === rows) {
      strs.forEach((str, r) => {
        put(farmhash64(utf8.encode(str)), out, r * 8);
      });
    } else {
      const each = new Uint8Array(strs.length * 8);
      strs.forEach((str, i) => {
        put(farmhash64(utf8.encode(str)), each, i * 8);
      });
      fingerprintRows(each, rows, out);
    }
  } else {
    const d = data.data as Uint8Array;
    fingerprintRows(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), rows, out);
  }
  return [new NDArray("uint8", [rows, 8], out)];
});
