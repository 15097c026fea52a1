// Builds one fuzz target into a single ES module (tmp/fuzz/build/<target>.mjs) with esbuild: the
// TypeScript of src/ is transpiled, and the files the target names in `instrument` are also
// instrumented with istanbul-lib-instrument (the instrumenter nyc uses). Their statement, branch
// and function counters land in globalThis.__tgfuzz_cov__, the engine's coverage signal.
import { mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build, transformSync } from "esbuild";
import { createInstrumenter } from "istanbul-lib-instrument";

export const COVERAGE_VARIABLE = "__tgfuzz_cov__";
export const ROOT = join(import.meta.dirname, "..", "..");
export const BUILD_DIR = join(ROOT, "tmp", "fuzz", "build");

/** Bundles `scripts/fuzz/targets/<name>.ts`; returns the bundle's path and the instrumented files. */
export async function buildTarget(
  name: string,
  instrument: readonly RegExp[],
): Promise<{ bundle: string; instrumented: string[] }> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const instrumenter = createInstrumenter({
    coverageVariable: COVERAGE_VARIABLE,
    esModules: true,
    compact: true,
    produceSourceMap: false,
  });
  const instrumented: string[] = [];
  const bundle = join(BUILD_DIR, `${name}.mjs`);
  await build({
    stdin: {
      contents: `export { default as target } from "./targets/${name}.ts";\nexport { classifyError } from "./classify.ts";\n`,
      resolveDir: import.meta.dirname,
      loader: "ts",
      sourcefile: `fuzz-entry-${name}.ts`,
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: bundle,
    logLevel: "error",
    plugins: [
      {
        name: "istanbul",
        setup(b) {
          b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
            const rel = relative(ROOT, args.path);
            if (!instrument.some((re) => re.test(rel))) return undefined;
            const ts = readFileSync(args.path, "utf8");
            const js = transformSync(ts, { loader: "ts", format: "esm", target: "node20" }).code;
            instrumented.push(rel);
            return { contents: instrumenter.instrumentSync(js, rel), loader: "js" };
          });
        },
      },
    ],
  });
  return { bundle, instrumented };
}
