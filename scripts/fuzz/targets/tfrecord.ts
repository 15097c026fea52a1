// TFRecord file bytes → a file in /dev/shm → every record read by TFRecordFileReader. The first
// input byte picks the compression (mod 3: none, GZIP, ZLIB), the rest is the file.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TFRecordFileReader, TFRecordFileWriter } from "../../../src/io/tfrecord.js";
import { concat } from "../mutate.js";
import { defineTarget } from "../target.js";
import { COMPRESSIONS, compress, decompress, mutateFramed } from "./framing.js";
import { fixtures, scratch } from "./seeds.js";

let dir = "";
const file = () => join(dir || (dir = scratch("tfrecord")), "in.tfrecord");

export function readAllRecords(data: Uint8Array): number {
  const mode = data.length ? data[0]! % 3 : 0;
  writeFileSync(file(), data.subarray(1));
  const r = new TFRecordFileReader(file(), { compression: COMPRESSIONS[mode] });
  let n = 0;
  try {
    while (r.next() !== null) n++;
  } finally {
    r.close();
  }
  return n;
}

function written(mode: number, records: string[]): Uint8Array {
  const w = new TFRecordFileWriter(file(), { compression: COMPRESSIONS[mode] });
  for (const r of records) w.write(new TextEncoder().encode(r));
  w.close();
  return concat(Uint8Array.of(mode), new Uint8Array(readFileSync(file())));
}

export default defineTarget({
  name: "tfrecord",
  maxLen: 8192,
  seeds: () => [
    ...fixtures(/\.tfrecord$|tfevents/).map((b) => concat(Uint8Array.of(0), b)),
    written(0, ["", "a", "The Quick Brown Fox"]),
    written(1, ["gzip record", "x".repeat(300)]),
    written(2, ["zlib record", ""]),
  ],
  mutate(data, rng) {
    const mode = data.length ? data[0]! % 3 : 0;
    const body = decompress(mode, data.subarray(1));
    const m = body && mutateFramed(body, rng);
    return m && concat(Uint8Array.of(mode), compress(mode, m));
  },
  run(data) {
    readAllRecords(data);
  },
});
