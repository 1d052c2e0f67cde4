/**
 * examples/03-websocket-status-page.json: the WebSocket status broadcast and the live page.
 */
"use strict";
const { Flow, comment, plc } = require("../builder");
const { sampleGroups } = require("../demo-plc");
const { WS_INFO, page, wsBroadcast } = require("../web");

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

module.exports = wsExample;
