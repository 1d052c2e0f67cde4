import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Clock, Delivery } from "../../lib/queue";

/** Timers fire only when the test advances time, in due order. */
export class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

/** Lets the queue's group commit (setImmediate) and the deliveries after it run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jsscada-queue-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The payloads of single deliveries, in order. */
export function payloads<T>(deliveries: Delivery<T>[]): T[] {
  return deliveries.flatMap((d) => (d.batch ? d.payloads : [d.payload]));
}
