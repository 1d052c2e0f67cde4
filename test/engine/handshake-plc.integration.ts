/**
 * PlcHandshakeGroup over real sockets against the simulator and its PLC program: 1 000 transactions in a
 * row, NG on a failed read, a failed ACK write, a disconnect mid-transaction. The same logic on a
 * ManualClock, without sockets, is in handshake-plc.test.ts (the fast layer).
 */
import "should";
import {
  type HandshakeMessage,
  type PlcHandshakeOptions,
  PlcHandshakeGroup,
} from "../../lib/engine/handshake-plc";
import { compileTagTable } from "../../lib/engine/tag-table";
import { parseTag } from "../../lib/mc/tags";
import { PlcPool } from "../../lib/pool/pool";
import { PlcSimulator } from "../../lib/simulator";
import { runPlcProgram } from "../../lib/simulator/handshake-program";
import { WRITE_COMMANDS, isDataRead, recordHandshake as record } from "../helpers/handshake";
import { delay, until } from "../helpers/scripted-peer";

const TAG_OPTIONS = { series: "ql", encoding: "binary" } as const;
const tag = (a: string) => parseTag(a, TAG_OPTIONS);

describe("PlcHandshakeGroup against the simulator", function () {
  this.timeout(60_000);
  let sim: PlcSimulator;
  let pool: PlcPool;
  let group: PlcHandshakeGroup | undefined;
  let abort: AbortController;

  beforeEach(async () => {
    abort = new AbortController();
    sim = new PlcSimulator();
    await sim.start();
    pool = new PlcPool({
      name: "sim",
      client: { host: "127.0.0.1", port: sim.port, requestTimeoutMs: 300, connectTimeoutMs: 300 },
      backoff: { initialMs: 20, maxMs: 100 },
      demotion: { failures: 0 },
    });
    pool.register("test");
  });

  afterEach(async () => {
    abort.abort();
    await group?.stop();
    group = undefined;
    pool.close();
    await sim.stop();
  });

  function make(extra: Partial<PlcHandshakeOptions> = {}) {
    group = new PlcHandshakeGroup({
      name: "hs",
      plc: pool,
      format: pool.format,
      table: compileTagTable(
        [
          { name: "part", address: "D200:int32" },
          { name: "ok", address: "M300" },
        ],
        TAG_OPTIONS,
        pool.format,
      ),
      req: tag("M100"),
      ack: tag("D10"),
      sequence: tag("D12"),
      watchMs: 10,
      stepTimeoutMs: 1000,
      reqClearTimeoutMs: 1000,
      ...extra,
    });
    return record(group);
  }

  /** Starts the group and waits for its first look at REQ, so the PLC program's first REQ is an edge. */
  async function start(): Promise<void> {
    group!.start();
    await until(() => group!.status().phase === "waiting for REQ", 2000, "the first REQ read");
  }

  const writeData = (seq: number): void => {
    sim.memory.writeWords("D", 200, [(seq * 1000) & 0xffff, (seq * 1000) >>> 16]);
    sim.memory.set("M300", seq % 2 === 1);
  };

  it("1 000 transactions in a row: each delivered once and acknowledged exactly once", async () => {
    const r = make();
    await start();
    const count = 1000;
    const program = await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      writeData,
      count,
      ackTimeoutMs: 2000,
      scanMs: 0,
      signal: abort.signal,
    });
    await until(() => r.transactions.length === count, 2000, "the last transaction to complete");
    program.retries.should.equal(0);
    program.stuckAcks.should.equal(0);
    r.data.map((m) => m.handshake!.sequence).should.eql(Array.from({ length: count }, (_, i) => i + 1));
    r.data.every((m, i) => (m.payload as { part: number }).part === (i + 1) * 1000).should.be.true();
    [...program.acks.values()].every((acks) => acks.length === 1 && acks[0] === 1).should.be.true();
    program.acks.size.should.equal(count);
    r.errors.should.eql([]);
    group!.status().should.containEql({ transactions: count, ok: count, completed: count, delivered: count });
  });

  it("read failure in the simulator writes the NG code to the PLC", async () => {
    const r = make();
    let failing = true;
    // Fail only the data read (it includes D200), never the REQ watch.
    sim.failWhen((req) => (failing && isDataRead(req.command, req.data) ? 0x4031 : undefined));
    await start();
    const results: number[] = [];
    await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      writeData,
      count: 2,
      signal: abort.signal,
      onDone: (_s, res) => {
        results.push(res);
        failing = false;
      },
    });
    results.should.eql([2, 1]);
    r.errors.map((e) => e.step).should.eql(["read"]);
  });

  it("ACK write fails, the PLC retries: delivered once, acknowledged on the retry", async () => {
    const r = make({ reqClearTimeoutMs: 500 });
    let failWrites = 0;
    sim.failWhen((req) => (WRITE_COMMANDS.has(req.command) && failWrites-- > 0 ? 0xc05b : undefined));
    // After the ACK clear at start: the write that fails is the first transaction's ACK.
    await start();
    failWrites = 1;
    const program = await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      writeData,
      count: 3,
      ackTimeoutMs: 300,
      signal: abort.signal,
    });
    program.retries.should.equal(1);
    r.data.map((m) => m.handshake!.sequence).should.eql([1, 2, 3]);
    r.sequences.map((s) => [s.kind, s.sequence]).should.eql([["repeated", 1]]);
    [...program.acks.values()].map((a) => a.length).should.eql([1, 1, 1]);
    group!.status().should.containEql({ ackWriteFailures: 1 });
  });

  it("PLC disconnect in the middle of a transaction, then recovery: nothing lost, nothing twice", async () => {
    const r = make();
    group!.on("data", (m: HandshakeMessage) => {
      if (m.handshake!.sequence !== 5) return;
      sim.refuseConnections(true);
      sim.dropConnections();
      setTimeout(() => sim.refuseConnections(false), 300);
    });
    await start();
    const program = await runPlcProgram({
      memory: sim.memory,
      req: "M100",
      ack: "D10",
      sequence: "D12",
      writeData,
      count: 10,
      ackTimeoutMs: 800,
      signal: abort.signal,
    });
    r.data.map((m) => m.handshake!.sequence).should.eql([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    program.retries.should.be.aboveOrEqual(1);
    [...program.acks.values()].every((a) => a.length === 1 && a[0] === 1).should.be.true();
    r.errors.some((e) => e.step === "ack").should.be.true();
    r.sequences.map((s) => s.kind).should.eql(["repeated"]);
    await delay(50);
    group!.status().state.should.equal("running");
  });
});
