/**
 * What the queue needs from a place to keep messages. Operations are synchronous: the in-memory store
 * is, better-sqlite3 is, and a synchronous store lets the queue batch puts made in one tick into a
 * single transaction itself (group commit) instead of each store reinventing it.
 */

export interface StoredMessage<T> {
  /** Increasing in enqueue order and never reused, even after `clear` or a restart. */
  readonly seq: number;
  readonly payload: T;
  readonly enqueuedAt: number;
  /** How many times it was handed to the consumer, including before a restart. */
  attempts: number;
  /** Size of the serialised payload, 0 when the queue does not measure it (memory store, no byte limit). */
  readonly bytes: number;
  /**
   * Set instead of throwing when this one row cannot be decoded (its `payload` is then undefined): one bad
   * row must not block every message behind it. The queue drops it and reports the error.
   */
  readonly unreadable?: Error;
}

export interface NewMessage<T> {
  readonly payload: T;
  /** The serialised payload when the queue had to produce it (persistent store or a byte limit). */
  readonly json: string | undefined;
  readonly bytes: number;
  readonly enqueuedAt: number;
}

export interface QueueStore<T> {
  /** A persistent store needs JSON payloads and group commit; the memory store keeps objects as they are. */
  readonly persistent: boolean;
  count(): number;
  bytes(): number;
  oldestEnqueuedAt(): number | undefined;
  /** Returns the sequence numbers given, in order. */
  append(messages: readonly NewMessage<T>[]): number[];
  /** Up to `limit` messages with a sequence number above `afterSeq`, oldest first. */
  read(afterSeq: number, limit: number): StoredMessage<T>[];
  /** Unknown sequence numbers are ignored: a message may have been dropped or cleared meanwhile. */
  remove(seqs: readonly number[]): void;
  markAttempted(seqs: readonly number[]): void;
  /** Removes everything; returns how many messages that was. */
  clear(): number;
  /** Runs `fn` atomically: either all its writes are kept or none (and the error is rethrown). */
  transaction<R>(fn: () => R): R;
  close(): void;
}
