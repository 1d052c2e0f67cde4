import "should";
import should from "should";
import {
  CapacityError,
  DuplicateNameError,
  Engine,
  type GroupStatus,
  type ManagedGroup,
} from "../../lib/engine/registry";

/** A group that only records what the engine asks of it. */
class FakeGroup implements ManagedGroup {
  readonly mode = "fixed" as const;
  running = false;
  triggers = 0;
  failStop = false;
  constructor(readonly name: string) {}
  start(): void {
    this.running = true;
  }
  async stop(): Promise<void> {
    if (this.failStop) throw new Error("socket exploded");
    this.running = false;
  }
  async trigger(): Promise<void> {
    this.triggers++;
  }
  status(): GroupStatus {
    return { name: this.name, running: this.running } as unknown as GroupStatus;
  }
}

describe("engine registry", () => {
  it("refuses a second group or queue with a name already taken", () => {
    const engine = new Engine();
    engine.registerGroup(new FakeGroup("a"));
    should(() => engine.registerGroup(new FakeGroup("a"))).throw(DuplicateNameError, {
      message: /"a" already exists/,
    });
    engine.registerQueue({ name: "q", status: () => ({}) });
    should(() => engine.registerQueue({ name: "q", status: () => ({}) })).throw(DuplicateNameError);
  });

  it("frees a name when its group leaves, but only for that group", () => {
    const engine = new Engine();
    const a = new FakeGroup("a");
    engine.registerGroup(a);
    engine.unregisterGroup(new FakeGroup("a"));
    should(engine.group("a")).equal(a);
    engine.unregisterGroup(a);
    should(engine.group("a")).be.undefined();
  });

  it("enforces the running-group capacity with a reason, and start-all starts what fits", async () => {
    const engine = new Engine({ maxGroups: 2 });
    const groups = ["a", "b", "c"].map((n) => new FakeGroup(n));
    groups.forEach((g) => engine.registerGroup(g));
    const all = await engine.execute("start-all");
    all.statusCode.should.equal(200);
    (all.payload as { started: string[]; refused: string[] }).should.containEql({
      started: ["a", "b"],
      refused: ["c"],
    });
    should(() => engine.startGroup(groups[2]!)).throw(CapacityError, {
      message: /2 groups are already running/,
    });
    (await engine.execute("start", "c")).statusCode.should.equal(429);
    (await engine.execute("start-all")).statusCode.should.equal(429); // only c is left, and it does not fit
  });

  it("maps every outcome to the seed's status codes", async () => {
    const engine = new Engine();
    const a = new FakeGroup("a");
    engine.registerGroup(a);
    (await engine.execute("start", "a")).statusCode.should.equal(200);
    (await engine.execute("start", "a")).statusCode.should.equal(409);
    (await engine.execute("trigger", "a")).statusCode.should.equal(200);
    a.triggers.should.equal(1);
    (await engine.execute("stop", "zz")).statusCode.should.equal(404);
    (await engine.execute("launch")).statusCode.should.equal(400);
    a.failStop = true;
    const broken = await engine.execute("stop", "a");
    broken.statusCode.should.equal(500);
    (broken.payload as { error: string }).error.should.match(/socket exploded/);
    engine.setReady(false);
    (await engine.execute("status")).statusCode.should.equal(503);
    engine.setReady(true);
    (await engine.execute("status")).statusCode.should.equal(200);
  });

  it("falls back to 10 running groups for a missing or invalid maxGroups", () => {
    new Engine().maxGroups.should.equal(10);
    new Engine({ maxGroups: 0 }).maxGroups.should.equal(10);
    new Engine({ maxGroups: 2.5 }).maxGroups.should.equal(10);
    new Engine({ maxGroups: 50 }).maxGroups.should.equal(50);
  });
});
