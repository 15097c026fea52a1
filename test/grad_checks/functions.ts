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

/** If(pred, [a, b]) with then = sin(a)·b and else = a·b + b² (functions built by tf.defun). */
const branchIf = (type: "If" | "StatelessIf", pred: boolean) => (a: tf.Tensor, b: tf.Tensor) => {
  const g = tf.getDefaultGraph();
  const opts = (name: string) => ({ inputTypes: ["float64", "float64"] as tf.DType[], name });
  const th = tf.defun((x: tf.Tensor, y: tf.Tensor) => tf.mul(tf.sin(x), y), opts(`Then_${type}`));
  const el = tf.defun(
    (x: tf.Tensor, y: tf.Tensor) => tf.add(tf.mul(x, y), tf.square(y)),
    opts(`Else_${type}`),
  );
  th.addToGraph(g);
  el.addToGraph(g);
  const op = g.createOp(type, [tf.constant(pred), [a, b]], {
    Tout: ["float64"],
    then_branch: { func: th.functionName },
    else_branch: { func: el.functionName },
    output_shapes: [a.shape],
  });
  return op.outputs[0];
};

/**
 * While over [i, v, w]: while i < 3, (i, v, w) ← (i + 1, sin(v)·w, w) — cond and body are
 * functions built by tf.defun; the loop's result v is checked w.r.t. v0 and w.
 */
const functionalWhile = (type: "While" | "StatelessWhile") => (v: tf.Tensor, w: tf.Tensor) => {
  const g = tf.getDefaultGraph();
  const types: tf.DType[] = ["int32", "float64", "float64"];
  const cond = tf.defun((i: tf.Tensor) => tf.less(i, 3), {
    inputTypes: types,
    name: `Cond_${type}`,
  });
  const body = tf.defun(
    (i: tf.Tensor, x: tf.Tensor, y: tf.Tensor) => [
      tf.add(i, 1),
      tf.mul(tf.sin(x), y),
      tf.identity(y),
    ],
    { inputTypes: types, name: `Body_${type}` },
  );
  cond.addToGraph(g);
  body.addToGraph(g);
  const op = g.createOp(type, [[tf.constant(0, { dtype: "int32" }), v, w]], {
    cond: { func: cond.functionName },
    body: { func: body.functionName },
  });
  return op.outputs[1];
};

export const CHECKS: GradChecks = {
  If: [branchIf("If", true), [{ shape: [2, 2] }, { shape: [2, 2] }]],
  StatelessIf: [branchIf("StatelessIf", false), [{ shape: [3] }, { shape: [3] }]],
  PartitionedCall: [call("PartitionedCall"), [{ shape: [2, 3] }, { shape: [2, 3] }]],
  StatefulPartitionedCall: [call("StatefulPartitionedCall"), [{ shape: [3] }, { shape: [3] }]],
  While: [functionalWhile("While"), [{ shape: [2] }, { shape: [2] }]],
  StatelessWhile: [functionalWhile("StatelessWhile"), [{ shape: [3] }, { shape: [3] }]],
};
