import { describe, expect, type TestContext, test } from "vitest";
import { BACKENDS, expectArray } from "../../test/helpers.js";
import * as tf from "../index.js";

const { initializers: init } = tf;

function inGraph<T>(build: (g: tf.Graph) => T): T {
  const g = new tf.Graph();
  return g.asDefault(() => build(g));
}

/** Builds in a fresh graph, initializes its global variables and runs the result. */
async function run(
  build: () => tf.Tensor[],
  backend: string,
  feeds?: tf.Feeds,
): Promise<tf.NDArray[]> {
  const g = new tf.Graph();
  const { fetches, initOp } = g.asDefault(() => {
    const fetches = build();
    return { fetches, initOp: tf.globalVariablesInitializer() };
  });
  const sess = new tf.Session({ graph: g, backend });
  await sess.run(initOp);
  return sess.run(fetches, feeds);
}

const opNames = (g: tf.Graph) => g.operations.map((o) => o.name);

describe("tf.layers.dense: graph", () => {
  test("variables dense/kernel and dense/bias, ops in dense/, the next layer is dense_1", () => {
    inGraph((g) => {
      const x = tf.placeholder("float32", [null, 4]);
      const y = tf.layers.dense(x, 3, { activation: tf.nn.relu });
      expect(y.op.name).toBe("dense/Relu");
      expect(y.shape.toString()).toBe("[?,3]");
      expect(tf.globalVariables().map((v) => v.name)).toEqual(["dense/kernel:0", "dense/bias:0"]);
      expect(tf.trainableVariables().map((v) => v.shape.toString())).toEqual(["[4,3]", "[3]"]);
      expect(g.getOperationByName("dense/MatMul").type).toBe("MatMul");
      expect(g.getOperationByName("dense/BiasAdd").type).toBe("BiasAdd");
      expect(opNames(g)).toContain("dense/kernel/Initializer/random_uniform");
      expect(opNames(g)).toContain("dense/bias/Initializer/zeros");
      const z = tf.layers.dense(y, 2);
      expect(z.op.name).toBe("dense_1/BiasAdd");
      expect(z.shape.toString()).toBe("[?,2]");
      expect(
        tf
          .globalVariables()
          .map((v) => v.name)
          .slice(2),
      ).toEqual(["dense_1/kernel:0", "dense_1/bias:0"]);
      const w = tf.layers.dense(z, 1, { useBias: false, activation: "sigmoid" });
      expect(w.op.name).toBe("dense_2/Sigmoid");
      expect(w.op.inputs[0].op.name).toBe("dense_2/MatMul");
      expect(tf.globalVariables()).toHaveLength(5);
    });
  });

  test("a named layer uses its name as scope; reuse shares the variables", () => {
    inGraph(() => {
      const x = tf.placeholder("float32", [2, 4]);
      const a = tf.layers.dense(x, 3, { name: "fc" });
      expect(a.op.name).toBe("fc/BiasAdd");
      expect(() => tf.layers.dense(x, 3, { name: "fc" })).toThrow(
        "Variable fc/kernel already exists, disallowed",
      );
      const b = tf.layers.dense(x, 3, { name: "fc", reuse: true });
      expect(b.op.name).toBe("fc_2/BiasAdd");
      expect(b.op.inputs[1]).toBe(a.op.inputs[1]);
      expect(tf.globalVariables().map((v) => v.name)).toEqual(["fc/kernel:0", "fc/bias:0"]);
      expect(() => tf.layers.dense(x, 5, { name: "fc", reuse: true })).toThrow(
        "Trying to share variable fc/kernel, but specified shape [4,5] and found shape [4,3].",
      );
      expect(() => tf.layers.dense(x, 3, { name: "other", reuse: true })).toThrow(
        "Variable other/kernel does not exist",
      );
    });
  });

  test("inside variable scopes, and shared by reopening the scope with reuse", () => {
    inGraph(() => {
      const x = tf.placeholder("float32", [2, 4]);
      const a = tf.variableScope("net", () => tf.layers.dense(x, 3));
      expect(a.op.name).toBe("net/dense/BiasAdd");
      const b = tf.variableScope("net", () => tf.layers.dense(x, 3), { reuse: true });
      expect(b.op.name).toBe("net_1/dense/BiasAdd");
      expect(tf.globalVariables().map((v) => v.name)).toEqual([
        "net/dense/kernel:0",
        "net/dense/bias:0",
      ]);
      tf.variableScope("net", () => {
        expect(() => tf.layers.dense(x, 3)).toThrow(
          "Variable net/dense/kernel already exists, disallowed",
        );
      });
    });
  });

  test("the Dense class: TF 1.15 object names, weights, reapplying reuses", () => {
    inGraph((g) => {
      const layer = new tf.layers.Dense(2, { activation: "relu" });
      expect(layer.name).toBe("dense_1");
      expect(() => layer.scopeName).toThrow("has not been used yet");
      expect(layer.built).toBe(false);
      const x = tf.placeholder("float32", [null, 3]);
      const y1 = layer.apply(x);
      expect(layer.scopeName).toBe("dense");
      expect(layer.built).toBe(true);
      expect(layer.kernel?.name).toBe("dense/kernel:0");
      expect(layer.variables.map((v) => v.name)).toEqual(["dense/kernel:0", "dense/bias:0"]);
      expect(layer.trainableWeights).toHaveLength(2);
      expect(layer.nonTrainableWeights).toHaveLength(0);
      const y2 = layer.apply(tf.placeholder("float32", [5, 3]));
      expect(y1.op.name).toBe("dense/Relu");
      expect(y2.op.name).toBe("dense/Relu_1");
      expect(y2.shape.toString()).toBe("[5,2]");
      expect(g.operations.filter((o) => o.type === "VariableV2")).toHaveLength(2);
      expect(() => layer.apply(tf.placeholder("float32", [5, 4]))).toThrow(
        "Input 0 of layer dense_1 is incompatible with the layer: expected axis -1 of input shape to have value 3 but received input with shape [5,4]",
      );
      expect(() => layer.apply(tf.placeholder("float32", [3]))).toThrow("expected min_ndim=2");
      expect(new tf.layers.Dense(2, { name: "mine" }).name).toBe("mine");
      expect(new tf.layers.Dense(2).name).toBe("dense_2");
    });
  });

  test("construction errors, trainable: false, float64, regularizers", () => {
    inGraph(() => {
      expect(() => tf.layers.dense(tf.placeholder("float32", [2, null]), 3)).toThrow(
        "The last dimension of the inputs to `Dense` should be defined. Found `None`.",
      );
      expect(() => tf.layers.dense(tf.placeholder("float32", [2, 3]), 0)).toThrow(tf.ValueError);
      tf.layers.dense(tf.placeholder("float32", [2, 3]), 2, { trainable: false, name: "frozen" });
      expect(tf.trainableVariables()).toHaveLength(0);
      expect(tf.globalVariables()).toHaveLength(2);
      const d = tf.layers.dense(tf.placeholder("float64", [2, 3]), 2, { name: "d64" });
      expect(d.dtype).toBe("float64");
      expect(tf.globalVariables()[2].dtype).toBe("float64");
      const layer = new tf.layers.Dense(2, {
        name: "reg",
        kernelRegularizer: (w) => tf.mul(tf.nn.l2Loss(w), 0.1),
      });
      layer.apply(tf.placeholder("float32", [2, 3]));
      const losses = tf.getCollection<tf.Tensor>(tf.GraphKeys.REGULARIZATION_LOSSES);
      expect(losses).toHaveLength(1);
      expect(losses[0].op.name).toBe("reg/kernel/Regularizer/Mul");
      expect(layer.losses).toEqual(losses);
      // Reapplying does not add the regularizer again.
      layer.apply(tf.placeholder("float32", [2, 3]));
      expect(tf.getCollection(tf.GraphKeys.REGULARIZATION_LOSSES)).toHaveLength(1);
    });
  });

  test("rank > 2 inputs: a tensordot over the last axis", () => {
    inGraph(() => {
      const y = tf.layers.dense(tf.placeholder("float32", [2, 5, 4]), 3);
      expect(y.shape.toString()).toBe("[2,5,3]");
      expect(y.op.inputs[0].op.name).toBe("dense/Tensordot");
      const z = tf.layers.dense(tf.placeholder("float32", [null, 5, 4]), 3);
      expect(z.shape.toString()).toBe("[?,5,3]");
    });
  });
});

describe.each(BACKENDS)("tf.layers.dense: values (%s)", (backend) => {
  const kernel = () => init.constant([1, 0, -1, 0, 1, 2]);
  test("relu(x · kernel + bias) on hand-worked values", async () => {
    const [y] = await run(() => {
      const x = tf.constant([
        [1, 2],
        [3, 4],
      ]);
      return [
        tf.layers.dense(x, 3, {
          activation: "relu",
          kernelInitializer: kernel(),
          biasInitializer: init.constant([0.5, -3, 0]),
        }),
      ];
    }, backend);
    expectArray(y, [
      [1.5, 0, 3],
      [3.5, 1, 5],
    ]);
  });

  test("rank-3 inputs, static and fed batch", async () => {
    const x = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [0, 1],
        [-1, 0],
      ],
    ];
    const expected = [
      [
        [1, 2, 3],
        [3, 4, 5],
      ],
      [
        [0, 1, 2],
        [-1, 0, 1],
      ],
    ];
    const [a] = await run(
      () => [tf.layers.dense(tf.constant(x), 3, { useBias: false, kernelInitializer: kernel() })],
      backend,
    );
    expectArray(a, expected);
    const [b] = await run(
      () => [
        tf.layers.dense(tf.placeholder("float32", [null, 2, 2], "x"), 3, {
          useBias: false,
          kernelInitializer: kernel(),
        }),
      ],
      backend,
      { "x:0": x },
    );
    expectArray(b, expected);
  });
});

describe("tf.layers.conv2d: graph", () => {
  test("variables conv2d/kernel [kh, kw, in, filters] and conv2d/bias; ops Conv2D, BiasAdd", () => {
    inGraph((g) => {
      const x = tf.placeholder("float32", [null, 28, 28, 3]);
      const y = tf.layers.conv2d(x, 8, 5, { activation: tf.nn.relu });
      expect(y.op.name).toBe("conv2d/Relu");
      expect(y.shape.toString()).toBe("[?,24,24,8]");
      expect(tf.globalVariables().map((v) => `${v.name} ${v.shape}`)).toEqual([
        "conv2d/kernel:0 [5,5,3,8]",
        "conv2d/bias:0 [8]",
      ]);
      const conv = g.getOperationByName("conv2d/Conv2D");
      expect(conv.attrs.strides).toEqual([1, 1, 1, 1]);
      expect(conv.attrs.padding).toBe("VALID");
      expect(g.getOperationByName("conv2d/BiasAdd").type).toBe("BiasAdd");
      const z = tf.layers.conv2d(y, 4, [3, 3], { strides: 2, padding: "SAME" });
      expect(z.op.name).toBe("conv2d_1/BiasAdd");
      expect(z.shape.toString()).toBe("[?,12,12,4]");
      expect(g.getOperationByName("conv2d_1/Conv2D").attrs.padding).toBe("SAME");
      const w = tf.layers.conv2d(z, 2, [3, 1], { padding: "same", useBias: false });
      expect(w.shape.toString()).toBe("[?,12,12,2]");
      expect(w.op.name).toBe("conv2d_2/Conv2D");
    });
  });

  test("channel mismatches and bad arguments are construction-time ValueErrors", () => {
    inGraph(() => {
      const x = tf.placeholder("float32", [1, 5, 5, 3]);
      tf.layers.conv2d(x, 4, 3, { name: "c" });
      const y = tf.placeholder("float32", [1, 5, 5, 2]);
      expect(() => tf.layers.conv2d(y, 4, 3, { name: "c", reuse: true })).toThrow(
        "Trying to share variable c/kernel, but specified shape [3,3,2,4] and found shape [3,3,3,4].",
      );
      const layer = new tf.layers.Conv2D(4, 3, { name: "conv" });
      layer.apply(x);
      expect(() => layer.apply(y)).toThrow(
        "Input 0 of layer conv is incompatible with the layer: expected axis -1 of input shape to have value 3 but received input with shape [1,5,5,2]",
      );
      expect(() => layer.apply(tf.placeholder("float32", [5, 5, 3]))).toThrow(
        "expected ndim=4, found ndim=3",
      );
      expect(() => tf.layers.conv2d(tf.placeholder("float32", [1, 5, 5, null]), 4, 3)).toThrow(
        "The channel dimension of the inputs should be defined. Found `None`.",
      );
      expect(() => tf.layers.conv2d(x, 4, [3, 3, 3])).toThrow(
        "The `kernel_size` argument must be a tuple of 2 integers",
      );
      expect(() => tf.layers.conv2d(x, 4, 3, { padding: "full" as tf.layers.Padding })).toThrow(
        tf.ValueError,
      );
      expect(() => tf.layers.conv2d(x, 4, 3, { strides: 2, dilationRate: 2 })).toThrow(
        "strides > 1 not supported in conjunction with dilation_rate > 1",
      );
      expect(() => tf.layers.conv2d(x, 4, 9)).toThrow(tf.ValueError);
    });
  });
});

describe.each(BACKENDS)("tf.layers.conv2d: values (%s)", (backend) => {
  const image3 = () =>
    tf.constant([
      [
        [[1], [2], [3]],
        [[4], [5], [6]],
        [[7], [8], [9]],
      ],
    ]);
  test("valid, same and strided convolutions of a 3x3 image", async () => {
    const [valid, same, strided, two] = await run(() => {
      const x = image3();
      const ones = () => init.ones();
      return [
        tf.layers.conv2d(x, 1, 2, {
          kernelInitializer: ones(),
          biasInitializer: init.constant(1),
        }),
        tf.layers.conv2d(x, 1, 2, { padding: "same", kernelInitializer: ones() }),
        tf.layers.conv2d(x, 1, 2, { strides: 2, kernelInitializer: ones() }),
        // Kernel [2, 2, 1, 2]: filter 0 all ones, filter 1 [[1, 0], [0, -1]].
        tf.layers.conv2d(x, 2, 2, { kernelInitializer: init.constant([1, 1, 1, 0, 1, 0, 1, -1]) }),
      ];
    }, backend);
    expectArray(valid, [
      [
        [[13], [17]],
        [[25], [29]],
      ],
    ]);
    expectArray(same, [
      [
        [[12], [16], [9]],
        [[24], [28], [15]],
        [[15], [17], [9]],
      ],
    ]);
    expectArray(strided, [[[[12]]]]);
    expectArray(two, [
      [
        [
          [12, -4],
          [16, -4],
        ],
        [
          [24, -4],
          [28, -4],
        ],
      ],
    ]);
  });

  test("dilation rate 2", async () => {
    const [y] = await run(() => {
      const x = tf.reshape(tf.range(0, 25, 1, { dtype: "float32" }), [1, 5, 5, 1]);
      return [tf.layers.conv2d(x, 1, 2, { dilationRate: 2, kernelInitializer: init.ones() })];
    }, backend);
    // out[i][j] = x[i][j] + x[i][j+2] + x[i+2][j] + x[i+2][j+2] with x[i][j] = 5i + j.
    expectArray(y, [
      [
        [[24], [28], [32]],
        [[44], [48], [52]],
        [[64], [68], [72]],
      ],
    ]);
  });
});

describe.each(BACKENDS)("pooling, flatten, dropout (%s)", (backend) => {
  test("maxPooling2d and averagePooling2d: names, shapes, values", async () => {
    const g = new tf.Graph();
    const { mx, av, mxSame, avSame } = g.asDefault(() => {
      const x = tf.reshape(tf.range(1, 17, 1, { dtype: "float32" }), [1, 4, 4, 1]);
      const x3 = tf.reshape(tf.range(1, 10, 1, { dtype: "float32" }), [1, 3, 3, 1]);
      return {
        mx: tf.layers.maxPooling2d(x, 2, 2),
        av: tf.layers.averagePooling2d(x, [2, 2], [2, 2]),
        mxSame: tf.layers.maxPooling2d(x3, 2, 2, { padding: "SAME", name: "pool" }),
        avSame: tf.layers.averagePooling2d(x3, 2, 2, { padding: "same" }),
      };
    });
    expect(mx.op.name).toBe("max_pooling2d/MaxPool");
    expect(av.op.name).toBe("average_pooling2d/AvgPool");
    expect(mxSame.op.name).toBe("pool/MaxPool");
    expect(avSame.op.name).toBe("average_pooling2d_1/AvgPool");
    expect(mx.shape.toString()).toBe("[1,2,2,1]");
    expect(mxSame.shape.toString()).toBe("[1,2,2,1]");
    const [a, b, c, d] = await new tf.Session({ graph: g, backend }).run([mx, av, mxSame, avSame]);
    expectArray(a, [
      [
        [[6], [8]],
        [[14], [16]],
      ],
    ]);
    expectArray(b, [
      [
        [[3.5], [5.5]],
        [[11.5], [13.5]],
      ],
    ]);
    expectArray(c, [
      [
        [[5], [6]],
        [[8], [9]],
      ],
    ]);
    // SAME average pooling averages only the elements inside the image.
    expectArray(d, [
      [
        [[3], [4.5]],
        [[7.5], [9]],
      ],
    ]);
    g.asDefault(() => {
      expect(() => tf.layers.maxPooling2d(tf.placeholder("float32", [4, 4, 1]), 2, 2)).toThrow(
        "expected ndim=4, found ndim=3",
      );
    });
  });

  test("flatten keeps the batch dim, statically and at run time", async () => {
    const g = new tf.Graph();
    const { a, b, c } = g.asDefault(() => ({
      a: tf.layers.flatten(tf.reshape(tf.range(0, 12, 1, { dtype: "float32" }), [2, 2, 3])),
      b: tf.layers.flatten(tf.placeholder("float32", [null, 2, 3], "x")),
      c: tf.layers.flatten(tf.placeholder("float32", [null, 2, null], "y")),
    }));
    expect(a.op.name).toBe("flatten/Reshape");
    expect(a.shape.toString()).toBe("[2,6]");
    expect(b.op.name).toBe("flatten_1/Reshape");
    expect(b.shape.toString()).toBe("[?,6]");
    expect(c.shape.toString()).toBe("[?,?]");
    const [ra, rb, rc] = await new tf.Session({ graph: g, backend }).run([a, b, c], {
      "x:0": [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      "y:0": [
        [[1], [2]],
        [[3], [4]],
        [[5], [6]],
      ],
    });
    expectArray(ra, [
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
    ]);
    expectArray(rb, [[1, 2, 3, 4, 5, 6]]);
    expectArray(rc, [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  test("dropout: identity unless training; a bool tensor decides at run time", async () => {
    const g = new tf.Graph();
    const { off, on, dyn } = g.asDefault(() => {
      const x = tf.ones([2000]);
      const t = tf.placeholderWithDefault(false, [], "training");
      return {
        off: tf.layers.dropout(x),
        on: tf.layers.dropout(x, { rate: 0.5, training: true, seed: 1 }),
        dyn: tf.layers.dropout(x, { rate: 0.25, training: t, seed: 2 }),
      };
    });
    expect(off.op.name).toBe("dropout/Identity");
    expect(on.op.name.startsWith("dropout_1/dropout/")).toBe(true);
    expect(dyn.op.type).toBe("SelectV2");
    const sess = new tf.Session({ graph: g, backend });
    const [a, b, c] = await sess.run([off, on, dyn]);
    expectArray(a, new Array(2000).fill(1));
    const kept = (arr: tf.NDArray, scale: number) => {
      const d = Array.from(arr.data as Float32Array);
      expect(d.every((v) => v === 0 || Math.abs(v - scale) < 1e-6)).toBe(true);
      return d.filter((v) => v !== 0).length / d.length;
    };
    const frac = kept(b, 2);
    expect(frac).toBeGreaterThan(0.45);
    expect(frac).toBeLessThan(0.55);
    expectArray(c, new Array(2000).fill(1));
    const [d] = await sess.run([dyn], { "training:0": true });
    const frac2 = kept(d, 1 / 0.75);
    expect(frac2).toBeGreaterThan(0.7);
    expect(frac2).toBeLessThan(0.8);
    g.asDefault(() => {
      expect(() => tf.layers.dropout(tf.ones([2]), { rate: 1 })).toThrow(tf.ValueError);
      expect(() => tf.layers.dropout(tf.ones([2]), { training: tf.constant(1) })).toThrow(
        "training must be a bool tensor",
      );
    });
  });
});

describe("tf.layers.batchNormalization: graph", () => {
  test("variables gamma, beta, moving_mean, moving_variance; updates in UPDATE_OPS", () => {
    inGraph((g) => {
      const x = tf.placeholder("float32", [null, 3]);
      const y = tf.layers.batchNormalization(x, { training: true });
      expect(y.shape.toString()).toBe("[?,3]");
      expect(tf.globalVariables().map((v) => `${v.name} ${v.shape}`)).toEqual([
        "batch_normalization/gamma:0 [3]",
        "batch_normalization/beta:0 [3]",
        "batch_normalization/moving_mean:0 [3]",
        "batch_normalization/moving_variance:0 [3]",
      ]);
      expect(tf.trainableVariables().map((v) => v.name)).toEqual([
        "batch_normalization/gamma:0",
        "batch_normalization/beta:0",
      ]);
      expect(opNames(g)).toContain("batch_normalization/moving_variance/Initializer/ones");
      const updates = tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS);
      expect(updates.map((u) => u.op.name)).toEqual([
        "batch_normalization/AssignMovingAvg",
        "batch_normalization/AssignMovingAvg_1",
      ]);
      expect(updates.every((u) => u.op.type === "AssignSub")).toBe(true);
      expect(y.op.name.startsWith("batch_normalization/batchnorm/")).toBe(true);
      // Inference mode adds no updates.
      tf.layers.batchNormalization(x, { name: "bn2" });
      expect(tf.getCollection(tf.GraphKeys.UPDATE_OPS)).toHaveLength(2);
      expect(tf.globalVariables()).toHaveLength(8);
      const layer = new tf.layers.BatchNormalization({ center: false, scale: false });
      layer.apply(tf.placeholder("float32", [2, 4, 4, 5]), { training: true });
      expect(layer.variables.map((v) => v.name)).toEqual([
        "batch_normalization_1/moving_mean:0",
        "batch_normalization_1/moving_variance:0",
      ]);
      expect(layer.trainableVariables).toHaveLength(0);
      expect(layer.updates).toHaveLength(2);
      expect(() => tf.layers.batchNormalization(tf.placeholder("float32", null))).toThrow(
        "Input has undefined rank",
      );
      expect(() =>
        tf.layers.batchNormalization(tf.placeholder("float32", [2, null]), { name: "u" }),
      ).toThrow("Input has undefined `axis` dimension");
      expect(() =>
        tf.layers.batchNormalization(tf.placeholder("float32", [2, 3]), { axis: 2, name: "v" }),
      ).toThrow("Invalid axis: 2");
    });
  });
});

test("tf.layers.batchNormalization on resource variables updates its moving averages", async () => {
  const g = new tf.Graph();
  const { x, y, updates, mean } = g.asDefault(() =>
    tf.variableScope(
      "net",
      () => {
        const x = tf.placeholder("float32", [null, 2], "x");
        const y = tf.layers.batchNormalization(x, { training: true, momentum: 0.5 });
        const mean = tf.globalVariables().find((v) => v.name.endsWith("moving_mean:0"))!;
        return { x, y, updates: tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS), mean };
      },
      { useResource: true },
    ),
  );
  expect(mean.isResource).toBe(true);
  const sess = new tf.Session({ graph: g });
  await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
  await sess.run(
    [y, ...updates],
    new Map([
      [
        x,
        [
          [1, 2],
          [3, 6],
        ],
      ],
    ]),
  );
  // moving_mean = 0 - (0 - batch mean) * (1 - 0.5) = batch mean / 2
  expect((await sess.run(mean)).toArray()).toEqual([1, 2]);
});

describe.each(BACKENDS)("tf.layers.batchNormalization: values (%s)", (backend) => {
  test("inference uses the moving averages", async () => {
    const [a, b] = await run(() => {
      const x = tf.constant([
        [1, 2],
        [3, 6],
      ]);
      return [
        tf.layers.batchNormalization(x, {
          epsilon: 0,
          movingMeanInitializer: init.constant([1, 2]),
          movingVarianceInitializer: init.constant([4, 16]),
          gammaInitializer: init.constant([2, 1]),
          betaInitializer: init.constant([0, 10]),
        }),
        tf.layers.batchNormalization(x),
      ];
    }, backend);
    expectArray(a, [
      [0, 10],
      [2, 11],
    ]);
    const s = Math.sqrt(1 + 1e-3);
    expectArray(b, [
      [1 / s, 2 / s],
      [3 / s, 6 / s],
    ]);
  });

  test("a non-last axis broadcasts the parameters", async () => {
    const [y] = await run(
      () => [
        tf.layers.batchNormalization(
          tf.constant([
            [
              [1, 3],
              [5, 7],
            ],
          ]),
          {
            axis: 1,
            epsilon: 0,
            movingMeanInitializer: init.constant([1, 5]),
            movingVarianceInitializer: init.constant([1, 4]),
          },
        ),
      ],
      backend,
    );
    expectArray(y, [
      [
        [0, 2],
        [0, 1],
      ],
    ]);
  });

  test("training normalizes with the batch moments and updates the moving averages", async () => {
    const g = new tf.Graph();
    const { y, yDyn, layer } = g.asDefault(() => {
      const x = tf.constant([
        [1, 2],
        [3, 6],
      ]);
      const layer = new tf.layers.BatchNormalization({ momentum: 0.9, epsilon: 0 });
      const y = layer.apply(x, { training: true });
      const t = tf.placeholderWithDefault(false, [], "training");
      const yDyn = layer.apply(x, { training: t });
      return { y, yDyn, layer };
    });
    const sess = new tf.Session({ graph: g, backend });
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    // Batch mean [2, 4], variance [1, 4].
    expectArray(await sess.run(y), [
      [-1, -1],
      [1, 1],
    ]);
    const updates = g.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS);
    expect(updates).toHaveLength(4);
    await sess.run(updates.slice(0, 2));
    const [mm, mv] = await sess.run([layer.movingMean!.value(), layer.movingVariance!.value()]);
    expectArray(mm, [0.2, 0.4]);
    expectArray(mv, [1, 1.3]);
    // With the training tensor false: the moving averages, and its updates change nothing.
    const [inf] = await sess.run([yDyn, ...updates.slice(2)]);
    expectArray(inf, [
      [(1 - 0.2) / Math.sqrt(1), (2 - 0.4) / Math.sqrt(1.3)],
      [(3 - 0.2) / Math.sqrt(1), (6 - 0.4) / Math.sqrt(1.3)],
    ]);
    expectArray(await sess.run(layer.movingMean!.value()), [0.2, 0.4]);
    const [tr] = await sess.run([yDyn, ...updates.slice(2)], { "training:0": true });
    expectArray(tr, [
      [-1, -1],
      [1, 1],
    ]);
    expectArray(await sess.run(layer.movingMean!.value()), [0.38, 0.76]);
  });
});

/**
 * A few steps of plain gradient descent on `loss` over the trainable variables; the test is
 * skipped while some op on the way has no gradient yet.
 */
async function trainSteps(
  _ctx: TestContext,
  build: () => tf.Tensor,
  backend: string,
  steps = 20,
  lr = 0.1,
): Promise<number[]> {
  const g = new tf.Graph();
  const built = g.asDefault(() => {
    const loss = build();
    const vars = tf.trainableVariables();
    const grads = tf.gradients(loss, vars);
    const updates = vars.map((v, i) => v.assignSub(tf.mul(grads[i]!, lr)));
    const extra = tf.getCollection<tf.Tensor>(tf.GraphKeys.UPDATE_OPS);
    return { loss, step: tf.group([...updates, ...extra]), init: tf.globalVariablesInitializer() };
  });
  const sess = new tf.Session({ graph: g, backend });
  await sess.run(built.init);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(Number((await sess.run(built.loss)).toArray()));
    await sess.run(built.step);
  }
  losses.push(Number((await sess.run(built.loss)).toArray()));
  return losses;
}

describe.each(BACKENDS)("a few training steps reduce the loss (%s)", (backend) => {
  const xs = [
    [0, 1],
    [1, 0],
    [1, 1],
    [0, 0],
  ];
  test("dense", async (ctx) => {
    const losses = await trainSteps(
      ctx,
      () => {
        tf.setRandomSeed(1);
        const h = tf.layers.dense(tf.constant(xs), 8, { activation: "tanh" });
        const y = tf.layers.dense(h, 1);
        return tf.losses.meanSquaredError(tf.constant([[1], [1], [0], [0]]), y);
      },
      backend,
    );
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
  });

  test("conv2d + pooling + flatten", async (ctx) => {
    const losses = await trainSteps(
      ctx,
      () => {
        tf.setRandomSeed(2);
        const x = tf.reshape(tf.range(0, 32, 1, { dtype: "float32" }), [2, 4, 4, 1]);
        const c = tf.layers.conv2d(tf.mul(x, 0.05), 3, 2, { activation: "relu" });
        const p = tf.layers.maxPooling2d(c, 2, 1);
        const out = tf.layers.dense(tf.layers.flatten(p), 2);
        return tf.losses.meanSquaredError(
          tf.constant([
            [1, 0],
            [0, 1],
          ]),
          out,
        );
      },
      backend,
    );
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
  });

  test("batch normalization (training, with its updates)", async (ctx) => {
    const losses = await trainSteps(
      ctx,
      () => {
        tf.setRandomSeed(3);
        const h = tf.layers.batchNormalization(tf.constant(xs), { training: true });
        const y = tf.layers.dense(h, 1);
        return tf.losses.meanSquaredError(tf.constant([[1], [1], [0], [0]]), y);
      },
      backend,
    );
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
  });
});
