/**
 * One timer per instant for every scheduler on one PLC. Schedulers on a common grid ask for timers due
 * at the same instants; here those fire together, one after the other in one timer callback, so every
 * group due at an instant has started its cycle (and asked for its reads) before the microtask that
 * plans the reads runs: the whole set of due groups is seen without waiting a gather window.
 */
import { type Clock, type TimerHandle } from "../core/clock";

interface Tick {
  readonly at: number;
  readonly entries: Set<Entry>;
  handle?: TimerHandle;
}

interface Entry {
  readonly fn: () => void;
  readonly tick: Tick;
}

/**
 * Timers due this close together fire together. A scheduler computes its delay from its own reading of
 * now(), a few µs before this clock's, so timers for one grid instant arrive a few µs apart.
 */
const SAME_INSTANT_MS = 0.5;

export class TickClock implements Clock {
  /** Pending instants, few: one per distinct upcoming grid time. */
  private readonly ticks = new Set<Tick>();

  constructor(readonly base: Clock) {}

  now(): number {
    return this.base.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Math.max(0, ms);
    const at = this.base.now() + delay;
    let tick: Tick | undefined;
    for (const t of this.ticks) if (Math.abs(t.at - at) <= SAME_INSTANT_MS) tick = t;
    if (!tick) {
      const created: Tick = { at, entries: new Set() };
      created.handle = this.base.setTimeout(() => this.fire(created), delay);
      this.ticks.add(created);
      tick = created;
    }
    const entry: Entry = { fn, tick };
    tick.entries.add(entry);
    return entry;
  }

  clearTimeout(handle: TimerHandle): void {
    const entry = handle as Entry;
    const tick = entry.tick;
    if (!tick.entries.delete(entry) || tick.entries.size > 0) return;
    if (this.ticks.delete(tick)) this.base.clearTimeout(tick.handle);
  }

  /** Pending instants (one base timer each). */
  get pendingTicks(): number {
    return this.ticks.size;
  }

  private fire(tick: Tick): void {
    this.ticks.delete(tick);
    for (const entry of [...tick.entries]) {
      // A callback may clear a timer of the same instant (a group stopping another): skip it then.
      if (!tick.entries.delete(entry)) continue;
      entry.fn();
    }
  }
}
