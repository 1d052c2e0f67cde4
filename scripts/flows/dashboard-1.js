/**
 * The Dashboard 1 (node-red-dashboard 3.6) operator view at /ui: the same as the Dashboard 2 one, with
 * the groups and PLC tables as ui_templates.
 */
"use strict";
const { comment, engineStatus, func, functionBody } = require("./builder");
const { SERIES_COLOURS } = require("./dashboard-2");

const DASHBOARD1_INFO = `Needs node-red-dashboard (Dashboard 1, 3.6): Manage palette ▸ Install, or
npm install node-red-dashboard in the Node-RED user directory. It is not a dependency of this package.
Dashboard 1 is deprecated (June 2024) but still runs most operator screens; it can be installed beside
Dashboard 2 (it serves /ui, Dashboard 2 /dashboard). The view is at http://<node-red>/ui.

The same operator view as examples/05: Start All / Stop All / Refresh / Trigger HANDSHAKE groups, the
PLC load table (busy yellow from 70 %, red from 90 %), the groups table with Start/Stop/Trigger per row (a ui_template), the queue gauge (green, yellow from 70 %,
red from 90 %) with its warning, the success-rate and poll-time charts, and command answers as toasts.`;

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
    functionBody("dashboard-trigger-all", { __GROUPS__: "d1Groups" }),
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

module.exports = { DASHBOARD1_INFO, dashboard1 };
