#!/usr/bin/env node
/**
 * Builds the importable example flows (examples/*.json) and the `npm start` demo flow
 * (demo/flow.json) from shared building blocks, so the REST endpoints, the WebSocket broadcast, the
 * management page (demo/pages/polling.html) and the Dashboard 2 view exist once in source.
 *
 *   node scripts/demo-flows.js          write every file
 *   node scripts/demo-flows.js --check  exit 1 when a committed file differs from what it would write
 *
 * Node ids are derived from the flow name and a key (sha1), so regenerating is stable and no id can
 * equal a property value (Node-RED would take it for a config-node reference).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.join(__dirname, "..");
const PAGE = fs.readFileSync(path.join(ROOT, "demo", "pages", "polling.html"), "utf8");

/**
 * A function node's body, kept in scripts/flows/functions/ so eslint and prettier check it. `values`
 * fills in the body's placeholders (text the flow decides, such as a SQL statement).
 */
function functionBody(name, values = {}) {
  let body = fs.readFileSync(path.join(__dirname, "flows", "functions", `${name}.js`), "utf8").trimEnd();
  for (const [placeholder, value] of Object.entries(values)) {
    if (!body.includes(placeholder)) throw new Error(`functions/${name}.js has no ${placeholder}`);
    body = body.split(placeholder).join(value);
  }
  return body;
}

/** Simulator addresses the examples read (`jsscada-mc sim --generators` and `npm start` move them). */
const TAGS = {
  fast: [
    { name: "counter", address: "D0" },
    { name: "sine", address: "D1" },
    { name: "walk", address: "D2" },
    { name: "toggle", address: "M0" },
  ],
  slow: [
    { name: "slowCounter", address: "D10" },
    { name: "sine", address: "D1", deadband: "50" },
  ],
  recipe: [
    { name: "recipeNo", address: "D500" },
    { name: "setpoints", address: "D501:int16[4]" },
    { name: "recipeName", address: "D510:string(16)" },
  ],
};

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

// ---- building blocks -------------------------------------------------------------------------

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
  return f.config("plc", "jsscada-plc", {
    name,
    host,
    port,
    transport: "tcp",
    frame: "3E",
    encoding: "binary",
    series: "ql",
    zrHex: false,
    octalXY: true,
    network: "0",
    pc: "255",
    moduleIo: "1023",
    station: "0",
    connections: "1",
    connectTimeout: "5000",
    requestTimeout: "3000",
    monitoringTimer: "",
    backoffInitial: "500",
    backoffMax: "30000",
    backoffJitter: "0.2",
    demoteAfter: "3",
    demoteFor: "10000",
    minInterval: "0",
  });
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

/** Three groups every management example works on: a fast and a slow FIXED one and a HANDSHAKE one. */
function sampleGroups(f, plcId, prefix, row) {
  comment(
    f,
    "groups-note",
    "Polling groups the endpoints and pages act on",
    "A FIXED group every second, a FIXED group every 5 s (not started at deploy: start it from the page\n" +
      "or the API) and a HANDSHAKE group that polls only when triggered (POST …/trigger or the page's\n" +
      "Trigger button). The PLC is 127.0.0.1:5000: run `npx jsscada-mc sim --generators` (or `npm start`\n" +
      "in the package's repository) first, or open the PLC node and enter your PLC.",
    0,
    row,
  );
  const dbg = debug(f, "groups-debug", "group data", 2, row + 2, false);
  fixedGroup(f, "g-fast", plcId, `${prefix}-fast`, TAGS.fast, 1, "s", 0, row + 1, [
    [f.id("groups-debug")],
    [],
  ]);
  fixedGroup(
    f,
    "g-slow",
    plcId,
    `${prefix}-slow`,
    TAGS.slow,
    5,
    "s",
    0,
    row + 2,
    [[f.id("groups-debug")], []],
    {
      autoStart: false,
    },
  );
  handshakeGroup(f, "g-hs", plcId, `${prefix}-on-demand`, TAGS.recipe, { trigger: "message" }, 0, row + 3, [
    [f.id("groups-debug")],
    [],
    [],
  ]);
  return dbg;
}

const REST_ROUTES = [
  ["status", "get", "/api/polling/status", "status"],
  ["health", "get", "/api/polling/health", "health"],
  ["openapi", "get", "/api/polling/openapi.json", "openapi"],
  ["start", "post", "/api/polling/groups/:name/start", "start"],
  ["stop", "post", "/api/polling/groups/:name/stop", "stop"],
  ["trigger", "post", "/api/polling/groups/:name/trigger", "trigger"],
  ["start-all", "post", "/api/polling/start-all", "start-all"],
  ["stop-all", "post", "/api/polling/stop-all", "stop-all"],
  ["group-status", "get", "/api/polling/groups/:name/status", "group-status"],
];

const REST_INFO = `The seed's REST API, with core nodes only. Every request needs the header
Authorization: Bearer <token>, the token being the environment variable POLLING_API_TOKEN of the
Node-RED process (see the "Protect the API" note).

| method | path | answer |
|---|---|---|
| GET | /api/polling/status | 200 {engine, groups, plcs, queues} |
| GET | /api/polling/health | 200 healthy, 503 with the reasons (a PLC in use not connected, deploying) |
| GET | /api/polling/openapi.json | 200 the OpenAPI 3.1 description of these endpoints (no token needed) |
| POST | /api/polling/groups/:name/start | 200 started, 404 unknown group, 409 already running or refused at deploy, 429 capacity reached |
| POST | /api/polling/groups/:name/stop | 200 stopped, 404, 409 not running |
| POST | /api/polling/groups/:name/trigger | 200 polled once (with the data), 404, 409 stopped or PLC-driven, 429 duplicate, 502/504 the PLC refused / did not answer |
| POST | /api/polling/start-all | 200 all started, 207 some started (per-group results), 429 none could start |
| POST | /api/polling/stop-all | 200 {stopped} |
| GET | /api/polling/groups/:name/status | 200 group status, 404 |
| GET | /api/polling/queue/status | 200 {success, queues} |

Every endpoint may also answer 401/403 (token missing or wrong / not configured), 503 (engine not
ready: flows starting or stopping; retry) and 500 (our bug). A wrong path under /api/polling is 404,
a wrong method 405. Errors are {success: false, error: "…", code: "…"}; docs/INTEGRATOR.md lists
every code. The engine-status node does the work: the change nodes only name the command in
msg.topic, and the :name route parameter names the group.`;

const AUTH_INFO = `These endpoints start and stop production data collection: they are locked by default.

1. Set the environment variable POLLING_API_TOKEN (16 characters or more; e.g. openssl rand -hex 24)
   for the Node-RED process and restart it. Until then every request is refused with 403 and a text
   that says so. Clients send Authorization: Bearer <token>; WebSocket clients send
   {"command":"auth","token":"<token>"} as their first message.

2. The engine-status nodes do the check (their "Callers" setting); the comparison is constant-time and
   never accepts a missing, empty or partial token.

3. Node-RED binds to every interface by default: set uiHost: "127.0.0.1" in settings.js and put a
   reverse proxy that terminates TLS in front when the API must leave the machine. httpNodeAuth
   (Basic authentication) can be added on top for the HTTP endpoints; it does not cover WebSockets.`;

/** The 10 REST endpoints: http in → change (msg.topic = command) → engine-status → http response. */
function restApi(f, row) {
  comment(f, "rest-note", "REST API: 10 endpoints (see this node's description)", REST_INFO, 0, row);
  comment(f, "rest-auth", "Protect the API: httpNodeAuth or a token check", AUTH_INFO, 2, row);
  const es = engineStatus(
    f,
    "rest-engine",
    "engine command",
    0,
    2,
    row + 4,
    [[f.id("rest-response")]],
    SECURED,
  );
  f.node(
    "rest-response",
    "http response",
    { name: "JSON answer", statusCode: "", headers: {} },
    3,
    row + 4,
    [],
  );
  REST_ROUTES.forEach(([key, method, url, command], i) => {
    f.node(
      `rest-in-${key}`,
      "http in",
      { name: "", url, method, upload: false, swaggerDoc: "" },
      0,
      row + 1 + i,
      [[f.id(`rest-cmd-${key}`)]],
    );
    change(f, `rest-cmd-${key}`, command, setTopic(command), 1, row + 1 + i, [[es]]);
  });
  const q = row + 1 + REST_ROUTES.length;
  f.node(
    "rest-in-queue",
    "http in",
    { name: "", url: "/api/polling/queue/status", method: "get", upload: false, swaggerDoc: "" },
    0,
    q,
    [[f.id("rest-cmd-queue")]],
  );
  change(f, "rest-cmd-queue", "status", setTopic("status"), 1, q, [[f.id("rest-engine-queue")]]);
  engineStatus(f, "rest-engine-queue", "engine status", 0, 2, q, [[f.id("rest-queue-only")]], SECURED);
  func(f, "rest-queue-only", "queues only", functionBody("queues-only"), 3, q, [[f.id("rest-response")]]);
}

/** A page served by the flow: GET path → template (the page) → http response. */
function page(f, key, url, mode, col, row) {
  f.node(`${key}-in`, "http in", { name: "", url, method: "get", upload: false, swaggerDoc: "" }, col, row, [
    [f.id(`${key}-html`)],
  ]);
  f.node(
    `${key}-html`,
    "template",
    {
      name: `page (${mode === "ws" ? "WebSocket" : "HTTP polling"})`,
      field: "payload",
      fieldType: "msg",
      format: "html",
      syntax: "plain",
      template: PAGE.replace("__MODE__", mode),
      output: "str",
    },
    col + 1,
    row,
    [[f.id(`${key}-out`)]],
  );
  f.node(
    `${key}-out`,
    "http response",
    { name: "", statusCode: "", headers: { "content-type": "text/html; charset=utf-8" } },
    col + 2,
    row,
    [],
  );
}

const WS_INFO = `A client first sends {"command": "auth", "token": "<POLLING_API_TOKEN>"}; until it
did, every command is answered 401 and it receives no status. Then, every second, the engine-status
node (its WebSocket setting names this listener) sends {type: "status", payload: {engine, groups,
plcs, queues}} to each authenticated client, and pings every client every 30 s (one that does not
answer is dropped).

Clients send commands on the same socket as JSON text: {"command": "start", "name": "<group>"}
(status, group-status, start, stop, trigger, start-all, stop-all, enable-plc, disable-plc). The
answer goes to that client only (msg._session) as {type: "reply", command, name, statusCode, payload},
with the REST API's status codes; {"command": "status"} is answered with a status message.

The page at /polling-ws shows it all with a connection indicator and reconnects with exponential
backoff (0.5 s, 1 s, 2 s … 30 s, at most 10 attempts, then a Reconnect button).`;

/** Status broadcast on /ws/polling and commands from clients, replied to the sender only. */
function wsBroadcast(f, row) {
  comment(
    f,
    "ws-note",
    "WebSocket /ws/polling: status every 1 s to every client, commands back",
    WS_INFO,
    0,
    row,
  );
  const listener = f.config("ws-listener", "websocket-listener", { path: "/ws/polling", wholemsg: "false" });
  f.node("ws-in", "websocket in", { name: "commands", server: listener, client: "" }, 0, row + 1, [
    [f.id("ws-engine")],
  ]);
  // Every message out carries the client's msg._session: websocket out answers that client only.
  engineStatus(f, "ws-engine", "engine status (1 s)", 1, 1, row + 1, [[f.id("ws-out")]], {
    ...SECURED,
    websocket: listener,
  });
  f.node("ws-out", "websocket out", { name: "/ws/polling", server: listener, client: "" }, 2, row + 1, []);
}

const DASHBOARD_INFO = `Needs @flowfuse/node-red-dashboard (Dashboard 2.0): Manage palette ▸ Install, or
npm install @flowfuse/node-red-dashboard in the Node-RED user directory. It is not a dependency of
this package. The view is at http://<node-red>/dashboard/polling.

The engine-status node sends the status every second; "to widgets" turns it into the table rows, the
queue gauge and warning and one chart point per group; "PLC load rows" into one row per PLC (busy %,
requests/s, mean request time, words/s, requests saved by sharing, missed cycles; yellow from 70 %
busy, red from 90 %: docs/OPERATOR.md). Clicking a row of the table starts a stopped
group or stops a running one; "Trigger HANDSHAKE groups" polls every HANDSHAKE group once. Command
answers appear as notifications.`;

/** The Dashboard 2 operator view. */
function dashboard(f, row, options = {}) {
  comment(
    f,
    "dash-note",
    "Dashboard 2 view at /dashboard/polling (needs @flowfuse/node-red-dashboard)",
    DASHBOARD_INFO,
    0,
    row,
  );
  const base = f.config("dash-base", "ui-base", {
    name: "Polling",
    path: "/dashboard",
    appIcon: "",
    includeClientData: true,
    acceptsClientConfig: ["ui-notification", "ui-control"],
    showPathInSidebar: false,
    headerContent: "page",
    navigationStyle: "default",
    titleBarStyle: "default",
    showReconnectNotification: true,
    notificationDisplayTime: 1,
    showDisconnectNotification: true,
    allowInstall: false,
  });
  const theme = f.config("dash-theme", "ui-theme", {
    name: "Polling theme",
    colors: {
      surface: "#ffffff",
      primary: "#0d74ce",
      bgPage: "#f6f7f9",
      groupBg: "#ffffff",
      groupOutline: "#d9d9e0",
    },
    sizes: {
      density: "default",
      pagePadding: "12px",
      groupGap: "12px",
      groupBorderRadius: "4px",
      widgetGap: "12px",
    },
  });
  const pageId = f.config("dash-page", "ui-page", {
    name: "Polling engine",
    ui: base,
    path: "/polling",
    icon: "factory",
    layout: "grid",
    theme,
    breakpoints: [
      { name: "Default", px: 0, cols: 3 },
      { name: "Tablet", px: 576, cols: 6 },
      { name: "Small Desktop", px: 768, cols: 9 },
      { name: "Desktop", px: 1024, cols: 12 },
    ],
    order: 1,
    className: "",
    visible: "true",
    disabled: "false",
  });
  const group = (key, name, width, order) =>
    f.config(key, "ui-group", {
      name,
      page: pageId,
      width: String(width),
      height: "1",
      order,
      showTitle: true,
      className: "",
      visible: "true",
      disabled: "false",
      groupType: "default",
    });
  const gCmd = group("dash-g-cmd", "Commands", 4, 1);
  const gQueue = group("dash-g-queue", "Queue", 8, 2);
  const gPlcs = group("dash-g-plcs", "PLCs", 12, 3);
  const gGroups = group("dash-g-groups", "Groups", 12, 4);
  const gTrend = group("dash-g-trend", "Trends", 12, 5);

  const button = (key, label, topic, order, r) =>
    f.node(
      key,
      "ui-button",
      {
        group: gCmd,
        name: "",
        label,
        order,
        width: "0",
        height: "0",
        emulateClick: false,
        tooltip: "",
        color: "",
        bgcolor: "",
        className: "",
        icon: "",
        iconPosition: "left",
        payload: "",
        payloadType: "str",
        topic,
        topicType: "str",
        buttonColor: "",
        textColor: "",
        iconColor: "",
        enableClick: true,
        enablePointerdown: false,
        pointerdownPayload: "",
        pointerdownPayloadType: "str",
        enablePointerup: false,
        pointerupPayload: "",
        pointerupPayloadType: "str",
      },
      0,
      r,
      [[topic === "trigger-handshake" ? f.id("dash-trigger-all") : f.id("dash-engine")]],
    );
  button("dash-b-start", "Start All", "start-all", 1, row + 1);
  button("dash-b-stop", "Stop All", "stop-all", 2, row + 2);
  button("dash-b-refresh", "Refresh", "status", 3, row + 3);
  button("dash-b-trigger", "Trigger HANDSHAKE groups", "trigger-handshake", 4, row + 4);
  engineStatus(f, "dash-engine", "engine status (1 s)", 1, 2, row + 2, [
    [f.id("dash-split"), f.id("dash-plc-rows")],
  ]);
  func(
    f,
    "dash-trigger-all",
    "one trigger per HANDSHAKE group",
    functionBody("dashboard-2-trigger-all"),
    1,
    row + 4,
    [[f.id("dash-engine")]],
  );
  func(
    f,
    "dash-split",
    "to widgets",
    functionBody("dashboard-2-widgets"),
    3,
    row + 2,
    [
      [f.id("dash-table")],
      [f.id("dash-gauge")],
      [f.id("dash-warning")],
      [f.id("dash-chart-rate")],
      [f.id("dash-chart-time")],
      [f.id("dash-notify")],
    ],
    6,
  );
  f.node(
    "dash-table",
    "ui-table",
    {
      group: gGroups,
      name: "groups",
      label: "Groups (click a row to start or stop it)",
      order: 1,
      width: 0,
      height: 0,
      maxrows: 0,
      passthru: false,
      autocols: true,
      showSearch: false,
      deselect: true,
      selectionType: "click",
      columns: [],
      mobileBreakpoint: "sm",
      mobileBreakpointType: "defaults",
      action: "replace",
      className: "",
    },
    4,
    row + 1,
    [[f.id("dash-toggle")]],
  );
  func(f, "dash-toggle", "start or stop the clicked group", functionBody("dashboard-2-toggle"), 5, row + 1, [
    [f.id("dash-engine")],
  ]);
  f.node(
    "dash-gauge",
    "ui-gauge",
    {
      name: "",
      group: gQueue,
      order: 1,
      value: "payload",
      valueType: "msg",
      width: 3,
      height: 3,
      gtype: "gauge-half",
      gstyle: "rounded",
      title: "Queue usage",
      alwaysShowTitle: false,
      floatingTitlePosition: "top-left",
      units: "%",
      icon: "",
      prefix: "",
      suffix: "",
      segments: [
        { from: "0", color: "#2e7d32" },
        { from: "70", color: "#f9a825" },
        { from: "90", color: "#c62828" },
      ],
      min: 0,
      max: "100",
      sizeThickness: 16,
      sizeGap: 4,
      sizeKeyThickness: 8,
      styleRounded: true,
      styleGlow: false,
      className: "",
    },
    4,
    row + 2,
    [[]],
  );
  f.node(
    "dash-warning",
    "ui-text",
    {
      group: gQueue,
      order: 2,
      width: 5,
      height: 1,
      name: "",
      label: "Queue",
      format: "{{msg.payload}}",
      layout: "row-spread",
      style: false,
      font: "",
      fontSize: 16,
      color: "#717171",
      wrapText: false,
      className: "",
      value: "payload",
      valueType: "msg",
    },
    4,
    row + 3,
    [],
  );
  const chart = (key, label, yAxisLabel, order, r, ymin = "", ymax = "") =>
    f.node(
      key,
      "ui-chart",
      {
        group: gTrend,
        name: "",
        label,
        order,
        chartType: "line",
        category: "topic",
        categoryType: "msg",
        xAxisLabel: "",
        xAxisProperty: "",
        xAxisPropertyType: "timestamp",
        xAxisType: "time",
        xAxisFormat: "",
        xAxisFormatType: "auto",
        xmin: "",
        xmax: "",
        yAxisLabel,
        yAxisProperty: "payload",
        yAxisPropertyType: "msg",
        ymin,
        ymax,
        bins: 10,
        action: "append",
        stackSeries: false,
        pointShape: "circle",
        pointRadius: 2,
        showLegend: true,
        removeOlder: "10",
        removeOlderUnit: "60",
        removeOlderPoints: "",
        colors: SERIES_COLOURS,
        textColor: ["#666666"],
        textColorDefault: true,
        gridColor: ["#e5e5e5"],
        gridColorDefault: true,
        width: 6,
        height: 6,
        className: "",
        interpolation: "linear",
      },
      4,
      r,
      [[]],
    );
  chart("dash-chart-rate", "Success rate per group (%)", "%", 1, row + 4, "0", "100");
  chart("dash-chart-time", "Average poll time per group (ms)", "ms", 2, row + 5);
  f.node(
    "dash-notify",
    "ui-notification",
    {
      ui: base,
      position: "top right",
      colorDefault: true,
      color: "",
      displayTime: "3",
      showCountdown: true,
      outputs: 0,
      allowDismiss: true,
      dismissText: "Close",
      allowConfirm: false,
      confirmText: "Confirm",
      raw: false,
      className: "",
      name: "command answers",
    },
    4,
    row + 6,
    [],
  );
  func(f, "dash-plc-rows", "PLC load rows", functionBody("plc-rows"), 3, row + 8, [[f.id("dash-plcs")]]);
  f.node(
    "dash-plcs",
    "ui-table",
    {
      group: gPlcs,
      name: "PLC load",
      label: "PLC load over the last 10 s (yellow from 70 % busy, red from 90 %)",
      order: 1,
      width: 0,
      height: 0,
      maxrows: 0,
      passthru: false,
      autocols: false,
      showSearch: false,
      deselect: true,
      selectionType: "none",
      columns: PLC_COLUMNS.map(([key, title, type]) => ({
        title,
        key,
        keyType: "key",
        type,
        width: "",
        align: type === "text" && key !== "plc" && key !== "state" ? "end" : "start",
      })),
      mobileBreakpoint: "sm",
      mobileBreakpointType: "defaults",
      action: "replace",
      className: "",
    },
    4,
    row + 8,
    [],
  );
  if (options.records) {
    const gRecords = group("dash-g-records", "Last records (SQLite)", 12, 6);
    inject(f, "dash-records-timer", "every 3 s", "", 0, row + 7, [[f.id("dash-records")]], "3");
    lastParts(f, "dash-records", 1, row + 7, [[f.id("dash-records-view")]]);
    f.node(
      "dash-records-view",
      "ui-table",
      {
        group: gRecords,
        name: "last records",
        label: "Last records (newest first)",
        order: 1,
        width: 0,
        height: 0,
        maxrows: 10,
        passthru: false,
        autocols: true,
        showSearch: false,
        deselect: true,
        selectionType: "none",
        columns: [],
        mobileBreakpoint: "sm",
        mobileBreakpointType: "defaults",
        action: "replace",
        className: "",
      },
      5,
      row + 7,
      [],
    );
  }
}

/** The PLC load table's columns: row key (scripts/flows/functions/plc-rows.js), title, ui-table type. */
const PLC_COLUMNS = [
  ["flag", "", "color"],
  ["plc", "PLC", "text"],
  ["state", "state", "text"],
  ["busy", "busy", "text"],
  ["perConnection", "per connection", "text"],
  ["requestsPerSec", "requests/s", "text"],
  ["meanRequestMs", "mean request ms", "text"],
  ["wordsPerSec", "words/s", "text"],
  ["saved", "saved by sharing", "text"],
  ["missedCycles", "missed cycles", "text"],
];

const DASHBOARD1_INFO = `Needs node-red-dashboard (Dashboard 1, 3.6): Manage palette ▸ Install, or
npm install node-red-dashboard in the Node-RED user directory. It is not a dependency of this package.
Dashboard 1 is deprecated (June 2024) but still runs most operator screens; it can be installed beside
Dashboard 2 (it serves /ui, Dashboard 2 /dashboard). The view is at http://<node-red>/ui.

The same operator view as examples/05: Start All / Stop All / Refresh / Trigger HANDSHAKE groups, the
PLC load table (busy yellow from 70 %, red from 90 %), the groups table with Start/Stop/Trigger per row (a ui_template), the queue gauge (green, yellow from 70 %,
red from 90 %) with its warning, the success-rate and poll-time charts, and command answers as toasts.`;

/** Twenty distinguishable series colours (Tableau 20), so 20 groups' lines can be told apart. */
const SERIES_COLOURS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#aec7e8",
  "#ffbb78",
  "#98df8a",
  "#ff9896",
  "#c5b0d5",
  "#c49c94",
  "#f7b6d2",
  "#c7c7c7",
  "#dbdb8d",
  "#9edae5",
];

const GROUPS_TEMPLATE = `<style>
  .jsscada-d1 { width: 100%; border-collapse: collapse; font-size: 14px; }
  .jsscada-d1 th, .jsscada-d1 td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #ddd; }
  .jsscada-d1 td.num { text-align: right; }
  .jsscada-d1 .running { color: #2e7d32; font-weight: bold; }
  .jsscada-d1 .md-button { min-width: 0; margin: 0 2px; line-height: 26px; min-height: 26px; }
</style>
<table class="jsscada-d1">
  <tr><th>Group</th><th>Mode</th><th>State</th><th>Polls</th><th>Success %</th><th>Avg ms</th><th>Last error</th><th></th></tr>
  <tr ng-repeat="g in msg.payload track by g.group" data-group="{{g.group}}" data-state="{{g.state}}">
    <td class="name">{{g.group}}</td><td>{{g.mode}}</td><td ng-class="g.state">{{g.state}}</td>
    <td class="num polls">{{g.polls}}</td><td class="num">{{g.successRate}}</td><td class="num">{{g.avgMs}}</td>
    <td>{{g.lastError}}</td>
    <td>
      <md-button class="md-raised start" ng-if="g.state !== 'running'" ng-click="send({topic: 'start', payload: {command: 'start', name: g.group}})">Start</md-button>
      <md-button class="md-raised stop" ng-if="g.state === 'running'" ng-click="send({topic: 'stop', payload: {command: 'stop', name: g.group}})">Stop</md-button>
      <md-button class="md-raised trigger" ng-if="g.mode === 'handshake'" ng-click="send({topic: 'trigger', payload: {command: 'trigger', name: g.group}})">Trigger</md-button>
    </td>
  </tr>
</table>`;

/** One row per PLC with its load; the busy cell yellow from 70 %, red from 90 % (plc-rows.js). */
const PLCS_TEMPLATE = `<style>
  .jsscada-d1-plcs { width: 100%; border-collapse: collapse; font-size: 13px; }
  .jsscada-d1-plcs th, .jsscada-d1-plcs td { text-align: left; padding: 4px 4px; border-bottom: 1px solid #ddd; }
  .jsscada-d1-plcs td.num { text-align: right; }
  .jsscada-d1-plcs tr.warn td.busy { background: #fff3c4; color: #8a5a00; font-weight: bold; }
  .jsscada-d1-plcs tr.alarm td.busy { background: #fde0e0; color: #c62828; font-weight: bold; }
</style>
<table class="jsscada-d1-plcs">
  <tr><th>PLC</th><th>State</th><th>Req/s</th><th>Mean ms</th><th>Busy</th><th>Per conn.</th><th>Words/s</th><th>Saved</th><th>Missed</th></tr>
  <tr ng-repeat="p in msg.payload track by p.plc" data-plc="{{p.plc}}" data-level="{{p.level}}" ng-class="p.level">
    <td class="plc">{{p.plc}}</td><td>{{p.state}}</td><td class="num req">{{p.requestsPerSec}}</td>
    <td class="num mean">{{p.meanRequestMs}}</td><td class="num busy">{{p.busy}}</td><td class="num conns">{{p.perConnection}}</td>
    <td class="num words">{{p.wordsPerSec}}</td><td class="num saved">{{p.saved}}</td><td class="num missed">{{p.missedCycles}}</td>
  </tr>
</table>`;

/** The Dashboard 1 (node-red-dashboard 3.6) operator view: the same as the Dashboard 2 one, at /ui. */
function dashboard1(f, row) {
  comment(f, "d1-note", "Dashboard 1 view at /ui (needs node-red-dashboard)", DASHBOARD1_INFO, 0, row);
  const tab = f.config("d1-tab", "ui_tab", {
    name: "Polling engine",
    icon: "dashboard",
    order: 1,
    disabled: false,
    hidden: false,
  });
  const group = (key, name, width, order) =>
    f.config(key, "ui_group", {
      name,
      tab,
      order,
      disp: true,
      width: String(width),
      collapse: false,
      className: "",
    });
  const gCmd = group("d1-g-cmd", "Commands", 6, 1);
  const gQueue = group("d1-g-queue", "Queue", 6, 2);
  const gPlcs = group("d1-g-plcs", "PLCs", 12, 3);
  const gGroups = group("d1-g-groups", "Groups", 12, 4);
  const gTrend = group("d1-g-trend", "Trends", 12, 5);
  const button = (key, label, topic, order, r) =>
    f.node(
      key,
      "ui_button",
      {
        name: "",
        group: gCmd,
        order,
        width: 0,
        height: 0,
        passthru: false,
        label,
        tooltip: "",
        color: "",
        bgcolor: "",
        className: "",
        icon: "",
        payload: "",
        payloadType: "str",
        topic,
        topicType: "str",
      },
      0,
      r,
      [[topic === "trigger-handshake" ? f.id("d1-trigger-all") : f.id("d1-engine")]],
    );
  button("d1-b-start", "Start All", "start-all", 1, row + 1);
  button("d1-b-stop", "Stop All", "stop-all", 2, row + 2);
  button("d1-b-refresh", "Refresh", "status", 3, row + 3);
  button("d1-b-trigger", "Trigger HANDSHAKE groups", "trigger-handshake", 4, row + 4);
  func(
    f,
    "d1-trigger-all",
    "one trigger per HANDSHAKE group",
    functionBody("dashboard-1-trigger-all"),
    1,
    row + 4,
    [[f.id("d1-engine")]],
  );
  engineStatus(f, "d1-engine", "engine status (1 s)", 1, 2, row + 2, [
    [f.id("d1-split"), f.id("d1-plc-rows")],
  ]);
  func(
    f,
    "d1-split",
    "to widgets",
    functionBody("dashboard-1-widgets"),
    2,
    row + 2,
    [
      [f.id("d1-table")],
      [f.id("d1-gauge")],
      [f.id("d1-warning")],
      [f.id("d1-chart-rate")],
      [f.id("d1-chart-time")],
      [f.id("d1-toast")],
    ],
    6,
  );
  f.node(
    "d1-table",
    "ui_template",
    {
      group: gGroups,
      name: "groups table",
      order: 1,
      width: "12",
      height: "6",
      format: GROUPS_TEMPLATE,
      storeOutMessages: true,
      fwdInMessages: false,
      resendOnRefresh: true,
      templateScope: "local",
      className: "",
    },
    3,
    row + 1,
    [[f.id("d1-engine")]],
  );
  f.node(
    "d1-gauge",
    "ui_gauge",
    {
      name: "",
      group: gQueue,
      order: 1,
      width: 0,
      height: 0,
      gtype: "gage",
      title: "Queue usage",
      label: "%",
      format: "{{value}}",
      min: 0,
      max: "100",
      colors: ["#2e7d32", "#f9a825", "#c62828"],
      seg1: "70",
      seg2: "90",
      diff: false,
      className: "",
    },
    3,
    row + 2,
    [],
  );
  f.node(
    "d1-warning",
    "ui_text",
    {
      group: gQueue,
      order: 2,
      width: 0,
      height: 0,
      name: "",
      label: "Queue",
      format: "{{msg.payload}}",
      layout: "row-spread",
      className: "",
      style: false,
      font: "",
      fontSize: "",
      color: "#000000",
    },
    3,
    row + 3,
    [],
  );
  const chart = (key, label, order, r, ymin = "", ymax = "") =>
    f.node(
      key,
      "ui_chart",
      {
        name: "",
        group: gTrend,
        order,
        width: "6",
        height: "5",
        label,
        chartType: "line",
        legend: "true",
        xformat: "HH:mm:ss",
        interpolate: "linear",
        nodata: "",
        dot: false,
        ymin,
        ymax,
        removeOlder: "10",
        removeOlderPoints: "",
        removeOlderUnit: "60",
        cutout: 0,
        useOneColor: false,
        useUTC: false,
        colors: SERIES_COLOURS.slice(0, 9),
        outputs: 1,
        useDifferentColor: false,
        className: "",
      },
      3,
      r,
      [[]],
    );
  chart("d1-chart-rate", "Success rate per group (%)", 1, row + 4, "0", "100");
  chart("d1-chart-time", "Average poll time per group (ms)", 2, row + 5);
  f.node(
    "d1-toast",
    "ui_toast",
    {
      position: "top right",
      displayTime: "3",
      highlight: "",
      sendall: true,
      outputs: 0,
      ok: "OK",
      cancel: "",
      raw: false,
      className: "",
      topic: "",
      name: "command answers",
    },
    3,
    row + 6,
    [],
  );
  func(f, "d1-plc-rows", "PLC load rows", functionBody("plc-rows"), 2, row + 7, [[f.id("d1-plcs")]]);
  f.node(
    "d1-plcs",
    "ui_template",
    {
      group: gPlcs,
      name: "PLC load table",
      order: 1,
      width: "12",
      height: "3",
      format: PLCS_TEMPLATE,
      storeOutMessages: true,
      fwdInMessages: false,
      resendOnRefresh: true,
      templateScope: "local",
      className: "",
    },
    3,
    row + 7,
    [[]],
  );
}

/** GET /api/parts/last: the last 10 records of the parts table, for the management pages. */
function recordsApi(f, row) {
  f.node(
    "records-in",
    "http in",
    { name: "", url: "/api/parts/last", method: "get", upload: false, swaggerDoc: "" },
    0,
    row,
    [[f.id("records")]],
  );
  lastParts(f, "records", 1, row, [[f.id("records-out")]]);
  f.node("records-out", "http response", { name: "", statusCode: "", headers: {} }, 5, row, []);
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

/**
 * The records table (node-red-node-sqlite). One row per PLC transaction read: the PLC's sequence word
 * and the moment REQ was seen identify it, so a delivery the queue repeats after a crash (the insert
 * committed, the ack lost) updates `deliveries` instead of adding a row; a record the PLC's REQ made us
 * read again after a restart (same sequence and data, a later REQ) is stored but marked `duplicate`.
 */
const PARTS_TABLE =
  "CREATE TABLE IF NOT EXISTS parts (\n" +
  "  seq INTEGER,\n" +
  "  req_at INTEGER NOT NULL,\n" +
  "  data TEXT NOT NULL,\n" +
  "  stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),\n" +
  "  deliveries INTEGER NOT NULL DEFAULT 1,\n" +
  "  duplicate INTEGER NOT NULL DEFAULT 0,\n" +
  "  PRIMARY KEY (seq, req_at)\n" +
  ");";

const PARTS_INSERT =
  "INSERT INTO parts (seq, req_at, data, duplicate)\n" +
  "VALUES ($seq, $reqAt, $data, EXISTS (\n" +
  "  SELECT 1 FROM parts WHERE seq = $seq AND data = $data AND req_at <> $reqAt AND req_at > $reqAt - 3600000))\n" +
  "ON CONFLICT (seq, req_at) DO UPDATE SET deliveries = deliveries + 1";

const PARTS_LAST =
  "SELECT seq, data, stored_at, deliveries, duplicate FROM parts ORDER BY stored_at DESC, seq DESC LIMIT 10";

/** The database file: in Node-RED's working directory (scripts/start.js runs it in the user directory). */
function partsDb(f) {
  const id = f.id("parts-db");
  return f.nodes.some((n) => n.id === id)
    ? id
    : f.config("parts-db", "sqlitedb", { db: "jsscada-parts.db", mode: "RWC" });
}

function sqlite(f, key, name, db, sqlquery, sql, col, row, wires) {
  return f.node(key, "sqlite", { mydb: db, sqlquery, sql, name }, col, row, wires);
}

/** "CREATE TABLE IF NOT EXISTS" before `then` (a no-op after the first run, and no race at deploy). */
function ensurePartsTable(f, key, db, col, row, then) {
  sqlite(f, key, "table exists", db, "batch", "", col, row, [[then]]);
}

/**
 * Queue delivery → insert (committed when the sqlite node answers) → ack to the queue. A failed insert
 * (locked, read-only, full disk…) goes back to the queue as a nack after 2 s: the record is delivered
 * again, never lost, and the sqlite node's error says why.
 */
function sqliteWrite(f, key, queueId, col, row) {
  const db = partsDb(f);
  func(
    f,
    key,
    "record → SQL parameters",
    functionBody("record-to-sql", { '"__PARTS_TABLE__"': JSON.stringify(PARTS_TABLE) }),
    col,
    row,
    [[f.id(`${key}-table`)]],
  );
  ensurePartsTable(f, `${key}-table`, db, col + 1, row, f.id(`${key}-insert`));
  sqlite(f, `${key}-insert`, "insert part", db, "prepared", PARTS_INSERT, col + 2, row, [[queueId]]);
  retryAsNack(
    f,
    key,
    "insert failed",
    "database write",
    [f.id(`${key}-table`), f.id(`${key}-insert`)],
    queueId,
    col + 1,
    row + 1,
  );
}

/**
 * A failed write caught on the `scope` nodes goes back to the queue as a nack after 2 s (a Catch node
 * there; Node-RED does not log an error a Catch node handles, so "say why" warns with the reason).
 */
function retryAsNack(f, key, catchName, what, scope, queueId, col, row) {
  f.node(`${key}-failed`, "catch", { name: catchName, scope, uncaught: false }, col, row, [
    [f.id(`${key}-report`)],
  ]);
  func(f, `${key}-report`, "say why", functionBody("say-why", { __WHAT__: what }), col + 1, row, [
    [f.id(`${key}-retry`)],
  ]);
  f.node(
    `${key}-retry`,
    "delay",
    {
      name: "retry in 2 s",
      pauseType: "delay",
      timeout: "2",
      timeoutUnits: "seconds",
      rate: "1",
      nbRateUnits: "1",
      rateUnits: "second",
      randomFirst: "1",
      randomLast: "5",
      randomUnits: "seconds",
      drop: false,
      allowrate: false,
      outputs: 1,
    },
    col + 2,
    row,
    [[queueId]],
  );
}

/** The last 10 records, newest first, as msg.payload rows (for the pages and the dashboards). */
function lastParts(f, key, col, row, wires) {
  const db = partsDb(f);
  change(
    f,
    key,
    "last records",
    [{ t: "set", p: "topic", pt: "msg", to: PARTS_TABLE, tot: "str" }],
    col,
    row,
    [[f.id(`${key}-table`)]],
  );
  ensurePartsTable(f, `${key}-table`, db, col + 1, row, f.id(`${key}-select`));
  sqlite(f, `${key}-select`, "select last 10", db, "fixed", PARTS_LAST, col + 2, row, [
    [f.id(`${key}-rows`)],
  ]);
  func(f, `${key}-rows`, "rows for display", functionBody("rows-for-display"), col + 3, row, wires);
}

/**
 * PLC data → disk queue → database, acknowledged twice: the PLC gets ACK (OK) once the record is on
 * disk (Complete on the queue → handshake node), the queue lets go of it once the database took it
 * (Complete on the database write → queue).
 */
function handshakeToDatabase(f, plcId, group, hs, queueName, row, extra = {}) {
  handshakeGroup(
    f,
    "hs",
    plcId,
    group,
    hs.tags,
    {
      trigger: "plc",
      req: hs.req,
      ack: hs.ack,
      sequence: hs.sequence,
      watchInterval: "100",
      ackAfterDownstream: true,
      downstreamTimeout: "10000",
      ...extra,
    },
    0,
    row,
    [[f.id("queue")], [f.id("hs-errors")], []],
  );
  debug(f, "hs-errors", "handshake errors", 1, row + 2);
  queue(f, "queue", queueName, { persistence: "disk", maxInFlight: "1", ackTimeout: "30" }, 1, row, [
    [f.id("db")],
    [f.id("queue-events")],
  ]);
  debug(f, "queue-events", "queue events", 2, row + 1, false);
  sqliteWrite(f, "db", f.id("queue"), 2, row);
  complete(f, "queued", "record on disk", [f.id("queue")], 0, row + 3, [[f.id("only-puts")]]);
  func(f, "only-puts", "records, not acks", functionBody("only-puts"), 1, row + 3, [[f.id("hs")]]);
}

// ---- the examples ----------------------------------------------------------------------------

function quickStart() {
  const f = new Flow("01-quick-start").tab("tab", "Quick start", "Poll a simulated PLC: no hardware needed.");
  comment(
    f,
    "note",
    "1. Start the simulator   2. Deploy   3. Open the Debug sidebar",
    "This flow reads the simulator at 127.0.0.1:5000 (3E binary over TCP). Start one first, in a\n" +
      "terminal where this package is installed:\n\n    npx jsscada-mc sim --generators\n\n" +
      "(in a clone of the repository `npm start` runs the same simulator together with a demo). The\n" +
      "generators move D0 (counter), D1 (sine), D2 (random walk) and M0 (toggle); D10 counts by 10 every\n" +
      "second.\n\nThe FIXED group reads its 4 tags every second and sends {counter, sine, walk, toggle} on\n" +
      "output 1. The inject nodes send it commands (msg.topic): stop, start, trigger (one poll now) and\n" +
      'interval (msg.payload "250ms"). Replies come out of output 2.\n\n' +
      "To use a real PLC, open the PLC node: host, port and the frame/encoding set in its Ethernet settings.\n\n" +
      "An FX3U/FX3G with FX3U-ENET(-L) or FX3U-ENET-ADP, or an A-series module, speaks only the 1E frame:\n" +
      "choose 1E in the PLC node (X/Y numbers in octal, as the FX tools show them). To try it without\n" +
      "hardware, start the simulator as an FX would answer:\n\n    npx jsscada-mc sim --generators --frame 1e\n\n" +
      "and set the PLC node to 1E; this flow then polls the same tags over 1E frames.",
    0,
    0,
  );
  const p = plc(f, "Simulator 127.0.0.1:5000");
  fixedGroup(f, "poll", p, "quickstart", TAGS.fast, 1, "s", 1, 2, [[f.id("data")], [f.id("replies")]]);
  debug(f, "data", "tag values", 2, 1);
  debug(f, "replies", "command replies", 2, 3);
  inject(f, "stop", "stop", "stop", 0, 1, [[f.id("poll")]]);
  inject(f, "start", "start", "start", 0, 2, [[f.id("poll")]]);
  inject(f, "trigger", "poll once now", "trigger", 0, 3, [[f.id("poll")]]);
  f.node(
    "faster",
    "inject",
    {
      name: "interval 250 ms",
      props: [
        { p: "topic", vt: "str" },
        { p: "payload", v: "250ms", vt: "str" },
      ],
      repeat: "",
      crontab: "",
      once: false,
      onceDelay: 0.1,
      topic: "interval",
    },
    0,
    4,
    [[f.id("poll")]],
  );
  return f;
}

const SAME_ROUTES = `Examples 02 and 04 both define the /api/polling/* routes (04's page reads them): import one
of them, or delete one copy of the REST nodes before deploying both, or Node-RED answers each route
from whichever flow registered it first.`;

function restExample() {
  const f = new Flow("02-rest-api").tab("tab", "REST API", `${REST_INFO}\n\n${SAME_ROUTES}`);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "rest", 0);
  restApi(f, 5);
  return f;
}

function wsExample() {
  const f = new Flow("03-websocket").tab("tab", "WebSocket page", WS_INFO);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "ws", 0);
  wsBroadcast(f, 5);
  comment(
    f,
    "page-note",
    "The page: http://<node-red>/polling-ws",
    "Served by this flow; no CDN, no library.",
    0,
    9,
  );
  page(f, "page", "/polling-ws", "ws", 0, 10);
  return f;
}

function httpPageExample() {
  const f = new Flow("04-http-polling-page").tab(
    "tab",
    "HTTP polling page",
    "The management page at /polling, refreshed every 2 s from the REST endpoints (which this flow\nalso defines).\n\n" +
      SAME_ROUTES,
  );
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "page", 0);
  comment(
    f,
    "page-note",
    "The page: http://<node-red>/polling",
    "GET /api/polling/status every 2 s; the buttons POST to the REST endpoints below.",
    0,
    5,
  );
  page(f, "page", "/polling", "http", 0, 6);
  restApi(f, 8);
  return f;
}

function dashboardExample() {
  const f = new Flow("05-dashboard").tab("tab", "Dashboard 2", DASHBOARD_INFO);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "dash", 0);
  dashboard(f, 5);
  return f;
}

const EX8_INFO = `A historian: FIXED groups → a disk queue that batches → InfluxDB 1.x (node-red-contrib-influxdb's
"influxdb batch" node), every batch acknowledged only once InfluxDB took it.

"to points" turns each group message into one InfluxDB point per tag (measurement "plc", tags group and
tag, field "value"), stamped with the cycle's scheduled time (msg.polling.scheduledAt, ms): a batch
written twice (InfluxDB took it, then the ack was lost) overwrites the same points instead of adding
new ones. The queue (on disk, so a restart loses nothing) delivers up to 1 000 messages at a time, or
what it has after 200 ms; "flatten" makes one list of points; the batch node writes them; a Complete
node on it acknowledges the batch to the queue. A failed write (InfluxDB down, restarting, refusing)
is caught and returned to the queue as a nack after 2 s: the batch is written again, never lost.

Needs node-red-contrib-influxdb (Manage palette ▸ Install) and an InfluxDB 1.x on 127.0.0.1:8086 with
a database "jsscada" (influx -execute 'CREATE DATABASE jsscada'); edit the influxdb config node for
yours. Query: SELECT value FROM plc WHERE "group" = 'hist-fast' AND time > now() - 5m`;

function historianExample() {
  const f = new Flow("08-historian-influxdb").tab(
    "tab",
    "Historian: groups → disk queue → InfluxDB",
    EX8_INFO,
  );
  comment(
    f,
    "note",
    "FIXED groups → disk queue (batches) → InfluxDB 1.x, acknowledged per batch",
    EX8_INFO,
    0,
    0,
  );
  const p = plc(f, "Simulator 127.0.0.1:5000");
  const influx = f.config("influx", "influxdb", {
    hostname: "127.0.0.1",
    port: "8086",
    protocol: "http",
    database: "jsscada",
    name: "InfluxDB 1.x 127.0.0.1:8086",
    usetls: false,
    tls: "",
    influxdbVersion: "1.x",
    url: "http://localhost:8086",
    timeout: "10",
    rejectUnauthorized: true,
  });
  fixedGroup(f, "fast", p, "hist-fast", TAGS.fast, 100, "ms", 0, 1, [[f.id("points")], []]);
  fixedGroup(
    f,
    "slow",
    p,
    "hist-slow",
    TAGS.slow.map((t) => ({ name: t.name, address: t.address })),
    1,
    "s",
    0,
    2,
    [[f.id("points")], []],
  );
  func(f, "points", "to points", functionBody("to-points"), 1, 1, [[f.id("queue")]]);
  queue(
    f,
    "queue",
    "historian",
    {
      persistence: "disk",
      maxInFlight: "1",
      ackTimeout: "30",
      batchSize: "1000",
      batchTime: "200",
      capacity: "100000",
    },
    2,
    1,
    [[f.id("flatten")], []],
  );
  func(f, "flatten", "flatten", functionBody("flatten"), 3, 1, [[f.id("write")]]);
  f.node(
    "write",
    "influxdb batch",
    {
      influxdb: influx,
      precision: "ms",
      retentionPolicy: "",
      name: "write points",
      database: "jsscada",
      precisionV18FluxV20: "ms",
      retentionPolicyV18Flux: "",
      org: "",
      bucket: "",
    },
    4,
    1,
    [],
  );
  complete(f, "written", "batch written", [f.id("write")], 4, 2, [[f.id("queue")]]);
  retryAsNack(f, "write", "write failed", "InfluxDB write", [f.id("write")], f.id("queue"), 2, 3);
  return f;
}

function dashboard1Example() {
  const f = new Flow("09-dashboard-1").tab("tab", "Dashboard 1", DASHBOARD1_INFO);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "d1", 0);
  dashboard1(f, 5);
  return f;
}

const EX6 = {
  req: "M200",
  ack: "D1201",
  sequence: "D1202",
  tags: [
    { name: "partNo", address: "D1210" },
    { name: "weight", address: "D1211" },
  ],
};

const EX6_INFO = `The MES "data ready" handshake, stored safely before the PLC is told OK:

  PLC sets REQ (M200) → the node reads partNo/weight and the sequence word (D1202) → the disk queue
  commits the record → a Complete node on the queue acknowledges the transaction → the node writes
  ACK = 1 (OK) to D1201 → the PLC clears REQ → the node clears ACK.

Then the queue delivers the record to SQLite (node-red-node-sqlite, table "parts" in
jsscada-parts.db, created on first use): the insert node's output, sent once the insert committed,
goes back to the queue as its acknowledgement. A failed insert (database locked or read-only, disk
full) is caught and returned to the queue as a nack after 2 s, so the record is delivered again, never
lost; the sqlite node's error says why. If the database is down the records wait on disk (also across
a restart); if the queue cannot take a record the node writes ACK = 2 (NG) after the downstream
time-out and the PLC can retry. After a crash, a record the queue delivers twice is counted in
"deliveries", not stored twice; a REQ still high at start is handled (the PLC is waiting for its ACK),
and if that record was already stored it is kept with duplicate = 1.

The database file is relative to Node-RED's working directory: set an absolute path in the sqlitedb
config node for a service. Needs node-red-node-sqlite (Manage palette ▸ Install).

The second tab stands in for the PLC program, so the example runs against the simulator
(npx jsscada-mc sim): "new part" writes the data and sets REQ; a fast FIXED group watches ACK and
clears REQ when it is set. With a real PLC, delete that tab: its ladder program does the same.`;

function handshakeQueueExample() {
  const f = new Flow("06-plc-handshake-queue").tab("tab", "PLC handshake → queue → database", EX6_INFO);
  comment(f, "note", "REQ/ACK handshake → disk queue → database, each step acknowledged", EX6_INFO, 0, 0);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  // After a restart the PLC may still hold REQ for a record it was never acknowledged: read it.
  handshakeToDatabase(f, p, "ex6-parts", EX6, "ex6-parts", 1, { reqHighAtStart: "handle" });
  inject(f, "show-last", "show the last records", "", 0, 6, [[f.id("last")]]);
  lastParts(f, "last", 1, 6, [[f.id("last-debug")]]);
  debug(f, "last-debug", "last records", 5, 6);
  f.tab(
    "tab-plc",
    "PLC stand-in (delete with a real PLC)",
    "Sets REQ with a new part every 5 s, and clears REQ when ACK comes, as the PLC program would.\n" +
      "With a real PLC, delete this tab: its ladder program does the same.",
  );
  comment(
    f,
    "plc-note",
    "PLC stand-in (delete with a real PLC)",
    "Sets REQ with a new part every 5 s, and clears REQ when ACK comes, as the PLC program would.",
    0,
    0,
  );
  f.node(
    "new-part",
    "inject",
    {
      name: "new part every 5 s",
      props: [{ p: "payload" }],
      repeat: "5",
      crontab: "",
      once: true,
      onceDelay: "1",
      topic: "",
      payload: "",
      payloadType: "date",
    },
    0,
    7,
    [[f.id("part-data")]],
  );
  func(f, "part-data", "part record", functionBody("part-record"), 1, 7, [[f.id("write-data")]]);
  f.node(
    "write-data",
    "jsscada-write",
    {
      name: "write data",
      plc: p,
      tags: [
        { name: "seq", address: EX6.sequence },
        { name: "partNo", address: "D1210" },
        { name: "weight", address: "D1211" },
      ],
      allowMsgAddresses: false,
      allowList: "",
    },
    2,
    7,
    [[f.id("req-on")]],
  );
  change(f, "req-on", "REQ on", [{ t: "set", p: "payload", pt: "msg", to: "true", tot: "bool" }], 3, 7, [
    [f.id("write-req")],
  ]);
  f.node(
    "write-req",
    "jsscada-write",
    {
      name: "write REQ",
      plc: p,
      tags: [{ name: "req", address: EX6.req }],
      allowMsgAddresses: false,
      allowList: "",
    },
    4,
    8,
    [[]],
  );
  fixedGroup(
    f,
    "watch-ack",
    p,
    "ex6-plc-watch-ack",
    [
      { name: "ack", address: EX6.ack },
      { name: "req", address: EX6.req },
    ],
    200,
    "ms",
    2,
    9,
    [[f.id("clear-req")], []],
  );
  func(f, "clear-req", "ACK set → clear REQ", functionBody("clear-req"), 3, 9, [[f.id("write-req")]]);
  return f;
}

const EX7_INFO = `Store-and-forward: poll → disk queue → MQTT (QoS 1); the queue lets go of a message only when
the broker confirmed it (PUBACK), so nothing is lost while the broker or the network is down,
not even across a Node-RED restart.

- "add sequence number" numbers every message, so a subscriber can check that none is missing.
- The queue (disk, ack mode, 10 in flight, 5 s ack time-out) sends each message to mqtt out.
- mqtt out calls done() when the broker acknowledged a QoS 1 publish; the Complete node watching it
  sends the message back to the queue: that is the acknowledgement.
- While the broker is down mqtt out does not complete anything: the deliveries time out and are sent
  again, so after the broker is back every message arrives at least once (duplicates possible: the
  subscriber can drop repeated sequence numbers).

Set the broker in the mqtt-broker node (127.0.0.1:1883 here: e.g. Debian's mosquitto).`;

function mqttExample() {
  const f = new Flow("07-store-and-forward-mqtt").tab("tab", "Store-and-forward to MQTT", EX7_INFO);
  comment(f, "note", "poll → disk queue → MQTT QoS 1, acknowledged by a Complete node", EX7_INFO, 0, 0);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  fixedGroup(f, "poll", p, "mqtt-source", TAGS.fast, 1, "s", 0, 1, [[f.id("seq")], []]);
  func(f, "seq", "add sequence number", functionBody("add-sequence"), 1, 1, [[f.id("queue")]]);
  queue(
    f,
    "queue",
    "mqtt-buffer",
    { persistence: "disk", maxInFlight: "10", ackTimeout: "5", capacity: "100000", overflow: "drop-oldest" },
    2,
    1,
    [[f.id("mqtt")], [f.id("events")]],
  );
  debug(f, "events", "queue events", 3, 2, false);
  const broker = f.config("broker", "mqtt-broker", {
    name: "local broker",
    broker: "127.0.0.1",
    port: "1883",
    clientid: "",
    autoConnect: true,
    usetls: false,
    protocolVersion: "4",
    keepalive: "15",
    cleansession: true,
    autoUnsubscribe: true,
    birthTopic: "",
    birthQos: "0",
    birthRetain: "false",
    birthPayload: "",
    birthMsg: {},
    closeTopic: "",
    closeQos: "0",
    closeRetain: "false",
    closePayload: "",
    closeMsg: {},
    willTopic: "",
    willQos: "0",
    willRetain: "false",
    willPayload: "",
    willMsg: {},
    userProps: "",
    sessionExpiry: "",
  });
  f.node(
    "mqtt",
    "mqtt out",
    {
      name: "publish QoS 1",
      topic: "plant/line1/polling",
      qos: "1",
      retain: "false",
      respTopic: "",
      contentType: "",
      userProps: "",
      correl: "",
      expiry: "",
      broker,
    },
    3,
    1,
    [],
  );
  complete(f, "published", "broker acknowledged", [f.id("mqtt")], 2, 3, [[f.id("queue")]]);
  return f;
}

const EXAMPLES = {
  "01-quick-start-simulator": quickStart,
  "02-rest-api": restExample,
  "03-websocket-status-page": wsExample,
  "04-http-polling-page": httpPageExample,
  "05-dashboard-2": dashboardExample,
  "06-plc-handshake-queue-database": handshakeQueueExample,
  "07-store-and-forward-mqtt": mqttExample,
  "08-historian-influxdb": historianExample,
  "09-dashboard-1": dashboard1Example,
};

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

/** Every output file: path relative to the repository → its JSON text, formatted as `npm run lint` wants. */
async function outputs() {
  const prettier = require("prettier");
  const flows = {};
  for (const [name, build] of Object.entries(EXAMPLES))
    flows[`examples/${name}.json`] = checked(name, build().nodes);
  flows["demo/flow.json"] = checked("demo", require("./demo-flow").demoFlow(module.exports).nodes);
  const files = {};
  for (const [rel, nodes] of Object.entries(flows)) {
    const file = path.join(ROOT, rel);
    const options = (await prettier.resolveConfig(file)) || {};
    files[rel] = await prettier.format(JSON.stringify(nodes), { ...options, filepath: file });
  }
  return files;
}

module.exports = {
  Flow,
  SECURED,
  TAGS,
  comment,
  debug,
  inject,
  change,
  func,
  engineStatus,
  plc,
  fixedGroup,
  handshakeGroup,
  restApi,
  page,
  wsBroadcast,
  dashboard,
  recordsApi,
  queue,
  complete,
  handshakeToDatabase,
  EXAMPLES,
  outputs,
};

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

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
