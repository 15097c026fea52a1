// Gradients of the image ops (TF 1.15's image_grad.py): the resizes and CropAndResize.
import type { Operation, Tensor } from "../framework/graph.js";
import { NDArray } from "../framework/ndarray.js";
import type { AttrValue } from "../framework/op_def.js";
import { makeOp1 } from "./op_builder.js";

const isFloat = (t: Tensor) => t.dtype === "float32" || t.dtype === "float64";

function resizeAttrs(op: Operation): Record<string, AttrValue> {
  return {
    align_corners: op.attrs.align_corners ?? false,
    half_pixel_centers: op.attrs.half_pixel_centers ?? false,
  };
}

/** [height, width] of a 4-D image tensor: a constant when static, else sliced from its Shape. */
export function spatialSize(images: Tensor): Tensor | NDArray {
  const h = images.shape.dim(1);
  const w = images.shape.dim(2);
  if (h !== null && w !== null) return new NDArray("int32", [2], Int32Array.from([h, w]));
  const s = makeOp1("Shape", [images], { out_type: "int32" });
  return makeOp1("Slice", [
    s,
    new NDArray("int32", [1], Int32Array.from([1])),
    new NDArray("int32", [1], Int32Array.from([2])),
  ]);
}

export function resizeBilinearGradient(op: Operation, [dy]: (Tensor | null)[]): (Tensor | null)[] {
  const x = op.inputs[0];
  if (!dy || !isFloat(x)) return [null, null];
  return [makeOp1("ResizeBilinearGrad", [dy, x], resizeAttrs(op)), null];
}

export function resizeBicubicGradient(op: Operation, [dy]: (Tensor | null)[]): (Tensor | null)[] {
  const x = op.inputs[0];
  if (!dy || !isFloat(x)) return [null, null];
  return [makeOp1("ResizeBicubicGrad", [dy, x], resizeAttrs(op)), null];
}

export function resizeNearestGradient(op: Operation, [dy]: (Tensor | null)[]): (Tensor | null)[] {
  if (!dy) return [null, null];
  return [
    makeOp1("ResizeNearestNeighborGrad", [dy, spatialSize(op.inputs[0])], resizeAttrs(op)),
    null,
  ];
}

/** CropAndResize: the image gradient (float images only) and the boxes gradient (bilinear). */
export function cropAndResizeGradient(op: Operation, [dy]: (Tensor | null)[]): (Tensor | null)[] {
  if (!dy) return [null, null, null, null];
  const [image, boxes, boxInd] = op.inputs;
  let dImage: Tensor | null = null;
  if (isFloat(image)) {
    const size = image.shape.isFullyDefined
      ? new NDArray("int32", [4], Int32Array.from(image.shape.asArray()))
      : makeOp1("Shape", [image], { out_type: "int32" });
    dImage = makeOp1("CropAndResizeGradImage", [dy, boxes, boxInd, size], {
      T: image.dtype,
      method: op.attrs.method ?? "bilinear",
    });
  }
  const dBoxes = makeOp1("CropAndResizeGradBoxes", [dy, image, boxes, boxInd]);
  return [dImage, dBoxes, null, null];
}

/** ScaleAndTranslate: the image gradient (the adjoint resampling); none for size, scale, translation. */
export function scaleAndTranslateGradient(
  op: Operation,
  [dy]: (Tensor | null)[],
): (Tensor | null)[] {
  const [x, , scale, translation] = op.inputs;
  if (!dy || x.dtype !== "float32") return [null, null, null, null];
  return [
    makeOp1("ScaleAndTranslateGrad", [dy, x, scale, translation], {
      kernel_type: op.attrs.kernel_type ?? "lanczos3",
      antialias: op.attrs.antialias ?? true,
    }),
    null,
    null,
    null,
  ];
}
