// Iterators: IteratorV2 / Iterator / AnonymousIterator (the iterator resource), MakeIterator,
// IteratorGetNext(Sync), OneShotIterator, IteratorToStringHandle,
// IteratorFromStringHandle(V2) and DatasetToSingleElement. An iterator is per-session state
// (env.resources, keyed by container and shared name, else the node name); its string handle
// is that key.
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  UnimplementedError,
} from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import type { FuncAttr } from "../../framework/op_def.js";
import { abortable, currentRun } from "../../framework/run_context.js";
import type { TensorShape } from "../../framework/tensor_shape.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type KernelEnv, type NodeInfo, ResourceHandle, type Value } from "../kernel.js";
import {
  type DatasetImpl,
  datasetOf,
  type Element,
  type ElementIterator,
  scalarString,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";

const ITERATOR_KIND = "iterator";

/** The state behind an iterator resource. */
export class IteratorState {
  private it: ElementIterator | null = null;
  /** getNext calls run one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  constructor(
    readonly key: string,
    readonly types: readonly string[],
    readonly shapes: readonly TensorShape[],
  ) {}

  /** Starts a new pass over `ds` (MakeIterator); the previous pass stops. */
  reset(ds: DatasetImpl): void {
    this.it?.close();
    this.it = ds.iterate();
  }

  get initialized(): boolean {
    return this.it !== null;
  }

  /** The next element, checked against the iterator's types and shapes; null at the end. */
  getNext(op: string): Promise<Element | null> {
    const it = this.it;
    if (!it)
      return Promise.reject(
        new FailedPreconditionError(
          `${op}: GetNext() failed because the iterator has not been initialized. Ensure that you have run the initializer operation for this iterator before getting the next element.`,
        ),
      );
    const p = this.chain.then(() => it.next());
    this.chain = p.catch(() => {});
    return p.then((e) => (e === null ? null : this.check(e, op)));
  }

  private check(e: Element, op: string): Element {
    if (e.length !== this.types.length)
      throw new InvalidArgumentError(
        `${op}: the dataset's elements have ${e.length} components, the iterator expects ${this.types.length}`,
      );
    e.forEach((x, i) => {
      if (this.types[i] === "variant") return; // a nested dataset
      const v = arr(x);
      const s = this.shapes[i];
      if (v.dtype !== this.types[i] || (s && !s.isCompatibleWith(v.shape)))
        throw new InvalidArgumentError(
          `${op}: component ${i} of the element is ${v.dtype} ${shapeString(v.shape)}, the iterator expects ${this.types[i]} ${s?.toString() ?? "?"}`,
        );
    });
    return e;
  }
}

const iteratorKey = (node: NodeInfo): string => {
  const a = node.attrs;
  const shared = (a.shared_name as string | undefined) || node.name;
  return `iterator:${(a.container as string | undefined) || ""}/${shared}`;
};

function stateOf(node: NodeInfo, env: KernelEnv, key = iteratorKey(node)): IteratorState {
  let s = env.resources.get(key) as IteratorState | undefined;
  if (!s) {
    s = new IteratorState(
      key,
      (node.attrs.output_types as string[] | undefined) ?? [],
      (node.attrs.output_shapes as TensorShape[] | undefined) ?? [],
    );
    env.resources.set(key, s);
  }
  return s;
}

function iteratorOf(v: Value, op: string): IteratorState {
  if (v instanceof ResourceHandle && v.kind === ITERATOR_KIND) return v.state as IteratorState;
  throw new InvalidArgumentError(`${op}: expected an iterator resource handle`);
}

const handle = (s: IteratorState) => new ResourceHandle(ITERATOR_KIND, s.key, s);

function iteratorKernel(node: NodeInfo, env: KernelEnv) {
  return () => [handle(stateOf(node, env))];
}
cpuBackend.register("IteratorV2", iteratorKernel);
cpuBackend.register("Iterator", iteratorKernel);

let anonymous = 0;
cpuBackend.register("AnonymousIterator", (node, env) => () => [
  handle(stateOf(node, env, `iterator:anonymous/${node.name}_${anonymous++}`)),
]);

cpuBackend.register("MakeIterator", (node) => (inputs) => {
  iteratorOf(inputs[1], node.name).reset(datasetOf(inputs[0], node.name, "dataset"));
  return [];
});

/** A kernel that awaits: only in an async run (Session.run, not runSync). */
function mustAwait(op: string): AbortSignal | undefined {
  const run = currentRun();
  if (run && !run.mayAwait)
    throw new UnimplementedError(
      `${op}: getting a dataset's next element needs an asynchronous run (Session.run, not runSync)`,
    );
  return run?.signal;
}

function getNext(node: NodeInfo) {
  return (inputs: Value[]) => {
    const signal = mustAwait(node.name);
    const state = iteratorOf(inputs[0], node.name);
    return abortable(state.getNext(node.name), signal).then((e) => {
      if (e === null) throw new OutOfRangeError("End of sequence");
      return e;
    });
  };
}
cpuBackend.register("IteratorGetNext", getNext);
cpuBackend.register("IteratorGetNextSync", getNext);

/**
 * OneShotIterator: on its first run, calls `dataset_factory` (a function of no arguments that
 * builds the dataset) and starts a pass; later runs return the same iterator.
 */
cpuBackend.register("OneShotIterator", (node, env) => {
  const fname = (node.attrs.dataset_factory as FuncAttr).func;
  const key = iteratorKey(node);
  return () => {
    const state = stateOf(node, env, key);
    if (state.initialized) return [handle(state)];
    const pendingKey = `${key}:pending`;
    let pending = env.resources.get(pendingKey) as Promise<void> | undefined;
    if (!pending) {
      mustAwait(node.name);
      if (!env.instantiateFunction)
        throw new UnimplementedError(`${node.name}: this session cannot run graph functions`);
      const factory = env.instantiateFunction(fname);
      pending = factory([]).then((out) => {
        state.reset(datasetOf(out[0] as Value, node.name, "dataset_factory's result"));
      });
      pending.catch(() => env.resources.delete(pendingKey)); // a failed factory runs again
      env.resources.set(pendingKey, pending);
    }
    return pending.then(() => [handle(state)]);
  };
});

cpuBackend.register("IteratorToStringHandle", (node) => (inputs) => [
  new NDArray("string", [], [iteratorOf(inputs[0], node.name).key]),
]);

function fromStringHandle(node: NodeInfo, env: KernelEnv) {
  const types = (node.attrs.output_types as string[] | undefined) ?? [];
  const shapes = (node.attrs.output_shapes as TensorShape[] | undefined) ?? [];
  return (inputs: Value[]) => {
    const key = scalarString(inputs[0], node.name, "string_handle");
    const state = env.resources.get(key);
    if (!(state instanceof IteratorState))
      throw new NotFoundError(
        `${node.name}: no iterator with string handle '${key}' in this session`,
      );
    if (types.length > 0) {
      const same =
        types.length === state.types.length &&
        types.every((t, i) => t === state.types[i]) &&
        shapes.every((s, i) => !state.shapes[i] || s.isCompatibleWith(state.shapes[i]));
      if (!same)
        throw new InvalidArgumentError(
          `${node.name}: the iterator '${key}' has types [${state.types.join(",")}] and shapes [${state.shapes.join(",")}], expected types [${types.join(",")}] and shapes [${shapes.join(",")}]`,
        );
    }
    return [handle(state)];
  };
}
cpuBackend.register("IteratorFromStringHandleV2", fromStringHandle);
cpuBackend.register("IteratorFromStringHandle", fromStringHandle);

cpuBackend.register("DatasetToSingleElement", (node) => (inputs) => {
  const signal = mustAwait(node.name);
  const it = datasetOf(inputs[0], node.name, "dataset").iterate();
  const one = async () => {
    try {
      const e = await it.next();
      if (e === null) throw new InvalidArgumentError(`${node.name}: Dataset was empty.`);
      if ((await it.next()) !== null)
        throw new InvalidArgumentError(`${node.name}: Dataset had more than one element.`);
      return e;
    } finally {
      it.close();
    }
  };
  return abortable(one(), signal);
});
