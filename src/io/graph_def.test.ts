import { readFileSync } from "node:fs";
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import "../backends/cpu-ts/compat_ops.js";
import { expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";
import { graphToGraphDef, importGraphDef, importGraphDefDetailed } from "./graph_def.js";
import { GraphDefSchema, NodeDefSchema } from "./proto/index.js";
import { printTextFormat } from "./text_format.js";

const FIXTURES = new URL("../../test/fixtures/tf/", import.meta.url);
const fixture = (p: string) => new Uint8Array(readFileSync(new URL(p, FIXTURES)));

/** A small graph built with the library: placeholders, constants of several dtypes, attrs of many types. */
function buildSample(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder("float32", [null, 3], "x");
    const w = tf.constant([[1], [2], [3]], { dtype: "float32" });
    const y = tf.matmul(x, w, { transposeB: false });
    const img = tf.placeholder("float32", [1, 4, 4, 1], "img");
    const f = tf.constant(new tf.NDArray("float32", [2, 2, 1, 1], [1, 0, 0, 1]));
    tf.nn.conv2d(img, f, { strides: [1, 2, 2, 1], padding: "SAME", name: "conv" });
    const n = tf.cast(tf.constant([1, 2], { dtype: "int64" }), "float64", "c");
    tf.device("/cpu:0", () => tf.identity(n, "on_cpu"));
    tf.constant(["a", "bé"], { name: "strings" });
    tf.constant([true, false], { name: "bools" });
    tf.controlDependencies([y], () => tf.add(tf.constant(1), tf.constant(2), "after"));
    tf.concat([x, x], 1, "cat");
  });
  return g;
}

describe("asGraphDef", () => {
  test("nodes in creation order with TF's input syntax, devices and every attr", () => {
    const g = buildSample();
    const gd = g.asGraphDef();
    expect(gd.versions?.producer).toBe(134);
    expect(gd.node.map((n) => n.name)).toEqual(g.operations.map((o) => o.name));
    const byName = new Map(gd.node.map((n) => [n.name, n]));
    const mm = byName.get("MatMul")!;
    expect(mm.op).toBe("MatMul");
    expect(mm.input).toEqual(["x", "Const"]);
    expect(Object.keys(mm.attr).sort()).toEqual(["T", "transpose_a", "transpose_b"]);
    expect(mm.attr.T.value).toEqual({ case: "type", value: 1 });
    expect(mm.attr.transpose_b.value).toEqual({ case: "b", value: false });
    const conv = byName.get("conv")!;
    expect(conv.attr.padding.value).toEqual({ case: "s", value: new TextEncoder().encode("SAME") });
    const strides = conv.attr.strides.value;
    expect(strides.case).toBe("list");
    expect(strides.case === "list" && strides.value.i).toEqual([1n, 2n, 2n, 1n]);
    expect(byName.get("on_cpu")!.device).toBe("/cpu:0");
    const after = byName.get("after")!;
    expect(after.input.at(-1)).toBe("^MatMul");
    const x = byName.get("x")!.attr.shape.value;
    expect(x.case === "shape" && x.value.dim.map((d) => d.size)).toEqual([-1n, 3n]);
  });
  test("an output other than 0 is written op:index", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const parts = tf.split(tf.constant([1, 2, 3, 4]), 2, 0);
      tf.identity(parts[1], "second");
    });
    const second = g.asGraphDef().node.find((n) => n.name === "second")!;
    expect(second.input).toEqual(["split:1"]);
  });
});

describe("importGraphDef", () => {
  test("rust-addition-graphdef: z = x + y (a TF 2.x GraphDef)", async () => {
    const g = new tf.Graph();
    const [z, x] = importGraphDef(fixture("rust-addition-graphdef/model.pb"), {
      graph: g,
      returnElements: ["z:0", "x"],
    });
    expect(z).toBeInstanceOf(tf.Tensor);
    expect((z as tf.Tensor).name).toBe("import/z:0");
    expect(x).toBeInstanceOf(tf.Operation);
    expect((x as tf.Operation).type).toBe("Placeholder");
    expect((z as tf.Tensor).dtype).toBe("int32");
    const sess = new tf.Session({ graph: g });
    expect((z as tf.Tensor).shape.dims).toEqual([]);
    const out = await sess.run(z as tf.Tensor, { "import/x": 2, "import/y": 3 });
    expectArray(out, 5, { dtype: "int32" });
  });

  test("rust-regression-graphdef-train: a TF1 training graph keeps training", async () => {
    const g = new tf.Graph();
    importGraphDef(fixture("rust-regression-graphdef-train/model.pb"), { graph: g, name: "" });
    const types = new Set(g.operations.map((o) => o.type));
    for (const t of [
      "Variable",
      "Assign",
      "ApplyGradientDescent",
      "BroadcastGradientArgs",
      "DynamicStitch",
    ])
      expect(types.has(t)).toBe(true);
    // Before GraphDef version 22 a scalar Placeholder shape meant "unknown".
    expect(g.getTensorByName("x:0").shape.rank).toBeNull();
    expect(g.getTensorByName("w:0").isRef).toBe(true);
    const sess = new tf.Session({ graph: g });
    await sess.run(g.getOperationByName("init"));
    const xs = Array.from({ length: 16 }, (_, i) => i / 16 - 0.5);
    const ys = xs.map((v) => 3 * v + 2);
    const train = g.getOperationByName("train");
    for (let step = 0; step < 200; step++) await sess.run(train, { "x:0": xs, "y:0": ys });
    const [w, b] = await sess.run([g.getTensorByName("w:0"), g.getTensorByName("b:0")]);
    expectArray(w, [3], { tol: 1e-3 });
    expectArray(b, [2], { tol: 1e-3 });
  });

  test("round trip: asGraphDef → importGraphDef → the same nodes and attrs, byte for byte", async () => {
    const g = buildSample();
    const gd = g.asGraphDef();
    const g2 = new tf.Graph();
    importGraphDef(gd, { graph: g2, name: "" });
    const gd2 = g2.asGraphDef();
    expect(gd2.node.length).toBe(gd.node.length);
    for (const [i, n] of gd.node.entries())
      expect(equals(NodeDefSchema, gd2.node[i], n)).toBe(true);
    expect(toBinary(GraphDefSchema, gd2)).toEqual(toBinary(GraphDefSchema, gd));
    // Binary and text forms import the same graph.
    const g3 = new tf.Graph();
    importGraphDef(toBinary(GraphDefSchema, gd), { graph: g3, name: "" });
    const g4 = new tf.Graph();
    importGraphDef(printTextFormat(GraphDefSchema, gd), { graph: g4, name: "" });
    expect(toBinary(GraphDefSchema, g3.asGraphDef())).toEqual(toBinary(GraphDefSchema, gd));
    expect(toBinary(GraphDefSchema, g4.asGraphDef())).toEqual(toBinary(GraphDefSchema, gd));
    const sess = new tf.Session({ graph: g2 });
    const y = await sess.run(g2.getTensorByName("MatMul:0"), { x: [[1, 1, 1]] });
    expectArray(y, [[6]]);
    expect(g2.getTensorByName("x:0").shape.dims).toEqual([null, 3]);
    expect(g2.getOperationByName("on_cpu").device).toBe("/cpu:0");
    expect(g2.getOperationByName("after").controlInputs.map((o) => o.name)).toEqual(["MatMul"]);
  });

  test("tf.cond and tf.whileLoop graphs re-import with TF's structure and run", async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const p = tf.placeholder("bool", [], "p");
      const x = tf.placeholder("float32", [], "x");
      tf.identity(
        tf.cond(
          p,
          () => tf.mul(x, 2),
          () => tf.sub(x, 1),
        ),
        "cond_out",
      );
      const [, acc] = tf.whileLoop(
        (i) => tf.less(i, 5),
        (i, a) => [tf.add(i, 1), tf.mul(a, 2)],
        [tf.constant(0), x],
      );
      tf.identity(acc, "loop_out");
    });
    const gd = g.asGraphDef();
    const g2 = new tf.Graph();
    importGraphDef(toBinary(GraphDefSchema, gd), { graph: g2, name: "" });
    const kinds = (gr: tf.Graph) => gr.operations.map((o) => `${o.name}:${o.type}`).sort();
    expect(kinds(g2)).toEqual(kinds(g));
    for (const t of ["Switch", "Merge", "Enter", "Exit", "NextIteration", "LoopCond"])
      expect(g2.operations.some((o) => o.type === t)).toBe(true);
    const frames = (gr: tf.Graph) =>
      gr.operations
        .filter((o) => o.type === "Enter")
        .map((o) => [o.name, o.attrs.frame_name, o.attrs.is_constant, o.attrs.parallel_iterations]);
    expect(frames(g2)).toEqual(frames(g));
    // The Merge's back edge comes from the NextIteration again.
    const merge = g2.operations.find((o) => o.type === "Merge" && o.name.startsWith("while"))!;
    expect(merge.inputs.map((t) => t.op.type)).toEqual(["Enter", "NextIteration"]);
    expect(toBinary(GraphDefSchema, g2.asGraphDef())).toEqual(toBinary(GraphDefSchema, gd));
    const sess = new tf.Session({ graph: g2 });
    const run = (p: boolean) =>
      sess.run([g2.getTensorByName("cond_out:0"), g2.getTensorByName("loop_out:0")], { p, x: 3 });
    const [c1, l1] = await run(true);
    expect(c1.item()).toBe(6);
    expect(l1.item()).toBe(96);
    const [c2] = await run(false);
    expect(c2.item()).toBe(2);
  });

  test("default attrs are filled from the op registry", () => {
    const text = `
      node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
      node { name: "m" op: "MatMul" input: "a" input: "a" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "s" op: "Sum" input: "a" input: "axis" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "axis" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
             attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 2 } } int_val: 0 int_val: 1 } } } }
    `;
    const g = new tf.Graph();
    importGraphDef(text, { graph: g, name: "" });
    const m = g.getOperationByName("m");
    expect(m.attrs.transpose_a).toBe(false);
    expect(m.attrs.transpose_b).toBe(false);
    expect(g.getOperationByName("s").attrs.keep_dims).toBe(false);
    expect(g.getOperationByName("s").attrs.Tidx).toBe("int32");
    // The Const comes after its consumer in the text: import orders by dependencies.
    expect(g.getOperationByName("axis").id).toBeLessThan(g.getOperationByName("s").id);
    expect(g.getOperationByName("a").attrs.shape).toEqual(tf.TensorShape.unknown());
  });

  test("inputMap replaces tensors; names get a uniquified prefix", async () => {
    const g = new tf.Graph();
    const ten = g.asDefault(() => tf.constant(10, { name: "ten", dtype: "int32" }));
    const bytes = fixture("rust-addition-graphdef/model.pb");
    const [z] = importGraphDef(bytes, {
      graph: g,
      inputMap: { "x:0": ten },
      returnElements: ["z:0"],
    });
    const [z2] = importGraphDef(bytes, { graph: g, inputMap: { x: ten }, returnElements: ["z:0"] });
    expect((z as tf.Tensor).name).toBe("import/z:0");
    expect((z2 as tf.Tensor).name).toBe("import_1/z:0");
    expect((z as tf.Tensor).op.inputs[0]).toBe(ten);
    const sess = new tf.Session({ graph: g });
    expect((await sess.run(z as tf.Tensor, { "import/y": 5 })).item()).toBe(15);
    // Ops made afterwards by name do not collide with imported ones.
    const again = g.asDefault(() => tf.constant(1, { name: "import/z" }));
    expect(again.op.name).not.toBe("import/z");
    expect(() => importGraphDef(bytes, { graph: g, inputMap: { "nothere:0": ten } })).toThrow(
      /Attempted to map inputs that were not found in graph_def: \[nothere:0\]/,
    );
    const f = g.asDefault(() => tf.constant(1.5));
    expect(() => importGraphDef(bytes, { graph: g, inputMap: { "x:0": f } })).toThrow(
      /node 'z' \(op 'AddV2'\).*float32 that does not match int32/,
    );
  });

  test("an op TensorFlow knows but tensorgraph has no kernel for is an UnimplementedError at import", () => {
    const text = `
      node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
      node { name: "z" op: "AudioSpectrogram" input: "a" }`;
    const g = new tf.Graph();
    expect(() => importGraphDef(text, { graph: g, name: "" })).toThrow(tf.UnimplementedError);
    expect(() => importGraphDef(text, { graph: g, name: "" })).toThrow(
      /'AudioSpectrogram' \(node 'z'\)/,
    );
    expect(g.operations.length).toBe(0);
  });

  test("attrs that start with _ are kept through a round trip", () => {
    const text = `
      node { name: "a" op: "Const"
             attr { key: "dtype" value { type: DT_FLOAT } }
             attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { } float_val: 1 } } }
             attr { key: "_class" value { list { s: "loc:@b" } } } }`;
    const g = new tf.Graph();
    importGraphDef(text, { graph: g, name: "" });
    const a = g.asGraphDef().node[0];
    expect(Object.keys(a.attr).sort()).toEqual(["_class", "dtype", "value"]);
  });
});

describe("importGraphDef errors", () => {
  const gdText = (nodes: string) => nodes;
  const importText = (text: string, g = new tf.Graph()) =>
    importGraphDef(text, { graph: g, name: "" });
  const placeholder = `node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }`;

  test("unknown op types: ONE UnimplementedError listing all of them", () => {
    const text = gdText(`${placeholder}
      node { name: "f1" op: "FooOp" input: "a" }
      node { name: "f2" op: "FooOp" }
      node { name: "b1" op: "BarOp" }`);
    let err: unknown;
    try {
      importText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tf.UnimplementedError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/2 op type\(s\)/);
    expect(msg).toMatch(/'FooOp' \(nodes 'f1', 'f2'; not a TensorFlow 1.15 op\)/);
    expect(msg).toMatch(/'BarOp' \(node 'b1'; not a TensorFlow 1.15 op\)/);
  });
  test("an input naming a missing node is an InvalidArgumentError naming the node", () => {
    const text = `${placeholder} node { name: "n" op: "Identity" input: "nothere:0" attr { key: "T" value { type: DT_FLOAT } } }`;
    expect(() => importText(text)).toThrow(tf.InvalidArgumentError);
    expect(() => importText(text)).toThrow(
      /Node 'n' \(op 'Identity'\): input 'nothere:0' refers to node 'nothere'/,
    );
  });
  test("an output index out of range", () => {
    const text = `${placeholder} node { name: "n" op: "Identity" input: "a:3" }`;
    expect(() => importText(text)).toThrow(/'a:3' refers to output 3 of 'a', which has 1 output/);
  });
  test("bad attr types, unknown attrs, missing required attrs", () => {
    const badType = `node { name: "a" op: "Placeholder" attr { key: "dtype" value { i: 3 } } }`;
    expect(() => importText(badType)).toThrow(
      /Node 'a' \(op 'Placeholder'\): attr 'dtype': attr value is a 'i' where the op expects 'type'/,
    );
    const extra = `node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "bogus" value { i: 1 } } }`;
    expect(() => importText(extra)).toThrow(/attr 'bogus' is not an attr of op 'Placeholder'/);
    const missing = `node { name: "a" op: "Placeholder" }`;
    expect(() => importText(missing)).toThrow(tf.InvalidArgumentError);
    expect(() => importText(missing)).toThrow(/'a'.*dtype/);
  });
  test("dtype mismatches, wrong input counts, duplicates, bad names, cycles", () => {
    const intConst = `node { name: "i" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 int_val: 1 } } } }`;
    const mismatch = `${placeholder} ${intConst} node { name: "s" op: "AddV2" input: "a" input: "i" }`;
    expect(() => importText(mismatch)).toThrow(/Cannot import node 's' \(op 'AddV2'\)/);
    const count = `${placeholder} node { name: "s" op: "AddV2" input: "a" }`;
    expect(() => importText(count)).toThrow(/Node 's' \(op 'AddV2'\): has 1 data input/);
    expect(() => importText(`${placeholder} ${placeholder}`)).toThrow(/Node 'a' is not unique/);
    expect(() => importText(`node { name: "a b" op: "NoOp" }`)).toThrow(/invalid characters/);
    const cycle = `node { name: "p" op: "Identity" input: "q" attr { key: "T" value { type: DT_FLOAT } } }
                   node { name: "q" op: "Identity" input: "p" attr { key: "T" value { type: DT_FLOAT } } }`;
    expect(() => importText(cycle)).toThrow(/cycle.*p → q → p|cycle.*q → p → q/);
    const ctrlFirst = `${placeholder} node { name: "n" op: "Identity" input: "^a" input: "a" }`;
    expect(() => importText(ctrlFirst)).toThrow(/control inputs must come last/);
    const future = `versions { producer: 2000 min_consumer: 1000 } ${placeholder}`;
    expect(() => importText(future)).toThrow(/min consumer version 1000/);
  });
  test("a failed import leaves the graph unchanged", () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.constant(1, { name: "keep" }));
    const text = `${placeholder} node { name: "b" op: "AddV2" input: "a" input: "a" } node { name: "bad" op: "MatMul" input: "a" input: "b" attr { key: "T" value { type: DT_INT32 } } }`;
    expect(() => importText(text, g)).toThrow(tf.InvalidArgumentError);
    expect(g.operations.map((o) => o.name)).toEqual(["keep"]);
    expect(() => importGraphDef(text, { graph: g })).toThrow(tf.InvalidArgumentError);
    expect(g.operations.length).toBe(1);
  });
  test("undecodable bytes are a DataLossError; text errors an InvalidArgumentError", () => {
    const bytes = fixture("rust-addition-graphdef/model.pb");
    expect(() =>
      importGraphDef(bytes.subarray(0, bytes.length - 7), { graph: new tf.Graph() }),
    ).toThrow(tf.DataLossError);
    expect(() => importText("node { name: ")).toThrow(tf.InvalidArgumentError);
  });
  test("a finalized graph refuses the import", () => {
    const g = new tf.Graph();
    g.finalize();
    expect(() => importGraphDef(fixture("rust-addition-graphdef/model.pb"), { graph: g })).toThrow(
      /finalized/,
    );
  });

  test("fuzz: truncations and bit flips of a GraphDef give only clean errors", () => {
    const g0 = buildSample();
    const bytes = toBinary(GraphDefSchema, g0.asGraphDef());
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    let ok = 0;
    let failed = 0;
    for (let trial = 0; trial < 400; trial++) {
      let b: Uint8Array;
      if (trial % 2 === 0) b = bytes.slice(0, rand(bytes.length));
      else {
        b = bytes.slice();
        for (let k = 0; k <= rand(3); k++) b[rand(b.length)] ^= 1 << rand(8);
      }
      try {
        importGraphDef(b, { graph: new tf.Graph() });
        ok++;
      } catch (e) {
        if (!(e instanceof tf.OpError)) throw e;
        failed++;
      }
    }
    expect(ok + failed).toBe(400);
    expect(failed).toBeGreaterThan(0);
  });
});

describe("compat ops", () => {
  test("DynamicStitch places rows by index; v1 Concat; v1 Variable; Snapshot", async () => {
    const text = `
      node { name: "i0" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 2 } } int_val: 0 int_val: 2 } } } }
      node { name: "i1" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 1 } } int_val: 1 } } } }
      node { name: "d0" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } dim { size: 2 } } float_val: 1 float_val: 2 float_val: 3 float_val: 4 } } } }
      node { name: "d1" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 1 } dim { size: 2 } } float_val: 9 float_val: 8 } } } }
      node { name: "st" op: "DynamicStitch" input: "i0" input: "i1" input: "d0" input: "d1" attr { key: "N" value { i: 2 } } attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "ax" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 int_val: 1 } } } }
      node { name: "cat" op: "Concat" input: "ax" input: "d0" input: "d0" attr { key: "N" value { i: 2 } } attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "v" op: "Variable" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 1 } dim { size: 2 } } } } }
      node { name: "v/Assign" op: "Assign" input: "v" input: "d1" attr { key: "T" value { type: DT_FLOAT } } }
      node { name: "snap" op: "Snapshot" input: "v" attr { key: "T" value { type: DT_FLOAT } } }`;
    const g = new tf.Graph();
    importGraphDef(text, { graph: g, name: "" });
    const t = (n: string) => g.getTensorByName(`${n}:0`);
    expect(t("st").shape.dims).toEqual([3, 2]);
    expect(t("cat").shape.dims).toEqual([2, 4]);
    expect(t("v").shape.dims).toEqual([1, 2]);
    const sess = new tf.Session({ graph: g });
    await sess.run(g.getOperationByName("v/Assign"));
    const [st, cat, snap] = await sess.run([t("st"), t("cat"), t("snap")]);
    expectArray(st, [
      [1, 2],
      [9, 8],
      [3, 4],
    ]);
    expectArray(cat, [
      [1, 2, 1, 2],
      [3, 4, 3, 4],
    ]);
    expectArray(snap, [[9, 8]]);
  });
  test("DynamicStitch errors: data not matching the indices", async () => {
    const g = new tf.Graph();
    const out = g.asDefault(() => {
      const idx = tf.placeholder("int32", null, "idx");
      const data = tf.placeholder("float32", null, "data");
      return g.createOp("DynamicStitch", [[idx], [data]], {}, "st").outputs[0];
    });
    const sess = new tf.Session({ graph: g });
    await expect(sess.run(out, { idx: [0, 1], data: [1, 2, 3] })).rejects.toThrow(
      tf.InvalidArgumentError,
    );
    await expect(sess.run(out, { idx: [-1], data: [1] })).rejects.toThrow(/negative/);
  });
});

test("importGraphDefDetailed reports the prefix", () => {
  const g = new tf.Graph();
  const r = importGraphDefDetailed(graphToGraphDef(buildSample()), { graph: g, name: "m" });
  expect(r.prefix).toBe("m/");
  expect(r.ops.get("x")!.name).toBe("m/x");
  expect(create(GraphDefSchema).node).toEqual([]);
});
