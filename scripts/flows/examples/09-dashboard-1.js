/**
 * examples/09-dashboard-1.json: the Dashboard 1 operator view.
 */
"use strict";
const { Flow, plc } = require("../builder");
const { DASHBOARD1_INFO, dashboard1 } = require("../dashboard-1");
const { sampleGroups } = require("../demo-plc");

function dashboard1Example() {
  const f = new Flow("09-dashboard-1").tab("tab", "Dashboard 1", DASHBOARD1_INFO);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "d1", 0);
  dashboard1(f, 5);
  return f;
}

module.exports = dashboard1Example;
