import should from "should";
import sinon from "sinon";
import { ManualClock, MAX_TIMEOUT_MS, systemClock, type Clock } from "../../lib/core/clock.js";
import {
  CycleAbortedError,
  Scheduler,
  type CycleContext,
  type CycleReport,
  type CycleTask,
} from "../../lib/engine/scheduler.js";
import { nth } from "../helpers/nth";

const T0 = 1000;

function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** The clock's time, with timers that fire after a distorted delay. */
function skewed(clock: ManualClock, delayFor: (ms: number) => number): Clock {
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, delayFor(ms)),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}

/** A scheduler on a ManualClock that records reports and how many tasks ran at once. */
function harness(intervalMs: number, work: (ctx: CycleContext, clock: ManualClock) => unknown) {
  const clock = new ManualClock(T0);
  const reports: CycleReport[] = [];
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  const task: CycleTask = async (ctx) => {
    calls++;
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      return await work(ctx, clock);
    } finally {
      active--;
    }
  };
  const scheduler = new Scheduler({ intervalMs, clock, task, onCycle: (r) => reports.push(r) });
  return {
    clock,
    reports,
    scheduler,
    get maxActive() {
      return maxActive;
    },
    get calls() {
      return calls;
    },
  };
}

describe("engine/scheduler", function () {
  describe("grid", function () {
    it("starts cycle k at exactly t0 + k·interval over 10 000 cycles of varying duration", async function () {
      const h = harness(100, (ctx, clock) => delay(clock, (ctx.cycle * 37) % 95));
      h.scheduler.start();
      await h.clock.advanceTo(T0 + 10_000 * 100 - 1);
      should(h.reports).have.length(10_000);
      h.reports.forEach((r, k) => {
        if (
          r.startedAt !== T0 + k * 100 ||
          r.scheduledAt !== r.startedAt ||
          r.slot !== k ||
          r.skipped !== 0
        ) {
          throw new Error(`cycle ${k} started at ${r.startedAt} (slot ${r.slot}, skipped ${r.skipped})`);
        }
      });
      should(nth(h.reports, 9_999).lateness).equal(0);
      should(h.scheduler.overruns).equal(0);
      await h.scheduler.stop();
    });

    it("does not drift with an interval that is not a whole number of ms", async function () {
      const h = harness(33.3, (_ctx, clock) => delay(clock, 7));
      h.scheduler.start();
      await h.clock.advanceTo(T0 + 10_000 * 33.3 - 1);
      should(h.reports).have.length(10_000);
      for (const [k, r] of h.reports.entries()) {
        should(Math.abs(r.startedAt - (T0 + k * 33.3))).be.below(1e-6);
      }
      await h.scheduler.stop();
    });

    it("skips slots missed by a slow cycle, counts them as overruns, and never stacks cycles", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 250));
      h.scheduler.start();
      await h.clock.advanceTo(T0 + 1000);
      // Starts at 0, 300, 600, 900: each cycle misses two slots.
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 300, 600]);
      should(h.reports.map((r) => r.slot)).eql([0, 3, 6]);
      should(h.reports.map((r) => r.skipped)).eql([0, 2, 2]);
      should(h.scheduler.overruns).equal(6);
      should(h.maxActive).equal(1);
      await h.scheduler.stop({ graceMs: 0 });
    });

    it("starts on time in the slot at which a slow cycle finishes", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 200));
      h.scheduler.start();
      await h.clock.advanceTo(T0 + 450);
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 200]);
      should(nth(h.reports, 1).lateness).equal(0);
      should(nth(h.reports, 1).skipped).equal(1);
      await h.scheduler.stop({ graceMs: 0 });
    });

    it("holds no timer while a cycle runs, however long it hangs", async function () {
      let release!: () => void;
      const h = harness(100, () => new Promise<void>((resolve) => (release = resolve)));
      h.scheduler.start();
      await h.clock.advance(10_000);
      should(h.calls).equal(1);
      should(h.clock.pendingTimers).equal(0);
      should(h.scheduler.isBusy).be.true();
      release();
      await h.clock.advance(0);
      should(nth(h.reports, 0).duration).equal(10_000);
      // It finished exactly on slot 100, which starts at once; slots 1–99 were skipped.
      should(h.calls).equal(2);
      should(h.scheduler.overruns).equal(99);
      should(h.clock.pendingTimers).equal(0);
      await h.scheduler.stop({ graceMs: 0 });
    });

    it("re-arms when a timer fires early, and catches up to the latest slot after a stalled loop", async function () {
      const clock = new ManualClock(T0);
      // A timer that fires 3 ms early, like Node's does when its start time was a stale loop time.
      const early = skewed(clock, (ms) => (ms > 3 ? ms - 3 : ms));
      const reports: CycleReport[] = [];
      const s = new Scheduler({
        intervalMs: 100,
        clock: early,
        task: () => undefined,
        onCycle: (r) => reports.push(r),
      });
      s.start();
      await clock.advanceTo(T0 + 250);
      should(reports.map((r) => r.startedAt - T0)).eql([0, 100, 200]);
      should(reports.map((r) => r.lateness)).eql([0, 0, 0]);
      await s.stop();

      // A loop blocked for 250 ms delivers the timer that late.
      const stalled = skewed(clock, (ms) => ms + 250);
      const stalledReports: CycleReport[] = [];
      const t = new Scheduler({
        intervalMs: 100,
        clock: stalled,
        task: () => undefined,
        onCycle: (r) => stalledReports.push(r),
      });
      const t0 = clock.now();
      t.start();
      await clock.advance(360);
      should(stalledReports[1]).match({ slot: 3, skipped: 2, scheduledAt: t0 + 300, lateness: 50 });
      await t.stop();
    });
  });

  describe("aligned grid (groups sharing a PLC)", function () {
    function aligned(intervalMs: number, work: (clock: ManualClock) => unknown) {
      const clock = new ManualClock(T0 + 37);
      const reports: CycleReport[] = [];
      const scheduler = new Scheduler({
        intervalMs,
        clock,
        aligned: true,
        task: () => work(clock),
        onCycle: (r) => reports.push(r),
      });
      return { clock, reports, scheduler };
    }

    it("runs cycle 0 at start, then every multiple of the interval on the clock", async () => {
      const h = aligned(100, () => undefined);
      h.scheduler.start();
      await h.clock.advance(350);
      h.reports.map((r) => r.scheduledAt).should.eql([T0 + 37, T0 + 100, T0 + 200, T0 + 300]);
      h.scheduler.overruns.should.equal(0);
      await h.scheduler.stop();
    });

    it("joining the grid is not an overrun; a cycle that runs over later is", async () => {
      let n = 0;
      const h = aligned(100, (clock) => delay(clock, n++ === 0 ? 80 : n === 4 ? 150 : 5));
      h.scheduler.start(); // cycle 0 runs until T0 + 117: slot T0 + 100 is passed over
      await h.clock.advance(600);
      h.reports.map((r) => r.scheduledAt).should.eql([T0 + 37, T0 + 200, T0 + 300, T0 + 400, T0 + 600]);
      h.reports.map((r) => r.skipped).should.eql([0, 0, 0, 0, 1]);
      h.scheduler.overruns.should.equal(1);
      await h.scheduler.stop();
    });

    it("setInterval re-anchors on a multiple of the new interval, one interval on at least", async () => {
      const h = aligned(100, () => undefined);
      h.scheduler.start();
      await h.clock.advance(100); // cycles at T0 + 37 and T0 + 100
      h.scheduler.setInterval(300);
      await h.clock.advance(900);
      // T0 + 100 + 300 = T0 + 400 is not a multiple of 300 (T0 = 1000): the next one, T0 + 500, is.
      h.reports.map((r) => r.scheduledAt).should.eql([T0 + 37, T0 + 100, T0 + 500, T0 + 800]);
      await h.scheduler.stop();
    });
  });

  describe("trigger()", function () {
    it("runs a manual cycle at once while idle, without moving the grid", async function () {
      const h = harness(1000, (_ctx, clock) => delay(clock, 50));
      h.scheduler.start();
      await h.clock.advance(300);
      const report = h.scheduler.trigger();
      await h.clock.advance(1800);
      should(await report).match({ manual: true, startedAt: T0 + 300, lateness: 0, ok: true });
      should((await report)?.slot).be.undefined();
      should(h.reports.filter((r) => !r.manual).map((r) => r.startedAt - T0)).eql([0, 1000, 2000]);
      should(h.scheduler.overruns).equal(0);
      await h.scheduler.stop();
    });

    it("coalesces triggers during a cycle into one cycle that starts when it finishes", async function () {
      const h = harness(1000, (_ctx, clock) => delay(clock, 400));
      h.scheduler.start();
      await h.clock.advance(100);
      const first = h.scheduler.trigger();
      await h.clock.advance(50);
      const second = h.scheduler.trigger();
      await h.clock.advance(700);
      should(h.calls).equal(2);
      should(h.maxActive).equal(1);
      const [a, b] = await Promise.all([first, second]);
      should(a).equal(b);
      should(a).match({ manual: true, scheduledAt: T0 + 100, startedAt: T0 + 400, lateness: 300 });
      await h.clock.advance(600);
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 400, 1000]);
      await h.scheduler.stop();
    });

    it("runs a one-off cycle while stopped", async function () {
      const h = harness(100, () => undefined);
      const report = await h.scheduler.trigger();
      should(report).match({ manual: true, ok: true });
      await h.clock.advance(1000);
      should(h.calls).equal(1);
      should(h.clock.pendingTimers).equal(0);
    });
  });

  describe("stop()", function () {
    it("resolves when the running cycle finished, and leaves no timer", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 300));
      h.scheduler.start();
      await h.clock.advance(100);
      let stopped = false;
      void h.scheduler.stop().then(() => (stopped = true));
      await h.clock.advance(150);
      should(stopped).be.false();
      await h.clock.advance(50);
      should(stopped).be.true();
      should(h.reports).have.length(1);
      should(nth(h.reports, 0).ok).be.true();
      should(h.clock.pendingTimers).equal(0);
      await h.clock.advance(10_000);
      should(h.calls).equal(1);
    });

    it("aborts a cycle still running at the grace deadline (0.5 s by default)", async function () {
      let signal: AbortSignal | undefined;
      const h = harness(100, (ctx) => {
        signal = ctx.signal;
        return new Promise((_resolve, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason as Error)),
        );
      });
      h.scheduler.start();
      let stopped = false;
      void h.scheduler.stop().then(() => (stopped = true));
      await h.clock.advance(499);
      should(stopped).be.false();
      should(signal?.aborted).be.false();
      await h.clock.advance(1);
      should(stopped).be.true();
      should(signal?.aborted).be.true();
      should(nth(h.reports, 0).ok).be.false();
      should(nth(h.reports, 0).error).be.instanceOf(CycleAbortedError);
      should(h.clock.pendingTimers).equal(0);
    });

    it("resolves at the deadline even when the task ignores the abort", async function () {
      let release!: () => void;
      const h = harness(100, () => new Promise<void>((resolve) => (release = resolve)));
      h.scheduler.start();
      let stopped = false;
      void h.scheduler.stop({ graceMs: 200 }).then(() => (stopped = true));
      await h.clock.advance(200);
      should(stopped).be.true();
      should(h.clock.pendingTimers).equal(0);
      // The late cycle is still reported, and does not restart the grid.
      release();
      await h.clock.advance(1000);
      should(h.reports).have.length(1);
      should(h.calls).equal(1);
      should(h.clock.pendingTimers).equal(0);
    });

    it("drops pending triggers and can start again", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 50));
      h.scheduler.start();
      const dropped = h.scheduler.trigger();
      void h.scheduler.trigger();
      await h.scheduler.stop({ graceMs: 0 });
      should(await dropped).be.undefined();
      await h.clock.advance(1000);
      should(h.calls).equal(1);
      should(h.clock.pendingTimers).equal(0);

      h.scheduler.start();
      await h.clock.advance(250);
      should(h.reports.filter((r) => r.slot !== undefined).map((r) => r.startedAt - T0)).eql([
        0, 1000, 1100, 1200,
      ]);
      await h.scheduler.stop();
      should(h.clock.pendingTimers).equal(0);
    });
  });

  describe("setInterval()", function () {
    it("re-anchors one new interval after the last scheduled start", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 10));
      h.scheduler.start();
      await h.clock.advance(250);
      h.scheduler.setInterval(1000);
      await h.clock.advance(2000);
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 100, 200, 1200, 2200]);
      should(h.reports.slice(3).map((r) => r.slot)).eql([0, 1]);
      should(h.scheduler.overruns).equal(0);
      await h.scheduler.stop();
    });

    it("starts at once when shortening puts the next start in the past", async function () {
      const h = harness(1000, () => undefined);
      h.scheduler.start();
      await h.clock.advance(500);
      h.scheduler.setInterval(100);
      await h.clock.advance(250);
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 500, 600, 700]);
      should(h.scheduler.overruns).equal(0);
      await h.scheduler.stop();
    });

    it("applies a change made during a cycle when that cycle finishes", async function () {
      const h = harness(100, (_ctx, clock) => delay(clock, 150));
      h.scheduler.start();
      await h.clock.advance(50);
      h.scheduler.setInterval(500);
      await h.clock.advance(1150);
      should(h.reports.map((r) => r.startedAt - T0)).eql([0, 500, 1000]);
      should(h.scheduler.overruns).equal(0);
      await h.scheduler.stop();
    });

    it("rejects intervals below 10 ms or not finite", function () {
      should(() => new Scheduler({ intervalMs: 5, task: () => undefined })).throw(RangeError);
      const s = new Scheduler({ intervalMs: 100, task: () => undefined, clock: new ManualClock() });
      should(() => s.setInterval(Number.NaN)).throw(RangeError);
      should(() => s.setInterval(Infinity)).throw(RangeError);
      should(s.intervalMs).equal(100);
    });
  });

  it("chains timers for intervals longer than setTimeout allows", async function () {
    const interval = 2 ** 32 + 0.5;
    const h = harness(interval, () => undefined);
    h.scheduler.start();
    await h.clock.advance(3 * interval);
    should(h.reports.map((r) => r.startedAt)).eql([T0, T0 + interval, T0 + 2 * interval, T0 + 3 * interval]);
    should(h.clock.pendingTimers).equal(1);
    should(h.clock.nextTimerAt()! - h.clock.now()).be.belowOrEqual(MAX_TIMEOUT_MS);
    await h.scheduler.stop();
    should(h.clock.pendingTimers).equal(0);
  });

  describe("failures", function () {
    let unhandled: unknown[];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    beforeEach(function () {
      unhandled = [];
      process.on("unhandledRejection", onUnhandled);
    });
    afterEach(function () {
      process.off("unhandledRejection", onUnhandled);
    });

    it("reports a task that throws synchronously or rejects, and keeps polling", async function () {
      const clock = new ManualClock(T0);
      const reports: CycleReport[] = [];
      const boom = new Error("sync boom");
      const task: CycleTask = (ctx) => {
        if (ctx.cycle === 0) throw boom;
        if (ctx.cycle === 1) return Promise.reject(new Error("async boom"));
        return undefined;
      };
      const s = new Scheduler({ intervalMs: 100, clock, task, onCycle: (r) => reports.push(r) });
      s.start();
      await clock.advance(200);
      should(reports.map((r) => r.ok)).eql([false, false, true]);
      should(nth(reports, 0).error).equal(boom);
      should((nth(reports, 1).error as Error).message).equal("async boom");
      should(nth(reports, 2)).not.have.property("error");
      await s.stop();
      await clock.settle();
      should(unhandled).be.empty();
    });

    it("survives an onCycle listener that throws", async function () {
      const clock = new ManualClock(T0);
      // Captured instead of printed, so the test output stays clean.
      const emitWarning = sinon.stub(process, "emitWarning");
      const onCycle = sinon.stub().throws(new Error("listener bug"));
      const s = new Scheduler({ intervalMs: 100, clock, task: () => undefined, onCycle });
      try {
        s.start();
        await clock.advance(300);
        await clock.settle();
        should(onCycle.callCount).equal(4);
        should(emitWarning.callCount).equal(4);
        should(String(emitWarning.firstCall.args[0])).containEql("listener bug");
        should(unhandled).be.empty();
      } finally {
        await s.stop();
        emitWarning.restore();
      }
    });
  });

  it("does not drift on the real clock (20 cycles at 20 ms, loose bounds)", async function () {
    const interval = 20;
    const reports: CycleReport[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const s = new Scheduler({
      intervalMs: interval,
      clock: systemClock,
      task: async () => {
        await new Promise((resolve) => setImmediate(resolve));
      },
      onCycle: (r) => {
        reports.push(r);
        if (r.slot !== undefined && r.slot >= 19) done();
      },
    });
    s.start();
    await finished;
    await s.stop();
    const t0 = nth(reports, 0).scheduledAt;
    for (const r of reports) {
      should(r.scheduledAt).equal(t0 + r.slot! * interval);
      should(r.lateness).be.aboveOrEqual(0);
    }
    // A single stall can make one cycle late; drift would make all of the last ones late.
    const lastLateness = reports.slice(-5).map((r) => r.lateness);
    should(Math.min(...lastLateness)).be.below(15);
  });
});
