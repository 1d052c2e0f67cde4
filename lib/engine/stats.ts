/**
 * Polling statistics for one group or one PLC. Recording is O(1) and allocation-free, because it runs
 * on every poll; the percentiles are computed only when someone asks for a snapshot (a status update,
 * a stats message), over a bounded window of recent latencies.
 */
import type { CycleReport } from "./scheduler.js";

export const DEFAULT_LATENCY_WINDOW = 1000;

export interface StatsOptions {
  /** How many recent latencies the window keeps. */
  window?: number;
  /** Wall-clock epoch ms for the "last …" times users read; injected for tests. */
  wallClock?: () => number;
}

export interface LatencySnapshot {
  /** Samples in the window. */
  samples: number;
  last: number | null;
  avg: number | null;
  max: number | null;
  p50: number | null;
  p99: number | null;
}

export interface StatsSnapshot {
  polls: number;
  successes: number;
  errors: number;
  overruns: number;
  /** successes / polls, null before the first poll. */
  successRate: number | null;
  latencyMs: LatencySnapshot;
  lastSuccessAt: number | null;
  lastErrorAt: number | null;
  lastError: { code: string; message: string } | null;
  errorsByCode: Record<string, number>;
}

export class PollStats {
  private readonly wallClock: () => number;
  private readonly window: Float64Array;
  private count = 0;
  private head = 0;
  private last: number | null = null;

  private successes = 0;
  private errors = 0;
  private overruns = 0;
  private lastSuccessAt: number | null = null;
  private lastErrorAt: number | null = null;
  private lastError: { code: string; message: string } | null = null;
  private errorsByCode = new Map<string, number>();

  constructor(options: StatsOptions = {}) {
    const size = options.window ?? DEFAULT_LATENCY_WINDOW;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Stats window must be >= 1, got ${size}`);
    this.window = new Float64Array(size);
    this.wallClock = options.wallClock ?? Date.now;
  }

  recordSuccess(latencyMs: number): void {
    this.successes++;
    this.lastSuccessAt = this.wallClock();
    this.addLatency(latencyMs);
  }

  /** `latencyMs` is left out when the failure says nothing about the round trip (e.g. refused). */
  recordError(error: unknown, latencyMs?: number): void {
    this.errors++;
    this.lastErrorAt = this.wallClock();
    const code = errorCode(error);
    this.lastError = { code, message: errorMessage(error) };
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    if (latencyMs !== undefined) this.addLatency(latencyMs);
  }

  recordOverruns(count: number): void {
    this.overruns += count;
  }

  /** Records a scheduler cycle: its outcome, its duration as latency, and the slots it skipped. */
  recordCycle(report: CycleReport): void {
    this.recordOverruns(report.skipped);
    if (report.ok) this.recordSuccess(report.duration);
    else this.recordError(report.error, report.duration);
  }

  reset(): void {
    this.count = 0;
    this.head = 0;
    this.last = null;
    this.successes = 0;
    this.errors = 0;
    this.overruns = 0;
    this.lastSuccessAt = null;
    this.lastErrorAt = null;
    this.lastError = null;
    this.errorsByCode.clear();
  }

  snapshot(): StatsSnapshot {
    const polls = this.successes + this.errors;
    return {
      polls,
      successes: this.successes,
      errors: this.errors,
      overruns: this.overruns,
      successRate: polls === 0 ? null : this.successes / polls,
      latencyMs: this.latencySnapshot(),
      lastSuccessAt: this.lastSuccessAt,
      lastErrorAt: this.lastErrorAt,
      lastError: this.lastError && { ...this.lastError },
      errorsByCode: Object.fromEntries(this.errorsByCode),
    };
  }

  private addLatency(ms: number): void {
    if (this.count < this.window.length) this.count++;
    this.window[this.head] = ms;
    this.head = (this.head + 1) % this.window.length;
    this.last = ms;
  }

  private latencySnapshot(): LatencySnapshot {
    if (this.count === 0) return { samples: 0, last: null, avg: null, max: null, p50: null, p99: null };
    const sorted = this.window.slice(0, this.count).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      samples: this.count,
      last: this.last,
      avg: sum / this.count,
      max: sorted[this.count - 1],
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
    };
  }
}

/** Nearest-rank percentile: a value that was really observed, never an interpolation. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" || typeof code === "number") return String(code);
  }
  return "UNKNOWN";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
