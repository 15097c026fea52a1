// TF's queues as graph ops: FIFOQueueV2, PaddingFIFOQueueV2, RandomShuffleQueueV2,
// PriorityQueueV2 and the QueueEnqueue/Dequeue/Close/Size ops; the classes tf.FIFOQueue,
// tf.RandomShuffleQueue, tf.PaddingFIFOQueue, tf.PriorityQueue (TF 1.15's Python API, camelCase).
// A queue is per-session state: its op outputs a resource handle, the other ops use it.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Graph, getDefaultGraph, type Operation, type Tensor } from "../framework/graph.js";
import type { AttrValue } from "../framework/op_def.js";
import { registerOp, type ShapeFn } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import {
  convertToTensor,
  isOptionsObject,
  makeOp,
  makeOp1,
  type TensorLike,
} from "./op_builder.js";
import { getSeed } from "./random.js";

export const QUEUE_OP_TYPES = [
  "FIFOQueueV2",
  "PaddingFIFOQueueV2",
  "RandomShuffleQueueV2",
  "PriorityQueueV2",
] as const;
for (const t of QUEUE_OP_TYPES) registerOp(t, { shape: () => [] });
// TF1's queues before 1.2 (imported graphs): the handle is a ref to a 2-vector of strings.
const QUEUE_V1_TYPES = ["FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "PriorityQueue"];
for (const t of QUEUE_V1_TYPES) registerOp(t, { shape: () => [2] });
const QUEUE_MAKERS = new Set<string>([...QUEUE_OP_TYPES, ...QUEUE_V1_TYPES]);

/**
 * The element shapes of the queue a handle comes from (TF keeps them as the handle's shape
 * data): a PriorityQueue's priority scalar first; null when unknown (an unspecified queue, or a
 * handle not made by a queue op in this graph).
 */
function queueShapes(c: ShapeContext, count: number): TensorShape[] {
  const src = c.op.inputs[0].op;
  const shapes = QUEUE_MAKERS.has(src.type)
    ? ((src.attrs.shapes ?? []) as readonly TensorShape[])
    : [];
  const list =
    src.type.startsWith("PriorityQueue") && shapes.length > 0
      ? [TensorShape.scalar(), ...shapes]
      : shapes;
  return Array.from({ length: count }, (_, i) => list[i] ?? TensorShape.unknown());
}
const numComponents = (c: ShapeContext): number =>
  (c.attr<readonly DType[]>("component_types") ?? []).length;

for (const v of ["V2", ""]) {
  registerOp(`QueueEnqueue${v}`, {});
  registerOp(`QueueEnqueueMany${v}`, {});
  registerOp(`QueueDequeue${v}`, { shape: (c) => queueShapes(c, numComponents(c)) });
  registerOp(`QueueDequeueMany${v}`, { shape: manyShape(false) });
  registerOp(`QueueDequeueUpTo${v}`, { shape: manyShape(true) });
  registerOp(`QueueClose${v}`, {});
  registerOp(`QueueSize${v}`, { shape: () => [] });
  registerOp(`QueueIsClosed${v}`, { shape: () => [] });
}
/** A batched dequeue: [n, ...element] (n when constant; DequeueUpTo's is unknown). */
function manyShape(upTo: boolean): ShapeFn {
  return (c) => {
    c.withRank(1, 0);
    const n = upTo ? null : c.inputValue(1);
    const batch = n ? Number(n.data[0]) : null;
    return queueShapes(c, numComponents(c)).map((s) =>
      s.rank === null ? TensorShape.unknown() : new TensorShape([batch, ...s.dims!]),
    );
  };
}

/** What a dequeue gives: one tensor (one component), a list, or a record (a queue with names). */
export type QueueElement = Tensor | Tensor[] | Record<string, Tensor>;
/** What an enqueue takes: a value (one component), a list of values, or a record keyed by names. */
export type QueueValues = TensorLike | readonly TensorLike[] | Readonly<Record<string, TensorLike>>;

export interface QueueOptions {
  /** Component names: enqueue then takes, and dequeue gives, a record keyed by them. */
  names?: readonly string[];
  /** Shares the queue between sessions' graphs by this name (TF's shared_name). */
  sharedName?: string;
  name?: string;
}

/** A TF shape list argument: each shape fully defined unless `unknownDims` (PaddingFIFOQueue). */
function asShapeList(
  shapes: readonly ShapeLike[] | undefined,
  dtypes: readonly DType[],
  unknownDims: boolean,
): TensorShape[] {
  if (!shapes) return [];
  const list = shapes.map((s) => TensorShape.from(s));
  if (list.length !== dtypes.length)
    throw new ValueError(
      `Queue shapes must have the same length as dtypes: ${list.length} shapes for ${dtypes.length} dtypes`,
    );
  for (const s of list) {
    if (s.rank === null || (!unknownDims && !s.isFullyDefined))
      throw new ValueError(
        `All shapes must be fully defined${unknownDims ? " in rank" : ""}: [${list.join(", ")}]`,
      );
  }
  return list;
}
/** Creates an op named `name`, or exactly `name` less its slash when it ends in "/" (as TF). */
function createNamed(
  g: Graph,
  type: string,
  inputs: Tensor[],
  attrs: Record<string, AttrValue>,
  name: string,
): Operation {
  const exact = name.endsWith("/");
  return g.createOp(type, inputs, attrs, exact ? name.slice(0, -1) : name, { exactName: exact });
}
const queueOp = (type: string, attrs: Record<string, AttrValue>, name: string): Tensor =>
  createNamed(getDefaultGraph(), type, [], attrs, name).outputs[0];

const asTypeList = (d: DType | readonly DType[]): DType[] => (typeof d === "string" ? [d] : [...d]);

/**
 * The common API of TF's queues (tf.QueueBase). `O` is what a dequeue gives: a Tensor for a
 * one-component queue, a Tensor[] for several, a record for a queue with names.
 */
export class QueueBase<O extends QueueElement = QueueElement> {
  readonly queueRef: Tensor;
  readonly dtypes: readonly DType[];
  readonly shapes: readonly TensorShape[];
  readonly names: readonly string[] | null;
  /** The queue op's name without its scope (TF's queue.name), which default op names use. */
  readonly name: string;

  constructor(
    dtypes: readonly DType[],
    shapes: readonly TensorShape[],
    names: readonly string[] | undefined,
    queueRef: Tensor,
  ) {
    this.dtypes = dtypes;
    this.shapes = shapes;
    if (names && names.length !== dtypes.length)
      throw new ValueError("Queue names must have the same length as dtypes");
    this.names = names ? [...names] : null;
    this.queueRef = queueRef;
    this.name = queueRef.op.name.split("/").pop()!;
  }

  /** The element as a list of tensors in component order (checking dict keys against names). */
  private componentList(vals: QueueValues): TensorLike[] {
    if (isOptionsObject(vals)) {
      if (!this.names) throw new ValueError("Queue must have names to enqueue a dictionary");
      const keys = Object.keys(vals).sort();
      if (keys.join() !== [...this.names].sort().join())
        throw new ValueError(
          `Keys in dictionary to enqueue do not match names of Queue.  Dictionary: (${keys.join(", ")}), Queue: (${[...this.names].sort().join(", ")})`,
        );
      const rec = vals as Readonly<Record<string, TensorLike>>;
      return this.names.map((n) => rec[n]);
    }
    if (this.names) throw new ValueError("You must enqueue a dictionary in a Queue with names");
    return Array.isArray(vals) ? [...(vals as TensorLike[])] : [vals as TensorLike];
  }

  private convert(vals: QueueValues, many: boolean): Tensor[] {
    const list = this.componentList(vals);
    if (list.length !== this.dtypes.length)
      throw new ValueError(
        `Expected ${this.dtypes.length} components to enqueue in queue '${this.name}', got ${list.length}`,
      );
    const g = this.queueRef.graph;
    return list.map((v, i) => {
      const t = convertToTensor(v, this.dtypes[i], `component_${i}`, g);
      const want = this.shapes[i];
      if (want) {
        const dims = t.shape.dims;
        if (many && dims !== null && dims.length === 0)
          throw new ValueError(
            `Shape must be at least rank 1: component ${i} of an enqueue_many on queue '${this.name}' is a scalar`,
          );
        const got = many && dims !== null ? new TensorShape(dims.slice(1)) : t.shape;
        if (!(many && dims === null) && !got.isCompatibleWith(want))
          throw new ValueError(
            `Shapes ${got} and ${want} are incompatible: component ${i} of an ${many ? "enqueue_many" : "enqueue"} on queue '${this.name}'`,
          );
      }
      return t;
    });
  }

  /** Adds one element (an op; running it waits while the queue is full). */
  enqueue(vals: QueueValues, name?: string): Operation {
    const g = this.queueRef.graph;
    return g.nameScope(name ?? `${this.name}_enqueue`, (scope) => {
      const comps = this.convert(vals, false);
      return g.createOp("QueueEnqueueV2", [this.queueRef, comps], {}, scope.slice(0, -1), {
        exactName: true,
      });
    });
  }

  /** Adds the rows of a batch (every component split along its first dimension) as elements. */
  enqueueMany(vals: QueueValues, name?: string): Operation {
    const g = this.queueRef.graph;
    return g.nameScope(name ?? `${this.name}_EnqueueMany`, (scope) => {
      const comps = this.convert(vals, true);
      let batch: number | null = null;
      for (const t of comps) {
        const b = t.shape.dim(0);
        if (b !== null && batch !== null && b !== batch)
          throw new ValueError(
            `Dimensions ${batch} and ${b} are not compatible: the components of an enqueue_many on queue '${this.name}' must have the same first dimension`,
          );
        batch ??= b;
      }
      return g.createOp("QueueEnqueueManyV2", [this.queueRef, comps], {}, scope.slice(0, -1), {
        exactName: true,
      });
    });
  }

  /**
   * @internal The dequeued components as a list (what the input pipelines use). A name ending
   * in "/" (a name scope) is used exactly, without the slash, as TF does.
   */
  dequeueList(kind: "one" | "many" | "upTo", n?: TensorLike, name?: string): Tensor[] {
    const g = this.queueRef.graph;
    const type =
      kind === "one"
        ? "QueueDequeueV2"
        : kind === "many"
          ? "QueueDequeueManyV2"
          : "QueueDequeueUpToV2";
    const suffix = kind === "one" ? "Dequeue" : kind === "many" ? "DequeueMany" : "DequeueUpTo";
    const inputs =
      kind === "one"
        ? [this.queueRef]
        : [this.queueRef, convertToTensor(n!, "int32", undefined, g)];
    return [
      ...createNamed(
        g,
        type,
        inputs,
        { component_types: [...this.dtypes] },
        name ?? `${this.name}_${suffix}`,
      ).outputs,
    ];
  }

  private pack(tensors: Tensor[]): O {
    if (this.names) return Object.fromEntries(this.names.map((n, i) => [n, tensors[i]])) as O;
    return (tensors.length === 1 ? tensors[0] : tensors) as O;
  }

  /** Removes one element (running it waits while the queue is empty). */
  dequeue(name?: string): O {
    return this.pack(this.dequeueList("one", undefined, name));
  }
  /** Removes n elements, batched along a new first dimension. */
  dequeueMany(n: TensorLike, name?: string): O {
    return this.pack(this.dequeueList("many", n, name));
  }
  /** As dequeueMany, but a closed queue with fewer than n (and more than 0) left gives them all. */
  dequeueUpTo(n: TensorLike, name?: string): O {
    return this.pack(this.dequeueList("upTo", n, name));
  }

  /**
   * Closes the queue: later enqueues fail; dequeues take what is left, then fail with
   * OutOfRangeError. With cancelPendingEnqueues, enqueues waiting for room fail too.
   */
  close(options: { cancelPendingEnqueues?: boolean; name?: string } | boolean = {}): Operation {
    const o = typeof options === "boolean" ? { cancelPendingEnqueues: options } : options;
    return makeOp(
      "QueueCloseV2",
      [this.queueRef],
      { cancel_pending_enqueues: o.cancelPendingEnqueues ?? false },
      o.name ?? `${this.name}_Close`,
    );
  }
  /** Whether the queue is closed (a bool scalar). */
  isClosed(name?: string): Tensor {
    return makeOp1("QueueIsClosedV2", [this.queueRef], {}, name ?? `${this.name}_IsClosed`);
  }
  /** How many elements it holds (an int32 scalar). */
  size(name?: string): Tensor {
    return makeOp1("QueueSizeV2", [this.queueRef], {}, name ?? `${this.name}_Size`);
  }
}

/** tf.FIFOQueue(capacity, dtypes, { shapes, names, sharedName, name }): first in, first out. */
export class FIFOQueue<O extends QueueElement = QueueElement> extends QueueBase<O> {
  constructor(
    capacity: number,
    dtypes: DType | readonly DType[],
    options: QueueOptions & { shapes?: readonly ShapeLike[] } = {},
  ) {
    const types = asTypeList(dtypes);
    const shapes = asShapeList(options.shapes, types, false);
    const ref = queueOp(
      "FIFOQueueV2",
      { component_types: types, shapes, capacity, shared_name: options.sharedName ?? "" },
      options.name ?? "fifo_queue",
    );
    super(types, shapes, options.names, ref);
  }
}

/**
 * tf.PaddingFIFOQueue(capacity, dtypes, shapes, { names, sharedName, name }): a FIFOQueue whose
 * shapes may have unknown dims; dequeueMany zero-pads each component to the batch's largest.
 */
export class PaddingFIFOQueue<O extends QueueElement = QueueElement> extends QueueBase<O> {
  constructor(
    capacity: number,
    dtypes: DType | readonly DType[],
    shapes: readonly ShapeLike[],
    options: QueueOptions = {},
  ) {
    const types = asTypeList(dtypes);
    if (!shapes)
      throw new ValueError("PaddingFIFOQueue needs a shape for every component (shapes)");
    const list = asShapeList(shapes, types, true);
    const ref = queueOp(
      "PaddingFIFOQueueV2",
      { component_types: types, shapes: list, capacity, shared_name: options.sharedName ?? "" },
      options.name ?? "padding_fifo_queue",
    );
    super(types, list, options.names, ref);
  }
}

/**
 * tf.RandomShuffleQueue(capacity, minAfterDequeue, dtypes, { shapes, names, seed, sharedName,
 * name }): dequeues a random element, keeping at least minAfterDequeue until it is closed.
 */
export class RandomShuffleQueue<O extends QueueElement = QueueElement> extends QueueBase<O> {
  constructor(
    capacity: number,
    minAfterDequeue: number,
    dtypes: DType | readonly DType[],
    options: QueueOptions & { shapes?: readonly ShapeLike[]; seed?: number } = {},
  ) {
    const types = asTypeList(dtypes);
    const shapes = asShapeList(options.shapes, types, false);
    const [s1, s2] = getSeed(options.seed, getDefaultGraph());
    const ref = queueOp(
      "RandomShuffleQueueV2",
      {
        component_types: types,
        shapes,
        capacity,
        min_after_dequeue: minAfterDequeue,
        seed: s1 ?? 0,
        seed2: s2 ?? 0,
        shared_name: options.sharedName ?? "",
      },
      options.name ?? "random_shuffle_queue",
    );
    super(types, shapes, options.names, ref);
  }
}

/**
 * tf.PriorityQueue(capacity, types, shapes, { names, sharedName, name }): elements come out by
 * their priority, an int64 scalar in front of the `types` components (smallest first).
 */
export class PriorityQueue<O extends QueueElement = QueueElement> extends QueueBase<O> {
  constructor(
    capacity: number,
    types: DType | readonly DType[],
    shapes: readonly ShapeLike[],
    options: QueueOptions = {},
  ) {
    const list = asTypeList(types);
    const shapeList = asShapeList(shapes, list, false);
    const ref = queueOp(
      "PriorityQueueV2",
      { component_types: list, shapes: shapeList, capacity, shared_name: options.sharedName ?? "" },
      options.name ?? "priority_queue",
    );
    super(
      ["int64", ...list],
      shapeList.length > 0 ? [TensorShape.scalar(), ...shapeList] : [],
      options.names,
      ref,
    );
  }
}
