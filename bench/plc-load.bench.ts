/**
 * PLC request budget (issue 9): FIXED groups of 10 word tags at 100 ms on one PLC that takes 5 ms per
 * request (`jsscada-mc sim --latency 5` in a child process, 3E: one request at a time per connection).
 * Groups share requests (the default) or each has its own (opt-out, what every group did before).
 *
 * Measured from outside the engine: the arrival time of every data message, stamped as it is emitted.
 * missed:  1 − messages received / (groups × measured time / interval).
 * jitter:  per group, arrival minus its ideal grid (its earliest arrival phase + k·interval), p50/p99
 *          over all messages: what a consumer of the values sees.
 * req/s, busy %: the pool's own load figures (busy = time with a request outstanding per connection).
 * bound:   the lower bound of requests per second for the load: every 100 ms, the planner's lower bound
 *          for all the groups' tags read together.
 * Env BENCH_PLC_SECONDS (default 5 per case), BENCH_PLC_ROUNDS (default 1; the cases are interleaved
 * and each figure is the median over the rounds), BENCH_PLC_CASES (e.g. "shared-50,own-50").
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { FixedGroup, type GroupMessage } from "../lib/engine/fixed-group";
import { SharedReads } from "../lib/engine/shared-reads";
import { percentile } from "../lib/core/stats";
import { type TagDefinition, compileTagTable } from "../lib/engine/tag-table";
import { planReads } from "../lib/mc/planner";
import { PlcPool } from "../lib/pool/pool";

const INTERVAL_MS = 100;
const LATENCY_MS = 5;

function startSimulator(): Promise<{ child: ChildProcess; port: number }> {
  const cli = path.join(__dirname, "..", "lib", "cli", "main.js");
  const args = [cli, "sim", "--port", "0", "--latency", String(LATENCY_MS)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /port (\d+)/.exec(text);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** A machine station's 10 words, scattered over its own 32-word area (deterministic per station). */
function stationRows(g: number): TagDefinition[] {
  let seed = g * 7919 + 17;
  const random = (): number => ((seed = (seed * 48271) % 2147483647) - 1) / 2147483646;
  const offsets = new Set<number>();
  while (offsets.size < 10) offsets.add(Math.floor(random() * 32));
  return [...offsets].map((o, i) => ({ name: `w${i}`, address: `D${g * 32 + o}` }));
}

interface Case {
  name: string;
  groups: number;
  shared: boolean;
  connections: number;
}

interface Result extends Case {
  missedPct: number;
  jitterP50: number;
  jitterP99: number;
  requestsPerSec: number;
  busyPct: number;
  boundPerSec: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runCase(port: number, c: Case, seconds: number): Promise<Result> {
  const pool = new PlcPool({
    name: "bench",
    client: { host: "127.0.0.1", port, requestTimeoutMs: 10_000 },
    connections: c.connections,
  });
  pool.register("bench");
  const reads = new SharedReads(pool, pool.format, { sink: pool.load });
  const arrivals: number[][] = [];
  let measuring = false;
  const tables = Array.from({ length: c.groups }, (_, g) =>
    compileTagTable(stationRows(g), { series: "ql" }, pool.format),
  );
  const bound = planReads(
    tables.flatMap((t) => t.tags),
    pool.format,
  ).lowerBound;
  const groups = tables.map((table, g) => {
    const group = new FixedGroup({
      name: `station${g}`,
      plc: pool,
      table,
      intervalMs: INTERVAL_MS,
      output: { format: "object", changedOnly: false },
      reads,
      shareReads: c.shared,
    });
    const mine: number[] = [];
    arrivals.push(mine);
    group.on("data", (_m: GroupMessage) => {
      if (measuring) mine.push(performance.now());
    });
    group.on("poll-error", () => undefined);
    return group;
  });
  // Deploys start groups one after the other, not in the same millisecond.
  for (const g of groups) {
    g.start();
    await sleep(Math.random() * 3);
  }
  await sleep(1000);
  measuring = true;
  pool.load.reset();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = performance.now() - t0;
  const load = pool.load.snapshot();
  await Promise.all(groups.map((g) => g.stop()));
  pool.close();

  const expected = c.groups * (elapsed / INTERVAL_MS);
  const received = arrivals.reduce((n, a) => n + a.length, 0);
  const jitters: number[] = [];
  for (const a of arrivals) {
    if (a.length === 0) continue;
    const slots = a.map((t) => Math.round((t - a[0]!) / INTERVAL_MS));
    const phase = Math.min(...a.map((t, i) => t - slots[i]! * INTERVAL_MS));
    a.forEach((t, i) => jitters.push(t - (phase + slots[i]! * INTERVAL_MS)));
  }
  jitters.sort((x, y) => x - y);
  return {
    ...c,
    missedPct: Math.max(0, (1 - received / expected) * 100),
    jitterP50: jitters.length ? percentile(jitters, 50) : NaN,
    jitterP99: jitters.length ? percentile(jitters, 99) : NaN,
    requestsPerSec: load.requestsPerSec,
    busyPct: load.busyPercent,
    boundPerSec: bound * (1000 / INTERVAL_MS),
  };
}

const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_PLC_SECONDS ?? 5);
  const rounds = Math.max(1, Number(process.env.BENCH_PLC_ROUNDS ?? 1));
  const cases: Case[] = [];
  for (const n of [10, 20, 50, 100]) {
    cases.push({ name: `shared-${n}`, groups: n, shared: true, connections: 1 });
    cases.push({ name: `own-${n}`, groups: n, shared: false, connections: 1 });
  }
  for (const k of [2, 4]) {
    cases.push({ name: `shared-50x${k}`, groups: 50, shared: true, connections: k });
    cases.push({ name: `own-50x${k}`, groups: 50, shared: false, connections: k });
  }
  const only = (process.env.BENCH_PLC_CASES ?? "").split(",").filter(Boolean);
  const chosen = cases.filter((c) => only.length === 0 || only.includes(c.name));
  const { child, port } = await startSimulator();
  const results = new Map<string, Result[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const c of chosen) {
        const r = await runCase(port, c, seconds);
        results.set(c.name, [...(results.get(c.name) ?? []), r]);
      }
    }
  } finally {
    child.kill("SIGINT");
  }
  console.log(
    `PLC load: groups of 10 scattered words at ${INTERVAL_MS} ms, simulator with ${LATENCY_MS} ms per request (3E), ` +
      `${seconds} s a case, ${rounds > 1 ? `medians of ${rounds} interleaved rounds` : "1 round"}`,
  );
  console.log("  groups  reads   conn  missed   jitter p50  p99     req/s  busy %  bound req/s");
  for (const c of chosen) {
    const rs = results.get(c.name)!;
    const m = (f: (r: Result) => number): number => median(rs.map(f));
    console.log(
      `  ${String(c.groups).padStart(6)}  ${(c.shared ? "shared" : "own").padEnd(6)}  ${String(c.connections).padStart(4)}  ` +
        `${m((r) => r.missedPct)
          .toFixed(1)
          .padStart(5)} %  ${m((r) => r.jitterP50)
          .toFixed(1)
          .padStart(6)} ms ` +
        `${m((r) => r.jitterP99)
          .toFixed(1)
          .padStart(6)} ms  ${m((r) => r.requestsPerSec)
          .toFixed(0)
          .padStart(6)}  ` +
        `${m((r) => r.busyPct)
          .toFixed(0)
          .padStart(5)} %  ${rs[0]!.boundPerSec.toFixed(0).padStart(6)}`,
    );
  }
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
