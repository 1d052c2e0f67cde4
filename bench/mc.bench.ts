/**
 * MC client figures against the simulator on loopback (no simulated latency), printed, not asserted:
 *   1. a scattered 1 000-tag table: our request count against the planner's lower bound, and wall time
 *      against the npm package `mcprotocol` reading the same tags (3E binary TCP, the only mode both do);
 *   2. single-connection request rate of sequential 1-word reads against a raw TCP echo loop with the
 *      same frame sizes (what node on loopback can do at all);
 *   3. per-read latency of 100 contiguous words, p50/p99.
 * Goals: requests ≤ lower bound + 10 %, time ≤ 0.2× mcprotocol's, rate ≥ 50 % of echo, p50 ≤ 1 ms, p99 ≤ 3 ms.
 */
import * as net from "node:net";
import { McClient } from "../lib/mc/client";
import { batchReadWords } from "../lib/mc/commands";
import { deviceByName } from "../lib/mc/devices";
import { executeReadPlan, planReads, type ReadPlan } from "../lib/mc/planner";
import { parseTag, type Tag } from "../lib/mc/tags";
import { PlcSimulator } from "../lib/simulator";

const ROUNDS = Number(process.env.BENCH_MC_ROUNDS ?? 30);
/** Unmeasured rounds first: connecting and JIT warm-up dominate the first few reads. */
const WARMUP = 5;
const RATE_REQUESTS = Number(process.env.BENCH_MC_RATE_REQUESTS ?? 10_000);
const LATENCY_READS = Number(process.env.BENCH_MC_LATENCY_READS ?? 5_000);

/** Small deterministic PRNG (mulberry32) so every run benchmarks the same tag table. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TableSpec {
  /** Device, its share of the tags, and the highest start number used. */
  readonly devices: readonly (readonly [name: string, share: number, max: number])[];
  /** Word-device types and their shares; bit devices get bool and bool[8]. */
  readonly wordTypes: readonly (readonly [type: string, words: number, share: number])[];
  readonly bitArrays: boolean;
}

export const MIXED: TableSpec = {
  devices: [
    ["D", 0.45, 12000],
    ["R", 0.2, 32000],
    ["W", 0.15, 8000],
    ["M", 0.2, 8000],
  ],
  wordTypes: [
    ["int16", 1, 0.55],
    ["uint16", 1, 0.05],
    ["int32", 2, 0.15],
    ["float32", 2, 0.15],
    ["float64", 4, 0.03],
    ["string(8)", 4, 0.02],
    ["int16[4]", 4, 0.05],
  ],
  bitArrays: true,
};

/** What mcprotocol can read: D and R words as int16 (it has no W device), M bits. */
export const COMPARABLE: TableSpec = {
  devices: [
    ["D", 0.5, 12000],
    ["R", 0.3, 32000],
    ["M", 0.2, 8000],
  ],
  wordTypes: [["int16", 1, 1]],
  bitArrays: false,
};

function choose<T extends readonly unknown[]>(rand: () => number, items: readonly T[], shareAt: number): T {
  let x = rand();
  for (const item of items) {
    x -= item[shareAt] as number;
    if (x <= 0) return item;
  }
  return items[items.length - 1]!;
}

/**
 * A realistic scattered tag table: about 80 % of the tags in clusters (a station's block of registers,
 * packed with small gaps) and 20 % singletons anywhere on the device. Returns address texts.
 */
export function tagTable(spec: TableSpec, count: number, seed: number): string[] {
  const rand = prng(seed);
  const out = new Set<string>();
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  while (out.size < count) {
    const [device, , max] = choose(rand, spec.devices, 1);
    const bit = deviceByName(device)!.kind === "bit";
    const hex = device === "W";
    const clusterSize = rand() < 0.2 ? 1 : int(5, 40);
    let at = int(0, max);
    for (let i = 0; i < clusterSize && out.size < count && at < max; i++) {
      const number = hex ? at.toString(16).toUpperCase() : String(at);
      if (bit) {
        const array = spec.bitArrays && rand() < 0.2;
        out.add(`${device}${number}${array ? ":bool[8]" : ""}`);
        at += (array ? 8 : 1) + (rand() < 0.3 ? int(1, 20) : 0);
      } else {
        const [type, words] = choose(rand, spec.wordTypes, 2);
        out.add(type === "int16" ? `${device}${number}` : `${device}${number}:${type}`);
        at += words + (rand() < 0.3 ? int(1, 6) : 0);
      }
    }
  }
  return [...out];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function timeOurs(
  client: McClient,
  plan: ReadPlan,
): Promise<{ ms: number; requests: number; bad: number }> {
  const times: number[] = [];
  let requests = 0;
  let bad = 0;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    let sent = 0;
    const t0 = performance.now();
    const results = await executeReadPlan(plan, (cmd) => {
      sent++;
      return client.request(cmd);
    });
    const ms = performance.now() - t0;
    if (round < WARMUP) continue;
    times.push(ms);
    requests = sent;
    bad = results.filter((r) => !r.ok).length;
  }
  return { ms: median(times), requests, bad };
}

// mcprotocol ships no types; this is the part of its API the bench uses.
interface McProtocolConnection {
  initiateConnection(
    params: { port: number; host: string; ascii: boolean; frame: "3E" },
    cb: (err?: Error) => void,
  ): void;
  setTranslationCB(cb: (name: string) => string | undefined): void;
  addItems(names: string[]): void;
  readAllItems(cb: (anythingBad: boolean, values: Record<string, unknown>) => void): void;
  dropConnection(): void;
}

/** mcprotocol reading the same tags; its console.log debug output is muted while it runs. */
async function timeMcprotocol(
  port: number,
  sim: PlcSimulator,
  addresses: string[],
): Promise<{ ms: number; requests: number; bad: number } | string> {
  let McProtocol: new () => McProtocolConnection;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    McProtocol = require("mcprotocol") as new () => McProtocolConnection;
  } catch {
    return "npm package mcprotocol not installed";
  }
  const log = console.log;
  console.log = () => undefined;
  const conn = new McProtocol();
  try {
    await new Promise<void>((resolve, reject) =>
      conn.initiateConnection({ port, host: "127.0.0.1", ascii: false, frame: "3E" }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const names = addresses.map((_, i) => `t${i}`);
    conn.setTranslationCB((name) => addresses[Number(name.slice(1))]);
    conn.addItems(names);
    const times: number[] = [];
    let requests = 0;
    let bad = 0;
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const before = sim.stats.requests;
      const t0 = performance.now();
      const values = await new Promise<Record<string, unknown>>((resolve) =>
        conn.readAllItems((_bad, v) => resolve(v)),
      );
      const ms = performance.now() - t0;
      if (round < WARMUP) continue;
      times.push(ms);
      requests = sim.stats.requests - before;
      bad = Object.values(values).filter((v) => typeof v === "string" && v.startsWith("BAD")).length;
    }
    return { ms: median(times), requests, bad };
  } finally {
    conn.dropConnection();
    console.log = log;
  }
}

async function scatteredTags(): Promise<void> {
  const sim = new PlcSimulator();
  const port = await sim.start();
  const client = new McClient({ host: "127.0.0.1", port });
  try {
    console.log(
      "1. 1 000 scattered tags (3E binary TCP, simulator on loopback, median of %d rounds)",
      ROUNDS,
    );
    const mixed = tagTable(MIXED, 1000, 42).map((a) => parseTag(a, { series: "ql" }));
    const mixedPlan = planReads(mixed, client.format);
    const planStart = performance.now();
    for (let i = 0; i < 10; i++) planReads(mixed, client.format);
    const planMs = (performance.now() - planStart) / 10;
    const ours = await timeOurs(client, mixedPlan);
    const words = mixed.reduce((n, t) => n + (t.words || Math.ceil(t.points / 16)), 0);
    console.log(
      "   mixed D/M/W/R table (int16/uint16/int32/float32/float64/string/arrays, bools): %d tags, %d words of data",
      mixed.length,
      words,
    );
    printPlan("   ours", ours, mixedPlan);
    console.log("   planning the table: %s ms (once per tag-table change)", fmt(planMs));

    let requests = 0;
    let bound = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const plan = planReads(
        tagTable(MIXED, 1000, seed).map((a) => parseTag(a, { series: "ql" })),
        client.format,
      );
      requests += plan.requests.length;
      bound += plan.lowerBound;
    }
    console.log(
      "   over 50 such tables: %d requests for a summed lower bound of %d (+%s %%)",
      requests,
      bound,
      fmt((requests / bound - 1) * 100, 1),
    );

    const sim4 = new PlcSimulator({ frame: "4E" });
    const port4 = await sim4.start();
    const c4 = new McClient({ host: "127.0.0.1", port: port4, frame: "4E", maxInFlight: 4 });
    try {
      const ours4 = await timeOurs(c4, planReads(mixed, c4.format));
      console.log("   ours, 4E with 4 requests in flight: %s ms", fmt(ours4.ms));
    } finally {
      c4.close();
      await sim4.stop();
    }

    await frame1E(mixed, mixedPlan, ours.ms);

    const simpleAddresses = tagTable(COMPARABLE, 1000, 7);
    const simple: Tag[] = simpleAddresses.map((a) => parseTag(a, { series: "ql" }));
    const simplePlan = planReads(simple, client.format);
    console.log(
      "   comparable table for mcprotocol (it has no W device and no unsigned/string types): int16 on D/R, bool on M",
    );
    const oursSimple = await timeOurs(client, simplePlan);
    printPlan("   ours", oursSimple, simplePlan);
    const theirs = await timeMcprotocol(port, sim, simpleAddresses);
    if (typeof theirs === "string") {
      console.log("   mcprotocol: skipped (%s)", theirs);
    } else {
      console.log(
        "   mcprotocol: %d requests, %s ms%s",
        theirs.requests,
        fmt(theirs.ms),
        theirs.bad ? `, ${theirs.bad} values BAD` : "",
      );
      console.log(
        "   ratio: requests %s× fewer, time %s× of mcprotocol's (goal ≤ 0.2)",
        fmt(theirs.requests / oursSimple.requests, 1),
        fmt(oursSimple.ms / theirs.ms, 3),
      );
    }
  } finally {
    client.close();
    await sim.stop();
  }
}

/**
 * The same table over the A-compatible 1E frame (FX3U-ENET-ADP limits: 64 words per read, no random or
 * multi-block read), against a 1E simulator: how many more requests the frame costs.
 */
async function frame1E(mixed: readonly Tag[], plan3E: ReadPlan, ms3E: number): Promise<void> {
  const sim = new PlcSimulator({ frame: "1E" });
  const client = new McClient({ host: "127.0.0.1", port: await sim.start(), frame: "1E" });
  try {
    const tags = mixed.map((t) => parseTag(t.address, { series: "ql", frame: "1E" }));
    const plan = planReads(tags, client.format);
    const r = await timeOurs(client, plan);
    printPlan("   ours, 1E binary (FX3U-ENET-ADP limits)", r, plan);
    console.log(
      "   1E vs 3E: %d vs %d requests (%s×), %s vs %s ms",
      plan.requests.length,
      plan3E.requests.length,
      fmt(plan.requests.length / plan3E.requests.length, 1),
      fmt(r.ms),
      fmt(ms3E),
    );
  } finally {
    client.close();
    await sim.stop();
  }
}

function printPlan(label: string, r: { ms: number; requests: number; bad: number }, plan: ReadPlan): void {
  const over = (r.requests / plan.lowerBound - 1) * 100;
  console.log(
    "%s: %d requests (lower bound %d, +%s %%, goal ≤ +10 %%), %d words read incl. gaps, %s ms%s",
    label,
    r.requests,
    plan.lowerBound,
    fmt(over, 1),
    plan.wordsRead,
    fmt(r.ms),
    r.bad ? `, ${r.bad} tags failed` : "",
  );
}

/** A server that answers every `requestSize` bytes with a fixed `response`: the simulator minus the PLC. */
function echoServer(
  requestSize: number,
  response: Buffer,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    let pending = 0;
    s.on("data", (chunk) => {
      pending += chunk.length;
      while (pending >= requestSize) {
        pending -= requestSize;
        s.write(response);
      }
    });
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    ),
  );
}

/** Sequential round trips of raw bytes: write the request, wait for the whole response, repeat. */
async function echoLoop(port: number, request: Buffer, responseSize: number, n: number): Promise<number> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  try {
    return await new Promise<number>((resolve) => {
      let done = 0;
      let got = 0;
      const t0 = performance.now();
      socket.on("data", (chunk) => {
        got += chunk.length;
        while (got >= responseSize) {
          got -= responseSize;
          if (++done === n) return resolve(performance.now() - t0);
          socket.write(request);
        }
      });
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
}

async function requestRate(): Promise<void> {
  const sim = new PlcSimulator();
  const port = await sim.start();
  const client = new McClient({ host: "127.0.0.1", port });
  const D = deviceByName("D")!;
  try {
    console.log("2. single-connection request rate, 1-word batch read, sequential (await each)");
    const cmd = batchReadWords(client.format, { device: D, number: 100 }, 1);
    for (let i = 0; i < 500; i++) await client.request(cmd);
    const t0 = performance.now();
    for (let i = 0; i < RATE_REQUESTS; i++) await client.request(cmd);
    const oursRate = RATE_REQUESTS / ((performance.now() - t0) / 1000);
    // Same sizes as the MC exchange: a 21-byte 3E binary 0401 request, a 13-byte answer with one word.
    const request = Buffer.from("500000ffff03000c00100001040000640000a80100", "hex");
    const response = Buffer.from("d00000ffff0300040000006400", "hex");
    const server = await echoServer(request.length, response);
    let echoRate: number;
    try {
      await echoLoop(server.port, request, response.length, 500);
      echoRate =
        RATE_REQUESTS / ((await echoLoop(server.port, request, response.length, RATE_REQUESTS)) / 1000);
    } finally {
      await server.close();
    }
    console.log(
      "   ours (McClient + simulator): %s req/s; raw TCP echo, 21/13-byte frames: %s req/s; ratio %s %% (goal ≥ 50 %%)",
      fmt(oursRate, 0),
      fmt(echoRate, 0),
      fmt((oursRate / echoRate) * 100, 1),
    );
  } finally {
    client.close();
    await sim.stop();
  }
}

async function latency(): Promise<void> {
  const sim = new PlcSimulator();
  const port = await sim.start();
  const client = new McClient({ host: "127.0.0.1", port });
  const D = deviceByName("D")!;
  try {
    const cmd = batchReadWords(client.format, { device: D, number: 0 }, 100);
    for (let i = 0; i < 500; i++) await client.request(cmd);
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_READS; i++) {
      const t0 = performance.now();
      await client.request(cmd);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    console.log(
      "3. 100 contiguous words, %d reads: p50 %s ms (goal ≤ 1), p99 %s ms (goal ≤ 3), max %s ms",
      LATENCY_READS,
      fmt(percentile(samples, 50), 3),
      fmt(percentile(samples, 99), 3),
      fmt(samples[samples.length - 1]!, 3),
    );
  } finally {
    client.close();
    await sim.stop();
  }
}

export async function run(): Promise<void> {
  await scatteredTags();
  await requestRate();
  await latency();
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
