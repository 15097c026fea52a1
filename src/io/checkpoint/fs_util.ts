/** File-system helpers shared by the checkpoint readers and writers: TF errors, atomic writes. */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnknownError,
} from "../../framework/errors.js";

/** A Node file-system error as TensorFlow's error class for it, naming the file. */
export function fsError(e: unknown, file: string, doing: string): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return e;
  const msg = `${doing} ${file}: ${(e as Error).message}`;
  switch (code) {
    case "ENOENT":
      return new NotFoundError(msg);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new PermissionDeniedError(msg);
    case "EEXIST":
      return new AlreadyExistsError(msg);
    case "ENOSPC":
    case "EDQUOT":
      return new ResourceExhaustedError(msg);
    case "EISDIR":
    case "ENOTDIR":
    case "ENOTEMPTY":
      return new FailedPreconditionError(msg);
    default:
      return new UnknownError(msg);
  }
}

/** Runs a file-system call, turning Node errors into TensorFlow errors naming `file`. */
export function fsCall<T>(file: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fsError(e, file, doing);
  }
}

/**
 * A fresh temporary name beside `file`, as TensorFlow makes them (`<file>.tempstate<random>`),
 * followed by `-<pid>` of the writer: a later save can tell the temporary files of a dead
 * writer (killed mid-write) from those of a live one, and remove only the former.
 */
export function tempName(file: string): string {
  return `${file}.tempstate${randomBytes(8).readBigUInt64LE()}-${process.pid}`;
}

/** A parsed temporary name: the file it was to become and its writer's pid (null: not ours). */
export interface TempNameParts {
  target: string;
  pid: number | null;
}

const TEMP_NAME = /^(.+)\.tempstate\d+(?:-(\d+))?$/;

/** `{ target, pid }` if `name` is a temporary name (ours, or TF's without a pid); else null. */
export function parseTempName(name: string): TempNameParts | null {
  const m = TEMP_NAME.exec(name);
  if (!m) return null;
  return { target: m[1]!, pid: m[2] === undefined ? null : Number(m[2]) };
}

/** Whether process `pid` runs on this machine (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Writes `data` to `file` through a synced temporary file and a rename. */
export function atomicWriteFile(file: string, data: Uint8Array | string): void {
  const tmp = tempName(file);
  try {
    fsCall(tmp, "Failed to write", () => {
      const fd = fs.openSync(tmp, "w");
      try {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
    fsCall(file, "Failed to rename a temporary file to", () => fs.renameSync(tmp, file));
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or never made
  }
}

export function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
