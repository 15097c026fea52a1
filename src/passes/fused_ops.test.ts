import { describe, expect, test } from "vitest";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import type { AttrValue } from "../framework/op_def.js";
import * as tf from "../index.js";
import "./fused_ops.js";

const f32 = (shape: number[], data: number[]) =>
  tf.constant(new tf.NDArray("float32", shape, data));

/** Builds `type` directly (as the remapper does) on constants. */
function fused(
  type: "_FusedMatMul" | "_FusedConv2D",
  a: tf.Tensor,
  b: tf.Tensor,
  args: tf.Tensor[],
  attrs: Record<string, AttrValue>,
): tf.Tensor {
  const g = tf.getDefaultGraph();
  return g.createOp(type, [a, b, args], { num_args: args.length, ...attrs }).outputs[0];
}

describe.each(BACKENDS)("_FusedMatMul on %s", (backend) => {
  test("MatMul, bias, then Relu or Elu (hand-worked)", async () => {
    const [relu, elu, plain] = await runGraph(
      () => {
        const a = f32([2, 2], [1, 2, 3, 4]);
        const b = f32([3, 2], [1, 0, 0, 1, -1, -1]); // used transposed: [[1,0,-1],[0,1,-1]]
        const bias = f32([3], [0.5, -10, 1]);
        const at = { transpose_b: true };
        return [
          fused("_FusedMatMul", a, b, [bias], { ...at, fused_ops: ["BiasAdd", "Relu"] }),
          fused("_FusedMatMul", a, b, [bias], { ...at, fused_ops: ["BiasAdd", "Elu"] }),
          fused("_FusedMatMul", a, b, [bias], { ...at, fused_ops: ["BiasAdd"] }),
        ];
      },
      { backend },
    );
    // a·bᵀ = [[1,2,-3],[3,4,-7]]; + bias = [[1.5,-8,-2],[3.5,-6,-6]].
    expectArray(plain, [
      [1.5, -8, -2],
      [3.5, -6, -6],
    ]);
    expectArray(relu, [
      [1.5, 0, 0],
      [3.5, 0, 0],
    ]);
    const e = Math.expm1;
    expectArray(elu, [
      [1.5, e(-8), e(-2)],
      [3.5, e(-6), e(-6)],
    ]);
  });

  test("a bias of the wrong length, or an unknown fused op, is an error naming the op", async () => {
    const build = (ops: string[], n: number) => () =>
      fused(
        "_FusedMatMul",
        f32([1, 2], [1, 2]),
        f32([2, 2], [1, 0, 0, 1]),
        [f32([n], new Array(n).fill(1))],
        {
          fused_ops: ops,
        },
      );
    await expect(runGraph(build(["BiasAdd"], 3), { backend })).rejects.toThrow(
      tf.InvalidArgumentError,
    );
    await expect(runGraph(build(["BiasAdd"], 3), { backend })).rejects.toThrow(
      /_FusedMatMul: each fused argument must be a vector of the 2 output channels, got \[3\]/,
    );
    await expect(runGraph(build(["BiasAdd", "Tanh"], 2), { backend })).rejects.toThrow(
      tf.UnimplementedError,
    );
  });

  test("shape function: MatMul's", () => {
    inferOk("_FusedMatMul", "[2,3];[3,4];[4]", "[2,4]", { fused_ops: ["BiasAdd"] });
    inferOk("_FusedMatMul", "[?,3];[4,3];[4]", "[?,4]", { transpose_b: true });
    inferErr("_FusedMatMul", "[2,3];[2,4];[4]", /Dimensions must be equal|must be equal/);
  });
});

describe.each(BACKENDS)("_FusedConv2D on %s", (backend) => {
  test("Conv2D, bias, Relu6 (hand-worked)", async () => {
    const y = await runGraph(
      () => {
        // A 1×1 conv of 1 input channel into 2: out[c] = 4·x·w[c] + bias[c], then min(max(·,0),6).
        const x = f32([1, 2, 2, 1], [1, 2, 3, -1]);
        const f = f32([1, 1, 1, 2], [2, -1]);
        const bias = f32([2], [1, 0.5]);
        return fused("_FusedConv2D", x, f, [bias], {
          strides: [1, 1, 1, 1],
          padding: "VALID",
          fused_ops: ["BiasAdd", "Relu6"],
        });
      },
      { backend },
    );
    // x·2+1 = [3,5,7,-1] → [3,5,6,0]; x·(−1)+0.5 = [-0.5,-1.5,-2.5,1.5] → [0,0,0,1.5].
    expectArray(
      y,
      [
        [
          [
            [3, 0],
            [5, 0],
          ],
          [
            [6, 0],
            [0, 1.5],
          ],
        ],
      ],
      { shape: [1, 2, 2, 2] },
    );
  });

  test("Conv2D then inference batch norm (hand-worked)", async () => {
    const y = await runGraph(
      () => {
        const x = f32([1, 1, 2, 1], [1, 3]);
        const f = f32([1, 1, 1, 1], [2]);
        const c = (v: number) => f32([1], [v]);
        // scale 2, offset 1, mean 4, variance 3, epsilon 1: (y − 4)·2/√4 + 1 = y − 3.
        return fused("_FusedConv2D", x, f, [c(2), c(1), c(4), c(3)], {
          strides: [1, 1, 1, 1],
          padding: "SAME",
          fused_ops: ["FusedBatchNorm"],
          epsilon: 1,
        });
      },
      { backend },
    );
    expectArray(y, [[[[-1], [3]]]]); // conv gives [2, 6]
  });

  test("shape function: Conv2D's", () => {
    inferOk("_FusedConv2D", "[1,5,5,3];[3,3,3,8];[8]", "[1,3,3,8]", {
      strides: [1, 1, 1, 1],
      padding: "VALID",
    });
    inferErr("_FusedConv2D", "[1,5,5];[3,3,3,8];[8]", /rank 4/, {
      strides: [1, 1, 1, 1],
      padding: "VALID",
    });
  });
});
