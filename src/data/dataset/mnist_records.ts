// MNIST-style images as TFRecords of tf.train.Example (as TF's convert_to_records.py writes them:
// "image_raw" the 28x28 uint8 pixels as bytes, "label" an int64), and the tf.data pipeline that
// reads them back: TFRecordDataset → map(parse) → shuffle → batch → prefetch. Used by
// examples/fashion_mnist.ts --input tfrecord and bench/pipeline.ts.
import * as fs from "node:fs";
import { stringBytes } from "../../framework/bytes.js";
import type { Tensor } from "../../framework/graph.js";
import { TFRecordFileWriter } from "../../io/tfrecord.js";
import { cast, div } from "../../ops/math.js";
import { decodeRaw, fixedLenFeature, parseSingleExample } from "../../ops/ns_io.js";
import {
  BytesList,
  Example,
  Feature,
  Features,
  Int64List,
  serializeToString,
} from "../../train/example.js";
import type { Dataset } from "./dataset.js";
import { TFRecordDataset } from "./readers.js";

/**
 * Writes `labels.length` images (`pixels` floats each, in [0, 1]) to `file` as Examples, unless
 * the file exists already (written by an earlier run). Returns whether it wrote.
 */
export function writeImageRecords(
  file: string,
  images: Float32Array,
  labels: Int32Array,
  pixels: number,
): boolean {
  if (fs.existsSync(file)) return false;
  const tmp = `${file}.tmp-${process.pid}`;
  const w = new TFRecordFileWriter(tmp);
  const raw = new Uint8Array(pixels);
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < pixels; j++) raw[j] = Math.round(images[i * pixels + j] * 255);
    const example = Example({
      features: Features({
        feature: {
          image_raw: Feature({ bytesList: BytesList({ value: [raw] }) }),
          label: Feature({ int64List: Int64List({ value: [labels[i]] }) }),
        },
      }),
    });
    w.write(stringBytes(serializeToString(example)));
  }
  w.close();
  fs.renameSync(tmp, file);
  return true;
}

/** One record parsed: the image as `pixels` float32 in [0, 1] and the label as int32. */
export function parseImageRecord(pixels: number) {
  return (record: Tensor): { image: Tensor; label: Tensor } => {
    const f = parseSingleExample(record, {
      image_raw: fixedLenFeature([], "string"),
      label: fixedLenFeature([], "int64"),
    }) as Record<string, Tensor>;
    const image = div(cast(decodeRaw(f.image_raw, "uint8"), "float32"), 255);
    image.setShape([pixels]);
    return { image, label: cast(f.label, "int32") };
  };
}

/**
 * The training pipeline over a TFRecord file of images: parse, shuffle (a buffer of
 * `shuffleBuffer`, reshuffled each epoch), batch, repeat `epochs` times, prefetch.
 */
export function imageRecordPipeline(
  file: string,
  pixels: number,
  options: {
    batchSize: number;
    shuffleBuffer?: number;
    seed?: number;
    epochs?: number;
    /** Only the first `limit` records. */
    limit?: number;
    parallelCalls?: number;
  },
): Dataset {
  const records = TFRecordDataset(file);
  return (options.limit === undefined ? records : records.take(options.limit))
    .map(parseImageRecord(pixels), { numParallelCalls: options.parallelCalls ?? 2 })
    .shuffle(options.shuffleBuffer ?? 10_000, { seed: options.seed })
    .batch(options.batchSize, { dropRemainder: true })
    .repeat(options.epochs ?? -1)
    .prefetch(2);
}
