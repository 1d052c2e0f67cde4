/**
 * The device table: what each MELSEC device is called, how it is encoded, and how its number is written.
 * Source: ../shared/MC-PROTOCOL.md (SH-080008). Ranges are a typical CPU's defaults, used by the simulator.
 */

export type Series = "ql" | "iqr" | "iqf";
export type Notation = "dec" | "hex";

export interface Device {
  /** Name used in tag addresses, e.g. "D", "SM", "LTN". */
  readonly name: string;
  readonly kind: "bit" | "word";
  /** Binary device code (Q/L 1 byte; iQ-R uses the same value in 2 bytes). */
  readonly code: number;
  /** ASCII device code, Q/L form (2 chars, padded with "*"). Empty where Q/L has no such device. */
  readonly asciiQL: string;
  readonly notation: Notation;
  /** Only addressable with iQ-R subcommands (0002/0003). */
  readonly iqrOnly: boolean;
  /** Points in a typical CPU's default configuration (the simulator's memory size). */
  readonly defaultPoints: number;
  /**
   * Module buffer memory (`Un\Gm`, `U3E0\HGm`): the module's start I/O number / 16. Such a device is
   * one module's G (or HG) memory, addressed with the device extension specification (buffer-memory.ts).
   */
  readonly module?: number;
}

function dev(
  name: string,
  kind: "bit" | "word",
  code: number,
  asciiQL: string,
  notation: Notation,
  defaultPoints: number,
  iqrOnly = false,
): Device {
  return { name, kind, code, asciiQL, notation, iqrOnly, defaultPoints };
}

export const DEVICES: readonly Device[] = [
  dev("SM", "bit", 0x91, "SM", "dec", 4096),
  dev("SD", "word", 0xa9, "SD", "dec", 4096),
  dev("X", "bit", 0x9c, "X*", "hex", 8192),
  dev("Y", "bit", 0x9d, "Y*", "hex", 8192),
  dev("M", "bit", 0x90, "M*", "dec", 8192),
  dev("L", "bit", 0x92, "L*", "dec", 8192),
  dev("F", "bit", 0x93, "F*", "dec", 2048),
  dev("S", "bit", 0x98, "S*", "dec", 8192),
  dev("V", "bit", 0x94, "V*", "dec", 2048),
  dev("B", "bit", 0xa0, "B*", "hex", 8192),
  dev("D", "word", 0xa8, "D*", "dec", 12288),
  dev("W", "word", 0xb4, "W*", "hex", 8192),
  dev("TS", "bit", 0xc1, "TS", "dec", 2048),
  dev("TC", "bit", 0xc0, "TC", "dec", 2048),
  dev("TN", "word", 0xc2, "TN", "dec", 2048),
  dev("STS", "bit", 0xc7, "SS", "dec", 64),
  dev("STC", "bit", 0xc6, "SC", "dec", 64),
  dev("STN", "word", 0xc8, "SN", "dec", 64),
  dev("CS", "bit", 0xc4, "CS", "dec", 1024),
  dev("CC", "bit", 0xc3, "CC", "dec", 1024),
  dev("CN", "word", 0xc5, "CN", "dec", 1024),
  dev("SB", "bit", 0xa1, "SB", "hex", 2048),
  dev("SW", "word", 0xb5, "SW", "hex", 2048),
  dev("DX", "bit", 0xa2, "DX", "hex", 8192),
  dev("DY", "bit", 0xa3, "DY", "hex", 8192),
  dev("Z", "word", 0xcc, "Z*", "dec", 20),
  dev("R", "word", 0xaf, "R*", "dec", 32768),
  dev("ZR", "word", 0xb0, "ZR", "dec", 65536),
  // iQ-R only (subcommands 0002/0003). Long timers/counters are addressed per word here, like other
  // word devices; a 32-bit current value is read as an int32/uint32 tag over two words.
  dev("LTS", "bit", 0x51, "", "dec", 1024, true),
  dev("LTC", "bit", 0x50, "", "dec", 1024, true),
  dev("LTN", "word", 0x52, "", "dec", 1024, true),
  dev("LSTS", "bit", 0x59, "", "dec", 64, true),
  dev("LSTC", "bit", 0x58, "", "dec", 64, true),
  dev("LSTN", "word", 0x5a, "", "dec", 64, true),
  dev("LCS", "bit", 0x55, "", "dec", 1024, true),
  dev("LCC", "bit", 0x54, "", "dec", 1024, true),
  dev("LCN", "word", 0x56, "", "dec", 1024, true),
  dev("LZ", "word", 0x62, "", "dec", 2, true),
  dev("RD", "word", 0x2c, "", "dec", 524288, true),
];

/** Alternative spellings users type (Q-series manuals write SS/SC/SN for the retentive timer). */
const ALIASES: Record<string, string> = { SS: "STS", SC: "STC", SN: "STN" };

const BY_NAME = new Map(DEVICES.map((d) => [d.name, d]));
const BY_CODE = new Map(DEVICES.map((d) => [d.code, d]));
const BY_ASCII = new Map(DEVICES.filter((d) => d.asciiQL).map((d) => [d.asciiQL, d]));
const BY_ASCII_IQR = new Map(DEVICES.map((d) => [asciiCodeIQR(d), d]));

/** Device names longest first, so "LSTN" is matched before "L" when parsing an address. */
export const DEVICE_NAMES_LONGEST_FIRST: readonly string[] = [
  ...BY_NAME.keys(),
  ...Object.keys(ALIASES),
].sort((a, b) => b.length - a.length);

export function deviceByName(name: string): Device | undefined {
  const upper = name.toUpperCase();
  return BY_NAME.get(ALIASES[upper] ?? upper);
}

export function deviceByCode(code: number): Device | undefined {
  return BY_CODE.get(code);
}

export function deviceByAscii(ascii: string, series: Series): Device | undefined {
  return series === "iqr" ? BY_ASCII_IQR.get(ascii) : BY_ASCII.get(ascii);
}

/** iQ-R ASCII device code: the name padded to 4 chars with "*" (D***, SM**, LSTN). */
export function asciiCodeIQR(d: Device): string {
  return d.name.padEnd(4, "*");
}

/** Options that change how device numbers are written (per PLC). */
export interface NotationOptions {
  /** ZR numbers in hex (the manual's table) instead of decimal (what real PLCs were seen to use). */
  readonly zrHex?: boolean;
}

export function notationOf(d: Device, opts: NotationOptions = {}): Notation {
  if (d.name === "ZR") return opts.zrHex ? "hex" : "dec";
  return d.notation;
}

/** Largest device number the request format can carry. */
export function maxDeviceNumber(series: Series, encoding: "binary" | "ascii", notation: Notation): number {
  const wide = series === "iqr";
  if (encoding === "binary") return wide ? 0xffffffff : 0xffffff;
  if (notation === "hex") return wide ? 0xffffffff : 0xffffff;
  return wide ? 99999999 : 999999;
}
