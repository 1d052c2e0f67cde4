import "should";
import type { NodeAPI } from "node-red";
import { type Translate, textsOf } from "../../../nodes/shared/i18n";
import { statusText } from "../../../nodes/shared/queue-status";
import { englishText } from "../../helpers/node-red";

describe("nodes/shared/queue-status", () => {
  let t: Translate;
  before(async () => {
    t = textsOf({ _: await englishText("jsscada-queue") } as unknown as NodeAPI, "jsscada-queue");
  });

  it("formats a status text with a colour", () => {
    statusText(t, { size: 1234, capacity: 10000, usage: 12.34, level: "ok" }).should.eql({
      text: "1 234 / 10 000 (12 %)",
      colour: "green",
    });
    statusText(t, { size: 7, capacity: 10, usage: 70, level: "warn" }).colour.should.equal("yellow");
    statusText(t, { size: 1000000, capacity: 1000000, usage: 100, level: "alarm" }).should.eql({
      text: "1 000 000 / 1 000 000 (100 %)",
      colour: "red",
    });
  });

  it("asks the catalog for the text, so a translation changes it", () => {
    statusText((key, params) => `${key} ${JSON.stringify(params)}`, {
      size: 1234,
      capacity: 10000,
      usage: 12.34,
      level: "ok",
    }).text.should.equal('status.fill {"size":"1 234","capacity":"10 000","usage":12}');
  });
});
