/**
 * A HANDSHAKE group on a PLC whose FIXED groups share their reads (issue 9): the shared reads must not
 * touch the handshake's data reads, REQ watch or ACK writes. Real sockets, the simulator, one
 * connection (the most contention), wired as the nodes wire them (nodes/runtime.ts): one SharedReads
 * and one REQ-watch reader per PLC pool. About 3 s.
 */
import "should";
import { FixedGroup, type GroupMessage } from "../../lib/engine/fixed-group";
import { PlcHandshakeGroup } from "../../lib/engine/handshake-plc";
import { type PollError } from "../../lib/engine/poller";
import { ReadCoalescer } from "../../lib/engine/read-coalescer";
import { SharedReads } from "../../lib/engine/shared-reads";
import { compileTagTable } from "../../lib/engine/tag-table";
import { parseTag } from "../../lib/mc/tags";
import { PlcPool } from "../../lib/pool/pool";
import { PlcSimulator } from "../../lib/simulator";
import { runPlcProgram } from "../../lib/simulator/handshake-program";
import { recordHandshake } from "../helpers/handshake";
import { until } from "../helpers/scripted-peer";

const TAG_OPTIONS = { series: "ql", encoding: "binary" } as const;
const TRANSACTIONS = 200;

/** What the PLC program writes for transaction `seq`: the handshake reads it back. */
function partOf(seq: number) {
  return {
    part: seq * 1000 + 7,
    weight: (seq * 37) % 5000,
    name: `P${seq}`.padEnd(6, "_"),
    ok: seq % 3 === 0,
  };
}

describe("HANDSHAKE group beside FIXED groups that share reads (one simulated PLC)", function () {
  this.timeout(60_000);
  let sim: PlcSimulator;
  let pool: PlcPool;
  const abort = new AbortController();
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    sim = new PlcSimulator();
    await sim.start();
    pool = new PlcPool({ name: "sim", client: { host: "127.0.0.1", port: sim.port }, connections: 1 });
    pool.register("test");
    await until(() => pool.state === "connected", 5000, "the PLC connected");
  });

  after(async () => {
    abort.abort();
    for (const stop of stops) await stop();
    pool.close();
    await sim.stop();
  });

  it("every transaction answered once with its own data, while FIXED groups share reads around it", async () => {
    // Stable words and bits the FIXED groups read, overlapping one another; some of them also read the
    // handshake's data words and its sequence and ACK words, which change under them.
    const still = Array.from({ length: 64 }, (_, i) => (i * 977 + 13) & 0xffff);
    sim.memory.writeWords("D", 3000, still);
    for (let i = 0; i < 16; i++) sim.memory.set(`M${500 + i}`, i % 3 === 1);
    const reads = new SharedReads(pool, pool.format, { sink: pool.load });
    const fixedRows = [
      [
        { name: "a", address: "D3000" },
        { name: "b", address: "D3010:int32" },
        { name: "m", address: "M501" },
      ],
      [
        { name: "a", address: "D3000" },
        { name: "c", address: "D3040:uint16[8]" },
        { name: "hsPart", address: "D200:int32" },
      ],
      [
        { name: "d", address: "D3063:uint16" },
        { name: "m", address: "M505" },
        { name: "ack", address: "D10" },
        { name: "seq", address: "D12" },
      ],
      [
        { name: "b", address: "D3010:int32" },
        { name: "e", address: "D3020:uint16[4]" },
        { name: "name", address: "D204:string(6)" },
      ],
    ];
    const fixedMessages: GroupMessage[][] = fixedRows.map(() => []);
    const fixedErrors: PollError[] = [];
    const fixed = fixedRows.map((rows, i) => {
      const g = new FixedGroup({
        name: `fixed-${i}`,
        plc: pool,
        table: compileTagTable(rows, TAG_OPTIONS, pool.format),
        intervalMs: 20,
        output: { format: "object", changedOnly: false },
        reads,
      });
      g.on("data", (m: GroupMessage) => fixedMessages[i]!.push(m));
      g.on("poll-error", (e: PollError) => fixedErrors.push(e));
      stops.push(() => g.stop());
      return g;
    });

    const handshake = new PlcHandshakeGroup({
      name: "hs",
      plc: pool,
      format: pool.format,
      table: compileTagTable(
        [
          { name: "part", address: "D200:int32" },
          { name: "weight", address: "D202" },
          { name: "name", address: "D204:string(6)" },
          { name: "ok", address: "M300" },
        ],
        TAG_OPTIONS,
        pool.format,
      ),
      req: parseTag("M100", TAG_OPTIONS),
      ack: parseTag("D10", TAG_OPTIONS),
      sequence: parseTag("D12", TAG_OPTIONS),
      watchMs: 10,
      stepTimeoutMs: 2000,
      reqClearTimeoutMs: 2000,
      watchReader: new ReadCoalescer(pool, pool.format),
    });
    stops.push(() => handshake.stop());
    const { data, errors, transactions } = recordHandshake(handshake);

    for (const g of fixed) g.start();
    handshake.start();
    await until(() => handshake.status().phase === "waiting for REQ", 2000, "the first REQ read");
    const program = await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      writeData: (seq) => {
        const p = partOf(seq);
        sim.memory.writeWords("D", 200, [p.part & 0xffff, p.part >>> 16, p.weight]);
        const text = Buffer.from(p.name, "latin1");
        sim.memory.writeWords("D", 204, [text.readUInt16LE(0), text.readUInt16LE(2), text.readUInt16LE(4)]);
        sim.memory.set("M300", p.ok);
      },
      count: TRANSACTIONS,
      ackTimeoutMs: 2000,
      scanMs: 0,
      signal: abort.signal,
    });
    await until(() => transactions.length === TRANSACTIONS, 5000, "the last transaction to complete");

    // The handshake: each transaction delivered once, in order, with the data written for it, and
    // acknowledged OK exactly once; the PLC never had to retry.
    errors.should.eql([]);
    program.retries.should.equal(0);
    program.stuckAcks.should.equal(0);
    program.acks.size.should.equal(TRANSACTIONS);
    [...program.acks.values()].every((acks) => acks.length === 1 && acks[0] === 1).should.be.true();
    data.map((m) => m.handshake!.sequence).should.eql(Array.from({ length: TRANSACTIONS }, (_, i) => i + 1));
    data.forEach((m, i) => (m.payload as object).should.eql(partOf(i + 1)));

    // The FIXED groups polled all along, shared their requests, and read the simulator's memory.
    const shared = reads.stats();
    shared.batches.should.be.above(20);
    (shared.unmergedRequests - shared.requests).should.be.above(0);
    fixedErrors.should.eql([]);
    const stillAt = (i: number) => still[i]!;
    for (const [i, messages] of fixedMessages.entries()) {
      messages.length.should.be.above(20, `fixed-${i} messages`);
      for (const m of messages) {
        const p = m.payload as Record<string, unknown>;
        if (i === 0) p.should.containEql({ a: stillAt(0), b: stillAt(10) + stillAt(11) * 65536, m: true });
        if (i === 1) p.should.containEql({ a: stillAt(0), c: still.slice(40, 48) });
        if (i === 2) p.should.containEql({ d: stillAt(63), m: false });
        if (i === 3) p.should.containEql({ b: stillAt(10) + stillAt(11) * 65536, e: still.slice(20, 24) });
      }
    }
  });
});
