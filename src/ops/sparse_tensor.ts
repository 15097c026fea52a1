// tf.SparseTensor (indices int64 [N, rank], values [N], denseShape int64 [rank]) as a graph-level
// value, its run-time counterpart tf.SparseTensorValue, and tf.sparsePlaceholder. A SparseTensor
// is a composite: fetching one gives a SparseTensorValue, and one can be fed a SparseTensorValue
// (or a plain { indices, values, denseShape }).
import type { DType } from "../framework/dtypes.js";
import { InvalidArgumentError } from "../framework/errors.js";
import type { Graph, Tensor } from "../framework/graph.js";
import { NDArray, type ValueLike } from "../framework/ndarray.js";
import { constantValue } from "../framework/shape_inference.js";
import { type ShapeLike, TensorShape } from "../framework/tensor_shape.js";
import { COMPOSITE, COMPOSITE_VALUE, type CompositeTensor } from "../runtime/fetches.js";
import { constant, placeholder, placeholderWithDefault } from "./basic.js";
import { convertToTensor, graphOf, type TensorLike } from "./op_builder.js";

/** A sparse value: what fetching a SparseTensor gives. */
export class SparseTensorValue {
  readonly [COMPOSITE_VALUE] = true as const;
  constructor(
    readonly indices: NDArray,
    readonly values: NDArray,
    readonly denseShape: NDArray,
  ) {}
}
/** What a SparseTensor can be fed, or made from. */
export interface SparseTensorValueLike {
  readonly indices: ValueLike;
  readonly values: ValueLike;
  readonly denseShape: ValueLike;
}

/** A sparse tensor in the graph: three dense tensors that together stand for one. */
export class SparseTensor implements CompositeTensor<SparseTensorValue> {
  readonly indices: Tensor;
  readonly values: Tensor;
  readonly denseShape: Tensor;
  private readonly staticShape: TensorShape;

  constructor(indices: TensorLike, values: TensorLike, denseShape: TensorLike, shape?: ShapeLike) {
    const g = graphOf([indices, values, denseShape]);
    this.indices = convertToTensor(indices, "int64", "indices", g);
    this.values = convertToTensor(values, undefined, "values", g);
    this.denseShape = convertToTensor(denseShape, "int64", "dense_shape", g);
    for (const [t, rank, what] of [
      [this.indices, 2, "indices"],
      [this.values, 1, "values"],
      [this.denseShape, 1, "denseShape"],
    ] as const) {
      if (t.shape.rank !== null && t.shape.rank !== rank)
        throw new InvalidArgumentError(
          `SparseTensor: ${what} must be rank ${rank}, got shape ${t.shape}`,
        );
    }
    const v = constantValue(this.denseShape);
    this.staticShape =
      shape !== undefined
        ? TensorShape.from(shape)
        : v
          ? new TensorShape(Array.from(v.data as BigInt64Array, Number))
          : this.denseShape.shape.dim(0) === null
            ? TensorShape.unknown()
            : TensorShape.unknownOfRank(this.denseShape.shape.dim(0)!);
  }

  /** A SparseTensor of constants holding `value`. */
  static fromValue(value: SparseTensorValue | SparseTensorValueLike): SparseTensor {
    return new SparseTensor(
      constant(value.indices, { dtype: "int64" }),
      constant(value.values),
      constant(value.denseShape, { dtype: "int64" }),
    );
  }

  get dtype(): DType {
    return this.values.dtype;
  }
  get graph(): Graph {
    return this.values.graph;
  }
  /** The static dense shape (dims may be unknown). */
  get shape(): TensorShape {
    return this.staticShape;
  }
  toString(): string {
    return `SparseTensor(indices=${this.indices.name}, values=${this.values.name}, dense_shape=${this.denseShape.name})`;
  }

  get [COMPOSITE]() {
    return {
      tensors: [this.indices, this.values, this.denseShape] as const,
      pack: (v: readonly NDArray[]) => new SparseTensorValue(v[0], v[1], v[2]),
      unpack: (value: unknown): unknown[] => {
        const v = value as Partial<SparseTensorValueLike>;
        if (
          typeof v !== "object" ||
          v === null ||
          v.indices === undefined ||
          v.values === undefined ||
          v.denseShape === undefined
        ) {
          throw new InvalidArgumentError(
            `Cannot feed ${String(value)} for ${this}: a SparseTensor takes a SparseTensorValue or { indices, values, denseShape }`,
          );
        }
        const int64 = (x: ValueLike) => (x instanceof NDArray ? x : NDArray.from(x, "int64"));
        return [int64(v.indices), v.values, int64(v.denseShape)];
      },
    };
  }
}

/** TF's sparse_placeholder: placeholders for the indices, values and (unless fully known) shape. */
export function sparsePlaceholder(dtype: DType, shape?: ShapeLike, name?: string): SparseTensor {
  const g = graphOf([]);
  return g.nameScope(name ?? "SparsePlaceholder", () => {
    const s = TensorShape.from(shape ?? null);
    const rank = s.rank;
    const values = placeholder(dtype, [null], "values");
    const indices = placeholder("int64", [null, rank], "indices");
    const dense = s.isFullyDefined
      ? placeholderWithDefault(NDArray.from(s.asArray(), "int64"), [rank], "shape")
      : placeholder("int64", [rank], "shape");
    return new SparseTensor(indices, values, dense, s);
  });
}

/** A SparseTensor from either form (helper for builders). */
export function toSparse(
  x: SparseTensor | SparseTensorValue | SparseTensorValueLike,
): SparseTensor {
  return x instanceof SparseTensor ? x : SparseTensor.fromValue(x);
}
