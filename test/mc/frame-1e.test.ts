/**
 * The 1E frame against its worked examples, byte for byte. Every expected frame below is copied from
 * a source, not from our encoder (references: ../shared/MC-1E-AND-BUFFER.md §A8, docs/PROTOCOL.md):
 * - [FX-ADP] FX3U-ENET-ADP User's Manual §7.3 p.56–57, p.81; [FX-ENET] FX3U-ENET User's Manual ch.9
 *   (9-5, 9-9/9-10, 9-20, 9-23/9-24, 9-34, §9.4–9.5);
 * - [iQR-MC] MELSEC Communication Protocol Reference Manual SH-080008 ch.18 p.406 (word read), p.413
 *   (test words); [Q-MC] Q MC Protocol manual 6-29 (test bits);
 * - [ENETL] a published FX3U-16M + FX3U-ENET-L ASCII hardware transcript (2025-11-22);
 * - [NPM] frames captured from npm mcprotocol 0.1.2 on this machine (§A8 E11).
 * Where a manual shows only the request/response data, the 4-byte header (command, FF, timer 000AH)
 * was added as §A8 says.
 */
import "should";
import should from "should";
import { type Command } from "../../lib/mc/commands";
import {
  batchReadBits1E,
  batchReadWords1E,
  batchWriteBits1E,
  batchWriteWords1E,
  loopback1E,
  readModel1E,
  remote1E,
  testWriteBits1E,
  testWriteWords1E,
} from "../../lib/mc/commands-1e";
import { deviceByName } from "../../lib/mc/devices";
import { McAddressError, McEndCodeError, McProtocolError } from "../../lib/mc/errors";
import {
  ResponseSplitter1E,
  decodeResponse1E,
  encodeRequest1E,
  requestLength1E,
  responseLength1E,
} from "../../lib/mc/frame-1e";
import { handleFrame1E } from "../../lib/simulator/handler-1e";
import { type HandlerContext } from "../../lib/simulator/handler";
import { DeviceMemory } from "../../lib/simulator/memory";
import { parseTag } from "../../lib/mc/tags";
import { type Encoding, FieldReader, FieldWriter } from "../../lib/mc/wire";

const dev = (name: string) => deviceByName(name)!;
const D = dev("D");
const M = dev("M");
const Y = dev("Y");

/** Spaces in the sources' frames are only for reading. */
const bytesOf = (encoding: Encoding, text: string): Buffer =>
  encoding === "ascii"
    ? Buffer.from(text.replace(/\s+/g, ""), "latin1")
    : Buffer.from(text.replace(/\s+/g, ""), "hex");

const shown = (encoding: Encoding, b: Buffer): string =>
  encoding === "ascii" ? b.toString("latin1") : b.toString("hex").toUpperCase();

/** Our request for `cmd`, with PC No. FF and the monitoring timer 000AH every source uses. */
function requestOf(encoding: Encoding, cmd: Command<unknown>): Buffer {
  const w = new FieldWriter({ encoding, series: "ql", frame: "1E" });
  cmd.write(w);
  return encodeRequest1E(encoding, { command: cmd.command, pc: 0xff, timer: 10, data: w.toBuffer() });
}

/** What our client makes of a source's response: framed by the request, then read by the command. */
function responseOf<T>(encoding: Encoding, cmd: Command<T>, text: string): T {
  const frame = bytesOf(encoding, text);
  const expected = { command: cmd.command, dataBytes: cmd.responseBytes1E! };
  should(responseLength1E(encoding, expected, frame)).equal(frame.length);
  const res = decodeResponse1E(encoding, frame);
  if (res.endCode !== 0) throw new McEndCodeError(res.endCode, "", { abnormalCode: res.abnormalCode });
  const r = new FieldReader(res.data, { encoding, series: "ql" });
  const value = cmd.read(r);
  r.remaining.should.equal(0);
  return value;
}

function expectRequest(encoding: Encoding, cmd: Command<unknown>, text: string): void {
  shown(encoding, requestOf(encoding, cmd)).should.equal(shown(encoding, bytesOf(encoding, text)));
}

describe("1E frames: the manuals' and captured worked examples", () => {
  it("E1 batch read bits M100–M107 [FX-ADP] p.56–57, binary and ASCII", () => {
    const cmd = batchReadBits1E({ device: M, number: 100 }, 8);
    const values = [true, false, true, false, false, true, true, false];
    expectRequest("binary", cmd, "00 FF 0A 00 64 00 00 00 20 4D 08 00");
    responseOf("binary", cmd, "80 00 10 10 01 10").should.eql(values);
    expectRequest("ascii", cmd, "00FF000A4D20000000640800");
    responseOf("ascii", cmd, "800010100110").should.eql(values);
  });

  it("E2 batch read bits M100–M111 (12 points) [FX-ENET] 9-20, ASCII", () => {
    const cmd = batchReadBits1E({ device: M, number: 100 }, 12);
    expectRequest("ascii", cmd, "00FF000A4D20000000640C00");
    const on = responseOf("ascii", cmd, "8000100010110000")
      .map((b, i) => (b ? 100 + i : -1))
      .filter((n) => n >= 0);
    on.should.eql([100, 104, 106, 107]);
  });

  it("E3 batch read words Y40, 2 words [iQR-MC] p.406, binary and ASCII", () => {
    const cmd = batchReadWords1E({ device: Y, number: 0x40 }, 2);
    expectRequest("binary", cmd, "01 FF 0A 00 40 00 00 00 20 59 02 00");
    responseOf("binary", cmd, "81 00 9D 82 3E 55").should.eql([0x829d, 0x553e]);
    expectRequest("ascii", cmd, "01FF000A 5920 00000040 02 00");
    responseOf("ascii", cmd, "8100 829D553E").should.eql([0x829d, 0x553e]);
  });

  it("E4 FX3U-ENET-L hardware transcript [ENETL]: D0–D9 read, D5 write, Y0 write, ASCII", () => {
    const read = batchReadWords1E({ device: D, number: 0 }, 10);
    expectRequest("ascii", read, "01FF000A4420000000000A00");
    responseOf("ascii", read, "8100000A000B000C00000000051B0000000000000000").should.eql([
      10, 11, 12, 0, 0, 1307, 0, 0, 0, 0,
    ]);
    const write = batchWriteWords1E({ device: D, number: 5 }, [0x051c]);
    expectRequest("ascii", write, "03FF000A4420000000050100051C");
    should(responseOf("ascii", write, "8300")).be.undefined();
    const bit = batchWriteBits1E({ device: Y, number: 0 }, [true]);
    expectRequest("ascii", bit, "02FF000A592000000000010010");
    should(responseOf("ascii", bit, "8200")).be.undefined();
  });

  it("E4: a request promising more data than sent is not a whole frame yet (the module waits)", () => {
    should(requestLength1E("ascii", bytesOf("ascii", "02FF000A592000000000000110"))).equal(24 + 256);
  });

  it("E5 test write words, 3 points [iQR-MC] p.413 and the FX variant [FX-ADP] p.81", () => {
    const cmd = testWriteWords1E([
      { ref: { device: Y, number: 0x80 }, value: 0x7b29 },
      { ref: { device: dev("W"), number: 0x26 }, value: 0x1234 },
      { ref: { device: dev("CN"), number: 18 }, value: 0x50 },
    ]);
    expectRequest(
      "binary",
      cmd,
      "05 FF 0A 00 | 03 00 | 80 00 00 00 20 59 29 7B | 26 00 00 00 20 57 34 12 | 12 00 00 00 4E 43 50 00".replace(
        /\|/g,
        "",
      ),
    );
    expectRequest("ascii", cmd, "05FF000A 0300 5920 00000080 7B29 5720 00000026 1234 434E 00000012 0050");
    should(responseOf("binary", cmd, "85 00")).be.undefined();
    // FX: Y20 is octal (= 10H), R26 is 1AH.
    const fx = { series: "ql", frame: "1E", octalXY: true } as const;
    const fxCmd = testWriteWords1E(
      [
        ["Y20", 0x7b29],
        ["R26", 0x1234],
        ["CN18", 0x50],
      ].map(([a, value]) => ({ ref: parseTag(String(a), fx).ref, value: Number(value) })),
    );
    expectRequest("ascii", fxCmd, "05FF000A0300592000000010 7B29 52200000001A 1234 434E00000012 0050");
  });

  it("E6 test write bits [Q-MC] 6-29 (E71) and the FX variant [FX-ENET] 9-23/9-24", () => {
    const e71 = testWriteBits1E([
      { ref: { device: Y, number: 0x94 }, value: true },
      { ref: { device: M, number: 60 }, value: false },
      { ref: { device: dev("B"), number: 0x26 }, value: true },
    ]);
    expectRequest(
      "binary",
      e71,
      "04 FF 0A 00 03 00 94 00 00 00 20 59 01 3C 00 00 00 20 4D 00 26 00 00 00 20 42 01",
    );
    should(responseOf("binary", e71, "84 00")).be.undefined();
    const fx = testWriteBits1E([
      { ref: { device: Y, number: 0o45 }, value: true },
      { ref: { device: M, number: 60 }, value: false },
      { ref: { device: dev("S"), number: 38 }, value: true },
    ]);
    expectRequest(
      "binary",
      fx,
      "04 FF 0A 00 03 00 25 00 00 00 20 59 01 3C 00 00 00 20 4D 00 26 00 00 00 20 53 01",
    );
    expectRequest("ascii", fx, "04FF000A0300 592000000025 01 4D200000003C 00 532000000026 01");
    should(responseOf("ascii", fx, "8400")).be.undefined();
  });

  it("E7 remote RUN/STOP, model read and loopback [FX-ENET] §9.4–9.5", () => {
    expectRequest("binary", remote1E("run"), "13 FF 0A 00");
    expectRequest("ascii", remote1E("run"), "13FF000A");
    expectRequest("binary", remote1E("stop"), "14 FF 0A 00");
    expectRequest("ascii", remote1E("stop"), "14FF000A");
    should(responseOf("binary", remote1E("run"), "93 00")).be.undefined();
    should(responseOf("ascii", remote1E("stop"), "9400")).be.undefined();
    expectRequest("binary", readModel1E(), "15 FF 0A 00");
    responseOf("binary", readModel1E(), "95 00 F3 00").should.eql({ model: "FX3U/FX3UC", modelCode: 0xf3 });
    responseOf("ascii", readModel1E(), "9500F400").should.eql({ model: "FX3G", modelCode: 0xf4 });
    const loop = loopback1E("AB");
    expectRequest("binary", loop, "16 FF 0A 00 02 41 42");
    expectRequest("ascii", loop, "16FF000A 02 4142");
    responseOf("binary", loop, "96 00 02 41 42").should.equal("AB");
  });

  it("E8 abnormal completion 5BH with abnormal code 0012H, low byte first [FX-ENET] 9-5", () => {
    for (const [encoding, text] of [
      ["binary", "80 5B 12 00"],
      ["ascii", "805B1200"],
    ] as const) {
      const err = (() => {
        try {
          responseOf(encoding, batchReadBits1E({ device: M, number: 0 }, 4), text);
        } catch (e) {
          return e as McEndCodeError;
        }
        throw new Error("no error");
      })();
      err.should.be.instanceOf(McEndCodeError);
      err.code.should.equal("MC_END_CODE");
      err.endCode.should.equal(0x5b);
      err.frame1E!.abnormalCode!.should.equal(0x12);
      err.message.should.match(/5BH \(1E\).*abnormal code 12H, special function module designation error/);
    }
  });

  it("E11 frames captured from npm mcprotocol [NPM] are what we send for the same operations", () => {
    expectRequest("binary", batchReadWords1E({ device: D, number: 100 }, 3), "01FF0A006400000020440300");
    expectRequest("ascii", batchReadWords1E({ device: D, number: 100 }, 3), "01FF000A4420000000640300");
    expectRequest(
      "binary",
      batchWriteWords1E({ device: D, number: 0 }, [0x1234]),
      "03FF0A0000000000204401003412",
    );
    // mcprotocol writes ASCII in lower case; the manuals (and we) use upper case.
    expectRequest(
      "ascii",
      batchWriteWords1E({ device: D, number: 0 }, [0x1234]),
      "03FF000A44200000000001001234",
    );
    expectRequest("binary", batchWriteBits1E({ device: M, number: 5 }, [true]), "02FF0A0005000000204D010010");
    const y10 = parseTag("Y10", { series: "ql", frame: "1E", octalXY: true }).ref;
    expectRequest("binary", batchWriteBits1E(y10, [true, false, true]), "02FF0A0008000000205903001010");
  });
});

describe("1E framing and device checks", () => {
  it("sizes every request from its command and point count, 00 meaning 256", () => {
    should(requestLength1E("binary", bytesOf("binary", "01FF0A00640000002044"))).equal(12);
    should(requestLength1E("binary", bytesOf("binary", "02FF0A0005000000204D00"))).equal(12 + 128);
    should(requestLength1E("binary", bytesOf("binary", "05FF0A000300"))).equal(6 + 24);
    should(requestLength1E("binary", bytesOf("binary", "02FF0A0005000000204D"))).be.undefined();
    should(requestLength1E("ascii", Buffer.from("0"))).be.undefined();
    (() => requestLength1E("ascii", Buffer.from("ZZFF"))).should.throw(McProtocolError);
  });

  it("splits coalesced and split responses by the requests they answer, and rejects the unexpected", () => {
    const s = new ResponseSplitter1E("binary");
    s.expect({ command: 0x01, dataBytes: 4 });
    s.expect({ command: 0x03, dataBytes: 0 });
    s.push(bytesOf("binary", "81 00 01")).should.eql([]);
    s.push(bytesOf("binary", "02 03 04 83 00"))
      .map((b) => b.toString("hex"))
      .should.eql(["810001020304", "8300"]);
    (() => s.push(Buffer.from([0x83, 0x00]))).should.throw(McProtocolError, {
      message: /no request waiting/,
    });
    const wrong = new ResponseSplitter1E("ascii");
    wrong.expect({ command: 0x00, dataBytes: 1 });
    (() => wrong.push(Buffer.from("8100"))).should.throw(McProtocolError, { message: /80 was expected/ });
  });

  it("refuses devices 1E cannot reach, naming the ones it can", () => {
    (() => requestOf("binary", batchReadWords1E({ device: dev("SD"), number: 0 }, 1))).should.throw(
      McAddressError,
      { message: /SD cannot be reached with 1E frames \(1E devices: X Y M S F B D W R TN TS TC CN CS CC\)/ },
    );
    (() => parseTag("ZR100", { series: "ql", frame: "1E" })).should.throw(McAddressError, {
      message: /ZR cannot be reached with 1E frames/,
    });
  });
});

describe("1E simulator against the sources' request/response pairs", () => {
  function ctx(): HandlerContext {
    return {
      memory: new DeviceMemory(),
      series: "ql",
      zrHex: false,
      model: "",
      modelCode: 0xf3,
      onlineChangeDisabled: false,
      cpuState: "run",
    };
  }
  const answer = (c: HandlerContext, encoding: Encoding, text: string) =>
    shown(encoding, handleFrame1E(c, encoding, bytesOf(encoding, text))!);

  it("answers E1 and E3 like the manuals once memory holds their values", () => {
    const c = ctx();
    c.memory.writeBits(M, 100, [true, false, true, false, false, true, true, false]);
    c.memory.writeWords(Y, 0x40, [0x829d, 0x553e]);
    answer(c, "binary", "00 FF 0A 00 64 00 00 00 20 4D 08 00").should.equal("800010100110");
    answer(c, "ascii", "00FF000A4D20000000640800").should.equal("800010100110");
    answer(c, "binary", "01 FF 0A 00 40 00 00 00 20 59 02 00").should.equal("81009D823E55");
    answer(c, "ascii", "01FF000A5920000000400200").should.equal("8100829D553E");
  });

  it("replays the [ENETL] hardware transcript, including its 57H and its ignored fixed byte", () => {
    const c = ctx();
    c.memory.writeWords(D, 0, [10, 11, 12, 0, 0, 1307, 0, 0, 0, 0]);
    answer(c, "ascii", "01FF000A4420000000000A00").should.equal(
      "8100000A000B000C00000000051B0000000000000000",
    );
    answer(c, "ascii", "03FF000A4420000000050100051C").should.equal("8300");
    c.memory.readWords(D, 5, 1).should.eql([0x051c]);
    answer(c, "ascii", "02FF000A592000000000010010").should.equal("8200");
    c.memory.readBits(Y, 0, 1).should.eql([true]);
    answer(c, "ascii", "01FF000A4420000000000001").should.equal("8157");
    const all = answer(c, "ascii", "00FF000A5820000000000008");
    all.should.startWith("8000");
    all.length.should.equal(4 + 256);
  });

  it("answers E5, E6 and E7 with the manuals' responses and applies them", () => {
    const c = ctx();
    answer(
      c,
      "binary",
      "05 FF 0A 00 03 00 80 00 00 00 20 59 29 7B 26 00 00 00 20 57 34 12 12 00 00 00 4E 43 50 00",
    ).should.equal("8500");
    c.memory.readWords(Y, 0x80, 1).should.eql([0x7b29]);
    c.memory.readWords(dev("W"), 0x26, 1).should.eql([0x1234]);
    c.memory.readWords(dev("CN"), 18, 1).should.eql([0x50]);
    answer(c, "ascii", "04FF000A0300592000000025014D200000003C00532000000026 01").should.equal("8400");
    c.memory.readBits(Y, 0o45, 1).should.eql([true]);
    c.memory.readBits(dev("S"), 38, 1).should.eql([true]);
    answer(c, "binary", "14 FF 0A 00").should.equal("9400");
    c.cpuState.should.equal("stop");
    answer(c, "ascii", "13FF000A").should.equal("9300");
    c.cpuState.should.equal("run");
    answer(c, "binary", "15 FF 0A 00").should.equal("9500F300");
  });

  it("answers with the 1E end codes: 50H, 56H, 57H, 58H and 5BH + 10H", () => {
    const c = ctx();
    answer(c, "binary", "09 FF 0A 00").should.equal("8950");
    answer(c, "binary", "01 FF 0A 00 00 00 00 00 20 41 01 00").should.equal("8156");
    answer(c, "binary", "01 FF 0A 00 00 00 00 00 20 44 41 00").should.equal("8157");
    answer(c, "binary", "01 FF 0A 00 05 00 00 00 20 4D 01 00").should.equal("8158");
    answer(c, "binary", "00 FF 0A 00 00 00 00 00 20 44 01 00").should.equal("8058");
    answer(c, "binary", "01 00 0A 00 00 00 00 00 20 44 01 00").should.equal("815B1000");
    answer(c, "ascii", "01FF000A44G0000000000100").should.equal("8154");
  });
});
