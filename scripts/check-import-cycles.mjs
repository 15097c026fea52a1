// npm run lint: fails when the modules under a folder (default src/) import each other in a
// circle. Value imports and re-exports count; `import type` and `{ type A, type B }` do not (they
// vanish at run time). Layers stay one-way: framework → ops → runtime/gradients → train/io.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "src");
const files = readdirSync(root, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
  .map((f) => join(root, f));
const known = new Set(files);

/** The modules `file` imports at run time (relative specifiers inside `root`). */
function valueImports(file) {
  const src = readFileSync(file, "utf8");
  const out = [];
  const add = (spec) => {
    const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
    if (known.has(target)) out.push(target);
  };
  for (const [, clause, spec] of src.matchAll(
    /^(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s+"(\.[^"]+)"/gms,
  )) {
    const names = clause.trim().match(/^\{([^}]*)\}$/);
    const typeOnly = names?.[1]
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean)
      .every((n) => n.startsWith("type "));
    if (!typeOnly) add(spec);
  }
  for (const [, spec] of src.matchAll(/^import\s+"(\.[^"]+)"/gm)) add(spec);
  return out;
}
const edges = new Map(files.map((f) => [f, valueImports(f)]));

// Strongly connected components (Tarjan): each one of more than one module is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) !== index.get(v)) return;
  const component = [];
  let w;
  do {
    w = stack.pop();
    onStack.delete(w);
    component.push(w);
  } while (w !== v);
  if (component.length > 1) cycles.push(component);
}
for (const f of files) if (!index.has(f)) visit(f);

if (cycles.length > 0) {
  console.error("Import cycles (the modules of each):");
  for (const c of cycles) console.error(`  ${c.map((f) => relative(process.cwd(), f)).join("  ")}`);
  process.exit(1);
}
console.log(`no import cycles among ${files.length} modules`);
