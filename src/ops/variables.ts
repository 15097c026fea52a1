import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import {
  type Graph,
  GraphKeys,
  getDefaultGraph,
  type Operation,
  type Tensor,
  TO_TENSOR,
} from "../framework/graph.js";
import type { NDArray, ValueLike } from "../framework/ndarray.js";
import { registerOp } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import type { Session } from "../runtime/session.js";
import { group } from "./basic.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { handleData, resourceGather, resourceGatherNd } from "./resource_variables.js";

registerOp("VariableV2", { shape: (c) => c.attr<TensorShape>("shape") });
registerOp("Assign", {
  shape: (c) => {
    if (c.attr<boolean>("validate_shape") === false) return c.input(1);
    if (!c.input(0).isCompatibleWith(c.input(1)))
      c.fail(`Shapes of the variable ${c.input(0)} and the value ${c.input(1)} must be equal`);
    return c.input(0).mergeWith(c.input(1));
  },
});
registerOp("AssignAdd", { shape: (c) => c.input(0) });
registerOp("AssignSub", { shape: (c) => c.input(0) });
registerOp("IsVariableInitialized", { shape: () => [] });

export interface VariableOptions {
  name?: string;
  /** Added to the trainable variables (what optimizers update by default). Default true. */
  trainable?: boolean;
  dtype?: DType;
  /** Collections to add the variable to; default [GLOBAL_VARIABLES] (+ TRAINABLE_VARIABLES if trainable). */
  collections?: string[];
  /** Check the initial value's shape against the variable's (default true). */
  validateShape?: boolean;
  /** The variable's static shape, when it should be less specific than the initial value's. */
  shape?: readonly (number | null)[];
  /**
   * A resource variable (TF's ResourceVariable: VarHandleOp, read by ReadVariableOp) instead of
   * a reference variable (VariableV2). Default false, as in TF 1.x.
   */
  useResource?: boolean;
}

/** Whether ops created now depend on others: in a control-dependency scope or a cond/while. */
function inDependencyContext(graph: Graph): boolean {
  return graph.controlFlowContext !== null || graph.hasControlDependencies;
}

/**
 * A TF1 variable: state that lives in a session across runs. In the graph it is what TensorFlow
 * 1.x builds. A reference variable (the default): `VariableV2` (named `name`), `name/Assign`
 * (the initializer), `name/read` (its value) and, for a JS initial value, `name/initial_value`.
 * A resource variable (`useResource`): `VarHandleOp` (named `name`),
 * `name/IsInitialized/VarIsInitializedOp`, `name/Assign` (AssignVariableOp),
 * `name/Read/ReadVariableOp`, and `name/Initializer/initial_value` for a JS initial value.
 */
export class Variable {
  /** The VariableV2 op, or the VarHandleOp of a resource variable. */
  readonly op: Operation;
  /** The ref tensor `name:0` (what Assign-like ops update), or a resource variable's handle. */
  readonly ref: Tensor;
  readonly initialValue: Tensor;
  /** The Assign (or AssignVariableOp) op that gives the variable its initial value. */
  readonly initializer: Operation;
  private readonly snapshot: Tensor;
  readonly trainable: boolean;
  /** Whether this is a resource variable (TF's ResourceVariable). */
  readonly isResource: boolean;

  constructor(initialValue: TensorLike | (() => TensorLike), options: VariableOptions = {}) {
    const graph = typeof initialValue === "function" ? getDefaultGraph() : graphOf([initialValue]);
    const trainable = options.trainable ?? true;
    this.trainable = trainable;
    this.isResource = options.useResource ?? false;
    const built = graph.nameScope(options.name ?? "Variable", (scope) => {
      const opName = scope.slice(0, -1);
      let init: Tensor;
      if (typeof initialValue === "function") {
        init = graph.nameScope("Initializer", () =>
          convertToTensor(initialValue(), options.dtype, "initial_value", graph),
        );
      } else if (this.isResource) {
        // A resource variable's initial value is always under "Initializer" (TF's ResourceVariable).
        init = graph.nameScope("Initializer", () =>
          convertToTensor(initialValue, options.dtype, "initial_value", graph),
        );
      } else {
        init = convertToTensor(initialValue, options.dtype, "initial_value", graph);
      }
      const validate = options.validateShape ?? true;
      const shape = options.shape
        ? TensorShape.from(options.shape)
        : validate
          ? init.shape
          : TensorShape.unknown();
      if (validate && !shape.isFullyDefined && !options.shape) {
        throw new ValueError(
          `initial_value must have a shape specified: ${init.name} has shape ${init.shape} (pass validateShape: false or a shape)`,
        );
      }
      if (this.isResource) return buildResource(graph, opName, init, shape);
      const op = graph.createOp("VariableV2", [], { shape, dtype: init.dtype }, opName, {
        exactName: true,
      });
      const ref = op.outputs[0];
      const initializer = graph.createOp(
        "Assign",
        [ref, init],
        { validate_shape: validate },
        "Assign",
      ).outputs[0].op;
      const snapshot = graph.createOp("Identity", [ref], {}, "read").outputs[0];
      return { op, ref, init, initializer, snapshot };
    });
    this.op = built.op;
    this.ref = built.ref;
    this.initialValue = built.init;
    this.initializer = built.initializer;
    this.snapshot = built.snapshot;
    const collections = [...(options.collections ?? [GraphKeys.GLOBAL_VARIABLES])];
    if (trainable && !collections.includes(GraphKeys.TRAINABLE_VARIABLES))
      collections.push(GraphKeys.TRAINABLE_VARIABLES);
    graph.addToCollections(collections, this);
  }

  /**
   * Rebuilds a Variable object around ops already in `graph` (a VariableDef of an imported
   * MetaGraph): `variableName` is the ref tensor ("w:0"), `initializerName` the Assign op,
   * `snapshotName` the read tensor ("w/read:0"), `initialValueName` the initial value tensor
   * (default: the initializer's value input). Adds it to no collection.
   */
  static fromGraph(
    graph: Graph,
    def: {
      variableName: string;
      initializerName: string;
      snapshotName?: string;
      initialValueName?: string;
      trainable?: boolean;
      /** A resource variable: `variableName` is its handle ("w:0", a VarHandleOp). */
      isResource?: boolean;
    },
  ): Variable {
    const tensor = (name: string) => graph.getTensorByName(name.includes(":") ? name : `${name}:0`);
    const ref = tensor(def.variableName);
    const isResource = def.isResource ?? ref.dtype === RESOURCE;
    if (isResource ? ref.dtype !== RESOURCE : !ref.isRef) {
      throw new ValueError(
        `Variable.fromGraph: '${ref.name}' (op ${ref.op.type}) is not a ${isResource ? "resource variable handle" : "reference variable (VariableV2)"}`,
      );
    }
    const initializer = graph.getOperationByName(def.initializerName.replace(/:0$/, ""));
    const v = Object.create(Variable.prototype) as Variable;
    const fields = v as unknown as Record<string, unknown>;
    fields.op = ref.op;
    fields.ref = ref;
    fields.initializer = initializer;
    fields.initialValue = def.initialValueName
      ? tensor(def.initialValueName)
      : (initializer.inputs[1] ?? ref);
    fields.snapshot = def.snapshotName ? tensor(def.snapshotName) : ref;
    fields.trainable = def.trainable ?? true;
    fields.isResource = isResource;
    if (isResource && !def.snapshotName) {
      fields.snapshot = graph.nameScope(`${ref.op.name}/Read/`, () => readOf(ref));
    }
    return v;
  }

  /** The variable's name as TensorFlow shows it: "W:0". */
  get name(): string {
    return this.ref.name;
  }
  get graph(): Graph {
    return this.op.graph;
  }
  get dtype(): DType {
    return this.isResource ? (this.op.attrs.dtype as DType) : this.ref.dtype;
  }
  get shape(): TensorShape {
    return this.isResource ? (this.op.attrs.shape as TensorShape) : this.ref.shape;
  }
  /** A resource variable's handle (the VarHandleOp's output). */
  get handle(): Tensor {
    if (!this.isResource)
      throw new ValueError(`${this} is not a resource variable: it has no handle`);
    return this.ref;
  }
  /**
   * The tensor that stands for the variable in fetches and exports (TF's graph element):
   * `name/read` or `name/Read/ReadVariableOp`.
   */
  get graphElement(): Tensor {
    return this.snapshot;
  }
  /**
   * The variable's value, as ops use it: `name/read` for a reference variable; for a resource
   * variable a fresh ReadVariableOp, which runs after the enclosing control dependencies.
   */
  value(): Tensor {
    return this.isResource ? readOf(this.ref) : this.snapshot;
  }
  [TO_TENSOR](): Tensor {
    // A resource variable outside any dependency context reads through its graph element (the
    // same as a fresh read there); inside one, through a fresh read that obeys it.
    if (this.isResource && inDependencyContext(this.graph)) return readOf(this.ref);
    return this.snapshot;
  }
  /** A fresh read of the variable (respects enclosing control dependencies, unlike value()). */
  readValue(): Tensor {
    if (this.isResource) {
      const read = this.graph.nameScope("Read", () => readOf(this.ref));
      return this.graph.createOp("Identity", [read], {}, "Identity").outputs[0];
    }
    return this.graph.nameScope(
      "read",
      () => this.graph.createOp("Identity", [this.ref], {}, "Identity").outputs[0],
    );
  }
  /**
   * An op that sets the variable to `value`; its output is the variable after the assignment
   * (for a resource variable, a read that runs after the AssignVariableOp).
   */
  assign(value: TensorLike, options: { validateShape?: boolean; name?: string } = {}): Tensor {
    if (this.isResource) return this.resourceUpdate("AssignVariableOp", value, options.name);
    return makeOp1(
      "Assign",
      [this.ref, value],
      { validate_shape: options.validateShape },
      options.name,
    );
  }
  assignAdd(delta: TensorLike, name?: string): Tensor {
    if (this.isResource) return this.resourceUpdate("AssignAddVariableOp", delta, name);
    return makeOp1("AssignAdd", [this.ref, delta], {}, name);
  }
  assignSub(delta: TensorLike, name?: string): Tensor {
    if (this.isResource) return this.resourceUpdate("AssignSubVariableOp", delta, name);
    return makeOp1("AssignSub", [this.ref, delta], {}, name);
  }
  /**
   * Rows `indices` of the variable (TF's Variable.sparse_read): a ResourceGather for a resource
   * variable, a Gather of its value otherwise.
   */
  sparseRead(indices: TensorLike, options: { name?: string } = {}): Tensor {
    if (this.isResource) return resourceGather(this.ref, indices, { name: options.name });
    const attrs = { Tindices: plainIndices(indices) ? "int32" : undefined, Taxis: "int32" };
    return makeOp1("GatherV2", [this.snapshot, indices, 0], attrs, options.name ?? "Gather");
  }
  /** The slices `indices` name (TF's Variable.gather_nd). */
  gatherNd(indices: TensorLike, options: { name?: string } = {}): Tensor {
    if (this.isResource) return resourceGatherNd(this.ref, indices, { name: options.name });
    const attrs = { Tindices: plainIndices(indices) ? "int32" : undefined };
    return makeOp1("GatherNd", [this.snapshot, indices], attrs, options.name);
  }
  private resourceUpdate(type: string, value: TensorLike, name?: string): Tensor {
    const op = makeOp(type, [this.ref, value], { dtype: this.dtype }, name);
    return this.graph.controlDependencies([op], () => readOf(this.ref));
  }
  /** Sets the variable's value in `session` from a JS value (TF's variable.load). */
  async load(value: ValueLike, session: Session): Promise<void> {
    await session.run(this.initializer, [[this.initialValue, value]]);
  }
  /** The variable's current value in `session`. */
  async eval(session: Session): Promise<NDArray> {
    return session.run(this.snapshot);
  }
  toString(): string {
    return `<tf.Variable '${this.name}' shape=${this.shape} dtype=${this.dtype}>`;
  }
}

/** Variables in the GLOBAL_VARIABLES collection (tf.global_variables). */
export function globalVariables(scope?: string): Variable[] {
  return getDefaultGraph().getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES, scope);
}
/** Variables in the TRAINABLE_VARIABLES collection (tf.trainable_variables). */
export function trainableVariables(scope?: string): Variable[] {
  return getDefaultGraph().getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES, scope);
}
export function localVariables(scope?: string): Variable[] {
  return getDefaultGraph().getCollection<Variable>(GraphKeys.LOCAL_VARIABLES, scope);
}
/** One op that runs the initializers of `vars` (tf.variables_initializer). */
export function variablesInitializer(vars: readonly Variable[], name = "init"): Operation {
  if (vars.length === 0) return getDefaultGraph().createOp("NoOp", [], {}, name);
  return group(
    vars.map((v) => v.initializer),
    name,
  );
}
/** Initializes every global variable (tf.global_variables_initializer). */
export function globalVariablesInitializer(): Operation {
  return variablesInitializer(globalVariables(), "init");
}
export function localVariablesInitializer(): Operation {
  return variablesInitializer(localVariables(), "init");
}
/** A bool scalar: whether `v` has been initialized in the session that runs it. */
export function isVariableInitialized(v: Variable, name?: string): Tensor {
  if (v.isResource) return makeOp1("VarIsInitializedOp", [v.ref], {}, name);
  return makeOp1("IsVariableInitialized", [v.ref], {}, name);
}

const RESOURCE = "resource" as DType;

/** JS numbers or arrays (int32 indices, as TF converts Python ints), not tensors or NDArrays. */
const plainIndices = (x: TensorLike): boolean =>
  typeof x !== "object" || x === null || Array.isArray(x);

/** A ReadVariableOp of `handle` in the current name scope. */
function readOf(handle: Tensor): Tensor {
  const dtype = handleData(handle)?.dtype;
  return handle.graph.createOp("ReadVariableOp", [handle], { dtype }, "ReadVariableOp").outputs[0];
}

/** The ops of a resource variable, as TF 1.x's ResourceVariable._init_from_args names them. */
function buildResource(graph: Graph, opName: string, init: Tensor, shape: TensorShape) {
  const dtype = init.dtype;
  const op = graph.createOp(
    "VarHandleOp",
    [],
    { shape, dtype, shared_name: opName, container: "" },
    opName,
    { exactName: true },
  );
  const ref = op.outputs[0];
  graph.nameScope("IsInitialized", () =>
    graph.createOp("VarIsInitializedOp", [ref], {}, "VarIsInitializedOp"),
  );
  const initializer = graph.createOp("AssignVariableOp", [ref, init], { dtype }, "Assign");
  const snapshot = graph.nameScope("Read", () => readOf(ref));
  return { op, ref, init, initializer, snapshot };
}
