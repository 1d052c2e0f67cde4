import "should";
import { PlcWriteError, TagWriter, WriteRefusedError, parseAllowList } from "../../lib/engine/writer";
import { PlcPool } from "../../lib/pool/pool";
import { PlcSimulator } from "../../lib/simulator";

const TAG_OPTIONS = { series: "ql", encoding: "binary" } as const;
const FORMAT = { encoding: "binary", series: "ql" } as const;

describe("TagWriter", function () {
  let sim: PlcSimulator;
  let pool: PlcPool;

  async function open(options: ConstructorParameters<typeof PlcSimulator>[0] = {}): Promise<void> {
    sim = new PlcSimulator(options);
    await sim.start();
    pool = new PlcPool({ name: "sim", client: { host: "127.0.0.1", port: sim.port, requestTimeoutMs: 500 } });
    pool.register("test");
  }

  afterEach(async () => {
    pool?.close();
    await sim?.stop();
  });

  const writer = (tags: { name: string; address: string }[], extra: object = {}) =>
    new TagWriter(tags, { plcName: "sim", tagOptions: TAG_OPTIONS, format: FORMAT, ...extra });

  it("writes typed values by tag name, and a bare payload to a single tag", async () => {
    await open();
    const w = writer([
      { name: "speed", address: "D100" },
      { name: "total", address: "D200:int32" },
      { name: "temp", address: "D300:float32" },
      { name: "label", address: "D400:string(6)" },
      { name: "run", address: "M10" },
      { name: "big", address: "D500:uint64" },
    ]);
    const res = await w.write(
      { speed: -5, total: 70000, temp: 21.5, label: "ABC", run: true, big: 2n ** 40n },
      pool,
    );
    sim.memory.readWords("D", 100, 1).should.eql([0xfffb]);
    sim.memory.readWords("D", 200, 2).should.eql([70000 & 0xffff, 1]);
    Buffer.from(Uint16Array.from(sim.memory.readWords("D", 300, 2)).buffer)
      .readFloatLE(0)
      .should.equal(21.5);
    sim.memory.readWords("D", 400, 2).should.eql([0x4241, 0x0043]);
    sim.memory.get("M10").should.be.true();
    sim.memory.readWords("D", 500, 4).should.eql([0, 0, 0x100, 0]);
    Object.keys(res.written).length.should.equal(6);
    const single = writer([{ name: "only", address: "D7:uint16" }]);
    await single.write(65535, pool);
    sim.memory.get("D7").should.equal(65535);
  });

  it("batches many tags into few requests (counted by the simulator)", async () => {
    await open();
    const rows = Array.from({ length: 40 }, (_, i) => ({ name: `t${i}`, address: `D${1000 + i * 3}` }));
    const w = writer(rows);
    const before = sim.stats.requests;
    const res = await w.write(Object.fromEntries(rows.map((r, i) => [r.name, i])), pool);
    (sim.stats.requests - before).should.equal(1);
    res.requests.should.equal(1);
    sim.memory.readWords("D", 1000 + 39 * 3, 1).should.eql([39]);
  });

  it("refuses unknown names and addresses unless allowed, and addresses outside the allow-list", async () => {
    await open();
    const strict = writer([{ name: "a", address: "D100" }]);
    (() => strict.resolve({ D200: 1 })).should.throw(WriteRefusedError, {
      message: /unknown tag "D200".*not allowed/,
    });
    const open1 = writer([{ name: "a", address: "D100:int32" }], { allowAddresses: true });
    open1.resolve({ D101: 3 }).items.length.should.equal(1, "inside a configured tag's span");
    (() => open1.resolve({ D102: 1 })).should.throw(/D102 is outside this node's allow-list \(D100:int32\)/);
    const listed = writer([], { allowAddresses: true, allowList: "D1000-D1099, M0-M15; W1A0-W1AF" });
    listed.resolve({ "D1098:int32": 1, M15: true, W1AF: 2 }).items.length.should.equal(3);
    (() => listed.resolve({ "D1099:int32": 1 })).should.throw(/outside/);
    (() => listed.resolve({ X0: true })).should.throw(/outside/);
    const before = sim.stats.requests;
    await listed.write({ D1000: 1, D5000: 2 }, pool).should.be.rejectedWith(/nothing written/);
    sim.stats.requests.should.equal(before, "nothing is sent when one key is refused");
  });

  it("refuses bad values, word bits and malformed allow-lists with the reason", async () => {
    (() => writer([{ name: "b", address: "D100.3" }])).should.throw(/bit of a word/);
    const unused = { name: "unused", request: () => Promise.reject(new Error("must not be sent")) };
    await writer([{ name: "n", address: "D100" }])
      .write({ n: 70000 }, unused)
      .should.be.rejectedWith({ code: "MC_BAD_VALUE" });
    (() => parseAllowList("D10-M20, Q1", TAG_OPTIONS)).should.throw(/same device.*Q1/);
    (() =>
      writer([
        { name: "a", address: "D0" },
        { name: "b", address: "D1" },
      ]).resolve(5)).should.throw(/must be an object/);
  });

  it("end code 0055 becomes a readable error", async () => {
    await open({ onlineChangeDisabled: true });
    const w = writer([{ name: "a", address: "D100" }]);
    const err = (await w.write({ a: 1 }, pool).catch((e: unknown) => e)) as PlcWriteError;
    err.should.be.instanceOf(PlcWriteError);
    err.message.should.match(
      /PLC sim refused the write to D100: PLC is in RUN and online change is disabled \(end code 0055\)/,
    );
    err.code.should.equal("MC_END_CODE");
    err.endCode!.should.equal(0x55);
  });
});
