/**
 * The integrator's surface of the `npm start` demo flow (the REST and WebSocket API of examples
 * 02–04) in a real Node-RED runtime: who may run commands, and the one error contract.
 */
import "should";
import * as fs from "node:fs";
import * as path from "node:path";
import WebSocket from "ws";
import { PlcSimulator } from "../../lib/simulator";
import {
  type FlowNode,
  ROOT,
  type Runtime,
  authed,
  engineProbe,
  eventually,
  groupOf,
  loggedErrors,
  probe,
  request,
  startRuntime,
} from "./runtime";

type Json = Record<string, unknown>;

function demoFlow(): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "flow.json"), "utf8")) as FlowNode[];
  return [...flow, ...engineProbe()];
}

/** A WebSocket client that keeps every message it receives. */
class Client {
  readonly inbox: Json[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.inbox.push(JSON.parse(data.toString()) as Json));
  }

  static async open(rt: Runtime): Promise<Client> {
    const ws = new WebSocket(`${rt.url.replace("http:", "ws:")}/ws/polling`);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new Client(ws);
  }

  send(body: unknown): void {
    this.ws.send(typeof body === "string" ? body : JSON.stringify(body));
  }

  /** The next reply to `command` (counting from `from`). */
  async reply(command: string | null, from = 0): Promise<Json> {
    return eventually(
      () => this.inbox.slice(from).find((m) => m.type === "reply" && m.command === command),
      5000,
      `a reply to ${command}`,
    );
  }

  statuses(): Json[] {
    return this.inbox.filter((m) => m.type === "status");
  }

  close(): void {
    this.ws.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("REST and WebSocket API of the demo flow", function () {
  this.timeout(60000);
  let sim: PlcSimulator;
  let rt: Runtime | undefined;
  const clients: Client[] = [];

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    if (rt) String(await rt.stop()).should.equal("0");
    rt = undefined;
    await sim.stop();
  });

  async function start(env: Record<string, string> = {}): Promise<Runtime> {
    rt = await startRuntime({
      flow: demoFlow(),
      env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port), ...env },
    });
    await eventually(async () => (await probe(rt!)).engine.runningGroups === 5, 10000, "5 groups running");
    return rt;
  }

  async function client(runtime: Runtime): Promise<Client> {
    const c = await Client.open(runtime);
    clients.push(c);
    return c;
  }

  describe("secure by default", () => {
    it("HTTP: no token, a wrong one, 'Bearer undefined', an empty one or a prefix is 401 and changes nothing", async () => {
      const runtime = await start();
      const token = runtime.token;
      token.length.should.be.aboveOrEqual(32);
      const attempts: Record<string, string | undefined> = {
        "no header": undefined,
        wrong: "Bearer 0123456789abcdef0123456789abcdef",
        "Bearer undefined": "Bearer undefined",
        "Bearer null": "Bearer null",
        empty: "Bearer ",
        prefix: `Bearer ${token.slice(0, -1)}`,
        "token plus a character": `Bearer ${token}x`,
        "Basic with the token": `Basic ${Buffer.from(`api:${token}`).toString("base64")}`,
      };
      for (const [what, header] of Object.entries(attempts)) {
        const answer = await request("POST", `${runtime.url}/api/polling/stop-all`, undefined, {
          ...(header === undefined ? {} : { authorization: header }),
        });
        answer.status.should.equal(401, what);
        answer.body.should.containEql({ success: false, code: "UNAUTHORIZED" });
        String(answer.headers.get("www-authenticate")).should.equal("Bearer");
      }
      (await probe(runtime)).engine.runningGroups.should.equal(5);
      const ok = await authed(token, "POST", `${runtime.url}/api/polling/stop-all`);
      ok.status.should.equal(200);
      (await probe(runtime)).engine.runningGroups.should.equal(0);
    });

    it("WebSocket: an anonymous or wrong-token client runs nothing and receives no status; the right token unlocks both", async () => {
      const runtime = await start();
      const anonymous = await client(runtime);
      anonymous.send({ command: "stop-all" });
      (await anonymous.reply("stop-all")).should.containEql({ statusCode: 401 });
      const wrong = await client(runtime);
      for (const token of [
        "0123456789abcdef0123456789abcdef",
        "undefined",
        "",
        null,
        runtime.token.slice(0, 16),
      ]) {
        const from = wrong.inbox.length;
        wrong.send({ command: "auth", token });
        (await wrong.reply("auth", from)).should.containEql({ statusCode: 401 });
      }
      wrong.send({ command: "stop-all" });
      (await wrong.reply("stop-all")).should.containEql({ statusCode: 401 });
      const good = await client(runtime);
      good.send({ command: "auth", token: runtime.token });
      (await good.reply("auth")).should.containEql({ statusCode: 200 });
      await eventually(() => good.statuses().length >= 2, 5000, "status broadcasts");
      // Three broadcasts went out meanwhile: none of them to the others.
      anonymous.statuses().should.have.length(0);
      wrong.statuses().should.have.length(0);
      (await probe(runtime)).engine.runningGroups.should.equal(5);
      good.send({ command: "stop", name: "fast-1s" });
      (await good.reply("stop")).should.containEql({ statusCode: 200 });
      groupOf(await probe(runtime), "fast-1s").running.should.be.false();
    });

    it("with POLLING_API_TOKEN empty, every HTTP and WebSocket command is refused with 403 saying how to set it", async () => {
      const runtime = await start({ POLLING_API_TOKEN: "" });
      for (const header of [undefined, "Bearer ", "Bearer undefined", "Bearer anything-at-all-here"]) {
        const answer = await request("POST", `${runtime.url}/api/polling/stop-all`, undefined, {
          ...(header === undefined ? {} : { authorization: header }),
        });
        answer.status.should.equal(403);
        answer.body.should.containEql({ success: false, code: "API_TOKEN_NOT_SET" });
        String(answer.body.error).should.match(/POLLING_API_TOKEN/);
      }
      const ws = await client(runtime);
      ws.send({ command: "auth", token: "" });
      (await ws.reply("auth")).should.containEql({ statusCode: 403 });
      ws.send({ command: "stop-all" });
      const refused = await ws.reply("stop-all");
      refused.should.containEql({ statusCode: 403 });
      String((refused.payload as Json).error).should.match(/POLLING_API_TOKEN/);
      await sleep(1500);
      ws.statuses().should.have.length(0);
      (await probe(runtime)).engine.runningGroups.should.equal(5);
    });
  });

  describe("one error contract", () => {
    it("wrong path 404, wrong method 405 with Allow, in JSON", async () => {
      const runtime = await start();
      const notFound = await authed(runtime.token, "GET", `${runtime.url}/api/polling/nope`);
      notFound.status.should.equal(404);
      notFound.body.should.containEql({ success: false, code: "NOT_FOUND" });
      const wrongMethod = await authed(runtime.token, "GET", `${runtime.url}/api/polling/stop-all`);
      wrongMethod.status.should.equal(405);
      wrongMethod.body.should.containEql({ success: false, code: "METHOD_NOT_ALLOWED" });
      String(wrongMethod.headers.get("allow")).should.equal("POST");
      const unknownGroup = await authed(
        runtime.token,
        "POST",
        `${runtime.url}/api/polling/groups/nope/start`,
      );
      unknownGroup.status.should.equal(404);
      unknownGroup.body.should.containEql({ success: false, code: "GROUP_NOT_FOUND" });
    });

    it("WebSocket: bad input is 400 with its type named, and echoed input is capped", async () => {
      const runtime = await start();
      const ws = await client(runtime);
      ws.send({ command: "auth", token: runtime.token });
      await ws.reply("auth");
      const huge = "x".repeat(4 * 1024 * 1024);
      ws.send({ command: huge });
      const big = await eventually(
        () => ws.inbox.find((m) => m.type === "reply" && m.statusCode === 400),
        10000,
        "the reply to a 4 MB command",
      );
      JSON.stringify(big).length.should.be.below(1000);
      (big.payload as Json).should.containEql({ code: "BAD_COMMAND" });
      for (const command of [5, ["start"], { x: 1 }]) {
        const from = ws.inbox.length;
        ws.send({ command, name: "fast-1s" });
        const r = await eventually(() => ws.inbox.slice(from).find((m) => m.type === "reply"), 5000, "reply");
        r.should.containEql({ statusCode: 400 });
        (r.payload as Json).should.containEql({ code: "BAD_COMMAND" });
      }
      const from = ws.inbox.length;
      ws.send({ command: "stop", name: 42 });
      const numeric = await ws.reply("stop", from);
      numeric.should.containEql({ statusCode: 400 });
      String((numeric.payload as Json).error).should.match(/name must be a string.*number 42/);
      ws.send("not json");
      (await ws.reply(null)).should.containEql({ statusCode: 400 });
      groupOf(await probe(runtime), "fast-1s").running.should.be.true();
    });

    it("trigger answers 200 only when a poll ran; stopped, PLC-driven and duplicate are refused and read nothing", async () => {
      const runtime = await start();
      const api = (method: string, p: string) =>
        authed(runtime.token, method, `${runtime.url}/api/polling${p}`);
      const queueBefore = (await probe(runtime)).queues.find((q) => q.name === "parts-to-database")!;
      const requestsBefore = sim.stats.requests;

      const plcDriven = await api("POST", "/groups/plc-report/trigger");
      plcDriven.status.should.equal(409);
      plcDriven.body.should.containEql({ success: false, code: "PLC_DRIVEN" });

      const first = await api("POST", "/groups/recipe-on-demand/trigger");
      first.status.should.equal(200);
      first.body.should.have.property("data").which.containEql({ recipeNo: 0 });
      const duplicate = await api("POST", "/groups/recipe-on-demand/trigger");
      duplicate.status.should.equal(429);
      duplicate.body.should.containEql({ success: false, code: "DUPLICATE_TRIGGER" });
      Number(duplicate.headers.get("retry-after")).should.be.aboveOrEqual(1);

      for (const group of ["recipe-on-demand", "fast-1s", "plc-report"]) {
        (await api("POST", `/groups/${group}/stop`)).status.should.equal(200);
        const stopped = await api("POST", `/groups/${group}/trigger`);
        stopped.status.should.equal(409, group);
        stopped.body.should.containEql({ success: false, code: "NOT_RUNNING" });
      }
      const s = await probe(runtime);
      groupOf(s, "recipe-on-demand").polls.should.equal(1);
      const queueAfter = s.queues.find((q) => q.name === "parts-to-database")!;
      queueAfter.enqueued!.should.equal(queueBefore.enqueued);
      loggedErrors(runtime.log()).should.deepEqual([]);
      // Only the one accepted trigger read the tag table (1 request), besides the other groups' polls.
      sim.stats.requests.should.be.above(requestsBefore);
    });

    it("a PLC that refuses is 502, one that does not answer 504", async () => {
      const runtime = await start();
      const api = (p: string) => authed(runtime.token, "POST", `${runtime.url}/api/polling${p}`);
      // Only the group under test talks to the PLC.
      (await api("/stop-all")).status.should.equal(200);
      (await api("/groups/recipe-on-demand/start")).status.should.equal(200);
      sim.failWhen(() => 0xc051);
      const refused = await api("/groups/recipe-on-demand/trigger");
      refused.status.should.equal(502);
      refused.body.should.containEql({ success: false, code: "PLC_ERROR", plcError: "MC_END_CODE" });
      sim.failWhen(undefined);
      sim.setLatency(5000);
      await sleep(1100); // outside the de-duplication window
      const silent = await api("/groups/recipe-on-demand/trigger");
      silent.status.should.equal(504);
      silent.body.should.containEql({ success: false, code: "PLC_TIMEOUT" });
      sim.setLatency(0);
    });
  });
});
