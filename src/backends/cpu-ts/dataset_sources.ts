// Source datasets: TensorDataset, TensorSliceDataset, RangeDataset, ZipDataset,
// ConcatenateDataset, MatchingFilesDataset and the file datasets (TFRecordDataset,
// TextLineDataset, FixedLengthRecordDatasetV2).
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type KernelEnv, type NodeInfo, type Value } from "../kernel.js";
import {
  type DatasetImpl,
  datasetHandle,
  datasetOf,
  type Element,
  type ElementIterator,
  listIterator,
  scalarNumber,
  sliceRow,
} from "./dataset_core.js";
import { cpuBackend } from "./index.js";

cpuBackend.register("TensorDataset", (node) => (inputs) => {
  const element = inputs.map(arr);
  return [datasetHandle({ op: node.name, iterate: () => listIterator([element]) })];
});

cpuBackend.register("TensorSliceDataset", (node) => (inputs) => {
  const comps = inputs.map(arr);
  for (const c of comps)
    if (c.rank === 0)
      throw new InvalidArgumentError(
        `${node.name}: TensorSliceDataset components must have rank >= 1, got a scalar`,
      );
  const n = comps[0]?.shape[0] ?? 0;
  comps.forEach((c, i) => {
    if (c.shape[0] !== n)
      throw new InvalidArgumentError(
        `${node.name}: all components must have the same size in the 0th dimension: component 0 has shape ${shapeString(comps[0].shape)}, component ${i} has shape ${shapeString(c.shape)}`,
      );
  });
  const impl: DatasetImpl = {
    op: node.name,
    iterate: () => {
      let i = 0;
      return {
        next: () => {
          if (i >= n) return Promise.resolve(null);
          const row = comps.map((c) => sliceRow(c, i));
          i++;
          return Promise.resolve(row);
        },
        close: () => {},
      };
    },
  };
  return [datasetHandle(impl)];
});
cpuBackend.register("RangeDataset", (node) => {
  const dtype = ((node.attrs.output_types as string[] | undefined) ?? ["int64"])[0];
  return (inputs) => {
    const [start, stop, step] = inputs.map((v, i) =>
      scalarNumber(v, node.name, ["start", "stop", "step"][i]),
    );
    if (step === 0)
      throw new InvalidArgumentError(`${node.name}: step must be a non-zero integer.`);
    const make = (x: number): NDArray =>
      dtype === "int64"
        ? new NDArray("int64", [], BigInt64Array.of(BigInt(x)))
        : NDArray.from(x, dtype as "int32");
    return [
      datasetHandle({
        op: node.name,
        iterate: () => {
          let x = start;
          return {
            next: () => {
              if (step > 0 ? x >= stop : x <= stop) return Promise.resolve(null);
              const v = make(x);
              x += step;
              return Promise.resolve([v]);
            },
            close: () => {},
          };
        },
      }),
    ];
  };
});

cpuBackend.register("ZipDataset", (node) => (inputs) => {
  const parts = inputs.map((v) => datasetOf(v, node.name, "input_datasets"));
  return [
    datasetHandle({
      op: node.name,
      iterate: () => {
        const its = parts.map((d) => d.iterate());
        let done = false;
        return {
          next: async () => {
            if (done) return null;
            const out: Element = [];
            for (const it of its) {
              const e = await it.next();
              if (e === null) {
                done = true;
                for (const x of its) x.close();
                return null;
              }
              out.push(...e);
            }
            return out;
          },
          close: () => {
            for (const x of its) x.close();
          },
        };
      },
    }),
  ];
});

/** A dataset that runs through `parts` one after another. */
export function concatenated(op: string, parts: readonly DatasetImpl[]): DatasetImpl {
  return {
    op,
    iterate: () => {
      let k = 0;
      let it: ElementIterator | null = parts.length > 0 ? parts[0].iterate() : null;
      return {
        next: async () => {
          while (it) {
            const e = await it.next();
            if (e !== null) return e;
            it.close();
            it = ++k < parts.length ? parts[k].iterate() : null;
          }
          return null;
        },
        close: () => it?.close(),
      };
    },
  };
}

cpuBackend.register("ConcatenateDataset", (node) => (inputs) => [
  datasetHandle(
    concatenated(node.name, [
      datasetOf(inputs[0], node.name),
      datasetOf(inputs[1], node.name, "another_dataset"),
    ]),
  ),
]);

/** MatchingFilesDataset: the files matching the patterns (MatchingFiles' kernel), one string each. */
function matchingFilesDataset(node: NodeInfo, env: KernelEnv) {
  const match = cpuBackend.get("MatchingFiles")!({ ...node, type: "MatchingFiles" }, env);
  return (inputs: Value[]) => {
    const files = arr((match([inputs[0]]) as Value[])[0]);
    const names = files.data as string[];
    return [
      datasetHandle({
        op: node.name,
        iterate: () => listIterator(names.map((f) => [new NDArray("string", [], [f])])),
      }),
    ];
  };
}
cpuBackend.register("MatchingFilesDataset", matchingFilesDataset);
cpuBackend.register("ExperimentalMatchingFilesDataset", matchingFilesDataset);

/**
 * SparseTensorSliceDataset: for each row i of the sparse tensor, the entries whose first index
 * is i, as (indices without their first column, values, dense_shape without its first dim).
 * The entries must be ordered by their first index, as TF requires.
 */
cpuBackend.register("SparseTensorSliceDataset", (node) => (inputs) => {
  const [indices, values, denseShape] = inputs.map(arr);
  if (indices.rank !== 2 || values.rank !== 1 || denseShape.rank !== 1)
    throw new InvalidArgumentError(
      `${node.name}: indices must be a matrix, values and dense_shape vectors; got shapes ${shapeString(indices.shape)}, ${shapeString(values.shape)}, ${shapeString(denseShape.shape)}`,
    );
  const nnz = indices.shape[0];
  const rank = indices.shape[1];
  if (values.shape[0] !== nnz || denseShape.shape[0] !== rank || rank < 1)
    throw new InvalidArgumentError(
      `${node.name}: ${nnz} indices of rank ${rank}, ${values.shape[0]} values and a dense_shape of ${denseShape.shape[0]} dims do not agree`,
    );
  const idx = indices.data as BigInt64Array;
  const dims = Array.from(denseShape.data as BigInt64Array, Number);
  const rows = dims[0];
  // starts[r]: the first entry of row r (entries are ordered by row).
  const starts = new Array<number>(rows + 1).fill(nnz);
  let prev = -1;
  for (let k = nnz - 1; k >= 0; k--) {
    const r = Number(idx[k * rank]);
    if (r < 0 || r >= rows)
      throw new InvalidArgumentError(
        `${node.name}: index ${r} of entry ${k} is out of bounds for ${rows} rows`,
      );
    starts[r] = k;
  }
  for (let k = 0; k < nnz; k++) {
    const r = Number(idx[k * rank]);
    if (r < prev)
      throw new InvalidArgumentError(
        `${node.name}: the entries are not ordered by their first index (entry ${k})`,
      );
    prev = r;
  }
  for (let r = rows - 1; r >= 0; r--) starts[r] = Math.min(starts[r], starts[r + 1]);
  const inner = dims.slice(1).map(BigInt);
  return [
    datasetHandle({
      op: node.name,
      iterate: () => {
        let r = 0;
        return {
          next: () => {
            if (r >= rows) return Promise.resolve(null);
            const [a, b] = [starts[r], starts[r + 1]];
            r++;
            const sub = new BigInt64Array((b - a) * (rank - 1));
            for (let k = a; k < b; k++)
              for (let j = 1; j < rank; j++) sub[(k - a) * (rank - 1) + j - 1] = idx[k * rank + j];
            const vals =
              values.dtype === "string"
                ? (values.data as string[]).slice(a, b)
                : (values.data as Float32Array).slice(a, b);
            return Promise.resolve([
              new NDArray("int64", [b - a, rank - 1], sub),
              new NDArray(values.dtype, [b - a], vals),
              new NDArray("int64", [rank - 1], BigInt64Array.from(inner)),
            ]);
          },
          close: () => {},
        };
      },
    }),
  ];
});
