// Dataset transformations that hold elements: ShuffleDataset (a seeded buffer), CacheDataset /
// CacheDatasetV2 (in memory, or a file of TensorProtos framed as TFRecords) and PrefetchDataset
// (a buffer filled in the background, while the session awaits).
import * as fs from "node:fs";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { bytesString, stringBytes } from "../../framework/bytes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { TensorProtoSchema } from "../../io/proto/index.js";
import { ndarrayToTensorProto, tensorProtoToNDArray } from "../../io/tensor_proto.js";
import { TFRecordFileReader, TFRecordFileWriter } from "../../io/tfrecord.js";
import { checkPath } from "../file_policy.js";
import { arr, type KernelEnv, type NodeInfo, type Value } from "../kernel.js";
import {
  type DatasetImpl,
  datasetHandle,
  datasetOf,
  type Element,
  type ElementIterator,
  listIterator,
  scalarNumber,
  scalarString,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";
import { PhiloxRandom } from "./philox.js";

// ---------------------------------------------------------------------------------------------
// Shuffle

/** Uniform indices from a Philox stream (4 words per block). */
class IndexSampler {
  private readonly words = new Uint32Array(4);
  private used = 4;
  constructor(private readonly gen: PhiloxRandom) {}
  below(n: number): number {
    if (this.used === 4) {
      this.gen.next(this.words);
      this.used = 0;
    }
    return this.words[this.used++] % n;
  }
}

/**
 * Per-session state of one ShuffleDataset node and seed pair: how many passes have started, so
 * that with reshuffle_each_iteration every pass (a repeat's epoch, or the pass after the iterator
 * is initialized again) gets a different order, while the same seeds give the same sequence of
 * orders in every session.
 */
interface ShuffleState {
  passes: number;
  seeds: [bigint, bigint];
}

cpuBackend.register("ShuffleDataset", (node: NodeInfo, env: KernelEnv) => {
  const reshuffle = node.attrs.reshuffle_each_iteration !== false;
  return (inputs: Value[]) => {
    const input = datasetOf(inputs[0], node.name);
    const size = scalarNumber(inputs[1], node.name, "buffer_size");
    if (size <= 0)
      throw new InvalidArgumentError(
        `${node.name}: buffer_size must be greater than zero, got ${size}.`,
      );
    const seed = BigInt.asIntN(64, arr(inputs[2]).data[0] as bigint);
    const seed2 = BigInt.asIntN(64, arr(inputs[3]).data[0] as bigint);
    const key = `shuffle:${node.name}:${seed}:${seed2}`;
    let state = env.resources.get(key) as ShuffleState | undefined;
    if (!state) {
      // Seeds 0 and 0: unseeded, a random pair for this session.
      const random = () => BigInt(Math.floor(Math.random() * 2 ** 31) + 1);
      state = {
        passes: 0,
        seeds: seed === 0n && seed2 === 0n ? [random(), random()] : [seed, seed2],
      };
      env.resources.set(key, state);
    }
    const st = state;
    const impl: DatasetImpl = {
      op: node.name,
      iterate: () => {
        const pass = reshuffle ? st.passes++ : 0;
        const gen = PhiloxRandom.fromSeeds(st.seeds[0], st.seeds[1]);
        gen.skip(pass * 2 ** 32); // each pass draws from its own part of the stream
        const sampler = new IndexSampler(gen);
        const it = input.iterate();
        const buffer: Element[] = [];
        let ended = false;
        return {
          next: async () => {
            while (!ended && buffer.length < size) {
              const e = await it.next();
              if (e === null) ended = true;
              else buffer.push(e);
            }
            if (buffer.length === 0) return null;
            const i = sampler.below(buffer.length);
            const out = buffer[i];
            buffer[i] = buffer[buffer.length - 1];
            buffer.pop();
            return out;
          },
          close: () => it.close(),
        };
      },
    };
    return [datasetHandle(impl)];
  };
});

// ---------------------------------------------------------------------------------------------
// Cache

function serialize(a: NDArray): Uint8Array {
  const p = ndarrayToTensorProto(a);
  if (a.dtype === "string") p.stringVal = (a.data as string[]).map(stringBytes);
  return toBinary(TensorProtoSchema, p);
}

function parse(b: Uint8Array): NDArray {
  const p = fromBinary(TensorProtoSchema, b);
  const out = tensorProtoToNDArray(p);
  if (out.dtype === "string") {
    const data = out.data as string[];
    p.stringVal.forEach((v, i) => {
      data[i] = bytesString(v);
    });
  }
  return out;
}

/**
 * An in-memory cache: the first pass that runs to its end records the elements; later passes
 * replay them without touching the input.
 */
function memoryCache(op: string, input: DatasetImpl): DatasetImpl {
  let cached: Element[] | null = null;
  return {
    op,
    iterate: () => {
      if (cached) return listIterator(cached);
      const it = input.iterate();
      const seen: Element[] = [];
      return {
        next: async () => {
          const e = await it.next();
          if (e === null) cached ??= seen;
          else seen.push(e);
          return e;
        },
        close: () => it.close(),
      };
    },
  };
}

/**
 * A file cache at `filename` (a TFRecord file of serialized TensorProtos, one record per
 * component, written to a temporary name and renamed once a pass completes): passes after that
 * (in this or any later session) read the file instead of the input.
 */
function fileCache(op: string, input: DatasetImpl, filename: string, comps: number): DatasetImpl {
  return {
    op,
    iterate: () => {
      if (fs.existsSync(filename)) {
        let reader: TFRecordFileReader | null = new TFRecordFileReader(filename);
        return {
          next: async () => {
            if (!reader) return null;
            const out: Element = [];
            for (let c = 0; c < comps; c++) {
              const r = reader.next();
              if (r === null) {
                reader.close();
                reader = null;
                return null;
              }
              out.push(parse(r));
            }
            return out;
          },
          close: () => reader?.close(),
        };
      }
      const tmp = `${filename}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      let writer: TFRecordFileWriter | null = new TFRecordFileWriter(tmp);
      const it = input.iterate();
      const abandon = () => {
        if (!writer) return;
        writer.close();
        writer = null;
        fs.rmSync(tmp, { force: true });
      };
      return {
        next: async () => {
          const e = await it.next();
          if (!writer) return e;
          if (e === null) {
            writer.close();
            writer = null;
            fs.renameSync(tmp, filename);
            return null;
          }
          for (const v of e) writer.write(serialize(arr(v)));
          return e;
        },
        close: () => {
          abandon();
          it.close();
        },
      };
    },
  };
}

function cacheKernel(node: NodeInfo, env: KernelEnv) {
  const comps = ((node.attrs.output_types as unknown[] | undefined) ?? []).length;
  return (inputs: Value[]) => {
    const input = datasetOf(inputs[0], node.name);
    const filename = scalarString(inputs[1], node.name, "filename");
    if (filename === "") return [datasetHandle(memoryCache(node.name, input))];
    checkPath(env, node.type, filename, "write");
    return [datasetHandle(fileCache(node.name, input, filename, comps))];
  };
}
cpuBackend.register("CacheDataset", cacheKernel);
cpuBackend.register("CacheDatasetV2", cacheKernel);

// ---------------------------------------------------------------------------------------------
// Prefetch

/** AUTOTUNE's buffer: a few elements ahead. */
const AUTOTUNE_BUFFER = 4;

type Slot = { ok: true; value: Element | null } | { ok: false; error: unknown };

/**
 * Reads up to `size` elements ahead of the consumer. The filler is a loop of awaits: it makes
 * progress whenever the event loop is free (between session runs, during async kernels).
 */
export function prefetching(it: ElementIterator, size: number): ElementIterator {
  const buffer: Slot[] = [];
  let waiting: (() => void) | null = null;
  let filling = false;
  let finished = false; // the input ended or failed: nothing more to read
  let closed = false;
  const wake = () => {
    const w = waiting;
    waiting = null;
    w?.();
  };
  const fill = async () => {
    if (filling) return;
    filling = true;
    try {
      while (!closed && !finished && buffer.length < size) {
        let slot: Slot;
        try {
          const value = await it.next();
          slot = { ok: true, value };
          if (value === null) finished = true;
        } catch (error) {
          slot = { ok: false, error };
          finished = true;
        }
        if (closed) return;
        buffer.push(slot);
        wake();
      }
    } finally {
      filling = false;
    }
  };
  return {
    next: async () => {
      void fill();
      while (buffer.length === 0) {
        if (finished) return null;
        await new Promise<void>((resolve) => {
          waiting = resolve;
        });
      }
      const slot = buffer.shift()!;
      void fill();
      if (!slot.ok) throw slot.error;
      return slot.value;
    },
    close: () => {
      closed = true;
      wake();
      it.close();
    },
  };
}

cpuBackend.register("PrefetchDataset", (node) => (inputs) => {
  const input = datasetOf(inputs[0], node.name);
  const n = scalarNumber(inputs[1], node.name, "buffer_size");
  if (n < -1)
    throw new InvalidArgumentError(
      `${node.name}: buffer_size must be >= 0 or AUTOTUNE (-1), got ${n}`,
    );
  const size = n === -1 ? AUTOTUNE_BUFFER : n;
  if (size === 0) return [datasetHandle(input)];
  return [datasetHandle({ op: node.name, iterate: () => prefetching(input.iterate(), size) })];
});
