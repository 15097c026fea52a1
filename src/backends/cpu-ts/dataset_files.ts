// File datasets: TFRecordDataset, TextLineDataset, FixedLengthRecordDatasetV2. Each reads its
// files one after another, streaming (a reader holds one buffer, never a whole file), and yields
// one string scalar (bytes, see framework/bytes.ts) per record.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { FixedLengthRecordFileReader, TextLineFileReader } from "../../io/record_files.js";
import { type RecordCompression, TFRecordFileReader } from "../../io/tfrecord.js";
import { checkPath } from "../file_policy.js";
import type { KernelEnv, NodeInfo, Value } from "../kernel.js";
import {
  datasetHandle,
  type ElementIterator,
  scalarNumber,
  scalarString,
  stringList,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";

/**
 * Bytes as a byte string (framework/bytes.ts's rule), by Node's decoder: records are large and
 * many, and this is some 50 times faster than building the string from char codes.
 */
const latin1 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** What a file dataset needs of a reader: records until null. */
export interface RecordSource {
  next(): Uint8Array | string | null;
  close(): void;
}

/** A dataset over the records of `files`, each opened by `open` when the pass reaches it. */
export function fileRecordsIterator(
  files: readonly string[],
  open: (file: string) => RecordSource,
): ElementIterator {
  let k = 0;
  let reader: RecordSource | null = null;
  let done = false;
  const close = () => {
    reader?.close();
    reader = null;
  };
  return {
    next: () => {
      try {
        while (!done) {
          if (!reader) {
            if (k >= files.length) break;
            reader = open(files[k++]);
          }
          const r = reader.next();
          if (r !== null) {
            const s = typeof r === "string" ? r : latin1(r);
            return Promise.resolve([new NDArray("string", [], [s])]);
          }
          close();
        }
        done = true;
        return Promise.resolve(null);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    close: () => {
      done = true;
      close();
    },
  };
}

/** A file dataset kernel: reads its inputs, checks each file against the session's policy. */
export function fileDatasetKernel(
  read: (
    node: NodeInfo,
    inputs: Value[],
  ) => { files: string[]; open: (file: string) => RecordSource },
) {
  return (node: NodeInfo, env: KernelEnv) => (inputs: Value[]) => {
    const { files, open } = read(node, inputs);
    for (const f of files) checkPath(env, node.type, f, "read");
    return [datasetHandle({ op: node.name, iterate: () => fileRecordsIterator(files, open) })];
  };
}

/** A compression_type input: "", "GZIP" or "ZLIB". */
export function compressionOf(v: Value, op: string): RecordCompression {
  const c = scalarString(v, op, "compression_type");
  if (c !== "" && c !== "GZIP" && c !== "ZLIB")
    throw new InvalidArgumentError(
      `${op}: Unsupported compression_type: ${c} (expected "", "GZIP" or "ZLIB")`,
    );
  return c;
}

/** A buffer_size input: 0 means the reader's default. */
export function bufferSizeOf(v: Value, op: string): number | undefined {
  const n = scalarNumber(v, op, "buffer_size");
  if (n < 0) throw new InvalidArgumentError(`${op}: buffer_size must be >= 0, got ${n}`);
  return n === 0 ? undefined : n;
}

cpuBackend.register(
  "TFRecordDataset",
  fileDatasetKernel((node, inputs) => {
    const files = stringList(inputs[0], node.name, "filenames");
    const compression = compressionOf(inputs[1], node.name);
    const bufferSize = bufferSizeOf(inputs[2], node.name);
    return { files, open: (f) => new TFRecordFileReader(f, { compression, bufferSize }) };
  }),
);

cpuBackend.register(
  "TextLineDataset",
  fileDatasetKernel((node, inputs) => {
    const files = stringList(inputs[0], node.name, "filenames");
    const compression = compressionOf(inputs[1], node.name);
    const bufferSize = bufferSizeOf(inputs[2], node.name);
    // TF 1.15's TextLineDataset drops every "\r" of a line (BufferedInputStream::ReadLine).
    return {
      files,
      open: (f) => new TextLineFileReader(f, { compression, bufferSize, carriageReturns: "all" }),
    };
  }),
);

cpuBackend.register(
  "FixedLengthRecordDatasetV2",
  fileDatasetKernel((node, inputs) => {
    const files = stringList(inputs[0], node.name, "filenames");
    const [headerBytes, recordBytes, footerBytes] = [1, 2, 3].map((i) =>
      scalarNumber(inputs[i], node.name, ["header_bytes", "record_bytes", "footer_bytes"][i - 1]),
    );
    if (recordBytes <= 0)
      throw new InvalidArgumentError(`${node.name}: record_bytes must be > 0, got ${recordBytes}`);
    const bufferSize = bufferSizeOf(inputs[4], node.name);
    const compression = compressionOf(inputs[5], node.name);
    return {
      files,
      open: (f) =>
        new FixedLengthRecordFileReader(f, {
          recordBytes,
          headerBytes,
          footerBytes,
          bufferSize,
          compression,
          requireWholeRecords: true,
        }),
    };
  }),
);
