/**
 * The 1E frame end to end over real sockets: our client and planner against the 1E simulator in every
 * encoding and transport, and against an independent peer that replays frames captured from the
 * manuals and from FX3U-ENET-L hardware byte for byte (so our encoder is checked against a server it
 * did not build).
 */
import "should";
import fc from "fast-check";
import { McClient } from "../../lib/mc/client";
import { batchReadBits1E, batchReadWords1E } from "../../lib/mc/commands-1e";
import { deviceByName } from "../../lib/mc/devices";
import { McEndCodeError, McError, McProtocolError, McTimeoutError } from "../../lib/mc/errors";
import { LIMITS_1E } from "../../lib/mc/limits";
import { executeReadPlan, planReads, planWrites } from "../../lib/mc/planner";
import { parseTag, type Tag } from "../../lib/mc/tags";
import { type Encoding } from "../../lib/mc/wire";
import { PlcSimulator } from "../../lib/simulator";
import { startPeer1E } from "../helpers/peer-1e";

const FX = { series: "ql", frame: "1E", octalXY: true } as const;
const D = deviceByName("D")!;
const M = deviceByName("M")!;
const X = deviceByName("X")!;

async function readTags(client: McClient, tags: Tag[]): Promise<unknown[]> {
  const results = await executeReadPlan(planReads(tags, client.format), (c) => client.request(c));
  return results.map((r) => {
    if (!r.ok) throw r.error;
    return r.value;
  });
}

async function writeTags(client: McClient, pairs: [string, unknown][]): Promise<number> {
  const commands = planWrites(
    pairs.map(([a, value]) => ({ tag: parseTag(a, FX), value })),
    client.format,
  );
  for (const c of commands) await client.request(c);
  return commands.length;
}

for (const encoding of ["binary", "ascii"] as const) {
  for (const transport of ["tcp", "udp"] as const) {
    describe(`1E ${encoding} over ${transport.toUpperCase()}: client against the simulator`, () => {
      let sim: PlcSimulator;
      let client: McClient;

      beforeEach(async () => {
        sim = new PlcSimulator({ frame: "1E", encoding, transport });
        const port = await sim.start();
        client = new McClient({ host: "127.0.0.1", port, frame: "1E", encoding, transport });
      });

      afterEach(async () => {
        client.close();
        await sim.stop();
      });

      it("writes and reads words, bits and scattered points with batch (00–03) and test (04/05) commands", async () => {
        const long = Array.from({ length: 150 }, (_, i) => i * 7 - 500);
        const flags = Array.from({ length: 170 }, (_, i) => i % 3 === 0);
        const pairs: [string, unknown][] = [
          ["D100", -1234],
          ["D102:int32", 305419896],
          ["D110:float32", -2.5],
          ["R40:string(6)", "FX3U"],
          ["D1000:int16[150]", long],
          ["M5", true],
          ["Y17", true],
          ["M100:bool[170]", flags],
          ["S38", true],
          ["CN18", 80],
        ];
        await writeTags(client, pairs);
        (
          await readTags(
            client,
            pairs.map(([a]) => parseTag(a, FX)),
          )
        ).should.eql(pairs.map(([, v]) => v));
        // Y17 is octal: point 15.
        sim.memory.readBits("Y", 15, 1).should.eql([true]);
        Object.keys(sim.stats.byCommand).sort().should.eql(["01", "02", "03", "04", "05"]);
      });

      it("reads bits in bit units (00) and a bit device in words (01)", async () => {
        sim.memory.writeBits(X, 0o20, [true, false, true, true, false]);
        (await client.request(batchReadBits1E({ device: X, number: 0o20 }, 5))).should.eql([
          true,
          false,
          true,
          true,
          false,
        ]);
        (await client.request(batchReadWords1E({ device: X, number: 0o20 }, 1))).should.eql([0b01101]);
      });

      it("remote STOP and RUN change the CPU state; model read and loopback answer; PAUSE is refused", async () => {
        await client.remote("stop");
        sim.cpuState.should.equal("stop");
        await client.remote("run");
        sim.cpuState.should.equal("run");
        (await client.readCpuModel()).should.eql({ model: "FX3U/FX3UC", modelCode: 0xf3 });
        (await client.loopback("0123456789ABCDEF")).should.equal("0123456789ABCDEF");
        await client
          .remote("pause")
          .should.be.rejectedWith({ name: "McValueError", message: /no remote PAUSE/ });
      });

      it("end codes arrive as typed errors naming the 1E meaning, and the connection stays usable", async () => {
        const err = (await client
          .request(batchReadWords1E({ device: D, number: 12280 }, 64))
          .catch((e: unknown) => e)) as McEndCodeError;
        err.should.be.instanceOf(McEndCodeError);
        err.code.should.equal("MC_END_CODE");
        err.endCode.should.equal(0x57);
        err.message.should.match(
          /end code 57H \(1E\): point count over the command's limit, past the device range/,
        );
        (await client.request(batchReadWords1E({ device: D, number: 0 }, 1))).should.eql([0]);
      });
    });
  }
}

describe("1E client: PC No., faults and time-outs", () => {
  let sim: PlcSimulator;
  let port: number;
  const clients: McClient[] = [];
  const connect = (opts: Partial<ConstructorParameters<typeof McClient>[0]> = {}) => {
    const c = new McClient({ host: "127.0.0.1", port, frame: "1E", ...opts });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    sim = new PlcSimulator({ frame: "1E" });
    port = await sim.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.stop();
  });

  it("a PC No. other than FFH gets end code 5BH with abnormal code 10H", async () => {
    const client = connect({ route: { pc: 1 } });
    const err = (await client
      .request(batchReadWords1E({ device: D, number: 0 }, 1))
      .catch((e: unknown) => e)) as McEndCodeError;
    err.endCode.should.equal(0x5b);
    err.frame1E!.abnormalCode!.should.equal(0x10);
    err.message.should.match(/abnormal code 10H, PC No. error/);
  });

  it("a forced end code and garbage fail only their request; the next one succeeds", async () => {
    const client = connect();
    sim.failNext(0x56);
    await client
      .request(batchReadWords1E({ device: D, number: 0 }, 1))
      .should.be.rejectedWith({ name: "McEndCodeError", endCode: 0x56 });
    sim.sendGarbage(1);
    await client
      .request(batchReadWords1E({ device: D, number: 0 }, 1))
      .should.be.rejectedWith(McProtocolError);
    sim.memory.writeWords(D, 0, [42]);
    (await client.request(batchReadWords1E({ device: D, number: 0 }, 1))).should.eql([42]);
  });

  it("a silent PLC times out and the next request, on a new connection, gets its own answer", async () => {
    const client = connect({ requestTimeoutMs: 100 });
    sim.memory.writeWords(D, 0, [7]);
    sim.stall(true);
    await client
      .request(batchReadWords1E({ device: D, number: 0 }, 1))
      .should.be.rejectedWith(McTimeoutError);
    sim.stall(false);
    (await client.request(batchReadWords1E({ device: D, number: 0 }, 1))).should.eql([7]);
    sim.stats.connectionsAccepted.should.equal(2);
  });
});

describe("1E planning reaches its lower bound and reads what was written", () => {
  let sim: PlcSimulator;
  let client: McClient;
  before(async () => {
    sim = new PlcSimulator({ frame: "1E" });
    client = new McClient({ host: "127.0.0.1", port: await sim.start(), frame: "1E" });
  });
  after(async () => {
    client.close();
    await sim.stop();
  });

  /** The fewest windows of `max` words covering `words` (sorted), by dynamic programming from the right. */
  function fewestWindows(words: number[], max: number): number {
    const best = new Array<number>(words.length + 1).fill(0);
    for (let i = words.length - 1; i >= 0; i--) {
      let j = i;
      while (j < words.length && words[j]! < words[i]! + max) j++;
      best[i] = 1 + best[j]!;
    }
    return best[0] ?? 0;
  }

  it("random tag tables: requests = lower bound = the fewest windows, every value read back", async function () {
    this.timeout(60_000);
    const tagArb = fc.oneof(
      fc.record({
        dev: fc.constant("D"),
        n: fc.integer({ min: 0, max: 3000 }),
        len: fc.integer({ min: 1, max: 80 }),
      }),
      fc.record({
        dev: fc.constant("M"),
        n: fc.integer({ min: 0, max: 3000 }),
        len: fc.integer({ min: 1, max: 40 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(tagArb, { minLength: 1, maxLength: 30 }), async (specs) => {
        // Distinct, non-overlapping tags so every write lands where its read expects it.
        const used = new Map<string, Set<number>>();
        const pairs: [string, unknown][] = [];
        for (const s of specs) {
          const set = used.get(s.dev) ?? new Set<number>();
          used.set(s.dev, set);
          const points = Array.from({ length: s.len }, (_, i) => s.n + i);
          if (points.some((p) => set.has(p))) continue;
          for (const p of points) set.add(p);
          const value =
            s.dev === "D" ? points.map((p) => (p * 31) % 30000) : points.map((p) => (p * 7) % 3 === 0);
          pairs.push([`${s.dev}${s.n}:${s.dev === "D" ? "int16" : "bool"}[${s.len}]`, value]);
        }
        const tags = pairs.map(([a]) => parseTag(a, FX));
        const plan = planReads(tags, client.format);
        plan.requests.length.should.equal(plan.lowerBound);
        const wordsOf = (dev: string, perWord: number) =>
          [...new Set([...(used.get(dev) ?? [])].map((p) => Math.floor(p / perWord)))].sort((a, b) => a - b);
        const fewest =
          fewestWindows(wordsOf("D", 1), LIMITS_1E.wordDeviceWords) +
          fewestWindows(wordsOf("M", 16), LIMITS_1E.bitDeviceWords);
        plan.requests.length.should.equal(fewest);
        await writeTags(client, pairs);
        (await readTags(client, tags)).should.eql(pairs.map(([, v]) => v));
      }),
      { numRuns: 20 },
    );
  });
});

describe("our 1E client against captured frames replayed by an independent peer", () => {
  /** Request → response pairs exactly as the sources print them (see test/mc/frame-1e.test.ts). */
  const CAPTURED: Record<Encoding, [string, string][]> = {
    ascii: [
      // [ENETL] FX3U-16M + FX3U-ENET-L hardware transcript.
      ["01FF000A4420000000000A00", "8100000A000B000C00000000051B0000000000000000"],
      ["03FF000A4420000000050100051C", "8300"],
      ["02FF000A592000000000010010", "8200"],
      // [FX-ENET] 9.4–9.5.
      ["15FF000A", "9500F300"],
      ["14FF000A", "9400"],
    ],
    binary: [
      // [FX-ADP] p.56–57 (M100–M107) and [iQR-MC] p.406 (Y40, 2 words).
      ["00FF0A0064000000204D0800", "800010100110"],
      ["01FF0A0040000000205902 00".replace(" ", ""), "81009D823E55"],
      ["15FF0A00", "9500F400"],
      ["13FF0A00", "9300"],
      // [FX-ENET] 9-5: abnormal completion.
      ["00FF0A0000000000204D0400", "805B1200"],
    ],
  };

  for (const transport of ["tcp", "udp"] as const) {
    for (const encoding of ["ascii", "binary"] as const) {
      it(`sends the captured requests and decodes the captured answers (${encoding}, ${transport.toUpperCase()})`, async () => {
        const table = new Map(
          CAPTURED[encoding].map(([req, res]) => [
            req,
            encoding === "ascii" ? Buffer.from(res, "latin1") : Buffer.from(res, "hex"),
          ]),
        );
        const seen = (b: Buffer) =>
          encoding === "ascii" ? b.toString("latin1") : b.toString("hex").toUpperCase();
        const unknown: string[] = [];
        const peer = await startPeer1E(transport, encoding, (req, send) => {
          const res = table.get(seen(req));
          if (res) send(res);
          else unknown.push(seen(req));
        });
        const client = new McClient({
          host: "127.0.0.1",
          port: peer.port,
          frame: "1E",
          encoding,
          transport,
          monitoringTimer: 10,
          requestTimeoutMs: 1000,
        });
        try {
          if (encoding === "ascii") {
            (await client.request(batchReadWords1E({ device: D, number: 0 }, 10))).should.eql([
              10, 11, 12, 0, 0, 1307, 0, 0, 0, 0,
            ]);
            // A single word and a single bit are batch writes (03/02), as in the transcript.
            (await writeTags(client, [["D5:uint16", 0x051c]])).should.equal(1);
            (await writeTags(client, [["Y0", true]])).should.equal(1);
            (await client.readCpuModel()).should.eql({ model: "FX3U/FX3UC", modelCode: 0xf3 });
            await client.remote("stop");
          } else {
            (await client.request(batchReadBits1E({ device: M, number: 100 }, 8))).should.eql([
              true,
              false,
              true,
              false,
              false,
              true,
              true,
              false,
            ]);
            (
              await client.request(batchReadWords1E({ device: deviceByName("Y")!, number: 0x40 }, 2))
            ).should.eql([0x829d, 0x553e]);
            (await client.readCpuModel()).should.eql({ model: "FX3G", modelCode: 0xf4 });
            await client.remote("run");
            const err = (await client
              .request(batchReadBits1E({ device: M, number: 0 }, 4))
              .catch((e: unknown) => e)) as McError;
            err.should.be.instanceOf(McEndCodeError);
            (err as McEndCodeError).frame1E!.abnormalCode!.should.equal(0x12);
          }
          unknown.should.eql([]);
        } finally {
          client.close();
          await peer.close();
        }
      });
    }
  }
});
