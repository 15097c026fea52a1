/**
 * What a writer killed mid-save (`kill -9`, an out-of-memory kill) leaves beside a family of
 * checkpoints, and its removal by the next save of that family:
 *  - temporary files (`<file>.tempstate<n>-<pid>`) whose writer no longer runs;
 *  - deletion markers (`<prefix>.deleting`): maxToKeep marks a checkpoint before the state file
 *    stops naming it and removes the mark once its files are gone. A mark whose checkpoint the
 *    state file no longer names is an interrupted deletion, finished here; a mark whose
 *    checkpoint is still named (killed before the state file was rewritten) is only dropped;
 *  - partial checkpoints: data shards (perhaps with `.meta`) without `.index`, which a deletion
 *    (the index goes first) or a write killed between its two renames leaves.
 * A family is `<base>` and `<base>-<n>` in one directory (a Saver's `savePath` and its global
 * steps). Complete checkpoints the state file does not name are left alone: they may be kept on
 * purpose (keepCheckpointEveryNHours, `writeState: false`). One writer per family is assumed, as
 * TensorFlow's state file assumes: a live writer of another process between its two renames
 * would look like a partial checkpoint.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { indexFilename } from "./bundle.js";
import { fsCall, parseTempName, processAlive, removeQuietly } from "./fs_util.js";

/** Suffix of the mark that a checkpoint's deletion has begun (or is about to). */
export const DELETION_MARKER_SUFFIX = ".deleting";

/** Temporary files without a writer's pid (TensorFlow's, older versions') count as stale after a day. */
const UNTAGGED_TEMP_STALE_MS = 24 * 3600 * 1000;

const SUFFIX = /(\.index|\.meta|\.data-\d{5}-of-\d{5}|\.deleting)$/;
const DATA_SHARD = /^\.data-\d{5}-of-\d{5}$/;

/** Marks `prefix` for deletion (before the state file stops naming it). */
export function markForDeletion(prefix: string): void {
  // No fsync: the mark has to survive the process, not the machine.
  const mark = `${prefix}${DELETION_MARKER_SUFFIX}`;
  fsCall(mark, "Failed to write", () => fs.writeFileSync(mark, ""));
}

/** Deletes a checkpoint's files, `.index` first (it alone makes a checkpoint exist), then its mark. */
export function removeCheckpoint(prefix: string): void {
  removeQuietly(indexFilename(prefix));
  removeQuietly(`${prefix}.meta`);
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  let hadShard = false;
  for (const n of names) {
    if (n.startsWith(base) && DATA_SHARD.test(n.slice(base.length))) {
      removeQuietly(path.join(dir, n));
      hadShard = true;
    }
  }
  if (!hadShard && names.includes(base)) {
    try {
      if (fs.statSync(prefix).isFile()) removeQuietly(prefix); // a V1 checkpoint
    } catch {
      // gone
    }
  }
  removeQuietly(`${prefix}${DELETION_MARKER_SUFFIX}`);
}

/** Whether the temporary file `file` (parsed as `pid`) belongs to a writer that is gone. */
function staleTemp(file: string, pid: number | null): boolean {
  if (pid === process.pid) return false; // perhaps being written by this process now
  if (pid !== null) return !processAlive(pid);
  try {
    return Date.now() - fs.statSync(file).mtimeMs > UNTAGGED_TEMP_STALE_MS;
  } catch {
    return false;
  }
}

/** What `removeLeftovers` removed (paths), for logs and tests. */
export interface RemovedLeftovers {
  tempFiles: string[];
  /** Checkpoints whose interrupted deletion was finished (from a mark, or partial). */
  checkpoints: string[];
  /** Marks of checkpoints still named by the state file (their deletion had not begun). */
  marks: string[];
}

/**
 * Removes the crash leftovers of the family `<dir>/<base>[-<n>]` (see the file comment) and the
 * stale temporary files of the state file `stateFilename`. `named` holds the checkpoints the
 * state file names and the one about to be written (resolved paths): never touched.
 */
export function removeLeftovers(
  dir: string,
  base: string,
  named: ReadonlySet<string>,
  stateFilename: string,
): RemovedLeftovers {
  const removed: RemovedLeftovers = { tempFiles: [], checkpoints: [], marks: [] };
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed; // no directory yet
  }
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const family = new RegExp(`^${escaped}(?:-\\d+)?$`);
  const files = new Set<string>();
  for (const e of entries) if (e.isFile()) files.add(e.name);
  // [prefix name] → which of its files exist.
  const prefixes = new Map<string, { index: boolean; data: boolean; mark: boolean }>();
  for (const name of files) {
    const temp = parseTempName(name);
    if (temp) {
      const t = temp.target;
      const ours = t === stateFilename || (SUFFIX.test(t) && family.test(t.replace(SUFFIX, "")));
      const file = path.join(dir, name);
      if (ours && staleTemp(file, temp.pid)) {
        removeQuietly(file);
        removed.tempFiles.push(file);
      }
      continue;
    }
    const m = SUFFIX.exec(name);
    if (!m) continue;
    const prefix = name.slice(0, m.index);
    if (!family.test(prefix)) continue;
    const p = prefixes.get(prefix) ?? { index: false, data: false, mark: false };
    if (m[1] === ".index") p.index = true;
    else if (m[1] === DELETION_MARKER_SUFFIX) p.mark = true;
    else if (m[1] !== ".meta") p.data = true;
    prefixes.set(prefix, p);
  }
  for (const [name, p] of prefixes) {
    const prefix = path.join(dir, name);
    if (named.has(path.resolve(prefix))) {
      if (p.mark) {
        removeQuietly(`${prefix}${DELETION_MARKER_SUFFIX}`);
        removed.marks.push(prefix);
      }
      continue;
    }
    // A bare file under the prefix is a V1 checkpoint: whole without an index.
    const partial = p.data && !p.index && !files.has(name);
    if (p.mark || partial) {
      removeCheckpoint(prefix);
      removed.checkpoints.push(prefix);
    }
  }
  return removed;
}

/**
 * Removes the temporary directories (`<name>.tempstate<n>-<pid>`, as a SavedModel is built) in
 * `dir` whose writer no longer runs; returns their paths.
 */
export function removeStaleTempDirs(dir: string): string[] {
  const removed: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const temp = e.isDirectory() ? parseTempName(e.name) : null;
    // Only names with a pid are surely ours: a directory is never TensorFlow's temporary.
    if (temp?.pid == null || temp.pid === process.pid || processAlive(temp.pid)) continue;
    const full = path.join(dir, e.name);
    try {
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      // another cleaner got there first, or it is not ours to remove
    }
  }
  return removed;
}
