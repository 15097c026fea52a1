// tf.nn builders of the nn_extra ops (LRN, 3-D convolution and pooling, max_pool_with_argmax,
// fused batch norm, dilation2d, fractional pooling, CTC ...) and the composed ones
// (l2_normalize, conv1d, convolution, pool, atrous_conv2d, separable_conv2d). Exported under
// tf.nn only (from nn.ts).
export * from "./nn_extra_api_composed.js";
export * from "./nn_extra_api_ctc.js";
export * from "./nn_extra_api_norm.js";
export * from "./nn_extra_api_window.js";
