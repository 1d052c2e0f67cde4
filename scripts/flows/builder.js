/**
 * The flow builder and the nodes every flow is made of: a Flow with stable ids and a grid layout, the
 * core nodes (comment, debug, inject, change, function), this package's nodes (PLC, FIXED and HANDSHAKE
 * groups, engine status, queue) and the check that every wire reaches a node of the same flow.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** A module of the build (dist/), or a clear error when `npm run build` has not run. */
function requireBuilt(rel) {
  const file = path.join(__dirname, "..", "..", "dist", rel);
  try {
    return require(file);
  } catch (err) {
    throw new Error(`${file} is missing: run \`npm run build\` first (${err.message})`);
  }
}

/** The PLC node's default settings, from the runtime's migrations (one source for both). */
const { PLC_DEFAULTS } = requireBuilt("nodes/shared/migrations.js");

/**
 * A function node's body, kept in scripts/flows/functions/ so eslint and prettier check it. `values`
 * fills in the body's placeholders (text the flow decides, such as a SQL statement).
 */
function functionBody(name, values = {}) {
  let body = fs.readFileSync(path.join(__dirname, "functions", `${name}.js`), "utf8").trimEnd();
  for (const [placeholder, value] of Object.entries(values)) {
    if (!body.includes(placeholder)) throw new Error(`functions/${name}.js has no ${placeholder}`);
    body = body.split(placeholder).join(value);
  }
  return body;
}

class Flow {
  constructor(name) {
    this.name = name;
    this.nodes = [];
    this.tabId = undefined;
  }

  id(key) {
    return crypto.createHash("sha1").update(`${this.name}/${key}`).digest("hex").slice(0, 16);
  }

  tab(key, label, info) {
    this.tabId = this.id(key);
    this.nodes.push({ id: this.tabId, type: "tab", label, disabled: false, info });
    return this;
  }

  /** A node on the current tab at grid cell (col, row); wires are node ids (this.id(key)). */
  node(key, type, props, col, row, wires) {
    const n = { id: this.id(key), type, z: this.tabId, ...props, x: 200 + col * 240, y: 40 + row * 50 };
    if (wires) n.wires = wires;
    this.nodes.push(n);
    return n.id;
  }

  /** A config node (no tab, no position). */
  config(key, type, props) {
    this.nodes.push({ id: this.id(key), type, ...props });
    return this.id(key);
  }
}

function comment(f, key, name, info, col, row) {
  return f.node(key, "comment", { name, info }, col, row);
}

function debug(f, key, name, col, row, active = true) {
  return f.node(
    key,
    "debug",
    {
      name,
      active,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: "payload",
      targetType: "msg",
      statusVal: "",
      statusType: "counter",
    },
    col,
    row,
    [],
  );
}

function inject(f, key, name, topic, col, row, wires, repeat = "") {
  return f.node(
    key,
    "inject",
    {
      name,
      props: [{ p: "topic", vt: "str" }],
      repeat,
      crontab: "",
      once: false,
      onceDelay: 0.1,
      topic,
    },
    col,
    row,
    wires,
  );
}

function change(f, key, name, rules, col, row, wires) {
  return f.node(
    key,
    "change",
    { name, rules, action: "", property: "", from: "", to: "", reg: false },
    col,
    row,
    wires,
  );
}

function setTopic(topic) {
  return [{ t: "set", p: "topic", pt: "msg", to: topic, tot: "str" }];
}

function func(f, key, name, code, col, row, wires, outputs = 1) {
  return f.node(
    key,
    "function",
    { name, func: code, outputs, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [] },
    col,
    row,
    wires,
  );
}

function engineStatus(f, key, name, interval, col, row, wires, extra = {}) {
  return f.node(
    key,
    "jsscada-engine-status",
    { name, interval: String(interval), ...extra },
    col,
    row,
    wires,
  );
}

/** The API's engine-status nodes: callers need the token in POLLING_API_TOKEN (docs/INTEGRATOR.md). */
const SECURED = { auth: "token", tokenEnv: "POLLING_API_TOKEN" };

/** A PLC config node; the demo passes "${PLC_HOST}"/"${PLC_PORT}" so env vars choose the PLC. */
function plc(f, name, host = "127.0.0.1", port = "5000") {
  return f.config("plc", "jsscada-plc", { name, host, port, ...PLC_DEFAULTS });
}

function fixedGroup(f, key, plcId, group, tags, interval, unit, col, row, wires, extra = {}) {
  return f.node(
    key,
    "jsscada-poll-fixed",
    {
      name: "",
      plc: plcId,
      group,
      tags,
      interval: String(interval),
      intervalUnit: unit,
      autoStart: true,
      payloadFormat: "object",
      changedOnly: false,
      ...extra,
    },
    col,
    row,
    wires,
  );
}

const HANDSHAKE_DEFAULTS = {
  name: "",
  autoStart: true,
  payloadFormat: "object",
  dedup: "1000",
  concurrency: "coalesce",
  maxPending: "100",
  req: "",
  ack: "",
  result: "",
  sequence: "",
  okValue: "1",
  ngValue: "2",
  watchInterval: "100",
  stepTimeout: "5000",
  reqClearTimeout: "10000",
  ackAfterDownstream: false,
  downstreamTimeout: "10000",
  reqHighAtStart: "ignore",
};

function handshakeGroup(f, key, plcId, group, tags, props, col, row, wires) {
  return f.node(
    key,
    "jsscada-poll-handshake",
    { ...HANDSHAKE_DEFAULTS, plc: plcId, group, tags, ...props },
    col,
    row,
    wires,
  );
}

/** A jsscada-queue node: output 1 deliveries, output 2 events and command replies. */
function queue(f, key, name, props, col, row, wires) {
  return f.node(
    key,
    "jsscada-queue",
    {
      name,
      capacity: "10000",
      maxBytes: "",
      overflow: "reject",
      mode: "ack",
      maxInFlight: "1",
      ackTimeout: "30",
      rate: "10",
      requireAck: false,
      batchSize: "",
      batchTime: "",
      persistence: "disk",
      moveCorrupt: false,
      warn: "70",
      alarm: "90",
      hysteresis: "5",
      ...props,
    },
    col,
    row,
    wires,
  );
}

function complete(f, key, name, watched, col, row, wires) {
  return f.node(key, "complete", { name, scope: watched, uncaught: false }, col, row, wires);
}

/** Every wire and config reference must name a node of the same flow. */
function checked(name, nodes) {
  const ids = new Set(nodes.map((n) => n.id));
  if (ids.size !== nodes.length) throw new Error(`${name}: duplicate node ids`);
  for (const n of nodes) {
    for (const target of (n.wires || []).flat()) {
      if (!ids.has(target))
        throw new Error(`${name}: ${n.type} "${n.name || n.id}" is wired to a missing node`);
    }
  }
  return nodes;
}

module.exports = {
  Flow,
  requireBuilt,
  functionBody,
  comment,
  debug,
  inject,
  change,
  setTopic,
  func,
  engineStatus,
  SECURED,
  plc,
  fixedGroup,
  handshakeGroup,
  queue,
  complete,
  checked,
};
