import "should";
import { CMD, type Command } from "../../lib/mc/commands";
import { McConnectionError, McEndCodeError, McValueError } from "../../lib/mc/errors";
import { deviceByName } from "../../lib/mc/devices";
import { type RequestLimits } from "../../lib/mc/limits";
import { lowerBound } from "../../lib/mc/plan-bound";
import { packReads } from "../../lib/mc/plan-pack";
import { mergePieces, type Piece } from "../../lib/mc/plan-pieces";
import { executeReadPlan, planReads, planWrites } from "../../lib/mc/planner";
import { parseTag } from "../../lib/mc/tags";
import { type WireFormat } from "../../lib/mc/wire";
import {
  IQR,
  QL,
  QL_ASCII,
  FakePlc,
  readAll,
  realisticTable,
  rng,
  tagsOf,
  withinBound,
} from "./planner-fixtures";

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

    it("bridges small gaps and not large ones", () => {
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
