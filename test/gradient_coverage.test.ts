// Every op with a registered gradient is checked here numerically, one line per op: a new op
// with a gradient and no line below fails the coverage test. (Each family's own test file checks
// more shapes and cases; this table makes sure none is missed.)
import { describe, expect, test } from "vitest";
import * as tf from "../src/index.js";
import { CHECKS as ARRAY_EXTRA } from "./grad_checks/array_extra.js";

import { conv, type GradChecks, i32, img, op, pool, pos, s, unit } from "./grad_checks/common.js";
import { CHECKS as FUNCTIONS } from "./grad_checks/functions.js";
import { CHECKS as IMAGE } from "./grad_checks/image.js";
import { CHECKS as LINALG } from "./grad_checks/linalg.js";
import { CHECKS as MATH_EXTRA } from "./grad_checks/math_extra.js";
import { CHECKS as NN_EXTRA } from "./grad_checks/nn_extra.js";
import { CHECKS as RESOURCE_VARIABLES } from "./grad_checks/resource_variables.js";
import { CHECKS as SPARSE_RANDOM } from "./grad_checks/sparse_random.js";
import { checkGradient } from "./gradcheck.js";

const CORE_CHECKS: GradChecks = {
  Abs: [op("Abs"), [unit(2, 3)]],
  // Switch and Merge: their gradients are checked through tf.cond, which builds both.
  Switch: [
    (x) =>
      tf.cond(
        tf.constant(true),
        () => tf.square(x),
        () => x,
      ),
    [s(3)],
  ],
  Merge: [
    (x) =>
      tf.cond(
        tf.constant(false),
        () => x,
        () => tf.sin(x),
      ),
    [s(3)],
  ],
  Acos: [op("Acos"), [unit(2, 3)]],
  Add: [op("Add"), [s(2, 3), s(3)]],
  AddN: [(a, b, c) => tf.addN([a, b, c]), [s(2), s(2), s(2)]],
  AddV2: [op("AddV2"), [s(2, 1), s(1, 3)]],
  Asin: [op("Asin"), [unit(2, 3)]],
  Atan: [op("Atan"), [s(2, 3)]],
  AvgPool: [op("AvgPool", pool), [img]],
  AvgPoolGrad: [(g) => op("AvgPoolGrad", pool)(i32([1, 4, 4, 2]), g), [s(1, 2, 2, 2)]],
  BatchMatMulV2: [op("BatchMatMulV2"), [s(2, 1, 2, 3), s(3, 3, 2)]],
  BiasAdd: [op("BiasAdd"), [s(2, 3), s(3)]],
  BiasAddGrad: [op("BiasAddGrad"), [s(2, 3)]],
  BroadcastTo: [(x) => tf.broadcastTo(x, [2, 3]), [s(3)]],
  Cast: [(x) => tf.cast(tf.cast(x, "float32"), "float64"), [s(3)], { delta: 1e-2, tol: 1e-3 }],
  CheckNumerics: [(x) => tf.nn.checkNumerics(x, "m"), [s(3)]],
  ConcatV2: [(a, b) => tf.concat([a, b], 1), [s(2, 1), s(2, 3)]],
  Conv2D: [op("Conv2D", conv), [img, s(2, 2, 2, 3)]],
  Conv2DBackpropFilter: [
    (x, g) => op("Conv2DBackpropFilter", conv)(x, i32([2, 2, 2, 3]), g),
    [img, s(1, 4, 4, 3)],
  ],
  Conv2DBackpropInput: [
    (f, g) => op("Conv2DBackpropInput", conv)(i32([1, 4, 4, 2]), f, g),
    [s(2, 2, 2, 3), s(1, 4, 4, 3)],
  ],
  Cos: [op("Cos"), [s(2, 3)]],
  Cosh: [op("Cosh"), [s(2, 3)]],
  DepthwiseConv2dNative: [op("DepthwiseConv2dNative", conv), [img, s(2, 2, 2, 2)]],
  Div: [op("Div"), [s(2, 3), pos(3)]],
  Elu: [op("Elu"), [unit(2, 3)]],
  Erf: [op("Erf"), [s(2, 3)]],
  Exp: [op("Exp"), [s(2, 3)]],
  ExpandDims: [(x) => tf.expandDims(x, -1), [s(2, 3)]],
  Expm1: [op("Expm1"), [s(2, 3)]],
  Fill: [(v) => tf.fill([2, 3], v), [s()]],
  FloorMod: [
    op("FloorMod"),
    [
      { shape: [3], values: [2.3, -1.7, 5.1] },
      { shape: [3], values: [1.5, 1.1, -2.2] },
    ],
  ],
  Gather: [(x) => op("Gather")(x, i32([2, 0, 2])), [s(3, 2)]],
  GatherNd: [
    (x) =>
      tf.gatherNd(
        x,
        i32([
          [1, 0],
          [0, 1],
        ]),
      ),
    [s(2, 2)],
  ],
  GatherV2: [(x) => tf.gather(x, i32([1, 1, 0]), 1), [s(2, 3)]],
  Identity: [op("Identity"), [s(3)]],
  IdentityN: [(a, b) => tf.addN(tf.identityN([a, b])), [s(2), s(2)]],
  L2Loss: [op("L2Loss"), [s(2, 3)]],
  LeakyRelu: [op("LeakyRelu", { alpha: 0.2 }), [unit(2, 3)]],
  LeakyReluGrad: [
    (g, x) => op("LeakyReluGrad", { alpha: 0.2 })(g, x),
    [s(3), { shape: [3], values: [-1, 0.5, 2] }],
    { wrt: [0] },
  ],
  Log: [op("Log"), [pos(2, 3)]],
  Log1p: [op("Log1p"), [pos(2, 3)]],
  LogSoftmax: [op("LogSoftmax"), [s(2, 3)]],
  MatMul: [op("MatMul", { transpose_b: true }), [s(2, 3), s(4, 3)]],
  Max: [(x) => tf.reduceMax(x, 1), [unit(2, 3)]],
  MaxPool: [op("MaxPool", pool), [unit(1, 4, 4, 2)]],
  Maximum: [op("Maximum"), [unit(2, 3), pos(3)]],
  Mean: [(x) => tf.reduceMean(x, [0, 1]), [s(2, 3)]],
  Min: [(x) => tf.reduceMin(x, 0), [unit(2, 3)]],
  Minimum: [op("Minimum"), [unit(2, 3), pos(3)]],
  MirrorPad: [
    (x) =>
      tf.pad(
        x,
        [
          [1, 1],
          [0, 1],
        ],
        { mode: "REFLECT" },
      ),
    [s(2, 3)],
  ],
  MirrorPadGrad: [
    (g) =>
      op("MirrorPadGrad", { mode: "REFLECT" })(
        g,
        i32([
          [1, 1],
          [0, 1],
        ]),
      ),
    [s(4, 4)],
  ],
  Mul: [op("Mul"), [s(2, 3), s()]],
  Neg: [op("Neg"), [s(2, 3)]],
  Pack: [(a, b) => tf.stack([a, b], 1), [s(2), s(2)]],
  Pad: [
    (x) =>
      tf.pad(x, [
        [1, 0],
        [0, 2],
      ]),
    [s(2, 3)],
  ],
  PadV2: [
    (x) =>
      tf.pad(
        x,
        [
          [1, 0],
          [0, 2],
        ],
        { constantValues: 3 },
      ),
    [s(2, 3)],
  ],
  Pow: [op("Pow"), [pos(2, 3), s(3)]],
  Prod: [(x) => tf.reduceProd(x, 1), [s(2, 3)]],
  RealDiv: [op("RealDiv"), [s(2, 3), pos(2, 1)]],
  Reciprocal: [op("Reciprocal"), [pos(2, 3)]],
  Relu: [op("Relu"), [unit(2, 3)]],
  Relu6: [(x) => op("Relu6")(tf.mul(x, 5)), [unit(2, 3)]],
  Relu6Grad: [(g) => op("Relu6Grad")(g, tf.constant([-1, 3, 7], { dtype: "float64" })), [s(3)]],
  ReluGrad: [(g) => op("ReluGrad")(g, tf.constant([-1, 3, 7], { dtype: "float64" })), [s(3)]],
  Reshape: [(x) => tf.reshape(x, [3, -1]), [s(2, 3)]],
  ReverseV2: [(x) => tf.reverse(x, [1]), [s(2, 3)]],
  Rsqrt: [op("Rsqrt"), [pos(2, 3)]],
  ScatterNd: [(u) => tf.scatterNd(i32([[1], [0], [1]]), u, [3, 2]), [s(3, 2)]],
  Select: [(a, b) => tf.select(tf.constant([true, false]), a, b), [s(2, 3), s(2, 3)]],
  SelectV2: [(a, b) => tf.where(tf.constant([true, false, true]), a, b), [s(2, 3), s(3)]],
  Selu: [op("Selu"), [unit(2, 3)]],
  Sigmoid: [op("Sigmoid"), [s(2, 3)]],
  Sign: [(x) => tf.add(op("Sign")(x), x), [unit(2, 3)]],
  Sin: [op("Sin"), [s(2, 3)]],
  Sinh: [op("Sinh"), [s(2, 3)]],
  Slice: [(x) => tf.slice(x, [0, 1], [2, -1]), [s(2, 3)]],
  Softmax: [op("Softmax"), [s(2, 3)]],
  // Labels must be distributions (rows summing to 1): the loss gradient assumes it, as TF's does.
  SoftmaxCrossEntropyWithLogits: [
    (l, y) => op("SoftmaxCrossEntropyWithLogits")(l, y),
    [s(2, 3), { shape: [2, 3], values: [0.2, 0.3, 0.5, 1, 0, 0] }],
  ],
  Softplus: [op("Softplus"), [s(2, 3)]],
  SoftplusGrad: [op("SoftplusGrad"), [s(3), s(3)]],
  Softsign: [op("Softsign"), [unit(2, 3)]],
  SparseSoftmaxCrossEntropyWithLogits: [
    (l) => op("SparseSoftmaxCrossEntropyWithLogits")(l, i32([2, 0])),
    [s(2, 3)],
  ],
  Split: [(x) => tf.addN(tf.split(x, 2, 1)), [s(2, 4)]],
  SplitV: [(x) => tf.split(x, [1, 3], 1)[1], [s(2, 4)]],
  Sqrt: [op("Sqrt"), [pos(2, 3)]],
  Square: [op("Square"), [s(2, 3)]],
  SquaredDifference: [op("SquaredDifference"), [s(2, 3), s(3)]],
  Squeeze: [(x) => tf.squeeze(x, [1]), [s(2, 1, 3)]],
  StridedSlice: [(x) => tf.stridedSlice(x, [1, 2], [-1, 0], [1, -1]), [s(3, 4)]],
  StridedSliceGrad: [
    (g) => op("StridedSliceGrad")(i32([3, 4]), i32([1, 2]), i32([3, 0]), i32([1, -1]), g),
    [s(2, 2)],
  ],
  Sub: [op("Sub"), [s(2, 3), s(2, 1)]],
  Sum: [(x) => tf.reduceSum(x, -1, true), [s(2, 3)]],
  Tan: [op("Tan"), [unit(2, 3)]],
  Tanh: [op("Tanh"), [s(2, 3)]],
  TensorArrayConcatV3: [
    (x) =>
      new tf.TensorArray({ dtype: "float64", size: 2, inferShape: false })
        .split(x, [1, 2])
        .concat(),
    [s(3, 2)],
  ],
  TensorArrayGatherV3: [
    (x) => new tf.TensorArray({ dtype: "float64", size: 2 }).unstack(x).gather(i32([1, 0])),
    [s(2, 3)],
  ],
  TensorArrayReadV3: [
    (x) => new tf.TensorArray({ dtype: "float64", size: 2 }).unstack(x).read(1),
    [s(2, 3)],
  ],
  TensorArrayScatterV3: [
    (x) => new tf.TensorArray({ dtype: "float64", size: 3 }).scatter(i32([2, 0]), x).read(2),
    [s(2, 3)],
  ],
  TensorArraySplitV3: [
    (x) => new tf.TensorArray({ dtype: "float64", size: 2 }).split(x, [2, 2]).stack(),
    [s(4, 2)],
  ],
  TensorArrayWriteV3: [
    (x, y) => new tf.TensorArray({ dtype: "float64", size: 2 }).write(0, x).write(1, y).stack(),
    [s(3), s(3)],
  ],
  Tile: [(x) => tf.tile(x, [2, 1]), [s(2, 3)]],
  Transpose: [(x) => tf.transpose(x, [2, 0, 1]), [s(2, 3, 2)]],
  Unpack: [(x) => tf.addN(tf.unstack(x, { axis: 1 })), [s(2, 3)]],
  UnsortedSegmentSum: [(x) => tf.unsortedSegmentSum(x, i32([1, 0, 1]), 2), [s(3, 2)]],
};

const CHECKS: GradChecks = {
  ...CORE_CHECKS,
  ...MATH_EXTRA,
  ...LINALG,
  ...ARRAY_EXTRA,
  ...NN_EXTRA,
  ...IMAGE,
  ...SPARSE_RANDOM,
  ...RESOURCE_VARIABLES,
  ...FUNCTIONS,
};

/** Registered gradients that are (correctly) null or zero: no numeric check applies. */
const NOT_DIFFERENTIABLE = new Set(
  "TensorArrayV3 TensorArraySizeV3 TensorArrayGradV3 TensorArrayCloseV3 ArgMax ArgMin BroadcastArgs Ceil Floor FloorDiv InvertPermutation OneHot OnesLike Range Rank Rint Round Shape ShapeN Size TruncateDiv Unique Where ZerosLike".split(
    " ",
  ),
);

/** Frame ops: a loop is differentiated as a whole (src/gradients/while_grad.ts), never op by op. */
const NOT_IMPLEMENTED = new Set([
  "Enter",
  "RefEnter",
  "Exit",
  "RefExit",
  "NextIteration",
  "RefNextIteration",
  // Raises LookupError with the op's message by design (tf.prevent_gradient).
  "PreventGradient",
]);

/**
 * Gradients of random ops in their distribution's parameters (at a fixed draw): every run draws
 * anew, so finite differences cannot check them; their family tests check them statistically
 * (src/ops/random_extra.test.ts).
 */
const STOCHASTIC = new Set(["RandomGamma"]);

test("every op with a registered gradient has a numeric check below", () => {
  const withGradient = tf.registeredOpTypes().filter((t) => tf.getRegisteredOp(t)?.gradient);
  const unchecked = withGradient.filter(
    (t) =>
      !(t in CHECKS) && !NOT_DIFFERENTIABLE.has(t) && !NOT_IMPLEMENTED.has(t) && !STOCHASTIC.has(t),
  );
  expect(unchecked).toEqual([]);
});

describe("numeric gradient of each op", () => {
  for (const [type, [build, inputs, options]] of Object.entries(CHECKS)) {
    test(type, async () => {
      // The check must exercise the op it is named for.
      const g = new tf.Graph();
      g.asDefault(() => build(...inputs.map((x) => tf.placeholder("float64", x.shape))));
      expect(g.operations.some((o) => o.type === type)).toBe(true);
      await checkGradient(build, inputs, options);
    });
  }
});
