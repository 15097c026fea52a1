import { TF_DTYPE_NAME } from "../framework/dtypes.js";
import { InvalidArgumentError, ValueError } from "../framework/errors.js";
import { type Graph, isTensorConvertible, Tensor, TO_TENSOR } from "../framework/graph.js";
import {
  inferShape,
  NDArray,
  type NestedArray,
  type TypedArray,
  typedArrayDType,
} from "../framework/ndarray.js";
import { shapeString } from "../framework/tensor_shape.js";
import { COMPOSITE, COMPOSITE_VALUE, type CompositeTensor, isComposite } from "./fetches.js";

/**
 * A value that can be fed: an NDArray, a JS scalar, nested arrays, or a TypedArray; for a
 * composite key (a SparseTensor), an object of its parts (a SparseTensorValue, or
 * { indices, values, denseShape }), which the key splits into one value per part.
 */
export type Feedable = NDArray | NestedArray | TypedArray | CompositeValue;
export type CompositeValue =
  | { readonly values: unknown; readonly [part: string]: unknown }
  | { readonly [COMPOSITE_VALUE]: true };
export type FeedKey = Tensor | string | { [TO_TENSOR](): Tensor } | CompositeTensor;
/** Feeds: a Map, an array of [key, value] pairs, or an object keyed by tensor name. */
export type Feeds =
  | ReadonlyMap<FeedKey, Feedable>
  | readonly (readonly [FeedKey, Feedable])[]
  | { readonly [tensorName: string]: Feedable };

/** Normalizes feeds to pairs of (tensor, checked value). */
export function normalizeFeeds(graph: Graph, feeds: Feeds | undefined): [Tensor, NDArray][] {
  if (feeds === undefined || feeds === null) return [];
  let pairs: [FeedKey, Feedable][];
  if (feeds instanceof Map) pairs = [...feeds.entries()];
  else if (Array.isArray(feeds)) pairs = feeds as [FeedKey, Feedable][];
  else pairs = Object.entries(feeds);
  const out: [Tensor, NDArray][] = [];
  const seen = new Set<Tensor>();
  const expanded: [FeedKey, Feedable][] = [];
  for (const [key, value] of pairs) {
    if (!isComposite(key)) {
      expanded.push([key, value]);
      continue;
    }
    const c = key[COMPOSITE];
    const parts = c.unpack(value);
    c.tensors.forEach((t, i) => {
      expanded.push([t, parts[i] as Feedable]);
    });
  }
  for (const [key, value] of expanded) {
    let t: Tensor;
    if (typeof key === "string") {
      const name = /:\d+$/.test(key) ? key : `${key}:0`;
      t = graph.getTensorByName(name);
    } else if (key instanceof Tensor) t = key;
    else if (isTensorConvertible(key)) t = key[TO_TENSOR]();
    else throw new ValueError(`Feed key ${String(key)} must be a Tensor or a tensor name`);
    if (t.graph !== graph)
      throw new ValueError(`Feed key '${t.name}' is not an element of this session's graph`);
    if (seen.has(t)) throw new InvalidArgumentError(`Tensor '${t.name}' is fed more than once`);
    seen.add(t);
    out.push([t, feedValue(t, value)]);
  }
  return out;
}

/** Converts and checks one fed value against the tensor's dtype and static shape. */
export function feedValue(t: Tensor, value: Feedable): NDArray {
  const where = `Tensor '${t.name}', which has shape ${t.shape} and dtype ${TF_DTYPE_NAME[t.dtype]}`;
  let v: NDArray;
  if (value instanceof NDArray) {
    if (value.dtype !== t.dtype) {
      throw new InvalidArgumentError(`Cannot feed a value of dtype ${value.dtype} for ${where}`);
    }
    v = value;
  } else if (!Array.isArray(value) && typeof value === "object" && !ArrayBuffer.isView(value)) {
    throw new InvalidArgumentError(
      `Cannot feed an object of parts for ${where}: it is not a composite tensor`,
    );
  } else if (ArrayBuffer.isView(value)) {
    const ta = value as TypedArray;
    const d = typedArrayDType(ta);
    if (d !== t.dtype && !(d === "uint8" && t.dtype === "bool")) {
      throw new InvalidArgumentError(`Cannot feed a ${ta.constructor.name} (${d}) for ${where}`);
    }
    v = new NDArray(t.dtype, typedArrayShape(t, ta.length, where), ta);
  } else {
    try {
      v = new NDArray(t.dtype, inferShape(value), value);
    } catch (e) {
      throw new InvalidArgumentError(`Cannot feed value for ${where}: ${(e as Error).message}`);
    }
  }
  if (!t.shape.isCompatibleWith(v.shape)) {
    throw new InvalidArgumentError(
      `Cannot feed value of shape ${shapeString(v.shape)} for ${where}`,
    );
  }
  return v;
}

/** A flat TypedArray takes the tensor's static shape, with at most one unknown dim inferred. */
function typedArrayShape(t: Tensor, length: number, where: string): number[] {
  const dims = t.shape.dims;
  if (dims === null) return [length];
  const known = dims.reduce<number>((p, d) => p * (d ?? 1), 1);
  const unknown = dims.filter((d) => d === null).length;
  if (
    unknown > 1 ||
    (unknown === 0 && known !== length) ||
    (unknown === 1 && (known === 0 || length % known !== 0))
  ) {
    throw new InvalidArgumentError(`Cannot feed a flat array of ${length} elements for ${where}`);
  }
  return dims.map((d) => d ?? length / known);
}
