import should from "should";
import { SequenceTracker } from "../../lib/engine/handshake-sequence";

describe("engine/handshake-sequence: SequenceTracker", () => {
  it("compares each sequence value with the last one delivered: first, ok, lost, repeated", () => {
    const t = new SequenceTracker(1);
    t.check("a", 5).kind.should.equal("first");
    t.delivered(5);
    t.check("b", 6).kind.should.equal("ok");
    t.delivered(6);
    const lost = t.check("c", 9);
    lost.should.match({ kind: "lost", lost: 2 });
    should(lost.event).eql({ kind: "lost", transactionId: "c", previous: 6, sequence: 9, lost: 2 });
    t.delivered(9);
    const repeated = t.check("d", 9);
    repeated.kind.should.equal("repeated");
    should(repeated.event).eql({ kind: "repeated", transactionId: "d", previous: 9, sequence: 9 });
    t.stats.should.eql({ lost: 2, repeated: 1, last: 9 });
  });

  it("a value not delivered (a failed transaction) is not what the next one is compared with", () => {
    const t = new SequenceTracker(1);
    t.check("a", 1);
    t.delivered(1);
    t.check("b", 2).kind.should.equal("ok"); // read, but its delivery failed
    t.check("c", 2).kind.should.equal("ok"); // the PLC's retry of it is not a repeat
    t.stats.last!.should.equal(2);
  });

  it("wraps at the word size, and takes a step back for a PLC restart rather than lost records", () => {
    const word = new SequenceTracker(1);
    word.check("a", 65535);
    word.delivered(65535);
    word.check("b", 0).kind.should.equal("ok");
    word.delivered(0);
    word.check("c", 3).should.match({ kind: "lost", lost: 2 });
    const dword = new SequenceTracker(2);
    dword.check("a", 2 ** 32 - 1);
    dword.delivered(2 ** 32 - 1);
    dword.check("b", 1).should.match({ kind: "lost", lost: 1 });
    dword.delivered(1);
    dword.check("c", 0).kind.should.equal("ok"); // a step back
    dword.stats.lost.should.equal(1);
  });

  it("without a sequence value there is nothing to check", () => {
    const t = new SequenceTracker(1);
    t.check("a", undefined).kind.should.equal("ok");
    t.stats.should.eql({ lost: 0, repeated: 0, last: null });
  });
});
