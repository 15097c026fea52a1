// The fuzz targets by name, with the source files whose coverage guides each (instrumented with
// istanbul; everything else runs uninstrumented). Kept apart from the targets themselves so that
// the supervisor (run.ts) does not load the library.
export interface TargetInfo {
  name: string;
  what: string;
  instrument: RegExp[];
}

const IMPORT =
  /^src\/(io\/(graph_def|node_def|tensor_proto|import_checks|function_library)|framework\/(graph|shape_inference|tensor_shape|op_registry|memory_limit|ndarray))\.ts$/;

export const TARGETS: TargetInfo[] = [
  {
    name: "graphdef",
    what: "binary GraphDef → parse + tf.importGraphDef",
    instrument: [IMPORT, /^src\/io\/proto\/decode\.ts$/],
  },
  {
    name: "pbtxt",
    what: "text-format GraphDef / MetaGraphDef / SavedModel → parseTextFormat",
    instrument: [/^src\/io\/text_format\.ts$/],
  },
  {
    name: "metagraph",
    what: "binary MetaGraphDef → tf.train.importMetaGraph",
    instrument: [
      IMPORT,
      /^src\/io\/meta_graph\.ts$/,
      /^src\/train\/(import_meta_graph|saver)\.ts$/,
    ],
  },
  {
    name: "savedmodel",
    what: "saved_model.pb bytes (in /dev/shm) → tf.savedModel.load, variables restored, init op run",
    instrument: [
      IMPORT,
      /^src\/io\/(saved_model|meta_graph)\.ts$/,
      /^src\/train\/import_meta_graph\.ts$/,
    ],
  },
  {
    name: "checkpoint",
    what: "checkpoint .index + .data (in /dev/shm) → list, shapes, read every tensor",
    instrument: [/^src\/io\/checkpoint\/(bundle|table|snappy|reader|tensor_slices|crc32c)\.ts$/],
  },
  {
    name: "tfrecord",
    what: "TFRecord file bytes (in /dev/shm) → tf.data.TFRecordDataset-style reading of every record",
    instrument: [/^src\/io\/(tfrecord|file_stream|inflate)\.ts$/],
  },
  {
    name: "events",
    what: "event file bytes (in /dev/shm) → the event-file reader (TFRecord of Event)",
    instrument: [/^src\/summary\/event_file\.ts$/, /^src\/io\/(tfrecord|file_stream)\.ts$/],
  },
  {
    name: "feeds",
    what: "sess.run on a fixed graph with random feeds (names, dtypes, shapes, values) and fetches",
    instrument: [
      /^src\/runtime\/(feeds|fetches|session|plan|static_plan|plan_support)\.ts$/,
      /^src\/framework\/ndarray\.ts$/,
    ],
  },
  {
    name: "kernels",
    what: "every native kernel through the public API, random shapes and attrs, native vs cpu-ts",
    instrument: [
      /^src\/backends\/native\/kernels\.ts$/,
      /^src\/framework\/(shape_inference|window_rules)\.ts$/,
    ],
  },
];

export function targetInfo(name: string): TargetInfo | undefined {
  return TARGETS.find((t) => t.name === name);
}
