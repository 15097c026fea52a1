// Shape-function and gradient helpers shared by the nn_extra registrations: window attrs of 2-D
// and 3-D convolutions and pooling (channels-last only), and small graph helpers.
import { UnimplementedError } from "../framework/errors.js";
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import { windowedOutputSize } from "../framework/window_rules.js";
import { makeOp1 } from "./op_builder.js";

/** Spatial window parameters of an N-D window op (channels-last), per spatial dimension. */
export interface NdWindow {
  strides: number[];
  dilations: number[];
  padding: "SAME" | "VALID";
}

/** Raises UnimplementedError unless the op's data_format is channels-last. */
export function requireChannelsLast(c: ShapeContext): void {
  const format = c.op.attrs.data_format as string | undefined;
  if (format !== undefined && format !== "NHWC" && format !== "NDHWC") {
    throw new UnimplementedError(
      `${c.op.type} '${c.op.name}': only the channels-last data format (NHWC/NDHWC) is supported, got ${format}`,
    );
  }
}

/** A list(int) attr of `rank + 2` positive values with 1 in the batch and channel dims. */
export function spatialList(c: ShapeContext, attr: string, rank: number, what: string): number[] {
  const v = c.attr<number[]>(attr);
  if (v.length !== rank + 2)
    c.fail(
      `${c.op.type} requires the ${what} attribute to contain ${rank + 2} values, but got: ${v.length}`,
    );
  if (v.some((x) => !Number.isInteger(x) || x < 1))
    c.fail(`${c.op.type}: ${what} values must be positive integers, got [${v.join(",")}]`);
  if (v[0] !== 1 || v[rank + 1] !== 1)
    c.fail(
      `${c.op.type}: ${what}s in the batch and depth dimensions must be 1, got [${v.join(",")}]`,
    );
  return v.slice(1, rank + 1);
}

/** The validated window attrs of a conv/pool op over `rank` spatial dims. */
export function ndWindowAttrs(c: ShapeContext, rank: number, stridesAttr = "strides"): NdWindow {
  requireChannelsLast(c);
  const padding = c.attr<string>("padding");
  if (padding !== "SAME" && padding !== "VALID")
    c.fail(`${c.op.type}: padding must be SAME or VALID, got '${padding}'`);
  const hasDilations = c.op.def.attrMap.has("dilations");
  return {
    strides: spatialList(c, stridesAttr, rank, "stride"),
    dilations: hasDilations
      ? spatialList(c, "dilations", rank, "dilation")
      : Array<number>(rank).fill(1),
    padding,
  };
}

/** [batch, ...spatial out, channels] of a window op over input `x` (rank = spatial + 2). */
export function ndWindowOutput(
  x: TensorShape,
  kernel: readonly Dim[],
  channels: Dim,
  w: NdWindow,
): TensorShape {
  const dims: Dim[] = [x.dim(0)];
  kernel.forEach((k, i) => {
    const size = x.dim(i + 1);
    dims.push(
      size === null || k === null
        ? null
        : windowedOutputSize(size, k, w.strides[i], w.dilations[i], w.padding).out,
    );
  });
  dims.push(channels);
  return new TensorShape(dims);
}

/** A 1-D int "sizes" input as a shape of the given rank (unknown dims where not constant). */
export function sizesAsShape(c: ShapeContext, i: number, rank: number): TensorShape {
  c.withRank(i, 1);
  const n = c.input(i).dim(0);
  if (n !== null && n !== rank)
    c.fail(`${c.op.def.inputs[i].name} must be a vector of ${rank} elements, got ${n}`);
  const s = c.inputAsShape(i);
  return s.rank === rank ? s : TensorShape.unknownOfRank(rank);
}

export function mustEqual(c: ShapeContext, a: Dim, b: Dim, message: string): void {
  if (a !== null && b !== null && a !== b) c.fail(`${message} (${a} vs. ${b})`);
}

/** The tensor at input `i` must be compatible with the shape the forward op produces. */
export function checkCompatible(c: ShapeContext, i: number, expected: TensorShape): void {
  const s = c.input(i);
  if (!s.isCompatibleWith(expected)) {
    c.fail(
      `${c.op.def.inputs[i].name} has shape ${s}, but the forward op's output shape is ${expected}`,
    );
  }
}

/**
 * Shape functions of backprops that take the forward input x (input 0), the filter f (input 1)
 * and dy (input 2): the input gradient has x's shape, the filter gradient f's, and dy must fit
 * the forward op's output `forward(c, x, f)`.
 */
export function backpropShapes(
  xRank: number,
  fRank: number,
  forward: (c: ShapeContext, x: TensorShape, f: TensorShape) => TensorShape,
): { input: (c: ShapeContext) => TensorShape; filter: (c: ShapeContext) => TensorShape } {
  return {
    input: (c) => {
      const x = c.withRank(0, xRank);
      checkCompatible(c, 2, forward(c, x, c.withRank(1, fRank)));
      return x;
    },
    filter: (c) => {
      const f = c.withRank(1, fRank);
      checkCompatible(c, 2, forward(c, c.withRank(0, xRank), f));
      return f;
    },
  };
}

/** The shape of `x` as an int32 vector: a constant when static, else a Shape op. */
export function shapeOf(x: Tensor): Tensor | NDArray {
  if (x.shape.isFullyDefined) {
    return new NDArray("int32", [x.shape.rank!], Int32Array.from(x.shape.asArray()));
  }
  return makeOp1("Shape", [x], { out_type: "int32" });
}

/** The op's attrs without the named type attrs (for related ops that infer their own). */
export function attrsWithout(op: Operation, ...drop: string[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(op.attrs)) if (!drop.includes(k)) out[k] = v;
  return out;
}

export const zerosLike = (t: Tensor): Tensor => makeOp1("ZerosLike", [t]);
