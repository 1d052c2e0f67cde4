import "should";
import sinon from "sinon";
import { asyncInput } from "../../../nodes/shared/async-input";

describe("nodes/shared/async-input", () => {
  const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

  it("hands the listener the message, send and done, and leaves done to it", async () => {
    const send = sinon.fake();
    const done = sinon.fake();
    const msg = { _msgid: "1", payload: 7 };
    asyncInput(async (m, s, d) => {
      await Promise.resolve();
      s({ payload: m.payload });
      d();
    })(msg, send, done);
    await settled();
    send.calledOnceWithExactly({ payload: 7 }).should.be.true();
    done.calledOnceWithExactly().should.be.true();
  });

  it("passes a rejection to done (a Catch node sees it) instead of leaving it unhandled", async () => {
    const done = sinon.fake();
    const failure = new Error("boom");
    asyncInput(() => Promise.reject(failure))({ _msgid: "1" }, sinon.fake(), done);
    await settled();
    done.calledOnceWithExactly(failure).should.be.true();
  });

  it("wraps a rejection that is not an Error, so done always gets an Error", async () => {
    const done = sinon.fake();
    const reason: unknown = "no"; // a thrown string, say
    asyncInput(() => Promise.reject(reason))({ _msgid: "1" }, sinon.fake(), done);
    await settled();
    const err = done.firstCall.args[0] as Error;
    err.should.be.instanceOf(Error);
    err.message.should.equal("no");
  });
});
