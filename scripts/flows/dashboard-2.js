/**
 * The Dashboard 2 (@flowfuse/node-red-dashboard) operator view at /dashboard/polling: commands, queue
 * gauge, PLC load table, groups table, trends, command answers, and optionally the last records.
 * Over 400 lines: most of it is the widgets' full property sets, as the dashboard's editor saves them.
 */
"use strict";
const { comment, engineStatus, func, functionBody, inject } = require("./builder");
const { lastParts } = require("./database");

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
    functionBody("dashboard-trigger-all", { __GROUPS__: "groups" }),
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

module.exports = { DASHBOARD_INFO, SERIES_COLOURS, dashboard };
