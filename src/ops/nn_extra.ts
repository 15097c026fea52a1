// More nn ops: LRN, 3-D convolution and pooling, max-pool variants and second-order gradients,
// Dilation2D, fused batch norm, BatchNormWithGlobalNormalization, BiasAddV1. This module only
// registers them (shape functions, gradients); the user-facing builders are in nn_extra_api.ts,
// under tf.nn.
import "./nn_extra_bn.js";
import "./nn_extra_conv3d.js";
import "./nn_extra_pool.js";
import "./nn_extra_fractional.js";
import "./nn_extra_ctc.js";
