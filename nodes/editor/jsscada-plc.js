/* The jsscada-plc node's editor definition (its dialog template and help stay in jsscada-plc.html). */
(function () {
  function intOrBlank(min, max) {
    return function (v) {
      if (v === "" || v === undefined) return true;
      var n = Number(v);
      return Number.isFinite(n) && n >= min && n <= max;
    };
  }
  RED.nodes.registerType("jsscada-plc", {
    category: "config",
    icon: "jsscada-plc.svg",
    defaults: {
      // Config shape; the runtime migrates nodes saved without it or with an older one (nodes/shared/migrations.ts).
      version: { value: 1 },
      name: { value: "" },
      host: { value: "127.0.0.1", required: true },
      port: {
        value: "5000",
        required: true,
        validate: function (v) {
          return (
            /^\$\{\w+\}$/.test(v) || (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 65535)
          );
        },
      },
      transport: { value: "tcp" },
      frame: { value: "3E" },
      encoding: { value: "binary" },
      series: { value: "ql" },
      zrHex: { value: false },
      octalXY: { value: true },
      network: { value: "0", validate: intOrBlank(0, 255) },
      pc: { value: "255", validate: intOrBlank(0, 255) },
      moduleIo: { value: "1023", validate: intOrBlank(0, 65535) },
      station: { value: "0", validate: intOrBlank(0, 255) },
      connections: { value: "1", validate: intOrBlank(1, 64) },
      connectTimeout: { value: "5000", validate: intOrBlank(100, 600000) },
      requestTimeout: { value: "3000", validate: intOrBlank(50, 600000) },
      monitoringTimer: { value: "", validate: intOrBlank(0, 65535) },
      backoffInitial: { value: "500", validate: intOrBlank(10, 3600000) },
      backoffMax: { value: "30000", validate: intOrBlank(10, 3600000) },
      backoffJitter: { value: "0.2", validate: intOrBlank(0, 1) },
      demoteAfter: { value: "3", validate: intOrBlank(0, 1000) },
      demoteFor: { value: "10000", validate: intOrBlank(0, 3600000) },
      minInterval: { value: "0", validate: intOrBlank(0, 60000) },
    },
    label: function () {
      return (
        this.name || this.host + ":" + this.port + " " + this.frame + (this.transport === "udp" ? "/UDP" : "")
      );
    },
    oneditprepare: function () {
      function toggleOctal() {
        var octal =
          $("#node-config-input-series").val() === "iqf" || $("#node-config-input-frame").val() === "1E";
        $(".jsscada-iqf-only").toggle(octal);
      }
      $("#node-config-input-series").on("change", toggleOctal);
      $("#node-config-input-frame").on("change", toggleOctal);
      toggleOctal();
      // Two PLC nodes with one name are told apart by id only: say so while the name is typed.
      var me = this;
      function checkName() {
        var name =
          $("#node-config-input-name").val().trim() ||
          $("#node-config-input-host").val() + ":" + $("#node-config-input-port").val();
        var same = 0;
        RED.nodes.eachConfig(function (n) {
          if (n.type === "jsscada-plc" && n.id !== me.id && (n.name || n.host + ":" + n.port) === name)
            same++;
        });
        $("#jsscada-plc-duplicate-name")
          .text(same ? me._("jsscada-plc.warning.duplicateName", { count: same }) : "")
          .toggle(same > 0);
      }
      $("#node-config-input-name, #node-config-input-host, #node-config-input-port").on(
        "input change",
        checkName,
      );
      checkName();
    },
  });
})();
