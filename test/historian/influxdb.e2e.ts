/**
 * examples/08 against a real InfluxDB 1.x (Debian's influxd on free loopback ports, its own data
 * directory): influxd is killed with -9 in the middle of the stream and started again; afterwards every
 * point the groups produced is in the database exactly once (counted by query: a batch written again
 * overwrites its points, which carry the cycle's timestamp). Run with `npm run test:historian`.
 */
import "should";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlcSimulator } from "../../lib/simulator";
import {
  type Runtime,
  engineProbe,
  eventually,
  exampleFlow,
  probe,
  request,
  startRuntime,
} from "../examples/runtime";
import { Influxd } from "./influxd";

describe("example 08: historian into InfluxDB with influxd killed mid-stream", function () {
  this.timeout(120000);
  let dir: string;
  let sim: PlcSimulator;
  let influx: Influxd;
  let rt: Runtime | undefined;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-influx-"));
    sim = new PlcSimulator();
    await sim.start();
    sim.addGenerator({ kind: "counter", address: "D0", periodMs: 50 });
    influx = await Influxd.create(dir);
    await influx.start();
    await influx.query("CREATE DATABASE jsscada");
  });

  afterEach(async () => {
    if (rt) await rt.stop();
    rt = undefined;
    await influx.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every point exactly once", async () => {
    const flow = [...exampleFlow("08-historian-influxdb.json", sim.port), ...engineProbe()];
    for (const n of flow) if (n.type === "influxdb") n.port = String(influx.port);
    rt = await startRuntime({ flow });
    const runtime = rt;
    const count = async (): Promise<number> => {
      const s = await influx.query("SELECT count(value) FROM plc", "jsscada");
      return s.length ? Number(s[0]!.values[0]![1]) : 0;
    };
    await eventually(async () => (await count()) >= 100, 20000, "100 points before the crash");
    await influx.kill();
    await new Promise((r) => setTimeout(r, 3000));
    const held = await eventually(
      async () => {
        const q = (await probe(runtime)).queues.find((x) => x.name === "historian") as
          { size: number } | undefined;
        return q && q.size >= 10 ? q.size : undefined;
      },
      10000,
      "a backlog in the queue while influxd is down",
    );
    await influx.start();
    await new Promise((r) => setTimeout(r, 2000));
    (await request("GET", `${runtime.url}/test/engine?command=stop-all`)).status.should.equal(200);
    const status = await eventually(
      async () => {
        const st = await probe(runtime);
        const q = st.queues.find((x) => x.name === "historian") as
          { size: number; inFlight: number } | undefined;
        return q && q.size === 0 && q.inFlight === 0 ? st : undefined;
      },
      60000,
      "the queue drained into InfluxDB",
    );
    // Every successful poll is one message: 4 points for hist-fast, 2 for hist-slow.
    const perGroup: Record<string, number> = { "hist-fast": 4, "hist-slow": 2 };
    const expected: Record<string, number> = {};
    for (const g of status.groups) expected[g.name] = g.successes * perGroup[g.name]!;
    const series = await influx.query('SELECT count(value) FROM plc GROUP BY "group"', "jsscada");
    const stored: Record<string, number> = {};
    for (const s of series) stored[s.tags!.group!] = Number(s.values[0]![1]);
    stored.should.deepEqual(expected);
    console.log(
      `      ${Object.values(stored).reduce((a, b) => a + b, 0)} points, backlog ${held} messages while influxd was down`,
    );
  });
});
