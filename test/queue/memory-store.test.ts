import "should";
import { MemoryStore } from "../../lib/queue";

describe("MemoryStore", () => {
  const add = (store: MemoryStore<number>, n: number) =>
    store.append(
      Array.from({ length: n }, (_, i) => ({ payload: i, json: undefined, bytes: 1, enqueuedAt: i })),
    );

  it("reads after a sequence number, skipping removed messages", () => {
    const store = new MemoryStore<number>();
    add(store, 5).should.eql([1, 2, 3, 4, 5]);
    store.remove([2, 4, 99]);
    store
      .read(0, 10)
      .map((m) => m.seq)
      .should.eql([1, 3, 5]);
    store
      .read(1, 1)
      .map((m) => m.seq)
      .should.eql([3]);
    store.count().should.equal(3);
    store.bytes().should.equal(3);
    store.oldestEnqueuedAt()!.should.equal(0);
  });

  it("compacts holes behind a message that stays at the head", () => {
    const store = new MemoryStore<number>();
    add(store, 1);
    for (let round = 0; round < 100; round++) {
      const seqs = add(store, 1000);
      store.remove(seqs);
    }
    store.count().should.equal(1);
    // Parallel arrays are private; the read still has to find the one survivor quickly and alone.
    store
      .read(0, 10)
      .map((m) => m.seq)
      .should.eql([1]);
    ((store as unknown as { messages: unknown[] }).messages.length < 3000).should.be.true();
    add(store, 1).should.eql([100_002]);
  });
});
