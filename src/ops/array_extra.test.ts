// Tests of the array extra ops: values (from TF's op docs, or worked by hand where noted), static
// shapes, errors, and gradients beyond the one-line numeric checks in test/grad_checks.
import { afterEach, describe, expect, test } from "vitest";
import { checkGradient } from "../../test/gradcheck.js";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import { setPrintSink } from "../backends/cpu-ts/array_extra.js";
import { fingerprint64 as farmhash64 } from "../backends/cpu-ts/farmhash.js";
import * as tf from "../index.js";

const c = (v: tf.ValueLike, dtype?: tf.DType): tf.Tensor => tf.constant(v, { dtype });
const i32 = (v: tf.ValueLike): tf.Tensor => tf.constant(v, { dtype: "int32" });
const op = (
  type: string,
  inputs: (tf.Tensor | tf.Tensor[])[],
  attrs: Record<string, unknown> = {},
) => tf.getDefaultGraph().createOp(type, inputs, attrs as never);
const iota = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
/** float32 data with int32 index inputs, for inferOk. */
const IDX3: tf.DType[] = ["float32", "int32", "int32"];
const nd = (dtype: tf.DType, shape: number[], values: number[]) =>
  new tf.NDArray(dtype, shape, values);

describe.each(BACKENDS)("array extra ops on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T, feeds?: tf.Feeds) =>
    runGraph(build, { backend, feeds });
  const fails = (build: () => tf.Fetches, feeds?: tf.Feeds) =>
    expect(runGraph(build as () => tf.Tensor, { backend, feeds })).rejects;

  describe("LinSpace", () => {
    test("values (TF docs: linspace(10, 12, 3) = [10, 11, 12]), num 1, float64", async () => {
      const [a, b, d] = await run(() => [
        tf.linspace(10, 12, 3),
        tf.linspace(c(5, "float64"), c(7, "float64"), 1),
        tf.linspace(c(0, "float64"), c(1, "float64"), 5),
      ]);
      expectArray(a, [10, 11, 12], { dtype: "float32" });
      expectArray(b, [5], { dtype: "float64" });
      expectArray(d, [0, 0.25, 0.5, 0.75, 1], { dtype: "float64" });
    });
    test("num <= 0 is an error at construction or at run time", async () => {
      expect(() => tf.linspace(0, 1, 0)).toThrow(/Requires num > 0: 0/);
      await fails(() => tf.linspace(0, 1, tf.placeholder("int32", [], "n")), {
        "n:0": nd("int32", [], [-1]),
      }).toThrow(tf.errors.InvalidArgumentError);
    });
    test("inside a TF1 tf.cond", async () => {
      const build = () => {
        const p = tf.placeholder("bool", [], "p");
        const n = tf.placeholder("int32", [], "n");
        return tf.cond(
          p,
          () => tf.linspace(0, 1, n),
          () => tf.linspace(1, 0, n),
        );
      };
      const t = await run(build, { "p:0": true, "n:0": nd("int32", [], [3]) });
      expectArray(t, [0, 0.5, 1]);
      const f = await run(build, { "p:0": false, "n:0": nd("int32", [], [3]) });
      expectArray(f, [1, 0.5, 0]);
    });
  });

  describe("ReverseSequence, Reverse, Roll", () => {
    test("ReverseSequence reverses each row's prefix (worked by hand)", async () => {
      const [a, b] = await run(() => [
        tf.reverseSequence(
          c([
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            [9, 10, 11, 12],
          ]),
          [2, 4, 0],
          1,
          0,
        ),
        // batch along dim 1: column 0 reverses its first 3, column 1 its first 2.
        tf.reverseSequence(
          c([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
          i32([3, 2]),
          0,
          1,
        ),
      ]);
      expectArray(a, [
        [2, 1, 3, 4],
        [8, 7, 6, 5],
        [9, 10, 11, 12],
      ]);
      expectArray(b, [
        [5, 4],
        [3, 2],
        [1, 6],
      ]);
    });
    test("ReverseSequence errors", async () => {
      expect(() => tf.reverseSequence(c([[1, 2]]), [1], 0, 0)).toThrow(/must differ/);
      expect(() => tf.reverseSequence(c([[1, 2]]), [1, 2], 1, 0)).toThrow(tf.ValueError);
      await fails(() => tf.reverseSequence(c([[1, 2]]), [3], 1, 0)).toThrow(
        /seq_lengths\(0\) = 3 is not in \[0, input.dims\(1\) = 2\]/,
      );
    });
    test("Reverse (V1) with bool dims", async () => {
      const x = [
        [1, 2, 3],
        [4, 5, 6],
      ];
      const b = (v: boolean[]) => c(v, "bool");
      const [a, d] = await run(() => [
        op("Reverse", [c(x), b([false, true])]).outputs[0],
        op("Reverse", [c(x), b([true, true])]).outputs[0],
      ]);
      expectArray(a, [
        [3, 2, 1],
        [6, 5, 4],
      ]);
      expectArray(d, [
        [6, 5, 4],
        [3, 2, 1],
      ]);
      expect(() => op("Reverse", [c(x), b([true])])).toThrow(/same number of elements/);
    });
    test("Roll (TF docs)", async () => {
      const t = [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
      ];
      const [a, b, d] = await run(() => [
        tf.roll(c([0, 1, 2, 3, 4]), 2, 0),
        tf.roll(c(t), [1, -2], [0, 1]),
        tf.roll(c(t), [2, -3], [1, 1]),
      ]);
      expectArray(a, [3, 4, 0, 1, 2]);
      expectArray(b, [
        [7, 8, 9, 5, 6],
        [2, 3, 4, 0, 1],
      ]);
      expectArray(d, [
        [1, 2, 3, 4, 0],
        [6, 7, 8, 9, 5],
      ]);
      expect(() => tf.roll(c(t), [1, 2], [0])).toThrow(/same size/);
      await fails(() => tf.roll(c(t), 1, 2)).toThrow(/axis 2 is out of range/);
    });
  });

  describe("space, depth and batch", () => {
    const x4 = [
      [1, 2, 5, 6],
      [3, 4, 7, 8],
      [9, 10, 13, 14],
      [11, 12, 15, 16],
    ];
    const depth4 = [
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
        [
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
    ];
    test("SpaceToDepth / DepthToSpace (TF docs examples)", async () => {
      const [a, b, d, e] = await run(() => [
        tf.spaceToDepth(
          c([
            [
              [[1], [2]],
              [[3], [4]],
            ],
          ]),
          2,
        ),
        tf.spaceToDepth(
          c([
            [
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              [
                [7, 8, 9],
                [10, 11, 12],
              ],
            ],
          ]),
          2,
        ),
        tf.spaceToDepth(tf.reshape(c(x4), [1, 4, 4, 1]), 2),
        tf.depthToSpace(c(depth4), 2),
      ]);
      expectArray(a, [[[[1, 2, 3, 4]]]]);
      expectArray(b, [[[iota(12)]]]);
      expectArray(d, depth4);
      expectArray(e, [x4.map((r) => r.map((v) => [v]))]);
    });
    test("NCHW agrees with NHWC through transposes", async () => {
      const x = tf.NDArray.from(
        Array.from({ length: 2 * 4 * 6 * 3 }, (_, i) => i),
        "float32",
      ).reshape([2, 4, 6, 3]);
      const [nhwc, nchw, back] = await run(() => {
        const t = c(x);
        const toNchw = (v: tf.Tensor) => tf.transpose(v, [0, 3, 1, 2]);
        const s2d = tf.spaceToDepth(toNchw(t), 2, { dataFormat: "NCHW" });
        return [
          toNchw(tf.spaceToDepth(t, 2)),
          s2d,
          tf.transpose(tf.depthToSpace(s2d, 2, { dataFormat: "NCHW" }), [0, 2, 3, 1]),
        ];
      });
      expectArray(nchw, nhwc.toArray());
      expectArray(back, x.toArray());
    });
    test("errors: divisibility, block size, NCHW_VECT_C", async () => {
      expect(() => tf.spaceToDepth(tf.zeros([1, 3, 4, 1]), 2)).toThrow(
        /width 4 and height 3 should be divisible by block_size: 2/,
      );
      expect(() => tf.depthToSpace(tf.zeros([1, 1, 1, 3]), 2)).toThrow(/divisible by: 4/);
      expect(() => tf.spaceToDepth(tf.zeros([1, 2, 2, 1]), 1)).toThrow(/block_size/);
      await fails(
        () =>
          op("SpaceToDepth", [tf.zeros([1, 2, 2, 4])], {
            block_size: 2,
            data_format: "NCHW_VECT_C",
          }).outputs[0],
      ).toThrow(tf.errors.UnimplementedError);
      await fails(() => tf.spaceToDepth(tf.placeholder("float32", null, "x"), 2), {
        "x:0": nd("float32", [1, 3, 2, 1], [1, 2, 3, 4, 5, 6]),
      }).toThrow(tf.errors.InvalidArgumentError);
    });

    const x16 = () => tf.reshape(c(iota(16)), [1, 4, 4, 1]);
    const ex3 = [
      [
        [[1], [3]],
        [[9], [11]],
      ],
      [
        [[2], [4]],
        [[10], [12]],
      ],
      [
        [[5], [7]],
        [[13], [15]],
      ],
      [
        [[6], [8]],
        [[14], [16]],
      ],
    ];
    const ex4in = () => tf.reshape(c(iota(16)), [2, 2, 4, 1]);
    const ex4out = [
      [[[0], [1], [3]]],
      [[[0], [9], [11]]],
      [[[0], [2], [4]]],
      [[[0], [10], [12]]],
      [[[0], [5], [7]]],
      [[[0], [13], [15]]],
      [[[0], [6], [8]]],
      [[[0], [14], [16]]],
    ];
    test("SpaceToBatchND (TF docs examples 1, 3 and 4)", async () => {
      const [a, b, d] = await run(() => [
        tf.spaceToBatchNd(
          c([
            [
              [[1], [2]],
              [[3], [4]],
            ],
          ]),
          [2, 2],
          [
            [0, 0],
            [0, 0],
          ],
        ),
        tf.spaceToBatchNd(
          x16(),
          [2, 2],
          [
            [0, 0],
            [0, 0],
          ],
        ),
        tf.spaceToBatchNd(
          ex4in(),
          [2, 2],
          [
            [0, 0],
            [2, 0],
          ],
        ),
      ]);
      expectArray(a, [[[[1]]], [[[2]]], [[[3]]], [[[4]]]]);
      expectArray(b, ex3);
      expectArray(d, ex4out);
    });
    test("BatchToSpaceND inverts them (TF docs, with crops)", async () => {
      const [a, b] = await run(() => [
        tf.batchToSpaceNd(
          c(ex3),
          [2, 2],
          [
            [0, 0],
            [0, 0],
          ],
        ),
        tf.batchToSpaceNd(
          c(ex4out),
          [2, 2],
          [
            [0, 0],
            [2, 0],
          ],
        ),
      ]);
      expectArray(a, [
        [
          [[1], [2], [3], [4]],
          [[5], [6], [7], [8]],
          [[9], [10], [11], [12]],
          [[13], [14], [15], [16]],
        ],
      ]);
      expectArray(
        b,
        [0, 1].map((n) => [0, 1].map((r) => [1, 2, 3, 4].map((k) => [n * 8 + r * 4 + k]))),
      );
    });
    test("SpaceToBatch / BatchToSpace (V1) match the ND ops with a square block", async () => {
      const [a, b] = await run(() => [
        tf.spaceToBatch(
          x16(),
          [
            [0, 0],
            [0, 0],
          ],
          2,
        ),
        tf.batchToSpace(
          c(ex3),
          [
            [0, 0],
            [0, 0],
          ],
          2,
        ),
      ]);
      expectArray(a, ex3);
      expectArray(
        b,
        [iota(16).map((v) => [v])].map((r) => [
          r.slice(0, 4),
          r.slice(4, 8),
          r.slice(8, 12),
          r.slice(12),
        ]),
      );
    });
    test("shapes and errors", () => {
      const pads = nd("int32", [2, 2], [0, 0, 2, 0]);
      inferOk(
        "SpaceToBatchND",
        "[2,2,4,1];[2];[2,2]",
        "[8,1,3,1]",
        {},
        {
          dtypes: IDX3,
          constInputs: { 1: nd("int32", [2], [2, 2]), 2: pads },
        },
      );
      inferOk("SpaceToBatchND", "[?,2,4,1];[2];[2,2]", "[?,?,?,?]", {}, { dtypes: IDX3 });
      inferOk(
        "BatchToSpaceND",
        "[8,1,3,1];[2];[2,2]",
        "[2,2,4,1]",
        {},
        {
          dtypes: IDX3,
          constInputs: { 1: nd("int32", [2], [2, 2]), 2: pads },
        },
      );
      inferErr(
        "SpaceToBatchND",
        "[1,3,3,1];[2];[2,2]",
        /padded_shape\[0\]=3 is not divisible/,
        {},
        {
          dtypes: IDX3,
          constInputs: { 1: nd("int32", [2], [2, 2]), 2: nd("int32", [2, 2], [0, 0, 0, 0]) },
        },
      );
      inferErr(
        "BatchToSpaceND",
        "[3,1,1,1];[2];[2,2]",
        /not divisible by product of block sizes \(4\)/,
        {},
        {
          dtypes: IDX3,
          constInputs: { 1: nd("int32", [2], [2, 2]), 2: nd("int32", [2, 2], [0, 0, 0, 0]) },
        },
      );
      inferOk(
        "SpaceToBatch",
        "[1,4,4,3];[2,2]",
        "[4,2,3,3]",
        { block_size: 2 },
        {
          constInputs: { 1: nd("int32", [2, 2], [0, 0, 1, 1]) },
        },
      );
      inferOk("SpaceToDepth", "[2,4,6,3]", "[2,2,3,12]", { block_size: 2 });
      inferOk("DepthToSpace", "[2,?,3,12]", "[2,?,6,3]", { block_size: 2 });
      inferOk("DepthToSpace", "[2,12,2,3]", "[2,3,4,6]", { block_size: 2, data_format: "NCHW" });
    });
    test("BatchToSpaceND run-time errors", async () => {
      await fails(
        () =>
          tf.batchToSpaceNd(
            tf.placeholder("float32", null, "x"),
            [2, 2],
            [
              [0, 0],
              [0, 0],
            ],
          ),
        { "x:0": nd("float32", [3, 1, 1, 1], [1, 2, 3]) },
      ).toThrow(/Input batch dimension \(3\) is not divisible by product of block sizes \(4\)/);
      await fails(() => tf.spaceToBatchNd(tf.placeholder("float32", null, "x"), [2], [[-1, 1]]), {
        "x:0": nd("float32", [1, 2], [1, 2]),
      }).toThrow(/paddings must be non-negative/);
    });
  });

  describe("scatters and in-place updates", () => {
    const ones8 = () => c([1, 1, 1, 1, 1, 1, 1, 1]);
    const idx = () => i32([[4], [3], [1], [7]]);
    const upd = () => c([9, 10, 11, 12]);
    test("TensorScatterUpdate / Add / Sub (TF docs)", async () => {
      const [u, a, s, n] = await run(() => [
        tf.tensorScatterUpdate(ones8(), idx(), upd()),
        tf.tensorScatterAdd(ones8(), idx(), upd()),
        tf.tensorScatterSub(ones8(), idx(), upd()),
        tf.scatterNdNonAliasingAdd(c(iota(8)), idx(), upd()),
      ]);
      expectArray(u, [1, 11, 1, 10, 9, 1, 1, 12]);
      expectArray(a, [1, 12, 1, 11, 10, 1, 1, 13]);
      expectArray(s, [1, -10, 1, -9, -8, 1, 1, -11]);
      expectArray(n, [1, 13, 3, 14, 14, 6, 7, 20]);
    });
    test("slices, int64 indices, strings, errors", async () => {
      const [a, b] = await run(() => [
        tf.tensorScatterAdd(
          tf.zeros([3, 2]),
          c([[0], [2], [0]], "int64"),
          c([
            [5, 5],
            [6, 7],
            [1, 1],
          ]),
        ),
        tf.tensorScatterUpdate(c(["a", "b", "c"]), [[1]], c(["z"])),
      ]);
      expectArray(a, [
        [6, 6],
        [0, 0],
        [6, 7],
      ]);
      expectArray(b, ["a", "z", "c"]);
      expect(() => tf.tensorScatterUpdate(ones8(), idx(), c([1, 2]))).toThrow(tf.ValueError);
      await fails(() => tf.tensorScatterUpdate(ones8(), [[8]], c([1]))).toThrow(
        /indices\[0\] = \[8\] does not index into shape \[8\]/,
      );
    });
    test("InplaceUpdate / Add / Sub (worked by hand)", async () => {
      const x = () =>
        c([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
      const v = () =>
        c([
          [10, 10],
          [20, 20],
        ]);
      const [u, a, s] = await run(() => [
        tf.inplaceUpdate(x(), [0, 2], v()),
        tf.inplaceAdd(x(), [0, 2], v()),
        tf.inplaceSub(x(), [0, 2], v()),
      ]);
      expectArray(u, [
        [10, 10],
        [3, 4],
        [20, 20],
      ]);
      expectArray(a, [
        [11, 12],
        [3, 4],
        [25, 26],
      ]);
      expectArray(s, [
        [-9, -8],
        [3, 4],
        [-15, -14],
      ]);
      expect(() => tf.inplaceAdd(x(), [0], v())).toThrow(tf.ValueError);
      await fails(() => tf.inplaceAdd(x(), [0, 3], v())).toThrow(/i\[1\] = 3 is not in \[0, 3\)/);
    });
  });

  describe("unique and set difference", () => {
    test("UniqueWithCounts (TF docs)", async () => {
      const [y, idx, count] = await run(() => tf.uniqueWithCounts(c([1, 1, 2, 4, 4, 4, 7, 8, 8])));
      expectArray(y, [1, 2, 4, 7, 8]);
      expectArray(idx, [0, 0, 1, 2, 2, 2, 3, 4, 4], { dtype: "int32" });
      expectArray(count, [2, 1, 3, 1, 2], { dtype: "int32" });
    });
    test("UniqueV2 / UniqueWithCountsV2 along an axis (TF docs)", async () => {
      const x = [
        [1, 0, 0],
        [1, 0, 0],
        [2, 0, 0],
      ];
      const [r0, r1, r2] = await run(() => [
        op("UniqueV2", [c(x), i32([0])]).outputs,
        op("UniqueV2", [c(x), c([1], "int64")]).outputs,
        op("UniqueWithCountsV2", [c(["b", "a", "b"]), i32([])], { out_idx: "int64" }).outputs,
      ]);
      expectArray(r0[0], [
        [1, 0, 0],
        [2, 0, 0],
      ]);
      expectArray(r0[1], [0, 0, 1]);
      expectArray(r1[0], [
        [1, 0],
        [1, 0],
        [2, 0],
      ]);
      expectArray(r1[1], [0, 1, 1]);
      expect(r2[0].toArray()).toEqual(["b", "a"]);
      expect(Array.from(r2[1].data as BigInt64Array)).toEqual([0n, 1n, 0n]);
      expect(Array.from(r2[2].data as BigInt64Array)).toEqual([2n, 1n]);
      inferOk(
        "UniqueV2",
        "[3,4];[1]",
        "[3,?];[4]",
        {},
        { dtypes: IDX3, constInputs: { 1: nd("int32", [1], [1]) } },
      );
      expect(() => op("UniqueV2", [c(x), i32([2])])).toThrow(
        /axis has to be between \[0, 2\), got 2/,
      );
      await fails(() => op("UniqueV2", [c(x), tf.placeholder("int32", [1], "a")]).outputs[0], {
        "a:0": nd("int32", [1], [-3]),
      }).toThrow(/axis has to be between \[0, 2\), got -3/);
    });
    test("setdiff1d (TF docs)", async () => {
      const [out, idx] = await run(() => tf.setdiff1d(c([1, 2, 3, 4, 5, 6]), c([1, 3, 5])));
      expectArray(out, [2, 4, 6]);
      expectArray(idx, [1, 3, 5], { dtype: "int32" });
      expect(() => tf.setdiff1d(c([[1]]), c([1]))).toThrow(tf.ValueError);
    });
  });

  describe("Diag, DiagPart", () => {
    test("values (TF docs) and rank-2 diagonals", async () => {
      const [d, p, d2, p2] = await run(() => {
        const d2 = tf.diag(
          c([
            [1, 2],
            [3, 4],
          ]),
        );
        return [
          tf.diag(c([1, 2, 3, 4])),
          tf.diagPart(tf.diag(c([1, 2, 3, 4]))),
          d2,
          tf.diagPart(d2),
        ];
      });
      expectArray(d, [
        [1, 0, 0, 0],
        [0, 2, 0, 0],
        [0, 0, 3, 0],
        [0, 0, 0, 4],
      ]);
      expectArray(p, [1, 2, 3, 4]);
      expect(d2.shape).toEqual([2, 2, 2, 2]);
      // out[i, j, i, j] = d[i, j]; everything else 0.
      const v = d2.toArray() as number[][][][];
      expect([v[0][0][0][0], v[0][1][0][1], v[1][0][1][0], v[1][1][1][1], v[0][1][1][0]]).toEqual([
        1, 2, 3, 4, 0,
      ]);
      expectArray(p2, [
        [1, 2],
        [3, 4],
      ]);
    });
    test("shapes and errors", () => {
      inferOk("Diag", "[2,?]", "[2,?,2,?]");
      inferOk("DiagPart", "[2,?,?,3]", "[2,3]");
      inferErr("DiagPart", "[2,3]", /Diagonal dimensions must be equal, but are 2 and 3/);
      inferErr("DiagPart", "[2,3,2]", /even and non-zero rank/);
      inferErr("Diag", "[]", /at least rank 1/);
    });
  });

  describe("ExtractImagePatches", () => {
    const img = () => tf.reshape(c(iota(100)), [1, 10, 10, 1]);
    test("TF docs: 3x3 patches, strides 5, rates 1 and 2, VALID", async () => {
      const [a, b] = await run(() => [
        tf.extractImagePatches(img(), [1, 3, 3, 1], [1, 5, 5, 1], [1, 1, 1, 1], "VALID"),
        tf.extractImagePatches(img(), [1, 3, 3, 1], [1, 5, 5, 1], [1, 2, 2, 1], "VALID"),
      ]);
      expect(a.shape).toEqual([1, 2, 2, 9]);
      const pa = a.toArray() as number[][][][];
      expect(pa[0][0][0]).toEqual([1, 2, 3, 11, 12, 13, 21, 22, 23]);
      expect(pa[0][1][1]).toEqual([56, 57, 58, 66, 67, 68, 76, 77, 78]);
      expect(b.shape).toEqual([1, 2, 2, 9]);
      expect((b.toArray() as number[][][][])[0][0][0]).toEqual([1, 3, 5, 21, 23, 25, 41, 43, 45]);
    });
    test("SAME padding fills zeros (worked by hand)", async () => {
      const r = await run(() =>
        tf.extractImagePatches(
          c([
            [
              [[1], [2]],
              [[3], [4]],
            ],
          ]),
          [1, 2, 2, 1],
          [1, 1, 1, 1],
          [1, 1, 1, 1],
          "SAME",
        ),
      );
      expectArray(r, [
        [
          [
            [1, 2, 3, 4],
            [2, 0, 4, 0],
          ],
          [
            [3, 4, 0, 0],
            [4, 0, 0, 0],
          ],
        ],
      ]);
    });
    test("shapes and errors", () => {
      const attrs = {
        ksizes: [1, 3, 3, 1],
        strides: [1, 5, 5, 1],
        rates: [1, 1, 1, 1],
        padding: "VALID",
      };
      inferOk("ExtractImagePatches", "[?,10,10,2]", "[?,2,2,18]", attrs);
      inferOk("ExtractImagePatches", "[1,10,?,2]", "[1,3,?,18]", {
        ...attrs,
        strides: [1, 2, 2, 1],
        rates: [1, 2, 2, 1],
      });
      inferErr("ExtractImagePatches", "[1,4,4,1]", /only supports ksizes across space/, {
        ...attrs,
        ksizes: [2, 3, 3, 1],
      });
    });
  });

  describe("sorting and searching", () => {
    test("searchsorted (TF docs)", async () => {
      const seq = () =>
        c([
          [0, 3, 9, 9, 10],
          [1, 2, 3, 4, 5],
        ]);
      const vals = () =>
        c([
          [2, 4, 9],
          [0, 2, 6],
        ]);
      const [l, r, one] = await run(() => [
        tf.searchsorted(seq(), vals()),
        tf.searchsorted(seq(), vals(), { side: "right" }),
        tf.searchsorted(c([1, 2, 2, 3]), c([2, 0, 5]), { outType: "int64" }),
      ]);
      expectArray(l, [
        [1, 2, 2],
        [0, 1, 5],
      ]);
      expectArray(r, [
        [1, 2, 4],
        [0, 2, 5],
      ]);
      expect(Array.from(one.data as BigInt64Array)).toEqual([1n, 0n, 4n]);
      inferOk("LowerBound", "[?,5];[2,3]", "[2,3]");
      inferErr("UpperBound", "[2,5];[3,3]", /Leading dims/);
    });
    test("topK: largest first, ties by index, V1 and errors", async () => {
      const [[v, i], [v2, i2], v1] = await run(() => [
        tf.topK(c([1, 3, 2, 3]), 2),
        tf.topK(
          c([
            [5, 1, 4],
            [0, 9, 9],
          ]),
          3,
        ),
        op("TopK", [c([4, 8, 6])], { k: 1 }).outputs,
      ]);
      expectArray(v, [3, 3]);
      expectArray(i, [1, 3], { dtype: "int32" });
      expectArray(v2, [
        [5, 4, 1],
        [9, 9, 0],
      ]);
      expectArray(i2, [
        [0, 2, 1],
        [1, 2, 0],
      ]);
      expectArray(v1[0], [8]);
      expectArray(v1[1], [1]);
      inferOk(
        "TopKV2",
        "[?,5];[]",
        "[?,2];[?,2]",
        {},
        { constInputs: { 1: nd("int32", [], [2]) } },
      );
      inferErr(
        "TopKV2",
        "[3,5];[]",
        /last dimension >= k = 6/,
        {},
        {
          constInputs: { 1: nd("int32", [], [6]) },
        },
      );
      await fails(() => tf.topK(c([1, 2]), tf.placeholder("int32", [], "k"))[0], {
        "k:0": nd("int32", [], [3]),
      }).toThrow(/Had 2, needed 3/);
    });
    test("inTopK: ties at the boundary are in; bad targets are out (TF docs semantics)", async () => {
      const p = () =>
        c([
          [0.1, 0.3, 0.2, 0.4],
          [0.1, 0.2, 0.3, 0.4],
          [1, 1, 1, 1],
          [1, Number.NaN, 1, 1],
        ]);
      const [k1, k2, v1] = await run(() => [
        tf.inTopK(p(), [3, 2, 2, 1], 1),
        tf.inTopK(p(), i32([3, 2, 2, 7]), 2),
        op("InTopK", [p(), c([0, 3, 0, 0], "int64")], { k: 3 }).outputs[0],
      ]);
      expectArray(k1, [true, false, true, false]);
      expectArray(k2, [true, true, true, false]);
      expectArray(v1, [false, true, true, true]);
      inferOk("InTopKV2", "[?,4];[3];[]", "[3]", {}, { dtypes: IDX3 });
    });
    test("nthElement", async () => {
      const x = () =>
        c([
          [5, 1, 4, 2],
          [3, 3, 0, 7],
        ]);
      const [a, b] = await run(() => [
        tf.nthElement(x(), 1),
        tf.nthElement(x(), 0, { reverse: true }),
      ]);
      expectArray(a, [2, 3]);
      expectArray(b, [5, 7]);
      inferErr(
        "NthElement",
        "[2,3];[]",
        /last dimension > n = 3/,
        {},
        {
          constInputs: { 1: nd("int32", [], [3]) },
        },
      );
    });
  });

  describe("index arithmetic and data formats", () => {
    test("unravelIndex (TF docs and numpy's docs)", async () => {
      const [a, b] = await run(() => [
        tf.unravelIndex([2, 5, 7], [3, 3]),
        tf.unravelIndex(1621, [6, 7, 8, 9]),
      ]);
      expectArray(a, [
        [0, 1, 2],
        [2, 2, 1],
      ]);
      expectArray(b, [3, 1, 4, 1], { dtype: "int32" });
      await fails(() => tf.unravelIndex([9], [3, 3])).toThrow(/index out of bounds/);
    });
    test("ConcatOffset (TF docs)", async () => {
      const r = await run(
        () =>
          op("ConcatOffset", [i32(1), [i32([2, 2, 7]), i32([2, 3, 7]), i32([2, 5, 7])]]).outputs,
      );
      expectArray(r[0], [0, 0, 0]);
      expectArray(r[1], [0, 2, 0]);
      expectArray(r[2], [0, 5, 0]);
      await fails(
        () => op("ConcatOffset", [i32(1), [i32([2, 2, 7]), i32([3, 3, 7])]]).outputs,
      ).toThrow(/All dimensions except 1 must match/);
    });
    test("DataFormatDimMap / DataFormatVecPermute (NHWC to NCHW)", async () => {
      const [m, v, v2, back] = await run(() => [
        tf.dataFormatDimMap([0, 1, 2, 3, -1]),
        tf.dataFormatVecPermute([1, 2, 3, 4]),
        tf.dataFormatVecPermute([
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ]),
        tf.dataFormatVecPermute([1, 4, 2, 3], { srcFormat: "NCHW", dstFormat: "NHWC" }),
      ]);
      expectArray(m, [0, 2, 3, 1, 1]);
      expectArray(v, [1, 4, 2, 3]);
      expectArray(v2, [
        [1, 1],
        [4, 4],
        [2, 2],
        [3, 3],
      ]);
      expectArray(back, [1, 2, 3, 4]);
      await fails(() => tf.dataFormatVecPermute([1, 2, 3])).toThrow(/must be of size 4/);
      expect(() => tf.dataFormatDimMap([0], { dstFormat: "NCHV" })).toThrow(/not a permutation/);
    });
  });

  describe("shapes, allocation, partitioning", () => {
    test("ensureShape: passes, fails at construction, fails at run time", async () => {
      const r = await run(() => tf.ensureShape(c([1, 2, 3]), [null]));
      expectArray(r, [1, 2, 3]);
      expect(() => tf.ensureShape(c([1, 2, 3]), [2])).toThrow(/not compatible with expected shape/);
      await fails(() => tf.ensureShape(tf.placeholder("float32", null, "x"), [2, null]), {
        "x:0": nd("float32", [3], [1, 2, 3]),
      }).toThrow(/\[3\] is not compatible with expected shape \[2,\?\]/);
      const g = new tf.Graph();
      g.asDefault(() => {
        const t = tf.ensureShape(tf.placeholder("float32", [null, null]), [null, 4]);
        expect(t.shape.toString()).toBe(new tf.TensorShape([null, 4]).toString());
      });
    });
    test("empty gives zeros of the shape", async () => {
      const [a, b] = await run(() => [tf.empty([2, 3], "float32"), tf.empty([0], "int64")]);
      expectArray(a, [
        [0, 0, 0],
        [0, 0, 0],
      ]);
      expect(b.shape).toEqual([0]);
      await fails(() => tf.empty(tf.placeholder("int32", [2], "s"), "float32"), {
        "s:0": nd("int32", [2], [2, -1]),
      }).toThrow(/negative dimension: -1/);
    });
    test("TileGrad sums the tiles", async () => {
      const [a, b] = await run(() => [
        op("TileGrad", [c(iota(6)), i32([2])]).outputs[0],
        op("TileGrad", [
          c([
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ]),
          i32([2, 2]),
        ]).outputs[0],
      ]);
      expectArray(a, [5, 7, 9]);
      expectArray(b, [[1 + 3 + 5 + 7, 2 + 4 + 6 + 8]]);
    });
    test("dynamicPartition (TF docs) and slices", async () => {
      const [[a, b], [d, e]] = await run(() => [
        tf.dynamicPartition(c([10, 20, 30, 40, 50]), [0, 0, 1, 1, 0], 2),
        tf.dynamicPartition(
          c([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
          [0, 1, 0],
          2,
        ),
      ]);
      expectArray(a, [10, 20, 50]);
      expectArray(b, [30, 40]);
      expectArray(d, [
        [1, 2],
        [5, 6],
      ]);
      expectArray(e, [[3, 4]]);
      await fails(() => tf.dynamicPartition(c([1, 2]), [0, 2], 2)).toThrow(
        /partitions\[1\] = 2 is not in \[0, 2\)/,
      );
      expect(() => tf.dynamicPartition(c([1, 2]), [0, 1, 0], 2)).toThrow(tf.ValueError);
    });
    test("parallelStack (ParallelConcat)", async () => {
      const r = await run(() => tf.parallelStack([c([1, 2]), c([3, 4]), c([5, 6])]));
      expectArray(r, [
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(() => tf.parallelStack([tf.placeholder("float32", [null])])).toThrow(/fully known/);
    });
  });

  describe("identities, placeholders, bits", () => {
    test("GuaranteeConst, PreventGradient, DebugGradientIdentity pass values through", async () => {
      const [a, b, d] = await run(() => [
        tf.guaranteeConst(c([1, 2])),
        tf.preventGradient(c([3])),
        op("DebugGradientIdentity", [c([4])]).outputs[0],
      ]);
      expectArray(a, [1, 2]);
      expectArray(b, [3]);
      expectArray(d, [4]);
    });
    test("PlaceholderV2 must be fed", async () => {
      const build = () =>
        tf.mul(
          op("PlaceholderV2", [], { dtype: "float32", shape: tf.TensorShape.from([2]) }).outputs[0],
          2,
        );
      await fails(build).toThrow(/You must feed a value for placeholder tensor/);
      const g = new tf.Graph();
      const y = g.asDefault(build);
      const r = await new tf.Session({ graph: g, backend }).run(y, {
        [y.op.inputs[0].name]: nd("float32", [2], [1, 2]),
      });
      expectArray(r, [2, 4]);
      expect(y.shape.toString()).toBe("[2]");
    });
    test("bitcast between numeric dtypes", async () => {
      const [a, b, d, e] = await run(() => [
        tf.bitcast(c([1, -2]), "int32"),
        tf.bitcast(i32([1, 256]), "uint8"),
        tf.bitcast(c([[1, 0, 0, 0]], "uint8"), "int32"),
        tf.bitcast(c(1, "float64"), "int64"),
      ]);
      // 1.0f is 0x3f800000; -2.0f is 0xc0000000.
      expectArray(a, [1065353216, -1073741824], { dtype: "int32" });
      expectArray(b, [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ]);
      expectArray(d, [1], { dtype: "int32" });
      expect(e.data[0]).toBe(0x3ff0000000000000n);
      expect(() => tf.bitcast(c([1, 2, 3], "uint8"), "int32")).toThrow(/does not match 4/);
      expect(() => tf.bitcast(c(["a"]), "int32")).toThrow(tf.ValueError);
    });
    test("compareAndBitpack (TF docs: first element is the most significant bit)", async () => {
      const [a, b] = await run(() => [
        tf.compareAndBitpack(c([0, 1, 2, 3, 4, 5, 6, 7]), 2),
        tf.compareAndBitpack(
          c([[true, false, false, false, false, false, false, true]], "bool"),
          c(false, "bool"),
        ),
      ]);
      expectArray(a, [0b00011111], { dtype: "uint8" });
      expectArray(b, [[0b10000001]]);
      expect(() => tf.compareAndBitpack(c([1, 2, 3]), 0)).toThrow(/divisible by 8/);
    });
  });

  describe("Fingerprint", () => {
    // FarmHash Fingerprint64 values from the farmhash64 project's test table:
    // "a" -> 0xb3454265b6df75e3, "abcd" -> 0x1a5502de4a1f8101, and a 67-byte sentence (more
    // than one 64-byte block) -> 0x55182f8859eca4ce.
    const le = (h: bigint) =>
      Array.from({ length: 8 }, (_, k) => Number((h >> BigInt(8 * k)) & 0xffn));
    const long = "For every action there is an equal and opposite government program.";
    test("strings and bytes, little-endian", async () => {
      const [s, b, f1, f2] = await run(() => [
        tf.fingerprint(c(["a", "abcd", long])),
        tf.fingerprint(c([[97, 98, 99, 100]], "uint8")),
        tf.fingerprint(tf.reshape(c(iota(6)), [2, 3])),
        tf.fingerprint(tf.reshape(c(iota(6)), [2, 3, 1])),
      ]);
      expectArray(s, [le(0xb3454265b6df75e3n), le(0x1a5502de4a1f8101n), le(0x55182f8859eca4cen)], {
        dtype: "uint8",
      });
      expectArray(b, [le(0x1a5502de4a1f8101n)]);
      // TF's docs: the fingerprint depends on each row's bytes, not on how the row is shaped.
      expect(f1.toArray()).toEqual(f2.toArray());
      expect(f1.shape).toEqual([2, 8]);
    });
    test("rows of several strings fingerprint the strings' fingerprints (TF's rule)", async () => {
      const r = await run(() => tf.fingerprint(c([["a", "abcd"]])));
      const inner = Uint8Array.from([...le(0xb3454265b6df75e3n), ...le(0x1a5502de4a1f8101n)]);
      expectArray(r, [le(farmhash64(inner))]);
    });
    test("errors and shape", async () => {
      inferOk("Fingerprint", "[?,3];[]", "[?,8]", {}, { dtypes: ["float32", "string"] });
      expect(() => tf.fingerprint(c(1))).toThrow(tf.ValueError);
      await fails(() => tf.fingerprint(c([1]), { method: "md5" })).toThrow(
        /Unsupported fingerprint method: md5/,
      );
    });
  });

  describe("ExtractVolumePatches, ConjugateTranspose, DeepCopy", () => {
    test("volume patches: VALID whole volume, SAME zero padding (worked by hand)", async () => {
      const [a, b] = await run(() => [
        tf.extractVolumePatches(
          tf.reshape(c(iota(8)), [1, 2, 2, 2, 1]),
          [1, 2, 2, 2, 1],
          [1, 1, 1, 1, 1],
          "VALID",
        ),
        tf.extractVolumePatches(
          tf.reshape(c([1, 2]), [1, 1, 2, 1, 1]),
          [1, 1, 2, 1, 1],
          [1, 1, 1, 1, 1],
          "SAME",
        ),
      ]);
      expectArray(a, [[[[iota(8)]]]]);
      expectArray(b, [[[[[1, 2]], [[2, 0]]]]]);
      inferOk("ExtractVolumePatches", "[?,4,5,6,2]", "[?,2,3,6,8]", {
        ksizes: [1, 2, 2, 1, 1],
        strides: [1, 2, 2, 1, 1],
        padding: "SAME",
      });
      inferErr("ExtractVolumePatches", "[1,4,4,4,1]", /only supports strides across space/, {
        ksizes: [1, 2, 2, 2, 1],
        strides: [2, 1, 1, 1, 1],
        padding: "VALID",
      });
    });
    test("ConjugateTranspose of reals is a transpose; DeepCopy copies", async () => {
      const [t, d] = await run(() => [
        tf.conjugateTranspose(
          c([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          [1, 0],
        ),
        op("DeepCopy", [c([1, 2])]).outputs[0],
      ]);
      expectArray(t, [
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expectArray(d, [1, 2]);
      inferOk(
        "ConjugateTranspose",
        "[2,3,4];[3]",
        "[4,2,3]",
        {},
        {
          dtypes: ["float32", "int32"],
          constInputs: { 1: nd("int32", [3], [2, 0, 1]) },
        },
      );
    });
  });

  describe("TensorStridedSliceUpdate, HostConst, Copy", () => {
    test("slice updates with strides, negative steps and masks (worked by hand)", async () => {
      const x = () => tf.reshape(c(iota(9)), [3, 3]);
      const [a, b, d] = await run(() => [
        // rows 0 and 2, columns 2 then 1
        tf.tensorStridedSliceUpdate(
          x(),
          [0, 2],
          [3, 0],
          [2, -1],
          c([
            [10, 20],
            [30, 40],
          ]),
        ),
        // x[1] = [0, 0, 0] via shrink_axis_mask
        tf.tensorStridedSliceUpdate(x(), [1], [2], [1], c([0, 0, 0]), { shrinkAxisMask: 1 }),
        // x[:, 1:] with begin_mask on dim 0
        tf.tensorStridedSliceUpdate(x(), [0, 1], [0, 3], [1, 1], tf.zeros([3, 2]), {
          beginMask: 1,
          endMask: 1,
        }),
      ]);
      expectArray(a, [
        [1, 20, 10],
        [4, 5, 6],
        [7, 40, 30],
      ]);
      expectArray(b, [
        [1, 2, 3],
        [0, 0, 0],
        [7, 8, 9],
      ]);
      expectArray(d, [
        [1, 0, 0],
        [4, 0, 0],
        [7, 0, 0],
      ]);
      await fails(() => tf.tensorStridedSliceUpdate(x(), [0], [1], [1], c([1, 2]))).toThrow(
        /sliced l-value shape \[1,3\] does not match r-value shape \[2\]/,
      );
    });
    test("HostConst holds its value; Copy and CopyHost pass through", async () => {
      const value = nd("int32", [2], [7, 8]);
      const [h, cp, ch] = await run(() => [
        op("HostConst", [], { value, dtype: "int32" }).outputs[0],
        op("Copy", [c([1.5])]).outputs[0],
        op("CopyHost", [c([2.5])]).outputs[0],
      ]);
      expectArray(h, [7, 8], { dtype: "int32" });
      expectArray(cp, [1.5]);
      expectArray(ch, [2.5]);
    });
  });

  describe("QuantizeAndDequantize", () => {
    test("V2: range [-10, 5] with 8 signed bits (TF docs): scale 12.8 from the min side", async () => {
      // 128 / 10 < 127 / 5, so scale = 12.8, 1/scale = 0.078125 and max widens to 127 / 12.8.
      const r = await run(() =>
        tf.quantizeAndDequantize(c([-10, -1, 0, 1.04, 5, 12]), -10, 5, { rangeGiven: true }),
      );
      expectArray(r, [-10, -1.015625, 0, 1.015625, 5, 9.921875]);
    });
    test("round modes, unsigned, narrow range, range from the data (worked by hand)", async () => {
      const x = () => c([2.5, 3.5, -1, 300], "float64");
      const [even, up, data, narrow] = await run(() => [
        tf.quantizeAndDequantize(x(), 0, 255, { signedInput: false, rangeGiven: true }),
        tf.quantizeAndDequantize(x(), 0, 255, {
          signedInput: false,
          rangeGiven: true,
          roundMode: "HALF_UP",
        }),
        // min -1, max 2: 128 / 1 > 127 / 2, so scale = 63.5 from the max side; -63.5 rounds to -64.
        tf.quantizeAndDequantize(c([-1, 0.5, 2]), 0, 0),
        tf.quantizeAndDequantize(c([-1, 0.3]), -1, 1, { rangeGiven: true, narrowRange: true }),
      ]);
      expectArray(even, [2, 4, 0, 255]);
      expectArray(up, [3, 4, 0, 255]);
      expectArray(data, [-64 / 63.5, 32 / 63.5, 2]);
      expectArray(narrow, [-1, 38 / 127]);
    });
    test("V1 and V3 agree with V2; errors", async () => {
      const [v1, v3] = await run(() => [
        op("QuantizeAndDequantize", [c([-10, -1, 12])], {
          range_given: true,
          input_min: -10,
          input_max: 5,
        }).outputs[0],
        op("QuantizeAndDequantizeV3", [c([-10, -1, 12]), c(-10), c(5), i32(8)]).outputs[0],
      ]);
      expectArray(v1, [-10, -1.015625, 9.921875]);
      expectArray(v3, [-10, -1.015625, 9.921875]);
      await fails(() => tf.quantizeAndDequantize(c([1]), 0, 1, { numBits: 0 })).toThrow(
        /num_bits is out of range: 0/,
      );
      await fails(() => tf.quantizeAndDequantize(c([1]), 2, 1, { rangeGiven: true })).toThrow(
        /Invalid range/,
      );
      expect(() => tf.quantizeAndDequantize(c([1]), c([0, 1]), 1)).toThrow(tf.ValueError);
    });
  });

  describe("gather and gatherNd with batch dims", () => {
    test("gather: batchDims 1 (axis defaults to it) and an explicit axis", async () => {
      const [a, b] = await run(() => [
        tf.gather(
          c([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          [
            [2, 0],
            [1, 1],
          ],
          { batchDims: 1 },
        ),
        tf.gather(tf.reshape(c(iota(12, 0)), [2, 2, 3]), [[2], [0]], { axis: 2, batchDims: 1 }),
      ]);
      expectArray(a, [
        [3, 1],
        [5, 5],
      ]);
      // batch 0 takes column 2 of [[0,1,2],[3,4,5]]; batch 1 column 0 of [[6,7,8],[9,10,11]].
      expectArray(b, [
        [[2], [5]],
        [[6], [9]],
      ]);
    });
    test("gatherNd: batchDims 1 and 2 (worked by hand)", async () => {
      const p = () => tf.reshape(c(iota(8)), [2, 2, 2]);
      const [a, b, d] = await run(() => [
        tf.gatherNd(p(), [[[1]], [[0]]], { batchDims: 1 }),
        tf.gatherNd(p(), [[[1, 0]], [[0, 1]]], { batchDims: 1 }),
        tf.gatherNd(
          p(),
          [
            [[1], [0]],
            [[0], [0]],
          ],
          { batchDims: 2 },
        ),
      ]);
      expectArray(a, [[[3, 4]], [[5, 6]]]);
      expectArray(b, [[3], [6]]);
      expectArray(d, [
        [2, 3],
        [5, 7],
      ]);
      expect(() => tf.gatherNd(p(), [1], { batchDims: 1 })).toThrow(/less than the rank/);
      const g = new tf.Graph();
      g.asDefault(() => {
        const known = tf.gatherNd(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 1], "int32"), {
          batchDims: 1,
        });
        expect(known.shape.toString()).toBe("[2,5,4]");
      });
    });
  });
});

describe("Print and PrintV2", () => {
  const lines: [string, string][] = [];
  const prev = setPrintSink((text, stream) => lines.push([text, stream]));
  afterEach(() => {
    lines.length = 0;
  });
  test("Print prints message and summaries, passes input through, honours firstN", async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() =>
      tf.print(c([1, 2]), [c([1, 2, 3, 4]), c([0.1, 2.5]), c(["s"])], {
        message: "msg: ",
        firstN: 2,
      }),
    );
    const sess = new tf.Session({ graph: g });
    for (let i = 0; i < 3; i++) expectArray(await sess.run(y), [1, 2]);
    expect(lines).toEqual([
      ["msg: [1 2 3...][0.1 2.5][s]\n", "stderr"],
      ["msg: [1 2 3...][0.1 2.5][s]\n", "stderr"],
    ]);
  });
  test("PrintV2 writes the string and `end` to its stream", async () => {
    const g = new tf.Graph();
    const p = g.asDefault(() => tf.printV2(c("hello"), { outputStream: "stdout", end: "!\n" }));
    await new tf.Session({ graph: g }).run(p);
    expect(lines).toEqual([["hello!\n", "stdout"]]);
    const bad = () =>
      g.asDefault(() =>
        new tf.Session({ graph: g }).run(tf.printV2(c("x"), { outputStream: "nowhere" })),
      );
    await expect(bad()).rejects.toThrow(/not a valid output_stream/);
  });
  test("restores the sink", () => {
    setPrintSink(prev);
    expect(setPrintSink(prev)).toBe(prev);
  });
});

describe("gradients", () => {
  test("PreventGradient raises LookupError with its message", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder("float32", [2]);
      const y = tf.preventGradient(tf.square(x), { message: "no way" });
      expect(() => tf.gradients(y, [x])).toThrow(/Gradient explicitly disabled. Reason: no way/);
    });
  });
  test("numeric: gatherNd and gather with batch dims, topK of a 3-D input, unsorted topK", async () => {
    await checkGradient(
      (x) => tf.gatherNd(x, i32([[[1, 0]], [[0, 1]]]), { batchDims: 1 }),
      [{ shape: [2, 2, 3] }],
    );
    await checkGradient(
      (x) =>
        tf.gather(
          x,
          i32([
            [2, 0],
            [1, 1],
          ]),
          { batchDims: 1 },
        ),
      [{ shape: [2, 3] }],
    );
    await checkGradient((x) => tf.topK(x, 2)[0], [{ shape: [2, 2, 3] }]);
    await checkGradient((x) => tf.topK(x, 0)[0], [{ shape: [2, 3] }]);
  });
  test("numeric: ExtractImagePatches with rates and VALID, SpaceToDepth NCHW", async () => {
    await checkGradient(
      (x) => tf.extractImagePatches(x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 2, 1, 1], "VALID"),
      [{ shape: [1, 4, 5, 2] }],
    );
    await checkGradient(
      (x) => tf.spaceToDepth(x, 2, { dataFormat: "NCHW" }),
      [{ shape: [1, 2, 2, 4] }],
    );
  });
});
