/**
 * Every example flow deploys in a real Node-RED runtime (scripts/start.js with the flow) with every node
 * type installed, and does its job against the simulator.
 */
import "should";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Database from "better-sqlite3";
import WebSocket from "ws";
import { PlcSimulator } from "../../lib/simulator";
import {
  type FlowNode,
  ROOT,
  type Runtime,
  type StatusView,
  authed,
  engineProbe,
  eventually,
  exampleFlow,
  groupOf,
  loggedErrors,
  probe,
  request,
  startRuntime,
} from "./runtime";

const EXAMPLES = fs.readdirSync(path.join(ROOT, "examples")).filter((f) => f.endsWith(".json"));

describe("examples", function () {
  this.timeout(60000);
  let sim: PlcSimulator;
  let rt: Runtime | undefined;

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
    sim.addGenerator({ kind: "counter", address: "D0", periodMs: 50 });
  });
  afterEach(async () => {
    if (rt) String(await rt.stop()).should.equal("0");
    rt = undefined;
    await sim.stop();
  });

  async function deploy(file: string, env: Record<string, string> = {}): Promise<Runtime> {
    const flow: FlowNode[] = [...exampleFlow(file, sim.port), ...engineProbe()];
    rt = await startRuntime({ flow, env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port), ...env } });
    return rt;
  }

  it("are what scripts/demo-flows.js generates (edit the blocks, not the JSON)", () => {
    execFileSync(process.execPath, [path.join(ROOT, "scripts", "demo-flows.js"), "--check"], {
      stdio: "pipe",
    });
  });

  for (const file of EXAMPLES) {
    it(`${file}: is commented (tab description and comment nodes)`, () => {
      const flow = JSON.parse(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as FlowNode[];
      flow.filter((n) => n.type === "comment").length.should.be.above(0);
      const tab = flow.find((n) => n.type === "tab");
      (typeof tab?.info === "string" ? tab.info : "").length.should.be.above(10);
    });
  }

  for (const file of EXAMPLES) {
    it(`${file}: deploys with every node type installed and no error`, async () => {
      const runtime = await deploy(file);
      const status = await eventually(
        async () => {
          const s = await probe(runtime);
          return s.groups.some((g) => g.running && g.polls > 0) ? s : undefined;
        },
        10000,
        "a group polling",
      );
      for (const g of status.groups.filter((x) => x.polls > 0)) g.errors.should.equal(0, g.name);
      loggedErrors(runtime.log()).should.deepEqual([]);
    });
  }

  it("01 quick start: polls the simulator every second", async () => {
    const runtime = await deploy("01-quick-start-simulator.json");
    const s = await eventually(
      async () => {
        const g = groupOf(await probe(runtime), "quickstart");
        return g.polls >= 2 ? g : undefined;
      },
      5000,
      "two polls",
    );
    s.successRate.should.equal(100);
    s.state.should.equal("running");
  });

  it("02 REST API: answers the 8 endpoints with the documented status codes", async () => {
    // Capacity 2 so 429 can be shown: rest-fast and rest-on-demand start at deploy, rest-slow does not.
    const runtime = await deploy("02-rest-api.json", { JSSCADA_MAX_GROUPS: "2" });
    const api = (method: string, p: string) =>
      authed(runtime.token, method, `${runtime.url}/api/polling${p}`);

    const all = await api("GET", "/status");
    all.status.should.equal(200);
    all.contentType.should.match(/application\/json/);
    (all.body as unknown as StatusView).groups
      .map((g) => g.name)
      .sort()
      .should.deepEqual(["rest-fast", "rest-on-demand", "rest-slow"]);

    (await api("POST", "/groups/rest-fast/start")).status.should.equal(409);
    const capacity = await api("POST", "/groups/rest-slow/start");
    capacity.status.should.equal(429);
    capacity.body.should.have.property("success", false);
    (await api("POST", "/groups/nope/start")).status.should.equal(404);

    const stopped = await api("POST", "/groups/rest-fast/stop");
    stopped.status.should.equal(200);
    stopped.body.should.have.property("success", true);
    (await api("POST", "/groups/rest-fast/stop")).status.should.equal(409);
    (await api("POST", "/groups/nope/stop")).status.should.equal(404);
    (await api("POST", "/groups/rest-slow/start")).status.should.equal(200);

    const before = (await api("GET", "/groups/rest-on-demand/status")).body as unknown as { polls: number };
    const triggered = await api("POST", "/groups/rest-on-demand/trigger");
    triggered.status.should.equal(200);
    // The answer carries what the poll read.
    triggered.body.should.have.property("data").which.has.properties(["recipeNo", "setpoints", "recipeName"]);
    const after = await api("GET", "/groups/rest-on-demand/status");
    after.status.should.equal(200);
    (after.body as unknown as { polls: number }).polls.should.be.above(before.polls);
    (await api("POST", "/groups/nope/trigger")).status.should.equal(404);
    (await api("GET", "/groups/nope/status")).status.should.equal(404);

    const stopAll = await api("POST", "/stop-all");
    stopAll.status.should.equal(200);
    (stopAll.body.stopped as string[]).sort().should.deepEqual(["rest-on-demand", "rest-slow"]);
    const startAll = await api("POST", "/start-all");
    startAll.status.should.equal(207); // some started, not all: per-group results
    startAll.body.should.have.properties({ success: false, code: "PARTIAL" });
    (startAll.body.results as unknown[]).should.have.length(3);
    (startAll.body.started as string[]).length.should.equal(2);
    (startAll.body.refused as string[]).length.should.equal(1);
    (await api("POST", "/start-all")).status.should.equal(429);

    const queues = await api("GET", "/queue/status");
    queues.status.should.equal(200);
    queues.body.should.have.property("success", true);
    queues.body.should.have.property("queues").which.is.an.Array();
  });

  it("03 WebSocket: broadcasts the status to two clients; a command's reply goes to its sender only", async () => {
    const runtime = await deploy("03-websocket-status-page.json");
    const wsUrl = runtime.url.replace("http:", "ws:") + "/ws/polling";
    const clients = [new WebSocket(wsUrl), new WebSocket(wsUrl)];
    const inbox: Array<Array<Record<string, unknown>>> = [[], []];
    clients.forEach((c, i) =>
      c.on("message", (data: Buffer) =>
        inbox[i]!.push(JSON.parse(data.toString()) as Record<string, unknown>),
      ),
    );
    try {
      await Promise.all(
        clients.map((c) => new Promise((resolve, reject) => c.once("open", resolve).once("error", reject))),
      );
      clients.forEach((c) => c.send(JSON.stringify({ command: "auth", token: runtime.token })));
      await eventually(
        () => inbox.every((box) => box.filter((m) => m.type === "status").length >= 2),
        5000,
        "2 status messages each",
      );
      for (const box of inbox) {
        const s = box.find((m) => m.type === "status")!.payload as StatusView;
        s.groups.map((g) => g.name).should.containEql("ws-fast");
      }
      clients[0]!.send(JSON.stringify({ command: "start", name: "ws-slow" }));
      clients[0]!.send(JSON.stringify({ command: "start", name: "nope" }));
      clients[0]!.send("not json");
      const replies = await eventually(
        () => {
          const r = inbox[0]!.filter((m) => m.type === "reply");
          return r.length >= 4 ? r : undefined;
        },
        5000,
        "4 replies",
      );
      replies.map((r) => r.statusCode).should.deepEqual([200, 200, 404, 400]);
      replies[0]!.should.have.properties({ command: "auth" });
      replies.shift();
      replies[0]!.should.have.properties({ command: "start", name: "ws-slow" });
      inbox[1]!.filter((m) => m.type === "reply" && m.command !== "auth").should.have.length(0);
      groupOf(await probe(runtime), "ws-slow").running.should.be.true();

      const page = await request<string>("GET", `${runtime.url}/polling-ws`);
      page.status.should.equal(200);
      page.contentType.should.match(/text\/html/);
      String(page.body).should.match(/var MODE = "ws"/);
    } finally {
      clients.forEach((c) => c.close());
    }
  });

  it("04 HTTP polling page: serves the page, which reads the REST endpoints of the same flow", async () => {
    const runtime = await deploy("04-http-polling-page.json");
    const page = await request<string>("GET", `${runtime.url}/polling`);
    page.status.should.equal(200);
    page.contentType.should.match(/text\/html/);
    String(page.body).should.match(/var MODE = "http"/);
    // No CDN: plant networks have no internet.
    String(page.body).should.not.match(/<script[^>]+src=|https?:\/\//);
    const s = await authed<StatusView>(runtime.token, "GET", `${runtime.url}/api/polling/status`);
    s.status.should.equal(200);
    s.body.groups.map((g) => g.name).should.containEql("page-on-demand");
    (
      await authed(runtime.token, "POST", `${runtime.url}/api/polling/groups/page-on-demand/trigger`)
    ).status.should.equal(200);
    // The page itself holds no secret: it asks for the token or reads it from the URL fragment.
    String(page.body).should.not.containEql(runtime.token);
  });

  it("05 Dashboard 2: the dashboard page is served", async () => {
    const runtime = await deploy("05-dashboard-2.json");
    const page = await request<string>("GET", `${runtime.url}/dashboard/polling`);
    page.status.should.equal(200);
    String(page.body).should.match(/<div id="app"|<html/);
  });

  it("06 PLC handshake: each part is acknowledged OK to the PLC and reaches the database through the disk queue", async () => {
    const runtime = await deploy("06-plc-handshake-queue-database.json");
    // The stand-in PLC makes a part at once and then every 5 s.
    const s = await eventually(
      async () => {
        const st = await probe(runtime);
        const g = groupOf(st, "ex6-parts") as unknown as { ok: number; ng: number };
        const q = st.queues.find((x) => x.name === "ex6-parts") as
          { dequeued: number; size: number } | undefined;
        return g.ok >= 2 && q && q.dequeued >= 2 && q.size === 0 ? { g, q } : undefined;
      },
      15000,
      "two parts acknowledged and stored",
    );
    s.g.ng.should.equal(0);
    sim.memory.get("D1201").should.equal(0); // ACK cleared after the PLC dropped REQ
    // In the SQLite table (node-red-node-sqlite, created on first use in Node-RED's working directory).
    const db = new Database(path.join(runtime.userDir, "jsscada-parts.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT seq, data, deliveries, duplicate FROM parts").all() as Array<{
        seq: number;
        data: string;
      }>;
      rows.length.should.be.aboveOrEqual(2);
      for (const r of rows) (JSON.parse(r.data) as object).should.have.properties({ partNo: 1000 + r.seq });
    } finally {
      db.close();
    }
    loggedErrors(runtime.log()).should.deepEqual([]);
  });
});
