// The tf.lookup namespace: re-exports of its builders under TensorFlow's names.
export {};
