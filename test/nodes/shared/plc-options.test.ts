import "should";
import type { NodeAPI } from "node-red";
import { type Translate, textsOf } from "../../../nodes/shared/i18n";
import { poolOptionsFrom } from "../../../nodes/shared/plc-options";
import type { PlcNodeDef } from "../../../nodes/shared/types";
import { englishText } from "../../helpers/node-red";

const config = (extra: Partial<PlcNodeDef>): PlcNodeDef =>
  ({ id: "p", type: "jsscada-plc", name: "", host: "127.0.0.1", port: "5000", ...extra }) as PlcNodeDef;

describe("nodes/shared/plc-options: the PLC node's settings, refused in the catalog's words", () => {
  let t: Translate;
  before(async () => {
    t = textsOf({ _: await englishText("jsscada-plc") } as unknown as NodeAPI, "jsscada-plc");
  });

  it("names what is wrong: an empty host, a port out of range, a setting out of its range", () => {
    poolOptionsFrom(config({ host: " " }), t).should.equal("host is empty");
    poolOptionsFrom(config({ port: "70000" }), t).should.equal('port "70000" is not 1–65535');
    poolOptionsFrom(config({ connections: "0" }), t).should.equal(
      "connections must be a number from 1 to 64",
    );
    poolOptionsFrom(config({ backoffJitter: "2" }), t).should.equal(
      "reconnect jitter must be a number from 0 to 1",
    );
    poolOptionsFrom(config({ demoteFor: "x" }), t).should.equal(
      "demotion time must be a number from 0 to 3600000",
    );
  });

  it("asks the catalog for every word, so a translation changes them all", () => {
    const keys: Translate = (key, params) => `${key}${params ? JSON.stringify(params) : ""}`;
    poolOptionsFrom(config({ station: "300" }), keys).should.equal(
      'errors.range{"setting":"setting.station","min":0,"max":255}',
    );
  });

  it("valid settings give pool options, named by the node or by host:port", () => {
    poolOptionsFrom(config({}), t).should.containEql({ name: "127.0.0.1:5000", connections: 1 });
    poolOptionsFrom(config({ name: "line 1" }), t).should.containEql({ name: "line 1" });
  });
});
