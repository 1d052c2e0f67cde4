import "should";
import should from "should";
import { batchReadWords } from "../../lib/mc/commands";
import { deviceByName } from "../../lib/mc/devices";
import { McProtocolError } from "../../lib/mc/errors";
import {
  FrameSplitter,
  LOCAL_ROUTE,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type FrameFormat,
} from "../../lib/mc/frame";
import { FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";

const D = deviceByName("D")!;
const hex = (s: string): Buffer => Buffer.from(s, "hex");

function request(fmt: FrameFormat & WireFormat, serial = 0): Buffer {
  const cmd = batchReadWords(fmt, { device: D, number: 350 }, 2);
  const w = new FieldWriter(fmt);
  cmd.write(w);
  return encodeRequest(fmt, {
    serial,
    route: LOCAL_ROUTE,
    timer: 0,
    command: cmd.command,
    subcommand: cmd.subcommand,
    data: w.toBuffer(),
  });
}

describe("MC frames: the manual's worked examples", () => {
  const bin3e = { frame: "3E", encoding: "binary", series: "ql" } as const;
  const ascii3e = { frame: "3E", encoding: "ascii", series: "ql" } as const;

  it("encodes the 3E binary batch read of D350, 2 words, byte for byte", () => {
    request(bin3e).toString("hex").toUpperCase().should.equal("500000FFFF03000C000000010400005E0100A80200");
  });

  it("decodes the 3E binary answer D350 = 0x56AB, D351 = 0x170F", () => {
    const res = decodeResponse(bin3e, hex("D00000FFFF030006000000AB560F17"));
    res.endCode.should.equal(0);
    new FieldReader(res.data, bin3e).words(2).should.eql([0x56ab, 0x170f]);
  });

  it("decodes the same read answered in ASCII: 0x1234, 0x0002", () => {
    const res = decodeResponse(ascii3e, Buffer.from("D00000FF03FF00000C000012340002", "latin1"));
    res.route.should.eql(LOCAL_ROUTE);
    new FieldReader(res.data, ascii3e).words(2).should.eql([0x1234, 0x0002]);
  });

  it("re-encodes that answer in binary exactly as the manual shows", () => {
    const w = new FieldWriter(bin3e).words([0x1234, 0x0002]);
    encodeResponse(bin3e, { serial: 0, route: LOCAL_ROUTE, endCode: 0, data: w.toBuffer() })
      .toString("hex")
      .toUpperCase()
      .should.equal("D00000FFFF03000600000034120200");
  });

  it("writes the ASCII request with hex fields most significant first and decimal D numbers", () => {
    request(ascii3e)
      .toString("latin1")
      .should.equal("500000FF03FF00001800000401" + "0000" + "D*000350" + "0002");
  });

  it("puts the serial in 4E frames, binary little-endian and ASCII as hex text", () => {
    const bin4e = { frame: "4E", encoding: "binary", series: "ql" } as const;
    const ascii4e = { frame: "4E", encoding: "ascii", series: "ql" } as const;
    request(bin4e, 0x1234).subarray(0, 6).toString("hex").should.equal("540034120000");
    request(ascii4e, 0x1234).toString("latin1").slice(0, 12).should.equal("540012340000");
    decodeRequest(bin4e, request(bin4e, 0x1234)).serial.should.equal(0x1234);
    decodeRequest(ascii4e, request(ascii4e, 0xbeef)).serial.should.equal(0xbeef);
  });

  it("encodes iQ-R device specs with 4-byte numbers and 2-byte codes, and 4-char ASCII codes", () => {
    const iqr = { encoding: "binary", series: "iqr" } as const;
    new FieldWriter(iqr)
      .device({ device: D, number: 350 })
      .toBuffer()
      .toString("hex")
      .should.equal("5e010000a800");
    new FieldWriter({ encoding: "ascii", series: "iqr" })
      .device({ device: D, number: 350 })
      .toBuffer()
      .toString("latin1")
      .should.equal("D***00000350");
  });

  it("writes hex-notation devices in hex in ASCII (X1F) and ZR in decimal unless asked", () => {
    const ascii = { encoding: "ascii", series: "ql" } as const;
    const X = deviceByName("X")!;
    const ZR = deviceByName("ZR")!;
    new FieldWriter(ascii)
      .device({ device: X, number: 0x1f })
      .toBuffer()
      .toString("latin1")
      .should.equal("X*00001F");
    new FieldWriter(ascii)
      .device({ device: ZR, number: 100 })
      .toBuffer()
      .toString("latin1")
      .should.equal("ZR000100");
    new FieldWriter({ ...ascii, zrHex: true })
      .device({ device: ZR, number: 100 })
      .toBuffer()
      .toString("latin1")
      .should.equal("ZR000064");
  });

  it("packs bit units two points per byte, the first in the high nibble", () => {
    const bin = { encoding: "binary", series: "ql" } as const;
    new FieldWriter(bin)
      .bits([true, false, false, true, true])
      .toBuffer()
      .toString("hex")
      .should.equal("100110");
    new FieldReader(hex("100110"), bin).bits(5).should.eql([true, false, false, true, true]);
    new FieldWriter({ encoding: "ascii", series: "ql" })
      .bits([1, 0, 1])
      .toBuffer()
      .toString("latin1")
      .should.equal("101");
  });

  it("reads double words low word first (binary LE, ASCII high word first as text)", () => {
    new FieldReader(hex("78563412"), { encoding: "binary", series: "ql" }).u32().should.equal(0x12345678);
    new FieldReader(Buffer.from("12345678"), { encoding: "ascii", series: "ql" })
      .u32()
      .should.equal(0x12345678);
  });
});

describe("FrameSplitter", () => {
  const fmt = { frame: "3E", encoding: "binary" } as const;
  const frame = hex("D00000FFFF030006000000AB560F17");

  it("reassembles a frame split into single bytes", () => {
    const s = new FrameSplitter(fmt, "response");
    const out: Buffer[] = [];
    for (const b of frame) out.push(...s.push(Buffer.from([b])));
    out.should.have.length(1);
    out[0]!.equals(frame).should.be.true();
  });

  it("separates coalesced frames and keeps a trailing partial one", () => {
    const s = new FrameSplitter(fmt, "response");
    const out = s.push(Buffer.concat([frame, frame, frame.subarray(0, 5)]));
    out.should.have.length(2);
    s.buffered.should.equal(5);
    s.push(frame.subarray(5)).should.have.length(1);
  });

  it("frames ASCII responses by their character length field", () => {
    const s = new FrameSplitter({ frame: "3E", encoding: "ascii" }, "response");
    const text = Buffer.from("D00000FF03FF00000C000012340002", "latin1");
    s.push(text.subarray(0, 20)).should.have.length(0);
    s.push(Buffer.concat([text.subarray(20), text])).should.have.length(2);
  });

  it("rejects garbage with a protocol error instead of waiting forever", () => {
    const s = new FrameSplitter(fmt, "response");
    should(() => s.push(Buffer.from("HTTP/1.1 400"))).throw(McProtocolError);
  });

  it("still returns the good frame that came before garbage in the same chunk, then fails", () => {
    const s = new FrameSplitter(fmt, "response");
    const out = s.push(Buffer.concat([frame, Buffer.from("garbage")]));
    out.should.have.length(1);
    should(s.failure).be.instanceOf(McProtocolError);
    should(() => s.push(frame)).throw(McProtocolError);
  });

  it("rejects an implausible length field", () => {
    const s = new FrameSplitter(fmt, "response");
    should(() => s.push(hex("D00000FFFF0300FFFF"))).throw(/implausible frame length/);
  });
});
