/**
 * Event files for the board's tests and its screenshot: Events built from TF's protos and framed
 * as TFRecords, so the board reads exactly what TensorFlow (or tf.summary.FileWriter) writes.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { create } from "@bufbuild/protobuf";
import { encode as encodePng } from "fast-png";
import {
  AttrValue_ListValueSchema,
  AttrValueSchema,
  DataType,
  DeviceStepStatsSchema,
  type Event,
  EventSchema,
  encodeProto,
  GraphDefSchema,
  HistogramProtoSchema,
  NodeDefSchema,
  NodeExecStatsSchema,
  NodeOutputSchema,
  RunMetadataSchema,
  StepStatsSchema,
  Summary_AudioSchema,
  Summary_ImageSchema,
  Summary_ValueSchema,
  SummaryMetadata_PluginDataSchema,
  SummaryMetadataSchema,
  SummarySchema,
  TaggedRunMetadataSchema,
  TensorDescriptionSchema,
  TensorProtoSchema,
  TensorShapeProto_DimSchema,
  TensorShapeProtoSchema,
} from "../io/proto/index.js";
import { frameRecord } from "../io/tfrecord.js";
import { encodeWav } from "../summary/wav.js";

type EventInit = Parameters<typeof create<typeof EventSchema>>[1];

export const event = (init: EventInit): Event => create(EventSchema, init);

/** One framed record holding the Event. */
export const eventRecord = (e: Event): Uint8Array => frameRecord(encodeProto(EventSchema, e));

/** Writes (or appends) Events as a TFRecord event file. */
export function writeEvents(path: string, events: Event[], append = false): void {
  mkdirSync(dirname(path), { recursive: true });
  const bytes = Buffer.concat(events.map(eventRecord));
  if (append) appendFileSync(path, bytes);
  else writeFileSync(path, bytes);
}

export const fileVersion = (wallTime = 1_700_000_000): Event =>
  event({ wallTime, what: { case: "fileVersion", value: "brain.Event:2" } });

/** A TF1 scalar summary (simple_value). */
export function scalarEvent(
  tag: string,
  step: number,
  value: number,
  wallTime = 1_700_000_000 + step,
): Event {
  return event({
    wallTime,
    step: BigInt(step),
    what: {
      case: "summary",
      value: create(SummarySchema, {
        value: [create(Summary_ValueSchema, { tag, value: { case: "simpleValue", value } })],
      }),
    },
  });
}

/** A TF2 scalar: a float tensor with the "scalars" plugin. */
export function tensorScalarEvent(tag: string, step: number, value: number): Event {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return summaryValueEvent(step, {
    tag,
    metadata: pluginMetadata("scalars"),
    value: {
      case: "tensor",
      value: create(TensorProtoSchema, {
        dtype: DataType.DT_FLOAT,
        tensorShape: {},
        tensorContent: bytes,
      }),
    },
  });
}

function pluginMetadata(pluginName: string) {
  return create(SummaryMetadataSchema, {
    pluginData: create(SummaryMetadata_PluginDataSchema, { pluginName }),
  });
}

function summaryValueEvent(
  step: number,
  v: Parameters<typeof create<typeof Summary_ValueSchema>>[1],
): Event {
  return event({
    wallTime: 1_700_000_000 + step,
    step: BigInt(step),
    what: {
      case: "summary",
      value: create(SummarySchema, { value: [create(Summary_ValueSchema, v)] }),
    },
  });
}

/** A TF1 histogram of explicit buckets: limits[i] is bucket i's right edge. */
export function histogramEvent(
  tag: string,
  step: number,
  limits: number[],
  counts: number[],
  min: number,
  max: number,
): Event {
  const num = counts.reduce((a, b) => a + b, 0);
  return summaryValueEvent(step, {
    tag,
    value: {
      case: "histo",
      value: create(HistogramProtoSchema, {
        min,
        max,
        num,
        sum: 0,
        sumSquares: 0,
        bucketLimit: limits,
        bucket: counts,
      }),
    },
  });
}

/** An RGB PNG of `width`×`height`, each pixel `color(x, y)`. */
export function png(
  width: number,
  height: number,
  color: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(color(x, y), (y * width + x) * 3);
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}

export function imageEvent(
  tag: string,
  step: number,
  bytes: Uint8Array,
  width: number,
  height: number,
): Event {
  return summaryValueEvent(step, {
    tag,
    value: {
      case: "image",
      value: create(Summary_ImageSchema, {
        width,
        height,
        colorspace: 3,
        encodedImageString: bytes,
      }),
    },
  });
}

/** An audio clip: `frames` mono samples of a sine at `hz`, as a WAV (AudioSummaryV2's encoding). */
export function audioEvent(
  tag: string,
  step: number,
  sampleRate: number,
  frames: number,
  hz: number,
): Event {
  const samples = Array.from(
    { length: frames },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate),
  );
  return summaryValueEvent(step, {
    tag,
    value: {
      case: "audio",
      value: create(Summary_AudioSchema, {
        sampleRate,
        numChannels: 1n,
        lengthFrames: BigInt(frames),
        encodedAudioString: encodeWav(samples, sampleRate, 1, frames),
        contentType: "audio/wav",
      }),
    },
  });
}

/** A text summary as TF writes it: a string tensor with the "text" plugin. */
export function textEvent(tag: string, step: number, text: string): Event {
  return summaryValueEvent(step, {
    tag,
    metadata: pluginMetadata("text"),
    value: {
      case: "tensor",
      value: create(TensorProtoSchema, {
        dtype: DataType.DT_STRING,
        tensorShape: {},
        stringVal: [new TextEncoder().encode(text)],
      }),
    },
  });
}

const shapeProto = (dims: number[]) =>
  create(TensorShapeProtoSchema, {
    dim: dims.map((d) => create(TensorShapeProto_DimSchema, { size: BigInt(d) })),
  });

export interface FixtureNode {
  name: string;
  op: string;
  inputs?: string[];
  device?: string;
  dtype?: DataType;
  shape?: number[];
}

/** A GraphDef event; each node gets `T`/`dtype` and `_output_shapes` attrs when given. */
export function graphEvent(nodes: FixtureNode[]): Event {
  const gd = create(GraphDefSchema, {
    node: nodes.map((n) =>
      create(NodeDefSchema, {
        name: n.name,
        op: n.op,
        input: n.inputs ?? [],
        device: n.device ?? "",
        attr: {
          ...(n.dtype !== undefined
            ? { T: create(AttrValueSchema, { value: { case: "type", value: n.dtype } }) }
            : {}),
          ...(n.shape
            ? {
                _output_shapes: create(AttrValueSchema, {
                  value: {
                    case: "list",
                    value: create(AttrValue_ListValueSchema, { shape: [shapeProto(n.shape)] }),
                  },
                }),
              }
            : {}),
        },
      }),
    ),
  });
  return event({
    wallTime: 1_700_000_000,
    what: { case: "graphDef", value: encodeProto(GraphDefSchema, gd) },
  });
}

/** A TaggedRunMetadata event whose StepStats has these nodes (times in microseconds). */
export function runMetadataEvent(
  tag: string,
  step: number,
  device: string,
  nodes: { name: string; op: string; start: number; duration: number; shape?: number[] }[],
): Event {
  const t0 = 1_700_000_000_000_000;
  const md = create(RunMetadataSchema, {
    stepStats: create(StepStatsSchema, {
      devStats: [
        create(DeviceStepStatsSchema, {
          device,
          nodeStats: nodes.map((n) =>
            create(NodeExecStatsSchema, {
              nodeName: n.name,
              allStartMicros: BigInt(t0 + n.start),
              opStartRelMicros: 0n,
              opEndRelMicros: BigInt(n.duration),
              allEndRelMicros: BigInt(n.duration),
              timelineLabel: `${n.name} = ${n.op}()`,
              output: n.shape
                ? [
                    create(NodeOutputSchema, {
                      slot: 0,
                      tensorDescription: create(TensorDescriptionSchema, {
                        dtype: DataType.DT_FLOAT,
                        shape: shapeProto(n.shape),
                      }),
                    }),
                  ]
                : [],
            }),
          ),
        }),
      ],
    }),
  });
  return event({
    wallTime: 1_700_000_000 + step,
    step: BigInt(step),
    what: {
      case: "taggedRunMetadata",
      value: create(TaggedRunMetadataSchema, {
        tag,
        runMetadata: encodeProto(RunMetadataSchema, md),
      }),
    },
  });
}
