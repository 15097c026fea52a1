/**
 * Bytes in string tensors (an interim rule; see docs/DESIGN.md, "dtypes"). TensorFlow's strings
 * are bytes; tensorgraph's string tensors hold JS strings. A string whose chars are all <= 0xFF is
 * a byte string: one char per byte ("latin1", what Node's `readFileSync(path, "latin1")` gives).
 * Any other string is text and stands for its UTF-8 encoding. Bytes an op outputs (a serialized
 * proto, a BytesList value, an encoded image) come back as byte strings.
 */

import { Buffer } from "node:buffer";

const encoder = new TextEncoder();

/** The bytes a string-tensor element stands for (see the module comment). */
export function stringBytes(s: string): Uint8Array {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return encoder.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Bytes as a byte string: one char (code 0-255) per byte. */
export function bytesString(b: Uint8Array): string {
  // Node's latin1 decoder maps each byte to the char of the same code (TextDecoder's "latin1"
  // is windows-1252, which does not), and is ~50× faster than String.fromCharCode over chunks.
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}
