// Image ops: resizing, crops, colour space and contrast, PNG/JPEG codecs, bounding boxes and
// non-max suppression: registrations (shape functions, gradients). The builders live in
// image_api.ts and image_composed.ts and are exported as tf.image (ns_image.ts).
import { registerOp } from "../framework/op_registry.js";
import type { ShapeContext } from "../framework/shape_inference.js";
import { type Dim, TensorShape } from "../framework/tensor_shape.js";
import {
  cropAndResizeGradient,
  resizeBicubicGradient,
  resizeBilinearGradient,
  resizeNearestGradient,
  scaleAndTranslateGradient,
} from "./image_grad.js";

// ---- Shape helpers ----

/** A 1-D int input of `n` elements, read as dims where constant (unknown dims as null). */
function sizeVector(c: ShapeContext, i: number, n: number, what: string): Dim[] {
  c.withRank(i, 1);
  const len = c.input(i).dim(0);
  if (len !== null && len !== n)
    c.fail(`${what} must be a 1-D tensor of ${n} elements, got ${len}`);
  const v = c.inputValue(i);
  if (!v) return Array<Dim>(n).fill(null);
  return Array.from(v.data as ArrayLike<number | bigint>, (d) => {
    const k = Number(d);
    if (k < 0) c.fail(`${what} must be non-negative, got ${k}`);
    return k;
  });
}

function scalarInput(c: ShapeContext, i: number, what: string): void {
  const s = c.input(i);
  if (s.rank !== null && s.rank !== 0) c.fail(`${what} must be a scalar, got shape ${s}`);
}

/** Images of rank >= min whose last dim, if known, is `channels`. */
function imagesWithChannels(
  c: ShapeContext,
  i: number,
  min: number,
  channels?: number,
): TensorShape {
  const s = c.withRankAtLeast(i, min);
  if (channels !== undefined && s.rank !== null) {
    const d = s.dim(s.rank - 1);
    if (d !== null && d !== channels)
      c.fail(`${c.op.type}: the last dimension of images must be ${channels}, got ${d}`);
  }
  return s;
}

function resizeShape(c: ShapeContext): TensorShape {
  const x = c.withRank(0, 4);
  const [h, w] = sizeVector(c, 1, 2, "size");
  if (c.op.attrs.align_corners && c.op.attrs.half_pixel_centers)
    c.fail("If half_pixel_centers is True, align_corners must be False.");
  return new TensorShape([x.dim(0), h, w, x.dim(3)]);
}

/** The gradient of a resize has the original image's shape. */
function resizeGradShape(c: ShapeContext): TensorShape {
  const dy = c.withRank(0, 4);
  const x = c.withRank(1, 4);
  return new TensorShape([
    c.mergeDim(dy.dim(0), x.dim(0)),
    x.dim(1),
    x.dim(2),
    c.mergeDim(dy.dim(3), x.dim(3)),
  ]);
}

/** boxes [num_boxes, 4] and box_ind [num_boxes]: the number of boxes. */
function boxesShape(c: ShapeContext, boxes: number, boxInd: number): Dim {
  const b = c.withRank(boxes, 2);
  if (b.dim(1) !== null && b.dim(1) !== 4) c.fail(`boxes must have 4 columns, got ${b.dim(1)}`);
  const ind = c.withRank(boxInd, 1);
  return c.mergeDim(b.dim(0), ind.dim(0), "The number of boxes and box_ind entries");
}

// ---- Resizing ----

registerOp("ResizeBilinear", { shape: resizeShape, gradient: resizeBilinearGradient });
registerOp("ResizeBicubic", { shape: resizeShape, gradient: resizeBicubicGradient });
registerOp("ResizeNearestNeighbor", { shape: resizeShape, gradient: resizeNearestGradient });
registerOp("ResizeArea", { shape: resizeShape });
registerOp("ResizeBilinearGrad", { shape: resizeGradShape });
registerOp("ResizeBicubicGrad", { shape: resizeGradShape });
registerOp("ResizeNearestNeighborGrad", {
  shape: (c) => {
    const dy = c.withRank(0, 4);
    const [h, w] = sizeVector(c, 1, 2, "size");
    return new TensorShape([dy.dim(0), h, w, dy.dim(3)]);
  },
});

// ---- Crops ----

registerOp("CropAndResize", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const n = boxesShape(c, 1, 2);
    const [h, w] = sizeVector(c, 3, 2, "crop_size");
    return new TensorShape([n, h, w, x.dim(3)]);
  },
  gradient: cropAndResizeGradient,
});

registerOp("CropAndResizeGradImage", {
  shape: (c) => {
    const dy = c.withRank(0, 4);
    c.mergeDim(dy.dim(0), boxesShape(c, 1, 2), "The number of grads and boxes");
    const [n, h, w, d] = sizeVector(c, 3, 4, "image_size");
    return new TensorShape([n, h, w, c.mergeDim(d, dy.dim(3), "Depth")]);
  },
});

registerOp("CropAndResizeGradBoxes", {
  shape: (c) => {
    const dy = c.withRank(0, 4);
    const x = c.withRank(1, 4);
    c.mergeDim(dy.dim(3), x.dim(3), "Depth of grads and image");
    const n = c.mergeDim(dy.dim(0), boxesShape(c, 2, 3), "The number of grads and boxes");
    return new TensorShape([n, 4]);
  },
});

// ---- Colour ----

const contrastShape = (c: ShapeContext): TensorShape => {
  for (let i = 1; i < c.numInputs; i++) scalarInput(c, i, c.op.def.inputs[i].name);
  return imagesWithChannels(c, 0, 3);
};
registerOp("AdjustContrastv2", { shape: contrastShape });
registerOp("AdjustContrast", { shape: contrastShape });
for (const type of ["AdjustHue", "AdjustSaturation"]) {
  registerOp(type, {
    shape: (c) => {
      scalarInput(c, 1, c.op.def.inputs[1].name);
      return imagesWithChannels(c, 0, 3, 3);
    },
  });
}
for (const type of ["RGBToHSV", "HSVToRGB"]) {
  registerOp(type, { shape: (c) => imagesWithChannels(c, 0, 1, 3) });
}

// ---- Bounding boxes ----

const drawShape = (c: ShapeContext): TensorShape => {
  const x = c.withRank(0, 4);
  const b = c.withRank(1, 3);
  c.mergeDim(x.dim(0), b.dim(0), "The batch of images and boxes");
  if (b.dim(2) !== null && b.dim(2) !== 4) c.fail(`boxes must have 4 coordinates, got ${b.dim(2)}`);
  const d = x.dim(3);
  if (d !== null && d !== 1 && d !== 3 && d !== 4)
    c.fail(`Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA), got ${d}`);
  if (c.numInputs > 2) c.withRank(2, 2);
  return x;
};
registerOp("DrawBoundingBoxes", { shape: drawShape });
registerOp("DrawBoundingBoxesV2", { shape: drawShape });

// ---- Non-max suppression ----

function nmsInputs(c: ShapeContext): void {
  const b = c.withRank(0, 2);
  if (b.dim(1) !== null && b.dim(1) !== 4) c.fail(`boxes must have 4 columns, got ${b.dim(1)}`);
  const s = c.withRank(1, 1);
  c.mergeDim(b.dim(0), s.dim(0), "The number of boxes and scores");
  for (let i = 2; i < c.numInputs; i++) scalarInput(c, i, c.op.def.inputs[i].name);
}

/** [max_output_size] when padded to a constant size, else [?]. */
function selectedShape(c: ShapeContext): TensorShape {
  if (!c.op.attrs.pad_to_max_output_size) return new TensorShape([null]);
  const v = c.inputValue(2);
  return new TensorShape([v ? Number(v.data[0]) : null]);
}

for (const type of ["NonMaxSuppression", "NonMaxSuppressionV2", "NonMaxSuppressionV3"]) {
  registerOp(type, {
    shape: (c) => {
      nmsInputs(c);
      return new TensorShape([null]);
    },
  });
}
registerOp("NonMaxSuppressionV4", {
  shape: (c) => {
    nmsInputs(c);
    return [selectedShape(c), TensorShape.scalar()];
  },
});
registerOp("NonMaxSuppressionV5", {
  shape: (c) => {
    nmsInputs(c);
    const s = selectedShape(c);
    return [s, s, TensorShape.scalar()];
  },
});
registerOp("NonMaxSuppressionWithOverlaps", {
  shape: (c) => {
    const o = c.withRank(0, 2);
    c.mergeDim(o.dim(0), o.dim(1), "overlaps must be square; its dimensions");
    const s = c.withRank(1, 1);
    c.mergeDim(o.dim(0), s.dim(0), "The number of overlaps rows and scores");
    for (let i = 2; i < 5; i++) scalarInput(c, i, c.op.def.inputs[i].name);
    return new TensorShape([null]);
  },
});

// ---- Codecs ----

/** Decoded images are [height, width, channels]; channels is known when the attr sets it. */
const decodedShape = (c: ShapeContext): TensorShape => {
  scalarInput(c, 0, "contents");
  const ch = Number(c.op.attrs.channels ?? 0);
  return new TensorShape([null, null, ch === 0 ? null : ch]);
};
registerOp("DecodePng", { shape: decodedShape });
registerOp("DecodeJpeg", { shape: decodedShape });
registerOp("DecodeAndCropJpeg", {
  shape: (c) => {
    const [, , h, w] = sizeVector(c, 1, 4, "crop_window");
    const s = decodedShape(c);
    return new TensorShape([h, w, s.dim(2)]);
  },
});
registerOp("ExtractJpegShape", {
  shape: (c) => {
    scalarInput(c, 0, "contents");
    return new TensorShape([3]);
  },
});
for (const type of ["EncodePng", "EncodeJpeg"]) {
  registerOp(type, {
    shape: (c) => {
      c.withRank(0, 3);
      return TensorShape.scalar();
    },
  });
}
registerOp("EncodeJpegVariableQuality", {
  shape: (c) => {
    c.withRank(0, 3);
    scalarInput(c, 1, "quality");
    return TensorShape.scalar();
  },
});

// ---- Combined NMS and random crops ----

registerOp("CombinedNonMaxSuppression", {
  shape: (c) => {
    const b = c.withRank(0, 4);
    const s = c.withRank(1, 3);
    const batch = c.mergeDim(b.dim(0), s.dim(0), "The batch of boxes and scores");
    c.mergeDim(b.dim(1), s.dim(1), "The number of boxes and scores");
    if (b.dim(3) !== null && b.dim(3) !== 4)
      c.fail(`boxes must have 4 coordinates, got ${b.dim(3)}`);
    for (let i = 2; i < 6; i++) scalarInput(c, i, c.op.def.inputs[i].name);
    const perClass = c.inputValue(2);
    const total = c.inputValue(3);
    let size: Dim = null;
    if (!c.op.attrs.pad_per_class) size = total ? Number(total.data[0]) : null;
    else if (perClass && total && s.dim(2) !== null)
      size = Math.min(Number(perClass.data[0]) * s.dim(2)!, Number(total.data[0]));
    return [
      new TensorShape([batch, size, 4]),
      new TensorShape([batch, size]),
      new TensorShape([batch, size]),
      new TensorShape([batch]),
    ];
  },
});

registerOp("RandomCrop", {
  shape: (c) => {
    const x = c.withRank(0, 3);
    const [h, w] = sizeVector(c, 1, 2, "size");
    return new TensorShape([h, w, x.dim(2)]);
  },
});

const sampleShape = (c: ShapeContext): TensorShape[] => {
  sizeVector(c, 0, 3, "image_size");
  const b = c.withRank(1, 3);
  if (b.dim(2) !== null && b.dim(2) !== 4)
    c.fail(`bounding_boxes must have 4 coordinates, got ${b.dim(2)}`);
  if (c.numInputs > 2) scalarInput(c, 2, "min_object_covered");
  return [new TensorShape([3]), new TensorShape([3]), new TensorShape([1, 1, 4])];
};
registerOp("SampleDistortedBoundingBox", { shape: sampleShape });
registerOp("SampleDistortedBoundingBoxV2", { shape: sampleShape });

// ---- ScaleAndTranslate ----

const pairInput = (c: ShapeContext, i: number) => {
  const s = c.withRank(i, 1);
  if (s.dim(0) !== null && s.dim(0) !== 2)
    c.fail(`${c.op.def.inputs[i].name} must have 2 elements, got ${s.dim(0)}`);
};
registerOp("ScaleAndTranslate", {
  shape: (c) => {
    const x = c.withRank(0, 4);
    const [h, w] = sizeVector(c, 1, 2, "size");
    pairInput(c, 2);
    pairInput(c, 3);
    return new TensorShape([x.dim(0), h, w, x.dim(3)]);
  },
  gradient: scaleAndTranslateGradient,
});
registerOp("ScaleAndTranslateGrad", {
  shape: (c) => {
    pairInput(c, 2);
    pairInput(c, 3);
    return resizeGradShape(c);
  },
});

registerOp("DecodeBmp", { shape: decodedShape });
registerOp("DecodeGif", {
  shape: (c) => {
    scalarInput(c, 0, "contents");
    return new TensorShape([null, null, null, 3]);
  },
});
