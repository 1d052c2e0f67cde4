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
        var me = this;
        var dup = false;
        RED.nodes.eachNode(function (n) {
          if (
            n.id !== me.id &&
            (n.type === "jsscada-poll-fixed" || n.type === "jsscada-poll-handshake") &&
            n.group === v
          )
            dup = true;
        });
        return Boolean(String(v || "").trim()) && !dup;
      },
    },
    tags: {
      value: [{ name: "counter", address: "D0" }],
      validate: function (v) {
        return window.jsscadaEditor
          ? window.jsscadaEditor.tagsLookValid(v, this)
          : Array.isArray(v) && v.length > 0;
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
  paletteLabel: "poll fixed",
  label: function () {
    return this.name || this.group || "poll fixed";
  },
  outputLabels: ["data", "command replies"],
  inputLabels: "commands",
  oneditprepare: function () {
    var node = this;
    var problems = $("#node-input-tags-problems");
    this._tagTable = window.jsscadaEditor.tagTable(
      $("#node-input-tags-list"),
      this.tags,
      function () {
        return $("#node-input-plc").val();
      },
      function (list) {
        problems.text(list.length ? list.length + " problem(s): " + list.join("; ") : "");
      },
    );
    $("#node-input-plc").on("change", function () {
      node._tagTable.refresh();
    });
  },
  oneditsave: function () {
    this.tags = this._tagTable.rows();
    this._tagProblems = this._tagTable.problems();
  },
  oneditresize: function (size) {
    window.jsscadaEditor.resizeTagList(size);
  },
});
