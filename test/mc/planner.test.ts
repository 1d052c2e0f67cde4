import "should";
import { CMD, type Command } from "../../lib/mc/commands";
import { McConnectionError, McEndCodeError, McValueError } from "../../lib/mc/errors";
import { deviceByName } from "../../lib/mc/devices";
import { limitsFor, type RequestLimits } from "../../lib/mc/limits";
import { lowerBound } from "../../lib/mc/plan-bound";
import { packReads } from "../../lib/mc/plan-pack";
import { mergePieces, type Piece } from "../../lib/mc/plan-pieces";
import { executeReadPlan, planReads, planWrites, type ReadPlan } from "../../lib/mc/planner";
import { parseTag, type Tag, type TagOptions } from "../../lib/mc/tags";
import { decodeBits, decodeTag, type TagValue } from "../../lib/mc/values";
import { type DeviceRef, FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";

const QL: WireFormat = { encoding: "binary", series: "ql" };
const QL_ASCII: WireFormat = { encoding: "ascii", series: "ql" };
const IQR: WireFormat = { encoding: "binary", series: "iqr" };

/** Deterministic PRNG (mulberry32), so a failing shape can be reproduced. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A PLC in memory that decodes each command's request bytes exactly as a PLC would, refuses anything
 * over the protocol limits, and answers through the command's own response decoder. Bit devices are
 * stored as 16-point words, so word and bit access see the same memory.
 */
class FakePlc {
  readonly memory = new Map<string, Uint16Array>();
  readonly sent: Command<unknown>[] = [];
  /** Words (by "DEVICE:wordIndex") whose access answers end code 4031. */
  readonly bad = new Set<string>();
  /** When set, every request touching these words fails with a lost connection instead. */
  readonly unreachable = new Set<string>();

  constructor(
    readonly format: WireFormat,
    seed = 1,
  ) {
    const random = rng(seed);
    for (const name of ["D", "W", "R", "ZR", "M", "X", "Y", "B", "SM", "LTN", "L"]) {
      const mem = new Uint16Array(70000);
      for (let i = 0; i < mem.length; i++) mem[i] = Math.floor(random() * 65536);
      this.memory.set(name, mem);
    }
  }

  private mem(ref: DeviceRef): Uint16Array {
    return this.memory.get(ref.device.name)!;
  }

  private wordIndex(ref: DeviceRef, offset: number): number {
    if (ref.device.kind === "word") return ref.number + offset;
    (ref.number % 16).should.equal(0, "word access to a bit device starts on a multiple of 16");
    return ref.number / 16 + offset;
  }

  private touch(ref: DeviceRef, words: number): void {
    for (let i = 0; i < words; i++) {
      const key = `${ref.device.name}:${this.wordIndex(ref, i)}`;
      if (this.unreachable.has(key)) throw new McConnectionError("MC_CONNECTION_LOST", "connection lost");
      if (this.bad.has(key)) throw new McEndCodeError(0x4031);
    }
  }

  private getWord(ref: DeviceRef, i: number): number {
    return this.mem(ref)[this.wordIndex(ref, i)]!;
  }

  private setWord(ref: DeviceRef, i: number, v: number): void {
    this.mem(ref)[this.wordIndex(ref, i)] = v;
  }

  getBit(ref: DeviceRef, i = 0): boolean {
    const p = ref.number + i;
    return ((this.mem(ref)[p >> 4]! >> (p & 15)) & 1) === 1;
  }

  private setBit(ref: DeviceRef, v: boolean): void {
    const mem = this.mem(ref);
    const p = ref.number;
    mem[p >> 4] = v ? mem[p >> 4]! | (1 << (p & 15)) : mem[p >> 4]! & ~(1 << (p & 15));
  }

  /** The tag's words (word devices) straight from memory, for checking decoded values. */
  expected(tag: Tag): TagValue {
    if (tag.ref.device.kind === "bit") {
      return decodeBits(
        tag,
        Array.from({ length: tag.points }, (_, i) => this.getBit(tag.ref, i)),
      );
    }
    return decodeTag(
      tag,
      Array.from({ length: tag.words }, (_, i) => this.getWord(tag.ref, i)),
    );
  }

  send = async <T>(cmd: Command<T>): Promise<T> => {
    this.sent.push(cmd);
    const w = new FieldWriter(this.format);
    cmd.write(w);
    const r = new FieldReader(w.toBuffer(), this.format);
    const out = new FieldWriter(this.format);
    const limits = limitsFor(this.format);
    const bitUnits = (cmd.subcommand & 1) === 1;
    const iqr = this.format.series === "iqr";
    cmd.subcommand.should.equal((iqr ? 2 : 0) + (bitUnits ? 1 : 0));
    switch (cmd.command) {
      case CMD.BATCH_READ: {
        bitUnits.should.be.false("the planner reads in word units");
        const ref = r.device();
        const n = r.u16();
        n.should.be.within(1, limits.batchWords);
        this.touch(ref, n);
        for (let i = 0; i < n; i++) out.u16(this.getWord(ref, i));
        break;
      }
      case CMD.MULTI_BLOCK_READ: {
        const blocks = r.u8() + r.u8();
        blocks.should.be.within(2, limits.multiBlockBlocks);
        const specs = Array.from({ length: blocks }, () => ({ ref: r.device(), n: r.u16() }));
        specs.reduce((s, b) => s + b.n, 0).should.be.within(1, limits.multiBlockPoints);
        for (const b of specs) this.touch(b.ref, b.n);
        for (const b of specs) for (let i = 0; i < b.n; i++) out.u16(this.getWord(b.ref, i));
        break;
      }
      case CMD.RANDOM_READ: {
        const nw = r.u8();
        const nd = r.u8();
        (nw + nd).should.be.within(1, limits.randomReadPoints);
        const words = Array.from({ length: nw }, () => r.device());
        const dwords = Array.from({ length: nd }, () => r.device());
        for (const ref of words) this.touch(ref, 1);
        for (const ref of dwords) this.touch(ref, 2);
        for (const ref of words) out.u16(this.getWord(ref, 0));
        for (const ref of dwords) out.u32((this.getWord(ref, 0) | (this.getWord(ref, 1) << 16)) >>> 0);
        break;
      }
      case CMD.BATCH_WRITE: {
        const ref = r.device();
        const n = r.u16();
        if (bitUnits) {
          n.should.be.within(1, limits.batchBits);
          r.bits(n).forEach((v, i) => this.setBit({ device: ref.device, number: ref.number + i }, v));
        } else {
          n.should.be.within(1, limits.batchWords);
          r.words(n).forEach((v, i) => this.setWord(ref, i, v));
        }
        break;
      }
      case CMD.RANDOM_WRITE: {
        if (bitUnits) {
          const n = r.u8();
          n.should.be.within(1, limits.randomWriteBits);
          for (let i = 0; i < n; i++) {
            const ref = r.device();
            this.setBit(ref, (iqr ? r.u16() : r.u8()) === 1);
          }
        } else {
          const nw = r.u8();
          const nd = r.u8();
          (nw * 12 + nd * 14).should.be.within(12, limits.randomWriteWordCost);
          for (let i = 0; i < nw; i++) this.setWord(r.device(), 0, r.u16());
          for (let i = 0; i < nd; i++) {
            const ref = r.device();
            const v = r.u32();
            this.setWord(ref, 0, v & 0xffff);
            this.setWord(ref, 1, v >>> 16);
          }
        }
        break;
      }
      default:
        throw new Error(`unexpected command ${cmd.command.toString(16)}`);
    }
    r.remaining.should.equal(0, "request fully consumed");
    return cmd.read(new FieldReader(out.toBuffer(), this.format));
  };
}

function tagsOf(texts: readonly string[], format: WireFormat, extra: Partial<TagOptions> = {}): Tag[] {
  return texts.map((t) => parseTag(t, { series: format.series, encoding: format.encoding, ...extra }));
}

/** Plans, executes against a fake PLC, and checks every value and the limits. */
async function readAll(texts: readonly string[], format: WireFormat, seed = 7): Promise<ReadPlan> {
  const tags = tagsOf(texts, format);
  const plan = planReads(tags, format);
  const plc = new FakePlc(format, seed);
  const results = await executeReadPlan(plan, plc.send);
  results.length.should.equal(tags.length);
  results.forEach((res, i) => {
    if (!res.ok) throw res.error;
    res.value.should.eql(plc.expected(tags[i]!), tags[i]!.address);
  });
  plc.sent.length.should.equal(plan.requests.length);
  return plan;
}

/** A realistic tag table: clustered structures, lone status words, bit arrays and odd types. */
function realisticTable(count: number, seed: number): string[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const out = new Set<string>();
  while (out.size < count) {
    const r = random();
    if (r < 0.35) {
      // a structure: a run of consecutive fields
      const base = Math.floor(random() * 10000);
      const fields = 2 + Math.floor(random() * 12);
      let at = base;
      for (let i = 0; i < fields && out.size < count; i++) {
        const type = pick(["", ":int32", ":float32", ":uint16", ":string(10)", ".3"]);
        const dev = pick(["D", "R"]);
        out.add(`${dev}${at}${type}`);
        at += type === ":int32" || type === ":float32" ? 2 : type === ":string(10)" ? 5 : 1;
      }
    } else if (r < 0.6) {
      out.add(
        `${pick(["D", "R", "D"])}${Math.floor(random() * 12000)}${pick(["", ":float32", ":int32:swap"])}`,
      );
    } else if (r < 0.8) {
      out.add(`M${Math.floor(random() * 8000)}`);
    } else if (r < 0.9) {
      out.add(`W${Math.floor(random() * 0x1800).toString(16)}${pick(["", ":uint16", ".A"])}`);
    } else if (r < 0.95) {
      out.add(`M${Math.floor(random() * 7000)}:bool[${1 + Math.floor(random() * 40)}]`);
    } else {
      out.add(`D${Math.floor(random() * 11000)}:int16[${1 + Math.floor(random() * 100)}]`);
    }
  }
  return [...out];
}

/**
 * The shape bench/mc.bench.ts measures: about 80 % of the tags in clusters (a station's registers with
 * small gaps), 20 % singletons, over D, R, W and M, with 32/64-bit, string, array and bit-array tags.
 */
function clusteredTable(count: number, seed: number): string[] {
  const random = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const devices = [
    ["D", 0.45, 12000],
    ["R", 0.2, 32000],
    ["W", 0.15, 8000],
    ["M", 0.2, 8000],
  ] as const;
  const types = [
    ["", 1, 0.6],
    [":int32", 2, 0.15],
    [":float32", 2, 0.15],
    [":float64", 4, 0.03],
    [":string(8)", 4, 0.02],
    [":int16[4]", 4, 0.05],
  ] as const;
  const choose = <T extends readonly unknown[]>(items: readonly T[], at: number): T => {
    let x = random();
    for (const item of items) if ((x -= item[at] as number) <= 0) return item;
    return items[items.length - 1]!;
  };
  const out = new Set<string>();
  while (out.size < count) {
    const [device, , max] = choose(devices, 1);
    const size = random() < 0.2 ? 1 : int(5, 40);
    let at = int(0, max);
    for (let i = 0; i < size && out.size < count && at < max; i++) {
      const number = device === "W" ? at.toString(16).toUpperCase() : String(at);
      if (device === "M") {
        const array = random() < 0.2;
        out.add(`M${number}${array ? ":bool[8]" : ""}`);
        at += (array ? 8 : 1) + (random() < 0.3 ? int(1, 20) : 0);
      } else {
        const [type, words] = choose(types, 2);
        out.add(`${device}${number}${type}`);
        at += words + (random() < 0.3 ? int(1, 6) : 0);
      }
    }
  }
  return [...out];
}

/** The acceptance goal: at most 10 % over the lower bound, rounded up. */
function withinBound(plan: ReadPlan): void {
  plan.requests.length.should.be.aboveOrEqual(plan.lowerBound);
  plan.requests.length.should.be.belowOrEqual(
    Math.ceil(plan.lowerBound * 1.1),
    `${plan.requests.length} requests, lower bound ${plan.lowerBound}`,
  );
}

describe("read planner", () => {
  describe("request count against the lower bound", () => {
    it("reads a contiguous block in one request", async () => {
      const plan = await readAll(
        Array.from({ length: 100 }, (_, i) => `D${i}`),
        QL,
      );
      plan.requests.length.should.equal(1);
      plan.lowerBound.should.equal(1);
      plan.requests[0]!.command.command.should.equal(CMD.BATCH_READ);
    });

    it("splits an oversize range at 960 words", async () => {
      const plan = await readAll(["D0:int16[3000]", "D3000:float64[500]"], QL);
      plan.lowerBound.should.equal(Math.ceil(5000 / 960));
      plan.requests.length.should.equal(plan.lowerBound);
    });

    it("bridges small gaps and not large ones", async () => {
      const near = planReads(tagsOf(["D0", "D8", "D17"], QL), QL);
      near.requests.length.should.equal(1);
      near.wordsRead.should.equal(18);
      const far = planReads(tagsOf(["D0", "D500"], QL), QL);
      far.requests.length.should.equal(1);
      far.wordsRead.should.equal(2);
      far.requests[0]!.command.command.should.not.equal(CMD.BATCH_READ);
    });

    it("honours maxGap", () => {
      planReads(tagsOf(["D0", "D8"], QL), QL, { maxGap: 0 }).wordsRead.should.equal(2);
      planReads(tagsOf(["D0", "D20"], QL), QL, { maxGap: 20 }).wordsRead.should.equal(21);
      (() => planReads([], QL, { maxGap: -1 })).should.throw(McValueError);
    });

    it("reads bit tags in 16-point words shared with neighbours", async () => {
      const plan = await readAll(["M0", "M5", "M15", "M16:bool[20]", "X1F", "Y0", "B1A"], QL);
      plan.requests.length.should.equal(1);
      plan.wordsRead.should.equal(3 + 1 + 1 + 1);
    });

    it("uses random reads for many isolated words on Q/L", async () => {
      const texts = Array.from({ length: 1000 }, (_, i) => `D${i * 12}`);
      const plan = await readAll(texts, QL);
      withinBound(plan);
    });

    it("packs isolated double words", async () => {
      const texts = Array.from({ length: 600 }, (_, i) => `R${i * 40}:float32`);
      withinBound(await readAll(texts, QL));
      withinBound(await readAll(texts, IQR));
    });

    it("mixes big arrays and scattered words without wasting requests", async () => {
      const texts = ["D0:int16[3500]", ...Array.from({ length: 500 }, (_, i) => `R${i * 20}`)];
      const plan = await readAll(texts, QL);
      withinBound(plan);
      const iqr = await readAll(texts, IQR);
      withinBound(iqr);
    });

    it("mixes bits and words", async () => {
      const random = rng(3);
      const texts = Array.from({ length: 400 }, (_, i) =>
        i % 2 ? `M${Math.floor(random() * 8000)}` : `D${Math.floor(random() * 12000)}`,
      );
      withinBound(await readAll([...new Set(texts)], QL));
    });

    for (const [name, format] of [
      ["Q/L binary", QL],
      ["Q/L ASCII", QL_ASCII],
      ["iQ-R", IQR],
    ] as const) {
      it(`plans 1 000 realistic tags over D, M, W, R within 10 % of the bound (${name})`, async () => {
        for (const seed of [1, 2, 3]) {
          const plan = await readAll(realisticTable(1000, seed), format, seed);
          withinBound(plan);
        }
      });
    }

    it("plans 60 generated clustered 1 000-tag tables (the bench's shape) within 10 % of the bound", async () => {
      let requests = 0;
      let bound = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const format = [QL, QL_ASCII, IQR][seed % 3]!;
        const plan = await readAll(clusteredTable(1000, seed), format, seed);
        withinBound(plan);
        requests += plan.requests.length;
        bound += plan.lowerBound;
      }
      requests.should.be.belowOrEqual(Math.ceil(bound * 1.1), `${requests} requests, summed bound ${bound}`);
    });

    it("plans the test's realistic tables within 10 % of the summed bound", () => {
      let requests = 0;
      let bound = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const plan = planReads(tagsOf(realisticTable(1000, seed), QL), QL);
        withinBound(plan);
        requests += plan.requests.length;
        bound += plan.lowerBound;
      }
      requests.should.be.belowOrEqual(Math.ceil(bound * 1.1), `${requests} requests, summed bound ${bound}`);
    });

    it("proves 1 000 isolated words need 6 requests on Q/L", () => {
      const plan = planReads(
        tagsOf(
          Array.from({ length: 1000 }, (_, i) => `D${i * 12}`),
          QL,
        ),
        QL,
      );
      plan.lowerBound.should.equal(6);
      plan.requests.length.should.equal(6);
    });

    it("plans many random shapes within the bound and the limits", async () => {
      const random = rng(99);
      for (let shape = 0; shape < 30; shape++) {
        const n = 1 + Math.floor(random() * 400);
        const spread = 1 + Math.floor(random() * 60);
        const texts = new Set<string>();
        for (let i = 0; i < n; i++) {
          const at = Math.floor(random() * n * spread);
          texts.add(random() < 0.3 ? `M${at}` : `D${at}${random() < 0.3 ? ":int32" : ""}`);
        }
        const format = shape % 3 === 0 ? IQR : shape % 3 === 1 ? QL_ASCII : QL;
        withinBound(await readAll([...texts], format, shape));
      }
    });

    it("plans nothing for no tags", () => {
      const plan = planReads([], QL);
      plan.requests.length.should.equal(0);
      plan.lowerBound.should.equal(0);
    });
  });

  describe("packing and bound on small limits", () => {
    /** Tiny limits so that exhaustive-looking corners (full blocks, full points, 0403 vs 0406) come up often. */
    const tiny: RequestLimits = {
      batchWords: 12,
      batchBits: 96,
      randomReadPoints: 3,
      randomWriteWordCost: 40,
      randomWriteBits: 3,
      multiBlockPoints: 12,
      multiBlockBlocks: 3,
    };
    const D = deviceByName("D")!;
    const R = deviceByName("R")!;

    it("never bounds above a plan it can build, and every plan keeps the limits and covers every word", () => {
      const random = rng(5);
      for (let shape = 0; shape < 3000; shape++) {
        const n = 1 + Math.floor(random() * 12);
        const pieces: Piece[] = Array.from({ length: n }, () => ({
          device: random() < 0.7 ? D : R,
          start: Math.floor(random() * 60),
          len: 1 + Math.floor(random() * (random() < 0.2 ? 20 : 3)),
        }));
        const islands = mergePieces(pieces, 0);
        const bound = lowerBound(islands, tiny);
        const layout = packReads(islands, tiny, Math.floor(random() * 4), bound);
        const count = layout.blockRequests.length + layout.randomRequests.length;
        count.should.be.aboveOrEqual(bound, `shape ${shape}`);
        const read = new Set<string>();
        for (const r of layout.blockRequests) {
          r.length.should.be.within(1, tiny.multiBlockBlocks);
          r.reduce((s, p) => s + p.len, 0).should.be.within(1, tiny.multiBlockPoints);
          for (const p of r) for (let i = 0; i < p.len; i++) read.add(`${p.device.name}${p.start + i}`);
        }
        for (const r of layout.randomRequests) {
          r.length.should.be.within(1, tiny.randomReadPoints);
          for (const p of r) {
            p.len.should.be.within(1, 2);
            for (let i = 0; i < p.len; i++) read.add(`${p.device.name}${p.start + i}`);
          }
        }
        for (const p of islands) {
          for (let i = 0; i < p.len; i++) read.has(`${p.device.name}${p.start + i}`).should.be.true();
        }
      }
    });
  });

  describe("limits", () => {
    it("keeps random reads within 96 points on iQ-R", async () => {
      const texts = Array.from({ length: 300 }, (_, i) => `D${i * 50}`);
      const plan = await readAll(texts, IQR);
      for (const r of plan.requests) {
        if (r.command.command === CMD.RANDOM_READ) r.blocks.length.should.be.belowOrEqual(96);
      }
    });

    it("refuses iQ-R-only devices on other series", () => {
      const tag = parseTag("LTN10", { series: "iqr" });
      (() => planReads([tag], QL)).should.throw(/needs series "iqr"/);
      planReads([tag], IQR).requests.length.should.equal(1);
    });

    it("reads iQ-R-only devices on iQ-R", async () => {
      await readAll(["LTN10:int32", "D0", "LTN100"], IQR);
    });
  });

  describe("executeReadPlan", () => {
    it("decodes every type from the PLC's memory", async () => {
      await readAll(
        [
          "D0",
          "D1:uint16",
          "D2:int32",
          "D4:int32:swap",
          "D6:float32",
          "D8:float64:swap",
          "D12:int64",
          "D16:uint64",
          "D20:string(7)",
          "D24:string(4):swap",
          "D30.0",
          "D30.F",
          "D31:int16[5]",
          "D40:float32[3]",
          "D50:string(3)[2]",
          "M3",
          "M17:bool[40]",
          "X1F",
          "W1F0:uint32",
          "ZR100",
        ],
        QL_ASCII,
      );
    });

    it("isolates the tag whose words the PLC refuses", async () => {
      const texts = Array.from({ length: 50 }, (_, i) => `D${i * 3}`);
      const tags = tagsOf(texts, QL);
      const plan = planReads(tags, QL);
      plan.requests.length.should.equal(1);
      const plc = new FakePlc(QL);
      plc.bad.add("D:30");
      const results = await executeReadPlan(plan, plc.send);
      results.forEach((res, i) => {
        if (tags[i]!.address === "D30") {
          res.ok.should.be.false();
          if (res.ok) return;
          res.error.should.be.instanceOf(McEndCodeError);
          res.error.message.should.containEql('"D30"');
          res.error.message.should.containEql("4031");
        } else {
          if (!res.ok) throw res.error;
          res.value.should.equal(plc.expected(tags[i]!));
        }
      });
      plc.sent.length.should.equal(1 + 50);
    });

    it("fails every tag of a request on a connection error, without retry", async () => {
      const tags = tagsOf(["D0", "D1", "D2", "D500:int32[400]"], QL);
      const plan = planReads(tags, QL);
      const plc = new FakePlc(QL);
      plc.unreachable.add("D:1");
      const results = await executeReadPlan(plan, plc.send);
      const failed = results.filter((r) => !r.ok);
      failed.length.should.be.aboveOrEqual(3);
      for (const f of failed) if (!f.ok) f.error.should.be.instanceOf(McConnectionError);
      plc.sent.length.should.equal(plan.requests.length);
    });

    it("reports tags spanning several requests", async () => {
      const tags = tagsOf(["D0:int16[2000]", "D5000"], QL);
      const plan = planReads(tags, QL);
      const plc = new FakePlc(QL);
      plc.bad.add("D:1500");
      const results = await executeReadPlan(plan, plc.send);
      results[0]!.ok.should.be.false();
      results[1]!.ok.should.be.true();
    });
  });
});

describe("write planner", () => {
  async function writeAndReadBack(items: [string, unknown][], format: WireFormat): Promise<Command<void>[]> {
    const tags = tagsOf(
      items.map(([t]) => t),
      format,
    );
    const commands = planWrites(
      tags.map((tag, i) => ({ tag, value: items[i]![1] })),
      format,
    );
    const plc = new FakePlc(format);
    for (const c of commands) await plc.send(c);
    const results = await executeReadPlan(planReads(tags, format), plc.send);
    results.forEach((res, i) => {
      if (!res.ok) throw res.error;
      res.value.should.eql(items[i]![1], tags[i]!.address);
    });
    return commands;
  }

  it("writes every type and reads it back", async () => {
    const items: [string, unknown][] = [
      ["D0", -5],
      ["D10:int32:swap", -100000],
      ["D20:float64", Math.PI],
      ["D30:string(5)", "hi"],
      ["D40:uint64", 2n ** 64n - 2n],
      ["D100:int16[20]", Array.from({ length: 20 }, (_, i) => i - 10)],
      ["M5", true],
      ["M6", false],
      ["M100:bool[30]", Array.from({ length: 30 }, (_, i) => i % 3 === 0)],
      ["Y1F", true],
    ];
    for (const format of [QL, QL_ASCII, IQR]) await writeAndReadBack(items, format);
  });

  it("uses 1401 for runs and 1402 for scattered words and bits", async () => {
    const commands = await writeAndReadBack(
      [
        ["D0:int16[50]", Array.from({ length: 50 }, () => 1)],
        ["D1000", 1],
        ["D2000:int32", 2],
        ["M0", true],
        ["M999", true],
      ],
      QL,
    );
    commands
      .map((c) => `${c.command.toString(16)}/${c.subcommand}`)
      .should.eql(["1401/0", "1402/0", "1402/1"]);
  });

  it("merges adjacent items into one batch write and splits at the limits", async () => {
    const items: [string, unknown][] = Array.from({ length: 2000 }, (_, i) => [`D${i}`, i]);
    const commands = await writeAndReadBack(items, QL);
    commands.length.should.equal(3);
    const bits: [string, unknown][] = Array.from({ length: 8000 }, (_, i) => [`M${i}`, i % 2 === 0]);
    (await writeAndReadBack(bits, QL_ASCII)).length.should.equal(Math.ceil(8000 / 3584));
  });

  it("keeps random writes within the cost limits", async () => {
    const words: [string, unknown][] = Array.from({ length: 400 }, (_, i) => [`D${i * 10}:int32`, i]);
    const q = await writeAndReadBack(words, QL);
    q.length.should.equal(Math.ceil(400 / Math.floor(1920 / 14)));
    const r = await writeAndReadBack(words, IQR);
    r.length.should.equal(Math.ceil(400 / Math.floor(960 / 14)));
    const bits: [string, unknown][] = Array.from({ length: 400 }, (_, i) => [`M${i * 10}`, true]);
    (await writeAndReadBack(bits, QL)).length.should.equal(Math.ceil(400 / 188));
    (await writeAndReadBack(bits, IQR)).length.should.equal(Math.ceil(400 / 94));
  });

  it("refuses bits of words, overlapping items and values that do not fit", () => {
    const t = (s: string) => parseTag(s, { series: "ql" });
    (() => planWrites([{ tag: t("D0.3"), value: true }], QL)).should.throw(McValueError, {
      message: /"D0.3".*atomically/,
    });
    (() =>
      planWrites(
        [
          { tag: t("D0:int32"), value: 1 },
          { tag: t("D1"), value: 1 },
        ],
        QL,
      )).should.throw(McValueError, { message: /overlap/ });
    (() => planWrites([{ tag: t("D0"), value: 40000 }], QL)).should.throw(McValueError);
  });
});
