/**
 * Time as a dependency, shared by every layer of lib/. The engine and the pool read a monotonic clock
 * so that wall-clock jumps (NTP, DST, a user setting the date) never shift or burst the polling grid;
 * the queue reads wall time. Tests drive a ManualClock instead of sleeping.
 */

/** Opaque: only the clock that returned a handle can clear it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds, fractional; the origin is arbitrary. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node (like browsers) fires a longer delay after 1 ms, with a warning; callers must chain timers. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Node counts timers in whole milliseconds from a cached loop time that can be up to a millisecond
 * behind performance.now(), so a timer fires up to ~2 ms early or late by that measure. Rounding the
 * delay up makes early fires rare; each one costs the scheduler a re-arm and at least 1 ms more
 * (100 groups at 100 ms: 1.9 timer wake-ups per cycle without rounding, 1.15 with).
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.ceil(ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The same Clock on wall time, for the queue: enqueue times are stored on disk and compared after a
 * restart, where a monotonic origin means nothing.
 */
export const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock for tests: time moves only in advance(). Timers fire in deadline order (ties in creation
 * order), with now() equal to their deadline, and timers created by callbacks during an advance fire
 * in the same advance when they fall due. Between timers the microtask queue and pending
 * setImmediate callbacks are drained, so an async task resolved by a timer finishes at that instant.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    if (!(ms <= MAX_TIMEOUT_MS)) {
      // Fail loudly where Node would silently fire after 1 ms.
      throw new RangeError(`ManualClock: timeout ${ms} ms exceeds ${MAX_TIMEOUT_MS} ms`);
    }
    const timer: ManualTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Deadline of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.earliest()?.at;
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(target: number): Promise<void> {
    await settle();
    for (;;) {
      const timer = this.earliest();
      if (!timer || timer.at > target) break;
      this.timers.delete(timer);
      this.current = Math.max(this.current, timer.at);
      timer.fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Lets promise chains started by the code under test run to completion at the current time. */
  async settle(): Promise<void> {
    await settle();
  }

  private earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
