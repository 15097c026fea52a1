// The file ops of the string family: ReadFile, WriteFile (through a temporary name and a rename,
// so readers never see half a file) and MatchingFiles (glob patterns: *, ?, [...]).
import * as fs from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError, NotFoundError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { shapeString } from "../../framework/tensor_shape.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

function scalar(v: NDArray, op: string, what: string): string {
  if (v.rank !== 0)
    throw new InvalidArgumentError(
      `${op}: ${what} must be a scalar, got shape ${shapeString(v.shape)}`,
    );
  return (v.data as string[])[0];
}

/** Contents decode as UTF-8 (invalid bytes become U+FFFD), as all strings here are text. */
cpuBackend.register("ReadFile", () => (inputs) => {
  const name = scalar(arr(inputs[0]), "ReadFile", "filename");
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
cpuBackend.register("WriteFile", () => (inputs) => {
  const name = scalar(arr(inputs[0]), "WriteFile", "filename");
  const contents = scalar(arr(inputs[1]), "WriteFile", "contents");
  fs.mkdirSync(path.dirname(path.resolve(name)), { recursive: true });
  const tmp = `${name}.tmp${process.pid}_${tempCounter++}`;
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

function matchPattern(pattern: string): string[] {
  const parts = pattern.split("/");
  let bases = [parts[0] === "" ? "/" : parts[0]];
  if (hasGlob(parts[0])) {
    bases = fs.readdirSync(".").filter((n) => globRegExp(parts[0]).test(n));
  }
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasGlob(part)) {
        const p = path.join(base, part);
        if (fs.existsSync(p)) next.push(base === "/" ? `/${part}` : `${base}/${part}`);
        continue;
      }
      let names: string[];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      const re = globRegExp(part);
      for (const n of names) if (re.test(n)) next.push(base === "/" ? `/${n}` : `${base}/${n}`);
    }
    bases = next;
  }
  return bases.filter((b) => fs.existsSync(b));
}

/** MatchingFiles: the sorted paths that match a pattern (scalar) or any of several (vector). */
cpuBackend.register("MatchingFiles", () => (inputs) => {
  const p = arr(inputs[0]);
  if (p.rank > 1)
    throw new InvalidArgumentError(
      `MatchingFiles: pattern must be a scalar or vector, got shape ${shapeString(p.shape)}`,
    );
  const found = new Set<string>();
  for (const pattern of p.data as string[]) for (const f of matchPattern(pattern)) found.add(f);
  const out = [...found].sort();
  return [new NDArray("string", [out.length], out)];
});
