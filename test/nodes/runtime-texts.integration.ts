/**
 * The nodes' texts in a real Node-RED runtime (not the test helper, whose RED._ returns keys): the
 * catalogs Node-RED registers for this package's node files resolve, a node's own keys and the
 * shared ones alike, with their parameters. Slow (a Node-RED process): an integration test.
 */
import "should";
import { type Runtime, startRuntime } from "../examples/runtime";

describe("runtime texts in a real Node-RED runtime", function () {
  this.timeout(60_000);
  let rt: Runtime;

  before(async () => {
    rt = await startRuntime({
      flow: [
        { id: "tab", type: "tab", label: "texts" },
        // Refused by the shared scaffold (jsscada-plc catalog, full namespace).
        {
          id: "orphan-node",
          x: 100,
          y: 40,
          z: "tab",
          type: "jsscada-poll-fixed",
          plc: "",
          group: "orphan",
          tags: [],
          wires: [[], []],
        },
        // Refused by the node's own catalog text, inside the shared one.
        {
          id: "fast-node",
          x: 100,
          y: 80,
          z: "tab",
          type: "jsscada-poll-fixed",
          plc: "sim-plc",
          group: "too-fast",
          interval: "1",
          tags: [{ name: "a", address: "D0" }],
          wires: [[], []],
        },
        { id: "sim-plc", type: "jsscada-plc", name: "texts-plc", host: "127.0.0.1", port: "1" },
      ],
    });
  });

  after(async () => {
    await rt?.stop();
  });

  it("refusals read in English, parameters filled, no catalog key left showing", () => {
    const log = rt.log();
    log.should.match(/group orphan: no PLC configured/);
    log.should.match(/group too-fast: interval must be at least 10 ms/);
    log.should.not.match(/jsscada-poll-fixed\.errors|shared\.errors|__\w+__/);
  });
});
