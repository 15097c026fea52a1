// npm run bench: installs the benchmark's peers (TensorFlow.js, ONNX Runtime) into bench/node_modules
// on first use, from bench/package-lock.json. They are not part of the library's own install.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const marker = join(benchDir, "node_modules", ".package-lock.json");
const lock = join(benchDir, "package-lock.json");

function upToDate() {
  if (!existsSync(marker)) return false;
  // npm rewrites the marker on every install; an older marker means the lock changed since.
  if (statSync(marker).mtimeMs < statSync(lock).mtimeMs) return false;
  const want = JSON.parse(readFileSync(lock, "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(marker, "utf8")).packages ?? {};
  return Object.keys(want).every((k) => k === "" || have[k]?.version === want[k].version);
}

if (!upToDate()) {
  console.log("bench: installing the peers (TensorFlow.js, ONNX Runtime) into bench/node_modules");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: benchDir, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
