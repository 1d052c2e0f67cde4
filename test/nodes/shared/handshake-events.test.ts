import "should";
import type { NodeAPI } from "node-red";
import {
  acknowledgementOf,
  dataStatus,
  idleStatus,
  PHASE,
  phaseStatus,
  rejectedStatus,
  sequenceWarning,
  transactionStatus,
} from "../../../nodes/shared/handshake-events";
import { type Translate, textsOf } from "../../../nodes/shared/i18n";
import { englishText } from "../../helpers/node-red";
import type { GroupStatus } from "../../../lib/engine/registry";

const TYPE = "jsscada-poll-handshake";
const polling = (tags: number, durationMs: number) => ({ tags, durationMs }) as never;
const bad = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ tag: `t${i}`, error: { code: "X", message: "x" } })) as never;
const groupStatus = (extra: object) => extra as unknown as GroupStatus;

describe("nodes/shared/handshake-events: the HANDSHAKE node's decisions", () => {
  let t: Translate;
  before(async () => {
    t = textsOf({ _: await englishText(TYPE) } as unknown as NodeAPI, TYPE);
  });

  describe("acknowledgementOf", () => {
    it("an ack or nack message names the transaction in msg.payload, or carries it in msg.handshake", () => {
      acknowledgementOf(t, { topic: "ack", payload: "tx-1" }, "g")!.should.eql({ id: "tx-1", ok: true });
      acknowledgementOf(t, { topic: " NACK ", payload: "tx-2" }, "g")!.should.eql({
        id: "tx-2",
        ok: false,
        reason: "NG requested by a nack message",
      });
      // The data message itself sent back with topic "ack" (its payload is the data, not an id).
      acknowledgementOf(
        t,
        { topic: "ack", payload: { a: 1 }, handshake: { transactionId: "tx-3" } },
        "g",
      )!.should.eql({ id: "tx-3", ok: true });
    });

    it("the group's own data message coming back acknowledges OK, or NG with the downstream error", () => {
      const back = { topic: "g", payload: {}, handshake: { transactionId: "tx-4", group: "g" } };
      acknowledgementOf(t, back, "g")!.should.eql({ id: "tx-4", ok: true });
      acknowledgementOf(t, { ...back, error: { message: "db down" } }, "g")!.should.eql({
        id: "tx-4",
        ok: false,
        reason: "downstream error: db down",
      });
      acknowledgementOf(t, { ...back, error: {} }, "g")!.reason!.should.equal("downstream error: unknown");
    });

    it("is not an acknowledgement: another group's message, an ack without an id, an ordinary message", () => {
      (
        acknowledgementOf(t, { payload: {}, handshake: { transactionId: "tx", group: "other" } }, "g") ===
        undefined
      ).should.be.true();
      (acknowledgementOf(t, { topic: "ack", payload: 42 }, "g") === undefined).should.be.true();
      (acknowledgementOf(t, { topic: "trigger", payload: "tx" }, "g") === undefined).should.be.true();
      (acknowledgementOf(t, { payload: "x", handshake: null }, "g") === undefined).should.be.true();
    });
  });

  describe("statuses", () => {
    it("message mode: tags and time, the rejected count once there is one, yellow with bad tags", () => {
      dataStatus(t, { polling: polling(3, 12.4), badTags: [] }, 0).should.eql({
        fill: "green",
        shape: "dot",
        text: "3 tags · 12 ms",
      });
      dataStatus(t, { polling: polling(3, 12.6), badTags: bad(2) }, 4).should.eql({
        fill: "yellow",
        shape: "dot",
        text: "2 bad · 3 tags · 13 ms · 4 rejected",
      });
      rejectedStatus(
        t,
        { reason: "duplicate" } as never,
        groupStatus({ duplicates: 2, overflows: 0 }),
      ).should.eql({
        fill: "green",
        shape: "dot",
        text: "duplicate · 2 dup · 0 overflow",
      });
    });

    it("PLC mode: a completed transaction green when OK, yellow when NG; nothing for one cut short", () => {
      const s = groupStatus({ transactions: 5, ok: 4, ng: 1 });
      transactionStatus(t, { completed: true, verdict: "ok", durationMs: 40.2 }, s)!.should.eql({
        fill: "green",
        shape: "dot",
        text: "5 txn · 4 ok · 1 NG · 40 ms",
      });
      transactionStatus(t, { completed: true, verdict: "ng", durationMs: 40 }, s)!.fill!.should.equal(
        "yellow",
      );
      (
        transactionStatus(t, { completed: false, verdict: "ok", durationMs: 1 }, s) === undefined
      ).should.be.true();
    });

    it("PLC mode: REQ stuck high is shown; 'watching REQ' only before the first transaction", () => {
      phaseStatus(t, PHASE.reqHigh, 3)!.should.eql({
        fill: "yellow",
        shape: "dot",
        text: "REQ already high: waiting for it to fall",
      });
      phaseStatus(t, PHASE.waiting, 0)!.should.eql({ fill: "green", shape: "ring", text: "watching REQ" });
      (phaseStatus(t, PHASE.waiting, 1) === undefined).should.be.true();
      (phaseStatus(t, "reading", 0) === undefined).should.be.true();
      idleStatus(t, true).should.eql({ fill: "yellow", shape: "ring", text: "watching REQ" });
      idleStatus(t, false).should.eql({ fill: "green", shape: "ring", text: "ready for triggers" });
    });

    it("sequence warnings name the group and the numbers", () => {
      sequenceWarning(t, "g", {
        kind: "lost",
        transactionId: "x",
        previous: 7,
        sequence: 10,
        lost: 2,
      }).should.equal("group g: 2 transaction(s) lost (sequence 7 → 10)");
      sequenceWarning(t, "g", {
        kind: "repeated",
        transactionId: "x",
        previous: 7,
        sequence: 7,
      }).should.match(/^group g: sequence 7 repeated/);
    });
  });
});
