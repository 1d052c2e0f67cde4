/**
 * examples/07 against a real broker (Debian's mosquitto on a random loopback port): the broker is
 * stopped in the middle of the stream and started again; every sequence number must arrive.
 * Run with `npm run test:mqtt` (needs `apt-get install mosquitto`).
 */
import "should";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import mqtt from "mqtt";
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

const MOSQUITTO = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].find((p) => fs.existsSync(p));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

class Broker {
  private proc: ChildProcess | undefined;
  readonly conf: string;
  constructor(
    readonly port: number,
    dir: string,
  ) {
    this.conf = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(this.conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  }

  async start(): Promise<void> {
    this.proc = spawn(MOSQUITTO!, ["-c", this.conf], { stdio: "ignore" });
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(this.port, "127.0.0.1", () => (s.destroy(), resolve(true)));
          s.on("error", () => resolve(false));
        }),
      5000,
      "mosquitto listening",
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise((resolve) => {
      p.once("exit", resolve);
      p.kill("SIGTERM");
    });
  }
}

describe("example 07: store-and-forward to MQTT with the broker stopped mid-stream", function () {
  this.timeout(120000);
  let dir: string;
  let sim: PlcSimulator;
  let broker: Broker;
  let rt: Runtime | undefined;
  let sub: mqtt.MqttClient | undefined;

  before(function () {
    if (!MOSQUITTO) throw new Error("mosquitto is not installed: apt-get install -y mosquitto");
  });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-mqtt-"));
    sim = new PlcSimulator();
    await sim.start();
    broker = new Broker(await freePort(), dir);
    await broker.start();
  });

  afterEach(async () => {
    sub?.end(true);
    if (rt) await rt.stop();
    rt = undefined;
    await broker.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("delivers every sequence number at least once", async () => {
    const flow = [...exampleFlow("07-store-and-forward-mqtt.json", sim.port), ...engineProbe()];
    for (const n of flow) {
      if (n.type === "mqtt-broker") n.port = String(broker.port);
      // 10 messages a second instead of 1, so the outage holds a backlog.
      if (n.type === "jsscada-poll-fixed") Object.assign(n, { interval: "100", intervalUnit: "ms" });
    }
    const seen = new Map<number, number>();
    sub = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, {
      reconnectPeriod: 200,
      clean: false,
      clientId: "jsscada-test-sub",
    });
    sub.on("message", (_topic, payload) => {
      const seq = (JSON.parse(payload.toString()) as { seq: number }).seq;
      seen.set(seq, (seen.get(seq) ?? 0) + 1);
    });
    await new Promise<void>((resolve, reject) => {
      sub!.once("connect", () =>
        sub!.subscribe("plant/line1/polling", { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      );
    });

    rt = await startRuntime({ flow, env: { PLC_HOST: "127.0.0.1", PLC_PORT: String(sim.port) } });
    const runtime = rt;
    await eventually(() => seen.size >= 20, 15000, "20 messages before the outage");

    await broker.stop();
    const atStop = seen.size;
    await new Promise((r) => setTimeout(r, 3000));
    // Meanwhile the queue holds what was polled.
    const held = await eventually(
      async () => {
        const q = (await probe(runtime)).queues.find((x) => x.name === "mqtt-buffer") as
          { size: number } | undefined;
        return q && q.size >= 10 ? q.size : undefined;
      },
      5000,
      "a backlog in the queue",
    );
    await broker.start();
    await new Promise((r) => setTimeout(r, 2000));

    const stopped = await request(`GET`, `${runtime.url}/test/engine?command=stop-all`);
    stopped.status.should.equal(200);
    const status = await eventually(
      async () => {
        const st = await probe(runtime);
        const q = st.queues.find((x) => x.name === "mqtt-buffer") as
          { size: number; enqueued: number } | undefined;
        return q && q.size === 0 ? q : undefined;
      },
      60000,
      "the queue drained",
    );

    const produced = status.enqueued;
    await eventually(() => seen.size >= produced, 10000, `all ${produced} sequence numbers`);
    const missing: number[] = [];
    for (let seq = 1; seq <= produced; seq++) if (!seen.has(seq)) missing.push(seq);
    missing.should.deepEqual([]);
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `      ${produced} messages, ${atStop} before the broker stopped, backlog ${held}, ${duplicates} delivered twice`,
    );
  });
});
