// The build is incremental (tsc keeps dist/.tsbuildinfo), so a source file that was deleted or renamed
// would leave its old output behind, and mocha would still run a test that no longer exists. Remove
// every compiled file under dist/ whose TypeScript source is gone.
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const dist = path.join(root, "dist");
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
    const top = rel.split(path.sep)[0];
    if (!["lib", "nodes", "test", "bench"].includes(top) || !OUTPUT.test(rel)) continue;
    // nodes/ also holds copied assets (editor .js, locales); only compiled outputs have a .ts source.
    const source = path.join(root, rel.replace(OUTPUT, ".ts"));
    if (!fs.existsSync(source) && !fs.existsSync(path.join(root, rel))) fs.rmSync(full);
  }
}

if (fs.existsSync(dist)) prune(dist);
