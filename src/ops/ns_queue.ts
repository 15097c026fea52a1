// The tf.queue namespace (TF 1.15's tf.queue.*): the queue classes, also at the top level as TF1 has them.
export {
  FIFOQueue,
  PaddingFIFOQueue,
  PriorityQueue,
  QueueBase,
  RandomShuffleQueue,
} from "./data_flow_ops.js";
