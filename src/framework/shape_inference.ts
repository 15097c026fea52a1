import type { DType } from "./dtypes.js";
import { InvalidArgumentError } from "./errors.js";
import type { Operation, Tensor } from "./graph.js";
import { NDArray } from "./ndarray.js";
import type { AttrValue } from "./op_def.js";
import { broadcastStaticShapes, type Dim, TensorShape } from "./tensor_shape.js";

/**
 * What a shape function sees: the op's input shapes and dtypes, its attrs, and the values of
 * inputs that are constant at construction. `fail` raises the construction-time shape error.
 */
export class ShapeContext {
  readonly op: Operation;
  constructor(op: Operation) {
    this.op = op;
  }
  get numInputs(): number {
    return this.op.inputs.length;
  }
  input(i: number): TensorShape {
    return this.op.inputs[i].shape;
  }
  inputDtype(i: number): DType {
    return this.op.inputs[i].dtype;
  }
  attr<T extends AttrValue>(name: string): T {
    return this.op.attrs[name] as T;
  }
  /** The input's value if it is known at construction (a Const, a fully-known Shape, ...), else null. */
  inputValue(i: number): NDArray | null {
    return constantValue(this.op.inputs[i]);
  }
  /** Reads a 1-D int input (e.g. Reshape's `shape`) as a partially known shape. */
  inputAsShape(i: number): TensorShape {
    return constantValueAsShape(this.op.inputs[i]);
  }
  /** Raises the shape error for this op; Graph.createOp adds the op's name, input shapes and location. */
  fail(message: string): never {
    throw new InvalidArgumentError(message);
  }
  /** The input must have this rank (unknown rank passes and is given it). */
  withRank(i: number, rank: number): TensorShape {
    const s = this.input(i);
    if (s.rank !== null && s.rank !== rank)
      this.fail(`Shape must be rank ${rank} but is rank ${s.rank}`);
    return s.rank === null ? TensorShape.unknownOfRank(rank) : s;
  }
  withRankAtLeast(i: number, rank: number): TensorShape {
    const s = this.input(i);
    if (s.rank !== null && s.rank < rank)
      this.fail(`Shape must be at least rank ${rank} but is rank ${s.rank}`);
    return s;
  }
  /** numpy broadcasting of inputs a and b. */
  broadcast(a = 0, b = 1): TensorShape {
    const out = broadcastStaticShapes(this.input(a), this.input(b));
    if (!out) this.fail(`Incompatible shapes: ${this.input(a)} vs. ${this.input(b)}`);
    return out;
  }
  /** Merges two dims that must agree; unknown merges with anything. */
  mergeDim(a: Dim, b: Dim, what = "Dimensions"): Dim {
    if (a !== null && b !== null && a !== b)
      this.fail(`${what} must be equal, but are ${a} and ${b}`);
    return a ?? b;
  }
}

/** The value of `t` if it can be known without running the graph (TF's constant_value), else null. */
export function constantValue(t: Tensor): NDArray | null {
  const op = t.op;
  switch (op.type) {
    case "Const":
      return op.attrs.value as NDArray;
    case "Identity":
    case "StopGradient": {
      // A loop, not recursion: an imported GraphDef may chain 100k of them.
      let src = op.inputs[0];
      while (src.op.type === "Identity" || src.op.type === "StopGradient") src = src.op.inputs[0];
      return constantValue(src);
    }
    case "Shape": {
      const s = op.inputs[0].shape;
      if (!s.isFullyDefined) return null;
      return intArray(op.attrs.out_type as DType, s.asArray());
    }
    case "Size": {
      const n = op.inputs[0].shape.numElements;
      return n === null ? null : intArray(op.attrs.out_type as DType, [n], true);
    }
    case "Rank": {
      const r = op.inputs[0].shape.rank;
      return r === null ? null : intArray("int32", [r], true);
    }
    case "Pack": {
      const vals = op.inputs.map(constantValue);
      if (vals.some((v) => v === null || v.rank !== 0)) return null;
      return new NDArray(t.dtype, [vals.length], vals.map((v) => v!.data[0]) as number[]);
    }
    default:
      return null;
  }
}

function intArray(dtype: DType, values: number[], scalar = false): NDArray {
  const shape = scalar ? [] : [values.length];
  return dtype === "int64"
    ? new NDArray("int64", shape, BigInt64Array.from(values.map(BigInt)))
    : new NDArray("int32", shape, Int32Array.from(values));
}

/** A 1-D int tensor read as a (partially known) shape: TF's constant_value_as_shape. */
export function constantValueAsShape(t: Tensor, depth = 0): TensorShape {
  if (t.shape.rank === 0) {
    const v = constantValue(t);
    if (v && Number(v.data[0]) === -1) return TensorShape.unknown();
    return TensorShape.unknown();
  }
  const op = t.op;
  if (op.type === "Shape") return op.inputs[0].shape;
  if (op.type === "Pack") {
    return new TensorShape(
      op.inputs.map((x) => {
        const v = constantValue(x);
        const d = v ? Number(v.data[0]) : -1;
        return d < 0 ? null : d;
      }),
    );
  }
  // Nested concats are followed 100 deep (a hostile GraphDef may nest far more); past that the
  // shape is only as known as the tensor's own static shape says.
  if (op.type === "ConcatV2" && depth < 100) {
    let out = TensorShape.scalar();
    for (const x of op.inputs.slice(0, -1))
      out = out.concatenate(constantValueAsShape(x, depth + 1));
    return out;
  }
  const v = constantValue(t);
  if (v)
    return new TensorShape(
      Array.from(v.data as Int32Array, (d) => (Number(d) < 0 ? null : Number(d))),
    );
  const n = t.shape.dim(0);
  return n === null ? TensorShape.unknown() : TensorShape.unknownOfRank(n);
}
