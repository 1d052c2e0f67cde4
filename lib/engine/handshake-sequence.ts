/**
 * The sequence word of a PLC handshake, read with the data: tells a transaction that follows the last
 * one delivered from one after a gap (records lost in between) and from a repeat (the PLC retried
 * after our ACK got lost, so the data was already delivered).
 */

export interface SequenceEvent {
  readonly kind: "lost" | "repeated";
  readonly transactionId: string;
  readonly previous: number;
  readonly sequence: number;
  readonly lost?: number;
}

export interface SequenceCheck {
  /** "first": nothing delivered yet to compare with; "ok" also when no sequence word is configured. */
  readonly kind: "ok" | "lost" | "first" | "repeated";
  readonly lost?: number;
  /** What to report, for "lost" and "repeated". */
  readonly event?: SequenceEvent;
}

export class SequenceTracker {
  readonly stats = { lost: 0, repeated: 0, last: null as number | null };
  private lastDelivered?: number;
  /** Counters wrap at their word size. */
  private readonly modulus: number;

  constructor(words: number) {
    this.modulus = words >= 2 ? 2 ** 32 : 2 ** 16;
  }

  /** Checks transaction `id`'s sequence value against the last one delivered. */
  check(id: string, sequence: number | undefined): SequenceCheck {
    if (sequence === undefined) return { kind: "ok" };
    this.stats.last = sequence;
    const previous = this.lastDelivered;
    if (previous === undefined) return { kind: "first" };
    if (sequence === previous) {
      this.stats.repeated++;
      return { kind: "repeated", event: { kind: "repeated", transactionId: id, previous, sequence } };
    }
    // A step back is a PLC restart, not thousands of lost records.
    const gap = (((sequence - previous) % this.modulus) + this.modulus) % this.modulus;
    if (gap > 1 && gap < this.modulus / 2) {
      const lost = gap - 1;
      this.stats.lost += lost;
      return { kind: "lost", lost, event: { kind: "lost", transactionId: id, previous, sequence, lost } };
    }
    return { kind: "ok" };
  }

  /** The transaction carrying `sequence` was delivered downstream: the next one is compared with it. */
  delivered(sequence: number): void {
    this.lastDelivered = sequence;
  }
}
