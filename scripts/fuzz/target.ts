// What a fuzz target is: a function of bytes, its seeds, and what guides and mutates it.
import type { DescMessage } from "@bufbuild/protobuf";
import type { Rng } from "./mutate.js";

export interface FuzzTarget {
  name: string;
  /** Seed inputs (real TensorFlow files, our fixtures, inputs built by our own writers). */
  seeds(): Uint8Array[] | Promise<Uint8Array[]>;
  /** The largest input the mutators make. */
  maxLen: number;
  /** Runs one input; may throw tf.errors.* (expected) and nothing else. */
  run(data: Uint8Array): unknown;
  /** For protobuf inputs: the message type, for structure-aware mutations. */
  proto?: DescMessage;
  /** A custom structure-aware mutation (null: not applicable to this input). */
  mutate?(data: Uint8Array, rng: Rng, other?: Uint8Array): Uint8Array | null;
  /** Words the byte mutator inserts (op names, attr names, dtype names...). */
  dictionary?: string[];
}

export function defineTarget(t: FuzzTarget): FuzzTarget {
  return t;
}
