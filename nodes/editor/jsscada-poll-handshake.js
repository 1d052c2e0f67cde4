/* The jsscada-poll-handshake node's editor definition (its dialog template and help stay in jsscada-poll-handshake.html). */
(function () {
  var TYPE = "jsscada-poll-handshake";
  function intIn(min, max, blankOk) {
    return function (v) {
      if (blankOk && String(v == null ? "" : v).trim() === "") return true;
      var n = Number(v);
      return String(v).trim() !== "" && Number.isInteger(n) && n >= min && n <= max;
    };
  }
  function plcMode(node) {
    var sel = $("#node-input-trigger");
    return (sel.length ? sel.val() : node.trigger) === "plc";
  }
  // Handshake addresses: required only in PLC mode, checked with the same local rules as the tag table.
  function address(required) {
    return function (v) {
      if (!plcMode(this)) return true;
      var text = String(v || "").trim();
      if (!text) return !required;
      return window.jsscadaEditor.tagsLookValid([{ name: "x", address: text }]);
    };
  }
  function plcOnly(check) {
    return function (v) {
      return !plcMode(this) || check.call(this, v);
    };
  }
  // The OK/NG codes must fit the word that receives them: the ACK word, or the result word of a bit ACK.
  var RANGES = {
    int16: [-32768, 32767],
    uint16: [0, 65535],
    int32: [-2147483648, 2147483647],
    uint32: [0, 4294967295],
  };
  var WORD_DEVICES = /^(D|W|R|ZR|SD|SW|TN|CN|SN|STN|Z|LZ|RD|LTN|LCN|LSTN)$/i;
  function field(node, name) {
    var input = $("#node-input-" + name);
    return String((input.length ? input.val() : node[name]) || "").trim();
  }
  function codeRange(node) {
    var parse = function (address) {
      var m = /^([A-Za-z]+)[0-9A-Fa-f]+(?::([a-z0-9]+))?$/.exec(address);
      if (!m || !WORD_DEVICES.test(m[1])) return undefined;
      return RANGES[(m[2] || "int16").toLowerCase()];
    };
    return parse(field(node, "ack")) || parse(field(node, "result"));
  }
  function codeFits(v) {
    if (!intIn(-2147483648, 4294967295)(v)) return false;
    var range = codeRange(this);
    return !range || (Number(v) >= range[0] && Number(v) <= range[1]);
  }
  function messageOnly(check) {
    return function (v) {
      return plcMode(this) || check(v);
    };
  }

  RED.nodes.registerType("jsscada-poll-handshake", {
    category: "jsscada",
    color: "#A6BBCF",
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
      trigger: {
        value: "message",
        validate: function (v) {
          return v === "message" || v === "plc";
        },
      },
      autoStart: { value: true },
      payloadFormat: {
        value: "object",
        validate: function (v) {
          return v === "object" || v === "array";
        },
      },
      dedup: { value: "1000", validate: messageOnly(intIn(0, 3600000)) },
      concurrency: {
        value: "coalesce",
        validate: function (v) {
          return v === "coalesce" || v === "queue";
        },
      },
      maxPending: { value: "100", validate: messageOnly(intIn(1, 100000)) },
      req: { value: "", validate: address(true) },
      ack: { value: "", validate: address(true) },
      result: { value: "", validate: address(false) },
      sequence: { value: "", validate: address(false) },
      okValue: { value: "1", validate: plcOnly(codeFits) },
      ngValue: { value: "2", validate: plcOnly(codeFits) },
      watchInterval: { value: "100", validate: plcOnly(intIn(10, 3600000)) },
      stepTimeout: { value: "5000", validate: plcOnly(intIn(1, 3600000)) },
      reqClearTimeout: { value: "10000", validate: plcOnly(intIn(1, 3600000)) },
      ackAfterDownstream: { value: false },
      downstreamTimeout: { value: "10000", validate: plcOnly(intIn(1, 3600000)) },
      reqHighAtStart: {
        value: "ignore",
        validate: function (v) {
          return v === "ignore" || v === "handle";
        },
      },
    },
    inputs: 1,
    outputs: 3,
    icon: "jsscada-poll-handshake.svg",
    paletteLabel: function () {
      return this._("jsscada-poll-handshake.paletteLabel");
    },
    label: function () {
      return this.name || this.group || this._("jsscada-poll-handshake.paletteLabel");
    },
    inputLabels: function () {
      return this._("jsscada-poll-handshake.inputLabel");
    },
    outputLabels: function (i) {
      return this._("jsscada-poll-handshake.outputs." + ["data", "rejected", "replies"][i]);
    },
    button: {
      enabled: function () {
        return !this.changed;
      },
      onclick: function () {
        if (this.changed) {
          return RED.notify(
            RED._("notification.warning", { message: RED._("notification.warnings.undeployedChanges") }),
            "warning",
          );
        }
        var node = this; // RED._ alone would not find the node's own catalog
        var label = this.name || this.group;
        $.ajax({
          url: TYPE + "/" + this.id + "/trigger",
          type: "POST",
          success: function () {
            RED.notify(node._("jsscada-poll-handshake.triggered", { label: label }), {
              type: "success",
              id: TYPE,
              timeout: 2000,
            });
          },
          error: function (jqXHR, textStatus) {
            var text = jqXHR.status === 404 ? node._("jsscada-poll-handshake.notDeployed") : textStatus;
            RED.notify(node._("jsscada-poll-handshake.triggerFailed", { error: text }), "error");
          },
        });
      },
    },
    oneditprepare: function () {
      window.jsscadaEditor.openTagTable(this);
      $("#node-input-trigger")
        .on("change", function () {
          var plc = $(this).val() === "plc";
          $(".jsscada-hs-message").toggle(!plc);
          $(".jsscada-hs-plc").toggle(plc);
        })
        .trigger("change");
      $("#node-input-ackAfterDownstream")
        .on("change", function () {
          $(".jsscada-hs-downstream").toggle($(this).is(":checked"));
        })
        .trigger("change");
      // Handshake addresses are checked by the runtime's parser as you type, like the tag table.
      ["req", "ack", "result", "sequence"].forEach(function (field) {
        window.jsscadaEditor.checkAddressesAsTyped(
          $("#node-input-" + field),
          $("#jsscada-hs-" + field + "-problem"),
          function (text) {
            return text.trim() ? [text.trim()] : [];
          },
        );
      });
    },
    oneditsave: function () {
      window.jsscadaEditor.saveTagTable(this);
    },
    oneditresize: function (size) {
      window.jsscadaEditor.resizeTagList(size);
    },
  });
})();
