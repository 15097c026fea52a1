// Numeric gradient checks of the resource variables ops (merged into gradient_coverage.test.ts).
// The checker differentiates with respect to placeholders, and no gradient flows from a
// placeholder into a variable's handle (assignments have no outputs). So each row stores the
// input x in a variable (assign, then read after it), computes f of that read, and returns
//   y = stopGradient(f) + sum((x - stopGradient(x)) * stopGradient(G)),
// where G = tf.gradients(f, handle) goes through the op's own gradient. y equals f(x), and its
// gradient with respect to x is G: the checker compares G with finite differences of f.
import * as tf from "../../src/index.js";
import { type GradChecks, s } from "./common.js";

function throughVariable(
  x: tf.Tensor,
  useResource: boolean,
  f: (v: tf.Variable, read: () => tf.Tensor) => tf.Tensor,
  wrt: (v: tf.Variable) => tf.Tensor,
): tf.Tensor {
  const v = new tf.Variable(tf.zeros(x.shape.asArray(), "float64"), { useResource });
  const assign = useResource ? tf.assignVariableOp(v.handle, x) : v.assign(x).op;
  const fx = tf.controlDependencies([assign], () =>
    tf.reduceSum(f(v, () => (useResource ? tf.readVariableOp(v.handle) : tf.identity(v.ref)))),
  );
  const [g] = tf.gradients(fx, wrt(v));
  const linear = tf.mul(tf.sub(x, tf.stopGradient(x)), tf.stopGradient(g!));
  return tf.add(tf.stopGradient(fx), tf.reduceSum(linear));
}

export const CHECKS: GradChecks = {
  ReadVariableOp: [
    // f = sum(read^2) + sum(3 * read): two reads, their gradients sum at the handle.
    (x) =>
      throughVariable(
        x,
        true,
        (_v, read) => tf.add(tf.square(read()), tf.mul(read(), 3)),
        (v) => v.handle,
      ),
    [s(2, 3)],
  ],
  ResourceGather: [
    (x) =>
      throughVariable(
        x,
        true,
        (v) => tf.square(tf.resourceGather(v.handle, [2, 0, 2])),
        (v) => v.handle,
      ),
    [s(3, 2)],
  ],
  RefIdentity: [
    (x) =>
      throughVariable(
        x,
        false,
        (v) => {
          const ref = tf.getDefaultGraph().createOp("RefIdentity", [v.ref]).outputs[0];
          return tf.sin(tf.identity(ref));
        },
        (v) => v.ref,
      ),
    [s(2, 2)],
  ],
};
