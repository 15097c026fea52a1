// tf.data.Iterator (TF 1.15): an iterator resource in the graph (IteratorV2, OneShotIterator, or
// one found by its string handle), its initializer (MakeIterator) and getNext (IteratorGetNext,
// OutOfRangeError "End of sequence" at the end).
import type { DType } from "../../framework/dtypes.js";
import { ValueError } from "../../framework/errors.js";
import { Graph, getDefaultGraph, type Operation, type Tensor } from "../../framework/graph.js";
import type { ShapeLike } from "../../framework/tensor_shape.js";
import { addFunction, graphToFunctionDef } from "../../io/function_library.js";
import { graphToGraphDef, importGraphDef } from "../../io/graph_def.js";
import type { Nested } from "../../ops/nest.js";
import { convertToTensor, type TensorLike } from "../../ops/op_builder.js";
import type { Dataset } from "./dataset.js";
import {
  flatShapes,
  flatTypes,
  mapSpecs,
  packSpecs,
  type Structure,
  sameStructure,
  structureFrom,
  TensorSpec,
} from "./structure.js";

export class Iterator {
  private _stringHandle: Tensor | undefined;

  constructor(
    /** The iterator resource tensor. */
    readonly resource: Tensor,
    /** The op that (re)starts it on its dataset (null for one-shot and string-handle iterators). */
    private readonly _initializer: Operation | null,
    /** The structure of its elements. */
    readonly structure: Structure,
  ) {}

  /** The op that starts a pass over the dataset (run it again to start over). */
  get initializer(): Operation {
    if (!this._initializer)
      throw new ValueError(
        "Iterator does not have an initializer: it is one-shot, or made from a structure or a string handle (use makeInitializer)",
      );
    return this._initializer;
  }

  get outputTypes(): Nested<DType | "variant"> {
    return mapSpecs(this.structure, (s) => (s instanceof TensorSpec ? s.dtype : "variant"));
  }
  get outputShapes(): Nested<ShapeLike> {
    return mapSpecs(this.structure, (s) => (s instanceof TensorSpec ? s.shape : []));
  }

  /**
   * An iterator not bound to a dataset: `makeInitializer(ds)` binds it to any dataset of this
   * structure (TF's reinitializable iterator).
   */
  static fromStructure(
    outputTypes: Nested<DType>,
    outputShapes?: Nested<ShapeLike>,
    options: { sharedName?: string; name?: string } = {},
  ): Iterator {
    const structure = structureFrom(outputTypes, outputShapes);
    return new Iterator(
      iteratorResource(structure, options.sharedName ?? "", options.name),
      null,
      structure,
    );
  }

  /**
   * The iterator whose string handle (`iterator.stringHandle()`, fetched) is fed to
   * `stringHandle`: one model reading from several iterators, chosen at each run.
   */
  static fromStringHandle(
    stringHandle: TensorLike,
    outputTypes: Nested<DType>,
    outputShapes?: Nested<ShapeLike>,
  ): Iterator {
    const structure = structureFrom(outputTypes, outputShapes);
    const h = convertToTensor(stringHandle, "string");
    const op = h.graph.createOp("IteratorFromStringHandleV2", [h], {
      output_types: flatTypes(structure),
      output_shapes: flatShapes(structure),
    });
    return new Iterator(op.outputs[0], null, structure);
  }

  /** The op that starts a pass of this iterator over `dataset` (same structure). */
  makeInitializer(dataset: Dataset, options: { name?: string } = {}): Operation {
    if (!sameStructure(this.structure, dataset.structure))
      throw new ValueError(
        "makeInitializer: the dataset's element types and shapes are not compatible with the iterator's",
      );
    return this.resource.graph.createOp(
      "MakeIterator",
      [dataset.variantTensor, this.resource],
      {},
      options.name ?? "MakeIterator",
    );
  }

  /** The next element's components, nested as the elements are. */
  getNext(options: { name?: string } = {}): Nested<Tensor> {
    const op = this.resource.graph.createOp(
      "IteratorGetNext",
      [this.resource],
      { output_types: flatTypes(this.structure), output_shapes: flatShapes(this.structure) },
      options.name ?? "IteratorGetNext",
    );
    return packSpecs(this.structure, [...op.outputs]);
  }

  /** A string scalar naming this iterator in the session (for fromStringHandle). */
  stringHandle(options: { name?: string } = {}): Tensor {
    this._stringHandle ??= this.resource.graph.createOp(
      "IteratorToStringHandle",
      [this.resource],
      {},
      options.name ?? "IteratorToStringHandle",
    ).outputs[0];
    return this._stringHandle;
  }
}

let iterators = 0;

function iteratorResource(structure: Structure, sharedName: string, name?: string): Tensor {
  const g = getDefaultGraph();
  const op = g.createOp(
    "IteratorV2",
    [],
    {
      shared_name: sharedName || `iterator_${iterators++}`,
      container: "",
      output_types: flatTypes(structure),
      output_shapes: flatShapes(structure),
    },
    name ?? "Iterator",
  );
  return op.outputs[0];
}

/** An iterator for `dataset` whose initializer starts a pass (run it again to start over). */
export function makeInitializableIterator(
  dataset: Dataset,
  options: { sharedName?: string; name?: string } = {},
): Iterator {
  const resource = dataset.graph.asDefault(() =>
    iteratorResource(dataset.structure, options.sharedName ?? "", options.name),
  );
  const it = new Iterator(resource, null, dataset.structure);
  const init = it.makeInitializer(dataset);
  return new Iterator(resource, init, dataset.structure);
}

let oneShot = 0;

/** Op types a one-shot iterator's dataset cannot depend on (they are fed or hold state). */
const NOT_BY_VALUE = new Set([
  "Placeholder",
  "PlaceholderV2",
  "PlaceholderWithDefault",
  "VariableV2",
  "VarHandleOp",
]);

/**
 * An iterator over `dataset` that starts on its first use and cannot be restarted. As TF, the
 * ops that make the dataset are copied into a function (`dataset_factory`) that the
 * OneShotIterator op calls; they cannot depend on placeholders or variables.
 */
export function makeOneShotIterator(dataset: Dataset): Iterator {
  const outer = dataset.graph;
  const needed = new Set<Operation>();
  const visit = (op: Operation) => {
    if (needed.has(op)) return;
    if (NOT_BY_VALUE.has(op.type))
      throw new ValueError(
        `makeOneShotIterator: the dataset depends on '${op.name}' (${op.type}), which cannot be captured by value; use makeInitializableIterator`,
      );
    needed.add(op);
    for (const t of op.inputs) visit(t.op);
    for (const c of op.controlInputs) visit(c);
  };
  visit(dataset.variantTensor.op);
  const gd = graphToGraphDef(outer);
  const names = new Set([...needed].map((op) => op.name));
  gd.node = gd.node.filter((n) => names.has(n.name));
  const g = new Graph();
  const [variant] = importGraphDef(gd, {
    graph: g,
    name: "",
    returnElements: [dataset.variantTensor.name],
  }) as Tensor[];
  const name = `make_dataset_${oneShot++}`;
  addFunction(g.library, graphToFunctionDef(g, name, [], [variant], [], ["output_0"]));
  outer.library.addAll(g.library);
  const op = outer.createOp(
    "OneShotIterator",
    [],
    {
      dataset_factory: { func: name },
      output_types: flatTypes(dataset.structure),
      output_shapes: flatShapes(dataset.structure),
      shared_name: "",
      container: "",
    },
    "OneShotIterator",
  );
  return new Iterator(op.outputs[0], null, dataset.structure);
}
