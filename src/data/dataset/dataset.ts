// tf.data.Dataset (TF 1.15's API, camelCase): a dataset is a `variant` tensor made by dataset
// ops, with the structure of its elements. Transformations add ops; iterators read elements in
// a session (see iterator.ts).
import type { DType } from "../../framework/dtypes.js";
import { ValueError } from "../../framework/errors.js";
import { type Graph, getDefaultGraph, Tensor } from "../../framework/graph.js";
import type { AttrValue } from "../../framework/op_def.js";
import { type ShapeLike, TensorShape } from "../../framework/tensor_shape.js";
import { cast } from "../../ops/math.js";
import { flatten, type Nested, packAs } from "../../ops/nest.js";
import { convertToTensor, graphOf, type TensorLike } from "../../ops/op_builder.js";
import { getSeed } from "../../ops/random.js";
import type { SparseTensor } from "../../ops/sparse_tensor.js";
import { type Iterator, makeInitializableIterator, makeOneShotIterator } from "./iterator.js";
import {
  DatasetSpec,
  flatShapes,
  flatSpecs,
  flatTypes,
  flattenUpTo,
  isComponent,
  isSpec,
  mapSpecs,
  mostSpecific,
  packSpecs,
  type Spec,
  type Structure,
  sameStructure,
  TensorSpec,
} from "./structure.js";
import { type DatasetBridge, traceFunction } from "./trace.js";

/** TF's tf.data.experimental.AUTOTUNE: let the runtime pick a parallelism or buffer size. */
export const AUTOTUNE = -1;

/** A nest of tensor-like components (arrays and plain objects of tensors or JS values). */
export type Element = Nested<TensorLike>;

/** A function of an element's components (an array element is spread into arguments). */
// biome-ignore lint/suspicious/noExplicitAny: user functions take the element's components, of any structure
export type ElementFn<R> = (...components: any[]) => R;

const INT64 = "int64" as DType;

/** An int64 scalar input (a JS number, or a tensor cast to int64 as TF does). */
function int64(x: TensorLike, graph?: Graph): Tensor {
  if (x instanceof Tensor) return x.dtype === INT64 ? x : cast(x, INT64);
  return convertToTensor(x, INT64, undefined, graph);
}

function boolScalar(x: TensorLike | boolean): Tensor {
  return convertToTensor(x as TensorLike, "bool");
}

/** Adds a dataset op; its graph is its inputs' (or the default). */
function datasetOp(
  type: string,
  inputs: (Tensor | Tensor[])[],
  attrs: Record<string, AttrValue | undefined>,
  name?: string,
): Tensor {
  const g = graphOf(inputs);
  return g.createOp(type, inputs, attrs, name ?? type).outputs[0];
}

const structureAttrs = (s: Structure) => ({
  output_types: flatTypes(s),
  output_shapes: flatShapes(s),
});

const bridge: DatasetBridge = {
  wrap: (variant, structure) => new Dataset(variant, structure),
  parts: (x) =>
    x instanceof Dataset ? { variant: x.variantTensor, structure: x.structure } : undefined,
};

/** The components of an element given by the user, as tensors, with its structure. */
function toComponents(element: Element): { tensors: Tensor[]; structure: Nested<Tensor> } {
  const isLeaf = (x: unknown): x is TensorLike => isComponent(x);
  const leaves = flatten(element as Nested<TensorLike>, isLeaf);
  const tensors = leaves.map((x) => convertToTensor(x));
  return {
    tensors,
    structure: packAs(element as Nested<TensorLike>, tensors, isLeaf) as Nested<Tensor>,
  };
}

export class Dataset {
  constructor(
    /** The scalar `variant` tensor that is this dataset in the graph. */
    readonly variantTensor: Tensor,
    /** The structure of its elements (TF's element_spec). */
    readonly structure: Structure,
  ) {}

  /** The dtypes of the components, nested as the elements are. */
  get outputTypes(): Nested<DType | "variant"> {
    return mapSpecs(this.structure, (s) => (s instanceof TensorSpec ? s.dtype : "variant"));
  }
  /** The static shapes of the components, nested as the elements are. */
  get outputShapes(): Nested<TensorShape> {
    return mapSpecs(this.structure, (s) =>
      s instanceof TensorSpec ? s.shape : TensorShape.scalar(),
    );
  }
  get graph(): Graph {
    return this.variantTensor.graph;
  }

  private derive(
    type: string,
    extra: (Tensor | Tensor[])[],
    structure: Structure,
    attrs: Record<string, AttrValue | undefined> = {},
  ): Dataset {
    const t = datasetOp(type, [this.variantTensor, ...extra], {
      ...attrs,
      ...structureAttrs(structure),
    });
    return new Dataset(t, structure);
  }

  // ---- Sources -------------------------------------------------------------------------------

  /** A dataset of one element: `tensors` (a nest of components). */
  static fromTensors(tensors: Element): Dataset {
    const { tensors: ts, structure } = toComponents(tensors);
    const spec = mapTensors(structure, (t) => new TensorSpec(t.dtype, t.shape));
    const t = datasetOp("TensorDataset", [ts], { output_shapes: ts.map((x) => x.shape) });
    return new Dataset(t, spec);
  }

  /** A dataset of the slices of `tensors` along their first dimension (a nest of components). */
  static fromTensorSlices(tensors: Element): Dataset {
    const { tensors: ts, structure } = toComponents(tensors);
    let n: number | null = null;
    for (const x of ts) {
      if (x.shape.rank === 0)
        throw new ValueError(
          `fromTensorSlices: component '${x.name}' is a scalar; it has no slices`,
        );
      const d = x.shape.rank === null ? null : x.shape.dim(0);
      if (n !== null && d !== null && d !== n)
        throw new ValueError(
          `fromTensorSlices: all components must have the same size in the first dimension, got ${n} and ${d} ('${x.name}')`,
        );
      n ??= d;
    }
    const sliced = (s: TensorShape) =>
      s.rank === null ? TensorShape.unknown() : new TensorShape(s.asList()!.slice(1));
    const spec = mapTensors(structure, (t) => new TensorSpec(t.dtype, sliced(t.shape)));
    const t = datasetOp("TensorSliceDataset", [ts], {
      output_shapes: ts.map((x) => sliced(x.shape)),
    });
    return new Dataset(t, spec);
  }

  /**
   * The rows of a sparse tensor, each as its (indices, values, denseShape) without the first
   * dimension (TF's from_sparse_tensor_slices).
   */
  static fromSparseTensorSlices(sparse: SparseTensor): Dataset {
    const rank = sparse.indices.shape.dim(1) ?? sparse.denseShape.shape.dim(0);
    const inner = rank === null ? null : rank - 1;
    const structure: Structure = [
      new TensorSpec(INT64, new TensorShape([null, inner])),
      new TensorSpec(sparse.values.dtype, new TensorShape([null])),
      new TensorSpec(INT64, new TensorShape([inner])),
    ];
    const t = datasetOp(
      "SparseTensorSliceDataset",
      [sparse.indices, sparse.values, sparse.denseShape],
      {},
    );
    return new Dataset(t, structure);
  }

  /**
   * int64 scalars from `start` to `stop` (exclusive) by `step`, as Python's range:
   * `range(stop)`, `range(start, stop)`, `range(start, stop, step)`.
   */
  static range(...args: TensorLike[]): Dataset {
    if (args.length < 1 || args.length > 3)
      throw new ValueError(`Dataset.range takes 1 to 3 arguments, got ${args.length}`);
    const [start, stop, step] =
      args.length === 1 ? [0, args[0], 1] : [args[0], args[1], args.length === 3 ? args[2] : 1];
    const structure = new TensorSpec(INT64, TensorShape.scalar());
    const t = datasetOp(
      "RangeDataset",
      [int64(start), int64(stop), int64(step)],
      structureAttrs(structure),
    );
    return new Dataset(t, structure);
  }

  /** A dataset of elements made of the datasets' elements, in their nest (until one ends). */
  static zip(datasets: Nested<Dataset>): Dataset {
    const isDs = (x: unknown): x is Dataset => x instanceof Dataset;
    const list = flatten(datasets, isDs);
    if (list.length === 0) throw new ValueError("Dataset.zip needs at least one dataset");
    const structure = packAs(
      datasets,
      list.map((d) => d.structure),
      isDs,
    ) as Structure;
    const t = datasetOp(
      "ZipDataset",
      [list.map((d) => d.variantTensor)],
      structureAttrs(structure),
    );
    return new Dataset(t, structure);
  }

  /**
   * The files matching `filePattern` (a glob, or a list of them), as string scalars; shuffled
   * unless `shuffle` is false (TF's default: shuffled).
   */
  static listFiles(
    filePattern: TensorLike,
    options: { shuffle?: boolean; seed?: number } = {},
  ): Dataset {
    const patterns = convertToTensor(filePattern, "string");
    const structure = new TensorSpec("string", TensorShape.scalar());
    const t = datasetOp("MatchingFilesDataset", [patterns], {});
    const files = new Dataset(t, structure);
    if (options.shuffle === false) return files;
    // TF shuffles the whole list (a buffer as large as it can be).
    return files.shuffle(2 ** 31 - 1, { seed: options.seed });
  }

  // ---- Iterators -----------------------------------------------------------------------------

  /** An iterator that starts on its first getNext and cannot be restarted (no placeholders). */
  makeOneShotIterator(): Iterator {
    return makeOneShotIterator(this);
  }
  /** An iterator whose `initializer` starts (and restarts) a pass; placeholders are fed to it. */
  makeInitializableIterator(options: { sharedName?: string; name?: string } = {}): Iterator {
    return makeInitializableIterator(this, options);
  }

  // ---- Transformations ------------------------------------------------------------------------

  /** This dataset's elements, then `dataset`'s (the structures must match). */
  concatenate(dataset: Dataset): Dataset {
    if (!sameStructure(this.structure, dataset.structure))
      throw new ValueError(
        "concatenate: the two datasets must have the same element types and compatible shapes",
      );
    return this.derive(
      "ConcatenateDataset",
      [dataset.variantTensor],
      mostSpecific(this.structure, dataset.structure),
    );
  }

  private trace(what: string, fn: ElementFn<unknown>) {
    return traceFunction(what, fn, this.structure, getDefaultGraph(), bridge);
  }

  /**
   * `fn` applied to each element; with `numParallelCalls` (a number, or AUTOTUNE), that many
   * calls may be in flight at once (ParallelMapDataset), results in order.
   */
  map(fn: ElementFn<unknown>, options: { numParallelCalls?: TensorLike } = {}): Dataset {
    const f = this.trace("Dataset_map", fn);
    const attrs = { f: { func: f.name } };
    if (options.numParallelCalls === undefined)
      return this.derive("MapDataset", [f.captured], f.output, attrs);
    const n = convertToTensor(options.numParallelCalls, "int32");
    return this.derive("ParallelMapDataset", [f.captured, n], f.output, attrs);
  }

  /** The elements for which `predicate` (returning a scalar bool) is true. */
  filter(predicate: ElementFn<unknown>): Dataset {
    const f = this.trace("Dataset_filter", predicate);
    const out = flatSpecs(f.output);
    const s = out[0];
    if (
      out.length !== 1 ||
      !(s instanceof TensorSpec) ||
      s.dtype !== "bool" ||
      (s.shape.rank !== 0 && s.shape.rank !== null)
    )
      throw new ValueError("filter: the predicate must return a scalar bool tensor");
    return this.derive("FilterDataset", [f.captured], this.structure, {
      predicate: { func: f.name },
    });
  }

  private innerStructure(what: string, output: Structure): Structure {
    if (!(output instanceof DatasetSpec))
      throw new ValueError(`${what}: the function must return a Dataset`);
    return output.structure;
  }

  /** The elements of the datasets `fn` returns for each element, one dataset after another. */
  flatMap(fn: ElementFn<Dataset>): Dataset {
    const f = this.trace("Dataset_flat_map", fn);
    return this.derive("FlatMapDataset", [f.captured], this.innerStructure("flatMap", f.output), {
      f: { func: f.name },
    });
  }

  /**
   * The elements of the datasets `fn` returns, `cycleLength` of them at a time, `blockLength`
   * elements from each in turn.
   */
  interleave(
    fn: ElementFn<Dataset>,
    options: {
      cycleLength?: TensorLike;
      blockLength?: TensorLike;
      numParallelCalls?: TensorLike;
    } = {},
  ): Dataset {
    const f = this.trace("Dataset_interleave", fn);
    const structure = this.innerStructure("interleave", f.output);
    const cycle = int64(options.cycleLength ?? AUTOTUNE);
    const block = int64(options.blockLength ?? 1);
    const attrs = { f: { func: f.name } };
    if (options.numParallelCalls === undefined)
      return this.derive("InterleaveDataset", [f.captured, cycle, block], structure, attrs);
    const n = int64(options.numParallelCalls);
    return this.derive(
      "ParallelInterleaveDatasetV2",
      [f.captured, cycle, block, n],
      structure,
      attrs,
    );
  }

  /** Consecutive elements stacked into batches of `batchSize` (the last may be smaller). */
  batch(batchSize: TensorLike, options: { dropRemainder?: boolean } = {}): Dataset {
    const drop = options.dropRemainder ?? false;
    const dim = drop && typeof batchSize === "number" ? batchSize : null;
    const structure = mapSpecs(this.structure, (s) => batched(s, dim));
    return this.derive("BatchDatasetV2", [int64(batchSize), boolScalar(drop)], structure);
  }

  /**
   * Batches whose components are padded to `paddedShapes` (nested as the elements; -1 or null
   * pads a dimension to the longest in the batch) with `paddingValues` (default 0 / "").
   */
  paddedBatch(
    batchSize: TensorLike,
    paddedShapes: Nested<ShapeLike | TensorLike>,
    options: { paddingValues?: Nested<TensorLike>; dropRemainder?: boolean } = {},
  ): Dataset {
    const specs = flatSpecs(this.structure);
    const shapes = flattenUpTo<ShapeLike | TensorLike>(
      this.structure,
      paddedShapes,
      isSpec,
      "paddedShapes",
    );
    const drop = options.dropRemainder ?? false;
    const staticShapes: TensorShape[] = [];
    const shapeTensors = shapes.map((s, i) => {
      const spec = specs[i];
      if (!(spec instanceof TensorSpec))
        throw new ValueError("paddedBatch: components must be tensors");
      if (s instanceof Tensor) {
        staticShapes.push(TensorShape.unknownOfRank(spec.shape.rank ?? 0));
        return int64(s);
      }
      const dims =
        (s instanceof TensorShape ? s.asList() : (s as (number | null)[] | null)) ??
        spec.shape.asList();
      if (dims === null)
        throw new ValueError(`paddedBatch: component ${i} needs a padded shape of known rank`);
      if (spec.shape.rank !== null && dims.length !== spec.shape.rank)
        throw new ValueError(
          `paddedBatch: padded shape ${new TensorShape(dims.map((d) => (d === null || d < 0 ? null : d)))} of component ${i} has rank ${dims.length}, but the component has shape ${spec.shape}`,
        );
      const fixed = dims.map((d) => (d === null || d < 0 ? null : d));
      fixed.forEach((d, j) => {
        const have = spec.shape.dim(j);
        if (d !== null && have !== null && have > d)
          throw new ValueError(
            `paddedBatch: padded shape ${new TensorShape(fixed)} of component ${i} is smaller than the component's shape ${spec.shape}`,
          );
      });
      staticShapes.push(new TensorShape(fixed));
      return convertToTensor(
        dims.map((d) => (d === null || d < 0 ? -1 : d)),
        INT64,
      );
    });
    const pads =
      options.paddingValues === undefined
        ? specs.map((s) => {
            const d = (s as TensorSpec).dtype;
            return convertToTensor(d === "string" ? "" : d === "bool" ? false : 0, d);
          })
        : flattenUpTo<TensorLike>(
            this.structure,
            options.paddingValues,
            isSpec,
            "paddingValues",
          ).map((v, i) => convertToTensor(v, (specs[i] as TensorSpec).dtype));
    const dim = drop && typeof batchSize === "number" ? batchSize : null;
    const structure = packSpecs(
      this.structure,
      specs.map(
        (s, i) =>
          new TensorSpec(
            (s as TensorSpec).dtype,
            new TensorShape([dim]).concatenate(staticShapes[i]),
          ),
      ),
    );
    const t = datasetOp(
      "PaddedBatchDatasetV2",
      [this.variantTensor, int64(batchSize), shapeTensors, pads, boolScalar(drop)],
      { output_shapes: flatShapes(structure) },
    );
    return new Dataset(t, structure);
  }

  /** Splits each element's components along their first dimension into elements. */
  unbatch(): Dataset {
    const structure = mapSpecs(this.structure, (s) => {
      if (!(s instanceof TensorSpec)) return s;
      if (s.shape.rank === 0) throw new ValueError("unbatch: the components must have rank >= 1");
      return new TensorSpec(
        s.dtype,
        s.shape.rank === null ? s.shape : new TensorShape(s.shape.asList()!.slice(1)),
      );
    }) as Structure;
    // TF 1.15 spells it ExperimentalUnbatchDataset.
    return this.derive("ExperimentalUnbatchDataset", [], structure);
  }

  /**
   * Elements in a random order, drawn from a buffer of `bufferSize`. The same `seed` (or graph
   * seed) gives the same orders; with `reshuffleEachIteration` (default) every pass differs.
   */
  shuffle(
    bufferSize: TensorLike,
    options: { seed?: number; reshuffleEachIteration?: boolean } = {},
  ): Dataset {
    const [s1, s2] = getSeed(options.seed, this.graph);
    return this.derive(
      "ShuffleDataset",
      [int64(bufferSize), int64(s1 ?? 0), int64(s2 ?? 0)],
      this.structure,
      { reshuffle_each_iteration: options.reshuffleEachIteration ?? true },
    );
  }

  /** The elements `count` times (forever when count is omitted or -1). */
  repeat(count: TensorLike = -1): Dataset {
    return this.derive("RepeatDataset", [int64(count)], this.structure);
  }
  /** The first `count` elements (all for -1). */
  take(count: TensorLike): Dataset {
    return this.derive("TakeDataset", [int64(count)], this.structure);
  }
  /** The elements after the first `count` (none for -1). */
  skip(count: TensorLike): Dataset {
    return this.derive("SkipDataset", [int64(count)], this.structure);
  }
  /** Caches the elements in memory (no filename) or in a file, after the first full pass. */
  cache(filename: TensorLike = ""): Dataset {
    return this.derive("CacheDataset", [convertToTensor(filename, "string")], this.structure);
  }
  /** Reads up to `bufferSize` elements ahead (AUTOTUNE: a few), overlapping with the consumer. */
  prefetch(bufferSize: TensorLike): Dataset {
    return this.derive("PrefetchDataset", [int64(bufferSize)], this.structure);
  }

  /**
   * Windows of `size` elements, `shift` apart (default size), taking every `stride`-th: each
   * element is a nest of datasets, one per component (flatMap them, e.g. with batch).
   */
  window(
    size: TensorLike,
    options: { shift?: TensorLike; stride?: TensorLike; dropRemainder?: boolean } = {},
  ): Dataset {
    const structure = mapSpecs(this.structure, (s) => new DatasetSpec(s)) as Structure;
    return this.derive(
      "WindowDataset",
      [
        int64(size),
        int64(options.shift ?? size),
        int64(options.stride ?? 1),
        boolScalar(options.dropRemainder ?? false),
      ],
      structure,
    );
  }
}

/** A spec with a batch dimension in front. */
function batched(s: Spec, dim: number | null): Spec {
  if (!(s instanceof TensorSpec)) throw new ValueError("batch: components must be tensors");
  return new TensorSpec(s.dtype, new TensorShape([dim]).concatenate(s.shape));
}

function mapTensors(structure: Nested<Tensor>, f: (t: Tensor) => Spec): Structure {
  const isT = (x: unknown): x is Tensor => x instanceof Tensor;
  const leaves = flatten(structure, isT);
  return packAs(structure, leaves.map(f), isT) as Structure;
}
