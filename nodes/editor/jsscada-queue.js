/* The jsscada-queue node's editor definition (its dialog template and help stay in jsscada-queue.html). */
(function () {
  function blankOr(test) {
    return function (v) {
      return v === "" || v === undefined || test(Number(v));
    };
  }
  function positiveInt(n) {
    return Number.isInteger(n) && n > 0;
  }
  function percent(n) {
    return n >= 0 && n <= 100;
  }

  RED.nodes.registerType("jsscada-queue", {
    category: "jsscada",
    color: "#8FB3D9",
    defaults: {
      // Config shape; the runtime migrates nodes saved without it or with an older one (nodes/shared/migrations.ts).
      version: { value: 1 },
      name: {
        value: "",
        required: true,
        validate: function (v) {
          return window.jsscadaEditor.uniqueName(this, "name", ["jsscada-queue"], v);
        },
      },
      capacity: { value: "10000", required: true, validate: blankOr(positiveInt) },
      maxBytes: { value: "", validate: blankOr(positiveInt) },
      overflow: {
        value: "reject",
        validate: function (v) {
          return ["drop-oldest", "drop-newest", "reject"].indexOf(v) >= 0;
        },
      },
      mode: {
        value: "ack",
        validate: function (v) {
          return ["ack", "rate", "pull"].indexOf(v) >= 0;
        },
      },
      maxInFlight: { value: "1", validate: blankOr(positiveInt) },
      ackTimeout: {
        value: "30",
        validate: blankOr(function (n) {
          return n >= 0;
        }),
      },
      rate: {
        value: "10",
        validate: function (v) {
          return this.mode !== "rate" || Number(v) > 0;
        },
      },
      requireAck: { value: false },
      batchSize: {
        value: "",
        validate: blankOr(function (n) {
          return Number.isInteger(n) && n >= 0;
        }),
      },
      batchTime: {
        value: "",
        validate: blankOr(function (n) {
          return n >= 0;
        }),
      },
      persistence: {
        value: "memory",
        validate: function (v) {
          return v === "memory" || v === "disk";
        },
      },
      moveCorrupt: { value: false },
      warn: {
        value: "70",
        validate: function (v) {
          var alarm = this.alarm === undefined || this.alarm === "" ? 90 : Number(this.alarm);
          return blankOr(percent)(v) && Number(v === "" ? 70 : v) <= alarm;
        },
      },
      alarm: { value: "90", validate: blankOr(percent) },
      hysteresis: { value: "5", validate: blankOr(percent) },
    },
    inputs: 1,
    outputs: 2,
    icon: "jsscada-queue.svg",
    paletteLabel: function () {
      return this._("jsscada-queue.paletteLabel");
    },
    label: function () {
      return this.name || this._("jsscada-queue.paletteLabel");
    },
    labelStyle: function () {
      return this.name ? "node_label_italic" : "";
    },
    inputLabels: function () {
      return this._("jsscada-queue.inputLabel");
    },
    outputLabels: function (i) {
      return this._("jsscada-queue.outputs." + ["deliveries", "events"][i]);
    },
    oneditprepare: function () {
      function showMode() {
        var mode = $("#node-input-mode").val();
        $(".jsscada-queue-rate").toggle(mode === "rate");
        $(".jsscada-queue-require-ack").toggle(mode !== "ack");
        var acks = mode === "ack" || $("#node-input-requireAck").is(":checked");
        $(".jsscada-queue-acks").toggle(acks);
      }
      function showPersistence() {
        $(".jsscada-queue-disk").toggle($("#node-input-persistence").val() === "disk");
      }
      $("#node-input-mode").on("change", showMode);
      $("#node-input-requireAck").on("change", showMode);
      $("#node-input-persistence").on("change", showPersistence);
      showMode();
      showPersistence();
    },
  });
})();
