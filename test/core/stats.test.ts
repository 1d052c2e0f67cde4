import should from "should";
import { PollStats, percentile } from "../../lib/core/stats.js";
import type { CycleReport } from "../../lib/engine/scheduler.js";

function shuffled(n: number): number[] {
  // A fixed permutation, so the order of recording cannot matter and the test stays deterministic.
  return Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1);
}

describe("core/stats", function () {
  it("computes nearest-rank percentiles, avg and max over known samples", function () {
    const stats = new PollStats();
    const samples = shuffled(100);
    samples.forEach((ms) => stats.recordSuccess(ms));
    const latency = stats.snapshot().latencyMs;
    should(latency).containEql({ samples: 100, last: samples[99], avg: 50.5, max: 100 });
    // Histogram percentiles: never below the true nearest-rank value, at most one 9 % bucket above.
    should(latency.p50).be.within(50, 50 * 1.091);
    should(latency.p99).be.within(99, 100);
  });

  it("reports percentiles that track a latency step within one window", function () {
    const stats = new PollStats({ window: 100 });
    for (let i = 0; i < 100; i++) stats.recordSuccess(2);
    for (let i = 0; i < 100; i++) stats.recordSuccess(40);
    const latency = stats.snapshot().latencyMs;
    should(latency.p50).be.within(40, 40 * 1.091);
    should(latency.max).equal(40);
  });

  it("percentile() picks an observed value at the edges", function () {
    should(percentile([7], 50)).equal(7);
    should(percentile([1, 2, 3, 4], 0)).equal(1);
    should(percentile([1, 2, 3, 4], 100)).equal(4);
    should(percentile([1, 2, 3, 4], 50)).equal(2);
  });

  it("keeps only the last `window` latencies", function () {
    const stats = new PollStats({ window: 10 });
    for (let ms = 1; ms <= 25; ms++) stats.recordSuccess(ms);
    const { latencyMs, polls } = stats.snapshot();
    should(polls).equal(25);
    should(latencyMs).containEql({ samples: 10, last: 25, avg: 20.5, max: 25, p99: 25 });
    should(latencyMs.p50).be.within(20, 20 * 1.091);
  });

  it("counts errors by code and remembers the last error and success times", function () {
    let wall = 1_700_000_000_000;
    const stats = new PollStats({ wallClock: () => wall });
    stats.recordSuccess(5);
    wall += 1000;
    stats.recordError(Object.assign(new Error("no answer from PLC1"), { code: "MC_TIMEOUT" }), 3000);
    wall += 1000;
    stats.recordError(Object.assign(new Error("refused"), { code: "MC_CONNECTION_REFUSED" }));
    stats.recordError("a string");
    stats.recordOverruns(2);
    const snap = stats.snapshot();
    should(snap).match({
      polls: 4,
      successes: 1,
      errors: 3,
      overruns: 2,
      successRate: 0.25,
      lastSuccessAt: 1_700_000_000_000,
      lastErrorAt: 1_700_000_002_000,
      lastError: { code: "UNKNOWN", message: "a string" },
      errorsByCode: { MC_TIMEOUT: 1, MC_CONNECTION_REFUSED: 1, UNKNOWN: 1 },
    });
    // A failure without a round trip adds no latency sample.
    should(snap.latencyMs.samples).equal(2);
  });

  it("records a scheduler cycle report", function () {
    const stats = new PollStats();
    const base: CycleReport = {
      cycle: 0,
      slot: 0,
      manual: false,
      scheduledAt: 0,
      startedAt: 0,
      finishedAt: 12,
      duration: 12,
      lateness: 0,
      skipped: 3,
      ok: true,
    };
    stats.recordCycle(base);
    stats.recordCycle({ ...base, ok: false, error: { code: 4031, message: "x" }, duration: 40, skipped: 0 });
    should(stats.snapshot()).match({
      polls: 2,
      successes: 1,
      errors: 1,
      overruns: 3,
      errorsByCode: { "4031": 1 },
      latencyMs: { max: 40, last: 40 },
    });
  });

  it("has a JSON-friendly snapshot shape before any poll, and reset() returns to it", function () {
    const stats = new PollStats();
    const empty = {
      polls: 0,
      successes: 0,
      errors: 0,
      overruns: 0,
      successRate: null,
      latencyMs: { samples: 0, last: null, avg: null, max: null, p50: null, p99: null },
      lastSuccessAt: null,
      lastErrorAt: null,
      lastError: null,
      errorsByCode: {},
    };
    should(stats.snapshot()).eql(empty);
    stats.recordSuccess(3);
    stats.recordError(new Error("x"), 4);
    stats.recordOverruns(1);
    const snap = stats.snapshot();
    should(JSON.parse(JSON.stringify(snap))).eql(snap);
    stats.reset();
    should(stats.snapshot()).eql(empty);
  });

  it("hands out snapshots that later records do not change", function () {
    const stats = new PollStats();
    stats.recordError(Object.assign(new Error("x"), { code: "A" }));
    const snap = stats.snapshot();
    stats.recordError(Object.assign(new Error("y"), { code: "A" }));
    should(snap.errorsByCode).eql({ A: 1 });
    should(snap.lastError).eql({ code: "A", message: "x" });
  });

  it("rejects a window smaller than 1", function () {
    should(() => new PollStats({ window: 0 })).throw(RangeError);
  });
});
