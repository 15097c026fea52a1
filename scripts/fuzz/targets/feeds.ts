// sess.run on a fixed graph with random feeds and fetches: the input chooses how many feeds, each
// one's key (placeholders, other tensors, bad names), its value (NDArrays of any dtype and shape,
// nested and ragged arrays, typed arrays, scalars, strings, junk) and which tensors to fetch.
// The graph's ops take their shapes and sizes from the feeds (range, fill, oneHot, reshape,
// gather, tile), and the session's memory limit is 64 MB, so size checks are exercised too.
import * as tf from "../../../src/index.js";
import { defineTarget } from "../target.js";
import { Provider } from "./provider.js";

let state: { sess: tf.Session; names: string[]; fetchable: string[] } | undefined;

function setup() {
  const g = new tf.Graph();
  const fetchable = g.asDefault(() => {
    const a = tf.placeholder("float32", [null, 3], "a");
    const b = tf.placeholder("int32", [], "b");
    const c = tf.placeholder("string", [2], "c");
    const d = tf.placeholder("bool", undefined, "d");
    const e = tf.placeholder("int64", [null], "e");
    const f = tf.placeholder("float64", undefined, "f");
    const u = tf.placeholder("uint8", [2, 2], "u");
    const w = tf.placeholderWithDefault(tf.constant([1, 2], { dtype: "int32" }), [null], "w");
    const v = new tf.Variable(tf.zeros([3]), { name: "v" });
    const outs = [
      tf.reduceSum(a, 1, false, "sa"),
      tf.matmul(a, tf.ones([3, 2]), { name: "mm" }),
      tf.range(0, b, 1, { name: "rb" }),
      tf.stringJoin([c, tf.constant("x")], { name: "cj" }),
      tf.logicalNot(d, "nd"),
      tf.gather(tf.constant([10, 20, 30]), e, { name: "ge" }),
      tf.add(f, tf.constant(1, { dtype: "float64" }), "ff"),
      tf.reshape(f, tf.cast(e, "int32"), "rs"),
      tf.fill(tf.reshape(b, [1]), 1.5, "fl"),
      tf.oneHot(tf.cast(e, "int32"), b, { name: "oh" }),
      tf.tile(w, tf.reshape(b, [1]), "tw"),
      tf.cast(u, "float32", "cu"),
      v.assign(tf.reduceSum(a, 0), { name: "va" }),
      tf.identity(v, "vr"),
    ];
    return outs.map((t) => ("name" in t ? t.name : String(t)));
  });
  const sess = new tf.Session({ graph: g, config: { memoryLimitBytes: 64 << 20 } });
  const names = [
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "u",
    "w",
    "a:0",
    "b:0",
    "sa:0",
    "mm:0",
    "v",
    "v:0",
    "rb:0",
    "a:1",
    "nosuch:0",
    "",
    "^a",
    "a:-1",
    "a:x",
  ];
  state = { sess, names, fetchable: [...fetchable, "v:0", "nosuch:0", "a", "mm:1", "^va"] };
  return state;
}

const DTYPES: tf.DType[] = ["float32", "float64", "int32", "int64", "uint8", "bool", "string"];

function value(p: Provider): unknown {
  switch (p.int(0, 7)) {
    case 0:
    case 1: {
      // An NDArray of a chosen dtype and shape (its data the right length, or not).
      const dtype = p.pick(DTYPES);
      const shape = Array.from({ length: p.int(0, 3) }, () => p.dim());
      const size = shape.reduce((x, y) => x * y, 1);
      const n = size >= 0 && size <= 64 && !p.bool() ? size : p.int(0, 4);
      const data = Array.from({ length: n }, () =>
        dtype === "string" ? String(p.num()) : dtype === "bool" ? p.bool() : p.num(),
      );
      return new tf.NDArray(dtype, shape, data as never);
    }
    case 2: {
      // Nested arrays, sometimes ragged.
      const rows = p.int(0, 3);
      const cols = p.int(0, 4);
      return Array.from({ length: rows }, () =>
        Array.from({ length: p.bool() ? cols : p.int(0, 4) }, () => p.num()),
      );
    }
    case 3:
      return p.num();
    case 4:
      return p.pick([
        new Float32Array(p.int(0, 6)),
        new Int32Array(p.int(0, 3)),
        new Float64Array(2),
        new Uint8Array(4),
        new BigInt64Array(2),
      ]);
    case 5:
      return p.bool() ? "s" : ["ab", "", "c"].slice(0, p.int(0, 3));
    case 6:
      return p.bool();
    default:
      return p.pick([
        null,
        undefined,
        {},
        { values: [1] },
        [[1], 2],
        [true, 1],
        Number.NaN,
        [[[]]],
      ]);
  }
}

export async function runFeeds(data: Uint8Array): Promise<void> {
  const s = state ?? setup();
  const p = new Provider(data);
  const feeds = new Map<string, unknown>();
  for (let n = p.int(0, 4); n > 0; n--) feeds.set(p.pick(s.names), value(p));
  const fetches = Array.from({ length: 1 + p.int(0, 2) }, () => p.pick(s.fetchable));
  const asObject = p.bool();
  const feedArg = (asObject ? Object.fromEntries(feeds) : feeds) as tf.Feeds;
  await s.sess.run(fetches.length === 1 ? fetches[0]! : fetches, feedArg);
}

export default defineTarget({
  name: "feeds",
  maxLen: 256,
  seeds: () => [
    // a: 2x3 float NDArray, fetch sa
    Uint8Array.of(1, 0, 0, 0, 2, 2, 3, 0, 1, 2, 3, 4, 5, 6, 1, 0),
    Uint8Array.of(2, 1, 2, 3, 10, 0, 2, 5, 3, 4, 0, 1),
    Uint8Array.of(1, 4, 3, 12, 2, 1, 1),
  ],
  run: runFeeds,
});
