import "should";
import { McClient } from "../../lib/mc/client";
import { parseTag } from "../../lib/mc/tags";
import { ReadCoalescer, alignedDelay } from "../../lib/engine/read-coalescer";
import { PlcSimulator } from "../../lib/simulator";

describe("ReadCoalescer", () => {
  let sim: PlcSimulator;
  let client: McClient;
  beforeEach(async () => {
    sim = new PlcSimulator();
    await sim.start();
    client = new McClient({ host: "127.0.0.1", port: sim.port, name: "sim" });
  });
  afterEach(async () => {
    client.close();
    await sim.stop();
  });

  const tag = (a: string) => parseTag(a, { series: "ql" });
  const sender = () => ({ name: "sim", request: client.request.bind(client) });

  it("sends reads asked for together as one planned request, each caller getting its own value", async () => {
    sim.memory.set("M100", true);
    sim.memory.set("D10", 7);
    const reader = new ReadCoalescer(sender(), client.format);
    const results = await Promise.all([
      reader.read(tag("M100")),
      reader.read(tag("M101")),
      reader.read(tag("D10")),
    ]);
    results.map((r) => r.ok && r.value).should.eql([true, false, 7]);
    sim.stats.requests.should.equal(1);
  });

  it("reads asked for apart go out apart", async () => {
    const reader = new ReadCoalescer(sender(), client.format);
    await reader.read(tag("M100"));
    await reader.read(tag("M100"));
    sim.stats.requests.should.equal(2);
  });

  it("a tag the PLC refuses spoils only its own caller's result", async () => {
    const reader = new ReadCoalescer(sender(), client.format);
    const [good, bad] = await Promise.all([reader.read(tag("D10")), reader.read(tag("D20000"))]);
    good.ok.should.be.true();
    bad.ok.should.be.false();
    if (!bad.ok) bad.error.message.should.match(/4031/);
  });

  it("alignedDelay lands every watcher of one interval on the same grid", () => {
    alignedDelay(1234.5, 100).should.be.approximately(65.5, 1e-9);
    alignedDelay(1200, 100).should.equal(100);
    (1234.5 + alignedDelay(1234.5, 100)).should.be.approximately(1300, 1e-9);
    (1277 + alignedDelay(1277, 100)).should.equal(1300);
  });
});
