/**
 * Read merging across the FIXED groups of one PLC. On a real PLC requests are the scarce resource (one
 * at a time per connection, a few ms each), so the groups due at one instant are read with one plan:
 * their tags are planned as one table, the requests go out for the shortest-interval groups first, and
 * each group gets its own outcome (values, quality, errors) as soon as the requests it needs answered.
 *
 * A tag the PLC refuses (an end code) would make every shared request it sits in fail and re-read all
 * of that request's tags alone, every cycle; so once refused it is planned apart and read alone (one
 * request, as it would cost in its own group), until a read of it succeeds again.
 *
 * Groups that share put their grids on multiples of their interval (Scheduler `aligned`) and take their
 * timers from `clock`, which fires the timers of one instant together; every cycle asks synchronously
 * when it starts, so one microtask later the whole set of due groups is known. Merged plans are cached
 * per set of due groups; invalidate() drops them when a group starts, stops or changes tags or interval.
 * docs/PLANNER.md, "Groups sharing requests".
 */
import { McEndCodeError } from "../mc/errors";
import {
  type ReadPlan,
  type RequestOutcome,
  type Send,
  executeReadPlan,
  planReads,
  resultsOf,
  runRequest,
  type TagResult,
} from "../mc/planner";
import { type Tag } from "../mc/tags";
import { type WireFormat } from "../mc/wire";
import { type Clock, systemClock } from "./clock";
import { type PollOutcome, type RequestSender, outcomeOf } from "./poller";
import { type TagTable } from "./tag-table";
import { TickClock } from "./tick-clock";

/** Where the PLC's load figures are kept (the pool's load meter). */
export interface SharedReadsSink {
  /** One merged read: the requests it took and the requests the same group cycles take alone. */
  recordMerged(requests: number, unmerged: number): void;
  /** Grid slots groups missed because their previous cycle was still waiting for the PLC. */
  recordMissed(cycles: number): void;
}

export interface SharedReadsStats {
  /** Merged reads (one per instant at which groups were due together, or per manual read). */
  readonly batches: number;
  /** Group cycles served by them. */
  readonly cycles: number;
  /** Requests they were planned with (re-reads of refused tags not counted). */
  readonly requests: number;
  /** What the same group cycles would have needed, each group read with its own plan. */
  readonly unmergedRequests: number;
  /** Sum of the merged plans' lower bounds: no plan can need fewer requests. */
  readonly lowerBound: number;
  readonly missedCycles: number;
}

export interface SharedReadsOptions {
  readonly clock?: Clock;
  /** Epoch ms for reading timestamps. */
  readonly wallClock?: () => number;
  readonly sink?: SharedReadsSink;
}

interface Ask {
  readonly group: string;
  readonly table: TagTable;
  readonly intervalMs: number;
  readonly resolve: (outcome: PollOutcome) => void;
  readonly reject: (err: unknown) => void;
}

interface Member {
  /** Per tag of the group's table: its index in the merged plan, or −1 − its index in `loners`. */
  readonly tags: readonly number[];
  /** The requests of the merged plan that deliver the group's tags, ascending. */
  readonly requests: readonly number[];
  /** Indexes into `loners` of its refused tags. */
  readonly loners: readonly number[];
}

interface MergedPlan {
  readonly plan: ReadPlan;
  /** Tags the PLC refused, each planned alone. */
  readonly loners: readonly ReadPlan[];
  /** Request indexes in sending order: the shortest-interval group's requests first. */
  readonly order: readonly number[];
  /** In the batch's order (sorted by group name). */
  readonly members: readonly Member[];
  /** The groups' own plans' requests, summed. */
  readonly unmerged: number;
}

/** Merged requests take turns with other owners (opted-out groups, handshakes) in the client's queue. */
export const SHARED_OWNER = "shared reads";

/** Due sets repeat (one per combination of intervals); a bound keeps changing sets from growing it. */
const MAX_CACHED_PLANS = 64;

export class SharedReads {
  /** The clock sharing groups must schedule on. */
  readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly sink?: SharedReadsSink;
  private asks: Ask[] = [];
  private flushQueued = false;
  private readonly plans = new Map<string, MergedPlan>();
  private readonly tableIds = new WeakMap<TagTable, number>();
  /** Addresses of tags the PLC refused with an end code. */
  private readonly refused = new Set<string>();
  private nextTableId = 1;
  private counters = { batches: 0, cycles: 0, requests: 0, unmergedRequests: 0, lowerBound: 0, missed: 0 };

  constructor(
    private readonly plc: RequestSender,
    private readonly format: WireFormat,
    options: SharedReadsOptions = {},
  ) {
    this.clock = new TickClock(options.clock ?? systemClock);
    this.wallClock = options.wallClock ?? Date.now;
    this.sink = options.sink;
  }

  /** Reads a group's table together with every other group asking in this turn; rejects with a PollError. */
  read(group: string, table: TagTable, intervalMs: number): Promise<PollOutcome> {
    return new Promise((resolve, reject) => {
      this.asks.push({ group, table, intervalMs, resolve, reject });
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    });
  }

  /** Forgets the merged plans (a group started, stopped, or changed its tags or interval). */
  invalidate(): void {
    this.plans.clear();
  }

  recordMissed(cycles: number): void {
    if (cycles <= 0) return;
    this.counters.missed += cycles;
    this.sink?.recordMissed(cycles);
  }

  stats(): SharedReadsStats {
    const c = this.counters;
    return {
      batches: c.batches,
      cycles: c.cycles,
      requests: c.requests,
      unmergedRequests: c.unmergedRequests,
      lowerBound: c.lowerBound,
      missedCycles: c.missed,
    };
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.asks.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    this.asks = [];
    if (batch.length === 0) return;
    let merged: MergedPlan;
    try {
      merged = this.planFor(batch);
    } catch (err) {
      for (const ask of batch) ask.reject(err);
      return;
    }
    const c = this.counters;
    c.batches++;
    c.cycles += batch.length;
    const requests = merged.plan.requests.length + merged.loners.length;
    c.requests += requests;
    c.unmergedRequests += merged.unmerged;
    c.lowerBound += merged.plan.lowerBound + merged.loners.length;
    this.sink?.recordMerged(requests, merged.unmerged);

    const timestamp = this.wallClock();
    const send: Send = (cmd) => this.plc.request(cmd, SHARED_OWNER);
    const { plan, loners } = merged;
    const outcomes: Promise<RequestOutcome>[] = [];
    for (const r of merged.order) outcomes[r] = runRequest(plan.requests[r]!, send);
    const lonerResults = loners.map((p) => executeReadPlan(p, send).then((results) => results[0]!));
    // Re-reads of tags refused in a shared request, shared by every group that has the tag.
    const alone = new Map<number, Promise<TagResult>>();
    batch.forEach((ask, m) => {
      const member = merged.members[m]!;
      const mainIndexes = member.tags.filter((i) => i >= 0);
      void Promise.all([
        Promise.all(member.requests.map((r) => outcomes[r]!)),
        Promise.all(member.loners.map((l) => lonerResults[l]!)),
      ])
        .then(async ([answered, lonely]) => {
          const byRequest: RequestOutcome[] = [];
          member.requests.forEach((r, k) => (byRequest[r] = answered[k]!));
          const main = await resultsOf(plan, mainIndexes, byRequest, send, alone);
          this.learn(main.map((r, k) => [plan.tags[mainIndexes[k]!]!.address, r]));
          this.learn(member.loners.map((l, k) => [loners[l]!.tags[0]!.address, lonely[k]!]));
          const byIndex = new Map<number, TagResult>();
          mainIndexes.forEach((i, k) => byIndex.set(i, main[k]!));
          member.loners.forEach((l, k) => byIndex.set(-1 - l, lonely[k]!));
          const results = member.tags.map((i) => byIndex.get(i)!);
          const requests = member.requests.length + member.loners.length;
          ask.resolve(outcomeOf(ask.table, results, ask.group, requests, timestamp));
        })
        .catch(ask.reject);
    });
  }

  /** Tags refused with an end code are planned apart from now on; a refused tag read again rejoins. */
  private learn(results: readonly (readonly [string, TagResult])[]): void {
    for (const [address, r] of results) {
      const refused = !r.ok && r.error instanceof McEndCodeError;
      if (refused === this.refused.has(address)) continue;
      if (refused) this.refused.add(address);
      else if (r.ok) this.refused.delete(address);
      else continue;
      this.plans.clear();
    }
  }

  private planFor(batch: readonly Ask[]): MergedPlan {
    const key = batch
      .map((a) => `${a.group}\u0000${this.tableId(a.table)}\u0000${a.intervalMs}`)
      .join("\u0001");
    let merged = this.plans.get(key);
    if (!merged) {
      if (this.plans.size >= MAX_CACHED_PLANS) this.plans.clear();
      merged = mergePlans(batch, this.format, this.refused);
      this.plans.set(key, merged);
    }
    return merged;
  }

  private tableId(table: TagTable): number {
    let id = this.tableIds.get(table);
    if (id === undefined) this.tableIds.set(table, (id = this.nextTableId++));
    return id;
  }
}

/** Plans the tables of `batch` as one and works out which requests each group waits for. */
function mergePlans(batch: readonly Ask[], format: WireFormat, refused: ReadonlySet<string>): MergedPlan {
  const union = new Map<string, number>();
  const tags: Tag[] = [];
  const lonerTags: Tag[] = [];
  const indexes = batch.map((ask) =>
    ask.table.tags.map((tag) => {
      let i = union.get(tag.address);
      if (i === undefined) {
        // push() returns the new length: the tag's index is one less, a loner's code −1 − index.
        i = refused.has(tag.address) ? -lonerTags.push(tag) : tags.push(tag) - 1;
        union.set(tag.address, i);
      }
      return i;
    }),
  );
  const plan = planReads(tags, format);
  const loners = lonerTags.map((tag) => planReads([tag], format));
  const members = indexes.map((tagIndexes): Member => {
    const requests = new Set<number>();
    const lonely: number[] = [];
    for (const i of tagIndexes) {
      if (i < 0) lonely.push(-1 - i);
      else for (const s of plan.slices[i]!) requests.add(s.request);
    }
    return { tags: tagIndexes, requests: [...requests].sort((a, b) => a - b), loners: lonely };
  });
  const byUrgency = batch
    .map((ask, m) => ({ ask, member: members[m]! }))
    .sort(
      (a, b) =>
        a.ask.intervalMs - b.ask.intervalMs ||
        a.member.requests.length - b.member.requests.length ||
        (a.ask.group < b.ask.group ? -1 : 1),
    );
  const order: number[] = [];
  const queued = new Set<number>();
  for (const { member } of byUrgency) {
    for (const r of member.requests) {
      if (queued.has(r)) continue;
      queued.add(r);
      order.push(r);
    }
  }
  plan.requests.forEach((_, r) => {
    if (!queued.has(r)) order.push(r);
  });
  const unmerged = batch.reduce((n, ask) => n + ask.table.plan.requests.length, 0);
  return { plan, loners, order, members, unmerged };
}
