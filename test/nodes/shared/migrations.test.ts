import "should";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { PLC_DEFAULTS, currentVersion, migrate } from "../../../nodes/shared/migrations";

describe("nodes/shared/migrations: node configs carry a version", () => {
  const TYPES = [
    "jsscada-plc",
    "jsscada-poll-fixed",
    "jsscada-poll-handshake",
    "jsscada-write",
    "jsscada-queue",
    "jsscada-engine-status",
  ];

  it("every node type is at version 1, and its editor gives new nodes that version", () => {
    for (const type of TYPES) {
      currentVersion(type).should.equal(1, type);
      const html = fs.readFileSync(
        path.join(__dirname, "..", "..", "..", "nodes", "editor", `${type}.js`),
        "utf8",
      );
      html.should.match(/version: \{ value: 1 \}/, type);
    }
  });

  it("the PLC defaults the example flows write out are the ones the editor gives a new PLC node", () => {
    // The editor's node definition, run as the browser runs it, with Node-RED's registerType captured.
    let defaults: Record<string, { value: unknown }> = {};
    const RED = {
      nodes: { registerType: (_t: string, def: { defaults: typeof defaults }) => (defaults = def.defaults) },
    };
    const file = path.join(__dirname, "..", "..", "..", "nodes", "editor", "jsscada-plc.js");
    vm.runInNewContext(fs.readFileSync(file, "utf8"), { RED, window: {} });
    Object.keys(PLC_DEFAULTS).length.should.be.above(10);
    for (const [key, value] of Object.entries(PLC_DEFAULTS)) defaults[key]!.value!.should.equal(value, key);
  });

  it("a FIXED node saved before shareReads existed shares reads, as it always did", () => {
    const old: Record<string, unknown> = {
      id: "g",
      type: "jsscada-poll-fixed",
      plc: "p",
      interval: "500",
      tags: [],
    };
    const migrated = migrate("jsscada-poll-fixed", old);
    migrated.should.equal(old); // in place: Node-RED's per-node copy keeps its hidden links
    migrated.should.containEql({
      version: 1,
      shareReads: true,
      intervalUnit: "ms",
      autoStart: true,
      changedOnly: false,
    });
    migrated.interval!.should.equal("500");
  });

  it("fills only what is absent: an explicit choice and a current node pass through unchanged", () => {
    migrate("jsscada-poll-fixed", { shareReads: false, payloadFormat: "array" }).should.containEql({
      shareReads: false,
      payloadFormat: "array",
      version: 1,
    });
    const current = { version: 1, shareReads: false };
    migrate("jsscada-poll-fixed", current).should.eql({ version: 1, shareReads: false });
  });

  it("an old PLC node keeps 3E, octal X/Y where it applies, and the defaults the runtime always used", () => {
    migrate("jsscada-plc", { host: "h", port: "5000" }).should.containEql({
      version: 1,
      frame: "3E",
      octalXY: true,
      monitoringTimer: "",
      minInterval: "0",
      demoteAfter: "3",
    });
  });

  it("an old engine-status node stays without authentication (a new one defaults to a token)", () => {
    migrate("jsscada-engine-status", {}).should.containEql({
      auth: "none",
      version: 1,
    });
  });

  it("leaves unknown types alone", () => {
    migrate("other", { a: 1 }).should.eql({ a: 1 });
  });
});
