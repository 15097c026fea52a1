/**
 * What one run's events hold, sorted by kind and tag: the store the board's API answers from.
 * Summaries are read as TensorBoard reads them: TF1's typed values (simple_value, histo, image,
 * audio) and TF2's tensor values, classified by their SummaryMetadata's plugin name (which TF2
 * writers send only with a tag's first value, so it is remembered per tag).
 */
import type { Event, HistogramProto, Summary_Value, TensorProto } from "../io/proto/index.js";
import { DataType } from "../io/proto/index.js";
import type {
  BlobEntry,
  HistogramBucket,
  HistogramStep,
  ScalarPoint,
  TextEntry,
} from "./api_types.js";

/** At most this many points per scalar tag; past it every other point is dropped. */
export const MAX_SCALARS_PER_TAG = 10_000;
/** At most this many histograms or texts per tag (the oldest go first). */
export const MAX_ENTRIES_PER_TAG = 500;
/** At most this many images or audio clips per tag (their bytes stay in memory). */
export const MAX_BLOBS_PER_TAG = 100;

export interface Blob extends BlobEntry {
  bytes: Uint8Array;
}

const utf8 = new TextDecoder();

/** "image/png", "image/jpeg", "image/gif", by the bytes' signature. */
export function imageType(b: Uint8Array): string {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8) return "image/jpeg";
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return "image/gif";
  if (b[0] === 0x42 && b[1] === 0x4d) return "image/bmp";
  return "application/octet-stream";
}

/** A histogram's non-empty buckets as [left, right, count] (TF's first bucket starts at -DBL_MAX: `min` stands in). */
export function histogramBuckets(h: HistogramProto): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  for (let i = 0; i < h.bucket.length; i++) {
    if (h.bucket[i] === 0) continue;
    const left = i === 0 ? h.min : h.bucketLimit[i - 1];
    const right = h.bucketLimit[i] ?? h.max;
    out.push([Math.max(left, h.min), Math.min(right, h.max), h.bucket[i]]);
  }
  return out;
}

/** Numbers of a numeric TensorProto (float, double, ints), from tensor_content or the typed lists. */
function tensorNumbers(t: TensorProto): number[] {
  const c = t.tensorContent;
  if (c.length > 0) {
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const out: number[] = [];
    const width =
      t.dtype === DataType.DT_DOUBLE || t.dtype === DataType.DT_INT64
        ? 8
        : t.dtype === DataType.DT_HALF
          ? 2
          : 4;
    for (let i = 0; i + width <= c.length; i += width) {
      if (t.dtype === DataType.DT_DOUBLE) out.push(view.getFloat64(i, true));
      else if (t.dtype === DataType.DT_FLOAT) out.push(view.getFloat32(i, true));
      else if (t.dtype === DataType.DT_INT32) out.push(view.getInt32(i, true));
      else if (t.dtype === DataType.DT_INT64) out.push(Number(view.getBigInt64(i, true)));
      else return [];
    }
    return out;
  }
  if (t.floatVal.length) return [...t.floatVal];
  if (t.doubleVal.length) return [...t.doubleVal];
  if (t.intVal.length) return [...t.intVal];
  if (t.int64Val.length) return t.int64Val.map(Number);
  return [];
}

const dims = (t: TensorProto) => (t.tensorShape?.dim ?? []).map((d) => Number(d.size));

/** One run's data, filled event by event. */
export class RunData {
  readonly scalars = new Map<string, ScalarPoint[]>();
  readonly histograms = new Map<string, HistogramStep[]>();
  readonly images = new Map<string, Blob[]>();
  readonly audio = new Map<string, Blob[]>();
  readonly text = new Map<string, TextEntry[]>();
  /** The latest tagged RunMetadata per tag (serialized RunMetadata). */
  readonly runMetadata = new Map<string, { step: number; wallTime: number; bytes: Uint8Array }>();
  /** The latest serialized GraphDef, and whether it came inside a MetaGraphDef. */
  graph: { bytes: Uint8Array; meta: boolean } | undefined;
  /** Plugin name per tag, from the first value that carried SummaryMetadata. */
  private readonly plugins = new Map<string, string>();
  private nextBlob = 0;

  add(e: Event): void {
    const step = Number(e.step);
    const wallTime = e.wallTime;
    switch (e.what.case) {
      case "summary":
        for (const v of e.what.value.value) this.addValue(v, step, wallTime);
        break;
      case "graphDef":
        this.graph = { bytes: e.what.value, meta: false };
        break;
      case "metaGraphDef":
        // A GraphDef written on its own wins over one inside a MetaGraphDef (as TensorBoard).
        if (!this.graph || this.graph.meta) this.graph = { bytes: e.what.value, meta: true };
        break;
      case "taggedRunMetadata":
        this.runMetadata.set(e.what.value.tag, {
          step,
          wallTime,
          bytes: e.what.value.runMetadata,
        });
        break;
      case "sessionLog":
        // A restart from a checkpoint (SessionLog START at step s): what was written at steps >= s
        // came from the run that crashed, and is dropped, as TensorBoard does.
        if (e.what.value.status === 1 /* START */) this.purgeFrom(step);
        break;
    }
  }

  private addValue(v: Summary_Value, step: number, wallTime: number): void {
    const tag = v.tag || v.nodeName;
    const plugin = v.metadata?.pluginData?.pluginName;
    if (plugin) this.plugins.set(tag, plugin);
    switch (v.value.case) {
      case "simpleValue":
        this.addScalar(tag, { step, wallTime, value: v.value.value });
        return;
      case "histo": {
        const h = v.value.value;
        this.push(this.histograms, tag, {
          step,
          wallTime,
          min: h.min,
          max: h.max,
          num: h.num,
          sum: h.sum,
          buckets: histogramBuckets(h),
        });
        return;
      }
      case "image": {
        const im = v.value.value;
        this.addBlob(this.images, tag, im.encodedImageString, {
          step,
          wallTime,
          contentType: imageType(im.encodedImageString),
          width: im.width,
          height: im.height,
        });
        return;
      }
      case "audio": {
        const a = v.value.value;
        this.addBlob(this.audio, tag, a.encodedAudioString, {
          step,
          wallTime,
          contentType: a.contentType || "audio/wav",
          sampleRate: a.sampleRate,
          lengthFrames: Number(a.lengthFrames),
        });
        return;
      }
      case "tensor":
        this.addTensor(tag, this.plugins.get(tag), v.value.value, step, wallTime);
        return;
    }
  }

  /** TF2 summaries: a tensor whose meaning its plugin gives. */
  private addTensor(
    tag: string,
    plugin: string | undefined,
    t: TensorProto,
    step: number,
    wallTime: number,
  ): void {
    const shape = dims(t);
    if (plugin === "scalars") {
      const [value] = tensorNumbers(t);
      if (value !== undefined) this.addScalar(tag, { step, wallTime, value });
    } else if (plugin === "histograms" && shape.length === 2 && shape[1] === 3) {
      const xs = tensorNumbers(t);
      const buckets: HistogramBucket[] = [];
      for (let i = 0; i + 2 < xs.length; i += 3) buckets.push([xs[i], xs[i + 1], xs[i + 2]]);
      const nonEmpty = buckets.filter((b) => b[2] > 0);
      this.push(this.histograms, tag, {
        step,
        wallTime,
        min: nonEmpty.length ? nonEmpty[0][0] : 0,
        max: nonEmpty.length ? nonEmpty[nonEmpty.length - 1][1] : 0,
        num: buckets.reduce((s, b) => s + b[2], 0),
        sum: buckets.reduce((s, b) => s + ((b[0] + b[1]) / 2) * b[2], 0),
        buckets: nonEmpty,
      });
    } else if (plugin === "images" && t.dtype === DataType.DT_STRING && t.stringVal.length >= 2) {
      // [width, height, image, image, ...] as strings (TF2's image summary).
      const width = Number(utf8.decode(t.stringVal[0]));
      const height = Number(utf8.decode(t.stringVal[1]));
      for (const bytes of t.stringVal.slice(2))
        this.addBlob(this.images, tag, bytes, {
          step,
          wallTime,
          contentType: imageType(bytes),
          width,
          height,
        });
    } else if (plugin === "text" && t.dtype === DataType.DT_STRING) {
      const text = t.stringVal.map((b) => utf8.decode(b)).join("\n");
      this.push(this.text, tag, { step, wallTime, text });
    }
  }

  private addScalar(tag: string, p: ScalarPoint): void {
    let s = this.scalars.get(tag);
    if (!s) this.scalars.set(tag, (s = []));
    s.push(p);
    // Thin evenly (every other point) rather than forget the start of a long run.
    if (s.length > MAX_SCALARS_PER_TAG) {
      const last = s[s.length - 1];
      const kept = s.filter((_, i) => i % 2 === 0);
      if (kept[kept.length - 1] !== last) kept.push(last);
      this.scalars.set(tag, kept);
    }
  }

  private addBlob(
    into: Map<string, Blob[]>,
    tag: string,
    bytes: Uint8Array,
    entry: Omit<BlobEntry, "index">,
  ): void {
    this.push(into, tag, { ...entry, index: this.nextBlob++, bytes }, MAX_BLOBS_PER_TAG);
  }

  private push<T>(into: Map<string, T[]>, tag: string, entry: T, max = MAX_ENTRIES_PER_TAG): void {
    let s = into.get(tag);
    if (!s) into.set(tag, (s = []));
    s.push(entry);
    if (s.length > max) s.shift();
  }

  private purgeFrom(step: number): void {
    for (const m of [this.scalars, this.histograms, this.images, this.audio, this.text] as Map<
      string,
      { step: number }[]
    >[]) {
      for (const [tag, entries] of m)
        m.set(
          tag,
          entries.filter((e) => e.step < step),
        );
    }
  }

  /** The blob (image or audio clip) with this index, if still kept. */
  blob(tag: string, index: number): Blob | undefined {
    return (
      this.images.get(tag)?.find((b) => b.index === index) ??
      this.audio.get(tag)?.find((b) => b.index === index)
    );
  }
}
