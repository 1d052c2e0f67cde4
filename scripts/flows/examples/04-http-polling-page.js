/**
 * examples/04-http-polling-page.json: the management page refreshed from the REST API.
 */
"use strict";
const { Flow, comment, plc } = require("../builder");
const { sampleGroups } = require("../demo-plc");
const { SAME_ROUTES, page, restApi } = require("../web");

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

module.exports = httpPageExample;
