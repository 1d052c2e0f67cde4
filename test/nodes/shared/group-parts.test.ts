import "should";
import type { NodeAPI } from "node-red";
import { fixedDataStatus } from "../../../nodes/shared/fixed-status";
import { messagesFor } from "../../../nodes/shared/group-node";
import { type Translate, textsOf } from "../../../nodes/shared/i18n";
import { addressingOf } from "../../../nodes/shared/plc-addressing";
import { tagOptionsFromQuery } from "../../../nodes/shared/admin";
import { englishText } from "../../helpers/node-red";

describe("nodes/shared: the group nodes' plain parts", () => {
  describe("messagesFor (data out)", () => {
    it("continues each trigger's own message (http in → poll → http response keeps msg.req/res)", () => {
      const a = { _msgid: "a", req: { id: 1 } };
      const b = { _msgid: "b", res: { id: 2 } };
      const out = messagesFor([a, b], { topic: "g", payload: 7 });
      out.length.should.equal(2);
      out[0]!.should.equal(a);
      out[0]!.should.containEql({ _msgid: "a", req: { id: 1 }, topic: "g", payload: 7 });
      out[1]!.should.equal(b);
    });

    it("a scheduled cycle (no trigger) sends one new message, never the fields object itself", () => {
      const fields = { topic: "g", payload: 1 };
      const [only, ...rest] = messagesFor([], fields);
      rest.should.be.empty();
      only!.should.eql(fields);
      only!.should.not.equal(fields);
    });
  });

  describe("fixedDataStatus", () => {
    let t: Translate;
    before(async () => {
      t = textsOf({ _: await englishText("jsscada-poll-fixed") } as unknown as NodeAPI, "jsscada-poll-fixed");
    });
    const m = (bad: number) => ({
      polling: { tags: 10, durationMs: 4.6 } as never,
      badTags: Array.from({ length: bad }, () => ({ tag: "t", error: { code: "X", message: "x" } })) as never,
    });

    it("green with tags, time and PLC load; yellow from 70 % busy, red from 90 %", () => {
      fixedDataStatus(t, m(0), 12.2).should.eql({
        fill: "green",
        shape: "dot",
        text: "10 tags · 5 ms · PLC 12 %",
      });
      fixedDataStatus(t, m(0), 70).should.eql({
        fill: "yellow",
        shape: "dot",
        text: "PLC busy · 10 tags · 5 ms · PLC 70 %",
      });
      fixedDataStatus(t, m(0), 95).fill!.should.equal("red");
    });

    it("bad tags first, counted, singular or plural", () => {
      fixedDataStatus(t, m(1), 95).should.eql({
        fill: "yellow",
        shape: "dot",
        text: "1 bad tag · 10 tags · 5 ms · PLC 95 %",
      });
      fixedDataStatus(t, m(3), 0).text!.should.equal("3 bad tags · 10 tags · 5 ms · PLC 0 %");
    });
  });

  describe("addressingOf (one reading of the PLC's addressing, for deploy and for the editor)", () => {
    it("normalises series, encoding and frame, with Q/L, binary and 3E for anything unknown", () => {
      addressingOf({}).should.eql({
        series: "ql",
        encoding: "binary",
        frame: "3E",
        zrHex: false,
        octalXY: false,
      });
      addressingOf({ series: "iqr", encoding: "ascii", frame: "4E", zrHex: true }).should.eql({
        series: "iqr",
        encoding: "ascii",
        frame: "4E",
        zrHex: true,
        octalXY: false,
      });
      addressingOf({ series: "fx9", encoding: "ebcdic", frame: "2E" }).should.containEql({
        series: "ql",
        encoding: "binary",
        frame: "3E",
      });
    });

    it("X/Y in octal on iQ-F and over 1E unless unticked (absent in older flows: on); never on Q/L over 3E", () => {
      addressingOf({ series: "iqf" }).octalXY.should.be.true();
      addressingOf({ series: "ql", frame: "1E" }).octalXY.should.be.true();
      addressingOf({ series: "ql", frame: "1E", octalXY: false }).octalXY.should.be.false();
      addressingOf({ series: "ql", frame: "3E", octalXY: true }).octalXY.should.be.false();
    });

    it("the editor's request (flags as text) reads the same as the deployed node (flags as booleans)", () => {
      for (const [saved, sent] of [
        [
          { series: "iqf", zrHex: true, octalXY: false },
          { series: "iqf", zrHex: "true", octalXY: "false" },
        ],
        [
          { series: "ql", frame: "1E", octalXY: true },
          { series: "ql", frame: "1E", octalXY: "true" },
        ],
        [
          { series: "iqr", zrHex: false },
          { series: "iqr", zrHex: "false" },
        ],
      ] as const) {
        tagOptionsFromQuery(sent).should.eql(addressingOf(saved));
      }
    });
  });
});
