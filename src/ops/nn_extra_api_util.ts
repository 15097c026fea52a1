// Argument helpers shared by the nn_extra builders (TF's padding strings and window lists).
import { ValueError } from "../framework/errors.js";
import { NDArray } from "../framework/ndarray.js";
import type { WindowArg } from "./nn_conv.js";

export type Padding = "SAME" | "VALID" | "same" | "valid";

export function padding(p: Padding): "SAME" | "VALID" {
  const up = p.toUpperCase();
  if (up !== "SAME" && up !== "VALID")
    throw new ValueError(`padding must be "SAME" or "VALID", got '${p}'`);
  return up;
}

/** number | [n] | [spatial...] | the full (rank + 2)-list, as the full list (TF's _get_sequence). */
export function expandN(v: WindowArg, rank: number, what: string): number[] {
  const list = typeof v === "number" ? [v] : [...v];
  if (list.length === 1) return [1, ...Array<number>(rank).fill(list[0]), 1];
  if (list.length === rank) return [1, ...list, 1];
  if (list.length === rank + 2) return list;
  throw new ValueError(
    `${what} should be of length 1, ${rank} or ${rank + 2}, but was ${list.length}`,
  );
}

export const ints = (v: readonly number[]) => new NDArray("int32", [v.length], Int32Array.from(v));
