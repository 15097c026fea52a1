// Numeric gradient checks of the functions ops (merged into gradient_coverage.test.ts): a call's
// gradient differentiates the function's body (SymbolicGradient, inlined at plan time).
import * as tf from "../../src/index.js";
import type { GradChecks } from "./common.js";

/** A call of f(a, b) = sin(a)·b + a² through `type`, with f built by tf.defun in float64. */
const call =
  (type: "PartitionedCall" | "StatefulPartitionedCall") => (a: tf.Tensor, b: tf.Tensor) => {
    const g = tf.getDefaultGraph();
    const f = tf.defun((x: tf.Tensor, y: tf.Tensor) => tf.add(tf.mul(tf.sin(x), y), tf.square(x)), {
      inputTypes: ["float64", "float64"],
      name: `SinTimesPlusSquare_${type}`,
    });
    f.addToGraph(g);
    const op = g.createOp(type, [[a, b]], { Tout: ["float64"], f: { func: f.functionName } });
    op.outputs[0].setShape(a.shape);
    return op.outputs[0];
  };

export const CHECKS: GradChecks = {
  PartitionedCall: [call("PartitionedCall"), [{ shape: [2, 3] }, { shape: [2, 3] }]],
  StatefulPartitionedCall: [call("StatefulPartitionedCall"), [{ shape: [3] }, { shape: [3] }]],
};
