/**
 * No request to the REST API hangs while flows are redeployed: 4 clients loop on the API while the
 * runtime goes through 20 deploys (full, modified nodes, modified flows, and a stop/start of the flows).
 * Every request must be answered within 2 s, with 200, or 503 in the JSON error contract.
 */
import "should";
import * as fs from "node:fs";
import * as path from "node:path";
import { PlcSimulator } from "../../lib/simulator";
import { type FlowNode, ROOT, type Runtime, engineProbe, request, startRuntime } from "./runtime";

const ANSWER_WITHIN_MS = 2000;

describe("REST API during deploys", function () {
  this.timeout(240000);
  let sim: PlcSimulator;
  let rt: Runtime | undefined;

  before(async () => {
    sim = new PlcSimulator();
    await sim.start();
  });
  after(async () => {
    if (rt) String(await rt.stop()).should.equal("0");
    await sim.stop();
  });

  it("4 clients × 20 deploys: every request answered within 2 s, with 200 or a JSON 503", async () => {
    const flow = [
      ...(JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "flow.json"), "utf8")) as FlowNode[]),
      ...engineProbe(),
    ];
    rt = await startRuntime({ flow, env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port) } });
    const runtime = rt;
    const counts = new Map<string, number>();
    const hung: string[] = [];
    let stop = false;

    async function client(n: number): Promise<void> {
      const urls = ["/groups/fast-1s/status", "/status", "/groups/medium-5s/status", "/queue/status"];
      for (let i = 0; !stop; i++) {
        const url = `${runtime.url}/api/polling${urls[(n + i) % urls.length]}`;
        const started = Date.now();
        try {
          const res = await fetch(url, {
            headers: { authorization: `Bearer ${runtime.token}` },
            signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
          });
          const type = res.headers.get("content-type") ?? "";
          const body = await res.text();
          const json = type.includes("json");
          const key = `${res.status}${json ? "" : " (not JSON)"}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          if (res.status !== 200 && json) {
            (JSON.parse(body) as { code?: string }).should.have.property("code");
          }
        } catch (err) {
          hung.push(`${url} after ${Date.now() - started} ms: ${(err as Error).message}`);
        }
      }
    }

    const admin = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
      request<Record<string, unknown>>(method, `${runtime.url}${p}`, body, headers);
    const clients = [0, 1, 2, 3].map((n) => client(n));
    const kinds = ["full", "nodes", "flows", "state"] as const;
    for (let d = 0; d < 20; d++) {
      const kind = kinds[d % kinds.length]!;
      if (kind === "state") {
        (await admin("POST", "/flows/state", { state: "stop" })).status.should.equal(200);
        await new Promise((r) => setTimeout(r, 200));
        (await admin("POST", "/flows/state", { state: "start" })).status.should.equal(200);
        continue;
      }
      const current = await admin("GET", "/flows", undefined, { "Node-RED-API-Version": "v2" });
      const flows = (current.body.flows as FlowNode[]).map((n) =>
        // A changed name restarts the REST engine node and the status route in "nodes"/"flows" deploys.
        n.type === "jsscada-engine-status" || (n.type === "http in" && String(n.url).endsWith("/status"))
          ? { ...n, name: `deploy ${d}` }
          : n,
      );
      const deployed = await admin(
        "POST",
        "/flows",
        { flows, rev: current.body.rev },
        { "Node-RED-API-Version": "v2", "Node-RED-Deployment-Type": kind },
      );
      deployed.status.should.equal(200, JSON.stringify(deployed.body));
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(clients);
    const total = [...counts.values()].reduce((a, b) => a + b, 0) + hung.length;
    console.log(
      `      ${total} requests during 20 deploys: ${JSON.stringify(Object.fromEntries(counts))}, ${hung.length} unanswered within 2 s`,
    );
    hung.should.deepEqual([]);
    [...counts.keys()].sort().should.matchAny(/^(200|503)$/);
    for (const key of counts.keys()) ["200", "503"].should.containEql(key);
    (counts.get("200") ?? 0).should.be.above(100);
  });
});
