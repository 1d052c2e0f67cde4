/**
 * Keeps a PLC that fails every 100 ms from writing ten log lines a second. The first occurrence of
 * a key is logged at once, then at most one per period, carrying how many were suppressed since the
 * previous one.
 */
import { systemClock, type Clock } from "./clock.js";

export const DEFAULT_LOG_PERIOD_MS = 60_000;
/** Keys usually embed error text; the bound keeps varying messages from growing the map forever. */
export const DEFAULT_MAX_KEYS = 1000;

export interface LogRateLimiterOptions {
  periodMs?: number;
  maxKeys?: number;
  clock?: Clock;
}

export interface LogDecision {
  log: boolean;
  /** When log is true: occurrences suppressed since the previous logged one. */
  repeated: number;
}

interface KeyState {
  loggedAt: number;
  suppressed: number;
  repeatedAtLastLog: number;
}

export class LogRateLimiter {
  private readonly periodMs: number;
  private readonly maxKeys: number;
  private readonly clock: Clock;
  private readonly keys = new Map<string, KeyState>();

  constructor(options: LogRateLimiterOptions = {}) {
    this.periodMs = options.periodMs ?? DEFAULT_LOG_PERIOD_MS;
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.clock = options.clock ?? systemClock;
  }

  check(key: string): LogDecision {
    const now = this.clock.now();
    const state = this.keys.get(key);
    if (state && now - state.loggedAt < this.periodMs) {
      state.suppressed++;
      return { log: false, repeated: 0 };
    }
    const repeated = state?.suppressed ?? 0;
    // Re-inserting keeps the map in least-recently-logged order for eviction.
    this.keys.delete(key);
    this.keys.set(key, { loggedAt: now, suppressed: 0, repeatedAtLastLog: repeated });
    if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    return { log: true, repeated };
  }

  shouldLog(key: string): boolean {
    return this.check(key).log;
  }

  /** Occurrences suppressed before the latest logged one of `key` (for "(repeated N times)"). */
  repeated(key: string): number {
    return this.keys.get(key)?.repeatedAtLastLog ?? 0;
  }

  /**
   * Forgets `key`, typically when the condition cleared (the PLC answered again), so that its next
   * failure is logged at once. Returns the occurrences suppressed since it was last logged.
   */
  clear(key: string): number {
    const suppressed = this.keys.get(key)?.suppressed ?? 0;
    this.keys.delete(key);
    return suppressed;
  }
}

/** Appends the repeat count the way every log line of the package shows it. */
export function withRepeatCount(message: string, repeated: number): string {
  return repeated > 0 ? `${message} (repeated ${repeated} times)` : message;
}
