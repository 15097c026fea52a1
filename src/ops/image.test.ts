import bmp from "bmp-js";
import { GifWriter } from "omggif";
import { describe, expect, it } from "vitest";
import { checkGradient } from "../../test/gradcheck.js";
import { expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

/** A 1 x rows x cols x 1 image from a 2-D array. */
const img = (rows: number[][]): number[][][][] => [rows.map((r) => r.map((v) => [v]))];
const g = () => tf.getDefaultGraph();
const op = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown> = {}) =>
  g().createOp(type, inputs, attrs as never).outputs;
const c = (v: tf.ValueLike, dtype?: tf.DType) => tf.constant(v, { dtype });
const run1 = (build: () => tf.Tensor) => runGraph(build);
/** Resizes and crops output float32: their numeric checks run in float32 (they are linear in the image). */
const F32 = { dtype: "float32" as const, tol: 2e-2 };

const X22 = img([
  [0, 1],
  [2, 3],
]);
const X33 = img([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
]);

describe("ResizeBilinear", () => {
  it("uses the asymmetric mapping by default (src = dst * in/out)", async () => {
    // Rows sample y = 0, 0.5, 1, 1.5 (the last clamps to row 1); columns likewise.
    expectArray(
      await run1(() => tf.image.resizeBilinear(c(X22), [4, 4])),
      img([
        [0, 0.5, 1, 1],
        [1, 1.5, 2, 2],
        [2, 2.5, 3, 3],
        [2, 2.5, 3, 3],
      ]),
    );
  });
  it("maps corners to corners with alignCorners", async () => {
    expectArray(
      await run1(() => tf.image.resizeBilinear(c(X22), [3, 3], { alignCorners: true })),
      img([
        [0, 0.5, 1],
        [1, 1.5, 2],
        [2, 2.5, 3],
      ]),
    );
  });
  it("samples pixel centres with halfPixelCenters", async () => {
    // src = (dst + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 (clamped at both edges).
    expectArray(
      await run1(() => tf.image.resizeBilinear(c(X22), [4, 4], { halfPixelCenters: true })),
      img([
        [0, 0.25, 0.75, 1],
        [0.5, 0.75, 1.25, 1.5],
        [1.5, 1.75, 2.25, 2.5],
        [2, 2.25, 2.75, 3],
      ]),
    );
  });
  it("takes integer images, 3-D images, and gives float32", async () => {
    const r = await run1(() => tf.image.resizeBilinear(c([[[0], [4]]], "int32"), [1, 4]));
    expectArray(r, [[[0], [2], [4], [4]]], { dtype: "float32" });
  });
  it("infers shapes and rejects bad arguments", async () => {
    inferOk("ResizeBilinear", "[2,5,5,3];[2]", "[2,?,?,3]", {}, { dtypes: ["float32", "int32"] });
    inferOk(
      "ResizeBilinear",
      "[2,5,5,3];[2]",
      "[2,7,9,3]",
      {},
      {
        constInputs: { 1: new tf.NDArray("int32", [2], [7, 9]) },
        dtypes: ["float32", "int32"],
      },
    );
    inferErr("ResizeBilinear", "[5,5,3];[2]", /rank 4/, {}, { dtypes: ["float32", "int32"] });
    inferErr("ResizeBilinear", "[1,5,5,3];[3]", /2 elements/, {}, { dtypes: ["float32", "int32"] });
    expect(() =>
      g().asDefault(() =>
        tf.image.resizeBilinear(c(X22), [3, 3], { alignCorners: true, halfPixelCenters: true }),
      ),
    ).toThrow(/half_pixel_centers/);
    const size = () => tf.placeholder("int32", [2], "size");
    await expect(
      runGraph(() => tf.image.resizeBilinear(c(X22), size()), { feeds: { "size:0": [0, 3] } }),
    ).rejects.toThrow(tf.InvalidArgumentError);
  });
});

describe("ResizeNearestNeighbor", () => {
  const row = img([[0, 1, 2]]);
  it("floors (legacy), rounds (alignCorners) or uses (i + 0.5) * scale (half-pixel)", async () => {
    // 3 -> 2: scale 1.5. Legacy: floor(0, 1.5) = 0, 1; half-pixel: floor(0.75, 2.25) = 0, 2.
    expectArray(await run1(() => tf.image.resizeNearestNeighbor(c(row), [1, 2])), img([[0, 1]]));
    expectArray(
      await run1(() => tf.image.resizeNearestNeighbor(c(row), [1, 2], { halfPixelCenters: true })),
      img([[0, 2]]),
    );
    // 3 -> 2 with alignCorners: scale 2, round(0, 2) = 0, 2. 2 -> 3: round(0, 0.5, 1) = 0, 1, 1.
    expectArray(
      await run1(() => tf.image.resizeNearestNeighbor(c(row), [1, 2], { alignCorners: true })),
      img([[0, 2]]),
    );
    expectArray(
      await run1(() =>
        tf.image.resizeNearestNeighbor(c(img([[5, 7]])), [1, 3], { alignCorners: true }),
      ),
      img([[5, 7, 7]]),
    );
  });
  it("keeps the dtype", async () => {
    const r = await run1(() => tf.image.resizeNearestNeighbor(c(img([[1, 2]]), "int32"), [2, 4]));
    expectArray(
      r,
      img([
        [1, 1, 2, 2],
        [1, 1, 2, 2],
      ]),
      { dtype: "int32" },
    );
  });
  it("sums gradients back to the pixels they came from", async () => {
    const r = await run1(
      () => op("ResizeNearestNeighborGrad", [c(img([[1, 2, 3, 4]])), c([1, 2], "int32")])[0],
    );
    expectArray(r, img([[3, 7]]));
  });
});

describe("ResizeBicubic", () => {
  it("matches TensorFlow's legacy output (Keys a = -0.75, edges repeated)", async () => {
    // tf.image.resize_bicubic of [[0,1,2],[3,4,5],[6,7,8]] to 6 x 6 (TF 1.x output, as published
    // in the bicubic_interp-tensorflow README).
    const x = img([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expectArray(
      await run1(() => tf.image.resizeBicubic(c(x), [6, 6])),
      img([
        [0, 0.40625, 1, 1.59375, 2, 2.09375],
        [1.21875, 1.625, 2.21875, 2.8125, 3.21875, 3.3125],
        [3, 3.40625, 4, 4.59375, 5, 5.09375],
        [4.78125, 5.1875, 5.78125, 6.375, 6.78125, 6.875],
        [6, 6.40625, 7, 7.59375, 8, 8.09375],
        [6.28125, 6.6875, 7.28125, 7.875, 8.28125, 8.375],
      ]),
    );
  });
  it("uses a = -0.5 and drops outside taps with halfPixelCenters", async () => {
    // Worked by hand: src = -0.25, 0.25, 0.75, 1.25; e.g. at 0.25 the taps -1 and 2 fall outside
    // and the weights 0.8671875 (pixel 0) and 0.2265625 (pixel 1) are renormalised.
    const r = await run1(() =>
      tf.image.resizeBicubic(c(img([[0, 1]])), [1, 4], { halfPixelCenters: true }),
    );
    expectArray(r, img([[-0.0882353, 0.2071429, 0.7928571, 1.0882353]]), { tol: 1e-5 });
  });
  it("gradient is the adjoint of the forward map", async () => {
    for (const opts of [{}, { alignCorners: true }, { halfPixelCenters: true }])
      await checkGradient(
        (x) => tf.image.resizeBicubic(x, [5, 3], opts),
        [{ shape: [1, 3, 4, 2] }],
        F32,
      );
  });
});

describe("ResizeArea", () => {
  it("averages the covered pixels, weighting partial ones", async () => {
    // 3 -> 2 columns: [0, 1.5) covers pixel 0 and half of pixel 1; [1.5, 3) the rest.
    expectArray(await run1(() => tf.image.resizeArea(c(img([[0, 3, 6]])), [1, 2])), img([[1, 5]]));
    const x = img([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ]);
    expectArray(
      await run1(() => tf.image.resizeArea(c(x), [2, 2])),
      img([
        [3.5, 5.5],
        [11.5, 13.5],
      ]),
    );
  });
});

describe("resize gradients", () => {
  it("bilinear gradient spreads each value over its four taps", async () => {
    // Forward legacy 2 -> 4 columns samples 0, 0.5, 1, 1 (clamped): dy = 1 everywhere gives
    // pixel 0: 1 + 0.5 = 1.5, pixel 1: 0.5 + 1 + 1 = 2.5.
    const r = await run1(
      () => op("ResizeBilinearGrad", [c(img([[1, 1, 1, 1]])), c(img([[0, 0]]))])[0],
    );
    expectArray(r, img([[1.5, 2.5]]));
  });
  it("numeric checks in every mode", async () => {
    for (const opts of [{}, { alignCorners: true }, { halfPixelCenters: true }]) {
      await checkGradient(
        (x) => tf.image.resizeBilinear(x, [5, 3], opts),
        [{ shape: [2, 3, 4, 1] }],
        F32,
      );
      await checkGradient(
        (x) => tf.image.resizeNearestNeighbor(x, [5, 3], opts),
        [{ shape: [1, 3, 4, 2] }],
      );
    }
  });
  it("gradient shapes", () => {
    inferOk("ResizeBilinearGrad", "[1,5,5,3];[1,2,2,3]", "[1,2,2,3]");
    inferOk(
      "ResizeNearestNeighborGrad",
      "[1,5,5,3];[2]",
      "[1,?,?,3]",
      {},
      { dtypes: ["float32", "int32"] },
    );
  });
});

describe("CropAndResize", () => {
  const crop = (boxes: number[][], size: number[], opts: tf.image.CropAndResizeOptions = {}) =>
    run1(() =>
      tf.image.cropAndResize(c(X33), boxes, [0, ...boxes.slice(1).map(() => 0)], size, opts),
    );
  it("samples (y1 + i (y2 - y1) / (crop - 1)) * (height - 1)", async () => {
    expectArray(await crop([[0, 0, 1, 1]], [3, 3]), X33);
    expectArray(
      await crop([[0, 0, 0.5, 0.5]], [2, 2]),
      img([
        [1, 2],
        [4, 5],
      ]),
    );
    // Samples at 0.5 and 1.5: bilinear between pixels.
    expectArray(
      await crop([[0.25, 0.25, 0.75, 0.75]], [2, 2]),
      img([
        [3, 4],
        [6, 7],
      ]),
    );
    // A one-pixel crop samples the box centre.
    expectArray(await crop([[0, 0, 1, 1]], [1, 1]), img([[5]]));
  });
  it("fills samples outside the image with extrapolationValue; nearest rounds", async () => {
    expectArray(
      await crop([[-1, -1, 0, 0]], [2, 2], { extrapolationValue: 9 }),
      img([
        [9, 9],
        [9, 1],
      ]),
    );
    expectArray(
      await crop([[0.25, 0.25, 0.75, 0.75]], [2, 2], { method: "nearest" }),
      img([
        [5, 6],
        [8, 9],
      ]),
    );
  });
  it("rejects box indices outside the batch", async () => {
    await expect(
      run1(() => tf.image.cropAndResize(c(X33), [[0, 0, 1, 1]], [1], [2, 2])),
    ).rejects.toThrow(/box_index has values outside \[0, batch_size\)/);
    inferOk(
      "CropAndResize",
      "[1,4,4,3];[5,4];[5];[2]",
      "[5,?,?,3]",
      {},
      { dtypes: ["float32", "float32", "int32", "int32"] },
    );
    inferErr(
      "CropAndResize",
      "[1,4,4,3];[5,3];[5];[2]",
      /4 columns/,
      {},
      { dtypes: ["float32", "float32", "int32", "int32"] },
    );
  });
  it("gradients with respect to the image and the boxes", async () => {
    const boxes = { shape: [2, 4], values: [0.1, 0.2, 0.7, 0.9, 0.3, 0.05, 0.85, 0.6] };
    const build = (x: tf.Tensor, b: tf.Tensor) => tf.image.cropAndResize(x, b, [0, 1], [3, 2]);
    // CropAndResize's boxes and output are float32, so the check runs in float32.
    await checkGradient(build, [{ shape: [2, 4, 5, 2] }, boxes], {
      dtype: "float32",
      delta: 1e-3,
      tol: 3e-2,
    });
    const r = await run1(
      () =>
        op(
          "CropAndResizeGradImage",
          [c([[[[1]]]]), c([[0, 0, 1, 1]]), c([0], "int32"), c([1, 3, 3, 1], "int32")],
          { T: "float32" },
        )[0],
    );
    // A one-pixel crop of the whole image samples its centre.
    expectArray(
      r,
      img([
        [0, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
      ]),
    );
  });
});

describe("colour", () => {
  it("RGBToHSV and HSVToRGB (hue in [0, 1))", async () => {
    const rgb = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0.5, 0.5, 0.5],
      [0.2, 0.4, 0.6],
    ];
    // [0.2, 0.4, 0.6]: max 0.6 (blue), range 0.4: h = 4/6 + (0.2 - 0.4) / (6 * 0.4).
    const hsv = [
      [0, 1, 1],
      [1 / 3, 1, 1],
      [2 / 3, 1, 1],
      [0, 0, 0.5],
      [0.5833333, 2 / 3, 0.6],
    ];
    expectArray(await run1(() => tf.image.rgbToHsv(c(rgb))), hsv);
    expectArray(await run1(() => tf.image.hsvToRgb(c(hsv))), rgb);
    inferErr("RGBToHSV", "[2,4]", /must be 3/);
  });
  it("AdjustHue rotates, AdjustSaturation scales saturation", async () => {
    expectArray(await run1(() => tf.image.adjustHue(c([[[1, 0, 0]]]), 1 / 3)), [[[0, 1, 0]]]);
    expectArray(await run1(() => tf.image.adjustHue(c([[[1, 0, 0]]]), -1 / 3)), [[[0, 0, 1]]]);
    // s = 2/3 -> 1/3 at h = 7/12, v = 0.6: worked through TF's HSV -> RGB.
    expectArray(await run1(() => tf.image.adjustSaturation(c([[[0.2, 0.4, 0.6]]]), 0.5)), [
      [[0.4, 0.5, 0.6]],
    ]);
  });
  it("contrast: (x - mean) * factor + mean per channel, V1 clipped", async () => {
    const x = [[[1, 10]], [[3, 30]]]; // h 2, w 1, 2 channels: means 2 and 20
    expectArray(await run1(() => tf.image.adjustContrast(c(x), 2)), [[[0, 0]], [[4, 40]]]);
    const v1 = await run1(() => op("AdjustContrast", [c(x), c(3), c(0), c(35)])[0]);
    expectArray(v1, [[[0, 0]], [[5, 35]]]);
  });
  it("brightness, gamma, greyscale on float and uint8 images", async () => {
    expectArray(await run1(() => tf.image.adjustBrightness(c([[[0.25]]]), 0.5)), [[[0.75]]]);
    // uint8: 10 / 255 + 0.1 = 0.13922, back to uint8: floor(0.13922 * 255.5) = 35.
    expectArray(await run1(() => tf.image.adjustBrightness(c([[[10]]], "uint8"), 0.1)), [[[35]]], {
      dtype: "uint8",
    });
    expectArray(await run1(() => tf.image.adjustGamma(c([[[0.25]]]), 0.5, 2)), [[[1]]]);
    expectArray(
      await run1(() =>
        tf.image.rgbToGrayscale(
          c([
            [
              [1, 0, 0],
              [0, 0, 1],
            ],
          ]),
        ),
      ),
      [[[0.2989], [0.114]]],
    );
    expectArray(await run1(() => tf.image.grayscaleToRgb(c([[[2]]]))), [[[2, 2, 2]]]);
  });
  it("perImageStandardization", async () => {
    // mean 2.5, stddev sqrt(1.25).
    const s = Math.sqrt(1.25);
    expectArray(
      await run1(() =>
        tf.image.perImageStandardization(
          c([
            [[1], [2]],
            [[3], [4]],
          ]),
        ),
      ),
      [
        [[-1.5 / s], [-0.5 / s]],
        [[0.5 / s], [1.5 / s]],
      ],
    );
  });
  it("convertImageDtype scales as TF", async () => {
    expectArray(
      await run1(() => tf.image.convertImageDtype(c([0, 128, 255], "uint8"), "float32")),
      [0, 128 / 255, 1],
    );
    // float -> uint8: x * 255.5, truncated; saturate clips first.
    expectArray(await run1(() => tf.image.convertImageDtype(c([0.5, 1]), "uint8")), [127, 255], {
      dtype: "uint8",
    });
    expectArray(
      await run1(() => tf.image.convertImageDtype(c([1.5, -1]), "uint8", { saturate: true })),
      [255, 0],
    );
    expectArray(
      await run1(() => tf.image.convertImageDtype(c([2 ** 31 - 1, 2 ** 24], "int32"), "uint8")),
      [255, 2],
    );
    expectArray(await run1(() => tf.image.convertImageDtype(c([1], "uint8"), "int32")), [2 ** 23], {
      dtype: "int32",
    });
  });
});

describe("geometry", () => {
  const x = [
    [[1], [2]],
    [[3], [4]],
  ];
  it("flips, transposes and rotates", async () => {
    expectArray(await run1(() => tf.image.flipLeftRight(c(x))), [
      [[2], [1]],
      [[4], [3]],
    ]);
    expectArray(await run1(() => tf.image.flipUpDown(c(x))), [
      [[3], [4]],
      [[1], [2]],
    ]);
    expectArray(await run1(() => tf.image.transposeImage(c(x))), [
      [[1], [3]],
      [[2], [4]],
    ]);
    expectArray(await run1(() => tf.image.rot90(c(x))), [
      [[2], [4]],
      [[1], [3]],
    ]);
    expectArray(await run1(() => tf.image.rot90(c(x), 2)), [
      [[4], [3]],
      [[2], [1]],
    ]);
    expectArray(await run1(() => tf.image.rot90(c([x]), 3)), [
      [
        [[3], [1]],
        [[4], [2]],
      ],
    ]);
  });
  it("randomFlipLeftRight flips or not, per image", async () => {
    const batch = [x, x, x, x, x, x, x, x];
    const r = (
      await run1(() => tf.image.randomFlipLeftRight(c(batch), { seed: 7 }))
    ).toArray() as number[][][][];
    for (const im of r)
      expect([
        JSON.stringify(x),
        JSON.stringify([
          [[2], [1]],
          [[4], [3]],
        ]),
      ]).toContain(JSON.stringify(im));
    const one = (await run1(() => tf.image.randomFlipLeftRight(c(x), { seed: 3 }))).toArray();
    expect([
      JSON.stringify(x),
      JSON.stringify([
        [[2], [1]],
        [[4], [3]],
      ]),
    ]).toContain(JSON.stringify(one));
  });
  const x44 = img([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 10, 11, 12],
    [13, 14, 15, 16],
  ]);
  it("crops and pads", async () => {
    expectArray(
      await run1(() => tf.image.centralCrop(c(x44), 0.5)),
      img([
        [6, 7],
        [10, 11],
      ]),
    );
    expectArray(await run1(() => tf.image.cropToBoundingBox(c(x44), 1, 2, 2, 1)), img([[7], [11]]));
    expectArray(await run1(() => tf.image.padToBoundingBox(c(x), 1, 0, 3, 3)), [
      [[0], [0], [0]],
      [[1], [2], [0]],
      [[3], [4], [0]],
    ]);
    // 4 x 4 -> 2 x 6: rows 1-2 kept, one zero column each side.
    expectArray(
      await run1(() => tf.image.resizeWithCropOrPad(c(x44), 2, 6)),
      img([
        [0, 5, 6, 7, 8, 0],
        [0, 9, 10, 11, 12, 0],
      ]),
    );
    expect(() => g().asDefault(() => tf.image.cropToBoundingBox(c(x44), 3, 0, 2, 2))).toThrow(
      tf.ValueError,
    );
  });
  it("resizeImages picks the method", async () => {
    expectArray(
      await run1(() => tf.image.resizeImages(c(X22), [4, 4], { method: "nearest" })),
      img([
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [2, 2, 3, 3],
        [2, 2, 3, 3],
      ]),
    );
    expectArray(
      await run1(() => tf.image.resizeImages(c(X22), [3, 3], { method: 0, alignCorners: true })),
      img([
        [0, 0.5, 1],
        [1, 1.5, 2],
        [2, 2.5, 3],
      ]),
    );
  });
});

describe("metrics", () => {
  it("totalVariation, imageGradients, psnr", async () => {
    expectArray(
      await run1(() =>
        tf.image.totalVariation(
          c([
            [[1], [2]],
            [[3], [5]],
          ]),
        ),
      ),
      8,
    );
    // TF's docstring example: a 5 x 5 ramp 0..24 has dy = 5 and dx = 1, zero in the last row/column.
    const ramp = [
      Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => [i * 5 + j])),
    ];
    const [dy, dx] = await runGraph(() => tf.image.imageGradients(c(ramp)));
    expectArray(dy, [
      Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, () => [i < 4 ? 5 : 0])),
    ]);
    expectArray(dx, [
      Array.from({ length: 5 }, () => Array.from({ length: 5 }, (_, j) => [j < 4 ? 1 : 0])),
    ]);
    // MSE 0.01 with max 1: 20 dB.
    expectArray(await run1(() => tf.image.psnr(c([[[0], [0]]]), c([[[0.1], [0.1]]]), 1)), 20, {
      tol: 1e-4,
    });
  });
});

describe("codecs", () => {
  const rgb = new tf.NDArray(
    "uint8",
    [2, 3, 3],
    Uint8Array.from({ length: 18 }, (_, i) => i * 14),
  );
  it("PNG round trips and converts channels", async () => {
    const [bytes, same, rgba, grey] = await runGraph(() => {
      const png = tf.image.encodePng(c(rgb));
      return [
        png,
        tf.image.decodePng(png),
        tf.image.decodePng(png, { channels: 4 }),
        tf.image.decodePng(png, { channels: 1 }),
      ];
    });
    expect((bytes.data as string[])[0].slice(0, 4)).toBe("\x89PNG");
    expectArray(same, rgb.toArray(), { dtype: "uint8" });
    expect(Array.from((rgba.data as Uint8Array).slice(0, 8))).toEqual([
      0, 14, 28, 255, 42, 56, 70, 255,
    ]);
    // Grey = round(0.299 r + 0.587 g + 0.114 b): (42, 56, 70) -> 53.41 -> 53.
    expect(rgba.shape).toEqual([2, 3, 4]);
    expect((grey.data as Uint8Array)[1]).toBe(53);
    inferOk("DecodePng", "[]", "[?,?,3]", { channels: 3 }, { dtypes: ["string"] });
  });
  it("JPEG round trips within a few levels (jpeg-js is not libjpeg)", async () => {
    const flat = new tf.NDArray(
      "uint8",
      [8, 16, 3],
      Uint8Array.from({ length: 8 * 16 * 3 }, (_, i) => [200, 100, 50][i % 3]),
    );
    const [jpg, back, shape, cropped, half, grey] = await runGraph(() => {
      const j = tf.image.encodeJpeg(c(flat), { quality: 95 });
      return [
        j,
        tf.image.decodeJpeg(j),
        tf.image.extractJpegShape(j),
        tf.image.decodeAndCropJpeg(j, [2, 3, 4, 5]),
        tf.image.decodeJpeg(j, { ratio: 2 }),
        tf.image.decodeJpeg(j, { channels: 1 }),
      ];
    });
    expect((jpg.data as string[])[0].charCodeAt(0)).toBe(0xff);
    expect(back.shape).toEqual([8, 16, 3]);
    const d = back.data as Uint8Array;
    for (let i = 0; i < d.length; i++)
      expect(Math.abs(d[i] - [200, 100, 50][i % 3])).toBeLessThanOrEqual(3);
    expectArray(shape, [8, 16, 3], { dtype: "int32" });
    expect(cropped.shape).toEqual([4, 5, 3]);
    expect(half.shape).toEqual([4, 8, 3]);
    // Luma of (200, 100, 50) = 124.
    expect(grey.shape).toEqual([8, 16, 1]);
    expect(Math.abs((grey.data as Uint8Array)[0] - 124)).toBeLessThanOrEqual(3);
    await expect(
      run1(() => tf.image.decodeAndCropJpeg(tf.image.encodeJpeg(c(flat)), [6, 0, 4, 4])),
    ).rejects.toThrow(/crop window/);
    await expect(run1(() => tf.image.decodeJpeg(c("not an image", "string")))).rejects.toThrow(
      /Invalid JPEG data/,
    );
  });
  it("decodeImage sniffs the format; decoders accept each other's format", async () => {
    const [fromPng, fromJpeg, viaJpeg, asFloat] = await runGraph(() => {
      const png = tf.image.encodePng(c(rgb));
      return [
        tf.image.decodeImage(png),
        tf.image.decodeImage(tf.image.encodeJpeg(c(rgb), { quality: 100 })),
        tf.image.decodeJpeg(png),
        tf.image.decodeImage(png, { dtype: "float32" }),
      ];
    });
    expectArray(fromPng, rgb.toArray());
    expect(fromJpeg.shape).toEqual([2, 3, 3]);
    expectArray(viaJpeg, rgb.toArray());
    expectArray(
      asFloat,
      (rgb.toArray() as number[][][]).map((r) => r.map((p) => p.map((v) => v / 255))),
    );
  });
  it("accepts bytes (Uint8Array) as contents", async () => {
    const bytes = await run1(() => tf.image.encodePng(c(rgb)));
    const s = (bytes.data as string[])[0];
    const u8 = Uint8Array.from(s, (ch) => ch.charCodeAt(0));
    expectArray(await run1(() => tf.image.decodePng(u8)), rgb.toArray());
  });
});

describe("bounding boxes", () => {
  const zeros = (h: number, w: number, d: number) => [
    Array.from({ length: h }, () => Array.from({ length: w }, () => Array<number>(d).fill(0))),
  ];
  it("draws box outlines in TF's colours", async () => {
    const r = (
      await run1(() => tf.image.drawBoundingBoxes(c(zeros(4, 4, 3)), [[[0, 0, 1, 1]]]))
    ).toArray() as number[][][][];
    const Y = [1, 1, 0];
    const O = [0, 0, 0];
    expect(r[0]).toEqual([
      [Y, Y, Y, Y],
      [Y, O, O, Y],
      [Y, O, O, Y],
      [Y, Y, Y, Y],
    ]);
    // Rows and columns truncate: [0, 0, 0.5, 0.5] of a 4 x 4 image is rows/cols 0-1. Colour 2 is blue.
    const v2 = (
      await run1(() =>
        tf.image.drawBoundingBoxes(c(zeros(4, 4, 1)), [[[0, 0, 0.5, 0.5]]], {
          colors: [[0, 0, 1, 1]],
        }),
      )
    ).toArray() as number[][][][];
    // Grey images draw white.
    expect(v2[0].map((row) => row.map((p) => p[0]))).toEqual([
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    inferErr("DrawBoundingBoxes", "[1,4,4,2];[1,1,4]", /Channel depth/);
  });
});

describe("non-max suppression", () => {
  // TF's image_ops_test "three clusters".
  const boxes = [
    [0, 0, 1, 1],
    [0, 0.1, 1, 1.1],
    [0, -0.1, 1, 0.9],
    [0, 10, 1, 11],
    [0, 10.1, 1, 11.1],
    [0, 100, 1, 101],
  ];
  const scores = [0.9, 0.75, 0.6, 0.95, 0.5, 0.3];
  it("selects greedily by score (V1-V3)", async () => {
    expectArray(await run1(() => tf.image.nonMaxSuppression(boxes, scores, 3)), [3, 0, 5], {
      dtype: "int32",
    });
    expectArray(await run1(() => tf.image.nonMaxSuppression(boxes, scores, 2)), [3, 0]);
    expectArray(
      await run1(() => tf.image.nonMaxSuppression(boxes, scores, 6, { scoreThreshold: 0.4 })),
      [3, 0],
    );
    expectArray(
      await run1(
        () =>
          op("NonMaxSuppression", [c(boxes), c(scores), c(3, "int32")], { iou_threshold: 0.5 })[0],
      ),
      [3, 0, 5],
    );
    expectArray(
      await run1(() => op("NonMaxSuppressionV2", [c(boxes), c(scores), c(6, "int32"), c(0.5)])[0]),
      [3, 0, 5],
    );
    // Flipped corners describe the same boxes.
    const flipped = boxes.map(([a, b, cc, d]) => [cc, d, a, b]);
    expectArray(await run1(() => tf.image.nonMaxSuppression(flipped, scores, 3)), [3, 0, 5]);
  });
  it("pads to max_output_size (V4)", async () => {
    const [idx, valid] = await runGraph(() =>
      tf.image.nonMaxSuppressionPadded(boxes, scores, 5, { padToMaxOutputSize: true }),
    );
    expectArray(idx, [3, 0, 5, 0, 0]);
    expectArray(valid, 3);
    inferOk(
      "NonMaxSuppressionV4",
      "[6,4];[6];[];[];[]",
      "[5];[]",
      { pad_to_max_output_size: true },
      {
        dtypes: ["float32", "float32", "int32", "float32", "float32"],
        constInputs: { 2: new tf.NDArray("int32", [], [5]) },
      },
    );
  });
  it("Soft-NMS decays overlapping scores (V5)", async () => {
    // TF's image_ops_test "three clusters with soft NMS" (sigma 0.5, score threshold 0).
    const [idx, sc] = await runGraph(() =>
      tf.image.nonMaxSuppressionWithScores(boxes, scores, 6, {
        iouThreshold: 1,
        scoreThreshold: 0,
        softNmsSigma: 0.5,
      }),
    );
    expectArray(idx, [3, 0, 1, 5, 4, 2]);
    expectArray(sc, [0.95, 0.9, 0.384, 0.3, 0.256, 0.197], { tol: 2e-3 });
  });
  it("with a given overlap matrix, and argument errors", async () => {
    const overlaps = [
      [1, 0.4, 0.6],
      [0.4, 1, 0.2],
      [0.6, 0.2, 1],
    ];
    expectArray(
      await run1(() => tf.image.nonMaxSuppressionOverlaps(overlaps, [0.9, 0.8, 0.7], 3)),
      [0, 1],
    );
    await expect(
      run1(() => tf.image.nonMaxSuppression(boxes, scores, 3, { iouThreshold: 1.5 })),
    ).rejects.toThrow(/iou_threshold must be in \[0, 1\]/);
    inferErr(
      "NonMaxSuppressionV3",
      "[6,4];[5];[];[];[]",
      /scores/,
      {},
      {
        dtypes: ["float32", "float32", "int32", "float32", "float32"],
      },
    );
  });
});

describe("more ops", () => {
  it("CombinedNonMaxSuppression: per-class NMS, then the best overall", async () => {
    // One image, the three-clusters boxes shared by two classes (q = 1).
    const boxes = [[[[0, 0, 1, 1]], [[0, 0.1, 1, 1.1]], [[0, 10, 1, 11]], [[0, 100, 1, 101]]]];
    const scores = [
      [
        [0.9, 0.1],
        [0.8, 0.7],
        [0.6, 0.2],
        [0.3, 0.95],
      ],
    ];
    const [b, s, cls, valid] = await runGraph(() =>
      tf.image.combinedNonMaxSuppression(boxes, scores, 2, 4, { scoreThreshold: 0.15 }),
    );
    // Class 0 keeps boxes 0 (0.9) and 2 (0.6); class 1 keeps 3 (0.95) and 1 (0.7).
    expectArray(s, [[0.95, 0.9, 0.7, 0.6]]);
    expectArray(cls, [[1, 0, 1, 0]]);
    expectArray(valid, [4], { dtype: "int32" });
    // Boxes are clipped to [0, 1].
    expectArray(b, [
      [
        [0, 1, 1, 1],
        [0, 0, 1, 1],
        [0, 0.1, 1, 1],
        [0, 1, 1, 1],
      ],
    ]);
    inferOk(
      "CombinedNonMaxSuppression",
      "[2,5,1,4];[2,5,3];[];[];[];[]",
      "[2,?,4];[2,?];[2,?];[2]",
      {},
      {
        dtypes: ["float32", "float32", "int32", "int32", "float32", "float32"],
      },
    );
  });
  it("RandomCrop and randomCrop take a window of the image", async () => {
    const x = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 6 }, (_, j) => [i * 10 + j]),
    );
    const [a, b] = await runGraph(() => [
      op("RandomCrop", [c(x), c([2, 3], "int64")], { seed: 1, seed2: 2 })[0],
      tf.image.randomCrop(c(x), [2, 3, 1], { seed: 5 }),
    ]);
    for (const r of [a, b]) {
      expect(r.shape).toEqual([2, 3, 1]);
      const v = Array.from(r.data as Float32Array);
      // A window: consecutive columns, rows 10 apart.
      expect(v).toEqual([0, 1, 2, 10, 11, 12].map((d) => v[0] + d));
    }
  });
  it("SampleDistortedBoundingBoxV2 returns a crop that covers enough of the box", async () => {
    const [begin, size, bbox] = await runGraph(() =>
      tf.image.sampleDistortedBoundingBox(c([40, 60, 3], "int32"), [[[0.25, 0.25, 0.75, 0.75]]], {
        seed: 3,
        minObjectCovered: 0.5,
      }),
    );
    const [y, x] = Array.from(begin.data as Int32Array);
    const [h, w, d] = Array.from(size.data as Int32Array);
    expect(d).toBe(-1);
    expect(y + h).toBeLessThanOrEqual(40);
    expect(x + w).toBeLessThanOrEqual(60);
    // Covered fraction of the box [10, 15) - [30, 45).
    const cover =
      Math.max(0, Math.min(y + h, 30) - Math.max(y, 10)) *
      Math.max(0, Math.min(x + w, 45) - Math.max(x, 15));
    expect(cover / (20 * 30)).toBeGreaterThanOrEqual(0.5);
    expectArray(bbox, [[[y / 40, x / 60, (y + h) / 40, (x + w) / 60]]]);
    await expect(
      runGraph(() =>
        tf.image.sampleDistortedBoundingBox(
          c([4, 4, 1], "int32"),
          new tf.NDArray("float32", [1, 0, 4]),
        ),
      ),
    ).rejects.toThrow(/No bounding boxes/);
  });
  it("sobelEdges: dy and dx responses with reflected borders", async () => {
    const r = (await run1(() => tf.image.sobelEdges(c(X33)))).toArray() as number[][][][][];
    // Centre: dy = (7 + 16 + 9) - (1 + 4 + 3) = 24, dx = (3 - 1) + 2 (6 - 4) + (9 - 7) = 8.
    expect(r[0][1][1][0]).toEqual([24, 8]);
    // Corner: the reflected border mirrors row/column 1, so both responses cancel.
    expect(r[0][0][0][0]).toEqual([0, 0]);
  });
  it("EncodeJpegVariableQuality", async () => {
    const flat = new tf.NDArray("uint8", [8, 8, 1], new Uint8Array(64).fill(90));
    const r = await run1(() =>
      tf.image.decodeJpeg(tf.image.encodeJpegVariableQuality(c(flat), 80)),
    );
    expect(r.shape).toEqual([8, 8, 3]);
    expect(Math.abs((r.data as Uint8Array)[0] - 90)).toBeLessThanOrEqual(3);
  });
});

describe("ScaleAndTranslate", () => {
  const st = (
    x: number[][],
    size: number[],
    scale: number[],
    tr: number[],
    kernelType: tf.image.SamplingKernelType,
    antialias = true,
  ) =>
    run1(() => tf.image.scaleAndTranslate(c(img(x)), size, scale, tr, { kernelType, antialias }));
  it("samples (x + 0.5) / scale - translation / scale with normalised kernel weights", async () => {
    // Triangle upscaling by 2 is half-pixel bilinear: samples 0.25, 0.75, 1.25, 1.75.
    expectArray(await st([[0, 1]], [1, 4], [1, 2], [0, 0], "triangle"), img([[0, 0.25, 0.75, 1]]));
    // Box downscaling by 2 with antialiasing (kernel widened by 2) averages pixel pairs.
    expectArray(await st([[1, 2, 3, 4]], [1, 2], [1, 0.5], [0, 0], "box"), img([[1.5, 3.5]]));
    // Shifted right by one pixel: the first sample (-0.5) is outside the image and gives 0.
    expectArray(await st([[5, 6, 7]], [1, 3], [1, 1], [0, 1], "triangle"), img([[0, 5, 6]]));
    // Lanczos3 at integer-aligned samples (scale 1) is the identity.
    expectArray(await st([[1, 4, 2, 8]], [1, 4], [1, 1], [0, 0], "lanczos3"), img([[1, 4, 2, 8]]), {
      tol: 1e-4,
    });
  });
  it("rejects unknown kernels and non-positive scales; gradient", async () => {
    await expect(
      st([[1]], [1, 1], [1, 1], [0, 0], "nope" as tf.image.SamplingKernelType),
    ).rejects.toThrow(/Unrecognized kernel type/);
    await expect(st([[1]], [1, 1], [0, 1], [0, 0], "box")).rejects.toThrow(
      /Scale must be greater than zero/,
    );
    for (const kernelType of ["lanczos3", "keyscubic", "gaussian"] as const)
      await checkGradient(
        (x) => tf.image.scaleAndTranslate(x, [4, 5], [1.3, 0.7], [0.2, -0.4], { kernelType }),
        [{ shape: [1, 3, 6, 2] }],
        F32,
      );
  });
});

describe("GIF and BMP", () => {
  /** A 3 x 2 GIF: frame 0 all red, frame 1 repaints only pixel (0, 1) green. */
  function gif(): string {
    const buf = new Uint8Array(1024);
    const w = new GifWriter(buf, 3, 2, { palette: [0xff0000, 0x00ff00, 0x0000ff, 0x000000] });
    w.addFrame(0, 0, 3, 2, [0, 0, 0, 0, 0, 0]);
    w.addFrame(1, 0, 1, 1, [1]);
    return String.fromCharCode(...buf.subarray(0, w.end()));
  }
  const R = [255, 0, 0];
  const G = [0, 255, 0];
  it("DecodeGif draws each frame over the previous one", async () => {
    const r = await run1(() => tf.image.decodeGif(c(gif(), "string")));
    expectArray(
      r,
      [
        [
          [R, R, R],
          [R, R, R],
        ],
        [
          [R, G, R],
          [R, R, R],
        ],
      ],
      { dtype: "uint8" },
    );
    // An animated GIF is not a PNG.
    await expect(run1(() => tf.image.decodePng(c(gif(), "string")))).rejects.toThrow(/animated/);
  });
  it("DecodeBmp reads 24-bit files as RGB", async () => {
    // bmp-js takes A, B, G, R bytes.
    const abgr = Uint8Array.from([0, 3, 2, 1, 0, 30, 20, 10, 0, 0, 0, 255, 0, 255, 0, 0]);
    const file = bmp.encode({ width: 2, height: 2, data: abgr }).data;
    const s = String.fromCharCode(...file);
    expectArray(await run1(() => tf.image.decodeBmp(c(s, "string"))), [
      [
        [1, 2, 3],
        [10, 20, 30],
      ],
      [
        [255, 0, 0],
        [0, 0, 255],
      ],
    ]);
    await expect(run1(() => tf.image.decodeBmp(c(s, "string"), { channels: 4 }))).rejects.toThrow(
      /does not match/,
    );
  });
  it("decodeImage sniffs GIF and BMP too", async () => {
    const abgr = Uint8Array.from([0, 3, 2, 1]);
    const bmpFile = String.fromCharCode(...bmp.encode({ width: 1, height: 1, data: abgr }).data);
    const [frames, first, fromBmp] = await runGraph(() => [
      tf.image.decodeImage(c(gif(), "string")),
      tf.image.decodeImage(c(gif(), "string"), { expandAnimations: false }),
      tf.image.decodeImage(c(bmpFile, "string")),
    ]);
    expect(frames.shape).toEqual([2, 2, 3, 3]);
    expect(first.shape).toEqual([2, 3, 3]);
    expectArray(fromBmp, [[[1, 2, 3]]]);
  });
});

describe("ssim and gradient kernels by hand", () => {
  it("ssim is 1 for equal images and (2ab + c1) / (a^2 + b^2 + c1) for flat ones", async () => {
    const noisy = Array.from({ length: 12 }, (_, i) =>
      Array.from({ length: 13 }, (_, j) => [((i * 7 + j * 3) % 10) / 10]),
    );
    const flat = (v: number) =>
      Array.from({ length: 11 }, () => Array.from({ length: 11 }, () => [v]));
    const [same, flats] = await runGraph(() => [
      tf.image.ssim(c([noisy]), c([noisy]), 1),
      tf.image.ssim(c(flat(0.5)), c(flat(0.25)), 1),
    ]);
    // float32 statistics: variances are differences of close sums.
    expectArray(same, [1], { tol: 5e-4 });
    const c1 = 0.01 ** 2;
    // cs = (0 + c2) / (0 + c2) up to float32 rounding of the 121-term sums (relative to c2).
    expectArray(flats, (2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), { tol: 1e-3 });
  });
  it("CropAndResizeGradBoxes: the sample moves with the box corners", async () => {
    // Image value x + 2y; a one-pixel crop of the whole image samples the centre, which moves by
    // half of (size - 1) per corner coordinate: d/dy1 = d/dy2 = 2 * 0.5, d/dx1 = d/dx2 = 0.5.
    const r = await run1(
      () =>
        op("CropAndResizeGradBoxes", [
          c([[[[1]]]]),
          c(
            img([
              [0, 1],
              [2, 3],
            ]),
          ),
          c([[0, 0, 1, 1]]),
          c([0], "int32"),
        ])[0],
    );
    expectArray(r, [[1, 0.5, 1, 0.5]]);
  });
  it("ResizeBicubicGrad conserves the gradient's sum (legacy weights sum to 1)", async () => {
    const r = await run1(
      () => op("ResizeBicubicGrad", [c(img([[1, 2, 3, 4, 5]])), c(img([[0, 0, 0]]))])[0],
    );
    const sum = Array.from(r.data as Float32Array).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(15, 4);
  });
});

describe("shape functions", () => {
  const nd = (dtype: tf.DType, v: number[]) => new tf.NDArray(dtype, [v.length], v);
  it("resizes, crops and colour ops", () => {
    const fi = { dtypes: ["float32", "int32"] as tf.DType[] };
    inferOk("ResizeArea", "[?,4,4,3];[2]", "[?,?,?,3]", {}, fi);
    inferOk("ResizeBicubicGrad", "[2,8,8,3];[2,4,?,3]", "[2,4,?,3]");
    inferErr("ResizeBicubicGrad", "[2,8,8,3];[3,4,4,3]", /must be equal/);
    inferOk(
      "ScaleAndTranslate",
      "[1,4,4,2];[2];[2];[2]",
      "[1,6,5,2]",
      {},
      {
        dtypes: ["float32", "int32", "float32", "float32"],
        constInputs: { 1: nd("int32", [6, 5]) },
      },
    );
    const grad = { dtypes: ["float32", "float32", "int32", "int32"] as tf.DType[] };
    inferOk(
      "CropAndResizeGradImage",
      "[5,2,2,3];[5,4];[5];[4]",
      "[1,7,7,3]",
      { T: "float32" },
      {
        ...grad,
        constInputs: { 3: nd("int32", [1, 7, 7, 3]) },
      },
    );
    inferOk(
      "CropAndResizeGradBoxes",
      "[5,2,2,3];[1,7,7,3];[5,4];[5]",
      "[5,4]",
      {},
      {
        dtypes: ["float32", "float32", "float32", "int32"],
      },
    );
    inferErr("CropAndResize", "[1,4,4,3];[5,4];[4];[2]", /must be equal/, {}, grad);
    inferOk("AdjustContrastv2", "[2,4,4,3];[]", "[2,4,4,3]");
    inferErr("AdjustContrastv2", "[4,3];[]", /at least rank 3/);
    inferErr("AdjustHue", "[4,4,2];[]", /must be 3/);
    inferOk("DrawBoundingBoxesV2", "[2,4,4,3];[2,5,4];[3,4]", "[2,4,4,3]");
  });
  it("codecs", () => {
    const s = { dtypes: ["string"] as tf.DType[] };
    inferOk("EncodePng", "[4,4,3]", "[]", {}, { dtypes: ["uint8"] });
    inferErr("EncodeJpeg", "[1,4,4,3]", /rank 3/, {}, { dtypes: ["uint8"] });
    inferOk("EncodeJpegVariableQuality", "[4,4,3];[]", "[]", {}, { dtypes: ["uint8", "int32"] });
    inferOk("DecodeJpeg", "[]", "[?,?,?]", {}, s);
    inferErr("DecodeJpeg", "[2]", /scalar/, {}, s);
    inferOk(
      "DecodeAndCropJpeg",
      "[];[4]",
      "[5,6,1]",
      { channels: 1 },
      {
        dtypes: ["string", "int32"],
        constInputs: { 1: nd("int32", [0, 0, 5, 6]) },
      },
    );
    inferOk("ExtractJpegShape", "[]", "[3]", {}, s);
    inferOk("DecodeGif", "[]", "[?,?,?,3]", {}, s);
    inferOk("DecodeBmp", "[]", "[?,?,4]", { channels: 4 }, s);
  });
  it("boxes and random crops", () => {
    const nms = ["float32", "float32", "int32", "float32", "float32", "float32"] as tf.DType[];
    inferOk("NonMaxSuppressionV5", "[6,4];[6];[];[];[];[]", "[?];[?];[]", {}, { dtypes: nms });
    inferOk("NonMaxSuppressionWithOverlaps", "[3,3];[3];[];[];[]", "[?]", {}, { dtypes: nms });
    inferErr("NonMaxSuppressionWithOverlaps", "[3,2];[3];[];[];[]", /square/, {}, { dtypes: nms });
    inferErr("NonMaxSuppression", "[6,4];[6];[2]", /scalar/, {}, { dtypes: nms });
    inferOk(
      "RandomCrop",
      "[8,8,3];[2]",
      "[2,3,3]",
      {},
      {
        dtypes: ["float32", "int64"],
        constInputs: { 1: new tf.NDArray("int64", [2], [2n, 3n]) },
      },
    );
    inferOk(
      "SampleDistortedBoundingBoxV2",
      "[3];[1,2,4];[]",
      "[3];[3];[1,1,4]",
      {},
      {
        dtypes: ["int32", "float32", "float32"],
      },
    );
  });
});

describe("SampleDistortedBoundingBox (V1)", () => {
  it("falls back to the whole image when no crop fits", async () => {
    // area_range [1, 1] only allows the whole image; with no boxes the image itself is the box.
    const [begin, size, bbox] = await runGraph(() =>
      op(
        "SampleDistortedBoundingBox",
        [c([10, 12, 3], "int32"), c(new tf.NDArray("float32", [1, 0, 4]))],
        {
          seed: 1,
          seed2: 2,
          area_range: [1, 1],
          aspect_ratio_range: [0.5, 0.6],
          use_image_if_no_bounding_boxes: true,
        },
      ),
    );
    expectArray(begin, [0, 0, 0]);
    expectArray(size, [10, 12, -1]);
    expectArray(bbox, [[[0, 0, 1, 1]]]);
  });
});
