// String ops: splitting, joining, substrings, conversions, regexes, hashing, base64: TypeScript kernels.
// TF strings are bytes; here they are JS strings. Where bytes matter (BYTE units, hashes, base64)
// a string is taken as its UTF-8 encoding, and bytes that come back (a BYTE substring cut inside
// a character, decoded base64, a file read) are decoded as UTF-8 with invalid sequences replaced
// by U+FFFD.
import type { DType } from "../../framework/dtypes.js";
import { InvalidArgumentError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr, type KernelFactory } from "../kernel.js";
import { fingerprint64 } from "./farmhash.js";
import { cpuBackend } from "./index.js";
import { parseNumber, printf } from "./string_convert.js";
import { sipHash24, tfHash64 } from "./string_hash.js";
import { re2Rewrite, re2ToRegExp } from "./string_regex.js";
import "./string_format.js";
import "./string_files.js";
import "./string_ngrams.js";
import "./unicode_script.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);

const strs = (v: NDArray): string[] => v.data as string[];
const str = (s: string[]): string[] => s;

function scalarString(v: NDArray, op: string, what: string): string {
  if (v.dtype !== "string" || v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar string, got shape ${shapeString(v.shape)}`,
    );
  return strs(v)[0];
}

/** Registers an element-wise string -> string kernel (f built once per node from its attrs). */
function mapKernel(type: string, make: (attrs: Record<string, unknown>) => (s: string) => string) {
  cpuBackend.register(type, (node) => {
    const f = make(node.attrs);
    return (inputs) => {
      const x = arr(inputs[0]);
      return [new NDArray("string", x.shape, str(strs(x).map(f)))];
    };
  });
}

// ---- Case, whitespace, base64 ----

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
/** TF changes only ASCII letters unless encoding is "utf-8". */
mapKernel("StringLower", (a) => ((a.encoding as string) ? (s) => s.toLowerCase() : asciiLower));
mapKernel("StringUpper", (a) => ((a.encoding as string) ? (s) => s.toUpperCase() : asciiUpper));
/** C's isspace: space, \t, \n, \v, \f, \r. */
mapKernel("StringStrip", () => (s) => s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ""));

/** Web-safe base64 ('-' and '_' for '+' and '/'), '=' padding only with `pad`. */
mapKernel("EncodeBase64", (a) => {
  const pad = a.pad as boolean;
  return (s) => {
    const b = Buffer.from(utf8(s)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
    return pad ? b : b.replace(/=+$/, "");
  };
});
mapKernel("DecodeBase64", () => (s) => {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s) || s.replace(/=+$/, "").length % 4 === 1)
    throw new InvalidArgumentError(`DecodeBase64: invalid character found in base64 input: '${s}'`);
  const b = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return fromUtf8(new Uint8Array(b.buffer, b.byteOffset, b.length));
});

// ---- Lengths and substrings ----

const codePoints = (s: string): string[] => Array.from(s);

function checkUnit(op: string, unit: string): void {
  if (unit !== "BYTE" && unit !== "UTF8_CHAR")
    throw new InvalidArgumentError(`${op}: unit must be BYTE or UTF8_CHAR, got '${unit}'`);
}

cpuBackend.register("StringLength", (node) => {
  const unit = node.attrs.unit as string;
  checkUnit("StringLength", unit);
  const len = unit === "BYTE" ? (s: string) => utf8(s).length : (s: string) => codePoints(s).length;
  return (inputs) => {
    const x = arr(inputs[0]);
    return [new NDArray("int32", x.shape, Int32Array.from(strs(x), len))];
  };
});

/**
 * Substr(input, pos, len): pos and len are scalars or shaped like input. A negative pos counts
 * from the end; pos beyond either end is an error; len is clipped to the string's end.
 */
cpuBackend.register("Substr", (node) => {
  const unit = node.attrs.unit as string;
  checkUnit("Substr", unit);
  return (inputs) => {
    const [x, pos, len] = inputs.map(arr);
    for (const [v, what] of [
      [pos, "pos"],
      [len, "len"],
    ] as const) {
      if (v.rank !== 0 && shapeString(v.shape) !== shapeString(x.shape))
        throw new InvalidArgumentError(
          `Substr: ${what} of shape ${shapeString(v.shape)} must be a scalar or have the input's shape ${shapeString(x.shape)}`,
        );
    }
    const at = (v: NDArray, i: number) => Number(v.data[v.rank === 0 ? 0 : i]);
    const out = strs(x).map((s, i) => {
      const units: ArrayLike<number> | string[] = unit === "BYTE" ? utf8(s) : codePoints(s);
      const n = units.length;
      let p = at(pos, i);
      const l = at(len, i);
      if (p < 0) p += n;
      if (p < 0 || p > n)
        throw new InvalidArgumentError(
          `Substr: pos ${at(pos, i)} out of range for string "${s}" at index ${i}`,
        );
      if (l < 0) throw new InvalidArgumentError(`Substr: len ${l} must be non-negative`);
      const end = Math.min(n, p + l);
      return unit === "BYTE"
        ? fromUtf8((units as Uint8Array).subarray(p, end))
        : (units as string[]).slice(p, end).join("");
    });
    return [new NDArray("string", x.shape, out)];
  };
});

// ---- Joins ----

/** ReduceJoin: joins along each reduction axis in turn (the order given), with `separator`. */
cpuBackend.register("ReduceJoin", (node) => {
  const keepDims = node.attrs.keep_dims as boolean;
  const sep = node.attrs.separator as string;
  return (inputs) => {
    const x = arr(inputs[0]);
    const rank = x.rank;
    const axes = Array.from(arr(inputs[1]).data as Int32Array, (a) => {
      if (a < -rank || a >= rank)
        throw new InvalidArgumentError(
          `ReduceJoin: invalid reduction dimension ${a} for input of rank ${rank}`,
        );
      return a < 0 ? a + rank : a;
    });
    if (new Set(axes).size !== axes.length)
      throw new InvalidArgumentError(`ReduceJoin: duplicate reduction dimension in [${axes}]`);
    let shape = [...x.shape];
    let data = strs(x);
    for (const axis of axes) {
      const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const n = shape[axis];
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const next = new Array<string>(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < inner; k++) {
          const parts = new Array<string>(n);
          for (let j = 0; j < n; j++) parts[j] = data[(o * n + j) * inner + k];
          next[o * inner + k] = parts.join(sep);
        }
      }
      data = next;
      shape = [...shape];
      shape[axis] = 1;
    }
    const reduced = new Set(axes);
    const outShape = keepDims ? shape : shape.filter((_, i) => !reduced.has(i));
    return [new NDArray("string", outShape, data)];
  };
});

// ---- Splits (outputs are a SparseTensor's three parts) ----

function sparseOutput(rows: string[][]): NDArray[] {
  const n = rows.reduce((a, r) => a + r.length, 0);
  const indices = new BigInt64Array(2 * n);
  const values = new Array<string>(n);
  let k = 0;
  let width = 0;
  rows.forEach((r, i) => {
    width = Math.max(width, r.length);
    r.forEach((v, j) => {
      indices[2 * k] = BigInt(i);
      indices[2 * k + 1] = BigInt(j);
      values[k++] = v;
    });
  });
  return [
    new NDArray("int64", [n, 2], indices),
    new NDArray("string", [n], values),
    new NDArray("int64", [2], BigInt64Array.from([BigInt(rows.length), BigInt(width)])),
  ];
}

function vectorInput(op: string, x: NDArray): string[] {
  if (x.rank !== 1)
    throw new InvalidArgumentError(
      `${op}: input must be a vector, got shape ${shapeString(x.shape)}`,
    );
  return strs(x);
}

/** Python's str.split(sep, maxsplit): runs of whitespace when sep is empty. */
function pySplit(s: string, sep: string, maxsplit: number): string[] {
  const limit = maxsplit < 0 ? Number.POSITIVE_INFINITY : maxsplit;
  if (sep !== "") {
    const out: string[] = [];
    let from = 0;
    while (out.length < limit) {
      const at = s.indexOf(sep, from);
      if (at < 0) break;
      out.push(s.slice(from, at));
      from = at + sep.length;
    }
    out.push(s.slice(from));
    return out;
  }
  const out: string[] = [];
  const ws = /[ \t\n\v\f\r]/;
  let i = 0;
  while (i < s.length) {
    while (i < s.length && ws.test(s[i])) i++;
    if (i >= s.length) break;
    if (out.length === limit) {
      out.push(s.slice(i));
      break;
    }
    let j = i;
    while (j < s.length && !ws.test(s[j])) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

cpuBackend.register("StringSplitV2", (node) => {
  const maxsplit = node.attrs.maxsplit as number;
  return (inputs) => {
    const x = vectorInput("StringSplitV2", arr(inputs[0]));
    const sep = scalarString(arr(inputs[1]), "StringSplitV2", "sep");
    return sparseOutput(x.map((s) => pySplit(s, sep, maxsplit)));
  };
});

/** StringSplit (V1): every character of `delimiter` splits; an empty delimiter splits into characters. */
cpuBackend.register("StringSplit", (node) => {
  const skipEmpty = node.attrs.skip_empty as boolean;
  return (inputs) => {
    const x = vectorInput("StringSplit", arr(inputs[0]));
    const delim = new Set(codePoints(scalarString(arr(inputs[1]), "StringSplit", "delimiter")));
    const rows = x.map((s) => {
      if (delim.size === 0) return codePoints(s);
      const parts: string[] = [];
      let cur = "";
      for (const ch of codePoints(s)) {
        if (delim.has(ch)) {
          parts.push(cur);
          cur = "";
        } else cur += ch;
      }
      parts.push(cur);
      return skipEmpty ? parts.filter((p) => p !== "") : parts;
    });
    return sparseOutput(rows);
  };
});

// ---- Regexes ----

const REGEX_CACHE_LIMIT = 64;
function regexCache(op: string, global: boolean, anchored: boolean) {
  const cache = new Map<string, RegExp>();
  return (pattern: string): RegExp => {
    let re = cache.get(pattern);
    if (!re) {
      re = re2ToRegExp(op, pattern, global, anchored);
      if (cache.size > REGEX_CACHE_LIMIT) cache.clear();
      cache.set(pattern, re);
    }
    return re;
  };
}

cpuBackend.register("RegexReplace", (node) => {
  const global = node.attrs.replace_global as boolean;
  const compile = regexCache("RegexReplace", global, false);
  return (inputs) => {
    const [x, p, r] = inputs.map(arr);
    const re = compile(scalarString(p, "RegexReplace", "pattern"));
    const rw = re2Rewrite("RegexReplace", scalarString(r, "RegexReplace", "rewrite"));
    return [
      new NDArray(
        "string",
        x.shape,
        strs(x).map((s) => s.replace(re, rw)),
      ),
    ];
  };
});
cpuBackend.register("StaticRegexReplace", (node) => {
  const global = node.attrs.replace_global as boolean;
  const re = re2ToRegExp("StaticRegexReplace", node.attrs.pattern as string, global);
  const rw = re2Rewrite("StaticRegexReplace", node.attrs.rewrite as string);
  return (inputs) => {
    const x = arr(inputs[0]);
    return [
      new NDArray(
        "string",
        x.shape,
        strs(x).map((s) => s.replace(re, rw)),
      ),
    ];
  };
});
const fullMatch = (x: NDArray, re: RegExp) =>
  new NDArray(
    "bool",
    x.shape,
    Uint8Array.from(strs(x), (s) => (re.test(s) ? 1 : 0)),
  );
cpuBackend.register("RegexFullMatch", () => {
  const compile = regexCache("RegexFullMatch", false, true);
  return (inputs) => {
    const [x, p] = inputs.map(arr);
    return [fullMatch(x, compile(scalarString(p, "RegexFullMatch", "pattern")))];
  };
});
cpuBackend.register("StaticRegexFullMatch", (node) => {
  const re = re2ToRegExp("StaticRegexFullMatch", node.attrs.pattern as string, false, true);
  return (inputs) => [fullMatch(arr(inputs[0]), re)];
});

// ---- Hash buckets ----

function bucketKernel(
  type: string,
  hash: (b: Uint8Array, node: Record<string, unknown>) => bigint,
): void {
  cpuBackend.register(type, (node) => {
    const n = node.attrs.num_buckets as number;
    if (!(n >= 1)) throw new InvalidArgumentError(`${type}: num_buckets must be >= 1, got ${n}`);
    const buckets = BigInt(n);
    return (inputs) => {
      const x = arr(inputs[0]);
      const out = BigInt64Array.from(strs(x), (s) => hash(utf8(s), node.attrs) % buckets);
      return [new NDArray("int64", x.shape, out)];
    };
  });
}
bucketKernel("StringToHashBucketFast", (b) => fingerprint64(b));
bucketKernel("StringToHashBucket", (b) => tfHash64(b));
bucketKernel("StringToHashBucketStrong", (b, attrs) => {
  const key = attrs.key as number[];
  if (key.length !== 2)
    throw new InvalidArgumentError(
      `StringToHashBucketStrong: key must have 2 elements, got ${key.length}`,
    );
  return sipHash24(b, BigInt.asUintN(64, BigInt(key[0])), BigInt.asUintN(64, BigInt(key[1])));
});

// ---- Conversions ----

cpuBackend.register("StringToNumber", (node) => {
  const dtype = node.attrs.out_type as DType;
  return (inputs) => {
    const x = arr(inputs[0]);
    const vals = strs(x).map((s) => parseNumber(s, dtype));
    const data = dtype === "int64" ? BigInt64Array.from(vals as bigint[]) : (vals as number[]);
    return [new NDArray(dtype, x.shape, data)];
  };
});

const asString: KernelFactory = (node) => {
  const dtype = node.inputDtypes[0];
  const precision = node.attrs.precision as number;
  const scientific = node.attrs.scientific as boolean;
  const shortest = node.attrs.shortest as boolean;
  const width = node.attrs.width as number;
  const fill = node.attrs.fill as string;
  const float = dtype === "float32" || dtype === "float64";
  if (scientific && shortest)
    throw new InvalidArgumentError("AsString: cannot select both scientific and shortest notation");
  if (fill.length > 1)
    throw new InvalidArgumentError(`AsString: fill '${fill}' must be at most one character`);
  if (fill && !" +-0#".includes(fill))
    throw new InvalidArgumentError(`AsString: fill argument '${fill}' is not supported`);
  if (precision > -1 && !float)
    throw new InvalidArgumentError(`AsString: precision not supported for datatype ${dtype}`);
  if ((scientific || shortest) && !float)
    throw new InvalidArgumentError(
      `AsString: scientific and shortest format not supported for datatype ${dtype}`,
    );
  if (dtype === "string") throw new InvalidArgumentError("AsString: string input is not supported");
  const spec = {
    flags: fill,
    width,
    precision,
    conv: float ? (shortest ? "g" : scientific ? "e" : "f") : dtype === "bool" ? "s" : "d",
  } as const;
  return (inputs) => {
    const x = arr(inputs[0]);
    const out = new Array<string>(x.size);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i] as number | bigint;
      out[i] = printf(dtype === "bool" ? (v ? "true" : "false") : v, spec);
    }
    return [new NDArray("string", x.shape, out)];
  };
};
cpuBackend.register("AsString", asString);
