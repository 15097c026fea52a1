import { ValueError } from "./errors.js";

export type Dim = number | null;
/** What users may pass for a shape: a TensorShape, a list of dims (null/-1 = unknown) or null (unknown rank). */
export type ShapeLike = TensorShape | readonly (number | null)[] | null | undefined;

/**
 * A static shape, known at graph construction: unknown rank (`dims === null`), or a list of
 * dims each of which may be unknown (`null`). Immutable.
 */
export class TensorShape {
  readonly dims: readonly Dim[] | null;

  constructor(dims: readonly (number | null)[] | null) {
    if (dims === null) {
      this.dims = null;
      return;
    }
    this.dims = dims.map((d) => {
      if (d === null || d === -1) return null;
      if (!Number.isInteger(d) || d < 0) throw new ValueError(`Invalid dimension ${d} in shape`);
      return d;
    });
  }

  static unknown(): TensorShape {
    return UNKNOWN;
  }
  static scalar(): TensorShape {
    return SCALAR;
  }
  static unknownOfRank(rank: number): TensorShape {
    return new TensorShape(new Array<null>(rank).fill(null));
  }
  static from(shape: ShapeLike): TensorShape {
    if (shape instanceof TensorShape) return shape;
    if (shape === null || shape === undefined) return UNKNOWN;
    return new TensorShape(shape);
  }

  get rank(): number | null {
    return this.dims === null ? null : this.dims.length;
  }
  get isFullyDefined(): boolean {
    return this.dims?.every((d) => d !== null) ?? false;
  }
  /** The number of elements, or null if not fully known. */
  get numElements(): number | null {
    if (!this.isFullyDefined) return null;
    let n = 1;
    for (const d of this.dims!) n *= d!;
    return n;
  }
  dim(i: number): Dim {
    if (this.dims === null) return null;
    return this.dims[i < 0 ? this.dims.length + i : i] ?? null;
  }
  /** Dims as a list (null for unknown), or null for unknown rank. */
  asList(): Dim[] | null {
    return this.dims === null ? null : [...this.dims];
  }
  /** Fully defined dims as numbers; throws if any is unknown. */
  asArray(): number[] {
    if (!this.isFullyDefined) throw new ValueError(`Shape ${this} is not fully defined`);
    return this.dims as number[];
  }

  isCompatibleWith(other: ShapeLike): boolean {
    const o = TensorShape.from(other);
    if (this.dims === null || o.dims === null) return true;
    if (this.dims.length !== o.dims.length) return false;
    return this.dims.every((d, i) => d === null || o.dims![i] === null || d === o.dims![i]);
  }

  /** The most specific shape compatible with both; throws ValueError if they conflict. */
  mergeWith(other: ShapeLike): TensorShape {
    const o = TensorShape.from(other);
    if (this.dims === null) return o;
    if (o.dims === null) return this;
    if (!this.isCompatibleWith(o)) {
      throw new ValueError(`Shapes ${this} and ${o} are not compatible`);
    }
    return new TensorShape(this.dims.map((d, i) => d ?? o.dims![i]));
  }

  concatenate(other: ShapeLike): TensorShape {
    const o = TensorShape.from(other);
    if (this.dims === null || o.dims === null) return UNKNOWN;
    return new TensorShape([...this.dims, ...o.dims]);
  }

  withRank(rank: number): TensorShape {
    if (this.dims === null) return TensorShape.unknownOfRank(rank);
    if (this.dims.length !== rank) throw new ValueError(`Shape ${this} must have rank ${rank}`);
    return this;
  }

  equals(other: ShapeLike): boolean {
    const o = TensorShape.from(other);
    if (this.dims === null || o.dims === null) return this.dims === o.dims;
    return this.dims.length === o.dims.length && this.dims.every((d, i) => d === o.dims![i]);
  }

  toString(): string {
    if (this.dims === null) return "<unknown>";
    return `[${this.dims.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
  }
}

const UNKNOWN = new TensorShape(null);
const SCALAR = new TensorShape([]);

/**
 * numpy broadcasting of two static shapes; unknown dims stay unknown unless the other side fixes
 * them. Returns null when the shapes cannot broadcast.
 */
export function broadcastStaticShapes(a: TensorShape, b: TensorShape): TensorShape | null {
  if (a.dims === null || b.dims === null) return TensorShape.unknown();
  const n = Math.max(a.dims.length, b.dims.length);
  const out: Dim[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.dims.length ? 1 : a.dims[i - (n - a.dims.length)];
    const db = i < n - b.dims.length ? 1 : b.dims[i - (n - b.dims.length)];
    if (da === 1) out[i] = db;
    else if (db === 1) out[i] = da;
    else if (da === null) out[i] = db;
    else if (db === null) out[i] = da;
    else if (da === db) out[i] = da;
    else return null;
  }
  return new TensorShape(out);
}

/** numpy broadcasting of two concrete shapes; null when they cannot broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

export const shapeString = (s: readonly number[]): string => `[${s.join(",")}]`;
export const shapeSize = (s: readonly number[]): number => {
  let n = 1;
  for (const d of s) n *= d;
  return n;
};

/** Row-major strides of a shape (elements between consecutive indices of each dim). */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
