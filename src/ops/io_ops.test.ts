// SaveSlices (TF1's Saver for partitioned variables) and TF's broken export that uses it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import * as tf from "../index.js";
import { TensorSliceReader } from "../io/checkpoint/tensor_slices.js";
import { restoreV1 } from "./io_ops.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "tg-io-ops-"));
const fixture = (p: string) => path.join(import.meta.dirname, "../../test/fixtures/tf", p);

describe("SaveSlices", () => {
  test("whole-tensor slices ('') write a V1 checkpoint that Restore reads", async () => {
    const file = path.join(tmp(), "v1.ckpt");
    const g = new tf.Graph();
    const ops = g.asDefault(() => {
      const data = [tf.constant([[1, 2]]), tf.constant(["hi"])];
      const save = g.createOp("SaveSlices", [
        tf.constant(file),
        tf.constant(["a", "s"]),
        tf.constant(["", ""]),
        data,
      ]);
      return { save, a: restoreV1(file, "a", "float32") };
    });
    const sess = new tf.Session({ graph: g });
    await sess.run(ops.save);
    expect(new TensorSliceReader(file).keys()).toEqual(["a", "s"]);
    expect((await sess.run(ops.a)).toArray()).toEqual([[1, 2]]);
  });

  test("a partial slice is UnimplementedError naming the tensor", async () => {
    const file = path.join(tmp(), "v1.ckpt");
    const g = new tf.Graph();
    const save = g.asDefault(() =>
      g.createOp("SaveSlices", [
        tf.constant(file),
        tf.constant(["a"]),
        tf.constant(["4 0,2"]),
        [tf.constant([1, 2])],
      ]),
    );
    await expect(new tf.Session({ graph: g }).run(save)).rejects.toThrow(
      /slice \('4 0,2'\) of tensor 'a'/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  test("TF's deliberately broken export imports, and restoring it fails with a clear error", async () => {
    const dir = fixture("serving-bad_half_plus_two-meta");
    const g = new tf.Graph();
    const saver = await g.asDefault(() => tf.train.importMetaGraph(path.join(dir, "export.meta")));
    expect(g.getOperationByName("save/save").type).toBe("SaveSlices");
    const sess = new tf.Session({ graph: g });
    await expect(saver!.restore(sess, path.join(dir, "export"))).rejects.toThrow(tf.NotFoundError);
  });
});
