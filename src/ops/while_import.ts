// Loops imported from a GraphDef (or MetaGraph, or SavedModel) come without the tf.whileLoop
// closures that the backward pass rebuilds a loop's body from. TF1 builds their gradients from the
// graph alone, and so does this: it reads the loop's structure off the graph (for each loop var,
// Enter → Merge → Switch → Exit, the body from Switch's true output to NextIteration, the
// condition from the Merges to LoopCond, and the loop-invariant Enters of the frame) and gives it
// the same WhileLoopInfo a tf.whileLoop records, whose `cond` and `body` copy the imported
// subgraph onto new loop vars. The backward pass (gradients/while_grad.ts) then applies as is.
import { UnimplementedError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import type { AttrValue } from "../framework/op_def.js";
import type { TensorShape } from "../framework/tensor_shape.js";
import type { WhileLoopInfo } from "./control_flow.js";

const isType = (op: Operation, type: string) => op.type === type || op.type === `Ref${type}`;

/** The loop `exit` belongs to, read off the graph; undefined if `exit` is not an imported loop's. */
export function importedWhileLoop(exit: Operation): WhileLoopInfo | undefined {
  const sw = exit.inputs[0]?.op;
  if (!sw || !isType(sw, "Switch")) return undefined;
  const loopCond = sw.inputs[1].op;
  if (loopCond.type !== "LoopCond") return undefined;
  const where = `the loop of '${exit.name}'`;
  const fail = (what: string): never => {
    throw new UnimplementedError(`Cannot differentiate ${where}: ${what}`);
  };

  // One Switch per loop var, in creation order (the order tf.while_loop made them in).
  const switches = loopCond.outputs[0]
    .consumers()
    .filter((op) => isType(op, "Switch"))
    .sort((a, b) => a.id - b.id);
  const vars = switches.map((s) => {
    const merge = s.inputs[0].op;
    if (!isType(merge, "Merge") || merge.inputs.length !== 2)
      fail(`'${s.name}' is not fed by a Merge`);
    const [a, b] = merge.inputs.map((t) => t.op);
    const enter = isType(a, "Enter")
      ? a
      : isType(b, "Enter")
        ? b
        : fail(`'${merge.name}' has no Enter`);
    const next = enter === a ? b : a;
    if (!isType(next, "NextIteration")) fail(`'${merge.name}' has no NextIteration`);
    const exitOp = s.outputs[0].consumers().find((op) => isType(op, "Exit"));
    if (!exitOp) fail(`loop var '${merge.name}' has no Exit`);
    return { switch: s, merge, enter, next, exit: exitOp! };
  });
  const frame = vars[0].enter.attrs.frame_name as string;
  const parallelIterations = (vars[0].enter.attrs.parallel_iterations as number) ?? 10;
  // Loop invariants: the frame's Enters with is_constant set (their inputs are the externals).
  const graph = exit.graph;
  const invariantEnters = graph.operations.filter(
    (op) => isType(op, "Enter") && op.attrs.frame_name === frame && op.attrs.is_constant === true,
  );
  const externals = invariantEnters.map((e) => e.inputs[0]);

  const structural = new Set<Operation>([loopCond]);
  for (const v of vars)
    for (const op of [v.switch, v.merge, v.enter, v.next, v.exit]) structural.add(op);

  /** Copies the ops `targets` depend on inside the loop, with `given` standing for loop values. */
  const copy = (given: Map<Tensor, Tensor>, targets: Tensor[]): Tensor[] => {
    const made = new Map<Operation, Operation>();
    const backEdges: [Operation, number, Tensor][] = [];
    invariantEnters.forEach((e, i) => {
      given.set(e.outputs[0], externals[i]);
    });
    const tensor = (t: Tensor): Tensor => {
      const g = given.get(t);
      if (g) return g;
      if (structural.has(t.op))
        fail(`'${t.name}' is used where the loop's structure was not expected`);
      return cloneOp(t.op).outputs[t.index];
    };
    const cloneOp = (op: Operation): Operation => {
      const done = made.get(op);
      if (done) return done;
      // A nested loop's Merge closes a cycle through its NextIteration: make it with its Enter
      // twice, and rewire the back edge once the rest is copied.
      const backEdge = isType(op, "Merge")
        ? op.inputs.findIndex((t) => isType(t.op, "NextIteration"))
        : -1;
      const flat =
        backEdge >= 0
          ? op.inputs.map((_, i) => tensor(op.inputs[i === backEdge ? 1 - i : i]))
          : op.inputs.map(tensor);
      const control = op.controlInputs.filter((c) => !structural.has(c) && inFrame(c)).map(cloneOp);
      // Copying the inputs may have copied `op` itself (a nested loop's Switch copies its Exits).
      const copied = made.get(op);
      if (copied) return copied;
      const copyOp = graph.createOp(
        op.type,
        groupInputs(op, flat),
        op.attrs as Record<string, AttrValue>,
        op.name.split("/").pop(),
        {
          controlInputs: control,
        },
      );
      made.set(op, copyOp);
      if (backEdge >= 0) backEdges.push([copyOp, backEdge, op.inputs[backEdge]]);
      // A nested loop is copied whole: every var keeps its Exit, even one nothing reads.
      if (isType(op, "Switch") && op.inputs[1].op.type === "LoopCond") {
        for (const c of op.outputs[0].consumers()) if (isType(c, "Exit")) cloneOp(c);
      }
      return copyOp;
    };
    const out = targets.map(tensor);
    // Back edges last: by then every op of the nested loop's cycle has its one copy.
    for (let e = backEdges.pop(); e; e = backEdges.pop())
      graph.updateInput(e[0], e[1], tensor(e[2]));
    return out;
  };
  // The ops of the loop's frame: everything downstream (by data or control edges) of its Enters,
  // up to its Exits. Control inputs from outside it ran before the loop started.
  const controlConsumers = new Map<Operation, Operation[]>();
  for (const op of graph.operations) {
    for (const c of op.controlInputs)
      controlConsumers.set(c, [...(controlConsumers.get(c) ?? []), op]);
  }
  const frameOps = new Set<Operation>();
  const todo = [...vars.map((v) => v.enter), ...invariantEnters];
  for (let op = todo.pop(); op; op = todo.pop()) {
    if (frameOps.has(op)) continue;
    frameOps.add(op);
    if (structural.has(op) && isType(op, "Exit")) continue;
    for (const t of op.outputs) todo.push(...t.consumers());
    todo.push(...(controlConsumers.get(op) ?? []));
  }
  const inFrame = (op: Operation) => frameOps.has(op);

  const info: WhileLoopInfo = {
    initial: vars.map((v) => v.enter.inputs[0]),
    externals: () => externals,
    exits: vars.map((v) => v.exit.outputs[0]),
    varShapes: vars.map((v) => v.merge.outputs[0].shape as TensorShape),
    cond: (...xs) =>
      copy(new Map(vars.map((v, i) => [v.merge.outputs[0], xs[i]])), [loopCond.inputs[0]])[0],
    body: (...xs) =>
      copy(
        new Map(vars.map((v, i) => [v.switch.outputs[1], xs[i]])),
        vars.map((v) => v.next.inputs[0]),
      ),
    parallelIterations,
  };
  return info;
}

/** `op`'s flat inputs grouped by its OpDef's arguments (lists for list arguments). */
function groupInputs(op: Operation, flat: Tensor[]): (Tensor | Tensor[])[] {
  let k = 0;
  return op.def.inputs.map((arg) => {
    if (arg.numberAttr || arg.typeListAttr) {
      const n = arg.numberAttr
        ? (op.attrs[arg.numberAttr] as number)
        : (op.attrs[arg.typeListAttr!] as unknown[]).length;
      const list = flat.slice(k, k + n);
      k += n;
      return list;
    }
    return flat[k++];
  });
}
