/* The jsscada-engine-status node's editor definition (its dialog template and help stay in jsscada-engine-status.html). */
RED.nodes.registerType("jsscada-engine-status", {
  category: "jsscada",
  color: "#8FB3D9",
  defaults: {
    // Config shape; the runtime migrates nodes saved without it or with an older one (nodes/shared/migrations.ts).
    version: { value: 1 },
    name: { value: "" },
    interval: {
      value: "1",
      validate: function (v) {
        return v === "" || Number(v) >= 0;
      },
    },
    // New nodes are secure by default; flows saved before this setting existed keep "none".
    auth: { value: "token" },
    tokenEnv: {
      value: "POLLING_API_TOKEN",
      validate: function (v) {
        return v === "" || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v);
      },
    },
    websocket: { value: "", type: "websocket-listener", required: false },
  },
  inputs: 1,
  outputs: 1,
  icon: "jsscada-engine.svg",
  paletteLabel: function () {
    return this._("jsscada-engine-status.paletteLabel");
  },
  label: function () {
    return this.name || this._("jsscada-engine-status.paletteLabel");
  },
  oneditprepare: function () {
    var node = this;
    if (node.auth === undefined) $("#node-input-auth").val("none");
    $("#node-input-auth")
      .on("change", function () {
        $(".jsscada-token-row").toggle($(this).val() === "token");
      })
      .trigger("change");
  },
});
