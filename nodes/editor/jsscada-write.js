/* The jsscada-write node's editor definition (its dialog template and help stay in jsscada-write.html). */
(function () {
  // Allow-list entries: ADDRESS or ADDRESS-ADDRESS, separated by commas, semicolons or new lines.
  var ENTRY = /^[A-Za-z]{1,4}[0-9A-Fa-f]+(:[A-Za-z0-9()]+)?(\s*-\s*[A-Za-z]{1,4}[0-9A-Fa-f]+)?$/;
  function allowListLooksValid(text) {
    return String(text || "")
      .split(/[,;\n]/)
      .map(function (e) {
        return e.trim();
      })
      .filter(Boolean)
      .every(function (e) {
        return ENTRY.test(e);
      });
  }

  RED.nodes.registerType("jsscada-write", {
    category: "jsscada",
    color: "#C7D8E8",
    defaults: {
      // Config shape; the runtime migrates nodes saved without it or with an older one (nodes/shared/migrations.ts).
      version: { value: 1 },
      name: { value: "" },
      plc: { value: "", type: "jsscada-plc", required: true },
      tags: {
        value: [{ name: "setpoint", address: "D100" }],
        validate: function (v) {
          // No tags is fine only when messages may name addresses.
          if (Array.isArray(v) && v.length === 0)
            return $("#node-input-allowMsgAddresses").is(":checked") || Boolean(this.allowMsgAddresses);
          return window.jsscadaEditor.tagsLookValid(v, this);
        },
      },
      allowMsgAddresses: { value: false },
      allowList: {
        value: "",
        validate: function (v) {
          return allowListLooksValid(v);
        },
      },
    },
    inputs: 1,
    outputs: 1,
    align: "right",
    icon: "jsscada-write.svg",
    paletteLabel: function () {
      return this._("jsscada-write.defaultName");
    },
    label: function () {
      return this.name || this._("jsscada-write.defaultName");
    },
    inputLabels: function () {
      return this._("jsscada-write.inputLabel");
    },
    outputLabels: function () {
      return this._("jsscada-write.outputLabel");
    },
    oneditprepare: function () {
      window.jsscadaEditor.openTagTable(this);
      $("#node-input-allowMsgAddresses")
        .on("change", function () {
          $(".jsscada-write-allow").toggle($(this).is(":checked"));
        })
        .trigger("change");
      // Each allow-list end is checked by the runtime's parser as you type.
      window.jsscadaEditor.checkAddressesAsTyped(
        $("#node-input-allowList"),
        $("#jsscada-write-allow-problem"),
        function (text) {
          var ends = [];
          text.split(/[,;\n]/).forEach(function (e) {
            e.split("-").forEach(function (a) {
              if (a.trim()) ends.push(a.trim());
            });
          });
          return ends;
        },
      );
    },
    oneditsave: function () {
      window.jsscadaEditor.saveTagTable(this);
    },
    oneditresize: function (size) {
      window.jsscadaEditor.resizeTagList(size);
    },
  });
})();
