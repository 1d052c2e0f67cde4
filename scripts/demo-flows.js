#!/usr/bin/env node
/**
 * Builds the importable example flows (examples/*.json) and the `npm start` demo flow
 * (demo/flow.json) from the building blocks in scripts/flows/, so the REST endpoints, the WebSocket
 * broadcast, the management page (demo/pages/polling.html) and the dashboard views exist once in
 * source. Function-node bodies are scripts/flows/functions/*.js; the simulated addresses come from
 * lib/simulator/demo-addresses.ts through the build (run `npm run build` first).
 *
 *   node scripts/demo-flows.js          write every file
 *   node scripts/demo-flows.js --check  exit 1 when a committed file differs from what it would write
 *
 * Node ids are derived from the flow name and a key (sha1), so regenerating is stable and no id can
 * equal a property value (Node-RED would take it for a config-node reference).
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { checked } = require("./flows/builder");

const ROOT = path.join(__dirname, "..");

/** examples/<name>.json ← scripts/flows/examples/<name>.js */
const EXAMPLES = [
  "01-quick-start-simulator",
  "02-rest-api",
  "03-websocket-status-page",
  "04-http-polling-page",
  "05-dashboard-2",
  "06-plc-handshake-queue-database",
  "07-store-and-forward-mqtt",
  "08-historian-influxdb",
  "09-dashboard-1",
];

/** Every output file: path relative to the repository → its JSON text, formatted as `npm run lint` wants. */
async function outputs() {
  const prettier = require("prettier");
  const flows = {};
  for (const name of EXAMPLES) {
    const build = require(`./flows/examples/${name}`);
    flows[`examples/${name}.json`] = checked(name, build().nodes);
  }
  flows["demo/flow.json"] = checked("demo", require("./flows/demo")().nodes);
  const files = {};
  for (const [rel, nodes] of Object.entries(flows)) {
    const file = path.join(ROOT, rel);
    const options = (await prettier.resolveConfig(file)) || {};
    files[rel] = await prettier.format(JSON.stringify(nodes), { ...options, filepath: file });
  }
  return files;
}

async function main() {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [rel, text] of Object.entries(await outputs())) {
    const file = path.join(ROOT, rel);
    const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (old === text) continue;
    if (check) {
      stale++;
      console.error(`${rel} is out of date: run node scripts/demo-flows.js`);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${rel}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}

module.exports = { EXAMPLES, outputs };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
