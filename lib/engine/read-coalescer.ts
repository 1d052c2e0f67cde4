/**
 * Reads that different groups of one PLC ask for within a couple of milliseconds go out together,
 * planned as one table: twenty handshake groups watching their REQ bits every 100 ms cost one or two
 * requests per tick, not twenty. Watchers put their ticks on a shared grid (alignedDelay) so that
 * their reads do meet.
 */
import { systemClock, type Clock, type TimerHandle } from "../core/clock";
import { type ReadPlan, type TagResult, executeReadPlan, planReads } from "../mc/planner";
import { type Tag } from "../mc/tags";
import { type WireFormat } from "../mc/wire";
import { type RequestSender } from "./poller";

interface Waiting {
  readonly tag: Tag;
  readonly resolve: (r: TagResult) => void;
  readonly reject: (e: unknown) => void;
}

export interface ReadCoalescerOptions {
  /** How long the first read of a batch waits for others (timers due in the same ms can fire apart). */
  gatherMs?: number;
  clock?: Clock;
}

/** Plans are cached by the set of addresses; a bound keeps changing tag sets from growing it forever. */
const MAX_CACHED_PLANS = 64;

export class ReadCoalescer {
  private waiting: Waiting[] = [];
  private timer?: TimerHandle;
  private readonly plans = new Map<string, ReadPlan>();
  private readonly gatherMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly plc: RequestSender,
    private readonly format: WireFormat,
    options: ReadCoalescerOptions = {},
  ) {
    this.gatherMs = options.gatherMs ?? 2;
    this.clock = options.clock ?? systemClock;
  }

  /** Reads one tag together with whatever else is asked for now; resolves with that tag's own result. */
  read(tag: Tag): Promise<TagResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ tag, resolve, reject });
      this.timer ??= this.clock.setTimeout(() => void this.flush(), this.gatherMs);
    });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    try {
      const results = await executeReadPlan(this.planFor(batch.map((w) => w.tag)), this.plc, "watch");
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  private planFor(tags: Tag[]): ReadPlan {
    const key = tags.map((t) => t.address).join(" ");
    let plan = this.plans.get(key);
    if (!plan) {
      if (this.plans.size >= MAX_CACHED_PLANS) this.plans.clear();
      plan = planReads(tags, this.format);
      this.plans.set(key, plan);
    }
    return plan;
  }
}

/** Delay to the next multiple of `intervalMs` on the clock: watchers with one interval tick together. */
export function alignedDelay(now: number, intervalMs: number): number {
  const rest = now % intervalMs;
  return rest === 0 ? intervalMs : intervalMs - rest;
}
