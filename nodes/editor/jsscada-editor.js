/*
 * Shared editor code for the jsscada nodes: the tag table with addresses validated as you type, and
 * the checks and dialog steps several nodes have in common. Each node's .html that needs it loads it
 * (a palette may disable any one node set); it runs once. Node-RED runs a node set's scripts in no set
 * order but finishes them all before it validates or opens a node, so the node files call into
 * `window.jsscadaEditor` only from their `validate` and `onedit…` functions.
 */
(function () {
  "use strict";
  if (window.jsscadaEditor) return;

  /**
   * This file's texts, from the poll-fixed node's catalog (Node-RED gives each node set its own catalog,
   * and RED._ alone looks only in the editor's). The key itself shows if that node set is disabled.
   */
  function text(key, params) {
    var def = RED.nodes.getType("jsscada-poll-fixed");
    return def ? def._("jsscada-poll-fixed.editor." + key, params) : key;
  }

  /** The node types whose `group` names a polling group: one name, one group in the engine. */
  var GROUP_NODE_TYPES = ["jsscada-poll-fixed", "jsscada-poll-handshake"];

  /**
   * For a `validate`: `value` is not blank and no other node of `types` has it as its `field` (group and
   * queue names are the keys the engine and the commands find them by).
   */
  function uniqueName(node, field, types, value) {
    var taken = false;
    RED.nodes.eachNode(function (n) {
      if (n.id !== node.id && types.indexOf(n.type) >= 0 && n[field] === value) taken = true;
    });
    return Boolean(String(value || "").trim()) && !taken;
  }

  /** For a poll node's `group` validate: named, and no other poll node uses the name. */
  function groupNameValid(node, value) {
    return uniqueName(node, "group", GROUP_NODE_TYPES, value);
  }

  function plcOptions(plcId) {
    var plc = plcId && RED.nodes.node(plcId);
    return {
      series: (plc && plc.series) || "ql",
      encoding: (plc && plc.encoding) || "binary",
      zrHex: String(Boolean(plc && plc.zrHex)),
      octalXY: String(Boolean(plc && (plc.series === "iqf" || plc.frame === "1E") && plc.octalXY !== false)),
      frame: (plc && plc.frame) || "3E",
    };
  }

  function validateRemote(addresses, plcId, callback) {
    var body = Object.assign({ addresses: addresses }, plcOptions(plcId));
    $.ajax({
      url: "jsscada/validate-tags",
      method: "POST",
      contentType: "application/json",
      data: JSON.stringify(body),
      success: function (res) {
        callback(res.errors || []);
      },
      error: function () {
        callback(
          addresses.map(function () {
            return null;
          }),
        );
      },
    });
  }

  /**
   * Row problems known without the server: empty or duplicate names, empty addresses, a negative
   * deadband. Each is {field, text}, null for a good row.
   */
  function localProblems(rows) {
    var seen = {};
    return rows.map(function (r) {
      var name = String(r.name || "").trim();
      if (!name) return { field: "name", text: text("nameEmpty") };
      if (seen[name]) return { field: "name", text: text("duplicateName", { name: name }) };
      seen[name] = true;
      if (!String(r.address || "").trim()) return { field: "address", text: text("addressEmpty") };
      if (r.deadband !== undefined && r.deadband !== "" && !(Number(r.deadband) >= 0))
        return { field: "deadband", text: text("deadbandNegative") };
      return null;
    });
  }

  function rowProblem(index, problem) {
    return text("row", { row: index + 1, problem: problem });
  }

  /**
   * Builds the tag table (name, address, deadband) in `container`; returns {rows(), validateAll()}.
   * Each address is checked by the runtime's own parser, so the editor and deploy agree.
   */
  function tagTable(container, tags, getPlcId, onProblems) {
    var timer = null;
    var lastProblems = [];
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var items = container.editableList("items");
        var rows = [];
        items.each(function () {
          rows.push(readRow($(this)));
        });
        var local = localProblems(rows);
        validateRemote(
          rows.map(function (r) {
            return r.address;
          }),
          getPlcId(),
          function (remote) {
            var problems = [];
            items.each(function (i) {
              var own = local[i];
              var msg = (own && own.text) || remote[i] || null;
              var row = $(this);
              row.find(".jsscada-tag-address").toggleClass("input-error", Boolean(remote[i]));
              row
                .find(".jsscada-tag-name")
                .toggleClass("input-error", Boolean(own && !remote[i] && own.field === "name"));
              row.find(".jsscada-tag-problem").text(msg || "");
              if (msg) problems.push(rowProblem(i, msg));
            });
            lastProblems = problems;
            if (onProblems) onProblems(problems);
          },
        );
      }, 250);
    }
    function readRow(row) {
      return {
        name: row.find(".jsscada-tag-name").val().trim(),
        address: row.find(".jsscada-tag-address").val().trim(),
        deadband: row.find(".jsscada-tag-deadband").val().trim(),
      };
    }
    container.css({ "min-height": "150px", "min-width": "450px" }).editableList({
      addItem: function (row, index, data) {
        var line = $("<div/>", { style: "display:flex; gap:6px; align-items:center" }).appendTo(row);
        $("<input/>", {
          type: "text",
          class: "jsscada-tag-name",
          placeholder: text("namePlaceholder"),
          style: "flex:2",
        })
          .val(data.name || "")
          .appendTo(line);
        $("<input/>", {
          type: "text",
          class: "jsscada-tag-address",
          placeholder: "D100:int32",
          style: "flex:3",
        })
          .val(data.address || "")
          .appendTo(line);
        $("<input/>", {
          type: "text",
          class: "jsscada-tag-deadband",
          placeholder: text("deadbandPlaceholder"),
          style: "flex:1",
        })
          .val(data.deadband === undefined ? "" : data.deadband)
          .appendTo(line);
        $("<div/>", {
          class: "jsscada-tag-problem",
          style: "color:var(--red-ui-text-color-error, #d6615f); font-size:0.9em",
        }).appendTo(row);
        row.find("input").on("input change", refresh);
        refresh();
      },
      removeItem: refresh,
      sortable: true,
      removable: true,
    });
    (tags || []).forEach(function (t) {
      container.editableList("addItem", t);
    });
    csvImport(container);
    return {
      rows: function () {
        var rows = [];
        container.editableList("items").each(function () {
          rows.push(readRow($(this)));
        });
        return rows.filter(function (r) {
          return r.name || r.address;
        });
      },
      refresh: refresh,
      /** The problems found by the last validation (the runtime's parser included). */
      problems: function () {
        return lastProblems.slice();
      },
    };
  }

  /**
   * For a node's `validate`: names unique and non-empty, addresses non-empty, and no address the
   * runtime's parser refused when the dialog was last saved (`node._tagProblems`), so the node shows
   * the red triangle in the workspace; deploy refuses it again with the reason.
   */
  function tagsLookValid(tags, node) {
    if (!Array.isArray(tags) || tags.length === 0) return false;
    if (node && node._tagProblems && node._tagProblems.length > 0) return false;
    return localProblems(tags).every(function (p) {
      return p === null;
    });
  }

  var TAG_NODE_TYPES = GROUP_NODE_TYPES.concat(["jsscada-write"]);

  /**
   * Asks the runtime's parser about a node's tag addresses and records what it refused in
   * `node._tagProblems`, as saving the dialog does, so the node is marked invalid in the workspace.
   */
  function checkNodeTags(node) {
    if (!node || TAG_NODE_TYPES.indexOf(node.type) < 0 || !Array.isArray(node.tags) || node.tags.length === 0)
      return;
    validateRemote(
      node.tags.map(function (t) {
        return t.address;
      }),
      node.plc,
      function (remote) {
        var problems = [];
        remote.forEach(function (msg, i) {
          if (msg) problems.push(rowProblem(i, msg));
        });
        var wasValid = node.valid;
        node._tagProblems = problems;
        RED.editor.validateNode(node);
        if (node.valid !== wasValid) RED.view.redraw(true);
      },
    );
  }

  // Flows loaded at start, deployed by someone else or imported: a bad address shows without opening
  // the dialog (the validate functions are synchronous, the runtime's parser is not).
  RED.events.on("flows:loaded", function () {
    RED.nodes.eachNode(checkNodeTags);
  });
  RED.events.on("nodes:add", checkNodeTags);

  /**
   * "import CSV": paste `name,address[,deadband]` lines (or a spreadsheet's columns) and append them as
   * rows. The runtime's own CSV reader parses them, so the editor and the `tags` command agree.
   */
  function csvImport(container) {
    var box = $("<div/>", { class: "jsscada-csv-import", style: "margin-top:6px" }).insertAfter(
      container.closest(".red-ui-editableList"),
    );
    var toggle = $("<button/>", { type: "button", class: "red-ui-button red-ui-button-small" })
      .append($("<i/>", { class: "fa fa-upload" }), " ", document.createTextNode(text("importCsv")))
      .appendTo(box);
    var panel = $("<div/>", { style: "display:none; margin-top:4px" }).appendTo(box);
    var area = $("<textarea/>", {
      rows: 5,
      style: "width:100%; font-family:monospace",
      placeholder: "name,address,deadband\nspeed,D100\ntotal,D200:int32,5",
    }).appendTo(panel);
    var add = $("<button/>", { type: "button", class: "red-ui-button red-ui-button-small" })
      .text(text("addRows"))
      .appendTo(panel);
    var note = $("<span/>", { class: "jsscada-csv-note", style: "margin-left:8px" }).appendTo(panel);
    toggle.on("click", function () {
      panel.toggle();
    });
    add.on("click", function () {
      $.ajax({
        url: "jsscada/parse-tag-csv",
        method: "POST",
        contentType: "application/json",
        data: JSON.stringify({ csv: area.val() }),
        success: function (res) {
          if (res.error) {
            note.css("color", "var(--red-ui-text-color-error, #d6615f)").text(res.error);
            return;
          }
          (res.rows || []).forEach(function (r) {
            container.editableList("addItem", r);
          });
          note.css("color", "").text(text("rowsAdded", { count: (res.rows || []).length }));
          area.val("");
        },
      });
    });
  }

  /**
   * For a node's `oneditprepare`: the tag table of the dialog (#node-input-tags-list), its problems
   * listed under it and checked again when the PLC changes. `saveTagTable` reads it back.
   */
  function openTagTable(node) {
    var problems = $("#node-input-tags-problems");
    node._tagTable = tagTable(
      $("#node-input-tags-list"),
      node.tags,
      function () {
        return $("#node-input-plc").val();
      },
      function (list) {
        problems.text(list.length ? text("problems", { count: list.length, list: list.join("; ") }) : "");
      },
    );
    $("#node-input-plc").on("change", function () {
      node._tagTable.refresh();
    });
  }

  /** For a node's `oneditsave`: the rows, and what the runtime's parser refused (see tagsLookValid). */
  function saveTagTable(node) {
    node.tags = node._tagTable.rows();
    node._tagProblems = node._tagTable.problems();
  }

  /**
   * Checks the addresses typed or pasted in `input` (split out of its text by `addressesOf`) with the
   * runtime's parser, against the dialog's PLC, and shows what it refused in `hint`.
   */
  function checkAddressesAsTyped(input, hint, addressesOf) {
    var asked = 0; // only the answer to the latest text is shown, whatever order answers come in
    input.on("input change", function () {
      var question = ++asked;
      var addresses = addressesOf(String(input.val() || ""));
      if (!addresses.length) return hint.text("");
      validateRemote(addresses, $("#node-input-plc").val(), function (errors) {
        if (question === asked) hint.text(errors.filter(Boolean).join("; "));
      });
    });
  }

  /** For a node's `oneditresize`: the tag list takes the dialog height the other rows leave. */
  function resizeTagList(size) {
    var height = size.height;
    $("#dialog-form>div:not(.node-input-tags-row)").each(function () {
      height -= $(this).outerHeight(true);
    });
    $("#node-input-tags-list").editableList("height", Math.max(150, height - 40));
  }

  window.jsscadaEditor = {
    uniqueName: uniqueName,
    groupNameValid: groupNameValid,
    openTagTable: openTagTable,
    saveTagTable: saveTagTable,
    checkAddressesAsTyped: checkAddressesAsTyped,
    tagsLookValid: tagsLookValid,
    resizeTagList: resizeTagList,
  };
})();
