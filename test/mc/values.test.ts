import "should";
import { McValueError } from "../../lib/mc/errors";
import { parseTag } from "../../lib/mc/tags";
import { decodeBits, decodeTag, encodeTag } from "../../lib/mc/values";

const tag = (text: string) => parseTag(text, { series: "ql" });

function words(text: string, value: unknown): number[] {
  const e = encodeTag(tag(text), value);
  if (e.unit !== "word") throw new Error("expected words");
  return e.words;
}

function roundTrip(text: string, value: unknown): void {
  const t = tag(text);
  const w = words(text, value);
  w.length.should.equal(t.words);
  for (const x of w) (x >= 0 && x <= 0xffff).should.be.true();
  decodeTag(t, w).should.eql(value);
}

function rejects(text: string, value: unknown, fragment: string): void {
  (() => encodeTag(tag(text), value)).should.throw(McValueError, { message: new RegExp(fragment) });
}

describe("tag values", () => {
  describe("integers", () => {
    it("int16 and uint16", () => {
      decodeTag(tag("D0"), [0xffff]).should.equal(-1);
      decodeTag(tag("D0:uint16"), [0xffff]).should.equal(65535);
      words("D0", -2).should.eql([0xfffe]);
      for (const v of [-32768, -1, 0, 1, 32767]) roundTrip("D0", v);
      for (const v of [0, 1, 65535]) roundTrip("D0:uint16", v);
    });

    it("int32/uint32, low word first by default and high word first with swap", () => {
      words("D0:int32", 0x12345678).should.eql([0x5678, 0x1234]);
      words("D0:int32:swap", 0x12345678).should.eql([0x1234, 0x5678]);
      decodeTag(tag("D0:int32"), [0xffff, 0xffff]).should.equal(-1);
      decodeTag(tag("D0:uint32"), [0xffff, 0xffff]).should.equal(0xffffffff);
      decodeTag(tag("D0:uint32:swap"), [0x1234, 0x5678]).should.equal(0x12345678);
      for (const v of [-2147483648, -5, 0, 2147483647]) roundTrip("D0:int32", v);
      for (const v of [0, 4294967295]) roundTrip("D0:uint32:swap", v);
    });

    it("int64/uint64 as bigint", () => {
      words("D0:int64", 0x0001000200030004n).should.eql([4, 3, 2, 1]);
      words("D0:int64:swap", 0x0001000200030004n).should.eql([1, 2, 3, 4]);
      decodeTag(tag("D0:int64"), [0xffff, 0xffff, 0xffff, 0xffff]).should.equal(-1n);
      decodeTag(tag("D0:uint64"), [0xffff, 0xffff, 0xffff, 0xffff]).should.equal(2n ** 64n - 1n);
      for (const v of [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]) roundTrip("D0:int64", v);
      roundTrip("D0:uint64:swap", 2n ** 64n - 1n);
      words("D0:int64", 5).should.eql([5, 0, 0, 0]);
    });

    it("refuses values that do not fit", () => {
      rejects("D0", 40000, "out of range for int16");
      rejects("D0:uint16", -1, "out of range for uint16");
      rejects("D0:int32", 2 ** 31, "out of range");
      rejects("D0:uint64", -1n, "out of range");
      rejects("D0:int64", 2n ** 63n, "out of range");
      rejects("D0", 1.5, "needs an integer");
      rejects("D0", NaN, "needs an integer");
      rejects("D0", "12", "needs a number");
      rejects("D0", null, "needs a number");
      rejects("D0:int64", 2 ** 60, "pass a bigint");
    });

    it("names the tag in the message", () => {
      rejects("D100", 40000, '"D100"');
    });
  });

  describe("floats", () => {
    it("float32 in both word orders", () => {
      words("D0:float32", 1).should.eql([0x0000, 0x3f80]);
      words("D0:float32:swap", 1).should.eql([0x3f80, 0x0000]);
      decodeTag(tag("D0:float32"), [0x0000, 0xc020]).should.equal(-2.5);
      for (const v of [0, -0.5, 3.25, Math.fround(1e30)]) roundTrip("D0:float32", v);
      roundTrip("D0:float32:swap", 123.5);
      (decodeTag(tag("D0:float32"), words("D0:float32", 0.1)) as number).should.be.approximately(0.1, 1e-7);
    });

    it("float64 in both word orders", () => {
      words("D0:float64", 1).should.eql([0, 0, 0, 0x3ff0]);
      words("D0:float64:swap", 1).should.eql([0x3ff0, 0, 0, 0]);
      for (const v of [0.1, -1e300, Math.PI]) roundTrip("D0:float64", v);
      roundTrip("D0:float64:swap", Math.E);
    });

    it("keeps NaN and infinities, refuses finite overflow of float32", () => {
      Number.isNaN(decodeTag(tag("D0:float32"), words("D0:float32", NaN))).should.be.true();
      decodeTag(tag("D0:float64"), words("D0:float64", -Infinity)).should.equal(-Infinity);
      rejects("D0:float32", 1e39, "float32 range");
      rejects("D0:float32", "1", "needs a number");
    });
  });

  describe("strings", () => {
    it("puts the first character in the low byte and pads with NUL", () => {
      words("D0:string(4)", "AB").should.eql([0x4241, 0x0000]);
      words("D0:string(3)", "ABC").should.eql([0x4241, 0x0043]);
      decodeTag(tag("D0:string(3)"), [0x4241, 0x0043]).should.equal("ABC");
    });

    it("swaps the bytes of each word with :swap", () => {
      words("D0:string(4):swap", "ABC").should.eql([0x4142, 0x4300]);
      decodeTag(tag("D0:string(4):swap"), [0x4142, 0x4300]).should.equal("ABC");
    });

    it("strips trailing NULs and ignores the spare byte of an odd length", () => {
      decodeTag(tag("D0:string(5)"), [0x4241, 0x0000, 0x5a00]).should.equal("AB");
      decodeTag(tag("D0:string(3)"), [0x4241, 0x5a43]).should.equal("ABC");
      roundTrip("D0:string(5)", "hello");
      roundTrip("D0:string(5)", "");
    });

    it("refuses strings that are too long or not Latin-1", () => {
      rejects("D0:string(3)", "ABCD", "4 characters, the tag holds 3");
      rejects("D0:string(3)", "€", "Latin-1");
      rejects("D0:string(3)", 12, "needs a string");
    });
  });

  describe("arrays", () => {
    it("decodes and encodes arrays element by element", () => {
      roundTrip("D0:int16[3]", [1, -2, 3]);
      roundTrip("D0:float32[2]:swap", [1.5, -2]);
      roundTrip("D0:string(3)[2]", ["ab", "xyz"]);
      words("D0:int32[2]", [1, 2]).should.eql([1, 0, 2, 0]);
      words("D0:uint16[2]", new Uint16Array([7, 8])).should.eql([7, 8]);
    });

    it("refuses the wrong length or a scalar", () => {
      rejects("D0:int16[3]", [1, 2], "exactly 3 elements");
      rejects("D0:int16[3]", 1, "needs an array of 3");
    });
  });

  describe("bits", () => {
    it("reads a bit of a word", () => {
      decodeTag(tag("D0.3"), [0b1000]).should.be.true();
      decodeTag(tag("D0.F"), [0x7fff]).should.be.false();
      decodeTag(tag("D0.F"), [0x8000]).should.be.true();
    });

    it("refuses to write a bit of a word", () => {
      rejects("D0.3", true, "cannot be written atomically");
    });

    it("reads and writes bit devices", () => {
      decodeBits(tag("M0"), [1]).should.be.true();
      decodeBits(tag("M0:bool[3]"), [true, false, 1]).should.eql([true, false, true]);
      encodeTag(tag("M0:bool[3]"), [true, 0, 1]).should.eql({ unit: "bit", bits: [true, false, true] });
      rejects("M0", "true", "true/false");
      rejects("M0", 2, "true/false");
    });

    it("checks that enough data was supplied", () => {
      (() => decodeTag(tag("D0:int32"), [1])).should.throw(McValueError);
      (() => decodeBits(tag("M0:bool[4]"), [true])).should.throw(McValueError);
      (() => decodeTag(tag("M0"), [1])).should.throw(/use decodeBits/);
    });
  });
});
