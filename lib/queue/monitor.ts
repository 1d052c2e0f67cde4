import type { Clock } from "../core/clock";

export type QueueLevel = "ok" | "warn" | "alarm";

export interface Thresholds {
  /** Usage in percent at or above which the level is "warn". Default 70. */
  warn: number;
  /** Usage in percent at or above which the level is "alarm". Default 90. */
  alarm: number;
  /** Percentage points usage must fall below a threshold before the level drops, against flapping. Default 0. */
  hysteresis: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warn: 70, alarm: 90, hysteresis: 0 };

export interface LevelChange {
  level: QueueLevel;
  previous: QueueLevel;
  usage: number;
}

const RANK: Record<QueueLevel, number> = { ok: 0, warn: 1, alarm: 2 };

export function levelFor(usage: number, previous: QueueLevel, t: Thresholds): QueueLevel {
  const up: QueueLevel = usage >= t.alarm ? "alarm" : usage >= t.warn ? "warn" : "ok";
  if (RANK[up] >= RANK[previous]) return up;
  const h = t.hysteresis;
  const down: QueueLevel = usage >= t.alarm - h ? "alarm" : usage >= t.warn - h ? "warn" : "ok";
  return RANK[down] < RANK[previous] ? down : previous;
}

/**
 * Events per second over a sliding window of one-second buckets: memory stays fixed whatever the rate,
 * and a burst fades out of the figure after `windowMs` instead of dragging a lifetime average.
 */
export class SlidingRate {
  private readonly buckets: number[];
  private readonly bucketStart: number[];
  private readonly started: number;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 10_000,
    private readonly bucketMs = 1_000,
  ) {
    const n = Math.max(1, Math.ceil(windowMs / bucketMs));
    this.buckets = new Array<number>(n).fill(0);
    this.bucketStart = new Array<number>(n).fill(-Infinity);
    this.started = clock.now();
  }

  add(count: number): void {
    const now = this.clock.now();
    const start = now - (now % this.bucketMs);
    const i = Math.floor(start / this.bucketMs) % this.buckets.length;
    if (this.bucketStart[i] !== start) {
      this.bucketStart[i] = start;
      this.buckets[i] = 0;
    }
    this.buckets[i] = (this.buckets[i] ?? 0) + count;
  }

  perSecond(): number {
    const now = this.clock.now();
    let sum = 0;
    for (const [i, start] of this.bucketStart.entries()) {
      if (now - start < this.windowMs) sum += this.buckets[i] ?? 0;
    }
    const span = Math.min(this.windowMs, Math.max(this.bucketMs, now - this.started));
    return (sum * 1000) / span;
  }
}

export interface QueueCounters {
  enqueued: number;
  dequeued: number;
  dropped: number;
  cleared: number;
  redelivered: number;
}

/**
 * Totals, rates, high-water mark and threshold level of one queue. The queue reports what happened;
 * the monitor decides when a level changes and says so once per crossing.
 */
export class QueueMonitor {
  readonly totals: QueueCounters = { enqueued: 0, dequeued: 0, dropped: 0, cleared: 0, redelivered: 0 };
  highWater = 0;
  level: QueueLevel = "ok";
  private readonly enqueueRate: SlidingRate;
  private readonly dequeueRate: SlidingRate;
  private readonly dropRate: SlidingRate;

  constructor(
    clock: Clock,
    private readonly thresholds: Thresholds,
    windowMs: number,
    private readonly onLevel: (change: LevelChange) => void,
  ) {
    this.enqueueRate = new SlidingRate(clock, windowMs);
    this.dequeueRate = new SlidingRate(clock, windowMs);
    this.dropRate = new SlidingRate(clock, windowMs);
  }

  enqueued(n: number): void {
    this.totals.enqueued += n;
    this.enqueueRate.add(n);
  }

  dequeued(n: number): void {
    this.totals.dequeued += n;
    this.dequeueRate.add(n);
  }

  dropped(n: number): void {
    this.totals.dropped += n;
    this.dropRate.add(n);
  }

  /** Called after every change of size; `usage` in percent. */
  observe(size: number, usage: number): void {
    if (size > this.highWater) this.highWater = size;
    const next = levelFor(usage, this.level, this.thresholds);
    if (next === this.level) return;
    const previous = this.level;
    this.level = next;
    this.onLevel({ level: next, previous, usage });
  }

  rates(): { enqueue: number; dequeue: number; drop: number } {
    return {
      enqueue: this.enqueueRate.perSecond(),
      dequeue: this.dequeueRate.perSecond(),
      drop: this.dropRate.perSecond(),
    };
  }
}
