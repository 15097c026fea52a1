// The file ops of the string family: ReadFile, WriteFile (through a temporary name and a rename,
// so readers never see half a file) and MatchingFiles (glob patterns: *, ?, [...]).
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError, NotFoundError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { checkPath } from "../file_policy.js";
import { arr, type KernelEnv } from "../kernel.js";
import { cpuBackend } from "./index.js";

function scalar(v: NDArray, op: string, what: string): string {
  if (v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(v.shape)}`,
    );
  return (v.data as string[])[0];
}

/** Contents decode as UTF-8 (invalid bytes become U+FFFD), as all strings here are text. */
cpuBackend.register("ReadFile", (_node, env) => (inputs) => {
  const name = scalar(arr(inputs[0]), "ReadFile", "filename");
  checkPath(env, "ReadFile", name, "read");
  let text: string;
  try {
    text = fs.readFileSync(name, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError(`ReadFile: ${name}; No such file or directory`);
    throw new InvalidArgumentError(`ReadFile: ${name}: ${(e as Error).message}`);
  }
  return [new NDArray("string", [], [text])];
});

let tempCounter = 0;
/** Writes UTF-8, creating missing directories, as TF's WriteFile does. */
cpuBackend.register("WriteFile", (_node, env) => (inputs) => {
  const name = scalar(arr(inputs[0]), "WriteFile", "filename");
  const contents = scalar(arr(inputs[1]), "WriteFile", "contents");
  const tmp = `${name}.tmp${process.pid}_${tempCounter++}`;
  checkPath(env, "WriteFile", name, "write");
  checkPath(env, "WriteFile", tmp, "write"); // beside `name`, unless `name` is a directory
  fs.mkdirSync(path.dirname(path.resolve(name)), { recursive: true });
  try {
    fs.writeFileSync(tmp, contents, "utf8");
    fs.renameSync(tmp, name);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InvalidArgumentError(`WriteFile: ${name}: ${(e as Error).message}`);
  }
  return [];
});

/** A glob component as an anchored RegExp ('*' and '?' do not cross '/'). */
function globRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

const hasGlob = (s: string) => /[*?[]/.test(s);

/**
 * The paths matching `pattern`. `visit` is asked first about every directory listed and every
 * path tested, so a confined session (file_policy.ts) learns nothing about the files outside.
 * Runs of literal components are joined without testing each (only the directories that are
 * listed and the final paths are touched), so `/tmp/allowed/*` does not touch `/tmp`.
 */
function matchPattern(pattern: string, visit: (p: string) => void): string[] {
  const parts = pattern.split("/");
  const join = (base: string, name: string) => (base === "/" ? `/${name}` : `${base}/${name}`);
  let bases = [parts[0] === "" ? "/" : parts[0]];
  let lastListed = false; // whether the last component was a glob (bases come from listings)
  if (hasGlob(parts[0])) {
    visit(".");
    bases = fs.readdirSync(".").filter((n) => globRegExp(parts[0]).test(n));
    lastListed = true;
  }
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    if (!hasGlob(part)) {
      bases = bases.map((b) => join(b, part));
      lastListed = false;
      continue;
    }
    const next: string[] = [];
    const re = globRegExp(part);
    for (const base of bases) {
      visit(base);
      let names: string[];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names) if (re.test(n)) next.push(join(base, n));
    }
    bases = next;
    lastListed = true;
  }
  // Names read from an allowed directory's listing are not tested again (one may be a link out).
  if (!lastListed) for (const b of bases) visit(b);
  return bases.filter((b) => fs.existsSync(b));
}

/** MatchingFiles: the sorted paths that match a pattern (scalar) or any of several (vector). */
cpuBackend.register("MatchingFiles", (_node, env: KernelEnv) => (inputs) => {
  const p = arr(inputs[0]);
  if (p.rank > 1)
    throw new InvalidArgumentError(
      `MatchingFiles: pattern must be a scalar or vector, got shape ${shapeString(p.shape)}`,
    );
  const found = new Set<string>();
  const visit = (f: string) => checkPath(env, "MatchingFiles", f, "read");
  for (const pattern of p.data as string[])
    for (const f of matchPattern(pattern, visit)) found.add(f);
  const out = [...found].sort();
  return [new NDArray("string", [out.length], out)];
});
