import "should";
import type { NodeStatus } from "node-red";
import sinon from "sinon";
import { ManualClock } from "../../../lib/core/clock";
import { STATUS, ThrottledStatus, statusForError } from "../../../nodes/shared/status";

describe("nodes/shared/status", () => {
  describe("ThrottledStatus (on a manual clock: no sleeping)", () => {
    const make = (minIntervalMs = 250) => {
      const clock = new ManualClock(1000);
      const node = { status: sinon.fake<[NodeStatus]>() };
      return { clock, node, status: new ThrottledStatus(node, minIntervalMs, clock) };
    };
    const shown = (node: { status: sinon.SinonSpy<[NodeStatus]> }) =>
      node.status.getCalls().map((c) => c.args[0].text);

    it("shows the first status at once, then at most one per interval, the latest winning", async () => {
      const { clock, node, status } = make();
      status.set(STATUS.polling("a"));
      shown(node).should.eql(["a"]);
      status.set(STATUS.polling("b"));
      status.set(STATUS.polling("c"));
      await clock.advance(249);
      shown(node).should.eql(["a"]);
      await clock.advance(1);
      shown(node).should.eql(["a", "c"]);
      // A quiet period long enough: the next one is shown at once again.
      await clock.advance(1000);
      status.set(STATUS.polling("d"));
      shown(node).should.eql(["a", "c", "d"]);
    });

    it("does not repeat an unchanged status", async () => {
      const { clock, node, status } = make();
      status.set(STATUS.polling("same"));
      await clock.advance(300);
      status.set(STATUS.polling("same"));
      await clock.advance(300);
      status.set(STATUS.error("same"));
      shown(node).should.eql(["same", "same"]);
      node.status.lastCall.args[0].should.have.property("fill", "red");
    });

    it("after close: nothing pending is shown and no timer is left", async () => {
      const { clock, node, status } = make();
      status.set(STATUS.polling("a"));
      status.set(STATUS.polling("b"));
      status.close();
      status.set(STATUS.polling("late"));
      await clock.advance(10_000);
      shown(node).should.eql(["a"]);
      clock.pendingTimers.should.equal(0);
    });
  });

  describe("statusForError", () => {
    const text = (key: string) => `<${key}>`;
    it("grey for a disabled PLC, red ring when unreachable, red dot otherwise; the group name cut off", () => {
      statusForError("MC_PLC_DISABLED", "group g: PLC p is disabled", text).should.eql({
        fill: "grey",
        shape: "dot",
        text: "<status.plcDisabled>",
      });
      statusForError("MC_CONNECTION_REFUSED", "group g: connect refused", text).should.eql({
        fill: "red",
        shape: "ring",
        text: "connect refused",
      });
      statusForError("MC_PLC_OFFLINE", "group g, PLC p off-scan", text).shape!.should.equal("ring");
      const long = statusForError("MC_END_CODE", `group g: ${"x".repeat(100)}`, text);
      long.should.containEql({ fill: "red", shape: "dot" });
      String(long.text).length.should.equal(60);
    });
  });
});
