// Control flow built from TF1's dataflow primitives: tf.cond from Switch and Merge, tf.whileLoop
// from Enter, Merge, LoopCond, Switch, NextIteration and Exit, with the same structure (node
// types, names, frame names, attrs) as TensorFlow 1.x builds, so graphs go both ways.
import { UnimplementedError, ValueError } from "../framework/errors.js";
import {
  type ControlFlowContext,
  type Graph,
  getDefaultGraph,
  isInContext,
  Operation,
  Tensor,
} from "../framework/graph.js";
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import { flatten, type Nested, packAs, structureOf } from "./nest.js";
import { convertToTensor, graphOf, makeOp1, type TensorLike } from "./op_builder.js";
import { TensorArray } from "./tensor_array.js";
import { functionalWhileLoop } from "./while_functional.js";
import { importedWhileLoop } from "./while_import.js";

const same = (c: ShapeContext) => c.input(0);
/** Merge's output: the inputs' common rank, with the dims on which they all agree. */
function mergeShape(c: ShapeContext): ShapeLike[] {
  let out: TensorShape = c.input(0);
  for (let i = 1; i < c.numInputs; i++) {
    const s = c.input(i);
    if (out.rank === null || s.rank === null || out.rank !== s.rank) {
      out = TensorShape.unknown();
      break;
    }
    out = new TensorShape(out.dims!.map((d, k) => (d === s.dims![k] ? d : null)));
  }
  return [out, []];
}

registerOp("Switch", {
  shape: (c) => {
    c.withRank(1, 0);
    return [c.input(0), c.input(0)];
  },
  // Only one side is live: its gradient flows back; the dead side's zeros are dead too.
  gradient: (op, [gFalse, gTrue]) => {
    if (!condOfSwitch.has(op)) throw loopGradientError(op);
    return [mergeTensors([gFalse!, gTrue!]), null];
  },
});
registerOp("RefSwitch", {
  shape: (c) => {
    c.withRank(1, 0);
    return [c.input(0), c.input(0)];
  },
});
registerOp("Merge", {
  shape: mergeShape,
  gradient: (op, [grad]) => {
    const cond = condOfMerge.get(op);
    if (!cond) throw loopGradientError(op);
    // The gradient goes back only into the branch that was taken.
    const sw = makeOpInContext(op.graph, cond.outer, "Switch", [grad!, cond.pred]);
    return [sw.outputs[0], sw.outputs[1]];
  },
});
registerOp("RefMerge", { shape: mergeShape });
for (const t of ["Enter", "RefEnter", "Exit", "RefExit", "NextIteration", "RefNextIteration"]) {
  registerOp(t, { shape: same, gradient: (op) => [throwLoopGradient(op)] });
}
registerOp("LoopCond", { shape: (c) => c.withRank(0, 0) });
registerOp("ControlTrigger", {});
registerOp("Assert", {
  shape: (c) => {
    c.withRank(0, 0);
    return [];
  },
});

function loopGradientError(op: Operation): UnimplementedError {
  // Loops are differentiated as a whole (gradients/while_grad.ts), from their tf.whileLoop or,
  // for imported ones, from the structure read off the graph; a lone frame op has no gradient.
  return new UnimplementedError(
    `No gradient for '${op.name}' (${op.type}): it is not part of a while loop whose Enter/Merge/Switch/NextIteration/Exit structure could be recognised`,
  );
}
function throwLoopGradient(op: Operation): never {
  throw loopGradientError(op);
}

/** Creates an op with `ctx` as the control-flow context and no enclosing control dependencies. */
function makeOpInContext(
  graph: Graph,
  ctx: ControlFlowContext | null,
  type: string,
  inputs: Tensor[],
  attrs: Record<string, unknown> = {},
  name?: string,
): Operation {
  return graph.withControlFlowContext(ctx, () =>
    graph.controlDependencies(null, () =>
      graph.createOp(type, inputs, attrs as never, name ?? type),
    ),
  );
}

function mergeTensors(inputs: Tensor[], name?: string): Tensor {
  const g = inputs[0].graph;
  return g.createOp(inputs[0].isRef ? "RefMerge" : "Merge", [inputs], {}, name ?? "Merge")
    .outputs[0];
}

const condOfSwitch = new WeakMap<Operation, CondContext>();
const condOfMerge = new WeakMap<Operation, { pred: Tensor; outer: ControlFlowContext | null }>();

/** One branch of a tf.cond being built: outside values enter through Switch(value, pred)[branch]. */
class CondContext implements ControlFlowContext {
  private readonly values = new Map<Tensor, Tensor>();
  constructor(
    readonly graph: Graph,
    readonly outer: ControlFlowContext | null,
    readonly pred: Tensor,
    readonly pivot: Tensor,
    readonly branch: 0 | 1,
  ) {}

  addValue(t: Tensor): Tensor {
    let v = this.values.get(t);
    if (v) return v;
    const sw = makeOpInContext(this.graph, this.outer, t.isRef ? "RefSwitch" : "Switch", [
      t,
      this.pred,
    ]);
    sw._setControlFlowContext(this);
    condOfSwitch.set(sw, this);
    v = sw.outputs[this.branch];
    this.values.set(t, v);
    return v;
  }
  addControlInput(op: Operation): Operation {
    return op; // outside ops run in the same frame: waiting on them is enough
  }
  addOp(op: Operation): void {
    // An op without inputs would run whichever branch is taken: tie it to this branch's pivot.
    if (op.inputs.length === 0 && op.controlInputs.every((c) => !isInContext(c, this))) {
      if (op !== this.pivot.op) op.addControlInputs([this.pivot.op]);
    }
  }
}

type TensorNest = Nested<Tensor | Operation>;
const isLeaf = (x: unknown): x is Tensor | Operation =>
  x instanceof Tensor || x instanceof Operation;

/**
 * `trueFn()` if `pred` is true, else `falseFn()` (tf.cond): only the taken branch runs, side
 * effects and asserts included. Both functions return the same structure of tensors (or ops).
 */
export function cond<T extends TensorNest>(
  pred: TensorLike,
  trueFn: () => T,
  falseFn: () => T,
  name?: string,
): T {
  const graph = graphOf([pred]);
  return graph.nameScope(name ?? "cond", () => {
    const p = convertToTensor(pred, "bool", undefined, graph);
    if (p.shape.rank !== null && p.shape.rank !== 0) {
      throw new ValueError(`tf.cond: pred must be a scalar bool, got shape ${p.shape}`);
    }
    const outer = graph.controlFlowContext;
    const sw = graph.createOp("Switch", [p, p], {}, "Switch");
    const pivotT = graph.createOp("Identity", [sw.outputs[1]], {}, "switch_t").outputs[0];
    const pivotF = graph.createOp("Identity", [sw.outputs[0]], {}, "switch_f").outputs[0];
    const predId = graph.createOp("Identity", [p], {}, "pred_id").outputs[0];
    const branch = (fn: () => T, pivot: Tensor, b: 0 | 1): { structure: T; leaves: Tensor[] } => {
      const ctx = new CondContext(graph, outer, predId, pivot, b);
      return graph.withControlFlowContext(ctx, () => {
        const structure = fn();
        const leaves = flatten<Tensor | Operation>(structure, isLeaf).map((x) => {
          if (x instanceof Operation) {
            // An op result becomes a tensor that is live when the op has run in this branch.
            return graph.controlDependencies(
              [x],
              () => graph.createOp("Identity", [pivot], {}, "Identity").outputs[0],
            );
          }
          if (!(x instanceof Tensor))
            throw new ValueError("tf.cond: branches must return tensors or ops");
          const inside = isInContext(x.op, ctx) ? x : ctx.addValue(x);
          // A ref result (an Assign's output) leaves the branch as its value.
          return inside.isRef
            ? graph.createOp("Identity", [inside], {}, "Identity").outputs[0]
            : inside;
        });
        return { structure, leaves };
      });
    };
    const t = branch(trueFn, pivotT, 1);
    const f = branch(falseFn, pivotF, 0);
    if (structureOf(t.structure, isLeaf) !== structureOf(f.structure, isLeaf)) {
      throw new ValueError(
        `tf.cond: true_fn and false_fn must return the same structure, got ${structureOf(t.structure, isLeaf)} and ${structureOf(f.structure, isLeaf)}`,
      );
    }
    const merged = t.leaves.map((tt, i) => {
      const ff = f.leaves[i];
      if (tt.dtype !== ff.dtype) {
        throw new ValueError(
          `tf.cond: outputs ${i} of the branches have dtypes ${tt.dtype} and ${ff.dtype}`,
        );
      }
      const m = graph.createOp("Merge", [[ff, tt]], {}, "Merge");
      condOfMerge.set(m, { pred: predId, outer });
      return m.outputs[0];
    });
    const leavesOut = flatten<Tensor | Operation>(t.structure, isLeaf).map((x, i) =>
      x instanceof Operation ? merged[i].op : merged[i],
    );
    return packAs(t.structure, leavesOut, isLeaf) as T;
  });
}

/** tf.case: the function of the first true predicate, else `defaultFn` (nested tf.conds). */
export function caseOf<T extends TensorNest>(
  pairs: readonly [TensorLike, () => T][],
  defaultFn: () => T,
  name?: string,
): T {
  const g = getDefaultGraph();
  return g.nameScope(name ?? "case", () => {
    const build = (i: number): T =>
      i === pairs.length ? defaultFn() : cond(pairs[i][0], pairs[i][1], () => build(i + 1));
    return build(0);
  });
}
export { caseOf as case };

/**
 * What the backward pass of a tf.whileLoop needs: its inputs and outputs, and the functions that
 * build its condition and body (over the flat list of loop vars), so that a gradient can replay
 * the loop and differentiate each iteration.
 */
export interface WhileLoopInfo {
  /** The loop vars' initial values (before Enter), flat. */
  readonly initial: readonly Tensor[];
  /** Outside tensors the loop uses (each enters as a loop invariant). */
  readonly externals: () => readonly Tensor[];
  /** The loop's outputs, one Exit per loop var. */
  readonly exits: readonly Tensor[];
  /** The static shape each loop var keeps across iterations. */
  readonly varShapes: readonly TensorShape[];
  readonly cond: (...vars: Tensor[]) => Tensor;
  readonly body: (...vars: Tensor[]) => Tensor[];
  readonly parallelIterations: number;
}
const loopOfExit = new WeakMap<Operation, WhileLoopInfo>();
/**
 * The loop an op stands for in the backward pass: for an Exit, the tf.whileLoop that built it or,
 * for a loop imported from a GraphDef, its structure read off the graph (remembered for all its
 * exits); for a functional While/StatelessWhile, the loop over its functions.
 */
export function whileLoopOf(op: Operation): WhileLoopInfo | undefined {
  if (op.type === "While" || op.type === "StatelessWhile") return functionalWhileLoop(op);
  let info = loopOfExit.get(op);
  if (info === undefined && (op.type === "Exit" || op.type === "RefExit")) {
    info = importedWhileLoop(op);
    if (info) for (const e of info.exits) loopOfExit.set(e.op, info);
  }
  return info;
}

/** A tf.whileLoop being built: outside values enter through Enter(value, frame, is_constant=true). */
class WhileContext implements ControlFlowContext {
  private readonly values = new Map<Tensor, Tensor>();
  /** What ops without inputs depend on: the loop condition's pivot, then the body's. */
  pivot: Tensor | null = null;
  constructor(
    readonly graph: Graph,
    readonly outer: ControlFlowContext | null,
    readonly frameName: string,
    readonly parallelIterations: number,
  ) {}

  enter(t: Tensor, isConstant: boolean): Tensor {
    const op = makeOpInContext(this.graph, this.outer, t.isRef ? "RefEnter" : "Enter", [t], {
      frame_name: this.frameName,
      is_constant: isConstant,
      parallel_iterations: this.parallelIterations,
    });
    op._setControlFlowContext(this);
    return op.outputs[0];
  }
  addValue(t: Tensor): Tensor {
    let v = this.values.get(t);
    if (!v) this.values.set(t, (v = this.enter(t, true)));
    return v;
  }
  /** The outside tensors entered so far, as loop invariants. */
  get externals(): Tensor[] {
    return [...this.values.keys()];
  }
  addControlInput(op: Operation): Operation {
    // A frame's ops can only wait on values of that frame: route the dependency in through an
    // Enter of a constant made after `op`.
    const marker = this.graph.withControlFlowContext(this.outer, () =>
      this.graph.controlDependencies([op], () =>
        convertToTensor(0, "int32", "control_dependency", this.graph),
      ),
    );
    return this.addValue(marker).op;
  }
  addOp(op: Operation): void {
    // An op fed only by loop invariants (or by nothing) would run in every iteration that starts,
    // including the one whose condition fails: tie it to the pivot, as TF does.
    const free =
      op.controlInputs.length === 0 &&
      op.inputs.every(
        (t) =>
          (t.op.type === "Enter" || t.op.type === "RefEnter") && t.op.attrs.is_constant === true,
      );
    if (this.pivot && free && op !== this.pivot.op) op.addControlInputs([this.pivot.op]);
  }
}

export interface WhileLoopOptions {
  /** Per loop var, a shape it keeps across iterations (may be less specific than its initial shape). */
  shapeInvariants?: readonly (ShapeLike | undefined)[];
  /** Stop after this many iterations even if `cond` holds. */
  maximumIterations?: TensorLike;
  parallelIterations?: number;
  name?: string;
}

/**
 * Repeats `body` while `cond` holds (tf.while_loop): `loopVars` are the loop's state; `cond` and
 * `body` receive them as arguments; `body` returns their next values in the same structure. The
 * trip count is decided at run time. Returns the final values, in the structure of `loopVars`.
 */
function whileLoopOfTensors(
  condFn: (...vars: Tensor[]) => TensorLike,
  body: (...vars: Tensor[]) => Nested<TensorLike>,
  loopVars: readonly Nested<TensorLike>[],
  options: WhileLoopOptions = {},
): Tensor[] {
  if (loopVars.length === 0) throw new ValueError("tf.whileLoop: no loop variables");
  const graph = graphOf(flatten<TensorLike>(loopVars as Nested<TensorLike>, isTensorLeaf));
  return graph.nameScope(options.name ?? "while", (scope) => {
    let structure: Nested<TensorLike>[] = [...loopVars];
    let invariants = (options.shapeInvariants ?? []).map((s) =>
      s === undefined ? undefined : TensorShape.from(s),
    );
    let userCond = condFn;
    let userBody = (...vars: Tensor[]): Nested<TensorLike>[] =>
      asList(body(...vars), loopVars.length);
    const counted = options.maximumIterations !== undefined;
    if (counted) {
      // As TF does: an iteration counter as an extra loop var, and `counter < max` in the condition.
      const maxIter = convertToTensor(
        options.maximumIterations!,
        "int32",
        "maximum_iterations",
        graph,
      );
      structure = [convertToTensor(0, "int32", "iteration_counter", graph), ...structure];
      invariants = [TensorShape.scalar(), ...invariants];
      userCond = (i, ...rest) =>
        makeOp1("LogicalAnd", [makeOp1("Less", [i, maxIter]), convertToTensor(condFn(...rest))]);
      userBody = (i, ...rest) => [
        makeOp1("AddV2", [i, 1]),
        ...asList(body(...rest), loopVars.length),
      ];
    }
    const initial = flatten<TensorLike>(structure as Nested<TensorLike>, isTensorLeaf).map((v) =>
      convertToTensor(v, undefined, undefined, graph),
    );
    const args = (values: Tensor[]) =>
      packAs(structure as Nested<TensorLike>, values, isTensorLeaf) as Tensor[];
    const ctx = new WhileContext(
      graph,
      graph.controlFlowContext,
      scope.slice(0, -1),
      options.parallelIterations ?? 10,
    );
    const enters = initial.map((t) => ctx.enter(t, false));
    return graph.withControlFlowContext(ctx, () => {
      const merges = enters.map((e, i) => {
        const m = graph.createOp(e.isRef ? "RefMerge" : "Merge", [[e, e]], {}, "Merge");
        const inv = invariants[i];
        if (inv) {
          if (!inv.isCompatibleWith(e.shape)) {
            throw new ValueError(
              `tf.whileLoop: loop var ${i} has shape ${e.shape}, not compatible with its shape invariant ${inv}`,
            );
          }
          m.outputs[0]._resetShape(inv);
        }
        return m;
      });
      const mergeOut = merges.map((m) => m.outputs[0]);
      ctx.pivot = mergeOut[0];
      const c = convertToTensor(userCond(...args(mergeOut)), undefined, undefined, graph);
      if (c.dtype !== "bool" || (c.shape.rank !== null && c.shape.rank !== 0)) {
        throw new ValueError(
          `tf.whileLoop: cond must return a scalar bool, got ${c.dtype} ${c.shape}`,
        );
      }
      const inCtx = (t: Tensor) => (isInContext(t.op, ctx) ? t : ctx.addValue(t));
      const loopCond = graph.createOp("LoopCond", [inCtx(c)], {}, "LoopCond").outputs[0];
      const switches = mergeOut.map((m) =>
        graph.createOp(m.isRef ? "RefSwitch" : "Switch", [m, loopCond], {}, "Switch"),
      );
      const bodyVars = switches.map(
        (s) => graph.createOp("Identity", [s.outputs[1]], {}, "Identity").outputs[0],
      );
      ctx.pivot = bodyVars[0];
      const result = flatten<TensorLike>(
        userBody(...args(bodyVars)) as Nested<TensorLike>,
        isTensorLeaf,
      );
      if (result.length !== mergeOut.length) {
        throw new ValueError(
          `tf.whileLoop: body returned ${result.length} values for ${mergeOut.length} loop vars`,
        );
      }
      result.forEach((r, i) => {
        const m = mergeOut[i];
        let t = inCtx(convertToTensor(r, m.dtype, undefined, graph));
        if (
          !m.shape.isCompatibleWith(t.shape) ||
          (m.shape.rank !== null && t.shape.rank === null)
        ) {
          throw new ValueError(
            `The shape for ${m.name} is not an invariant for the loop. It enters the loop with shape ${m.shape}, but has shape ${t.shape} after one iteration. Provide shape invariants using the shapeInvariants option of tf.whileLoop or setShape() on the loop variables.`,
          );
        }
        // A loop invariant passed straight through still needs a node of this iteration.
        if (t.op.type === "Enter") t = graph.createOp("Identity", [t], {}, "Identity").outputs[0];
        const next = graph.createOp(
          t.isRef ? "RefNextIteration" : "NextIteration",
          [t],
          {},
          "NextIteration",
        );
        graph.updateInput(merges[i], 1, next.outputs[0]);
      });
      const exits = switches.map(
        (s) =>
          graph.createOp(s.outputs[0].isRef ? "RefExit" : "Exit", [s.outputs[0]], {}, "Exit")
            .outputs[0],
      );
      const info: WhileLoopInfo = {
        initial,
        externals: () => ctx.externals,
        exits,
        varShapes: mergeOut.map((m) => m.shape),
        cond: (...vars) => convertToTensor(userCond(...args(vars)), undefined, undefined, graph),
        body: (...vars) =>
          flatten<TensorLike>(userBody(...args(vars)) as Nested<TensorLike>, isTensorLeaf).map(
            (r, i) => convertToTensor(r, vars[i].dtype, undefined, graph),
          ),
        parallelIterations: ctx.parallelIterations,
      };
      for (const e of exits) loopOfExit.set(e.op, info);
      const out = args(exits);
      return counted ? out.slice(1) : out;
    });
  });
}

export function whileLoop(
  condFn: (...vars: Tensor[]) => TensorLike,
  body: (...vars: Tensor[]) => Nested<TensorLike>,
  loopVars: readonly Nested<TensorLike>[],
  options?: WhileLoopOptions,
): Tensor[];
/**
 * With TensorArray loop vars (TF1 carries each through the loop as its flow tensor; its handle
 * enters as a loop invariant): annotate the callbacks' parameters; the result has their types.
 */
export function whileLoop<A extends unknown[]>(
  condFn: (...vars: A & {}) => TensorLike, // A & {}: A is inferred from body alone
  body: (...vars: A) => Nested<TensorLike | TensorArray>,
  loopVars: readonly Nested<TensorLike | TensorArray>[],
  options?: WhileLoopOptions,
): A;
export function whileLoop(
  condFn: (...vars: never[]) => unknown,
  body: (...vars: never[]) => unknown,
  loopVars: readonly unknown[],
  options: WhileLoopOptions = {},
): unknown[] {
  type Fn = (...vars: unknown[]) => unknown;
  const cond = condFn as Fn;
  const step = body as Fn;
  const leaves = flatten<unknown>(loopVars as Nested<unknown>, isTensorLeaf);
  if (!leaves.some((x) => x instanceof TensorArray)) {
    return whileLoopOfTensors(cond as never, step as never, loopVars as never, options);
  }
  const toFlows = (vars: Nested<unknown>) =>
    packAs(
      vars,
      flatten<unknown>(vars, isTensorLeaf).map((x) => (x instanceof TensorArray ? x.flow : x)),
      isTensorLeaf,
    ) as Nested<TensorLike>[];
  // The body and the result get TensorArrays with the same handle and the loop's flow.
  const toArrays = (vars: readonly Nested<Tensor>[]) =>
    packAs(
      loopVars as Nested<unknown>,
      flatten<unknown>(vars, isTensorLeaf).map((t, i) => {
        const x = leaves[i];
        return x instanceof TensorArray ? x.withFlow(t as Tensor) : t;
      }),
      isTensorLeaf,
    ) as Tensor[];
  const out = whileLoopOfTensors(
    (...v) => cond(...toArrays(v)) as TensorLike,
    (...v) => toFlows(asList(step(...toArrays(v)) as Nested<TensorLike>, loopVars.length)),
    toFlows(loopVars as Nested<unknown>),
    options,
  );
  return toArrays(out);
}

/** The body's result as a list of loop vars (a lone loop var may be returned bare). */
function asList(result: Nested<TensorLike>, n: number): Nested<TensorLike>[] {
  return Array.isArray(result) && result.length === n ? [...result] : [result];
}

const isTensorLeaf = (x: unknown): x is TensorLike =>
  !Array.isArray(x) &&
  (typeof x !== "object" || x === null || x instanceof Tensor || !isPlainObject(x));
const isPlainObject = (x: object) => Object.getPrototypeOf(x) === Object.prototype;

/**
 * An op that raises InvalidArgumentError with `data` in its message when `condition` is false at
 * run time (tf.Assert / tf.assert). Make other ops depend on it with controlDependencies.
 */
export function assert(
  condition: TensorLike,
  data: readonly TensorLike[],
  summarize = 3,
  name?: string,
): Operation {
  const g = graphOf([condition, ...data]);
  const c = convertToTensor(condition, "bool", undefined, g);
  const d = data.map((x) => convertToTensor(x, undefined, undefined, g));
  return g.createOp("Assert", [c, d], { summarize }, name ?? "Assert");
}
