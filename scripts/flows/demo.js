/**
 * demo/flow.json, the `npm start` demo flow: the example building blocks on one runtime, around
 * one PLC whose host and port come from ${PLC_HOST} / ${PLC_PORT} (set by scripts/start.js: the
 * built-in simulator, or a real PLC).
 */
"use strict";
const { Flow, comment, debug, fixedGroup, handshakeGroup, inject, plc } = require("./builder");
const { dashboard } = require("./dashboard-2");
const { handshakeToDatabase } = require("./database");
const { DEMO_HANDSHAKE, TAGS } = require("./demo-plc");
const { page, recordsApi, restApi, wsBroadcast } = require("./web");

function demoFlow() {
  const f = new Flow("demo");
  f.tab(
    "tab-plc",
    "Demo: PLC and groups",
    "The demo PLC is ${PLC_HOST}:${PLC_PORT}: the simulator started by `npm start`, or the PLC named by\n" +
      "PLC_HOST/PLC_PORT when you start it with them.",
  );
  comment(
    f,
    "note",
    "npm start: simulator + this flow (rewritten from demo/ at every start)",
    "scripts/start.js writes this flow to .node-red/flows.json at every start, so edits made in the\n" +
      "editor last until the next `npm start` (DEMO_KEEP_FLOW=1 keeps them). Three FIXED groups (1 s, 5 s,\n" +
      "10 s), a HANDSHAKE group polled on demand (message trigger) and a HANDSHAKE group driven by the\n" +
      "PLC's REQ/ACK handshake: the simulator's PLC program sets REQ (M100) every few seconds with a new\n" +
      "part record; the node reads it, passes it on and writes ACK (D1101).",
    0,
    0,
  );
  const plcId = plc(f, "Demo PLC", "${PLC_HOST}", "${PLC_PORT}");
  const dbg = debug(f, "data", "group data", 2, 2, false);
  fixedGroup(f, "fast", plcId, "fast-1s", TAGS.fast, 1, "s", 1, 1, [[dbg], []]);
  fixedGroup(f, "medium", plcId, "medium-5s", TAGS.slow, 5, "s", 1, 2, [[dbg], []]);
  fixedGroup(
    f,
    "slow",
    plcId,
    "slow-10s",
    [
      { name: "walk", address: "D2" },
      { name: "slowCounter", address: "D10:uint16" },
    ],
    10,
    "s",
    1,
    3,
    [[dbg], []],
  );
  inject(f, "recipe-timer", "every 30 s", "", 0, 4, [[f.id("recipe")]], "30");
  handshakeGroup(f, "recipe", plcId, "recipe-on-demand", TAGS.recipe, { trigger: "message" }, 1, 4, [
    [dbg],
    [f.id("rejected")],
    [],
  ]);
  debug(f, "rejected", "rejected triggers", 2, 5);
  comment(
    f,
    "hs-note",
    "PLC REQ/ACK → disk queue → SQLite (as examples/06)",
    "The simulator's PLC program sets REQ (M100) every 3 s with a part record; ACK (D1101) is written\n" +
      "once the record is on disk in the queue, and the queue lets go of it once the insert into the SQLite\n" +
      "table committed (node-red-node-sqlite); a failed insert is retried after 2 s.",
    0,
    6,
  );
  // The simulator's program may have set REQ before Node-RED started: handle it rather than wait.
  handshakeToDatabase(f, plcId, "plc-report", DEMO_HANDSHAKE, "parts-to-database", 7, {
    reqHighAtStart: "handle",
  });
  comment(
    f,
    "records-note",
    "GET /api/parts/last: the last 10 records of the parts table, as JSON",
    "The parts table lives in jsscada-parts.db in the user directory (Node-RED's working directory).",
    0,
    12,
  );
  recordsApi(f, 13);
  f.tab("tab-rest", "REST API", "The 10 REST endpoints of examples/02-rest-api.json.");
  restApi(f, 0);

  f.tab("tab-ws", "WebSocket + page", "examples/03-websocket-status-page.json: /ws/polling and /polling-ws.");
  wsBroadcast(f, 0);
  page(f, "page-ws", "/polling-ws", "ws", 0, 4);
  page(f, "page-http", "/polling", "http", 0, 5);

  f.tab("tab-dash", "Dashboard 2", "examples/05-dashboard-2.json: /dashboard/polling.");
  dashboard(f, 0, { records: true });
  return f;
}

module.exports = demoFlow;
