/**
 * The OpenAPI document served at /api/polling/openapi.json describes the real answers: every endpoint
 * is called into as many of its documented status codes as a test can provoke, and each answer must be
 * documented for that path, method and status, and valid against its schema (ajv). Also /health, and
 * the WebSocket ping that drops clients which do not answer.
 */
import "should";
import Ajv from "ajv";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import WebSocket from "ws";
import { PlcSimulator } from "../../lib/simulator";
import {
  type Answer,
  type FlowNode,
  ROOT,
  type Runtime,
  authed,
  engineProbe,
  eventually,
  request,
  startRuntime,
} from "./runtime";

type Json = Record<string, unknown>;

function demoFlow(): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "flow.json"), "utf8")) as FlowNode[];
  return [...flow, ...engineProbe()];
}

/** The documented schema for (template path, method, status), or undefined if that answer is undocumented. */
function documented(doc: Json, template: string, method: string, status: number): Json | undefined {
  const paths = doc.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
  const response =
    paths[template]?.[method]?.responses[String(status)] ??
    (doc["x-any-path"] as Record<string, Json>)[String(status)];
  if (!response) return undefined;
  const content = response.content as Record<string, { schema: Json }> | undefined;
  return content?.["application/json"]?.schema ?? {};
}

describe("OpenAPI document, health and WebSocket ping", function () {
  this.timeout(90000);
  let sim: PlcSimulator;
  let rt: Runtime | undefined;

  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
  });
  afterEach(async () => {
    if (rt) String(await rt.stop()).should.equal("0");
    rt = undefined;
    await sim.stop();
  });

  it("every answer of every endpoint is documented and matches its schema", async () => {
    // Capacity 4 of 5 groups, so start-all can be partial (207) and refused (429).
    rt = await startRuntime({
      flow: demoFlow(),
      env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port), JSSCADA_MAX_GROUPS: "4" },
    });
    const runtime = rt;
    const doc = (await request<Json>("GET", `${runtime.url}/api/polling/openapi.json`)).body;
    doc.should.have.property("openapi", "3.1.0");
    // On Node-RED 5 the tests resolve Node-RED's own ajv 8 first, which refuses the document's
    // non-schema keywords (openapi, paths…) unless strict mode is off; ajv 6 ignores the option.
    const ajvOptions = { allErrors: true, validateSchema: false, strict: false };
    const ajv = new Ajv(ajvOptions);
    ajv.addSchema(doc, "openapi.json");

    const seen = new Map<string, Set<number>>();
    const check = (template: string, method: string, answer: Answer<Json>): void => {
      const schema = documented(doc, template, method, answer.status);
      if (!schema)
        throw new Error(`${method.toUpperCase()} ${template} → ${answer.status} is not documented`);
      answer.contentType.should.match(/application\/json/);
      // The schema's $refs point into the document, which ajv knows as "openapi.json".
      const rooted = JSON.parse(
        JSON.stringify(schema).replace(/"#\/components\//g, '"openapi.json#/components/'),
      ) as object;
      const valid = ajv.validate(rooted, answer.body);
      if (!valid) {
        throw new Error(
          `${method.toUpperCase()} ${template} → ${answer.status}: ${ajv.errorsText()}\n${JSON.stringify(answer.body).slice(0, 500)}`,
        );
      }
      const key = `${method.toUpperCase()} ${template}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key)!.add(answer.status);
    };
    const call = async (method: string, template: string, name = "", token = runtime.token) => {
      const url = `${runtime.url}/api/polling${template.replace("{name}", encodeURIComponent(name))}`;
      const answer = await request<Json>(
        method.toUpperCase(),
        url,
        undefined,
        token ? { authorization: `Bearer ${token}` } : {},
      );
      check(template, method, answer);
      return answer;
    };

    await eventually(
      async () => (await call("get", "/health")).status === 200,
      10000,
      "healthy once the PLC is connected",
    );
    const status = await call("get", "/status");
    status.status.should.equal(200);
    // 4 of 5 started at deploy: one was refused for capacity.
    const waiting = (status.body.groups as { name: string; running: boolean }[]).find(
      (g) => !g.running,
    )!.name;
    const running = waiting === "fast-1s" ? "medium-5s" : "fast-1s";
    (await call("get", "/status", "", "")).status.should.equal(401);
    (await call("get", "/groups/{name}/status", "fast-1s")).status.should.equal(200);
    (await call("get", "/groups/{name}/status", "nope")).status.should.equal(404);
    (await call("get", "/queue/status")).status.should.equal(200);
    (await call("post", "/groups/{name}/start", running)).status.should.equal(409);
    (await call("post", "/groups/{name}/start", waiting)).status.should.equal(429);
    (await call("post", "/groups/{name}/start", "nope")).status.should.equal(404);
    if (waiting === "recipe-on-demand") {
      (await call("post", "/groups/{name}/stop", "fast-1s")).status.should.equal(200);
      (await call("post", "/groups/{name}/start", waiting)).status.should.equal(200);
      (await call("post", "/groups/{name}/start", "fast-1s")).status.should.equal(429);
    }
    (await call("post", "/groups/{name}/trigger", "recipe-on-demand")).status.should.equal(200);
    (await call("post", "/groups/{name}/trigger", "recipe-on-demand")).status.should.equal(429);
    (await call("post", "/groups/{name}/trigger", "plc-report")).status.should.equal(409);
    (await call("post", "/groups/{name}/trigger", "nope")).status.should.equal(404);
    (await call("post", "/groups/{name}/stop", "recipe-on-demand")).status.should.equal(200);
    (await call("post", "/groups/{name}/stop", "recipe-on-demand")).status.should.equal(409);
    (await call("post", "/groups/{name}/stop", "nope")).status.should.equal(404);
    (await call("post", "/start-all")).status.should.equal(207);
    (await call("post", "/start-all")).status.should.equal(429);
    (await call("post", "/stop-all")).status.should.equal(200);
    (await call("post", "/groups/{name}/start", "recipe-on-demand")).status.should.equal(200);
    (await call("post", "/start-all")).status.should.equal(207);
    sim.setLatency(5000); // the PLC stops answering in time
    await new Promise((r) => setTimeout(r, 1100));
    (await call("post", "/groups/{name}/trigger", "recipe-on-demand")).status.should.equal(504);
    sim.setLatency(0);
    await sim.stop(); // the PLC goes away
    const unhealthy = await eventually(
      async () => {
        const h = await call("get", "/health");
        return h.status === 503 ? h : undefined;
      },
      15000,
      "unhealthy while the PLC is away",
    );
    (unhealthy.body.reasons as string[])[0]!.should.match(/PLC Demo PLC is/);
    const wrongMethod = await request<Json>("DELETE", `${runtime.url}/api/polling/status`, undefined, {
      authorization: `Bearer ${runtime.token}`,
    });
    wrongMethod.status.should.equal(405);
    check("/status", "delete", wrongMethod);
    const nowhere = await authed<Json>(runtime.token, "GET", `${runtime.url}/api/polling/nowhere`);
    nowhere.status.should.equal(404);
    check("/nowhere", "get", nowhere);

    // Every documented operation was called.
    const operations = Object.entries(doc.paths as Record<string, Json>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    for (const op of operations.filter((o) => o !== "GET /openapi.json")) seen.should.have.key(op);
  });

  it("pings WebSocket clients and drops one that does not answer", async () => {
    rt = await startRuntime({
      flow: demoFlow(),
      env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port), JSSCADA_WS_PING_MS: "300" },
    });
    const url = `${rt.url.replace("http:", "ws:")}/ws/polling`;
    const alive = new WebSocket(url);
    // A client whose pongs never come (a frozen or vanished peer, as the server sees it): a bare TCP
    // socket that completes the upgrade and then never answers. (ws 8's autoPong option would do, but
    // on Node-RED 5 the tests resolve its ws 7, which always answers pings.)
    const dead = net.connect(Number(new URL(rt.url).port), "127.0.0.1");
    let pings = 0;
    alive.on("ping", () => pings++);
    const closed = { alive: false, dead: false };
    alive.on("close", () => (closed.alive = true));
    dead.on("close", () => (closed.dead = true));
    dead.on("error", () => undefined);
    let upgraded = false;
    dead.on("data", (chunk: Buffer) => (upgraded ||= chunk.toString("latin1").startsWith("HTTP/1.1 101")));
    dead.write(
      `GET ${new URL(url).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await new Promise((resolve, reject) => alive.once("open", resolve).once("error", reject));
    await eventually(() => upgraded, 5000, "the bare client upgraded");
    await eventually(() => closed.dead, 5000, "the silent client dropped");
    await eventually(() => pings >= 3, 5000, "3 pings");
    closed.alive.should.be.false();
    alive.close();
    dead.destroy();
  });
});
