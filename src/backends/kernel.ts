import type { DType } from "../framework/dtypes.js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  UnimplementedError,
} from "../framework/errors.js";
import type { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { shapeString } from "../framework/tensor_shape.js";
import { markEscaped } from "./buffer_pool.js";
import type { FilePolicy } from "./file_policy.js";

/** What a kernel factory knows about its node: plain data, no graph classes. */
export interface NodeInfo {
  readonly name: string;
  readonly type: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly inputDtypes: readonly DType[];
  readonly outputDtypes: readonly DType[];
}

/**
 * A TF1 reference to a variable's storage (what a VariableV2 outputs). Ops with ref inputs
 * (Assign, AssignAdd, ApplyGradientDescent...) update it; other consumers read its value.
 */
export class VariableRef {
  readonly name: string;
  readonly dtype: DType;
  /** The declared shape (null dims unknown), or null for unknown rank. */
  readonly declaredShape: readonly (number | null)[] | null;
  value: NDArray | undefined;

  constructor(name: string, dtype: DType, declaredShape: readonly (number | null)[] | null) {
    this.name = name;
    this.dtype = dtype;
    this.declaredShape = declaredShape;
  }

  get initialized(): boolean {
    return this.value !== undefined;
  }

  /** The current value; FailedPreconditionError if the variable was never initialized. */
  read(): NDArray {
    if (this.value === undefined) {
      throw new FailedPreconditionError(`Attempting to use uninitialized value ${this.name}`);
    }
    return this.value;
  }

  /** Replaces the value (Assign). With validateShape, the new value must fit the declared shape. */
  assign(value: NDArray, validateShape = true): void {
    if (value.dtype !== this.dtype) {
      throw new InvalidArgumentError(
        `Cannot assign a ${value.dtype} value to variable ${this.name} of dtype ${this.dtype}`,
      );
    }
    if (validateShape) {
      const d = this.declaredShape;
      const fits =
        d === null ||
        (d.length === value.shape.length && d.every((x, i) => x === null || x === value.shape[i]));
      const sameAsCurrent =
        this.value === undefined || this.value.shape.join() === value.shape.join();
      if (!fits || (d === null && !sameAsCurrent)) {
        throw new InvalidArgumentError(
          `Assign requires shapes of both tensors to match. lhs shape= ${d === null ? shapeString(this.value!.shape) : `[${d.map((x) => x ?? "?").join(",")}]`} rhs shape= ${shapeString(value.shape)} (variable ${this.name})`,
        );
      }
    }
    markEscaped(value.data); // the variable holds it across runs
    this.value = value;
  }
}

/**
 * The storage of a resource variable (what a VarHandleOp's handle points to): a VariableRef
 * keyed by container/shared_name, with TF's messages for resource reads.
 */
export class ResourceVariable extends VariableRef {
  readonly container: string;
  constructor(
    container: string,
    name: string,
    dtype: DType,
    declaredShape: readonly (number | null)[] | null,
  ) {
    super(name, dtype, declaredShape);
    this.container = container;
  }

  override read(): NDArray {
    if (this.value === undefined) {
      const c = this.container || "localhost";
      throw new FailedPreconditionError(
        `Error while reading resource variable ${this.name} from Container: ${c}. This could mean that the variable was uninitialized. Not found: Resource ${c}/${this.name}/N10tensorflow3VarE does not exist.`,
      );
    }
    return this.value;
  }
}

/**
 * A handle to per-run or per-session state that is not a tensor (TF's DT_RESOURCE values: a
 * TensorArray, a stack). Ops pass it along edges; kernels that own the state read `state`.
 */
export class ResourceHandle<S = unknown> {
  constructor(
    readonly kind: string,
    readonly name: string,
    readonly state: S,
  ) {}
}

/** A value flowing along an edge at run time. */
export type Value = NDArray | VariableRef | ResourceHandle;

/**
 * The output of an untaken branch (TF's "dead" tensor): a Switch produces it on the side not
 * taken; an op with a dead input does not run and its outputs are dead too; Merge forwards the
 * live one of its inputs.
 */
export const DEAD: unique symbol = Symbol("dead");
export type Dead = typeof DEAD;

/** Per-session state that kernels may keep (variables, random generators' counters...). */
export interface KernelEnv {
  /** The session's variables, created on first use. */
  variable(name: string, dtype: DType, shape: readonly (number | null)[] | null): VariableRef;
  /** Other per-session, per-node state. */
  readonly resources: Map<string, unknown>;
  /** ConfigProto.intraOpParallelismThreads: threads per kernel (0 or undefined: one per core). */
  readonly intraOpParallelismThreads?: number;
  /** ConfigProto.fileAccess: which files ops may touch (undefined: all). Ask `checkPath`. */
  readonly files?: FilePolicy;
  /**
   * A function of the session graph's library, compiled once, to call from a kernel (a
   * dataset's `map` function, a queue runner's body...). Each call runs the function's body in
   * the calling run's context and resolves to its outputs; NotFoundError for an unknown name.
   */
  readonly instantiateFunction?: (name: string) => FunctionInstance;
}

/**
 * A callable graph function (see KernelEnv.instantiateFunction). Its outputs are values as they
 * flow along edges: a resource handle (a dataset) stays one; a variable's ref is read.
 */
export type FunctionInstance = (args: readonly Value[]) => Promise<Value[]>;

/**
 * Computes a node's outputs from its inputs. Compiled once per plan, called every run. A kernel
 * may return a promise (work done off the main thread, or a wait such as a dequeue from an empty
 * queue) when `currentRun().mayAwait` (run_context.ts); the executor then awaits it, and other
 * runs and the event loop proceed meanwhile. A waiting kernel listens to `currentRun().signal`.
 */
export type Kernel = (inputs: Value[]) => (Value | Dead)[] | Promise<(Value | Dead)[]>;
/** Prepares a kernel for one node (reading its attrs once), so the hot loop does no lookups. */
export type KernelFactory = (node: NodeInfo, env: KernelEnv) => Kernel;

/** A set of kernels, by op type. */
export class Backend {
  readonly name: string;
  private readonly kernels = new Map<string, KernelFactory>();
  constructor(name: string) {
    this.name = name;
  }
  register(type: string, factory: KernelFactory): void {
    this.kernels.set(type, factory);
  }
  /** Registers one factory for several op types. */
  registerAll(types: readonly string[], factory: KernelFactory): void {
    for (const t of types) this.kernels.set(t, factory);
  }
  get(type: string): KernelFactory | undefined {
    return this.kernels.get(type);
  }
  has(type: string): boolean {
    return this.kernels.has(type);
  }
  get opTypes(): string[] {
    return [...this.kernels.keys()];
  }
}

const backends = new Map<string, Backend>();
export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
}
export function getBackend(name: string): Backend {
  const b = backends.get(name);
  if (!b)
    throw new UnimplementedError(
      `No backend named '${name}' (have: ${[...backends.keys()].join(", ")})`,
    );
  return b;
}
export function backendNames(): string[] {
  return [...backends.keys()];
}

/** Narrows a kernel input to an array value (ref inputs are dereferenced by the executor). */
export const arr = (v: Value): NDArray => v as NDArray;

/**
 * The variable an input names: a ref input's VariableRef, or the storage behind a resource
 * handle (a VarHandleOp's output). Kernels shared by the ref and resource forms of an op use it.
 */
export function variableOf(v: Value, what = "resource"): VariableRef {
  if (v instanceof VariableRef) return v;
  if (v instanceof ResourceHandle && v.state instanceof VariableRef) return v.state;
  throw new InvalidArgumentError(
    `${what} must be a variable (a ref or a resource variable handle), got ${v instanceof ResourceHandle ? `a ${v.kind} handle` : "a tensor"}`,
  );
}
