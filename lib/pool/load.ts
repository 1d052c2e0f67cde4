/**
 * The load the engine puts on one PLC. A real CPU answers one request at a time per connection, a few ms
 * each, so the figure that says whether the configured groups fit is how much of the time each
 * connection has a request outstanding (busy %): near 100 % the PLC cannot answer more, and cycles are
 * missed. Rates cover the last WINDOW_S seconds, in one-second buckets; totals count since start.
 * docs/OPERATOR.md, "PLC load".
 */

/** Seconds the rates cover. */
export const LOAD_WINDOW_S = 10;
const BUCKET_MS = 1000;

export interface PlcLoadSnapshot {
  /** Seconds the rates below cover (less just after start). */
  readonly windowS: number;
  readonly requestsPerSec: number;
  /** Mean time from sending a request to its answer, ms; null without requests in the window. */
  readonly meanRequestMs: number | null;
  /** Share of the time a connection had a request outstanding, %, averaged over the connections. */
  readonly busyPercent: number;
  readonly busyPercentByConnection: readonly number[];
  /** Data words moved (read and written; bit devices in 16-point words). */
  readonly wordsPerSec: number;
  /** Requests saved by FIXED groups sharing requests, per second. */
  readonly savedPerSec: number;
  /** Since start: requests of shared reads, what the same cycles needed unshared, and the difference. */
  readonly shared: { readonly requests: number; readonly unshared: number; readonly saved: number };
  /** Since start: grid slots FIXED groups missed because their previous cycle still waited for the PLC. */
  readonly missedCycles: number;
}

interface Bucket {
  /** The second it counts (floor(now / BUCKET_MS)); NaN while unused. */
  index: number;
  requests: number;
  timeMs: number;
  words: number;
  saved: number;
  busyMs: Float64Array;
}

/** The window's seconds plus the current partial one. */
const RING = LOAD_WINDOW_S + 1;

export class PlcLoad {
  /**
   * One bucket per second in a ring, made once and reused: recording runs on every request, so it
   * stays O(1) and allocation-free.
   */
  private readonly buckets: Bucket[];
  private startedAt: number;
  /** Per connection, where its busy time was counted up to (answers arrive in end order per connection). */
  private busyUntil: number[] = [];
  private totals = { requests: 0, unshared: 0, missed: 0 };

  constructor(
    private readonly connections: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.buckets = Array.from({ length: RING }, () => ({
      index: NaN,
      requests: 0,
      timeMs: 0,
      words: 0,
      saved: 0,
      busyMs: new Float64Array(connections),
    }));
  }

  /**
   * A request answered (or failed) on connection `connection` after `durationMs`, having moved `words`
   * (bit devices in 16-point words). `now`: when it ended, on this load's clock.
   */
  recordRequest(connection: number, durationMs: number, words = 0, now = this.now()): void {
    const b = this.bucket(now);
    b.requests++;
    b.timeMs += durationMs;
    b.words += words;
    // Time with at least one request outstanding: overlapping 4E requests are counted once.
    const from = Math.max(now - durationMs, this.busyUntil[connection] ?? 0);
    if (now > from && connection < b.busyMs.length) b.busyMs[connection]! += now - from;
    this.busyUntil[connection] = Math.max(now, this.busyUntil[connection] ?? 0);
  }

  /** SharedReadsSink: one shared read, its requests and what its group cycles needed alone. */
  recordMerged(requests: number, unmerged: number): void {
    this.totals.requests += requests;
    this.totals.unshared += unmerged;
    this.bucket(this.now()).saved += unmerged - requests;
  }

  recordMissed(cycles: number): void {
    this.totals.missed += cycles;
  }

  /** Starts the rates over from now (the totals stay). */
  reset(): void {
    for (const b of this.buckets) b.index = NaN;
    this.busyUntil = [];
    this.startedAt = this.now();
  }

  /** busyPercent of snapshot(), for status lines that show it on every poll. */
  busyPercent(): number {
    return this.snapshot().busyPercent;
  }

  snapshot(): PlcLoadSnapshot {
    const now = this.now();
    const current = Math.floor(now / BUCKET_MS);
    const oldest = current - LOAD_WINDOW_S;
    // The window: the current partial bucket plus the full ones before it, since start at most.
    const spanMs = Math.max(1, Math.min(now - oldest * BUCKET_MS - BUCKET_MS, now - this.startedAt));
    let requests = 0;
    let timeMs = 0;
    let words = 0;
    let saved = 0;
    const busy = new Array<number>(this.connections).fill(0);
    for (const b of this.buckets) {
      if (!(b.index > oldest)) continue;
      requests += b.requests;
      timeMs += b.timeMs;
      words += b.words;
      saved += b.saved;
      for (let i = 0; i < busy.length; i++) busy[i]! += b.busyMs[i]!;
    }
    const perSec = (x: number): number => round((x * 1000) / spanMs);
    const byConnection = busy.map((ms) => Math.min(100, round((ms / spanMs) * 100)));
    return {
      windowS: round(spanMs / 1000),
      requestsPerSec: perSec(requests),
      meanRequestMs: requests === 0 ? null : round(timeMs / requests, 3),
      busyPercent: round(byConnection.reduce((a, b) => a + b, 0) / Math.max(1, byConnection.length)),
      busyPercentByConnection: byConnection,
      wordsPerSec: perSec(words),
      savedPerSec: perSec(saved),
      shared: {
        requests: this.totals.requests,
        unshared: this.totals.unshared,
        saved: this.totals.unshared - this.totals.requests,
      },
      missedCycles: this.totals.missed,
    };
  }

  private bucket(now: number): Bucket {
    const index = Math.floor(now / BUCKET_MS);
    const b = this.buckets[((index % RING) + RING) % RING]!;
    if (b.index !== index) {
      b.index = index;
      b.requests = 0;
      b.timeMs = 0;
      b.words = 0;
      b.saved = 0;
      b.busyMs.fill(0);
    }
    return b;
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
