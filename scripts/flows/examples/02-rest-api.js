/**
 * examples/02-rest-api.json: the REST API on core nodes, around the sample groups.
 */
"use strict";
const { Flow, plc } = require("../builder");
const { sampleGroups } = require("../demo-plc");
const { REST_INFO, SAME_ROUTES, restApi } = require("../web");

function restExample() {
  const f = new Flow("02-rest-api").tab("tab", "REST API", `${REST_INFO}\n\n${SAME_ROUTES}`);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "rest", 0);
  restApi(f, 5);
  return f;
}

module.exports = restExample;
