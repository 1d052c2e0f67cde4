import "should";
import should from "should";
import {
  CapacityError,
  DuplicateNameError,
  Engine,
  type GroupStatus,
  type ManagedGroup,
  type TriggeredPoll,
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
  stop(): Promise<void> {
    if (this.failStop) return Promise.reject(new Error("socket exploded"));
    this.running = false;
    return Promise.resolve();
  }
  trigger(): Promise<TriggeredPoll> {
    this.triggers++;
    return Promise.resolve({ payload: { v: this.triggers }, polling: {}, badTags: [] });
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
    all.statusCode.should.equal(207); // partial: per-group results
    (all.payload as { started: string[]; refused: string[] }).should.containEql({
      success: false,
      code: "PARTIAL",
      started: ["a", "b"],
      refused: ["c"],
    });
    (all.payload as { results: object[] }).results.should.containEql({
      group: "c",
      started: false,
      code: "CAPACITY_REACHED",
      error: "capacity of 2 running groups reached",
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
    const triggered = await engine.execute("trigger", "a");
    triggered.statusCode.should.equal(200);
    should((triggered.payload as { data: unknown }).data).eql({ v: 1 });
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

  it("answers every refusal as {success: false, error, code}, with wrong types named and echoes capped", async () => {
    const engine = new Engine();
    const a = new FakeGroup("a");
    engine.registerGroup(a);
    const code = async (command: unknown, name?: unknown) => {
      const r = await engine.execute(command, name);
      const p = r.payload as { success: boolean; error: string; code: string };
      p.success.should.be.false();
      p.error.should.be.a.String();
      return [r.statusCode, p.code, p.error] as const;
    };
    (await code(5))[0].should.equal(400);
    (await code(["start"]))[1].should.equal("BAD_COMMAND");
    (await code("start", 42))[2].should.match(/name must be a string, got number 42/);
    (await code("start"))[1].should.equal("BAD_ARGUMENT");
    const [, , long] = await code("x".repeat(4_000_000));
    long.length.should.be.below(300);
    (await code("trigger", "a")).should.eql([
      409,
      "NOT_RUNNING",
      'group "a" is stopped: start it before triggering it',
    ]);
    a.triggers.should.equal(0);
  });

  it("keys PLCs by id: a unique name works, an ambiguous one is 409 listing the candidates", async () => {
    const engine = new Engine();
    const plc = (name: string) => {
      const p = {
        name,
        enabled: true,
        enable: () => (p.enabled = true),
        disable: () => (p.enabled = false),
        snapshot: () => ({ name }),
      };
      return p;
    };
    const [x, y, z] = [plc("line"), plc("line"), plc("press")];
    engine.registerPlc("id-x", x);
    engine.registerPlc("id-y", y);
    engine.registerPlc("id-z", z);
    const names = engine.status().plcs.map((p) => (p as { displayName: string }).displayName);
    names.should.eql(["line [id-x]", "line [id-y]", "press"]);
    const ambiguous = await engine.execute("disable-plc", "line");
    ambiguous.statusCode.should.equal(409);
    (ambiguous.payload as { code: string; candidates: { id: string }[] }).candidates
      .map((c) => c.id)
      .should.eql(["id-x", "id-y"]);
    x.enabled.should.be.true();
    (await engine.execute("disable-plc", "id-y")).statusCode.should.equal(200);
    y.enabled.should.be.false();
    (await engine.execute("disable-plc", "press")).statusCode.should.equal(200);
    (await engine.execute("enable-plc", "nope")).statusCode.should.equal(404);
  });

  it("lists a refused group with its reason; starting it is 409 with the reason", async () => {
    const engine = new Engine();
    engine.registerRefusedGroup("n1", {
      name: "bad",
      mode: "fixed",
      plc: "line",
      reason: "tag x: bad address",
    });
    const s = engine.status();
    s.engine.totalGroups.should.equal(1);
    s.groups[0]!.should.containEql({ name: "bad", state: "refused", reason: "tag x: bad address" });
    const start = await engine.execute("start", "bad");
    start.statusCode.should.equal(409);
    (start.payload as { error: string }).error.should.match(/refused at deploy: tag x: bad address/);
    (await engine.execute("group-status", "bad")).statusCode.should.equal(200);
    engine.unregisterRefusedGroup("n1");
    engine.status().groups.should.have.length(0);
  });

  it("falls back to 10 running groups for a missing or invalid maxGroups", () => {
    new Engine().maxGroups.should.equal(10);
    new Engine({ maxGroups: 0 }).maxGroups.should.equal(10);
    new Engine({ maxGroups: 2.5 }).maxGroups.should.equal(10);
    new Engine({ maxGroups: 50 }).maxGroups.should.equal(50);
  });
});
