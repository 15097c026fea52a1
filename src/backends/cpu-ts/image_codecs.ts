// Image codec kernels: DecodePng, EncodePng, DecodeJpeg, EncodeJpeg, DecodeAndCropJpeg and
// ExtractJpegShape. The codecs themselves are fast-png and jpeg-js; these kernels adapt channel
// counts as TF does and read/write encoded bytes as byte strings (see bytesOf in image_util.ts).
// As in TF, DecodePng and DecodeJpeg each accept the other's format (and single-frame GIFs).
//
// jpeg-js is not libjpeg: decoded pixels can differ from TF's by a few levels, and EncodeJpeg
// always writes a baseline 3-component (YCbCr) file (a grey image is stored as R = G = B;
// progressive, density and XMP attrs have no effect).
import { convertIndexedToRgb, decode as pngDecode, encode as pngEncode } from "fast-png";
import jpeg from "jpeg-js";
import { InvalidArgumentError, UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type NodeInfo } from "../kernel.js";
import { decodeGifBytes, isGif } from "./image_gifbmp.js";
import { byteString, bytesOf, checkSize } from "./image_util.js";
import { cpuBackend } from "./index.js";

/** An 8-bit image: height, width, channels and interleaved pixels. */
export interface Pixels {
  h: number;
  w: number;
  c: number;
  data: Uint8Array;
}

const isPng = (b: Uint8Array) =>
  b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** ITU-R 601 luma, as tf.image.rgb_to_grayscale weighs the channels. */
const luma = (r: number, g: number, b: number) => Math.round(0.299 * r + 0.587 * g + 0.114 * b);

/** Converts between 1 (grey), 2 (grey, alpha), 3 (RGB) and 4 (RGBA) channels; alpha 255 when added. */
export function convertChannels(p: Pixels, to: number): Pixels {
  if (to === 0 || to === p.c) return p;
  const n = p.h * p.w;
  checkSize(n * to, "image decode");
  const out = new Uint8Array(n * to);
  const s = p.data;
  for (let i = 0; i < n; i++) {
    const a = i * p.c;
    const color = p.c >= 3;
    const grey = color ? luma(s[a], s[a + 1], s[a + 2]) : s[a];
    const alpha = p.c === 2 ? s[a + 1] : p.c === 4 ? s[a + 3] : 255;
    const o = i * to;
    if (to === 1) out[o] = grey;
    else if (to === 2) {
      out[o] = grey;
      out[o + 1] = alpha;
    } else {
      out[o] = color ? s[a] : grey;
      out[o + 1] = color ? s[a + 1] : grey;
      out[o + 2] = color ? s[a + 2] : grey;
      if (to === 4) out[o + 3] = alpha;
    }
  }
  return { h: p.h, w: p.w, c: to, data: out };
}

/** PNG bytes to 8-bit pixels (16-bit samples keep their high byte; low depths scale to 0-255). */
function decodePngBytes(bytes: Uint8Array, op: string): Pixels {
  let png: ReturnType<typeof pngDecode>;
  try {
    png = pngDecode(bytes);
  } catch (e) {
    throw new InvalidArgumentError(`${op}: Invalid PNG data (${(e as Error).message})`);
  }
  const { width: w, height: h } = png;
  checkSize(w * h * 4, op);
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    return { h, w, c: png.palette[0].length, data: Uint8Array.from(rgb) };
  }
  const c = png.channels;
  const n = w * h * c;
  const data = new Uint8Array(n);
  if (png.depth === 16) {
    const src = png.data as Uint16Array;
    for (let i = 0; i < n; i++) data[i] = src[i] >> 8;
  } else if (png.depth === 8) data.set(png.data as Uint8Array);
  else {
    // Grey at 1, 2 or 4 bits: rows are packed, most significant bits first.
    const d = png.depth;
    const rowBytes = Math.ceil((w * d) / 8);
    const max = (1 << d) - 1;
    const src = png.data as Uint8Array;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const bit = x * d;
        const v = (src[y * rowBytes + (bit >> 3)] >> (8 - d - (bit & 7))) & max;
        data[y * w + x] = Math.round((v * 255) / max);
      }
  }
  return { h, w, c, data };
}

/** [height, width, components] from a JPEG's start-of-frame marker, without decoding it. */
export function jpegShape(b: Uint8Array, op: string): [number, number, number] {
  if (!isJpeg(b)) throw new InvalidArgumentError(`${op}: Invalid JPEG data, size ${b.length}`);
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) {
      i++;
      continue;
    }
    const m = b[i + 1];
    // Fill bytes, restart markers and TEM stand alone.
    if (m === 0xff || m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += m === 0xff ? 1 : 2;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof && i + 9 < b.length) {
      const h = (b[i + 5] << 8) | b[i + 6];
      const w = (b[i + 7] << 8) | b[i + 8];
      return [h, w, b[i + 9]];
    }
    if (m === 0xd9 || m === 0xda) break;
    i += 2 + len;
  }
  throw new InvalidArgumentError(`${op}: Invalid JPEG data: no frame header found`);
}

/** JPEG bytes to 8-bit pixels with the file's own channel count (1 or 3). */
function decodeJpegBytes(bytes: Uint8Array, op: string): Pixels {
  const [h, w, comps] = jpegShape(bytes, op);
  checkSize(h * w * 3, op);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (e) {
    throw new InvalidArgumentError(`${op}: Invalid JPEG data (${(e as Error).message})`);
  }
  const rgb: Pixels = { h: img.height, w: img.width, c: 3, data: img.data };
  if (comps !== 1) return rgb;
  // jpeg-js repeats a grey channel three times: keep one.
  const grey = new Uint8Array(h * w);
  for (let i = 0; i < grey.length; i++) grey[i] = img.data[i * 3];
  return { h: img.height, w: img.width, c: 1, data: grey };
}

/** Downscales by an integer ratio, averaging each ratio x ratio block (libjpeg's DCT scaling, approximately). */
function downscale(p: Pixels, ratio: number): Pixels {
  if (ratio === 1) return p;
  const h = Math.ceil(p.h / ratio);
  const w = Math.ceil(p.w / ratio);
  const out = new Uint8Array(h * w * p.c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < p.c; k++) {
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < ratio && y * ratio + dy < p.h; dy++)
          for (let dx = 0; dx < ratio && x * ratio + dx < p.w; dx++, n++)
            sum += p.data[((y * ratio + dy) * p.w + x * ratio + dx) * p.c + k];
        out[(y * w + x) * p.c + k] = Math.round(sum / n);
      }
  return { h, w, c: p.c, data: out };
}

function crop(p: Pixels, y: number, x: number, h: number, w: number, op: string): Pixels {
  if (y < 0 || x < 0 || h <= 0 || w <= 0 || y + h > p.h || x + w > p.w)
    throw new InvalidArgumentError(
      `${op}: crop window [${y}, ${x}, ${h}, ${w}] is not inside the ${p.h}x${p.w} image`,
    );
  const out = new Uint8Array(h * w * p.c);
  for (let r = 0; r < h; r++)
    out.set(p.data.subarray(((y + r) * p.w + x) * p.c, ((y + r) * p.w + x + w) * p.c), r * w * p.c);
  return { h, w, c: p.c, data: out };
}

const toArray = (p: Pixels) => new NDArray("uint8", [p.h, p.w, p.c], p.data);

function contentsOf(v: NDArray, op: string): Uint8Array {
  if (v.dtype !== "string" || v.size !== 1 || v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: contents must be a scalar string, got ${v.dtype} ${shapeString(v.shape)}`,
    );
  return bytesOf((v.data as string[])[0]);
}

function readChannels(node: NodeInfo, allowed: number[]): number {
  const c = Number(node.attrs.channels ?? 0);
  if (!allowed.includes(c))
    throw new InvalidArgumentError(
      `${node.type}: channels must be ${allowed.join(", ")}, got ${c}`,
    );
  return c;
}

/** Decodes PNG or JPEG bytes (whichever they are), then sets the channel count. */
function decodeAny(bytes: Uint8Array, channels: number, node: NodeInfo, ratio = 1): Pixels {
  if (isPng(bytes)) return convertChannels(decodePngBytes(bytes, node.type), channels);
  if (isJpeg(bytes))
    return convertChannels(downscale(decodeJpegBytes(bytes, node.type), ratio), channels);
  if (isGif(bytes)) {
    // As TF: a GIF decodes here only if it has a single frame.
    const g = decodeGifBytes(bytes, node.type);
    if (g.frames !== 1)
      throw new InvalidArgumentError(
        `${node.type}: Got ${g.frames} frames, but animated gifs can only be decoded by tf.image.decode_gif or tf.image.decode_image`,
      );
    return convertChannels({ h: g.h, w: g.w, c: 3, data: g.data }, channels);
  }
  throw new InvalidArgumentError(
    `${node.type}: Invalid ${node.type === "DecodePng" ? "PNG" : "JPEG"} data, size ${bytes.length}`,
  );
}

cpuBackend.register("DecodePng", (node) => {
  const channels = readChannels(node, [0, 1, 2, 3, 4]);
  if ((node.attrs.dtype ?? "uint8") !== "uint8")
    throw new UnimplementedError(
      `${node.type}: only dtype uint8 is supported, got ${node.attrs.dtype}`,
    );
  return (inputs) => [toArray(decodeAny(contentsOf(arr(inputs[0]), node.type), channels, node))];
});

function readRatio(node: NodeInfo): number {
  const ratio = Number(node.attrs.ratio ?? 1);
  if (![1, 2, 4, 8].includes(ratio))
    throw new InvalidArgumentError(`${node.type}: ratio must be 1, 2, 4 or 8, got ${ratio}`);
  return ratio;
}

cpuBackend.register("DecodeJpeg", (node) => {
  const channels = readChannels(node, [0, 1, 3]);
  const ratio = readRatio(node);
  return (inputs) => [
    toArray(decodeAny(contentsOf(arr(inputs[0]), node.type), channels, node, ratio)),
  ];
});

cpuBackend.register("DecodeAndCropJpeg", (node) => {
  const channels = readChannels(node, [0, 1, 3]);
  const ratio = readRatio(node);
  return (inputs) => {
    const win = arr(inputs[1]);
    if (win.rank !== 1 || win.size !== 4)
      throw new InvalidArgumentError(
        `${node.type}: crop_window must be a 1-D tensor of 4 elements, got shape ${shapeString(win.shape)}`,
      );
    const [y, x, h, w] = Array.from(win.data as Int32Array);
    const p = decodeAny(contentsOf(arr(inputs[0]), node.type), channels, node, ratio);
    return [toArray(crop(p, y, x, h, w, node.type))];
  };
});

cpuBackend.register("ExtractJpegShape", (node) => {
  const dtype = (node.attrs.output_type as "int32" | "int64" | undefined) ?? "int32";
  return (inputs) => {
    const s = jpegShape(contentsOf(arr(inputs[0]), node.type), node.type);
    return [NDArray.from(dtype === "int64" ? s.map(BigInt) : s, dtype)];
  };
});

function imageOf(x: NDArray, op: string, channels: number[]): Pixels {
  if (x.rank !== 3 || !channels.includes(x.shape[2]))
    throw new InvalidArgumentError(
      `${op}: image must be 3-dimensional [height, width, channels] with ${channels.join(", ")} channels, got shape ${shapeString(x.shape)}`,
    );
  if (x.dtype !== "uint8")
    throw new UnimplementedError(`${op}: only uint8 images are supported, got ${x.dtype}`);
  return { h: x.shape[0], w: x.shape[1], c: x.shape[2], data: x.data as Uint8Array };
}

const scalarString = (b: Uint8Array) => new NDArray("string", [], [byteString(b)]);

cpuBackend.register("EncodePng", (node) => {
  const level = Number(node.attrs.compression ?? -1);
  if (level < -1 || level > 9)
    throw new InvalidArgumentError(`${node.type}: compression should be in [-1,9], got ${level}`);
  return (inputs) => {
    const p = imageOf(arr(inputs[0]), node.type, [1, 2, 3, 4]);
    const zlib = level === -1 ? {} : { level: level as 0 };
    const bytes = pngEncode(
      { width: p.w, height: p.h, data: p.data, depth: 8, channels: p.c },
      { zlib },
    );
    return [scalarString(bytes)];
  };
});

function checkQuality(q: number, op: string): number {
  if (!(q >= 0 && q <= 100))
    throw new InvalidArgumentError(`${op}: quality must be in [0,100], got ${q}`);
  return q;
}

function encodeJpeg(p: Pixels, quality: number): NDArray {
  // jpeg-js takes RGBA.
  const rgba = convertChannels(p, 4);
  const out = jpeg.encode({ width: p.w, height: p.h, data: rgba.data }, quality);
  return scalarString(new Uint8Array(out.data));
}

cpuBackend.register("EncodeJpeg", (node) => {
  const quality = checkQuality(Number(node.attrs.quality ?? 95), node.type);
  const format = (node.attrs.format as string | undefined) ?? "";
  return (inputs) => {
    const want = format === "grayscale" ? [1] : format === "rgb" ? [3] : [1, 3];
    return [encodeJpeg(imageOf(arr(inputs[0]), node.type, want), quality)];
  };
});

cpuBackend.register("EncodeJpegVariableQuality", (node) => (inputs) => {
  const q = arr(inputs[1]);
  if (q.rank !== 0)
    throw new InvalidArgumentError(
      `${node.type}: quality must be a scalar, got ${shapeString(q.shape)}`,
    );
  const quality = checkQuality(Number(q.data[0]), node.type);
  return [encodeJpeg(imageOf(arr(inputs[0]), node.type, [1, 3]), quality)];
});
