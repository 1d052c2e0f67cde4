import "should";
import should from "should";
import { FairQueue } from "../../lib/mc/fair-queue";

describe("FairQueue", () => {
  it("takes owners in turn and keeps each owner's order", () => {
    const q = new FairQueue<string>();
    ["a1", "a2", "a3"].forEach((x) => q.push("a", x));
    q.push("b", "b1");
    q.push("c", "c1");
    q.push("b", "b2");
    q.length.should.equal(6);
    const out: string[] = [];
    for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
    out.should.eql(["a1", "b1", "c1", "a2", "b2", "a3"]);
    q.length.should.equal(0);
    should(q.shift()).be.undefined();
  });

  it("drains everything, leaving it empty", () => {
    const q = new FairQueue<number>();
    q.push("a", 1);
    q.push("b", 2);
    q.drain().sort().should.eql([1, 2]);
    q.length.should.equal(0);
  });
});
