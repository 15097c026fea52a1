// The tf.bitwise namespace: re-exports of its builders under TensorFlow's names.
export {
  bitwiseAnd,
  bitwiseInvert as invert,
  bitwiseOr,
  bitwiseXor,
  leftShift,
  rightShift,
} from "./math_extra.js";
