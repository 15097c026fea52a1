/**
 * Functional control flow lowered to TF1's dataflow primitives, as TensorFlow's lowering pass
 * does: If/StatelessIf and Case become Switch → two inlined branches → Merge; While/StatelessWhile
 * becomes Enter → Merge → inlined cond → LoopCond → Switch → (Exit | inlined body →
 * NextIteration back into the Merge). Nodes of a branch or body without inputs get a control
 * input from the branch's pivot (or the loop's Merge) so that they run in its frame and die with
 * an untaken branch.
 */
import { InvalidArgumentError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import type { AttrValue, FuncAttr } from "../framework/op_def.js";
import { TensorShape } from "../framework/tensor_shape.js";
import type { Inlined, Lowering } from "./inline_functions.js";

type Branch = (inputs: Tensor[], anchor: Operation) => Inlined;

/** A condition as a bool: non-bool scalars are true when non-zero (as TF's If). */
function toPredicate(low: Lowering, t: Tensor, name: string, anchor: Operation | null): Tensor {
  if (t.dtype === "bool") return t;
  const zero = low.scalar(0, t.dtype, `${name}/zero`, anchor);
  return low.prim("NotEqual", [t, zero], {}, `${name}/pred`).outputs[0];
}

function checkSame(name: string, a: Tensor[], b: Tensor[], what: string): void {
  if (a.length !== b.length || a.some((t, i) => t.dtype !== b[i].dtype))
    throw new InvalidArgumentError(
      `Node '${name}': ${what} return [${a.map((t) => t.dtype).join(", ")}] and [${b.map((t) => t.dtype).join(", ")}], which differ`,
    );
}

/** Switch on `pred`, each side built by its branch, then Merge (and a Merge of the branches' side effects). */
function lowerCond(
  low: Lowering,
  pred: Tensor,
  inputs: readonly Tensor[],
  thenFn: Branch,
  elseFn: Branch,
  name: string,
): Inlined {
  const sw = low.prim("Switch", [pred, pred], {}, `${name}/switch_pred`);
  const pivotT = low.prim("Identity", [sw.outputs[1]], {}, `${name}/switch_t`);
  const pivotF = low.prim("Identity", [sw.outputs[0]], {}, `${name}/switch_f`);
  const sws = inputs.map((x, i) => low.prim("Switch", [x, pred], {}, `${name}/input_${i}`));
  const t = thenFn(
    sws.map((s) => s.outputs[1]),
    pivotT,
  );
  const e = elseFn(
    sws.map((s) => s.outputs[0]),
    pivotF,
  );
  checkSame(name, t.outputs, e.outputs, "the two branches");
  const outputs = t.outputs.map(
    (x, i) => low.prim("Merge", [e.outputs[i], x], {}, `${name}/output_${i}`).outputs[0],
  );
  const doneT = low.prim("Identity", [pivotT.outputs[0]], {}, `${name}/then_done`, {
    controls: t.ctrl,
  });
  const doneF = low.prim("Identity", [pivotF.outputs[0]], {}, `${name}/else_done`, {
    controls: e.ctrl,
  });
  const done = low.prim("Merge", [doneF.outputs[0], doneT.outputs[0]], {}, `${name}/done`);
  return { outputs, args: [], ctrl: [done] };
}

/** If / StatelessIf. */
export function lowerIf(
  low: Lowering,
  cond: Tensor,
  inputs: readonly Tensor[],
  thenF: FuncAttr,
  elseF: FuncAttr,
  name: string,
  anchor: Operation | null,
  stack: readonly string[],
): Inlined {
  const pred = toPredicate(low, cond, name, anchor);
  const branch =
    (f: FuncAttr, scope: string): Branch =>
    (ins, a) =>
      low.inline(f.func, f.attrs ?? {}, ins, `${name}/${scope}`, a, stack, name);
  return lowerCond(low, pred, inputs, branch(thenF, "then"), branch(elseF, "else"), name);
}

/** Case: a chain of conditions `index == k`; an index out of range runs the last branch (as TF). */
export function lowerCase(
  low: Lowering,
  index: Tensor,
  inputs: readonly Tensor[],
  branches: readonly FuncAttr[],
  name: string,
  anchor: Operation | null,
  stack: readonly string[],
): Inlined {
  if (!branches || branches.length === 0)
    throw new InvalidArgumentError(`Node '${name}' (op 'Case'): no branches`);
  const run = (k: number, ins: Tensor[], a: Operation | null, scope: string): Inlined =>
    low.inline(
      branches[k].func,
      branches[k].attrs ?? {},
      ins,
      `${scope}/branch${k}`,
      a,
      stack,
      name,
    );
  const chain = (
    k: number,
    idx: Tensor,
    ins: Tensor[],
    a: Operation | null,
    scope: string,
  ): Inlined => {
    if (k === branches.length - 1) return run(k, ins, a, scope);
    const c = low.scalar(k, "int32", `${scope}/index${k}`, a);
    const pred = low.prim("Equal", [idx, c], {}, `${scope}/is${k}`).outputs[0];
    return lowerCond(
      low,
      pred,
      [idx, ...ins],
      (sw, p) => run(k, sw.slice(1), p, scope),
      (sw, p) => chain(k + 1, sw[0], sw.slice(1), p, `${scope}/else${k}`),
      `${scope}/case${k}`,
    );
  };
  return chain(0, index, [...inputs], anchor, name);
}

/** While / StatelessWhile. */
export function lowerWhile(
  low: Lowering,
  inputs: readonly Tensor[],
  cond: FuncAttr,
  body: FuncAttr,
  attrs: Record<string, AttrValue>,
  name: string,
  anchor: Operation | null,
  stack: readonly string[],
): Inlined {
  if (inputs.length === 0)
    throw new InvalidArgumentError(
      `Node '${name}' (op 'While'): a loop needs at least one loop variable`,
    );
  const shapes = (attrs.output_shapes as readonly TensorShape[] | undefined) ?? [];
  const enterAttrs = {
    frame_name: name,
    is_constant: false,
    parallel_iterations: (attrs.parallel_iterations as number | undefined) ?? 10,
  };
  const controls = anchor ? [anchor] : [];
  const merges = inputs.map((x, i) => {
    const e = low.prim("Enter", [x], enterAttrs, `${name}/enter_${i}`, { controls });
    const m = low.prim("Merge", [e.outputs[0], e.outputs[0]], {}, `${name}/merge_${i}`);
    // The body may change a loop variable's shape: only output_shapes is known to hold.
    m.outputs[0]._resetShape(shapes[i] ?? TensorShape.unknown());
    return m;
  });
  const vars = merges.map((m) => m.outputs[0]);
  const c = low.inline(cond.func, cond.attrs ?? {}, vars, `${name}/cond`, merges[0], stack, name);
  if (c.outputs.length !== 1)
    throw new InvalidArgumentError(
      `Node '${name}' (op 'While'): cond function '${cond.func}' returns ${c.outputs.length} values, not one`,
    );
  let pred = toPredicate(low, c.outputs[0], `${name}/cond`, merges[0]);
  if (c.ctrl.length > 0)
    pred = low.prim("Identity", [pred], {}, `${name}/cond_done`, { controls: c.ctrl }).outputs[0];
  const loopCond = low.prim("LoopCond", [pred], {}, `${name}/loop_cond`).outputs[0];
  const switches = vars.map((m, i) => low.prim("Switch", [m, loopCond], {}, `${name}/switch_${i}`));
  const exits = switches.map(
    (s, i) => low.prim("Exit", [s.outputs[0]], {}, `${name}/exit_${i}`).outputs[0],
  );
  const ids = switches.map(
    (s, i) => low.prim("Identity", [s.outputs[1]], {}, `${name}/body_input_${i}`).outputs[0],
  );
  const b = low.inline(body.func, body.attrs ?? {}, ids, `${name}/body`, ids[0].op, stack, name);
  checkSame(name, vars, b.outputs, "the loop variables and the body");
  b.outputs.forEach((t, i) => {
    // Side effects of the body run in every iteration: the next values wait for them.
    const x =
      b.ctrl.length > 0
        ? low.prim("Identity", [t], {}, `${name}/body_output_${i}`, { controls: b.ctrl }).outputs[0]
        : t;
    const next = low.prim("NextIteration", [x], {}, `${name}/next_${i}`);
    low.graph.updateInput(merges[i], 1, next.outputs[0]);
  });
  return { outputs: exits, args: ids, ctrl: [] };
}
