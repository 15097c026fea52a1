// Lookup tables: HashTableV2 and its initializers, finds and sizes, tf.lookup's index tables: builders, registrations (shape fn, gradient).
// Tables are per-session resources (like variables): a table op outputs a handle; initializers
// (added to the `table_initializer` collection, run by tf.tablesInitializer()) fill it. The V1
// ops (HashTable, LookupTableFind... with ref string handles) are registered for imported graphs.
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Graph, GraphKeys, type Operation, type Tensor } from "../framework/graph.js";
import { registerOp, type ShapeFn } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import { constant, group, noOp } from "./basic.js";
import { convertToTensor, graphOf, makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { SparseTensor } from "./sparse_tensor.js";
import "./array_index.js";
import "./math.js";

const scalar: ShapeFn = () => [];
for (const t of [
  "HashTableV2",
  "MutableHashTableV2",
  "MutableHashTableOfTensorsV2",
  "MutableDenseHashTableV2",
])
  registerOp(t, { shape: scalar });
// TF1's string table handles are 2-vectors.
for (const t of ["HashTable", "MutableHashTable"]) registerOp(t, { shape: () => [2] });
const initShape: ShapeFn = (c) => {
  c.withRank(1, 1);
  if (!c.input(1).isCompatibleWith(c.input(2)) && c.input(2).rank === 1)
    c.fail(`Shapes of keys ${c.input(1)} and values ${c.input(2)} must be the same`);
  return [];
};
registerOp("InitializeTableV2", { shape: initShape });
registerOp("InitializeTable", { shape: initShape });
const fileInitShape: ShapeFn = (c) => {
  c.withRank(1, 0);
  return [];
};
registerOp("InitializeTableFromTextFileV2", { shape: fileInitShape });
registerOp("InitializeTableFromTextFile", { shape: fileInitShape });
/** Find: keys' shape followed by the value shape (the default value's shape). */
const findShape: ShapeFn = (c) => {
  const k = c.input(1);
  const d = c.input(2);
  if (d.rank === 0) return k;
  return k.rank === null || d.rank === null ? TensorShape.unknown() : k.concatenate(d);
};
registerOp("LookupTableFindV2", { shape: findShape });
registerOp("LookupTableFind", { shape: findShape });
registerOp("LookupTableSizeV2", { shape: scalar });
registerOp("LookupTableSize", { shape: scalar });
for (const t of [
  "LookupTableInsertV2",
  "LookupTableInsert",
  "LookupTableImportV2",
  "LookupTableImport",
  "LookupTableRemoveV2",
])
  registerOp(t, { shape: scalar });
const exportShape: ShapeFn = () => [[null], null];
registerOp("LookupTableExportV2", { shape: exportShape });
registerOp("LookupTableExport", { shape: exportShape });

type Named = { name?: string };
type Keys = TensorLike | SparseTensor;

/** What every table offers: its handle, dtypes, lookups and size. */
abstract class LookupInterface {
  constructor(
    readonly resourceHandle: Tensor,
    readonly keyDtype: DType,
    readonly valueDtype: DType,
    readonly defaultValue: Tensor,
  ) {}
  get name(): string {
    return this.resourceHandle.op.name;
  }
  /** Values for `keys` (the default where a key is absent); a SparseTensor maps its values. */
  lookup(keys: SparseTensor, name?: string): SparseTensor;
  lookup(keys: TensorLike, name?: string): Tensor;
  lookup(keys: Keys, name?: string): Tensor | SparseTensor {
    if (keys instanceof SparseTensor)
      return new SparseTensor(keys.indices, this.lookup(keys.values, name), keys.denseShape);
    const k = convertToTensor(keys, this.keyDtype, undefined, this.resourceHandle.graph);
    return makeOp1(
      "LookupTableFindV2",
      [this.resourceHandle, k, this.defaultValue],
      {},
      name ?? `${this.name}_Lookup`,
    );
  }
  /** The number of entries (int64). */
  size(name?: string): Tensor {
    return makeOp1("LookupTableSizeV2", [this.resourceHandle], {}, name ?? `${this.name}_Size`);
  }
  /** [keys, values] of every entry. */
  export(name?: string): [Tensor, Tensor] {
    const op = makeOp(
      "LookupTableExportV2",
      [this.resourceHandle],
      { Tkeys: this.keyDtype, Tvalues: this.valueDtype },
      name ?? `${this.name}_Export`,
    );
    return [op.outputs[0], op.outputs[1]];
  }
}

/** How a table is filled: creates the initializing op for a table. */
export interface TableInitializer {
  /** The graph the initializer's tensors are in (the table is made there too). */
  readonly graph: Graph;
  readonly keyDtype: DType;
  readonly valueDtype: DType;
  initialize(table: Tensor): Operation;
}

/** Fills a table from two tensors of keys and values (tf.lookup.KeyValueTensorInitializer). */
export class KeyValueTensorInitializer implements TableInitializer {
  readonly keys: Tensor;
  readonly values: Tensor;
  private readonly opName?: string;
  constructor(
    keys: TensorLike,
    values: TensorLike,
    options: { keyDtype?: DType; valueDtype?: DType } & Named = {},
  ) {
    const g = graphOf([keys, values]);
    this.keys = convertToTensor(keys, options.keyDtype, "keys", g);
    this.values = convertToTensor(values, options.valueDtype, "values", g);
    this.opName = options.name;
  }
  get graph(): Graph {
    return this.keys.graph;
  }
  get keyDtype(): DType {
    return this.keys.dtype;
  }
  get valueDtype(): DType {
    return this.values.dtype;
  }
  initialize(table: Tensor): Operation {
    const op = makeOp(
      "InitializeTableV2",
      [table, this.keys, this.values],
      {},
      this.opName ?? "table_init",
    );
    table.graph.addToCollection(GraphKeys.TABLE_INITIALIZERS, op);
    return op;
  }
}

/** TextFileIndex: which part of a line is a key or value. */
export const TextFileIndex = { WHOLE_LINE: -2, LINE_NUMBER: -1 } as const;

export interface TextFileInitializerOptions extends Named {
  vocabSize?: number;
  delimiter?: string;
}
/** Fills a table from a text file, one entry per line (tf.lookup.TextFileInitializer). */
export class TextFileInitializer implements TableInitializer {
  readonly filename: Tensor;
  constructor(
    filename: TensorLike,
    readonly keyDtype: DType,
    readonly keyIndex: number,
    readonly valueDtype: DType,
    readonly valueIndex: number,
    private readonly options: TextFileInitializerOptions = {},
  ) {
    if (keyIndex < -2 || valueIndex < -2)
      throw new ValueError("TextFileInitializer: column indices must be >= -2");
    if (keyIndex === -1 && keyDtype !== "int64")
      throw new ValueError("TextFileInitializer: LINE_NUMBER keys must be int64");
    if (valueIndex === -1 && valueDtype !== "int64")
      throw new ValueError("TextFileInitializer: LINE_NUMBER values must be int64");
    if (keyIndex === -2 && keyDtype !== "string")
      throw new ValueError("TextFileInitializer: WHOLE_LINE keys must be strings");
    this.filename = convertToTensor(filename, "string", "asset_filepath");
  }
  get graph(): Graph {
    return this.filename.graph;
  }
  initialize(table: Tensor): Operation {
    const op = makeOp(
      "InitializeTableFromTextFileV2",
      [table, this.filename],
      {
        key_index: this.keyIndex,
        value_index: this.valueIndex,
        vocab_size: this.options.vocabSize ?? -1,
        delimiter: this.options.delimiter ?? "\t",
      },
      this.options.name ?? "table_init",
    );
    table.graph.addToCollection(GraphKeys.TABLE_INITIALIZERS, op);
    if (this.filename.op.type === "Const")
      table.graph.addToCollection(GraphKeys.ASSET_FILEPATHS, this.filename);
    return op;
  }
}

/** An immutable table filled once by its initializer (tf.lookup.StaticHashTable). */
export class StaticHashTable extends LookupInterface {
  readonly initializer: Operation;
  constructor(initializer: TableInitializer, defaultValue: TensorLike, options: Named = {}) {
    const g = initializer.graph;
    const [handle, def] = g.asDefault(() =>
      g.nameScope(options.name ?? "hash_table", () => [
        makeOp1(
          "HashTableV2",
          [],
          { key_dtype: initializer.keyDtype, value_dtype: initializer.valueDtype },
          "hash_table",
        ),
        convertToTensor(defaultValue, initializer.valueDtype, "Const", g),
      ]),
    );
    super(handle, initializer.keyDtype, initializer.valueDtype, def);
    this.initializer = g.asDefault(() =>
      g.nameScope(this.name, () => initializer.initialize(handle)),
    );
  }
}

/** Tables with Insert, Remove and Import. */
abstract class MutableTable extends LookupInterface {
  insert(keys: TensorLike, values: TensorLike, name?: string): Operation {
    return makeOp(
      "LookupTableInsertV2",
      [
        this.resourceHandle,
        convertToTensor(keys, this.keyDtype),
        convertToTensor(values, this.valueDtype),
      ],
      {},
      name ?? `${this.name}_insert`,
    );
  }
  remove(keys: TensorLike, name?: string): Operation {
    return makeOp(
      "LookupTableRemoveV2",
      [this.resourceHandle, convertToTensor(keys, this.keyDtype)],
      {},
      name ?? `${this.name}_remove`,
    );
  }
  /** Replaces the contents with these entries. */
  importValues(keys: TensorLike, values: TensorLike, name?: string): Operation {
    return makeOp(
      "LookupTableImportV2",
      [
        this.resourceHandle,
        convertToTensor(keys, this.keyDtype),
        convertToTensor(values, this.valueDtype),
      ],
      {},
      name ?? `${this.name}_import`,
    );
  }
}

/** A table that can be inserted into and removed from (TF's MutableHashTable). */
export class MutableHashTable extends MutableTable {
  constructor(keyDtype: DType, valueDtype: DType, defaultValue: TensorLike, options: Named = {}) {
    const g = graphOf([defaultValue]);
    const def = convertToTensor(defaultValue, valueDtype, "default_value", g);
    const handle = g.asDefault(() =>
      makeOp1(
        "MutableHashTableV2",
        [],
        { key_dtype: keyDtype, value_dtype: valueDtype },
        options.name ?? "MutableHashTable",
      ),
    );
    super(handle, keyDtype, valueDtype, def);
  }
}

/**
 * TF's DenseHashTable (MutableDenseHashTableV2): a mutable table with two reserved keys; values
 * take the default value's shape. Export gives the present entries only (TF also gives the empty
 * buckets).
 */
export class DenseHashTable extends MutableTable {
  constructor(
    keyDtype: DType,
    valueDtype: DType,
    defaultValue: TensorLike,
    emptyKey: TensorLike,
    deletedKey: TensorLike,
    options: { initialNumBuckets?: number } & Named = {},
  ) {
    const g = graphOf([defaultValue, emptyKey, deletedKey]);
    const def = convertToTensor(defaultValue, valueDtype, "default_value", g);
    if (!def.shape.isFullyDefined)
      throw new ValueError(
        `DenseHashTable: the default value's shape ${def.shape} must be fully known`,
      );
    const handle = makeOp1(
      "MutableDenseHashTableV2",
      [
        convertToTensor(emptyKey, keyDtype, undefined, g),
        convertToTensor(deletedKey, keyDtype, undefined, g),
      ],
      {
        key_dtype: keyDtype,
        value_dtype: valueDtype,
        value_shape: def.shape,
        initial_num_buckets: options.initialNumBuckets ?? 131072,
      },
      options.name ?? "DenseHashTable",
    );
    super(handle, keyDtype, valueDtype, def);
  }
}

/**
 * A table with hash buckets for out-of-vocabulary keys: ids from `table`, else
 * size(table) + Fingerprint64(key) mod numOovBuckets (TF's IdTableWithHashBuckets).
 */
export class IdTableWithHashBuckets {
  constructor(
    readonly table: LookupInterface,
    readonly numOovBuckets: number,
    readonly keyDtype: DType,
  ) {}
  lookup(keys: SparseTensor, name?: string): SparseTensor;
  lookup(keys: TensorLike, name?: string): Tensor;
  lookup(keys: Keys, name?: string): Tensor | SparseTensor {
    if (keys instanceof SparseTensor)
      return new SparseTensor(keys.indices, this.lookup(keys.values, name), keys.denseShape);
    const g = this.table.resourceHandle.graph;
    return g.nameScope(name ?? "hash_table_Lookup", () => {
      const k = convertToTensor(keys, this.keyDtype, undefined, g);
      const ids = this.table.lookup(k);
      const text = k.dtype === "string" ? k : makeOp1("AsString", [k], {});
      const hashed = makeOp1(
        "StringToHashBucketFast",
        [text],
        { num_buckets: this.numOovBuckets },
        "hash_bucket",
      );
      const shifted = makeOp1("AddV2", [hashed, this.table.size()], {});
      const known = makeOp1("NotEqual", [ids, this.table.defaultValue], {});
      return makeOp1("SelectV2", [known, ids, shifted], {});
    });
  }
  size(name?: string): Tensor {
    return makeOp1(
      "AddV2",
      [this.table.size(), constant(this.numOovBuckets, { dtype: "int64" })],
      {},
      name,
    );
  }
}

export interface IndexTableOptions extends Named {
  numOovBuckets?: number;
  defaultValue?: number;
  dtype?: DType;
}

function withOov(
  table: StaticHashTable,
  options: IndexTableOptions,
  keyDtype: DType,
): StaticHashTable | IdTableWithHashBuckets {
  const oov = options.numOovBuckets ?? 0;
  if (oov < 0) throw new ValueError(`numOovBuckets must be >= 0, got ${oov}`);
  return oov > 0 ? new IdTableWithHashBuckets(table, oov, keyDtype) : table;
}

/** Maps each vocabulary entry to its position (int64), others to defaultValue or an OOV bucket. */
export function indexTableFromTensor(
  vocabularyList: TensorLike,
  options: IndexTableOptions = {},
): StaticHashTable | IdTableWithHashBuckets {
  const dtype = options.dtype ?? "string";
  const keys = convertToTensor(vocabularyList, dtype === "int32" ? "int64" : dtype);
  if (keys.shape.rank !== null && keys.shape.rank !== 1)
    throw new ValueError(`vocabularyList must be a vector, got shape ${keys.shape}`);
  const g = keys.graph;
  return g.nameScope(options.name ?? "string_to_index", () => {
    const n = makeOp1("Size", [keys], { out_type: "int64" });
    const ids = makeOp1(
      "Range",
      [constant(0, { dtype: "int64" }), n, constant(1, { dtype: "int64" })],
      {},
    );
    const init = new KeyValueTensorInitializer(keys, ids);
    const table = new StaticHashTable(
      init,
      constant(options.defaultValue ?? -1, { dtype: "int64" }),
      { name: "hash_table" },
    );
    return withOov(table, options, keys.dtype);
  });
}

/** indexTableFromTensor with the vocabulary read from a file (one entry per line). */
export function indexTableFromFile(
  vocabularyFile: TensorLike,
  options: IndexTableOptions & {
    vocabSize?: number;
    keyColumnIndex?: number;
    valueColumnIndex?: number;
    delimiter?: string;
  } = {},
): StaticHashTable | IdTableWithHashBuckets {
  const keyDtype = options.dtype ?? "string";
  return graphOf([vocabularyFile]).nameScope(options.name ?? "string_to_index", () => {
    const init = new TextFileInitializer(
      vocabularyFile,
      keyDtype,
      options.keyColumnIndex ?? TextFileIndex.WHOLE_LINE,
      "int64",
      options.valueColumnIndex ?? TextFileIndex.LINE_NUMBER,
      { vocabSize: options.vocabSize, delimiter: options.delimiter },
    );
    const table = new StaticHashTable(
      init,
      constant(options.defaultValue ?? -1, { dtype: "int64" }),
      { name: "hash_table" },
    );
    return withOov(table, options, keyDtype);
  });
}

/** Maps int64 ids to vocabulary entries, others to defaultValue ("UNK"). */
export function indexToStringTableFromTensor(
  vocabularyList: TensorLike,
  options: { defaultValue?: string } & Named = {},
): StaticHashTable {
  const values = convertToTensor(vocabularyList, "string");
  return values.graph.nameScope(options.name ?? "index_to_string", () => {
    const n = makeOp1("Size", [values], { out_type: "int64" });
    const ids = makeOp1(
      "Range",
      [constant(0, { dtype: "int64" }), n, constant(1, { dtype: "int64" })],
      {},
    );
    const init = new KeyValueTensorInitializer(ids, values);
    return new StaticHashTable(init, constant(options.defaultValue ?? "UNK"), {
      name: "hash_table",
    });
  });
}

/** indexToStringTableFromTensor with the vocabulary read from a file. */
export function indexToStringTableFromFile(
  vocabularyFile: TensorLike,
  options: { defaultValue?: string; vocabSize?: number } & Named = {},
): StaticHashTable {
  return graphOf([vocabularyFile]).nameScope(options.name ?? "index_to_string", () => {
    const init = new TextFileInitializer(
      vocabularyFile,
      "int64",
      TextFileIndex.LINE_NUMBER,
      "string",
      TextFileIndex.WHOLE_LINE,
      {
        vocabSize: options.vocabSize,
      },
    );
    return new StaticHashTable(init, constant(options.defaultValue ?? "UNK"), {
      name: "hash_table",
    });
  });
}

/** One op that runs every table initializer of the graph (tf.tables_initializer). */
export function tablesInitializer(name = "init_all_tables"): Operation {
  const g = graphOf([]);
  const inits = g.getCollection<Operation>(GraphKeys.TABLE_INITIALIZERS);
  return g.asDefault(() => (inits.length ? group(inits, name) : noOp(name)));
}
