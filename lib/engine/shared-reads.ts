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
 * Groups that share put their grids on multiples of their interval (Scheduler `aligned`), take their
 * timers from `clock`, which fires the timers of one instant together, and join() while running. The
 * groups due at an instant are known from the grid, not from who happened to ask: a group still
 * waiting for its previous cycle must not change the set, or a loaded PLC would make every tick a new
 * set to plan. Plans are cached per set of due groups (their names, tables and intervals: a group
 * starting, stopping, or changing tags or interval makes a new set); a cycle reads only the requests its
 * asking groups need. Cycles off the grid (the first one at start, triggered ones) are read together
 * with whatever else asks at once.
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
import { type Clock, systemClock } from "../core/clock";
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

interface Entry {
  readonly group: string;
  readonly table: TagTable;
  readonly intervalMs: number;
}

interface Ask extends Entry {
  /** The grid instant of the cycle; undefined off the grid. */
  readonly slotAt: number | undefined;
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
  readonly members: ReadonlyMap<string, Member>;
}

/** Merged requests take turns with other owners (opted-out groups, handshakes) in the client's queue. */
export const SHARED_OWNER = "shared reads";

/**
 * Due sets repeat (one per combination of intervals, and per part of a big set); a bound keeps sets
 * that changed (a group started, stopped, or got new tags or a new interval) from growing it.
 */
const MAX_CACHED_PLANS = 256;

/**
 * Tags planned together at most: planning grows faster than linearly with the table (1 000 groups of
 * 100 tags due together would block the event loop for seconds), and the requests a split saves
 * are few once a plan holds thousands of tags (a request reads at most 960 words).
 */
const MAX_SHARED_TAGS = 2000;

/** t0 + k·interval in floating point: an instant is on an interval's grid within this. */
const ON_GRID_MS = 0.01;

export class SharedReads {
  /** The clock sharing groups must schedule on. */
  readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly sink?: SharedReadsSink;
  private asks: Ask[] = [];
  /** Running groups that share, by name. */
  private readonly members = new Map<string, Entry>();
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

  /** A running group shares reads with this table and interval (again after a change). */
  join(group: string, table: TagTable, intervalMs: number): void {
    // No cache to clear: a plan is keyed by its groups' names, tables and intervals, so a changed
    // set finds no plan and the plans of sets the change did not touch stay valid.
    this.members.set(group, { group, table, intervalMs });
  }

  leave(group: string): void {
    this.members.delete(group);
  }

  /**
   * Reads a group's table together with the other groups due at `slotAt` (its grid instant; undefined
   * for a cycle off the grid). Resolves with the group's own outcome; rejects with a PollError.
   */
  read(group: string, table: TagTable, intervalMs: number, slotAt?: number): Promise<PollOutcome> {
    return new Promise((resolve, reject) => {
      this.asks.push({ group, table, intervalMs, slotAt, resolve, reject });
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    });
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
    const asks = this.asks;
    this.asks = [];
    // One batch per grid instant (normally one per flush) and one for the cycles off the grid.
    const batches = new Map<number | undefined, { due: Entry[]; asks: Ask[] }>();
    const offGrid: Ask[] = [];
    for (const ask of asks) {
      const member = this.members.get(ask.group);
      if (ask.slotAt === undefined || member?.table !== ask.table || member.intervalMs !== ask.intervalMs) {
        offGrid.push(ask);
        continue;
      }
      let batch = batches.get(ask.slotAt);
      if (!batch) batches.set(ask.slotAt, (batch = { due: this.dueAt(ask.slotAt), asks: [] }));
      if (batch.due.some((e) => e.group === ask.group)) batch.asks.push(ask);
      else offGrid.push(ask);
    }
    if (offGrid.length > 0) batches.set(undefined, { due: offGrid, asks: offGrid });
    for (const { due, asks: batch } of batches.values()) {
      for (const part of bounded(due)) {
        const names = new Set(part.map((e) => e.group));
        const mine = part.length === due.length ? batch : batch.filter((a) => names.has(a.group));
        if (mine.length > 0) this.readBatch(part, mine);
      }
    }
  }

  /** The sharing groups whose grid has `at` on it, by name. */
  private dueAt(at: number): Entry[] {
    const due: Entry[] = [];
    for (const e of this.members.values()) {
      if (Math.abs(at - Math.round(at / e.intervalMs) * e.intervalMs) <= ON_GRID_MS) due.push(e);
    }
    return due.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  }

  /** Reads for `batch`, with the plan for the whole set `due` (a superset of the batch). */
  private readBatch(due: readonly Entry[], batch: readonly Ask[]): void {
    let merged: MergedPlan;
    try {
      merged = this.planFor(due);
    } catch (err) {
      for (const ask of batch) ask.reject(err);
      return;
    }
    const { plan, loners } = merged;
    // Only the requests the asking groups need: a group still busy with its last cycle skips this one.
    let order = merged.order;
    let lonerIndexes = loners.map((_, l) => l);
    if (batch.length < due.length) {
      const needed = new Set<number>();
      const lonely = new Set<number>();
      for (const ask of batch) {
        const m = merged.members.get(ask.group)!;
        m.requests.forEach((r) => needed.add(r));
        m.loners.forEach((l) => lonely.add(l));
      }
      order = order.filter((r) => needed.has(r));
      lonerIndexes = lonerIndexes.filter((l) => lonely.has(l));
    }
    const requests = order.length + lonerIndexes.length;
    const unmerged = batch.reduce((n, ask) => n + ask.table.plan.requests.length, 0);
    const c = this.counters;
    c.batches++;
    c.cycles += batch.length;
    c.requests += requests;
    c.unmergedRequests += unmerged;
    c.lowerBound += plan.lowerBound + loners.length;
    this.sink?.recordMerged(requests, unmerged);

    const timestamp = this.wallClock();
    const send: Send = (cmd) => this.plc.request(cmd, SHARED_OWNER);
    const outcomes: Promise<RequestOutcome>[] = [];
    for (const r of order) outcomes[r] = runRequest(plan.requests[r]!, send);
    const lonerResults: Promise<TagResult>[] = [];
    for (const l of lonerIndexes) {
      lonerResults[l] = executeReadPlan(loners[l]!, this.plc, SHARED_OWNER).then((results) => results[0]!);
    }
    // Re-reads of tags refused in a shared request, shared by every group that has the tag.
    const alone = new Map<number, Promise<TagResult>>();
    for (const ask of batch) {
      const member = merged.members.get(ask.group)!;
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
    }
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

  private planFor(due: readonly Entry[]): MergedPlan {
    const key = due
      .map((e) => `${e.group}\u0000${this.tableId(e.table)}\u0000${e.intervalMs}`)
      .join("\u0001");
    let merged = this.plans.get(key);
    if (!merged) {
      if (this.plans.size >= MAX_CACHED_PLANS) this.plans.clear();
      merged = mergePlans(due, this.format, this.refused);
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

/** `due` in consecutive parts of at most MAX_SHARED_TAGS tags (a bigger group alone). */
function bounded<T extends Entry>(due: readonly T[]): (readonly T[])[] {
  const parts: T[][] = [];
  let part: T[] = [];
  let tags = 0;
  for (const e of due) {
    if (part.length > 0 && tags + e.table.tags.length > MAX_SHARED_TAGS) {
      parts.push(part);
      part = [];
      tags = 0;
    }
    part.push(e);
    tags += e.table.tags.length;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Plans the tables of `batch` as one and works out which requests each group waits for. */
function mergePlans(batch: readonly Entry[], format: WireFormat, refused: ReadonlySet<string>): MergedPlan {
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
  return { plan, loners, order, members: new Map(batch.map((e, m) => [e.group, members[m]!])) };
}
