import "should";
import sinon from "sinon";
import { Queue, type Delivery, type QueueOptions } from "../../lib/queue";
import { FakeClock, payloads } from "./helpers";
import { nth } from "../helpers/nth";

const opened: { close(): unknown }[] = [];
afterEach(() => opened.splice(0).forEach((q) => q.close()));

function setup(options: Partial<QueueOptions<number>> = {}) {
  const clock = new FakeClock();
  const delivered: Delivery<number>[] = [];
  const queue = new Queue<number>({ deliver: (d) => delivered.push(d), clock, ...options });
  opened.push(queue);
  return { clock, queue, delivered };
}

async function putAll(queue: Queue<number>, values: number[]): Promise<void> {
  await Promise.all(values.map((v) => queue.put(v)));
}

describe("queue delivery", () => {
  describe("ack mode", () => {
    it("keeps one delivery in flight by default and delivers the next on ack", async () => {
      const { queue, delivered } = setup();
      await putAll(queue, [1, 2, 3]);
      payloads(delivered).should.eql([1]);
      nth(delivered, 0).should.containEql({ attempt: 1, redelivery: false, batch: false });
      queue.status().inFlight.should.equal(1);
      queue.ack(nth(delivered, 0).id).should.be.true();
      queue.ack(nth(delivered, 0).id).should.be.false();
      payloads(delivered).should.eql([1, 2]);
      queue.ack(nth(delivered, 1).id);
      queue.ack(nth(delivered, 2).id);
      queue.status().should.containEql({ size: 0, empty: true, dequeued: 3, inFlight: 0 });
    });

    it("delivers up to maxInFlight before any ack, acks in any order", async () => {
      const { queue, delivered } = setup({ maxInFlight: 3 });
      await putAll(queue, [1, 2, 3, 4, 5]);
      payloads(delivered).should.eql([1, 2, 3]);
      queue.ack(nth(delivered, 2).id);
      payloads(delivered).should.eql([1, 2, 3, 4]);
      queue.status().should.containEql({ size: 4, inFlight: 3 });
    });

    it("redelivers after the ack time-out, marked with the attempt, under the same id", async () => {
      const { queue, delivered, clock } = setup({ ackTimeoutMs: 5_000 });
      await putAll(queue, [7, 8]);
      clock.advance(4_999);
      delivered.length.should.equal(1);
      clock.advance(1);
      delivered.length.should.equal(2);
      nth(delivered, 1).should.containEql({
        id: nth(delivered, 0).id,
        attempt: 2,
        redelivery: true,
        payload: 7,
      });
      clock.advance(5_000);
      nth(delivered, 2).should.containEql({ attempt: 3, payload: 7 });
      queue.ack(nth(delivered, 0).id).should.be.true();
      nth(delivered, 3).should.containEql({ attempt: 1, redelivery: false, payload: 8 });
      queue.status().redelivered.should.equal(2);
      queue.close();
      clock.pendingTimers.should.equal(0);
    });

    it("nack redelivers at once under the same id, marked as a redelivery", async () => {
      const { queue, delivered, clock } = setup({ ackTimeoutMs: 5_000 });
      await putAll(queue, [7, 8]);
      queue.nack(nth(delivered, 0).id).should.be.true();
      nth(delivered, 1).should.containEql({
        id: nth(delivered, 0).id,
        attempt: 2,
        redelivery: true,
        payload: 7,
      });
      queue.nack(12345).should.be.false();
      clock.advance(4_999);
      delivered.length.should.equal(2);
      clock.advance(1);
      nth(delivered, 2).should.containEql({ attempt: 3, payload: 7 });
      queue.ack(nth(delivered, 0).id).should.be.true();
      nth(delivered, 3).should.containEql({ attempt: 1, payload: 8 });
      queue.status().redelivered.should.equal(2);
    });

    it("a deliver callback that throws does not lose the message", async () => {
      const clock = new FakeClock();
      const deliver = sinon.stub().throws(new Error("consumer bug"));
      const deliverError = sinon.spy();
      const queue = new Queue<number>({ clock, ackTimeoutMs: 100, deliver });
      queue.on("deliverError", deliverError);
      await queue.put(1);
      clock.advance(100);
      deliver.callCount.should.equal(2);
      deliverError.callCount.should.equal(2);
      queue.status().size.should.equal(1);
      queue.close();
    });
  });

  describe("rate mode", () => {
    it("releases N per second and removes on release unless acks are required", async () => {
      const { queue, delivered, clock } = setup({ mode: "rate", ratePerSecond: 2 });
      await putAll(queue, [1, 2, 3, 4, 5]);
      payloads(delivered).should.eql([1]);
      queue.status().size.should.equal(4);
      clock.advance(499);
      delivered.length.should.equal(1);
      clock.advance(1);
      delivered.length.should.equal(2);
      clock.advance(1_000);
      payloads(delivered).should.eql([1, 2, 3, 4]);
      queue.status().should.containEql({ dequeued: 4, inFlight: 0 });
      queue.close();
      clock.pendingTimers.should.equal(0);
    });

    it("with requireAck, also waits for acks", async () => {
      const { queue, delivered, clock } = setup({ mode: "rate", ratePerSecond: 10, requireAck: true });
      await putAll(queue, [1, 2]);
      clock.advance(1_000);
      delivered.length.should.equal(1);
      queue.ack(nth(delivered, 0).id);
      payloads(delivered).should.eql([1, 2]);
    });
  });

  describe("pull mode", () => {
    it("releases nothing until pulled, then at most N", async () => {
      const { queue, delivered } = setup({ mode: "pull" });
      await putAll(queue, [1, 2, 3, 4, 5]);
      delivered.length.should.equal(0);
      queue.pull(2).should.equal(2);
      payloads(delivered).should.eql([1, 2]);
      queue.pull(10).should.equal(3);
      queue.pull(1).should.equal(0);
      queue.status().size.should.equal(0);
    });
  });

  describe("batching", () => {
    it("by count: up to N messages as one delivery, acked as one", async () => {
      const { queue, delivered } = setup({ batch: { size: 3 } });
      queue.pause();
      await putAll(queue, [1, 2, 3, 4, 5]);
      queue.resume();
      nth(delivered, 0).should.containEql({ batch: true, payloads: [1, 2, 3] });
      queue.status().inFlight.should.equal(3);
      queue.ack(nth(delivered, 0).id);
      nth(delivered, 1).should.containEql({ batch: true, payloads: [4, 5] });
      queue.ack(nth(delivered, 1).id);
      queue.status().size.should.equal(0);
    });

    it("by time: a short batch waits until its oldest message is T ms old", async () => {
      const { queue, delivered, clock } = setup({ batch: { size: 10, timeMs: 1_000 } });
      await queue.put(1);
      clock.advance(600);
      await queue.put(2);
      delivered.length.should.equal(0);
      clock.advance(400);
      delivered.length.should.equal(1);
      nth(delivered, 0).should.containEql({ payloads: [1, 2] });
    });

    it("by time: a full batch goes at once", async () => {
      const { queue, delivered } = setup({ batch: { size: 3, timeMs: 60_000 } });
      await putAll(queue, [1, 2, 3, 4]);
      delivered.length.should.equal(1);
      nth(delivered, 0).should.containEql({ payloads: [1, 2, 3] });
    });
  });

  describe("control", () => {
    it("pause holds deliveries, resume releases them, producers are never blocked", async () => {
      const { queue, delivered } = setup();
      queue.pause();
      await putAll(queue, [1, 2]);
      delivered.length.should.equal(0);
      queue.status().paused.should.be.true();
      queue.resume();
      delivered.length.should.equal(1);
    });

    it("clear empties everything, in flight included, and returns the count", async () => {
      const { queue, delivered } = setup();
      await putAll(queue, [1, 2, 3]);
      queue.clear().should.equal(3);
      queue.ack(nth(delivered, 0).id).should.be.false();
      queue.status().should.containEql({ size: 0, cleared: 3, inFlight: 0 });
      await queue.put(4);
      payloads(delivered).should.eql([1, 4]);
    });

    it("close in memory mode returns what is still held, in order, and clears timers", async () => {
      const { queue, clock } = setup({ mode: "rate", ratePerSecond: 1 });
      await putAll(queue, [1, 2, 3]);
      clock.pendingTimers.should.be.above(0);
      queue.close().should.eql([2, 3]);
      clock.pendingTimers.should.equal(0);
      queue.status().closed.should.be.true();
    });

    it("keeps plain objects as they are in memory mode (no serialisation)", async () => {
      const received: unknown[] = [];
      const queue = new Queue<object>({ deliver: (d) => received.push(d.batch ? d.payloads : d.payload) });
      opened.push(queue);
      const msg = { payload: 1, self: {} as object };
      msg.self = msg;
      await queue.put(msg);
      received[0]!.should.equal(msg);
    });
  });
});
