import "should";
import sinon from "sinon";
import { ManualClock } from "../../lib/core/clock";
import { batchReadWords } from "../../lib/mc/commands";
import { McClient } from "../../lib/mc/client";
import { deviceByName } from "../../lib/mc/devices";
import { type McError } from "../../lib/mc/errors";
import { executeReadPlan, planReads } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
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

  /**
   * A pool on a manual clock, demoted after one time-out (off-scan 1 000 ms; its 3E connection reset),
   * with the simulator answering again; `plan` reads D0.
   */
  const demotedPool = async (extra: Partial<PoolOptions> = {}) => {
    const clock = new ManualClock();
    const p = make({ clock, demotion: { failures: 1, offScanMs: 1000 }, ...extra });
    p.register("a");
    await until(() => p.state === "connected");
    const plan = planReads([parseTag("D0", { series: "ql" })], p.format);
    sim.stall(true);
    const [timedOut] = await executeReadPlan(plan, p, "g");
    (timedOut as { error: McError }).error.code.should.equal("MC_TIMEOUT");
    p.state.should.equal("demoted", "the pool's bookkeeping ran before the caller heard");
    sim.stall(false);
    return { p, clock, plan };
  };

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

  it("reads a one-request plan by callback (submit) and a larger plan by request, with the same values", async () => {
    const p = make();
    p.register("a");
    await until(() => p.state === "connected");
    sim.memory.writeWords("D", 0, [11, 22]);
    sim.memory.writeWords("D", 5000, [33]);
    const submitted = sinon.spy(p, "submit");
    const requested = sinon.spy(p, "request");
    const tags = (...a: string[]) => a.map((t) => parseTag(t, { series: "ql" }));
    const one = await executeReadPlan(planReads(tags("D0", "D1"), p.format), p, "g");
    one.map((r) => r.ok && r.value).should.eql([11, 22]);
    submitted.callCount.should.equal(1);
    requested.callCount.should.equal(0);
    // 1 800 words: more than one request carries (960).
    const two = planReads(tags("D0", "D5000:int16[900]", "D0:int16[900]"), p.format);
    two.requests.length.should.be.above(1);
    const values = (await executeReadPlan(two, p, "g")).map((r) => (r.ok ? r.value : r.error));
    values[0]!.should.equal(11);
    (values[1] as number[]).slice(0, 2).should.eql([33, 0]);
    (values[2] as number[]).slice(0, 3).should.eql([11, 22, 0]);
    submitted.callCount.should.equal(1);
    requested.callCount.should.equal(two.requests.length);
  });

  it("a one-request plan hears of a failure after the pool: demoted first, then re-reads by request", async () => {
    // Its time-out, heard through the one-request plan, finds the pool already demoted.
    const { p } = await demotedPool();
    // A PLC end code on a request shared by two tags: each tag is re-read alone (by request), once.
    p.close();
    const q = make();
    q.register("a");
    await until(() => q.state === "connected");
    sim.memory.writeWords("D", 0, [5, 6]);
    sim.failNext(0xc051);
    const requested = sinon.spy(q, "request");
    const both = await executeReadPlan(
      planReads([parseTag("D0", { series: "ql" }), parseTag("D1", { series: "ql" })], q.format),
      q,
      "g",
    );
    both.map((r) => r.ok && r.value).should.eql([5, 6]);
    requested.callCount.should.equal(2);
  });

  it("a demoted PLC's probe goes out as a one-request plan, with a minimum gap set, and brings it back", async () => {
    const { p, clock, plan } = await demotedPool({ minRequestIntervalMs: 5 });
    const [offScan] = await executeReadPlan(plan, p, "g");
    (offScan as { error: McError }).error.message.should.match(/off-scan .*probe in 1 s/);
    sim.memory.writeWords("D", 0, [42]);
    await clock.advance(1000); // off-scan over; the reconnect timer fires too
    const [probe] = await executeReadPlan(plan, p, "g");
    probe!.should.eql({ ok: true, value: 42 });
    p.state.should.equal("connected");
  });

  it("a demoted PLC whose probe finds no connection up probes again with the next request", async () => {
    const { p, clock, plan } = await demotedPool();
    sim.refuseConnections(true);
    await clock.advance(1000); // off-scan over; the reconnect attempts are refused
    await until(() => p.snapshot().connectionsOpen === 0 && !sim.clientCount);
    const [refused] = await executeReadPlan(plan, p, "g");
    (refused as { error: McError }).error.message.should.match(/not connected/);
    sim.refuseConnections(false);
    await clock.advance(200); // the next reconnect attempt
    await until(() => p.snapshot().connectionsOpen === 1);
    sim.memory.writeWords("D", 0, [8]);
    const [probe] = await executeReadPlan(plan, p, "g");
    probe!.should.eql({ ok: true, value: 8 }, "the next request was the probe");
    p.state.should.equal("connected");
  });

  it("a demoted PLC whose probe is answered with an end code is back on scan", async () => {
    const { p, clock, plan } = await demotedPool();
    await clock.advance(1000);
    sim.failNext(0xc051);
    const [answered] = await executeReadPlan(plan, p, "g");
    (answered as { error: McError }).error.code.should.equal("MC_END_CODE");
    await until(() => p.state === "connected", 1000, "the pool to leave off-scan");
    (await executeReadPlan(plan, p, "g"))[0]!.ok.should.be.true();
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
