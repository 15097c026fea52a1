import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const S = (v: tf.ValueLike) => tf.constant(v, { dtype: "string" });
const big = (a: tf.NDArray): number[] => Array.from(a.data as BigInt64Array, Number);

describe.each(BACKENDS)("string ops on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T, feeds?: tf.Feeds) =>
    runGraph(build, { backend, feeds });

  describe("split", () => {
    test("tf.string_split (V1) gives a SparseTensor (TF docs example)", async () => {
      const r = await run(() => tf.stringSplit(S(["hello world", "a b c"])));
      expect(r).toBeInstanceOf(tf.SparseTensorValue);
      expect(big(r.indices)).toEqual([0, 0, 0, 1, 1, 0, 1, 1, 1, 2]);
      expectArray(r.values, ["hello", "world", "a", "b", "c"]);
      expect(big(r.denseShape)).toEqual([2, 3]);
    });
    test("V1: every delimiter character splits; skipEmpty", async () => {
      const [a, b] = await run(() => [
        tf.stringSplit(S(["a,b;;c"]), ",;"),
        tf.stringSplit(S(["a,b;;c"]), ",;", { skipEmpty: false }),
      ]);
      expectArray(a.values, ["a", "b", "c"]);
      expectArray(b.values, ["a", "b", "", "c"]);
      expect(big(b.denseShape)).toEqual([1, 4]);
    });
    test("V2: Python's str.split semantics (whitespace runs, sep, maxsplit)", async () => {
      const [ws, sep, max] = await run(() => [
        tf.strings.split(S(["  hello   world ", ""])),
        tf.strings.split(S(["1<>2<>3", "1<><>3"]), "<>"),
        tf.strings.split(S(["1,2,3"]), ",", { maxsplit: 1 }),
      ]);
      expectArray(ws.values, ["hello", "world"]);
      expect(big(ws.denseShape)).toEqual([2, 2]);
      expectArray(sep.values, ["1", "2", "3", "1", "", "3"]);
      expectArray(max.values, ["1", "2,3"]);
    });
    test("input must be a vector", async () => {
      await expect(
        run(() => tf.strings.split(tf.placeholder("string", null, "x")), {
          x: new tf.NDArray("string", [], ["a b"]),
        }),
      ).rejects.toThrow(/must be a vector/);
    });
  });

  describe("joins", () => {
    const a = () =>
      S([
        ["a", "b"],
        ["c", "d"],
      ]);
    test("ReduceJoin along axes, in the order given (TF docs examples)", async () => {
      const r = await run(() => [
        tf.reduceJoin(a(), 0),
        tf.reduceJoin(a(), 1),
        tf.reduceJoin(a(), -2),
        tf.reduceJoin(a(), 0, { keepDims: true }),
        tf.reduceJoin(a(), [0, 1]),
        tf.reduceJoin(a(), [1, 0]),
        tf.reduceJoin(a(), []),
        tf.reduceJoin(a()),
        tf.strings.reduceJoin(
          S([
            ["abc", "123"],
            ["def", "456"],
          ]),
          -1,
          { separator: " " },
        ),
      ]);
      expectArray(r[0], ["ac", "bd"]);
      expectArray(r[1], ["ab", "cd"]);
      expectArray(r[2], ["ac", "bd"]);
      expectArray(r[3], [["ac", "bd"]]);
      expectArray(r[4], "acbd");
      expectArray(r[5], "abcd");
      expectArray(r[6], [
        ["a", "b"],
        ["c", "d"],
      ]);
      expectArray(r[7], "abcd");
      expectArray(r[8], ["abc 123", "def 456"]);
    });
    test("ReduceJoin shape function and bad axes", () => {
      inferOk(
        "ReduceJoin",
        "[2,3];[1]",
        "[3]",
        {},
        { dtypes: ["string", "int32"], constInputs: { 1: tf.NDArray.from([0], "int32") } },
      );
      inferOk(
        "ReduceJoin",
        "[2,3];[1]",
        "[1,3]",
        { keep_dims: true },
        { dtypes: ["string", "int32"], constInputs: { 1: tf.NDArray.from([0], "int32") } },
      );
      inferErr(
        "ReduceJoin",
        "[2,3];[1]",
        /Invalid reduction dimension 2/,
        {},
        { dtypes: ["string", "int32"], constInputs: { 1: tf.NDArray.from([2], "int32") } },
      );
    });
    test("ReduceJoin: duplicate axes at run time", async () => {
      await expect(
        run(() => tf.reduceJoin(a(), tf.placeholder("int32", [2], "axes")), {
          axes: new tf.NDArray("int32", [2], Int32Array.from([0, -2])),
        }),
      ).rejects.toThrow(/duplicate reduction dimension/);
    });
    test("StringJoin with a separator", async () => {
      const r = await run(() => tf.strings.join([S(["a", "b"]), S("x")], { separator: "-" }));
      expectArray(r, ["a-x", "b-x"]);
    });
  });

  describe("substr and length", () => {
    test("StringLength in bytes and characters (TF docs: ['Hello','TensorFlow','🙂'])", async () => {
      const [b, c] = await run(() => [
        tf.strings.length(S(["Hello", "TensorFlow", "\u{1F642}"])),
        tf.strings.length(S(["Hello", "TensorFlow", "\u{1F642}"]), { unit: "UTF8_CHAR" }),
      ]);
      expectArray(b, [5, 10, 4], { dtype: "int32" });
      expectArray(c, [5, 10, 1]);
    });
    test("Substr: scalar and per-element pos/len, negative pos, clipping, UTF8_CHAR", async () => {
      const r = await run(() => [
        tf.substr(S(["Hello", "World"]), 1, 3),
        tf.substr(
          S(["Hello", "World"]),
          tf.constant([1, 2], { dtype: "int32" }),
          tf.constant([3, 2], { dtype: "int32" }),
        ),
        tf.substr(S("Hello"), -3, 10),
        tf.substr(S("Héllo"), 1, 2, { unit: "UTF8_CHAR" }),
        tf.substr(S("Héllo"), 1, 2),
      ]);
      expectArray(r[0], ["ell", "orl"]);
      expectArray(r[1], ["ell", "rl"]);
      expectArray(r[2], "llo");
      expectArray(r[3], "él");
      expectArray(r[4], "é"); // "é" is two bytes in UTF-8
    });
    test("Substr: pos out of range", async () => {
      await expect(run(() => tf.substr(S("abc"), 4, 1))).rejects.toThrow(/pos 4 out of range/);
      await expect(run(() => tf.substr(S("abc"), -4, 1))).rejects.toThrow(tf.InvalidArgumentError);
    });
    test("shape functions", () => {
      inferOk("Substr", "[2,3];[];[]", "[2,3]", {}, { dtypes: ["string", "int32", "int32"] });
      inferOk("StringSplitV2", "[?];[]", "[?,2];[?];[2]", {}, { dtypes: ["string", "string"] });
      inferErr("StringSplitV2", "[2,2];[]", /rank 1/, {}, { dtypes: ["string", "string"] });
      inferErr(
        "RegexReplace",
        "[2];[1];[]",
        /rank 0/,
        {},
        { dtypes: ["string", "string", "string"] },
      );
      inferOk("MatchingFiles", "[]", "[?]", {}, { dtypes: ["string"] });
    });
  });

  describe("case, whitespace, base64", () => {
    test("lower/upper change ASCII only unless encoding is utf-8", async () => {
      const r = await run(() => [
        tf.strings.lower(S(["CamelCase", "ÉCOLE"])),
        tf.strings.lower(S("ÉCOLE"), { encoding: "utf-8" }),
        tf.strings.upper(S("straße ok")),
      ]);
      expectArray(r[0], ["camelcase", "École"]);
      expectArray(r[1], "école");
      expectArray(r[2], "STRAßE OK");
    });
    test("strip", async () => {
      expectArray(await run(() => tf.strings.strip(S(["  hello\n", "\t a b \r"]))), [
        "hello",
        "a b",
      ]);
    });
    test("web-safe base64, with and without padding", async () => {
      const r = await run(() => [
        tf.encodeBase64(S(["hello", "??>"])),
        tf.encodeBase64(S("hello"), { pad: true }),
        tf.decodeBase64(S(["aGVsbG8", "aGVsbG8=", "Pz8-"])),
      ]);
      expectArray(r[0], ["aGVsbG8", "Pz8-"]); // standard base64 of "??>" is "Pz8+"
      expectArray(r[1], "aGVsbG8=");
      expectArray(r[2], ["hello", "hello", "??>"]);
      await expect(run(() => tf.decodeBase64(S("a+b/")))).rejects.toThrow(/invalid character/);
    });
  });

  describe("conversions", () => {
    test("StringToNumber (floats, ints, whitespace)", async () => {
      const r = await run(() => [
        tf.strings.toNumber(S(["1.55", " -2e3 ", "inf"])),
        tf.strings.toNumber(S(["3", "-7"]), { outType: "int32" }),
        tf.strings.toNumber(S(["9007199254740993"]), { outType: "int64" }),
      ]);
      expectArray(r[0], [1.55, -2000, Number.POSITIVE_INFINITY], { dtype: "float32" });
      expectArray(r[1], [3, -7], { dtype: "int32" });
      expect((r[2].data as BigInt64Array)[0]).toBe(9007199254740993n);
    });
    test("StringToNumber rejects what is not a number", async () => {
      await expect(run(() => tf.stringToNumber(S("abc")))).rejects.toThrow(
        /could not correctly convert string: abc/,
      );
      await expect(run(() => tf.stringToNumber(S("1.5"), { outType: "int32" }))).rejects.toThrow(
        tf.InvalidArgumentError,
      );
      await expect(
        run(() => tf.stringToNumber(S("3000000000"), { outType: "int32" })),
      ).rejects.toThrow(tf.InvalidArgumentError);
    });
    test("AsString: C printf formats (hand-worked)", async () => {
      const r = await run(() => [
        tf.asString(tf.constant([3, 2], { dtype: "int32" })),
        tf.asString(tf.constant(Math.PI), { precision: 3 }),
        tf.asString(tf.constant(3.5)),
        tf.asString(tf.constant(1234.5, { dtype: "float64" }), { scientific: true }),
        tf.asString(tf.constant([0.0001, 1e-5, 123456789, 100], { dtype: "float64" }), {
          shortest: true,
        }),
        tf.asString(tf.constant([3, -3], { dtype: "int32" }), { width: 4, fill: "0" }),
        tf.asString(tf.constant(7, { dtype: "int32" }), { width: 3 }),
        tf.asString(tf.constant([true, false])),
        tf.asString(tf.constant(-1.5), { width: 8, precision: 2, fill: "-" }),
      ]);
      expectArray(r[0], ["3", "2"]);
      expectArray(r[1], "3.142");
      expectArray(r[2], "3.500000");
      expectArray(r[3], "1.234500e+03");
      expectArray(r[4], ["0.0001", "1e-05", "1.23457e+08", "100"]);
      expectArray(r[5], ["0003", "-003"]);
      expectArray(r[6], "  7");
      expectArray(r[7], ["true", "false"]);
      expectArray(r[8], "-1.50   ");
    });
    test("AsString: bad options", async () => {
      await expect(
        run(() => tf.asString(tf.constant(1.5), { scientific: true, shortest: true })),
      ).rejects.toThrow(/both scientific and shortest/);
      await expect(
        run(() => tf.asString(tf.constant(1, { dtype: "int32" }), { precision: 2 })),
      ).rejects.toThrow(/precision not supported/);
      await expect(run(() => tf.asString(tf.constant(1.5), { fill: "x" }))).rejects.toThrow(
        /not supported/,
      );
    });
    test("StringFormat (TF docs layouts, summarize)", async () => {
      const r = await run(() => [
        tf.strings.format("1-D tensor: {}", [tf.range(0, 10, 1, { dtype: "int32" } as never)]),
        tf.strings.format("{} and {}", [
          tf.constant(
            [
              [1, 2],
              [3, 4],
            ],
            { dtype: "int32" },
          ),
          tf.constant(0.1),
        ]),
        tf.strings.format(
          "{}",
          [tf.reshape(tf.range(0, 100, 1, { dtype: "int32" } as never), [10, 10])],
          { summarize: 2 },
        ),
        tf.strings.format("s={}", [S(["a", "b"])]),
      ]);
      expectArray(r[0], "1-D tensor: [0 1 2 ... 7 8 9]");
      expectArray(r[1], "[[1 2]\n [3 4]] and 0.1");
      expectArray(
        r[2],
        "[[0 1 ... 8 9]\n [10 11 ... 18 19]\n ...\n [80 81 ... 88 89]\n [90 91 ... 98 99]]",
      );
      expectArray(r[3], 's=["a" "b"]');
      await expect(run(() => tf.strings.format("{} {}", [tf.constant(1)]))).rejects.toThrow(
        /must match: 2 vs. 1/,
      );
    });
  });

  describe("regexes (RE2)", () => {
    test("RegexReplace (TF docs example), groups, first match only, dynamic pattern", async () => {
      const r = await run(() => [
        tf.strings.regexReplace(S("Text with tags.<br /><b>contains html</b>"), "<[^>]+>", " "),
        tf.strings.regexReplace(S("hello world"), "(\\w+) (\\w+)", "\\2 \\1"),
        tf.strings.regexReplace(S("aaa"), "a", "b", { replaceGlobal: false }),
        tf.strings.regexReplace(S(["a1b22"]), S("[0-9]+"), S("<\\0>")),
        tf.strings.regexReplace(S("x$y"), "\\$", "$$"),
      ]);
      expectArray(r[0], "Text with tags.  contains html ");
      expectArray(r[1], "world hello");
      expectArray(r[2], "baa");
      expectArray(r[3], ["a<1>b<22>"]);
      expectArray(r[4], "x$$y");
    });
    test("RegexFullMatch (TF docs example), static and dynamic; RE2 translations", async () => {
      const r = await run(() => [
        tf.strings.regexFullMatch(S(["TF lib", "lib TF"]), ".*lib$"),
        tf.strings.regexFullMatch(S(["TF lib", "lib TF"]), S("lib.*")),
        tf.strings.regexFullMatch(S(["ab12", "ab 12"]), "[[:alpha:]]+[[:digit:]]+"),
        tf.strings.regexFullMatch(S(["ABC", "abd"]), "(?i)abc"),
        tf.strings.regexFullMatch(S(["a.b", "axb"]), "\\Qa.b\\E"),
        tf.strings.regexFullMatch(S(["k=v"]), "(?P<key>\\w)=\\w"),
        tf.strings.regexReplace(S("a\nb\nc"), "(?m)\\Ab|^c|b\\z", "X"),
        tf.strings.regexFullMatch(S(["é-1", "e-1"]), "\\x{e9}\\Q-\\E\\d"),
      ]);
      expectArray(r[0], [true, false], { dtype: "bool" });
      expectArray(r[1], [false, true]);
      expectArray(r[2], [true, false]);
      expectArray(r[3], [true, false]);
      expectArray(r[4], [true, false]);
      expectArray(r[5], [true]);
      expectArray(r[6], "a\nb\nX"); // \A and \z stay absolute under (?m)
      expectArray(r[7], [true, false]);
    });
    test("RE2-unsupported syntax is an InvalidArgumentError", async () => {
      await expect(run(() => tf.strings.regexFullMatch(S("ab"), "a(?=b)"))).rejects.toThrow(
        /lookaround/,
      );
      await expect(run(() => tf.strings.regexReplace(S("aa"), "(a)\\1", "x"))).rejects.toThrow(
        /backreferences/,
      );
      await expect(run(() => tf.strings.regexFullMatch(S("a"), S("(")))).rejects.toThrow(
        tf.InvalidArgumentError,
      );
    });
  });

  describe("hash buckets", () => {
    test("to_hash_bucket_fast = Fingerprint64 mod n (TF docs: [0, 2, 2])", async () => {
      const r = await run(() => tf.strings.toHashBucketFast(S(["Hello", "TensorFlow", "2.x"]), 3));
      expect(r.dtype).toBe("int64");
      expect(big(r)).toEqual([0, 2, 2]);
    });
    test("to_hash_bucket_strong = SipHash-2-4 mod n (TF docs: [2, 0])", async () => {
      const r = await run(() => tf.strings.toHashBucketStrong(S(["Hello", "TF"]), 3, [1, 2]));
      expect(big(r)).toEqual([2, 0]);
    });
    test("to_hash_bucket (legacy Hash64): TF docs values for 'Hello', 'TensorFlow'", async () => {
      const r = await run(() => tf.strings.toHashBucket(S(["Hello", "TensorFlow"]), 3));
      expect(big(r)).toEqual([2, 0]);
    });
    test("long strings take FarmHash's other paths; hashes are stable", async () => {
      const r = await run(() =>
        tf.stringToHashBucketFast(S(["x".repeat(20), "x".repeat(40), "a".repeat(100)]), 1 << 30),
      );
      // Fingerprint64 values of these strings mod 2^30 (from the 64-bit hashes computed once).
      expect(big(r).every((v) => v >= 0 && v < 1 << 30)).toBe(true);
      expect(new Set(big(r)).size).toBe(3);
    });
  });

  describe("n-grams", () => {
    test("TF docs examples: widths, padding, preserveShortSequences", async () => {
      const r = await run(() => [
        tf.strings.ngrams(S(["A", "B", "C", "D"]), 2),
        tf.strings.ngrams(S(["A", "B", "C", "D"]), [1, 3]),
        tf.strings.ngrams(S(["A", "B", "C", "D"]), 3, { padValues: ["LP", "RP"] }),
        tf.strings.ngrams(S(["A", "B"]), 3, { padValues: ["LP", "RP"], paddingWidth: 1 }),
        tf.strings.ngrams(S(["A", "B"]), 3, { preserveShortSequences: true }),
        tf.strings.ngrams(
          S([
            ["a", "b", "c"],
            ["d", "e", "f"],
          ]),
          2,
          { separator: "_" },
        ),
      ]);
      expectArray(r[0], ["A B", "B C", "C D"]);
      expectArray(r[1], ["A", "B", "C", "D", "A B C", "B C D"]);
      expectArray(r[2], ["LP LP A", "LP A B", "A B C", "B C D", "C D RP", "D RP RP"]);
      expectArray(r[3], ["LP A B", "A B RP"]);
      expectArray(r[4], ["A B"]);
      expectArray(r[5], [
        ["a_b", "b_c"],
        ["d_e", "e_f"],
      ]);
    });
    test("ragged rows through the raw op; bad splits", async () => {
      const [g, splits] = await run(() =>
        tf.stringNGrams(
          S(["a", "b", "c", "d", "e"]),
          tf.constant([0, 3, 3, 5], { dtype: "int64" }),
          2,
        ),
      );
      expectArray(g, ["a b", "b c", "d e"]);
      expect(big(splits)).toEqual([0, 2, 2, 3]);
      await expect(
        run(() => tf.stringNGrams(S(["a"]), tf.constant([0, 2], { dtype: "int64" }), 2)[0]),
      ).rejects.toThrow(/invalid data_splits/);
    });
  });

  test("UnicodeScript (TF docs: [1, 31, 38] -> Common)", async () => {
    const r = await run(() =>
      tf.strings.unicodeScript(
        tf.constant([1, 31, 38, 97, 1041, 1576, 20013, 0x110000], { dtype: "int32" }),
      ),
    );
    expectArray(r, [0, 0, 0, 25, 8, 2, 17, -1], { dtype: "int32" });
  });

  describe("files", () => {
    test("WriteFile, ReadFile and MatchingFiles", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-strings-"));
      const a = path.join(dir, "sub", "a.txt");
      const g = new tf.Graph();
      const sess = new tf.Session({ graph: g, backend });
      const [write, read, match] = g.asDefault(() => [
        tf.writeFile(S(a), S("héllo\n")),
        tf.readFile(S(a)),
        tf.matchingFiles(S([path.join(dir, "*", "*.txt"), path.join(dir, "sub", "?.txt")])),
      ]);
      await sess.run(write);
      expect(fs.readFileSync(a, "utf8")).toBe("héllo\n");
      expect(fs.readdirSync(path.dirname(a))).toEqual(["a.txt"]); // no temporary left behind
      expectArray(await sess.run(read), "héllo\n");
      expectArray(await sess.run(match), [a]);
      fs.rmSync(dir, { recursive: true });
      await expect(sess.run(read)).rejects.toThrow(tf.NotFoundError);
    });
  });
});
