// GIF and BMP decoding (omggif, bmp-js): DecodeGif gives every frame, [frames, height, width, 3],
// each frame drawn over the previous one as TF 1.15 does; DecodeBmp gives [height, width,
// channels] with channels 3 (24-bit and palette files) or 4 (32-bit).
import bmp from "bmp-js";
import { GifReader } from "omggif";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { bytesOf, checkSize } from "./image_util.js";
import { cpuBackend } from "./index.js";

export const isGif = (b: Uint8Array) =>
  b.length >= 3 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46;
export const isBmp = (b: Uint8Array) => b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d;

/** All frames of a GIF as RGB: [frames, height, width, 3]. */
export function decodeGifBytes(
  bytes: Uint8Array,
  op: string,
): { frames: number; h: number; w: number; data: Uint8Array } {
  let reader: GifReader;
  try {
    reader = new GifReader(bytes);
  } catch (e) {
    throw new InvalidArgumentError(`${op}: Invalid GIF data (${(e as Error).message})`);
  }
  const { width: w, height: h } = reader;
  const frames = reader.numFrames();
  checkSize(frames * h * w * 4, op);
  const canvas = new Uint8Array(h * w * 4);
  const out = new Uint8Array(frames * h * w * 3);
  for (let f = 0; f < frames; f++) {
    // Blitting keeps the previous frame's pixels where this one is transparent or absent.
    try {
      reader.decodeAndBlitFrameRGBA(f, canvas);
    } catch (e) {
      throw new InvalidArgumentError(
        `${op}: Invalid GIF data in frame ${f} (${(e as Error).message})`,
      );
    }
    const base = f * h * w * 3;
    for (let i = 0; i < h * w; i++) {
      out[base + i * 3] = canvas[i * 4];
      out[base + i * 3 + 1] = canvas[i * 4 + 1];
      out[base + i * 3 + 2] = canvas[i * 4 + 2];
    }
  }
  return { frames, h, w, data: out };
}

cpuBackend.register("DecodeGif", (node) => (inputs) => {
  const v = arr(inputs[0]);
  if (v.dtype !== "string" || v.rank !== 0)
    throw new InvalidArgumentError(
      `${node.type}: contents must be a scalar string, got ${shapeString(v.shape)}`,
    );
  const bytes = bytesOf((v.data as string[])[0]);
  if (!isGif(bytes))
    throw new InvalidArgumentError(`${node.type}: Invalid GIF data, size ${bytes.length}`);
  const g = decodeGifBytes(bytes, node.type);
  return [new NDArray("uint8", [g.frames, g.h, g.w, 3], g.data)];
});

/** A BMP as [height, width, 3 or 4] (4 for 32-bit files). */
export function decodeBmpBytes(
  bytes: Uint8Array,
  op: string,
): { h: number; w: number; c: number; data: Uint8Array } {
  let im: ReturnType<typeof bmp.decode>;
  try {
    im = bmp.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new InvalidArgumentError(`${op}: Invalid BMP data (${(e as Error).message})`);
  }
  const { width: w, height: h } = im;
  const c = im.bitPP === 32 ? 4 : 3;
  checkSize(h * w * c, op);
  const out = new Uint8Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    out[i * c] = im.data[i * 4 + 3];
    out[i * c + 1] = im.data[i * 4 + 2];
    out[i * c + 2] = im.data[i * 4 + 1];
    if (c === 4) out[i * c + 3] = im.data[i * 4];
  }
  return { h, w, c, data: out };
}

cpuBackend.register("DecodeBmp", (node) => {
  const channels = Number(node.attrs.channels ?? 0);
  if (![0, 1, 3, 4].includes(channels))
    throw new InvalidArgumentError(`${node.type}: channels must be 0, 1, 3 or 4, got ${channels}`);
  return (inputs) => {
    const v = arr(inputs[0]);
    if (v.dtype !== "string" || v.rank !== 0)
      throw new InvalidArgumentError(
        `${node.type}: contents must be a scalar string, got ${shapeString(v.shape)}`,
      );
    const bytes = bytesOf((v.data as string[])[0]);
    if (!isBmp(bytes))
      throw new InvalidArgumentError(`${node.type}: Invalid BMP data, size ${bytes.length}`);
    const p = decodeBmpBytes(bytes, node.type);
    if (channels !== 0 && channels !== p.c)
      throw new InvalidArgumentError(
        `${node.type}: channels attribute ${channels} does not match bits per pixel from file (${p.c} channels)`,
      );
    return [new NDArray("uint8", [p.h, p.w, p.c], p.data)];
  };
});
