// What counts as a finding: anything thrown that is not one of TensorFlow's error classes
// (tf.errors.*: OpError and its subclasses, ValueError, LookupError). InternalError and
// UnknownError are TF classes too, but here they mean a JavaScript error escaped a kernel or a
// parser and was wrapped, so they are findings as well.
import { InternalError, LookupError, OpError, UnknownError } from "../../src/framework/errors.js";

/** Thrown by a target for a wrong result (e.g. native and TypeScript kernels disagree). */
export class FuzzMismatch extends Error {
  override name = "FuzzMismatch";
}

/** null when `e` is an expected, TF-named error; else a one-line description of the finding. */
export function classifyError(e: unknown): string | null {
  if (e instanceof InternalError || e instanceof UnknownError) {
    return `${e.name}: ${e.message}`;
  }
  if (e instanceof OpError || e instanceof LookupError) return null;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}
