import "should";
import { statusText } from "../../../nodes/shared/queue-status";

describe("nodes/shared/queue-status", () => {
  it("formats a status text with a colour", () => {
    statusText({ size: 1234, capacity: 10000, usage: 12.34, level: "ok" }).should.eql({
      text: "1 234 / 10 000 (12 %)",
      colour: "green",
    });
    statusText({ size: 7, capacity: 10, usage: 70, level: "warn" }).colour.should.equal("yellow");
    statusText({ size: 1000000, capacity: 1000000, usage: 100, level: "alarm" }).should.eql({
      text: "1 000 000 / 1 000 000 (100 %)",
      colour: "red",
    });
  });
});
