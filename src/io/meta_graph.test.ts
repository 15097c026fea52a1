import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import "../backends/cpu-ts/compat_ops.js";
import "../backends/cpu-ts/io_ops.js";
import { expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";
import { importMetaGraph, importMetaGraphWithSaver } from "../train/import_meta_graph.js";
import { latestCheckpoint, Saver } from "../train/saver.js";
import { exportMetaGraph } from "./meta_graph.js";
import { decodeProto, VariableDefSchema } from "./proto/index.js";

const FIXTURES = new URL("../../test/fixtures/tf/", import.meta.url).pathname;
const tmp = () => mkdtempSync(join(tmpdir(), "tensorgraph-meta-"));

/** A linear model y = w·x + b with a GradientDescent train op, global step and a few collections. */
function buildModel(g: tf.Graph, opts: { inputName?: string } = {}) {
  return g.asDefault(() => {
    const x = tf.placeholder("float32", [null], opts.inputName ?? "x");
    const target = tf.placeholder("float32", [null], "target");
    const w = new tf.Variable(tf.constant([0.5]), { name: "w" });
    const b = new tf.Variable(tf.constant([0]), { name: "b" });
    const y = tf.add(tf.mul(w, x), b, "y");
    const loss = tf.reduceMean(tf.square(tf.sub(y, target)), undefined, undefined, "loss");
    const step = tf.train.getOrCreateGlobalStep();
    const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { globalStep: step });
    g.addToCollection(tf.GraphKeys.SUMMARIES, loss);
    g.addToCollection("my_ints", 3);
    g.addToCollection("my_ints", 4);
    g.addToCollection("my_floats", 0.25);
    g.addToCollection("my_strings", "hello");
    g.addToCollection("unserializable", { some: "object" });
    const init = tf.globalVariablesInitializer();
    return { x, target, w, b, y, loss, train, init, step };
  });
}

describe("importMetaGraph of TensorFlow's files", () => {
  test("session_bundle half_plus_two (TF 0.12, V2 checkpoint): restore and run y = a·x + b", async () => {
    const dir = join(FIXTURES, "tf-contrib-session_bundle-half_plus_two-V2ckpt");
    const g = new tf.Graph();
    const saver = importMetaGraph(join(dir, "export.meta"), { graph: g });
    expect(saver).toBeInstanceOf(Saver);
    expect(saver!.saverDef.sharded).toBe(true);
    const vars = g.getCollection<tf.Variable>(tf.GraphKeys.GLOBAL_VARIABLES);
    expect(vars.map((v) => v.name)).toEqual(["a:0", "b:0", "global_step:0"]);
    // One Variable object per variable, shared by the collections.
    expect(g.getCollection(tf.GraphKeys.TRAINABLE_VARIABLES)[0]).toBe(vars[0]);
    expect(g.getCollection("asset_filepaths").map((t) => (t as tf.Tensor).name)).toEqual([
      "Const_1:0",
      "Const_2:0",
    ]);
    expect(g.getCollection("serving_init_op")[0]).toBe(g.getOperationByName("group_deps"));
    const sess = new tf.Session({ graph: g });
    await saver!.restore(sess, join(dir, "export"));
    const [a, b] = await sess.run([vars[0].value(), vars[1].value()]);
    expect(a.item()).toBe(0.5);
    expect(b.item()).toBe(2);
    // x is the [?, 1] dense output of the graph's ParseExample (fed here directly).
    const y = await sess.run(g.getTensorByName("y:0"), { "x:0": [[0], [1], [4]] });
    expectArray(y, [[2], [2.5], [4]]);
    // And from serialized tf.Examples through the graph's ParseExample (tf_example:0).
    const ex = (v: number) =>
      tf.train.serializeToString(
        tf.train.Example({
          features: tf.train.Features({
            feature: { x: tf.train.Feature({ floatList: tf.train.FloatList({ value: [v] }) }) },
          }),
        }),
      );
    const parsed = await sess.run(g.getTensorByName("y:0"), { "tf_example:0": [ex(0), ex(4)] });
    expectArray(parsed, [[2], [4]]);
  });

  test("a deliberately broken export fails with a clear error, not a crash", async () => {
    const dir = join(FIXTURES, "serving-bad_half_plus_two-meta");
    const attempt = async () => {
      const g = new tf.Graph();
      const saver = importMetaGraph(join(dir, "export.meta"), { graph: g });
      const ckpt = latestCheckpoint(dir) ?? join(dir, "export");
      await saver!.restore(new tf.Session({ graph: g }), ckpt);
    };
    await expect(attempt()).rejects.toThrow(tf.OpError);
  });

  test("a missing or corrupt file", () => {
    expect(() =>
      importMetaGraph(join(FIXTURES, "nothere.meta"), { graph: new tf.Graph() }),
    ).toThrow(tf.NotFoundError);
    const bytes = readFileSync(
      join(FIXTURES, "tf-contrib-session_bundle-half_plus_two-V2ckpt/export.meta"),
    );
    expect(() =>
      importMetaGraph(new Uint8Array(bytes.subarray(0, 1000)), { graph: new tf.Graph() }),
    ).toThrow(tf.DataLossError);
  });
});

describe("exportMetaGraph → importMetaGraph", () => {
  test("collections, SaverDef and VariableDefs are written as TensorFlow writes them", () => {
    const g = new tf.Graph();
    buildModel(g);
    const saver = new Saver({ graph: g });
    const meta = exportMetaGraph(undefined, { graph: g, saver });
    expect(meta.saverDef?.restoreOpName).toBe("save/restore_all");
    expect(meta.metaInfoDef?.tensorflowVersion).toBe("1.15.0");
    const cols = meta.collectionDef;
    expect(cols.variables.kind.case).toBe("bytesList");
    const defs =
      cols.variables.kind.case === "bytesList"
        ? cols.variables.kind.value.value.map((b) => decodeProto(VariableDefSchema, b))
        : [];
    expect(
      defs.map((d) => [d.variableName, d.initializerName, d.snapshotName, d.initialValueName]),
    ).toEqual([
      ["w:0", "w/Assign", "w/read:0", "Const:0"],
      ["b:0", "b/Assign", "b/read:0", "Const_1:0"],
      ["global_step:0", "global_step/Assign", "global_step/read:0", expect.any(String)],
    ]);
    expect(defs.map((d) => d.trainable)).toEqual([true, true, false]);
    expect(cols.train_op.kind).toEqual({
      case: "nodeList",
      value: expect.objectContaining({ value: ["GradientDescent"] }),
    });
    expect(cols.summaries.kind.value?.value).toEqual(["loss:0"]);
    expect(cols.my_ints.kind.case).toBe("int64List");
    expect(cols.my_ints.kind.value?.value).toEqual([3n, 4n]);
    expect(cols.my_floats.kind.case).toBe("floatList");
    expect(cols.my_strings.kind.case).toBe("bytesList");
    expect(cols.unserializable).toBeUndefined();
    expect(
      Object.keys(
        exportMetaGraph(undefined, { graph: g, collectionList: ["my_ints"] }).collectionDef,
      ),
    ).toEqual(["my_ints"]);
  });

  test("import under a scope: names, collections and the Saver are prefixed; training continues", async () => {
    const dir = tmp();
    const g = new tf.Graph();
    const m = buildModel(g);
    g.asDefault(() => tf.device("/cpu:0", () => tf.identity(m.y, "on_cpu")));
    const saver = new Saver({ graph: g });
    const sess = new tf.Session({ graph: g });
    await sess.run(m.init);
    await m.w.load([1.5], sess);
    const ckpt = await saver.save(sess, join(dir, "model"), { globalStep: 7 });
    exportMetaGraph(join(dir, "model.meta"), { graph: g, saver, clearDevices: true });

    const g2 = new tf.Graph();
    const { saver: saver2, prefix } = importMetaGraphWithSaver(join(dir, "model.meta"), {
      graph: g2,
      importScope: "imported",
    });
    expect(prefix).toBe("imported/");
    expect(g2.getOperationByName("imported/on_cpu").device).toBe("");
    const vars = g2.getCollection<tf.Variable>(tf.GraphKeys.GLOBAL_VARIABLES);
    expect(vars.map((v) => v.name)).toEqual([
      "imported/w:0",
      "imported/b:0",
      "imported/global_step:0",
    ]);
    expect(
      g2.getCollection<tf.Variable>(tf.GraphKeys.TRAINABLE_VARIABLES).map((v) => v.name),
    ).toEqual(["imported/w:0", "imported/b:0"]);
    expect(g2.getCollection<tf.Variable>(tf.GraphKeys.GLOBAL_STEP)[0].name).toBe(
      "imported/global_step:0",
    );
    expect(g2.getCollection("my_ints")).toEqual([3, 4]);
    expect(g2.getCollection("my_floats")).toEqual([0.25]);
    expect(new TextDecoder().decode(g2.getCollection<Uint8Array>("my_strings")[0])).toBe("hello");
    const train = g2.getCollection<tf.Operation>(tf.GraphKeys.TRAIN_OP)[0];
    expect(train.name).toBe("imported/GradientDescent");
    expect(saver2!.saverDef.restoreOpName).toBe("imported/save/restore_all");

    const sess2 = new tf.Session({ graph: g2 });
    await saver2!.restore(sess2, ckpt);
    expect((await sess2.run(vars[0].value())).toArray()).toEqual([1.5]);
    expect((await sess2.run(vars[2].value())).item()).toBe(0);
    const loss = g2.getCollection<tf.Tensor>(tf.GraphKeys.SUMMARIES)[0];
    const feeds = { "imported/x:0": [0, 1, 2, 3], "imported/target:0": [1, 3, 5, 7] };
    const before = (await sess2.run(loss, feeds)).item() as number;
    for (let i = 0; i < 150; i++) await sess2.run(train, feeds);
    const after = (await sess2.run(loss, feeds)).item() as number;
    expect(after).toBeLessThan(before / 100);
    expect((await sess2.run(vars[2].value())).item()).toBe(150);
    // The imported Saver saves too, and a plain import reads it back.
    const ckpt2 = await saver2!.save(sess2, join(dir, "again"));
    const g3 = new tf.Graph();
    const saver3 = importMetaGraph(join(dir, "model.meta"), { graph: g3 });
    const sess3 = new tf.Session({ graph: g3 });
    await saver3!.restore(sess3, ckpt2);
    expectArray(await sess3.run(g3.getTensorByName("w/read:0")), [2], { tol: 1e-2 });
    expectArray(await sess3.run(g3.getTensorByName("b/read:0")), [1], { tol: 1e-2 });
  });

  test("text format MetaGraphs; a MetaGraph without a SaverDef gets a Saver over its variables", async () => {
    const dir = tmp();
    const g = new tf.Graph();
    const m = buildModel(g);
    const meta = exportMetaGraph(join(dir, "m.pbtxt"), { graph: g });
    expect(readFileSync(join(dir, "m.pbtxt"), "utf8")).toMatch(/^meta_info_def \{/);
    expect(meta.saverDef).toBeUndefined();
    const g2 = new tf.Graph();
    const saver = importMetaGraph(join(dir, "m.pbtxt"), { graph: g2 });
    expect(saver).toBeInstanceOf(Saver);
    const sess = new tf.Session({ graph: g2 });
    await sess.run(g2.getOperationByName(m.init.name));
    const prefix = await saver!.save(sess, join(dir, "ck"));
    expect(prefix).toBe(join(dir, "ck"));
    // No variables and no SaverDef: no Saver.
    const g3 = new tf.Graph();
    g3.asDefault(() => tf.add(tf.placeholder("float32", [], "p"), 1, "q"));
    expect(
      importMetaGraph(exportMetaGraph(undefined, { graph: g3 }), { graph: new tf.Graph() }),
    ).toBeNull();
  });

  test("mixing models: two imports under two scopes, each restored from its own checkpoint, connected", async () => {
    const dir = tmp();
    // Model A: y = w·x + b with w = 2, b = 1.
    const ga = new tf.Graph();
    const a = buildModel(ga);
    const sa = new tf.Session({ graph: ga });
    await sa.run(a.init);
    await a.w.load([2], sa);
    await a.b.load([1], sa);
    const saverA = new Saver({ graph: ga });
    const ckptA = await saverA.save(sa, join(dir, "a"));
    exportMetaGraph(join(dir, "a.meta"), { graph: ga, saver: saverA });
    // Model B: same structure, input named "u", w = 10, b = -3.
    const gb = new tf.Graph();
    const b = buildModel(gb, { inputName: "u" });
    const sb = new tf.Session({ graph: gb });
    await sb.run(b.init);
    await b.w.load([10], sb);
    await b.b.load([-3], sb);
    const saverB = new Saver({ graph: gb });
    const ckptB = await saverB.save(sb, join(dir, "b"));
    exportMetaGraph(join(dir, "b.meta"), { graph: gb, saver: saverB });

    const g = new tf.Graph();
    const first = importMetaGraph(join(dir, "a.meta"), { graph: g, importScope: "first" });
    const yA = g.getTensorByName("first/y:0");
    const second = importMetaGraph(join(dir, "b.meta"), {
      graph: g,
      importScope: "second",
      inputMap: { "u:0": yA },
    });
    const sess = new tf.Session({ graph: g });
    await first!.restore(sess, ckptA);
    await second!.restore(sess, ckptB);
    const out = await sess.run(g.getTensorByName("second/y:0"), { "first/x:0": [0, 1, 2] });
    // 10·(2x + 1) − 3
    expectArray(out, [7, 27, 47]);
    expect(g.getCollection<tf.Variable>(tf.GraphKeys.GLOBAL_VARIABLES).map((v) => v.name)).toEqual([
      "first/w:0",
      "first/b:0",
      "first/global_step:0",
      "second/w:0",
      "second/b:0",
      "second/global_step:0",
    ]);

    // Restore a subset into a new graph, under other names, with a varList dict.
    const g2 = new tf.Graph();
    const slope = g2.asDefault(() => new tf.Variable(tf.constant([0]), { name: "slope" }));
    const partial = new Saver({ graph: g2, varList: { w: slope } });
    const sess2 = new tf.Session({ graph: g2 });
    await partial.restore(sess2, ckptB);
    expect((await sess2.run(slope.value())).toArray()).toEqual([10]);
  });

  test("exportScope writes only that scope, names relative to it", () => {
    const g = new tf.Graph();
    g.asDefault(() =>
      tf.nameScope("tower", () => {
        const v = new tf.Variable(tf.constant([1, 2]), { name: "v" });
        return tf.identity(v, "out");
      }),
    );
    g.asDefault(() => tf.constant(0, { name: "outside" }));
    const meta = exportMetaGraph(undefined, { graph: g, exportScope: "tower" });
    const names = meta.graphDef!.node.map((n) => n.name);
    expect(names).toContain("v");
    expect(names).toContain("out");
    expect(names).not.toContain("outside");
    const g2 = new tf.Graph();
    importMetaGraph(meta, { graph: g2, importScope: "copy" });
    expect(g2.getCollection<tf.Variable>("variables")[0].name).toBe("copy/v:0");
  });
});

describe("MetaGraph files read back from disk", () => {
  test("saver.save writes <ckpt>.meta; importMetaGraph from it with a scope, restore, same values", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "tg-meta-"));
    const g = new tf.Graph();
    const m = g.asDefault(() => {
      const W = new tf.Variable(tf.truncatedNormal([30, 10], { stddev: 0.1, seed: 3 }), {
        name: "W",
      });
      const idx = tf.constant([3, 1, 4, 1, 5], { dtype: "int32" }); // an int32 tensor_content
      return { W, picked: tf.gather(W, idx), saver: g.asDefault(() => new tf.train.Saver()) };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(m.W.initializer);
    const path = await m.saver.save(sess, join(dir, "model"));
    const expected = await sess.run(m.picked);
    const g2 = new tf.Graph();
    const saver = g2.asDefault(() =>
      tf.train.importMetaGraph(`${path}.meta`, { importScope: "m" }),
    )!;
    const sess2 = new tf.Session({ graph: g2 });
    await saver.restore(sess2, path);
    const got = await sess2.run(`m/${m.picked.name}`);
    expect(Array.from(got.data as Float32Array)).toEqual(Array.from(expected.data as Float32Array));
  });
});
