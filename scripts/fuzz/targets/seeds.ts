// Seed inputs shared by the targets: TensorFlow's own files (test/fixtures/tf, copied from
// ../shared/tf-artifacts, see its README) and small graphs built with our own API (dense layers
// with gradients and an optimizer, convolutions, control flow, strings, functions), written by
// our own exporters.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setRunMemoryLimit } from "../../../src/framework/memory_limit.js";
import * as tf from "../../../src/index.js";
import { graphToGraphDef } from "../../../src/io/graph_def.js";
import { encodeProto, GraphDefSchema, MetaGraphDefSchema } from "../../../src/io/proto/index.js";

export const ROOT = join(import.meta.dirname, "..", "..", "..");
export const FIXTURES = join(ROOT, "test", "fixtures", "tf");

/** Where scratch files go: /dev/shm (memory) where there is one, else the OS's temp directory. */
export const SCRATCH_ROOT = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/** A scratch directory of this process in SCRATCH_ROOT, emptied on first use. */
export function scratch(sub: string): string {
  const dir = join(SCRATCH_ROOT, `tgfuzz-${process.pid}`, sub);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The fixture files whose path (under test/fixtures/tf) matches `re`. */
export function fixtures(re: RegExp): Uint8Array[] {
  const out: Uint8Array[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (re.test(p.slice(FIXTURES.length + 1))) out.push(new Uint8Array(readFileSync(p)));
    }
  };
  walk(FIXTURES);
  return out;
}

/** Small graphs covering the common node kinds, each built in a graph of its own. */
export function sampleGraphs(): tf.Graph[] {
  const build = (fn: () => void) => {
    const g = new tf.Graph();
    g.asDefault(fn);
    return g;
  };
  return [
    build(() => {
      // a dense layer trained by gradient descent
      const x = tf.placeholder("float32", [null, 3], "x");
      const y = tf.placeholder("float32", [null, 1], "y");
      const w = new tf.Variable(tf.zeros([3, 1]), { name: "w" });
      const b = new tf.Variable(tf.constant([0.5]), { name: "b" });
      const pred = tf.add(tf.matmul(x, w), b, "pred");
      const loss = tf.reduceMean(tf.square(tf.sub(pred, y)));
      new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { name: "train" });
      tf.globalVariablesInitializer();
    }),
    build(() => {
      // images: convolution, pooling, reshapes, one-hot labels, softmax
      const img = tf.placeholder("float32", [null, 8, 8, 1], "img");
      const f = tf.constant(new Float32Array(18).fill(0.1), { shape: [3, 3, 1, 2] });
      const c = tf.nn.conv2d(img, f, { strides: [1, 1], padding: "SAME" });
      const p = tf.nn.maxPool(c, [2, 2], [2, 2], "VALID");
      const flat = tf.reshape(p, [-1, 32]);
      const labels = tf.oneHot(tf.placeholder("int32", [null], "labels"), 32);
      tf.nn.softmaxCrossEntropyWithLogitsV2({ labels, logits: flat });
      tf.concat([flat, tf.cast(labels, "float32")], 1, "both");
      tf.gather(flat, tf.constant([0], { dtype: "int32" }), 0);
    }),
    build(() => {
      // control flow
      const n = tf.placeholder("int32", [], "n");
      const [i] = tf.whileLoop(
        (i: tf.Tensor) => tf.less(i, n),
        (i: tf.Tensor) => [tf.add(i, 1)],
        [tf.constant(0, { dtype: "int32" })],
      );
      tf.cond(
        tf.greater(i!, 3),
        () => tf.constant(1.5),
        () => tf.constant(-1.5),
      );
    }),
    build(() => {
      // strings, int64, bool, fill/tile/pad/range
      const s = tf.constant(["a", "bc"], { name: "s" });
      tf.stringJoin([s, tf.constant("!")], { separator: "-" });
      tf.fill(tf.constant([2, 3], { dtype: "int64" }), 1.5);
      tf.tile(tf.constant([[true, false]]), [2, 1]);
      tf.pad(tf.ones([2, 2]), [
        [1, 1],
        [0, 2],
      ]);
      tf.range(0, 10, 2);
    }),
  ];
}

export function graphDefBytes(g: tf.Graph): Uint8Array {
  return encodeProto(GraphDefSchema, graphToGraphDef(g));
}

/** Common words: op types, attr names, dtype names, tensor-name pieces. */
export const WORDS = [
  "Const",
  "Placeholder",
  "Identity",
  "MatMul",
  "Conv2D",
  "While",
  "Enter",
  "Exit",
  "Merge",
  "Switch",
  "NextIteration",
  "VariableV2",
  "VarHandleOp",
  "Assign",
  "SaveV2",
  "RestoreV2",
  "StatefulPartitionedCall",
  "PartitionedCall",
  "dtype",
  "value",
  "shape",
  "T",
  "N",
  "strides",
  "padding",
  "SAME",
  "VALID",
  "data_format",
  "NHWC",
  "NCHW",
  "_class",
  "loc:@",
  ":0",
  ":1",
  "^",
  "/",
  "frame_name",
  "f",
  "Tin",
  "Tout",
  "output_shapes",
];

/** MetaGraphDefs of the sample graphs (with a Saver where the graph has variables). */
export function sampleMetaGraphs(): Uint8Array[] {
  return sampleGraphs().map((g) => {
    const saver = g.asDefault(() =>
      g.getCollection(tf.GraphKeys.GLOBAL_VARIABLES).length ? new tf.train.Saver() : undefined,
    );
    return encodeProto(
      MetaGraphDefSchema,
      tf.train.exportMetaGraph(undefined, { graph: g, saver }),
    );
  });
}

/**
 * Runs `fn` with the allocation limit lowered to 64 MB (what a session's memoryLimitBytes does for
 * its runs; imports outside a run otherwise get the machine's free memory): a mutated Const of
 * 10^8 elements is then refused, not allocated, and the fuzzer keeps its pace.
 */
export async function withImportLimit<T>(fn: () => T | Promise<T>): Promise<T> {
  setRunMemoryLimit(64 << 20);
  try {
    return await fn();
  } finally {
    setRunMemoryLimit(undefined);
  }
}
