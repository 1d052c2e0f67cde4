import "should";
import type { Node } from "node-red";
import sinon from "sinon";
import { ErrorLog } from "../../nodes/shared/error-log";

describe("ErrorLog (what Catch nodes get)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    // The rate limiter reads the system clock (performance.now): faked, so time moves only when told.
    clock = sinon.useFakeTimers({ toFake: ["performance", "Date"] });
  });
  afterEach(() => clock.restore());

  type Reported = [Error & { code?: string }, Record<string, unknown>];
  function fakeNode() {
    const error = sinon.fake();
    return { node: { error } as unknown as Node, reported: () => error.args as Reported[] };
  }

  it("limits by (code, tag), not by text, and counts the suppressed repeats in the next report", () => {
    const { node, reported } = fakeNode();
    const log = new ErrorLog(node, 40);
    const details = { code: "MC_PLC_OFFLINE", group: "g", plc: "p" };
    for (const s of [2, 4, 9, 17])
      log.report(details, `PLC p is not connected (retrying in ${s} s)`, { topic: "g" });
    log.report({ ...details, tag: "t" }, "tag t failed", { topic: "g" });
    log.report({ ...details, code: "MC_TIMEOUT" }, "time-out", { topic: "g" });
    reported()
      .map(([err]) => err.code)
      .should.eql(["MC_PLC_OFFLINE", "MC_PLC_OFFLINE", "MC_TIMEOUT"]);
    clock.tick(39);
    log.report(details, "PLC p is not connected (retrying in 30 s)", { topic: "g" });
    reported().length.should.equal(3); // still within the period: counted, not reported
    clock.tick(1);
    log.report(details, "PLC p is not connected (retrying in 30 s)", { topic: "g" });
    const [err, msg] = reported().at(-1)!;
    err.message.should.equal("PLC p is not connected (retrying in 30 s) (repeated 4 times)");
    msg.pollingError!.should.eql({ ...details, suppressed: 4 });
    msg.should.not.have.property("error");
  });

  it("stays silent for a PLC disabled on purpose", () => {
    const { node, reported } = fakeNode();
    new ErrorLog(node).report({ code: "MC_PLC_DISABLED", group: "g", plc: "p" }, "disabled", {});
    reported().should.have.length(0);
  });
});
