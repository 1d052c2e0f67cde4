import "should";
import { Queue, levelFor, DEFAULT_THRESHOLDS, type LevelChange } from "../../lib/queue";
import { FakeClock } from "./helpers";

describe("queue monitoring", () => {
  const opened: { close(): unknown }[] = [];
  afterEach(() => opened.splice(0).forEach((q) => q.close()));

  function setup(thresholds = {}) {
    const clock = new FakeClock();
    const queue = new Queue<number>({ deliver: () => undefined, capacity: 10, clock, thresholds });
    queue.pause();
    opened.push(queue);
    const changes: LevelChange[] = [];
    queue.on("level", (c) => changes.push(c));
    return { clock, queue, changes };
  }

  it("emits a level event on each crossing, up and down", async () => {
    const { queue, changes } = setup();
    for (let i = 0; i < 9; i++) await queue.put(i);
    changes.should.eql([
      { level: "warn", previous: "ok", usage: 70 },
      { level: "alarm", previous: "warn", usage: 90 },
    ]);
    queue.resume();
    queue.clear();
    changes.slice(2).should.eql([{ level: "ok", previous: "alarm", usage: 0 }]);
  });

  it("hysteresis keeps the level until usage falls clearly below the threshold", () => {
    const t = { ...DEFAULT_THRESHOLDS, hysteresis: 5 };
    levelFor(72, "ok", t).should.equal("warn");
    levelFor(67, "warn", t).should.equal("warn");
    levelFor(64, "warn", t).should.equal("ok");
    levelFor(86, "alarm", t).should.equal("alarm");
    levelFor(80, "alarm", t).should.equal("warn");
  });

  it("takes configured thresholds", async () => {
    const { queue, changes } = setup({ warn: 20, alarm: 30 });
    for (let i = 0; i < 3; i++) await queue.put(i);
    changes.map((c) => c.level).should.eql(["warn", "alarm"]);
  });

  it("reports size, usage, high-water mark, totals, rates and oldest age", async () => {
    const { queue, clock } = setup();
    await queue.put(1);
    clock.advance(2_000);
    await queue.put(2);
    await queue.put(3);
    clock.advance(1_000);
    queue.resume();
    const s = queue.status();
    s.should.containEql({ size: 3, capacity: 10, usage: 30, highWater: 3, inFlight: 1, enqueued: 3 });
    s.oldestAgeMs!.should.equal(3_000);
    s.enqueueRate.should.equal(1); // 3 messages over the 3 s the queue has existed
    (s.bytes === undefined).should.be.true();
    queue.clear();
    queue.status().highWater.should.equal(3);
  });
});
