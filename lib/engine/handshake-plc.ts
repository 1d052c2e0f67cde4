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
 * is "handle".
 *
 * A sequence word read with the data detects lost (gap) and repeated transactions. A repeated one
 * (the PLC retried after we failed to acknowledge) is acknowledged OK without sending the data again,
 * since it was already delivered.
 */
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock";
import { type GroupMessage } from "./fixed-group";
import { StoppedError, groupMessage, round2, sleep, withTimeout } from "./handshake-common";
import { type PayloadFormat } from "./output";
import { PollError, type PollOutcome, type RequestSender, pollOnce } from "./poller";
import { type ReadCoalescer, alignedDelay } from "./read-coalescer";
import {
  type GroupState,
  type GroupStatus,
  type ManagedGroup,
  type TriggeredPoll,
  TriggerRefusedError,
} from "./registry";
import { type TagTable } from "./tag-table";
import { writeItems } from "./writer";
import { integerRange } from "../mc/values";
import { planReads, type WriteItem } from "../mc/planner";
import { type Tag } from "../mc/tags";
import { type WireFormat } from "../mc/wire";

export const MIN_WATCH_MS = 10;
export const DEFAULT_WATCH_MS = 100;

export type HandshakeStep = "watch" | "read" | "downstream" | "ack" | "req-clear" | "ack-clear";
export type Verdict = "ok" | "ng";

export interface PlcHandshakeOptions {
  readonly name: string;
  readonly plc: RequestSender;
  readonly format: WireFormat;
  readonly table: TagTable;
  readonly payloadFormat?: PayloadFormat;
  /** REQ: a bit (bit device or word bit) or an integer word; high = true / ≠ 0. */
  readonly req: Tag;
  /** ACK: a bit device point (set on OK, and on NG when `result` exists) or an integer word (OK/NG code). */
  readonly ack: Tag;
  /** Optional result word for a bit ACK: OK/NG code written before the ACK bit. */
  readonly result?: Tag;
  /** Optional sequence/counter word read with the data. */
  readonly sequence?: Tag;
  /** Default 1. */
  readonly okValue?: number;
  /** Default 2. */
  readonly ngValue?: number;
  /** Default 100, minimum 10. */
  readonly watchMs?: number;
  /** Bound on the data read and each ACK write (default 5000). */
  readonly stepTimeoutMs?: number;
  /** How long the PLC may take to clear REQ after ACK (default 10 000). */
  readonly reqClearTimeoutMs?: number;
  readonly ackAfterDownstream?: boolean;
  /** With ackAfterDownstream: how long to wait for accept()/reject() before NG (default 10 000). */
  readonly downstreamTimeoutMs?: number;
  /** REQ already high when the group starts or reconnects: "ignore" until it falls (default) or "handle". */
  readonly reqHighAtStart?: "ignore" | "handle";
  /**
   * Shared by the groups of one PLC: REQ watches then tick on a common grid and go out in one request.
   * Without it each group reads its REQ alone, on its own schedule.
   */
  readonly watchReader?: ReadCoalescer;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
}

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

export class HandshakeError extends Error {
  readonly code: string;
  constructor(
    message: string,
    readonly step: HandshakeStep,
    code: string,
    readonly transactionId?: string,
    override readonly cause?: unknown,
    /** What was read, when the read itself worked (a partial read). */
    readonly payload?: unknown,
  ) {
    super(message);
    this.name = "HandshakeError";
    this.code = code;
  }
}

export interface SequenceEvent {
  readonly kind: "lost" | "repeated";
  readonly transactionId: string;
  readonly previous: number;
  readonly sequence: number;
  readonly lost?: number;
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

function isInteger(tag: Tag): boolean {
  return ["int16", "uint16", "int32", "uint32"].includes(tag.type) && !tag.isArray;
}

/**
 * Events: "data" (HandshakeMessage), "handshake-error" (HandshakeError), "sequence" (SequenceEvent),
 * "transaction" (TransactionReport), "phase" (string: what the group waits for), "state" (GroupState).
 */
export class PlcHandshakeGroup extends EventEmitter implements ManagedGroup {
  readonly name: string;
  readonly mode = "handshake" as const;
  readonly watchMs: number;
  private readonly o: Required<
    Omit<
      PlcHandshakeOptions,
      "result" | "sequence" | "clock" | "wallClock" | "payloadFormat" | "table" | "watchReader"
    >
  > &
    Pick<PlcHandshakeOptions, "watchReader">;
  private readonly result?: Tag;
  private readonly sequenceTag?: Tag;
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
  private lastSequence?: number;
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
  private readonly sequenceStats = { lost: 0, repeated: 0, last: null as number | null };
  private duration = { last: 0, sum: 0, max: 0, count: 0 };
  private lastError?: { message: string; at: number };
  private lastSuccessAt?: number;
  private phase = "stopped";

  constructor(options: PlcHandshakeOptions) {
    super();
    this.name = options.name;
    this.watchMs = options.watchMs ?? DEFAULT_WATCH_MS;
    this.o = {
      name: options.name,
      plc: options.plc,
      format: options.format,
      req: options.req,
      ack: options.ack,
      okValue: options.okValue ?? 1,
      ngValue: options.ngValue ?? 2,
      watchMs: this.watchMs,
      stepTimeoutMs: options.stepTimeoutMs ?? 5000,
      reqClearTimeoutMs: options.reqClearTimeoutMs ?? 10_000,
      ackAfterDownstream: options.ackAfterDownstream ?? false,
      downstreamTimeoutMs: options.downstreamTimeoutMs ?? 10_000,
      reqHighAtStart: options.reqHighAtStart ?? "ignore",
      watchReader: options.watchReader,
    };
    this.result = options.result;
    this.sequenceTag = options.sequence;
    this.clock = options.clock ?? systemClock;
    this.wallClock = options.wallClock ?? Date.now;
    this.payloadFormat = options.payloadFormat ?? "object";
    this.validate();
    this.reqTable = {
      names: [REQ_TABLE_NAME],
      tags: [options.req],
      plan: planReads([options.req], options.format),
      deadbands: {},
    };
    this.setTable(options.table);
  }

  private validate(): void {
    const { req, ack, okValue, ngValue } = this.o;
    const problems: string[] = [];
    if (!Number.isFinite(this.watchMs) || this.watchMs < MIN_WATCH_MS)
      problems.push(`watch interval must be at least ${MIN_WATCH_MS} ms`);
    if (req.isArray || !(req.type === "bool" || isInteger(req)))
      problems.push(`REQ ${req.address} must be a bit or an integer word`);
    if (ack.bit !== undefined) {
      problems.push(
        `ACK ${ack.address} is a bit of a word, which MC protocol cannot write atomically: use a bit device (M, B, Y …) or a word`,
      );
    } else if (ack.isArray || !(ack.type === "bool" || isInteger(ack)))
      problems.push(`ACK ${ack.address} must be a bit or an integer word`);
    if (this.result && (this.result.bit !== undefined || !isInteger(this.result)))
      problems.push(`result ${this.result.address} must be an integer word`);
    if (this.sequenceTag && !isInteger(this.sequenceTag))
      problems.push(`sequence ${this.sequenceTag.address} must be an integer word`);
    for (const [label, v] of [
      ["OK", okValue],
      ["NG", ngValue],
    ] as const) {
      if (!Number.isInteger(v)) problems.push(`${label} value must be an integer`);
    }
    if (okValue === ngValue && (ack.type !== "bool" || this.result))
      problems.push("OK and NG values must differ");
    if (ack.type !== "bool" && okValue === 0)
      problems.push("OK value must not be 0 (0 is the cleared ACK word)");
    // The word that receives the OK/NG code must hold it, or every ACK write would fail at runtime.
    const codeWord =
      ack.type !== "bool"
        ? { label: "ACK", tag: ack }
        : this.result
          ? { label: "result", tag: this.result }
          : undefined;
    const range = codeWord && integerRange(codeWord.tag.type);
    if (codeWord && range) {
      for (const [label, v] of [
        ["OK", okValue],
        ["NG", ngValue],
      ] as const) {
        if (Number.isInteger(v) && (BigInt(v) < range[0] || BigInt(v) > range[1])) {
          problems.push(
            `${label} value ${v} does not fit the ${codeWord.label} word ${codeWord.tag.address} (${codeWord.tag.type}: ${range[0]}..${range[1]})`,
          );
        }
      }
    }
    for (const [label, v] of [
      ["step time-out", this.o.stepTimeoutMs],
      ["REQ clear time-out", this.o.reqClearTimeoutMs],
      ["downstream time-out", this.o.downstreamTimeoutMs],
    ] as const) {
      if (!(v > 0)) problems.push(`${label} must be > 0 ms`);
    }
    if (problems.length > 0)
      throw new HandshakeError(`group ${this.name}: ${problems.join("; ")}`, "watch", "HANDSHAKE_CONFIG");
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
    this.dataTable = this.sequenceTag
      ? {
          names: [...table.names, SEQUENCE_NAME],
          tags: [...table.tags, this.sequenceTag],
          plan: planReads([...table.tags, this.sequenceTag], this.o.format),
          deadbands: table.deadbands,
        }
      : table;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.edge = "unknown";
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
      sequence: { ...this.sequenceStats },
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
      this.setPhase("waiting for REQ");
      if (this.ackDirty) await this.clearAck(signal, undefined);
      if (this.state === "error" && !this.ackDirty) this.setState("running");
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

  private async transaction(signal: AbortSignal): Promise<void> {
    const id = `${this.runId}-${++this.txCount}`;
    const t0 = this.clock.now();
    const reqAt = this.wallClock();
    this.counters.transactions++;
    // Until REQ is seen low again, a high REQ is this transaction's, never a new one.
    this.edge = "high";
    this.setPhase(`transaction ${id}: reading`);

    let verdict: Verdict = "ok";
    let delivered = false;
    let sequence: number | undefined;
    try {
      const outcome = await this.step(pollOnce(this.dataTable, this.o.plc, this.name), "read", signal, id);
      const startedAt = reqAt;
      const seqReading = outcome.readings.find((r) => r.name === SEQUENCE_NAME);
      const readings = outcome.readings.filter((r) => r.name !== SEQUENCE_NAME);
      const data: PollOutcome = {
        ...outcome,
        readings,
        tagErrors: outcome.tagErrors.filter((e) => e.tag !== SEQUENCE_NAME),
      };
      if (outcome.tagErrors.length > 0) {
        const which = outcome.tagErrors
          .map((e) => `${e.tag === SEQUENCE_NAME ? "sequence" : e.tag}: ${e.error.message}`)
          .join("; ");
        throw new HandshakeError(
          `group ${this.name}, transaction ${id}: ${outcome.tagErrors.length} tag(s) could not be read (${which}); NG written`,
          "read",
          outcome.tagErrors[0]!.error.code,
          id,
          outcome.tagErrors[0]!.error,
          groupMessage(this.messageParts(data, startedAt, this.clock.now() - t0)).payload,
        );
      }
      sequence = seqReading === undefined ? undefined : Number(seqReading.value);
      const check = this.checkSequence(id, sequence);
      if (check.kind === "repeated") {
        // Already delivered: the PLC retried after our ACK got lost. Acknowledge, do not resend.
        verdict = "ok";
      } else {
        const awaitingAck = this.o.ackAfterDownstream;
        const message: HandshakeMessage = {
          ...groupMessage(this.messageParts(data, startedAt, this.clock.now() - t0)),
          handshake: {
            transactionId: id,
            group: this.name,
            ...(sequence !== undefined
              ? { sequence, sequenceCheck: check.kind, ...(check.lost ? { lost: check.lost } : {}) }
              : {}),
            reqAt,
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
        delivered = true;
        this.counters.delivered++;
        if (sequence !== undefined) this.lastSequence = sequence;
        if (wait) {
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
      }
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      verdict = "ng";
      const error =
        err instanceof HandshakeError
          ? err
          : this.stepError(err, "read", id, "reading the data failed; NG written");
      if (error.step === "read") this.counters.readFailures++;
      this.fail(error);
    }

    let acknowledged = false;
    // ok/ng count results the PLC received: a verdict whose ACK write failed is neither.
    const report = (completed: boolean): void => {
      const durationMs = this.clock.now() - t0;
      if (acknowledged && verdict === "ok") this.counters.ok++;
      else if (acknowledged) this.counters.ng++;
      if (completed) {
        this.counters.completed++;
        this.duration = {
          last: durationMs,
          sum: this.duration.sum + durationMs,
          max: Math.max(this.duration.max, durationMs),
          count: this.duration.count + 1,
        };
        if (verdict === "ok") this.lastSuccessAt = this.wallClock();
      } else this.counters.failed++;
      this.emit("transaction", {
        transactionId: id,
        verdict,
        completed,
        acknowledged,
        durationMs,
        sequence,
        delivered,
      } satisfies TransactionReport);
    };

    // 4. ACK
    this.setPhase(`transaction ${id}: writing ${verdict.toUpperCase()}`);
    try {
      this.ackDirty = true;
      await this.step(this.writeResult(verdict), "ack", signal, id);
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      this.counters.ackWriteFailures++;
      this.fail(
        this.stepError(err, "ack", id, `writing ${verdict.toUpperCase()} to ${this.o.ack.address} failed`),
      );
      // The PLC may or may not have seen ACK; the edge stays "high", so we wait for REQ to fall and clear
      // ACK then, which is right either way.
      return report(false);
    }
    acknowledged = true;

    // 5. REQ clear
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
        return report(false);
      }
      if (!high) break;
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
        return report(false);
      }
      await sleep(this.clock, Math.min(this.watchMs, Math.max(0, deadline - this.clock.now())), signal);
    }
    this.edge = "low";

    // 6. ACK clear
    const cleared = await this.clearAck(signal, id);
    report(cleared);
    if (cleared) this.setPhase("waiting for REQ");
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

  private checkSequence(
    id: string,
    sequence: number | undefined,
  ): { kind: "ok" | "lost" | "first" | "repeated"; lost?: number } {
    if (sequence === undefined) return { kind: "ok" };
    this.sequenceStats.last = sequence;
    const previous = this.lastSequence;
    if (previous === undefined) return { kind: "first" };
    if (sequence === previous) {
      this.sequenceStats.repeated++;
      this.emit("sequence", {
        kind: "repeated",
        transactionId: id,
        previous,
        sequence,
      } satisfies SequenceEvent);
      return { kind: "repeated" };
    }
    // Counters wrap at their word size; a step back is a PLC restart, not thousands of lost records.
    const modulus = this.sequenceTag!.words >= 2 ? 2 ** 32 : 2 ** 16;
    const gap = (((sequence - previous) % modulus) + modulus) % modulus;
    if (gap > 1 && gap < modulus / 2) {
      const lost = gap - 1;
      this.sequenceStats.lost += lost;
      this.emit("sequence", {
        kind: "lost",
        transactionId: id,
        previous,
        sequence,
        lost,
      } satisfies SequenceEvent);
      return { kind: "lost", lost };
    }
    return { kind: "ok" };
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
