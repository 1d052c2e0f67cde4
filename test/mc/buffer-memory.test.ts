/**
 * Module buffer memory (U\G, U3E0\G, U3E0\HG) through the device extension specification: byte for byte
 * against the iQ-R MC manual's examples (SH-080008 Appendix 1 p.443, p.445) and against frames captured
 * from real R08CPU/R120PCPU hardware by fa-yoshinobu/plc-comm-slmp-python (reports
 * U01_G22_extended_device_CAPTURE_2026-03-19.md, G_HG_extended_device_LAYOUT_DIFF_2026-03-19.md;
 * ../shared/MC-1E-AND-BUFFER.md §B2), then end to end against the simulator.
 */
import "should";
import should from "should";
import { bufferDevice } from "../../lib/mc/buffer-memory";
import { McClient } from "../../lib/mc/client";
import { batchReadWords, batchWriteWords } from "../../lib/mc/commands";
import { type Series } from "../../lib/mc/devices";
import { McAddressError, McEndCodeError } from "../../lib/mc/errors";
import { LOCAL_ROUTE, decodeResponse, encodeRequest, type FrameType } from "../../lib/mc/frame";
import { executeReadPlan, planReads, planWrites } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
import { type Encoding, FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";
import { PlcSimulator } from "../../lib/simulator";

const hex = (s: string) => Buffer.from(s.replace(/[\s|]+/g, ""), "hex");
const ql4E = { frame: "4E", encoding: "binary", series: "ql" } as const;
const iqr4E = { frame: "4E", encoding: "binary", series: "iqr" } as const;

function deviceBytes(format: WireFormat, address: string): string {
  const w = new FieldWriter(format);
  w.device(parseTag(address, { series: format.series, encoding: format.encoding }).ref);
  return format.encoding === "ascii"
    ? w.toBuffer().toString("latin1")
    : w.toBuffer().toString("hex").toUpperCase();
}

describe("buffer memory (U\\G): the manual's and captured frames", () => {
  it("device parts of the manual's examples: U3\\G1 via 0080 (p.443), U3E0\\G1 via 0082 (p.445)", () => {
    deviceBytes(ql4E, "U3\\G1").should.equal("0000010000AB00000300F8");
    deviceBytes(iqr4E, "U3E0\\G1").should.equal("000001000000AB000000E003FA");
    deviceBytes(iqr4E, "U3E0\\HG20").should.equal("0000140000002E000000E003FA");
  });

  it("U01\\G22 read and write via 0401/1401 subcommand 0080, 4E, as captured on an R08CPU", () => {
    const ref = parseTag("U1\\G22", { series: "ql" }).ref;
    const frame = (
      cmd: ReturnType<typeof batchReadWords> | ReturnType<typeof batchWriteWords>,
      serial: number,
    ) => {
      const w = new FieldWriter(ql4E);
      cmd.write(w);
      return encodeRequest(ql4E, {
        serial,
        route: LOCAL_ROUTE,
        timer: 0x10,
        command: cmd.command,
        subcommand: cmd.subcommand,
        data: w.toBuffer(),
      })
        .toString("hex")
        .toUpperCase();
    };
    const read = batchReadWords(ql4E, ref, 1);
    frame(read, 0x128c).should.equal(
      hex(
        "54 00 8C 12 00 00 00 FF FF 03 00 13 00 10 00 01 04 80 00 | 00 00 16 00 00 AB 00 00 01 00 F8 | 01 00",
      )
        .toString("hex")
        .toUpperCase(),
    );
    const res = decodeResponse(ql4E, hex("D4 00 8C 12 00 00 00 FF FF 03 00 04 00 00 00 03 00"));
    read.read(new FieldReader(res.data, ql4E)).should.eql([3]);
    frame(batchWriteWords(ql4E, ref, [4]), 0x128d).should.equal(
      hex(
        "54 00 8D 12 00 00 00 FF FF 03 00 15 00 10 00 01 14 80 00 | 00 00 16 00 00 AB 00 00 01 00 F8 | 01 00 | 04 00",
      )
        .toString("hex")
        .toUpperCase(),
    );
  });

  it("U3E0\\G10 read via 0082 on an iQ-R, as captured on an R120PCPU", () => {
    const cmd = batchReadWords(iqr4E, parseTag("U3E0\\G10", { series: "iqr" }).ref, 1);
    cmd.subcommand.should.equal(0x0082);
    const w = new FieldWriter(iqr4E);
    cmd.write(w);
    w.toBuffer().toString("hex").toUpperCase().should.equal("00000A000000AB000000E003FA0100");
  });

  it("ASCII device parts (reconstructed from the manual, unverified on hardware): 20 / 28 characters", () => {
    deviceBytes({ encoding: "ascii", series: "ql" }, "U3\\G1").should.equal("00U003000G*000001000");
    deviceBytes({ encoding: "ascii", series: "iqr" }, "U3E0\\G1").should.equal(
      "00U3E00000G***00000000010000",
    );
  });
});

describe("buffer memory tag addresses", () => {
  it("parses Un\\Gm, U3E0\\Gm and U3E0\\HGm with every type, one Device per module", () => {
    const t = parseTag("u1\\g100:float32[2]", { series: "ql" });
    t.address.should.equal("U1\\G100:float32[2]");
    t.ref.device.should.equal(bufferDevice(1));
    t.ref.number.should.equal(100);
    t.words.should.equal(4);
    parseTag("U3E0\\G10.F", { series: "ql" }).bit!.should.equal(15);
    parseTag("U3E0\\HG20:int32", { series: "iqr" }).ref.device.should.equal(bufferDevice(0x3e0, true));
    parseTag("U3E0\\G0:string(8)", { series: "ql" }).type.should.equal("string");
  });

  it("refuses what does not exist, saying why", () => {
    const refuse = (a: string, series: Series, re: RegExp, frame?: FrameType) =>
      (() => parseTag(a, { series, frame })).should.throw(McAddressError, { message: re });
    refuse("U3E0\\HG20", "ql", /exists only on iQ-R/);
    refuse("U1\\HG20", "iqr", /HG is CPU buffer memory/);
    refuse("U1234\\G0", "ql", /more than 3 hex digits/);
    refuse("U1\\G1A", "ql", /hex digit in decimal device/);
    refuse("U1\\G0", "ql", /cannot be reached with 1E frames/, "1E");
    refuse("U1\\G", "ql", /missing device number/);
  });
});

const COMBOS: { frame: "3E" | "4E"; encoding: Encoding; series: Series }[] = [
  { frame: "3E", encoding: "binary", series: "ql" },
  { frame: "3E", encoding: "ascii", series: "ql" },
  { frame: "4E", encoding: "binary", series: "iqr" },
  { frame: "3E", encoding: "ascii", series: "iqr" },
];

for (const c of COMBOS) {
  describe(`buffer memory end to end (${c.frame} ${c.encoding} ${c.series})`, () => {
    let sim: PlcSimulator;
    let client: McClient;
    const opts = { series: c.series, encoding: c.encoding };

    beforeEach(async () => {
      sim = new PlcSimulator({ ...c, modules: { "1": 4096, "3": 1024, "3E0": 8192 } });
      client = new McClient({ host: "127.0.0.1", port: await sim.start(), ...c });
    });
    afterEach(async () => {
      client.close();
      await sim.stop();
    });

    it("writes and reads U\\G tags of every type, planned with plain devices, at the lower bound", async () => {
      const pairs: [string, unknown][] = [
        ["U1\\G100", -5],
        ["U1\\G101:uint16", 65535],
        ["U1\\G102:int32", -70000],
        ["U1\\G104:float32", 1.5],
        ["U1\\G106:float64", -2.25],
        ["U1\\G110:int64", -1234567890123n],
        ["U1\\G120:string(6)", "AI-CH1"],
        ["U1\\G130:int16[40]", Array.from({ length: 40 }, (_, i) => i - 20)],
        ["U3\\G0:uint32", 4000000000],
        ["U3E0\\G2000:float32[3]", [0.5, -1, 8]],
        ["D100", 7],
        ["M5", true],
      ];
      if (c.series === "iqr") pairs.push(["U3E0\\HG20:int32", 123456]);
      const items = pairs.map(([a, value]) => ({ tag: parseTag(a, opts), value }));
      for (const cmd of planWrites(items, client.format)) await client.request(cmd);
      const plan = planReads(
        items.map((i) => i.tag),
        client.format,
      );
      plan.requests.length.should.equal(plan.lowerBound);
      // One request for the plain devices, one per module (HG is its own memory).
      plan.requests.length.should.equal(c.series === "iqr" ? 5 : 4);
      const results = await executeReadPlan(plan, (cmd) => client.request(cmd));
      results.map((r) => (r.ok ? r.value : r.error.message)).should.eql(pairs.map(([, v]) => v));
      sim.memory.readWords("U1\\G", 100, 1).should.eql([0xfffb]);
      // The plain D/M request is a 0406; every buffer range is a 0401 with subcommand 0080/0082.
      sim.stats.byCommand["0401"]!.should.equal(plan.requests.length - 1);
    });

    it("a module that is not mounted answers 4043 for its tags only; past the buffer answers 4031", async () => {
      const tags = ["U5\\G0", "U3\\G1023:int32", "U1\\G0"].map((a) => parseTag(a, opts));
      sim.memory.writeWords("U1\\G", 0, [77]);
      const results = await executeReadPlan(planReads(tags, client.format), (cmd) => client.request(cmd));
      const [missing, past, fine] = results.map((r) => (r.ok ? r.value : (r.error as McEndCodeError)));
      should(missing).be.instanceOf(McEndCodeError);
      (missing as McEndCodeError).endCode.should.equal(0x4043);
      (missing as McEndCodeError).message.should.match(
        /"U5\\G0": PLC end code 4043: no intelligent function module/,
      );
      (past as McEndCodeError).endCode.should.equal(0x4031);
      should(fine).equal(77);
    });
  });
}
