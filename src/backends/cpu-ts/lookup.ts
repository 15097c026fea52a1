// Lookup tables: HashTableV2 and its initializers, finds and sizes, tf.lookup's index tables: TypeScript kernels.
// A table is per-session state (env.resources, keyed by container and shared name, else the node
// name); its ops pass a ResourceHandle to it (the V1 ops pass the same handle along a ref edge).
import * as fs from "node:fs";
import { allocData, type DType, TF_DTYPE_NAME } from "../../framework/dtypes.js";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnimplementedError,
} from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeSize, shapeString } from "../../framework/tensor_shape.js";
import { checkPath } from "../file_policy.js";
import { arr, type KernelEnv, type NodeInfo, ResourceHandle, type Value } from "../kernel.js";
import { cpuBackend } from "./index.js";

type Elem = string | number | bigint;

/** A table: key -> value (a row of valueSize elements). */
export class LookupTable {
  readonly map = new Map<Elem, Elem[]>();
  initialized: boolean;
  constructor(
    readonly name: string,
    readonly keyDtype: DType,
    readonly valueDtype: DType,
    readonly valueShape: readonly number[],
    /** Insert/Remove allowed (MutableHashTable, DenseHashTable); HashTable is initialized once. */
    readonly mutable: boolean,
    /** DenseHashTable's reserved keys. */
    readonly reserved: readonly Elem[] = [],
  ) {
    this.initialized = mutable;
  }
  get valueSize(): number {
    return shapeSize(this.valueShape);
  }
}

function tableKernel(kind: "hash" | "mutable" | "dense") {
  return (node: NodeInfo, env: KernelEnv) => {
    const a = node.attrs;
    const shared = (a.shared_name as string) || node.name;
    const key = `lookup_table:${(a.container as string) || ""}/${shared}`;
    const valueShape = ((a.value_shape as { dims?: (number | null)[] } | undefined)?.dims ??
      []) as number[];
    return (inputs: Value[]) => {
      let t = env.resources.get(key) as LookupTable | undefined;
      if (!t) {
        const reserved = kind === "dense" ? inputs.map((v) => arr(v).data[0] as Elem) : [];
        if (kind === "dense" && reserved[0] === reserved[1])
          throw new InvalidArgumentError(
            `${node.name}: empty_key and deleted_key cannot be the same`,
          );
        t = new LookupTable(
          shared,
          a.key_dtype as DType,
          a.value_dtype as DType,
          valueShape,
          kind !== "hash",
          reserved,
        );
        env.resources.set(key, t);
      }
      return [new ResourceHandle("LookupTable", shared, t)];
    };
  };
}
cpuBackend.register("HashTableV2", tableKernel("hash"));
cpuBackend.register("HashTable", tableKernel("hash"));
cpuBackend.register("MutableHashTableV2", tableKernel("mutable"));
cpuBackend.register("MutableHashTable", tableKernel("mutable"));
cpuBackend.register("MutableHashTableOfTensorsV2", tableKernel("mutable"));
cpuBackend.register("MutableDenseHashTableV2", tableKernel("dense"));

function tableOf(v: Value, op: string): LookupTable {
  if (!(v instanceof ResourceHandle) || v.kind !== "LookupTable")
    throw new InvalidArgumentError(`${op}: expects a lookup table handle`);
  return v.state as LookupTable;
}

function checkDtypes(t: LookupTable, op: string, keys: NDArray, values?: NDArray): void {
  if (keys.dtype !== t.keyDtype)
    throw new InvalidArgumentError(
      `${op}: table ${t.name} has key dtype ${TF_DTYPE_NAME[t.keyDtype]}, got keys of dtype ${TF_DTYPE_NAME[keys.dtype]}`,
    );
  if (values && values.dtype !== t.valueDtype)
    throw new InvalidArgumentError(
      `${op}: table ${t.name} has value dtype ${TF_DTYPE_NAME[t.valueDtype]}, got values of dtype ${TF_DTYPE_NAME[values.dtype]}`,
    );
}

/** keys [n...] and values [n..., valueShape]: checks the shapes and yields (key, row) pairs. */
function* pairs(
  t: LookupTable,
  op: string,
  keys: NDArray,
  values: NDArray,
): Generator<[Elem, Elem[]]> {
  checkDtypes(t, op, keys, values);
  const want = [...keys.shape, ...t.valueShape];
  if (shapeString(want) !== shapeString(values.shape))
    throw new InvalidArgumentError(
      `${op}: expected values of shape ${shapeString(want)} for keys of shape ${shapeString(keys.shape)}, got ${shapeString(values.shape)}`,
    );
  const m = t.valueSize;
  for (let i = 0; i < keys.size; i++) {
    const k = keys.data[i] as Elem;
    if (t.reserved.includes(k))
      throw new InvalidArgumentError(
        `${op}: using the empty_key or deleted_key (${k}) as a table key is not allowed`,
      );
    yield [k, Array.from({ length: m }, (_, j) => values.data[i * m + j] as Elem)];
  }
}

/** Fills an initializable table once; later initializations are no-ops (as TF). */
function initialize(t: LookupTable, op: string, entries: Iterable<[Elem, Elem[]]>): void {
  if (t.initialized) return;
  const staged = new Map<Elem, Elem[]>();
  for (const [k, v] of entries) {
    const old = staged.get(k);
    if (old?.some((x, j) => x !== v[j]))
      throw new FailedPreconditionError(
        `${op}: HashTable has different value for same key. Key ${k} has ${old} and trying to add value ${v}`,
      );
    staged.set(k, v);
  }
  for (const [k, v] of staged) t.map.set(k, v);
  t.initialized = true;
}

const initTable = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  const [keys, values] = [arr(inputs[1]), arr(inputs[2])];
  if (
    keys.rank !== 1 ||
    values.rank !== 1 + t.valueShape.length ||
    values.shape[0] !== keys.shape[0]
  )
    throw new InvalidArgumentError(
      `${op}: keys and values must be vectors of one size, got ${shapeString(keys.shape)} and ${shapeString(values.shape)}`,
    );
  if (t.mutable) throw new UnimplementedError(`${op}: table ${t.name} is not initializable`);
  initialize(t, op, pairs(t, op, keys, values));
  return [];
};
cpuBackend.register("InitializeTableV2", initTable("InitializeTableV2"));
cpuBackend.register("InitializeTable", initTable("InitializeTable"));

/** One column of a vocabulary line as a key or value of `dtype` (-1: the line number, -2: the line). */
function column(
  op: string,
  file: string,
  line: string,
  lineNo: number,
  index: number,
  delim: string,
  dtype: DType,
): Elem {
  if (index === -1) {
    if (dtype !== "int64")
      throw new InvalidArgumentError(
        `${op}: line-number column needs dtype int64, the table has ${TF_DTYPE_NAME[dtype]}`,
      );
    return BigInt(lineNo);
  }
  let text = line;
  if (index !== -2) {
    const cols = line.split(delim);
    if (index < 0 || index >= cols.length)
      throw new InvalidArgumentError(
        `${op}: invalid number of columns in ${file} line ${lineNo} (${line}) for column index ${index}; line has ${cols.length} columns`,
      );
    text = cols[index];
  }
  if (dtype === "string") return text;
  const fail = (): never => {
    throw new InvalidArgumentError(
      `${op}: field ${text} in line ${lineNo} of ${file} is not a valid ${TF_DTYPE_NAME[dtype]}`,
    );
  };
  if (dtype === "int64" || dtype === "int32") {
    if (!/^\s*[+-]?\d+\s*$/.test(text)) fail();
    return dtype === "int64" ? BigInt(text.trim()) : Number(text);
  }
  const v = Number(text);
  if (text.trim() === "" || Number.isNaN(v)) fail();
  return v;
}

const initFromFile = (op: string) => (node: NodeInfo, env: KernelEnv) => {
  const keyIndex = node.attrs.key_index as number;
  const valueIndex = node.attrs.value_index as number;
  const vocabSize = node.attrs.vocab_size as number;
  const delim = node.attrs.delimiter as string;
  if (keyIndex < -2 || valueIndex < -2)
    throw new InvalidArgumentError(`${op}: key_index and value_index must be >= -2`);
  return (inputs: Value[]) => {
    const t = tableOf(inputs[0], op);
    const fileArr = arr(inputs[1]);
    if (fileArr.rank !== 0)
      throw new InvalidArgumentError(
        `${op}: filename must be a scalar, got shape ${shapeString(fileArr.shape)}`,
      );
    const file = (fileArr.data as string[])[0];
    checkPath(env, op, file, "read");
    if (t.initialized) return [];
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      throw new NotFoundError(`${op}: ${file}; No such file or directory`);
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const n = vocabSize > 0 ? vocabSize : lines.length;
    if (lines.length < n)
      throw new InvalidArgumentError(
        `${op}: invalid vocab_size in ${file}: expected ${vocabSize} but got ${lines.length}`,
      );
    const entries: [Elem, Elem[]][] = [];
    for (let i = 0; i < n; i++) {
      const line = lines[i];
      if (line === "")
        throw new InvalidArgumentError(
          `${op}: invalid content in ${file}: empty line found at position ${i}`,
        );
      entries.push([
        column(op, file, line, i, keyIndex, delim, t.keyDtype),
        [column(op, file, line, i, valueIndex, delim, t.valueDtype)],
      ]);
    }
    initialize(t, op, entries);
    return [];
  };
};
cpuBackend.register("InitializeTableFromTextFileV2", initFromFile("InitializeTableFromTextFileV2"));
cpuBackend.register("InitializeTableFromTextFile", initFromFile("InitializeTableFromTextFile"));

const find = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  const keys = arr(inputs[1]);
  const def = arr(inputs[2]);
  checkDtypes(t, op, keys);
  if (!t.initialized) throw new FailedPreconditionError("Table not initialized.");
  if (def.dtype !== t.valueDtype)
    throw new InvalidArgumentError(
      `${op}: default_value of dtype ${TF_DTYPE_NAME[def.dtype]} for a table of ${TF_DTYPE_NAME[t.valueDtype]} values`,
    );
  const m = t.valueSize;
  if (def.size !== 1 && def.size !== m)
    throw new InvalidArgumentError(
      `${op}: default_value must be a scalar or have the value shape ${shapeString(t.valueShape)}, got ${shapeString(def.shape)}`,
    );
  const out = allocData(t.valueDtype, keys.size * m) as Elem[];
  for (let i = 0; i < keys.size; i++) {
    const row = t.map.get(keys.data[i] as Elem);
    for (let j = 0; j < m; j++)
      out[i * m + j] = row ? row[j] : (def.data[def.size === 1 ? 0 : j] as Elem);
  }
  return [new NDArray(t.valueDtype, [...keys.shape, ...t.valueShape], out as never)];
};
cpuBackend.register("LookupTableFindV2", find("LookupTableFindV2"));
cpuBackend.register("LookupTableFind", find("LookupTableFind"));

const size = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  return [new NDArray("int64", [], BigInt64Array.of(BigInt(t.initialized ? t.map.size : 0)))];
};
cpuBackend.register("LookupTableSizeV2", size("LookupTableSizeV2"));
cpuBackend.register("LookupTableSize", size("LookupTableSize"));

const insert = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  if (!t.mutable)
    throw new UnimplementedError(
      `${op}: insert is not supported by the initializable table ${t.name}`,
    );
  for (const [k, v] of pairs(t, op, arr(inputs[1]), arr(inputs[2]))) t.map.set(k, v);
  return [];
};
cpuBackend.register("LookupTableInsertV2", insert("LookupTableInsertV2"));
cpuBackend.register("LookupTableInsert", insert("LookupTableInsert"));

cpuBackend.register("LookupTableRemoveV2", () => (inputs) => {
  const t = tableOf(inputs[0], "LookupTableRemoveV2");
  if (!t.mutable)
    throw new UnimplementedError(
      `LookupTableRemoveV2: remove is not supported by the initializable table ${t.name}`,
    );
  const keys = arr(inputs[1]);
  checkDtypes(t, "LookupTableRemoveV2", keys);
  for (let i = 0; i < keys.size; i++) {
    const k = keys.data[i] as Elem;
    if (t.reserved.includes(k))
      throw new InvalidArgumentError(
        `LookupTableRemoveV2: using the empty_key or deleted_key (${k}) as a table key is not allowed`,
      );
    t.map.delete(k);
  }
  return [];
});

/** All entries, in insertion order. */
const exportTable = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  const n = t.initialized ? t.map.size : 0;
  const m = t.valueSize;
  const keys = allocData(t.keyDtype, n) as Elem[];
  const values = allocData(t.valueDtype, n * m) as Elem[];
  let i = 0;
  if (t.initialized) {
    for (const [k, v] of t.map) {
      keys[i] = k;
      for (let j = 0; j < m; j++) values[i * m + j] = v[j];
      i++;
    }
  }
  return [
    new NDArray(t.keyDtype, [n], keys as never),
    new NDArray(t.valueDtype, [n, ...t.valueShape], values as never),
  ];
};
cpuBackend.register("LookupTableExportV2", exportTable("LookupTableExportV2"));
cpuBackend.register("LookupTableExport", exportTable("LookupTableExport"));

/** Replaces a mutable table's contents; initializes an initializable one. */
const importTable = (op: string) => () => (inputs: Value[]) => {
  const t = tableOf(inputs[0], op);
  const entries = [...pairs(t, op, arr(inputs[1]), arr(inputs[2]))];
  if (!t.mutable) {
    initialize(t, op, entries);
    return [];
  }
  t.map.clear();
  for (const [k, v] of entries) t.map.set(k, v);
  return [];
};
cpuBackend.register("LookupTableImportV2", importTable("LookupTableImportV2"));
cpuBackend.register("LookupTableImport", importTable("LookupTableImport"));
