/**
 * The queue's contract: its options and the checks on them, what a delivery carries, its status and
 * its events.
 */
import { type Clock } from "../core/clock";
import { type QueueError, QueueOptionError, type QueueStoreError } from "./errors";
import { DEFAULT_THRESHOLDS, type LevelChange, type QueueLevel, type Thresholds } from "./monitor";
import type { QueueStore } from "./store";

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
  deliver: (delivery: Delivery<T>) => void;
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

/** Throws QueueOptionError for the first option that cannot work. */
export function validateQueueOptions<T>(o: QueueOptions<T>): void {
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
