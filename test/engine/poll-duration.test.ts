import "should";
import { pollDuration } from "../../lib/engine/poller";

describe("poll time without connection set-up", () => {
  const plc = (connectedAt?: number) => ({
    name: "p",
    connectedAt,
    request: () => Promise.reject(new Error()),
  });

  it("leaves out the wait for a connection set up while the poll ran", () => {
    pollDuration(plc(1300), 1000, 1302).should.equal(2);
  });

  it("is the whole poll when the connection was there before or came after", () => {
    pollDuration(plc(900), 1000, 1002).should.equal(2);
    pollDuration(plc(2000), 1000, 1002).should.equal(2);
    pollDuration(plc(undefined), 1000, 1002).should.equal(2);
  });
});
