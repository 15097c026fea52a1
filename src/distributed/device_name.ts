// TensorFlow's device names: "/job:worker/replica:0/task:1/device:CPU:0", partial forms such as
// "/job:ps/task:0" or "/cpu:0", and merging a partial name over defaults (what tf.device nesting
// and the placer do).
import { InvalidArgumentError } from "../framework/errors.js";

/** A parsed device name; a missing part is undefined. */
export interface DeviceSpec {
  job?: string;
  replica?: number;
  task?: number;
  deviceType?: string;
  deviceIndex?: number;
}

const PART = /^(job|replica|task|device|cpu|gpu|CPU|GPU):(.*)$/;

/** Parses a full or partial device name ("" gives an empty spec). */
export function parseDevice(name: string): DeviceSpec {
  const spec: DeviceSpec = {};
  if (name === "") return spec;
  for (const piece of name.split("/")) {
    if (piece === "") continue;
    const m = PART.exec(piece);
    if (!m) throw new InvalidArgumentError(`Malformed device specification '${name}'`);
    const [, key, value] = m;
    const num = (): number => {
      if (!/^\d+$/.test(value))
        throw new InvalidArgumentError(`Malformed device specification '${name}': ${piece}`);
      return Number(value);
    };
    if (key === "job") spec.job = value;
    else if (key === "replica") spec.replica = num();
    else if (key === "task") spec.task = num();
    else if (key === "device") {
      const [type, index] = value.split(":");
      spec.deviceType = type.toUpperCase();
      if (index !== undefined && index !== "*") spec.deviceIndex = Number(index);
    } else {
      spec.deviceType = key.toUpperCase();
      if (value !== "*") spec.deviceIndex = num();
    }
  }
  return spec;
}

/** `spec`'s parts, with `defaults` filling the missing ones. */
export function mergeDevice(spec: DeviceSpec, defaults: DeviceSpec): DeviceSpec {
  return {
    job: spec.job ?? defaults.job,
    replica: spec.replica ?? defaults.replica,
    task: spec.task ?? defaults.task,
    deviceType: spec.deviceType ?? defaults.deviceType,
    deviceIndex: spec.deviceIndex ?? defaults.deviceIndex,
  };
}

/** The name of a device spec, listing only the parts it has ("/job:ps/task:0"). */
export function deviceString(spec: DeviceSpec): string {
  let s = "";
  if (spec.job !== undefined) s += `/job:${spec.job}`;
  if (spec.replica !== undefined) s += `/replica:${spec.replica}`;
  if (spec.task !== undefined) s += `/task:${spec.task}`;
  if (spec.deviceType !== undefined)
    s += `/device:${spec.deviceType}:${spec.deviceIndex === undefined ? "*" : spec.deviceIndex}`;
  return s;
}

/** The full name of a task's CPU device: "/job:J/replica:0/task:T/device:CPU:0". */
export function taskCpuDevice(job: string, task: number): string {
  return `/job:${job}/replica:0/task:${task}/device:CPU:0`;
}

/** Whether a full device name matches a partial filter ("/job:ps", "/job:worker/task:1"). */
export function deviceMatches(full: DeviceSpec, filter: DeviceSpec): boolean {
  return (
    (filter.job === undefined || filter.job === full.job) &&
    (filter.replica === undefined || filter.replica === full.replica) &&
    (filter.task === undefined || filter.task === full.task) &&
    (filter.deviceType === undefined || filter.deviceType === full.deviceType) &&
    (filter.deviceIndex === undefined || filter.deviceIndex === full.deviceIndex)
  );
}
