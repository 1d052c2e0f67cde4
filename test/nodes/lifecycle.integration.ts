import "should";
import { PlcSimulator } from "../../lib/simulator";
import { delay, until } from "../helpers/scripted-peer";
import { track } from "../helpers/handles";
import { ALL_NODES, collect, helper, plcConfig } from "../helpers/node-red";

function group(name: string, intervalMs: number, extra: object = {}): object {
  return {
    id: `${name}-node`,
    type: "jsscada-poll-fixed",
    plc: "plc",
    group: name,
    tags: [{ name: "v", address: "D0" }],
    interval: String(intervalMs),
    intervalUnit: "ms",
    autoStart: true,
    payloadFormat: "object",
    wires: [["out"], []],
    ...extra,
  };
}

describe("lifecycle: redeploys, restarts, isolation", function () {
  this.timeout(60_000);
  let sim: PlcSimulator;
  afterEach(async () => {
    await helper.unload();
    await sim?.stop();
  });

  it("50 redeploys (full and modified nodes) on a one-client PLC port leave no socket or timer behind", async () => {
    // maxClients 1: like an iQ-R built-in port, a leaked socket would lock the next deploy out.
    sim = new PlcSimulator({ maxClients: 1 });
    await sim.start();
    const handles = track();
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("g", 20), { id: "out", type: "helper" }]);
    for (let i = 0; i < 50; i++) {
      const interval = 20 + (i % 5);
      const flow = [plcConfig("plc", sim.port), group("g", interval), { id: "out", type: "helper" }];
      await helper.setFlows(flow, i % 2 === 0 ? "full" : "nodes");
      const out = collect(helper.getNode("out"));
      await until(() => out.length > 0, 3000, `data after redeploy ${i}`);
      sim.clientCount.should.be.belowOrEqual(1);
    }
    sim.stats.connectionsRefused.should.equal(0);
    await helper.unload();
    await until(() => sim.clientCount === 0, 2000, "every PLC socket to close");
    await delay(50);
    const live = handles.live();
    handles.stop();
    // What is left is this test's own pending delay() at most.
    (live.Timeout ?? 0).should.be.belowOrEqual(1, handles.stacks().join("\n\n"));
    (live.TCPWRAP ?? 0).should.equal(0, handles.stacks().join("\n\n"));
  });

  it("a modified-nodes deploy of the PLC alone, or of one group alone, keeps every group polling", async () => {
    sim = new PlcSimulator({ maxClients: 1 });
    await sim.start();
    const flow = (timeout: string, interval: number): object[] => [
      plcConfig("plc", sim.port, { requestTimeout: timeout }),
      group("one", interval, { wires: [["out1"], []] }),
      group("two", 30, { wires: [["out2"], []] }),
      { id: "out1", type: "helper" },
      { id: "out2", type: "helper" },
    ];
    await helper.load(ALL_NODES, flow("300", 30));
    for (const [timeout, interval] of [
      ["400", 30],
      ["400", 35],
    ] as const) {
      await helper.setFlows(flow(timeout, interval), "nodes");
      const one = collect(helper.getNode("out1"));
      const two = collect(helper.getNode("out2"));
      await until(
        () => one.length > 2 && two.length > 2,
        3000,
        "both groups polling after the partial deploy",
      );
    }
    sim.stats.connectionsRefused.should.equal(0);
    sim.clientCount.should.equal(1);
  });

  it("closing a runtime with 100 groups stuck on a stalled PLC finishes within a few seconds", async () => {
    sim = new PlcSimulator();
    await sim.start();
    const groups = Array.from({ length: 100 }, (_, i) => group(`busy${i}`, 100, { wires: [[], []] }));
    helper.settings({ jsscada: { maxGroups: 100 } });
    try {
      await helper.load(ALL_NODES, [plcConfig("plc", sim.port, { requestTimeout: "60000" }), ...groups]);
      await until(() => sim.stats.requests >= 100, 5000, "every group polling");
      sim.stall(true);
      await delay(300); // every group is now inside a cycle waiting for an answer that never comes
      const started = Date.now();
      await helper.unload();
      // Each group gives its cycle 0.5 s, then aborts it; Node-RED would wait up to 15 s.
      (Date.now() - started).should.be.below(6000);
      await until(() => sim.clientCount === 0, 2000, "the PLC socket to close");
    } finally {
      helper.settings({});
    }
  });

  it("keeps the grid: cycle k is scheduled at t0 + k·interval and starts close to it", async () => {
    sim = new PlcSimulator();
    await sim.start();
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("g", 40), { id: "out", type: "helper" }]);
    const out = collect<{ polling: { cycle: number; scheduledAt: number; startedAt: number } }>(
      helper.getNode("out"),
    );
    await until(() => out.length >= 30, 5000, "30 cycles");
    // Cycle 0 runs at deploy; the group then joins its PLC's grid (multiples of the interval).
    const first = out[1]!.polling;
    const lateness: number[] = [];
    for (const { polling } of out.slice(2)) {
      // scheduledAt is rounded to the ms; the grid itself never drifts.
      Math.abs(
        polling.scheduledAt - (first.scheduledAt + (polling.cycle - first.cycle) * 40),
      ).should.be.belowOrEqual(2);
      lateness.push(polling.startedAt - polling.scheduledAt);
    }
    // A stall of the (shared, 2-core) machine may start a cycle or two late; accumulated lateness
    // would make the last ones late too.
    lateness.filter((ms) => ms >= 40).length.should.be.belowOrEqual(2, `lateness ${lateness.join(", ")} ms`);
    Math.min(...lateness.slice(-5)).should.be.below(15, `lateness ${lateness.join(", ")} ms`);
  });

  it("one PLC down does not delay a group on another PLC", async () => {
    sim = new PlcSimulator();
    await sim.start();
    const dead = new PlcSimulator();
    await dead.start();
    dead.stall(true);
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      plcConfig("dead", dead.port, { requestTimeout: "2000" }),
      group("healthy", 50),
      group("stuck", 50, { plc: "dead", wires: [[], []] }),
      { id: "out", type: "helper" },
    ]);
    const out = collect<{ polling: { startedAt: number } }>(helper.getNode("out"));
    await until(() => out.length >= 20, 5000, "20 cycles of the healthy group");
    const gaps = out.slice(1).map((m, i) => m.polling.startedAt - out[i]!.polling.startedAt);
    // The stuck PLC's requests time out after 2 s: a coupling would show gaps that long.
    Math.max(...gaps).should.be.below(1000);
    await dead.stop();
  });

  it("demotes a PLC that keeps timing out, fails fast while off-scan, and recovers", async () => {
    sim = new PlcSimulator();
    await sim.start();
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port, { requestTimeout: "100", demoteAfter: "2", demoteFor: "300" }),
      group("g", 30),
      { id: "out", type: "helper" },
      { id: "status-node", type: "jsscada-engine-status", interval: "0", wires: [["replies"]] },
      { id: "replies", type: "helper" },
    ]);
    const out = collect(helper.getNode("out"));
    await until(() => out.length > 0);
    sim.stall(true);
    const replies = collect<{ payload: { plcs: Array<Record<string, unknown>> } }>(helper.getNode("replies"));
    await until(
      () => {
        helper.getNode("status-node").receive({ topic: "status" });
        return replies.some((r) => r.payload.plcs[0]!.state === "demoted");
      },
      3000,
      "demotion",
    );
    const requestsWhileDemoted = sim.stats.requests;
    await delay(150);
    // Off-scan: no request reaches the PLC (the group's cycles fail fast instead).
    sim.stats.requests.should.be.belowOrEqual(requestsWhileDemoted + 1);
    sim.stall(false);
    const n = out.length;
    await until(() => out.length > n + 2, 5000, "polling after the probe succeeded");
    helper.getNode("status-node").receive({ topic: "status" });
    await until(() => replies.at(-1)!.payload.plcs[0]!.state === "connected");
    (replies.at(-1)!.payload.plcs[0]!.demotions as number).should.be.aboveOrEqual(1);
  });
});
