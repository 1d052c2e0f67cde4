import "should";
import { DeviceMemory, generatorStep, parseAddress } from "../../lib/simulator";

describe("simulator device memory", function () {
  it("bit devices read in words see the same bits (bit 0 = lowest point)", function () {
    const mem = new DeviceMemory();
    mem.writeBits("M", 0, [true, false, true, true, ...new Array<boolean>(11).fill(false), true]);
    mem.readWords("M", 0, 1).should.eql([0x800d]);
    mem.writeWords("M", 16, [0x0101]);
    mem.readBits("M", 16, 9).should.eql([true, false, false, false, false, false, false, false, true]);
  });

  it("word access to a bit device may start at any point", function () {
    const mem = new DeviceMemory();
    mem.writeWords("X", 4, [0xffff]);
    mem.readBits("X", 3, 18).should.eql([false, ...new Array<boolean>(16).fill(true), false]);
    mem.readWords("X", 0, 2).should.eql([0xfff0, 0x000f]);
  });

  it("get/set by address text use the device's notation", function () {
    const mem = new DeviceMemory();
    mem.set("D100", 0x1234);
    mem.set("X1F", true);
    mem.set("ZR10", 7);
    mem.get("D100").should.equal(0x1234);
    mem.readBits("X", 31, 1).should.eql([true]);
    mem.readWords("ZR", 10, 1).should.eql([7]);
    parseAddress("lstn3").should.eql({ device: parseAddress("LSTN0").device, number: 3 });
    (() => parseAddress("Q5")).should.throw(/cannot parse/);
  });

  it("sizes come from defaultPoints unless overridden, and are enforced", function () {
    const mem = new DeviceMemory({ sizes: { D: 10 } });
    mem.size("D").should.equal(10);
    mem.size("M").should.equal(8192);
    (() => mem.readWords("D", 9, 2)).should.throw(/outside/);
    (() => mem.readWords("M", 8192 - 8, 1)).should.throw(/outside/);
    (() => mem.readBits("D", 0, 1)).should.throw(/word device/);
  });

  it("generators produce their documented sequences", function () {
    const mem = new DeviceMemory();
    const counter = generatorStep(mem, { address: "D0", kind: "counter", periodMs: 10, step: 0x8000 });
    counter(1);
    counter(2);
    counter(3);
    mem.get("D0").should.equal(0x8000);
    const sine = generatorStep(mem, {
      address: "D1",
      kind: "sine",
      periodMs: 10,
      amplitude: 100,
      cycleMs: 40,
    });
    const wave = [1, 2, 3, 4].map((n) => (sine(n), mem.readWords("D", 1, 1)[0]));
    wave.should.eql([100, 0, 0x10000 - 100, 0]);
    const walk = generatorStep(mem, {
      address: "D2",
      kind: "randomWalk",
      periodMs: 10,
      step: 10,
      min: -15,
      random: () => 0,
    });
    walk(1);
    walk(2);
    mem.get("D2").should.equal(0x10000 - 15);
    const toggle = generatorStep(mem, { address: "M4", kind: "toggle", periodMs: 10 });
    toggle(1);
    mem.get("M4").should.be.true();
    toggle(2);
    mem.get("M4").should.be.false();
    (() => generatorStep(mem, { address: "D99999", kind: "counter", periodMs: 10 })).should.throw(/outside/);
  });
});
