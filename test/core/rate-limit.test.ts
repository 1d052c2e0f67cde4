import should from "should";
import { ManualClock } from "../../lib/core/clock.js";
import { DEFAULT_LOG_PERIOD_MS, LogRateLimiter, withRepeatCount } from "../../lib/core/rate-limit.js";

describe("core/rate-limit", function () {
  it("logs the first occurrence, then at most one per period with the repeat count", async function () {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter({ clock });
    const logged: string[] = [];
    const onError = (): void => {
      const { log, repeated } = limiter.check("PLC1: MC_TIMEOUT");
      if (log) logged.push(withRepeatCount(`PLC1 timed out at ${clock.now()}`, repeated));
    };
    // A PLC failing every 100 ms for 2.5 minutes.
    for (let t = 0; t < 150_000; t += 100) {
      await clock.advanceTo(t);
      onError();
    }
    should(DEFAULT_LOG_PERIOD_MS).equal(60_000);
    should(logged).eql([
      "PLC1 timed out at 0",
      "PLC1 timed out at 60000 (repeated 599 times)",
      "PLC1 timed out at 120000 (repeated 599 times)",
    ]);
    should(limiter.repeated("PLC1: MC_TIMEOUT")).equal(599);
  });

  it("limits each key separately", function () {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter({ clock, periodMs: 1000 });
    should(limiter.shouldLog("a")).be.true();
    should(limiter.shouldLog("b")).be.true();
    should(limiter.shouldLog("a")).be.false();
    should(limiter.shouldLog("b")).be.false();
  });

  it("clear() reports what was suppressed and lets the next occurrence through", function () {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter({ clock });
    limiter.shouldLog("k");
    limiter.shouldLog("k");
    limiter.shouldLog("k");
    should(limiter.clear("k")).equal(2);
    should(limiter.check("k")).eql({ log: true, repeated: 0 });
    should(limiter.clear("never seen")).equal(0);
  });

  it("forgets the least recently logged keys beyond maxKeys", function () {
    const clock = new ManualClock();
    const limiter = new LogRateLimiter({ clock, maxKeys: 2 });
    limiter.shouldLog("a");
    limiter.shouldLog("b");
    limiter.shouldLog("c");
    should(limiter.shouldLog("a")).be.true();
    should(limiter.shouldLog("c")).be.false();
  });

  it("leaves a message without repeats unchanged", function () {
    should(withRepeatCount("m", 0)).equal("m");
    should(withRepeatCount("m", 3)).equal("m (repeated 3 times)");
  });
});
