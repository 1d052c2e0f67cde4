import "should";
import { PlcLoad } from "../../lib/pool/load";

describe("pool/load: the load the engine puts on a PLC", () => {
  it("busy % is the time a connection had a request outstanding; rates cover the recent window", () => {
    let now = 100_000;
    const load = new PlcLoad(2, () => now);
    // Connection 0: a 5 ms request every 10 ms for 10 s (50 %); connection 1: one every 100 ms (5 %).
    for (let t = 0; t < 10_000; t += 10) {
      now = 100_000 + t + 5;
      load.recordRequest(0, 5, 10);
      if (t % 100 === 0) load.recordRequest(1, 5);
    }
    now = 110_000;
    const s = load.snapshot();
    s.windowS.should.equal(9); // the full seconds before now, the current one just begun
    s.busyPercentByConnection.should.eql([50, 5]);
    s.busyPercent.should.equal(27.5);
    s.requestsPerSec.should.equal(110);
    s.meanRequestMs!.should.equal(5);
    s.wordsPerSec.should.equal(1000);
    load.busyPercent().should.equal(27.5);
  });

  it("overlapping (pipelined) requests on one connection count their time once", () => {
    let now = 1000;
    const load = new PlcLoad(1, () => now);
    now = 1010;
    load.recordRequest(0, 10); // 1000–1010
    now = 1012;
    load.recordRequest(0, 10); // 1002–1012: only 2 ms more
    now = 2000;
    load.snapshot().busyPercentByConnection[0]!.should.equal(1.2);
  });

  it("old seconds drop out of the rates; totals of shared requests and missed cycles stay", () => {
    let now = 0;
    const load = new PlcLoad(1, () => now);
    now = 500;
    load.recordRequest(0, 400);
    load.recordMerged(3, 50);
    load.recordMissed(2);
    now = 1000;
    load.snapshot().savedPerSec.should.equal(47);
    now = 30_000;
    const s = load.snapshot();
    s.requestsPerSec.should.equal(0);
    s.busyPercent.should.equal(0);
    (s.meanRequestMs === null).should.be.true();
    s.shared.should.eql({ requests: 3, unshared: 50, saved: 47 });
    s.missedCycles.should.equal(2);
  });

  it("a second that comes round again in the ring of buckets starts from zero", () => {
    let now = 500;
    const load = new PlcLoad(1, () => now);
    load.recordRequest(0, 1, 100);
    now = 11_500; // second 11 reuses second 0's bucket
    load.recordRequest(0, 1);
    load.recordRequest(0, 1);
    now = 12_000;
    const s = load.snapshot();
    s.requestsPerSec.should.equal(0.2); // 2 requests over the 10 s window, not 3
    s.wordsPerSec.should.equal(0);
  });
});
