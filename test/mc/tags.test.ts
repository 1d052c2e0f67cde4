import "should";
import { McAddressError } from "../../lib/mc/errors";
import { parseTag, validateTag, type TagOptions } from "../../lib/mc/tags";

const QL: TagOptions = { series: "ql" };
const IQR: TagOptions = { series: "iqr" };

function rejects(text: string, fragment: string, options: TagOptions = QL): void {
  let err: unknown;
  try {
    parseTag(text, options);
  } catch (e) {
    err = e;
  }
  (err instanceof McAddressError).should.be.true(`expected McAddressError for ${JSON.stringify(text)}`);
  const msg = (err as Error).message;
  msg.should.containEql(fragment);
  if (text.trim()) msg.should.containEql(text.trim());
}

describe("tag addresses", () => {
  describe("devices and numbers", () => {
    it("defaults a word device to int16 and a bit device to bool", () => {
      const d = parseTag("D100", QL);
      d.should.containDeep({
        address: "D100",
        type: "int16",
        isArray: false,
        arrayLength: 1,
        swap: false,
        words: 1,
      });
      d.ref.device.name.should.equal("D");
      d.ref.number.should.equal(100);
      const m = parseTag("M10", QL);
      m.should.containDeep({ type: "bool", points: 1, words: 0 });
    });

    it("reads hex devices in hex and is case-insensitive and trims", () => {
      parseTag("  x1f ", QL).ref.number.should.equal(31);
      parseTag("x1f", QL).address.should.equal("X1F");
      parseTag("W1A0", QL).ref.number.should.equal(0x1a0);
      parseTag("sb10", QL).ref.device.name.should.equal("SB");
      parseTag("DX10", QL).ref.device.name.should.equal("DX");
    });

    it("prefers the longest device name", () => {
      parseTag("LTN5", IQR).ref.device.name.should.equal("LTN");
      parseTag("ZR100", QL).ref.device.name.should.equal("ZR");
      parseTag("STN3", QL).ref.device.name.should.equal("STN");
    });

    it("accepts the SS/SC/SN aliases and normalises them", () => {
      parseTag("SN4", QL).address.should.equal("STN4");
      parseTag("ss1", QL).address.should.equal("STS1");
    });

    it("reads ZR in decimal unless zrHex", () => {
      parseTag("ZR100", QL).ref.number.should.equal(100);
      parseTag("ZR100", { series: "ql", zrHex: true }).ref.number.should.equal(0x100);
      parseTag("ZR1F", { series: "ql", zrHex: true }).address.should.equal("ZR1F");
      rejects("ZR1F", "hex digit in decimal device ZR");
    });

    it("reads X/Y as octal with octalXY (iQ-F)", () => {
      const o: TagOptions = { series: "iqf", octalXY: true };
      parseTag("X17", o).ref.number.should.equal(15);
      parseTag("Y20", o).ref.number.should.equal(16);
      parseTag("X17", o).address.should.equal("X17");
      parseTag("M17", o).ref.number.should.equal(17);
      rejects("X18", "digit 8 or 9 in octal device X", o);
    });
  });

  describe("types", () => {
    it("knows each type's size", () => {
      const words: Record<string, number> = { int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2 };
      Object.assign(words, { float64: 4, int64: 4, uint64: 4 });
      for (const [type, n] of Object.entries(words)) parseTag(`D0:${type}`, QL).words.should.equal(n);
      parseTag("D0:string(5)", QL).should.containDeep({ type: "string", stringLength: 5, words: 3 });
      parseTag("D0:STRING(4)", QL).words.should.equal(2);
    });

    it("normalises the text, keeping non-default types and swap", () => {
      parseTag("d200 : FLOAT32 : SWAP", QL).address.should.equal("D200:float32:swap");
      parseTag("D200:int16", QL).address.should.equal("D200");
      parseTag("D200:int16[4]", QL).address.should.equal("D200:int16[4]");
      parseTag("D200[4]", QL).address.should.equal("D200:int16[4]");
    });

    it("parses arrays of every form", () => {
      parseTag("D100:int16[10]", QL).should.containDeep({ isArray: true, arrayLength: 10, words: 10 });
      parseTag("M0:bool[32]", QL).should.containDeep({ isArray: true, arrayLength: 32, points: 32 });
      parseTag("D200:float32[4]", QL).words.should.equal(8);
      parseTag("D300:string(8)[3]", QL).should.containDeep({ arrayLength: 3, elementWords: 4, words: 12 });
      parseTag("D300:int32[2]:swap", QL).should.containDeep({ swap: true, words: 4 });
      parseTag("D300:int32:swap[2]", QL).arrayLength.should.equal(2);
    });

    it("parses bits of words", () => {
      parseTag("D100.3", QL).should.containDeep({ type: "bool", bit: 3, words: 1 });
      parseTag("D100.f", QL).bit!.should.equal(15);
      parseTag("D100.A:bool", QL).address.should.equal("D100.A");
      parseTag("W10.F", QL).ref.number.should.equal(16);
    });
  });

  describe("errors quote the input and name the problem", () => {
    const cases: [string, string, TagOptions?][] = [
      ["Q100", 'unknown device "Q"'],
      ["DA10", 'unknown device "DA"'],
      ["100", "missing device name"],
      ["D", "missing device number"],
      ["D99999999", "number out of range"],
      ["D1A", 'hex digit in decimal device D: "D1A"'],
      ["XG1", 'unknown device "XG"'],
      ["M0:int16", "type int16 not allowed on bit device M"],
      ["D100.G", "bit index must be 0–F"],
      ["D100.10", "bit index must be 0–F"],
      ["M10.1", "bit index only applies to word devices"],
      ["D100.3:int16", "a bit of a word is bool"],
      ["D100.3[4]", "arrays of word bits are not supported"],
      ["D0:int17", 'unknown type "int17"'],
      ["D0:string", "string type needs a length"],
      ["D0:string(0)", "string length must be"],
      ["D0:int16[0]", "array length must be 1..4096"],
      ["D0:int16[5000]", "array length must be 1..4096"],
      ["D0:int16[x]", "array length must be"],
      ["D0:int16[2][3]", "array length given twice"],
      ["D0:int16:float32", "type already given"],
      ["D0:int32:swap:swap", '"swap" given twice'],
      ["D0:int16:swap", '"swap" does not apply to int16'],
      ["D0:bool", "needs a bit index"],
      ["LTN0", 'exists only on iQ-R (series "iqr")'],
      ["D16777215:int32", "tag runs past the last D number"],
      ["D999999:int32", "tag runs past", { series: "ql", encoding: "ascii" }],
      ["D0:", "empty segment"],
      ["D-1", "invalid characters"],
    ];
    for (const [text, fragment, options] of cases) {
      it(`${text} → ${fragment}`, () => rejects(text, fragment, options ?? QL));
    }

    it("rejects the empty string", () => {
      (() => parseTag("   ", QL)).should.throw(McAddressError, { message: /empty tag address/ });
    });

    it("uses the ASCII digit limits when asked", () => {
      parseTag("D999999", { series: "ql", encoding: "ascii" }).ref.number.should.equal(999999);
      rejects("D1000000", "number out of range", { series: "ql", encoding: "ascii" });
      parseTag("D1000000", QL).ref.number.should.equal(1000000);
      parseTag("D99999999", { series: "iqr", encoding: "ascii" }).ref.number.should.equal(99999999);
    });
  });

  describe("validateTag", () => {
    it("returns null for a valid tag and the message otherwise", () => {
      (validateTag("D100:float32", QL) === null).should.be.true();
      validateTag("Q1", QL)!.should.equal('unknown device "Q" in "Q1"');
    });
  });
});
