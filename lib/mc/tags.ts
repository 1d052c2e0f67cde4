/**
 * Tag addresses as users type them: `D100`, `D100:float32`, `D200:int32:swap`, `D100.3`, `M0:bool[32]`,
 * `D300:string(8)[3]`. Parsing happens once, when a node is configured; everything downstream works on
 * the parsed Tag. The syntax is documented in docs/TAGS.md.
 */
import {
  type Device,
  type Notation,
  type Series,
  DEVICE_NAMES_LONGEST_FIRST,
  deviceByName,
  maxDeviceNumber,
  notationOf,
} from "./devices";
import { bufferDevice, isCpuBuffer } from "./buffer-memory";
import { code1E, DEVICE_NAMES_1E } from "./devices-1e";
import { McAddressError } from "./errors";
import { type FrameType } from "./frame";
import { type DeviceRef, type Encoding } from "./wire";

export type ValueType =
  "bool" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64" | "int64" | "uint64" | "string";

/** Options fixed per PLC: they change which device numbers exist and how they are written. */
export interface TagOptions {
  readonly series: Series;
  /** Defaults to binary; ASCII frames carry fewer decimal digits on Q/L (999999). */
  readonly encoding?: Encoding;
  /** ZR numbers in hex (see MC-PROTOCOL.md: disputed, decimal by default). */
  readonly zrHex?: boolean;
  /** iQ-F and FX over 1E: X and Y numbers are octal, as the engineering tools show them. */
  readonly octalXY?: boolean;
  /** "1E" allows only the devices a 1E frame can reach (devices-1e.ts). */
  readonly frame?: FrameType;
}

export interface Tag {
  /** Normalised address text, e.g. `D100:int32:swap`; used in messages and as a stable key. */
  readonly address: string;
  readonly ref: DeviceRef;
  readonly type: ValueType;
  readonly isArray: boolean;
  /** 1 for scalars. */
  readonly arrayLength: number;
  /** 32/64-bit: high word first. Strings: the two bytes of each word exchanged. */
  readonly swap: boolean;
  /** Bit index 0–15 of a word device (type bool). */
  readonly bit?: number;
  /** Characters per element of a `string(N)` tag. */
  readonly stringLength?: number;
  /** Words per element on a word device; 0 on a bit device. */
  readonly elementWords: number;
  /** Words occupied on a word device (a bit of a word occupies its word); 0 on a bit device. */
  readonly words: number;
  /** Points occupied on a bit device; 0 on a word device. */
  readonly points: number;
}

/** Large enough for any realistic array; small enough that a typo like `[100000]` is caught. */
export const MAX_ARRAY_LENGTH = 4096;
/** One 960-word batch read holds 1920 characters. */
export const MAX_STRING_LENGTH = 1920;

const FIXED_WORDS: Record<Exclude<ValueType, "string">, number> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  float64: 4,
  int64: 4,
  uint64: 4,
};

const TYPE_NAMES = Object.keys(FIXED_WORDS);

function fail(problem: string, input: string): never {
  throw new McAddressError(`${problem} in "${input}"`);
}

/** Strips one trailing `[N]`; returns the rest and N (undefined when absent). */
function splitArraySuffix(segment: string, input: string): [string, number | undefined] {
  const m = /^(.*?)\s*\[\s*([^\]]*?)\s*\]$/.exec(segment);
  if (!m) {
    if (segment.includes("[") || segment.includes("]")) fail("malformed array suffix (expected [N])", input);
    return [segment, undefined];
  }
  if (m[1]!.includes("[")) fail("array length given twice", input);
  const n = /^\d{1,9}$/.test(m[2]!) ? Number(m[2]) : NaN;
  if (!(n >= 1 && n <= MAX_ARRAY_LENGTH)) fail(`array length must be 1..${MAX_ARRAY_LENGTH}`, input);
  return [m[1]!, n];
}

interface TypeSpec {
  type: ValueType;
  stringLength?: number;
}

function parseType(text: string, input: string): TypeSpec {
  const lower = text.toLowerCase();
  if (TYPE_NAMES.includes(lower)) return { type: lower as ValueType };
  const m = /^string\s*\(\s*(\d{1,9})\s*\)$/.exec(lower);
  if (m) {
    const n = Number(m[1]);
    if (n < 1 || n > MAX_STRING_LENGTH) fail(`string length must be 1..${MAX_STRING_LENGTH}`, input);
    return { type: "string", stringLength: n };
  }
  if (/^string\b/.test(lower)) fail(`string type needs a length, e.g. string(10), not "${text}"`, input);
  return fail(`unknown type "${text}" (expected ${TYPE_NAMES.join(", ")} or string(N))`, input);
}

type NumberNotation = Notation | "oct";

function numberNotation(device: Device, options: TagOptions): NumberNotation {
  if (options.octalXY && (device.name === "X" || device.name === "Y")) return "oct";
  return notationOf(device, options);
}

const RADIX: Record<NumberNotation, number> = { dec: 10, hex: 16, oct: 8 };

function findDevice(upper: string, input: string, options: TagOptions): [Device, string] {
  const name = DEVICE_NAMES_LONGEST_FIRST.find((n) => upper.startsWith(n));
  const letters = /^[A-Z]*/.exec(upper)![0];
  if (!name) {
    if (!letters) fail("missing device name", input);
    fail(`unknown device "${letters}"`, input);
  }
  const device = deviceByName(name)!;
  const rest = upper.slice(name.length);
  // "DA10" is more likely a misspelt device than D with a hex number; "D1A" is the reverse.
  const extra = letters.slice(name.length);
  const hex = numberNotation(device, options) === "hex";
  if (extra && (!hex || /[^A-F]/.test(extra))) fail(`unknown device "${letters}"`, input);
  return [device, rest];
}

/** `Un\Gm`, `Un\HGm` (n hex, m decimal), optionally `.bit`: groups module, G/HG, number, bit. */
const BUFFER_ADDRESS = /^U([0-9A-F]+)\\(HG|G)([0-9A-Z]*)(?:\.(.*))?$/;

function bufferDeviceOf(m: RegExpExecArray, input: string): [Device, string] {
  const module = parseInt(m[1]!, 16);
  if (m[1]!.length > 3) fail(`module number U${m[1]} is more than 3 hex digits`, input);
  if (m[2] === "HG" && !isCpuBuffer(module))
    fail(`HG is CPU buffer memory: U3E0\\HG to U3E3\\HG only`, input);
  return [bufferDevice(module, m[2] === "HG"), m[3]!];
}

function parseNumber(device: Device, digits: string, notation: NumberNotation, input: string): number {
  if (!digits) fail(`missing device number after ${device.name}`, input);
  const valid = { dec: /^[0-9]+$/, hex: /^[0-9A-F]+$/, oct: /^[0-7]+$/ }[notation];
  if (!valid.test(digits)) {
    if (notation === "dec" && /^[0-9A-F]+$/.test(digits)) {
      throw new McAddressError(`hex digit in decimal device ${device.name}: "${input}"`);
    }
    if (notation === "oct" && /^[0-9]+$/.test(digits)) {
      throw new McAddressError(`digit 8 or 9 in octal device ${device.name} (iQ-F): "${input}"`);
    }
    fail(`invalid ${device.name} device number "${digits}"`, input);
  }
  // Leading zeros are harmless; only the significant digits can overflow.
  const significant = digits.replace(/^0+(?=.)/, "");
  if (significant.length > 10) fail("number out of range", input);
  return parseInt(significant, RADIX[notation]);
}

function formatNumber(n: number, notation: NumberNotation): string {
  return n.toString(RADIX[notation]).toUpperCase();
}

/** Parses a tag address; throws McAddressError naming the problem and quoting the input. */
export function parseTag(text: string, options: TagOptions): Tag {
  if (typeof text !== "string") throw new McAddressError(`tag address must be a string, got ${typeof text}`);
  const input = text.trim();
  if (!input) throw new McAddressError("empty tag address");

  const segments = input.split(":").map((s) => s.trim());
  const [addressPart, addressArray] = splitArraySuffix(segments[0]!, input);
  let arrayLength = addressArray;
  let typeSpec: TypeSpec | undefined;
  let swap = false;
  for (const raw of segments.slice(1)) {
    if (!raw) fail("empty segment after ':'", input);
    const [segment, n] = splitArraySuffix(raw, input);
    if (n !== undefined) {
      if (arrayLength !== undefined) fail("array length given twice", input);
      arrayLength = n;
    }
    if (segment.toLowerCase() === "swap") {
      if (swap) fail('"swap" given twice', input);
      swap = true;
    } else {
      if (typeSpec) fail(`unexpected "${segment}" (type already given)`, input);
      typeSpec = parseType(segment, input);
    }
  }

  const upper = addressPart.toUpperCase();
  const buffer = BUFFER_ADDRESS.exec(upper);
  const m = buffer ? undefined : /^([A-Z0-9]*)(?:\.(.*))?$/.exec(upper);
  if (!buffer && !m) fail("invalid characters in address", input);
  const [device, digits] = buffer ? bufferDeviceOf(buffer, input) : findDevice(m![1]!, input, options);
  const bitText = buffer ? buffer[4] : m![2];
  if (device.iqrOnly && options.series !== "iqr") {
    fail(`device ${device.name} exists only on iQ-R (series "iqr"), not series "${options.series}"`, input);
  }
  if (options.frame === "1E" && code1E(device) === undefined) {
    fail(`device ${device.name} cannot be reached with 1E frames (1E: ${DEVICE_NAMES_1E.join(" ")})`, input);
  }
  const notation = numberNotation(device, options);
  const number = parseNumber(device, digits, notation, input);
  const max = maxDeviceNumber(options.series, options.encoding ?? "binary", notationOf(device, options));
  if (number > max) fail(`number out of range (${device.name} max ${formatNumber(max, notation)})`, input);

  let bit: number | undefined;
  if (bitText !== undefined) {
    if (device.kind === "bit")
      fail(`bit index only applies to word devices, ${device.name} is a bit device`, input);
    if (!/^[0-9A-F]$/.test(bitText)) fail("bit index must be 0–F", input);
    bit = parseInt(bitText, 16);
    if (arrayLength !== undefined) {
      fail("arrays of word bits are not supported; use a bool array on a bit device or a uint16 tag", input);
    }
    if (typeSpec && typeSpec.type !== "bool") fail(`a bit of a word is bool, not ${typeSpec.type}`, input);
    if (swap) fail('"swap" does not apply to a bit', input);
  }

  const type = typeSpec?.type ?? (device.kind === "bit" || bit !== undefined ? "bool" : "int16");
  if (device.kind === "bit" && type !== "bool")
    fail(`type ${type} not allowed on bit device ${device.name}`, input);
  if (device.kind === "word" && type === "bool" && bit === undefined) {
    fail(`type bool on word device ${device.name} needs a bit index, e.g. ${device.name}${digits}.0`, input);
  }
  const stringLength = typeSpec?.stringLength;
  const elementWords =
    device.kind === "bit" ? 0 : type === "string" ? Math.ceil(stringLength! / 2) : FIXED_WORDS[type];
  if (swap && elementWords < 2 && type !== "string") fail(`"swap" does not apply to ${type}`, input);

  const count = arrayLength ?? 1;
  const span = device.kind === "bit" ? count : elementWords * count;
  if (number + span - 1 > max) {
    fail(`tag runs past the last ${device.name} number ${formatNumber(max, notation)}`, input);
  }

  const defaultType = device.kind === "bit" || bit !== undefined ? "bool" : "int16";
  const typeText = type === "string" ? `string(${stringLength})` : type;
  let address = device.name + formatNumber(number, notation);
  if (bit !== undefined) address += "." + bit.toString(16).toUpperCase();
  if (type !== defaultType || arrayLength !== undefined) address += ":" + typeText;
  if (arrayLength !== undefined) address += `[${arrayLength}]`;
  if (swap) address += ":swap";

  return {
    address,
    ref: { device, number },
    type,
    isArray: arrayLength !== undefined,
    arrayLength: count,
    swap,
    ...(bit !== undefined ? { bit } : {}),
    ...(stringLength !== undefined ? { stringLength } : {}),
    elementWords,
    words: device.kind === "word" ? span : 0,
    points: device.kind === "bit" ? span : 0,
  };
}

/** For the editor, called on every keystroke: null when valid, otherwise the message. */
export function validateTag(text: string, options: TagOptions): string | null {
  try {
    parseTag(text, options);
    return null;
  } catch (err) {
    if (err instanceof McAddressError) return err.message;
    throw err;
  }
}
