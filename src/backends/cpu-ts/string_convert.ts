// Number <-> string conversions of the string ops: AsString's printf-style formatting (C's %d,
// %f, %e, %g with flags, width and precision), StringToNumber's strict parsing, and the
// element formatting of StringFormat.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";

export interface PrintfSpec {
  /** printf flags: any of "-+ 0#". */
  flags: string;
  width: number;
  precision: number;
  conv: "d" | "f" | "e" | "g" | "s";
}

/** C's %e body: mantissa with `p` decimals and an exponent of at least two digits. */
function expForm(x: number, p: number): string {
  const [m, e] = x.toExponential(p).split("e");
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

function stripZeros(s: string): string {
  const [m, e] = s.split("e");
  const t = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
  return e === undefined ? t : `${t}e${e}`;
}

/** One number formatted as C's printf would with `spec`. */
export function printf(x: number | bigint | string, spec: PrintfSpec): string {
  let body: string;
  let neg = false;
  if (typeof x === "string") body = x;
  else if (typeof x === "bigint" || spec.conv === "d") {
    const v = typeof x === "bigint" ? x : BigInt(Math.trunc(x));
    neg = v < 0n;
    body = (neg ? -v : v).toString();
  } else if (!Number.isFinite(x)) {
    neg = x < 0;
    body = Number.isNaN(x) ? "nan" : "inf";
  } else {
    neg = x < 0 || Object.is(x, -0);
    const a = Math.abs(x);
    const p = spec.precision < 0 ? 6 : spec.precision;
    if (spec.conv === "f") body = a.toFixed(p);
    else if (spec.conv === "e") body = expForm(a, p);
    else {
      // %g: %e's exponent decides between %f and %e; trailing zeros go unless '#'.
      const P = p === 0 ? 1 : p;
      const X = a === 0 ? 0 : Number(expForm(a, P - 1).split("e")[1]);
      body = P > X && X >= -4 ? a.toFixed(P - 1 - X) : expForm(a, P - 1);
      if (!spec.flags.includes("#")) body = stripZeros(body);
    }
    if (spec.flags.includes("#") && spec.conv !== "g" && !body.includes(".") && /^\d/.test(body))
      body = body.replace(/^(\d+)/, "$1.");
  }
  const sign = neg ? "-" : spec.flags.includes("+") ? "+" : spec.flags.includes(" ") ? " " : "";
  let s = sign + body;
  if (spec.width > s.length) {
    const pad = spec.width - s.length;
    if (spec.flags.includes("-")) s += " ".repeat(pad);
    else if (spec.flags.includes("0") && typeof x !== "string" && /^\d/.test(body))
      s = sign + "0".repeat(pad) + body;
    else s = " ".repeat(pad) + s;
  }
  return s;
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)$/i;
const INT_RE = /^[+-]?\d+$/;

/** StringToNumber's parse of one string (surrounding whitespace allowed, nothing else). */
export function parseNumber(s: string, dtype: DType): number | bigint {
  const t = s.trim();
  const fail = (): never => {
    throw new InvalidArgumentError(`StringToNumberOp could not correctly convert string: ${s}`);
  };
  if (dtype === "float32" || dtype === "float64") {
    if (!FLOAT_RE.test(t)) fail();
    const lower = t.toLowerCase().replace(/^\+/, "");
    if (lower.endsWith("nan")) return Number.NaN;
    if (/inf/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
    const v = Number(t);
    if (dtype === "float32" && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) fail();
    return v;
  }
  if (!INT_RE.test(t)) fail();
  const v = BigInt(t);
  const [lo, hi] =
    dtype === "int32" ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (v < lo || v > hi) fail();
  return dtype === "int32" ? Number(v) : v;
}

/** The shortest decimal that reads back as the same float32 (as TF prints floats). */
export function float32String(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}
