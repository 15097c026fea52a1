// StringNGrams: the n-grams of each row of a ragged string tensor (data + row splits), padded with
// left_pad/right_pad tokens, for each width in ngram_widths in turn.
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

cpuBackend.register("StringNGrams", (node) => {
  const sep = node.attrs.separator as string;
  const widths = node.attrs.ngram_widths as number[];
  const leftPad = node.attrs.left_pad as string;
  const rightPad = node.attrs.right_pad as string;
  const padAttr = node.attrs.pad_width as number;
  const preserveShort = node.attrs.preserve_short_sequences as boolean;
  const splitsDtype = node.inputDtypes[1];
  if (widths.some((w) => w < 1))
    throw new InvalidArgumentError(`StringNGrams: ngram_widths must be >= 1, got [${widths}]`);
  /** Padding on each side for a width: pad_width, capped at width - 1 (width - 1 when negative). */
  const padFor = (w: number) => (padAttr < 0 ? w - 1 : Math.min(padAttr, w - 1));
  const count = (len: number, w: number) => Math.max(0, len + 2 * padFor(w) - w + 1);

  /** `n` n-grams of `width` over tokens with `pad` pad tokens on each side. */
  function grams(tokens: string[], width: number, pad: number, n: number, out: string[]): void {
    for (let g = 0; g < n; g++) {
      const left = Math.max(0, pad - g);
      const right = Math.max(0, pad - (n - 1 - g));
      const take = width - left - right;
      const start = left > 0 ? 0 : g - pad;
      const parts = [
        ...new Array<string>(left).fill(leftPad),
        ...tokens.slice(start, start + take),
        ...new Array<string>(right).fill(rightPad),
      ];
      out.push(parts.join(sep));
    }
  }

  return (inputs) => {
    const data = arr(inputs[0]);
    const splits = Array.from(arr(inputs[1]).data as ArrayLike<number | bigint>, Number);
    if (data.rank !== 1)
      throw new InvalidArgumentError(`StringNGrams: data must be a vector, got rank ${data.rank}`);
    const tokens = data.data as string[];
    for (let i = 0; i < splits.length; i++) {
      const bad =
        (i === 0 && splits[0] !== 0) ||
        (i > 0 && splits[i] < splits[i - 1]) ||
        (i === splits.length - 1 && splits[i] !== tokens.length);
      if (bad)
        throw new InvalidArgumentError(
          `StringNGrams: invalid data_splits [${splits}]: must start at 0, not decrease and end at ${tokens.length}`,
        );
    }
    const out: string[] = [];
    const outSplits = [0];
    for (let r = 0; r + 1 < splits.length; r++) {
      const row = tokens.slice(splits[r], splits[r + 1]);
      const before = out.length;
      for (const w of widths) grams(row, w, padFor(w), count(row.length, w), out);
      if (preserveShort && row.length > 0 && out.length === before) {
        // Too short for every width: the whole row, padded once on each side, is one n-gram.
        const pad = Math.max(0, padAttr);
        grams(row, row.length + 2 * pad, pad, 1, out);
      }
      outSplits.push(out.length);
    }
    const s =
      splitsDtype === "int64"
        ? new NDArray(
            "int64",
            [outSplits.length],
            BigInt64Array.from(outSplits, (x) => BigInt(x)),
          )
        : new NDArray("int32", [outSplits.length], Int32Array.from(outSplits));
    return [new NDArray("string", [out.length], out), s];
  };
});
