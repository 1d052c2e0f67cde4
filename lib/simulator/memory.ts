/**
 * Simulated device memory. Bit devices are stored packed, 16 points per word (bit 0 of word k = point
 * 16k), so reading a bit device in word units and in bit units sees the same memory, as on a real CPU.
 */
import { type Device, DEVICES, DEVICE_NAMES_LONGEST_FIRST, deviceByName } from "../mc/devices";
import { bufferDevice } from "../mc/buffer-memory";
import { McAddressError } from "../mc/errors";

/** A module's buffer memory by name, as readWords("U1\\G", …) takes it. */
const BUFFER = /^U([0-9A-F]{1,3})\\(HG|G)$/;

export interface DeviceMemoryOptions {
  /** Points per device name, overriding Device.defaultPoints (e.g. `{ D: 1024 }`). */
  readonly sizes?: Readonly<Record<string, number>>;
  /**
   * Modules with buffer memory: start I/O / 16 in hex ("1" = U1, "3E0" = CPU No.1) → buffer words (G,
   * and HG for 3E0–3E3). Default: U1 and U3E0 with 4096 words each. Requests to other modules fail.
   */
  readonly modules?: Readonly<Record<string, number>>;
}

export const DEFAULT_MODULES: Readonly<Record<string, number>> = { "1": 4096, "3E0": 4096 };

export class DeviceMemory {
  private readonly sizes = new Map<Device, number>();
  private readonly modules = new Map<number, number>();
  // Allocated on first access: RD alone is 1 MiB and most tests touch two or three devices.
  private readonly store = new Map<Device, Uint16Array>();

  constructor(options: DeviceMemoryOptions = {}) {
    for (const d of DEVICES) {
      const size = options.sizes?.[d.name] ?? d.defaultPoints;
      if (!Number.isInteger(size) || size < 0) throw new RangeError(`invalid size ${size} for ${d.name}`);
      this.sizes.set(d, size);
    }
    for (const [text, words] of Object.entries(options.modules ?? DEFAULT_MODULES)) {
      const module = /^[0-9A-Fa-f]{1,3}$/.test(text) ? parseInt(text, 16) : NaN;
      if (!Number.isInteger(module) || !Number.isInteger(words) || words < 0) {
        throw new RangeError(`invalid buffer memory module "${text}": ${words} words`);
      }
      this.modules.set(module, words);
    }
  }

  /** Whether a module with buffer memory sits at start I/O `module` × 16. */
  hasModule(module: number): boolean {
    return this.modules.has(module);
  }

  /** Number of points of a device (words for word devices, bits for bit devices). */
  size(device: Device | string): number {
    const d = resolve(device);
    if (d.module !== undefined) return this.modules.get(d.module) ?? 0;
    return this.sizes.get(d) ?? 0;
  }

  /**
   * Whether `count` units starting at point `start` lie inside the device. A unit is one point, or
   * 16 points when a bit device is accessed in words.
   */
  inRange(device: Device, start: number, count: number, wordsOfBits = false): boolean {
    const span = wordsOfBits && device.kind === "bit" ? count * 16 : count;
    return Number.isInteger(start) && start >= 0 && count >= 0 && start + span <= this.size(device);
  }

  /** Words from `start`; on a bit device each word holds 16 points from `start` on, bit 0 the lowest. */
  readWords(device: Device | string, start: number, count: number): number[] {
    const d = this.checked(device, start, count, true);
    const mem = this.words(d);
    const out = new Array<number>(count);
    if (d.kind === "word") {
      for (let i = 0; i < count; i++) out[i] = mem[start + i]!;
      return out;
    }
    for (let i = 0; i < count; i++) {
      let w = 0;
      for (let b = 0; b < 16; b++) if (getBit(mem, start + 16 * i + b)) w |= 1 << b;
      out[i] = w;
    }
    return out;
  }

  /** readWords without the copy on word devices: a live view, to be read at once (answers are built from it). */
  viewWords(device: Device | string, start: number, count: number): ArrayLike<number> {
    const d = this.checked(device, start, count, true);
    if (d.kind === "word") return this.words(d).subarray(start, start + count);
    return this.readWords(d, start, count);
  }

  /** readWords into `out` from byte `at`, little-endian: a binary answer is written without an array between. */
  copyWordsLE(device: Device, start: number, count: number, out: Buffer, at: number): void {
    const d = this.checked(device, start, count, true);
    const words = d.kind === "word" ? this.words(d) : this.readWords(d, start, count);
    const from = d.kind === "word" ? start : 0;
    for (let i = 0; i < count; i++, at += 2) {
      const v = words[from + i]!;
      out[at] = v & 0xff;
      out[at + 1] = v >>> 8;
    }
  }

  writeWords(device: Device | string, start: number, values: ArrayLike<number>): void {
    const d = this.checked(device, start, values.length, true);
    const mem = this.words(d);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]! & 0xffff;
      if (d.kind === "word") mem[start + i] = v;
      else for (let b = 0; b < 16; b++) setBit(mem, start + 16 * i + b, (v >> b) & 1);
    }
  }

  readBits(device: Device | string, start: number, count: number): boolean[] {
    const d = this.checked(device, start, count, false);
    if (d.kind !== "bit") throw new McAddressError(`${d.name} is a word device; read it in words`);
    const mem = this.words(d);
    const out = new Array<boolean>(count);
    for (let i = 0; i < count; i++) out[i] = getBit(mem, start + i) === 1;
    return out;
  }

  writeBits(device: Device | string, start: number, values: ArrayLike<boolean | number>): void {
    const d = this.checked(device, start, values.length, false);
    if (d.kind !== "bit") throw new McAddressError(`${d.name} is a word device; write it in words`);
    const mem = this.words(d);
    for (let i = 0; i < values.length; i++) setBit(mem, start + i, values[i] ? 1 : 0);
  }

  /** "D100" → the word's value; "M5" / "X1F" → the bit. Numbers use the device's notation (X, Y, B, W hex). */
  get(address: string): number | boolean {
    const { device, number } = parseAddress(address);
    return device.kind === "bit"
      ? this.readBits(device, number, 1)[0]!
      : this.readWords(device, number, 1)[0]!;
  }

  set(address: string, value: number | boolean): void {
    const { device, number } = parseAddress(address);
    if (device.kind === "bit") this.writeBits(device, number, [value]);
    else this.writeWords(device, number, [Number(value)]);
  }

  /** Zeroes every device. */
  clear(): void {
    this.store.clear();
  }

  private checked(device: Device | string, start: number, count: number, wordsOfBits: boolean): Device {
    const d = resolve(device);
    if (!Number.isInteger(count) || !this.inRange(d, start, count, wordsOfBits)) {
      throw new McAddressError(`${d.name}${start} (+${count}) is outside ${d.name}0..${this.size(d) - 1}`);
    }
    return d;
  }

  private words(d: Device): Uint16Array {
    let mem = this.store.get(d);
    if (!mem) {
      const size = this.size(d);
      mem = new Uint16Array(d.kind === "bit" ? Math.ceil(size / 16) : size);
      this.store.set(d, mem);
    }
    return mem;
  }
}

function getBit(mem: Uint16Array, point: number): number {
  return (mem[point >> 4]! >> (point & 15)) & 1;
}

function setBit(mem: Uint16Array, point: number, on: number): void {
  const k = point >> 4;
  mem[k] = on ? mem[k]! | (1 << (point & 15)) : mem[k]! & ~(1 << (point & 15));
}

function resolve(device: Device | string): Device {
  if (typeof device !== "string") return device;
  const buffer = BUFFER.exec(device.trim().toUpperCase());
  if (buffer) return bufferDevice(parseInt(buffer[1]!, 16), buffer[2] === "HG");
  const d = deviceByName(device);
  if (!d) throw new McAddressError(`unknown device "${device}"`);
  return d;
}

/**
 * A plain device address such as "D100", "SM400", "X1F" or "ZR20" (ZR decimal, like the default wire
 * notation). Deliberately minimal: the simulator's own API, not the engine's tag-address syntax.
 */
export function parseAddress(address: string): { device: Device; number: number } {
  const text = address.trim().toUpperCase();
  const buffer = /^U([0-9A-F]{1,3})\\(HG|G)(\d+)$/.exec(text);
  if (buffer)
    return { device: bufferDevice(parseInt(buffer[1]!, 16), buffer[2] === "HG"), number: Number(buffer[3]) };
  for (const name of DEVICE_NAMES_LONGEST_FIRST) {
    if (!text.startsWith(name)) continue;
    const device = deviceByName(name)!;
    const digits = text.slice(name.length);
    const hex = device.notation === "hex";
    if (!(hex ? /^[0-9A-F]+$/ : /^[0-9]+$/).test(digits)) continue;
    return { device, number: parseInt(digits, hex ? 16 : 10) };
  }
  throw new McAddressError(`cannot parse device address "${address}"`);
}
