/**
 * A FIXED polling group: a tag table read on a drift-free schedule. It emits one "data" event per
 * successful cycle (or only the changes, if asked), a "poll-error" per failed cycle, and keeps the
 * statistics the engine reports. It knows nothing of Node-RED.
 */
import { EventEmitter } from "node:events";
import { type Clock, systemClock } from "../core/clock";
import { ChangeFilter, type OutputOptions, buildPayload } from "./output";
import { PollError, type PollOutcome, type RequestSender, pollDuration, pollOnce } from "./poller";
import { type GroupState, type GroupStatus, type ManagedGroup, type TriggeredPoll } from "./registry";
import { type CycleContext, type CycleReport, Scheduler } from "./scheduler";
import { type SharedReads } from "./shared-reads";
import { TickClock } from "./tick-clock";
import { PollStats } from "../core/stats";
import { type TagTable } from "./tag-table";

export interface PollingMeta {
  readonly group: string;
  readonly plc: string;
  readonly mode: "fixed" | "handshake";
  readonly cycle: number;
  readonly manual: boolean;
  /** Epoch ms the cycle was due (scheduled) and actually started. */
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly quality: "good" | "partial";
  readonly requests: number;
  /** Tags in the payload (fewer than the table with changed-only output). */
  readonly tags: number;
  /** FIXED: the reads were planned with those of the PLC's other groups due at that instant. */
  readonly shared?: boolean;
}

export interface GroupMessage {
  readonly topic: string;
  readonly payload: unknown;
  readonly polling: PollingMeta;
  /** Tags that could not be read this cycle (quality "bad"), with their errors. */
  readonly badTags: PollOutcome["tagErrors"];
  /** What the callers of trigger() passed (e.g. their input messages), for a manual cycle. */
  readonly triggers: readonly unknown[];
}

export interface FixedGroupOptions {
  readonly name: string;
  readonly plc: RequestSender;
  readonly table: TagTable;
  readonly intervalMs: number;
  readonly output: OutputOptions;
  readonly clock?: Clock;
  /** Epoch ms now, for timestamps users read (injected in tests). */
  readonly wallClock?: () => number;
  /**
   * The PLC's shared reads. With it the group ticks on the PLC-wide grid and its reads are merged with
   * those of the other groups due at the same instant (its clock replaces `clock`), unless `shareReads`
   * is false: then it keeps its own phase and requests, and only reports missed cycles there.
   */
  readonly reads?: SharedReads;
  /** Default true when `reads` is given. */
  readonly shareReads?: boolean;
}

/**
 * Events: "data" (GroupMessage), "poll-error" (PollError; not for cycles whose trigger() callers get
 * the rejection instead), "state" (GroupState).
 */
export class FixedGroup extends EventEmitter implements ManagedGroup {
  readonly name: string;
  readonly mode = "fixed" as const;
  private readonly plc: RequestSender;
  private table: TagTable;
  private readonly output: OutputOptions;
  private changes: ChangeFilter;
  private readonly scheduler: Scheduler;
  private readonly stats: PollStats;
  private readonly wallClock: () => number;
  private readonly clock?: Clock;
  private readonly reads?: SharedReads;
  private readonly sharing: boolean;
  private lastState: GroupState = "stopped";
  /** Origins of trigger() calls not yet served by a manual cycle. */
  private waitingTriggers: unknown[] = [];
  /** Origins served by the cycle running now (its failure goes to them, not to "poll-error"). */
  private cycleTriggers: readonly unknown[] = [];
  /** The last manual cycle's message, for the trigger() callers it answers. */
  private lastManual?: { readonly cycle: number; readonly message: GroupMessage };
  /** The connection set-up the last poll that waited for one waited for (ms). */
  private connectMs?: number;

  constructor(options: FixedGroupOptions) {
    super();
    this.name = options.name;
    this.plc = options.plc;
    this.table = options.table;
    this.output = options.output;
    this.wallClock = options.wallClock ?? Date.now;
    this.reads = options.reads;
    this.sharing = options.reads !== undefined && options.shareReads !== false;
    this.clock = this.sharing ? options.reads!.clock : options.clock;
    this.changes = new ChangeFilter(options.table.deadbands);
    this.stats = new PollStats({ wallClock: this.wallClock });
    this.scheduler = new Scheduler({
      intervalMs: options.intervalMs,
      clock: this.clock,
      aligned: this.sharing,
      task: (ctx) => this.cycle(ctx),
      onCycle: (report) => this.onCycle(report),
    });
  }

  get running(): boolean {
    return this.scheduler.isStarted;
  }

  get intervalMs(): number {
    return this.scheduler.intervalMs;
  }

  /** Reads merged with the other groups of the PLC (false: own phase, own requests). */
  get sharesReads(): boolean {
    return this.sharing;
  }

  start(): void {
    if (this.running) return;
    if (this.sharing) this.reads!.join(this.name, this.table, this.intervalMs);
    this.scheduler.start();
    this.setState("running");
  }

  async stop(): Promise<void> {
    const wasRunning = this.running;
    if (wasRunning && this.sharing) this.reads!.leave(this.name);
    await this.scheduler.stop();
    if (wasRunning) this.setState("stopped");
  }

  /**
   * Polls once now and sends every tag, changed or not (a manual read must show everything). The
   * "data" event of that cycle carries `origin` in its `triggers`; triggers that arrive while a cycle
   * runs share the next one. Rejects with the PollError if that cycle failed; resolves with what it read.
   */
  async trigger(origin?: unknown): Promise<TriggeredPoll> {
    if (origin !== undefined) this.waitingTriggers.push(origin);
    const report = await this.scheduler.trigger();
    if (!report) {
      this.waitingTriggers = this.waitingTriggers.filter((o) => o !== origin);
      throw new PollError(`group ${this.name}: stopped before the triggered poll ran`, undefined);
    }
    if (!report.ok) throw toPollError(this.name, report.error);
    const m = this.lastManual?.cycle === report.cycle ? this.lastManual.message : undefined;
    return { payload: m?.payload ?? null, polling: m?.polling ?? {}, badTags: m?.badTags ?? [] };
  }

  setInterval(ms: number): void {
    this.scheduler.setInterval(ms);
    if (this.running && this.sharing) this.reads!.join(this.name, this.table, ms);
  }

  /** Replaces the tag table; the next cycle uses it and sends every tag once. */
  setTable(table: TagTable): void {
    this.table = table;
    if (this.running && this.sharing) this.reads!.join(this.name, table, this.intervalMs);
    this.changes = new ChangeFilter(table.deadbands);
  }

  status(): GroupStatus {
    const s = this.stats.snapshot();
    const latency = s.latencyMs;
    const r = (x: number | null): number => (x === null ? 0 : Math.round(x * 100) / 100);
    return {
      name: this.name,
      mode: this.mode,
      state: this.lastState,
      running: this.running,
      plc: this.plc.name,
      intervalMs: this.intervalMs,
      polls: s.polls,
      successes: s.successes,
      errors: s.errors,
      successRate: s.successRate === null ? 100 : Math.round(s.successRate * 1000) / 10,
      pollTime: { last: r(latency.last), avg: r(latency.avg), max: r(latency.max), p99: r(latency.p99) },
      connectMs: this.connectMs === undefined ? null : r(this.connectMs),
      overruns: s.overruns,
      lastError: s.lastError?.message,
      lastErrorAt: s.lastErrorAt === null ? undefined : new Date(s.lastErrorAt).toISOString(),
      lastSuccessAt: s.lastSuccessAt === null ? undefined : new Date(s.lastSuccessAt).toISOString(),
      tags: this.table.tags.length,
      requests: this.table.plan.requests.length,
      sharesReads: this.sharing,
    };
  }

  private async cycle(ctx: CycleContext): Promise<void> {
    const startedAt = this.wallClock();
    const monoStart = this.clock?.now() ?? performance.now();
    const table = this.table;
    const triggers = ctx.manual ? this.waitingTriggers : [];
    if (ctx.manual) this.waitingTriggers = [];
    this.cycleTriggers = triggers;
    const outcome = this.sharing
      ? await this.reads!.read(this.name, table, this.intervalMs, ctx.manual ? undefined : ctx.scheduledAt)
      : await pollOnce(table, this.plc, this.name);
    // stop() gave up waiting for this cycle: its late result must not leave a stopped node.
    if (ctx.signal.aborted) return;
    const readings = this.output.changedOnly
      ? this.changes.filter(outcome.readings, ctx.manual)
      : outcome.readings;
    if (this.output.changedOnly && readings.length === 0) return;
    const durationMs = (this.clock?.now() ?? performance.now()) - monoStart;
    const message: GroupMessage = {
      topic: this.name,
      payload: buildPayload(readings, this.output.format),
      polling: {
        group: this.name,
        plc: this.plc.name,
        mode: this.mode,
        cycle: ctx.cycle,
        manual: ctx.manual,
        scheduledAt: Math.round(startedAt - (monoStart - ctx.scheduledAt)),
        startedAt,
        durationMs: Math.round(durationMs * 1000) / 1000,
        quality: outcome.quality,
        requests: outcome.requests,
        tags: readings.length,
        shared: this.sharing,
      },
      badTags: outcome.tagErrors,
      triggers,
    };
    if (ctx.manual) this.lastManual = { cycle: ctx.cycle, message };
    this.emit("data", message);
  }

  private onCycle(report: CycleReport): void {
    // Poll time is the poll: the wait for a connection set up meanwhile is reported as connectMs.
    // (Only on the system clock: the pool's connection times are performance.now() values.)
    const clock = this.clock instanceof TickClock ? this.clock.base : this.clock;
    const systemTime = clock === undefined || clock === systemClock;
    const duration = systemTime
      ? pollDuration(this.plc, report.startedAt, report.finishedAt)
      : report.duration;
    if (duration !== report.duration) this.connectMs = this.plc.connectMs;
    this.stats.recordCycle({ ...report, duration });
    this.reads?.recordMissed(report.skipped);
    if (!report.ok) {
      const err = toPollError(this.name, report.error);
      this.setState(this.running ? "error" : "stopped");
      if (this.cycleTriggers.length === 0) this.emit("poll-error", err);
    } else if (this.running) {
      this.setState("running");
    }
  }

  private setState(state: GroupState): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.emit("state", state);
  }
}

function toPollError(group: string, error: unknown): PollError {
  if (error instanceof PollError) return error;
  return new PollError(`group ${group}: ${(error as Error)?.message ?? String(error)}`, error);
}
