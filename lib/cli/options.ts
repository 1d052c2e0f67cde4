/**
 * Command-line option parsing for jsscada-mc: node's util.parseArgs plus the checks that turn option
 * text into McClient/PlcSimulator settings. Every problem is a UsageError (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Series } from "../mc/devices";
import { type FrameType } from "../mc/frame";
import { type TransportKind } from "../mc/transport";
import { type Encoding } from "../mc/wire";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export const COMMON_OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  frame: { type: "string" },
  binary: { type: "boolean" },
  ascii: { type: "boolean" },
  tcp: { type: "boolean" },
  udp: { type: "boolean" },
  series: { type: "string" },
  "zr-hex": { type: "boolean" },
  "octal-xy": { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

export const REMOTE_OPTIONS = {
  ...COMMON_OPTIONS,
  force: { type: "boolean" },
  clear: { type: "string" },
  yes: { type: "boolean" },
} as const satisfies OptionSpec;

export const SIM_OPTIONS = {
  ...COMMON_OPTIONS,
  listen: { type: "string" },
  latency: { type: "string" },
  jitter: { type: "string" },
  scan: { type: "string" },
  "max-clients": { type: "string" },
  generators: { type: "boolean" },
  modules: { type: "string" },
  "model-padding": { type: "string" },
} as const satisfies OptionSpec;

export type RawValues = Record<string, string | boolean | undefined>;

export interface Parsed {
  readonly values: RawValues;
  readonly positionals: string[];
}

const NEGATIVE = "\u0000negative:";

/** parseArgs with its TypeErrors (unknown option, missing value) turned into UsageErrors. */
export function parse(args: readonly string[], options: OptionSpec): Parsed {
  // parseArgs would take "-5" for an option; write needs negative numbers as values, in place.
  const negatives: string[] = [];
  const masked = args.map((a) => (/^-\.?\d/.test(a) ? `${NEGATIVE}${negatives.push(a) - 1}` : a));
  try {
    const { values, positionals } = parseArgs({
      args: masked,
      options,
      allowPositionals: true,
      strict: true,
    });
    const unmask = <T>(v: T): T | string =>
      typeof v === "string" && v.startsWith(NEGATIVE) ? negatives[Number(v.slice(NEGATIVE.length))]! : v;
    const restored: RawValues = {};
    for (const [k, v] of Object.entries(values)) restored[k] = unmask(v as string | boolean | undefined);
    return { values: restored, positionals: positionals.map(unmask) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // parseArgs appends advice about "--" that is noise for a mistyped option.
    throw new UsageError(message.replace(/\. To specify .*$/s, ""));
  }
}

export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly frame: FrameType;
  readonly encoding: Encoding;
  readonly transport: TransportKind;
  readonly series: Series;
  readonly zrHex: boolean;
  /** X/Y numbers in octal (FX over 1E, iQ-F). */
  readonly octalXY: boolean;
  readonly timeoutMs: number;
}

function str(values: RawValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** A whole number in [min, max]; `name` is the option as the user typed it. */
export function intOption(
  values: RawValues,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = str(values, name);
  if (text === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function pick<T extends string>(values: RawValues, a: T, b: T, fallback: T): T {
  if (values[a] && values[b]) throw new UsageError(`--${a} and --${b} exclude each other`);
  return values[a] ? a : values[b] ? b : fallback;
}

export function connectionOf(values: RawValues, defaultPort: number, minPort = 1): Connection {
  const frameText = (str(values, "frame") ?? "3e").toUpperCase();
  if (frameText !== "1E" && frameText !== "3E" && frameText !== "4E") {
    throw new UsageError(`--frame must be 1e, 3e or 4e, got "${str(values, "frame")}"`);
  }
  const series = (str(values, "series") ?? "ql").toLowerCase();
  if (series !== "ql" && series !== "iqr" && series !== "iqf") {
    throw new UsageError(`--series must be ql, iqr or iqf, got "${str(values, "series")}"`);
  }
  return {
    host: str(values, "host") ?? "127.0.0.1",
    port: intOption(values, "port", defaultPort, minPort, 65535),
    frame: frameText,
    encoding: pick<Encoding>(values, "binary", "ascii", "binary"),
    transport: pick<TransportKind>(values, "tcp", "udp", "tcp"),
    series,
    zrHex: values["zr-hex"] === true,
    // iQ-F numbers X/Y in octal, as docs/CLI.md says; FX over 1E asks for it with --octal-xy.
    octalXY: values["octal-xy"] === true || series === "iqf",
    timeoutMs: intOption(values, "timeout", 3000, 1, 600_000),
  };
}

/** `--modules 1=4096,3E0=8192`: buffer-memory modules (start I/O / 16, hex) and their sizes in words. */
export function modulesOption(values: RawValues): Record<string, number> | undefined {
  const text = str(values, "modules");
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*U?([0-9A-Fa-f]{1,3})\s*=\s*(\d{1,7})\s*$/.exec(part);
    if (!m) throw new UsageError(`--modules takes MODULE=WORDS pairs like 1=4096,3E0=8192, got "${part}"`);
    out[m[1]!.toUpperCase()] = Number(m[2]);
  }
  return out;
}

export function describeConnection(c: Connection): string {
  return `${c.frame} ${c.encoding} over ${c.transport.toUpperCase()}, series ${c.series}`;
}
