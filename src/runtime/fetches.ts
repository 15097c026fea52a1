import { ValueError } from "../framework/errors.js";
import {
  type Graph,
  isTensorConvertible,
  Operation,
  Tensor,
  TO_TENSOR,
} from "../framework/graph.js";
import type { NDArray } from "../framework/ndarray.js";

/**
 * A value made of several tensors (a SparseTensor: indices, values, dense shape). Fetching it
 * fetches its parts and `pack`s their values; feeding it `unpack`s the fed value into one value
 * per part.
 */
export const COMPOSITE: unique symbol = Symbol.for("tensorgraph.composite");
export interface CompositeTensor<V = unknown> {
  readonly [COMPOSITE]: {
    readonly tensors: readonly Tensor[];
    pack(values: readonly NDArray[]): V;
    unpack(value: unknown): unknown[];
  };
}
/** Marks a class whose instances are fed for composite keys (SparseTensorValue). */
export const COMPOSITE_VALUE: unique symbol = Symbol.for("tensorgraph.compositeValue");
export function isComposite(x: unknown): x is CompositeTensor {
  return typeof x === "object" && x !== null && COMPOSITE in x;
}

/** A fetch: a tensor, an operation, a name ("x:0" or "init"), a variable, or any nesting of them. */
export type Fetch = Tensor | Operation | string | { [TO_TENSOR](): Tensor } | CompositeTensor;
export type Fetches = Fetch | readonly Fetches[] | { readonly [key: string]: Fetches };
/** What `sess.run` resolves to: the fetches' structure with each tensor replaced by its value and each op by null. */
export type FetchResult<F> = F extends Operation
  ? null
  : F extends CompositeTensor<infer V>
    ? V
    : F extends Fetch
      ? NDArray
      : F extends readonly unknown[]
        ? { -readonly [K in keyof F]: FetchResult<F[K]> }
        : { -readonly [K in keyof F]: FetchResult<F[K]> };

/** The flat list of distinct fetch targets and a function that rebuilds the user's structure. */
export interface FlatFetches {
  readonly tensors: Tensor[];
  readonly ops: Operation[];
  rebuild(values: (NDArray | null)[]): unknown;
}

export function resolveName(graph: Graph, name: string): Tensor | Operation {
  return /:\d+$/.test(name) ? graph.getTensorByName(name) : graph.getOperationByName(name);
}

/** Flattens a fetch structure; `tensors` come first in the value list, then `ops` (valued null). */
export function flattenFetches(graph: Graph, fetches: Fetches): FlatFetches {
  const tensors: Tensor[] = [];
  const ops: Operation[] = [];
  const tensorIndex = new Map<Tensor, number>();
  const opIndex = new Map<Operation, number>();
  const leaf = (f: Fetch): (() => number) => {
    let x: Tensor | Operation;
    if (typeof f === "string") x = resolveName(graph, f);
    else if (f instanceof Tensor || f instanceof Operation) x = f;
    else x = (f as { [TO_TENSOR](): Tensor })[TO_TENSOR]();
    if (x.graph !== graph)
      throw new ValueError(`Fetch '${x.name}' is not an element of this session's graph`);
    if (x instanceof Tensor) {
      let i = tensorIndex.get(x);
      if (i === undefined) tensorIndex.set(x, (i = tensors.push(x) - 1));
      return () => i;
    }
    let i = opIndex.get(x);
    if (i === undefined) opIndex.set(x, (i = ops.push(x) - 1));
    return () => -1 - i; // negative: an op
  };
  type Builder = (values: (NDArray | null)[]) => unknown;
  const walk = (f: Fetches): Builder => {
    if (isComposite(f)) {
      const c = f[COMPOSITE];
      const parts = c.tensors.map((t) => leaf(t));
      return (values) => c.pack(parts.map((p) => values[p()] as NDArray));
    }
    if (
      typeof f === "string" ||
      f instanceof Tensor ||
      f instanceof Operation ||
      isTensorConvertible(f)
    ) {
      const idx = leaf(f as Fetch);
      return (values) => {
        const i = idx();
        return i >= 0 ? values[i] : null;
      };
    }
    if (Array.isArray(f)) {
      const parts = f.map(walk);
      return (values) => parts.map((p) => p(values));
    }
    if (f !== null && typeof f === "object") {
      const entries = Object.entries(f).map(([k, v]) => [k, walk(v as Fetches)] as const);
      return (values) => Object.fromEntries(entries.map(([k, p]) => [k, p(values)]));
    }
    throw new ValueError(
      `Fetch argument ${String(f)} has invalid type ${typeof f}: must be a Tensor, Operation, name, or a list/object of them`,
    );
  };
  const build = walk(fetches);
  return { tensors, ops, rebuild: build };
}
