import "should";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";
import { eventually } from "../examples/runtime";
import { ALL_NODES, collect, helper, nextMessage, plcConfig } from "../helpers/node-red";

interface Reply {
  statusCode: number;
  payload: Record<string, unknown> & {
    groups?: Array<Record<string, unknown>>;
    plcs?: Array<Record<string, unknown>>;
  };
  [k: string]: unknown;
}

function group(name: string, extra: object = {}): object {
  return {
    id: `${name}-node`,
    type: "jsscada-poll-fixed",
    plc: "plc",
    group: name,
    tags: [{ name: "v", address: "D0" }],
    interval: "100",
    intervalUnit: "ms",
    autoStart: false,
    payloadFormat: "object",
    wires: [[], []],
    ...extra,
  };
}

const statusNode = { id: "status-node", type: "jsscada-engine-status", interval: "0", wires: [["replies"]] };
const replies = { id: "replies", type: "helper" };

describe("jsscada-engine-status", function () {
  let sim: PlcSimulator;
  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    await sim.stop();
  });

  async function ask<R = Reply>(command: string, name?: string, extra: object = {}): Promise<R> {
    const reply = nextMessage<R>(helper.getNode("replies"));
    helper.getNode("status-node").receive({ payload: { command, name }, ...extra });
    return reply;
  }

  it("answers every command with the seed's status codes", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), group("b"), statusNode, replies]);
    (await ask("start", "a")).statusCode.should.equal(200);
    (await ask("start", "a")).statusCode.should.equal(409);
    (await ask("stop", "b")).statusCode.should.equal(409);
    (await ask("start", "nope")).statusCode.should.equal(404);
    (await ask("frobnicate")).statusCode.should.equal(400);
    const one = await ask("group-status", "a");
    one.statusCode.should.equal(200);
    one.payload.should.containEql({ name: "a", mode: "fixed", running: true, plc: "plc-sim", tags: 1 });
    // A stopped group is not polled by a trigger; a running one answers with what it read.
    const stoppedTrigger = await ask("trigger", "b");
    stoppedTrigger.statusCode.should.equal(409);
    stoppedTrigger.payload.should.containEql({ success: false, code: "NOT_RUNNING" });
    const triggered = await ask("trigger", "a");
    triggered.statusCode.should.equal(200);
    triggered.payload.should.have.property("data").which.has.property("v");
    (await ask("stop", "a")).statusCode.should.equal(200);
    const all = await ask("start-all");
    all.statusCode.should.equal(200);
    (all.payload.started as string[]).sort().should.eql(["a", "b"]);
    const stopped = await ask("stop-all");
    (stopped.payload.stopped as string[]).sort().should.eql(["a", "b"]);
    (await ask("disable-plc", "plc-sim")).statusCode.should.equal(200);
    (await ask("enable-plc", "nope")).statusCode.should.equal(404);
  });

  it("reports engine, groups and PLC statistics", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("a", { autoStart: true }),
      statusNode,
      replies,
    ]);
    await until(() => sim.stats.requests >= 3);
    const s = await ask("status");
    s.statusCode.should.equal(200);
    (s.payload.engine as Record<string, unknown>).should.containEql({
      runningGroups: 1,
      totalGroups: 1,
      maxGroups: 10,
      ready: true,
    });
    const g = s.payload.groups![0]!;
    g.should.containEql({ name: "a", state: "running", intervalMs: 100, errors: 0, successRate: 100 });
    (g.polls as number).should.be.aboveOrEqual(2);
    (g.pollTime as Record<string, number>).avg!.should.be.above(0);
    const plc = s.payload.plcs![0]!;
    plc.should.containEql({ name: "plc-sim", state: "connected", connectionsOpen: 1, users: 1 });
    // Connection set-up is reported apart from the poll time.
    (plc.connectMs as number).should.be.a.Number();
    g.should.have.property("connectMs");
    (plc.requests as number).should.be.aboveOrEqual(2);
  });

  it("refuses to start past the capacity limit from settings.js with 429", async () => {
    helper.settings({ jsscada: { maxGroups: 1 } });
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), group("b"), statusNode, replies]);
    (await ask("start", "a")).statusCode.should.equal(200);
    const refused = await ask("start", "b");
    refused.statusCode.should.equal(429);
    String(refused.payload.error).should.match(/1 groups are already running/);
    (await ask("start-all")).statusCode.should.equal(429);
  });

  it("answers 503 while a deploy is stopping and starting flows", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), statusNode, replies]);
    const events = (helper as unknown as { _events: { emit(name: string): void } })._events;
    events.emit("flows:stopping");
    (await ask("status")).statusCode.should.equal(503);
    events.emit("flows:started");
    (await ask("status")).statusCode.should.equal(200);
  });

  it("takes the group name from an http in route parameter and keeps the message", async () => {
    await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), statusNode, replies]);
    const reply = nextMessage<Reply>(helper.getNode("replies"));
    helper
      .getNode("status-node")
      .receive({ topic: "start", req: { params: { name: "a" } }, res: { marker: 1 } });
    const r = await reply;
    r.statusCode.should.equal(200);
    (r.res as Record<string, number>).marker!.should.equal(1);
  });

  it("sends the status on its interval", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("a"),
      { ...statusNode, interval: "0.1" },
      replies,
    ]);
    const got = collect<Reply>(helper.getNode("replies"));
    await until(() => got.length >= 2, 2000);
    got[0]!.topic!.should.equal("status");
    (got[0]!.payload.groups as unknown[]).should.have.length(1);
  });

  it("a disabled PLC gets no traffic until enabled", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("a", { autoStart: true, interval: "20" }),
      statusNode,
      replies,
    ]);
    await until(() => sim.stats.requests > 0);
    await ask("disable-plc", "plc-sim");
    await until(() => sim.clientCount === 0, 1000, "the connection to close");
    const before = sim.stats.requests;
    const groupNode = helper.getNode("a-node");
    const errorsBefore = (groupNode.error as unknown as { callCount: number }).callCount;
    // The group keeps polling every 20 ms, into the disabled PLC: three more polls, and no request.
    const polls = async () =>
      (await ask("status")).payload.groups!.find((g) => g.name === "a")!.polls as number;
    const polls0 = await polls();
    await eventually(async () => (await polls()) >= polls0 + 3, 5000, "three polls while disabled");
    sim.stats.requests.should.equal(before);
    // Disabled on purpose: the status says so, the log stays quiet.
    (groupNode.error as unknown as { callCount: number }).callCount.should.equal(errorsBefore);
    const s = await ask("status");
    (s.payload.plcs![0]!.state as string).should.equal("disabled");
    await ask("enable-plc", "plc-sim");
    await until(() => sim.stats.requests > before, 2000, "polling to resume");
  });

  it("lists groups refused at deploy with their reason, and starting one is 409 with it", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port),
      group("good"),
      group("bad-tag", { tags: [{ name: "v", address: "D1A" }] }),
      group("zero", { interval: "0" }),
      { ...group("good"), id: "dup-node" },
      statusNode,
      replies,
    ]);
    const s = await ask("status");
    const refused = s.payload.groups!.filter((g) => g.state === "refused");
    refused
      .map((g) => g.name)
      .sort()
      .should.eql(["bad-tag", "good", "zero"]);
    String(refused.find((g) => g.name === "bad-tag")!.reason).should.match(/D1A/);
    String(refused.find((g) => g.name === "zero")!.reason).should.match(/interval/);
    String(refused.find((g) => g.name === "good")!.reason).should.match(/already exists/);
    (s.payload.engine as Record<string, number>).should.containEql({ totalGroups: 4, refusedGroups: 3 });
    const start = await ask("start", "zero");
    start.statusCode.should.equal(409);
    start.payload.should.containEql({ code: "GROUP_REFUSED" });
    // The good one of the duplicate pair still works.
    (await ask("start", "good")).statusCode.should.equal(200);
  });

  it("keys PLCs by node id: duplicate names get distinct display names; an ambiguous name is 409 with the candidates", async () => {
    await helper.load(ALL_NODES, [
      plcConfig("plc", sim.port, { name: "line" }),
      plcConfig("plc2", sim.port, { name: "line" }),
      statusNode,
      replies,
    ]);
    const s = await ask("status");
    s.payload
      .plcs!.map((p) => p.displayName)
      .sort()
      .should.eql(["line [plc2]", "line [plc]"]);
    const ambiguous = await ask("disable-plc", "line");
    ambiguous.statusCode.should.equal(409);
    ambiguous.payload.should.containEql({ code: "PLC_AMBIGUOUS" });
    (ambiguous.payload.candidates as { id: string }[])
      .map((c) => c.id)
      .sort()
      .should.eql(["plc", "plc2"]);
    (await ask("disable-plc", "plc2")).statusCode.should.equal(200);
    const after = await ask("status");
    after.payload.plcs!.find((p) => p.id === "plc2")!.state!.should.equal("disabled");
    after.payload.plcs!.find((p) => p.id === "plc")!.state!.should.not.equal("disabled");
  });

  describe("with token authentication", () => {
    const TOKEN = "node-test-token-0123456789";
    const secured = { ...statusNode, auth: "token", tokenEnv: "JSSCADA_TEST_TOKEN" };
    afterEach(() => delete process.env.JSSCADA_TEST_TOKEN);

    it("an HTTP request needs the Bearer token; a message from inside the runtime does not", async () => {
      process.env.JSSCADA_TEST_TOKEN = TOKEN;
      await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), secured, replies]);
      const http = (authorization?: string) =>
        ask("start", "a", { req: { headers: authorization ? { authorization } : {}, params: {} } });
      const denied = await http(`Bearer ${TOKEN.slice(0, 10)}`);
      denied.statusCode.should.equal(401);
      (denied.headers as Record<string, string>).should.containEql({ "WWW-Authenticate": "Bearer" });
      (await http()).statusCode.should.equal(401);
      (await http(`Bearer ${TOKEN}`)).statusCode.should.equal(200);
      (await ask("stop", "a")).statusCode.should.equal(200);
    });

    it("a WebSocket session needs an auth message first", async () => {
      process.env.JSSCADA_TEST_TOKEN = TOKEN;
      await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), secured, replies]);
      const ws = async (body: object, id = "s1") =>
        JSON.parse(
          (
            await ask<{ payload: string }>("", undefined, {
              payload: JSON.stringify(body),
              _session: { type: "websocket", id },
            })
          ).payload,
        ) as Record<string, unknown>;
      (await ws({ command: "start", name: "a" })).should.containEql({ type: "reply", statusCode: 401 });
      (await ws({ command: "auth", token: "wrong-token-0123456789" })).should.containEql({ statusCode: 401 });
      (await ws({ command: "auth", token: TOKEN })).should.containEql({ command: "auth", statusCode: 200 });
      (await ws({ command: "start", name: "a" })).should.containEql({ command: "start", statusCode: 200 });
      // Authentication belongs to the session, not to the client's knowledge of an id.
      (await ws({ command: "stop", name: "a" }, "s2")).should.containEql({ statusCode: 401 });
    });

    it("a WebSocket message without a session id cannot authenticate, and does not open id-less messages", async () => {
      process.env.JSSCADA_TEST_TOKEN = TOKEN;
      await helper.load(ALL_NODES, [plcConfig("plc", sim.port), group("a"), secured, replies]);
      const ws = async (body: object, session: object) =>
        JSON.parse(
          (
            await ask<{ payload: string }>("", undefined, {
              payload: JSON.stringify(body),
              _session: session,
            })
          ).payload,
        ) as Record<string, unknown>;
      const noId = { type: "websocket" };
      (await ws({ command: "auth", token: TOKEN }, noId)).should.containEql({
        command: "auth",
        statusCode: 401,
      });
      (await ws({ command: "start", name: "a" }, noId)).should.containEql({ statusCode: 401 });
      // A numeric id is still its own session.
      (await ws({ command: "auth", token: TOKEN }, { type: "websocket", id: 7 })).should.containEql({
        statusCode: 200,
      });
      (await ws({ command: "start", name: "a" }, { type: "websocket", id: 7 })).should.containEql({
        statusCode: 200,
      });
      (await ws({ command: "stop", name: "a" }, { type: "websocket", id: 8 })).should.containEql({
        statusCode: 401,
      });
    });
  });
});
