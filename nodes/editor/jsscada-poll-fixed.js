/* The jsscada-poll-fixed node's editor definition (its dialog template and help stay in jsscada-poll-fixed.html). */
RED.nodes.registerType("jsscada-poll-fixed", {
  category: "jsscada",
  color: "#8FB3D9",
  defaults: {
    // Config shape; the runtime migrates nodes saved without it or with an older one (nodes/shared/migrations.ts).
    version: { value: 1 },
    name: { value: "" },
    plc: { value: "", type: "jsscada-plc", required: true },
    group: {
      value: "",
      required: true,
      validate: function (v) {
        return window.jsscadaEditor.groupNameValid(this, v);
      },
    },
    tags: {
      value: [{ name: "counter", address: "D0" }],
      validate: function (v) {
        return window.jsscadaEditor.tagsLookValid(v, this);
      },
    },
    interval: {
      value: "1",
      required: true,
      validate: function (v) {
        return Number(v) > 0;
      },
    },
    intervalUnit: { value: "s" },
    autoStart: { value: true },
    payloadFormat: { value: "object" },
    changedOnly: { value: false },
    shareReads: { value: true },
  },
  inputs: 1,
  outputs: 2,
  icon: "jsscada-poll-fixed.svg",
  paletteLabel: function () {
    return this._("jsscada-poll-fixed.paletteLabel");
  },
  label: function () {
    return this.name || this.group || this._("jsscada-poll-fixed.paletteLabel");
  },
  outputLabels: function (i) {
    return this._("jsscada-poll-fixed.outputs." + ["data", "replies"][i]);
  },
  inputLabels: function () {
    return this._("jsscada-poll-fixed.inputLabel");
  },
  oneditprepare: function () {
    window.jsscadaEditor.openTagTable(this);
  },
  oneditsave: function () {
    window.jsscadaEditor.saveTagTable(this);
  },
  oneditresize: function (size) {
    window.jsscadaEditor.resizeTagList(size);
  },
});
