import "should";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";
import {
  ALL_NODES,
  type TestNode,
  catchAll,
  collect,
  helper,
  nextMessage,
  plcConfig,
  triggerPolls,
  lastStatus,
} from "../helpers/node-red";

interface Msg {
  topic?: string;
  payload: Record<string, unknown>;
  polling?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A FIXED group node; its id is `<name>-node` (an id equal to a property value would look like a dependency). */
function group(name: string, extra: object = {}): object {
  return {
    id: `${name}-node`,
    type: "jsscada-poll-fixed",
    name: "",
    plc: "plc",
    group: name,
    tags: [
      { name: "speed", address: "D100" },
      { name: "total", address: "D200:int32" },
      { name: "running", address: "M5" },
    ],
    interval: "50",
    intervalUnit: "ms",
    autoStart: true,
    payloadFormat: "object",
    changedOnly: false,
    wires: [["out"], ["replies"]],
    ...extra,
  };
}

const helpers = [
  { id: "out", type: "helper" },
  { id: "replies", type: "helper" },
];

/**
 * A group on the same PLC polled only when asked, with requests of its own (its data to helper
 * "beside"): while it is answered, the PLC's request count shows whether anything else polls, without
 * waiting a while to see.
 */
const beside = [
  group("beside", {
    autoStart: false,
    shareReads: false,
    tags: [{ name: "x", address: "D100" }],
    wires: [["beside"], []],
  }),
  { id: "beside", type: "helper" },
];

/** Resolves once the simulated PLC has answered `n` more requests. */
function answered(sim: PlcSimulator, n: number, what: string): Promise<void> {
  const target = sim.stats.responses + n;
  return until(() => sim.stats.responses >= target, 5000, what);
}

describe("jsscada-poll-fixed", function () {
  let sim: PlcSimulator;

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
    sim.memory.writeWords("D", 100, [1234]);
    sim.memory.writeWords("D", 200, [0x5678, 0x0001]);
    sim.memory.set("M5", true);
  });

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it("sends one message per cycle with typed values, the group as topic and polling metadata", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("line1"), ...helpers]);
    const msg = await nextMessage<Msg>(helper.getNode("out"));
    msg.topic!.should.equal("line1");
    msg.payload.should.eql({ speed: 1234, total: 0x15678, running: true });
    msg.polling!.should.containEql({
      group: "line1",
      plc: "plc-sim",
      mode: "fixed",
      quality: "good",
      tags: 3,
    });
    (msg.polling!.requests as number).should.be.belowOrEqual(2);
    (msg.polling!.startedAt as number).should.be.approximately(Date.now(), 2000);
  });

  it("takes host and port from environment variables, whole or inside the text", async () => {
    process.env.JSSCADA_TEST_OCTET = "1";
    process.env.JSSCADA_TEST_PORT = String(sim.port);
    try {
      const plc = plcConfig("plc", 0, {
        host: "127.0.0.${JSSCADA_TEST_OCTET}",
        port: "${JSSCADA_TEST_PORT}",
      });
      await helper.load(ALL_NODES, [plc, group("env"), ...helpers]);
      (await nextMessage<Msg>(helper.getNode("out"))).payload.speed!.should.equal(1234);
    } finally {
      delete process.env.JSSCADA_TEST_OCTET;
      delete process.env.JSSCADA_TEST_PORT;
    }
  });

  it("sends an array of {name, value, quality, timestamp} when asked", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", { payloadFormat: "array" }),
      ...helpers,
    ]);
    const msg = await nextMessage<{ payload: Array<Record<string, unknown>> }>(helper.getNode("out"));
    msg.payload
      .map((r) => [r.name, r.value, r.quality])
      .should.eql([
        ["speed", 1234, "good"],
        ["total", 0x15678, "good"],
        ["running", true, "good"],
      ]);
  });

  it("a trigger message polls at once and continues the input message", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("g", { autoStart: false }), ...helpers]);
    const got = nextMessage<Msg>(helper.getNode("out"));
    helper.getNode("g-node").receive({ payload: "go", _keep: "me" });
    const msg = await got;
    msg._keep!.should.equal("me");
    msg.payload.speed!.should.equal(1234);
    msg.polling!.manual!.should.be.true();
  });

  it("start, stop and interval commands reply on the second output and change the schedule", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", { autoStart: false, interval: "1", intervalUnit: "h" }),
      ...beside,
      ...helpers,
    ]);
    const out = collect<Msg>(helper.getNode("out"));
    const replies = collect<Msg>(helper.getNode("replies"));
    const g = helper.getNode("g-node");
    g.receive({ topic: "interval", payload: "40ms" });
    g.receive({ payload: { command: "start" } });
    await until(() => out.length >= 3, 3000, "three cycles at 40 ms");
    g.receive({ topic: "stop" });
    await until(() => replies.length === 3);
    replies.map((r) => r.payload.command).should.eql(["interval", "start", "stop"]);
    (replies[0]!.payload.intervalMs as number).should.equal(40);
    ((replies[2]!.payload.group as Record<string, unknown>).running as boolean).should.be.false();
    // Stopped: while the group beside it is polled four times (several of g's 40 ms intervals), g sends nothing.
    const count = out.length;
    const requests = sim.stats.requests;
    const perPoll = await triggerPolls("beside-node", "beside", 4);
    out.length.should.equal(count);
    (sim.stats.requests - requests).should.equal(4 * perPoll);
  });

  it("replaces the tag table by message and refuses a bad one with the reason", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", { autoStart: false }),
      ...catchAll(),
      ...helpers,
    ]);
    const g = helper.getNode("g-node");
    const caught = nextMessage<{ error: { message: string } }>(helper.getNode("caught"));
    g.receive({ topic: "tags", payload: [{ name: "x", address: "Q100" }] });
    (await caught).error.message.should.match(/row 1 \(x\): unknown device "Q" in "Q100"/);
    const reply = nextMessage<Msg>(helper.getNode("replies"));
    g.receive({ topic: "tags", payload: { tags: [{ name: "only", address: "D200:uint16" }] } });
    (await reply).payload.tags!.should.equal(1);
    const data = nextMessage<Msg>(helper.getNode("out"));
    g.receive({ topic: "trigger" });
    (await data).payload.should.eql({ only: 0x5678 });
    // A tag table kept as CSV (e.g. read from a file) works too.
    const csvReply = nextMessage<Msg>(helper.getNode("replies"));
    g.receive({ topic: "tags", payload: "name,address\nspeed,D100\nrunning,M5" });
    (await csvReply).payload.tags!.should.equal(2);
    const csvData = nextMessage<Msg>(helper.getNode("out"));
    g.receive({ topic: "trigger" });
    (await csvData).payload.should.eql({ speed: 1234, running: true });
  });

  it("changed-only output sends changes beyond the deadband, and a trigger still sends everything", async () => {
    const tags = [
      { name: "a", address: "D100", deadband: "5" },
      { name: "b", address: "D101" },
    ];
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", { tags, changedOnly: true }),
      ...helpers,
    ]);
    const out = collect<Msg>(helper.getNode("out"));
    await until(() => out.length === 1);
    out[0]!.payload.should.eql({ a: 1234, b: 0 });
    sim.memory.writeWords("D", 100, [1237]); // within the deadband
    // Three more reads: at least one read after the write, and its poll finished before the next began.
    await answered(sim, 3, "three more reads");
    out.length.should.equal(1);
    sim.memory.writeWords("D", 101, [7]);
    await until(() => out.length === 2);
    out[1]!.payload.should.eql({ b: 7 });
    helper.getNode("g-node").receive({ topic: "trigger" });
    await until(() => out.length === 3);
    out[2]!.payload.should.eql({ a: 1237, b: 7 });
  });

  it("flags a bad tag address at deploy with its row and reason, and does not poll", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", {
        tags: [
          { name: "ok", address: "D1" },
          { name: "bad", address: "D1A" },
        ],
      }),
      ...beside,
      ...helpers,
    ]);
    const g = helper.getNode("g-node");
    await until(() => (g.error as unknown as { called: boolean }).called);
    const message = String((g.error as unknown as { args: unknown[][] }).args[0]![0]);
    message.should.match(/group g: row 2 \(bad\).*D1A/);
    // g would have polled at deploy and every 50 ms since: the PLC saw only the two polls beside it.
    const perPoll = await triggerPolls("beside-node", "beside", 2);
    sim.stats.requests.should.equal(2 * perPoll);
  });

  it("refuses a second group with the same name", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g1", { group: "same" }),
      group("g2", { group: "same" }),
      ...helpers,
    ]);
    const g2 = helper.getNode("g2-node");
    await until(() => (g2.error as unknown as { called: boolean }).called);
    String((g2.error as unknown as { args: unknown[][] }).args[0]![0]).should.match(/"same" already exists/);
  });

  it("a PLC end code on one tag marks only that tag bad and names it", async () => {
    const tags = [
      { name: "good", address: "D100" },
      { name: "outside", address: "D20000" },
    ];
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g", { tags }),
      ...catchAll(),
      ...helpers,
    ]);
    const data = await nextMessage<Msg>(helper.getNode("out"));
    data.payload.should.eql({ good: 1234, outside: null });
    data.polling!.quality!.should.equal("partial");
    const caught = await nextMessage<{ error: { message: string } }>(helper.getNode("caught"));
    caught.error.message.should.match(/group g, tag outside: .*4031/);
  });

  it("a PLC that is down reaches Catch as a typed error and no data is sent", async () => {
    await sim.stop();
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("g"), ...catchAll(), ...helpers]);
    const out = collect<Msg>(helper.getNode("out"));
    const caught = await nextMessage<{ error: { message: string; code?: string }; [k: string]: unknown }>(
      helper.getNode("caught"),
    );
    caught.error.message.should.match(/group g: .*PLC plc-sim/);
    out.length.should.equal(0);
  });

  it("recovers without a redeploy when the PLC comes back", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("g"), ...helpers]);
    const out = collect<Msg>(helper.getNode("out"));
    await until(() => out.length > 0);
    const port = sim.port;
    await sim.stop();
    const g: TestNode = helper.getNode("g-node");
    await until(() => lastStatus(g)?.fill === "red", 5000, "the group showing the PLC gone");
    sim = new PlcSimulator({ port });
    await sim.start();
    sim.memory.writeWords("D", 100, [4321]);
    await until(() => out.some((m) => m.payload.speed === 4321), 5000, "data after the PLC restart");
  });

  it("groups on one PLC share their requests on a common grid; an opted-out group keeps its own", async () => {
    const tags = (base: number) => [
      { name: "a", address: `D${base}` },
      { name: "b", address: `D${base + 7}:int32` },
    ];
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("g1", { tags: tags(0), interval: "100", wires: [["out"], []] }),
      group("g2", { tags: tags(40), interval: "100", wires: [["out"], []] }),
      group("g3", { tags: tags(80), interval: "200", wires: [["out"], []] }),
      group("own", { tags: tags(120), interval: "100", shareReads: false, wires: [["mine"], []] }),
      { id: "mine", type: "helper" },
      ...helpers,
    ]);
    sim.memory.writeWords(
      "D",
      0,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const out = collect<Msg>(helper.getNode("out"));
    const mine = collect<Msg>(helper.getNode("mine"));
    await until(() => out.length >= 3 && mine.length >= 1);
    const requests0 = sim.stats.requests;
    out.length = 0;
    mine.length = 0;
    // Ten ticks of each 100 ms group: counts, not a time span, so a slow machine only takes longer.
    await until(
      () => out.filter((m) => m.topic === "g1").length >= 10 && mine.length >= 10,
      10_000,
      "ten ticks",
    );
    const requests = sim.stats.requests - requests0;
    // Shared: g1 and g2 every 100 ms and g3 every 200 ms in one request a tick (≈ 10), plus the
    // opted-out group's own (≈ 10); alone they would take ≈ 35.
    out.every((m) => m.polling!.shared === true).should.be.true();
    mine.every((m) => m.polling!.shared === false).should.be.true();
    const ticks = out.filter((m) => m.topic === "g1").length;
    requests.should.be.belowOrEqual(ticks + mine.length + 2);
    requests.should.be.below(out.length + mine.length - 5);
    out.find((m) => m.topic === "g2")!.payload.should.eql({ a: 40, b: 47 + 48 * 65536 });
    out.find((m) => m.topic === "g3")!.payload.should.eql({ a: 80, b: 87 + 88 * 65536 });
    mine[0]!.payload.should.eql({ a: 120, b: 127 + 128 * 65536 });
  });

  it("a flow saved before `version` and `shareReads` (and a PLC node with only host and port) polls as it always did", async () => {
    await helper.load(ALL_NODES, [
      { id: "plc", type: "jsscada-plc", name: "old-plc", host: "127.0.0.1", port: String(sim.port) },
      {
        id: "old-node",
        type: "jsscada-poll-fixed",
        plc: "plc",
        group: "old",
        interval: "50",
        tags: [{ name: "speed", address: "D100" }],
        wires: [["out"], []],
      },
      ...helpers,
    ]);
    const msg = await nextMessage<Msg>(helper.getNode("out"));
    msg.payload.should.eql({ speed: 1234 });
    // Shared reads, object payload, every cycle: the defaults such a flow always ran with.
    msg.polling!.should.containEql({ group: "old", plc: "old-plc", shared: true });
    const status = helper.getNode("old-node").status as unknown as { args: Array<[{ text: string }]> };
    await until(() => status.args.some(([s]) => /^1 tags · \d+ ms · PLC \d+ %$/.test(s.text)));
  });
});
