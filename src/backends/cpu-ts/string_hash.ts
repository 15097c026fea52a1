// The two other string hashes of TensorFlow's hash-bucket ops: TF's own Hash64 (a MurmurHash2-64A
// with seed 0xDECAFCAFFE, used by the V1 StringToHashBucket) and SipHash-2-4 (keyed, used by
// StringToHashBucketStrong). Written from the published algorithms with 64-bit BigInt arithmetic.
const M64 = (1n << 64n) - 1n;
const mul = (a: bigint, b: bigint): bigint => (a * b) & M64;
const add = (a: bigint, b: bigint): bigint => (a + b) & M64;
const rotl = (v: bigint, s: bigint): bigint => ((v << s) | (v >> (64n - s))) & M64;

function fetch64(b: Uint8Array, i: number): bigint {
  let x = 0n;
  for (let k = 7; k >= 0; k--) x = (x << 8n) | BigInt(b[i + k]);
  return x;
}

/** TensorFlow's Hash64(data, n, seed) (tensorflow/core/lib/hash/hash.cc). */
export function tfHash64(s: Uint8Array, seed = 0xdecafcafffen): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const r = 47n;
  let n = s.length;
  let h = (seed ^ mul(BigInt(n), m)) & M64;
  let i = 0;
  while (n >= 8) {
    let k = fetch64(s, i);
    i += 8;
    n -= 8;
    k = mul(k, m);
    k ^= k >> r;
    k = mul(k, m);
    h ^= k;
    h = mul(h, m);
  }
  if (n > 0) {
    for (let j = n - 1; j >= 0; j--) h ^= BigInt(s[i + j]) << BigInt(8 * j);
    h = mul(h, m);
  }
  h ^= h >> r;
  h = mul(h, m);
  h ^= h >> r;
  return h;
}

/** SipHash-2-4 of `s` with the 128-bit key (k0, k1), as an unsigned 64-bit BigInt. */
export function sipHash24(s: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = add(v0, v1);
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = add(v2, v3);
    v3 = rotl(v3, 16n) ^ v2;
    v0 = add(v0, v3);
    v3 = rotl(v3, 21n) ^ v0;
    v2 = add(v2, v1);
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const len = s.length;
  const full = len - (len % 8);
  for (let i = 0; i < full; i += 8) {
    const m = fetch64(s, i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  // The last block: the remaining bytes, with the length's low byte on top.
  let last = BigInt(len & 0xff) << 56n;
  for (let j = 0; j < len - full; j++) last |= BigInt(s[full + j]) << BigInt(8 * j);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  for (let r = 0; r < 4; r++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}
