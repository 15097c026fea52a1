// The tf.image namespace: re-exports of its builders under TensorFlow's names.
export {};
