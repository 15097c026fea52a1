// TF 1.x's queue-based input pipelines (tf.train.*): producers that fill a queue with file names,
// indices or slices (stringInputProducer, rangeInputProducer, sliceInputProducer,
// inputProducer, limited to numEpochs by a local-variable counter), and batchers (batch,
// shuffleBatch, batchJoin, shuffleBatchJoin, maybeBatch) that queue examples and dequeue them in
// batches. Each adds a QueueRunner to the graph's QUEUE_RUNNERS collection: start them with
// tf.train.startQueueRunners(sess, coord).
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import type { Operation } from "../framework/graph.js";
import { GraphKeys, getDefaultGraph, isTensorConvertible, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import { dynamicPartition } from "../ops/array_extra_builders.js";
import { gather, range } from "../ops/array_index.js";
import { expandDims, reshape, shape as shapeOf, size } from "../ops/array_shape.js";
import { constant, identity } from "../ops/basic.js";
import { assert } from "../ops/control_flow.js";
import {
  FIFOQueue,
  PaddingFIFOQueue,
  type QueueBase,
  RandomShuffleQueue,
} from "../ops/data_flow_ops.js";
import { cast, greater, maximum, mul, sub } from "../ops/math.js";
import { flatten, type Nested, packAs } from "../ops/nest.js";
import { convertToTensor, graphOf, type TensorLike } from "../ops/op_builder.js";
import { randomShuffle } from "../ops/random.js";
import { countUpTo } from "../ops/resource_variables.js";
import { Variable } from "../ops/variables.js";
import { scalar as scalarSummary } from "../summary/summary_ops.js";
import { addQueueRunner, QueueRunner } from "./queue_runner.js";

/**
 * `tensor`, but once it has been evaluated numEpochs times, evaluating it again raises
 * OutOfRangeError (a local variable "epochs" counts, as TF's limit_epochs).
 */
export function limitEpochs(tensor: TensorLike, numEpochs?: number, name?: string): Tensor {
  const g = graphOf([tensor]);
  const t = convertToTensor(tensor, undefined, undefined, g);
  if (numEpochs === undefined || numEpochs === null) return t;
  if (numEpochs <= 0) throw new ValueError(`num_epochs must be > 0 not ${numEpochs}.`);
  return g.nameScope(name ?? "limit_epochs", (scope) => {
    const epochs = new Variable(constant(0, { dtype: "int64" }), {
      name: "epochs",
      trainable: false,
      collections: [GraphKeys.LOCAL_VARIABLES],
    });
    const counter = countUpTo(epochs, numEpochs);
    return g.controlDependencies(
      [counter],
      () => g.createOp("Identity", [t], {}, scope.slice(0, -1), { exactName: true }).outputs[0],
    );
  });
}

export interface InputProducerOptions {
  /** Epochs to produce before the queue is closed (default: forever). */
  numEpochs?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  seed?: number;
  /** Queue capacity (default 32). */
  capacity?: number;
  sharedName?: string;
  name?: string;
  /** The queue runner's cancel op (default: the queue's close with cancelPendingEnqueues). */
  cancelOp?: Operation;
}

/**
 * tf.train.input_producer: a FIFOQueue fed, by a queue runner, with the rows of `inputTensor`
 * (shuffled each epoch unless shuffle is false), numEpochs times or forever.
 */
export function inputProducer(
  inputTensor: TensorLike,
  options: InputProducerOptions & { elementShape?: ShapeLike; summaryName?: string } = {},
): FIFOQueue<Tensor> {
  const g = graphOf([inputTensor]);
  return g.nameScope(options.name ?? "input_producer", (scope) => {
    let t = convertToTensor(inputTensor, undefined, "input_tensor", g);
    const dims = t.shape.dims;
    let element = dims === null ? TensorShape.unknown() : new TensorShape(dims.slice(1));
    if (options.elementShape !== undefined) {
      const want = TensorShape.from(options.elementShape);
      if (!element.isCompatibleWith(want))
        throw new ValueError(`Shapes ${element} and ${want} are incompatible (input_producer)`);
      element = element.mergeWith(want);
    }
    if (!element.isFullyDefined)
      throw new ValueError(
        "Either `input_tensor` must have a fully defined shape or `element_shape` must be specified",
      );
    if (options.shuffle ?? true) t = randomShuffle(t, options.seed);
    t = limitEpochs(t, options.numEpochs);
    const q = new FIFOQueue<Tensor>(options.capacity ?? 32, [t.dtype], {
      shapes: [element.dims as number[]],
      sharedName: options.sharedName,
      name: scope,
    });
    const enq = q.enqueueMany([t]);
    addQueueRunner(new QueueRunner(q, [enq], { cancelOp: options.cancelOp }));
    if (options.summaryName !== undefined) fullness(q, options.summaryName, options.capacity ?? 32);
    return q;
  });
}

/** tf.train.string_input_producer: a queue of the strings (file names) of a non-empty list. */
export function stringInputProducer(
  stringTensor: TensorLike,
  options: InputProducerOptions = {},
): FIFOQueue<Tensor> {
  const msg = "string_input_producer requires a non-null input tensor";
  if (Array.isArray(stringTensor) && stringTensor.length === 0) throw new ValueError(msg);
  const g = graphOf([stringTensor]);
  return g.nameScope(options.name ?? "input_producer", (scope) => {
    let t = convertToTensor(stringTensor, "string", undefined, g);
    const check = assert(greater(size(t), 0), [constant(msg, { dtype: "string" })]);
    t = g.controlDependencies([check], () => identity(t));
    return inputProducer(t, {
      ...options,
      elementShape: [],
      name: scope,
      summaryName: `fraction_of_${options.capacity ?? 32}_full`,
    });
  });
}

/** TF's queue-fullness summary: size / capacity (or the part above min_after_dequeue). */
function fullness(q: QueueBase, name: string, capacity: number, minAfterDequeue = 0): void {
  const above = minAfterDequeue > 0 ? maximum(0, sub(q.size(), minAfterDequeue)) : q.size();
  scalarSummary(name, mul(cast(above, "float32"), 1 / (capacity - minAfterDequeue)));
}

/** tf.train.range_input_producer: a queue of the integers 0 .. limit-1. */
export function rangeInputProducer(
  limit: TensorLike,
  options: InputProducerOptions = {},
): FIFOQueue<Tensor> {
  const g = graphOf([limit]);
  return g.nameScope(options.name ?? "input_producer", (scope) =>
    inputProducer(range(limit), {
      ...options,
      elementShape: [],
      name: scope,
      summaryName: `fraction_of_${options.capacity ?? 32}_full`,
    }),
  );
}

/**
 * tf.train.slice_input_producer: one row of each tensor at a time (the same row of each), from
 * a range producer over their first dimension.
 */
export function sliceInputProducer(
  tensorList: readonly TensorLike[],
  options: InputProducerOptions = {},
): Tensor[] {
  if (tensorList.length === 0)
    throw new ValueError("Expected at least one tensor in slice_input_producer().");
  const g = graphOf([...tensorList]);
  return g.nameScope(options.name ?? "input_producer", () => {
    const ts = tensorList.map((t) => convertToTensor(t, undefined, undefined, g));
    const n = gather(shapeOf(ts[0]), 0);
    const q = rangeInputProducer(n, { ...options, name: undefined });
    const index = q.dequeue();
    return ts.map((t) => gather(t, index));
  });
}

/** What a batcher returns for `T`: the same structure, each leaf a batched Tensor. */
export type Batched<T> = T extends Tensor | NDArray | number | string | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Batched<T[K]> }
    : T extends object
      ? T extends { [k: string]: unknown }
        ? { -readonly [K in keyof T]: Batched<T[K]> }
        : Tensor
      : Tensor;

const isLeaf = (x: unknown): x is TensorLike =>
  x instanceof Tensor || x instanceof NDArray || isTensorConvertible(x);

export interface BatchOptions {
  /** Enqueue threads (loops) running the same enqueue op (default 1). */
  numThreads?: number;
  /** Queue capacity (default 32). */
  capacity?: number;
  /** Each tensor is a batch of examples (split along its first dimension). */
  enqueueMany?: boolean;
  /** Each example's shapes (default: the tensors' static shapes). */
  shapes?: readonly ShapeLike[];
  /** Pad examples to the batch's largest shape (PaddingFIFOQueue): shapes may have unknown dims. */
  dynamicPad?: boolean;
  /** The last batch may be smaller, once the input is exhausted (dequeueUpTo). */
  allowSmallerFinalBatch?: boolean;
  sharedName?: string;
  name?: string;
}

/** The example shapes of the tensor lists (merged across lists, batch dim dropped if many). */
function exampleShapes(
  lists: Tensor[][],
  given: readonly ShapeLike[] | undefined,
  enqueueMany: boolean,
): TensorShape[] {
  if (given) return given.map((s) => TensorShape.from(s));
  return lists[0].map((_, i) => {
    let merged: TensorShape | null = null;
    for (const l of lists) {
      const dims = l[i].shape.dims;
      if (dims === null) throw new ValueError(`Cannot infer Tensor's rank: ${l[i]}`);
      if (enqueueMany && dims.length === 0)
        throw new ValueError(`Shape must be at least rank 1 to enqueue many: ${l[i]}`);
      const s = new TensorShape(enqueueMany ? dims.slice(1) : dims);
      merged = merged ? merged.mergeWith(s) : s;
    }
    return merged!;
  });
}

function listDtypes(lists: Tensor[][]): DType[] {
  const types = lists[0].map((t) => t.dtype);
  for (const l of lists.slice(1)) {
    if (l.length !== types.length || l.some((t, i) => t.dtype !== types[i]))
      throw new ValueError(
        `Expected types to be consistent: [${l.map((t) => t.dtype).join(", ")}] vs. [${types.join(", ")}]`,
      );
  }
  return types;
}

interface BatchCore {
  lists: Tensor[][];
  batchSize: TensorLike;
  options: BatchOptions & { seed?: number };
  /** Makes the queue (FIFO, padding or shuffling). */
  queue: (types: DType[], shapes: TensorShape[]) => QueueBase;
  /** One enqueue op per list (join), or the same op numThreads times. */
  join: boolean;
  scope: string;
  /** A shuffling queue's min_after_dequeue (for its fullness summary). */
  minAfterDequeue?: number;
  /** maybeBatch's keep_input: a bool scalar (keep this example) or vector (keep these rows). */
  keepInput?: TensorLike;
}

/** TF's _validate_keep_input: a bool scalar, or a vector with enqueueMany. */
function validateKeepInput(keep: TensorLike, many: boolean): Tensor {
  const k = convertToTensor(keep, "bool");
  const rank = k.shape.rank;
  if (rank === null)
    throw new ValueError("`keep_input` dimensions must be known at graph construction.");
  if (!many && rank === 1)
    throw new ValueError("`keep_input` cannot be a vector when `enqueue_many=False`.");
  if (rank > 1) throw new ValueError("`keep_input` must be 0 or 1 dimensions.");
  return k;
}

/**
 * The enqueue of a list, with keep_input applied: only the kept rows go in (an example is a
 * batch of one, so that a dropped example enqueues nothing).
 */
function keptEnqueue(q: QueueBase, l: Tensor[], many: boolean, keep: Tensor): Operation {
  const rows = many ? l : l.map((t) => expandDims(t, 0));
  const flags = keep.shape.rank === 0 ? reshape(keep, [1]) : keep;
  const which = cast(flags, "int32");
  return q.enqueueMany(rows.map((t) => dynamicPartition(t, which, 2)[1]));
}

/** What every batcher does: a queue, its enqueue ops and runner, and the batched dequeue. */
function batchCore(c: BatchCore): Tensor[] {
  const many = c.options.enqueueMany ?? false;
  if (c.lists.some((l) => l.length === 0))
    throw new ValueError("Expected at least one tensor in batch().");
  const types = listDtypes(c.lists);
  const q = c.queue(types, exampleShapes(c.lists, c.options.shapes, many));
  const keep = c.keepInput === undefined ? undefined : validateKeepInput(c.keepInput, many);
  const enqueue = (l: Tensor[]) =>
    keep ? keptEnqueue(q, l, many, keep) : many ? q.enqueueMany(l) : q.enqueue(l);
  const ops = c.join
    ? c.lists.map(enqueue)
    : new Array<Operation>(c.options.numThreads ?? 1).fill(enqueue(c.lists[0]));
  addQueueRunner(new QueueRunner(q, ops));
  const capacity = c.options.capacity ?? 32;
  const min = c.minAfterDequeue ?? 0;
  fullness(
    q,
    min > 0 ? `fraction_over_${min}_of_${capacity - min}_full` : `fraction_of_${capacity}_full`,
    capacity,
    min,
  );
  // The dequeue is named as the batcher's scope ("batch:0" is the first batched tensor).
  return q.dequeueList(c.options.allowSmallerFinalBatch ? "upTo" : "many", c.batchSize, c.scope);
}

const toLists = <T>(tensors: T, g = getDefaultGraph()): Tensor[] =>
  flatten(tensors as Nested<TensorLike>, isLeaf).map((t) =>
    convertToTensor(t, undefined, undefined, g),
  );

function fifoFor(options: BatchOptions) {
  return (types: DType[], shapes: TensorShape[]): QueueBase =>
    options.dynamicPad
      ? new PaddingFIFOQueue(options.capacity ?? 32, types, shapes, {
          sharedName: options.sharedName,
        })
      : new FIFOQueue(options.capacity ?? 32, types, { shapes, sharedName: options.sharedName });
}
function shuffleFor(
  capacity: number,
  minAfterDequeue: number,
  options: BatchOptions & { seed?: number },
) {
  if (capacity <= minAfterDequeue)
    throw new ValueError(
      `capacity ${capacity} must be bigger than min_after_dequeue ${minAfterDequeue}.`,
    );
  return (types: DType[], shapes: TensorShape[]): QueueBase =>
    new RandomShuffleQueue(capacity, minAfterDequeue, types, {
      shapes,
      seed: options.seed,
      sharedName: options.sharedName,
    });
}

/**
 * tf.train.batch(tensors, batchSize, { numThreads, capacity, enqueueMany, shapes, dynamicPad,
 * allowSmallerFinalBatch, sharedName, name }): batches of examples in arrival order. `tensors`
 * is a tensor, a list or a record of them; the result has the same structure.
 */
export function batch<T>(
  tensors: T,
  batchSize: TensorLike,
  options: BatchOptions = {},
): Batched<T> {
  return batchOne(tensors, batchSize, options, undefined);
}

/** batch and maybeBatch: one example (or list of them) through a FIFO queue. */
function batchOne<T>(
  tensors: T,
  batchSize: TensorLike,
  options: BatchOptions,
  keepInput: TensorLike | undefined,
): Batched<T> {
  const g = graphOf(flatten(tensors as Nested<TensorLike>, isLeaf));
  return g.nameScope(options.name ?? "batch", (scope) => {
    const list = toLists(tensors, g);
    const out = batchCore({
      lists: [list],
      batchSize,
      options,
      queue: fifoFor(options),
      join: false,
      scope,
      keepInput,
    });
    return packAs(tensors as Nested<TensorLike>, out, isLeaf) as unknown as Batched<T>;
  });
}

/**
 * tf.train.batch_join(tensorsList, batchSize, { ... }): as batch, with one enqueue loop per
 * element of `tensorsList` (each the same structure: e.g. one reader per file).
 */
export function batchJoin<T>(
  tensorsList: readonly T[],
  batchSize: TensorLike,
  options: Omit<BatchOptions, "numThreads"> = {},
): Batched<T> {
  if (tensorsList.length === 0)
    throw new ValueError("Expected at least one tensor list in batch_join().");
  const g = graphOf(tensorsList.flatMap((t) => flatten(t as Nested<TensorLike>, isLeaf)));
  return g.nameScope(options.name ?? "batch_join", (scope) => {
    const lists = tensorsList.map((t) => toLists(t, g));
    const out = batchCore({
      lists,
      batchSize,
      options,
      queue: fifoFor(options),
      join: true,
      scope,
    });
    return packAs(tensorsList[0] as Nested<TensorLike>, out, isLeaf) as unknown as Batched<T>;
  });
}

export type ShuffleBatchOptions = Omit<BatchOptions, "dynamicPad"> & { seed?: number };

/**
 * tf.train.shuffle_batch(tensors, batchSize, capacity, minAfterDequeue, { numThreads, seed,
 * enqueueMany, shapes, allowSmallerFinalBatch, sharedName, name }): batches drawn at random
 * from a RandomShuffleQueue that keeps at least minAfterDequeue examples (until closed).
 */
export function shuffleBatch<T>(
  tensors: T,
  batchSize: TensorLike,
  capacity: number,
  minAfterDequeue: number,
  options: ShuffleBatchOptions = {},
): Batched<T> {
  return shuffleBatchOne(tensors, batchSize, capacity, minAfterDequeue, options, undefined);
}

/** shuffleBatch and maybeShuffleBatch: one example (or list of them) through a shuffling queue. */
function shuffleBatchOne<T>(
  tensors: T,
  batchSize: TensorLike,
  capacity: number,
  minAfterDequeue: number,
  options: ShuffleBatchOptions,
  keepInput: TensorLike | undefined,
): Batched<T> {
  const g = graphOf(flatten(tensors as Nested<TensorLike>, isLeaf));
  return g.nameScope(options.name ?? "shuffle_batch", (scope) => {
    const queue = shuffleFor(capacity, minAfterDequeue, options);
    const list = toLists(tensors, g);
    const out = batchCore({
      lists: [list],
      batchSize,
      options: { ...options, capacity },
      minAfterDequeue,
      queue,
      join: false,
      scope,
      keepInput,
    });
    return packAs(tensors as Nested<TensorLike>, out, isLeaf) as unknown as Batched<T>;
  });
}

/** tf.train.shuffle_batch_join: shuffleBatch with one enqueue loop per element of tensorsList. */
export function shuffleBatchJoin<T>(
  tensorsList: readonly T[],
  batchSize: TensorLike,
  capacity: number,
  minAfterDequeue: number,
  options: Omit<ShuffleBatchOptions, "numThreads"> = {},
): Batched<T> {
  if (tensorsList.length === 0)
    throw new ValueError("Expected at least one tensor list in shuffle_batch_join().");
  const g = graphOf(tensorsList.flatMap((t) => flatten(t as Nested<TensorLike>, isLeaf)));
  return g.nameScope(options.name ?? "shuffle_batch_join", (scope) => {
    const queue = shuffleFor(capacity, minAfterDequeue, options);
    const lists = tensorsList.map((t) => toLists(t, g));
    const out = batchCore({
      lists,
      batchSize,
      options: { ...options, capacity },
      minAfterDequeue,
      queue,
      join: true,
      scope,
    });
    return packAs(tensorsList[0] as Nested<TensorLike>, out, isLeaf) as unknown as Batched<T>;
  });
}

/**
 * tf.train.maybe_batch(tensors, keepInput, batchSize, { ... }): as batch, but only the examples
 * whose keepInput is true are queued (keepInput: a bool scalar, or with enqueueMany a vector).
 */
export function maybeBatch<T>(
  tensors: T,
  keepInput: TensorLike,
  batchSize: TensorLike,
  options: BatchOptions = {},
): Batched<T> {
  return batchOne(tensors, batchSize, options, keepInput);
}

/** tf.train.maybe_shuffle_batch: shuffleBatch, queuing only the examples keepInput keeps. */
export function maybeShuffleBatch<T>(
  tensors: T,
  batchSize: TensorLike,
  capacity: number,
  minAfterDequeue: number,
  keepInput: TensorLike,
  options: ShuffleBatchOptions = {},
): Batched<T> {
  return shuffleBatchOne(tensors, batchSize, capacity, minAfterDequeue, options, keepInput);
}
