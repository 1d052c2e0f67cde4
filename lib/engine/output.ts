/**
 * Turns one cycle's tag results into the message payload: an object by tag name, or an array of
 * {name, value, quality, timestamp}; optionally only what changed beyond a per-tag deadband.
 */

export type Quality = "good" | "bad";

export interface TagReading {
  readonly name: string;
  readonly value: unknown;
  readonly quality: Quality;
  /** Epoch milliseconds of the cycle that read it. */
  readonly timestamp: number;
  /** Why the value is bad (the tag's own error), when it is. */
  readonly error?: string;
}

export type PayloadFormat = "object" | "array";

export interface OutputOptions {
  readonly format: PayloadFormat;
  readonly changedOnly: boolean;
  /** Per tag name: a numeric change smaller than or equal to this is not a change. */
  readonly deadbands?: Readonly<Record<string, number>>;
}

/** Remembers the last values sent, to decide what changed. */
export class ChangeFilter {
  private readonly lastSent = new Map<string, { value: unknown; quality: Quality }>();

  constructor(private readonly deadbands: Readonly<Record<string, number>> = {}) {}

  /** The readings that changed since last sent; a forced (manual) cycle returns and remembers all. */
  filter(readings: readonly TagReading[], force: boolean): TagReading[] {
    const out: TagReading[] = [];
    for (const r of readings) {
      const prev = this.lastSent.get(r.name);
      if (force || !prev || prev.quality !== r.quality || this.changed(r.name, prev.value, r.value)) {
        out.push(r);
        this.lastSent.set(r.name, { value: r.value, quality: r.quality });
      }
    }
    return out;
  }

  reset(): void {
    this.lastSent.clear();
  }

  private changed(name: string, before: unknown, after: unknown): boolean {
    if (typeof before === "number" && typeof after === "number") {
      const band = this.deadbands[name] ?? 0;
      return band > 0 ? Math.abs(after - before) > band : !Object.is(before, after);
    }
    return !sameValue(before, after);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  return false;
}

export function buildPayload(readings: readonly TagReading[], format: PayloadFormat): unknown {
  if (format === "array") return readings.map((r) => ({ ...r }));
  const out: Record<string, unknown> = {};
  for (const r of readings) out[r.name] = r.quality === "good" ? r.value : null;
  return out;
}
