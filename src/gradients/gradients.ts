import { isFloating } from "../framework/dtypes.js";
import { LookupError, ValueError } from "../framework/errors.js";
import { functionCallHooks, type Graph, type Operation, Tensor } from "../framework/graph.js";
import { getRegisteredOp } from "../framework/op_registry.js";
import { type WhileLoopInfo, whileLoopOf } from "../ops/control_flow.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "../ops/op_builder.js";
import { handleData, readVariableOp } from "../ops/resource_variables.js";
import { Variable } from "../ops/variables.js";
import { whileLoopGradients } from "./while_grad.js";

/** Ops whose outputs carry no gradient (TF's ops.NotDifferentiable). */
const NOT_DIFFERENTIABLE = new Set<string>([
  "StopGradient",
  "Shape",
  "ShapeN",
  "Size",
  "Rank",
  "ZerosLike",
  "OnesLike",
  "RandomUniform",
  "RandomUniformInt",
  "RandomStandardNormal",
  "TruncatedNormal",
  "Equal",
  "NotEqual",
  "Less",
  "LessEqual",
  "Greater",
  "GreaterEqual",
  "LogicalAnd",
  "LogicalOr",
  "LogicalNot",
  "ArgMax",
  "ArgMin",
  "OneHot",
  "Range",
  "Floor",
  "Ceil",
  "Round",
  "Rint",
  "FloorDiv",
  "TruncateDiv",
  "BroadcastGradientArgs",
  "IsVariableInitialized",
  "Where",
  "Const",
  "Placeholder",
  "PlaceholderWithDefault",
  "VariableV2",
  "NoOp",
  "Assign",
  "AssignAdd",
  "AssignSub",
  "InvertPermutation",
]);

/** Tensors that gradients flow through: floating point only, as TensorFlow's _IsBackpropagatable. */
const backpropagatable = (t: Tensor): boolean => isFloating(t.dtype);
/** Resource handles also receive gradients (a variable's, from its reads), as in TensorFlow. */
const RESOURCE = "resource" as Tensor["dtype"];
const receivesGradient = (t: Tensor): boolean => backpropagatable(t) || t.dtype === RESOURCE;

export interface GradientsOptions {
  name?: string;
  /** Tensors treated as constants: no gradient flows through them. */
  stopGradients?: readonly Tensor[];
}

/**
 * Symbolic partial derivatives of sum(ys) with respect to each of xs (tf.gradients): adds the
 * backward graph under a "gradients" name scope and returns one tensor per x, or null for an x
 * that ys do not depend on. `gradYs` are the initial gradients of ys (ones by default).
 */
export function gradients(
  ys: TensorLike | readonly TensorLike[],
  xs: TensorLike | readonly TensorLike[],
  gradYs?: readonly (TensorLike | null)[] | TensorLike | null,
  options: GradientsOptions = {},
): (Tensor | null)[] {
  const ysList = (Array.isArray(ys) ? ys : [ys]) as TensorLike[];
  const xsList = (Array.isArray(xs) ? xs : [xs]) as TensorLike[];
  const graph = graphOf([...ysList, ...xsList]);
  const yT = ysList.map((y) => convertToTensor(y, undefined, undefined, graph));
  // A resource variable is differentiated through its handle (TF's gradients of a ResourceVariable).
  const xT = xsList.map((x) =>
    x instanceof Variable && x.isResource
      ? x.handle
      : convertToTensor(x, undefined, undefined, graph),
  );
  const gradYsList =
    gradYs === undefined || gradYs === null
      ? yT.map(() => null)
      : ((Array.isArray(gradYs) ? gradYs : [gradYs]) as (TensorLike | null)[]);
  if (gradYsList.length !== yT.length) {
    throw new ValueError(`gradients: ${gradYsList.length} gradYs given for ${yT.length} ys`);
  }
  return graph.nameScope(options.name ?? "gradients", () =>
    backprop(graph, yT, xT, gradYsList, new Set(options.stopGradients ?? [])),
  );
}

/**
 * The inputs gradients flow back to: an op's inputs, except that a tf.whileLoop is one unit: its
 * Exits lead back to the loop's initial values and the outside tensors it uses.
 */
function inputsOf(op: Operation): readonly Tensor[] {
  const loop = whileLoopOf(op);
  return loop ? [...new Set([...loop.initial, ...loop.externals()])] : op.inputs;
}

function backprop(
  graph: Graph,
  ys: Tensor[],
  xs: Tensor[],
  gradYs: (TensorLike | null)[],
  stop: ReadonlySet<Tensor>,
): (Tensor | null)[] {
  const between = opsBetween(ys, xs, stop);
  // Pending count: how many consumers (inside `between`) of each op's outputs still owe a gradient.
  const pending = new Map<Operation, number>();
  for (const op of between) {
    for (const t of inputsOf(op)) {
      if (between.has(t.op)) pending.set(t.op, (pending.get(t.op) ?? 0) + 1);
    }
  }
  const grads = new Map<Tensor, Tensor[]>();
  const addGrad = (t: Tensor, g: Tensor) => {
    const list = grads.get(t);
    if (list) list.push(g);
    else grads.set(t, [g]);
  };
  ys.forEach((y, i) => {
    const gy = gradYs[i];
    const g =
      gy === null || gy === undefined
        ? makeOp1("OnesLike", [y], {}, `grad_ys_${i}`)
        : convertToTensor(gy, y.dtype, `grad_ys_${i}`, graph);
    if (g.dtype !== y.dtype)
      throw new ValueError(`gradYs[${i}] has dtype ${g.dtype}, y '${y.name}' has ${y.dtype}`);
    addGrad(y, g);
  });
  const ready: Operation[] = [];
  const seen = new Set<Operation>();
  for (const y of ys) {
    if (between.has(y.op) && !pending.get(y.op) && !seen.has(y.op)) {
      seen.add(y.op);
      ready.push(y.op);
    }
  }
  // A loop's gradient is built once the gradients of all its exits (on the path) are known.
  const loopExitsLeft = new Map<WhileLoopInfo, number>();
  for (const op of between) {
    const loop = whileLoopOf(op);
    if (loop) loopExitsLeft.set(loop, (loopExitsLeft.get(loop) ?? 0) + 1);
  }
  while (ready.length) {
    const op = ready.shift()!;
    const inputs = inputsOf(op);
    const loop = whileLoopOf(op);
    if (loop) {
      const left = loopExitsLeft.get(loop)! - 1;
      loopExitsLeft.set(loop, left);
      if (left === 0) {
        const exitGrads = loop.exits.map((e) => aggregate(grads.get(e), e));
        if (exitGrads.some((g) => g !== null)) {
          const g = whileLoopGradients(loop, exitGrads, gradients);
          const externals = loop.externals();
          loop.initial.forEach((t, i) => {
            const d = g.initial[i];
            if (d && backpropagatable(t) && !stop.has(t)) addGrad(t, d);
          });
          externals.forEach((t, i) => {
            const d = g.externals[i];
            if (d && receivesGradient(t) && !stop.has(t)) addGrad(t, d);
          });
        }
      }
    } else {
      const outGrads = op.outputs.map((t) => aggregate(grads.get(t), t));
      // Ops none of whose inputs lie between xs and ys (the xs' own ops) pass nothing further back.
      const isSource = inputs.every((t) => !between.has(t.op));
      if (outGrads.some((g) => g !== null) && !isSource && !op.outputs.every((t) => stop.has(t))) {
        const inGrads = opGradients(op, outGrads, graph);
        op.inputs.forEach((t, i) => {
          const g = inGrads[i];
          if (g && receivesGradient(t) && !stop.has(t)) addGrad(t, g);
        });
      }
    }
    for (const t of inputs) {
      if (!between.has(t.op)) continue;
      const n = (pending.get(t.op) ?? 0) - 1;
      pending.set(t.op, n);
      if (n === 0 && !seen.has(t.op)) {
        seen.add(t.op);
        ready.push(t.op);
      }
    }
  }
  return xs.map((x) => aggregate(grads.get(x), x));
}

/** The gradients for op's inputs, computed by its registered gradient function. */
function opGradients(op: Operation, outGrads: (Tensor | null)[], graph: Graph): (Tensor | null)[] {
  if (NOT_DIFFERENTIABLE.has(op.type)) return op.inputs.map(() => null);
  const fn =
    getRegisteredOp(op.type)?.gradient ??
    (op.graph.library.has(op.type) ? functionCallHooks.gradient : undefined);
  if (!fn) {
    throw new LookupError(`No gradient defined for operation '${op.name}' (op type: ${op.type})`);
  }
  return graph.nameScope(`${op.name}_grad`, () => {
    // Outputs without a gradient get zeros when others have one (the function expects all).
    const filled = outGrads.map((g, i) => {
      if (g !== null || !outGrads.some((x) => x !== null)) return g;
      const t = op.outputs[i];
      if (backpropagatable(t)) return makeOp1("ZerosLike", [t]);
      // A variable handle's zeros have its variable's shape (a read: dead where the handle is).
      if (t.dtype === RESOURCE && handleData(t)) return makeOp1("ZerosLike", [readVariableOp(t)]);
      return null;
    });
    const result = fn(op, filled);
    if (result.length !== op.inputs.length) {
      throw new ValueError(
        `Gradient of '${op.type}' returned ${result.length} gradients for ${op.inputs.length} inputs`,
      );
    }
    return result.map((g, i) => {
      if (g !== null && !(g instanceof Tensor))
        throw new ValueError(`Gradient of '${op.type}' returned a non-tensor`);
      const x = op.inputs[i];
      if (
        g &&
        x.dtype !== RESOURCE && // a handle's gradient has the variable's shape
        x.shape.rank !== null &&
        g.shape.rank !== null &&
        !x.shape.isCompatibleWith(g.shape)
      ) {
        throw new ValueError(
          `Gradient of '${op.name}' for input ${i} has shape ${g.shape}, incompatible with the input's ${x.shape}`,
        );
      }
      return g;
    });
  });
}

/** Sums the gradients that reached one tensor (AddN), or null if none did. */
function aggregate(list: Tensor[] | undefined, t: Tensor): Tensor | null {
  if (!list || list.length === 0) return null;
  if (list.length === 1) return list[0];
  return makeOp1("AddN", [list], {}, `${t.op.name}_AddN`.replace(/\//g, "_"));
}

/** Ops on some path from an x to a y (not passing through stopped tensors). */
function opsBetween(ys: Tensor[], xs: Tensor[], stop: ReadonlySet<Tensor>): Set<Operation> {
  // Forward from xs: every op that consumes (transitively) an x.
  const reached = new Set<Operation>();
  const stack: Operation[] = xs.map((x) => x.op);
  for (const x of xs) reached.add(x.op);
  while (stack.length) {
    const op = stack.pop()!;
    for (const t of op.outputs) {
      for (const c of t.consumers()) {
        if (!reached.has(c)) {
          reached.add(c);
          stack.push(c);
        }
      }
    }
  }
  // Backward from ys, keeping only reached ops.
  const between = new Set<Operation>();
  const back: Operation[] = ys.map((y) => y.op).filter((op) => reached.has(op));
  for (const op of back) between.add(op);
  while (back.length) {
    const op = back.pop()!;
    for (const t of inputsOf(op)) {
      if (stop.has(t) || !reached.has(t.op) || between.has(t.op)) continue;
      between.add(t.op);
      back.push(t.op);
    }
  }
  return between;
}
