// The tf.nn namespace.
export * from "./nn_conv.js";
export * from "./nn_extra_api.js";
export * from "./nn_ops.js";
export {
  BasicLSTMCell,
  type BasicLSTMCellOptions,
  type DynamicRnnOptions,
  dynamicRnn,
  LSTMStateTuple,
  type RNNCell,
  rnnCell,
} from "./rnn.js";
