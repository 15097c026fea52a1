// The base class of TF1's optimizers (tf.train.Optimizer): gradients, slot variables, and the
// update ops that apply the gradients.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import {
  type Graph,
  GraphKeys,
  getDefaultGraph,
  isTensorConvertible,
  type Operation,
  Tensor,
} from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { gradients } from "../gradients/gradients.js";
import { fill, ones, onesLike, shape as shapeOf, zeros, zerosLike } from "../ops/array_shape.js";
import { constant } from "../ops/basic.js";
import { cast } from "../ops/math.js";
import { constOp, convertToTensor, type TensorLike } from "../ops/op_builder.js";
import { Variable } from "../ops/variables.js";

/** A hyper-parameter: a number, a tensor (e.g. a learning-rate schedule), or a function giving one. */
export type Hyper = TensorLike | (() => TensorLike);

/** A gradient and the variable it is for (null: no gradient reached the variable). */
export type GradAndVar = [Tensor | null, Variable];

export interface ComputeGradientsOptions {
  /** The variables to differentiate with respect to; default the trainable variables. */
  varList?: readonly Variable[];
  /** The gradient of the loss itself (ones by default). */
  gradLoss?: TensorLike;
  /** Tensors treated as constants: no gradient flows through them. */
  stopGradients?: readonly Tensor[];
}

export interface ApplyGradientsOptions {
  /** A variable incremented by one after the updates (see tf.train.getOrCreateGlobalStep). */
  globalStep?: Variable;
  /** The name of the returned op (and of the name scope of the update ops); default the optimizer's name. */
  name?: string;
}

export interface MinimizeOptions extends ComputeGradientsOptions, ApplyGradientsOptions {}

/** The options of every optimizer. */
export interface OptimizerOptions {
  /** Accepted for TensorFlow compatibility; updates here never race. */
  useLocking?: boolean;
  /** The optimizer's name: the name scope of its ops and the suffix of its slot variables. */
  name?: string;
}

const VALID_DTYPES: readonly DType[] = ["float32", "float64"];

/**
 * Maps positional constructor arguments to option names, as TF1's optimizers take them:
 * `new AdamOptimizer(1e-3, 0.9)`, `new AdamOptimizer({ learningRate: 1e-3 })` and
 * `new AdamOptimizer(1e-3, { beta1: 0.8 })` all work. An argument that is a plain object holds
 * the remaining options.
 */
export function positionalOptions<T extends object>(
  args: readonly unknown[],
  names: readonly (keyof T & string)[],
): T {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (isPlainObject(a)) {
      for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
      break;
    }
    if (a !== undefined && i < names.length) out[names[i]] = a;
  }
  return out as T;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  if (x instanceof Tensor || isTensorConvertible(x) || x instanceof NDArray) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** `value`, or a ValueError saying that `what` is required when it is undefined. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ValueError(`${what} is required`);
  return value;
}

/**
 * The base class of the optimizers (tf.train.Optimizer). Subclasses create their slots, turn their
 * hyper-parameters into tensors (`prepare`) and build one update op per variable (`applyDense`).
 */
export abstract class Optimizer {
  readonly name: string;
  readonly useLocking: boolean;
  /** Slot name -> (variable op -> slot variable). */
  private readonly slots = new Map<string, Map<Operation, Variable>>();
  /** Variables that belong to no one variable (Adam's beta powers), per graph. */
  private readonly nonSlot = new Map<Graph, Map<string, Variable>>();

  constructor(useLocking: boolean | undefined, name: string | undefined) {
    if (!name) throw new ValueError("Must specify the optimizer name");
    this.useLocking = useLocking ?? false;
    this.name = name;
  }

  /**
   * The gradients of `loss` with respect to the variables: `[gradient, variable]` pairs, the
   * gradient null where the loss does not depend on the variable.
   */
  computeGradients(loss: TensorLike, options: ComputeGradientsOptions = {}): GradAndVar[] {
    const lossT = convertToTensor(loss);
    assertValidDtypes([lossT]);
    const graph = lossT.graph;
    let gradLoss: Tensor | undefined;
    if (options.gradLoss !== undefined) {
      gradLoss = convertToTensor(options.gradLoss, undefined, undefined, graph);
      assertValidDtypes([gradLoss]);
    }
    const varList = [
      ...(options.varList ?? graph.getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES)),
    ];
    if (varList.length === 0) throw new ValueError("No variables to optimize.");
    for (const v of varList) checkVariable(v);
    // Differentiate with respect to the variables' refs (a resource variable's handle), as TF1
    // does, so that every read of a variable (its snapshot, readValue(), any ReadVariableOp)
    // contributes.
    const grads = gradients(
      lossT,
      varList.map((v) => v.ref),
      gradLoss === undefined ? undefined : [gradLoss],
      { stopGradients: options.stopGradients },
    );
    const pairs = varList.map((v, i): GradAndVar => [grads[i], v]);
    for (const [g, v] of pairs) if (g !== null) assertValidDtype(v.dtype, v.name);
    return pairs;
  }

  /**
   * An op that applies the gradients to their variables (and then increments `globalStep`, when
   * given). Pairs whose gradient is null are skipped.
   */
  applyGradients(
    gradsAndVars: readonly (readonly [TensorLike | null, Variable])[],
    options: ApplyGradientsOptions = {},
  ): Operation {
    if (gradsAndVars.length === 0) throw new ValueError("No variables provided.");
    const converted: GradAndVar[] = gradsAndVars.map(([g, v]) => {
      checkVariable(v);
      return [g === null ? null : convertToTensor(g, undefined, undefined, v.graph), v];
    });
    const varList = converted.filter(([g]) => g !== null).map(([, v]) => v);
    if (varList.length === 0) {
      throw new ValueError(
        `No gradients provided for any variable: [${converted.map(([, v]) => `'${v}'`).join(", ")}].`,
      );
    }
    const graph = varList[0].graph;
    return graph.asDefault(() => {
      // Slots are state, created outside any control dependencies (TF's init_scope).
      graph.controlDependencies(null, () => this.createSlots(varList));
      return graph.nameScope(options.name ?? this.name, (scope) => {
        const name = scope.slice(0, -1);
        this.prepare();
        const updateOps: Operation[] = [];
        for (const [g, v] of converted) {
          if (g === null) continue;
          graph.nameScope(`update_${v.op.name}`, () => updateOps.push(this.applyDense(g, v)));
        }
        let applyUpdates: Operation;
        const step = options.globalStep;
        if (step === undefined) {
          applyUpdates = this.finish(updateOps, name, true);
        } else {
          checkVariable(step);
          const finished = this.finish(updateOps, "update", false);
          applyUpdates = graph.controlDependencies([finished], () => {
            const one = constOp(NDArray.from(1, step.dtype), graph, "value");
            if (step.isResource) {
              return graph.createOp("AssignAddVariableOp", [step.ref, one], {}, name, {
                exactName: true,
              });
            }
            return graph.createOp("AssignAdd", [step.ref, one], {}, name, { exactName: true });
          });
        }
        const trainOps = graph.getCollectionRef<Operation>(GraphKeys.TRAIN_OP);
        if (!trainOps.includes(applyUpdates)) trainOps.push(applyUpdates);
        return applyUpdates;
      });
    });
  }

  /** computeGradients then applyGradients: the op that takes one training step on `loss`. */
  minimize(loss: TensorLike, options: MinimizeOptions = {}): Operation {
    const gradsAndVars = this.computeGradients(loss, options);
    if (gradsAndVars.every(([g]) => g === null)) {
      const lossName = loss instanceof Tensor ? loss.toString() : String(loss);
      throw new ValueError(
        `No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [${gradsAndVars.map(([, v]) => `'${v}'`).join(", ")}] and loss ${lossName}.`,
      );
    }
    return this.applyGradients(gradsAndVars, options);
  }

  /** The slot variable `name` (e.g. "m" for Adam) of `variable`, or null if it has none. */
  getSlot(variable: Variable, name: string): Variable | null {
    return this.slots.get(name)?.get(variable.op) ?? null;
  }

  /** The names of the slots this optimizer creates for each variable, sorted. */
  getSlotNames(): string[] {
    return [...this.slots.keys()].sort();
  }

  /** The optimizer's own variables in the default graph (slots and e.g. Adam's beta powers), by name. */
  variables(): Variable[] {
    const graph = getDefaultGraph();
    const out = [...(this.nonSlot.get(graph)?.values() ?? [])];
    for (const perVar of this.slots.values()) {
      for (const v of perVar.values()) if (v.graph === graph) out.push(v);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates the slot variables of the variables about to be updated (none by default). */
  protected createSlots(_varList: readonly Variable[]): void {}

  /** Turns the hyper-parameters into tensors, in the optimizer's name scope (before the updates). */
  protected prepare(): void {}

  /** The op that updates `variable` with `grad` (created in the scope "<name>/update_<var>"). */
  protected abstract applyDense(grad: Tensor, variable: Variable): Operation;

  /** The op that runs after all the updates (a group named `name`); Adam also updates its beta powers. */
  protected finish(updateOps: readonly Operation[], name: string, exactName: boolean): Operation {
    return groupOps(updateOps, name, exactName);
  }

  /** A hyper-parameter as a tensor: numbers become constants named `name` in the current scope. */
  protected hyperTensor(value: Hyper, name: string): Tensor {
    const v = typeof value === "function" ? value() : value;
    return convertToTensor(v, undefined, name);
  }

  /** `t` in `dtype` (a Cast op only when the dtypes differ). */
  protected castTo(t: Tensor, dtype: DType): Tensor {
    return cast(t, dtype);
  }

  /** The slot `slotName` of `variable`, created zero-filled if it does not exist yet. */
  protected zerosSlot(variable: Variable, slotName: string, opName: string): Variable {
    return this.slotWithValue(variable, 0, slotName, opName);
  }

  /**
   * The slot `slotName` of `variable`, created if needed as a non-trainable variable named
   * "<variable>/<opName>" (uniquified: "w/Adam", "w/Adam_1") holding `value` everywhere.
   */
  protected slotWithValue(
    variable: Variable,
    value: number,
    slotName: string,
    opName: string,
  ): Variable {
    let perVar = this.slots.get(slotName);
    if (!perVar) this.slots.set(slotName, (perVar = new Map()));
    const existing = perVar.get(variable.op);
    if (existing) return existing;
    const graph = variable.graph;
    const dtype = variable.dtype;
    const shape = variable.shape;
    const slot = graph.asDefault(() =>
      graph.controlDependencies(null, () =>
        // Re-enter the variable's own scope, so the slot's name extends the variable's.
        graph.nameScope(`${variable.op.name}/`, () => {
          // Slots are of the variable's kind (TF's slot_creator).
          const useResource = variable.isResource;
          if (shape.isFullyDefined) {
            return new Variable(() => filled(shape.asArray(), dtype, value), {
              name: opName,
              trainable: false,
              collections: [GraphKeys.GLOBAL_VARIABLES],
              useResource,
            });
          }
          // A variable of partly unknown shape: the slot takes the shape of its initial value.
          return new Variable(() => filledLike(variable.initialValue, value), {
            name: opName,
            trainable: false,
            collections: [GraphKeys.GLOBAL_VARIABLES],
            validateShape: false,
            useResource,
          });
        }),
      ),
    );
    perVar.set(variable.op, slot);
    return slot;
  }

  /**
   * A variable of the optimizer not tied to one variable (Adam's beta1_power), created once per
   * graph in the current name scope; a resource variable when `colocateWith` is one (as TF).
   */
  protected createNonSlotVariable(
    initialValue: TensorLike,
    name: string,
    graph: Graph,
    colocateWith?: Variable,
  ): Variable {
    let perGraph = this.nonSlot.get(graph);
    if (!perGraph) this.nonSlot.set(graph, (perGraph = new Map()));
    const existing = perGraph.get(name);
    if (existing) return existing;
    const v = graph.asDefault(() =>
      graph.controlDependencies(
        null,
        () =>
          new Variable(initialValue, {
            name,
            trainable: false,
            useResource: colocateWith?.isResource,
          }),
      ),
    );
    perGraph.set(name, v);
    return v;
  }

  protected getNonSlotVariable(name: string, graph: Graph): Variable | null {
    return this.nonSlot.get(graph)?.get(name) ?? null;
  }
}

/** A constant-filled tensor of a static shape, as TF's zeros/ones/constant initializers make. */
function filled(shape: readonly number[], dtype: DType, value: number): Tensor {
  if (value === 0) return zeros([...shape], dtype);
  if (value === 1) return ones([...shape], dtype);
  return constant(value, { dtype, shape });
}

/** `value` in the shape of `like` (known only at run time). */
function filledLike(like: Tensor, value: number): Tensor {
  if (value === 0) return zerosLike(like);
  if (value === 1) return onesLike(like);
  return fill(shapeOf(like), NDArray.from(value, like.dtype));
}

/** A NoOp that runs after `ops`: tf.group; `exactName` uses `name` as it is (a scope's own name). */
export function groupOps(ops: readonly Operation[], name: string, exactName: boolean): Operation {
  const graph = ops[0]?.graph ?? getDefaultGraph();
  return graph.controlDependencies(ops, () => graph.createOp("NoOp", [], {}, name, { exactName }));
}

function checkVariable(v: unknown): asserts v is Variable {
  if (!(v instanceof Variable)) {
    throw new ValueError(
      `Trying to optimize unsupported type ${String(v)}: expected a tf.Variable`,
    );
  }
}

function assertValidDtypes(tensors: readonly Tensor[]): void {
  for (const t of tensors) assertValidDtype(t.dtype, t.name);
}

function assertValidDtype(dtype: DType, name: string): void {
  if (!VALID_DTYPES.includes(dtype)) {
    throw new ValueError(
      `Invalid type ${dtype} for ${name}, expected: [${VALID_DTYPES.join(", ")}].`,
    );
  }
}

/**
 * The op that performs an update made by Variable.assign/assignAdd/assignSub: the output's op
 * for a reference variable; for a resource variable the assignment the returned read waits on.
 */
export function updateOpOf(t: Tensor): Operation {
  const deps = t.op.controlInputs;
  if (t.op.type === "ReadVariableOp" && deps.length > 0) return deps[deps.length - 1];
  return t.op;
}
