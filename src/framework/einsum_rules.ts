// Einsum equations (TF's Einsum op): parsing and the output shape, shared by the shape function
// (at construction) and the kernel (at run time).
import { InvalidArgumentError } from "./errors.js";

/** "..." in a parsed subscript: the broadcasting dims. */
export const ELLIPSIS = "...";

export interface EinsumEquation {
  /** Each input's labels, one per dim ("..." stands for any number of broadcast dims). */
  inputs: string[][];
  output: string[];
}

/** Splits one term ("ab...c") into labels; letters only, at most one ellipsis. */
function parseTerm(term: string, equation: string): string[] {
  const out: string[] = [];
  const t = term.replace(/\s+/g, "");
  for (let i = 0; i < t.length; i++) {
    if (t.startsWith(ELLIPSIS, i)) {
      if (out.includes(ELLIPSIS)) {
        throw new InvalidArgumentError(
          `Expecting at most one ellipsis (...) per subscript in equation: ${equation}`,
        );
      }
      out.push(ELLIPSIS);
      i += 2;
    } else if (/[a-zA-Z]/.test(t[i])) out.push(t[i]);
    else {
      throw new InvalidArgumentError(
        `Invalid character '${t[i]}' in einsum equation: ${equation} (labels are letters)`,
      );
    }
  }
  return out;
}

/**
 * The implicit output of an equation without "->" (numpy's rule): "..." first if any input has
 * one, then the labels that occur exactly once, in alphabetical order.
 */
export function implicitOutput(inputs: string[][]): string[] {
  const count = new Map<string, number>();
  for (const term of inputs) for (const l of term) count.set(l, (count.get(l) ?? 0) + 1);
  const once = [...count].filter(([l, n]) => l !== ELLIPSIS && n === 1).map(([l]) => l);
  once.sort();
  return count.has(ELLIPSIS) ? [ELLIPSIS, ...once] : once;
}

/**
 * Parses "ij,jk->ik". With `requireArrow` (the op), the output must be explicit, as TF's Einsum
 * op requires; the tf.einsum builder adds the implicit output first.
 */
export function parseEinsum(
  equation: string,
  numInputs: number,
  requireArrow = true,
): EinsumEquation {
  const parts = equation.split("->");
  if (parts.length > 2 || (requireArrow && parts.length !== 2)) {
    throw new InvalidArgumentError(`Expecting exactly one '->' in einsum equation: ${equation}`);
  }
  const inputs = parts[0].split(",").map((t) => parseTerm(t, equation));
  if (inputs.length !== numInputs) {
    throw new InvalidArgumentError(
      `Expecting ${numInputs} input subscripts in equation '${equation}' but got: ${inputs.length}`,
    );
  }
  const output = parts.length === 2 ? parseTerm(parts[1], equation) : implicitOutput(inputs);
  const seen = new Set<string>();
  for (const l of output) {
    if (seen.has(l)) {
      throw new InvalidArgumentError(
        `Output subscripts contain the label ${l} more than once in equation: ${equation}`,
      );
    }
    seen.add(l);
    if (l !== ELLIPSIS && !inputs.some((t) => t.includes(l))) {
      throw new InvalidArgumentError(
        `Output subscripts contain a label that appears in no input: ${l} in equation: ${equation}`,
      );
    }
  }
  return { inputs, output };
}

/** Writes an equation back as a string. */
export const formatEinsum = (inputs: string[][], output: string[]): string =>
  `${inputs.map((t) => t.join("")).join(",")}->${output.join("")}`;

/** The dims each input's ellipsis covers (its rank minus its labels), checked against the rank. */
export function ellipsisRanks(eq: EinsumEquation, ranks: readonly number[]): number[] {
  return eq.inputs.map((term, i) => {
    const labels = term.filter((l) => l !== ELLIPSIS).length;
    const hasEllipsis = term.includes(ELLIPSIS);
    if (ranks[i] < labels || (!hasEllipsis && ranks[i] !== labels)) {
      throw new InvalidArgumentError(
        `Expected input ${i} to have rank ${labels}${hasEllipsis ? " or more" : ""} but got: ${ranks[i]} (subscripts ${term.join("")})`,
      );
    }
    return ranks[i] - labels;
  });
}

/** Dim sizes (null: unknown) of each label and of the broadcast ellipsis, from the input shapes. */
export interface EinsumDims {
  labels: Map<string, number | null>;
  /** The numpy broadcast of the inputs' ellipsis dims. */
  ellipsis: (number | null)[];
}

/** Label sizes and the broadcast ellipsis dims; mismatches raise InvalidArgumentError. */
export function einsumDims(
  eq: EinsumEquation,
  shapes: readonly (readonly (number | null)[])[],
): EinsumDims {
  const eRanks = ellipsisRanks(
    eq,
    shapes.map((s) => s.length),
  );
  const labels = new Map<string, number | null>();
  const maxE = Math.max(0, ...eRanks);
  const ellipsis: (number | null)[] = new Array(maxE).fill(1);
  eq.inputs.forEach((term, i) => {
    let axis = 0;
    for (const l of term) {
      if (l === ELLIPSIS) {
        for (let k = 0; k < eRanks[i]; k++) {
          const d = shapes[i][axis + k];
          const j = maxE - eRanks[i] + k;
          const cur = ellipsis[j];
          if (d === 1) continue;
          if (cur === 1 || cur === null) ellipsis[j] = d;
          else if (d !== null && d !== cur) {
            throw new InvalidArgumentError(
              `Einsum: the broadcasting dims of input ${i} (shape [${shapes[i].map((x) => x ?? "?").join(",")}]) do not broadcast: ${d} vs. ${cur}`,
            );
          }
        }
        axis += eRanks[i];
        continue;
      }
      const d = shapes[i][axis];
      const cur = labels.get(l);
      if (cur === undefined || cur === null) labels.set(l, d);
      else if (d !== null && d !== cur) {
        throw new InvalidArgumentError(
          `Expected dimension ${cur} at axis ${axis} of input ${i} (shape [${shapes[i].map((x) => x ?? "?").join(",")}]) for label ${l}, but got dimension ${d}`,
        );
      }
      axis++;
    }
  });
  return { labels, ellipsis };
}

/** The output shape of an einsum from its label sizes. */
export function einsumOutputShape(eq: EinsumEquation, dims: EinsumDims): (number | null)[] {
  const out: (number | null)[] = [];
  for (const l of eq.output) {
    if (l === ELLIPSIS) out.push(...dims.ellipsis);
    else out.push(dims.labels.get(l) ?? null);
  }
  return out;
}
