// The tf.random namespace: re-exports of its builders under TensorFlow's names.
export {};
