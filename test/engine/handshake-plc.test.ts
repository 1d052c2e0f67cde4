import "should";
import { ManualClock } from "../../lib/core/clock";
import { PlcHandshakeGroup, type PlcHandshakeOptions } from "../../lib/engine/handshake-plc";
import { type RequestSender } from "../../lib/engine/poller";
import { compileTagTable } from "../../lib/engine/tag-table";
import { type Command } from "../../lib/mc/commands";
import { McConnectionError, McEndCodeError } from "../../lib/mc/errors";
import { LOCAL_ROUTE } from "../../lib/mc/frame";
import { parseTag } from "../../lib/mc/tags";
import { FieldReader, FieldWriter } from "../../lib/mc/wire";
import { DeviceMemory, handleRequest } from "../../lib/simulator";
import { WRITE_COMMANDS, isDataRead, recordHandshake as record } from "../helpers/handshake";

const FORMAT = { encoding: "binary", series: "ql" } as const;
const TAG_OPTIONS = { series: "ql", encoding: "binary" } as const;
const tag = (a: string) => parseTag(a, TAG_OPTIONS);
/** A PLC answered in-process by the simulator's request handler: no sockets, so a ManualClock rules time. */
class MemoryPlc implements RequestSender {
  readonly name = "mem";
  readonly memory = new DeviceMemory();
  private readonly ctx = {
    memory: this.memory,
    series: "ql" as const,
    zrHex: false,
    model: "Q03UDVCPU",
    modelCode: 0x366,
    onlineChangeDisabled: false,
    cpuState: "run" as const,
  };
  /** Return an error to fail a command (`data`: its request data, binary). */
  failWith?: (command: number, data: Buffer) => Error | undefined;
  writes = 0;

  /** A refusal (a throw) becomes a rejection, as on a real connection. */
  request<T>(cmd: Command<T>): Promise<T> {
    return new Promise<T>((resolve) => resolve(this.answer(cmd)));
  }

  private answer<T>(cmd: Command<T>): T {
    const w = new FieldWriter(FORMAT);
    cmd.write(w);
    const forced = this.failWith?.(cmd.command, w.toBuffer());
    if (forced) throw forced;
    if (WRITE_COMMANDS.has(cmd.command)) this.writes++;
    const res = handleRequest(
      this.ctx,
      { frame: "3E", encoding: "binary" },
      {
        serial: 0,
        route: LOCAL_ROUTE,
        timer: 0,
        command: cmd.command,
        subcommand: cmd.subcommand,
        data: w.toBuffer(),
      },
    );
    if (res.endCode !== 0) throw new McEndCodeError(res.endCode, "mem: ");
    return cmd.read(new FieldReader(res.data, FORMAT));
  }
}

describe("PlcHandshakeGroup on a ManualClock", function () {
  let clock: ManualClock;
  let plc: MemoryPlc;
  let group: PlcHandshakeGroup;

  function make(extra: Partial<PlcHandshakeOptions> = {}) {
    clock = new ManualClock();
    plc = new MemoryPlc();
    plc.memory.writeWords("D", 200, [11, 22]);
    group = new PlcHandshakeGroup({
      name: "hs",
      plc,
      format: FORMAT,
      table: compileTagTable(
        [
          { name: "a", address: "D200" },
          { name: "b", address: "D201" },
        ],
        TAG_OPTIONS,
        FORMAT,
      ),
      req: tag("M100"),
      ack: tag("D10"),
      okValue: 1,
      ngValue: 9,
      watchMs: 100,
      stepTimeoutMs: 1000,
      reqClearTimeoutMs: 2000,
      clock,
      ...extra,
    });
    return record(group);
  }

  afterEach(async () => {
    await group?.stop();
  });

  it("runs REQ → read → ACK → wait for REQ clear → clear ACK, reacting to the rising edge only", async () => {
    const r = make();
    group.start();
    await clock.advance(250);
    r.data.length.should.equal(0);
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.data.length.should.equal(1);
    (r.data[0]!.payload as object).should.eql({ a: 11, b: 22 });
    r.data[0]!.handshake!.transactionId.should.be.a.String();
    plc.memory.get("D10").should.equal(1, "ACK holds the OK code");
    await clock.advance(500);
    plc.memory.get("D10").should.equal(1, "ACK stays while REQ is high");
    r.data.length.should.equal(1, "a REQ that stays high is not a new transaction");
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("D10").should.equal(0, "ACK cleared after REQ fell");
    r.transactions.should.have.length(1);
    r.transactions[0]!.should.containEql({ verdict: "ok", completed: true, delivered: true });
    group.status().should.containEql({ transactions: 1, ok: 1, ng: 0, completed: 1, trigger: "plc" });
  });

  it("refuses OK/NG codes that do not fit the ACK (or result) word, naming the setting", () => {
    (() => make({ okValue: 40000 })).should.throw(
      /OK value 40000 does not fit the ACK word D10 \(int16: -32768\.\.32767\)/,
    );
    (() => make({ ack: tag("D10:uint16"), ngValue: -1 })).should.throw(
      /NG value -1 does not fit the ACK word/,
    );
    (() => make({ ack: tag("M10"), result: tag("D11"), okValue: 70000 })).should.throw(
      /does not fit the result word D11/,
    );
    make({ ack: tag("D10:uint16"), okValue: 40000 }).should.be.ok();
  });

  it("counts a success only when the OK reached the PLC, and a transaction in flight not at all", async () => {
    const r = make({ ackAfterDownstream: true, downstreamTimeoutMs: 5000 });
    group.start();
    plc.memory.set("M100", true);
    await clock.advance(100);
    // Waiting for downstream: in flight, so the rate is not dragged down by it.
    group.status().should.containEql({ transactions: 1, polls: 0, errors: 0, successRate: 100 });
    group.accept(r.data[0]!.handshake!.transactionId).should.be.true();
    plc.failWith = (command) =>
      WRITE_COMMANDS.has(command) ? new McConnectionError("MC_CONNECTION_LOST", "mem: lost") : undefined;
    await clock.advance(100);
    r.transactions.should.have.length(1);
    r.transactions[0]!.should.containEql({ verdict: "ok", acknowledged: false, completed: false });
    group
      .status()
      .should.containEql({ ok: 0, ng: 0, failed: 1, polls: 1, successes: 0, errors: 1, successRate: 0 });
  });

  it("REQ already high at start is ignored until it falls (default)", async () => {
    const r = make();
    plc.memory.set("M100", true);
    group.start();
    await clock.advance(1000);
    r.data.length.should.equal(0);
    group.status().reqHighIgnored!.should.equal(1);
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.data.length.should.equal(1);
  });

  it("REQ already high at start is handled when reqHighAtStart is handle", async () => {
    const r = make({ reqHighAtStart: "handle" });
    plc.memory.set("M100", true);
    group.start();
    await clock.advance(10);
    r.data.length.should.equal(1);
    plc.memory.get("D10").should.equal(1);
  });

  it("ACK left set by a killed run is cleared at start, so a PLC waiting for it to clear goes on", async () => {
    // Killed after writing ACK: the PLC saw it and dropped REQ, and now waits for ACK to fall.
    const r = make();
    plc.memory.set("D10", 1);
    group.start();
    await clock.advance(10);
    plc.memory.get("D10").should.equal(0, "the stale ACK is cleared when REQ is first seen low");
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.data.length.should.equal(1, "the next transaction runs as usual");
    plc.memory.get("D10").should.equal(1);
  });

  it("ACK left set with REQ still high (default: ignored) is cleared once the PLC drops REQ", async () => {
    const r = make();
    plc.memory.set("D10", 1);
    plc.memory.set("M100", true);
    group.start();
    await clock.advance(500);
    r.data.length.should.equal(0, "a REQ high at start is not a transaction");
    plc.memory.get("D10").should.equal(1, "ACK is left alone while REQ is high");
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("D10").should.equal(0, "cleared once REQ fell");
  });

  it("PLC never clears REQ: time-out error, counted; no replay; ACK cleared once REQ finally falls", async () => {
    const r = make();
    group.start();
    await clock.advance(100);
    plc.memory.set("M100", true);
    await clock.advance(100);
    await clock.advance(2100);
    r.errors.map((e) => [e.step, e.code]).should.eql([["req-clear", "HANDSHAKE_TIMEOUT"]]);
    r.errors[0]!.message.should.match(/did not clear REQ M100 within 2000 ms/);
    (group.status().timeouts as Record<string, number>).reqClear!.should.equal(1);
    group.status().state.should.equal("error");
    await clock.advance(5000);
    r.data.length.should.equal(1, "a stuck REQ never starts another transaction");
    plc.memory.get("D10").should.equal(1);
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("D10").should.equal(0);
    group.status().state.should.equal("running");
  });

  it("a failed read writes the NG code, sends no data, and still completes the sequence", async () => {
    const r = make();
    group.start();
    await clock.advance(100);
    // Data reads (on D) fail, REQ reads (on M) do not. The planner retries tags one by one, so the
    // failure must last for the whole transaction, not just one request.
    plc.failWith = (c, data) => (isDataRead(c, data) ? new McEndCodeError(0x4031, "mem: ") : undefined);
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.data.length.should.equal(0);
    r.errors.map((e) => e.step).should.eql(["read"]);
    plc.memory.get("D10").should.equal(9, "NG code written");
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("D10").should.equal(0);
    plc.failWith = undefined;
    r.transactions[0]!.should.containEql({ verdict: "ng", completed: true, delivered: false });
    group.status().should.containEql({ ng: 1, readFailures: 1 });
  });

  it("ack after downstream: OK only after accept(); reject() and the time-out write NG", async () => {
    const r = make({ ackAfterDownstream: true, downstreamTimeoutMs: 500 });
    group.start();
    const cycle = async (answer: (id: string) => void): Promise<number | boolean> => {
      plc.memory.set("M100", true);
      await clock.advance(100);
      const id = r.data[r.data.length - 1]!.handshake!.transactionId;
      r.data[r.data.length - 1]!.handshake!.awaitingAck.should.be.true();
      plc.memory.get("D10").should.equal(0, "nothing acknowledged before downstream answers");
      answer(id);
      await clock.advance(600);
      const ack = plc.memory.get("D10");
      plc.memory.set("M100", false);
      await clock.advance(100);
      return ack;
    };
    (await cycle((id) => group.accept(id).should.be.true())).should.equal(1);
    (await cycle((id) => group.reject(id, "disk full").should.be.true())).should.equal(9);
    (await cycle(() => undefined)).should.equal(9);
    group.accept("not-a-transaction").should.be.false();
    r.errors
      .map((e) => [e.step, e.code])
      .should.eql([
        ["downstream", "HANDSHAKE_REJECTED"],
        ["downstream", "HANDSHAKE_TIMEOUT"],
      ]);
    (group.status().timeouts as Record<string, number>).downstream!.should.equal(1);
  });

  it("bit ACK with a result word: result first, then the bit; NG sets the result and the bit", async () => {
    const r = make({ ack: tag("M101"), result: tag("D11"), okValue: 1, ngValue: 2 });
    const order: string[] = [];
    const inner = plc.request.bind(plc);
    plc.request = <T>(cmd: Command<T>) => {
      if (WRITE_COMMANDS.has(cmd.command)) order.push(cmd.subcommand === 1 ? "bit" : "word");
      return inner(cmd);
    };
    group.start();
    plc.memory.set("M100", true);
    await clock.advance(200);
    plc.memory.get("M101").should.be.true();
    plc.memory.get("D11").should.equal(1);
    // At start REQ was low: ACK, then the result, cleared in case a killed run left them set.
    order.slice(0, 2).should.eql(["bit", "word"]);
    order.slice(2).should.eql(["word", "bit"], "the transaction: the result first, then the bit");
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("M101").should.be.false();
    plc.memory.get("D11").should.equal(0);
    r.transactions.length.should.equal(1);
  });

  it("sequence word: lost transactions and repeats are reported; a repeat is acknowledged but not resent", async () => {
    const r = make({ sequence: tag("D50") });
    group.start();
    const send = async (seq: number) => {
      plc.memory.set("D50", seq);
      plc.memory.set("M100", true);
      await clock.advance(100);
      plc.memory.get("D10").should.equal(1);
      plc.memory.set("M100", false);
      await clock.advance(100);
    };
    await send(1);
    await send(2);
    await send(2);
    await send(5);
    r.data.map((m) => m.handshake!.sequence).should.eql([1, 2, 5]);
    r.data.map((m) => m.handshake!.sequenceCheck).should.eql(["first", "ok", "lost"]);
    r.sequences
      .map((s) => [s.kind, s.sequence])
      .should.eql([
        ["repeated", 2],
        ["lost", 5],
      ]);
    (group.status().sequence as Record<string, number>).should.containEql({ lost: 2, repeated: 1, last: 5 });
    Object.keys(r.data[0]!.payload as object).should.eql(
      ["a", "b"],
      "the sequence word is not a payload tag",
    );
  });

  it("ACK write failure: reported, then waits for REQ to fall and clears ACK; no replay meanwhile", async () => {
    const r = make();
    group.start();
    await clock.advance(100);
    plc.failWith = (c) => (WRITE_COMMANDS.has(c) ? new McEndCodeError(0x0055, "mem: ") : undefined);
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.errors.map((e) => e.step).should.eql(["ack"]);
    r.errors[0]!.message.should.match(/online change is disabled/);
    await clock.advance(1000);
    r.data.length.should.equal(1);
    plc.failWith = undefined;
    plc.memory.set("D10", 1); // as if the PLC had seen a late ACK
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.get("D10").should.equal(0);
    group.status().should.containEql({ ackWriteFailures: 1, failed: 1 });
  });

  it("a lost connection makes REQ unknown: a REQ high after reconnect is ignored until it falls", async () => {
    const r = make();
    group.start();
    await clock.advance(100);
    plc.failWith = () => new McConnectionError("MC_CONNECTION_LOST", "mem: connection lost");
    await clock.advance(300);
    r.errors.every((e) => e.step === "watch").should.be.true();
    plc.memory.set("M100", true);
    plc.failWith = undefined;
    await clock.advance(300);
    r.data.length.should.equal(0);
    plc.memory.set("M100", false);
    await clock.advance(100);
    plc.memory.set("M100", true);
    await clock.advance(100);
    r.data.length.should.equal(1);
  });

  it("stop() during the downstream wait writes nothing and ends every timer", async () => {
    make({ ackAfterDownstream: true });
    group.start();
    plc.memory.set("M100", true);
    await clock.advance(100);
    const writes = plc.writes;
    await group.stop();
    plc.writes.should.equal(writes);
    clock.pendingTimers.should.equal(0);
  });

  it("refuses ACK on a bit of a word, a bad REQ and a too short watch interval", () => {
    const base = {
      name: "x",
      plc: new MemoryPlc(),
      format: FORMAT,
      table: compileTagTable([{ name: "a", address: "D0" }], TAG_OPTIONS, FORMAT),
    };
    (() => new PlcHandshakeGroup({ ...base, req: tag("M0"), ack: tag("D1.0") })).should.throw(
      /cannot write atomically/,
    );
    (() => new PlcHandshakeGroup({ ...base, req: tag("D0:float32"), ack: tag("M1") })).should.throw(
      /REQ D0:float32 must be a bit/,
    );
    (() => new PlcHandshakeGroup({ ...base, req: tag("M0"), ack: tag("M1"), watchMs: 5 })).should.throw(
      /at least 10 ms/,
    );
    (() => new PlcHandshakeGroup({ ...base, req: tag("M0"), ack: tag("D1"), okValue: 0 })).should.throw(
      /OK value must not be 0/,
    );
  });
});
