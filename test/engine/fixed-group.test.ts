import should from "should";
import sinon from "sinon";
import { ManualClock } from "../../lib/core/clock";
import { FixedGroup, type GroupMessage } from "../../lib/engine/fixed-group";
import { ChangeFilter, type OutputOptions, type TagReading } from "../../lib/engine/output";
import { PollError } from "../../lib/engine/poller";
import { type TagDefinition, compileTagTable } from "../../lib/engine/tag-table";
import { McConnectionError, McEndCodeError } from "../../lib/mc/errors";
import { type WireFormat } from "../../lib/mc/wire";
import { MemoryPlc, lost } from "../helpers/memory-plc";

const FORMAT: WireFormat = { encoding: "binary", series: "ql", zrHex: false };
const T0 = 10_000;

const table = (rows: TagDefinition[]) => compileTagTable(rows, { series: "ql" }, FORMAT);

/** A FIXED group on its own schedule, polling a socket-less PLC, on a clock only the test moves. */
function setup(options: {
  rows: TagDefinition[];
  intervalMs?: number;
  latencyMs?: number;
  output?: OutputOptions;
}) {
  const clock = new ManualClock(T0);
  const plc = new MemoryPlc(clock, FORMAT, options.latencyMs ?? 5);
  const group = new FixedGroup({
    name: "line1",
    plc,
    table: table(options.rows),
    intervalMs: options.intervalMs ?? 100,
    output: options.output ?? { format: "object", changedOnly: false },
    clock,
    wallClock: () => clock.now(),
  });
  const data = sinon.spy((_m: GroupMessage) => undefined);
  const pollError = sinon.spy((_e: PollError) => undefined);
  const state = sinon.spy((_s: string) => undefined);
  group.on("data", data);
  group.on("poll-error", pollError);
  group.on("state", state);
  const messages = (): GroupMessage[] => data.args.map(([m]) => m);
  /** Stops the group; a poll still waiting for the PLC finishes on the clock meanwhile. */
  const stop = async (): Promise<void> => {
    const stopped = group.stop();
    await clock.advance(1_000);
    await stopped;
  };
  return { clock, plc, group, data, pollError, state, messages, stop };
}

describe("engine/fixed-group: a FIXED group on a ManualClock", () => {
  it("polls at start, then on the interval's grid, each poll taking the PLC's answer time", async () => {
    const t = setup({ rows: [{ name: "speed", address: "D0" }], intervalMs: 100, latencyMs: 5 });
    t.plc.memory.set("D0", 42);
    t.group.start();
    await t.clock.advance(1_050);
    t.plc.sent
      .map((s) => s.startedAt - T0)
      .should.eql([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    t.messages()
      .map((m) => m.polling.scheduledAt - T0)
      .should.eql([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    const last = t.messages().at(-1)!;
    should(last.payload).eql({ speed: 42 });
    last.polling.should.match({ group: "line1", plc: "memory-plc", mode: "fixed", cycle: 10, durationMs: 5 });
    last.polling.should.match({ quality: "good", requests: 1, tags: 1, manual: false });
    t.group.status().should.match({ polls: 11, successes: 11, errors: 0, overruns: 0, state: "running" });
    t.pollError.called.should.be.false();
    await t.stop();
  });

  it("counts the grid slots missed while a poll ran over, and stays on the grid", async () => {
    const t = setup({ rows: [{ name: "speed", address: "D0" }], intervalMs: 100, latencyMs: 250 });
    t.group.start();
    await t.clock.advance(1_000);
    // Each poll takes 250 ms: the slots at +100 and +200 pass while it runs; the next starts at +300.
    t.plc.sent.map((s) => s.startedAt - T0).should.eql([0, 300, 600]);
    t.messages()
      .map((m) => m.polling.scheduledAt - T0)
      .should.eql([0, 300, 600]);
    t.group.status().overruns.should.equal(4);
    await t.stop();
  });

  it("with changed-only output sends only what changed beyond its deadband, and nothing when nothing did", async () => {
    const t = setup({
      rows: [
        { name: "a", address: "D0" },
        { name: "b", address: "D1", deadband: 5 },
      ],
      output: { format: "object", changedOnly: true },
    });
    t.plc.memory.writeWords("D", 0, [1, 100]);
    t.group.start();
    await t.clock.advance(150);
    t.messages()
      .map((m) => m.payload)
      .should.eql([{ a: 1, b: 100 }]); // first poll: everything
    t.plc.memory.writeWords("D", 0, [2, 103]); // b within its deadband
    await t.clock.advance(100);
    t.plc.memory.writeWords("D", 0, [2, 106]); // b beyond it (from the 100 last sent)
    await t.clock.advance(100);
    t.messages()
      .map((m) => m.payload)
      .should.eql([{ a: 1, b: 100 }, { a: 2 }, { b: 106 }]);
    t.messages()
      .map((m) => m.polling.tags)
      .should.eql([2, 1, 1]);
    await t.clock.advance(300);
    t.data.callCount.should.equal(3); // unchanged polls send no message
    t.group.status().polls.should.equal(7);
    await t.stop();
  });

  it("a manual trigger sends every tag, changed or not, and answers the caller with it", async () => {
    const t = setup({
      rows: [
        { name: "a", address: "D0" },
        { name: "b", address: "D1" },
      ],
      output: { format: "object", changedOnly: true },
    });
    t.plc.memory.writeWords("D", 0, [7, 8]);
    t.group.start();
    await t.clock.advance(50);
    const triggered = t.group.trigger("msg-1");
    await t.clock.advance(10);
    const result = await triggered;
    should(result.payload).eql({ a: 7, b: 8 });
    const manual = t.messages().at(-1)!;
    manual.polling.manual.should.be.true();
    manual.triggers.should.eql(["msg-1"]);
    should(manual.payload).eql({ a: 7, b: 8 });
    await t.stop();
  });

  it("a tag the PLC refuses spoils only that tag: the others are sent, no poll error", async () => {
    const t = setup({
      rows: [
        { name: "good", address: "D0" },
        { name: "bad", address: "D20000" },
      ],
    });
    t.plc.memory.set("D0", 5);
    t.group.start();
    await t.clock.advance(50);
    const m = t.messages()[0]!;
    should(m.payload).eql({ good: 5, bad: null });
    m.polling.quality.should.equal("partial");
    m.badTags.map((b) => b.tag).should.eql(["bad"]);
    m.badTags[0]!.error.should.be.instanceOf(McEndCodeError);
    t.pollError.called.should.be.false();
    t.group.status().should.match({ successes: 1, errors: 0 });
    await t.stop();
  });

  it("a failed request fails the group's poll with a typed error, and the next good poll recovers it", async () => {
    const t = setup({ rows: [{ name: "speed", address: "D0" }] });
    t.plc.failWhen = lost;
    t.group.start();
    await t.clock.advance(150);
    t.pollError.callCount.should.equal(2);
    const err = t.pollError.firstCall.args[0];
    err.should.be.instanceOf(PollError);
    err.code.should.equal("MC_CONNECTION_LOST");
    should(err.cause).be.instanceOf(McConnectionError);
    err.message.should.match(/group line1: .*connection lost/);
    t.data.called.should.be.false();
    t.state.args.map(([s]) => s).should.eql(["running", "error"]);
    t.group.status().should.match({ state: "error", errors: 2, lastError: err.message });

    t.plc.failWhen = undefined;
    await t.clock.advance(100);
    t.data.callCount.should.equal(1);
    t.state.args.map(([s]) => s).should.eql(["running", "error", "running"]);
    await t.stop();
  });

  it("a poll in which no tag could be read is a poll error carrying the PLC's end code", async () => {
    const t = setup({ rows: [{ name: "bad", address: "D20000" }] });
    t.group.start();
    await t.clock.advance(50);
    t.pollError.callCount.should.equal(1);
    const err = t.pollError.firstCall.args[0];
    err.code.should.equal("MC_END_CODE");
    err.message.should.match(/group line1: tag bad failed: .*4031/);
    await t.stop();
  });

  it("stops polling on stop() and polls again at once on start()", async () => {
    const t = setup({ rows: [{ name: "speed", address: "D0" }] });
    t.group.start();
    await t.clock.advance(250);
    await t.stop();
    t.group.running.should.be.false();
    const polled = t.plc.sent.length;
    polled.should.equal(3);
    await t.clock.advance(1_000);
    t.plc.sent.length.should.equal(polled);
    t.clock.pendingTimers.should.equal(0);

    const restartedAt = t.clock.now();
    t.group.start();
    await t.clock.advance(150);
    t.plc.sent
      .slice(polled)
      .map((s) => s.startedAt - restartedAt)
      .should.eql([0, 100]);
    t.state.args.map(([s]) => s).should.eql(["running", "stopped", "running"]);
    await t.stop();
  });

  it("a new interval moves the grid from the next poll on", async () => {
    const t = setup({ rows: [{ name: "speed", address: "D0" }], intervalMs: 100 });
    t.group.start();
    await t.clock.advance(150);
    t.group.setInterval(250);
    t.group.intervalMs.should.equal(250);
    await t.clock.advance(1_000);
    const gaps = t.plc.sent.slice(2).map((s, i) => s.startedAt - t.plc.sent[i + 1]!.startedAt);
    gaps.length.should.be.aboveOrEqual(3);
    gaps.every((g) => g === 250).should.be.true(`gaps ${gaps.join(", ")}`);
    await t.stop();
  });

  it("a new tag table is read from the next poll on, sending every tag once with changed-only output", async () => {
    const t = setup({
      rows: [{ name: "a", address: "D0" }],
      output: { format: "object", changedOnly: true },
    });
    t.plc.memory.writeWords("D", 0, [1, 2]);
    t.group.start();
    await t.clock.advance(150);
    t.group.setTable(
      table([
        { name: "a", address: "D0" },
        { name: "b", address: "D1" },
      ]),
    );
    await t.clock.advance(100);
    t.messages()
      .map((m) => m.payload)
      .should.eql([{ a: 1 }, { a: 1, b: 2 }]);
    t.group.status().tags.should.equal(2);
    await t.clock.advance(100);
    t.data.callCount.should.equal(2);
    await t.stop();
  });
});

describe("engine/output: ChangeFilter", () => {
  const reading = (name: string, value: unknown, quality: "good" | "bad" = "good"): TagReading => ({
    name,
    value,
    quality,
    timestamp: 0,
  });
  const names = (readings: TagReading[]) => readings.map((r) => r.name);

  it("passes everything the first time, then only the readings whose value changed", () => {
    const f = new ChangeFilter();
    names(f.filter([reading("a", 1), reading("b", "x")], false)).should.eql(["a", "b"]);
    names(f.filter([reading("a", 1), reading("b", "x")], false)).should.eql([]);
    names(f.filter([reading("a", 2), reading("b", "x")], false)).should.eql(["a"]);
  });

  it("compares arrays by their elements and treats NaN as equal to itself", () => {
    const f = new ChangeFilter();
    f.filter([reading("arr", [1, 2, [3]]), reading("n", NaN)], false);
    names(f.filter([reading("arr", [1, 2, [3]]), reading("n", NaN)], false)).should.eql([]);
    names(f.filter([reading("arr", [1, 2, [4]]), reading("n", 0)], false)).should.eql(["arr", "n"]);
  });

  it("a change of quality is a change, whatever the value", () => {
    const f = new ChangeFilter();
    f.filter([reading("a", null)], false);
    names(f.filter([reading("a", null, "bad")], false)).should.eql(["a"]);
    names(f.filter([reading("a", null, "bad")], false)).should.eql([]);
    names(f.filter([reading("a", null)], false)).should.eql(["a"]);
  });

  it("ignores a numeric change within the tag's deadband, measured from the value last sent", () => {
    const f = new ChangeFilter({ temp: 0.5 });
    f.filter([reading("temp", 20), reading("other", 20)], false);
    names(f.filter([reading("temp", 20.4), reading("other", 20.4)], false)).should.eql(["other"]);
    names(f.filter([reading("temp", 20.5)], false)).should.eql([]); // exactly the band: no change
    names(f.filter([reading("temp", 20.6)], false)).should.eql(["temp"]);
    names(f.filter([reading("temp", 20.2)], false)).should.eql([]); // 0.4 from the 20.6 sent
  });

  it("a forced pass returns and remembers every reading; reset() forgets what was sent", () => {
    const f = new ChangeFilter();
    f.filter([reading("a", 1)], false);
    names(f.filter([reading("a", 1)], true)).should.eql(["a"]);
    names(f.filter([reading("a", 1)], false)).should.eql([]);
    f.reset();
    names(f.filter([reading("a", 1)], false)).should.eql(["a"]);
  });
});
