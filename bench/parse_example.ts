// ParseExample throughput: batches of serialized tf.train.Examples holding 784 floats (an image)
// and an int64 label, parsed into a [batch, 784] float tensor and a [batch] label, in examples/s.
// Alone: npx tsx bench/parse_example.ts
import { pathToFileURL } from "node:url";
import * as tf from "../src/index.js";
import { measure, printTable, type Row } from "./harness.js";

function serializedExamples(count: number): string[] {
  const { train } = tf;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const pixels = Array.from({ length: 784 }, (_, j) => ((i * 31 + j * 7) % 256) / 255);
    out.push(
      train.serializeToString(
        train.Example({
          features: train.Features({
            feature: {
              image: train.Feature({ floatList: train.FloatList({ value: pixels }) }),
              label: train.Feature({ int64List: train.Int64List({ value: [i % 10] }) }),
            },
          }),
        }),
      ),
    );
  }
  return out;
}

export async function parseExampleBench(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const batch of [32, 256]) {
    const g = new tf.Graph();
    const { input, image, label } = g.asDefault(() => {
      const input = tf.placeholder("string", [null], "serialized");
      const parsed = tf.io.parseExample(input, {
        image: tf.io.fixedLenFeature([784], "float32"),
        label: tf.io.fixedLenFeature([], "int64"),
      });
      return { input, image: parsed.image as tf.Tensor, label: parsed.label as tf.Tensor };
    });
    const sess = new tf.Session({ graph: g });
    const examples = serializedExamples(batch);
    const feeds: [tf.Tensor, string[]][] = [[input, examples]];
    const m = await measure(() => sess.runSync([image, label], feeds), {
      minMs: 1000,
    });
    rows.push({
      name: `ParseExample, batches of ${batch} Examples of 784 floats + int64 label (runSync)`,
      value: (batch * 1000) / m.ms,
      unit: "examples/s",
    });
    sess.close();
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable("tf.train.Example parsing", await parseExampleBench());
}
