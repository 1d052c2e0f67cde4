/**
 * examples/05-dashboard-2.json: the Dashboard 2 operator view.
 */
"use strict";
const { Flow, plc } = require("../builder");
const { DASHBOARD_INFO, dashboard } = require("../dashboard-2");
const { sampleGroups } = require("../demo-plc");

function dashboardExample() {
  const f = new Flow("05-dashboard").tab("tab", "Dashboard 2", DASHBOARD_INFO);
  const p = plc(f, "Simulator 127.0.0.1:5000");
  sampleGroups(f, p, "dash", 0);
  dashboard(f, 5);
  return f;
}

module.exports = dashboardExample;
