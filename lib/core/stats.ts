/**
 * Polling statistics for one group or one PLC. Recording is O(1) and allocation-free, because it runs
 * on every poll. Latency percentiles come from a log-bucket histogram of the recent window, so a
 * snapshot costs a few dozen additions instead of a sort: the engine asks for 1 000 groups' status
 * every second and must answer in about a millisecond.
 */

export const DEFAULT_LATENCY_WINDOW = 1000;

/** What recordCycle() needs of a cycle; the engine's CycleReport is one. */
export interface CycleOutcome {
  ok: boolean;
  /** The cycle's duration, recorded as its latency. */
  duration: number;
  /** Grid slots missed just before the cycle. */
  skipped: number;
  error?: unknown;
}

export interface StatsOptions {
  /** How many recent latencies the window keeps. */
  window?: number;
  /** Wall-clock epoch ms for the "last …" times users read; injected for tests. */
  wallClock?: () => number;
  /**
   * Whether to stamp the last success and error with the wall clock (default true). Off where only
   * counts and latencies are read, e.g. a PLC's per-request figures: a clock read per request saved.
   */
  stampTimes?: boolean;
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

/** Buckets per doubling: each bucket is 2^(1/8) ≈ 9 % wide, the percentiles' resolution. */
const BUCKETS_PER_OCTAVE = 8;
/** The smallest bucket starts at 1 µs; 27 octaves reach past a day. */
const MIN_LATENCY_MS = 0.001;
const BUCKETS = 27 * BUCKETS_PER_OCTAVE;

function bucketOf(ms: number): number {
  if (!(ms > MIN_LATENCY_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log2(ms / MIN_LATENCY_MS) * BUCKETS_PER_OCTAVE));
}

/** Upper edge of a bucket: a percentile is reported as "at most this", never optimistic. */
function bucketTop(i: number): number {
  return MIN_LATENCY_MS * 2 ** ((i + 1) / BUCKETS_PER_OCTAVE);
}

/** Half of the window: a histogram plus the exact count, sum and max of its samples. */
class HalfWindow {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;
  low = BUCKETS;
  high = -1;

  add(ms: number): void {
    const b = bucketOf(ms);
    this.counts[b]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (b < this.low) this.low = b;
    if (b > this.high) this.high = b;
  }

  clear(): void {
    if (this.count > 0) this.counts.fill(0, this.low, this.high + 1);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.low = BUCKETS;
    this.high = -1;
  }
}

/** The clock of stats that stamp no times: snapshots show null. */
const noTime = (): null => null;

export class PollStats {
  private readonly wallClock: () => number | null;
  /** Samples per half window: the snapshot covers between `half` and 2 × `half` recent samples. */
  private readonly half: number;
  private current = new HalfWindow();
  private previous = new HalfWindow();
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
    this.half = Math.max(1, Math.ceil(size / 2));
    this.wallClock = options.stampTimes === false ? noTime : (options.wallClock ?? Date.now);
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
  recordCycle(report: CycleOutcome): void {
    this.recordOverruns(report.skipped);
    if (report.ok) this.recordSuccess(report.duration);
    else this.recordError(report.error, report.duration);
  }

  reset(): void {
    this.current.clear();
    this.previous.clear();
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
    if (this.current.count >= this.half) {
      const emptied = this.previous;
      emptied.clear();
      this.previous = this.current;
      this.current = emptied;
    }
    this.current.add(ms);
    this.last = ms;
  }

  private latencySnapshot(): LatencySnapshot {
    const a = this.current;
    const b = this.previous;
    const count = a.count + b.count;
    if (count === 0) return { samples: 0, last: null, avg: null, max: null, p50: null, p99: null };
    const max = Math.max(a.max, b.max);
    const low = Math.min(a.low, b.low);
    const high = Math.max(a.high, b.high);
    // Nearest rank, as percentile() does on sorted samples; capped by the true maximum.
    const rankOf = (p: number): number => Math.max(1, Math.ceil((p / 100) * count));
    const at = (rank: number): number => {
      let seen = 0;
      for (let i = low; i <= high; i++) {
        seen += a.counts[i]! + b.counts[i]!;
        if (seen >= rank) return Math.min(bucketTop(i), max);
      }
      return max;
    };
    return {
      samples: count,
      last: this.last,
      avg: (a.sum + b.sum) / count,
      max,
      p50: at(rankOf(50)),
      p99: at(rankOf(99)),
    };
  }
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  const value = sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  if (value === undefined) throw new RangeError("percentile() of an empty sample");
  return value;
}

function errorCode(error: unknown): string {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    if (typeof code === "string" || typeof code === "number") return String(code);
  }
  return "UNKNOWN";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
