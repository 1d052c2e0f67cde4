// The build's other steps: tsc drops the CLI's run bit (`npx jsscada-mc` would say "Permission denied"),
// and Node-RED loads a node's .html, locales/ and icons/ only from beside the node's .js file,
// so the build copies them next to the compiled nodes.
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const out = path.join(root, "dist", "nodes");
fs.mkdirSync(out, { recursive: true });
for (const file of fs.readdirSync(path.join(root, "nodes"))) {
  if (file.endsWith(".html")) fs.copyFileSync(path.join(root, "nodes", file), path.join(out, file));
}
for (const dir of ["nodes/locales", "nodes/editor", "icons"]) {
  const src = path.join(root, dir);
  if (fs.existsSync(src)) fs.cpSync(src, path.join(out, path.basename(dir)), { recursive: true });
}
fs.chmodSync(path.join(root, "dist", "lib", "cli", "main.js"), 0o755);
