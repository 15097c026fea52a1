// UnicodeScript: ICU's UScriptCode of each code point, found with JS's Unicode script property
// escapes. ICU's first 54 codes (Common = 0 ... Ugaritic = 53) and Unknown (103) are covered; a
// code point of another script raises UnimplementedError rather than guess its ICU number.
import { UnimplementedError } from "../../framework/errors.js";
import { NDArray } from "../../framework/ndarray.js";
import { arr } from "../kernel.js";
import { cpuBackend } from "./index.js";

const ICU_SCRIPTS =
  "Common Inherited Arabic Armenian Bengali Bopomofo Cherokee Coptic Cyrillic Deseret Devanagari Ethiopic Georgian Gothic Greek Gujarati Gurmukhi Han Hangul Hebrew Hiragana Kannada Katakana Khmer Lao Latin Malayalam Mongolian Myanmar Ogham Old_Italic Oriya Runic Sinhala Syriac Tamil Telugu Thaana Thai Tibetan Canadian_Aboriginal Yi Tagalog Hanunoo Buhid Tagbanwa Braille Cypriot Limbu Linear_B Osmanya Shavian Tai_Le Ugaritic".split(
    " ",
  );
const TESTS = ICU_SCRIPTS.map(
  (name, code) => [new RegExp(`^\\p{Script=${name}}$`, "u"), code] as const,
);
const UNKNOWN = /^\p{Script=Unknown}$/u;

function scriptOf(cp: number): number {
  if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  const ch = String.fromCodePoint(cp);
  for (const [re, code] of TESTS) if (re.test(ch)) return code;
  if (UNKNOWN.test(ch)) return 103;
  throw new UnimplementedError(
    `UnicodeScript: the ICU script code of U+${cp.toString(16).toUpperCase().padStart(4, "0")} is not in this build's table`,
  );
}

cpuBackend.register("UnicodeScript", () => (inputs) => {
  const x = arr(inputs[0]);
  return [new NDArray("int32", x.shape, Int32Array.from(x.data as Int32Array, scriptOf))];
});
