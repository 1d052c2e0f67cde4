import should from "should";
import { Queue, QueueError, type Delivery, type DropEvent } from "../../lib/queue";
import { payloads } from "./helpers";
import { nth } from "../helpers/nth";

const opened: { close(): unknown }[] = [];
afterEach(() => opened.splice(0).forEach((q) => q.close()));

function pausedQueue(options: Partial<ConstructorParameters<typeof Queue<number>>[0]> = {}) {
  const delivered: Delivery<number>[] = [];
  const queue = new Queue<number>({ deliver: (d) => delivered.push(d), capacity: 3, ...options });
  queue.pause();
  opened.push(queue);
  const drops: DropEvent[] = [];
  queue.on("drop", (e) => drops.push(e));
  return { queue, delivered, drops };
}

describe("queue overflow policies", () => {
  it("reject: put rejects with QUEUE_FULL and the drop is counted", async () => {
    const { queue, drops } = pausedQueue({ overflow: "reject" });
    for (let i = 0; i < 3; i++) await queue.put(i);
    const err = await queue.put(3).then(
      () => undefined,
      (e: unknown) => e,
    );
    should(err).be.instanceOf(QueueError).and.have.property("code", "QUEUE_FULL");
    queue.status().should.containEql({ size: 3, dropped: 1, full: true });
    drops.should.eql([{ reason: "reject", count: 1 }]);
  });

  it("drop-newest: the incoming message is discarded and counted, the queue keeps the old ones", async () => {
    const { queue, delivered } = pausedQueue({ overflow: "drop-newest" });
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => queue.put(i)));
    results.should.eql(["queued", "queued", "queued", "dropped", "dropped"]);
    queue.status().dropped.should.equal(2);
    queue.resume();
    delivered.map((d) => (d.batch ? undefined : d.payload)).should.eql([0]);
    queue.close().should.eql([0, 1, 2]);
  });

  it("drop-oldest: the oldest waiting messages make room, in-flight ones are kept", async () => {
    const { queue, delivered } = pausedQueue({ overflow: "drop-oldest" });
    queue.resume();
    await queue.put(0); // delivered at once, stays in flight until acked
    for (let i = 1; i <= 5; i++) await queue.put(i);
    queue.status().should.containEql({ size: 3, dropped: 3, inFlight: 1 });
    queue.ack(nth(delivered, 0).id).should.be.true();
    queue.ack(nth(delivered, 1).id).should.be.true();
    payloads(delivered).should.eql([0, 4, 5]);
  });

  it("drop-oldest drops the incoming one when everything held is in flight", async () => {
    const { queue } = pausedQueue({ overflow: "drop-oldest", capacity: 1 });
    queue.resume();
    (await queue.put(0)).should.equal("queued");
    (await queue.put(1)).should.equal("dropped");
    queue.close().should.eql([0]);
  });

  it("a byte capacity counts the serialised payload", async () => {
    const { queue } = pausedQueue({ capacity: 100, maxBytes: 10, overflow: "reject" });
    await queue.put(12345); // 5 bytes
    await queue.put(1234); // 4 bytes
    await queue.put(12).should.be.rejectedWith({ code: "QUEUE_FULL" });
    await queue.put(1);
    await queue.put(123456789012).should.be.rejectedWith({ code: "QUEUE_MESSAGE_TOO_LARGE" });
    queue.status().should.containEql({ size: 3, bytes: 10, dropped: 2, usage: 100 });
  });

  it("a closed queue rejects puts with QUEUE_CLOSED", async () => {
    const { queue } = pausedQueue();
    queue.close();
    await queue.put(1).should.be.rejectedWith({ code: "QUEUE_CLOSED" });
  });

  it("invalid options raise QUEUE_BAD_OPTION", () => {
    (() => new Queue({ deliver: () => undefined, capacity: 0 })).should.throw({ code: "QUEUE_BAD_OPTION" });
    (() => new Queue({ deliver: () => undefined, mode: "rate" })).should.throw({ code: "QUEUE_BAD_OPTION" });
  });
});
