// StringFormat: a template with each placeholder replaced by one input tensor, printed as
// TensorFlow prints tensors (numpy-like brackets, at most `summarize` elements at each end of a
// dimension with "..." between).
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";
import { float32String } from "./string_convert.js";

function element(x: NDArray, i: number): string {
  const v = x.data[i];
  switch (x.dtype) {
    case "float32":
      return float32String(v as number);
    case "float64":
      return Number.isFinite(v as number) ? String(v) : float32String(v as number);
    case "bool":
      return v ? "True" : "False";
    case "string":
      return `"${v as string}"`;
    default:
      return String(v);
  }
}

/** TF's SummarizeValue with print_v2 layout. */
export function summarize(x: NDArray, limit: number): string {
  if (x.rank === 0) return element(x, 0);
  const strides = x.strides;
  const walk = (dim: number, offset: number, indent: string): string => {
    const n = x.shape[dim];
    const elide = limit >= 0 && n > 2 * limit;
    const idx = elide
      ? [
          ...Array.from({ length: limit }, (_, i) => i),
          -1,
          ...Array.from({ length: limit }, (_, i) => n - limit + i),
        ]
      : Array.from({ length: n }, (_, i) => i);
    if (dim === x.rank - 1) {
      return `[${idx.map((i) => (i < 0 ? "..." : element(x, offset + i))).join(" ")}]`;
    }
    const rows = idx.map((i) =>
      i < 0 ? "..." : walk(dim + 1, offset + i * strides[dim], `${indent} `),
    );
    return `[${rows.join(`\n${indent} `)}]`;
  };
  return walk(0, 0, "");
}

cpuBackend.register("StringFormat", (node) => {
  const template = node.attrs.template as string;
  const placeholder = node.attrs.placeholder as string;
  const limit = node.attrs.summarize as number;
  const pieces = template.split(placeholder);
  const n = node.inputDtypes.length;
  if (pieces.length - 1 !== n)
    throw new InvalidArgumentError(
      `StringFormat: num placeholders in template and num inputs must match: ${pieces.length - 1} vs. ${n}`,
    );
  return (inputs) => {
    let out = pieces[0];
    inputs.forEach((v, i) => {
      out += summarize(arr(v), limit) + pieces[i + 1];
    });
    return [new NDArray("string", [], [out])];
  };
});
