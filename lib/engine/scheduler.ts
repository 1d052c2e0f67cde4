/**
 * The fixed-interval scheduler of one polling group.
 *
 * Scheduled cycle k starts at t0 + k·interval on a monotonic clock. Every timer is computed from t0,
 * never from the previous fire, so timer lateness (about 1 ms per fire on Node) does not accumulate.
 * Cycles never overlap: grid slots that fall due while a cycle is still running are skipped and
 * counted as overruns, and the next start is the next slot that is not yet in the past.
 *
 * Starts are typically 0.5–1 ms late on Node and we accept it rather than wake early and spin on
 * setImmediate to the deadline: spinning made starts exact but took a whole core for 100 groups at
 * 100 ms that were not started together (bench/schedule.bench.ts), and a PLC round trip varies more.
 */
import { MAX_TIMEOUT_MS, systemClock, type Clock, type TimerHandle } from "../core/clock.js";

/** Shorter intervals than this cannot be met by Node timers and a PLC round trip. */
export const MIN_INTERVAL_MS = 10;
export const DEFAULT_STOP_GRACE_MS = 500;

/**
 * Floating-point slack when comparing a deadline with now(): t0 + k·interval and now + delay can
 * differ in the last bit, which must not count as "early" and re-arm a zero-length timer.
 */
const EPSILON_MS = 1e-6;

export interface CycleContext {
  /** Sequence number of this cycle, counting scheduled and manual cycles from 0. */
  cycle: number;
  manual: boolean;
  scheduledAt: number;
  /** Aborted when stop() gives up waiting; pass it to whatever the task awaits. */
  signal: AbortSignal;
}

export type CycleTask = (context: CycleContext) => unknown;

export interface CycleReport {
  cycle: number;
  /** Grid index since the last (re-)anchor; absent for manual cycles. */
  slot?: number;
  manual: boolean;
  /** Grid time for scheduled cycles; the time of the first coalesced trigger() for manual ones. */
  scheduledAt: number;
  startedAt: number;
  finishedAt: number;
  duration: number;
  /** startedAt − scheduledAt. For a manual cycle, the wait behind a running cycle. */
  lateness: number;
  /** Grid slots missed just before this cycle, because a cycle ran over or the event loop stalled. */
  skipped: number;
  ok: boolean;
  error?: unknown;
}

export interface SchedulerOptions {
  intervalMs: number;
  task: CycleTask;
  clock?: Clock;
  /** Called once per finished cycle; a throwing listener is reported as a process warning. */
  onCycle?: (report: CycleReport) => void;
  /** How long stop() waits for a running cycle before aborting it. */
  stopGraceMs?: number;
  /**
   * Put the grid on multiples of the interval on the clock (a common epoch), so every scheduler of one
   * interval on that clock falls due at the same instants. start() still runs a first cycle at once;
   * the grid then starts at the next multiple. Default false: the grid is anchored at start().
   */
  aligned?: boolean;
}

export interface StopOptions {
  /** Overrides SchedulerOptions.stopGraceMs; 0 aborts the running cycle at once. */
  graceMs?: number;
}

/** The reason given to a cycle's AbortSignal when stop() stops waiting for it. */
export class CycleAbortedError extends Error {
  readonly code = "CYCLE_ABORTED";
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

interface RunningCycle {
  cycle: number;
  slot?: number;
  manual: boolean;
  scheduledAt: number;
  startedAt: number;
  skipped: number;
  controller: AbortController;
  waiters: Array<(report: CycleReport | undefined) => void>;
  /** Settles (never rejects) once the task settled and the cycle was reported. */
  finished: Promise<void>;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly task: CycleTask;
  private readonly onCycle?: (report: CycleReport) => void;
  private readonly stopGraceMs: number;
  private readonly aligned: boolean;

  private interval: number;
  private started = false;
  private t0 = 0;
  private nextSlot = 0;
  private lastScheduledAt = 0;
  private reanchorPending = false;
  private timer?: TimerHandle;
  private current: RunningCycle | undefined;
  private pendingTrigger: { requestedAt: number; waiters: RunningCycle["waiters"] } | undefined;
  private cycleCount = 0;
  private overrunCount = 0;
  private skippedSinceLast = 0;
  /** The next move along the grid is a join (after an aligned start), not an overrun. */
  private joiningGrid = false;

  constructor(options: SchedulerOptions) {
    this.interval = checkInterval(options.intervalMs);
    this.task = options.task;
    this.clock = options.clock ?? systemClock;
    this.onCycle = options.onCycle;
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.aligned = options.aligned ?? false;
  }

  get intervalMs(): number {
    return this.interval;
  }

  /** Between start() and stop(). */
  get isStarted(): boolean {
    return this.started;
  }

  /** A cycle is in progress (possibly an aborted one that has not settled yet). */
  get isBusy(): boolean {
    return this.current !== undefined;
  }

  /** Cycles started so far, scheduled and manual. */
  get cycles(): number {
    return this.cycleCount;
  }

  /** Grid slots skipped so far. */
  get overruns(): number {
    return this.overrunCount;
  }

  /** Runs cycle 0 now and anchors the grid here. Does nothing if already started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.reanchorPending = false;
    this.skippedSinceLast = 0;
    const now = this.clock.now();
    this.lastScheduledAt = now;
    this.nextSlot = 0;
    if (this.aligned) {
      // The grid point at or before now: slot 0 runs at once, slot 1 is the first shared instant.
      // Slots passed over while that first cycle runs are the group joining the grid, not overruns.
      this.t0 = now - (now % this.interval);
      this.joiningGrid = true;
    } else {
      this.t0 = now;
      this.joiningGrid = false;
    }
    // A cycle left over from before stop() still owns the group: slot 0 waits for it like any slot.
    if (this.current) return;
    this.runScheduled(now);
  }

  /**
   * Stops the grid at once (no timer survives this call, except the grace timer while a cycle runs),
   * drops pending triggers, and resolves when the running cycle finished, or when the grace period
   * ran out and the cycle's signal was aborted.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.started = false;
    this.reanchorPending = false;
    this.clearTimer();
    const pending = this.pendingTrigger;
    this.pendingTrigger = undefined;
    pending?.waiters.forEach((resolve) => resolve(undefined));

    const running = this.current;
    if (!running) return Promise.resolve();
    const grace = Math.min(options.graceMs ?? this.stopGraceMs, MAX_TIMEOUT_MS);
    const abort = (): void =>
      running.controller.abort(new CycleAbortedError(`cycle ${running.cycle} aborted by stop()`));
    if (grace <= 0) {
      abort();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const deadline = this.clock.setTimeout(() => {
        abort();
        resolve();
      }, grace);
      void running.finished.then(() => {
        this.clock.clearTimeout(deadline);
        resolve();
      });
    });
  }

  /**
   * Runs one cycle now, outside the grid, which stays where it is. Triggers that arrive while a cycle
   * runs are coalesced into one cycle that starts when it finishes, so the data they get was read
   * after they asked. Resolves with that cycle's report, or undefined if stop() dropped it; never
   * rejects. Works while stopped too (a one-off read).
   */
  trigger(): Promise<CycleReport | undefined> {
    return new Promise((resolve) => {
      if (this.current) {
        this.pendingTrigger ??= { requestedAt: this.clock.now(), waiters: [] };
        this.pendingTrigger.waiters.push(resolve);
        return;
      }
      const now = this.clock.now();
      this.clearTimer();
      this.run({ manual: true, scheduledAt: now, skipped: 0, waiters: [resolve] });
    });
  }

  /**
   * Changes the interval. The grid is re-anchored at the next start, which comes one new interval
   * after the last scheduled start, or at once if that is already past. Slots of the old grid are not
   * counted as overruns.
   */
  setInterval(ms: number): void {
    this.interval = checkInterval(ms);
    if (!this.started) return;
    if (this.current) {
      this.reanchorPending = true;
      return;
    }
    this.clearTimer();
    this.reanchor();
    this.arm();
  }

  private reanchor(): void {
    const earliest = Math.max(this.clock.now(), this.lastScheduledAt + this.interval);
    const rest = earliest % this.interval;
    this.t0 = this.aligned && rest > EPSILON_MS ? earliest - rest + this.interval : earliest;
    this.nextSlot = 0;
    this.reanchorPending = false;
    this.joiningGrid = false;
  }

  private slotTime(k: number): number {
    return this.t0 + k * this.interval;
  }

  /** The last slot whose time is not after `now` (at least nextSlot). */
  private latestDueSlot(now: number): number {
    let k = Math.max(this.nextSlot, Math.floor((now - this.t0) / this.interval));
    while (this.slotTime(k + 1) <= now + EPSILON_MS) k++;
    while (k > this.nextSlot && this.slotTime(k) > now + EPSILON_MS) k--;
    return k;
  }

  /** The first slot whose time is not before `now` (at least nextSlot). */
  private firstFutureSlot(now: number): number {
    let k = Math.max(this.nextSlot, Math.ceil((now - this.t0) / this.interval));
    while (this.slotTime(k) < now - EPSILON_MS) k++;
    while (k > this.nextSlot && this.slotTime(k - 1) >= now - EPSILON_MS) k--;
    return k;
  }

  private arm(): void {
    const delay = this.slotTime(this.nextSlot) - this.clock.now();
    // Long intervals are chained: onDue re-arms until the slot is really due.
    this.timer = this.clock.setTimeout(() => this.onDue(), Math.min(Math.max(delay, 0), MAX_TIMEOUT_MS));
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onDue(): void {
    this.timer = undefined;
    if (!this.started || this.current) return;
    const now = this.clock.now();
    if (this.slotTime(this.nextSlot) - now > EPSILON_MS) {
      this.arm();
      return;
    }
    this.skip(this.latestDueSlot(now));
    this.runScheduled();
  }

  /** Runs the slot nextSlot points at (at `at` instead of its grid time for an aligned start). */
  private runScheduled(at?: number): void {
    const slot = this.nextSlot;
    const scheduledAt = at ?? this.slotTime(slot);
    const skipped = this.skippedSinceLast;
    this.nextSlot = slot + 1;
    this.skippedSinceLast = 0;
    this.lastScheduledAt = scheduledAt;
    this.run({ manual: false, slot, scheduledAt, skipped, waiters: [] });
  }

  private run(spec: Pick<RunningCycle, "manual" | "slot" | "scheduledAt" | "skipped" | "waiters">): void {
    const running: RunningCycle = {
      ...spec,
      cycle: this.cycleCount++,
      startedAt: this.clock.now(),
      controller: new AbortController(),
      finished: Promise.resolve(),
    };
    // Set before calling the task, so a task that calls trigger() or stop() sees itself running.
    this.current = running;
    let outcome: Promise<unknown>;
    try {
      outcome = Promise.resolve(
        this.task({
          cycle: running.cycle,
          manual: running.manual,
          scheduledAt: running.scheduledAt,
          signal: running.controller.signal,
        }),
      );
    } catch (err) {
      outcome = Promise.reject(err);
    }
    running.finished = outcome.then(
      () => this.finish(running, true, undefined),
      (err: unknown) => this.finish(running, false, err),
    );
  }

  private finish(running: RunningCycle, ok: boolean, error: unknown): void {
    const finishedAt = this.clock.now();
    const report: CycleReport = {
      cycle: running.cycle,
      manual: running.manual,
      scheduledAt: running.scheduledAt,
      startedAt: running.startedAt,
      finishedAt,
      duration: finishedAt - running.startedAt,
      lateness: running.startedAt - running.scheduledAt,
      skipped: running.skipped,
      ok,
    };
    if (running.slot !== undefined) report.slot = running.slot;
    if (!ok) report.error = error;
    this.current = undefined;
    // Plan the next cycle before telling anyone, so listeners that call trigger(), stop() or
    // setInterval() act on a consistent state.
    this.next();

    try {
      this.onCycle?.(report);
    } catch (err) {
      // Polling must outlive a broken listener, and throwing here would be an unhandled rejection.
      process.emitWarning(`Scheduler onCycle listener threw: ${String(err)}`, "SchedulerWarning");
    }
    running.waiters.forEach((resolve) => resolve(report));
  }

  private next(): void {
    const pending = this.pendingTrigger;
    if (pending) {
      this.pendingTrigger = undefined;
      this.run({ manual: true, scheduledAt: pending.requestedAt, skipped: 0, waiters: pending.waiters });
      return;
    }
    if (!this.started) return;
    if (this.reanchorPending) {
      this.reanchor();
    } else {
      this.skip(this.firstFutureSlot(this.clock.now()));
    }
    this.arm();
  }

  /** Moves the grid forward to `slot`, counting the slots in between as overruns. */
  private skip(slot: number): void {
    if (this.joiningGrid) {
      this.joiningGrid = false;
      this.nextSlot = slot;
      return;
    }
    this.skippedSinceLast += slot - this.nextSlot;
    this.overrunCount += slot - this.nextSlot;
    this.nextSlot = slot;
  }
}

function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
    throw new RangeError(`Polling interval must be a finite number of ms >= ${MIN_INTERVAL_MS}, got ${ms}`);
  }
  return ms;
}
