/**
 * McClient, the planner and the simulator together over real sockets: every command in every frame,
 * data code, transport and series, every tag type through planWrites/planReads, and the failure modes a
 * poller meets (end codes on one tag, stalls, garbage, restarts, a busy port, leaked sockets).
 */
import "should";
import {
  batchReadBits,
  batchReadWords,
  batchWriteBits,
  batchWriteWords,
  multiBlockRead,
  randomRead,
  randomWriteBits,
  randomWriteWords,
} from "../../lib/mc/commands";
import { McClient, type ClientOptions } from "../../lib/mc/client";
import { type Series, deviceByName } from "../../lib/mc/devices";
import { McError } from "../../lib/mc/errors";
import { executeReadPlan, planReads, planWrites, type TagResult, type WriteItem } from "../../lib/mc/planner";
import { parseTag, type Tag } from "../../lib/mc/tags";
import { type DeviceRef } from "../../lib/mc/wire";
import { PlcSimulator, type SimulatorOptions } from "../../lib/simulator";
import { until } from "../helpers/scripted-peer";

interface Combo {
  readonly frame: "3E" | "4E";
  readonly encoding: "binary" | "ascii";
  readonly transport: "tcp" | "udp";
  readonly series: Series;
}

const COMBOS: Combo[] = (["3E", "4E"] as const).flatMap((frame) =>
  (["binary", "ascii"] as const).flatMap((encoding) =>
    (["tcp", "udp"] as const).flatMap((transport) =>
      (["ql", "iqr"] as const).map((series) => ({ frame, encoding, transport, series })),
    ),
  ),
);

const ref = (name: string, number: number): DeviceRef => ({ device: deviceByName(name)!, number });

async function rejection(p: Promise<unknown>): Promise<McError> {
  try {
    await p;
  } catch (err) {
    return err as McError;
  }
  throw new Error("expected a rejection");
}

/** A started simulator and a client configured to match it; close() releases both. */
async function pair(
  sim: SimulatorOptions,
  client: Partial<ClientOptions> = {},
): Promise<{ sim: PlcSimulator; client: McClient; close: () => Promise<void> }> {
  const s = new PlcSimulator(sim);
  const port = await s.start();
  const c = new McClient({
    host: "127.0.0.1",
    port,
    transport: sim.transport,
    frame: sim.frame,
    encoding: sim.encoding,
    series: sim.series,
    zrHex: sim.zrHex,
    requestTimeoutMs: 2000,
    ...client,
  });
  return {
    sim: s,
    client: c,
    close: async () => {
      c.close();
      await s.stop();
    },
  };
}

function tagOptions(c: { encoding: "binary" | "ascii"; series: Series; zrHex?: boolean }) {
  return { series: c.series, encoding: c.encoding, zrHex: c.zrHex };
}

async function writeThenRead(client: McClient, items: WriteItem[]): Promise<TagResult[]> {
  for (const cmd of planWrites(items, client.format)) await client.request(cmd);
  return executeReadPlan(
    planReads(
      items.map((i) => i.tag),
      client.format,
    ),
    (cmd) => client.request(cmd),
  );
}

function valuesOf(results: TagResult[]): unknown[] {
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/** One value per type the tag syntax knows, on word, bit, hex and file-register devices. */
function roundTripItems(c: Combo): [string, unknown][] {
  const items: [string, unknown][] = [
    ["D100", -1234],
    ["D101:uint16", 54321],
    ["D102:int32", -123456789],
    ["D104:int32:swap", 123456789],
    ["D106:uint32", 4000000000],
    ["D108:float32", 3.25],
    ["D110:float64", Math.PI],
    ["D114:int64", -(2n ** 62n) - 5n],
    ["D118:uint64", 2n ** 64n - 1n],
    ["D122:string(10)", "Hello MC"],
    ["D127:string(5):swap", "abcde"],
    ["D130:int16[4]", [1, -2, 3, -4]],
    ["D134:float32[2]", [1.5, -2.5]],
    ["D138:uint32[2]:swap", [1, 0xfffffffe]],
    ["M10:bool[20]", Array.from({ length: 20 }, (_, i) => i % 3 === 0)],
    ["M100", true],
    ["X1F", true],
    ["Y20:bool[4]", [false, true, true, false]],
    ["B1A", true],
    ["W10:int32", 77777],
    ["W1F", -1],
    ["R5000:int32", -5],
    ["R5002:float64", -1e100],
    ["ZR100", 4242],
    ["ZR65534:uint16", 65535],
  ];
  if (c.series === "iqr") items.push(["LTN10:uint32", 3000000000], ["LCS7", true]);
  return items;
}

describe("MC integration: McClient + planner + PlcSimulator over real sockets", () => {
  for (const combo of COMBOS) {
    describe(`${combo.frame} ${combo.encoding} ${combo.transport} ${combo.series}`, () => {
      let sim: PlcSimulator;
      let client: McClient;
      let close: () => Promise<void>;
      before(async () => ({ sim, client, close } = await pair(combo)));
      after(() => close());

      it("batch writes and reads words", async () => {
        await client.request(batchWriteWords(client.format, ref("D", 200), [1, 0xffff, 0x8000]));
        (await client.request(batchReadWords(client.format, ref("D", 200), 3))).should.eql([
          1, 0xffff, 0x8000,
        ]);
        sim.memory.readWords("D", 200, 3).should.eql([1, 0xffff, 0x8000]);
        // A bit device in word units: 16 points per word, bit 0 = the lowest number.
        sim.memory.writeBits("M", 32, [true, false, true]);
        (await client.request(batchReadWords(client.format, ref("M", 32), 1))).should.eql([0b101]);
      });

      it("batch writes and reads bits, odd counts included", async () => {
        const bits = [true, false, false, true, true];
        await client.request(batchWriteBits(client.format, ref("M", 301), bits));
        (await client.request(batchReadBits(client.format, ref("M", 301), 5))).should.eql(bits);
        sim.memory.readBits("M", 301, 5).should.eql(bits);
      });

      it("random read of words and double words", async () => {
        sim.memory.writeWords("D", 400, [11]);
        sim.memory.writeWords("W", 0x40, [22]);
        sim.memory.writeWords("D", 410, [0x5678, 0x1234]);
        const res = await client.request(
          randomRead(client.format, [ref("D", 400), ref("W", 0x40)], [ref("D", 410)]),
        );
        res.should.eql({ words: [11, 22], dwords: [0x12345678] });
      });

      it("random write of words, double words and bits", async () => {
        await client.request(
          randomWriteWords(
            client.format,
            [{ ref: ref("D", 500), value: 7 }],
            [{ ref: ref("R", 20), value: 0xcafef00d }],
          ),
        );
        sim.memory.readWords("D", 500, 1).should.eql([7]);
        sim.memory.readWords("R", 20, 2).should.eql([0xf00d, 0xcafe]);
        await client.request(
          randomWriteBits(client.format, [
            { ref: ref("M", 700), value: true },
            { ref: ref("Y", 0x1f), value: true },
            { ref: ref("M", 701), value: false },
          ]),
        );
        sim.memory.readBits("M", 700, 2).should.eql([true, false]);
        sim.memory.readBits("Y", 0x1f, 1).should.eql([true]);
      });

      it("multi-block read of word and bit blocks", async () => {
        sim.memory.writeWords("D", 600, [1, 2, 3]);
        sim.memory.writeWords("W", 0x100, [4]);
        sim.memory.writeBits("M", 800, [false, true]);
        const res = await client.request(
          multiBlockRead(
            client.format,
            [
              { ref: ref("D", 600), points: 3 },
              { ref: ref("W", 0x100), points: 1 },
            ],
            [{ ref: ref("M", 800), points: 1 }],
          ),
        );
        res.should.eql({ wordBlocks: [[1, 2, 3], [4]], bitBlocks: [[0b10]] });
      });

      it("reads the CPU model and runs a loopback", async () => {
        const cpu = await client.readCpuModel();
        cpu.should.eql(
          combo.series === "iqr"
            ? { model: "R08CPU", modelCode: 0x4801 }
            : { model: "Q03UDVCPU", modelCode: 0x0366 },
        );
        (await client.loopback("0123456789ABCDEF")).should.equal("0123456789ABCDEF");
      });

      it("switches the CPU by remote STOP, PAUSE and RUN", async () => {
        await client.remote("stop");
        sim.cpuState.should.equal("stop");
        await client.remote("pause", true);
        sim.cpuState.should.equal("pause");
        await client.remote("run");
        sim.cpuState.should.equal("run");
      });

      it("round-trips a tag of every type through planWrites and planReads", async () => {
        const opts = tagOptions(combo);
        const items = roundTripItems(combo).map(([address, value]) => ({
          tag: parseTag(address, opts),
          value,
        }));
        const results = await writeThenRead(client, items);
        valuesOf(results).should.eql(items.map((i) => i.value));
      });
    });
  }

  describe("word order, bits of words and ZR notation", () => {
    let sim: PlcSimulator;
    let client: McClient;
    let close: () => Promise<void>;
    afterEach(() => close());

    it("stores the low word first unless the tag says swap", async () => {
      ({ sim, client, close } = await pair({}));
      const opts = { series: "ql" } as const;
      await writeThenRead(client, [
        { tag: parseTag("D0:int32", opts), value: 0x12345678 },
        { tag: parseTag("D2:int32:swap", opts), value: 0x12345678 },
        { tag: parseTag("D4:float32", opts), value: 1 },
      ]);
      sim.memory.readWords("D", 0, 6).should.eql([0x5678, 0x1234, 0x1234, 0x5678, 0x0000, 0x3f80]);
      // The same words read in the other order give the other value.
      const plan = planReads([parseTag("D0:uint32:swap", opts)], client.format);
      valuesOf(await executeReadPlan(plan, (c) => client.request(c))).should.eql([0x56781234]);
    });

    it("reads single bits of a word", async () => {
      ({ sim, client, close } = await pair({ encoding: "ascii" }));
      sim.memory.writeWords("D", 140, [0b1000_0000_0000_1000]);
      const opts = { series: "ql", encoding: "ascii" } as const;
      const tags = ["D140.3", "D140.2", "D140.F"].map((a) => parseTag(a, opts));
      valuesOf(await executeReadPlan(planReads(tags, client.format), (c) => client.request(c))).should.eql([
        true,
        false,
        true,
      ]);
    });

    for (const zrHex of [false, true]) {
      it(`addresses ZR in ${zrHex ? "hex" : "decimal"} in ASCII frames when both sides agree`, async () => {
        ({ sim, client, close } = await pair({ encoding: "ascii", zrHex }));
        const tag = parseTag(zrHex ? "ZR1F0" : "ZR496", { series: "ql", encoding: "ascii", zrHex });
        tag.ref.number.should.equal(496);
        valuesOf(await writeThenRead(client, [{ tag, value: 321 }])).should.eql([321]);
        sim.memory.readWords("ZR", 496, 1).should.eql([321]);
      });
    }
  });

  describe("failures", () => {
    let sim: PlcSimulator;
    let client: McClient;
    let close: () => Promise<void>;
    afterEach(() => close());

    it("gives a tag outside the PLC's range its end code and the other tags their values", async () => {
      ({ sim, client, close } = await pair({}));
      sim.memory.writeWords("D", 0, [5, 6]);
      sim.memory.writeWords("D", 12286, [7, 8]);
      const opts = { series: "ql" } as const;
      const tags: Tag[] = ["D0", "D1", "D12287:int32", "D12286", "M5"].map((a) => parseTag(a, opts));
      const results = await executeReadPlan(planReads(tags, client.format), (c) => client.request(c));
      results.map((r) => r.ok).should.eql([true, true, false, true, true]);
      results
        .filter((r) => r.ok)
        .map((r) => (r.ok ? r.value : null))
        .should.eql([5, 6, 7, false]);
      const bad = results[2]!;
      if (bad.ok) throw new Error("unreachable");
      bad.error.code.should.equal("MC_END_CODE");
      bad.error.message.should.match(/"D12287:int32": PLC end code 4031/);
    });

    for (const transport of ["tcp", "udp"] as const) {
      it(`times out on a stalled PLC (${transport}) and works again once it answers`, async () => {
        ({ sim, client, close } = await pair({ transport }, { requestTimeoutMs: 150 }));
        (await client.loopback("AB")).should.equal("AB");
        sim.stall(true);
        const err = await rejection(client.loopback("AB"));
        err.should.be.instanceOf(McError);
        err.code.should.equal("MC_TIMEOUT");
        sim.stall(false);
        (await client.loopback("CD")).should.equal("CD");
      });
    }

    it("fails the request with MC_PROTOCOL on garbage (TCP), and the next request reconnects", async () => {
      ({ sim, client, close } = await pair({ frame: "4E" }));
      (await client.loopback("AB")).should.equal("AB");
      sim.sendGarbage(1);
      const err = await rejection(client.loopback("AB"));
      err.code.should.equal("MC_PROTOCOL");
      (await client.loopback("CD")).should.equal("CD");
      sim.stats.connectionsAccepted.should.equal(2);
    });

    it("drops a garbage datagram (UDP): the request times out, the next one works", async () => {
      ({ sim, client, close } = await pair(
        { transport: "udp", encoding: "ascii" },
        { requestTimeoutMs: 150 },
      ));
      sim.sendGarbage(1);
      (await rejection(client.loopback("AB"))).code.should.equal("MC_TIMEOUT");
      (await client.loopback("CD")).should.equal("CD");
    });

    it("reconnects on the next request after the PLC restarts", async () => {
      ({ sim, client, close } = await pair({}));
      const port = sim.port;
      (await client.loopback("AB")).should.equal("AB");
      await sim.stop();
      await until(() => client.state === "disconnected", 2000, "the client to notice");
      sim = new PlcSimulator({ port });
      await sim.start();
      const restarted = sim;
      close = async () => {
        client.close();
        await restarted.stop();
      };
      (await client.loopback("CD")).should.equal("CD");
      sim.stats.connectionsAccepted.should.equal(1);
    });

    it("refuses a second client when maxClients is 1", async () => {
      ({ sim, client, close } = await pair({ maxClients: 1 }));
      (await client.loopback("AB")).should.equal("AB");
      const second = new McClient({ host: "127.0.0.1", port: sim.port, requestTimeoutMs: 1000 });
      try {
        const err = await rejection(second.loopback("AB"));
        err.should.be.instanceOf(McError);
        ["MC_CONNECTION_REFUSED", "MC_CONNECTION_LOST"].should.containEql(err.code);
      } finally {
        second.close();
      }
      sim.stats.connectionsRefused.should.equal(1);
      (await client.loopback("CD")).should.equal("CD");
    });

    it("leaves no socket open on the PLC after close()", async () => {
      ({ sim, client, close } = await pair({ frame: "4E" }));
      await Promise.all([client.loopback("A"), client.loopback("B"), client.readCpuModel()]);
      sim.clientCount.should.equal(1);
      client.close();
      await until(() => sim.clientCount === 0, 2000, "the PLC to see the close");
      (await rejection(client.loopback("C"))).code.should.equal("MC_CLOSED");
    });
  });
});
