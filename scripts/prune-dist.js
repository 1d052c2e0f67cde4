// The build is incremental (tsc keeps dist/.tsbuildinfo). Two ways dist/ can drift from the sources:
// - a source deleted or renamed leaves its old output behind, and mocha would still run a test that no
//   longer exists: such outputs are removed;
// - an output deleted while the build cache still lists it is never emitted again by tsc: then the cache
//   is dropped and tsc runs once more, in full.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const dist = path.join(root, "dist");
const TOP = ["lib", "nodes", "test", "bench"];
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

function prune(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(full);
      if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
      continue;
    }
    const rel = path.relative(dist, full);
    if (!TOP.includes(rel.split(path.sep)[0]) || !OUTPUT.test(rel)) continue;
    // nodes/ also holds copied assets (editor .js); only compiled outputs have a .ts source.
    const source = path.join(root, rel.replace(OUTPUT, ".ts"));
    if (!fs.existsSync(source) && !fs.existsSync(path.join(root, rel))) fs.rmSync(full);
  }
}

/** Sources (not declarations) whose compiled .js is missing. */
function missingOutputs(dir) {
  const missing = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) missing.push(...missingOutputs(rel));
    else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
      if (!fs.existsSync(path.join(dist, rel.replace(/\.ts$/, ".js")))) missing.push(rel);
    }
  }
  return missing;
}

if (fs.existsSync(dist)) prune(dist);
const missing = TOP.filter((d) => fs.existsSync(path.join(root, d))).flatMap(missingOutputs);
if (missing.length > 0) {
  console.log(`dist/ lacked ${missing.length} compiled file(s) its build cache listed; rebuilding in full`);
  fs.rmSync(path.join(dist, ".tsbuildinfo"), { force: true });
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], {
    cwd: root,
    stdio: "inherit",
  });
}
