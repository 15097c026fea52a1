// String ops: splitting, joining, substrings, conversions, regexes, hashing, base64: builders, registrations (shape fn, gradient).
// None of them is differentiable. Builders follow TF1's names (tf.string_split, tf.substr...);
// tf.strings holds TF2's names (src/ops/ns_strings.ts).
import type { DType } from "../framework/dtypes.js";
import { ValueError } from "../framework/errors.js";
import { type Operation, Tensor } from "../framework/graph.js";
import { registerOp, type ShapeFn } from "../framework/op_registry.js";
import { TensorShape } from "../framework/tensor_shape.js";
import "./compat_ops.js"; // StringJoin's registration
import { constant } from "./basic.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";
import { SparseTensor } from "./sparse_tensor.js";

const sameAsInput: ShapeFn = (c) => c.input(0);
for (const t of [
  "StringLength",
  "StringLower",
  "StringUpper",
  "StringStrip",
  "EncodeBase64",
  "DecodeBase64",
  "StringToHashBucket",
  "StringToHashBucketFast",
  "StringToHashBucketStrong",
  "StringToNumber",
  "AsString",
  "StaticRegexReplace",
  "StaticRegexFullMatch",
  "UnicodeScript",
]) {
  registerOp(t, { shape: sameAsInput });
}
const regexShape: ShapeFn = (c) => {
  for (let i = 1; i < c.numInputs; i++) c.withRank(i, 0);
  return c.input(0);
};
registerOp("RegexReplace", { shape: regexShape });
registerOp("RegexFullMatch", { shape: regexShape });
registerOp("Substr", {
  shape: (c) => {
    let s = c.broadcast(0, 1);
    const l = c.input(2);
    if (!s.isCompatibleWith(l) && l.rank !== 0 && s.rank !== 0)
      c.fail(`Substr: pos and len shapes must match: ${c.input(1)} vs. ${l}`);
    if (s.rank === 0) s = l.rank === null ? s : l;
    return s;
  },
});
const splitShape: ShapeFn = (c) => {
  c.withRank(0, 1);
  c.withRank(1, 0);
  return [[null, 2], [null], [2]];
};
registerOp("StringSplit", { shape: splitShape });
registerOp("StringSplitV2", { shape: splitShape });
registerOp("ReduceJoin", {
  shape: (c) => {
    const x = c.input(0);
    const axes = c.inputValue(1);
    if (x.rank === null || axes === null) return TensorShape.unknown();
    const rank = x.rank;
    const reduced = new Set(
      Array.from(axes.data as Int32Array, (a) => {
        if (a < -rank || a >= rank)
          c.fail(`Invalid reduction dimension ${a} for input with ${rank} dimensions`);
        return a < 0 ? a + rank : a;
      }),
    );
    if (c.attr<boolean>("keep_dims")) return x.dims!.map((d, i) => (reduced.has(i) ? 1 : d));
    return x.dims!.filter((_, i) => !reduced.has(i));
  },
});
registerOp("StringFormat", { shape: () => [] });
registerOp("StringNGrams", {
  shape: (c) => {
    c.withRank(0, 1);
    return [[null], c.withRank(1, 1)];
  },
});
registerOp("ReadFile", {
  shape: (c) => {
    c.withRank(0, 0);
    return [];
  },
});
registerOp("WriteFile", {
  shape: (c) => {
    c.withRank(0, 0);
    c.withRank(1, 0);
    return [];
  },
});
registerOp("MatchingFiles", {
  shape: (c) => {
    const r = c.input(0).rank;
    if (r !== null && r > 1) c.fail(`Shape must be at most rank 1 but is rank ${r}`);
    return [null];
  },
});

type Named = { name?: string };

// ---- Splitting and joining ----

/** TF1's tf.string_split: each character of `delimiter` splits (StringSplit); a SparseTensor. */
export function stringSplit(
  source: TensorLike,
  delimiter: TensorLike = " ",
  options: { skipEmpty?: boolean } & Named = {},
): SparseTensor {
  const op = makeOp(
    "StringSplit",
    [source, delimiter],
    { skip_empty: options.skipEmpty ?? true },
    options.name,
  );
  return new SparseTensor(op.outputs[0], op.outputs[1], op.outputs[2]);
}
/**
 * tf.strings.split (StringSplitV2): splits on `sep` (whitespace runs when sep is ""), at most
 * `maxsplit` times. TF2 returns a RaggedTensor; this returns the SparseTensor of TF1's
 * tf.strings.split(result_type="SparseTensor").
 */
export function stringSplitV2(
  input: TensorLike,
  sep: TensorLike = "",
  options: { maxsplit?: number } & Named = {},
): SparseTensor {
  const op = makeOp(
    "StringSplitV2",
    [input, sep],
    { maxsplit: options.maxsplit ?? -1 },
    options.name,
  );
  return new SparseTensor(op.outputs[0], op.outputs[1], op.outputs[2]);
}
/** Element-wise concatenation with `separator` (scalars broadcast). */
export function stringJoin(
  inputs: readonly TensorLike[],
  options: { separator?: string } & Named = {},
): Tensor {
  return makeOp1(
    "StringJoin",
    [inputs],
    { separator: options.separator ?? "" },
    options.name ?? "StringJoin",
  );
}
/** Joins along `axis` (all axes when omitted, in the order given), with `separator`. */
export function reduceJoin(
  inputs: TensorLike,
  axis?: number | readonly number[] | Tensor,
  options: { keepDims?: boolean; separator?: string } & Named = {},
): Tensor {
  let axes: readonly number[];
  if (axis === undefined) {
    const t = makeOp1("Identity", [inputs]);
    if (t.shape.rank === null)
      throw new ValueError("reduceJoin: axis is needed for an input of unknown rank");
    axes = Array.from({ length: t.shape.rank }, (_, i) => t.shape.rank! - 1 - i);
    inputs = t;
  } else if (axis instanceof Tensor) {
    return makeOp1(
      "ReduceJoin",
      [inputs, axis],
      { keep_dims: options.keepDims ?? false, separator: options.separator ?? "" },
      options.name,
    );
  } else axes = typeof axis === "number" ? [axis] : axis;
  return makeOp1(
    "ReduceJoin",
    [inputs, [...axes]],
    { keep_dims: options.keepDims ?? false, separator: options.separator ?? "" },
    options.name,
  );
}

// ---- Substrings and lengths ----

export type StringUnit = "BYTE" | "UTF8_CHAR";
/** Substrings from `pos` (negative: from the end) of `len` units (clipped at the end). */
export function substr(
  input: TensorLike,
  pos: TensorLike,
  len: TensorLike,
  options: { unit?: StringUnit } & Named = {},
): Tensor {
  // Plain JS positions are int32 (TF's default for Python ints).
  const t = pos instanceof Tensor ? pos.dtype : len instanceof Tensor ? len.dtype : "int32";
  return makeOp1("Substr", [input, pos, len], { unit: options.unit ?? "BYTE", T: t }, options.name);
}
/** Lengths in bytes (UTF-8) or in characters. */
export function stringLength(
  input: TensorLike,
  options: { unit?: StringUnit } & Named = {},
): Tensor {
  return makeOp1("StringLength", [input], { unit: options.unit ?? "BYTE" }, options.name);
}

// ---- Case and whitespace ----

/** Lower case (ASCII letters only unless encoding is "utf-8", as TF). */
export function stringLower(
  input: TensorLike,
  options: { encoding?: string } & Named = {},
): Tensor {
  return makeOp1("StringLower", [input], { encoding: options.encoding ?? "" }, options.name);
}
/** Upper case (ASCII letters only unless encoding is "utf-8", as TF). */
export function stringUpper(
  input: TensorLike,
  options: { encoding?: string } & Named = {},
): Tensor {
  return makeOp1("StringUpper", [input], { encoding: options.encoding ?? "" }, options.name);
}
/** Strips leading and trailing whitespace. */
export function stringStrip(input: TensorLike, name?: string): Tensor {
  return makeOp1("StringStrip", [input], {}, name);
}

// ---- Conversions ----

/** Parses numbers (surrounding whitespace allowed); anything else is an InvalidArgumentError at run time. */
export function stringToNumber(
  input: TensorLike,
  options: { outType?: DType } & Named = {},
): Tensor {
  return makeOp1(
    "StringToNumber",
    [input],
    { out_type: options.outType ?? "float32" },
    options.name,
  );
}
export interface AsStringOptions extends Named {
  precision?: number;
  scientific?: boolean;
  shortest?: boolean;
  width?: number;
  fill?: string;
}
/** Formats numbers and bools as printf would (%f, %e with scientific, %g with shortest; %d). */
export function asString(input: TensorLike, options: AsStringOptions = {}): Tensor {
  return makeOp1(
    "AsString",
    [input],
    {
      precision: options.precision ?? -1,
      scientific: options.scientific ?? false,
      shortest: options.shortest ?? false,
      width: options.width ?? -1,
      fill: options.fill ?? "",
    },
    options.name,
  );
}
/** Formats tensors into a template: each `placeholder` ("{}") takes one input. */
export function stringFormat(
  template: string,
  inputs: readonly TensorLike[],
  options: { placeholder?: string; summarize?: number } & Named = {},
): Tensor {
  return makeOp1(
    "StringFormat",
    [inputs],
    { template, placeholder: options.placeholder ?? "{}", summarize: options.summarize ?? 3 },
    options.name,
  );
}
/** web-safe base64 ('-', '_'); '=' padding only with `pad`. */
export function encodeBase64(input: TensorLike, options: { pad?: boolean } & Named = {}): Tensor {
  return makeOp1("EncodeBase64", [input], { pad: options.pad ?? false }, options.name);
}
export function decodeBase64(input: TensorLike, name?: string): Tensor {
  return makeOp1("DecodeBase64", [input], {}, name);
}

// ---- Regexes (RE2 syntax; a JS string pattern makes the Static variant, as TF's Python does) ----

/** Replaces matches of `pattern` with `rewrite` (\1 names a group); all of them unless replaceGlobal is false. */
export function regexReplace(
  input: TensorLike,
  pattern: TensorLike,
  rewrite: TensorLike,
  options: { replaceGlobal?: boolean } & Named = {},
): Tensor {
  const replaceGlobal = options.replaceGlobal ?? true;
  if (typeof pattern === "string" && typeof rewrite === "string")
    return makeOp1(
      "StaticRegexReplace",
      [input],
      { pattern, rewrite, replace_global: replaceGlobal },
      options.name,
    );
  return makeOp1(
    "RegexReplace",
    [input, pattern, rewrite],
    { replace_global: replaceGlobal },
    options.name,
  );
}
/** Whether each whole string matches `pattern`. */
export function regexFullMatch(input: TensorLike, pattern: TensorLike, name?: string): Tensor {
  if (typeof pattern === "string")
    return makeOp1("StaticRegexFullMatch", [input], { pattern }, name);
  return makeOp1("RegexFullMatch", [input, pattern], {}, name);
}

// ---- Hashing ----

/** FarmHash Fingerprint64 of each string, mod numBuckets. */
export function stringToHashBucketFast(
  input: TensorLike,
  numBuckets: number,
  name?: string,
): Tensor {
  return makeOp1("StringToHashBucketFast", [input], { num_buckets: numBuckets }, name);
}
/** Keyed SipHash-2-4 of each string (key: two integers), mod numBuckets. */
export function stringToHashBucketStrong(
  input: TensorLike,
  numBuckets: number,
  key: readonly number[],
  name?: string,
): Tensor {
  return makeOp1(
    "StringToHashBucketStrong",
    [input],
    { num_buckets: numBuckets, key: [...key] },
    name,
  );
}
/** TF's legacy Hash64 of each string, mod numBuckets (deprecated in TF for the Fast/Strong ones). */
export function stringToHashBucket(input: TensorLike, numBuckets: number, name?: string): Tensor {
  return makeOp1("StringToHashBucket", [input], { num_buckets: numBuckets }, name);
}

// ---- N-grams ----

export interface NGramsOptions extends Named {
  separator?: string;
  /** [left, right] pad tokens; without them nothing is padded. */
  padValues?: readonly [string, string] | string;
  /** Pad tokens on each side (default: width - 1 when padValues are given). */
  paddingWidth?: number;
  preserveShortSequences?: boolean;
}
/** The raw op: n-grams of each row of a ragged tensor (data, rowSplits); [ngrams, their row splits]. */
export function stringNGrams(
  data: TensorLike,
  dataSplits: TensorLike,
  ngramWidths: number | readonly number[],
  options: NGramsOptions = {},
): [Tensor, Tensor] {
  const pads = options.padValues;
  const [left, right] =
    pads === undefined ? ["", ""] : typeof pads === "string" ? [pads, pads] : pads;
  if (options.paddingWidth !== undefined && options.paddingWidth < 1)
    throw new ValueError(`ngrams: paddingWidth must be at least 1, got ${options.paddingWidth}`);
  const splits =
    dataSplits instanceof Tensor ? dataSplits : makeOp1("Cast", [dataSplits], { DstT: "int64" });
  const op = makeOp(
    "StringNGrams",
    [data, splits],
    {
      separator: options.separator ?? " ",
      ngram_widths: typeof ngramWidths === "number" ? [ngramWidths] : [...ngramWidths],
      left_pad: left,
      right_pad: right,
      pad_width: pads === undefined ? 0 : (options.paddingWidth ?? -1),
      preserve_short_sequences: options.preserveShortSequences ?? false,
    },
    options.name,
  );
  return [op.outputs[0], op.outputs[1]];
}
/**
 * tf.strings.ngrams of a vector (one sequence) or a matrix (one sequence per row; every row has
 * the same number of n-grams, so the result is a matrix too).
 */
export function ngrams(
  data: TensorLike,
  ngramWidth: number | readonly number[],
  options: NGramsOptions = {},
): Tensor {
  const x = makeOp1("Identity", [data]);
  const rank = x.shape.rank;
  if (rank !== 1 && rank !== 2)
    throw new ValueError(`ngrams: data must be a vector or a matrix, got shape ${x.shape}`);
  const shape = makeOp1("Shape", [x], { out_type: "int64" });
  const dim = (i: number) =>
    makeOp1("StridedSlice", [shape, [i], [i + 1], [1]], { shrink_axis_mask: 1, Index: "int32" });
  const zero = constant(0, { dtype: "int64" });
  // Row splits: [0, n] for a vector; 0, cols, 2 cols, ... for a matrix.
  const splits =
    rank === 1
      ? makeOp1("Pack", [[zero, dim(0)]], { axis: 0 })
      : makeOp1("Range", [
          zero,
          makeOp1("AddV2", [makeOp1("Mul", [dim(0), dim(1)]), constant(1, { dtype: "int64" })]),
          dim(1),
        ]);
  const [out] = stringNGrams(
    makeOp1("Reshape", [x, [-1]], { Tshape: "int32" }),
    splits,
    ngramWidth,
    options,
  );
  return rank === 1
    ? out
    : makeOp1("Reshape", [
        out,
        makeOp1("Pack", [[dim(0), constant(-1, { dtype: "int64" })]], { axis: 0 }),
      ]);
}

// ---- Unicode ----

/** The ICU script code of each code point (int32). */
export function unicodeScript(input: TensorLike, name?: string): Tensor {
  return makeOp1("UnicodeScript", [input], {}, name);
}

// ---- Files ----

/** A file's contents (UTF-8 text). */
export function readFile(filename: TensorLike, name?: string): Tensor {
  return makeOp1("ReadFile", [filename], {}, name);
}
/** Writes `contents` to `filename` (creating directories), atomically through a rename. */
export function writeFile(filename: TensorLike, contents: TensorLike, name?: string): Operation {
  return makeOp("WriteFile", [filename, contents], {}, name);
}
/** The sorted file names matching a glob pattern (or any of a vector of them). */
export function matchingFiles(pattern: TensorLike, name?: string): Tensor {
  return makeOp1("MatchingFiles", [pattern], {}, name);
}
