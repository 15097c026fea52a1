// Print (TF1's tf.Print) and PrintV2 kernels, writing through a replaceable sink.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import type { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

/** Where printed text goes: `stream` is "stderr", "stdout" or a "log(...)" level. */
export type PrintSink = (text: string, stream: string) => void;

const defaultSink: PrintSink = (text, stream) => {
  const proc = (globalThis as { process?: { stdout: WritableLike; stderr: WritableLike } }).process;
  if (proc) (stream === "stdout" ? proc.stdout : proc.stderr).write(text);
  else if (stream === "stdout") console.log(text.replace(/\n$/, ""));
  else console.error(text.replace(/\n$/, ""));
};
interface WritableLike {
  write(text: string): unknown;
}

let sink: PrintSink = defaultSink;

/** Replaces the print sink (tests capture output this way); returns the previous one. */
export function setPrintSink(next: PrintSink | null): PrintSink {
  const prev = sink;
  sink = next ?? defaultSink;
  return prev;
}

/** C's %.<digits>g: the shortest of fixed and exponent notation, trailing zeros removed. */
function formatG(v: number, digits: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mant, expStr] = v.toExponential(digits - 1).split("e");
  const exp = Number(expStr);
  const trim = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (exp < -4 || exp >= digits) {
    const e = Math.abs(exp);
    return `${trim(mant)}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  return trim(v.toFixed(digits - 1 - exp));
}

/** One element as TF prints it: floats with 6 (float32) or 15 (float64) significant digits. */
function formatElement(v: unknown, dtype: DType): string {
  if (dtype === "float32") {
    const s = formatG(v as number, 6);
    return Math.fround(Number(s)) === v ? s : formatG(v as number, 9);
  }
  if (dtype === "float64") {
    const s = formatG(v as number, 15);
    return Number(s) === v ? s : formatG(v as number, 17);
  }
  if (dtype === "bool") return v ? "1" : "0";
  return String(v);
}

/** TF1's Tensor::SummarizeValue: the first `max` elements, space separated, "..." if cut. */
export function summarize(a: NDArray, max: number): string {
  const n = max < 0 ? a.size : Math.min(max, a.size);
  const d = a.data as ArrayLike<unknown>;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(formatElement(d[i], a.dtype));
  return parts.join(" ") + (n < a.size ? "..." : "");
}

cpuBackend.register("Print", (node, env) => {
  const message = node.attrs.message as string;
  const firstN = node.attrs.first_n as number;
  const summarizeN = node.attrs.summarize as number;
  // The count of prints lives with the session, as TF's kernel keeps it across runs.
  const key = `Print:${node.name}`;
  return (inputs) => {
    const count = (env.resources.get(key) as number | undefined) ?? 0;
    if (firstN < 0 || count < firstN) {
      env.resources.set(key, count + 1);
      const text = inputs
        .slice(1)
        .map((v) => `[${summarize(arr(v), summarizeN)}]`)
        .join("");
      sink(`${message}${text}\n`, "stderr");
    }
    return [arr(inputs[0])];
  };
});

const STREAMS = ["stderr", "stdout", "log(info)", "log(warning)", "log(error)"];

cpuBackend.register("PrintV2", (node) => {
  const stream = node.attrs.output_stream as string;
  const end = node.attrs.end as string;
  if (!STREAMS.includes(stream)) {
    throw new InvalidArgumentError(
      `PrintV2: ${stream} is not a valid output_stream; must be one of ${STREAMS.join(", ")}`,
    );
  }
  return (inputs) => {
    const s = arr(inputs[0]);
    if (s.rank !== 0) {
      throw new InvalidArgumentError(
        `PrintV2: input must be a scalar string, got shape [${s.shape}]`,
      );
    }
    sink(`${s.data[0] as string}${end}`, stream);
    return [];
  };
});
