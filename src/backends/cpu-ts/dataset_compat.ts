// Dataset ops that TF 1.15 graphs contain besides the ones tf.data's API makes here: the V1 forms
// (BatchDataset, PaddedBatchDataset, FixedLengthRecordDataset) run as their V2 kernels with the
// V2-only inputs at their V1 meaning; ShuffleAndRepeatDataset is a shuffle then a repeat; and the
// datasets TF's Python inserts to tune its runtime (ModelDataset, OptimizeDataset, thread-pool
// settings) pass their input through, as their elements are the input's.
import { NDArray } from "../../framework/ndarray.js";
import type { KernelEnv, NodeInfo, Value } from "../kernel.js";
import { datasetOf } from "./dataset_core.js";
import { cpuBackend } from "./index.js";

const PASS_THROUGH = [
  "ModelDataset",
  "OptimizeDataset",
  "MaxIntraOpParallelismDataset",
  "ExperimentalMaxIntraOpParallelismDataset",
  "PrivateThreadPoolDataset",
  "ExperimentalPrivateThreadPoolDataset",
];
for (const t of PASS_THROUGH)
  cpuBackend.register(t, (node) => (inputs) => {
    datasetOf(inputs[0], node.name);
    return [inputs[0]];
  });

/** The kernel of `v2` on the inputs `extend` makes of this node's. */
function asV2(v2: string, extend: (inputs: Value[]) => Value[]) {
  return (node: NodeInfo, env: KernelEnv) => {
    const kernel = cpuBackend.get(v2)!({ ...node, type: v2 }, env);
    return (inputs: Value[]) => kernel(extend(inputs));
  };
}

const noDrop = () => new NDArray("bool", [], [false]);
cpuBackend.register(
  "BatchDataset",
  asV2("BatchDatasetV2", (inputs) => [...inputs, noDrop()]),
);
cpuBackend.register(
  "PaddedBatchDataset",
  asV2("PaddedBatchDatasetV2", (inputs) => [...inputs, noDrop()]),
);
cpuBackend.register(
  "FixedLengthRecordDataset",
  asV2("FixedLengthRecordDatasetV2", (inputs) => [...inputs, new NDArray("string", [], [""])]),
);

cpuBackend.register("ShuffleAndRepeatDataset", (node, env) => {
  const shuffle = cpuBackend.get("ShuffleDataset")!({ ...node, type: "ShuffleDataset" }, env);
  const repeat = cpuBackend.get("RepeatDataset")!({ ...node, type: "RepeatDataset" }, env);
  return (inputs) => {
    const shuffled = shuffle(inputs.slice(0, 4)) as Value[];
    return repeat([shuffled[0], inputs[4]]);
  };
});
