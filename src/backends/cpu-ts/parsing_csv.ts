// DecodeCSV and DecodeCompressed kernels, with TF 1.15's parsing rules and error messages.
import { constants as bufferConstants } from "node:buffer";
import { gunzipSync, inflateSync, constants as zlibConstants } from "node:zlib";
import { stringBytes } from "../../framework/bytes.js";
import type { DType } from "../../framework/dtypes.js";
import {
  DataLossError,
  InvalidArgumentError,
  ResourceExhaustedError,
} from "../../framework/errors.js";
import { checkAllocation, currentMemoryLimit } from "../../framework/memory_limit.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

// ---- CSV fields ----

interface CsvRules {
  delim: string;
  quotes: boolean;
  /** Column indices to keep, strictly increasing; null: all. */
  select: readonly number[] | null;
}

/**
 * Splits one record into its (selected) fields, as TF's DecodeCSV does: RFC 4180 quoting ("" is
 * a quote inside a quoted field), "\r" and "\n" skipped between fields, a trailing delimiter is
 * one more (empty) field, an empty record has no fields. Records are split on JS chars: for a
 * record holding text (chars above 0xFF, standing for UTF-8) that is the same as splitting its
 * bytes, since an ASCII delimiter or quote never occurs inside a multi-byte UTF-8 sequence.
 */
export function splitCsvRecord(input: string, rules: CsvRules, record: number): string[] {
  const { delim, quotes, select } = rules;
  const out: string[] = [];
  const n = input.length;
  let i = 0;
  let parsed = 0; // fields parsed so far (selected or not)
  let picked = 0; // index into select
  const bad = (why: string) => new InvalidArgumentError(`DecodeCSV: ${why} (record ${record})`);
  if (n === 0) return out;
  while (i < n) {
    const ch = input[i];
    if (ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    const include = select === null || select[picked] === parsed;
    let field = "";
    if (quotes && ch === '"') {
      i++;
      // Up to the quote that is followed by the delimiter (or ends the record).
      let start = i;
      while (i < n - 1 && (input[i] !== '"' || input[i + 1] !== delim)) {
        if (input[i] !== '"') {
          i++;
          continue;
        }
        if (input[i + 1] !== '"')
          throw bad("Quote inside a string has to be escaped by another quote");
        if (include) field += input.slice(start, i + 1);
        i += 2;
        start = i;
      }
      if (!(i < n && input[i] === '"' && (i === n - 1 || input[i + 1] === delim))) {
        throw bad("Quoted field has to end with quote followed by delim or end");
      }
      if (include) field += input.slice(start, i);
      i += 2;
    } else {
      const start = i;
      while (i < n && input[i] !== delim) {
        const c = input[i];
        if ((quotes && c === '"') || c === "\n" || c === "\r") {
          throw bad("Unquoted fields cannot have quotes/CRLFs inside");
        }
        i++;
      }
      if (include) field = input.slice(start, i);
      i++;
    }
    parsed++;
    if (include) {
      out.push(field);
      picked++;
      if (select !== null && picked === select.length) return out;
    }
  }
  // A record ending in the delimiter ends with an empty field.
  const include = select === null || select[picked] === parsed;
  if (include && input[n - 1] === delim) out.push("");
  return out;
}

// ---- Numbers, as TF's safe_strto32 / safe_strto64 / safe_strtof / safe_strtod read them ----

// safe_strto32/64 take an optional "-" (no "+"), then digits.
const INT_RE = /^[ \t\n\v\f\r]*(-?[0-9]+)[ \t\n\v\f\r]*$/;
const FLOAT_RE =
  /^[ \t\n\v\f\r]*([+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|inf|nan|0x[0-9a-f]+))[ \t\n\v\f\r]*$/i;

/** An integer in [min, max], or null when `s` is not one (leading/trailing spaces allowed). */
export function parseCsvInt(s: string, bits: 32 | 64): bigint | null {
  const m = INT_RE.exec(s);
  if (!m) return null;
  const v = BigInt(m[1]);
  const lim = 1n << BigInt(bits - 1);
  return v >= -lim && v < lim ? v : null;
}

/** A float ("inf" and "nan" in any case, hex integers, spaces around), or null. */
export function parseCsvFloat(s: string): number | null {
  const m = FLOAT_RE.exec(s);
  if (!m) return null;
  const t = m[1].toLowerCase();
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "");
  if (body === "inf") return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (body === "nan") return Number.NaN;
  if (body.startsWith("0x")) {
    const v = Number.parseInt(body.slice(2), 16);
    return neg ? -v : v;
  }
  return Number(t);
}

const CSV_TYPES: readonly DType[] = ["float32", "float64", "int32", "int64", "string"];

cpuBackend.register("DecodeCSV", (node) => {
  const types = (node.attrs.OUT_TYPE ?? []) as DType[];
  const delim = (node.attrs.field_delim ?? ",") as string;
  const quotes = (node.attrs.use_quote_delim ?? true) as boolean;
  const na = (node.attrs.na_value ?? "") as string;
  const selectCols = ((node.attrs.select_cols ?? []) as number[]).map(Number);
  if (selectCols.length > 0 && selectCols.length !== types.length) {
    throw new InvalidArgumentError("DecodeCSV: select_cols should match output size");
  }
  for (let i = 1; i < selectCols.length; i++) {
    if (selectCols[i - 1] >= selectCols[i]) {
      throw new InvalidArgumentError(
        "DecodeCSV: select_cols should be strictly increasing indices",
      );
    }
  }
  if (selectCols.length > 0 && selectCols[0] < 0) {
    throw new InvalidArgumentError("DecodeCSV: select_cols should be non-negative indices");
  }
  if (stringBytes(delim).length !== 1) {
    throw new InvalidArgumentError("DecodeCSV: field_delim should be only 1 char");
  }
  for (const [f, t] of types.entries()) {
    if (!CSV_TYPES.includes(t)) {
      throw new InvalidArgumentError(`DecodeCSV: csv: data type ${t} not supported in field ${f}`);
    }
  }
  const rules: CsvRules = { delim, quotes, select: selectCols.length > 0 ? selectCols : null };
  return (inputs) => {
    const records = arr(inputs[0]);
    const defaults = inputs.slice(1).map(arr);
    defaults.forEach((d, i) => {
      if (d.rank > 1) {
        throw new InvalidArgumentError("DecodeCSV: Each record default should be at most rank 1");
      }
      if (d.size > 1) {
        throw new InvalidArgumentError(
          `DecodeCSV: There should only be 1 default per field but field ${i} has ${d.size}`,
        );
      }
    });
    const n = records.size;
    for (const t of types) checkAllocation(t, n, records.shape);
    const outs = types.map((t) => new NDArray(t, records.shape));
    const recs = records.data as string[];
    for (let r = 0; r < n; r++) {
      const fields = splitCsvRecord(recs[r], rules, r);
      if (fields.length !== types.length) {
        throw new InvalidArgumentError(
          `DecodeCSV: Expect ${types.length} fields but have ${fields.length} in record ${r}`,
        );
      }
      for (let f = 0; f < types.length; f++) {
        const field = fields[f];
        const data = outs[f].data as (number | bigint | string)[];
        if (field === "" || field === na) {
          if (defaults[f].size !== 1) {
            throw new InvalidArgumentError(
              `DecodeCSV: Field ${f} is required but missing in record ${r}!`,
            );
          }
          data[r] = defaults[f].data[0];
          continue;
        }
        const t = types[f];
        if (t === "string") {
          (data as string[])[r] = field;
          continue;
        }
        const invalid = () =>
          new InvalidArgumentError(
            `DecodeCSV: Field ${f} in record ${r} is not a valid ${t === "float32" ? "float" : t === "float64" ? "double" : t}: ${field}`,
          );
        if (t === "int32" || t === "int64") {
          const v = parseCsvInt(field, t === "int32" ? 32 : 64);
          if (v === null) throw invalid();
          data[r] = t === "int32" ? Number(v) : v;
        } else {
          const v = parseCsvFloat(field);
          if (v === null) throw invalid();
          data[r] = v;
        }
      }
    }
    return outs;
  };
});

// ---- DecodeCompressed ----

cpuBackend.register("DecodeCompressed", (node) => {
  const type = (node.attrs.compression_type ?? "") as string;
  if (type !== "" && type !== "ZLIB" && type !== "GZIP") {
    throw new InvalidArgumentError(
      `DecodeCompressed: Only ZLIB, GZIP or NONE are supported compressions, got "${type}"`,
    );
  }
  return (inputs) => {
    const x = arr(inputs[0]);
    if (type === "") return [x];
    const src = x.data as string[];
    checkAllocation("string", src.length, x.shape);
    // An inflated string may not outgrow the run's memory limit or a JS string (a compressed
    // "bomb" stops there with ResourceExhaustedError instead of exhausting the process).
    const maxOutputLength = Math.min(currentMemoryLimit(), bufferConstants.MAX_STRING_LENGTH);
    const out = src.map((s, i) => {
      const bytes = stringBytes(s);
      let raw: Buffer;
      try {
        // TF reads each element until the stream ends or its input does: a truncated element
        // gives what it holds (a sync flush at the end does that here); corrupt data fails.
        const opts = { maxOutputLength, finishFlush: zlibConstants.Z_SYNC_FLUSH };
        raw = type === "GZIP" ? gunzipSync(bytes, opts) : inflateSync(bytes, opts);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) {
          throw new ResourceExhaustedError(
            `DecodeCompressed: element ${i} of shape ${shapeString(x.shape)} inflates to more than ${maxOutputLength} bytes`,
          );
        }
        throw new DataLossError(
          `DecodeCompressed: element ${i} is not valid ${type} data: ${(e as Error).message}`,
        );
      }
      return raw.toString("latin1"); // bytes out as a byte string (framework/bytes.ts)
    });
    return [new NDArray("string", x.shape, out)];
  };
});
