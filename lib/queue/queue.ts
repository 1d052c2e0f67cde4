import { EventEmitter } from "node:events";
import { wallClock, type Clock } from "../core/clock";
import {
  QueueClosedError,
  QueueError,
  QueueFullError,
  QueueMessageTooLargeError,
  QueueOptionError,
  QueueSerialiseError,
  QueueStoreError,
} from "./errors";
import { MemoryStore } from "./memory-store";
import {
  DEFAULT_THRESHOLDS,
  QueueMonitor,
  type LevelChange,
  type QueueLevel,
  type Thresholds,
} from "./monitor";
import { RateLimiter } from "./rate";
import type { NewMessage, QueueStore, StoredMessage } from "./store";

export type OverflowPolicy = "drop-oldest" | "drop-newest" | "reject";
export type DeliveryMode = "ack" | "rate" | "pull";

interface DeliveryBase {
  /** Pass to `ack`. Unique within one queue instance; a redelivery keeps the id of the first attempt. */
  readonly id: number;
  /** 1 on first delivery; counts deliveries before a restart too. */
  readonly attempt: number;
  readonly redelivery: boolean;
  /** Enqueue time of the (first) message. */
  readonly enqueuedAt: number;
}
export interface SingleDelivery<T> extends DeliveryBase {
  readonly batch: false;
  readonly payload: T;
}
export interface BatchDelivery<T> extends DeliveryBase {
  readonly batch: true;
  readonly payloads: T[];
}
export type Delivery<T> = SingleDelivery<T> | BatchDelivery<T>;

export interface BatchOptions {
  /** Most messages in one delivery. */
  size: number;
  /**
   * Wait up to this long after the oldest waiting message was enqueued for a batch to fill. Without it a
   * delivery takes whatever is waiting, up to `size`. Ignored in `pull` mode, where the request decides.
   */
  timeMs?: number;
}

export interface QueueOptions<T> {
  deliver(delivery: Delivery<T>): void;
  /** Default: a new MemoryStore. */
  store?: QueueStore<T>;
  /** Messages held, including those in flight. Default 10 000. */
  capacity?: number;
  /** Serialised bytes held. Off by default: in memory mode measuring costs a JSON.stringify per put. */
  maxBytes?: number;
  /** Default "reject". */
  overflow?: OverflowPolicy;
  /** Default "ack". */
  mode?: DeliveryMode;
  /** In `rate` and `pull` modes a message is removed when released unless this is set. Always on in `ack`. */
  requireAck?: boolean;
  /** Deliveries awaiting an ack at once. Default 1. */
  maxInFlight?: number;
  /** Redeliver when no ack came within this time; 0 waits for ever. Default 30 000. */
  ackTimeoutMs?: number;
  /** Deliveries per second in `rate` mode. */
  ratePerSecond?: number;
  batch?: BatchOptions;
  /** Messages read ahead from the store; bounds memory whatever the backlog. Default 1 000. */
  readAhead?: number;
  thresholds?: Partial<Thresholds>;
  /** Window of the per-second rates. Default 10 000 ms. */
  rateWindowMs?: number;
  clock?: Clock;
}

/** "dropped" means the drop-newest or drop-oldest policy discarded this very message: not an error. */
export type PutResult = "queued" | "dropped";

export interface DropEvent {
  reason: OverflowPolicy | "too-large" | "unreadable";
  count: number;
}

export interface QueueStatus {
  size: number;
  capacity: number;
  /** Percent of capacity, by count or by bytes, whichever is higher. */
  usage: number;
  full: boolean;
  empty: boolean;
  highWater: number;
  /** Messages delivered and not yet acknowledged. */
  inFlight: number;
  enqueued: number;
  dequeued: number;
  dropped: number;
  cleared: number;
  redelivered: number;
  enqueueRate: number;
  dequeueRate: number;
  dropRate: number;
  oldestAgeMs: number | undefined;
  /** Undefined when not measured (memory store without `maxBytes`). */
  bytes: number | undefined;
  maxBytes: number | undefined;
  level: QueueLevel;
  mode: DeliveryMode;
  persistent: boolean;
  paused: boolean;
  closed: boolean;
  lastError: QueueError | undefined;
}

export interface QueueEvents {
  level: [LevelChange];
  drop: [DropEvent];
  /** A group commit failed: the puts in it were rejected with this error. */
  storeError: [QueueStoreError];
  /** The deliver callback threw; with acks the message is redelivered after the ack time-out. */
  deliverError: [unknown];
  /** A stored message could not be decoded; it was dropped so the ones behind it still go out. */
  unreadable: [Error];
}

interface InFlight<T> {
  readonly id: number;
  readonly messages: StoredMessage<T>[];
  readonly bytes: number;
  attempt: number;
  timer: unknown;
}

interface PendingPut<T> {
  readonly message: NewMessage<T>;
  resolve(result: PutResult): void;
  reject(error: Error): void;
}

interface Release<T> {
  readonly flight: InFlight<T>;
  readonly redelivery: boolean;
  /** `clear` increments the queue's epoch; a release from before it must not go out. */
  readonly epoch: number;
}

const QUEUED: Promise<PutResult> = Promise.resolve("queued");
const DROPPED: Promise<PutResult> = Promise.resolve("dropped");
/** Flush rounds before yielding to the event loop, so a consumer that acks synchronously cannot starve it. */
const MAX_ROUNDS = 64;

/**
 * A bounded queue between producers and one slow consumer. Producers `put`; the queue calls `deliver`
 * as the mode allows and forgets a message on `ack`. With a persistent store, puts made in one tick are
 * committed in one transaction before their promises resolve, and each release is committed (its
 * attempt count) in the same transaction as the acks before it, so a crash duplicates at most what was
 * in flight.
 */
export class Queue<T> extends EventEmitter<QueueEvents> {
  readonly capacity: number;
  readonly maxBytes: number | undefined;
  readonly mode: DeliveryMode;
  private readonly store: QueueStore<T>;
  private readonly persistent: boolean;
  private readonly clock: Clock;
  private readonly deliver: (delivery: Delivery<T>) => void;
  private readonly overflow: OverflowPolicy;
  private readonly ackRequired: boolean;
  private readonly maxInFlight: number;
  private readonly ackTimeoutMs: number;
  private readonly batch: BatchOptions | undefined;
  private readonly readAhead: number;
  private readonly limiter: RateLimiter | undefined;
  private readonly monitor: QueueMonitor;

  private held = 0;
  private heldBytes = 0;
  private pending: PendingPut<T>[] = [];
  private removals = new Set<number>();
  private window: StoredMessage<T>[] = [];
  private windowPos = 0;
  private readSeq = 0;
  private storeMayHaveMore: boolean;
  private readonly inFlight = new Map<number, InFlight<T>>();
  private readonly inFlightSeqs = new Set<number>();
  private inFlightMessages = 0;
  private redeliver: InFlight<T>[] = [];
  private nextId = 1;
  private epoch = 0;
  private pullCredits = 0;
  private paused = false;
  private closed = false;
  private flushing = false;
  private again = false;
  private immediate: NodeJS.Immediate | undefined;
  private wakeTimer: unknown;
  private wakeAt = Infinity;
  private lastError: QueueError | undefined;

  constructor(options: QueueOptions<T>) {
    super();
    validate(options);
    this.deliver = options.deliver;
    this.store = options.store ?? new MemoryStore<T>();
    this.persistent = this.store.persistent;
    this.clock = options.clock ?? wallClock;
    this.capacity = options.capacity ?? 10_000;
    this.maxBytes = options.maxBytes;
    this.overflow = options.overflow ?? "reject";
    this.mode = options.mode ?? "ack";
    this.ackRequired = this.mode === "ack" || options.requireAck === true;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.batch = options.batch;
    this.readAhead = Math.max(options.readAhead ?? 1_000, this.batch?.size ?? 1);
    this.limiter = this.mode === "rate" ? new RateLimiter(options.ratePerSecond ?? 1, this.clock) : undefined;
    const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    this.monitor = new QueueMonitor(this.clock, thresholds, options.rateWindowMs ?? 10_000, (change) =>
      this.emit("level", change),
    );
    // A persistent store may hold a backlog from before a restart: count it, deliver it from the next tick
    // so that the caller can attach listeners first.
    this.held = this.store.count();
    this.heldBytes = this.store.bytes();
    this.storeMayHaveMore = this.held > 0;
    this.monitor.observe(this.held, this.usage());
    if (this.held > 0) this.scheduleAsync();
  }

  /**
   * Resolves once the message is accepted (committed, with a persistent store). Rejects with a
   * QueueError: QUEUE_FULL under the reject policy, QUEUE_MESSAGE_TOO_LARGE, QUEUE_NOT_SERIALISABLE,
   * QUEUE_CLOSED, or a store error if the commit failed.
   */
  put(payload: T): Promise<PutResult> {
    if (this.closed) return Promise.reject(new QueueClosedError());
    let json: string | undefined;
    let bytes = 0;
    if (this.persistent || this.maxBytes !== undefined) {
      try {
        json = JSON.stringify(payload);
      } catch (err) {
        return Promise.reject(new QueueSerialiseError(err));
      }
      if (json === undefined) return Promise.reject(new QueueSerialiseError(undefined));
      bytes = Buffer.byteLength(json);
      if (this.maxBytes !== undefined && bytes > this.maxBytes) {
        this.countDrop(1, "too-large");
        return Promise.reject(new QueueMessageTooLargeError(bytes, this.maxBytes));
      }
    }
    if (!this.fits(bytes)) {
      if (this.overflow === "reject") {
        this.countDrop(1, "reject");
        return Promise.reject(
          new QueueFullError(this.held, this.capacity, this.measuredBytes(), this.maxBytes),
        );
      }
      if (this.overflow === "drop-newest" || !this.makeRoom(bytes)) {
        this.countDrop(1, this.overflow);
        return DROPPED;
      }
    }
    const message: NewMessage<T> = { payload, json, bytes, enqueuedAt: this.clock.now() };
    this.held++;
    this.heldBytes += bytes;
    this.monitor.enqueued(1);
    this.observe();
    if (!this.persistent) {
      this.store.append([message]);
      this.storeMayHaveMore = true;
      this.schedule();
      return QUEUED;
    }
    return new Promise<PutResult>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      this.schedule();
    });
  }

  /** Forgets the messages of a delivery. False when the id is unknown (already acked, cleared or closed). */
  ack(id: number): boolean {
    const flight = this.inFlight.get(id);
    if (flight === undefined) return false;
    this.land(flight);
    this.forget(flight.messages);
    this.monitor.dequeued(flight.messages.length);
    this.observe();
    this.schedule();
    return true;
  }

  /**
   * The consumer failed this delivery: send it again now (as a redelivery, same id) instead of waiting for
   * the ack time-out. False when the id is unknown.
   */
  nack(id: number): boolean {
    const flight = this.inFlight.get(id);
    if (flight === undefined || this.redeliver.includes(flight)) return flight !== undefined;
    this.clock.clearTimeout(flight.timer);
    flight.timer = undefined;
    this.redeliver.push(flight);
    this.schedule();
    return true;
  }

  /**
   * `pull` mode: releases up to `n` deliveries now and returns how many. Called from inside `deliver`,
   * the request is served right after the current delivery round and 0 is returned.
   */
  pull(n = 1): number {
    if (this.closed || this.mode !== "pull" || n <= 0) return 0;
    this.pullCredits += n;
    if (this.flushing) {
      this.again = true;
      return 0;
    }
    this.flush();
    const released = n - this.pullCredits;
    this.pullCredits = 0;
    return released;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.schedule();
  }

  /** Empties the queue, in flight included (a later ack of those returns false). Returns how many. */
  clear(): number {
    if (this.closed) return 0;
    const count = this.held;
    this.store.clear();
    this.epoch++;
    for (const p of this.pending) p.resolve("queued");
    this.pending = [];
    this.removals.clear();
    for (const flight of this.inFlight.values()) this.clock.clearTimeout(flight.timer);
    this.inFlight.clear();
    this.inFlightSeqs.clear();
    this.inFlightMessages = 0;
    this.redeliver = [];
    this.resetWindow();
    this.storeMayHaveMore = false;
    this.held = 0;
    this.heldBytes = 0;
    this.monitor.totals.cleared += count;
    this.observe();
    return count;
  }

  status(): QueueStatus {
    const totals = this.monitor.totals;
    const rates = this.monitor.rates();
    return {
      size: this.held,
      capacity: this.capacity,
      usage: this.usage(),
      full: !this.fits(0),
      empty: this.held === 0,
      highWater: this.monitor.highWater,
      inFlight: this.inFlightMessages,
      ...totals,
      enqueueRate: rates.enqueue,
      dequeueRate: rates.dequeue,
      dropRate: rates.drop,
      oldestAgeMs: this.oldestAgeMs(),
      bytes: this.measuredBytes(),
      maxBytes: this.maxBytes,
      level: this.monitor.level,
      mode: this.mode,
      persistent: this.persistent,
      paused: this.paused,
      closed: this.closed,
      lastError: this.lastError,
    };
  }

  /**
   * Stops all timers and closes the store. A persistent queue commits what was put and keeps everything
   * on disk (in-flight messages are redelivered after reopening) and returns []. A memory queue returns
   * the payloads it still held, in order, so the caller can complete them; they count as dropped.
   */
  close(): T[] {
    if (this.closed) return [];
    this.closed = true;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.clock.clearTimeout(this.wakeTimer);
    for (const flight of this.inFlight.values()) this.clock.clearTimeout(flight.timer);
    let leftover: T[] = [];
    if (this.persistent) {
      const puts = this.pending;
      this.pending = [];
      try {
        this.store.transaction(() => this.writePending(puts, [...this.removals]));
        for (const p of puts) p.resolve("queued");
      } catch (err) {
        for (const p of puts) p.reject(asQueueError(err));
      }
    } else {
      leftover = this.store.read(0, Infinity).map((m) => m.payload);
      this.monitor.dropped(leftover.length);
    }
    this.inFlight.clear();
    this.inFlightSeqs.clear();
    this.redeliver = [];
    this.resetWindow();
    this.store.close();
    return leftover;
  }

  private fits(bytes: number): boolean {
    if (this.held >= this.capacity) return false;
    return this.maxBytes === undefined || this.heldBytes + bytes <= this.maxBytes;
  }

  /** drop-oldest: discards the oldest waiting messages; in-flight ones belong to the consumer. */
  private makeRoom(bytes: number): boolean {
    while (!this.fits(bytes)) {
      let dropped: StoredMessage<T> | NewMessage<T> | undefined;
      const oldest = this.fillWindowSafely(1) ? this.window[this.windowPos] : undefined;
      if (oldest !== undefined) {
        this.windowPos++;
        this.removeStored([oldest.seq]);
        dropped = oldest;
      } else {
        const put = this.pending.shift();
        put?.resolve("queued");
        dropped = put?.message;
      }
      if (dropped === undefined) return false;
      this.held--;
      this.heldBytes -= dropped.bytes;
      this.countDrop(1, "drop-oldest");
    }
    return true;
  }

  private countDrop(count: number, reason: DropEvent["reason"]): void {
    this.monitor.dropped(count);
    this.observe();
    this.emit("drop", { reason, count });
  }

  private land(flight: InFlight<T>): void {
    this.inFlight.delete(flight.id);
    this.clock.clearTimeout(flight.timer);
    for (const m of flight.messages) this.inFlightSeqs.delete(m.seq);
    this.inFlightMessages -= flight.messages.length;
  }

  private forget(messages: readonly StoredMessage<T>[]): void {
    this.removeStored(messages.map((m) => m.seq));
    this.held -= messages.length;
    for (const m of messages) this.heldBytes -= m.bytes;
  }

  private removeStored(seqs: number[]): void {
    if (this.persistent) {
      for (const seq of seqs) this.removals.add(seq);
      this.schedule();
    } else {
      this.store.remove(seqs);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.flushing) this.again = true;
    else if (this.persistent) this.scheduleAsync();
    else this.flush();
  }

  private scheduleAsync(): void {
    if (this.immediate !== undefined || this.closed) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      let rounds = 0;
      do {
        this.again = false;
        this.flushOnce();
      } while (this.again && !this.closed && ++rounds < MAX_ROUNDS);
    } finally {
      this.flushing = false;
    }
    if (this.again) this.scheduleAsync();
  }

  /** One group commit: pending puts and acks, then the releases they allow, then the deliver calls. */
  private flushOnce(): void {
    const puts = this.pending;
    this.pending = [];
    const removals = [...this.removals];
    this.removals.clear();
    const released: Release<T>[] = [];
    try {
      this.store.transaction(() => {
        this.writePending(puts, removals);
        this.release(released);
      });
    } catch (err) {
      this.recoverFromFailedCommit(asQueueError(err), puts, removals, released);
      return;
    }
    for (const p of puts) p.resolve("queued");
    for (const r of released) this.send(r);
  }

  private writePending(puts: readonly PendingPut<T>[], removals: readonly number[] = []): void {
    if (puts.length > 0) {
      this.store.append(puts.map((p) => p.message));
      this.storeMayHaveMore = true;
    }
    if (removals.length > 0) this.store.remove(removals);
  }

  private recoverFromFailedCommit(
    error: QueueError,
    puts: readonly PendingPut<T>[],
    removals: readonly number[],
    released: readonly Release<T>[],
  ): void {
    this.lastError = error;
    for (const p of puts) {
      this.held--;
      this.heldBytes -= p.message.bytes;
      p.reject(error);
    }
    for (const seq of removals) this.removals.add(seq);
    for (const r of released) {
      if (r.redelivery) this.redeliver.push(r.flight);
      else if (this.inFlight.get(r.flight.id) === r.flight) this.land(r.flight);
    }
    // What the failed transaction read is unreliable: read the waiting messages again from the start.
    this.resetWindow();
    this.readSeq = 0;
    this.storeMayHaveMore = true;
    this.observe();
    if (error instanceof QueueStoreError) this.emit("storeError", error);
  }

  /** Chooses what may go out now, within pause, in-flight limit, pull credits, rate and batch time. */
  private release(out: Release<T>[]): void {
    if (this.paused) return;
    const take = this.batch?.size ?? 1;
    for (;;) {
      const redo = this.redeliver.length > 0 ? this.redeliver[0] : undefined;
      if (redo !== undefined && this.inFlight.get(redo.id) !== redo) {
        this.redeliver.shift();
        continue;
      }
      if (redo === undefined) {
        if (this.ackRequired && this.inFlight.size >= this.maxInFlight) return;
        if (!this.fillWindow(take)) return;
        if (this.waitingForBatch(take)) return;
      }
      if (this.mode === "pull" && this.pullCredits <= 0) return;
      if (this.limiter !== undefined && !this.limiter.tryTake()) {
        this.wake(this.clock.now() + this.limiter.waitMs());
        return;
      }
      if (this.mode === "pull") this.pullCredits--;
      if (redo !== undefined) {
        this.redeliver.shift();
        redo.attempt++;
        this.store.markAttempted(redo.messages.map((m) => m.seq));
        this.monitor.totals.redelivered += redo.messages.length;
        out.push({ flight: redo, redelivery: true, epoch: this.epoch });
        continue;
      }
      const messages = this.window.slice(this.windowPos, this.windowPos + take);
      this.windowPos += messages.length;
      let attempt = 0;
      let bytes = 0;
      for (const m of messages) {
        attempt = Math.max(attempt, m.attempts + 1);
        bytes += m.bytes;
      }
      const seqs = messages.map((m) => m.seq);
      const flight: InFlight<T> = { id: this.nextId++, messages, bytes, attempt, timer: undefined };
      if (attempt > 1) this.monitor.totals.redelivered += messages.length;
      if (this.ackRequired) {
        this.store.markAttempted(seqs);
        this.inFlight.set(flight.id, flight);
        for (const seq of seqs) this.inFlightSeqs.add(seq);
        this.inFlightMessages += messages.length;
      } else {
        this.store.remove(seqs);
      }
      out.push({ flight, redelivery: false, epoch: this.epoch });
    }
  }

  /** With a batch time, a short batch waits until its oldest message has waited `timeMs`. */
  private waitingForBatch(take: number): boolean {
    const timeMs = this.batch?.timeMs;
    if (timeMs === undefined || this.mode === "pull") return false;
    if (this.window.length - this.windowPos >= take) return false;
    const oldest = this.window[this.windowPos];
    if (oldest === undefined) return false;
    const due = oldest.enqueuedAt + timeMs;
    if (this.clock.now() >= due) return false;
    this.wake(due);
    return true;
  }

  private send({ flight, epoch }: Release<T>): void {
    if (epoch !== this.epoch) return;
    const first = flight.messages[0];
    if (first === undefined) return; // release() never builds an empty flight
    const count = flight.messages.length;
    if (this.ackRequired) {
      // clear() or close() inside an earlier deliver call of this round may have taken it back.
      if (this.inFlight.get(flight.id) !== flight) return;
      if (this.ackTimeoutMs > 0) {
        flight.timer = this.clock.setTimeout(() => this.ackTimedOut(flight), this.ackTimeoutMs);
      }
    } else {
      this.held -= count;
      this.heldBytes -= flight.bytes;
      this.monitor.dequeued(count);
      this.observe();
    }
    const base = { id: flight.id, attempt: flight.attempt, redelivery: flight.attempt > 1 };
    const delivery: Delivery<T> = this.batch
      ? {
          ...base,
          enqueuedAt: first.enqueuedAt,
          batch: true,
          payloads: flight.messages.map((m) => m.payload),
        }
      : { ...base, enqueuedAt: first.enqueuedAt, batch: false, payload: first.payload };
    try {
      this.deliver(delivery);
    } catch (err) {
      this.emit("deliverError", err);
    }
  }

  private ackTimedOut(flight: InFlight<T>): void {
    flight.timer = undefined;
    if (this.closed || this.inFlight.get(flight.id) !== flight) return;
    this.redeliver.push(flight);
    this.schedule();
  }

  private wake(at: number): void {
    if (this.wakeTimer !== undefined && this.wakeAt <= at) return;
    this.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.clock.setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.schedule();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  /** Makes at least `want` waiting messages available if the store has them; false when none wait. */
  private fillWindow(want: number): boolean {
    while (this.window.length - this.windowPos < want && this.storeMayHaveMore) {
      if (this.windowPos > 0) {
        this.window = this.window.slice(this.windowPos);
        this.windowPos = 0;
      }
      const room = this.readAhead - this.window.length;
      const read = this.store.read(this.readSeq, room);
      if (read.length < room) this.storeMayHaveMore = false;
      for (const m of read) {
        this.readSeq = m.seq;
        if (this.inFlightSeqs.has(m.seq) || this.removals.has(m.seq)) continue;
        if (m.unreadable === undefined) this.window.push(m);
        else this.dropUnreadable(m, m.unreadable);
      }
    }
    return this.window.length > this.windowPos;
  }

  private dropUnreadable(m: StoredMessage<T>, error: Error): void {
    this.removeStored([m.seq]);
    this.held--;
    this.heldBytes -= m.bytes;
    this.countDrop(1, "unreadable");
    this.emit("unreadable", error);
  }

  private fillWindowSafely(want: number): boolean {
    try {
      return this.fillWindow(want);
    } catch (err) {
      this.lastError = asQueueError(err);
      return false;
    }
  }

  private resetWindow(): void {
    this.window = [];
    this.windowPos = 0;
  }

  private usage(): number {
    const byCount = (this.held * 100) / this.capacity;
    if (this.maxBytes === undefined) return byCount;
    return Math.max(byCount, (this.heldBytes * 100) / this.maxBytes);
  }

  private observe(): void {
    this.monitor.observe(this.held, this.usage());
  }

  private measuredBytes(): number | undefined {
    return this.persistent || this.maxBytes !== undefined ? this.heldBytes : undefined;
  }

  private oldestAgeMs(): number | undefined {
    if (this.closed || this.held === 0) return undefined;
    let oldest: number | undefined;
    try {
      oldest = this.store.oldestEnqueuedAt();
    } catch (err) {
      this.lastError = asQueueError(err);
    }
    oldest ??= this.pending[0]?.message.enqueuedAt;
    return oldest === undefined ? undefined : Math.max(0, this.clock.now() - oldest);
  }
}

function asQueueError(err: unknown): QueueError {
  if (err instanceof QueueError) return err;
  return new QueueStoreError("QUEUE_STORE_UNWRITABLE", "(store)", String(err), err);
}

function validate<T>(o: QueueOptions<T>): void {
  const positiveInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
      throw new QueueOptionError(`${name} must be a positive integer, got ${String(v)}`);
    }
  };
  if (typeof o.deliver !== "function") throw new QueueOptionError("deliver must be a function");
  positiveInt("capacity", o.capacity);
  positiveInt("maxBytes", o.maxBytes);
  positiveInt("maxInFlight", o.maxInFlight);
  positiveInt("readAhead", o.readAhead);
  positiveInt("batch.size", o.batch?.size);
  if (o.batch !== undefined && o.batch.size === undefined)
    throw new QueueOptionError("batch.size is required");
  if (o.batch?.timeMs !== undefined && !(o.batch.timeMs >= 0)) {
    throw new QueueOptionError("batch.timeMs must be 0 or more");
  }
  if (o.ackTimeoutMs !== undefined && !(o.ackTimeoutMs >= 0)) {
    throw new QueueOptionError("ackTimeoutMs must be 0 (never) or more");
  }
  if (o.mode === "rate" && !(o.ratePerSecond !== undefined && o.ratePerSecond > 0)) {
    throw new QueueOptionError("rate mode needs ratePerSecond > 0");
  }
  const t = { ...DEFAULT_THRESHOLDS, ...o.thresholds };
  if (!(t.warn >= 0 && t.warn <= t.alarm && t.alarm <= 100 && t.hysteresis >= 0)) {
    throw new QueueOptionError("thresholds need 0 <= warn <= alarm <= 100 and hysteresis >= 0");
  }
}
