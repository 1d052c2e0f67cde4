import "should";
import { ManualClock } from "../../lib/core/clock";
import { type GroupMessage } from "../../lib/engine/fixed-group";
import { MessageTriggerGroup, type Rejection, type TriggerResult } from "../../lib/engine/handshake-message";
import { PollError, type RequestSender } from "../../lib/engine/poller";
import { compileTagTable } from "../../lib/engine/tag-table";
import { type Command } from "../../lib/mc/commands";
import { McTimeoutError } from "../../lib/mc/errors";

const FORMAT = { encoding: "binary", series: "ql" } as const;
const OPTIONS = { series: "ql", encoding: "binary" } as const;

/** A PLC whose answers the test releases one by one; D100 reads as `value`. */
class HeldPlc implements RequestSender {
  readonly name = "fake";
  value = 0;
  requests = 0;
  private held: { resolve: (v: unknown) => void; reject: (e: unknown) => void; value: number }[] = [];

  request<T>(_cmd: Command<T>): Promise<T> {
    this.requests++;
    return new Promise<T>((resolve, reject) => {
      this.held.push({ resolve: resolve as (v: unknown) => void, reject, value: this.value });
    });
  }

  get waiting(): number {
    return this.held.length;
  }

  /** Answers the oldest request with the value D100 had when it was sent. */
  answer(): void {
    const h = this.held.shift()!;
    h.resolve([h.value]);
  }

  fail(): void {
    this.held.shift()!.reject(new McTimeoutError("PLC fake: no answer within 300 ms"));
  }
}

function setup(extra: Partial<ConstructorParameters<typeof MessageTriggerGroup>[0]> = {}) {
  const clock = new ManualClock(1000);
  const plc = new HeldPlc();
  const table = compileTagTable([{ name: "v", address: "D100" }], OPTIONS, FORMAT);
  const group = new MessageTriggerGroup({
    name: "g",
    plc,
    table,
    clock,
    wallClock: () => 5_000 + clock.now(),
    ...extra,
  });
  const data: GroupMessage[] = [];
  const rejected: Array<[Rejection, unknown]> = [];
  group.on("data", (m: GroupMessage) => data.push(m));
  group.on("rejected", (r: Rejection, origin: unknown) => rejected.push([r, origin]));
  group.start();
  return { clock, plc, group, data, rejected };
}

describe("MessageTriggerGroup", function () {
  it("stop() gives a poll the PLC does not answer 0.5 s, then returns; the poll still answers later", async () => {
    const { clock, plc, group } = setup();
    const pending = group.request({ payload: 1 });
    await clock.settle();
    plc.waiting.should.equal(1);
    let stopped = false;
    const stopping = group.stop().then(() => (stopped = true));
    await clock.advance(499);
    stopped.should.be.false();
    await clock.advance(1);
    await stopping;
    stopped.should.be.true();
    clock.pendingTimers.should.equal(0);
    plc.answer();
    ((await pending) as { accepted: boolean }).accepted.should.be.true();
  });

  it("polls at once on a trigger and answers it with the FIXED output format", async () => {
    const { clock, plc, group, data } = setup();
    plc.value = 42;
    const origin = { payload: "go" };
    const pending = group.request(origin);
    await clock.settle();
    plc.waiting.should.equal(1, "the read is sent without waiting for any timer");
    plc.answer();
    const result = (await pending) as Extract<TriggerResult, { accepted: true }>;
    result.accepted.should.be.true();
    (result.message.payload as object).should.eql({ v: 42 });
    result.message.triggers.should.eql([origin]);
    result.message.polling.should.containEql({
      group: "g",
      plc: "fake",
      mode: "handshake",
      manual: true,
      quality: "good",
      tags: 1,
    });
    data.length.should.equal(1);
  });

  it("rejects triggers inside the de-duplication window as duplicates, and accepts again after it", async () => {
    const { clock, plc, group, rejected } = setup({ dedupMs: 1000 });
    const first = group.request("a");
    await clock.settle();
    plc.answer();
    (await first).accepted.should.be.true();
    await clock.advance(400);
    const second = await group.request("b");
    second.should.containEql({ accepted: false, reason: "duplicate", retryAfterMs: 600 });
    rejected.map(([r, o]) => [r.reason, o]).should.eql([["duplicate", "b"]]);
    plc.requests.should.equal(1);
    await clock.advance(600);
    const third = group.request("c");
    await clock.settle();
    plc.answer();
    (await third).accepted.should.be.true();
    group.status().should.containEql({ duplicates: 1, accepted: 2, triggers: 3 });
  });

  it("dedup 0 is off: every trigger is polled", async () => {
    const { clock, plc, group } = setup({ dedupMs: 0, concurrency: "queue" });
    const all = [group.request(1), group.request(2)];
    await clock.settle();
    plc.answer();
    await clock.settle();
    plc.answer();
    (await Promise.all(all)).every((r) => r.accepted).should.be.true();
    plc.requests.should.equal(2);
  });

  it("coalesce: triggers during a poll share ONE later poll that reads after they arrived", async () => {
    const { clock, plc, group, data } = setup({ dedupMs: 0, concurrency: "coalesce" });
    plc.value = 1;
    const first = group.request("first");
    await clock.settle();
    plc.value = 2; // changed by the PLC after the first read was sent
    const late = [group.request("late1"), group.request("late2"), group.request("late3")];
    await clock.settle();
    plc.waiting.should.equal(1, "no second read while the first runs");
    plc.answer();
    await clock.settle();
    plc.waiting.should.equal(1, "one read for all three late triggers");
    plc.answer();
    const firstResult = (await first) as Extract<TriggerResult, { accepted: true }>;
    (firstResult.message.payload as object).should.eql({ v: 1 });
    for (const r of await Promise.all(late)) {
      ((r as Extract<TriggerResult, { accepted: true }>).message.payload as object).should.eql({ v: 2 });
    }
    data.map((m) => m.triggers).should.eql([["first"], ["late1", "late2", "late3"]]);
    plc.requests.should.equal(2);
  });

  it("queue: each trigger gets its own poll in order, and overflow is rejected, never lost", async () => {
    const { clock, plc, group, rejected } = setup({ dedupMs: 0, concurrency: "queue", maxPending: 2 });
    const results = [1, 2, 3, 4].map((i) => group.request(i));
    await clock.settle();
    // 1 runs, 2 and 3 wait, 4 overflows.
    (await results[3]!).should.containEql({ accepted: false, reason: "queue-full" });
    rejected.map(([r, o]) => [r.reason, o]).should.eql([["queue-full", 4]]);
    group.status().waiting!.should.equal(2);
    for (let i = 0; i < 3; i++) {
      await clock.settle();
      plc.answer();
    }
    const done = await Promise.all(results.slice(0, 3));
    done
      .map((r) => (r as Extract<TriggerResult, { accepted: true }>).message.triggers)
      .should.eql([[1], [2], [3]]);
    group.status().should.containEql({ overflows: 1, polls: 3 });
  });

  it("a failed poll rejects every trigger it answers with the PollError", async () => {
    const { clock, plc, group } = setup({ dedupMs: 0 });
    const a = group.request("a");
    await clock.settle();
    const b = group.request("b");
    plc.fail();
    await a.should.be.rejectedWith({ name: "PollError", code: "MC_TIMEOUT" });
    await clock.settle();
    plc.answer();
    (await b).accepted.should.be.true();
    group.status().should.containEql({ errors: 1, successes: 1 });
  });

  it("the engine's trigger (no origin) polls and emits data without triggers; its failure is a poll-error", async () => {
    const { clock, plc, group, data } = setup({ dedupMs: 0 });
    const errors: PollError[] = [];
    group.on("poll-error", (e: PollError) => errors.push(e));
    const t = group.trigger();
    await clock.settle();
    plc.answer();
    await t;
    data[0]!.triggers.should.eql([]);
    const f = group.trigger();
    await clock.settle();
    plc.fail();
    await f.should.be.rejected();
    errors.length.should.equal(1);
  });

  it("stop() rejects waiting triggers as stopped and waits for the running poll; stopped groups refuse", async () => {
    const { clock, plc, group } = setup({ dedupMs: 0, concurrency: "queue" });
    const running = group.request("running");
    const waiting = group.request("waiting");
    await clock.settle();
    const stopped = group.stop();
    (await waiting).should.containEql({ accepted: false, reason: "stopped" });
    plc.answer();
    await stopped;
    (await running).accepted.should.be.true();
    group.running.should.be.false();
    (await group.request("late")).should.containEql({ accepted: false, reason: "stopped" });
    plc.requests.should.equal(1);
  });

  it("refuses bad settings", () => {
    const table = compileTagTable([{ name: "v", address: "D100" }], OPTIONS, FORMAT);
    const plc = new HeldPlc();
    (() => new MessageTriggerGroup({ name: "g", plc, table, dedupMs: -1 })).should.throw(/de-duplication/);
    (() => new MessageTriggerGroup({ name: "g", plc, table, maxPending: 0 })).should.throw(
      /waiting triggers/,
    );
  });
});
