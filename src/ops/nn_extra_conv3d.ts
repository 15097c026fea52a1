// 3-D convolution (Conv3D and its backprops, V1 and V2) and 3-D max/avg pooling with their
// gradients: shape functions and gradients. NDHWC only.
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import type { Dim, TensorShape } from "../framework/tensor_shape.js";
import {
  attrsWithout,
  backpropShapes,
  checkCompatible,
  mustEqual,
  ndWindowAttrs,
  ndWindowOutput,
  shapeOf,
  sizesAsShape,
  spatialList,
  zerosLike,
} from "./nn_extra_window.js";
import { makeOp1 } from "./op_builder.js";

// ---- Conv3D family: input [n, d, h, w, ic], filter [kd, kh, kw, ic, oc] ----

/** Checks the conv geometry and returns the forward op's output shape. */
function conv3dOut(c: ShapeContext, x: TensorShape, f: TensorShape): TensorShape {
  const w = ndWindowAttrs(c, 3);
  mustEqual(c, x.dim(4), f.dim(3), "Depth of input must equal the input depth of the filter");
  return ndWindowOutput(x, [f.dim(0), f.dim(1), f.dim(2)], f.dim(4), w);
}

const convAttrs = (op: Parameters<typeof attrsWithout>[0]) => attrsWithout(op, "T", "Tshape");

registerOp("Conv3D", {
  shape: (c) => conv3dOut(c, c.withRank(0, 5), c.withRank(1, 5)),
  gradient: (op, [dy]) => {
    if (!dy) return [null, null];
    const [x, f] = op.inputs;
    const a = convAttrs(op);
    return [
      makeOp1("Conv3DBackpropInputV2", [shapeOf(x), f, dy], a),
      makeOp1("Conv3DBackpropFilterV2", [x, shapeOf(f), dy], a),
    ];
  },
});

registerOp("Conv3DBackpropInputV2", {
  shape: (c) => {
    const x = sizesAsShape(c, 0, 5);
    const f = c.withRank(1, 5);
    c.withRank(2, 5);
    checkCompatible(c, 2, conv3dOut(c, x, f));
    return x;
  },
  // As TF: d(filter) = backprop-filter of (grad, out_backprop); d(out_backprop) = conv3d(grad, filter).
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [, f, dy] = op.inputs;
    const a = convAttrs(op);
    return [
      null,
      makeOp1("Conv3DBackpropFilterV2", [g, shapeOf(f), dy], a),
      makeOp1("Conv3D", [g, f], a),
    ];
  },
});

registerOp("Conv3DBackpropFilterV2", {
  shape: (c) => {
    const x = c.withRank(0, 5);
    const f = sizesAsShape(c, 1, 5);
    c.withRank(2, 5);
    checkCompatible(c, 2, conv3dOut(c, x, f));
    return f;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, , dy] = op.inputs;
    const a = convAttrs(op);
    return [
      makeOp1("Conv3DBackpropInputV2", [shapeOf(x), g, dy], a),
      null,
      makeOp1("Conv3D", [x, g], a),
    ];
  },
});

// The deprecated V1 forms take the input (or filter) tensor itself instead of its shape.
const conv3dBackprop = backpropShapes(5, 5, conv3dOut);
registerOp("Conv3DBackpropInput", { shape: conv3dBackprop.input });
registerOp("Conv3DBackpropFilter", { shape: conv3dBackprop.filter });

// ---- 3-D pooling ----

function pool3dOut(c: ShapeContext, x: TensorShape): TensorShape {
  const w = ndWindowAttrs(c, 3);
  const k: Dim[] = spatialList(c, "ksize", 3, "ksize");
  return ndWindowOutput(x, k, x.dim(4), w);
}

const poolAttrs = (op: Parameters<typeof attrsWithout>[0]) => attrsWithout(op, "T", "TInput");

registerOp("MaxPool3D", {
  shape: (c) => pool3dOut(c, c.withRank(0, 5)),
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("MaxPool3DGrad", [op.inputs[0], op.outputs[0], dy], poolAttrs(op))];
  },
});

registerOp("MaxPool3DGrad", {
  shape: (c) => {
    const x = c.withRank(0, 5);
    const out = pool3dOut(c, x);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, out);
    return x;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, y] = op.inputs;
    return [zerosLike(x), zerosLike(y), makeOp1("MaxPool3DGradGrad", [x, y, g], poolAttrs(op))];
  },
});

registerOp("MaxPool3DGradGrad", {
  shape: (c) => {
    const x = c.withRank(0, 5);
    const out = pool3dOut(c, x);
    checkCompatible(c, 1, out);
    checkCompatible(c, 2, x);
    return out;
  },
  gradient: (op, [g]) => {
    if (!g) return [null, null, null];
    const [x, y] = op.inputs;
    return [zerosLike(x), zerosLike(y), makeOp1("MaxPool3DGrad", [x, y, g], poolAttrs(op))];
  },
});

registerOp("AvgPool3D", {
  shape: (c) => pool3dOut(c, c.withRank(0, 5)),
  gradient: (op, [dy]) => {
    if (!dy) return [null];
    return [makeOp1("AvgPool3DGrad", [shapeOf(op.inputs[0]), dy], poolAttrs(op))];
  },
});

registerOp("AvgPool3DGrad", {
  shape: (c) => {
    const x = sizesAsShape(c, 0, 5);
    checkCompatible(c, 1, pool3dOut(c, x));
    return x;
  },
  // Linear in grad, with AvgPool3D as its adjoint.
  gradient: (op, [g]) => {
    if (!g) return [null, null];
    return [null, makeOp1("AvgPool3D", [g], poolAttrs(op))];
  },
});
