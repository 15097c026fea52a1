// Fingerprint with method "farmhash64": FarmHash's Fingerprint64 (farmhash.ts, shared with the
// string hash buckets) of each row's bytes, written little-endian into 8 uint8s, as TF's fingerprint op does.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { shapeString } from "./array_extra_util.js";
import { fingerprint64 as farmhash64 } from "./farmhash.js";
import { cpuBackend } from "./index.js";

/** Writes `h` little-endian into out[at..at+8). */
function put(h: bigint, out: Uint8Array, at: number): void {
  for (let k = 0; k < 8; k++) out[at + k] = Number((h >> BigInt(8 * k)) & 0xffn);
}

const utf8 = new TextEncoder();

/** The bytes of each of `rows` equal slices of `bytes`, fingerprinted into out ([rows, 8]). */
function fingerprintRows(bytes: Uint8Array, rows: number, out: Uint8Array): void {
  const per = rows === 0 ? 0 : bytes.length / rows;
  for (let r = 0; r < rows; r++)
    put(farmhash64(bytes.subarray(r * per, (r + 1) * per)), out, r * 8);
}

cpuBackend.register("Fingerprint", () => (inputs) => {
  const data = arr(inputs[0]);
  const method = arr(inputs[1]);
  if (method.rank !== 0) {
    throw new InvalidArgumentError(
      `Fingerprint: method should be a scalar string, got shape ${shapeString(method.shape)}`,
    );
  }
  if (method.data[0] !== "farmhash64") {
    throw new InvalidArgumentError(
      `Fingerprint: Unsupported fingerprint method: ${method.data[0]}`,
    );
  }
  if (data.rank < 1) {
    throw new InvalidArgumentError(
      `Fingerprint: data should have at least one dimension, got shape ${shapeString(data.shape)}`,
    );
  }
  const rows = data.shape[0];
  const out = new Uint8Array(rows * 8);
  if (data.dtype === "string") {
    // Each string is fingerprinted; rows of several strings fingerprint their fingerprints.
    const strs = data.data as string[];
    if (strs.length === rows) {
      strs.forEach((str, r) => {
        put(farmhash64(utf8.encode(str)), out, r * 8);
      });
    } else {
      const each = new Uint8Array(strs.length * 8);
      strs.forEach((str, i) => {
        put(farmhash64(utf8.encode(str)), each, i * 8);
      });
      fingerprintRows(each, rows, out);
    }
  } else {
    const d = data.data as Uint8Array;
    fingerprintRows(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), rows, out);
  }
  return [new NDArray("uint8", [rows, 8], out)];
});
