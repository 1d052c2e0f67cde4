/**
 * The request hot path, side by side in one process and one run: this package, the npm package
 * `mcprotocol` and a raw TCP echo loop with the same frame sizes (the floor: node on loopback with no
 * protocol work at all). Rounds are interleaved (the order rotates every round) and medians reported,
 * because the machine is shared and noisy; ratios are medians of per-round pairs. (A forced garbage
 * collection before every sample was tried and dropped: it made the next sample 1.5–2× slower.)
 *   1. sequential 1-word reads of D100 (await each)
 *   2. sequential 100-word reads of D0–D99
 *   3. a 1 000-tag scattered table, one whole read per round
 *   4. 4E frames, 1-word reads with 8 requests in flight (mcprotocol has no 4E)
 * For each: reads/s (wall clock) and CPU µs per read (process.cpuUsage, so the in-process simulator or
 * echo server counts too, for every contestant alike), then ours as a ratio of the others.
 * Goals (issue 13): 1-word reads ≥ 80 % of echo and ≥ 1.3× mcprotocol; 100-word reads ≥ 1.3× mcprotocol.
 *   BENCH_HOT_ROUNDS (default 21), BENCH_HOT_READS (reads per round and contestant, default 4 000)
 */
import * as net from "node:net";
import { McClient } from "../lib/mc/client";
import { executeReadPlan, planReads, type ReadPlan, type RequestTarget } from "../lib/mc/planner";
import { parseTag } from "../lib/mc/tags";
import { PlcPool } from "../lib/pool/pool";
import { PlcSimulator } from "../lib/simulator";
import { COMPARABLE, MIXED, tagTable } from "./mc.bench";

const ROUNDS = Number(process.env.BENCH_HOT_ROUNDS ?? 21);
const READS = Number(process.env.BENCH_HOT_READS ?? 4000);
const PLAN_READS = Math.max(5, Math.round(READS / 200));
const IN_FLIGHT = 8;

/** One contestant: `run(n)` performs n reads (or n plan executions) and resolves when all are done. */
interface Contestant {
  readonly name: string;
  run(n: number): Promise<void>;
}

interface Sample {
  readonly ms: number;
  readonly cpuUs: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

async function measure(c: Contestant, n: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await c.run(n);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuUs: cpu.user + cpu.system };
}

interface Result {
  readonly name: string;
  /** Median reads per second. */
  readonly rate: number;
  /** Median CPU µs per read. */
  readonly cpuUs: number;
  /** Lowest and highest reads/s over the rounds: the spread on this machine. */
  readonly min: number;
  readonly max: number;
  /** reads/s and CPU µs per read of every round, in round order (rounds pair the contestants). */
  readonly rounds: readonly { readonly rate: number; readonly cpuUs: number }[];
}

/** Runs every contestant `ROUNDS` times, in a rotated order each round, after one warm-up round each. */
async function compare(title: string, unit: string, n: number, contestants: Contestant[]): Promise<Result[]> {
  console.log(`${title} (${n} per round, median of ${ROUNDS} interleaved rounds)`);
  for (const c of contestants) await c.run(Math.max(1, Math.round(n / 2)));
  const samples = contestants.map((): Sample[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contestants.length; k++) {
      const i = (k + round) % contestants.length;
      samples[i]!.push(await measure(contestants[i]!, n));
    }
  }
  const results = contestants.map((c, i) => {
    const rounds = samples[i]!.map((s) => ({ rate: n / (s.ms / 1000), cpuUs: s.cpuUs / n }));
    const rates = rounds.map((r) => r.rate);
    return {
      name: c.name,
      rate: median(rates),
      cpuUs: median(rounds.map((r) => r.cpuUs)),
      min: Math.min(...rates),
      max: Math.max(...rates),
      rounds,
    };
  });
  for (const r of results) {
    console.log(
      "   %s %s %s/s (%s–%s), CPU %s µs per %s",
      r.name.padEnd(34),
      fmt(r.rate).padStart(7),
      unit,
      fmt(r.min),
      fmt(r.max),
      fmt(r.cpuUs, 1).padStart(6),
      unit,
    );
  }
  return results;
}

/**
 * Ours against each other contestant: the median over rounds of the ratio within a round (the two were
 * measured back to back, so a slow spell of the machine affects both), then the ratio of the medians.
 */
function ratios(results: readonly Result[], ours: string, goals: Record<string, number> = {}): void {
  const us = results.find((r) => r.name === ours)!;
  for (const other of results) {
    if (other === us) continue;
    const goal = goals[other.name];
    const paired = (f: (r: { rate: number; cpuUs: number }) => number) =>
      median(us.rounds.map((r, i) => f(r) / f(other.rounds[i]!)));
    console.log(
      "   %s vs %s: %s× the rate, %s× the CPU (per-round pairs; ratio of medians %s×, %s×)%s",
      ours,
      other.name,
      fmt(
        paired((r) => r.rate),
        2,
      ),
      fmt(
        paired((r) => r.cpuUs),
        2,
      ),
      fmt(us.rate / other.rate, 2),
      fmt(us.cpuUs / other.cpuUs, 2),
      goal === undefined ? "" : ` (goal ≥ ${goal}× the rate)`,
    );
  }
}

/**
 * A server with the simulator's frame sizes and none of its work: answers the k-th whole request
 * (requests framed by their sizes, in script order, cycling) with the k-th scripted answer.
 */
async function echoServer(
  script: readonly { readonly request: Buffer; readonly response: Buffer }[],
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.setNoDelay(true);
    let pending = 0;
    let k = 0;
    s.on("data", (chunk: Buffer) => {
      pending += chunk.length;
      while (pending >= script[k]!.request.length) {
        pending -= script[k]!.request.length;
        s.write(script[k]!.response);
        k = (k + 1) % script.length;
      }
    });
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/**
 * The raw loop: `perRun` round trips per unit of n (1 for single reads, the plan's request count for a
 * plan), `window` requests outstanding at once, raw bytes only.
 */
async function echoContestant(
  name: string,
  script: readonly { readonly request: Buffer; readonly response: Buffer }[],
  window = 1,
): Promise<Contestant & { close(): Promise<void> }> {
  const server = await echoServer(script);
  const socket = net.connect({ port: server.port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return {
    name,
    run: (n) =>
      new Promise<void>((resolve) => {
        const total = n * script.length;
        let sent = 0;
        let done = 0;
        let got = 0;
        const send = () => socket.write(script[sent++ % script.length]!.request);
        const onData = (chunk: Buffer) => {
          got += chunk.length;
          let need = script[done % script.length]!.response.length;
          while (got >= need) {
            got -= need;
            if (++done === total) {
              socket.off("data", onData);
              resolve();
              return;
            }
            if (sent < total) send();
            need = script[done % script.length]!.response.length;
          }
        };
        socket.on("data", onData);
        while (sent < Math.min(window, total)) send();
      }),
    close: async () => {
      socket.destroy();
      await server.close();
    },
  };
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

/** Runs `fn` with console.log muted: mcprotocol logs its every step at its default debug level. */
async function quietly<T>(fn: () => T | Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

/** mcprotocol reading `addresses` with readAllItems, once per unit of n. */
async function mcprotocolContestant(
  port: number,
  addresses: readonly string[],
): Promise<(Contestant & { close(): Promise<void>; bad: number }) | undefined> {
  let McProtocol: new () => McProtocolConnection;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    McProtocol = require("mcprotocol") as new () => McProtocolConnection;
  } catch {
    console.log("   mcprotocol: skipped (npm package not installed)");
    return undefined;
  }
  const conn = new McProtocol();
  await quietly(async () => {
    await new Promise<void>((resolve, reject) =>
      conn.initiateConnection({ port, host: "127.0.0.1", ascii: false, frame: "3E" }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    conn.setTranslationCB((name) => addresses[Number(name.slice(1))]);
    conn.addItems(addresses.map((_, i) => `t${i}`));
  });
  const readOnce = () =>
    new Promise<Record<string, unknown>>((resolve) => conn.readAllItems((_bad, values) => resolve(values)));
  const contestant = {
    name: "npm mcprotocol",
    /** Values it reported BAD in the last read (it cannot read every address of the scattered table). */
    bad: 0,
    run: (n: number) =>
      quietly(async () => {
        for (let i = 0; i < n; i++) {
          const values = await readOnce();
          if (i === n - 1) {
            contestant.bad = Object.values(values).filter(
              (v) => typeof v === "string" && v.startsWith("BAD"),
            ).length;
          }
        }
      }),
    close: () => quietly(() => conn.dropConnection()),
  };
  return contestant;
}

/** The engine's path: plan once, then executeReadPlan per read through a pool or client (as pollOnce does). */
function planContestant(name: string, plan: ReadPlan, target: RequestTarget, concurrency = 1): Contestant {
  return {
    name,
    run: async (n) => {
      let left = n;
      const worker = async () => {
        while (left > 0) {
          left--;
          const results = await executeReadPlan(plan, target, "bench");
          for (const r of results) if (!r.ok) throw r.error;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
  };
}

async function openPool(port: number, frame: "3E" | "4E", maxInFlight?: number): Promise<PlcPool> {
  const pool = new PlcPool({ name: "bench", client: { host: "127.0.0.1", port, frame, maxInFlight } });
  const connected = new Promise<void>((resolve) =>
    pool.on("state", (s: string) => {
      if (s === "connected") resolve();
    }),
  );
  pool.register("bench");
  await connected;
  return pool;
}

/** The request/response byte pairs a plan exchanges, recorded from a real exchange with the simulator. */
async function recordExchange(
  plan: ReadPlan,
  frame: "3E" | "4E",
): Promise<{ request: Buffer; response: Buffer }[]> {
  const sim = new PlcSimulator({ frame });
  const port = await sim.start();
  const requests: Buffer[] = [];
  const responses: Buffer[] = [];
  // A recording proxy between a client and the simulator.
  const proxy = net.createServer((downstream) => {
    const upstream = net.connect({ port, host: "127.0.0.1" });
    downstream.on("data", (b: Buffer) => {
      requests.push(Buffer.from(b));
      upstream.write(b);
    });
    upstream.on("data", (b: Buffer) => {
      responses.push(Buffer.from(b));
      downstream.write(b);
    });
    downstream.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve()));
  const client = new McClient({ host: "127.0.0.1", port: (proxy.address() as net.AddressInfo).port, frame });
  try {
    // 3E: one request in flight, so every chunk is one whole frame on loopback.
    await executeReadPlan(plan, (cmd) => client.request(cmd));
  } finally {
    client.close();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await sim.stop();
  }
  if (requests.length !== responses.length) throw new Error("recording did not pair requests and answers");
  return requests.map((request, i) => ({ request, response: responses[i]! }));
}

async function singleReads(title: string, address: string, n: number, goals: Record<string, number>) {
  const sim = new PlcSimulator();
  const port = await sim.start();
  const client = new McClient({ host: "127.0.0.1", port });
  const pool = await openPool(port, "3E");
  const plan = planReads([parseTag(address, { series: "ql" })], client.format);
  const echo = await echoContestant("raw TCP echo (same frame sizes)", await recordExchange(plan, "3E"));
  const theirs = await mcprotocolContestant(port, [address.replace(":int16[100]", ",100")]);
  try {
    const ours = "ours: plan → pool → client";
    const results = await compare(title, "read", n, [
      echo,
      ...(theirs ? [theirs] : []),
      planContestant(ours, plan, pool),
      planContestant("ours: plan → client", plan, client),
    ]);
    ratios(results, ours, goals);
  } finally {
    await theirs?.close();
    await echo.close();
    pool.close();
    client.close();
    await sim.stop();
  }
}

async function scatteredPlan(): Promise<void> {
  const sim = new PlcSimulator();
  const port = await sim.start();
  const pool = await openPool(port, "3E");
  const addresses = tagTable(COMPARABLE, 1000, 7);
  const plan = planReads(
    addresses.map((a) => parseTag(a, { series: "ql" })),
    pool.format,
  );
  const mixed = planReads(
    tagTable(MIXED, 1000, 42).map((a) => parseTag(a, { series: "ql" })),
    pool.format,
  );
  const echo = await echoContestant(
    `raw TCP echo (our ${plan.requests.length} frames)`,
    await recordExchange(plan, "3E"),
  );
  const theirs = await mcprotocolContestant(port, addresses);
  try {
    const ours = "ours: plan → pool → client";
    const results = await compare(
      "3. 1 000 scattered tags (int16 on D/R, bool on M), whole table",
      "table",
      PLAN_READS,
      [
        echo,
        ...(theirs ? [theirs] : []),
        planContestant(ours, plan, pool),
        planContestant("ours: mixed-type 1 000 tags", mixed, pool),
      ],
    );
    ratios(results, ours);
    if (theirs?.bad) console.log("   mcprotocol reported %d of its values BAD", theirs.bad);
    const us = results.find((r) => r.name === ours)!;
    console.log(
      "   ours: %d requests, %s ms per table; mixed table: %d requests, %s ms",
      plan.requests.length,
      fmt(1000 / us.rate, 3),
      mixed.requests.length,
      fmt(1000 / results.find((r) => r.name === "ours: mixed-type 1 000 tags")!.rate, 3),
    );
  } finally {
    await theirs?.close();
    await echo.close();
    pool.close();
    await sim.stop();
  }
}

async function pipelined(): Promise<void> {
  const sim = new PlcSimulator({ frame: "4E" });
  const port = await sim.start();
  const pool = await openPool(port, "4E", IN_FLIGHT);
  const plan = planReads([parseTag("D100", { series: "ql" })], pool.format);
  const echo = await echoContestant(
    "raw TCP echo (same frame sizes)",
    await recordExchange(plan, "4E"),
    IN_FLIGHT,
  );
  try {
    const ours = "ours: plan → pool → client";
    const results = await compare(`4. 4E, 1-word reads, ${IN_FLIGHT} in flight`, "read", READS, [
      echo,
      planContestant(ours, plan, pool, IN_FLIGHT),
    ]);
    ratios(results, ours);
  } finally {
    await echo.close();
    pool.close();
    await sim.stop();
  }
}

export async function run(): Promise<void> {
  console.log("MC request hot path: 3E binary TCP against the in-process simulator on loopback");
  await singleReads("1. sequential 1-word reads of D100", "D100", READS, {
    "raw TCP echo (same frame sizes)": 0.8,
    "npm mcprotocol": 1.3,
  });
  await singleReads("2. sequential 100-word reads of D0–D99", "D0:int16[100]", Math.round(READS / 2), {
    "npm mcprotocol": 1.3,
  });
  await scatteredPlan();
  await pipelined();
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
