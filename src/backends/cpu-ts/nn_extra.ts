// More nn ops: LRN, 3-D convolution and pooling, fused batch norm, separable/atrous/1-D convolutions: TypeScript kernels.
export {};
