import { fileURLToPath } from "node:url";
import type { FunctionDef, GraphDef } from "../io/proto/index.js";
import { type DType, TF_DTYPE_NAME } from "./dtypes.js";
import { InvalidArgumentError, NotFoundError, ValueError } from "./errors.js";
import type { ArgDef, AttrValue, OpDef } from "./op_def.js";
import { defaultAttrValue, type GradientFn, getOpDef, getRegisteredOp } from "./op_registry.js";
import { ShapeContext } from "./shape_inference.js";
import { type ShapeLike, TensorShape } from "./tensor_shape.js";

/**
 * A symbolic tensor: the `index`-th output of `op`. It has a dtype and a static shape (dims may
 * be unknown) but no value; a Session computes its value.
 */
export class Tensor {
  readonly op: Operation;
  readonly index: number;
  readonly dtype: DType;
  /** True for TF1 reference outputs (a VariableV2's `ref`): consumers may update what it refers to. */
  readonly isRef: boolean;
  private _shape: TensorShape;

  constructor(op: Operation, index: number, dtype: DType, shape: TensorShape, isRef: boolean) {
    this.op = op;
    this.index = index;
    this.dtype = dtype;
    this._shape = shape;
    this.isRef = isRef;
  }

  get name(): string {
    return `${this.op.name}:${this.index}`;
  }
  get graph(): Graph {
    return this.op.graph;
  }
  /** The static shape, known at construction (dims may be null). */
  get shape(): TensorShape {
    return this._shape;
  }
  get rank(): number | null {
    return this._shape.rank;
  }
  /** Refines the static shape, merging as TensorFlow does; a conflict is a ValueError. */
  setShape(shape: ShapeLike): void {
    try {
      this._shape = this._shape.mergeWith(TensorShape.from(shape));
    } catch {
      throw new ValueError(
        `Tensor '${this.name}' has shape ${this._shape}, which is incompatible with ${TensorShape.from(shape)}`,
      );
    }
  }
  /** @internal Replaces the static shape, even with a less specific one (loop shape invariants). */
  _resetShape(shape: TensorShape): void {
    this._shape = shape;
  }
  /** The operations that take this tensor as an input. */
  consumers(): Operation[] {
    return this.op.graph._consumers(this);
  }
  toString(): string {
    return `Tensor("${this.name}", shape=${this._shape}, dtype=${this.dtype}${this.isRef ? "_ref" : ""})`;
  }
}

/** A node of the graph: an op type, its inputs, attrs and outputs. */
export class Operation {
  readonly graph: Graph;
  readonly name: string;
  readonly type: string;
  readonly def: OpDef;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly device: string;
  /** Position in the graph's creation order. */
  readonly id: number;
  /** The cond or while-loop context the op was created in (null outside control flow). */
  readonly controlFlowContext: ControlFlowContext | null;
  private _controlInputs: Operation[];
  private readonly _creation: { stack?: string };

  /** @internal Use Graph.createOp. */
  constructor(init: {
    graph: Graph;
    name: string;
    type: string;
    def: OpDef;
    inputs: Tensor[];
    controlInputs: Operation[];
    attrs: Record<string, AttrValue>;
    device: string;
    id: number;
    creation: { stack?: string };
    controlFlowContext?: ControlFlowContext | null;
  }) {
    this.graph = init.graph;
    this.name = init.name;
    this.type = init.type;
    this.def = init.def;
    this.inputs = init.inputs;
    this._controlInputs = init.controlInputs;
    this.attrs = init.attrs;
    this.device = init.device;
    this.id = init.id;
    this.controlFlowContext = init.controlFlowContext ?? null;
    this._creation = init.creation;
    this.outputs = [];
  }

  get controlInputs(): readonly Operation[] {
    return this._controlInputs;
  }
  /** The op's first output (most ops have exactly one). */
  get output(): Tensor {
    if (this.outputs.length === 0) throw new ValueError(`Operation '${this.name}' has no outputs`);
    return this.outputs[0];
  }
  getAttr(name: string): AttrValue {
    const v = this.attrs[name];
    if (v === undefined)
      throw new ValueError(`Operation '${this.name}' has no attr named '${name}'`);
    return v;
  }
  /** Adds control inputs after creation (as TF's `op._add_control_inputs`). */
  addControlInputs(ops: readonly Operation[]): void {
    for (const o of ops) {
      if (o.graph !== this.graph)
        throw new ValueError(
          `Cannot add control input '${o.name}' from another graph to '${this.name}'`,
        );
      if (!this._controlInputs.includes(o)) this._controlInputs.push(o);
    }
    this.graph.editVersion++;
  }
  /** @internal Marks the op as part of a control-flow context (the context's own Switch/Enter ops). */
  _setControlFlowContext(ctx: ControlFlowContext | null): void {
    (this as { controlFlowContext: ControlFlowContext | null }).controlFlowContext = ctx;
  }
  /** "file:line:col" of the user code that created this op, for error messages. */
  get definedAt(): string {
    return userFrame(this._creation.stack);
  }
  toString(): string {
    return `Operation("${this.name}", type=${this.type})`;
  }
}

const FRAMEWORK_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The first stack frame outside tensorgraph's own sources. */
function userFrame(stack: string | undefined): string {
  if (!stack) return "<unknown>";
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+:\d+:\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const loc = m[1].replace(/^file:\/\//, "");
    const ours = loc.startsWith(FRAMEWORK_DIR) && !/\.test\.[jt]s:/.test(loc);
    if (ours || loc.startsWith("node:")) continue;
    return loc;
  }
  return "<unknown>";
}

/**
 * A control-flow construct being built (tf.cond's branches, tf.whileLoop's body): ops created
 * inside it get their outside inputs passed in through it (a Switch for a branch, an Enter for a
 * loop), and ops without inputs get a control input that ties them to it.
 */
export interface ControlFlowContext {
  readonly outer: ControlFlowContext | null;
  /** The tensor to use inside this context for `t`, made outside it. */
  addValue(t: Tensor): Tensor;
  /** The op to depend on inside this context for a control input `op` made outside it. */
  addControlInput(op: Operation): Operation;
  /** Called after an op is created in this context (ties an op without inputs to it). */
  addOp(op: Operation): void;
}

/** Whether `op` was created in `ctx` or in a context nested in it. */
export function isInContext(op: Operation, ctx: ControlFlowContext | null): boolean {
  if (ctx === null) return true;
  for (let c = op.controlFlowContext; c; c = c.outer) if (c === ctx) return true;
  return false;
}

/** Objects that stand for a tensor when passed to an op (a Variable stands for its value). */
export const TO_TENSOR: unique symbol = Symbol("tensorgraph.toTensor");
export interface TensorConvertible {
  [TO_TENSOR](): Tensor;
}
export function isTensorConvertible(x: unknown): x is TensorConvertible {
  return typeof x === "object" && x !== null && TO_TENSOR in x;
}

/** Anything that can stand for an op in control dependencies: an op, a tensor (its op), a variable (its op). */
export type OpLike = Operation | Tensor | TensorConvertible | { readonly op: Operation };
export function toOperation(x: OpLike): Operation {
  if (x instanceof Operation) return x;
  if (x instanceof Tensor) return x.op;
  if ("op" in x && x.op instanceof Operation) return x.op;
  return (x as TensorConvertible)[TO_TENSOR]().op;
}

/** Standard collection names (tf.GraphKeys). */
export const GraphKeys = {
  GLOBAL_VARIABLES: "variables",
  LOCAL_VARIABLES: "local_variables",
  TRAINABLE_VARIABLES: "trainable_variables",
  MODEL_VARIABLES: "model_variables",
  GLOBAL_STEP: "global_step",
  SUMMARIES: "summaries",
  TRAIN_OP: "train_op",
  UPDATE_OPS: "update_ops",
  LOSSES: "losses",
  REGULARIZATION_LOSSES: "regularization_losses",
  SAVERS: "savers",
  INIT_OP: "init_op",
  LOCAL_INIT_OP: "local_init_op",
  READY_OP: "ready_op",
  TABLE_INITIALIZERS: "table_initializer",
  ASSET_FILEPATHS: "asset_filepaths",
  QUEUE_RUNNERS: "queue_runners",
  COND_CONTEXT: "cond_context",
  WHILE_CONTEXT: "while_context",
} as const;

/**
 * @internal Set by io/graph_def.ts, which writes GraphDefs (the framework does not import io at
 * run time; importing tensorgraph's API installs it).
 */
export const graphDefHook: { toGraphDef?: (graph: Graph) => GraphDef } = {};

/**
 * A graph's function library (TF's FunctionDefLibrary): graph functions by name, with the OpDef
 * of each (from its signature; a node whose op type is a function's name calls it) and the
 * gradient mapping. The FunctionDef messages are kept as they came (import, tf.defun) and
 * written back unchanged on export.
 */
export class FunctionLibrary {
  private readonly fns = new Map<string, { def: FunctionDef; opDef: OpDef }>();
  /** Function name → the name of the function computing its gradient (GradientDef). */
  readonly gradients = new Map<string, string>();
  /** Gradients given as code (tf.defun's gradFunc): used at graph construction, not exported. */
  readonly gradFuncs = new Map<string, GradientFn>();
  /** @internal Compares two FunctionDefs (set by io/function_library.ts). */
  static sameDef?: (a: FunctionDef, b: FunctionDef) => boolean;

  /** Adds a function; a different function under a name already used is an InvalidArgumentError. */
  add(def: FunctionDef, opDef: OpDef, sameAs?: (a: FunctionDef, b: FunctionDef) => boolean): void {
    const name = opDef.name;
    const old = this.fns.get(name);
    if (old) {
      if (old.def === def || (sameAs ?? FunctionLibrary.sameDef)?.(old.def, def)) return;
      throw new InvalidArgumentError(
        `Cannot add function '${name}' because a different function with the same name already exists.`,
      );
    }
    if (getOpDef(name))
      throw new InvalidArgumentError(
        `Cannot add function '${name}' because an op with the same name already exists.`,
      );
    this.fns.set(name, { def, opDef });
  }
  has(name: string): boolean {
    return this.fns.has(name);
  }
  get(name: string): FunctionDef | undefined {
    return this.fns.get(name)?.def;
  }
  /** The OpDef of a call to the function (its signature). */
  opDef(name: string): OpDef | undefined {
    return this.fns.get(name)?.opDef;
  }
  get names(): string[] {
    return [...this.fns.keys()];
  }
  get size(): number {
    return this.fns.size;
  }
  /** Copies every function and gradient of `other` into this library. */
  addAll(other: FunctionLibrary): void {
    for (const [, f] of other.fns) this.add(f.def, f.opDef);
    for (const [k, v] of other.gradients) this.gradients.set(k, v);
    for (const [k, v] of other.gradFuncs) this.gradFuncs.set(k, v);
  }
}

/**
 * @internal Set by ops/function_ops.ts: the gradient of a node that calls a library function by
 * its name (such op types are not in the op registry).
 */
export const functionCallHooks: { gradient?: GradientFn } = {};

/** One input argument of `createOp`: a tensor, or a list of tensors for a list argument. */
export type OpInput = Tensor | readonly Tensor[];

export interface CreateOpOptions {
  /** Use the name exactly as given (no scope, no uniquifying): GraphDef import. */
  exactName?: boolean;
  /** Control inputs beyond those of the enclosing `controlDependencies` scopes. */
  controlInputs?: readonly Operation[];
  device?: string;
  /** Do not pass inputs through the current control-flow context (GraphDef import, and the context's own plumbing). */
  noControlFlow?: boolean;
}

/**
 * A TensorFlow graph: operations and the tensors between them. Build it with the `tf.*` op
 * functions (which add to the default graph, or to the graph of their inputs); run it with a
 * Session.
 */
/** A device function (tf.device(fn)): the device of a new op, given its type, name and attrs. */
export type DeviceFunction = (op: {
  readonly type: string;
  readonly name: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** The device outer tf.device scopes gave ("" if none). */
  readonly device: string;
}) => string;

export class Graph {
  private readonly _ops: Operation[] = [];
  private readonly _byName = new Map<string, Operation>();
  private readonly _namesInUse = new Map<string, number>();
  private readonly _collections = new Map<string, unknown[]>();
  private readonly _consumersOf = new Map<Tensor, Operation[]>();
  private _nameStack = "";
  private _controlStack: Operation[][] = [];
  private _deviceStack: (string | DeviceFunction)[] = [];
  private _cfContext: ControlFlowContext | null = null;
  private _finalized = false;
  /** Graph-level random seed (tf.setRandomSeed); op-level seeds are derived from it. */
  seed: number | undefined;
  /** Bumped when existing ops change (control inputs added), so sessions drop cached plans. */
  editVersion = 0;
  /** The graph's functions (TF's FunctionDefLibrary); nodes may call them by name. */
  readonly library = new FunctionLibrary();
  /**
   * Set while a function body is traced into this graph (a tf.data map function): a tensor of
   * another graph used as an input here is captured, replaced by what this returns (a
   * placeholder of this graph that the call feeds with the outer tensor's value).
   */
  captureExternal: ((t: Tensor) => Tensor) | undefined = undefined;

  get operations(): readonly Operation[] {
    return this._ops;
  }
  get finalized(): boolean {
    return this._finalized;
  }
  /** Makes the graph read-only: adding an op afterwards raises an error (TF's `graph.finalize()`). */
  finalize(): void {
    this._finalized = true;
  }
  /** @internal TF's `_unsafe_unfinalize`, for tools that must add ops (e.g. import). */
  unfinalize(): void {
    this._finalized = false;
  }

  /** Runs `fn` with this graph as the default graph (`with g.as_default():`). */
  asDefault<T>(fn: () => T): T {
    graphStack.push(this);
    return withCleanup(fn, () => {
      const i = graphStack.lastIndexOf(this);
      if (i >= 0) graphStack.splice(i, 1);
    });
  }

  /** The current name scope ("" at the top, else "a/b"). */
  get currentNameScope(): string {
    return this._nameStack;
  }

  /**
   * Runs `fn` inside name scope `name` (uniquified: a second "foo" becomes "foo_1"); a name ending
   * in "/" re-enters that exact scope, and "" returns to the top. `fn` receives the scope, ending
   * in "/".
   */
  nameScope<T>(name: string | null, fn: (scope: string) => T): T {
    const saved = this._nameStack;
    let scope: string;
    if (name === null || name === "") scope = "";
    else if (name.endsWith("/")) scope = name.slice(0, -1);
    else scope = this.uniqueName(name);
    this._nameStack = scope;
    return withCleanup(
      () => fn(scope === "" ? "" : `${scope}/`),
      () => {
        this._nameStack = saved;
      },
    );
  }

  /**
   * TF's unique_name: `name` under the current scope, with `_1`, `_2`... appended if it is taken
   * (case-insensitively, as TensorFlow checks).
   */
  uniqueName(name: string, markAsUsed = true): string {
    if (this._nameStack) name = `${this._nameStack}/${name}`;
    const key = name.toLowerCase();
    let i = this._namesInUse.get(key) ?? 0;
    if (markAsUsed) this._namesInUse.set(key, i + 1);
    if (i > 0) {
      const base = key;
      while (this._namesInUse.has(`${base}_${i}`)) i++;
      if (markAsUsed) this._namesInUse.set(`${base}_${i}`, 1);
      name = `${name}_${i}`;
    }
    return name;
  }

  /** Ops created inside `fn` run only after `deps` (null clears the enclosing dependencies). */
  controlDependencies<T>(deps: readonly OpLike[] | null, fn: () => T): T {
    const saved = this._controlStack;
    if (deps === null) {
      this._controlStack = [];
    } else {
      const ops = deps.map(toOperation);
      for (const op of ops) this.checkSameGraph(op, "controlDependencies");
      this._controlStack = [...saved, ops];
    }
    return withCleanup(fn, () => {
      this._controlStack = saved;
    });
  }

  /** Whether ops created now get control inputs from an enclosing tf.controlDependencies. */
  get hasControlDependencies(): boolean {
    return this._controlStack.some((level) => level.length > 0);
  }
  /** The control-flow context ops are created in now (null outside tf.cond / tf.whileLoop). */
  get controlFlowContext(): ControlFlowContext | null {
    return this._cfContext;
  }
  /** Runs `fn` with `ctx` as the current control-flow context. */
  withControlFlowContext<T>(ctx: ControlFlowContext | null, fn: () => T): T {
    const saved = this._cfContext;
    this._cfContext = ctx;
    return withCleanup(fn, () => {
      this._cfContext = saved;
    });
  }

  /**
   * Ops created inside `fn` get this device string (carried into GraphDefs), or the string a
   * device function returns for each (TF's device functions, e.g. tf.train.replicaDeviceSetter).
   */
  device<T>(name: string | DeviceFunction, fn: () => T): T {
    this._deviceStack.push(name);
    return withCleanup(fn, () => {
      this._deviceStack.pop();
    });
  }

  /** The device of a new op: the innermost tf.device string, or what a device function gives. */
  private deviceFor(
    type: string,
    name: string,
    attrs: Readonly<Record<string, AttrValue>>,
  ): string {
    let device = "";
    for (const d of this._deviceStack)
      device = typeof d === "string" ? d : d({ type, name, attrs, device });
    return device;
  }

  private checkSameGraph(x: Operation | Tensor, what: string): void {
    if (x.graph !== this) {
      throw new ValueError(`${what}: '${x.name}' belongs to another graph than this one`);
    }
  }

  /**
   * Adds an op. `inputs` has one entry per input argument of the op's OpDef (a list for list
   * arguments). Attrs not given take their OpDef default, type attrs are inferred from the
   * inputs, and the registered shape function sets the outputs' static shapes.
   */
  createOp(
    type: string,
    inputs: readonly OpInput[],
    attrs: Record<string, AttrValue | undefined> = {},
    name?: string,
    options: CreateOpOptions = {},
  ): Operation {
    const creation: { stack?: string } = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40; // deep enough to get past the library's own frames
    Error.captureStackTrace(creation, this.createOp);
    Error.stackTraceLimit = limit;
    if (this._finalized) {
      throw new ValueError(
        `Graph is finalized and cannot be modified (adding op '${name ?? type}' of type ${type})`,
      );
    }
    const def = getOpDef(type) ?? this.library.opDef(type);
    if (!def) throw new NotFoundError(`Op type not registered '${type}'`);
    const opName = options.exactName && name ? name : this.uniqueName(name ?? type);
    if (this._byName.has(opName)) {
      throw new ValueError(`Duplicate node name in graph: '${opName}'`);
    }
    const where = () => `'${opName}' (op: '${type}')`;
    if (inputs.length !== def.inputs.length) {
      throw new ValueError(
        `${where()} takes ${def.inputs.length} input argument(s) (${def.inputs.map((a) => a.name).join(", ")}), got ${inputs.length}`,
      );
    }
    const finalAttrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined) continue;
      if (!def.attrMap.has(k)) throw new ValueError(`${where()} has no attr named '${k}'`);
      finalAttrs[k] = v;
    }
    // Bind type and number attrs from the inputs.
    const flatInputs: Tensor[] = [];
    def.inputs.forEach((arg, i) => {
      const given = inputs[i];
      const list = arg.numberAttr !== undefined || arg.typeListAttr !== undefined;
      let tensors = list ? (given as readonly Tensor[]) : [given as Tensor];
      const capture = this.captureExternal;
      if (capture && Array.isArray(tensors))
        tensors = tensors.map((t) => (t instanceof Tensor && t.graph !== this ? capture(t) : t));
      if (list && !Array.isArray(given))
        throw new ValueError(`${where()}: input '${arg.name}' must be a list of tensors`);
      if (!list && !(given instanceof Tensor))
        throw new ValueError(`${where()}: input '${arg.name}' must be a tensor`);
      for (const t of tensors) {
        if (!(t instanceof Tensor))
          throw new ValueError(`${where()}: input '${arg.name}' must be tensors`);
        if (t.graph !== this) {
          throw new ValueError(
            `${where()}: input '${arg.name}' is tensor '${t.name}', which is from a different graph`,
          );
        }
        if (arg.isRef && !t.isRef) {
          throw new ValueError(
            `${where()}: input '${arg.name}' requires an l-value (ref) input, got '${t.name}'`,
          );
        }
      }
      if (arg.numberAttr) bindAttr(finalAttrs, arg.numberAttr, tensors.length, where, arg);
      if (arg.typeAttr)
        for (const t of tensors) bindAttr(finalAttrs, arg.typeAttr, t.dtype, where, arg);
      if (arg.typeListAttr)
        bindAttr(
          finalAttrs,
          arg.typeListAttr,
          tensors.map((t) => t.dtype),
          where,
          arg,
        );
      if (arg.type) {
        for (const t of tensors) {
          if (t.dtype !== arg.type) {
            throw new ValueError(
              `${where()}: input '${arg.name}' must be ${arg.type}, got ${t.dtype} ('${t.name}')`,
            );
          }
        }
      }
      flatInputs.push(...tensors);
    });
    for (const a of def.attrs) {
      if (finalAttrs[a.name] === undefined) {
        const d = defaultAttrValue(a);
        if (d === undefined)
          throw new ValueError(`${where()}: attr '${a.name}' is required and was not given`);
        finalAttrs[a.name] = d;
      }
      checkAttr(a.name, finalAttrs[a.name], def, where);
    }
    // Inside tf.cond / tf.whileLoop, inputs made outside come in through the context.
    const cf = options.noControlFlow ? null : this._cfContext;
    if (cf) {
      for (let i = 0; i < flatInputs.length; i++) {
        if (!isInContext(flatInputs[i].op, cf)) flatInputs[i] = cf.addValue(flatInputs[i]);
      }
    }
    // Control inputs: those of the enclosing scopes, minus ops already feeding this op.
    const controlInputs: Operation[] = [];
    const inputOps = new Set(flatInputs.map((t) => t.op));
    for (const level of this._controlStack) {
      for (const op of level)
        if (!inputOps.has(op) && !controlInputs.includes(op)) controlInputs.push(op);
    }
    for (const op of options.controlInputs ?? []) {
      this.checkSameGraph(op, `control input of '${opName}'`);
      if (!controlInputs.includes(op)) controlInputs.push(op);
    }
    if (cf) {
      for (let i = 0; i < controlInputs.length; i++) {
        if (!isInContext(controlInputs[i], cf))
          controlInputs[i] = cf.addControlInput(controlInputs[i]);
      }
    }
    const op = new Operation({
      graph: this,
      name: opName,
      type,
      def,
      inputs: flatInputs,
      controlInputs,
      attrs: finalAttrs,
      device: options.device ?? this.deviceFor(type, opName, finalAttrs),
      id: this._ops.length,
      creation,
      controlFlowContext: cf,
    });
    // Outputs: dtypes from the OpDef, static shapes from the shape function.
    const outArgs = expandArgs(def.outputs, finalAttrs);
    let shapes: TensorShape[] = outArgs.map(() => TensorShape.unknown());
    const shapeFn = getRegisteredOp(type)?.shape;
    if (shapeFn) {
      const ctx = new ShapeContext(op);
      let result: ShapeLike | ShapeLike[];
      try {
        result = shapeFn(ctx);
      } catch (e) {
        if (e instanceof InvalidArgumentError) {
          const shapesText = flatInputs.map((t) => t.shape.toString()).join(", ");
          throw new ValueError(
            `${e.message} for ${where()} with input shapes: ${shapesText}. Created at ${op.definedAt}`,
          );
        }
        throw e;
      }
      const list = isShapeList(result, outArgs.length) ? result : [result as ShapeLike];
      shapes = outArgs.map((_, i) => TensorShape.from(list[i] ?? null));
    }
    (op.outputs as Tensor[]).push(
      ...outArgs.map((o, i) => new Tensor(op, i, o.dtype as DType, shapes[i], o.isRef)),
    );
    this._ops.push(op);
    this._byName.set(opName, op);
    for (const t of flatInputs) {
      const c = this._consumersOf.get(t);
      if (c) c.push(op);
      else this._consumersOf.set(t, [op]);
    }
    cf?.addOp(op);
    return op;
  }

  /** Rewires input `index` of `op` to `t` (TF's op._update_input; tf.whileLoop closes its cycle with it). */
  updateInput(op: Operation, index: number, t: Tensor): void {
    if (t.graph !== this || op.graph !== this)
      throw new ValueError("updateInput: tensors of another graph");
    const old = op.inputs[index];
    if (!old) throw new ValueError(`updateInput: '${op.name}' has no input ${index}`);
    if (old.dtype !== t.dtype) {
      throw new ValueError(
        `updateInput: '${t.name}' is ${t.dtype}, input ${index} of '${op.name}' is ${old.dtype}`,
      );
    }
    (op.inputs as Tensor[])[index] = t;
    const olds = this._consumersOf.get(old);
    if (olds && !op.inputs.includes(old)) olds.splice(olds.indexOf(op), 1);
    const c = this._consumersOf.get(t);
    if (c) c.push(op);
    else this._consumersOf.set(t, [op]);
    this.editVersion++;
  }

  /** @internal */
  _consumers(t: Tensor): Operation[] {
    return [...(this._consumersOf.get(t) ?? [])];
  }

  getOperationByName(name: string): Operation {
    const op = this._byName.get(name);
    if (!op) throw new NotFoundError(`The name '${name}' refers to an Operation not in the graph.`);
    return op;
  }
  hasOperation(name: string): boolean {
    return this._byName.has(name);
  }
  /** The tensor named "op:index" (e.g. "dense/BiasAdd:0"). */
  getTensorByName(name: string): Tensor {
    const m = /^(.+):(\d+)$/.exec(name);
    if (!m) {
      throw new ValueError(
        `The name '${name}' looks like an operation name, not a tensor name ("op:0").`,
      );
    }
    const op = this._byName.get(m[1]);
    if (!op)
      throw new NotFoundError(
        `The name '${name}' refers to a Tensor which does not exist: operation '${m[1]}' is not in the graph.`,
      );
    const t = op.outputs[Number(m[2])];
    if (!t)
      throw new NotFoundError(
        `The name '${name}' refers to a Tensor which does not exist: '${m[1]}' has ${op.outputs.length} output(s).`,
      );
    return t;
  }

  // Collections (tf.add_to_collection and friends).
  addToCollection(name: string, value: unknown): void {
    const c = this._collections.get(name);
    if (c) c.push(value);
    else this._collections.set(name, [value]);
  }
  addToCollections(names: readonly string[], value: unknown): void {
    for (const n of new Set(names)) this.addToCollection(n, value);
  }
  /** A copy of the collection; with `scope`, only items whose `name` starts with it (a regex prefix, as TF). */
  getCollection<T = unknown>(name: string, scope?: string): T[] {
    const items = (this._collections.get(name) ?? []) as T[];
    if (scope === undefined) return [...items];
    const re = new RegExp(`^(?:${scope})`);
    return items.filter((x) => {
      const n = (x as { name?: unknown }).name;
      return typeof n === "string" && re.test(n);
    });
  }
  /** The collection's own list, for in-place edits. */
  getCollectionRef<T = unknown>(name: string): T[] {
    let c = this._collections.get(name);
    if (!c) this._collections.set(name, (c = []));
    return c as T[];
  }
  clearCollection(name: string): void {
    this._collections.delete(name);
  }
  get collections(): string[] {
    return [...this._collections.keys()];
  }

  /** The graph as TensorFlow's GraphDef message (tf.Graph.as_graph_def). */
  asGraphDef(): GraphDef {
    if (!graphDefHook.toGraphDef)
      throw new ValueError("asGraphDef: import tensorgraph (or its io/graph_def module) first");
    return graphDefHook.toGraphDef(this);
  }
}

/** A single-output shape fn may return one shape ([null, 2] is dims) or a one-element list of shapes. */
function isShapeList(x: ShapeLike | ShapeLike[], numOutputs: number): x is ShapeLike[] {
  if (numOutputs !== 1) return true;
  return Array.isArray(x) && x.length === 1 && (x[0] instanceof TensorShape || Array.isArray(x[0]));
}

function bindAttr(
  attrs: Record<string, AttrValue>,
  name: string,
  value: AttrValue,
  where: () => string,
  arg: ArgDef,
): void {
  const cur = attrs[name];
  if (cur === undefined) {
    attrs[name] = value;
    return;
  }
  const same = Array.isArray(value) ? JSON.stringify(cur) === JSON.stringify(value) : cur === value;
  if (!same) {
    const show = (v: AttrValue) => (typeof v === "string" ? v : JSON.stringify(v));
    throw new ValueError(
      `${where()}: input '${arg.name}' has ${arg.numberAttr === name ? "length" : "type"} ${show(value)} that does not match ${show(cur)} of attr '${name}'`,
    );
  }
}

function checkAttr(name: string, value: AttrValue, def: OpDef, where: () => string): void {
  const a = def.attrMap.get(name)!;
  if (a.allowed && a.type === "type" && !a.allowed.includes(value)) {
    throw new ValueError(
      `${where()}: value for attr '${name}' of ${TF_DTYPE_NAME[value as DType] ?? value} is not in the list of allowed values: ${a.allowed.join(", ")}`,
    );
  }
  if (a.minimum !== undefined) {
    const n =
      a.type === "int" ? (value as number) : Array.isArray(value) ? value.length : undefined;
    if (n !== undefined && n < a.minimum) {
      throw new ValueError(`${where()}: attr '${name}' = ${n} is below its minimum ${a.minimum}`);
    }
  }
}

/** An op's outputs (or inputs) one tensor each: list arguments expanded by their attrs. */
export function expandArgs(
  args: readonly ArgDef[],
  attrs: Readonly<Record<string, AttrValue>>,
): { argName: string; dtype: string; isRef: boolean }[] {
  const out: { argName: string; dtype: string; isRef: boolean }[] = [];
  for (const arg of args) {
    if (arg.typeListAttr) {
      for (const t of attrs[arg.typeListAttr] as string[])
        out.push({ argName: arg.name, dtype: t, isRef: arg.isRef });
      continue;
    }
    const dtype = arg.type ?? (attrs[arg.typeAttr!] as string);
    const n = arg.numberAttr ? (attrs[arg.numberAttr] as number) : 1;
    for (let i = 0; i < n; i++) out.push({ argName: arg.name, dtype, isRef: arg.isRef });
  }
  return out;
}

/** Runs fn, then cleanup: at once, or when fn's promise settles if it returns one. */
function withCleanup<T>(fn: () => T, cleanup: () => void): T {
  let result: T;
  try {
    result = fn();
  } catch (e) {
    cleanup();
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(cleanup) as T;
  }
  cleanup();
  return result;
}

const graphStack: Graph[] = [];
let globalDefaultGraph = new Graph();

/** The graph that new ops go to when none of their inputs names one. */
export function getDefaultGraph(): Graph {
  return graphStack[graphStack.length - 1] ?? globalDefaultGraph;
}
/** Replaces the global default graph with a new, empty one. */
export function resetDefaultGraph(): void {
  if (graphStack.length > 0) {
    throw new ValueError("resetDefaultGraph() cannot be called inside graph.asDefault()");
  }
  globalDefaultGraph = new Graph();
}
