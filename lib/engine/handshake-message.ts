/**
 * A HANDSHAKE group triggered by messages: every accepted trigger reads the tag table once, at once,
 * and gets a message in the FIXED group's format. Two guards keep a chatty caller (a double-clicked
 * button, an HTTP client retrying) from hammering the PLC:
 *
 * - De-duplication: a trigger within `dedupMs` of the last accepted trigger is rejected as
 *   "duplicate" without reading anything (0 = off).
 * - Concurrency, for triggers that arrive while a poll is running:
 *   - "coalesce": they all share ONE poll that starts when the running poll ends. They are never
 *     answered with the running poll's data, because that read may have finished before they arrived
 *     (a caller that asks after writing a recipe must see the recipe). Cost: at most one extra poll.
 *   - "queue": each gets its own poll, in arrival order.
 *   Either way at most `maxPending` triggers wait; one more is rejected as "queue-full". Every
 *   trigger ends in exactly one outcome: data, a rejection, or the poll's error.
 */
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock";
import { type GroupMessage } from "./fixed-group";
import { groupMessage, round2 } from "./handshake-common";
import { type PayloadFormat } from "./output";
import { PollError, type RequestSender, pollDuration, pollOnce } from "./poller";
import {
  type GroupState,
  type GroupStatus,
  type ManagedGroup,
  type TriggeredPoll,
  TriggerRefusedError,
} from "./registry";
import { DEFAULT_STOP_GRACE_MS } from "./scheduler";
import { PollStats } from "../core/stats";
import { type TagTable } from "./tag-table";

export type Concurrency = "coalesce" | "queue";
export type RejectReason = "duplicate" | "queue-full" | "stopped";

export const DEFAULT_DEDUP_MS = 1000;
export const DEFAULT_MAX_PENDING = 100;

export interface MessageTriggerOptions {
  readonly name: string;
  readonly plc: RequestSender;
  readonly table: TagTable;
  readonly format?: PayloadFormat;
  /** Default 1000; 0 turns de-duplication off. */
  readonly dedupMs?: number;
  /** Default "coalesce". */
  readonly concurrency?: Concurrency;
  /** Triggers allowed to wait behind a running poll (default 100). */
  readonly maxPending?: number;
  readonly clock?: Clock;
  readonly wallClock?: () => number;
}

export interface Rejection {
  readonly reason: RejectReason;
  readonly group: string;
  readonly detail: string;
  /** For "duplicate": how long until a trigger would be accepted again. */
  readonly retryAfterMs?: number;
}

export type TriggerResult =
  { readonly accepted: true; readonly message: GroupMessage } | ({ readonly accepted: false } & Rejection);

interface Waiter {
  readonly origin: unknown;
  readonly at: number;
  readonly wallAt: number;
  resolve(result: TriggerResult): void;
  reject(err: PollError): void;
}

/**
 * Events: "data" (GroupMessage; `triggers` holds the origins it answers), "rejected" (Rejection and
 * the origin), "poll-error" (PollError of a poll no caller with an origin waited for), "state".
 */
export class MessageTriggerGroup extends EventEmitter implements ManagedGroup {
  readonly name: string;
  readonly mode = "handshake" as const;
  readonly dedupMs: number;
  readonly concurrency: Concurrency;
  readonly maxPending: number;
  private readonly plc: RequestSender;
  private table: TagTable;
  private readonly format: PayloadFormat;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly stats: PollStats;
  private started = false;
  private state: GroupState = "stopped";
  private lastAcceptedAt?: number;
  private pending: Waiter[] = [];
  private current?: Promise<void>;
  private cycle = 0;
  private connectMs?: number;
  private readonly counters = {
    triggers: 0,
    accepted: 0,
    duplicates: 0,
    overflows: 0,
    stoppedRejections: 0,
    maxWaiting: 0,
  };

  constructor(options: MessageTriggerOptions) {
    super();
    this.name = options.name;
    this.plc = options.plc;
    this.table = options.table;
    this.format = options.format ?? "object";
    this.dedupMs = options.dedupMs ?? DEFAULT_DEDUP_MS;
    this.concurrency = options.concurrency ?? "coalesce";
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    if (!(this.dedupMs >= 0))
      throw new RangeError(`de-duplication window must be ≥ 0 ms, got ${this.dedupMs}`);
    if (!Number.isInteger(this.maxPending) || this.maxPending < 1) {
      throw new RangeError(`maximum waiting triggers must be an integer ≥ 1, got ${this.maxPending}`);
    }
    if (this.concurrency !== "coalesce" && this.concurrency !== "queue") {
      throw new RangeError(`concurrency must be "coalesce" or "queue", got ${String(this.concurrency)}`);
    }
    this.clock = options.clock ?? systemClock;
    this.wallClock = options.wallClock ?? Date.now;
    this.stats = new PollStats({ wallClock: this.wallClock });
  }

  get running(): boolean {
    return this.started;
  }

  /** Triggers waiting behind the running poll. */
  get waiting(): number {
    return this.pending.length;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.setState("running");
  }

  /**
   * Rejects waiting triggers as "stopped" and resolves when the running poll (if any) ended, or after
   * the stop grace (0.5 s) if the PLC is slow to answer: that poll then ends on its own time-out and
   * still answers the triggers it serves.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const dropped = this.pending;
    this.pending = [];
    for (const w of dropped)
      this.rejectWaiter(w, "stopped", `group ${this.name} stopped before its poll ran`);
    const running = this.current;
    if (running) {
      let timer: unknown;
      const grace = new Promise<void>(
        (resolve) => (timer = this.clock.setTimeout(resolve, DEFAULT_STOP_GRACE_MS)),
      );
      await Promise.race([running, grace]);
      this.clock.clearTimeout(timer);
    }
    this.setState("stopped");
  }

  setTable(table: TagTable): void {
    this.table = table;
  }

  /**
   * The engine's "trigger" command: like a message trigger without an origin to answer. A rejected
   * trigger (stopped, duplicate, too many waiting) read nothing: it is a TriggerRefusedError.
   */
  async trigger(): Promise<TriggeredPoll> {
    const result = await this.request(undefined);
    if (result.accepted) {
      const m = result.message;
      return { payload: m.payload, polling: m.polling, badTags: m.badTags };
    }
    switch (result.reason) {
      case "stopped":
        throw new TriggerRefusedError(409, "NOT_RUNNING", result.detail);
      case "duplicate":
        throw new TriggerRefusedError(429, "DUPLICATE_TRIGGER", result.detail, result.retryAfterMs);
      default:
        throw new TriggerRefusedError(429, "TRIGGER_QUEUE_FULL", result.detail);
    }
  }

  /**
   * One trigger. Resolves with the data message that answers it, or with the rejection; rejects with
   * the PollError when its poll failed.
   */
  request(origin: unknown): Promise<TriggerResult> {
    this.counters.triggers++;
    const now = this.clock.now();
    if (!this.started) {
      this.counters.stoppedRejections++;
      return Promise.resolve(
        this.rejection(origin, "stopped", `group ${this.name} is stopped (send "start" first)`),
      );
    }
    if (this.dedupMs > 0 && this.lastAcceptedAt !== undefined && now - this.lastAcceptedAt < this.dedupMs) {
      this.counters.duplicates++;
      const retryAfterMs = Math.ceil(this.lastAcceptedAt + this.dedupMs - now);
      return Promise.resolve(
        this.rejection(
          origin,
          "duplicate",
          `group ${this.name}: trigger ignored, within ${this.dedupMs} ms of the last accepted one`,
          retryAfterMs,
        ),
      );
    }
    if (this.pending.length >= this.maxPending) {
      this.counters.overflows++;
      return Promise.resolve(
        this.rejection(
          origin,
          "queue-full",
          `group ${this.name}: ${this.maxPending} triggers already waiting for a poll`,
        ),
      );
    }
    this.lastAcceptedAt = now;
    this.counters.accepted++;
    return new Promise<TriggerResult>((resolve, reject) => {
      this.pending.push({ origin, at: now, wallAt: this.wallClock(), resolve, reject });
      this.counters.maxWaiting = Math.max(
        this.counters.maxWaiting,
        this.pending.length - (this.current ? 0 : 1),
      );
      this.pump();
    });
  }

  status(): GroupStatus {
    const s = this.stats.snapshot();
    const l = s.latencyMs;
    return {
      name: this.name,
      mode: this.mode,
      trigger: "message",
      state: this.state,
      running: this.started,
      plc: this.plc.name,
      polls: s.polls,
      successes: s.successes,
      errors: s.errors,
      successRate: s.successRate === null ? 100 : Math.round(s.successRate * 1000) / 10,
      pollTime: { last: round2(l.last), avg: round2(l.avg), max: round2(l.max), p99: round2(l.p99) },
      connectMs: this.connectMs === undefined ? null : round2(this.connectMs),
      overruns: 0,
      lastError: s.lastError?.message,
      lastErrorAt: s.lastErrorAt === null ? undefined : new Date(s.lastErrorAt).toISOString(),
      lastSuccessAt: s.lastSuccessAt === null ? undefined : new Date(s.lastSuccessAt).toISOString(),
      tags: this.table.tags.length,
      requests: this.table.plan.requests.length,
      dedupMs: this.dedupMs,
      concurrency: this.concurrency,
      maxPending: this.maxPending,
      waiting: this.pending.length,
      ...this.counters,
    };
  }

  private rejection(
    origin: unknown,
    reason: RejectReason,
    detail: string,
    retryAfterMs?: number,
  ): TriggerResult {
    const rejection: Rejection = {
      reason,
      group: this.name,
      detail,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
    this.emit("rejected", rejection, origin);
    return { accepted: false, ...rejection };
  }

  private rejectWaiter(w: Waiter, reason: RejectReason, detail: string): void {
    this.counters.stoppedRejections++;
    w.resolve(this.rejection(w.origin, reason, detail));
  }

  private pump(): void {
    if (this.current || this.pending.length === 0) return;
    const batch = this.concurrency === "coalesce" ? this.pending.splice(0) : this.pending.splice(0, 1);
    this.current = this.poll(batch).finally(() => {
      this.current = undefined;
      this.pump();
    });
  }

  private async poll(batch: Waiter[]): Promise<void> {
    const cycle = this.cycle++;
    const startedAt = this.wallClock();
    const monoStart = this.clock.now();
    const table = this.table;
    try {
      const outcome = await pollOnce(table, this.plc, this.name);
      const durationMs = this.ownDuration(monoStart);
      this.stats.recordSuccess(durationMs);
      const message = groupMessage({
        group: this.name,
        plc: this.plc.name,
        cycle,
        manual: true,
        scheduledAt: batch[0]!.wallAt,
        startedAt,
        durationMs,
        outcome,
        format: this.format,
        triggers: batch.filter((w) => w.origin !== undefined).map((w) => w.origin),
      });
      if (this.started) this.setState("running");
      this.emit("data", message);
      for (const w of batch) w.resolve({ accepted: true, message });
    } catch (err) {
      const error =
        err instanceof PollError ? err : new PollError(`group ${this.name}: ${(err as Error)?.message}`, err);
      this.stats.recordError(error, this.ownDuration(monoStart));
      if (this.started) this.setState("error");
      if (batch.every((w) => w.origin === undefined)) this.emit("poll-error", error);
      for (const w of batch) w.reject(error);
    }
  }

  /** Poll time without the wait for a connection set up meanwhile (that is connectMs). */
  private ownDuration(monoStart: number): number {
    const now = this.clock.now();
    if (this.clock !== systemClock) return now - monoStart;
    const d = pollDuration(this.plc, monoStart, now);
    if (d !== now - monoStart) this.connectMs = this.plc.connectMs;
    return d;
  }

  private setState(state: GroupState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit("state", state);
  }
}
