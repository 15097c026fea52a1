// Variable scopes and tf.get_variable (TF 1.x's variable_scope.py): a per-graph store of named
// variables that `getVariable` creates or, inside a reusing scope, returns again.
import { type DType, isFloating } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import {
  type Graph,
  GraphKeys,
  getDefaultGraph,
  isTensorConvertible,
  Tensor,
} from "../framework/graph.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import {
  constant as constantInit,
  glorotNormal,
  glorotUniform,
  type Initializer,
  ones as onesInit,
  randomNormal as randomNormalInit,
  randomUniform as randomUniformInit,
  truncatedNormal as truncatedNormalInit,
  varianceScaling,
  zeros as zerosInit,
} from "./initializers.js";
import type { TensorLike } from "./op_builder.js";
import { Variable } from "./variables.js";

/** `reuse: AUTO_REUSE` creates a variable when it does not exist and returns it when it does. */
export const AUTO_REUSE: unique symbol = Symbol("AUTO_REUSE");
export type ReuseMode = boolean | typeof AUTO_REUSE;

/** A regularizer: a loss for a variable (or null for none), added to REGULARIZATION_LOSSES. */
export type Regularizer = (weights: Tensor) => Tensor | null;

/**
 * What `getVariable` accepts as initializer: an Initializer (any function of shape and dtype
 * returning the initial value), or the initial value itself (a tensor or a JS value; then no
 * shape may be given).
 */
export type InitializerLike =
  | Initializer
  | ((shape: readonly number[], dtype: DType) => TensorLike)
  | TensorLike;

/** The defaults that `getVariable` uses inside a `variableScope` (TF's VariableScope). */
export class VariableScope {
  /** The scope's full name ("" at the top, else "a/b"): the prefix of its variables' names. */
  readonly name: string;
  /** The name scope opened with the scope, ending in "/" ("" at the top). */
  readonly originalNameScope: string;
  reuse: ReuseMode;
  initializer: InitializerLike | undefined;
  regularizer: Regularizer | undefined;
  dtype: DType;
  /** `getVariable` makes resource variables in this scope (default false, as TF 1.x). */
  useResource: boolean;

  constructor(init: {
    name: string;
    reuse: ReuseMode;
    originalNameScope: string;
    initializer?: InitializerLike;
    regularizer?: Regularizer;
    dtype?: DType;
    useResource?: boolean;
  }) {
    this.name = init.name;
    this.reuse = init.reuse;
    this.originalNameScope = init.originalNameScope;
    this.initializer = init.initializer;
    this.regularizer = init.regularizer;
    this.dtype = init.dtype ?? "float32";
    this.useResource = init.useResource ?? false;
  }

  /** From now on `getVariable` in this scope returns existing variables (scope.reuse_variables()). */
  reuseVariables(): void {
    this.reuse = true;
  }
  toString(): string {
    return `<VariableScope '${this.name}'>`;
  }
}

interface ScopeStore {
  current: VariableScope;
  vars: Map<string, Variable>;
  /** How many times each variable scope name has been opened (for default-name uniquifying). */
  counts: Map<string, number>;
}

const stores = new WeakMap<Graph, ScopeStore>();

function storeOf(graph: Graph): ScopeStore {
  let s = stores.get(graph);
  if (!s) {
    s = {
      current: new VariableScope({ name: "", reuse: false, originalNameScope: "" }),
      vars: new Map(),
      counts: new Map(),
    };
    stores.set(graph, s);
  }
  return s;
}

/** The current variable scope of the default graph (tf.get_variable_scope). */
export function getVariableScope(): VariableScope {
  return storeOf(getDefaultGraph()).current;
}

/** TF's _get_unique_variable_scope: `prefix`, or `prefix_N`, unused in the current variable scope. */
function uniqueVariableScope(store: ScopeStore, prefix: string): string {
  const cur = store.current.name;
  const name = cur ? `${cur}/${prefix}` : prefix;
  if ((store.counts.get(name) ?? 0) === 0) return prefix;
  let i = 1;
  while ((store.counts.get(`${name}_${i}`) ?? 0) > 0) i++;
  return `${prefix}_${i}`;
}

export interface VariableScopeOptions {
  /** true: `getVariable` returns existing variables only; AUTO_REUSE: returns or creates. Inherited by sub-scopes (false = inherit). */
  reuse?: ReuseMode;
  /** Default initializer of the variables created in the scope. */
  initializer?: InitializerLike;
  regularizer?: Regularizer;
  /** Default dtype of the variables created in the scope. */
  dtype?: DType;
  /** Create resource variables in the scope (inherited by sub-scopes; default the parent's). */
  useResource?: boolean;
  /** With `nameOrScope` null: this name, made unique among the current scope's sub-scopes. */
  defaultName?: string;
  /** Open a name scope along with the variable scope (default true). */
  auxiliaryNameScope?: boolean;
}

/**
 * Runs `fn` inside a variable scope (tf.variable_scope): variables made by `getVariable` are named
 * `<scope>/<name>`, and (unless `auxiliaryNameScope` is false) ops go into a name scope of the
 * same name, uniquified as name scopes are ("foo_1" when reopened). Passing a VariableScope
 * re-enters it (its variable names; a new name scope named after its last component).
 */
export function variableScope<T>(
  nameOrScope: string | VariableScope | null,
  fn: (scope: VariableScope) => T,
  options: VariableScopeOptions = {},
): T {
  const graph = getDefaultGraph();
  const store = storeOf(graph);
  const parent = store.current;
  const reuseOpt = options.reuse === false ? undefined : options.reuse;
  if (nameOrScope === null || nameOrScope === undefined) {
    if (options.defaultName === undefined)
      throw new ValueError("If default_name is None then name_or_scope is required");
    if (reuseOpt === true)
      throw new ValueError("reuse=True cannot be used without a name_or_scope");
  }
  const aux = options.auxiliaryNameScope ?? true;

  // The name scope: a new (uniquified) one, or the current one re-entered.
  let nsName: string;
  if (!aux) {
    nsName = graph.currentNameScope ? `${graph.currentNameScope}/` : "";
  } else if (nameOrScope instanceof VariableScope) {
    const parts = nameOrScope.name.split("/");
    nsName = parts[parts.length - 1];
  } else {
    nsName = nameOrScope ?? options.defaultName!;
  }

  return graph.nameScope(nsName, (openedNameScope) => {
    let scope: VariableScope;
    let name: string;
    if (nameOrScope instanceof VariableScope) {
      name = nameOrScope.name;
      scope = new VariableScope({
        name,
        reuse: reuseOpt ?? nameOrScope.reuse,
        originalNameScope: nameOrScope.originalNameScope,
        initializer: options.initializer ?? nameOrScope.initializer,
        regularizer: options.regularizer ?? nameOrScope.regularizer,
        dtype: options.dtype ?? nameOrScope.dtype,
        useResource: options.useResource ?? nameOrScope.useResource,
      });
    } else {
      const rel =
        nameOrScope === null || nameOrScope === undefined
          ? uniqueVariableScope(store, options.defaultName!)
          : nameOrScope;
      name = parent.name ? `${parent.name}/${rel}` : rel;
      scope = new VariableScope({
        name,
        reuse: reuseOpt || parent.reuse,
        originalNameScope: openedNameScope,
        initializer: options.initializer ?? parent.initializer,
        regularizer: options.regularizer ?? parent.regularizer,
        dtype: options.dtype ?? parent.dtype,
        useResource: options.useResource ?? parent.useResource,
      });
    }
    store.counts.set(name, (store.counts.get(name) ?? 0) + 1);
    const savedCounts = nameOrScope instanceof VariableScope ? new Map(store.counts) : undefined;
    store.current = scope;
    const restore = () => {
      if (savedCounts) store.counts = savedCounts;
      else {
        // Leaving a scope resets the counts of its sub-scopes (TF's close_variable_subscopes).
        for (const k of store.counts.keys()) if (k.startsWith(`${name}/`)) store.counts.set(k, 0);
      }
      store.current = parent;
    };
    let result: T;
    try {
      result = fn(scope);
    } catch (e) {
      restore();
      throw e;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  });
}

export interface GetVariableOptions {
  /** Required for a new variable unless the initializer is a value. */
  shape?: ShapeLike;
  /** Default: the scope's dtype (float32). */
  dtype?: DType;
  /** Default: the scope's initializer, else glorotUniform for floats and zeros otherwise. */
  initializer?: InitializerLike;
  regularizer?: Regularizer;
  /** Default true. */
  trainable?: boolean;
  /** Default [GLOBAL_VARIABLES] (+ TRAINABLE_VARIABLES when trainable). */
  collections?: string[];
  validateShape?: boolean;
  /** A resource variable (default: the scope's useResource, false at the top). */
  useResource?: boolean;
}

/**
 * The variable `<current scope>/<name>` (tf.get_variable): created in a non-reusing scope (an
 * error if it exists), returned in a reusing one (an error if it does not, or if shape or dtype
 * disagree), either with AUTO_REUSE. Its initial value is built under `<name>/Initializer/`.
 */
export function getVariable(name: string, options: GetVariableOptions = {}): Variable {
  const graph = getDefaultGraph();
  const store = storeOf(graph);
  const scope = store.current;
  const fullName = scope.name ? `${scope.name}/${name}` : name;
  const reuse = scope.reuse;
  let initializer = options.initializer ?? scope.initializer;
  const fromValue = initializer !== undefined && typeof initializer !== "function";
  if (options.shape !== undefined && options.shape !== null && fromValue) {
    throw new ValueError("If initializer is a constant, do not specify shape.");
  }
  const shape = TensorShape.from(options.shape);
  const dtype = options.dtype ?? scope.dtype;

  const existing = store.vars.get(fullName);
  if (existing) {
    if (reuse === false) {
      throw new ValueError(
        `Variable ${fullName} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?`,
      );
    }
    if (!shape.isCompatibleWith(existing.shape)) {
      throw new ValueError(
        `Trying to share variable ${fullName}, but specified shape ${shape} and found shape ${existing.shape}.`,
      );
    }
    if (options.dtype !== undefined || !fromValue) {
      if (dtype !== existing.dtype) {
        throw new ValueError(
          `Trying to share variable ${fullName}, but specified dtype ${dtype} and found dtype ${existing.dtype}.`,
        );
      }
    }
    return existing;
  }
  if (reuse === true) {
    throw new ValueError(
      `Variable ${fullName} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?`,
    );
  }

  let initialValue: TensorLike | (() => TensorLike);
  let varDType: DType | undefined;
  if (initializer !== undefined && typeof initializer !== "function") {
    const value = initializer;
    // A JS value takes the requested dtype; a tensor keeps its own (a mismatch is an error).
    initialValue = () => value;
    varDType = options.dtype ?? (isTensorValue(value) ? undefined : dtype);
  } else {
    if (!shape.isFullyDefined) {
      throw new ValueError(
        `Shape of a new variable (${fullName}) must be fully defined, but instead was ${shape}.`,
      );
    }
    if (initializer === undefined) {
      if (isFloating(dtype)) initializer = glorotUniform();
      else if (dtype === "string") {
        throw new ValueError(`An initializer for variable ${fullName} of ${dtype} is required`);
      } else initializer = zerosInit();
    }
    const init = initializer as (shape: readonly number[], dtype: DType) => TensorLike;
    const dims = shape.asArray();
    initialValue = () => init(dims, dtype);
    varDType = dtype;
  }
  const collections = options.collections ? [...options.collections] : undefined;
  // Variables are named from the top of the name scopes: their full name is the scope's.
  const v = graph.nameScope(
    "",
    () =>
      new Variable(initialValue, {
        name: fullName,
        trainable: options.trainable ?? true,
        dtype: varDType,
        collections,
        validateShape: options.validateShape,
        useResource: options.useResource ?? scope.useResource,
      }),
  );
  if (v.op.name !== fullName) {
    throw new ValueError(
      `Variable ${fullName} cannot be created: an op named '${fullName}' already exists in the graph`,
    );
  }
  store.vars.set(fullName, v);
  const regularizer = options.regularizer ?? scope.regularizer;
  if (regularizer) {
    const loss = graph.nameScope(`${fullName}/Regularizer/`, () => regularizer(v.value()));
    if (loss) graph.addToCollection(GraphKeys.REGULARIZATION_LOSSES, loss);
  }
  return v;
}

function isTensorValue(v: unknown): boolean {
  return v instanceof Tensor || isTensorConvertible(v);
}

/** getVariable for a LOCAL_VARIABLES, non-trainable variable (tf.get_local_variable). */
export function getLocalVariable(name: string, options: GetVariableOptions = {}): Variable {
  const collections = [...(options.collections ?? []), GraphKeys.LOCAL_VARIABLES];
  return getVariable(name, { ...options, trainable: false, collections });
}

/** The variables that `getVariable` has created in `graph` (default: the default graph), by full name. */
export function getVariableStore(graph: Graph = getDefaultGraph()): ReadonlyMap<string, Variable> {
  return storeOf(graph).vars;
}

export type { Initializer };
// TF1's top-level initializer names (tf.zeros_initializer(), tf.glorot_uniform_initializer()...).
export {
  constantInit as constantInitializer,
  glorotNormal as glorotNormalInitializer,
  glorotUniform as glorotUniformInitializer,
  onesInit as onesInitializer,
  randomNormalInit as randomNormalInitializer,
  randomUniformInit as randomUniformInitializer,
  truncatedNormalInit as truncatedNormalInitializer,
  varianceScaling as varianceScalingInitializer,
  zerosInit as zerosInitializer,
};
