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
export { Queue } from "./queue";
export type {
  BatchDelivery,
  BatchOptions,
  Delivery,
  DeliveryMode,
  DropEvent,
  OverflowPolicy,
  PutResult,
  QueueEvents,
  QueueOptions,
  QueueStatus,
  SingleDelivery,
} from "./queue-options";
export { RateLimiter } from "./rate";
export { SqliteStore, bufferReviver, moveStoreAside, type SqliteStoreOptions } from "./sqlite-store";
export type { NewMessage, QueueStore, StoredMessage } from "./store";
