// What src/train/index.ts re-exports as tf.train.*: the distributed runtime's user API.
export { type ClusterLike, ClusterSpec, type JobTasks } from "./cluster_spec.js";
export {
  type ReplicaDeviceSetterOptions,
  replicaDeviceSetter,
  STANDARD_PS_OPS,
} from "./replica_device_setter.js";
export { Server, type ServerConfig, type ServerOptions } from "./server.js";
