import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import "should";
import sinon from "sinon";
import { track } from "../helpers/handles";
import { type TestNode, callsOf, catchAll, collect, helper, nextMessage } from "../helpers/node-red";
import { until } from "../helpers/scripted-peer";
import { QUEUE_NODES, outputs, queue, type EventMsg, type QueueMsg } from "./fixtures/queue-helpers";
import { nth } from "../helpers/nth";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The queue's own account of itself, from the status command's reply on the second output: what it
 * holds and has in flight once every message sent before has been handled (inputs are handled in order),
 * so a test asks the queue instead of waiting a while and counting what did not arrive.
 */
async function statusOf(q: TestNode, events: EventMsg[]): Promise<Record<string, unknown>> {
  const seen = events.length;
  q.receive({ topic: "status" });
  const reply = () => events.slice(seen).find((e) => e.payload.type === "status");
  await until(() => reply() !== undefined, 2000, "the status reply");
  return reply()!.payload.status as Record<string, unknown>;
}

type Shown = { fill: string; shape: string; text: string };
const lastStatus = (q: TestNode) => callsOf(q, "status").at(-1) as Shown | undefined;

/** The status the node shows once it shows `text` (status updates are throttled), for the caller to check. */
async function shown(q: TestNode, text: string): Promise<Shown | undefined> {
  await until(() => lastStatus(q)?.text === text, 3000, `the status "${text}"`).catch(() => undefined);
  return lastStatus(q);
}

describe("jsscada-queue", function () {
  let userDir: string;

  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-queue-node-"));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  async function load(extra: object = {}, more: object[] = []) {
    await helper.load(QUEUE_NODES, [queue("q1", extra), ...outputs, ...catchAll(), ...more]);
    const q = helper.getNode("q1-node");
    const out = collect<QueueMsg>(helper.getNode("out"));
    const events = collect<EventMsg>(helper.getNode("events"));
    const caught = collect<QueueMsg>(helper.getNode("caught"));
    return { q, out, events, caught };
  }

  describe("ack mode", () => {
    it("delivers one at a time with msg.queue and the next when the message comes back", async () => {
      const { q, out, events } = await load();
      for (let i = 1; i <= 3; i++) q.receive({ topic: "line1", payload: i, extra: "kept" });
      (await statusOf(q, events)).should.containEql({ size: 3, inFlight: 1 });
      out.length.should.equal(1);
      nth(out, 0).should.containEql({ topic: "line1", payload: 1, extra: "kept" });
      nth(out, 0).queue.should.containEql({ attempt: 1, redelivery: false, queue: "q1" });
      nth(out, 0).queue.enqueuedAt.should.be.approximately(Date.now(), 2000);
      // The delivered message itself, back on the input, is the acknowledgement.
      q.receive(nth(out, 0));
      await until(() => out.length === 2);
      // So is an explicit one carrying only the id.
      q.receive({ topic: "ack", queue: { id: nth(out, 1).queue.id } });
      await until(() => out.length === 3);
      out.map((m) => m.payload).should.eql([1, 2, 3]);
    });

    it("keeps up to max in flight", async () => {
      const { q, out, events } = await load({ maxInFlight: "3" });
      for (let i = 1; i <= 5; i++) q.receive({ payload: i });
      (await statusOf(q, events)).should.containEql({ size: 5, inFlight: 3 });
      out.length.should.equal(3);
      q.receive({ payload: { command: "ack" }, queue: { id: nth(out, 1).queue.id } });
      await until(() => out.length === 4);
    });

    it("redelivers after the ack time-out, marked as a redelivery, under the same id", async () => {
      const { q, out, events } = await load({ ackTimeout: "0.15" });
      q.receive({ payload: "a" });
      await until(() => out.length === 2, 2000, "a redelivery");
      nth(out, 1).should.containEql({ payload: "a" });
      nth(out, 1).queue.should.containEql({ id: nth(out, 0).queue.id, attempt: 2, redelivery: true });
      q.receive(nth(out, 1));
      // Acknowledged: nothing left to redeliver (the ack time-out itself is lib/queue's, on a ManualClock).
      (await statusOf(q, events)).should.containEql({ size: 0, inFlight: 0, redelivered: 1 });
      out.length.should.equal(2);
    });

    it("nack (or the message coming back through a Catch node, with msg.error) redelivers at once", async () => {
      const { q, out } = await load();
      q.receive({ payload: "a" });
      await until(() => out.length === 1);
      q.receive({ topic: "nack", queue: { id: nth(out, 0).queue.id } });
      await until(() => out.length === 2);
      nth(out, 1).queue.should.containEql({ attempt: 2, redelivery: true });
      q.receive({ ...nth(out, 1), error: { message: "database down" } });
      await until(() => out.length === 3);
      nth(out, 2).queue.attempt.should.equal(3);
    });

    it("Complete node watching the consumer, wired back to the queue, acknowledges each message", async () => {
      await helper.load(QUEUE_NODES, [
        queue("q1", { maxInFlight: "2", wires: [["consumer"], ["events"]] }),
        {
          id: "consumer",
          type: "function",
          func: "return new Promise(r => setTimeout(() => r(msg), 2));",
          outputs: 1,
          wires: [["out"]],
        },
        { id: "done-watch", type: "complete", scope: ["consumer"], uncaught: false, wires: [["q1-node"]] },
        ...outputs,
      ]);
      const out = collect<QueueMsg>(helper.getNode("out"));
      const events = collect<EventMsg>(helper.getNode("events"));
      const q = helper.getNode("q1-node");
      const inputs = collect(q);
      for (let i = 0; i < 50; i++) q.receive({ payload: i });
      await until(() => out.length === 50, 5000, "50 deliveries");
      out.map((m) => m.payload).should.eql([...Array(50).keys()]);
      // The last acknowledgement reaches the queue through the Complete node after "out" got the message.
      await until(() => inputs.length === 100, 5000, "50 messages and their 50 acknowledgements");
      (await statusOf(q, events)).should.containEql({
        size: 0,
        inFlight: 0,
        dequeued: 50,
        redelivered: 0,
      });
    });
  });

  describe("overflow", () => {
    it("reject fails the producer's message with QUEUE_FULL, reaching Catch", async () => {
      const { q, out, caught } = await load({ capacity: "2" });
      for (let i = 1; i <= 3; i++) q.receive({ payload: i });
      await until(() => caught.length === 1);
      nth(caught, 0).payload!.should.equal(3);
      nth(caught, 0).error!.code!.should.equal("QUEUE_FULL");
      nth(caught, 0).error!.message.should.match(/queue full: 2 of 2/);
      out.length.should.equal(1);
    });

    it("drop newest discards the incoming message and counts it", async () => {
      const { q, out, events, caught } = await load({ capacity: "2", overflow: "drop-newest" });
      q.receive({ topic: "pause" });
      for (let i = 1; i <= 3; i++) q.receive({ payload: i });
      q.receive({ topic: "resume" });
      await until(() => out.length === 1);
      q.receive(nth(out, 0));
      await until(() => out.length === 2);
      out.map((m) => m.payload).should.eql([1, 2]);
      q.receive({ topic: "status" });
      await until(() => events.some((e) => e.payload.type === "status"));
      (
        events.find((e) => e.payload.type === "status")!.payload.status as Record<string, unknown>
      ).dropped!.should.equal(1);
      caught.length.should.equal(0);
      callsOf(q, "warn")
        .join()
        .should.match(/dropped 1 message\(s\) \(drop-newest\)/);
    });

    it("drop oldest makes room by discarding the oldest waiting message", async () => {
      const { q, out } = await load({ capacity: "2", overflow: "drop-oldest" });
      q.receive({ topic: "pause" });
      for (let i = 1; i <= 3; i++) q.receive({ payload: i });
      q.receive({ topic: "resume" });
      await until(() => out.length === 1);
      q.receive(nth(out, 0));
      await until(() => out.length === 2);
      out.map((m) => m.payload).should.eql([2, 3]);
    });

    it("a byte capacity rejects a message too large for it", async () => {
      const { q, caught } = await load({ maxBytes: "100" });
      q.receive({ payload: "x".repeat(200) });
      await until(() => caught.length === 1);
      nth(caught, 0).error!.code!.should.equal("QUEUE_MESSAGE_TOO_LARGE");
    });
  });

  describe("rate and pull modes", () => {
    it("rate mode releases N per second without waiting for acks", async () => {
      const { q, out } = await load({ mode: "rate", rate: "20" });
      const start = Date.now();
      for (let i = 1; i <= 5; i++) q.receive({ payload: i });
      await until(() => out.length === 5, 3000);
      (Date.now() - start).should.be.aboveOrEqual(180);
      out.map((m) => m.payload).should.eql([1, 2, 3, 4, 5]);
    });

    it("pull mode releases N on a pull message and replies with the count", async () => {
      const { q, out, events } = await load({ mode: "pull" });
      for (let i = 1; i <= 5; i++) q.receive({ payload: i });
      (await statusOf(q, events)).should.containEql({ size: 5, inFlight: 0 });
      out.length.should.equal(0);
      q.receive({ topic: "pull", payload: { count: 2 } });
      await until(() => events.length === 2);
      nth(events, 1).payload.should.containEql({ type: "pulled", requested: 2, released: 2, queue: "q1" });
      out.map((m) => m.payload).should.eql([1, 2]);
      q.receive({ payload: { command: "pull", count: 10 } });
      await until(() => events.length === 3);
      nth(events, 2).payload.released!.should.equal(3);
    });

    it("pull in another mode fails the control message", async () => {
      const { q, caught } = await load();
      q.receive({ topic: "pull", payload: 1 });
      await until(() => caught.length === 1);
      nth(caught, 0).error!.message.should.match(/pull needs the pull delivery mode/);
    });
  });

  describe("batching", () => {
    it("by count: one message whose payload is the array of payloads, acked as one", async () => {
      const { q, out } = await load({ batchSize: "3" });
      q.receive({ topic: "pause" });
      for (let i = 1; i <= 7; i++) q.receive({ payload: { v: i } });
      q.receive({ topic: "resume" });
      await until(() => out.length === 1);
      nth(out, 0).should.containEql({ topic: "q1", payload: [{ v: 1 }, { v: 2 }, { v: 3 }] });
      nth(out, 0).queue.batch!.should.eql({ count: 3 });
      q.receive(nth(out, 0));
      await until(() => out.length === 2);
      q.receive(nth(out, 1));
      await until(() => out.length === 3);
      nth(out, 2).payload!.should.eql([{ v: 7 }]);
    });

    it("by time: what arrived within T ms goes as one batch", async () => {
      const { q, out } = await load({ batchSize: "100", batchTime: "150" });
      const start = Date.now();
      q.receive({ payload: 1 });
      q.receive({ payload: 2 }); // a later arrival within T joins too: lib/queue's, on a ManualClock
      await until(() => out.length === 1, 2000);
      (Date.now() - start).should.be.aboveOrEqual(140);
      nth(out, 0).payload!.should.eql([1, 2]);
    });
  });

  describe("control and monitoring", () => {
    it("pause, resume, clear and status reply on the second output; producers keep going", async () => {
      const { q, out, events } = await load();
      q.receive({ topic: "pause" });
      for (let i = 1; i <= 4; i++) q.receive({ payload: i });
      q.receive({ topic: "status" });
      q.receive({ topic: "clear" });
      q.receive({ payload: 5 });
      q.receive({ topic: "resume" });
      await until(() => events.length === 4 && out.length === 1);
      events.map((e) => e.topic).should.eql(["queue-event", "queue-event", "queue-event", "queue-event"]);
      events.map((e) => e.payload.type).should.eql(["paused", "status", "cleared", "resumed"]);
      (nth(events, 1).payload.status as Record<string, unknown>).should.containEql({
        name: "q1",
        size: 4,
        paused: true,
        capacity: 10_000,
      });
      nth(events, 2).payload.count!.should.equal(4);
      nth(out, 0).payload!.should.equal(5);
    });

    it("emits threshold crossings on the second output and colours the status", async () => {
      const { q, events } = await load({ capacity: "10", warn: "50", alarm: "80" });
      q.receive({ topic: "pause" });
      for (let i = 1; i <= 9; i++) q.receive({ payload: i });
      await until(() => events.length === 3);
      const thresholds = events.filter((e) => e.payload.type === "threshold").map((e) => e.payload);
      thresholds
        .map((t) => [t.previous, t.level, t.usage])
        .should.eql([
          ["ok", "warn", 50],
          ["warn", "alarm", 80],
        ]);
      q.receive({ topic: "resume" });
      (await shown(q, "9 / 10 (90 %) · 1 in flight"))!.fill.should.equal("red");
      callsOf(q, "warn")
        .join()
        .should.match(/80 % full/);
      q.receive({ topic: "clear" });
      await until(() => events.some((e) => e.payload.type === "threshold" && e.payload.level === "ok"));
      await until(() => lastStatus(q)?.fill === "green", 3000, "the green status after clear");
    });

    it("shows paused in grey", async () => {
      const { q } = await load();
      q.receive({ topic: "pause" });
      q.receive({ payload: 1 });
      (await shown(q, "paused · 1 / 10 000 (0 %)"))!.should.eql({
        fill: "grey",
        shape: "ring",
        text: "paused · 1 / 10 000 (0 %)",
      });
    });

    it("the engine-status node reports the queue", async () => {
      await helper.load(QUEUE_NODES, [
        queue("q1"),
        { id: "engine", type: "jsscada-engine-status", interval: "0", wires: [["status-out"]] },
        { id: "status-out", type: "helper" },
        ...outputs,
      ]);
      helper.getNode("q1-node").receive({ topic: "pause" });
      helper.getNode("q1-node").receive({ payload: 1 });
      await tick();
      const reply = nextMessage<{ payload: { queues: Record<string, unknown>[] } }>(
        helper.getNode("status-out"),
      );
      helper.getNode("engine").receive({ topic: "status" });
      const queues = (await reply).payload.queues;
      queues.length.should.equal(1);
      nth(queues, 0).should.containEql({
        name: "q1",
        size: 1,
        capacity: 10_000,
        mode: "ack",
        persistent: false,
      });
    });

    it("a second queue with the same name refuses with a red status", async () => {
      await helper.load(QUEUE_NODES, [
        queue("q1"),
        { ...queue("q1"), id: "twin" },
        ...outputs,
        ...catchAll(),
      ]);
      const twin = helper.getNode("twin");
      const caught = collect<QueueMsg>(helper.getNode("caught"));
      twin.receive({ payload: 1 });
      await until(() => caught.length === 1);
      nth(caught, 0).error!.message.should.match(/another queue node already has this name/);
    });

    it("an invalid setting is a red status and failing inputs, not a crash", async () => {
      const { q, caught } = await load({ capacity: "lots" });
      (callsOf(q, "status")[0] as { fill: string }).fill.should.equal("red");
      q.receive({ payload: 1 });
      await until(() => caught.length === 1);
      nth(caught, 0).error!.message.should.match(/capacity must be a positive integer/);
    });
  });

  describe("close", () => {
    it("memory mode: held messages are dropped with a warning and nothing is left running", async () => {
      const handles = track();
      const { q, events } = await load({ mode: "rate", rate: "1" });
      for (let i = 1; i <= 4; i++) q.receive({ payload: i });
      (await statusOf(q, events)).should.containEql({ size: 3 });
      // The helper's spies are gone by the time unload closes the nodes.
      const warn = sinon.spy();
      q.warn = warn;
      await helper.unload();
      await tick();
      warn.args.join().should.match(/3 message\(s\) held in memory were dropped on close/);
      // Mocha's own test timer may still be alive; nothing of the queue's may be, once closing has settled.
      const ours = () =>
        handles.stacks().filter((st) => /nodes[\\/](jsscada-queue|status)\.js|lib[\\/]queue/.test(st));
      await until(() => ours().length === 0, 1000, "the queue's handles gone").catch(() => undefined);
      const left = ours();
      handles.stop();
      left.should.eql([]);
    });
  });

  describe("disk persistence", () => {
    const disk = { persistence: "disk", maxInFlight: "2" };

    it("stores in <userDir>/jsscada-queues/<name>.sqlite and completes the put after the commit", async () => {
      const { q, out } = await load(disk);
      q.receive({ payload: Buffer.from([1, 2, 3]), topic: "t" });
      await until(() => out.length === 1);
      fs.existsSync(path.join(userDir, "jsscada-queues", "q1.sqlite")).should.be.true();
      Buffer.isBuffer(nth(out, 0).payload).should.be.true();
      [...(nth(out, 0).payload as Buffer)].should.eql([1, 2, 3]);
    });

    it("messages survive a flow restart; those in flight come back marked as redeliveries", async () => {
      const first = await load(disk);
      for (let i = 1; i <= 5; i++) first.q.receive({ payload: i });
      await until(() => first.out.length === 2);
      first.q.receive(nth(first.out, 0));
      await until(() => first.out.length === 3);
      (await statusOf(first.q, first.events)).should.containEql({ size: 4, inFlight: 2 });
      await helper.unload();

      const second = await load(disk);
      await until(() => second.out.length === 2);
      second.out
        .map((m) => [m.payload, m.queue.redelivery, m.queue.attempt])
        .should.eql([
          [2, true, 2],
          [3, true, 2],
        ]);
      for (const m of second.out.slice()) second.q.receive(m);
      await until(() => second.out.length === 4);
      second.q.receive(nth(second.out, 2));
      second.q.receive(nth(second.out, 3));
      (await statusOf(second.q, second.events)).should.containEql({ size: 0, inFlight: 0 });
      second.out.map((m) => m.payload).should.eql([2, 3, 4, 5]);
      second.out
        .slice(2)
        .every((m) => m.queue.redelivery === false)
        .should.be.true();
    });

    it("removes msg.req and msg.res (they cannot be stored) with one warning", async () => {
      const { q, out } = await load(disk);
      const req: Record<string, unknown> = { url: "/x" };
      req.self = req;
      q.receive({ payload: 1, req, res: { socket: {} } });
      q.receive({ payload: 2, req, res: { socket: {} } });
      await until(() => out.length === 2);
      (nth(out, 0).req === undefined && nth(out, 0).res === undefined).should.be.true();
      callsOf(q, "warn")
        .filter((w) => /msg.req and msg.res/.test(String(w)))
        .length.should.equal(1);
    });

    it("a corrupt store file is a red status and failing inputs, not a crash", async () => {
      fs.mkdirSync(path.join(userDir, "jsscada-queues"));
      fs.writeFileSync(path.join(userDir, "jsscada-queues", "q1.sqlite"), "garbage ".repeat(1000));
      const { q, caught } = await load(disk);
      const status = callsOf(q, "status")[0] as { fill: string; text: string };
      status.fill.should.equal("red");
      status.text.should.match(/^store corrupt: /);
      callsOf(q, "error")
        .join()
        .should.match(/q1\.sqlite: file is not a database/);
      q.receive({ payload: 1 });
      await until(() => caught.length === 1);
    });

    it("with 'move a corrupt store aside' it starts empty and says where the file went", async () => {
      const dir = path.join(userDir, "jsscada-queues");
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "q1.sqlite"), "garbage ".repeat(1000));
      const { q, out } = await load({ ...disk, moveCorrupt: true });
      callsOf(q, "warn")
        .join()
        .should.match(/moved it to .*q1\.sqlite\.corrupt-/);
      fs.readdirSync(dir)
        .some((f) => f.startsWith("q1.sqlite.corrupt-"))
        .should.be.true();
      q.receive({ payload: 1 });
      await until(() => out.length === 1);
    });
  });
});
