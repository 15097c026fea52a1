// The Saver and MetaGraphs with resource variables: checkpoints named as for reference variables
// (either kind restores the other's), saves through a read and restores through
// AssignVariableOp, VariableDefs with is_resource, and an imported graph that trains on.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";
import { variableToProto } from "../io/meta_graph.js";
import { GraphDefSchema } from "../io/proto/index.js";
import { parseTextFormat } from "../io/text_format.js";
import { listVariables, loadVariable, Saver } from "./saver.js";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "tg-rsaver-"));
let n = 0;
const tmpDir = () => fs.mkdtempSync(path.join(tmpRoot, `t${n++}-`));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** Variables of several dtypes, of one kind, and a Saver of them all. */
function model(useResource: boolean) {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const w = new tf.Variable(
      tf.constant([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      { name: "dense/kernel", useResource },
    );
    const step = new tf.Variable(tf.constant(7, { dtype: "int64" }), {
      name: "global_step",
      trainable: false,
      useResource,
    });
    const words = new tf.Variable(tf.constant(["a", "bé"]), { name: "words", useResource });
    const saver = new Saver();
    const bump = tf.group([w.assignAdd(tf.ones([2, 3])), words.assign(tf.constant(["x", "y"]))]);
    return { g, w, step, words, saver, bump, init: tf.globalVariablesInitializer() };
  });
}

describe("Saver with resource variables", () => {
  test("save through a read, restore through AssignVariableOp; names as TF", async () => {
    const m = model(true);
    const types = m.g.operations.filter((o) => o.name.startsWith("save/")).map((o) => o.type);
    expect(types).toContain("ReadVariableOp");
    expect(types).toContain("AssignVariableOp");
    expect(types).not.toContain("Assign");
    expect(m.g.getOperationByName("save/Read/ReadVariableOp").type).toBe("ReadVariableOp");
    const sess = new tf.Session({ graph: m.g });
    await sess.run(m.init);
    const dir = tmpDir();
    const prefix = await m.saver.save(sess, path.join(dir, "model"), { globalStep: m.step });
    expect(prefix).toBe(path.join(dir, "model-7"));
    expect(listVariables(prefix)).toEqual([
      ["dense/kernel", [2, 3]],
      ["global_step", []],
      ["words", [2]],
    ]);
    expectArray(loadVariable(prefix, "dense/kernel"), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await sess.run(m.bump);
    expectArray(await sess.run(m.w), [
      [2, 3, 4],
      [5, 6, 7],
    ]);
    await m.saver.restore(sess, prefix);
    expectArray(await sess.run(m.w), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect((await sess.run(m.words)).toArray()).toEqual(["a", "bé"]);
    // A fresh session: restoring initializes the variables.
    const fresh = new tf.Session({ graph: m.g });
    await m.saver.restore(fresh, prefix);
    expectArray(await fresh.run(m.step), 7, { dtype: "int64" });
  });

  test("a checkpoint of reference variables restores resource variables, and back", async () => {
    const ref = model(false);
    const res = model(true);
    const refSess = new tf.Session({ graph: ref.g });
    const resSess = new tf.Session({ graph: res.g });
    await refSess.run(ref.init);
    await refSess.run(ref.bump);
    const dir = tmpDir();
    const fromRef = await ref.saver.save(refSess, path.join(dir, "ref"));
    await res.saver.restore(resSess, fromRef);
    expectArray(await resSess.run(res.w), [
      [2, 3, 4],
      [5, 6, 7],
    ]);
    await resSess.run(res.bump);
    const fromRes = await res.saver.save(resSess, path.join(dir, "res"));
    expect(listVariables(fromRes)).toEqual(listVariables(fromRef));
    await ref.saver.restore(refSess, fromRes);
    expectArray(await refSess.run(ref.w), [
      [3, 4, 5],
      [6, 7, 8],
    ]);
  });

  test("restoring a value of the wrong shape fails", async () => {
    const g = new tf.Graph();
    const { saver, other } = g.asDefault(() => {
      const v = new tf.Variable(tf.zeros([3]), { name: "v", useResource: true });
      return { saver: new Saver({ varList: [v] }), other: v };
    });
    const g2 = new tf.Graph();
    const small = g2.asDefault(() => {
      const v = new tf.Variable(tf.zeros([2]), { name: "v", useResource: true });
      return { v, saver: new Saver({ varList: [v] }) };
    });
    const s2 = new tf.Session({ graph: g2 });
    await s2.run(small.v.initializer);
    const prefix = await small.saver.save(s2, path.join(tmpDir(), "small"));
    const s = new tf.Session({ graph: g });
    expect(other.isResource).toBe(true);
    await expect(saver.restore(s, prefix)).rejects.toThrow(tf.InvalidArgumentError);
  });
});

describe("MetaGraphs with resource variables", () => {
  test("VariableDefs say is_resource; an imported graph restores and trains on", async () => {
    const g = new tf.Graph();
    const built = g.asDefault(() => {
      const x = tf.placeholder("float32", [null, 2], "x");
      const w = new tf.Variable(tf.constant([[1], [2]]), { name: "w", useResource: true });
      const loss = tf.reduceSum(tf.square(tf.matmul(x, w)));
      return { w, loss, saver: new Saver() };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(built.w.initializer);
    const dir = tmpDir();
    const prefix = await built.saver.save(sess, path.join(dir, "m"));
    const def = variableToProto(built.w);
    expect(def.isResource).toBe(true);
    expect(def.variableName).toBe("w:0");
    expect(def.snapshotName).toBe("w/Read/ReadVariableOp:0");
    expect(def.initializerName).toBe("w/Assign");

    const g2 = new tf.Graph();
    const { saver, w, loss, train } = g2.asDefault(() => {
      const saver = tf.train.importMetaGraph(`${prefix}.meta`);
      const [w] = tf.globalVariables();
      const loss = g2.getTensorByName(built.loss.name);
      const train = new tf.train.GradientDescentOptimizer(0.1).minimize(loss);
      return { saver, w, loss, train };
    });
    expect(w.isResource).toBe(true);
    expect(w.name).toBe("w:0");
    expect(w.op.type).toBe("VarHandleOp");
    expect(w.graphElement.name).toBe("w/Read/ReadVariableOp:0");
    expect(w.initializer.name).toBe("w/Assign");
    expect(g2.operations.some((o) => o.type === "ResourceApplyGradientDescent")).toBe(true);
    const s2 = new tf.Session({ graph: g2 });
    await saver!.restore(s2, prefix);
    expectArray(await s2.run(w), [[1], [2]]);
    // loss = (x . w)^2 with x = [1, 1]: d/dw = 2 * 3 * [1, 1]; w -= 0.1 * 6.
    const feeds = { "x:0": [[1, 1]] };
    expectArray(await s2.run(loss, feeds), 9);
    await s2.run(train, feeds);
    expectArray(await s2.run(w), [[0.4], [1.4]]);
  });
});

// What TF 1.15 writes for `v = tf.Variable([1., 2.], name="v", use_resource=True)` and
// `y = tf.multiply(v, 2., name="y")` (tf.Graph.as_graph_def(), versions and devices left out).
const TF_GRAPH = `
node { name: "v/Initializer/initial_value" op: "Const"
  attr { key: "_class" value { list { s: "loc:@v" } } }
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } }
    tensor_content: "\\000\\000\\200?\\000\\000\\000@" } } } }
node { name: "v" op: "VarHandleOp"
  attr { key: "_class" value { list { s: "loc:@v" } } }
  attr { key: "container" value { s: "" } }
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "shape" value { shape { dim { size: 2 } } } }
  attr { key: "shared_name" value { s: "v" } } }
node { name: "v/IsInitialized/VarIsInitializedOp" op: "VarIsInitializedOp" input: "v" }
node { name: "v/Assign" op: "AssignVariableOp" input: "v" input: "v/Initializer/initial_value"
  attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "v/Read/ReadVariableOp" op: "ReadVariableOp" input: "v"
  attr { key: "_class" value { list { s: "loc:@v" } } }
  attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "ReadVariableOp" op: "ReadVariableOp" input: "v"
  attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "y/y" op: "Const"
  attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { } float_val: 2 } } } }
node { name: "y" op: "Mul" input: "ReadVariableOp" input: "y/y"
  attr { key: "T" value { type: DT_FLOAT } } }
`;

describe("GraphDefs with resource variables", () => {
  test("a TF 1.15 GraphDef with a resource variable imports and runs", async () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(parseTextFormat(GraphDefSchema, TF_GRAPH), { name: "" }));
    expect(g.getTensorByName("ReadVariableOp:0").shape.toString()).toBe("[2]");
    const s = new tf.Session({ graph: g });
    expect((await s.run("v/IsInitialized/VarIsInitializedOp:0")).item()).toBe(false);
    await expect(s.run("y:0")).rejects.toThrow(tf.FailedPreconditionError);
    await s.run("v/Assign");
    expectArray(await s.run("y:0"), [2, 4]);
    // A Variable object around the imported ops, as a VariableDef with is_resource gives.
    const v = tf.Variable.fromGraph(g, {
      variableName: "v:0",
      initializerName: "v/Assign",
      snapshotName: "v/Read/ReadVariableOp:0",
      isResource: true,
    });
    expect(v.isResource).toBe(true);
    expect(v.shape.toString()).toBe("[2]");
    await s.run(g.asDefault(() => v.assignAdd([1, 1])));
    expectArray(await s.run(v.graphElement), [2, 3]);
  });
});
