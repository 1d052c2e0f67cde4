export { wallClock as systemClock, type Clock } from "../core/clock";
export * from "./errors";
export { MemoryStore } from "./memory-store";
export {
  DEFAULT_THRESHOLDS,
  levelFor,
  QueueMonitor,
  SlidingRate,
  type LevelChange,
  type QueueCounters,
  type QueueLevel,
  type Thresholds,
} from "./monitor";
export {
  Queue,
  type BatchDelivery,
  type BatchOptions,
  type Delivery,
  type DeliveryMode,
  type DropEvent,
  type OverflowPolicy,
  type PutResult,
  type QueueEvents,
  type QueueOptions,
  type QueueStatus,
  type SingleDelivery,
} from "./queue";
export { RateLimiter } from "./rate";
export { SqliteStore, bufferReviver, moveStoreAside, type SqliteStoreOptions } from "./sqlite-store";
export type { NewMessage, QueueStore, StoredMessage } from "./store";
