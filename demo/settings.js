/**
 * Node-RED settings for the `npm start` demo (scripts/start.js embeds Node-RED with them).
 * Bound to 127.0.0.1 and without authentication: a local demo, never a production runtime.
 */
"use strict";

module.exports = function demoSettings({ userDir, flowFile = "flows.json" }) {
  return {
    userDir,
    flowFile,
    uiHost: "127.0.0.1",
    httpAdminRoot: "/",
    httpNodeRoot: "/",
    // The demo has no credentials; a fixed key avoids the "generated key" warning on every start.
    credentialSecret: "jsscada-demo",
    flowFilePretty: true,
    // The editor's stop/start-flows button (and POST /flows/state), used by the browser tests to cut
    // the WebSocket and watch the page reconnect.
    runtimeState: { enabled: true, ui: true },
    diagnostics: { enabled: true, ui: false },
    telemetry: { enabled: false },
    editorTheme: {
      tours: false,
      // Off, Node-RED's default: an explicit `enabled: false` (or no `projects`) warns at every start.
      projects: {},
      page: { title: "jsscada polling engine demo" },
      header: { title: "jsscada polling engine demo" },
    },
    logging: { console: { level: process.env.DEMO_LOG_LEVEL || "info", metrics: false, audit: false } },
    functionExternalModules: false,
    // Running groups allowed at once (the engine refuses more with 429).
    jsscada: { maxGroups: Number(process.env.JSSCADA_MAX_GROUPS) || 10 },
  };
};
