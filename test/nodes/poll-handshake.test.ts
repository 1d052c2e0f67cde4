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
  lastStatus,
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
      await until(() => String(lastStatus(g)?.text).startsWith("stopped"));
      const reply = nextMessage<{ statusCode: number }>(helper.getNode("replies"));
      helper.getNode("status-node").receive({ payload: { command: "start", name: "g" } });
      (await reply).statusCode.should.equal(200);
      await until(() => lastStatus(g)?.text === "ready for triggers", 1000, "the idle status");
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
      // Kept: the window is wall-clock time in a runtime (its logic is tested on a ManualClock); wait
      // exactly until it ends, as the last rejection said.
      await delay((rejected[1]!.rejected!.retryAfterMs as number) + 5);
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
      await helper.load(NODES, [plcConfig("plc", sim.port), group("g", { dedup: "0" }), ...helpers]);
      const out = collect<Msg>(helper.getNode("out"));
      const g = helper.getNode("g-node");
      const inputs = collect(g);
      const before = sim.stats.requests;
      // The PLC holds its answers: the first poll is at the PLC while the next five ask.
      sim.pause();
      g.receive({ n: 0 });
      await until(() => sim.stats.requests > before, 2000, "the first poll's request");
      for (let i = 1; i <= 5; i++) g.receive({ n: i });
      await until(() => inputs.length === 6, 2000, "the five triggers taken in");
      sim.resume();
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
      await helper.load(NODES, [
        plcConfig("plc", sim.port),
        group("g", { dedup: "0", concurrency: "queue", maxPending: "2" }),
        ...helpers,
      ]);
      const out = collect<Msg>(helper.getNode("out"));
      const rejected = collect<Msg>(helper.getNode("rejected"));
      const g = helper.getNode("g-node");
      // The PLC holds its answers: the first poll is still at the PLC when the other four ask.
      sim.pause();
      for (let i = 0; i < 5; i++) g.receive({ n: i });
      await until(() => rejected.length === 2, 2000, "two turned away");
      sim.resume();
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

    /** Resolves once the simulated PLC has answered `n` more requests. */
    function answered(n: number, what: string): Promise<void> {
      const target = sim.stats.responses + n;
      return until(() => sim.stats.responses >= target, 5000, what);
    }

    /** The node watches REQ: its first read is done (REQ seen low), so a rise is a new transaction. */
    async function watching(): Promise<void> {
      await until(() => helper.getNode("hs-node") !== null);
      await answered(2, "two REQ reads");
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
      // transaction as finished and shows the count.
      const hs = helper.getNode("hs-node");
      await until(() => /^20 txn · 20 ok/.test(String(lastStatus(hs)?.text)), 5000, "20 transactions shown");
      hs.receive({ topic: "status" });
      const group = (await nextMessage<Msg>(helper.getNode("replies"))).payload.group as Record<
        string,
        unknown
      >;
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
      // REQ read high five more times (every 10 ms), and no second transaction.
      await answered(5, "five more REQ reads");
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
      await answered(2, "the first REQ reads");
      // 20 reads: shared, one a 50 ms tick for all three (≥ 19 ticks, ≈ 1 s); alone, three a tick
      // (≈ 7 ticks). Ticks stay on their grid, so a loaded machine only makes this take longer.
      const t0 = performance.now();
      await answered(20, "20 REQ reads");
      (performance.now() - t0).should.be.aboveOrEqual(600);
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
