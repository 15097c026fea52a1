// TensorFlow's regex ops use RE2. RE2's common syntax is also JavaScript's; this translates the
// few spellings that differ and rejects what RE2 does not accept (lookaround, backreferences) or
// what JS would read differently, with an InvalidArgumentError naming the op and the pattern.
import { InvalidArgumentError } from "../../framework/errors.js";

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

const escapeLiteral = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

/** An RE2 pattern as a JS RegExp (flags: `g` when global). */
export function re2ToRegExp(
  op: string,
  pattern: string,
  global: boolean,
  anchored = false,
): RegExp {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`${op}: invalid RE2 pattern '${pattern}': ${why}`);
  };
  let flags = "";
  let src = pattern;
  // Leading flag group (?imsU): RE2's i, m, s map to JS flags; U (ungreedy) has no JS equivalent.
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes("U")) bad("the U (ungreedy) flag is not supported here");
    flags += [...new Set(lead[1])].join("");
    src = src.slice(lead[0].length);
  }
  let out = "";
  let unicode = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (ch === "\\") {
      const n = src[i + 1];
      if (n === undefined) bad("trailing backslash");
      if (/[1-9]/.test(n)) bad("backreferences are not supported by RE2");
      // \A and \z are absolute (not line) anchors whatever the flags.
      if (n === "A") out += "(?<![\\s\\S])";
      else if (n === "z") out += "(?![\\s\\S])";
      else if (n === "x" && src[i + 2] === "{") {
        const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(i + 2));
        if (!m) bad("malformed \\x{...} escape");
        unicode = true;
        out += `\\u{${m![1]}}`;
        i += 1 + m![0].length;
        continue;
      } else if (n === "Z") bad("\\Z is not supported by RE2");
      else if (n === "C") bad("\\C is not supported");
      else if (n === "Q") {
        const end = src.indexOf("\\E", i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? src.length : end + 1;
        continue;
      } else if (n === "p" || n === "P") {
        unicode = true;
        const m = /^\{(\w+)\}|^(\w)/.exec(src.slice(i + 2));
        if (!m) bad("malformed \\p class");
        out += `\\${n}{${m![1] ?? m![2]}}`;
        i += 1 + m![0].length;
        continue;
      } else out += ch + n;
      i++;
      continue;
    }
    if (ch === "(" && src[i + 1] === "?") {
      const rest = src.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) bad("lookaround assertions are not supported by RE2");
      const named = /^P?<(\w+)>/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += 1 + named[0].length;
        continue;
      }
      if (/^[imsU-]+[):]/.test(rest)) bad("inline flag groups are only supported at the start");
    }
    if (ch === "[" && src[i + 1] === ":") {
      bad("POSIX classes must be inside brackets, e.g. [[:alpha:]]");
    }
    if (ch === "[") {
      // Copy a bracket expression, expanding POSIX classes such as [:alpha:].
      let j = i + 1;
      let body = "[";
      if (src[j] === "^") body += src[j++];
      if (src[j] === "]") body += `\\${src[j++]}`;
      while (j < src.length && src[j] !== "]") {
        const posix = /^\[:(\^?)(\w+):\]/.exec(src.slice(j));
        if (posix) {
          const cls = POSIX[posix[2]];
          if (!cls || posix[1]) bad(`unsupported POSIX class [:${posix[1]}${posix[2]}:]`);
          body += cls;
          j += posix[0].length;
          continue;
        }
        if (src[j] === "\\") {
          body += src[j] + (src[j + 1] ?? "");
          j += 2;
          continue;
        }
        if (src[j] === "[") body += "\\[";
        else body += src[j];
        j++;
      }
      if (j >= src.length) bad("missing ]");
      out += `${body}]`;
      i = j;
      continue;
    }
    out += ch;
  }
  if (unicode) flags += "u";
  if (global) flags += "g";
  try {
    return new RegExp(anchored ? `^(?:${out})$` : out, flags);
  } catch (e) {
    return bad((e as Error).message);
  }
}

/** An RE2 rewrite string (\0..\9 name groups, \\ a backslash) as a JS replacement string. */
export function re2Rewrite(op: string, rewrite: string): string {
  let out = "";
  for (let i = 0; i < rewrite.length; i++) {
    const ch = rewrite[i];
    if (ch === "$") out += "$$";
    else if (ch === "\\") {
      const n = rewrite[i + 1];
      if (n === "\\") out += "\\";
      else if (n !== undefined && /[0-9]/.test(n)) out += n === "0" ? "$&" : `$${n}`;
      else
        throw new InvalidArgumentError(
          `${op}: invalid rewrite '${rewrite}': a backslash must be followed by a digit or a backslash`,
        );
      i++;
    } else out += ch;
  }
  return out;
}
