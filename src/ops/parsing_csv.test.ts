// DecodeCSV and DecodeCompressed. Expected values worked by hand from TF 1.15's documented
// semantics of tf.io.decode_csv (RFC 4180 quoting, record_defaults, na_value, select_cols) and
// its kernel's error messages.
import { deflateSync, gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import { parseCsvFloat, parseCsvInt, splitCsvRecord } from "../backends/cpu-ts/parsing_csv.js";
import * as tf from "../index.js";

// NDArrays (not graph tensors): usable as defaults in any graph.
const i32 = (v: number[]) => tf.NDArray.from(v, "int32");
const i64 = (v: number[]) => tf.NDArray.from(v, "int64");

describe("DecodeCSV", () => {
  test("columns of each dtype, defaults for empty fields, records' shape kept", async () => {
    const out = await runGraph(() =>
      tf.io.decodeCsv(
        [
          ["1,2.5,x,7,0.25", ",,,,"],
          ['-3,1e3,"a,b",9000000000,-inf', "4,.5,y,-1,nan"],
        ],
        [i32([0]), [9.5], ["dflt"], i64([42]), tf.NDArray.from([1.5], "float64")],
      ),
    );
    expect(out).toHaveLength(5);
    expectArray(
      out[0],
      [
        [1, 0],
        [-3, 4],
      ],
      { dtype: "int32", shape: [2, 2] },
    );
    expectArray(
      out[1],
      [
        [2.5, 9.5],
        [1000, 0.5],
      ],
      { dtype: "float32" },
    );
    expect(out[2].toArray()).toEqual([
      ["x", "dflt"],
      ["a,b", "y"],
    ]);
    expect(out[3].dtype).toBe("int64");
    expect(Array.from(out[3].data as BigInt64Array)).toEqual([7n, 42n, 9000000000n, -1n]);
    expect(out[4].dtype).toBe("float64");
    const d = Array.from(out[4].data as Float64Array);
    expect(d.slice(0, 3)).toEqual([0.25, 1.5, Number.NEGATIVE_INFINITY]);
    expect(Number.isNaN(d[3])).toBe(true);
  });

  test("quoting: escaped quotes, delimiters and newlines inside quotes, quotes off", async () => {
    const out = await runGraph(() => [
      ...tf.io.decodeCsv(['"he said ""hi""","x\ny"', '"",plain'], [[""], ["d"]]),
      ...tf.io.decodeCsv(['"a"|b"'], [[""], [""]], { fieldDelim: "|", useQuoteDelim: false }),
    ]);
    // An empty quoted field is an empty field: it takes the default ("" here).
    expect(out[0].toArray()).toEqual(['he said "hi"', ""]);
    expect(out[1].toArray()).toEqual(["x\ny", "plain"]);
    expect(out[2].toArray()).toEqual(['"a"']);
    expect(out[3].toArray()).toEqual(['b"']);
  });

  test("na_value marks missing fields; a trailing delimiter is one more empty field", async () => {
    const out = await runGraph(() =>
      tf.io.decodeCsv(["NA,3,", "1,NA,z"], [[-1], i32([-2]), ["e"]], { naValue: "NA" }),
    );
    expectArray(out[0], [-1, 1]);
    expectArray(out[1], [3, -2], { dtype: "int32" });
    expect(out[2].toArray()).toEqual(["e", "z"]);
  });

  test("select_cols keeps only the chosen columns", async () => {
    const out = await runGraph(() =>
      tf.io.decodeCsv(["a,1,b,2,c", "d,3,e,4,"], [[""], i32([0]), [""]], { selectCols: [0, 3, 4] }),
    );
    expect(out[0].toArray()).toEqual(["a", "d"]);
    expectArray(out[1], [2, 4], { dtype: "int32" });
    expect(out[2].toArray()).toEqual(["c", ""]);
  });

  test("errors name the field and the record", async () => {
    const run = (records: string[], defaults: tf.TensorLike[], opts = {}) =>
      runGraph(() => tf.io.decodeCsv(records, defaults, opts));
    await expect(run(["1,2", "3"], [[0], [0]])).rejects.toThrow(
      /Expect 2 fields but have 1 in record 1/,
    );
    await expect(run(["1,"], [[0], tf.NDArray.from([], "float32")])).rejects.toThrow(
      /Field 1 is required but missing in record 0!/,
    );
    await expect(run(["1,abc"], [[0], [0]])).rejects.toThrow(
      /Field 1 in record 0 is not a valid float: abc/,
    );
    await expect(run(["2147483648"], [i32([0])])).rejects.toThrow(/not a valid int32: 2147483648/);
    await expect(run(["+1"], [i32([0])])).rejects.toThrow(tf.InvalidArgumentError);
    await expect(run(['a"b'], [[""]])).rejects.toThrow(/Unquoted fields cannot have quotes/);
    await expect(run(['"a"b"'], [[""]])).rejects.toThrow(/Quote inside a string has to be escaped/);
    await expect(run(['"ab'], [[""]])).rejects.toThrow(/Quoted field has to end with quote/);
    await expect(run(["a"], [[""]], { fieldDelim: ",," })).rejects.toThrow(
      /field_delim should be only 1 char/,
    );
    await expect(run(["a,b"], [[""], [""]], { selectCols: [1, 0] })).rejects.toThrow(
      /strictly increasing/,
    );
    await expect(run(["a,b"], [[""], [""]], { selectCols: [1] })).rejects.toThrow(
      /select_cols should match output size/,
    );
    await expect(run([""], [[""]])).rejects.toThrow(/Expect 1 fields but have 0 in record 0/);
    await expect(
      runGraph(() =>
        tf.io.decodeCsv(["a"], [tf.placeholderWithDefault(tf.constant(["x", "y"]), [null])]),
      ),
    ).rejects.toThrow(/There should only be 1 default per field but field 0 has 2/);
  });

  test("shape function: every column has the records' shape; defaults must be rank <= 1, length <= 1", () => {
    inferOk(
      "DecodeCSV",
      "[2,3];[1];[]",
      "[2,3];[2,3]",
      {},
      { dtypes: ["string", "float32", "int32"] },
    );
    inferOk("DecodeCSV", "?;[0]", "?", {}, { dtypes: ["string", "string"] });
    inferErr(
      "DecodeCSV",
      "[2];[2]",
      /length-0 or length-1 vector/,
      {},
      { dtypes: ["string", "float32"] },
    );
    inferErr("DecodeCSV", "[2];[1,1]", /at most rank 1/, {}, { dtypes: ["string", "float32"] });
  });

  test("field splitting and number reading rules", () => {
    const rules = { delim: ",", quotes: true, select: null };
    // "\r" and "\n" are skipped where a field starts, but end an unquoted one with an error.
    expect(splitCsvRecord("\r\na,b", rules, 0)).toEqual(["a", "b"]);
    expect(() => splitCsvRecord("a,b\n", rules, 3)).toThrow(/CRLFs inside \(record 3\)/);
    expect(splitCsvRecord(",", rules, 0)).toEqual(["", ""]);
    expect(splitCsvRecord('"x",', rules, 0)).toEqual(["x", ""]);
    expect(splitCsvRecord("日本,語", rules, 0)).toEqual(["日本", "語"]);
    expect(parseCsvInt(" 12 ", 32)).toBe(12n);
    expect(parseCsvInt("-2147483648", 32)).toBe(-2147483648n);
    expect(parseCsvInt("9223372036854775808", 64)).toBeNull();
    expect(parseCsvInt("1.0", 32)).toBeNull();
    expect(parseCsvFloat(" 1.5e-3\t")).toBe(0.0015);
    expect(parseCsvFloat("INF")).toBe(Number.POSITIVE_INFINITY);
    expect(parseCsvFloat("0x10")).toBe(16);
    expect(parseCsvFloat("1.")).toBe(1);
    expect(parseCsvFloat("1e")).toBeNull();
    expect(parseCsvFloat("infinity")).toBeNull();
  });
});

describe("DecodeCompressed", () => {
  const latin1 = (b: Buffer) => b.toString("latin1");

  test("GZIP and ZLIB strings inflate; '' passes through; shape kept", async () => {
    const text = "hello hello hello hello";
    const bin = Buffer.from([0, 255, 128, 10]);
    const out = await runGraph(() => [
      tf.io.decodeCompressed([[latin1(gzipSync(text)), latin1(gzipSync(bin))]], {
        compressionType: "GZIP",
      }),
      tf.io.decodeCompressed([latin1(deflateSync(text))], { compressionType: "ZLIB" }),
      tf.io.decodeCompressed(["as is"]),
    ]);
    expect(out[0].shape).toEqual([1, 2]);
    expect(out[0].toArray()).toEqual([[text, "\x00\xff\x80\n"]]);
    expect(out[1].toArray()).toEqual([text]);
    expect(out[2].toArray()).toEqual(["as is"]);
    inferOk("DecodeCompressed", "[2,?]", "[2,?]", {}, { dtypes: ["string"] });
  });

  test("corrupt data is DataLossError naming the element; truncated data gives what it holds (as TF)", async () => {
    const cut = latin1(gzipSync("hello world hello world")).slice(0, 15);
    const out = await runGraph(() =>
      tf.io.decodeCompressed(["", cut], { compressionType: "GZIP" }),
    );
    // An empty element and a truncated one are read to where their input ends (TF reads with
    // ZlibInputStream until OutOfRange and keeps what it got).
    expect(out.toArray()).toEqual(["", "hell"]);
    await expect(
      runGraph(() => tf.io.decodeCompressed(["xx", cut], { compressionType: "GZIP" })),
    ).rejects.toThrow(tf.DataLossError);
    await expect(
      runGraph(() =>
        tf.io.decodeCompressed([latin1(gzipSync("ok")), "xx"], { compressionType: "ZLIB" }),
      ),
    ).rejects.toThrow(/element 0 is not valid ZLIB data/);
    await expect(
      runGraph(() =>
        tf.io.decodeCompressed(["x"], { compressionType: "BZ2" as unknown as "GZIP" }),
      ),
    ).rejects.toThrow(/Only ZLIB, GZIP or NONE/);
  });
});
