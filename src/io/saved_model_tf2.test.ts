// TF 2 SavedModels in graph mode: the function library, resource variables restored through the
// SaverDef's restore call (saver_filename), the object graph key in the checkpoint, and the
// signatures called by key. Expected values from test/fixtures/tf/README.md.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/tf");
const TIMES_THREE = join(FIXTURES, "tfjs-node-times_three_float");
const HALF_PLUS_TWO = join(FIXTURES, "tf-half_plus_two-savedmodel");

describe("savedModel.loadSignatures", () => {
  test("TF 2 times_three: serving_default({ x }) → { output_0: 3·x }", async () => {
    const m = await tf.savedModel.loadSignatures(TIMES_THREE);
    expect(Object.keys(m.signatures)).toEqual(["serving_default"]);
    expect(Object.keys(m.signatureDefs).sort()).toEqual([
      "__saved_model_init_op",
      "serving_default",
    ]);
    expect(m.graph.library.size).toBe(5);
    const out = await m.signatures.serving_default({ x: 3 });
    expect(Object.keys(out)).toEqual(["output_0"]);
    expect(out.output_0.dtype).toBe("float32");
    expect(out.output_0.item()).toBe(9);
    expect((await m.signatures.serving_default({ x: -1.5 })).output_0.item()).toBe(-4.5);
    // The session is the model's: its variable was restored there.
    expect(m.session.graph).toBe(m.graph);
  });

  test("wrong or missing inputs are InvalidArgumentErrors naming them", async () => {
    const m = await tf.savedModel.loadSignatures(TIMES_THREE);
    await expect(m.signatures.serving_default({})).rejects.toThrow(/needs input\(s\) 'x'/);
    await expect(m.signatures.serving_default({ x: 1, y: 2 })).rejects.toThrow(
      /has no input 'y' \(its inputs: x\)/,
    );
  });

  test("TF 1 half_plus_two through the same API, its tf.Example signatures included", async () => {
    const m = await tf.savedModel.loadSignatures(HALF_PLUS_TWO);
    const out = await m.signatures.serving_default({ x: [[2], [4]] });
    expectArray(out.y, [[3], [4]]); // 0.5·x + 2
    expectArray((await m.signatures.regress_x2_to_y3({ inputs: [[2]] })).outputs, [[4]]); // 0.5·x2 + 3
    // The tf_example signatures parse serialized tf.train.Examples (ParseExample; features x,
    // required, and x2, default 0, both float [1]).
    const { train } = tf;
    const example = (feature: Record<string, number>) =>
      train.serializeToString(
        train.Example({
          features: train.Features({
            feature: Object.fromEntries(
              Object.entries(feature).map(([k, v]) => [
                k,
                train.Feature({ floatList: train.FloatList({ value: [v] }) }),
              ]),
            ),
          }),
        }),
      );
    const examples = [example({ x: 2, x2: 10 }), example({ x: -4 })];
    const regress = await m.signatures.regress_x_to_y({ inputs: examples });
    expectArray(regress.outputs, [[3], [0]]); // 0.5·x + 2
    const regress2 = await m.signatures.regress_x_to_y2({ inputs: examples });
    expectArray(regress2.outputs, [[4], [1]]); // 0.5·x + 3
    const classify = await m.signatures.classify_x_to_y({ inputs: examples });
    expectArray(classify.scores, [[3], [0]]); // 0.5·x + 2
    // y3 = 0.5·x2 + 3 from the same examples (x2 defaults to 0 in the second).
    expectArray((await m.session.run("y3:0", { "tf_example:0": examples })) as tf.NDArray, [
      [8],
      [3],
    ]);
    // x is required: an Example without it is InvalidArgumentError naming it and the example.
    await expect(
      m.signatures.regress_x_to_y({ inputs: [example({ x: 1 }), example({ x2: 1 })] }),
    ).rejects.toThrow(/Feature: x \(data type: float\) is required.*index 1/);
  });

  test("the TF 2 save function writes a checkpoint (object graph key included) that restores", async () => {
    const m = await tf.savedModel.loadSignatures(TIMES_THREE);
    const dir = mkdtempSync(join(tmpdir(), "tg-tf2-"));
    const prefix = join(dir, "ckpt");
    // The SaverDef: save_tensor_name StatefulPartitionedCall_1:0 with saver_filename fed.
    const written = await m.session.run("StatefulPartitionedCall_1:0", {
      "saver_filename:0": prefix,
    });
    expect((written as tf.NDArray).item()).toBe(prefix);
    const vars = tf.train.listVariables(prefix).map(([n]) => n);
    expect(vars).toContain("v/.ATTRIBUTES/VARIABLE_VALUE");
    expect(vars).toContain("_CHECKPOINTABLE_OBJECT_GRAPH");
    expect(tf.train.loadVariable(prefix, "v/.ATTRIBUTES/VARIABLE_VALUE").item()).toBe(3);
  });

  test("a StatefulPartitionedCall of the model's mutate function changes what serving computes", async () => {
    const m = await tf.savedModel.loadSignatures(TIMES_THREE);
    const g = m.graph;
    const call = g.asDefault(() =>
      g.createOp(
        "StatefulPartitionedCall",
        [[tf.constant(5), g.getTensorByName("Variable:0")]],
        { Tout: [], f: { func: "__inference_mutate_22" } },
        "mutate",
      ),
    );
    await m.session.run(call);
    expect((await m.signatures.serving_default({ x: 2 })).output_0.item()).toBe(10);
  });

  test("gradients through the TF 2 call: d(3·x)/dx = 3 (the variable's handle gets none)", async () => {
    const m = await tf.savedModel.loadSignatures(TIMES_THREE);
    const g = m.graph;
    const x = g.getTensorByName("serving_default_x:0");
    const [dx] = g.asDefault(() => tf.gradients(g.getTensorByName("StatefulPartitionedCall:0"), x));
    expect(dx!.op.type).toBe("SymbolicGradient");
    expect(((await m.session.run(dx!, { "serving_default_x:0": 2 })) as tf.NDArray).item()).toBe(3);
  });
});
