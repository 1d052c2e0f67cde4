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

/** The PLC answered with a non-zero end code. */
export class McEndCodeError extends McError {
  readonly endCode: number;
  readonly meaning: string;
  constructor(endCode: number, context = "") {
    const meaning = endCodeMeaning(endCode);
    super("MC_END_CODE", `${context}PLC end code ${hex4(endCode)}: ${meaning}`);
    this.endCode = endCode;
    this.meaning = meaning;
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
};

export function endCodeMeaning(code: number): string {
  const known = END_CODES[code];
  if (known) return known;
  if (code >= 0x4000 && code <= 0x4fff) return "error detected by the CPU";
  return "unknown end code";
}
