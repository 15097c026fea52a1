/**
 * The page's script and stylesheet, bundled by esbuild when the board starts (from the TypeScript
 * sources in web/, or from their compiled .js in an installed package): everything the page
 * runs is served by the board itself, so it works offline.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BOARD_CSS } from "./web/styles.js";

export interface PageAssets {
  js: string;
  css: string;
}

let cached: Promise<PageAssets> | undefined;

function entryPoint(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const name of ["main.ts", "main.js"]) {
    const p = join(here, "web", name);
    if (existsSync(p)) return p;
  }
  throw new Error(`the board's page sources are missing from ${join(here, "web")}`);
}

async function bundle(): Promise<PageAssets> {
  const result = await build({
    entryPoints: [entryPoint()],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    outdir: "board-assets",
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text ?? "";
  const css = result.outputFiles.find((f) => f.path.endsWith(".css"))?.text ?? "";
  return { js, css: `${css}\n${BOARD_CSS}` };
}

/** The bundled page (built once per process). */
export function pageAssets(): Promise<PageAssets> {
  cached ??= bundle().catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** The page's HTML: a shell the script fills. */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TensorGraph board</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/board.css">
</head>
<body>
<div id="app"></div>
<script src="/static/board.js"></script>
</body>
</html>
`;
