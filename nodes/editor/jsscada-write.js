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
          var ok = window.jsscadaEditor ? window.jsscadaEditor.tagsLookValid(v, this) : Array.isArray(v);
          // No tags is fine only when messages may name addresses.
          return (
            ok &&
            (v.length > 0 || $("#node-input-allowMsgAddresses").is(":checked") || this.allowMsgAddresses)
          );
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
    paletteLabel: "write",
    label: function () {
      return this.name || "write";
    },
    inputLabels: function () {
      return this._("jsscada-write.inputLabel");
    },
    outputLabels: function () {
      return this._("jsscada-write.outputLabel");
    },
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
      $("#node-input-allowMsgAddresses")
        .on("change", function () {
          $(".jsscada-write-allow").toggle($(this).is(":checked"));
        })
        .trigger("change");
      // Each allow-list end is checked by the runtime's parser as you type.
      var hint = $("#jsscada-write-allow-problem");
      $("#node-input-allowList").on("change keyup", function () {
        var ends = [];
        String($(this).val() || "")
          .split(/[,;\n]/)
          .forEach(function (e) {
            e.split("-").forEach(function (a) {
              if (a.trim()) ends.push(a.trim());
            });
          });
        if (!ends.length) return hint.text("");
        window.jsscadaEditor.validateRemote(ends, $("#node-input-plc").val(), function (errors) {
          hint.text(errors.filter(Boolean).join("; "));
        });
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
})();
