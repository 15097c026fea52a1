// The tf.bitwise namespace: re-exports of its builders under TensorFlow's names.
export {};
