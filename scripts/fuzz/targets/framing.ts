// Structure-aware mutation of TFRecord-framed files (TFRecord, event files): the records are
// split out leniently (checksums ignored), one is changed (its payload mutated by bytes or as a
// protobuf, removed, duplicated, its length field set to an interesting value), and the file is
// framed again with correct checksums (and compressed again for GZIP / ZLIB inputs), so that the
// fuzzer gets past the CRCs to the code behind them.
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import type { DescMessage } from "@bufbuild/protobuf";
import { frameRecord } from "../../../src/io/tfrecord.js";
import { ByteMutator, concat, type Rng } from "../mutate.js";
import { ProtoMutator } from "../proto_mutate.js";

export function splitRecords(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at + 12 <= body.length) {
    const len = Number(new DataView(body.buffer, body.byteOffset + at, 8).getBigUint64(0, true));
    if (len > body.length - at - 12) break;
    out.push(body.subarray(at + 12, at + 12 + len));
    at += 12 + len + 4;
  }
  return out;
}

/** Mutates a framed body (uncompressed); null when it holds no whole record. */
export function mutateFramed(body: Uint8Array, rng: Rng, proto?: DescMessage): Uint8Array | null {
  const records = splitRecords(body);
  if (records.length === 0) return null;
  const i = rng.below(records.length);
  switch (rng.below(5)) {
    case 0:
      records.splice(i, 1);
      break;
    case 1:
      records.splice(rng.below(records.length + 1), 0, records[i]!);
      break;
    case 2: {
      // A whole frame whose length field lies (its header checksum still right).
      const framed = frameRecord(records[i]!);
      const bad = [0, 1, 7, 0x7fffffff, 0xffffffff][rng.below(5)]!;
      new DataView(framed.buffer).setBigUint64(0, BigInt(records[i]!.length + bad), true);
      const parts = records.map(frameRecord);
      parts[i] = framed;
      return concat(...parts);
    }
    default: {
      const m = proto && rng.chance(0.6) ? new ProtoMutator(rng, proto).mutate(records[i]!) : null;
      records[i] = m ?? new ByteMutator(rng).mutate(records[i]!, 4096);
    }
  }
  return concat(...records.map(frameRecord));
}

/** The mode byte's compression: 0 none, 1 GZIP, 2 ZLIB. */
export const COMPRESSIONS = ["", "GZIP", "ZLIB"] as const;

export function decompress(mode: number, data: Uint8Array): Uint8Array | null {
  try {
    return mode === 1 ? gunzipSync(data) : mode === 2 ? inflateSync(data) : data;
  } catch {
    return null;
  }
}

export function compress(mode: number, data: Uint8Array): Uint8Array {
  return mode === 1 ? gzipSync(data) : mode === 2 ? deflateSync(data) : data;
}
