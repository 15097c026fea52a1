// Confining the file access of a session's ops (tensorgraph's, not TF's: ConfigProto.fileAccess).
// A graph from an untrusted source is a program, and ReadFile/WriteFile/SaveV2... take their paths
// from tensors the graph computes; every kernel that touches the file system asks checkPath first.
import * as fs from "node:fs";
import * as path from "node:path";
import { PermissionDeniedError, ValueError } from "../framework/errors.js";

/**
 * Which files a session's ops may touch: "all" (the default, as TensorFlow), "none", or the
 * directories (and everything below them) that ops may read and write (`allow`) or only read
 * (`allowRead`).
 */
export type FileAccess =
  | "all"
  | "none"
  | { readonly allow?: readonly string[]; readonly allowRead?: readonly string[] };

export type FileAccessMode = "read" | "write";

/** How deep a chain of dangling symbolic links is followed by hand before giving up (ELOOP). */
const MAX_LINKS = 40;

/**
 * The absolute path `file` names once `..` and every symbolic link are resolved, also for a file
 * that does not exist yet: the deepest existing ancestor is resolved (fs.realpathSync) and the
 * rest appended. A dangling link is followed to its target, so writing through it cannot escape.
 * Null when it cannot be resolved (the links loop, or a link cannot be read).
 */
export function canonicalPath(file: string, links = 0): string | null {
  let head = path.resolve(file);
  const tail: string[] = [];
  for (;;) {
    try {
      fs.lstatSync(head);
      break;
    } catch {
      const parent = path.dirname(head);
      if (parent === head) break;
      tail.unshift(path.basename(head));
      head = parent;
    }
  }
  let real: string | null;
  try {
    real = fs.realpathSync.native(head);
  } catch {
    // `head` exists but does not resolve: a dangling link (or a loop). Follow it ourselves.
    if (links >= MAX_LINKS) return null;
    let target: string;
    try {
      target = fs.readlinkSync(head);
    } catch {
      return null;
    }
    real = canonicalPath(path.resolve(path.dirname(head), target), links + 1);
  }
  return real === null ? null : path.join(real, ...tail);
}

/** Whether `file` is `dir` or below it (both canonical). */
function isWithin(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

/** A session's resolved ConfigProto.fileAccess. */
export class FilePolicy {
  private constructor(
    private readonly readWrite: readonly string[],
    private readonly readOnly: readonly string[],
    private readonly none: boolean,
  ) {}

  /**
   * The policy for a ConfigProto.fileAccess value; undefined for "all" (no checks at all).
   * ValueError for a malformed value.
   */
  static from(access: FileAccess | undefined): FilePolicy | undefined {
    if (access === undefined || access === "all") return undefined;
    if (access === "none") return new FilePolicy([], [], true);
    if (typeof access !== "object" || access === null || Array.isArray(access)) {
      throw new ValueError(
        `ConfigProto.fileAccess must be "all", "none" or { allow: [dirs], allowRead: [dirs] }, got ${JSON.stringify(access)}`,
      );
    }
    const dirs = (key: "allow" | "allowRead"): string[] => {
      const v: unknown = access[key];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((d) => typeof d !== "string" || d === "")) {
        throw new ValueError(
          `ConfigProto.fileAccess.${key} must be an array of non-empty directory paths, got ${JSON.stringify(v)}`,
        );
      }
      return [...(v as string[])]; // a copy: later edits of the caller's array change nothing
    };
    const extra = Object.keys(access).filter((k) => k !== "allow" && k !== "allowRead");
    if (extra.length > 0) {
      throw new ValueError(
        `ConfigProto.fileAccess has unknown key(s) ${extra.join(", ")} (known: allow, allowRead)`,
      );
    }
    return new FilePolicy(dirs("allow"), dirs("allowRead"), false);
  }

  /** PermissionDeniedError naming `op` and `file` unless `op` may `mode` the file. */
  check(op: string, file: string, mode: FileAccessMode): void {
    const verb = mode === "read" ? "read" : "write";
    if (this.none) {
      throw new PermissionDeniedError(
        `${op} may not ${verb} ${file}: this session's ConfigProto.fileAccess is "none"`,
      );
    }
    const real = canonicalPath(file);
    const dirs = mode === "read" ? [...this.readWrite, ...this.readOnly] : this.readWrite;
    // The allowed directories are resolved the same way at each check, so they may be links
    // themselves and may be created after the session.
    if (real !== null) {
      for (const d of dirs) {
        const dir = canonicalPath(d);
        if (dir !== null && isWithin(real, dir)) return;
      }
    }
    const resolved = real === null ? "unresolvable: a loop of links, or no permission" : real;
    throw new PermissionDeniedError(
      `${op} may not ${verb} ${file} (resolved: ${resolved}): outside the directories this session's ConfigProto.fileAccess allows to ${verb} (${dirs.length > 0 ? dirs.join(", ") : "none"})`,
    );
  }
}

/**
 * The one check every kernel that touches the file system makes, before touching it: does the
 * session's policy (KernelEnv.files) let `op` read or write `file`? PermissionDeniedError if not.
 */
export function checkPath(
  env: { readonly files?: FilePolicy },
  op: string,
  file: string,
  mode: FileAccessMode,
): void {
  env.files?.check(op, file, mode);
}
