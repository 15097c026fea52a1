// Summary tags as TF's summary_op_util builds them: illegal characters replaced, the name scope
// (and family) prefixed, and summary ops named after their scope.
import type { Graph } from "../framework/graph.js";

// TF's _INVALID_TAG_CHARACTERS is [^-/\w\.] on Python 3 strings (\w: Unicode letters, digits,
// marks and underscore).
const INVALID_TAG_CHARS = /[^-/\p{L}\p{N}\p{M}_.]/gu;

/** Warnings go here (console.warn by default); tests swap it to capture them. */
export const tagWarnings = { warn: (msg: string): void => console.warn(msg) };

/**
 * TF's clean_tag: characters other than letters, digits, `_`, `-`, `/` and `.` become `_`, and
 * leading slashes are dropped; a change is reported as TF logs it.
 */
export function cleanTag(name: string): string {
  const cleaned = name.replace(INVALID_TAG_CHARS, "_").replace(/^\/+/, "");
  if (cleaned !== name)
    tagWarnings.warn(`Summary name ${name} is illegal; using ${cleaned} instead.`);
  return cleaned;
}

/**
 * TF's summary_scope: opens name scope `family/name` (or `name`), uniquified as any scope, and
 * calls `fn(tag, opName)`: the tag is the scope (prefixed again by the family, so TensorBoard
 * shows it in the family's tab), the op takes the scope's own name.
 */
export function summaryScope<T>(
  graph: Graph,
  name: string,
  family: string | undefined,
  fn: (tag: string, opName: string) => T,
): T {
  const n = cleanTag(name);
  const f = family === undefined ? undefined : cleanTag(family);
  const base = f === undefined ? n : `${f}/${n}`;
  return graph.nameScope(base, (scope) => {
    const s = scope.replace(/\/$/, "");
    return fn(f === undefined ? s : `${f}/${s}`, s);
  });
}
