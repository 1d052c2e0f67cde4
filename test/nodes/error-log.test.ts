import "should";
import type { Node } from "node-red";
import { ErrorLog } from "../../nodes/shared/error-log";

describe("ErrorLog (what Catch nodes get)", () => {
  function fakeNode() {
    const calls: { err: Error & { code?: string }; msg: Record<string, unknown> }[] = [];
    const node = { error: (err: Error, msg: Record<string, unknown>) => calls.push({ err, msg }) };
    return { node: node as unknown as Node, calls };
  }

  it("limits by (code, tag), not by text, and counts the suppressed repeats in the next report", async () => {
    const { node, calls } = fakeNode();
    const log = new ErrorLog(node, 40);
    const details = { code: "MC_PLC_OFFLINE", group: "g", plc: "p" };
    for (const s of [2, 4, 9, 17])
      log.report(details, `PLC p is not connected (retrying in ${s} s)`, { topic: "g" });
    log.report({ ...details, tag: "t" }, "tag t failed", { topic: "g" });
    log.report({ ...details, code: "MC_TIMEOUT" }, "time-out", { topic: "g" });
    calls.map((c) => c.err.code).should.eql(["MC_PLC_OFFLINE", "MC_PLC_OFFLINE", "MC_TIMEOUT"]);
    await new Promise((r) => setTimeout(r, 60));
    log.report(details, "PLC p is not connected (retrying in 30 s)", { topic: "g" });
    const last = calls[calls.length - 1]!;
    last.err.message.should.equal("PLC p is not connected (retrying in 30 s) (repeated 3 times)");
    last.msg.pollingError!.should.eql({ ...details, suppressed: 3 });
    last.msg.should.not.have.property("error");
  });

  it("stays silent for a PLC disabled on purpose", () => {
    const { node, calls } = fakeNode();
    new ErrorLog(node).report({ code: "MC_PLC_DISABLED", group: "g", plc: "p" }, "disabled", {});
    calls.should.have.length(0);
  });
});
