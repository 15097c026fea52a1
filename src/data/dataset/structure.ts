// The structure of a dataset's elements (TF's element_spec): a nest (arrays and plain objects)
// whose leaves are TensorSpecs, or DatasetSpecs for components that are datasets themselves
// (window's). Flattened in nest order, they give the ops' output_types and output_shapes.
import type { DType } from "../../framework/dtypes.js";
import { ValueError } from "../../framework/errors.js";
import { isTensorConvertible, Tensor } from "../../framework/graph.js";
import { NDArray } from "../../framework/ndarray.js";
import { type ShapeLike, TensorShape } from "../../framework/tensor_shape.js";
import { flatten, type Nested, packAs, structureOf } from "../../ops/nest.js";

/** A tensor component: its dtype and static shape. */
export class TensorSpec {
  constructor(
    readonly dtype: DType,
    readonly shape: TensorShape,
  ) {}
}

/** A component that is a dataset (a `variant` scalar), with its own element structure. */
export class DatasetSpec {
  constructor(readonly structure: Nested<Spec>) {}
}

export type Spec = TensorSpec | DatasetSpec;
export type Structure = Nested<Spec>;

export const VARIANT = "variant" as DType;

export const isSpec = (x: unknown): x is Spec =>
  x instanceof TensorSpec || x instanceof DatasetSpec;

export const flatSpecs = (s: Structure): Spec[] => flatten(s, isSpec);

/** The flat output_types of a structure (datasets are `variant`). */
export const flatTypes = (s: Structure): DType[] =>
  flatSpecs(s).map((x) => (x instanceof TensorSpec ? x.dtype : VARIANT));

/** The flat output_shapes of a structure (datasets are scalars). */
export const flatShapes = (s: Structure): TensorShape[] =>
  flatSpecs(s).map((x) => (x instanceof TensorSpec ? x.shape : TensorShape.scalar()));

/** The structure's nest with each spec mapped. */
export function mapSpecs<T>(s: Structure, f: (x: Spec) => T): Nested<T> {
  return packAs(s, flatSpecs(s).map(f), isSpec);
}

/** `leaves` packed as `s` is nested. */
export function packSpecs<T>(s: Structure, leaves: readonly T[]): Nested<T> {
  return packAs(s, leaves, isSpec);
}

/**
 * Whether a user value is one component (a tensor, an array value, a JS scalar, or nested JS
 * arrays of scalars, which tf.data reads as one tensor) rather than a structure of components.
 */
export function isComponent(x: unknown): boolean {
  if (x instanceof Tensor || x instanceof NDArray || ArrayBuffer.isView(x)) return true;
  if (isTensorConvertible(x)) return true;
  const plain = (v: unknown): boolean =>
    Array.isArray(v) ? v.every(plain) : v === null || typeof v !== "object";
  return plain(x);
}

/**
 * The parts of `value` at the places of `structure`'s leaves (each leaf's whole subtree): how
 * padded_shapes and output_shapes, whose leaves are arrays themselves, line up with a structure.
 */
export function flattenUpTo<T>(
  structure: Nested<unknown>,
  value: unknown,
  isLeaf: (x: unknown) => boolean,
  what: string,
): T[] {
  const out: T[] = [];
  const walk = (s: unknown, v: unknown): void => {
    if (isLeaf(s)) {
      out.push(v as T);
      return;
    }
    const fail = () =>
      new ValueError(
        `${what} does not match the element structure ${structureOf(structure as Nested<unknown>, (x): x is unknown => isLeaf(x))}`,
      );
    if (Array.isArray(s)) {
      if (!Array.isArray(v) || v.length !== s.length) throw fail();
      s.forEach((x, i) => {
        walk(x, v[i]);
      });
    } else if (s !== null && typeof s === "object") {
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw fail();
      for (const k of Object.keys(s).sort()) {
        if (!(k in v)) throw fail();
        walk((s as Record<string, unknown>)[k], (v as Record<string, unknown>)[k]);
      }
    } else out.push(v as T);
  };
  walk(structure, value);
  return out;
}

/** A structure from nested output types and (optional) output shapes. */
export function structureFrom(types: Nested<DType>, shapes?: Nested<ShapeLike>): Structure {
  const isType = (x: unknown): x is DType => typeof x === "string";
  const flatT = flatten(types, isType);
  const flatS =
    shapes === undefined
      ? flatT.map(() => TensorShape.unknown())
      : flattenUpTo<ShapeLike>(types, shapes, isType, "outputShapes").map((s) =>
          s === null ? TensorShape.unknown() : TensorShape.from(s),
        );
  return packAs(
    types,
    flatT.map((t, i) => new TensorSpec(t, flatS[i])),
    isType,
  ) as Structure;
}

/** Whether two structures have the same nesting, types and compatible shapes. */
export function sameStructure(a: Structure, b: Structure): boolean {
  if (structureOf(a, isSpec) !== structureOf(b, isSpec)) return false;
  const fa = flatSpecs(a);
  const fb = flatSpecs(b);
  return fa.every((x, i) => {
    const y = fb[i];
    if (x instanceof TensorSpec && y instanceof TensorSpec)
      return x.dtype === y.dtype && x.shape.isCompatibleWith(y.shape);
    return x instanceof DatasetSpec && y instanceof DatasetSpec;
  });
}

/** The most specific shapes both structures allow (the dims they agree on). */
export function mostSpecific(a: Structure, b: Structure): Structure {
  const fb = flatSpecs(b);
  return packSpecs(
    a,
    flatSpecs(a).map((x, i) => {
      const y = fb[i];
      if (!(x instanceof TensorSpec) || !(y instanceof TensorSpec)) return x;
      if (x.shape.rank === null || y.shape.rank === null || x.shape.rank !== y.shape.rank)
        return new TensorSpec(x.dtype, TensorShape.unknown());
      const d = x.shape.asList()!.map((v, j) => (v === y.shape.dim(j) ? v : null));
      return new TensorSpec(x.dtype, new TensorShape(d));
    }),
  );
}
