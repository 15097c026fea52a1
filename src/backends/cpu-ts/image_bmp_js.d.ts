// Types for the parts of bmp-js (which ships none) that the image kernels use.
declare module "bmp-js" {
  interface BmpImage {
    width: number;
    height: number;
    /** Bits per pixel of the file. */
    bitPP: number;
    /** Pixels as A, B, G, R bytes (A is 0 where the file has no alpha). */
    data: Uint8Array;
  }
  const bmp: {
    decode(buffer: Uint8Array): BmpImage;
    encode(image: { width: number; height: number; data: Uint8Array }): { data: Uint8Array };
  };
  export default bmp;
}
