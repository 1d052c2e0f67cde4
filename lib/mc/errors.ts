/**
 * Typed errors with a stable `code` users can switch on in a Catch node or a script.
 * Messages name the PLC (and, where the caller knows them, the group and tag).
 */

export type McErrorCode =
  | "MC_TIMEOUT"
  | "MC_CONNECTION_REFUSED"
  | "MC_CONNECTION_LOST"
  | "MC_CLOSED"
  | "MC_END_CODE"
  | "MC_PROTOCOL"
  | "MC_BAD_ADDRESS"
  | "MC_BAD_VALUE"
  | "MC_PLC_DISABLED"
  | "MC_PLC_OFFLINE";

export class McError extends Error {
  readonly code: McErrorCode;
  constructor(code: McErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** No answer within the request or connect time-out (also what an ASCII/binary mismatch looks like). */
export class McTimeoutError extends McError {
  constructor(message: string) {
    super("MC_TIMEOUT", message);
  }
}

/** Refused ("port busy or PLC down"), lost mid-request, or closed by us while a request waited. */
export class McConnectionError extends McError {
  constructor(code: "MC_CONNECTION_REFUSED" | "MC_CONNECTION_LOST" | "MC_CLOSED", message: string) {
    super(code, message);
  }
}

/** What a 1E end code comes with: the abnormal code that follows end code 5BH. */
export interface EndCode1E {
  readonly abnormalCode?: number;
}

/** The PLC answered with a non-zero end code. */
export class McEndCodeError extends McError {
  readonly endCode: number;
  readonly meaning: string;
  /** Set when the code came in a 1E frame (1-byte end codes with their own table). */
  readonly frame1E?: EndCode1E;
  constructor(endCode: number, context = "", frame1E?: EndCode1E) {
    const meaning = frame1E ? endCode1EMeaning(endCode, frame1E.abnormalCode) : endCodeMeaning(endCode);
    const code = frame1E ? `${hex2(endCode)}H (1E)` : hex4(endCode);
    super("MC_END_CODE", `${context}PLC end code ${code}: ${meaning}`);
    this.endCode = endCode;
    this.meaning = meaning;
    if (frame1E) this.frame1E = frame1E;
  }
}

/** Garbage, truncated or mismatched frames. The connection that produced it is reset. */
export class McProtocolError extends McError {
  constructor(message: string) {
    super("MC_PROTOCOL", message);
  }
}

/** A tag address or device specification that cannot be encoded. */
export class McAddressError extends McError {
  constructor(message: string) {
    super("MC_BAD_ADDRESS", message);
  }
}

/**
 * The pool refused to send: the PLC is disabled by the user, or off-scan (demoted after repeated
 * failures, or waiting to reconnect). Failing fast keeps one dead PLC from delaying anything else.
 */
export class McUnavailableError extends McError {
  constructor(code: "MC_PLC_DISABLED" | "MC_PLC_OFFLINE", message: string) {
    super(code, message);
  }
}

/** A value that does not fit the tag's type (for writes). */
export class McValueError extends McError {
  constructor(message: string) {
    super("MC_BAD_VALUE", message);
  }
}

/** Any thrown value as a typed error: McErrors as they are, anything else as MC_PROTOCOL. */
export function asMcError(err: unknown): McError {
  if (err instanceof McError) return err;
  return new McError("MC_PROTOCOL", err instanceof Error ? err.message : String(err));
}

export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

const END_CODES: Record<number, string> = {
  0x0050: "subheader or command type not as specified",
  0x0055: "write refused: the CPU is in RUN and online change is disabled",
  0xc050: "ASCII data that cannot be converted to binary",
  0xc051: "number of read/write points out of range",
  0xc052: "number of read/write points out of range",
  0xc053: "number of read/write points out of range",
  0xc054: "number of read/write points out of range",
  0xc056: "request exceeds the maximum address",
  0xc058: "request data length after ASCII conversion does not match",
  0xc059: "command or subcommand wrong or not supported by this CPU",
  0xc05b: "the CPU cannot read/write the specified device",
  0xc05c: "wrong request content (e.g. bit access to a word device)",
  0xc05d: "monitor requested without registration",
  0xc05f: "request cannot be executed on this CPU",
  0xc060: "wrong bit data",
  0xc061: "request data length does not match the number of data",
  0xc06f: "ASCII frame on a binary port or the reverse",
  0x4013: "request refused in the CPU's current state",
  0x4030: "device or path not allowed",
  0x4031: "start address or range outside the configured device range",
  0x4043: "no intelligent function module at the specified position (U\\G module number)",
};

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

/** 1E end codes: FX3U-ENET(-ADP) §9.3.2 / §11.4.2 and the E71 manual (docs/PROTOCOL.md). */
const END_CODES_1E: Record<number, string> = {
  0x50: "command not supported by this module (FX: only 00–05H and 13–16H)",
  0x54: "ASCII data that cannot be converted to binary",
  0x55: "write refused: the CPU is in RUN and online change is disabled",
  0x56: "device designation incorrect",
  0x57: "point count over the command's limit, past the device range, or data not matching the count",
  0x58: "head device out of range, word device in a bit command, or bit-device head not a multiple of 16",
  0x5b: "the CPU cannot process the request",
  0x60: "the CPU did not answer within the monitoring timer",
};

/** Abnormal codes after end code 5BH (10H from the manuals; 11H/12H/21H by analogy with 1C). */
const ABNORMAL_CODES_1E: Record<number, string> = {
  0x10: "PC No. error",
  0x11: "mode error",
  0x12: "special function module designation error",
  0x21: "module bus error",
};

export function endCode1EMeaning(code: number, abnormalCode?: number): string {
  const meaning = END_CODES_1E[code] ?? "unknown 1E end code";
  if (code !== 0x5b || abnormalCode === undefined) return meaning;
  const abnormal = ABNORMAL_CODES_1E[abnormalCode] ?? "unknown abnormal code";
  return `${meaning}: abnormal code ${hex2(abnormalCode)}H, ${abnormal}`;
}

export function endCodeMeaning(code: number): string {
  const known = END_CODES[code];
  if (known) return known;
  if (code >= 0x4000 && code <= 0x4fff) return "error detected by the CPU";
  return "unknown end code";
}
