/**
 * Grappler's fused ops, as TensorFlow's core/ops (nn_ops.cc, math_ops.cc) declares them outside
 * the public ops.pbtxt. Only the remapper creates them, in a plan's private graph:
 *   _FusedMatMul(a, b, args) — MatMul, then fused_ops ["BiasAdd"] or ["BiasAdd", act];
 *   _FusedConv2D(input, filter, args) — Conv2D, then ["BiasAdd"(, act)] or
 *     ["FusedBatchNorm"(, act)] (args: scale, offset, mean, variance; `epsilon`),
 * where act is Relu, Relu6 or Elu.
 */
import type { ArgDef, AttrDef, OpDef } from "../framework/op_def.js";
import { getRegisteredOp, registerInternalOp } from "../framework/op_registry.js";

const FLOATS = ["float32", "float64"];

const arg = (name: string, typeAttr: string, numberAttr?: string): ArgDef => ({
  name,
  typeAttr,
  numberAttr,
  isRef: false,
});
const attr = (
  name: string,
  type: string,
  defaultRaw?: unknown,
  allowed?: unknown[],
  minimum?: number,
): AttrDef => ({ name, type, hasDefault: defaultRaw !== undefined, defaultRaw, allowed, minimum });

function opDef(name: string, inputs: ArgDef[], output: ArgDef, attrs: AttrDef[]): OpDef {
  return {
    name,
    inputs,
    outputs: [output],
    attrs,
    attrMap: new Map(attrs.map((a) => [a.name, a])),
    isStateful: false,
  };
}

const fusedAttrs = [
  attr("num_args", "int", undefined, undefined, 0),
  attr("fused_ops", "list(string)", []),
  attr("epsilon", "float", 0.0001),
];

registerInternalOp(
  opDef(
    "_FusedMatMul",
    [arg("a", "T"), arg("b", "T"), arg("args", "T", "num_args")],
    arg("product", "T"),
    [
      attr("transpose_a", "bool", false),
      attr("transpose_b", "bool", false),
      attr("T", "type", undefined, FLOATS),
      ...fusedAttrs,
    ],
  ),
  // The fused epilogue keeps MatMul's shape (MatMul is registered wherever a graph has one).
  { shape: (c) => getRegisteredOp("MatMul")!.shape!(c) },
);

registerInternalOp(
  opDef(
    "_FusedConv2D",
    [arg("input", "T"), arg("filter", "T"), arg("args", "T", "num_args")],
    arg("output", "T"),
    [
      attr("T", "type", undefined, FLOATS),
      ...fusedAttrs,
      attr("strides", "list(int)"),
      attr("padding", "string", undefined, ["SAME", "VALID", "EXPLICIT"]),
      attr("explicit_paddings", "list(int)", []),
      attr("data_format", "string", "NHWC", ["NHWC", "NCHW"]),
      attr("dilations", "list(int)", [1, 1, 1, 1]),
      attr("use_cudnn_on_gpu", "bool", true),
    ],
  ),
  { shape: (c) => getRegisteredOp("Conv2D")!.shape!(c) },
);

/** The activations a fused op may end with. */
export const FUSED_ACTIVATIONS: ReadonlySet<string> = new Set(["Relu", "Relu6", "Elu"]);
