// The tf.image namespace: re-exports of its builders under TensorFlow's names.
export * from "./image_api.js";
export * from "./image_composed.js";
export * from "./image_metrics.js";
