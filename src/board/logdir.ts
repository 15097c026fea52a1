/**
 * The logdir as the board sees it: runs are the directories (the logdir itself included) that
 * hold event files (names containing "tfevents", as TensorBoard), each file followed as it grows.
 *
 * Confinement: only files whose real path (symlinks resolved) lies under the logdir's real path
 * are ever opened; a symlink that leads out is skipped, and so is a directory seen twice (a cycle).
 */
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { InvalidArgumentError, NotFoundError } from "../framework/errors.js";
import { decodeProto, EventSchema } from "../io/proto/index.js";
import type { FileProblem, RunInfo } from "./api_types.js";
import { RecordFollower } from "./records.js";
import { RunData } from "./run_data.js";

/** Directories deeper than this under the logdir are not searched for runs. */
const MAX_DEPTH = 8;
/** At most this many directory entries are looked at per scan (a logdir pointed at `/` stays cheap). */
const MAX_ENTRIES = 100_000;

/** Whether `real` is `root` or lies under it (both real paths). */
export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

export const isEventFile = (name: string) => name.includes("tfevents");

class FollowedFile {
  readonly follower: RecordFollower;
  /** Set when a record's CRC is right but it is not an Event: the file is read no further. */
  decodeProblem: FileProblem | undefined;
  /** When the current incomplete tail was first seen (ms), and at which offset. */
  private incompleteSince: { offset: number; at: number } | undefined;
  /** The problem last reported, to notice when it changes. */
  reported: string | undefined;

  constructor(
    readonly run: string,
    /** Relative to the logdir. */
    readonly name: string,
    realPath: string,
  ) {
    this.follower = new RecordFollower(realPath);
  }

  /** Notes when an incomplete tail appeared (called after each read). */
  sawTail(now: number): void {
    const p = this.follower.problem;
    if (p?.kind !== "incomplete") this.incompleteSince = undefined;
    else if (this.incompleteSince?.offset !== p.offset)
      this.incompleteSince = { offset: p.offset, at: now };
  }

  /**
   * What keeps this file from being read to its end. An incomplete record counts only once it
   * has stayed incomplete for `graceMs`: until then a writer may be in the middle of appending it.
   */
  problem(graceMs: number, now: number): FileProblem | undefined {
    if (this.decodeProblem) return this.decodeProblem;
    const p = this.follower.problem;
    if (!p) return undefined;
    if (p.kind === "incomplete" && now - (this.incompleteSince?.at ?? now) < graceMs)
      return undefined;
    return { run: this.run, file: this.name, ...p };
  }
}

export interface LogdirOptions {
  /**
   * How long a record may stay cut short at the end of a file before the file is reported as
   * truncated (milliseconds, 3000).
   */
  incompleteGraceMs?: number;
}

export class Logdir {
  /** The logdir's real path (symlinks resolved). */
  readonly root: string;
  private readonly files = new Map<string, FollowedFile>();
  private readonly runs = new Map<string, RunData>();
  /** Goes up whenever a scan finds something new. */
  generation = 0;

  private readonly graceMs: number;

  constructor(path: string, options: LogdirOptions = {}) {
    this.graceMs = options.incompleteGraceMs ?? 3000;
    try {
      this.root = realpathSync(path);
    } catch {
      throw new NotFoundError(`logdir ${path} does not exist`);
    }
    if (!statSync(this.root).isDirectory())
      throw new InvalidArgumentError(`logdir ${path} is not a directory`);
  }

  /** The event files under the logdir: [path relative to the logdir, real path]. */
  private findEventFiles(): [string, string][] {
    const found: [string, string][] = [];
    const seen = new Set<string>();
    let budget = MAX_ENTRIES;
    const walk = (dir: string, real: string, depth: number) => {
      if (seen.has(real) || depth > MAX_DEPTH) return;
      seen.add(real);
      let entries: Dirent[];
      try {
        entries = readdirSync(real, { withFileTypes: true });
      } catch {
        return; // unreadable, or removed since: not a run
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (--budget < 0) return;
        const path = join(dir, e.name);
        let target = join(real, e.name);
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          try {
            target = realpathSync(target);
            const st = statSync(target);
            isDir = st.isDirectory();
            isFile = st.isFile();
          } catch {
            continue; // dangling
          }
          if (!isInside(this.root, target)) continue; // leads out of the logdir
        }
        if (isDir) walk(path, target, depth + 1);
        else if (isFile && isEventFile(e.name)) found.push([relative(this.root, path), target]);
      }
    };
    walk(this.root, this.root, 0);
    return found;
  }

  /** Reads what is new in the logdir. Returns whether anything changed. */
  reload(): boolean {
    let changed = false;
    for (const [name, real] of this.findEventFiles()) {
      let f = this.files.get(name);
      if (!f) {
        const dir = name.includes(sep) ? name.slice(0, name.lastIndexOf(sep)) : ".";
        f = new FollowedFile(dir.split(sep).join("/"), name.split(sep).join("/"), real);
        this.files.set(name, f);
        if (!this.runs.has(f.run)) this.runs.set(f.run, new RunData());
        changed = true;
      }
      if (this.readNew(f)) changed = true;
      const problem = f.problem(this.graceMs, Date.now())?.message;
      if (problem !== f.reported) {
        f.reported = problem;
        changed = true;
      }
    }
    if (changed) this.generation++;
    return changed;
  }

  private readNew(f: FollowedFile): boolean {
    if (f.decodeProblem) return false;
    let records: { offset: number; data: Uint8Array }[];
    try {
      records = f.follower.poll();
    } catch {
      return false; // removed or unreadable now: keep what was read
    }
    f.sawTail(Date.now());
    const run = this.runs.get(f.run)!;
    for (const r of records) {
      try {
        run.add(decodeProto(EventSchema, r.data, `Event at offset ${r.offset} of ${f.name}`));
      } catch (e) {
        f.decodeProblem = {
          run: f.run,
          file: f.name,
          kind: "corrupt",
          offset: r.offset,
          message: e instanceof Error ? e.message : String(e),
        };
        break;
      }
    }
    return records.length > 0;
  }

  runNames(): string[] {
    return [...this.runs.keys()].sort();
  }

  run(name: string): RunData | undefined {
    return this.runs.get(name);
  }

  problems(): FileProblem[] {
    const out: FileProblem[] = [];
    const now = Date.now();
    for (const f of this.files.values()) {
      const p = f.problem(this.graceMs, now);
      if (p) out.push(p);
    }
    return out;
  }

  info(): RunInfo[] {
    return this.runNames().map((name) => {
      const r = this.runs.get(name)!;
      const keys = (m: Map<string, unknown[]>) =>
        [...m].filter(([, v]) => v.length > 0).map(([k]) => k);
      return {
        name,
        files: [...this.files.values()].filter((f) => f.run === name).map((f) => f.name),
        tags: {
          scalars: keys(r.scalars),
          histograms: keys(r.histograms),
          images: keys(r.images),
          audio: keys(r.audio),
          text: keys(r.text),
          runMetadata: [...r.runMetadata.keys()],
        },
        graph: r.graph !== undefined,
      };
    });
  }
}
