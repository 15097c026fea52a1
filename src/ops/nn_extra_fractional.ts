// FractionalMaxPool and FractionalAvgPool (random pooling regions, Graham 2015) with their Grad
// ops: shape functions and gradients.

import type { Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { makeOp1 } from "./op_builder.js";

/** Output [n, floor(h / ratio_h), floor(w / ratio_w), c] and the two sequences of out + 1 entries. */
function fractionalShape(c: ShapeContext): TensorShape[] {
  const x = c.withRank(0, 4);
  const ratio = c.attr<number[]>("pooling_ratio");
  if (ratio.length !== 4)
    c.fail(`pooling_ratio field must specify 4 dimensions, got ${ratio.length}`);
  if (ratio[0] !== 1 || ratio[3] !== 1)
    c.fail("pooling_ratio other than 1.0 for the batch and channel dimensions is not supported");
  if (ratio.some((r) => !(r >= 1)))
    c.fail(`pooling_ratio cannot be smaller than 1, got [${ratio}]`);
  const out = (i: number): Dim => {
    const d = x.dim(i);
    return d === null ? null : Math.floor(d / ratio[i]);
  };
  const seq = (d: Dim) => new TensorShape([d === null ? null : d + 1]);
  return [new TensorShape([x.dim(0), out(1), out(2), x.dim(3)]), seq(out(1)), seq(out(2))];
}

/** The shape of `x` as an int64 vector (the avg-pool gradient's orig_input_tensor_shape). */
function shape64(x: Tensor): Tensor | NDArray {
  if (x.shape.isFullyDefined)
    return new NDArray("int64", [x.shape.rank!], BigInt64Array.from(x.shape.asArray(), BigInt));
  return makeOp1("Shape", [x], { out_type: "int64" });
}

registerOp("FractionalMaxPool", {
  shape: fractionalShape,
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    const [out, rows, cols] = op.outputs;
    return [
      makeOp1("FractionalMaxPoolGrad", [op.inputs[0], out, dy, rows, cols], {
        overlapping: op.attrs.overlapping,
      }),
    ];
  },
});

registerOp("FractionalAvgPool", {
  shape: fractionalShape,
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    const [, rows, cols] = op.outputs;
    return [
      makeOp1("FractionalAvgPoolGrad", [shape64(op.inputs[0]), dy, rows, cols], {
        overlapping: op.attrs.overlapping,
      }),
    ];
  },
});

registerOp("FractionalMaxPoolGrad", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    c.withRank(1, 4);
    c.withRank(2, 4);
    c.withRank(3, 1);
    c.withRank(4, 1);
    return x;
  },
});

registerOp("FractionalAvgPoolGrad", {
  shape: (c) => {
    c.withRank(1, 4);
    c.withRank(2, 1);
    c.withRank(3, 1);
    const n = c.input(0).dim(0);
    if (n !== null && n !== 4)
      c.fail(`orig_input_tensor_shape must be a vector of 4 elements, got ${n}`);
    const s = c.inputAsShape(0);
    return s.rank === 4 ? s : TensorShape.unknownOfRank(4);
  },
});
