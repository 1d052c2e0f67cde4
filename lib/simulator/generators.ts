/**
 * Value generators that make simulated memory look alive: each one writes one address every period.
 * The value for tick n is a pure function of n (and, for the random walk, the previous value and an
 * injectable random source), so tests can check the sequence without timers.
 */
import { type DeviceMemory, parseAddress } from "./memory";

interface GeneratorBase {
  /** Device address, e.g. "D100" or "M5". */
  readonly address: string;
  readonly periodMs: number;
}

/** Adds `step` (default 1) to a word every period, wrapping at 16 bits. */
export interface CounterSpec extends GeneratorBase {
  readonly kind: "counter";
  readonly step?: number;
}

/** An int16 sine: round(offset + amplitude · sin(2π · t / cycleMs)), stored as two's complement. */
export interface SineSpec extends GeneratorBase {
  readonly kind: "sine";
  /** Default 1000. */
  readonly amplitude?: number;
  /** Default 0. */
  readonly offset?: number;
  /** Length of one full wave; default 20 periods. */
  readonly cycleMs?: number;
}

/** Moves a signed word by a random amount in [-step, step] each period, kept within [min, max]. */
export interface RandomWalkSpec extends GeneratorBase {
  readonly kind: "randomWalk";
  /** Default 10. */
  readonly step?: number;
  /** Defaults -32768 / 32767. */
  readonly min?: number;
  readonly max?: number;
  /** A [0, 1) source; Math.random by default (inject one for repeatable tests). */
  readonly random?: () => number;
}

/** Flips a bit (on a word address: alternates 0 and 1) every period. */
export interface ToggleSpec extends GeneratorBase {
  readonly kind: "toggle";
}

export type GeneratorSpec = CounterSpec | SineSpec | RandomWalkSpec | ToggleSpec;

/** Returns the function that performs one tick (n = 1, 2, …) against memory. Validates the spec. */
export function generatorStep(memory: DeviceMemory, spec: GeneratorSpec): (n: number) => void {
  if (!(spec.periodMs > 0)) throw new RangeError(`generator period must be positive, got ${spec.periodMs}`);
  const { device, number } = parseAddress(spec.address);
  // Fails now, not on the first tick inside a timer, if the address is outside the device.
  const read = (): number => memory.readWords(device, number, 1)[0]!;
  const bitDevice = device.kind === "bit";
  if (bitDevice) memory.readBits(device, number, 1);
  else read();
  const writeWord = (v: number): void => memory.writeWords(device, number, [v & 0xffff]);
  switch (spec.kind) {
    case "counter": {
      const step = spec.step ?? 1;
      return () => writeWord(read() + step);
    }
    case "sine": {
      const amplitude = spec.amplitude ?? 1000;
      const offset = spec.offset ?? 0;
      const cycle = spec.cycleMs ?? spec.periodMs * 20;
      return (n) =>
        writeWord(
          clampInt16(Math.round(offset + amplitude * Math.sin((2 * Math.PI * n * spec.periodMs) / cycle))),
        );
    }
    case "randomWalk": {
      const step = spec.step ?? 10;
      const min = spec.min ?? -32768;
      const max = spec.max ?? 32767;
      const random = spec.random ?? Math.random;
      return () => {
        const current = (read() << 16) >> 16;
        const next = Math.round(current + (random() * 2 - 1) * step);
        writeWord(Math.min(max, Math.max(min, next)));
      };
    }
    case "toggle":
      return () => {
        if (bitDevice) memory.writeBits(device, number, [!memory.readBits(device, number, 1)[0]]);
        else writeWord(read() === 0 ? 1 : 0);
      };
  }
}

function clampInt16(v: number): number {
  return Math.min(32767, Math.max(-32768, v));
}

/** The running generators of one simulator; stop() clears every timer. */
export class Generators {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly memory: DeviceMemory) {}

  /** Starts a generator; the returned function stops it. */
  add(spec: GeneratorSpec): () => void {
    const step = generatorStep(this.memory, spec);
    let n = 0;
    const timer = setInterval(() => step(++n), spec.periodMs);
    // A forgotten generator must not keep a test process alive; the server's sockets do that anyway.
    timer.unref();
    this.timers.add(timer);
    return () => {
      clearInterval(timer);
      this.timers.delete(timer);
    };
  }

  get count(): number {
    return this.timers.size;
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
  }
}
