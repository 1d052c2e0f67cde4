import type { NewMessage, QueueStore, StoredMessage } from "./store";

/**
 * Keeps payload objects as they are (no serialisation). Messages live in two parallel arrays ordered by
 * sequence number; removal leaves a hole that is compacted away later, so acks and drops in any order
 * stay O(log n) and a stuck message at the head cannot make the holes behind it grow without bound.
 */
export class MemoryStore<T> implements QueueStore<T> {
  readonly persistent = false;
  private seqs: number[] = [];
  private messages: (StoredMessage<T> | undefined)[] = [];
  private head = 0;
  private live = 0;
  private liveBytes = 0;
  private nextSeq = 1;

  count(): number {
    return this.live;
  }

  bytes(): number {
    return this.liveBytes;
  }

  oldestEnqueuedAt(): number | undefined {
    return this.messages[this.head]?.enqueuedAt;
  }

  append(messages: readonly NewMessage<T>[]): number[] {
    const given: number[] = [];
    for (const m of messages) {
      const seq = this.nextSeq++;
      this.seqs.push(seq);
      this.messages.push({ seq, payload: m.payload, enqueuedAt: m.enqueuedAt, attempts: 0, bytes: m.bytes });
      this.live++;
      this.liveBytes += m.bytes;
      given.push(seq);
    }
    return given;
  }

  read(afterSeq: number, limit: number): StoredMessage<T>[] {
    const out: StoredMessage<T>[] = [];
    for (let i = this.firstAbove(afterSeq); i < this.messages.length && out.length < limit; i++) {
      const m = this.messages[i];
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  remove(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const i = this.firstAbove(seq - 1);
      const m = this.messages[i];
      if (this.seqs[i] !== seq || m === undefined) continue;
      this.messages[i] = undefined;
      this.live--;
      this.liveBytes -= m.bytes;
    }
    while (this.head < this.messages.length && this.messages[this.head] === undefined) this.head++;
    this.compactIfSparse();
  }

  markAttempted(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const i = this.firstAbove(seq - 1);
      const m = this.messages[i];
      if (this.seqs[i] === seq && m !== undefined) m.attempts++;
    }
  }

  clear(): number {
    const cleared = this.live;
    this.seqs = [];
    this.messages = [];
    this.head = 0;
    this.live = 0;
    this.liveBytes = 0;
    return cleared;
  }

  transaction<R>(fn: () => R): R {
    return fn();
  }

  close(): void {
    this.clear();
  }

  private firstAbove(seq: number): number {
    let lo = this.head;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      // lo <= mid < hi <= length, so the default never applies.
      if ((this.seqs[mid] ?? Infinity) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compactIfSparse(): void {
    const holes = this.messages.length - this.live;
    if (holes <= Math.max(1024, this.live)) return;
    const seqs: number[] = [];
    const messages: StoredMessage<T>[] = [];
    for (let i = this.head; i < this.messages.length; i++) {
      const m = this.messages[i];
      const seq = this.seqs[i];
      if (m === undefined || seq === undefined) continue;
      seqs.push(seq);
      messages.push(m);
    }
    this.seqs = seqs;
    this.messages = messages;
    this.head = 0;
  }
}
