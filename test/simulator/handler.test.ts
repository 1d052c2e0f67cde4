import "should";
import should from "should";
import {
  type Command,
  batchReadBits,
  batchReadWords,
  batchWriteBits,
  batchWriteWords,
  loopback,
  multiBlockRead,
  randomRead,
  randomWriteBits,
  randomWriteWords,
  readCpuModel,
  remoteOperation,
} from "../../lib/mc/commands";
import { bufferDevice } from "../../lib/mc/buffer-memory";
import { type Series, deviceByName } from "../../lib/mc/devices";
import {
  FrameHead,
  type ResponseFrame,
  decodeResponse,
  encodeRequest,
  headerLength,
  readFrameHead,
} from "../../lib/mc/frame";
import { type DeviceRef, FieldReader } from "../../lib/mc/wire";
import { type HandlerContext, handleFrame } from "../../lib/simulator";
import { answerWordRead } from "../../lib/simulator/handler";
import { FORMATS, type Format, handlerContext, label, rawRequest, readResult, requestFor } from "./client";

function ref(name: string, number: number): DeviceRef {
  return { device: deviceByName(name)!, number };
}

/** Internal handler failures of the current test; checked after each one. */
let failures: unknown[] = [];

function context(series: Series, extra: Partial<HandlerContext> = {}): HandlerContext {
  return handlerContext(series, failures, extra);
}

function respond(ctx: HandlerContext, f: Format, request: Buffer): ResponseFrame {
  const out = handleFrame(ctx, f, request);
  should.exist(out, "expected a response");
  return decodeResponse(f, out!);
}

function exec<T>(ctx: HandlerContext, f: Format, cmd: Command<T>): T {
  const res = respond(ctx, f, requestFor(f, cmd, 0x4242));
  res.endCode.should.equal(0, `end code ${res.endCode.toString(16)}`);
  if (f.frame === "4E") res.serial.should.equal(0x4242);
  return readResult(f, cmd, res);
}

function endCodeOf(ctx: HandlerContext, f: Format, request: Buffer): number {
  return respond(ctx, f, request).endCode;
}

describe("simulator request handler", function () {
  beforeEach(() => (failures = []));
  afterEach(() => failures.should.eql([]));

  for (const f of FORMATS) {
    describe(`every command, ${label(f)}`, function () {
      let ctx: HandlerContext;
      beforeEach(() => (ctx = context(f.series)));

      it("0401/1401 in word units round-trip D words", function () {
        exec(ctx, f, batchWriteWords(f, ref("D", 100), [1, 0xffff, 0x1234]));
        exec(ctx, f, batchReadWords(f, ref("D", 99), 5)).should.eql([0, 1, 0xffff, 0x1234, 0]);
        ctx.memory.readWords("D", 100, 3).should.eql([1, 0xffff, 0x1234]);
      });

      it("0401/1401 in bit units round-trip M bits (odd count)", function () {
        exec(ctx, f, batchWriteBits(f, ref("M", 3), [true, false, true]));
        exec(ctx, f, batchReadBits(f, ref("M", 2), 5)).should.eql([false, true, false, true, false]);
      });

      it("hex-notation devices (X, W) use the plain number", function () {
        ctx.memory.set("X1F", true);
        ctx.memory.writeWords("W", 0x1a, [77]);
        exec(ctx, f, batchReadBits(f, ref("X", 0x1f), 1)).should.eql([true]);
        exec(ctx, f, batchReadWords(f, ref("W", 0x1a), 1)).should.eql([77]);
      });

      it("0403 reads words then double words, low word first", function () {
        ctx.memory.writeWords("D", 0, [0x1111, 0x5678, 0x1234]);
        ctx.memory.writeWords("M", 16, [0xbeef]);
        const result = exec(ctx, f, randomRead(f, [ref("D", 0), ref("M", 16)], [ref("D", 1)]));
        result.should.eql({ words: [0x1111, 0xbeef], dwords: [0x12345678] });
      });

      it("1402 writes words and double words", function () {
        exec(
          ctx,
          f,
          randomWriteWords(f, [{ ref: ref("D", 5), value: 9 }], [{ ref: ref("D", 10), value: 0xdeadbeef }]),
        );
        ctx.memory.readWords("D", 5, 1).should.eql([9]);
        ctx.memory.readWords("D", 10, 2).should.eql([0xbeef, 0xdead]);
      });

      it("1402 writes bits (1-byte value on Q/L, 2-byte on iQ-R)", function () {
        ctx.memory.set("Y10", true);
        exec(
          ctx,
          f,
          randomWriteBits(f, [
            { ref: ref("M", 7), value: true },
            { ref: ref("Y", 0x10), value: false },
          ]),
        );
        ctx.memory.get("M7").should.be.true();
        ctx.memory.get("Y10").should.be.false();
      });

      it("0406 reads word blocks and bit blocks in 16-point words", function () {
        ctx.memory.writeWords("D", 200, [1, 2, 3]);
        ctx.memory.writeBits("M", 32, [true, true]);
        ctx.memory.writeBits("B", 0, [false, true]);
        const result = exec(
          ctx,
          f,
          multiBlockRead(
            f,
            [{ ref: ref("D", 200), points: 3 }],
            [
              { ref: ref("M", 32), points: 1 },
              { ref: ref("B", 0), points: 2 },
            ],
          ),
        );
        result.should.eql({ wordBlocks: [[1, 2, 3]], bitBlocks: [[3], [2, 0]] });
      });

      it("0101 reads the CPU model", function () {
        exec(ctx, f, readCpuModel()).should.eql(
          f.series === "iqr"
            ? { model: "R08CPU", modelCode: 0x4801 }
            : { model: "Q03UDVCPU", modelCode: 0x0366 },
        );
      });

      it("0619 echoes loopback data", function () {
        exec(ctx, f, loopback("0123456789ABCDEF")).should.equal("0123456789ABCDEF");
      });

      it("1001/1002/1003 change the CPU state", function () {
        exec(ctx, f, remoteOperation("stop"));
        ctx.cpuState.should.equal("stop");
        exec(ctx, f, remoteOperation("pause", true));
        ctx.cpuState.should.equal("pause");
        exec(ctx, f, remoteOperation("run"));
        ctx.cpuState.should.equal("run");
      });

      it("answers 4031 when start or end is outside the device", function () {
        endCodeOf(ctx, f, requestFor(f, batchReadWords(f, ref("D", 12287), 2))).should.equal(0x4031);
        endCodeOf(ctx, f, requestFor(f, batchReadWords(f, ref("D", 20000), 1))).should.equal(0x4031);
        endCodeOf(ctx, f, requestFor(f, batchReadWords(f, ref("M", 8192 - 16), 2))).should.equal(0x4031);
        exec(ctx, f, batchReadWords(f, ref("D", 12287), 1)).should.eql([0]);
      });

      it("error responses carry the error information", function () {
        const res = respond(ctx, f, requestFor(f, batchReadBits(f, ref("D", 0), 1)));
        res.endCode.should.equal(0xc05c);
        const r = new FieldReader(res.data, { encoding: f.encoding, series: "ql" });
        [r.u8(), r.u8(), r.u16(), r.u8(), r.u16(), r.u16()].should.eql([
          0,
          0xff,
          0x03ff,
          0,
          0x0401,
          f.series === "iqr" ? 3 : 1,
        ]);
        r.remaining.should.equal(0);
        res.data.length.should.equal(f.encoding === "ascii" ? 18 : 9);
      });
    });
  }

  describe("end codes", function () {
    const bin: Format = { frame: "3E", encoding: "binary", series: "ql" };
    const ascii: Format = { frame: "3E", encoding: "ascii", series: "ql" };
    const r: Format = { frame: "3E", encoding: "binary", series: "iqr" };

    it("C059 for an unknown command", function () {
      endCodeOf(context("ql"), bin, rawRequest(bin, 0x0999, 0)).should.equal(0xc059);
    });

    it("C059 for iQ-R subcommands on a Q/L CPU", function () {
      endCodeOf(context("ql"), bin, requestFor(r, batchReadWords(r, ref("D", 0), 1))).should.equal(0xc059);
      endCodeOf(context("iqf"), bin, requestFor(r, batchReadWords(r, ref("D", 0), 1))).should.equal(0xc059);
    });

    it("an iQ-F CPU serves the Q/L subcommands", function () {
      const ctx = context("iqf");
      ctx.memory.writeWords("D", 3, [7]);
      exec(ctx, bin, batchReadWords(bin, ref("D", 3), 1)).should.eql([7]);
    });

    it("an iQ-R CPU also accepts the Q/L subcommands", function () {
      const ctx = context("iqr");
      ctx.memory.writeWords("D", 0, [42]);
      exec(ctx, bin, batchReadWords(bin, ref("D", 0), 1)).should.eql([42]);
    });

    it("C059 for a bit subcommand on random read / multi-block, and a non-zero one on 0101", function () {
      const ctx = context("ql");
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0403, 1, (w) => w.u8(1).u8(0).device(ref("D", 0))),
      ).should.equal(0xc059);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0406, 1, (w) => w.u8(1).u8(0).device(ref("D", 0)).u16(1)),
      ).should.equal(0xc059);
      endCodeOf(ctx, bin, rawRequest(bin, 0x0101, 1)).should.equal(0xc059);
    });

    it("C051/C052 batch bits/words, C053 random bits, C054 random words and multi-block over limit", function () {
      const ctx = context("ql");
      const read = (sub: number, points: number): Buffer =>
        rawRequest(bin, 0x0401, sub, (w) => w.device(ref("M", 0)).u16(points));
      endCodeOf(ctx, bin, read(1, 7169)).should.equal(0xc051);
      endCodeOf(ctx, bin, read(1, 0)).should.equal(0xc051);
      endCodeOf(ctx, bin, read(0, 961)).should.equal(0xc052);
      endCodeOf(ctx, bin, requestFor(bin, batchReadBits(bin, ref("M", 0), 7168))).should.equal(0);
      endCodeOf(
        ctx,
        ascii,
        rawRequest(ascii, 0x0401, 1, (w) => w.device(ref("M", 0)).u16(3585)),
      ).should.equal(0xc051);
      const bits = Array.from({ length: 189 }, (_, i) => ({ ref: ref("M", i), value: true }));
      endCodeOf(ctx, bin, requestFor(bin, randomWriteBits(bin, bits))).should.equal(0xc053);
      const words = Array.from({ length: 193 }, (_, i) => ref("D", i));
      endCodeOf(ctx, bin, requestFor(bin, randomRead(bin, words, []))).should.equal(0xc054);
      endCodeOf(ctx, bin, requestFor(bin, randomRead(bin, words.slice(1), []))).should.equal(0);
      const iqrWords = Array.from({ length: 97 }, (_, i) => ref("D", i));
      endCodeOf(context("iqr"), r, requestFor(r, randomRead(r, iqrWords, []))).should.equal(0xc054);
      const writes = Array.from({ length: 161 }, (_, i) => ({ ref: ref("D", i), value: 1 }));
      endCodeOf(ctx, bin, requestFor(bin, randomWriteWords(bin, writes, []))).should.equal(0xc054);
      const blocks = [
        { ref: ref("D", 0), points: 900 },
        { ref: ref("D", 1000), points: 61 },
      ];
      endCodeOf(ctx, bin, requestFor(bin, multiBlockRead(bin, blocks, []))).should.equal(0xc054);
    });

    it("C05B for an unknown device code or an iQ-R-only device with Q/L subcommands", function () {
      const ctx = context("ql");
      const unknown = rawRequest(bin, 0x0401, 0, (w) => w.u16(0).u8(0).u8(0x77).u16(1));
      endCodeOf(ctx, bin, unknown).should.equal(0xc05b);
      const lz = rawRequest(bin, 0x0401, 0, (w) => w.u16(0).u8(0).u8(0x62).u16(1));
      endCodeOf(context("iqr"), bin, lz).should.equal(0xc05b);
      const asciiUnknown = Buffer.from("500000FF03FF000018000404010000QQ0000000001", "latin1");
      endCodeOf(ctx, ascii, asciiUnknown).should.equal(0xc05b);
    });

    it("C05C for bit-unit access to a word device, and for random bit writes to one", function () {
      const ctx = context("ql");
      endCodeOf(ctx, bin, requestFor(bin, batchReadBits(bin, ref("D", 0), 1))).should.equal(0xc05c);
      endCodeOf(ctx, bin, requestFor(bin, batchWriteBits(bin, ref("W", 0), [true]))).should.equal(0xc05c);
      endCodeOf(
        ctx,
        bin,
        requestFor(bin, randomWriteBits(bin, [{ ref: ref("D", 0), value: true }])),
      ).should.equal(0xc05c);
    });

    it("C061 when the data length does not match the counts", function () {
      const ctx = context("ql");
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x1401, 0, (w) => w.device(ref("D", 0)).u16(3).words([1, 2])),
      ).should.equal(0xc061);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0401, 0, (w) => w.device(ref("D", 0)).u16(1).u8(0)),
      ).should.equal(0xc061);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0401, 0, (w) => w.device(ref("D", 0))),
      ).should.equal(0xc061);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0403, 0, (w) => w.u8(2).u8(0).device(ref("D", 0))),
      ).should.equal(0xc061);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x0101, 0, (w) => w.u8(0)),
      ).should.equal(0xc061);
      ctx.memory.readWords("D", 0, 3).should.eql([0, 0, 0]);
    });

    it("C050 for characters that cannot be converted (ASCII)", function () {
      const ctx = context("ql");
      // Batch read D0 with "00G000" as the device number.
      const bad = Buffer.from("500000FF03FF000018000404010000D*00G0000001", "latin1");
      endCodeOf(ctx, ascii, bad).should.equal(0xc050);
      const badPoints = Buffer.from("500000FF03FF000018000404010000D*00000000Z1", "latin1");
      endCodeOf(ctx, ascii, badPoints).should.equal(0xc050);
    });

    it("C060 for bit data other than 0/1", function () {
      const ctx = context("ql");
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x1401, 1, (w) => w.device(ref("M", 0)).u16(2).u8(0x12)),
      ).should.equal(0xc060);
      endCodeOf(
        ctx,
        bin,
        rawRequest(bin, 0x1402, 1, (w) => w.u8(1).device(ref("M", 0)).u8(2)),
      ).should.equal(0xc060);
    });

    it("0055 for writes in RUN when online change is disabled, not in STOP", function () {
      const ctx = context("ql", { onlineChangeDisabled: true });
      endCodeOf(ctx, bin, requestFor(bin, batchWriteWords(bin, ref("D", 0), [1]))).should.equal(0x0055);
      endCodeOf(
        ctx,
        bin,
        requestFor(bin, randomWriteBits(bin, [{ ref: ref("M", 0), value: true }])),
      ).should.equal(0x0055);
      endCodeOf(ctx, bin, requestFor(bin, batchReadWords(bin, ref("D", 0), 1))).should.equal(0);
      exec(ctx, bin, remoteOperation("stop"));
      exec(ctx, bin, batchWriteWords(bin, ref("D", 0), [1]));
      ctx.memory.readWords("D", 0, 1).should.eql([1]);
    });

    it("a random write with one bad entry changes nothing", function () {
      const ctx = context("ql");
      const req = requestFor(
        bin,
        randomWriteWords(
          bin,
          [
            { ref: ref("D", 0), value: 5 },
            { ref: ref("D", 99999), value: 6 },
          ],
          [],
        ),
      );
      endCodeOf(ctx, bin, req).should.equal(0x4031);
      ctx.memory.readWords("D", 0, 1).should.eql([0]);
    });

    it("no response to a frame of the other encoding or to garbage", function () {
      const ctx = context("ql");
      const asciiFrame = requestFor(ascii, batchReadWords(ascii, ref("D", 0), 1));
      should.not.exist(handleFrame(ctx, bin, asciiFrame));
      should.not.exist(handleFrame(ctx, ascii, requestFor(bin, batchReadWords(bin, ref("D", 0), 1))));
      should.not.exist(handleFrame(ctx, bin, Buffer.from("hello")));
    });

    it("ZR numbers follow zrHex in ASCII", function () {
      const ctx = context("ql", { zrHex: true });
      ctx.memory.writeWords("ZR", 0x10, [99]);
      const req = Buffer.from("500000FF03FF000018000004010000ZR0000100001", "latin1");
      const res = respond(ctx, ascii, req);
      res.endCode.should.equal(0);
      res.data.toString("latin1").should.equal("0063");
    });
  });
});

describe("simulator: binary word reads answered in place", function () {
  beforeEach(() => (failures = []));
  afterEach(() => failures.should.eql([]));

  /** The in-place answer to `request`, or undefined when it leaves the request to the general path. */
  function inPlace(ctx: HandlerContext, f: Format, request: Buffer): Buffer | undefined {
    return answerWordRead(ctx, f, request, readFrameHead(f, "request", request, new FrameHead()));
  }

  for (const f of FORMATS.filter((x) => x.encoding === "binary")) {
    it(`gives the general path's answer byte for byte, ${label(f)}`, function () {
      const ctx = context(f.series);
      ctx.memory.writeWords("D", 100, [0x1234, 0xfffe, 7]);
      ctx.memory.writeWords("ZR", 5000, [42]);
      ctx.memory.writeBits("M", 16, [true, false, true]);
      const cases: [string, number, number][] = [
        ["D", 100, 1],
        ["D", 100, 3],
        ["D", 0, 960],
        ["W", 0x1f, 2],
        ["ZR", 5000, 1],
        ["M", 16, 2], // a bit device in word units: 16 points a word
        ["SD", 210, 7], // the clock
      ];
      for (const [name, number, points] of cases) {
        const request = requestFor(f, batchReadWords(f, ref(name, number), points), 0xbeef);
        const answer = inPlace(ctx, f, request);
        should.exist(answer, `${name}${number} x${points}`);
        answer!.should.eql(handleFrame(ctx, f, request), `${name}${number} x${points}`);
      }
      // Another route than the local CPU is echoed as the general path echoes it.
      const routed = encodeRequest(f, {
        serial: 7,
        route: { network: 1, pc: 2, moduleIo: 0x03e0, station: 3 },
        timer: 4,
        command: 0x0401,
        subcommand: f.series === "iqr" ? 2 : 0,
        data: requestFor(f, batchReadWords(f, ref("D", 100), 1)).subarray(headerLength(f) + 6),
      });
      inPlace(ctx, f, routed)!.should.eql(handleFrame(ctx, f, routed));
    });

    it(`leaves every request it does not answer OK to the general path, ${label(f)}`, function () {
      const ctx = context(f.series);
      const sub = f.series === "iqr" ? 2 : 0;
      const requests = [
        requestFor(f, batchReadWords(f, ref("D", 0), 961)), // over the limit: C052
        rawRequest(f, 0x0401, sub, (w) => w.device(ref("D", 0)).u16(0)), // no points: C052
        requestFor(f, batchReadWords(f, ref("D", 12287), 2)), // past the end: 4031
        requestFor(f, batchReadBits(f, ref("M", 0), 4)), // bit units
        rawRequest(f, 0x0401, sub, (w) => w.device(ref("D", 0)).u16(1).u16(0)), // trailing bytes: C061
        requestFor(f, batchReadWords(f, { device: bufferDevice(1, false), number: 0 }, 1)), // buffer memory
        requestFor(f, readCpuModel()),
      ];
      for (const request of requests) should.not.exist(inPlace(ctx, f, request));
      if (f.series === "iqr") {
        // An iQ-R-only device with a Q/L subcommand: C05B from the general path.
        const ql: Format = { ...f, series: "ql" };
        const lz = requestFor(ql, batchReadWords(ql, ref("D", 0), 1));
        lz[lz.length - 3] = deviceByName("LZ")!.code;
        should.not.exist(inPlace(ctx, f, lz));
        endCodeOf(ctx, f, lz).should.equal(0xc05b);
      }
    });
  }

  it("ASCII requests always take the general path", function () {
    const ctx = context("ql");
    const f: Format = { frame: "3E", encoding: "ascii", series: "ql" };
    should.not.exist(inPlace(ctx, f, requestFor(f, batchReadWords(f, ref("D", 0), 1))));
  });
});
