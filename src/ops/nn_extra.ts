// More nn ops: LRN, 3-D convolution and pooling, fused batch norm, separable/atrous/1-D convolutions: builders, registrations (shape fn, gradient).
export {};
