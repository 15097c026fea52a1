// tf.train.replica_device_setter: a device function that puts variables (and other ps ops) on the
// ps tasks round-robin and every other op on the worker device (TF 1.15's device_setter.py rules).
import { ValueError } from "../framework/errors.js";
import type { DeviceFunction } from "../framework/graph.js";
import { type ClusterLike, ClusterSpec } from "./cluster_spec.js";
import { deviceString, mergeDevice, parseDevice } from "./device_name.js";

/** TF's STANDARD_PS_OPS: the op types that live on the parameter servers. */
export const STANDARD_PS_OPS: readonly string[] = [
  "Variable",
  "VariableV2",
  "AutoReloadVariable",
  "MutableHashTable",
  "MutableHashTableV2",
  "MutableHashTableOfTensors",
  "MutableHashTableOfTensorsV2",
  "MutableDenseHashTable",
  "MutableDenseHashTableV2",
  "VarHandleOp",
  "BoostedTreesEnsembleResourceHandleOp",
  "BoostedTreesQuantileStreamResourceHandleOp",
];

export interface ReplicaDeviceSetterOptions {
  /** Number of ps tasks (default: the cluster's "ps" job size, else 0). */
  psTasks?: number;
  psDevice?: string;
  workerDevice?: string;
  /** Keep the parts of an op's own device (default true). */
  mergeDevices?: boolean;
  cluster?: ClusterLike;
  psOps?: readonly string[];
  /** Picks the ps task of an op (default: round-robin). */
  psStrategy?: (op: { type: string; name: string }) => number;
}

/** Returns the device function, or null when there are no ps tasks (as TF). */
export function replicaDeviceSetter(
  options: ReplicaDeviceSetterOptions = {},
): DeviceFunction | null {
  const psDevice = options.psDevice ?? "/job:ps";
  const workerDevice = options.workerDevice ?? "/job:worker";
  let psTasks = options.psTasks ?? 0;
  if (options.cluster !== undefined) {
    const spec = new ClusterSpec(options.cluster);
    const psJob = parseDevice(psDevice).job ?? "ps";
    psTasks = spec.jobs.includes(psJob) ? spec.numTasks(psJob) : 0;
  }
  if (psTasks === 0) return null;
  if (!Number.isInteger(psTasks) || psTasks < 0)
    throw new ValueError(`psTasks must be a non-negative integer, got ${psTasks}`);
  const mergeDevices = options.mergeDevices ?? true;
  const psOps = new Set(options.psOps ?? STANDARD_PS_OPS);
  let next = 0;
  const strategy = options.psStrategy ?? (() => next++ % psTasks);
  const ps = parseDevice(psDevice);
  const worker = parseDevice(workerDevice);
  return (op) => {
    const current = mergeDevices ? parseDevice(op.device) : {};
    if (psOps.has(op.type)) {
      const target = { ...ps, task: strategy(op) };
      return deviceString(mergeDevice(current, target));
    }
    return deviceString(mergeDevice(current, worker));
  };
}
