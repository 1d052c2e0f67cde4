import "should";
import { ManualClock } from "../../lib/core/clock";
import { ReadCoalescer, alignedDelay } from "../../lib/engine/read-coalescer";
import { parseTag } from "../../lib/mc/tags";
import { type WireFormat } from "../../lib/mc/wire";
import { MemoryPlc, lost } from "../helpers/memory-plc";

const FORMAT: WireFormat = { encoding: "binary", series: "ql", zrHex: false };

describe("ReadCoalescer", () => {
  let clock: ManualClock;
  let plc: MemoryPlc;
  beforeEach(() => {
    clock = new ManualClock(1_000);
    plc = new MemoryPlc(clock, FORMAT, 5);
  });

  const tag = (a: string) => parseTag(a, { series: "ql" });
  /** Settles once the clock has run far enough for every read asked for so far to be answered. */
  const answered = <T>(p: Promise<T>): Promise<T> => clock.advance(100).then(() => p);

  it("sends reads asked for together as one planned request, each caller getting its own value", async () => {
    plc.memory.set("M100", true);
    plc.memory.set("D10", 7);
    const reader = new ReadCoalescer(plc, FORMAT, { clock });
    const results = await answered(
      Promise.all([reader.read(tag("M100")), reader.read(tag("M101")), reader.read(tag("D10"))]),
    );
    results.map((r) => r.ok && r.value).should.eql([true, false, 7]);
    plc.sent.should.have.length(1);
    plc.sent[0]!.owner!.should.equal("watch");
  });

  it("a read asked for within the gather window joins the batch; one asked for after it goes apart", async () => {
    const reader = new ReadCoalescer(plc, FORMAT, { clock, gatherMs: 2 });
    const first = reader.read(tag("M100"));
    await clock.advance(1);
    const joined = reader.read(tag("M101"));
    await clock.advance(1); // the window closes: the batch goes out
    const apart = reader.read(tag("M102"));
    await answered(Promise.all([first, joined, apart]));
    plc.sent.should.have.length(2);
    plc.sent.map((s) => s.startedAt).should.eql([1_002, 1_007]);
  });

  it("reads asked for apart go out apart", async () => {
    const reader = new ReadCoalescer(plc, FORMAT, { clock });
    await answered(reader.read(tag("M100")));
    await answered(reader.read(tag("M100")));
    plc.sent.should.have.length(2);
  });

  it("a tag the PLC refuses spoils only its own caller's result", async () => {
    const reader = new ReadCoalescer(plc, FORMAT, { clock });
    const [good, bad] = await answered(Promise.all([reader.read(tag("D10")), reader.read(tag("D20000"))]));
    good.ok.should.be.true();
    bad.ok.should.be.false();
    if (!bad.ok) bad.error.message.should.match(/4031/);
  });

  it("a failed request fails the result of every caller of its batch", async () => {
    plc.failWhen = lost;
    const reader = new ReadCoalescer(plc, FORMAT, { clock });
    const results = await answered(Promise.all([reader.read(tag("D10")), reader.read(tag("D11"))]));
    plc.sent.should.have.length(1);
    results.map((r) => !r.ok && r.error.code).should.eql(["MC_CONNECTION_LOST", "MC_CONNECTION_LOST"]);
  });

  it("alignedDelay lands every watcher of one interval on the same grid", () => {
    alignedDelay(1234.5, 100).should.be.approximately(65.5, 1e-9);
    alignedDelay(1200, 100).should.equal(100);
    (1234.5 + alignedDelay(1234.5, 100)).should.be.approximately(1300, 1e-9);
    (1277 + alignedDelay(1277, 100)).should.equal(1300);
  });
});
