// A V2 checkpoint → `<prefix>.index` and `<prefix>.data-00000-of-00001` in /dev/shm → opened
// with openCheckpoint, every tensor listed, its dtype and shape asked, and read (checksums
// verified). Input: a uint32 (LE) length of the index, the index, then the data file; or, when
// that uint32 is 0xffffffff, a V1 (tensor-slice) checkpoint file, read the same way.
// The structure-aware mutator decodes the index table, changes one entry (its BundleEntryProto or
// BundleHeaderProto as a protobuf, its key, or the entry's place), or the data file (then usually
// fixing the entry's crc32c), and writes the table again with valid block checksums.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as tf from "../../../src/index.js";
import { crc32c, maskCrc } from "../../../src/io/checkpoint/crc32c.js";
import { openCheckpoint } from "../../../src/io/checkpoint/reader.js";
import { compareBytes, TableBuilder, TableReader } from "../../../src/io/checkpoint/table.js";
import { decodeProto, encodeProto } from "../../../src/io/proto/index.js";
import {
  BundleEntryProtoSchema,
  BundleHeaderProtoSchema,
} from "../../../src/io/proto/tensorflow/core/protobuf/tensor_bundle_pb.js";
import { SavedTensorSlicesSchema } from "../../../src/io/proto/tensorflow/core/util/saved_tensor_slice_pb.js";
import { ByteMutator, concat, type Rng } from "../mutate.js";
import { ProtoMutator } from "../proto_mutate.js";
import { defineTarget } from "../target.js";
import { FIXTURES, scratch } from "./seeds.js";

let dir = "";
const prefix = () => join(dir || (dir = scratch("checkpoint")), "ckpt");
const v1File = () => join(dir || (dir = scratch("checkpoint")), "v1", "model.ckpt");
const V1 = 0xffffffff;

function isV1(data: Uint8Array): boolean {
  return (
    data.length >= 4 && new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) === V1
  );
}

export function split(data: Uint8Array): { index: Uint8Array; data: Uint8Array } {
  const n = data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) : 0;
  const cut = Math.min(4 + n, data.length);
  return { index: data.subarray(Math.min(4, data.length), cut), data: data.subarray(cut) };
}

export function join2(index: Uint8Array, data: Uint8Array): Uint8Array {
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, index.length, true);
  return concat(head, index, data);
}

export function readCheckpoint(input: Uint8Array): void {
  let path: string;
  if (isV1(input)) {
    path = v1File();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, input.subarray(4));
  } else {
    const { index, data } = split(input);
    path = prefix();
    writeFileSync(`${path}.index`, index);
    writeFileSync(`${path}.data-00000-of-00001`, data);
  }
  const r = openCheckpoint(path);
  for (const k of r.keys()) {
    r.has(k);
    r.shape(k);
    try {
      r.dtypeAndShape(k);
    } catch (e) {
      if (!(e instanceof tf.UnimplementedError)) throw e;
      continue;
    }
    r.get(k);
  }
}

function fixturePair(dirName: string, base: string): Uint8Array {
  const p = join(FIXTURES, dirName, base);
  return join2(
    new Uint8Array(readFileSync(`${p}.index`)),
    new Uint8Array(readFileSync(`${p}.data-00000-of-00001`)),
  );
}

/** A checkpoint of our own Saver: variables of several dtypes and shapes, strings included. */
async function ours(): Promise<Uint8Array> {
  const g = new tf.Graph();
  const [saver, init] = g.asDefault(() => {
    new tf.Variable(
      tf.constant([
        [1.5, -2],
        [3, 4],
      ]),
      { name: "f32" },
    );
    new tf.Variable(tf.constant([1, 2, 3], { dtype: "int64" }), { name: "i64" });
    new tf.Variable(tf.constant(["", "ab", "xyz"]), { name: "str" });
    new tf.Variable(tf.constant([true, false]), { name: "b" });
    new tf.Variable(tf.constant(2.5, { dtype: "float64" }), { name: "f64" });
    new tf.Variable(tf.zeros([0, 3]), { name: "empty" });
    return [new tf.train.Saver(), tf.globalVariablesInitializer()] as const;
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(init);
  const p = join(scratch("checkpoint-seed"), "model");
  await saver.save(sess, p, { writeMetaGraph: false, writeState: false });
  sess.close();
  return join2(
    new Uint8Array(readFileSync(`${p}.index`)),
    new Uint8Array(readFileSync(`${p}.data-00000-of-00001`)),
  );
}

/** A V1 checkpoint written by the Save op (float, int64 and string tensors). */
async function oursV1(): Promise<Uint8Array> {
  const g = new tf.Graph();
  const file = join(scratch("checkpoint-seed-v1"), "model.ckpt");
  const save = g.asDefault(() => {
    const ts = [
      tf.constant([
        [1.5, -2],
        [3, 4],
      ]),
      tf.constant([7, 8], { dtype: "int64" }),
      tf.constant(["a", ""]),
    ];
    return g.createOp("Save", [tf.constant(file), tf.constant(["f", "i", "s"]), ts]);
  });
  const sess = new tf.Session({ graph: g });
  await sess.run(save);
  sess.close();
  return concat(Uint8Array.of(0xff, 0xff, 0xff, 0xff), new Uint8Array(readFileSync(file)));
}

/** A V1 file: its table's entries mutated as SavedTensorSlices messages (or by bytes). */
function mutateV1(input: Uint8Array, rng: Rng): Uint8Array | null {
  let entries: { key: Uint8Array; value: Uint8Array }[];
  try {
    entries = new TableReader(input.subarray(4), "fuzz").entries.map((e) => ({
      key: e.key,
      value: e.value,
    }));
  } catch {
    return null;
  }
  if (entries.length === 0) return null;
  const e = entries[rng.below(entries.length)]!;
  if (rng.chance(0.7))
    e.value = new ProtoMutator(rng, SavedTensorSlicesSchema).mutate(e.value) ?? e.value;
  else e.key = new ByteMutator(rng).mutate(e.key, 64);
  return concat(Uint8Array.of(0xff, 0xff, 0xff, 0xff), table(entries, rng));
}

/** The entries as a table (sorted, duplicates dropped) with valid block checksums. */
function table(entries: { key: Uint8Array; value: Uint8Array }[], rng: Rng): Uint8Array {
  entries.sort((a, b) => compareBytes(a.key, b.key));
  const t = new TableBuilder({
    restartInterval: 1 + rng.below(16),
    compression: rng.chance(0.2) ? "snappy" : "none",
  });
  let last: Uint8Array | undefined;
  for (const x of entries) {
    if (last && compareBytes(last, x.key) === 0) continue;
    t.add(x.key, x.value);
    last = x.key;
  }
  return t.finish();
}

function mutateCheckpoint(input: Uint8Array, rng: Rng, other?: Uint8Array): Uint8Array | null {
  if (isV1(input)) return mutateV1(input, rng);
  const { index, data } = split(input);
  let entries: { key: Uint8Array; value: Uint8Array }[];
  try {
    entries = new TableReader(index, "fuzz").entries.map((e) => ({ key: e.key, value: e.value }));
  } catch {
    return null;
  }
  let newData = data;
  const bytes = new ByteMutator(rng);
  if (entries.length === 0) return null;
  const i = rng.below(entries.length);
  const e = entries[i]!;
  const isHeader = e.key.length === 0;
  switch (rng.below(6)) {
    case 0:
    case 1: {
      const m = new ProtoMutator(
        rng,
        isHeader ? BundleHeaderProtoSchema : BundleEntryProtoSchema,
      ).mutate(e.value);
      if (m) e.value = m;
      break;
    }
    case 2:
      e.key = bytes.mutate(e.key, 64);
      break;
    case 3:
      if (rng.chance(0.5)) entries.splice(i, 1);
      else entries.push({ key: bytes.mutate(e.key, 64), value: e.value });
      break;
    default: {
      // The data file, with the entry's checksum fixed most of the time.
      const source = other && rng.chance(0.2) ? split(other).data : data;
      newData = bytes.mutate(source, 4096, data);
      if (!isHeader && rng.chance(0.8)) {
        try {
          const entry = decodeProto(BundleEntryProtoSchema, e.value, "entry");
          const start = Number(entry.offset);
          const end = start + Number(entry.size);
          if (end <= newData.length) {
            entry.crc32c = maskCrc(crc32c(newData.subarray(start, end)));
            e.value = encodeProto(BundleEntryProtoSchema, entry);
          }
        } catch {
          // leave it
        }
      }
    }
  }
  return join2(table(entries, rng), newData);
}

export default defineTarget({
  name: "checkpoint",
  maxLen: 8192,
  seeds: async () => [
    fixturePair("tf-half_plus_two-savedmodel/variables", "variables"),
    fixturePair("tfjs-node-times_three_float/variables", "variables"),
    fixturePair("tf-contrib-session_bundle-half_plus_two-V2ckpt", "export"),
    fixturePair("tf-feature_column-embedding-ckpt", "embedding.ckpt"),
    fixturePair("tf-tensor_bundle-old_string_tensors", "foo"),
    await ours(),
    await oursV1(),
  ],
  mutate: mutateCheckpoint,
  run: readCheckpoint,
});
