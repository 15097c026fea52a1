import { describe, expect, it } from "vitest";
import { checkGradient } from "../../test/gradcheck.js";
import { BACKENDS, expectArray, inferErr, inferOk, runGraph } from "../../test/helpers.js";
import * as tf from "../index.js";

const f64 = (v: tf.NestedArray) => tf.constant(v, { dtype: "float64" });
const i32 = (v: tf.NestedArray) => tf.constant(v, { dtype: "int32" });
const i64 = (v: number) => tf.constant(v, { dtype: "int64" });
const op = (type: string, inputs: tf.Tensor[], attrs: Record<string, unknown> = {}) =>
  tf.getDefaultGraph().createOp(type, inputs, attrs as never).outputs;

/** Row-major product of nested 2-D arrays (for checking decompositions). */
function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}
const T = (a: number[][]) => a[0].map((_, j) => a.map((r) => r[j]));
const eye = (n: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const as2d = (x: tf.NDArray) => x.toArray() as number[][];
const nd = (a: number[][]) => tf.NDArray.from(a, "float64");
const diagM = (v: number[], rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === j && i < v.length ? v[i] : 0)),
  );

// TF's band_part docs: input[i][j] = j - i.
const BAND_IN = [
  [0, 1, 2, 3],
  [-1, 0, 1, 2],
  [-2, -1, 0, 1],
  [-3, -2, -1, 0],
];
// TF's matrix_diag_part (V2) docs: a (2, 3, 4) input.
const DIAG_IN = [
  [
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [9, 8, 7, 6],
  ],
  [
    [5, 4, 3, 2],
    [1, 2, 3, 4],
    [5, 6, 7, 8],
  ],
];

describe.each(BACKENDS)("linalg on %s", (backend) => {
  const run = <T extends tf.Fetches>(build: () => T) => runGraph(build, { backend });

  describe("bands and diagonals", () => {
    it("bandPart keeps num_lower / num_upper diagonals (TF docs)", async () => {
      const [a, b, c] = await run(() => [
        tf.matrixBandPart(f64(BAND_IN), 1, -1),
        tf.linalg.bandPart(f64(BAND_IN), 2, 1),
        tf.matrixBandPart(
          i32([
            [1, 2],
            [3, 4],
          ]),
          0,
          0,
        ),
      ]);
      expectArray(a, [
        [0, 1, 2, 3],
        [-1, 0, 1, 2],
        [0, -1, 0, 1],
        [0, 0, -1, 0],
      ]);
      expectArray(b, [
        [0, 1, 0, 0],
        [-1, 0, 1, 0],
        [-2, -1, 0, 1],
        [0, -2, -1, 0],
      ]);
      expect(c.dtype).toBe("int32");
      expectArray(c, [
        [1, 0],
        [0, 4],
      ]);
    });

    it("bandPart rejects a bound larger than the matrix", async () => {
      await expect(run(() => tf.matrixBandPart(f64(BAND_IN), 5, 0))).rejects.toThrow(
        /num_lower must be negative or less or equal to number of rows \(4\) got: 5/,
      );
    });

    it("diag / diagPart / setDiag (V1)", async () => {
      const [d, p, s, ps] = await run(() => [
        tf.matrixDiag(
          f64([
            [1, 2],
            [3, 4],
          ]),
        ),
        tf.matrixDiagPart(f64(DIAG_IN)),
        tf.matrixSetDiag(
          f64([
            [1, 2],
            [3, 4],
          ]),
          f64([9, 8]),
        ),
        tf.linalg.diagPart(f64([[1, 2, 3]])),
      ]);
      expectArray(d, [
        [
          [1, 0],
          [0, 2],
        ],
        [
          [3, 0],
          [0, 4],
        ],
      ]);
      expectArray(p, [
        [1, 6, 7],
        [5, 2, 7],
      ]);
      expectArray(s, [
        [9, 2],
        [3, 8],
      ]);
      expectArray(ps, [1]);
    });

    it("diagPart V2: a band, a single off-diagonal, padding (TF docs)", async () => {
      const [band, one, padded] = await run(() => [
        tf.matrixDiagPart(f64(DIAG_IN), { k: [-1, 2] }),
        tf.matrixDiagPart(f64(DIAG_IN), { k: 1 }),
        tf.matrixDiagPart(f64(DIAG_IN), { k: [1, 3], paddingValue: 9 }),
      ]);
      expectArray(band, [
        [
          [3, 8, 0],
          [2, 7, 6],
          [1, 6, 7],
          [5, 8, 0],
        ],
        [
          [3, 4, 0],
          [4, 3, 8],
          [5, 2, 7],
          [1, 6, 0],
        ],
      ]);
      expectArray(one, [
        [2, 7, 6],
        [4, 3, 8],
      ]);
      // k = 3: (0,3) then off the matrix; k = 2: (0,2), (1,3); k = 1: (0,1), (1,2), (2,3).
      expectArray(padded, [
        [
          [4, 9, 9],
          [3, 8, 9],
          [2, 7, 6],
        ],
        [
          [2, 9, 9],
          [3, 4, 9],
          [4, 3, 8],
        ],
      ]);
    });

    it("diag V2: offsets, bands, num_rows/num_cols and padding (worked by hand)", async () => {
      const [k1, band, rect, rectPad] = await run(() => [
        tf.matrixDiag(f64([[1, 2, 3]]), { k: 1 }),
        // Rows of the band, top (k = 1) first, each left-aligned.
        tf.linalg.diag(
          f64([
            [1, 2, 0],
            [3, 4, 5],
            [6, 7, 0],
          ]),
          { k: [-1, 1] },
        ),
        tf.matrixDiag(f64([1, 2]), { numRows: 3 }),
        tf.matrixDiag(f64([1, 2]), { numRows: 3, paddingValue: 9 }),
      ]);
      expectArray(k1, [
        [
          [0, 1, 0, 0],
          [0, 0, 2, 0],
          [0, 0, 0, 3],
          [0, 0, 0, 0],
        ],
      ]);
      expectArray(band, [
        [3, 1, 0],
        [6, 4, 2],
        [0, 7, 5],
      ]);
      expectArray(rect, [
        [1, 0],
        [0, 2],
        [0, 0],
      ]);
      expectArray(rectPad, [
        [1, 9],
        [9, 2],
        [9, 9],
      ]);
    });

    it("setDiag V2 sets a band", async () => {
      const out = await run(() =>
        tf.matrixSetDiag(
          tf.zeros([3, 3], "float64"),
          f64([
            [1, 2, 0],
            [3, 4, 5],
          ]),
          { k: [0, 1] },
        ),
      );
      expectArray(out, [
        [3, 1, 0],
        [0, 4, 2],
        [0, 0, 5],
      ]);
    });

    it("diagonal errors name the op", async () => {
      // Found at construction when the shapes and k are known...
      expect(() => tf.matrixSetDiag(f64([[1, 2]]), f64([1, 2]))).toThrow(
        /Diagonal length must be equal, but are 1 and 2/,
      );
      expect(() => tf.matrixDiagPart(f64(DIAG_IN), { k: [2, 1] })).toThrow(
        /lower_diag_index must not be larger than upper_diag_index/,
      );
      // ... else by the kernel.
      await expect(
        runGraph(
          () => {
            const x = tf.placeholder("float64", [null, null], "x");
            return tf.matrixSetDiag(x, f64([1, 2]));
          },
          { backend, feeds: { "x:0": [[1, 2]] } },
        ),
      ).rejects.toThrow(/MatrixSetDiag: diagonal must have shape \[1\]/);
    });

    it("trace and eye", async () => {
      const [t, e, r, b] = await run(() => [
        tf.trace(
          f64([
            [
              [1, 2],
              [3, 4],
            ],
            [
              [5, 0],
              [0, -1],
            ],
          ]),
        ),
        tf.eye(2),
        tf.eye(2, { numColumns: 3, dtype: "int32" }),
        tf.linalg.eye(2, { batchShape: [2] }),
      ]);
      expectArray(t, [5, 4]);
      expectArray(e, eye(2), { dtype: "float32" });
      expectArray(r, [
        [1, 0, 0],
        [0, 1, 0],
      ]);
      expectArray(b, [eye(2), eye(2)]);
      expect(() => tf.eye(-1)).toThrow(tf.ValueError);
    });
  });

  describe("inverse and determinants", () => {
    const A = [
      [4, 7],
      [2, 6],
    ];
    it("matrixInverse, with adjoint, batched", async () => {
      const [inv, adj, batch32] = await run(() => [
        tf.matrixInverse(f64(A)),
        tf.linalg.inv(f64(A), { adjoint: true }),
        tf.matrixInverse(tf.constant([A, eye(2)])),
      ]);
      // det = 10: inverse = [[6, -7], [-2, 4]] / 10.
      expectArray(inv, [
        [0.6, -0.7],
        [-0.2, 0.4],
      ]);
      expectArray(adj, [
        [0.6, -0.2],
        [-0.7, 0.4],
      ]);
      expectArray(batch32, [
        [
          [0.6, -0.7],
          [-0.2, 0.4],
        ],
        eye(2),
      ]);
      expect(batch32.dtype).toBe("float32");
    });

    it("a singular matrix is not invertible", async () => {
      const bad = () =>
        tf.matrixInverse(
          f64([
            [1, 2],
            [2, 4],
          ]),
        );
      await expect(run(bad)).rejects.toThrow(tf.InvalidArgumentError);
      await expect(run(bad)).rejects.toThrow("Input is not invertible.");
    });

    it("det, logdet, slogdet", async () => {
      const [d, dd, sign, logAbs, ld] = await run(() => [
        tf.matrixDeterminant(
          f64([
            [
              [1, 2],
              [3, 4],
            ],
            [
              [1, 2],
              [2, 4],
            ],
          ]),
        ),
        // The classic 3x3 example: 6(-14-40) - 1(28-10) + 1(32+4) = -306.
        tf.linalg.det(
          f64([
            [6, 1, 1],
            [4, -2, 5],
            [2, 8, 7],
          ]),
        ),
        ...tf.linalg.slogdet(
          f64([
            [1, 2],
            [3, 4],
          ]),
        ),
        tf.linalg.logdet(
          f64([
            [4, 12, -16],
            [12, 37, -43],
            [-16, -43, 98],
          ]),
        ),
      ]);
      expectArray(d, [-2, 0]);
      expectArray(dd, -306);
      expectArray(sign, -1);
      expectArray(logAbs, Math.log(2));
      // cholesky diag [2, 1, 3]: log det = 2 (log 2 + log 3) = log 36.
      expectArray(ld, Math.log(36));
    });
  });

  describe("decompositions", () => {
    // Wikipedia's Cholesky example.
    const SPD = [
      [4, 12, -16],
      [12, 37, -43],
      [-16, -43, 98],
    ];
    it("cholesky", async () => {
      const [l, alias] = await run(() => [
        tf.cholesky(f64(SPD)),
        op("BatchCholesky", [f64([SPD])])[0],
      ]);
      const want = [
        [2, 0, 0],
        [6, 1, 0],
        [-8, 5, 3],
      ];
      expectArray(l, want);
      expectArray(alias, [want]);
    });

    it("cholesky of a matrix that is not positive definite fails", async () => {
      await expect(
        run(() =>
          tf.cholesky(
            f64([
              [1, 2],
              [2, 1],
            ]),
          ),
        ),
      ).rejects.toThrow(/Cholesky decomposition was not successful/);
    });

    it("CholeskyGrad: 1x1 by hand, and the gradient of Cholesky", async () => {
      // l = sqrt(a) = 2: dl/da = 1 / (2 sqrt(a)) = 0.25.
      const [one, viaOp, viaGrad] = await run(() => {
        const a = f64(SPD);
        const l = tf.cholesky(a);
        const g = f64([
          [1, 0, 0],
          [0.5, 2, 0],
          [-1, 0.25, 1],
        ]);
        return [
          op("CholeskyGrad", [f64([[2]]), f64([[1]])])[0],
          op("CholeskyGrad", [l, g])[0],
          tf.gradients(l, [a], [g])[0]!,
        ];
      });
      expectArray(one, [[0.25]]);
      expectArray(viaOp, as2d(viaGrad), { tol: 1e-9 });
    });

    it("qr: numpy's signs, reduced and full", async () => {
      const [q, r, qf, rf, q3, r3] = await run(() => [
        ...tf.qr(
          f64([
            [1, 2],
            [3, 4],
          ]),
        ),
        ...tf.linalg.qr(
          f64([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
          { fullMatrices: true },
        ),
        ...tf.qr(
          f64([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ),
      ]);
      // numpy.linalg.qr([[1, 2], [3, 4]]).
      const s10 = Math.sqrt(10);
      expectArray(q, [
        [-1 / s10, -3 / s10],
        [-3 / s10, 1 / s10],
      ]);
      expectArray(r, [
        [-s10, -14 / s10],
        [0, -2 / s10],
      ]);
      expect(qf.shape).toEqual([3, 3]);
      expect(rf.shape).toEqual([3, 2]);
      expect(q3.shape).toEqual([3, 2]);
      expect(r3.shape).toEqual([2, 2]);
      const A = [
        [1, 2],
        [3, 4],
        [5, 6],
      ];
      expectArray(nd(matmul(as2d(qf), as2d(rf))), A, { tol: 1e-9 });
      expectArray(nd(matmul(T(as2d(qf)), as2d(qf))), eye(3), { tol: 1e-9 });
      expectArray(nd(matmul(as2d(q3), as2d(r3))), A, { tol: 1e-9 });
      expect(as2d(rf)[2]).toEqual([0, 0]);
    });

    it("eigh: eigenvalues ascending, only the lower triangle read", async () => {
      const [e, v, e2, w] = await run(() => [
        ...tf.linalg.eigh(
          f64([
            [2, 1],
            [1, 2],
          ]),
        ),
        tf.selfAdjointEig(
          f64([
            [2, 99],
            [1, 2],
          ]),
        )[0],
        tf.linalg.eigvalsh(
          f64([
            [2, 0, 0],
            [0, -1, 0],
            [0, 0, 5],
          ]),
        ),
      ]);
      expectArray(e, [1, 3]);
      expectArray(e2, [1, 3]);
      expectArray(w, [-1, 2, 5]);
      const V = as2d(v);
      const AV = matmul(
        [
          [2, 1],
          [1, 2],
        ],
        V,
      );
      expectArray(nd(AV), matmul(V, diagM([1, 3], 2, 2)), { tol: 1e-9 });
      expectArray(nd(matmul(T(V), V)), eye(2), { tol: 1e-9 });
    });

    it("svd: values descending, u diag(s) vᵀ = a, full and reduced", async () => {
      // AᵀA = [[25, 20], [20, 25]]: eigenvalues 45 and 5.
      const A = [
        [3, 0],
        [4, 5],
      ];
      const W = [
        [1, 2, 3],
        [4, 5, 6],
      ];
      const [s, u, v, sw, uw, vw, sOnly] = await run(() => [
        ...tf.svd(f64(A)),
        ...tf.linalg.svd(f64(W), { fullMatrices: true }),
        tf.svd(f64(W), { computeUv: false }),
      ]);
      expectArray(s, [Math.sqrt(45), Math.sqrt(5)]);
      expectArray(
        nd(matmul(matmul(as2d(u), diagM(Array.from(s.data as Float64Array), 2, 2)), T(as2d(v)))),
        A,
        {
          tol: 1e-9,
        },
      );
      expect(uw.shape).toEqual([2, 2]);
      expect(vw.shape).toEqual([3, 3]);
      const sv = Array.from(sw.data as Float64Array);
      expectArray(nd(matmul(matmul(as2d(uw), diagM(sv, 2, 3)), T(as2d(vw)))), W, {
        tol: 1e-9,
      });
      expectArray(nd(matmul(T(as2d(vw)), as2d(vw))), eye(3), { tol: 1e-9 });
      expectArray(sOnly, sv, { tol: 1e-9 });
    });

    it("lu: packed factors and the row permutation", async () => {
      const [lu, p, p64] = await run(() => [
        ...tf.lu(
          f64([
            [1, 2],
            [3, 4],
          ]),
        ),
        tf.linalg.lu(f64(eye(2)), { outputIdxType: "int64" })[1],
      ]);
      // Pivot on row 1: L = [[1, 0], [1/3, 1]], U = [[3, 4], [0, 2 - 4/3]].
      expectArray(lu, [
        [3, 4],
        [1 / 3, 2 / 3],
      ]);
      expectArray(p, [1, 0], { dtype: "int32" });
      expect(p64.dtype).toBe("int64");
      await expect(
        run(() =>
          tf.lu(
            f64([
              [0, 0],
              [0, 0],
            ]),
          ),
        ),
      ).rejects.toThrow("Input is not invertible.");
    });

    it("expm", async () => {
      const [n, r, d] = await run(() => [
        tf.linalg.expm(
          f64([
            [0, 1],
            [0, 0],
          ]),
        ),
        tf.matrixExponential(
          f64([
            [0, -1],
            [1, 0],
          ]),
        ),
        tf.linalg.expm(
          f64([
            [
              [1, 0],
              [0, 10],
            ],
          ]),
        ),
      ]);
      expectArray(n, [
        [1, 1],
        [0, 1],
      ]);
      // exp of a rotation generator: [[cos 1, -sin 1], [sin 1, cos 1]].
      expectArray(
        r,
        [
          [Math.cos(1), -Math.sin(1)],
          [Math.sin(1), Math.cos(1)],
        ],
        { tol: 1e-12 },
      );
      expectArray(
        d,
        [
          [
            [Math.E, 0],
            [0, Math.exp(10)],
          ],
        ],
        { tol: 1e-12 },
      );
    });
  });

  it("the deprecated BatchMatrix* aliases compute what their ops compute", async () => {
    const M = [
      [
        [4, 1, 0.5],
        [2, 5, 1],
        [0.5, -1, 3],
      ],
    ];
    const SPD = [
      [
        [4, 2, 0],
        [2, 5, 1],
        [0, 1, 3],
      ],
    ];
    const R = [
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ];
    const cases: [string, string, () => tf.Tensor[], Record<string, unknown>?][] = [
      ["BatchMatrixBandPart", "MatrixBandPart", () => [f64(M), i64(1), i64(0)]],
      ["BatchMatrixDeterminant", "MatrixDeterminant", () => [f64(M)]],
      ["BatchMatrixDiag", "MatrixDiag", () => [f64([[1, 2, 3]])]],
      ["BatchMatrixDiagPart", "MatrixDiagPart", () => [f64(M)]],
      ["BatchMatrixInverse", "MatrixInverse", () => [f64(M)], { adjoint: true }],
      ["BatchMatrixSetDiag", "MatrixSetDiag", () => [f64(M), f64([[7, 8, 9]])]],
      ["BatchMatrixSolve", "MatrixSolve", () => [f64(M), f64(R)]],
      ["BatchMatrixSolveLs", "MatrixSolveLs", () => [f64(M), f64(R), f64(0.5)]],
      [
        "BatchMatrixTriangularSolve",
        "MatrixTriangularSolve",
        () => [f64(M), f64(R)],
        { lower: false },
      ],
      ["BatchCholesky", "Cholesky", () => [f64(SPD)]],
      ["BatchCholeskyGrad", "CholeskyGrad", () => [tf.cholesky(f64(SPD)), f64(M)]],
      ["BatchSelfAdjointEigV2", "SelfAdjointEigV2", () => [f64(SPD)]],
      ["BatchSelfAdjointEig", "SelfAdjointEig", () => [f64(SPD)]],
      ["BatchSvd", "Svd", () => [f64(M)], { full_matrices: true }],
    ];
    for (const [alias, main, inputs, attrs = {}] of cases) {
      const [a, b] = await run(() => [op(alias, inputs(), attrs), op(main, inputs(), attrs)]);
      expect(a.length).toBe(b.length);
      for (const [k, x] of a.entries()) {
        expectArray(x, b[k].toArray() as tf.NestedArray, { tol: 1e-12 });
      }
    }
  });

  it("SelfAdjointEig (V1): eigenvalues in the first row, eigenvectors below", async () => {
    const out = await run(
      () =>
        op("SelfAdjointEig", [
          f64([
            [2, 1],
            [1, 2],
          ]),
        ])[0],
    );
    const rows = as2d(out);
    expect(out.shape).toEqual([3, 2]);
    expectArray(tf.NDArray.from(rows[0], "float64"), [1, 3]);
    // Each eigenvector column is ±[1, -1]/√2 (for 1) and ±[1, 1]/√2 (for 3).
    expect(Math.abs(rows[1][0] + rows[2][0])).toBeLessThan(1e-12);
    expect(Math.abs(rows[1][1] - rows[2][1])).toBeLessThan(1e-12);
    expect(Math.abs(Math.abs(rows[1][1]) - Math.SQRT1_2)).toBeLessThan(1e-12);
  });

  it("sqrtm: symmetric, general, and without a real root", async () => {
    const [sym, gen, neg] = await run(() => [
      tf.linalg.sqrtm(
        f64([
          [5, 4],
          [4, 5],
        ]),
      ),
      tf.matrixSquareRoot(
        f64([
          [4, 1],
          [0, 9],
        ]),
      ),
      tf.linalg.sqrtm(f64([[-1]])),
    ]);
    // [[2, 1], [1, 2]]² = [[5, 4], [4, 5]]; [[2, 0.2], [0, 3]]² = [[4, 1], [0, 9]].
    expectArray(sym, [
      [2, 1],
      [1, 2],
    ]);
    expectArray(gen, [
      [2, 0.2],
      [0, 3],
    ]);
    expectArray(neg, [[Number.NaN]]);
  });

  describe("solves", () => {
    const A = [
      [1, 2],
      [3, 4],
    ];
    it("matrixSolve, adjoint, the BatchMatrixSolve alias", async () => {
      const [x, xa, alias] = await run(() => [
        tf.matrixSolve(f64(A), f64([[5], [11]])),
        // Aᵀ x = [5, 11]: x = [6.5, -0.5].
        tf.linalg.solve(f64(A), f64([[5], [11]]), { adjoint: true }),
        op("BatchMatrixSolve", [f64([A]), f64([[[5], [11]]])])[0],
      ]);
      expectArray(x, [[1], [2]]);
      expectArray(xa, [[6.5], [-0.5]]);
      expectArray(alias, [[[1], [2]]]);
      await expect(
        run(() =>
          tf.matrixSolve(
            f64([
              [1, 2],
              [2, 4],
            ]),
            f64([[1], [1]]),
          ),
        ),
      ).rejects.toThrow(/not invertible/);
    });

    it("matrixTriangularSolve reads only its triangle", async () => {
      const [lo, up, adj] = await run(() => [
        tf.matrixTriangularSolve(
          f64([
            [2, 100],
            [3, 1],
          ]),
          f64([[4], [7]]),
        ),
        tf.linalg.triangularSolve(
          f64([
            [2, 5],
            [9, 1],
          ]),
          f64([[7], [1]]),
          { lower: false },
        ),
        // Lᵀ x = [8, 1] with L = [[2, 0], [3, 1]].
        tf.matrixTriangularSolve(
          f64([
            [2, 0],
            [3, 1],
          ]),
          f64([[8], [1]]),
          { adjoint: true },
        ),
      ]);
      expectArray(lo, [[2], [1]]);
      expectArray(up, [[1], [1]]);
      expectArray(adj, [[2.5], [1]]);
    });

    it("lstsq: over- and underdetermined, regularized, fast=false", async () => {
      const A3 = [
        [1, 0],
        [0, 1],
        [1, 1],
      ];
      const b3 = [[1], [1], [0]];
      const [x, xr, xs, xu] = await run(() => [
        tf.matrixSolveLs(f64(A3), f64(b3)),
        // (AᵀA + I) x = Aᵀb: [[3, 1], [1, 3]] x = [1, 1].
        tf.linalg.lstsq(f64(A3), f64(b3), { l2Regularizer: 1 }),
        tf.matrixSolveLs(f64(A3), f64(b3), { fast: false }),
        // The minimum-norm solution of x0 + x1 = 2.
        tf.matrixSolveLs(f64([[1, 1]]), f64([[2]])),
      ]);
      // AᵀA = [[2, 1], [1, 2]], Aᵀb = [1, 1]: x = [1/3, 1/3].
      expectArray(x, [[1 / 3], [1 / 3]]);
      expectArray(xr, [[0.25], [0.25]]);
      expectArray(xs, [[1 / 3], [1 / 3]], { tol: 1e-9 });
      expectArray(xu, [[1], [1]]);
    });

    it("choleskySolve", async () => {
      const x = await run(() =>
        tf.linalg.choleskySolve(
          tf.cholesky(
            f64([
              [4, 2],
              [2, 3],
            ]),
          ),
          f64([[6], [5]]),
        ),
      );
      expectArray(x, [[1], [1]]);
    });
  });

  describe("products", () => {
    it("einsum: matmul, trace, diagonal, transpose, outer, sums, implicit, chains", async () => {
      const a = [
        [1, 2],
        [3, 4],
      ];
      const b = [
        [5, 6],
        [7, 8],
      ];
      const r = await run(() => [
        tf.einsum("ij,jk->ik", f64(a), f64(b)),
        tf.einsum("ii", f64(a)),
        tf.einsum("ii->i", f64(a)),
        tf.linalg.einsum("ij->ji", f64(a)),
        tf.einsum("i,j->ij", f64([1, 2]), f64([3, 4, 5])),
        tf.einsum("ij->", f64(a)),
        tf.einsum("ij,jk", f64(a), f64(b)),
        tf.einsum("ij,jk,kl->il", f64(a), f64(b), f64(eye(2)), { name: "chain" }),
        tf.einsum("ij,ij->i", f64(a), f64(b)),
      ]);
      expectArray(r[0], [
        [19, 22],
        [43, 50],
      ]);
      expectArray(r[1], 5);
      expectArray(r[2], [1, 4]);
      expectArray(r[3], [
        [1, 3],
        [2, 4],
      ]);
      expectArray(r[4], [
        [3, 4, 5],
        [6, 8, 10],
      ]);
      expectArray(r[5], 10);
      expectArray(r[6], as2d(r[0]));
      expectArray(r[7], as2d(r[0]));
      expectArray(r[8], [17, 53]);
    });

    it("einsum: the matrix-product path (floats) agrees with the general loop (int32)", async () => {
      const vals = (n: number, seed: number) =>
        Array.from({ length: n }, (_, i) => ((i * 7 + seed * 3) % 11) - 5);
      const a = new tf.NDArray("int32", [2, 3, 4], Int32Array.from(vals(24, 1)));
      const b = new tf.NDArray("int32", [2, 5, 4], Int32Array.from(vals(40, 2)));
      const c = new tf.NDArray("int32", [4, 5], Int32Array.from(vals(20, 3)));
      for (const [eq, x, y] of [
        ["bij,bkj->kbi", a, b],
        ["bij,jk->ibk", a, c],
        ["bij,kl->lbikj", a, c],
      ] as const) {
        const [ints, floats] = await run(() => [
          tf.einsum(eq, tf.constant(x), tf.constant(y)),
          tf.einsum(eq, tf.cast(tf.constant(x), "float64"), tf.cast(tf.constant(y), "float64")),
        ]);
        expect(floats.shape).toEqual(ints.shape);
        expect(Array.from(floats.data as Float64Array)).toEqual(
          Array.from(ints.data as Int32Array),
        );
      }
    });

    it("einsum with broadcasting ellipses", async () => {
      const a = [
        [
          [1, 0],
          [0, 1],
        ],
        [
          [2, 0],
          [0, 2],
        ],
      ];
      const [bmm, summed, mid] = await run(() => [
        // [2, 2, 2] against [1, 2, 2]: the batch dim broadcasts.
        tf.einsum(
          "...ij,...jk->...ik",
          f64(a),
          f64([
            [
              [1, 2],
              [3, 4],
            ],
          ]),
        ),
        tf.einsum("...i->i", f64(a)),
        tf.einsum("i...j->j...i", f64([[[1, 2]], [[3, 4]]])),
      ]);
      expectArray(bmm, [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [2, 4],
          [6, 8],
        ],
      ]);
      expectArray(summed, [3, 3]);
      expectArray(mid, [[[1, 3]], [[2, 4]]]);
    });

    it("einsum errors", async () => {
      expect(() => tf.einsum("ij,jk->ik", f64([[1]]))).toThrow(
        /Expecting 1 input subscripts in equation 'ij,jk->ik' but got: 2/,
      );
      expect(() => tf.einsum("ij,jk->ik", f64([[1, 2]]), f64([[1, 2]]))).toThrow(tf.ValueError);
      expect(() => tf.einsum("ij->iz", f64([[1]]))).toThrow(/appears in no input/);
    });

    it("tensordot", async () => {
      const [d1, d0, dd] = await run(() => [
        tf.tensordot(
          f64([
            [1, 2],
            [3, 4],
          ]),
          f64([
            [5, 6],
            [7, 8],
          ]),
          1,
        ),
        tf.linalg.tensordot(f64([1, 2]), f64([3, 4]), 0),
        tf.tensordot(
          f64([
            [1, 2],
            [3, 4],
          ]),
          f64([
            [5, 6],
            [7, 8],
          ]),
          [[0], [1]],
        ),
      ]);
      expectArray(d1, [
        [19, 22],
        [43, 50],
      ]);
      expectArray(d0, [
        [3, 4],
        [6, 8],
      ]);
      // Σ_i a[i][j] b[k][i]: (aᵀ bᵀ)[j][k].
      expectArray(dd, [
        [23, 31],
        [34, 46],
      ]);
    });

    it("BatchMatMul (V1): equal batch dims, no broadcasting", async () => {
      const x = [
        [
          [1, 2],
          [3, 4],
        ],
      ];
      const out = await run(() => op("BatchMatMul", [f64(x), f64(x)], { adj_x: true })[0]);
      expectArray(out, [
        [
          [10, 14],
          [14, 20],
        ],
      ]);
      await expect(
        runGraph(
          () => {
            const p = tf.placeholder("float64", [null, 2, 2], "p");
            return op("BatchMatMul", [p, f64([x[0], x[0]])])[0];
          },
          { backend, feeds: { "p:0": x } },
        ),
      ).rejects.toThrow(/In\[0\].dim\(0\) and In\[1\].dim\(0\) must be the same/);
    });

    it("cross", async () => {
      const [c, d] = await run(() => [
        tf.cross(f64([1, 0, 0]), f64([0, 1, 0])),
        tf.linalg.cross(f64([[1, 2, 3]]), f64([[4, 5, 6]])),
      ]);
      expectArray(c, [0, 0, 1]);
      expectArray(d, [[-3, 6, -3]]);
      expect(() => tf.cross(f64([1, 2]), f64([3, 4]))).toThrow(/must be equal, but are 2 and 3/);
    });

    it("tridiagonal matmul and solve, with and without pivoting", async () => {
      // A = [[3, 1, 0], [6, 4, 2], [0, 7, 5]]; the first subdiag and last superdiag entries are unused.
      const sup = [[1, 2, 99]];
      const main = [[3, 4, 5]];
      const sub = [[99, 6, 7]];
      const diags = [sup[0], main[0], sub[0]];
      const [dense, x, xn, xp] = await run(() => [
        tf.linalg.tridiagonalMatmul(f64(sup), f64(main), f64(sub), f64(eye(3))),
        tf.linalg.tridiagonalSolve(f64(diags), f64([[4], [12], [12]])),
        tf.linalg.tridiagonalSolve(f64(diags), f64([[4], [12], [12]]), { partialPivoting: false }),
        // A zero leading pivot needs a row swap: [[0, 1], [1, 1]] x = [1, 3] gives x = [2, 1].
        tf.linalg.tridiagonalSolve(
          f64([
            [1, 0],
            [0, 1],
            [0, 1],
          ]),
          f64([[1], [3]]),
        ),
      ]);
      expectArray(dense, [
        [3, 1, 0],
        [6, 4, 2],
        [0, 7, 5],
      ]);
      expectArray(x, [[1], [1], [1]]);
      expectArray(xn, [[1], [1], [1]]);
      expectArray(xp, [[2], [1]]);
      await expect(
        run(() =>
          tf.linalg.tridiagonalSolve(
            f64([
              [1, 0],
              [0, 1],
              [0, 1],
            ]),
            f64([[1], [3]]),
            { partialPivoting: false },
          ),
        ),
      ).rejects.toThrow(/not invertible, or requires pivoting/);
      await expect(
        run(() =>
          tf.linalg.tridiagonalSolve(
            f64([
              [1, 0],
              [0, 0],
              [0, 0],
            ]),
            f64([[1], [3]]),
          ),
        ),
      ).rejects.toThrow("The matrix is not invertible.");
    });

    it("matvec, adjoint, transpose, matmul", async () => {
      const m = [
        [1, 2, 3],
        [4, 5, 6],
      ];
      const [mv, mvt, adj, tr, mm] = await run(() => [
        tf.linalg.matvec(f64(m), f64([1, 0, -1])),
        tf.linalg.matvec(f64(m), f64([1, 1]), { transposeA: true }),
        tf.linalg.adjoint(f64([m])),
        tf.linalg.transpose(f64(m)),
        tf.linalg.matmul(f64(m), f64(T(m))),
      ]);
      expectArray(mv, [-2, -2]);
      expectArray(mvt, [5, 7, 9]);
      expectArray(adj, [T(m)]);
      expectArray(tr, T(m));
      expectArray(mm, [
        [14, 32],
        [32, 77],
      ]);
    });

    it("norm", async () => {
      const m = [
        [1, -2],
        [-3, 4],
      ];
      const [e, one, inf, fro, v1, vinf, spectral, keep] = await run(() => [
        tf.linalg.norm(f64([3, 4])),
        tf.linalg.norm(f64(m), { ord: 1, axis: [0, 1] }),
        tf.linalg.norm(f64(m), { ord: Number.POSITIVE_INFINITY, axis: [0, 1] }),
        tf.linalg.norm(f64(m), { ord: "fro", axis: [0, 1] }),
        tf.linalg.norm(f64(m), { ord: 1, axis: 1 }),
        tf.linalg.norm(f64([1, -7, 3]), { ord: Number.POSITIVE_INFINITY }),
        tf.linalg.norm(
          f64([
            [3, 0],
            [4, 5],
          ]),
          { ord: 2, axis: [0, 1] },
        ),
        tf.linalg.norm(f64(m), { axis: 1, keepdims: true }),
      ]);
      expectArray(e, 5);
      expectArray(one, 6); // column sums of |m|: 4, 6
      expectArray(inf, 7); // row sums: 3, 7
      expectArray(fro, Math.sqrt(30));
      expectArray(v1, [3, 7]);
      expectArray(vinf, 7);
      expectArray(spectral, Math.sqrt(45));
      expectArray(keep, [[Math.sqrt(5)], [5]]);
    });
  });
});

describe("linalg shapes", () => {
  it("bands and diagonals", () => {
    inferOk(
      "MatrixBandPart",
      "[?,3,4];[];[]",
      "[?,3,4]",
      {},
      { dtypes: ["float32", "int64", "int64"] },
    );
    inferOk("MatrixDiag", "[2,?]", "[2,?,?]");
    inferOk("MatrixDiagPart", "[5,3,4]", "[5,3]");
    inferOk("MatrixSetDiag", "[2,3,4];[2,3]", "[2,3,4]");
    inferErr("MatrixSetDiag", "[2,3,4];[2,4]", /Diagonal length must be equal, but are 3 and 4/);
    const k = (v: number[]) => new tf.NDArray("int32", [v.length], Int32Array.from(v));
    const s32 = (v: number) => new tf.NDArray("int32", [], Int32Array.of(v));
    const pad = new tf.NDArray("float32", [], Float32Array.of(0));
    inferOk(
      "MatrixDiagPartV2",
      "[2,3,4];[2];[]",
      "[2,4,3]",
      {},
      { constInputs: { 1: k([-1, 2]), 2: pad } },
    );
    inferOk(
      "MatrixDiagPartV2",
      "[2,3,4];[2];[]",
      "?",
      {},
      { dtypes: ["float32", "int32", "float32"] },
    );
    inferOk(
      "MatrixDiagV2",
      "[3];[];[];[];[]",
      "[4,4]",
      {},
      {
        constInputs: { 1: s32(1), 2: s32(-1), 3: s32(-1), 4: pad },
      },
    );
    inferOk(
      "MatrixDiagV2",
      "[2];[];[];[];[]",
      "[3,2]",
      {},
      {
        constInputs: { 1: s32(0), 2: s32(3), 3: s32(-1), 4: pad },
      },
    );
    inferErr(
      "MatrixBandPart",
      "[3];[];[]",
      /at least rank 2/,
      {},
      { dtypes: ["float32", "int64", "int64"] },
    );
  });

  it("decompositions and solves", () => {
    inferOk("MatrixInverse", "[?,3,3]", "[?,3,3]");
    inferOk("MatrixInverse", "[?,3,?]", "[?,3,3]");
    inferErr("MatrixInverse", "[2,3]", /must be equal, but are 2 and 3/);
    inferOk("MatrixDeterminant", "[4,2,2]", "[4]");
    inferOk("LogMatrixDeterminant", "[2,2]", "[];[]");
    inferOk("Cholesky", "[5,5]", "[5,5]");
    inferOk("Qr", "[7,5,3]", "[7,5,3];[7,3,3]");
    inferOk("Qr", "[7,5,3]", "[7,5,5];[7,5,3]", { full_matrices: true });
    inferOk("MatrixSolve", "[2,3,3];[2,3,4]", "[2,3,4]");
    inferErr("MatrixSolve", "[2,3,3];[2,2,4]", /rows must be equal, but are 3 and 2/);
    inferOk("MatrixTriangularSolve", "[?,3];[3,1]", "[3,1]");
    inferOk(
      "MatrixSolveLs",
      "[5,3];[5,2];[]",
      "[3,2]",
      {},
      { dtypes: ["float32", "float32", "float64"] },
    );
    inferOk("SelfAdjointEigV2", "[2,4,4]", "[2,4];[2,4,4]");
    inferOk("SelfAdjointEigV2", "[4,4]", "[4];[0]", { compute_v: false });
    inferOk("SelfAdjointEig", "[4,4]", "[5,4]");
    inferOk("Svd", "[2,5,3]", "[2,3];[2,5,3];[2,3,3]");
    inferOk("Svd", "[5,3]", "[3];[5,5];[3,3]", { full_matrices: true });
    inferOk("Svd", "[5,3]", "[3];[0];[0]", { compute_uv: false });
    inferOk("Lu", "[3,3]", "[3,3];[3]");
    inferOk("MatrixExponential", "[3,3]", "[3,3]");
    inferOk("BatchMatrixInverse", "[2,2]", "[2,2]");
  });

  it("products", () => {
    inferOk("Einsum", "[2,3];[3,5]", "[2,5]", { equation: "ij,jk->ik" });
    inferOk("Einsum", "[?,2,3];[1,3,5]", "[?,2,5]", { equation: "...ij,...jk->...ik" });
    inferOk("Einsum", "[4,4]", "[]", { equation: "ii->" });
    inferErr("Einsum", "[2,3];[4,5]", /Expected dimension 3/, { equation: "ij,jk->ik" });
    inferErr("Einsum", "[2,3]", /Expecting exactly one '->'/, { equation: "ij" });
    inferOk("BatchMatMul", "[2,3,4];[2,4,5]", "[2,3,5]");
    inferErr("BatchMatMul", "[2,3,4];[3,4,5]", /Batch dimensions must be equal/);
    inferOk("Cross", "[?,3];[2,?]", "[2,3]");
    inferErr("Cross", "[2,4];[2,4]", /3/);
    inferOk("TridiagonalMatMul", "[1,3];[1,3];[1,3];[3,2]", "[3,2]");
    inferOk("TridiagonalSolve", "[3,4];[4,2]", "[4,2]");
  });
});

describe("linalg gradients (more shapes than the coverage table)", () => {
  const m = (rows: number, cols: number, seed = 0) => ({
    shape: [rows, cols],
    values: Array.from({ length: rows * cols }, (_, k) => {
      const i = Math.floor(k / cols);
      const j = k % cols;
      return (i === j ? 2 + i : 0) + 0.3 * Math.sin(1 + seed + 3 * i + 7 * j);
    }),
  });
  it("svd: tall, square and full matrices", async () => {
    const build = (full: boolean) => (x: tf.Tensor) => {
      const [s, u, v] = tf.svd(x, { fullMatrices: full });
      return tf.concat([s, tf.reshape(tf.square(u), [-1]), tf.reshape(tf.square(v), [-1])], 0);
    };
    await checkGradient(build(false), [m(3, 2)]);
    await checkGradient(build(false), [m(3, 3)]);
    await checkGradient(build(true), [m(2, 3)]);
    await checkGradient((x) => tf.svd(x, { computeUv: false }), [m(3, 2)]);
  });
  it("eigvalsh, inverse with adjoint, solve with adjoint, lower triangular solve", async () => {
    const sym = { shape: [2, 2], values: [2, 0.5, 0.5, 1] };
    await checkGradient((x) => tf.linalg.eigvalsh(tf.add(x, tf.transpose(x))), [sym]);
    await checkGradient((x) => tf.matrixInverse(x, { adjoint: true }), [m(3, 3)]);
    await checkGradient((a, b) => tf.matrixSolve(a, b, { adjoint: true }), [m(3, 3), m(3, 2, 1)]);
    await checkGradient((a, b) => tf.matrixTriangularSolve(a, b), [m(3, 3), m(3, 2, 1)]);
  });
  it("lstsq underdetermined, qr square", async () => {
    await checkGradient(
      (a, b) => tf.matrixSolveLs(a, b, { l2Regularizer: 0.1 }),
      [m(2, 3), m(2, 2, 2)],
    );
    await checkGradient(
      (x) =>
        tf.concat(
          tf.qr(x).map((t) => tf.reshape(t, [-1])),
          0,
        ),
      [m(3, 3)],
    );
  });
  it("einsum: repeated labels, summed labels, ellipses, transposes", async () => {
    const s = (...shape: number[]) => ({ shape });
    await checkGradient((x) => tf.einsum("ii->i", x), [s(3, 3)]);
    await checkGradient((x) => tf.einsum("ii", x), [s(3, 3)]);
    await checkGradient((x) => tf.einsum("ijk->ki", x), [s(2, 3, 2)]);
    await checkGradient((a, b) => tf.einsum("ij,jk->ik", a, b), [s(2, 3), s(3, 2)]);
    await checkGradient((a, b) => tf.einsum("...ij,...jk->...ik", a, b), [s(2, 2, 3), s(1, 3, 2)]);
    await checkGradient((a, b) => tf.einsum("i...j,j->i", a, b), [s(2, 2, 3), s(3)]);
    await checkGradient((a, b) => tf.einsum("iij,j->ji", a, b), [s(2, 2, 3), s(3)]);
    await checkGradient((a, b, c) => tf.einsum("ij,jk,k->i", a, b, c), [s(2, 3), s(3, 2), s(2)]);
    await checkGradient((a, b) => tf.tensordot(a, b, [[0], [1]]), [s(2, 3), s(4, 2)]);
  });
  it("matrix diag V2 ops with bands and rectangles", async () => {
    await checkGradient((x) => tf.matrixDiagPart(x, { k: [-1, 2] }), [{ shape: [3, 4] }]);
    await checkGradient((d) => tf.matrixDiag(d, { k: [-1, 1] }), [{ shape: [3, 3] }]);
    await checkGradient((d) => tf.matrixDiag(d, { numRows: 3 }), [{ shape: [2] }]);
    await checkGradient(
      (x, d) => tf.matrixSetDiag(x, d, { k: 1 }),
      [{ shape: [3, 4] }, { shape: [3] }],
    );
  });
  it("cholesky: second derivative through the composed gradient", async () => {
    const spd = { shape: [2, 2], values: [3, 0.5, 0.5, 2] };
    await checkGradient(
      (x) => {
        const a = tf.mul(tf.add(x, tf.transpose(x)), 0.5);
        const l = tf.cholesky(a);
        return tf.gradients(tf.reduceSum(tf.square(l)), [a])[0]!;
      },
      [spd],
    );
  });
});

describe("linalg decompositions on pseudo-random matrices (reconstruction checks)", () => {
  const rand = (rows: number, cols: number, seed: number): number[][] => {
    let st = seed;
    return Array.from({ length: rows }, () =>
      Array.from({ length: cols }, () => {
        st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
        return (st / 2 ** 32) * 2 - 1;
      }),
    );
  };
  const close = (a: number[][], b: number[][], tol = 1e-9) => expectArray(nd(a), b, { tol });

  it("inverse, solve, LU, Cholesky, expm and sqrtm", async () => {
    const A = rand(5, 5, 3);
    const B = rand(5, 2, 4);
    const S = matmul(A, T(A)).map((r, i) => r.map((v, j) => v + (i === j ? 1 : 0)));
    const [inv, x, lu, p, l, e, eNeg, sq] = await runGraph(() => [
      tf.matrixInverse(f64(A)),
      tf.matrixSolve(f64(A), f64(B)),
      ...tf.lu(f64(A)),
      tf.cholesky(f64(S)),
      tf.linalg.expm(f64(A)),
      tf.linalg.expm(tf.neg(f64(A))),
      tf.linalg.sqrtm(f64(S)),
    ]);
    close(matmul(A, as2d(inv)), eye(5));
    close(matmul(A, as2d(x)), B);
    const LU = as2d(lu);
    const L = LU.map((r, i) => r.map((v, j) => (j < i ? v : i === j ? 1 : 0)));
    const U = LU.map((r, i) => r.map((v, j) => (j >= i ? v : 0)));
    const perm = Array.from(p.data as Int32Array);
    close(
      matmul(L, U),
      perm.map((k) => A[k]),
    );
    close(matmul(as2d(l), T(as2d(l))), S);
    close(matmul(as2d(e), as2d(eNeg)), eye(5)); // exp(A) exp(-A) = I
    close(matmul(as2d(sq), as2d(sq)), S);
  });

  it("QR, SVD and eigh of wide, tall and rank-deficient matrices", async () => {
    for (const [m, n] of [
      [4, 6],
      [6, 4],
      [5, 5],
    ]) {
      const A = rand(m, n, m * 10 + n);
      const k = Math.min(m, n);
      const [q, r, s, u, v, sf, uf, vf] = await runGraph(() => [
        ...tf.qr(f64(A), { fullMatrices: true }),
        ...tf.svd(f64(A)),
        ...tf.svd(f64(A), { fullMatrices: true }),
      ]);
      close(matmul(as2d(q), as2d(r)), A);
      close(matmul(T(as2d(q)), as2d(q)), eye(m));
      const sv = Array.from(s.data as Float64Array);
      expect(sv).toEqual([...sv].sort((a, b) => b - a));
      close(matmul(matmul(as2d(u), diagM(sv, k, k)), T(as2d(v))), A);
      close(
        matmul(matmul(as2d(uf), diagM(Array.from(sf.data as Float64Array), m, n)), T(as2d(vf))),
        A,
      );
      close(matmul(T(as2d(uf)), as2d(uf)), eye(m));
      close(matmul(T(as2d(vf)), as2d(vf)), eye(n));
    }
    // Rank 1 (and zero): the singular vectors of the zero singular values still complete bases.
    for (const A of [
      [
        [1, 2, 3],
        [2, 4, 6],
        [3, 6, 9],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ]) {
      const n = A.length;
      const [s, u, v] = await runGraph(() => tf.svd(f64(A), { fullMatrices: true }));
      const sv = Array.from(s.data as Float64Array);
      close(matmul(matmul(as2d(u), diagM(sv, n, n)), T(as2d(v))), A);
      close(matmul(T(as2d(u)), as2d(u)), eye(n));
      close(matmul(T(as2d(v)), as2d(v)), eye(n));
    }
    const A = rand(6, 6, 99);
    const S = matmul(A, T(A));
    const [w, vecs] = await runGraph(() => tf.linalg.eigh(f64(S)));
    const V = as2d(vecs);
    close(matmul(matmul(V, diagM(Array.from(w.data as Float64Array), 6, 6)), T(V)), S);
  });
});
