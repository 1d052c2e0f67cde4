/**
 * The web blocks: the REST API (10 endpoints on core nodes and the engine-status node), the WebSocket
 * status broadcast, the management page (demo/pages/polling.html) and the last-records endpoint.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { SECURED, change, comment, engineStatus, func, functionBody, setTopic } = require("./builder");
const { lastParts } = require("./database");

const PAGE = fs.readFileSync(path.join(__dirname, "..", "..", "demo", "pages", "polling.html"), "utf8");

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

const SAME_ROUTES = `Examples 02 and 04 both define the /api/polling/* routes (04's page reads them): import one
of them, or delete one copy of the REST nodes before deploying both, or Node-RED answers each route
from whichever flow registered it first.`;

module.exports = { REST_INFO, SAME_ROUTES, WS_INFO, restApi, page, wsBroadcast, recordsApi };
