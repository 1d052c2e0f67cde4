/** Fixtures for the planner tests: a fake PLC that checks every request, and generated tag tables. */
import "should";
import { CMD, type Command } from "../../lib/mc/commands";
import { McConnectionError, McEndCodeError } from "../../lib/mc/errors";
import { limitsFor } from "../../lib/mc/limits";
import { executeReadPlan, planReads, type ReadPlan } from "../../lib/mc/planner";
import { parseTag, type Tag, type TagOptions } from "../../lib/mc/tags";
import { decodeBits, decodeTag, type TagValue } from "../../lib/mc/values";
import { type DeviceRef, FieldReader, FieldWriter, type WireFormat } from "../../lib/mc/wire";

export const QL: WireFormat = { encoding: "binary", series: "ql" };
export const QL_ASCII: WireFormat = { encoding: "ascii", series: "ql" };
export const IQR: WireFormat = { encoding: "binary", series: "iqr" };

/** Deterministic PRNG (mulberry32), so a failing shape can be reproduced. */
export function rng(seed: number): () => number {
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
export class FakePlc {
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

  /** The PLC's answer as a promise; a refusal (a throw) becomes a rejection, as on a real connection. */
  send = <T>(cmd: Command<T>): Promise<T> => new Promise<T>((resolve) => resolve(this.answer(cmd)));

  private answer<T>(cmd: Command<T>): T {
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
  }
}

export function tagsOf(texts: readonly string[], format: WireFormat, extra: Partial<TagOptions> = {}): Tag[] {
  return texts.map((t) => parseTag(t, { series: format.series, encoding: format.encoding, ...extra }));
}

/** Plans, executes against a fake PLC, and checks every value and the limits. */
export async function readAll(texts: readonly string[], format: WireFormat, seed = 7): Promise<ReadPlan> {
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
export function realisticTable(count: number, seed: number): string[] {
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
export function clusteredTable(count: number, seed: number): string[] {
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
export function withinBound(plan: ReadPlan): void {
  plan.requests.length.should.be.aboveOrEqual(plan.lowerBound);
  plan.requests.length.should.be.belowOrEqual(
    Math.ceil(plan.lowerBound * 1.1),
    `${plan.requests.length} requests, lower bound ${plan.lowerBound}`,
  );
}
