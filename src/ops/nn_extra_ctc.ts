// CTCLoss (connectionist temporal classification): shape function and gradient.
import { getRegisteredOp, registerOp } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { makeOp1 } from "./op_builder.js";

registerOp("CTCLoss", {
  shape: (c) => {
    const x = c.withRank(0, 3);
    const idx = c.withRank(1, 2);
    c.withRank(2, 1);
    const len = c.withRank(3, 1);
    if (idx.dim(1) !== null && idx.dim(1) !== 2)
      c.fail(`labels_indices must be [num_labels, 2], got ${idx}`);
    const nIdx = idx.dim(0);
    const nVal = c.input(2).dim(0);
    if (nIdx !== null && nVal !== null && nIdx !== nVal)
      c.fail(`labels_indices and labels_values must have as many rows (${nIdx} vs. ${nVal})`);
    const batch = c.mergeDim(x.dim(1), len.dim(0), "Batch size of inputs and sequence_length");
    return [new TensorShape([batch]), new TensorShape([x.dim(0), batch, x.dim(2)])];
  },
  // As TF: the op's own gradient output, scaled by the loss gradient per batch entry. It may not
  // be differentiated again (PreventGradient where registered).
  gradient: (op, [gradLoss]) => {
    if (!gradLoss) return [null, null, null, null];
    const guard = getRegisteredOp("PreventGradient") ? "PreventGradient" : "StopGradient";
    const attrs =
      guard === "PreventGradient"
        ? { message: "Currently there is no way to take the second derivative of ctc_loss" }
        : {};
    const g = makeOp1(guard, [op.outputs[1]], attrs);
    return [makeOp1("Mul", [makeOp1("ExpandDims", [gradLoss, -1]), g]), null, null, null];
  },
});

registerOp("CTCGreedyDecoder", {
  shape: (c) => {
    const x = c.withRank(0, 3);
    const len = c.withRank(1, 1);
    const batch = c.mergeDim(x.dim(1), len.dim(0), "Batch size of inputs and sequence_length");
    return [
      new TensorShape([null, 2]),
      new TensorShape([null]),
      new TensorShape([2]),
      new TensorShape([batch, 1]),
    ];
  },
});

registerOp("CTCBeamSearchDecoder", {
  shape: (c) => {
    const x = c.withRank(0, 3);
    const len = c.withRank(1, 1);
    const batch = c.mergeDim(x.dim(1), len.dim(0), "Batch size of inputs and sequence_length");
    const n = c.attr<number>("top_paths");
    const repeat = (s: TensorShape) => Array.from({ length: n }, () => s);
    return [
      ...repeat(new TensorShape([null, 2])),
      ...repeat(new TensorShape([null])),
      ...repeat(new TensorShape([2])),
      new TensorShape([batch, n]),
    ];
  },
});
