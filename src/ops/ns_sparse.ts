// The tf.sparse namespace: re-exports of its builders under TensorFlow's names.
export {};
