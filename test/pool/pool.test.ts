import "should";
import sinon from "sinon";
import { ManualClock } from "../../lib/core/clock";
import { batchReadWords } from "../../lib/mc/commands";
import { McClient } from "../../lib/mc/client";
import { deviceByName } from "../../lib/mc/devices";
import { type McError } from "../../lib/mc/errors";
import { PlcPool, type PoolOptions } from "../../lib/pool/pool";
import { PlcSimulator } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";

const D = deviceByName("D")!;

describe("PlcPool", () => {
  let sim: PlcSimulator;
  let pool: PlcPool | undefined;
  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
  });
  afterEach(async () => {
    pool?.close();
    pool = undefined;
    await sim.stop();
  });

  const make = (extra: Partial<PoolOptions> = {}): PlcPool =>
    (pool = new PlcPool({
      name: "line1",
      client: { host: "127.0.0.1", port: sim.port, requestTimeoutMs: 300, connectTimeoutMs: 300 },
      backoff: { initialMs: 50, maxMs: 100, jitter: 0 },
      ...extra,
    }));
  const read = (p: PlcPool) => p.request(batchReadWords(p.format, { device: D, number: 0 }, 1));

  it("connects for the first user and closes after the last one leaves", async () => {
    const p = make();
    p.state.should.equal("idle");
    p.register("a");
    p.register("b");
    await until(() => p.state === "connected" && sim.clientCount === 1);
    p.deregister("a");
    (await read(p)).should.eql([0]);
    p.deregister("b");
    await until(() => sim.clientCount === 0, 1000, "the socket to close");
    p.state.should.equal("idle");
    ((await read(p).catch((e: McError) => e)) as McError).code.should.equal("MC_PLC_OFFLINE");
  });

  it("opens the configured number of connections and spreads requests over them", async () => {
    const p = make({ connections: 3 });
    p.register("a");
    await until(() => sim.clientCount === 3);
    await Promise.all(Array.from({ length: 30 }, () => read(p)));
    p.snapshot().should.containEql({ connections: 3, connectionsOpen: 3, requests: 30, errors: 0 });
  });

  it("fails fast while the PLC is unreachable, saying when it retries, and reconnects by itself", async () => {
    const port = sim.port;
    await sim.stop();
    const clock = new ManualClock();
    const p = make({ clock, backoff: { initialMs: 1_500, maxMs: 3_000, jitter: 0 } });
    p.register("a");
    await until(() => p.state === "reconnecting", 2000);
    // The clock stands still: a read that waited for the retry would never settle.
    const err = (await read(p).catch((e: McError) => e)) as McError;
    err.code.should.equal("MC_PLC_OFFLINE");
    err.message.should.match(
      /PLC line1 is not connected \(retrying in 2 s\): .*connection refused \(port busy or PLC down\)/,
    );
    sim = new PlcSimulator({ port });
    await sim.start();
    await clock.advance(1_499);
    p.snapshot().reconnects.should.equal(0);
    await clock.advance(1);
    p.snapshot().reconnects.should.equal(1);
    await until(() => p.state === "connected", 3000, "the reconnect");
    (await read(p)).should.eql([0]);
  });

  it("survives repeated connection drops without piling up listeners", async () => {
    const clock = new ManualClock();
    const p = make({ clock });
    p.register("a");
    for (let i = 0; i < 5; i++) {
      await until(() => p.state === "connected", 2000, `connection ${i}`);
      const pending = Promise.all([read(p), read(p), read(p)]).catch(() => undefined);
      sim.dropConnections();
      await pending;
      // The back-off passes on the clock, not in real time.
      await until(() => p.state === "connected" || clock.pendingTimers > 0, 2000, `the drop ${i}`);
      await clock.advance(100);
    }
    await until(() => p.state === "connected", 2000);
    (await read(p)).should.eql([0]);
    const slots = (p as unknown as { slots: Array<{ client: { listenerCount(e: string): number } }> }).slots;
    slots[0]!.client.listenerCount("disconnect").should.equal(1);
    p.snapshot().reconnects.should.be.aboveOrEqual(1);
  });

  it("keeps the minimum gap between requests", async () => {
    const clock = new ManualClock();
    const p = make({ minRequestIntervalMs: 20, clock });
    p.register("a");
    await until(() => p.state === "connected");
    const sent = sinon.spy(McClient.prototype, "request");
    try {
      const reads = Promise.all(Array.from({ length: 6 }, () => read(p)));
      await clock.settle();
      sent.callCount.should.equal(1);
      for (let i = 1; i < 6; i++) {
        await clock.advance(19);
        sent.callCount.should.equal(i, `no request ${i + 1} before 20 ms`);
        await clock.advance(1);
        sent.callCount.should.equal(i + 1);
      }
      (await reads).should.have.length(6);
    } finally {
      sent.restore();
    }
  });

  it("a disabled PLC refuses requests at once and closes its connections", async () => {
    const p = make();
    p.register("a");
    await until(() => sim.clientCount === 1);
    p.disable();
    p.state.should.equal("disabled");
    ((await read(p).catch((e: McError) => e)) as McError).code.should.equal("MC_PLC_DISABLED");
    await until(() => sim.clientCount === 0);
    p.enable();
    await until(() => p.state === "connected");
    (await read(p)).should.eql([0]);
  });
});
