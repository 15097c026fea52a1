import { fromBinary } from "@bufbuild/protobuf";
import { decode as pngDecode } from "fast-png";
import { afterEach, describe, expect, it } from "vitest";
import { inferShapes } from "../../test/helpers.js";
import { stringBytes } from "../framework/bytes.js";
import * as tf from "../index.js";
import { type Summary, SummarySchema } from "../io/proto/index.js";
import { bucketIndex, DEFAULT_BUCKET_LIMITS } from "./histogram.js";
import { tagWarnings } from "./tags.js";

const DBL_MAX = Number.MAX_VALUE;

/** Builds in a fresh graph, runs the fetch, and decodes the Summary it returns. */
async function runSummary(
  build: () => tf.Tensor,
  feeds?: tf.Feeds,
): Promise<{ summary: Summary; op: tf.Tensor; graph: tf.Graph }> {
  const graph = new tf.Graph();
  const op = graph.asDefault(build);
  const out = await new tf.Session({ graph }).run(op, feeds);
  const s = (out.data as string[])[0];
  return { summary: fromBinary(SummarySchema, stringBytes(s)), op, graph };
}

const firstValue = (s: Summary, i = 0) => s.value[i].value;

describe("tf.summary.scalar", () => {
  it("writes one simple_value tagged with the op's scope, in the summaries collection", async () => {
    const { summary, op, graph } = await runSummary(() => tf.summary.scalar("loss", 2.5));
    expect(summary.value.length).toBe(1);
    expect(summary.value[0].tag).toBe("loss");
    expect(firstValue(summary)).toEqual({ case: "simpleValue", value: 2.5 });
    expect(op.op.type).toBe("ScalarSummary");
    expect(op.op.name).toBe("loss");
    expect(graph.getCollection(tf.GraphKeys.SUMMARIES)).toEqual([op]);
    expect(graph.getOperationByName("loss/tags").type).toBe("Const");
  });

  it("builds tags as TF: uniquified scopes, enclosing name scopes, family twice", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.constant(1);
      expect(tf.summary.scalar("loss", x).op.name).toBe("loss");
      const again = tf.summary.scalar("loss", x);
      expect(again.op.name).toBe("loss_1");
      tf.nameScope("outer", () => {
        expect(tf.summary.scalar("acc", x).op.name).toBe("outer/acc");
        // summary_scope prefixes the family to the scope and again to the tag.
        const f = tf.summary.scalar("acc", x, { family: "train" });
        expect(f.op.name).toBe("outer/train/acc");
        expect(f.op.inputs[0].op.attrs.value).toEqual(
          new tf.NDArray("string", [], ["train/outer/train/acc"]),
        );
      });
      const none = tf.summary.scalar("x", x, { collections: [] });
      expect(g.getCollection(tf.GraphKeys.SUMMARIES)).not.toContain(none);
    });
  });

  describe("illegal tag characters", () => {
    const saved = tagWarnings.warn;
    afterEach(() => {
      tagWarnings.warn = saved;
    });
    it("are replaced by '_' (leading '/' dropped) with a warning", async () => {
      const warnings: string[] = [];
      tagWarnings.warn = (m) => warnings.push(m);
      const { summary } = await runSummary(() => tf.summary.scalar("/my loss (%)", 1));
      expect(summary.value[0].tag).toBe("my_loss____");
      expect(warnings).toEqual([
        "Summary name /my loss (%) is illegal; using my_loss____ instead.",
      ]);
    });
  });

  it("a non-scalar is InvalidArgumentError naming the tag: at construction when static", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      expect(() => tf.summary.scalar("v", [1, 2])).toThrow(tf.InvalidArgumentError);
      expect(() => tf.summary.scalar("v", [1, 2])).toThrow(
        "tags and values not the same shape: [] != [2] (tag 'v_1')",
      );
    });
  });

  it("a non-scalar is InvalidArgumentError naming the tag: when run if dynamic", async () => {
    const g = new tf.Graph();
    const [p, s] = g.asDefault(() => {
      const p = tf.placeholder("float32", null, "p");
      return [p, tf.summary.scalar("v", p)];
    });
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(s, new Map([[p, [[1, 2]]]]))).rejects.toThrow(
      /tags and values not the same shape: \[\] != \[1,2\] \(tag 'v'\)/,
    );
    await expect(sess.run(s, new Map([[p, [[1, 2]]]]))).rejects.toBeInstanceOf(
      tf.InvalidArgumentError,
    );
  });
});

describe("tf.summary.histogram", () => {
  it("has TF's default buckets: ±1e-12·1.1^k below 1e20, ±DBL_MAX, and 0", () => {
    // 1e-12·1.1^k < 1e20 for k < 32·ln10/ln1.1 = 773.1: 774 values, plus DBL_MAX, each sign, plus 0.
    expect(DEFAULT_BUCKET_LIMITS.length).toBe(2 * 775 + 1);
    expect(DEFAULT_BUCKET_LIMITS[0]).toBe(-DBL_MAX);
    expect(DEFAULT_BUCKET_LIMITS[775]).toBe(0);
    expect(DEFAULT_BUCKET_LIMITS[776]).toBe(1e-12);
    expect(DEFAULT_BUCKET_LIMITS[777]).toBeCloseTo(1.1e-12, 25);
    expect(DEFAULT_BUCKET_LIMITS[774]).toBe(-1e-12);
    expect(DEFAULT_BUCKET_LIMITS[2 * 775]).toBe(DBL_MAX);
  });

  it("finds each value's bucket as C++'s upper_bound over the limits does", () => {
    const L = DEFAULT_BUCKET_LIMITS;
    const upperBound = (v: number) => {
      let i = 0;
      while (i < L.length && L[i] <= v) i++;
      return i;
    };
    const values = [0, -0, 1e-13, -1e-13, 5e-324, DBL_MAX, -DBL_MAX, 1e19, 1e20, 2e20, -3e25];
    for (const l of L) values.push(l, l * (1 + 1e-15), l * (1 - 1e-15));
    for (let e = -14; e <= 21; e += 0.37) values.push(10 ** e, -(10 ** e));
    for (const v of values) expect([v, bucketIndex(v)]).toEqual([v, upperBound(v)]);
  });

  it("counts [-1, 0, 1, 1, 2] into collapsed buckets (worked by hand)", async () => {
    const { summary, op } = await runSummary(() => tf.summary.histogram("w", [-1, 0, 1, 1, 2]));
    expect(op.op.type).toBe("HistogramSummary");
    expect(summary.value[0].tag).toBe("w");
    const v = firstValue(summary);
    if (v.case !== "histo") throw new Error("expected a histogram");
    const h = v.value;
    expect([h.min, h.max, h.num, h.sum, h.sumSquares]).toEqual([-1, 2, 5, 3, 7]);
    // Right edges p_k = 1e-12·1.1^k: p_289 ≈ 0.917 < 1 < p_290 ≈ 1.0089, p_297 ≈ 1.966 < 2 <
    // p_298 ≈ 2.163. Each value falls in the first bucket whose edge exceeds it; runs of empty
    // buckets collapse into one entry carrying the run's last edge (-p_290, 0, p_289, p_297, DBL_MAX).
    expect(h.bucket).toEqual([0, 1, 0, 1, 0, 2, 0, 1, 0]);
    const L = h.bucketLimit;
    expect(L.length).toBe(9);
    expect(L[0]).toBeCloseTo(-1.0089, 3);
    expect(L[1]).toBeCloseTo(-0.9172, 3);
    expect(L[2]).toBe(0);
    expect(L[3]).toBe(1e-12);
    expect(L[4]).toBeCloseTo(0.9172, 3);
    expect(L[5]).toBeCloseTo(1.0089, 3);
    expect(L[6]).toBeCloseTo(1.9663, 3);
    expect(L[7]).toBeCloseTo(2.1629, 3);
    expect(L[8]).toBe(DBL_MAX);
  });

  it("an empty input is one bucket [DBL_MAX: 0] with min DBL_MAX, max -DBL_MAX", async () => {
    const { summary } = await runSummary(() =>
      tf.summary.histogram("e", new tf.NDArray("int32", [0], [])),
    );
    const v = firstValue(summary);
    if (v.case !== "histo") throw new Error("expected a histogram");
    expect(v.value.bucket).toEqual([0]);
    expect(v.value.bucketLimit).toEqual([DBL_MAX]);
    expect([v.value.min, v.value.max, v.value.num]).toEqual([DBL_MAX, -DBL_MAX, 0]);
  });

  it("NaN or infinity is InvalidArgumentError naming the node", async () => {
    const g = new tf.Graph();
    const [p, h] = g.asDefault(() => {
      const p = tf.placeholder("float32", [2]);
      return [p, tf.summary.histogram("h", p)];
    });
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(h, new Map([[p, [1, Number.NaN]]]))).rejects.toThrow(
      "Nan in summary histogram for: h",
    );
    await expect(sess.run(h, new Map([[p, [Number.POSITIVE_INFINITY, 1]]]))).rejects.toThrow(
      "Infinity in summary histogram for: h",
    );
  });
});

describe("tf.summary.image", () => {
  const imageValue = (s: Summary, i = 0) => {
    const v = firstValue(s, i);
    if (v.case !== "image") throw new Error("expected an image");
    const png = pngDecode(v.value.encodedImageString);
    return { meta: v.value, pixels: Array.from(png.data as Uint8Array), channels: png.channels };
  };

  it("uint8 pixels are written as they are; tags name/image/i for maxOutputs > 1", async () => {
    const img = new tf.NDArray("uint8", [2, 1, 2, 1], [0, 255, 10, 20]);
    const { summary, op } = await runSummary(() => tf.summary.image("img", img));
    expect(op.op.type).toBe("ImageSummary");
    expect(op.op.attrs.max_images).toBe(3);
    expect(summary.value.map((v) => v.tag)).toEqual(["img/image/0", "img/image/1"]);
    const a = imageValue(summary, 0);
    expect([a.meta.height, a.meta.width, a.meta.colorspace]).toEqual([1, 2, 1]);
    expect(a.pixels).toEqual([0, 255]);
    expect(imageValue(summary, 1).pixels).toEqual([10, 20]);
  });

  it("maxOutputs 1 keeps the first image, tagged name/image", async () => {
    const img = new tf.NDArray("uint8", [2, 1, 1, 1], [7, 8]);
    const { summary } = await runSummary(() => tf.summary.image("x", img, { maxOutputs: 1 }));
    expect(summary.value.map((v) => v.tag)).toEqual(["x/image"]);
    expect(imageValue(summary).pixels).toEqual([7]);
  });

  it("scales non-negative floats by 255/max, truncating: [0, 0.5, 1] -> [0, 127, 255]", async () => {
    const img = new tf.NDArray("float32", [1, 1, 3, 1], [0, 0.5, 1]);
    const { summary } = await runSummary(() => tf.summary.image("f", img));
    expect(imageValue(summary).pixels).toEqual([0, 127, 255]);
  });

  it("scales signed floats by 127/max|x| around 128: [-1, 0, 0.5] -> [1, 128, 191]", async () => {
    const img = new tf.NDArray("float32", [1, 1, 3, 1], [-1, 0, 0.5]);
    const { summary } = await runSummary(() => tf.summary.image("f", img));
    expect(imageValue(summary).pixels).toEqual([1, 128, 191]);
  });

  it("paints pixels with a non-finite channel bad_color (red), ignoring them for the range", async () => {
    // Finite pixel [0.25, 0.5, 0.5]: max 0.5 -> scale 510: [127, 255, 255]. NaN pixel -> red.
    const img = new tf.NDArray("float32", [1, 1, 2, 3], [0.25, 0.5, 0.5, 0.1, Number.NaN, 9]);
    const { summary } = await runSummary(() => tf.summary.image("f", img));
    const r = imageValue(summary);
    expect(r.meta.colorspace).toBe(3);
    expect(r.pixels).toEqual([127, 255, 255, 255, 0, 0]);
  });

  it("a tensor that is not [batch, h, w, 1|3|4] is InvalidArgumentError", async () => {
    const img = new tf.NDArray("float32", [1, 1, 1, 2], [0, 1]);
    await expect(runSummary(() => tf.summary.image("bad", img))).rejects.toThrow(
      /Tensor must be 4-D with last dim 1, 3, or 4, not \[1,1,1,2\]/,
    );
  });
});

describe("tf.summary.audio", () => {
  it("encodes 16-bit PCM WAV: samples·32768 rounded, clamped to int16", async () => {
    const clip = [[0, 0.5, -1, 1]]; // [batch 1, 4 frames] -> one channel
    const { summary, op } = await runSummary(() => tf.summary.audio("a", clip, 8000));
    expect(op.op.type).toBe("AudioSummaryV2");
    expect(summary.value[0].tag).toBe("a/audio/0");
    const v = firstValue(summary);
    if (v.case !== "audio") throw new Error("expected audio");
    const au = v.value;
    expect(au.sampleRate).toBe(8000);
    expect(au.numChannels).toBe(1n);
    expect(au.lengthFrames).toBe(4n);
    expect(au.contentType).toBe("audio/wav");
    const b = Buffer.from(au.encodedAudioString);
    expect(b.length).toBe(44 + 8);
    expect(b.toString("latin1", 0, 4)).toBe("RIFF");
    expect(b.readUInt32LE(4)).toBe(36 + 8);
    expect(b.toString("latin1", 8, 16)).toBe("WAVEfmt ");
    expect([b.readUInt32LE(16), b.readUInt16LE(20), b.readUInt16LE(22)]).toEqual([16, 1, 1]);
    expect([
      b.readUInt32LE(24),
      b.readUInt32LE(28),
      b.readUInt16LE(32),
      b.readUInt16LE(34),
    ]).toEqual([8000, 16000, 2, 16]);
    expect(b.toString("latin1", 36, 40)).toBe("data");
    expect(b.readUInt32LE(40)).toBe(8);
    expect([0, 1, 2, 3].map((i) => b.readInt16LE(44 + 2 * i))).toEqual([0, 16384, -32768, 32767]);
  });

  it("interleaves channels of a [batch, frames, channels] tensor; maxOutputs 1 tags name/audio", async () => {
    const clip = [
      [
        [0.25, -0.25],
        [0.5, -0.5],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ];
    const { summary } = await runSummary(() =>
      tf.summary.audio("st", clip, 44100, { maxOutputs: 1 }),
    );
    expect(summary.value.map((v) => v.tag)).toEqual(["st/audio"]);
    const v = firstValue(summary);
    if (v.case !== "audio") throw new Error("expected audio");
    const b = Buffer.from(v.value.encodedAudioString);
    expect(b.readUInt16LE(22)).toBe(2);
    expect([0, 1, 2, 3].map((i) => b.readInt16LE(44 + 2 * i))).toEqual([
      8192, -8192, 16384, -16384,
    ]);
  });

  it("writes the rate rounded half to even into the WAV header (lrintf), 0 as 1", async () => {
    const rates: number[] = [];
    for (const r of [8000.5, 8001.5, 0.25]) {
      const { summary } = await runSummary(() => tf.summary.audio("r", [[0]], r));
      const v = firstValue(summary);
      if (v.case !== "audio") throw new Error("expected audio");
      expect(v.value.sampleRate).toBe(r);
      rates.push(Buffer.from(v.value.encodedAudioString).readUInt32LE(24));
    }
    expect(rates).toEqual([8000, 8002, 1]);
  });

  it("a tensor of rank other than 2 or 3, or a rate <= 0, is InvalidArgumentError", async () => {
    await expect(runSummary(() => tf.summary.audio("a", [1, 2], 8000))).rejects.toThrow(
      /Tensor must be 3-D or 2-D, got: \[2\]/,
    );
    await expect(runSummary(() => tf.summary.audio("a", [[1, 2]], 0))).rejects.toThrow(
      /sample_rate must be > 0/,
    );
  });
});

describe("tf.summary.text and tensorSummary", () => {
  it("text is a TensorSummaryV2 of the string tensor for the text plugin", async () => {
    const { summary, op } = await runSummary(() => tf.summary.text("notes", tf.constant("snow ☃")));
    expect(op.op.type).toBe("TensorSummaryV2");
    const val = summary.value[0];
    expect(val.tag).toBe("notes");
    expect(val.metadata?.pluginData?.pluginName).toBe("text");
    const v = val.value;
    if (v.case !== "tensor") throw new Error("expected a tensor");
    expect(v.value.dtype).toBe(7); // DT_STRING
    // A string with a char past 0xFF stands for its UTF-8 bytes (framework/bytes.ts).
    expect(Buffer.from(v.value.stringVal[0]).toString("utf8")).toBe("snow ☃");
  });

  it("text refuses a non-string tensor", () => {
    new tf.Graph().asDefault(() => {
      expect(() => tf.summary.text("n", tf.constant(1))).toThrow(
        "Expected tensor Const:0 to have dtype string, got float32",
      );
    });
  });

  it("tensorSummary keeps the tensor's bytes and the metadata it is given", async () => {
    const { summary } = await runSummary(() =>
      tf.summary.tensorSummary("t", new tf.NDArray("float32", [2], [1, -2]), {
        summaryMetadata: { pluginData: { pluginName: "custom", content: new Uint8Array([1, 2]) } },
        displayName: "T",
        summaryDescription: "two floats",
      }),
    );
    const val = summary.value[0];
    expect(val.metadata?.pluginData?.pluginName).toBe("custom");
    expect(Array.from(val.metadata?.pluginData?.content ?? [])).toEqual([1, 2]);
    expect(val.metadata?.displayName).toBe("T");
    expect(val.metadata?.summaryDescription).toBe("two floats");
    const v = val.value;
    if (v.case !== "tensor") throw new Error("expected a tensor");
    expect(v.value.dtype).toBe(1); // DT_FLOAT
    expect(v.value.tensorShape?.dim.map((d) => Number(d.size))).toEqual([2]);
    // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian.
    expect(Array.from(v.value.tensorContent)).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
  });
});

describe("tf.summary.merge and mergeAll", () => {
  it("mergeAll merges the summaries collection into Merge/MergeSummary", async () => {
    const { summary, op } = await runSummary(() => {
      tf.summary.scalar("a", 1);
      tf.summary.scalar("b", 2);
      tf.summary.histogram("h", [1]);
      return tf.summary.mergeAll()!;
    });
    expect(op.op.name).toBe("Merge/MergeSummary");
    expect(op.op.attrs.N).toBe(3);
    expect(summary.value.map((v) => v.tag)).toEqual(["a", "b", "h"]);
  });

  it("mergeAll is null when there is nothing to merge; scope filters by name", () => {
    new tf.Graph().asDefault(() => {
      expect(tf.summary.mergeAll()).toBeNull();
      tf.summary.scalar("x", 1);
      tf.nameScope("s", () => tf.summary.scalar("y", 1));
      expect(tf.summary.mergeAll({ scope: "s/" })!.op.inputs.map((t) => t.op.name)).toEqual([
        "s/y",
      ]);
    });
  });

  it("merge with a name, and a duplicate tag is InvalidArgumentError when run", async () => {
    const g = new tf.Graph();
    const [m, dup] = g.asDefault(() => {
      const a = tf.summary.scalar("a", 1);
      return [tf.summary.merge([a], { name: "m" }), tf.summary.merge([a, a])];
    });
    expect(m.op.name).toBe("m/m");
    await expect(new tf.Session({ graph: g }).run(dup)).rejects.toThrow(
      "Duplicate tag a found in summary inputs",
    );
  });
});

describe("GraphDef", () => {
  it("summary ops survive export and import (bad_color and max_images included)", async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.summary.scalar("s", 3);
      tf.summary.image("i", new tf.NDArray("float32", [1, 1, 1, 1], [Number.NaN]), {
        maxOutputs: 1,
      });
      tf.summary.mergeAll();
    });
    const def = g.asGraphDef();
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.importGraphDef(def, { name: "" }));
    const out = await new tf.Session({ graph: g2 }).run("Merge/MergeSummary:0");
    const s = fromBinary(SummarySchema, stringBytes((out.data as string[])[0]));
    expect(s.value.map((v) => v.tag)).toEqual(["s", "i/image"]);
    const img = s.value[1].value;
    if (img.case !== "image") throw new Error("expected an image");
    // One grey pixel, NaN: painted bad_color's first channel (255).
    expect(Array.from(pngDecode(img.value.encodedImageString).data as Uint8Array)).toEqual([255]);
  });
});

describe("shapes", () => {
  it("every summary op outputs a scalar string", () => {
    expect(inferShapes("ScalarSummary", "[];[]", {}, { dtypes: ["string", "float32"] })).toBe("[]");
    expect(inferShapes("HistogramSummary", "[];[?,3]", {}, { dtypes: ["string", "float32"] })).toBe(
      "[]",
    );
    expect(
      inferShapes(
        "AudioSummaryV2",
        "[];[?,?];[]",
        {},
        { dtypes: ["string", "float32", "float32"] },
      ),
    ).toBe("[]");
    expect(inferShapes("MergeSummary", "[];[2]", {}, { dtypes: ["string", "string"] })).toBe("[]");
  });
});
