import should from "should";
import { ManualClock, MAX_TIMEOUT_MS, systemClock } from "../../lib/core/clock.js";

describe("core/clock", function () {
  describe("ManualClock", function () {
    it("fires due timers in deadline order, ties in creation order, with now() at the deadline", async function () {
      const clock = new ManualClock(100);
      const fired: string[] = [];
      clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
      clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
      clock.setTimeout(() => fired.push(`late@${clock.now()}`), 31);
      await clock.advance(30);
      should(fired).eql(["a@110", "b@120", "c@120"]);
      should(clock.now()).equal(130);
      should(clock.pendingTimers).equal(1);
      should(clock.nextTimerAt()).equal(131);
    });

    it("fires timers created by callbacks within the same advance when they fall due", async function () {
      const clock = new ManualClock();
      const fired: number[] = [];
      const tick = (): void => {
        fired.push(clock.now());
        clock.setTimeout(tick, 10);
      };
      clock.setTimeout(tick, 10);
      await clock.advance(45);
      should(fired).eql([10, 20, 30, 40]);
      should(clock.pendingTimers).equal(1);
    });

    it("lets a promise resolved by a timer settle at that instant", async function () {
      const clock = new ManualClock();
      let finishedAt: number | undefined;
      const work = async (): Promise<void> => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 25));
        await Promise.resolve();
        finishedAt = clock.now();
      };
      void work();
      await clock.advance(100);
      should(finishedAt).equal(25);
    });

    it("clears timers", async function () {
      const clock = new ManualClock();
      let fired = false;
      const handle = clock.setTimeout(() => (fired = true), 5);
      clock.clearTimeout(handle);
      should(clock.pendingTimers).equal(0);
      await clock.advance(10);
      should(fired).be.false();
    });

    it("refuses timeouts that Node would turn into 1 ms", function () {
      const clock = new ManualClock();
      should(() => clock.setTimeout(() => undefined, MAX_TIMEOUT_MS + 1)).throw(RangeError);
      should(() => clock.setTimeout(() => undefined, MAX_TIMEOUT_MS)).not.throw();
    });
  });

  describe("systemClock", function () {
    it("is monotonic and its timers fire no earlier than asked, by its own reading", async function () {
      const start = systemClock.now();
      const firedAt = await new Promise<number>((resolve) =>
        systemClock.setTimeout(() => resolve(systemClock.now()), 5.2),
      );
      // Node's loop time may lag performance.now() by up to a millisecond.
      should(firedAt - start).be.aboveOrEqual(4.2);
    });
  });
});
