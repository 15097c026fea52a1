/**
 * The board's HTTP JSON API: what each `/data/...` route answers. Shared by the server and the
 * page (types only, so the page's bundle takes nothing else from the server).
 * Steps are numbers (TF's int64 steps stay far below 2^53); wall times are seconds since the epoch.
 */

/** A file the board could not read to its end, and why. */
export interface FileProblem {
  run: string;
  /** The file's path relative to the logdir. */
  file: string;
  /** "corrupt": a CRC or an Event that does not parse; "incomplete": cut short (or still being written). */
  kind: "corrupt" | "incomplete";
  /** Byte offset of the first record that could not be read. */
  offset: number;
  message: string;
}

export interface RunTags {
  scalars: string[];
  histograms: string[];
  images: string[];
  audio: string[];
  text: string[];
  /** Tags of TaggedRunMetadata events (traces). */
  runMetadata: string[];
}

export interface RunInfo {
  /** The run's directory relative to the logdir ("." for the logdir itself), as TensorBoard names runs. */
  name: string;
  /** Its event files, relative to the logdir. */
  files: string[];
  tags: RunTags;
  /** Whether a GraphDef (or a MetaGraphDef's) was written. */
  graph: boolean;
}

/** GET /data/runs */
export interface RunsResponse {
  /** Goes up each time the board reads new data from the logdir (the page polls it). */
  generation: number;
  runs: RunInfo[];
  problems: FileProblem[];
}

export interface ScalarPoint {
  step: number;
  wallTime: number;
  value: number;
}

/** [left edge, right edge, count] */
export type HistogramBucket = [number, number, number];

export interface HistogramStep {
  step: number;
  wallTime: number;
  min: number;
  max: number;
  num: number;
  sum: number;
  buckets: HistogramBucket[];
}

/** An image or audio clip: its bytes are at GET /data/blob?run=&tag=&index=. */
export interface BlobEntry {
  step: number;
  wallTime: number;
  index: number;
  /** MIME type of the bytes ("image/png", "audio/wav"). */
  contentType: string;
  width?: number;
  height?: number;
  /** For audio: sample rate (Hz) and length in frames. */
  sampleRate?: number;
  lengthFrames?: number;
}

export interface TextEntry {
  step: number;
  wallTime: number;
  text: string;
}

/** GET /data/{scalars,histograms,images,audio,text}?run=&tag= */
export interface SeriesResponse<T> {
  run: string;
  tag: string;
  entries: T[];
}

export interface GraphNodeInfo {
  name: string;
  op: string;
  device: string;
  /** Input names as the GraphDef has them ("x", "y:1", "^dep"). */
  inputs: string[];
  /** Attributes as short text (the type, the shape, the value). */
  attrs: Record<string, string>;
  /** Output shapes, from the `_output_shapes` attribute when the writer added it. */
  outputShapes: string[];
}

/** GET /data/graph?run= */
export interface GraphResponse {
  run: string;
  nodes: GraphNodeInfo[];
}

export interface TraceNodeInfo {
  name: string;
  op: string;
  /** Start and end in microseconds from the step's first start. */
  start: number;
  end: number;
  label: string;
  /** Output shapes and sizes as text, e.g. "float32[2,3] 24 B". */
  outputs: string[];
  thread: number;
}

/** GET /data/trace?run=&tag= */
export interface TraceResponse {
  run: string;
  tag: string;
  step: number;
  devices: { device: string; nodes: TraceNodeInfo[] }[];
}

export type Plugin = "scalars" | "histograms" | "images" | "audio" | "text";
