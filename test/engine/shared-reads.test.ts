import should from "should";
import { ManualClock } from "../../lib/core/clock";
import { FixedGroup, type GroupMessage } from "../../lib/engine/fixed-group";
import { type PollError } from "../../lib/engine/poller";
import { SHARED_OWNER, SharedReads } from "../../lib/engine/shared-reads";
import { type TagDefinition, type TagTable, compileTagTable } from "../../lib/engine/tag-table";
import { McEndCodeError } from "../../lib/mc/errors";
import { planReads } from "../../lib/mc/planner";
import { type Tag } from "../../lib/mc/tags";
import { decodeBits, decodeTag, type TagValue } from "../../lib/mc/values";
import { type WireFormat } from "../../lib/mc/wire";
import { PlcPool } from "../../lib/pool/pool";
import { PlcSimulator } from "../../lib/simulator";
import { MemoryPlc, lost } from "../helpers/memory-plc";
import { until } from "../helpers/scripted-peer";

const FORMAT: WireFormat = { encoding: "binary", series: "ql", zrHex: false };
const T0 = 10_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value a tag must have, straight from the simulator's memory. */
function expected(plc: MemoryPlc, tag: Tag): TagValue {
  const { device, number } = tag.ref;
  if (device.kind === "bit") return decodeBits(tag, plc.memory.readBits(device, number, tag.points));
  return decodeTag(tag, plc.memory.readWords(device, number, tag.words));
}

interface Harness {
  clock: ManualClock;
  plc: MemoryPlc;
  reads: SharedReads;
  group(name: string, rows: TagDefinition[], intervalMs: number, share?: boolean): Recorded;
}

interface Recorded {
  group: FixedGroup;
  table: TagTable;
  messages: Array<GroupMessage & { at: number }>;
  errors: Array<PollError & { at: number }>;
}

function harness(latencyMs = 5): Harness {
  const clock = new ManualClock(T0);
  const plc = new MemoryPlc(clock, FORMAT, latencyMs);
  const reads = new SharedReads(plc, FORMAT, { clock, wallClock: () => clock.now() });
  return {
    clock,
    plc,
    reads,
    group(name, rows, intervalMs, share = true) {
      const table = compileTagTable(rows, { series: "ql" }, FORMAT);
      const group = new FixedGroup({
        name,
        plc,
        table,
        intervalMs,
        output: { format: "object", changedOnly: false },
        clock,
        wallClock: () => clock.now(),
        reads,
        shareReads: share,
      });
      const rec: Recorded = { group, table, messages: [], errors: [] };
      group.on("data", (m: GroupMessage) => rec.messages.push({ ...m, at: clock.now() }));
      group.on("poll-error", (e: PollError) => rec.errors.push(Object.assign(e, { at: clock.now() })));
      return rec;
    },
  };
}

/** Stops groups; a cycle still waiting for the PLC finishes on the clock meanwhile. */
async function stopAll(h: Harness, ...recs: Recorded[]): Promise<void> {
  const stopped = Promise.all(recs.map((r) => r.group.stop()));
  await h.clock.advance(1000);
  await stopped;
}

const rows = (...addresses: string[]): TagDefinition[] =>
  addresses.map((address, i) => ({ name: `t${i}`, address }));

/** Ten word tags scattered over a station's 32 words: `g` stations side by side. */
function stationRows(g: number, random: () => number): TagDefinition[] {
  const offsets = new Set<number>();
  while (offsets.size < 10) offsets.add(Math.floor(random() * 32));
  return [...offsets].map((o, i) => ({ name: `w${i}`, address: `D${g * 32 + o}` }));
}

describe("engine/shared-reads: FIXED groups on one PLC share requests", function () {
  it("reads groups due together with one plan and gives each group its own values", async () => {
    const h = harness();
    h.plc.memory.writeWords("D", 0, [11, 12, 13, 14]);
    h.plc.memory.set("M5", true);
    const a = h.group("a", rows("D0", "D2", "M5"), 100);
    const b = h.group("b", rows("D2", "D3", "D1:int32"), 100);
    a.group.start();
    b.group.start();
    await h.clock.advance(1050);
    // Started together at T0 (a grid point): every tick, both groups in one request, not two.
    a.messages.length.should.equal(11);
    b.messages.length.should.equal(11);
    h.plc.sent.length.should.equal(11);
    h.plc.sent.every((s) => s.owner === SHARED_OWNER).should.be.true();
    should(a.messages[3]!.payload).eql({ t0: 11, t1: 13, t2: true });
    should(b.messages[3]!.payload).eql({ t0: 13, t1: 14, t2: 12 + 13 * 65536 });
    a.messages[3]!.polling.should.match({
      shared: true,
      requests: 1,
      quality: "good",
      scheduledAt: T0 + 300,
    });
    h.reads.stats().should.match({ batches: 11, cycles: 22, requests: 11, unmergedRequests: 22 });
    await stopAll(h, a, b);
  });

  it("puts every group on the PLC-wide grid, whenever it was started", async () => {
    const h = harness();
    const a = h.group("a", rows("D0"), 100);
    const b = h.group("b", rows("D1"), 100);
    const slow = h.group("slow", rows("D2"), 300);
    a.group.start();
    await h.clock.advance(37);
    b.group.start();
    await h.clock.advance(150);
    slow.group.start();
    await h.clock.advance(1000);
    // b and slow read at once when started, then on multiples of their interval since the epoch.
    b.messages[0]!.polling.scheduledAt.should.equal(T0 + 37);
    b.messages
      .slice(1)
      .every((m) => m.polling.scheduledAt % 100 === 0)
      .should.be.true();
    slow.messages
      .slice(1)
      .every((m) => m.polling.scheduledAt % 300 === 0)
      .should.be.true();
    // Each tick is one request (2 at the starts of b and slow), whatever the set of due groups.
    const ticks = new Set([...a.messages, ...b.messages, ...slow.messages].map((m) => m.polling.scheduledAt));
    h.plc.sent.length.should.equal(ticks.size);
    for (const r of [a, b, slow]) r.group.status().overruns.should.equal(0);
    await stopAll(h, a, b, slow);
  });

  it("50 groups × 10 scattered words at 100 ms: requests per second within 10 % of the merged plan's lower bound, no cycle missed", async () => {
    const h = harness(5);
    const random = rng(50);
    const groups = Array.from({ length: 50 }, (_, g) => h.group(`g${g}`, stationRows(g, random), 100));
    for (const g of groups) g.group.start();
    await h.clock.advance(100); // the start reads
    const sentBefore = h.plc.sent.length;
    const seconds = 10;
    await h.clock.advance(seconds * 1000);
    const union = groups.flatMap((g) => g.table.tags);
    const plan = planReads(union, FORMAT);
    const perSecond = (h.plc.sent.length - sentBefore) / seconds;
    const boundPerSecond = plan.lowerBound * 10;
    perSecond.should.be.belowOrEqual(boundPerSecond * 1.1);
    // Unmerged, the same load takes a request per group per cycle.
    groups.reduce((n, g) => n + g.table.plan.requests.length, 0).should.equal(50);
    for (const g of groups) {
      g.messages.length.should.equal(seconds * 10 + 1);
      g.group.status().overruns.should.equal(0);
    }
    h.reads.stats().missedCycles.should.equal(0);
    await stopAll(h, ...groups);
  });

  it("plans big due sets in parts of at most 2 000 tags, each group still served", async () => {
    const h = harness(5);
    h.plc.memory.writeWords(
      "D",
      0,
      Array.from({ length: 6000 }, (_, i) => i),
    );
    // 30 groups × 100 words: 3 000 tags due together, planned as two parts.
    const groups = Array.from({ length: 30 }, (_, g) =>
      h.group(
        `g${String(g).padStart(2, "0")}`,
        Array.from({ length: 100 }, (_, i) => ({ name: `w${i}`, address: `D${g * 200 + i * 2}` })),
        100,
      ),
    );
    for (const g of groups) g.group.start();
    await h.clock.advance(250);
    const stats = h.reads.stats();
    for (const [i, g] of groups.entries()) {
      g.messages.length.should.equal(3);
      should(g.messages[2]!.payload).have.property("w7", i * 200 + 14);
    }
    // One 3 000-tag plan could not do with fewer than 7 requests (960 words each); two parts take 8.
    (stats.requests / stats.batches).should.be.belowOrEqual(8);
    await stopAll(h, ...groups);
  });

  it("never mixes values up between groups (randomised: overlapping and identical tags, types, bad tags)", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = harness(1);
      const random = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const types = ["", ":int32", ":float32", ":uint16", ":string(4)", ":int16[3]", ".5", ":float64"];
      const address = (): string => {
        const r = random();
        if (r < 0.06) return `D${20000 + Math.floor(random() * 100)}`; // beyond the CPU's D: refused
        if (r < 0.25) return `M${Math.floor(random() * 400)}`;
        if (r < 0.35) return `M${Math.floor(random() * 20) * 16}:bool[${1 + Math.floor(random() * 20)}]`;
        if (r < 0.45)
          return `W${Math.floor(random() * 200)
            .toString(16)
            .toUpperCase()}`;
        return `D${Math.floor(random() * 600)}${pick(types)}`;
      };
      const shared = Array.from({ length: 15 }, address);
      const groups = Array.from({ length: 20 }, (_, g) => {
        const n = 1 + Math.floor(random() * 12);
        const list = Array.from({ length: n }, () => (random() < 0.4 ? pick(shared) : address()));
        return h.group(`g${g}`, rows(...list), pick([100, 100, 200, 300, 500]), random() > 0.15);
      });
      const fill = (): void => {
        h.plc.memory.writeWords(
          "D",
          0,
          Array.from({ length: 700 }, () => Math.floor(random() * 65536)),
        );
        h.plc.memory.writeWords(
          "W",
          0,
          Array.from({ length: 300 }, () => Math.floor(random() * 65536)),
        );
        h.plc.memory.writeBits(
          "M",
          0,
          Array.from({ length: 700 }, () => random() < 0.5),
        );
      };
      fill();
      for (const g of groups) g.group.start();
      let checked = 0;
      const check = (): void => {
        for (const g of groups) {
          for (const m of g.messages) {
            const payload = m.payload as Record<string, unknown>;
            const bad = new Set(m.badTags.map((b) => b.tag));
            g.table.tags.forEach((tag, i) => {
              const name = g.table.names[i]!;
              if (tag.ref.device.name === "D" && tag.ref.number >= 20000) {
                bad.has(name).should.be.true(`${g.group.name} ${tag.address} must be bad`);
                should(payload[name]).be.null();
                return;
              }
              bad.has(name).should.be.false(`${g.group.name} ${tag.address} must be good`);
              should(payload[name]).eql(expected(h.plc, tag), `${g.group.name} ${name} ${tag.address}`);
              checked++;
            });
          }
          g.messages.length = 0;
          // A group made of refused tags only fails as a whole, with the PLC's end code.
          for (const e of g.errors) e.code.should.equal("MC_END_CODE");
        }
      };
      // The first reads re-read every tag of a refused request alone, which takes a while.
      await h.clock.advance(490);
      check();
      fill();
      await h.clock.advance(10);
      // Then memory changes between ticks; every message must hold the values of its own tick.
      for (let tick = 0; tick < 30; tick++) {
        await h.clock.advance(90);
        check();
        fill();
        await h.clock.advance(10);
      }
      checked.should.be.above(500);
      await stopAll(h, ...groups);
    }
  });

  it("a tag the PLC refuses spoils only that tag, in every group that has it, and no other group", async () => {
    const h = harness();
    h.plc.memory.writeWords("D", 0, [1, 2, 3]);
    const a = h.group("a", rows("D0", "D20000"), 100);
    const b = h.group("b", rows("D1", "D2"), 100);
    const c = h.group("c", rows("D20000"), 100);
    for (const g of [a, b, c]) g.group.start();
    await h.clock.advance(250);
    should(a.messages[0]!.payload).eql({ t0: 1, t1: null });
    a.messages[0]!.polling.quality.should.equal("partial");
    a.messages[0]!.badTags.map((t) => t.tag).should.eql(["t1"]);
    a.messages[0]!.badTags[0]!.error.should.be.instanceOf(McEndCodeError);
    should(b.messages[0]!.payload).eql({ t0: 2, t1: 3 });
    b.messages[0]!.polling.quality.should.equal("good");
    c.messages.length.should.equal(0);
    c.errors.length.should.equal(3);
    c.errors[0]!.message.should.match(/group c: tag t0 failed: .*"D20000".*4031/);
    // One shared request refused: each of its 4 tags re-read alone, D20000 once, not once per group.
    // From then on D20000 is read apart: 2 requests a cycle, not 5.
    h.plc.sent.length.should.equal(5 + 2 + 2);
    await stopAll(h, a, b, c);
  });

  it("a failed shared request fails each group that needed it, with the same error, and only those", async () => {
    const h = harness();
    // Two requests: a multi-block read of D0–D1 and the first words of D5000's 960, and a batch
    // read of the rest.
    const near = h.group("near", rows("D0", "D1"), 100);
    const far = h.group("far", rows("D5000:uint16[960]"), 100);
    const both = h.group("both", rows("D0", "D5959"), 100);
    for (const g of [near, far, both]) g.group.start();
    await h.clock.advance(50);
    h.plc.sent.map((s) => s.command).should.eql(["multi-block read", "batch read (words)"]);
    h.plc.failWhen = (cmd) => (cmd.name === "batch read (words)" ? lost() : undefined);
    await h.clock.advance(100);
    near.errors.length.should.equal(0);
    near.messages[1]!.polling.quality.should.equal("good");
    far.errors.length.should.equal(1);
    far.errors[0]!.code.should.equal("MC_CONNECTION_LOST");
    both.messages[1]!.polling.quality.should.equal("partial");
    both.messages[1]!.badTags.map((b) => [b.tag, b.error.code]).should.eql([["t1", "MC_CONNECTION_LOST"]]);
    // The same error, not one per group.
    both.messages[1]!.badTags[0]!.error.should.equal(far.errors[0]!.cause);
    await stopAll(h, near, far, both);
  });

  it("delivers a small fast group as soon as its own request answered, and sends its requests first", async () => {
    const h = harness(5);
    const bigRows = [0, 2000, 4000, 6000].map((base, i) => ({
      name: `b${i}`,
      address: `D${base}:uint16[960]`,
    }));
    const big = h.group("big", bigRows, 200);
    const fast = h.group("fast", rows("D6000", "D6001"), 100);
    big.group.start();
    fast.group.start();
    await h.clock.advance(250);
    // At T0 + 200 both are due: fast's request (shared with big's D6000) goes first.
    const tick = fast.messages.find((m) => m.polling.scheduledAt === T0 + 200)!;
    (tick.at - (T0 + 200)).should.equal(5);
    const bigTick = big.messages.find((m) => m.polling.scheduledAt === T0 + 200)!;
    (bigTick.at - (T0 + 200)).should.equal(20);
    tick.polling.requests.should.equal(1);
    bigTick.polling.requests.should.equal(4);
    await stopAll(h, big, fast);
  });

  it("opt-out groups keep their own phase and requests and are never merged", async () => {
    const h = harness();
    const a = h.group("a", rows("D0"), 100);
    const own = h.group("own", rows("D1"), 100, false);
    a.group.start();
    await h.clock.advance(30);
    own.group.start();
    await h.clock.advance(1000);
    own.group.sharesReads.should.be.false();
    own.messages
      .every((m) => m.polling.scheduledAt % 100 === 30 && m.polling.shared === false)
      .should.be.true();
    const mine = h.plc.sent.filter((s) => s.owner === "own");
    mine.length.should.equal(own.messages.length);
    h.plc.sent.filter((s) => s.owner === SHARED_OWNER).length.should.equal(a.messages.length);
    h.reads.stats().cycles.should.equal(a.messages.length);
    // Even when started on the grid, at the same instant as a sharing group.
    const h2 = harness();
    const x = h2.group("x", rows("D0"), 100);
    const y = h2.group("y", rows("D0"), 100, false);
    x.group.start();
    y.group.start();
    await h2.clock.advance(550);
    h2.plc.sent.filter((s) => s.owner === "y").length.should.equal(y.messages.length);
    h2.reads.stats().cycles.should.equal(x.messages.length);
    await stopAll(h, a, own);
    await stopAll(h2, x, y);
  });

  it("follows groups starting, stopping, changing interval and tags mid-run", async () => {
    const h = harness();
    h.plc.memory.writeWords("D", 0, [5, 6, 7, 8]);
    const a = h.group("a", rows("D0"), 100);
    const b = h.group("b", rows("D1"), 100);
    a.group.start();
    await h.clock.advance(250);
    b.group.start(); // reads at once, then joins a's ticks
    await h.clock.advance(400);
    a.group.setTable(compileTagTable(rows("D2", "D3"), { series: "ql" }, FORMAT));
    await h.clock.advance(100);
    should(a.messages.at(-1)!.payload).eql({ t0: 7, t1: 8 });
    should(b.messages.at(-1)!.payload).eql({ t0: 6 });
    b.group.setInterval(300);
    await h.clock.advance(600);
    // Re-anchored on the next multiple of 300 ms after one new interval.
    b.messages.at(-1)!.polling.scheduledAt.should.equal(T0 + 1100);
    await stopAll(h, a);
    const before = b.messages.length;
    await h.clock.advance(900);
    b.messages.length.should.equal(before + 3);
    should(b.messages.at(-1)!.payload).eql({ t0: 6 });
    // Every tick was one request, whoever was due.
    const ticks = new Set([...a.messages, ...b.messages].map((m) => m.polling.scheduledAt));
    h.plc.sent.length.should.equal(ticks.size);
    for (const g of [a, b]) g.group.status().overruns.should.equal(0);
    await stopAll(h, b);
  });

  it("counts the grid slots a saturated PLC makes groups miss", async () => {
    // One merged request a tick, but the PLC takes 150 ms to answer it.
    const h = harness(150);
    const groups = [0, 1, 2, 3, 4].map((g) => h.group(`g${g}`, rows(`D${g * 2000}`), 100));
    for (const g of groups) g.group.start();
    await h.clock.advance(1000);
    const missed = groups.reduce((n, g) => n + g.group.status().overruns, 0);
    missed.should.be.above(0);
    h.reads.stats().missedCycles.should.equal(missed);
    await stopAll(h, ...groups);
  });

  it("sends the independent requests of one tick on different connections (real sockets)", async () => {
    const sim = new PlcSimulator({ latencyMs: 20 });
    await sim.start();
    const pool = new PlcPool({ name: "sim", client: { host: "127.0.0.1", port: sim.port }, connections: 2 });
    pool.register("test");
    const reads = new SharedReads(pool, pool.format, { sink: pool.load });
    const groups = [0, 2000].map(
      (base) =>
        new FixedGroup({
          name: `g${base}`,
          plc: pool,
          table: compileTagTable([{ name: "a", address: `D${base}:uint16[960]` }], { series: "ql" }, FORMAT),
          intervalMs: 200,
          output: { format: "object", changedOnly: false },
          reads,
        }),
    );
    try {
      await until(() => pool.state === "connected" && sim.clientCount === 2);
      let messages = 0;
      for (const g of groups) g.on("data", () => messages++);
      for (const g of groups) g.start();
      await until(() => messages >= 6, 5000, "three ticks");
      // Stopped first, so that no tick is half counted when the figures are read.
      await Promise.all(groups.map((g) => g.stop()));
      // Two requests a tick (960 words each), one on each connection.
      const busy = pool.load.snapshot().busyPercentByConnection;
      busy.length.should.equal(2);
      busy.every((b) => b > 0).should.be.true();
      // Ticks the two groups shared carried both requests. (On a loaded machine one group's timer can
      // fire a loop turn late, and that tick goes alone: so not every batch, but some.)
      const { requests, batches } = reads.stats();
      requests.should.be.above(batches);
      requests.should.be.belowOrEqual(2 * batches);
    } finally {
      await Promise.all(groups.map((g) => g.stop()));
      pool.close();
      await sim.stop();
    }
  });
});
