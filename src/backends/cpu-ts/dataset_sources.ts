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
