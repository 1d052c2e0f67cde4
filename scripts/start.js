#!/usr/bin/env node
/**
 * `npm start`: the built-in PLC simulator and Node-RED 4 (embedded, from the dev dependencies) with this
 * package and Dashboard 2, running the demo flow (demo/flow.json, written to the user directory at every
 * start). Ctrl-C stops everything.
 *
 * Environment:
 *   PORT            Node-RED port (default 1880; 0 = any free port)
 *   PLC_HOST        a real PLC: no simulator is started (3E binary TCP, as in demo/flow.json)
 *   PLC_PORT        its port (default 5000)
 *   SIM_PORT        the simulator's port (default 5000; 0 = any free port)
 *   DEMO_USER_DIR   Node-RED user directory (default .node-red/ in the repository, git-ignored)
 *   DEMO_KEEP_FLOW  1 = keep the flow edited in the editor instead of rewriting it from demo/
 *   DEMO_FLOW       deploy this flow file instead of demo/flow.json (the example tests use it)
 *   POLLING_API_TOKEN  the REST/WebSocket API token; unset: a new random one at every start (printed).
 *                   Set but empty: the API stays locked (every command refused), as in a runtime
 *                   where nobody configured it.
 */
"use strict";
/* global setTimeout, AbortController */
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { setTimeout: sleep } = require("node:timers/promises");

const ROOT = path.join(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const PKG = require(path.join(ROOT, "package.json"));
const DEMO_SETTINGS = require(path.join(ROOT, "demo", "settings.js"));

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number, got "${raw}"`);
  return n;
}

if (!fs.existsSync(path.join(DIST, "nodes", "jsscada-plc.js"))) {
  fail("dist/ is missing: run `npm install` (it builds) or `npm run build` first");
}

const { PlcSimulator, runPlcProgram } = require(path.join(DIST, "lib", "simulator"));
const { DEMO_GENERATORS, DEMO_HANDSHAKE: HANDSHAKE, seedDemoRecipe } = require(
  path.join(DIST, "lib", "simulator", "demo-addresses"),
);

/** The part record's addresses, by tag name. */
const PART = Object.fromEntries(HANDSHAKE.tags.map((t) => [t.name, t.address]));

/**
 * The PLC side of the demo's REQ/ACK handshake: every 3 s a new part record, REQ set, wait for ACK,
 * REQ cleared. One transaction per runPlcProgram call so the pause between parts is ours.
 */
function startPlcProgram(memory, signal) {
  let seq = 0;
  const loop = async () => {
    while (!signal.aborted) {
      await runPlcProgram({
        memory,
        req: HANDSHAKE.req,
        ack: HANDSHAKE.ack,
        count: 1,
        scanMs: 10,
        ackTimeoutMs: 5000,
        signal,
        writeData: () => {
          seq = (seq % 65535) + 1;
          memory.set(HANDSHAKE.sequence, seq);
          memory.set(PART.partNo, 1000 + (seq % 9000));
          memory.set(PART.weight, 480 + Math.round(Math.random() * 40));
          memory.set(PART.result, Math.random() < 0.95 ? 1 : 2);
        },
      });
      // The pause takes its abort listener off again (one left per part is a MaxListenersExceededWarning).
      await sleep(3000, undefined, { signal }).catch(() => undefined);
    }
  };
  return loop().catch((err) => console.error(`PLC program stopped: ${err.message}`));
}

/**
 * An empty credentials file encrypted with the demo's credentialSecret, as Node-RED writes it
 * (aes-256-ctr, key = sha256(secret), hex IV + base64): without one Node-RED warns
 * "Encrypted credentials not found" at every start.
 */
function writeEmptyCredentials(file) {
  if (fs.existsSync(file)) return;
  const key = crypto.createHash("sha256").update(DEMO_SETTINGS({}).credentialSecret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv("aes-256-ctr", key, iv);
  const data = iv.toString("hex") + cipher.update("{}", "utf8", "base64") + cipher.final("base64");
  fs.writeFileSync(file, JSON.stringify({ $: data }));
}

/** The user directory: this package linked into node_modules, and the demo flow. */
function prepareUserDir(userDir) {
  fs.mkdirSync(path.join(userDir, "node_modules", "@jsscada"), { recursive: true });
  // Node-RED loads only the modules the user directory's package.json lists.
  fs.writeFileSync(
    path.join(userDir, "package.json"),
    JSON.stringify(
      { name: "jsscada-demo-userdir", private: true, dependencies: { [PKG.name]: `file:${ROOT}` } },
      null,
      2,
    ) + "\n",
  );
  const link = path.join(userDir, "node_modules", PKG.name);
  let current;
  try {
    current = fs.realpathSync(link);
  } catch {
    current = undefined;
  }
  if (current !== fs.realpathSync(ROOT)) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, "dir");
  }
  writeEmptyCredentials(path.join(userDir, "flows_cred.json"));
  const flowFile = path.join(userDir, "flows.json");
  if (process.env.DEMO_KEEP_FLOW === "1" && fs.existsSync(flowFile)) return "kept";
  fs.copyFileSync(process.env.DEMO_FLOW || path.join(ROOT, "demo", "flow.json"), flowFile);
  return "written";
}

/** The API token: the variable's, or a fresh random one (the flows read POLLING_API_TOKEN). */
function apiToken() {
  if (process.env.POLLING_API_TOKEN === undefined) {
    process.env.POLLING_API_TOKEN = crypto.randomBytes(24).toString("hex");
    return { token: process.env.POLLING_API_TOKEN, origin: "generated for this run" };
  }
  return { token: process.env.POLLING_API_TOKEN, origin: "from POLLING_API_TOKEN" };
}

async function main() {
  const port = intFromEnv("PORT", 1880);
  const api = apiToken();
  const userDir = path.resolve(process.env.DEMO_USER_DIR || path.join(ROOT, ".node-red"));
  const abort = new AbortController();
  let simulator;
  let program;

  if (process.env.PLC_HOST) {
    process.env.PLC_PORT = String(intFromEnv("PLC_PORT", 5000));
    console.log(`PLC: ${process.env.PLC_HOST}:${process.env.PLC_PORT} (no simulator)`);
  } else {
    simulator = new PlcSimulator({ host: "127.0.0.1", port: intFromEnv("SIM_PORT", 5000) });
    try {
      await simulator.start();
    } catch (err) {
      fail(`cannot start the simulator: ${err.message} (another one running? set SIM_PORT)`);
    }
    for (const g of DEMO_GENERATORS) simulator.addGenerator(g);
    seedDemoRecipe(simulator.memory);
    program = startPlcProgram(simulator.memory, abort.signal);
    process.env.PLC_HOST = "127.0.0.1";
    process.env.PLC_PORT = String(simulator.port);
  }

  const flow = prepareUserDir(userDir);
  // Node-RED's working directory, where flows keep relative files (the parts database of the demo and
  // examples/06), as a service started in ~/.node-red would.
  process.chdir(userDir);
  const express = require("express");
  const RED = require("node-red");
  const settings = DEMO_SETTINGS({ userDir });
  const app = express();
  const server = http.createServer(app);
  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, settings.uiHost, resolve);
  }).catch((err) => fail(`cannot listen on ${settings.uiHost}:${port}: ${err.message} (set PORT)`));
  await RED.start();

  const url = `http://127.0.0.1:${server.address().port}`;
  // The pages read the token from the fragment: it never reaches a server, a log or a Referer.
  const fragment = api.token ? `#token=${encodeURIComponent(api.token)}` : "";
  console.log(
    [
      "",
      "jsscada polling engine demo",
      `  Editor            ${url}/`,
      `  Dashboard 2       ${url}/dashboard/polling`,
      `  Page (WebSocket)  ${url}/polling-ws${fragment}`,
      `  Page (HTTP)       ${url}/polling${fragment}`,
      `  REST API          ${url}/api/polling/status`,
      `  WebSocket         ws://127.0.0.1:${server.address().port}/ws/polling`,
      api.token
        ? `  API token         ${api.token} (${api.origin})\n` +
          `                    curl -H "Authorization: Bearer $TOKEN" ${url}/api/polling/status`
        : "  API token         none: POLLING_API_TOKEN is empty, so the API refuses every command",
      simulator
        ? `  PLC simulator     127.0.0.1:${simulator.port} (3E binary TCP; REQ/ACK program on ${HANDSHAKE.req}/${HANDSHAKE.ack})`
        : `  PLC               ${process.env.PLC_HOST}:${process.env.PLC_PORT}`,
      `  User directory    ${userDir} (flow ${flow === "kept" ? "kept (DEMO_KEEP_FLOW=1)" : `rewritten from ${process.env.DEMO_FLOW || "demo/flow.json"}`})`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    const force = setTimeout(() => {
      console.error("did not stop within 20 s; exiting");
      process.exit(1);
    }, 20000);
    force.unref();
    abort.abort();
    try {
      await RED.stop();
    } catch (err) {
      console.error(`Node-RED stop: ${err.message}`);
    }
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve()));
    await program;
    if (simulator) await simulator.stop();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => fail(err.stack || err.message));
