// Reader kernels (TF's ReaderBase): TFRecordReaderV2, TextLineReaderV2, WholeFileReaderV2,
// FixedLengthRecordReaderV2, IdentityReaderV2 and ReaderReadV2/ReadUpToV2/NumRecordsProducedV2/
// NumWorkUnitsCompletedV2/ResetV2. A reader is per-session state; it takes work units (file
// names) from a queue, one at a time, and produces (key, value) records from each. Taking a work
// unit may wait on the queue: the kernel then returns a promise.
import * as fs from "node:fs";
import { bytesString } from "../../framework/bytes.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { currentRun, type RunContext } from "../../framework/run_context.js";
import { fsCall } from "../../io/checkpoint/fs_util.js";
import { checkCompression } from "../../io/file_stream.js";
import { FixedLengthRecordFileReader, TextLineFileReader } from "../../io/record_files.js";
import { TFRecordFileReader } from "../../io/tfrecord.js";
import { checkPath } from "../file_policy.js";
import { arr, type KernelEnv, type NodeInfo, ResourceHandle, type Value } from "../kernel.js";
import { queueOf } from "./data_flow.js";
import type { QueueState } from "./data_flow_queue.js";
import { cpuBackend } from "./index.js";

/** The records of one work unit: each call gives the next (key, value), or null at its end. */
type RecordSource = { next(): [string, string] | null; close(): void };
type Opener = (work: string, op: string) => RecordSource;

/** A reader's state, as TF's ReaderBase keeps it. */
export class ReaderState {
  workStarted = 0;
  workFinished = 0;
  produced = 0;
  private source: RecordSource | null = null;
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly open: Opener,
  ) {}

  private get inProgress(): boolean {
    return this.workFinished < this.workStarted;
  }

  /**
   * Up to `n` records (`upTo`: stopping at the end of a work unit that gave some), taking work
   * units from `queue` as needed; one record when !upTo. Calls on one reader run one at a time.
   */
  read(
    queue: QueueState,
    n: number,
    upTo: boolean,
    op: string,
    run: RunContext | undefined,
  ): [string[], string[]] | Promise<[string[], string[]]> {
    if (!this.busy) {
      this.busy = true;
      return this.whileLocked(queue, n, upTo, op, run);
    }
    if (!run?.mayAwait)
      throw new FailedPreconditionError(
        `${op}: reader ${this.name} is busy with another read, and this run cannot wait: run it with Session.run, not runSync`,
      );
    const signal = run.signal;
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      this.waiting.push(go);
      signal.addEventListener("abort", onAbort, { once: true });
    }).then(() => this.whileLocked(queue, n, upTo, op, run)); // the lock was handed over
  }

  /** readLocked, then hands the lock on (when it finished, now or later). */
  private whileLocked(
    queue: QueueState,
    n: number,
    upTo: boolean,
    op: string,
    run: RunContext | undefined,
  ): [string[], string[]] | Promise<[string[], string[]]> {
    let r: [string[], string[]] | Promise<[string[], string[]]>;
    try {
      r = this.readLocked(queue, n, upTo, op, run, [], []);
    } catch (e) {
      this.release();
      throw e;
    }
    if (r instanceof Promise) return r.finally(() => this.release());
    this.release();
    return r;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  private readLocked(
    queue: QueueState,
    n: number,
    upTo: boolean,
    op: string,
    run: RunContext | undefined,
    keys: string[],
    values: string[],
  ): [string[], string[]] | Promise<[string[], string[]]> {
    for (;;) {
      if (keys.length === n) return [keys, values];
      if (!this.inProgress) {
        const got = queue.dequeue(1, "one", op, run);
        if (got instanceof Promise)
          return got.then((ts) => {
            this.start(ts[0], op);
            return this.readLocked(queue, n, upTo, op, run, keys, values);
          });
        this.start(got[0], op);
      }
      const rec = this.source!.next();
      if (rec) {
        keys.push(rec[0]);
        values.push(rec[1]);
        this.produced++;
        continue;
      }
      this.finishWork();
      if (upTo && keys.length > 0) return [keys, values];
    }
  }

  /** Starts a work unit dequeued from the queue: a one-element string tuple. */
  private start(t: NDArray[], op: string): void {
    if (t.length !== 1) throw new InvalidArgumentError(`${op}: Expected single component queue`);
    if (t[0].dtype !== "string")
      throw new InvalidArgumentError(`${op}: Expected queue with single string component`);
    if (t[0].size !== 1)
      throw new InvalidArgumentError(`${op}: Expected to dequeue a one-element string tensor`);
    this.source = this.open(t[0].data[0] as string, op);
    this.workStarted++;
  }

  private finishWork(): void {
    this.source?.close();
    this.source = null;
    this.workFinished = this.workStarted;
  }

  /** Back to the start: no work in progress, counts at zero. */
  reset(): void {
    this.source?.close();
    this.source = null;
    this.workStarted = 0;
    this.workFinished = 0;
    this.produced = 0;
  }
}

const readerKernel = (open: (node: NodeInfo, env: KernelEnv) => Opener) => {
  return (node: NodeInfo, env: KernelEnv) => {
    const a = node.attrs;
    const shared = (a.shared_name as string) || node.name;
    const key = `reader:${(a.container as string) || ""}/${shared}`;
    const opener = open(node, env);
    return (): Value[] => {
      let r = env.resources.get(key) as ReaderState | undefined;
      if (!r) env.resources.set(key, (r = new ReaderState(shared, opener)));
      return [new ResourceHandle("Reader", shared, r)];
    };
  };
};

/** Records of a sequential file reader, keyed "<file>:<position>". */
function fileSource(
  reader: { next(): Uint8Array | null; close(): void },
  key: () => string,
): RecordSource {
  return {
    next() {
      const k = key();
      const r = reader.next();
      return r === null ? null : [`${k}`, bytesString(r)];
    },
    close: () => reader.close(),
  };
}

cpuBackend.registerAll(
  ["TFRecordReaderV2", "TFRecordReader"],
  readerKernel((node, env) => {
    const compression = checkCompression(node.attrs.compression_type as string, node.name);
    return (file, op) => {
      checkPath(env, op, file, "read");
      const r = new TFRecordFileReader(file, { compression });
      // The key is the offset where the record starts.
      return fileSource(r, () => `${file}:${r.offset}`);
    };
  }),
);

cpuBackend.registerAll(
  ["TextLineReaderV2", "TextLineReader"],
  readerKernel((node, env) => {
    const skip = node.attrs.skip_header_lines as number;
    return (file, op) => {
      checkPath(env, op, file, "read");
      const r = new TextLineFileReader(file, { skipHeaderLines: skip });
      let line = "";
      return {
        next() {
          const v = r.next();
          line = `${file}:${r.lineNumber}`; // 1-based, header lines counted (as TF)
          return v === null ? null : [line, bytesString(v)];
        },
        close: () => r.close(),
      };
    };
  }),
);

cpuBackend.registerAll(
  ["FixedLengthRecordReaderV2", "FixedLengthRecordReader"],
  readerKernel((node, env) => {
    const a = node.attrs;
    const options = {
      recordBytes: a.record_bytes as number,
      headerBytes: a.header_bytes as number,
      footerBytes: a.footer_bytes as number,
      hopBytes: a.hop_bytes as number,
      compression: checkCompression(a.encoding as string, node.name),
    };
    return (file, op) => {
      checkPath(env, op, file, "read");
      const r = new FixedLengthRecordFileReader(file, options);
      return fileSource(r, () => `${file}:${r.recordsProduced}`); // 0-based record number
    };
  }),
);

/** One record per work unit, from `value(work)`. */
const single =
  (value: (work: string, op: string) => string): Opener =>
  (work, op) => {
    let done = false;
    return {
      next() {
        if (done) return null;
        done = true;
        return [work, value(work, op)];
      },
      close() {},
    };
  };

cpuBackend.registerAll(
  ["WholeFileReaderV2", "WholeFileReader"],
  readerKernel((_node, env) =>
    single((file, op) => {
      checkPath(env, op, file, "read");
      return fsCall(file, "reading", () => fs.readFileSync(file)).toString("latin1");
    }),
  ),
);
cpuBackend.registerAll(
  ["IdentityReaderV2", "IdentityReader"],
  readerKernel(() => single((work) => work)),
);

function readerOf(v: Value, op: string): ReaderState {
  if (!(v instanceof ResourceHandle) || v.kind !== "Reader")
    throw new InvalidArgumentError(`${op}: expects a reader handle`);
  return v.state as ReaderState;
}

const strings = (xs: string[]) => new NDArray("string", [xs.length], xs);

cpuBackend.registerAll(["ReaderReadV2", "ReaderRead"], (node) => (inputs) => {
  const run = currentRun();
  const r = readerOf(inputs[0], node.type).read(
    queueOf(inputs[1], node.type),
    1,
    false,
    node.type,
    run,
  );
  const out = ([k, v]: [string[], string[]]): Value[] => [
    new NDArray("string", [], k),
    new NDArray("string", [], v),
  ];
  return r instanceof Promise ? r.then(out) : out(r);
});

cpuBackend.registerAll(["ReaderReadUpToV2", "ReaderReadUpTo"], (node) => (inputs) => {
  const run = currentRun();
  const n = Number(arr(inputs[2]).data[0]);
  if (!(n > 0))
    throw new InvalidArgumentError(`${node.type}: num_records must be greater than zero, got ${n}`);
  const r = readerOf(inputs[0], node.type).read(
    queueOf(inputs[1], node.type),
    n,
    true,
    node.type,
    run,
  );
  const out = ([k, v]: [string[], string[]]): Value[] => [strings(k), strings(v)];
  return r instanceof Promise ? r.then(out) : out(r);
});

cpuBackend.registerAll(
  ["ReaderNumRecordsProducedV2", "ReaderNumRecordsProduced"],
  (node) => (inputs) => [
    new NDArray("int64", [], [BigInt(readerOf(inputs[0], node.type).produced)]),
  ],
);
cpuBackend.registerAll(
  ["ReaderNumWorkUnitsCompletedV2", "ReaderNumWorkUnitsCompleted"],
  (node) => (inputs) => [
    new NDArray("int64", [], [BigInt(readerOf(inputs[0], node.type).workFinished)]),
  ],
);
cpuBackend.registerAll(["ReaderResetV2", "ReaderReset"], (node) => (inputs) => {
  readerOf(inputs[0], node.type).reset();
  return [];
});
