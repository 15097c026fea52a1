// The backward pass of a tf.whileLoop. TensorFlow 1.x records each iteration's values on stacks
// inside the forward loop; here a replay of the loop records each iteration's loop vars on stacks,
// then a backward loop pops them in reverse order, rebuilds that iteration's body and
// differentiates it: the same numbers, at the cost of running the forward loop twice.
import { isFloating } from "../framework/dtypes.js";
import type { Tensor } from "../framework/graph.js";
import { type WhileLoopInfo, whileLoop } from "../ops/control_flow.js";
import { convertToTensor, makeOp1 } from "../ops/op_builder.js";
import { handleData, readVariableOp } from "../ops/resource_variables.js";
import { stack, stackPop, stackPush } from "../ops/stack_ops.js";

/** A variable's handle: its gradient (a variable's) has the variable's shape, not the handle's. */
const isHandle = (t: Tensor): boolean =>
  t.dtype === ("resource" as Tensor["dtype"]) && handleData(t) !== null;

/** tf.gradients itself, passed in by the backward walk (which calls this module). */
export type Differentiate = (
  ys: Tensor[],
  xs: Tensor[],
  gradYs: (Tensor | null)[],
) => (Tensor | null)[];

/**
 * Gradients of a loop's inputs (its loop vars' initial values, then its external tensors) given
 * the gradients flowing into its exits (null where none flows).
 */
export function whileLoopGradients(
  loop: WhileLoopInfo,
  exitGrads: readonly (Tensor | null)[],
  gradients: Differentiate,
): { initial: (Tensor | null)[]; externals: (Tensor | null)[] } {
  const graph = loop.initial[0].graph;
  // Float tensors and resource handles (a variable read in the body) receive gradients.
  const externals = loop.externals().filter((e) => isFloating(e.dtype) || isHandle(e));
  const floatVars = loop.initial.flatMap((t, i) => (isFloating(t.dtype) ? [i] : []));
  return graph.nameScope("while_grad", () => {
    // 1. Replay: push every loop var of every iteration; count the iterations.
    const stacks = loop.initial.map((t) => stack(t.dtype));
    const [count] = whileLoop(
      (_n, ...vars) => loop.cond(...vars),
      (n, ...vars) => {
        const pushed = vars.map((v, i) => stackPush(stacks[i], v));
        // The count (which the backward loop waits for) depends on every push, so no push is
        // pruned away even if nothing reads the value it passes on.
        const next = graph.controlDependencies(pushed, () => makeOp1("AddV2", [n, 1]));
        return [next, ...loop.body(...pushed)];
      },
      [convertToTensor(0, "int32", "iterations", graph), ...loop.initial],
      {
        shapeInvariants: [undefined, ...loop.varShapes],
        parallelIterations: loop.parallelIterations,
        name: "replay",
      },
    );
    // 2. Backward: from the last iteration to the first, pop the iteration's vars, rebuild its
    // body and carry the gradients of the vars back; sum the gradients of the externals.
    const gradsIn = floatVars.map((i) => exitGrads[i] ?? makeOp1("ZerosLike", [loop.exits[i]]));
    const accs = externals.map((e) => makeOp1("ZerosLike", [isHandle(e) ? readVariableOp(e) : e]));
    const result = whileLoop(
      (k) => makeOp1("Greater", [k, 0]),
      (k, ...state) => {
        const grads = state.slice(0, floatVars.length);
        const acc = state.slice(floatVars.length);
        const vars = loop.initial.map((t, i) => {
          const v = stackPop(stacks[i], t.dtype);
          v.setShape(loop.varShapes[i]);
          return v;
        });
        const ys = loop.body(...vars);
        const ctx = graph.controlFlowContext!;
        const inner = externals.map((e) => ctx.addValue(e));
        const xs = [...floatVars.map((i) => vars[i]), ...inner];
        const dx = gradients(
          floatVars.map((i) => ys[i]),
          xs,
          grads,
        );
        const nextGrads = floatVars.map((i, j) => dx[j] ?? makeOp1("ZerosLike", [vars[i]]));
        const nextAcc = acc.map((a, j) => {
          const d = dx[floatVars.length + j];
          return d ? makeOp1("AddV2", [a, d]) : makeOp1("Identity", [a]);
        });
        return [makeOp1("Sub", [k, 1]), ...nextGrads, ...nextAcc];
      },
      [count, ...gradsIn, ...accs],
      {
        shapeInvariants: [
          undefined,
          ...floatVars.map((i) => loop.varShapes[i]),
          ...externals.map((e) => (isHandle(e) ? (handleData(e)?.shape ?? e.shape) : e.shape)),
        ],
        parallelIterations: loop.parallelIterations,
        name: "backward",
      },
    );
    const initial = loop.initial.map(() => null as Tensor | null);
    floatVars.forEach((i, j) => {
      initial[i] = result[1 + j];
    });
    const externalGrads = loop.externals().map((e) => {
      const j = externals.indexOf(e);
      return j >= 0 ? result[1 + floatVars.length + j] : null;
    });
    return { initial, externals: externalGrads };
  });
}
