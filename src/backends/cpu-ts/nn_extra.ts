// More nn ops: LRN, 3-D convolution and pooling, max-pool variants, Dilation2D, fused batch norm,
// BatchNormWithGlobalNormalization, BiasAddV1: TypeScript kernels.
import "./nn_extra_bn.js";
import "./nn_extra_conv3d.js";
import "./nn_extra_pool.js";
import "./nn_extra_fractional.js";
import "./nn_extra_ctc.js";
import "./nn_extra_ctc_decode.js";
import "./nn_extra_lrn.js";
