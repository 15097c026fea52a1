// The functional While (While/StatelessWhile: cond and body are library functions) seen as a
// loop for the backward pass: the same WhileLoopInfo a tf.whileLoop records, whose `cond` and
// `body` call the op's functions (inlined when a run is planned). Its gradient is then built as
// tf.whileLoop's is (gradients/while_grad.ts): a replay recording each iteration's vars, then a
// backward loop over them — TF's while_v2 gradient computes the same numbers.
import type { DType } from "../framework/dtypes.js";
import type { Operation, Tensor } from "../framework/graph.js";
import type { FuncAttr } from "../framework/op_def.js";
import type { WhileLoopInfo } from "./control_flow.js";

const loops = new WeakMap<Operation, WhileLoopInfo>();

/** The loop a While or StatelessWhile op runs. */
export function functionalWhileLoop(op: Operation): WhileLoopInfo {
  let info = loops.get(op);
  if (info) return info;
  const graph = op.graph;
  const call = (f: FuncAttr, xs: Tensor[], tout: DType[], name: string) =>
    graph.createOp("PartitionedCall", [xs], { Tout: tout, f }, name).outputs;
  const types = op.inputs.map((t) => t.dtype);
  info = {
    initial: op.inputs,
    externals: () => [],
    exits: op.outputs,
    varShapes: op.outputs.map((t) => t.shape),
    cond: (...vars) => call(op.attrs.cond as FuncAttr, vars, ["bool"], "cond")[0],
    // A call's outputs have unknown shapes; the body keeps each var's (declared) shape.
    body: (...vars) =>
      call(op.attrs.body as FuncAttr, vars, types, "body").map((t, i) => {
        t.setShape(op.outputs[i].shape);
        return t;
      }),
    parallelIterations: (op.attrs.parallel_iterations as number | undefined) ?? 10,
  };
  loops.set(op, info);
  return info;
}
