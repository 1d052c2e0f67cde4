/**
 * A HANDSHAKE group triggered by the PLC: the MES "data ready" sequence automation engineers build
 * by hand.
 *
 *   1. The PLC writes the data block, then sets REQ (a bit, or a word ≠ 0).
 *   2. We read REQ every `watchMs` and react to its rising edge only.
 *   3. We read the tag table (with the optional sequence word, in the same planned requests) and emit
 *      the data. A failed or partial read is not data: it becomes NG.
 *   4. We write ACK: the OK or NG result (word ACK, or result word + ACK bit). With
 *      `ackAfterDownstream`, OK is written only once accept(transactionId) was called; reject() or
 *      the downstream time-out writes NG instead.
 *   5. We wait for the PLC to clear REQ.
 *   6. We clear ACK (and the result word) and watch for the next rising edge.
 *
 * Every step is bounded (`stepTimeoutMs` for reads and writes, `downstreamTimeoutMs`,
 * `reqClearTimeoutMs`) and every failure is an "handshake-error" event with the step that failed.
 * After a failure the group never starts a transaction on a REQ that is already high: it waits for
 * REQ to fall (clearing ACK then, in case the PLC did see it), so one stuck REQ cannot replay a record.
 * The same rule applies when the group starts or the connection comes back, unless `reqHighAtStart`
 * is "handle". At start ACK counts as possibly set (a killed run may have left it), so it is cleared the
 * first time REQ is seen low.
 *
 * A sequence word read with the data detects lost (gap) and repeated transactions. A repeated one
 * (the PLC retried after we failed to acknowledge) is acknowledged OK without sending the data again,
 * since it was already delivered.
 *
 * Options and their checks (handshake-options.ts), the error type (handshake-error.ts) and the
 * sequence tracking (handshake-sequence.ts) live apart. What stays here (~700 lines) is one state
 * machine: the watch loop and the transaction steps share the REQ edge, the ACK-dirty flag, the
 * downstream wait and the counters, and splitting them would only pass that state around.
 */
import { EventEmitter } from "node:events";
import { type Clock } from "../core/clock";
import { type GroupMessage } from "./fixed-group";
import { StoppedError, groupMessage, round2, sleep, withTimeout } from "./handshake-common";
import { HandshakeError, type HandshakeStep } from "./handshake-error";
import {
  type PlcHandshakeOptions,
  type ResolvedHandshakeOptions,
  resolveHandshakeOptions,
} from "./handshake-options";
import { type SequenceCheck, SequenceTracker } from "./handshake-sequence";
import { type PayloadFormat } from "./output";
import { PollError, type PollOutcome, pollOnce } from "./poller";
import { alignedDelay } from "./read-coalescer";
import {
  type GroupState,
  type GroupStatus,
  type ManagedGroup,
  type TriggeredPoll,
  TriggerRefusedError,
} from "./managed";
import { type TagTable } from "./tag-table";
import { writeItems } from "./writer";
import { planReads, type WriteItem } from "../mc/planner";
import { type Tag } from "../mc/tags";

export { HandshakeError, type HandshakeStep } from "./handshake-error";
export {
  DEFAULT_WATCH_MS,
  MIN_WATCH_MS,
  type PlcHandshakeOptions,
  type ResolvedHandshakeOptions,
} from "./handshake-options";
export { type SequenceEvent } from "./handshake-sequence";

export type Verdict = "ok" | "ng";

export interface HandshakeInfo {
  readonly transactionId: string;
  readonly group: string;
  /** The sequence word's value, when one is configured. */
  readonly sequence?: number;
  /** "lost": the sequence skipped values (how many in `lost`); "repeated" is never delivered. */
  readonly sequenceCheck?: "ok" | "lost" | "first";
  readonly lost?: number;
  /** Epoch ms REQ was seen high. */
  readonly reqAt: number;
  /** With ackAfterDownstream: send the message back (Complete node), or {topic:"ack", payload: id}. */
  readonly awaitingAck: boolean;
}

export interface HandshakeMessage extends GroupMessage {
  readonly handshake: HandshakeInfo | null;
}

export interface TransactionReport {
  readonly transactionId: string;
  readonly verdict: Verdict;
  /** Whether the whole sequence (ACK written, REQ cleared, ACK cleared) completed. */
  readonly completed: boolean;
  /** Whether the OK/NG result reached the PLC (the ACK write succeeded). */
  readonly acknowledged: boolean;
  readonly durationMs: number;
  readonly sequence?: number;
  readonly delivered: boolean;
}

/** One transaction, REQ seen high to ACK cleared: what its steps learnt, for its report. */
interface Transaction {
  readonly id: string;
  /** clock.now() and wall time when REQ was seen high. */
  readonly t0: number;
  readonly reqAt: number;
  verdict: Verdict;
  /** The data went downstream (a repeated transaction's is not sent again). */
  delivered: boolean;
  /** The OK/NG result reached the PLC. */
  acknowledged: boolean;
  sequence?: number;
}

const SEQUENCE_NAME = "\u0000sequence";
const REQ_TABLE_NAME = "REQ";

type Edge = "unknown" | "low" | "high";

interface DownstreamWait {
  readonly id: string;
  resolve(verdict: { verdict: Verdict; reason?: string }): void;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? code : "MC_UNKNOWN";
}

/**
 * Events: "data" (HandshakeMessage), "handshake-error" (HandshakeError), "sequence" (SequenceEvent),
 * "transaction" (TransactionReport), "phase" (string: what the group waits for), "state" (GroupState).
 */
export class PlcHandshakeGroup extends EventEmitter implements ManagedGroup {
  readonly name: string;
  readonly mode = "handshake" as const;
  readonly watchMs: number;
  private readonly o: ResolvedHandshakeOptions;
  private readonly result?: Tag;
  private readonly sequence: SequenceTracker;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly payloadFormat: PayloadFormat;
  private readonly reqTable: TagTable;
  private table!: TagTable;
  private dataTable!: TagTable;
  private started = false;
  private state: GroupState = "stopped";
  private controller?: AbortController;
  private loop?: Promise<void>;
  private edge: Edge = "unknown";
  /** ACK (or the result word) may be set in the PLC: clear it once REQ is low. */
  private ackDirty = false;
  private downstream?: DownstreamWait;
  private txCount = 0;
  private manualCycles = 0;
  private readonly runId = Date.now().toString(36);
  private readonly counters = {
    transactions: 0,
    ok: 0,
    ng: 0,
    completed: 0,
    failed: 0,
    delivered: 0,
    reqHighIgnored: 0,
    watchErrors: 0,
    readFailures: 0,
    ackWriteFailures: 0,
    ackClearFailures: 0,
    downstreamRejected: 0,
  };
  private readonly timeouts = { read: 0, downstream: 0, ack: 0, reqClear: 0, ackClear: 0 };
  private duration = { last: 0, sum: 0, max: 0, count: 0 };
  private lastError?: { message: string; at: number };
  private lastSuccessAt?: number;
  private phase = "stopped";

  constructor(options: PlcHandshakeOptions) {
    super();
    this.name = options.name;
    this.o = resolveHandshakeOptions(options);
    this.watchMs = this.o.watchMs;
    this.result = this.o.result;
    this.sequence = new SequenceTracker(this.o.sequence?.words ?? 1);
    this.clock = this.o.clock;
    this.wallClock = this.o.wallClock;
    this.payloadFormat = this.o.payloadFormat;
    this.reqTable = {
      names: [REQ_TABLE_NAME],
      tags: [options.req],
      plan: planReads([options.req], options.format),
      deadbands: {},
    };
    this.setTable(options.table);
  }

  get running(): boolean {
    return this.started;
  }

  /** The transaction whose downstream acceptance is awaited, if any. */
  get awaiting(): string | undefined {
    return this.downstream?.id;
  }

  setTable(table: TagTable): void {
    if (table.names.includes(SEQUENCE_NAME)) throw new Error("reserved tag name");
    this.table = table;
    const sequence = this.o.sequence;
    this.dataTable = sequence
      ? {
          names: [...table.names, SEQUENCE_NAME],
          tags: [...table.tags, sequence],
          plan: planReads([...table.tags, sequence], this.o.format),
          deadbands: table.deadbands,
        }
      : table;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.edge = "unknown";
    // A run killed (or stopped) after writing ACK may have left it set, and the PLC, having dropped REQ,
    // waits for it to clear: clear it the first time REQ is seen low.
    this.ackDirty = true;
    const controller = new AbortController();
    this.controller = controller;
    this.setState("running");
    this.loop = this.watch(controller.signal);
  }

  /**
   * Ends the watch loop at its next wait. A transaction cut short writes nothing more: its REQ stays
   * high in the PLC, and the next start ignores it until it falls (or handles it, per reqHighAtStart).
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Aborting ends every wait with StoppedError, so nothing more is written (not even NG).
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
    this.setPhase("stopped");
    this.setState("stopped");
  }

  /** Downstream accepted the transaction's data: ACK OK. False when that transaction is not awaited. */
  accept(transactionId: string): boolean {
    if (!this.downstream || this.downstream.id !== transactionId) return false;
    this.downstream.resolve({ verdict: "ok" });
    return true;
  }

  /** Downstream refused the data (e.g. a Catch node): ACK NG. */
  reject(transactionId: string, reason = "rejected downstream"): boolean {
    if (!this.downstream || this.downstream.id !== transactionId) return false;
    this.downstream.resolve({ verdict: "ng", reason });
    return true;
  }

  /**
   * The engine's "trigger" command is refused: this group's data comes with the PLC's REQ, and a read
   * outside a transaction must never look like a record.
   */
  trigger(): Promise<TriggeredPoll> {
    return Promise.reject(
      new TriggerRefusedError(
        409,
        "PLC_DRIVEN",
        `group "${this.name}" is triggered by the PLC (REQ/ACK handshake): it cannot be triggered by a command`,
      ),
    );
  }

  /**
   * A commissioning read (the editor's button, a "trigger" message): reads the tags once, outside any
   * handshake (no ACK), and emits it as a "read" event, never as "data". Rejects with the PollError.
   */
  async readOnce(origin?: unknown): Promise<void> {
    const startedAt = this.wallClock();
    const t0 = this.clock.now();
    const outcome = await pollOnce(this.table, this.o.plc, this.name);
    const message: HandshakeMessage = {
      ...groupMessage({
        group: this.name,
        plc: this.o.plc.name,
        cycle: this.manualCycles++,
        manual: true,
        scheduledAt: startedAt,
        startedAt,
        durationMs: this.clock.now() - t0,
        outcome,
        format: this.payloadFormat,
        triggers: origin === undefined ? [] : [origin],
      }),
      handshake: null,
    };
    this.emit("read", message);
  }

  status(): GroupStatus {
    const c = this.counters;
    const d = this.duration;
    const finished = c.completed + c.failed;
    return {
      name: this.name,
      mode: this.mode,
      trigger: "plc",
      state: this.state,
      running: this.started,
      plc: this.o.plc.name,
      intervalMs: this.watchMs,
      // Finished transactions only (one in flight is neither a success nor an error yet); a success
      // is one whose OK reached the PLC.
      polls: finished,
      successes: c.ok,
      errors: finished - c.ok,
      successRate: finished === 0 ? 100 : Math.round((c.ok / finished) * 1000) / 10,
      pollTime: {
        last: round2(d.last),
        avg: round2(d.count ? d.sum / d.count : 0),
        max: round2(d.max),
        p99: round2(d.max),
      },
      overruns: 0,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastError ? new Date(this.lastError.at).toISOString() : undefined,
      lastSuccessAt:
        this.lastSuccessAt === undefined ? undefined : new Date(this.lastSuccessAt).toISOString(),
      tags: this.table.tags.length,
      requests: this.dataTable.plan.requests.length,
      phase: this.phase,
      awaiting: this.downstream?.id ?? null,
      ...c,
      timeouts: { ...this.timeouts },
      sequence: { ...this.sequence.stats },
      lastDurationMs: round2(d.last),
    };
  }

  private async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick(signal);
        await sleep(this.clock, this.nextWatchDelay(), signal);
      } catch (err) {
        if (err instanceof StoppedError || signal.aborted) return;
        // tick() reports its own failures; this only guards the loop against a bug ending it silently.
        this.fail(
          new HandshakeError(
            `group ${this.name}: ${(err as Error).message}`,
            "watch",
            codeOf(err),
            undefined,
            err,
          ),
        );
        await sleep(this.clock, this.watchMs, signal).catch(() => undefined);
      }
    }
  }

  /** One look at REQ, and the whole transaction when it rose. */
  private async tick(signal: AbortSignal): Promise<void> {
    let high: boolean;
    try {
      high = await this.readReq(signal, "watch");
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      // Connection trouble: REQ may change unseen, so the next value is treated like one at start.
      this.edge = "unknown";
      this.counters.watchErrors++;
      this.fail(this.stepError(err, "watch", undefined, `reading REQ ${this.o.req.address} failed`));
      return;
    }
    const previous = this.edge;
    if (!high) {
      this.edge = "low";
      if (this.ackDirty) await this.clearAck(signal, undefined);
      if (this.ackDirty) return;
      this.setPhase("waiting for REQ");
      if (this.state === "error") this.setState("running");
      return;
    }
    if (previous === "low" || (previous === "unknown" && this.o.reqHighAtStart === "handle")) {
      await this.transaction(signal);
      return;
    }
    if (previous === "unknown") {
      this.counters.reqHighIgnored++;
      this.setPhase("REQ already high: waiting for it to fall");
    }
    this.edge = "high";
  }

  /** Steps 3 to 6 for a REQ that rose: read and deliver, ACK, wait for REQ to fall, clear ACK. */
  private async transaction(signal: AbortSignal): Promise<void> {
    const tx = this.beginTransaction();
    await this.readAndDeliver(tx, signal);
    if (!(await this.acknowledge(tx, signal))) return this.finishTransaction(tx, false);
    if (!(await this.waitForReqClear(tx, signal))) return this.finishTransaction(tx, false);
    this.edge = "low";
    const cleared = await this.clearAck(signal, tx.id);
    this.finishTransaction(tx, cleared);
    if (cleared) this.setPhase("waiting for REQ");
  }

  private beginTransaction(): Transaction {
    const id = `${this.runId}-${++this.txCount}`;
    const tx: Transaction = {
      id,
      t0: this.clock.now(),
      reqAt: this.wallClock(),
      verdict: "ok",
      delivered: false,
      acknowledged: false,
    };
    this.counters.transactions++;
    // Until REQ is seen low again, a high REQ is this transaction's, never a new one.
    this.edge = "high";
    this.setPhase(`transaction ${id}: reading`);
    return tx;
  }

  /** 3. Reads the data and sends it on; any failure, a partial read or a downstream NG makes the verdict NG. */
  private async readAndDeliver(tx: Transaction, signal: AbortSignal): Promise<void> {
    try {
      const data = await this.readData(tx, signal);
      const check = this.checkSequence(tx);
      // A repeat was already delivered: the PLC retried after our ACK got lost. Acknowledge, do not resend.
      if (check.kind !== "repeated")
        await this.deliver(tx, data, { kind: check.kind, lost: check.lost }, signal);
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      tx.verdict = "ng";
      const error =
        err instanceof HandshakeError
          ? err
          : this.stepError(err, "read", tx.id, "reading the data failed; NG written");
      if (error.step === "read") this.counters.readFailures++;
      this.fail(error);
    }
  }

  /** The tag table with the sequence word; a tag that could not be read fails the read (NG). */
  private async readData(tx: Transaction, signal: AbortSignal): Promise<PollOutcome> {
    const outcome = await this.step(pollOnce(this.dataTable, this.o.plc, this.name), "read", signal, tx.id);
    const seqReading = outcome.readings.find((r) => r.name === SEQUENCE_NAME);
    const data: PollOutcome = {
      ...outcome,
      readings: outcome.readings.filter((r) => r.name !== SEQUENCE_NAME),
      tagErrors: outcome.tagErrors.filter((e) => e.tag !== SEQUENCE_NAME),
    };
    if (outcome.tagErrors.length > 0) {
      const which = outcome.tagErrors
        .map((e) => `${e.tag === SEQUENCE_NAME ? "sequence" : e.tag}: ${e.error.message}`)
        .join("; ");
      throw new HandshakeError(
        `group ${this.name}, transaction ${tx.id}: ${outcome.tagErrors.length} tag(s) could not be read (${which}); NG written`,
        "read",
        outcome.tagErrors[0]!.error.code,
        tx.id,
        outcome.tagErrors[0]!.error,
        groupMessage(this.messageParts(data, tx.reqAt, this.clock.now() - tx.t0)).payload,
      );
    }
    tx.sequence = seqReading === undefined ? undefined : Number(seqReading.value);
    return data;
  }

  private checkSequence(tx: Transaction): SequenceCheck {
    const check = this.sequence.check(tx.id, tx.sequence);
    if (check.event) this.emit("sequence", check.event);
    return check;
  }

  /** Emits the data; with ackAfterDownstream, waits for accept() (OK) or reject() (NG). */
  private async deliver(
    tx: Transaction,
    data: PollOutcome,
    check: { kind: "ok" | "lost" | "first"; lost?: number },
    signal: AbortSignal,
  ): Promise<void> {
    const { id, sequence } = tx;
    const awaitingAck = this.o.ackAfterDownstream;
    const message: HandshakeMessage = {
      ...groupMessage(this.messageParts(data, tx.reqAt, this.clock.now() - tx.t0)),
      handshake: {
        transactionId: id,
        group: this.name,
        ...(sequence !== undefined
          ? {
              sequence,
              sequenceCheck: check.kind,
              ...(check.lost ? { lost: check.lost } : {}),
            }
          : {}),
        reqAt: tx.reqAt,
        awaitingAck,
      },
    };
    let wait: Promise<{ verdict: Verdict; reason?: string }> | undefined;
    if (awaitingAck) {
      // Registered before emitting, so a synchronous accept() from a listener is not missed.
      wait = new Promise((resolve) => (this.downstream = { id, resolve }));
      this.setPhase(`transaction ${id}: waiting for downstream acceptance`);
    }
    this.emit("data", message);
    tx.delivered = true;
    this.counters.delivered++;
    if (sequence !== undefined) this.sequence.delivered(sequence);
    if (!wait) return;
    const answer = await this.step(wait, "downstream", signal, id).finally(
      () => (this.downstream = undefined),
    );
    if (answer.verdict === "ng") {
      this.counters.downstreamRejected++;
      throw new HandshakeError(
        `group ${this.name}, transaction ${id}: ${answer.reason ?? "rejected downstream"}; NG written`,
        "downstream",
        "HANDSHAKE_REJECTED",
        id,
      );
    }
  }

  /** 4. Writes the verdict to ACK (and the result word). False when the write failed. */
  private async acknowledge(tx: Transaction, signal: AbortSignal): Promise<boolean> {
    const verdict = tx.verdict;
    this.setPhase(`transaction ${tx.id}: writing ${verdict.toUpperCase()}`);
    try {
      this.ackDirty = true;
      await this.step(this.writeResult(verdict), "ack", signal, tx.id);
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      this.counters.ackWriteFailures++;
      this.fail(
        this.stepError(err, "ack", tx.id, `writing ${verdict.toUpperCase()} to ${this.o.ack.address} failed`),
      );
      // The PLC may or may not have seen ACK; the edge stays "high", so we wait for REQ to fall and clear
      // ACK then, which is right either way.
      return false;
    }
    tx.acknowledged = true;
    return true;
  }

  /** 5. Watches REQ until the PLC clears it, within reqClearTimeoutMs. False on a failure or time-out. */
  private async waitForReqClear(tx: Transaction, signal: AbortSignal): Promise<boolean> {
    const id = tx.id;
    this.setPhase(`transaction ${id}: waiting for the PLC to clear REQ`);
    const deadline = this.clock.now() + this.o.reqClearTimeoutMs;
    for (;;) {
      let high: boolean;
      try {
        high = await this.readReq(signal, "req-clear", id);
      } catch (err) {
        if (err instanceof StoppedError) throw err;
        this.edge = "unknown";
        this.fail(
          this.stepError(
            err,
            "req-clear",
            id,
            `reading REQ ${this.o.req.address} failed while waiting for it to clear`,
          ),
        );
        return false;
      }
      if (!high) return true;
      if (this.clock.now() >= deadline) {
        this.timeouts.reqClear++;
        this.fail(
          new HandshakeError(
            `group ${this.name}, transaction ${id}: the PLC did not clear REQ ${this.o.req.address} within ${this.o.reqClearTimeoutMs} ms after ACK; ` +
              "ACK stays set until REQ falls",
            "req-clear",
            "HANDSHAKE_TIMEOUT",
            id,
          ),
        );
        return false;
      }
      await sleep(this.clock, Math.min(this.watchMs, Math.max(0, deadline - this.clock.now())), signal);
    }
  }

  /** Counts and reports the transaction; ok/ng count results the PLC received, so an unwritten verdict is neither. */
  private finishTransaction(tx: Transaction, completed: boolean): void {
    const durationMs = this.clock.now() - tx.t0;
    if (tx.acknowledged && tx.verdict === "ok") this.counters.ok++;
    else if (tx.acknowledged) this.counters.ng++;
    if (completed) {
      this.counters.completed++;
      this.duration = {
        last: durationMs,
        sum: this.duration.sum + durationMs,
        max: Math.max(this.duration.max, durationMs),
        count: this.duration.count + 1,
      };
      if (tx.verdict === "ok") this.lastSuccessAt = this.wallClock();
    } else this.counters.failed++;
    this.emit("transaction", {
      transactionId: tx.id,
      verdict: tx.verdict,
      completed,
      acknowledged: tx.acknowledged,
      durationMs,
      sequence: tx.sequence,
      delivered: tx.delivered,
    } satisfies TransactionReport);
  }

  private messageParts(outcome: PollOutcome, startedAt: number, durationMs: number) {
    return {
      group: this.name,
      plc: this.o.plc.name,
      cycle: this.txCount - 1,
      manual: false,
      scheduledAt: startedAt,
      startedAt,
      durationMs,
      outcome,
      format: this.payloadFormat,
      triggers: [],
    };
  }

  private async readReq(signal: AbortSignal, step: HandshakeStep, id?: string): Promise<boolean> {
    let value: unknown;
    if (step === "watch" && this.o.watchReader) {
      const result = await this.step(this.o.watchReader.read(this.o.req), step, signal, id, false);
      if (!result.ok) throw result.error;
      value = result.value;
    } else {
      const outcome = await this.step(
        pollOnce(this.reqTable, this.o.plc, this.name),
        step,
        signal,
        id,
        false,
      );
      value = outcome.readings[0]!.value;
    }
    return typeof value === "boolean" ? value : Number(value) !== 0;
  }

  /** With a shared watch reader, the next tick is on the common grid so the reads meet. */
  private nextWatchDelay(): number {
    return this.o.watchReader ? alignedDelay(this.clock.now(), this.watchMs) : this.watchMs;
  }

  private writeResult(verdict: Verdict): Promise<unknown> {
    const { ack, okValue, ngValue } = this.o;
    const code = verdict === "ok" ? okValue : ngValue;
    if (ack.type !== "bool") return this.write([{ tag: ack, value: code }]);
    // A bit cannot say NG: without a result word the PLC learns it only from its own time-out.
    if (!this.result) return verdict === "ok" ? this.write([{ tag: ack, value: true }]) : Promise.resolve();
    // The result must be in place before the PLC sees ACK, so two requests, in this order.
    const result = this.result;
    return this.write([{ tag: result, value: code }]).then(() => this.write([{ tag: ack, value: true }]));
  }

  private async clearAck(signal: AbortSignal, id: string | undefined): Promise<boolean> {
    const items: WriteItem[] = [{ tag: this.o.ack, value: this.o.ack.type === "bool" ? false : 0 }];
    if (this.result) items.push({ tag: this.result, value: 0 });
    this.setPhase(`${id ? `transaction ${id}: ` : ""}clearing ACK`);
    try {
      // ACK first: a PLC reading the result after ACK fell must not matter, but one that sees ACK without
      // its result would.
      await this.step(
        this.write(items.slice(0, 1)).then(() => (items.length > 1 ? this.write(items.slice(1)) : 0)),
        "ack-clear",
        signal,
        id,
      );
      this.ackDirty = false;
      return true;
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      this.counters.ackClearFailures++;
      this.fail(
        this.stepError(
          err,
          "ack-clear",
          id,
          `clearing ACK ${this.o.ack.address} failed (retried at the next watch)`,
        ),
      );
      return false;
    }
  }

  private write(items: WriteItem[]): Promise<number> {
    return writeItems(items, this.o.plc, this.o.format, this.name);
  }

  /** Bounds one step; a time-out is counted per step and becomes a HandshakeError. */
  private step<T>(
    work: Promise<T>,
    step: HandshakeStep,
    signal: AbortSignal,
    id?: string,
    count = true,
  ): Promise<T> {
    const ms = step === "downstream" ? this.o.downstreamTimeoutMs : this.o.stepTimeoutMs;
    return withTimeout(work, ms, this.clock, signal, () => {
      const key = ({ read: "read", downstream: "downstream", ack: "ack", "ack-clear": "ackClear" } as const)[
        step as "read"
      ];
      if (count && key) this.timeouts[key]++;
      const what = step === "downstream" ? "no downstream acceptance" : `step "${step}" did not finish`;
      return new HandshakeError(
        `group ${this.name}${id ? `, transaction ${id}` : ""}: ${what} within ${ms} ms`,
        step,
        "HANDSHAKE_TIMEOUT",
        id,
      );
    });
  }

  private stepError(err: unknown, step: HandshakeStep, id: string | undefined, what: string): HandshakeError {
    if (err instanceof HandshakeError) return err;
    const detail =
      err instanceof PollError
        ? err.message.replace(/^group [^:]+: /, "")
        : ((err as Error)?.message ?? String(err));
    return new HandshakeError(
      `group ${this.name}${id ? `, transaction ${id}` : ""}: ${what}: ${detail}`,
      step,
      codeOf(err),
      id,
      err,
    );
  }

  private fail(err: HandshakeError): void {
    this.lastError = { message: err.message, at: this.wallClock() };
    this.setState("error");
    this.emit("handshake-error", err);
  }

  private setPhase(phase: string): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.emit("phase", phase);
  }

  private setState(state: GroupState): void {
    if (state === this.state) return;
    if (!this.started && state !== "stopped") return;
    this.state = state;
    this.emit("state", state);
  }
}
