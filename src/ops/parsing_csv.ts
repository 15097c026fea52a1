// DecodeCSV (records of comma-separated values into one tensor per column) and DecodeCompressed
// (GZIP/ZLIB-compressed strings inflated): registrations (shape functions; neither has a
// gradient, as in TensorFlow) and builders. Kernels: backends/cpu-ts/parsing_csv.ts.
import type { Tensor } from "../framework/graph.js";
import { registerOp } from "../framework/op_registry.js";
import { makeOp, makeOp1, type TensorLike } from "./op_builder.js";

registerOp("DecodeCSV", {
  shape: (c) => {
    for (let i = 1; i < c.numInputs; i++) {
      const s = c.input(i);
      if (s.rank !== null && s.rank > 1) {
        c.fail(`Shape must be at most rank 1 but is rank ${s.rank} (record_defaults[${i - 1}])`);
      }
      const d = s.rank === 1 ? s.dims?.[0] : null;
      if (d !== null && d !== undefined && d > 1) {
        c.fail("Shape of a default must be a length-0 or length-1 vector, or a scalar.");
      }
    }
    // Every column has the records' shape.
    return Array.from({ length: c.numInputs - 1 }, () => c.input(0));
  },
});

registerOp("DecodeCompressed", { shape: (c) => c.input(0) });

export interface DecodeCsvOptions {
  /** One character (byte) separating fields; default ",". */
  fieldDelim?: string;
  /** Whether double quotes delimit fields (RFC 4180); default true. */
  useQuoteDelim?: boolean;
  /** A field equal to this is missing (takes its default); default "" (only empty fields). */
  naValue?: string;
  /** Strictly increasing column indices to keep (all columns when absent). */
  selectCols?: readonly number[];
  name?: string;
}

/**
 * tf.io.decode_csv(records, record_defaults, field_delim=',', use_quote_delim=True,
 * na_value='', select_cols=None): one tensor per column, each of the records' shape, of the dtype
 * of its default. A default is a scalar or a 1-element vector (used for empty / na_value fields)
 * or an empty vector (the column is required). JS numbers convert to float32: for an int32 or
 * int64 column pass a typed default, e.g. `tf.constant([0], { dtype: "int32" })`.
 */
export function decodeCsv(
  records: TensorLike,
  recordDefaults: readonly TensorLike[],
  options: DecodeCsvOptions = {},
): Tensor[] {
  const op = makeOp(
    "DecodeCSV",
    [records, recordDefaults],
    {
      field_delim: options.fieldDelim ?? ",",
      use_quote_delim: options.useQuoteDelim ?? true,
      na_value: options.naValue ?? "",
      select_cols: options.selectCols ? [...options.selectCols] : [],
    },
    options.name,
  );
  return [...op.outputs];
}

/**
 * tf.io.decode_compressed(bytes, compression_type=''): each string inflated ("ZLIB" or "GZIP";
 * "" leaves it as it is).
 */
export function decodeCompressed(
  bytes: TensorLike,
  options: { compressionType?: "" | "ZLIB" | "GZIP"; name?: string } = {},
): Tensor {
  return makeOp1(
    "DecodeCompressed",
    [bytes],
    { compression_type: options.compressionType ?? "" },
    options.name,
  );
}
