/**
 * HANDSHAKE benchmark against the simulator with a realistic 5 ms PLC latency:
 *  - PLC mode: transactions per second through full REQ → read → ACK → REQ clear → ACK clear cycles,
 *    against the floor set by the round trips one transaction needs;
 *  - message mode: trigger-to-message latency, against one poll round trip (goal: < 1 round trip + 1 ms).
 *   BENCH_HANDSHAKE_TRANSACTIONS (default 200), BENCH_HANDSHAKE_TRIGGERS (default 200)
 */
import { MessageTriggerGroup } from "../lib/engine/handshake-message";
import {
  type HandshakeMessage,
  PlcHandshakeGroup,
  type TransactionReport,
} from "../lib/engine/handshake-plc";
import { runPlcProgram } from "../lib/simulator/handshake-program";
import { pollOnce } from "../lib/engine/poller";
import { percentile } from "../lib/core/stats";
import { compileTagTable } from "../lib/engine/tag-table";
import { parseTag } from "../lib/mc/tags";
import { PlcPool } from "../lib/pool/pool";
import { PlcSimulator } from "../lib/simulator";

const LATENCY_MS = 5;
const TAG_OPTIONS = { series: "ql", encoding: "binary" } as const;
const ROWS = [
  { name: "part", address: "D200:int32" },
  { name: "weight", address: "D202:float32" },
  { name: "serial", address: "D210:string(16)" },
  { name: "ok", address: "M300" },
];

async function withSim<T>(fn: (sim: PlcSimulator, pool: PlcPool) => Promise<T>): Promise<T> {
  const sim = new PlcSimulator({ latencyMs: LATENCY_MS });
  await sim.start();
  const pool = new PlcPool({
    name: "sim",
    client: { host: "127.0.0.1", port: sim.port, requestTimeoutMs: 1000 },
  });
  pool.register("bench");
  try {
    return await fn(sim, pool);
  } finally {
    pool.close();
    await sim.stop();
  }
}

const median = (xs: number[]): number => percentile(Float64Array.from(xs).sort(), 50);
const f = (x: number, d = 1): string => x.toFixed(d);

async function plcMode(count: number, watchMs: number): Promise<void> {
  await withSim(async (sim, pool) => {
    const table = compileTagTable(ROWS, TAG_OPTIONS, pool.format);
    const group = new PlcHandshakeGroup({
      name: "bench",
      plc: pool,
      format: pool.format,
      table,
      req: parseTag("M100", TAG_OPTIONS),
      ack: parseTag("D10", TAG_OPTIONS),
      sequence: parseTag("D12", TAG_OPTIONS),
      watchMs,
    });
    let delivered = 0;
    const durations: number[] = [];
    group.on("data", (_m: HandshakeMessage) => delivered++);
    group.on("transaction", (t: TransactionReport) => durations.push(t.durationMs));
    group.start();
    await new Promise((r) => setTimeout(r, watchMs + 3 * LATENCY_MS));
    const t0 = performance.now();
    const program = await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      count,
      scanMs: 1,
      writeData: (seq) => sim.memory.writeWords("D", 200, [seq & 0xffff, seq >>> 16]),
    });
    const seconds = (performance.now() - t0) / 1000;
    await group.stop();
    // One transaction needs at least: REQ read, data read, ACK write, REQ read, ACK clear.
    const floorMs = 5 * LATENCY_MS;
    const tps = count / seconds;
    console.log(
      `PLC mode, watch ${watchMs} ms: ${count} transactions in ${f(seconds, 2)} s = ${f(tps)} tx/s; ` +
        `REQ seen→ACK cleared median ${f(median(durations))} ms (4 round trips = ${4 * LATENCY_MS} ms); ` +
        `ratio to the round-trip floor ${f(1000 / floorMs / tps, 2)}×; delivered ${delivered}, retries ${program.retries}`,
    );
  });
}

async function messageMode(count: number): Promise<void> {
  await withSim(async (_sim, pool) => {
    const table = compileTagTable(ROWS, TAG_OPTIONS, pool.format);
    await pollOnce(table, pool, "warm-up");
    const rtts: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await pollOnce(table, pool, "rtt");
      rtts.push(performance.now() - t);
    }
    const group = new MessageTriggerGroup({ name: "bench", plc: pool, table, dedupMs: 0 });
    group.start();
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const got = new Promise<void>((resolve) => group.once("data", () => resolve()));
      void group.request({ i });
      await got;
      latencies.push(performance.now() - t);
    }
    await group.stop();
    const rtt = median(rtts);
    const lat = median(latencies);
    const p99 = percentile(Float64Array.from(latencies).sort(), 99);
    console.log(
      `message mode: trigger→message median ${f(lat, 2)} ms (p99 ${f(p99, 2)}), one poll round trip ${f(rtt, 2)} ms ` +
        `(${table.plan.requests.length} request); overhead ${f(lat - rtt, 2)} ms, ratio ${f(lat / rtt, 3)}× ` +
        `(goal < 1 round trip + 1 ms: ${lat < rtt + 1 ? "met" : "NOT met"})`,
    );
  });
}

export async function run(): Promise<void> {
  const transactions = Number(process.env.BENCH_HANDSHAKE_TRANSACTIONS ?? 200);
  const triggers = Number(process.env.BENCH_HANDSHAKE_TRIGGERS ?? 200);
  console.log(`HANDSHAKE against the simulator, ${LATENCY_MS} ms PLC latency per request`);
  await plcMode(transactions, 10);
  await plcMode(transactions, 100);
  await messageMode(triggers);
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
