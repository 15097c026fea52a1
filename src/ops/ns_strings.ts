// The tf.strings namespace: re-exports of its builders under TensorFlow's names.
export {};
