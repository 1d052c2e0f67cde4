import "should";
import { runPlcProgram } from "../../lib/simulator/handshake-program";
import { PlcSimulator } from "../../lib/simulator";
import { delay, until } from "../helpers/scripted-peer";
import {
  ALL_NODES,
  catchAll,
  collect,
  helper,
  type HttpAgent,
  nextMessage,
  type NodeModule,
  nodeModule,
  plcConfig,
} from "../helpers/node-red";

/* eslint-disable @typescript-eslint/no-require-imports */
const handshakeNode = nodeModule("jsscada-poll-handshake");
const httpInNode = require("@node-red/nodes/core/network/21-httpin.js") as NodeModule;
const completeNode = require("@node-red/nodes/core/common/24-complete.js") as NodeModule;
const functionNode = require("@node-red/nodes/core/function/10-function.js") as NodeModule;
const supertest = require("supertest") as (app: unknown) => HttpAgent;
/** http in routes live on RED.httpNode, which the helper does not expose: a module that only looks. */
let httpNodeApp: unknown;
const captureHttpNode = (RED: { httpNode: unknown }): void => {
  httpNodeApp = RED.httpNode;
};
const NODES = [...ALL_NODES, handshakeNode, httpInNode, completeNode, functionNode, captureHttpNode];

interface Msg {
  topic?: string;
  payload: Record<string, unknown>;
  polling?: Record<string, unknown>;
  handshake?: Record<string, unknown>;
  rejected?: Record<string, unknown>;
  error?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A HANDSHAKE group node; its id is `<name>-node` (an id equal to a property value would look like a dependency). */
function group(name: string, extra: object = {}): object {
  return {
    id: `${name}-node`,
    type: "jsscada-poll-handshake",
    name: "",
    plc: "plc",
    group: name,
    tags: [
      { name: "speed", address: "D100" },
      { name: "total", address: "D200:int32" },
    ],
    trigger: "message",
    autoStart: true,
    payloadFormat: "object",
    dedup: "1000",
    concurrency: "coalesce",
    maxPending: "100",
    wires: [["out"], ["rejected"], ["replies"]],
    ...extra,
  };
}

const helpers = [
  { id: "out", type: "helper" },
  { id: "rejected", type: "helper" },
  { id: "replies", type: "helper" },
];

describe("jsscada-poll-handshake", function () {
  let sim: PlcSimulator;

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
    sim.memory.writeWords("D", 100, [1234]);
    sim.memory.writeWords("D", 200, [0x5678, 0x0001]);
  });

  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  describe("trigger by message", function () {
    it("polls at once and continues the input message with the FIXED output format", async () => {
      await helper.load(NODES, [plcConfig("plc", sim.port), group("g"), ...helpers]);
      const got = nextMessage<Msg>(helper.getNode("out"));
      const t0 = performance.now();
      helper.getNode("g-node").receive({ payload: "go", _keep: "me" });
      const msg = await got;
      (performance.now() - t0).should.be.below(500);
      msg._keep!.should.equal("me");
      msg.topic!.should.equal("g");
      msg.payload.should.eql({ speed: 1234, total: 0x15678 });
      msg.polling!.should.containEql({
        group: "g",
        mode: "handshake",
        manual: true,
        quality: "good",
        tags: 2,
      });
    });

    it("shows 'ready for triggers' when the engine starts it, not the old 'stopped'", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        group("g", { autoStart: false }),
        { id: "status-node", type: "jsscada-engine-status", interval: "0", wires: [["replies"]] },
        ...helpers,
      ]);
      const g = helper.getNode("g-node");
      // node.status is one spy shared by every node: keep this node's calls.
      type Call = { thisValue: unknown; args: Array<{ text: string }> };
      const lastStatus = (): string => {
        const calls = (g.status as unknown as { getCalls(): Call[] })
          .getCalls()
          .filter((c) => c.thisValue === g);
        return String(calls.at(-1)?.args[0]?.text);
      };
      await until(() => lastStatus().startsWith("stopped"));
      const reply = nextMessage<{ statusCode: number }>(helper.getNode("replies"));
      helper.getNode("status-node").receive({ payload: { command: "start", name: "g" } });
      (await reply).statusCode.should.equal(200);
      await until(() => lastStatus() === "ready for triggers", 1000, "the idle status");
    });

    it("rejects duplicates inside the window on the second output with a reason, and counts them", async () => {
      await helper.load(NODES, [plcConfig("plc", sim.port), group("g", { dedup: "500" }), ...helpers]);
      const out = collect<Msg>(helper.getNode("out"));
      const rejected = collect<Msg>(helper.getNode("rejected"));
      const g = helper.getNode("g-node");
      g.receive({ payload: 1 });
      await until(() => out.length === 1);
      g.receive({ payload: 2 });
      g.receive({ payload: 3 });
      await until(() => rejected.length === 2);
      rejected.map((m) => m.payload).should.eql([2, 3]);
      rejected[0]!.rejected!.should.containEql({ reason: "duplicate", group: "g" });
      (rejected[0]!.rejected!.retryAfterMs as number).should.be.within(1, 500);
      await delay(550);
      g.receive({ payload: 4 });
      await until(() => out.length === 2);
      g.receive({ topic: "status" });
      const reply = await nextMessage<Msg>(helper.getNode("replies"));
      (reply.payload.group as Record<string, unknown>).should.containEql({
        duplicates: 2,
        accepted: 2,
        trigger: "message",
      });
    });

    it("concurrent triggers (dedup off, coalesce): every caller answered, with data read after it asked", async () => {
      sim.setLatency(30);
      await helper.load(NODES, [plcConfig("plc", sim.port), group("g", { dedup: "0" }), ...helpers]);
      const out = collect<Msg>(helper.getNode("out"));
      const g = helper.getNode("g-node");
      const before = sim.stats.requests;
      g.receive({ n: 0 });
      await delay(5);
      for (let i = 1; i <= 5; i++) g.receive({ n: i });
      await until(() => out.length === 6, 3000);
      out
        .map((m) => [m.n, m.polling!.cycle])
        .should.eql([
          [0, 0],
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 1],
          [5, 1],
        ]);
      (sim.stats.requests - before).should.equal(
        2 * (out[0]!.polling!.requests as number),
        "two polls for six callers",
      );
    });

    it("queue mode: overflow goes to the second output, never lost", async () => {
      sim.setLatency(40);
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        group("g", { dedup: "0", concurrency: "queue", maxPending: "2" }),
        ...helpers,
      ]);
      const out = collect<Msg>(helper.getNode("out"));
      const rejected = collect<Msg>(helper.getNode("rejected"));
      const g = helper.getNode("g-node");
      for (let i = 0; i < 5; i++) g.receive({ n: i });
      await until(() => out.length + rejected.length === 5, 3000);
      out.map((m) => m.n).should.eql([0, 1, 2]);
      rejected
        .map((m) => [m.n, m.rejected!.reason])
        .should.eql([
          [3, "queue-full"],
          [4, "queue-full"],
        ]);
    });

    it("answers an HTTP caller: http in → handshake → http response", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        { id: "in", type: "http in", url: "/line1", method: "get", wires: [["g-node"]] },
        group("g", { dedup: "0", wires: [["resp"], ["resp"], []] }),
        { id: "resp", type: "http response", statusCode: "", headers: {} },
      ]);
      const res = await supertest(httpNodeApp).get("/line1").expect(200);
      res.body.should.eql({ speed: 1234, total: 0x15678 });
      sim.memory.writeWords("D", 100, [99]);
      ((await supertest(httpNodeApp).get("/line1").expect(200)).body as { speed: number }).speed.should.equal(
        99,
      );
    });

    it("the editor button route triggers the node, and is refused for unknown nodes", async () => {
      await helper.load(NODES, [plcConfig("plc", sim.port), group("g"), ...helpers]);
      const got = nextMessage<Msg>(helper.getNode("out"));
      await helper.request().post("/jsscada-poll-handshake/g-node/trigger").expect(200);
      (await got).payload.speed!.should.equal(1234);
      await helper.request().post("/jsscada-poll-handshake/nope/trigger").expect(404);
    });

    it("a failed poll fails the trigger message (done(err)) so a Catch node sees it", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        group("g", { dedup: "0" }),
        ...catchAll(),
        ...helpers,
      ]);
      sim.failWhen(() => 0xc05b);
      const caught = nextMessage<Msg>(helper.getNode("caught"));
      helper.getNode("g-node").receive({ payload: "x" });
      ((await caught).error!.message as string).should.match(/C05B/);
    });
  });

  describe("trigger by the PLC", function () {
    this.timeout(20_000);
    const plcGroup = (extra: object = {}) =>
      group("hs", {
        trigger: "plc",
        tags: [{ name: "part", address: "D200:int32" }],
        req: "M100",
        ack: "D10",
        sequence: "D12",
        okValue: "1",
        ngValue: "2",
        watchInterval: "10",
        stepTimeout: "1000",
        reqClearTimeout: "300",
        reqHighAtStart: "ignore",
        ...extra,
      });

    async function watching(): Promise<void> {
      await until(() => helper.getNode("hs-node") !== null);
      await delay(60);
    }

    it("runs the handshake: data with its transaction, ACK OK, REQ cleared, ACK cleared", async () => {
      await helper.load(NODES, [plcConfig("plc", sim.port), plcGroup(), ...helpers]);
      const out = collect<Msg>(helper.getNode("out"));
      await watching();
      const program = await runPlcProgram({
        memory: sim.memory,
        req: "M100",
        ack: "D10",
        sequence: "D12",
        count: 20,
        writeData: (seq) => sim.memory.writeWords("D", 200, [seq, 0]),
      });
      await until(() => out.length === 20);
      out.map((m) => m.payload.part).should.eql(Array.from({ length: 20 }, (_, i) => i + 1));
      out.map((m) => m.handshake!.sequence).should.eql(Array.from({ length: 20 }, (_, i) => i + 1));
      [...program.acks.values()].every((a) => a.length === 1 && a[0] === 1).should.be.true();
      // The PLC program ends when it sees ACK; the node still clears ACK, and only then counts the
      // transaction as finished, so ask until the last one has finished.
      let group: Record<string, unknown> = {};
      for (let attempt = 0; attempt < 100 && group.ok !== 20; attempt++) {
        if (attempt > 0) await delay(20);
        helper.getNode("hs-node").receive({ topic: "status" });
        group = (await nextMessage<Msg>(helper.getNode("replies"))).payload.group as Record<string, unknown>;
      }
      group.should.containEql({ transactions: 20, ok: 20, trigger: "plc" });
    });

    it("REQ stuck high: time-out on the second output, no replay", async () => {
      await helper.load(NODES, [plcConfig("plc", sim.port), plcGroup(), ...helpers]);
      const out = collect<Msg>(helper.getNode("out"));
      const errors = collect<Msg>(helper.getNode("rejected"));
      await watching();
      sim.memory.set("M100", true);
      await until(() => errors.length === 1, 2000);
      errors[0]!.error!.should.containEql({ step: "req-clear", code: "HANDSHAKE_TIMEOUT" });
      await delay(200);
      out.length.should.equal(1);
      sim.memory.get("D10").should.equal(1);
      sim.memory.set("M100", false);
      await until(() => sim.memory.get("D10") === 0);
    });

    it("ACK after downstream: a Complete node watching the consumer acknowledges", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        plcGroup({
          ackAfterDownstream: true,
          downstreamTimeout: "2000",
          reqClearTimeout: "2000",
          wires: [["consumer"], ["rejected"], ["replies"]],
        }),
        { id: "consumer", type: "function", func: "return msg;", outputs: 1, wires: [["out"]] },
        { id: "done-watch", type: "complete", scope: ["consumer"], uncaught: false, wires: [["hs-node"]] },
        ...helpers,
      ]);
      await watching();
      const results: number[] = [];
      const program = await runPlcProgram({
        memory: sim.memory,
        req: "M100",
        ack: "D10",
        sequence: "D12",
        count: 3,
        // Room for a loaded machine: the point is who acknowledges, not how fast.
        ackTimeoutMs: 10_000,
        onDone: (_s, r) => results.push(r),
      });
      results.should.eql([1, 1, 1]);
      program.retries.should.equal(0);
    });

    it("an explicit nack message writes NG", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        plcGroup({ ackAfterDownstream: true, downstreamTimeout: "2000", reqClearTimeout: "2000" }),
        ...helpers,
      ]);
      const out = collect<Msg>(helper.getNode("out"));
      await watching();
      const g = helper.getNode("hs-node");
      const program = runPlcProgram({
        memory: sim.memory,
        req: "M100",
        ack: "D10",
        sequence: "D12",
        count: 1,
      });
      await until(() => out.length === 1);
      sim.memory.get("D10").should.equal(0);
      g.receive({ topic: "nack", payload: out[0]!.handshake!.transactionId });
      const { acks } = await program;
      acks.get(1)!.should.eql([2]);
    });

    it("groups on one PLC share their REQ watch requests", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        plcGroup({ id: "hs1-node", group: "hs1", req: "M100", ack: "D10", watchInterval: "50" }),
        plcGroup({ id: "hs2-node", group: "hs2", req: "M200", ack: "D20", watchInterval: "50" }),
        plcGroup({ id: "hs3-node", group: "hs3", req: "D30", ack: "D31", watchInterval: "50" }),
        ...helpers,
      ]);
      await until(() => sim.stats.requests > 0);
      await delay(100);
      const before = sim.stats.requests;
      await delay(1000);
      // 20 ticks of 50 ms: three groups alone would need about 60 reads; shared, about 20.
      (sim.stats.requests - before).should.be.within(10, 30);
    });

    it("refuses a bad ACK address with a red status and failing inputs", async () => {
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        plcGroup({ ack: "D10.1" }),
        ...catchAll(),
        ...helpers,
      ]);
      const caught = nextMessage<Msg>(helper.getNode("caught"));
      helper.getNode("hs-node").receive({ topic: "start" });
      ((await caught).error!.message as string).should.match(/cannot write atomically/);
    });
  });
});
