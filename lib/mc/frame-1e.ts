/**
 * The A-compatible 1E frame (FX3U-ENET(-ADP), A series, Q/L E71 "1E" mode), binary and ASCII.
 * Request: command (1) + PC No. (1) + monitoring timer (2, 250 ms units) + data.
 * Response: command | 80H (1) + end code (1) [+ abnormal code (2) after end code 5BH] + data.
 * ASCII doubles every field as upper-case hex text. There is no length field and no serial number:
 * a response's length follows from the request it answers, and a request's from its command and point
 * count. Facts and sources: docs/PROTOCOL.md and ../shared/MC-1E-AND-BUFFER.md §A2–A3, A6.
 */
import { McProtocolError } from "./errors";
import { type Encoding, hexDigit } from "./wire";

export const CMD_1E = {
  BATCH_READ_BITS: 0x00,
  BATCH_READ_WORDS: 0x01,
  BATCH_WRITE_BITS: 0x02,
  BATCH_WRITE_WORDS: 0x03,
  TEST_BITS: 0x04,
  TEST_WORDS: 0x05,
  REMOTE_RUN: 0x13,
  REMOTE_STOP: 0x14,
  READ_MODEL: 0x15,
  LOOPBACK: 0x16,
} as const;

/** The end code after which a 2-byte abnormal code follows. */
export const ABNORMAL_1E = 0x5b;

export interface Request1E {
  readonly command: number;
  /** FFH = the station the Ethernet module sits on. */
  readonly pc: number;
  readonly timer: number;
  /** Command data, already in the frame's encoding. */
  readonly data: Buffer;
}

export interface Response1E {
  readonly command: number;
  readonly endCode: number;
  /** Present only with end code 5BH. */
  readonly abnormalCode?: number;
  /** Response data (normal completion only), in the frame's encoding. */
  readonly data: Buffer;
}

/** What the client expects back: the response subheader and its data size on normal completion. */
export interface Expected1E {
  readonly command: number;
  /** Response data in binary bytes; ASCII carries twice as many characters. */
  readonly dataBytes: number;
}

const HEX = "0123456789ABCDEF";

function hexText(value: number, digits: number): string {
  let s = "";
  for (let i = digits - 1; i >= 0; i--) s += HEX[(value >>> (4 * i)) & 0xf];
  return s;
}

/** One byte at unit index `i` (a byte in binary, two hex characters in ASCII); -1 if not hex. */
function byteAt(buf: Buffer, i: number, ascii: boolean): number {
  if (!ascii) return buf[i]!;
  const hi = hexDigit(buf[2 * i]!);
  const lo = hexDigit(buf[2 * i + 1]!);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

export function encodeRequest1E(encoding: Encoding, req: Request1E): Buffer {
  if (encoding === "ascii") {
    const head = hexText(req.command, 2) + hexText(req.pc, 2) + hexText(req.timer, 4);
    return Buffer.concat([Buffer.from(head, "latin1"), req.data]);
  }
  const out = Buffer.allocUnsafe(4 + req.data.length);
  out[0] = req.command & 0xff;
  out[1] = req.pc & 0xff;
  out.writeUInt16LE(req.timer & 0xffff, 2);
  req.data.copy(out, 4);
  return out;
}

export function decodeRequest1E(encoding: Encoding, frame: Buffer): Request1E {
  const ascii = encoding === "ascii";
  const k = ascii ? 2 : 1;
  if (frame.length < 4 * k) throw new McProtocolError("truncated 1E request header");
  const bytes = [0, 1, 2, 3].map((i) => byteAt(frame, i, ascii));
  if (bytes.some((b) => b < 0)) throw new McProtocolError("invalid ASCII 1E request header");
  // The timer is little-endian in binary and written most significant digit first in ASCII.
  const timer = ascii ? bytes[2]! * 256 + bytes[3]! : bytes[2]! + bytes[3]! * 256;
  return { command: bytes[0]!, pc: bytes[1]!, timer, data: frame.subarray(4 * k) };
}

export function encodeResponse1E(encoding: Encoding, res: Response1E): Buffer {
  const abnormal = res.endCode === ABNORMAL_1E ? (res.abnormalCode ?? 0) : undefined;
  if (encoding === "ascii") {
    let head = hexText(res.command | 0x80, 2) + hexText(res.endCode, 2);
    // The abnormal code is sent low byte first in both encodings (Q-MC 6-11: "805B1200" = 0012H).
    if (abnormal !== undefined) head += hexText(abnormal & 0xff, 2) + hexText(abnormal >> 8, 2);
    return Buffer.concat([Buffer.from(head, "latin1"), res.data]);
  }
  const head = [(res.command | 0x80) & 0xff, res.endCode & 0xff];
  if (abnormal !== undefined) head.push(abnormal & 0xff, (abnormal >> 8) & 0xff);
  return Buffer.concat([Buffer.from(head), res.data]);
}

/**
 * Total length of the response at the start of `buf` to a request of `expected`, or undefined if more
 * bytes are needed. Throws McProtocolError when the bytes cannot be that response.
 */
export function responseLength1E(encoding: Encoding, expected: Expected1E, buf: Buffer): number | undefined {
  const ascii = encoding === "ascii";
  const k = ascii ? 2 : 1;
  if (buf.length < k) return undefined;
  const sub = byteAt(buf, 0, ascii);
  const want = (expected.command | 0x80) & 0xff;
  if (sub !== want) {
    throw new McProtocolError(
      `garbage where a 1E ${encoding} response ${hexText(want, 2)} was expected (got ${sub < 0 ? "non-hex text" : hexText(sub, 2)})`,
    );
  }
  if (buf.length < 2 * k) return undefined;
  const endCode = byteAt(buf, 1, ascii);
  if (endCode < 0) throw new McProtocolError("invalid ASCII 1E end code");
  if (endCode === 0) return (2 + expected.dataBytes) * k;
  return (endCode === ABNORMAL_1E ? 4 : 2) * k;
}

export function decodeResponse1E(encoding: Encoding, frame: Buffer): Response1E {
  const ascii = encoding === "ascii";
  const k = ascii ? 2 : 1;
  if (frame.length < 2 * k) throw new McProtocolError("truncated 1E response");
  const sub = byteAt(frame, 0, ascii);
  const endCode = byteAt(frame, 1, ascii);
  if (sub < 0x80 || endCode < 0) throw new McProtocolError("invalid 1E response header");
  if (endCode === ABNORMAL_1E) {
    if (frame.length !== 4 * k) throw new McProtocolError("1E abnormal response of the wrong length");
    const lo = byteAt(frame, 2, ascii);
    const hi = byteAt(frame, 3, ascii);
    if (lo < 0 || hi < 0) throw new McProtocolError("invalid ASCII 1E abnormal code");
    return { command: sub & 0x7f, endCode, abnormalCode: lo + hi * 256, data: Buffer.alloc(0) };
  }
  return { command: sub & 0x7f, endCode, data: frame.subarray(2 * k) };
}

/**
 * Length of the 1E request at the start of `buf`, from its command and point count, or undefined if
 * more bytes are needed. Unknown commands are only their 4-byte header (the CPU answers 50H).
 * Throws McProtocolError on bytes that cannot start a request (non-hex text in ASCII).
 */
export function requestLength1E(encoding: Encoding, buf: Buffer): number | undefined {
  const ascii = encoding === "ascii";
  const k = ascii ? 2 : 1;
  if (buf.length < k) return undefined;
  const command = byteAt(buf, 0, ascii);
  if (command < 0) throw new McProtocolError("garbage where a 1E ASCII request was expected");
  const units = (n: number) => n * k;
  /** The byte count at unit `at`, 00 meaning 256; undefined until it has arrived. */
  const count = (at: number): number | undefined => {
    if (buf.length < units(at + 1)) return undefined;
    const n = byteAt(buf, at, ascii);
    if (n < 0) throw new McProtocolError("invalid ASCII point count in a 1E request");
    return n === 0 ? 256 : n;
  };
  switch (command) {
    case CMD_1E.BATCH_READ_BITS:
    case CMD_1E.BATCH_READ_WORDS:
      return units(12);
    case CMD_1E.BATCH_WRITE_BITS: {
      const n = count(10);
      return n === undefined ? undefined : units(12 + Math.ceil(n / 2));
    }
    case CMD_1E.BATCH_WRITE_WORDS: {
      const n = count(10);
      return n === undefined ? undefined : units(12 + 2 * n);
    }
    case CMD_1E.TEST_BITS: {
      const n = count(4);
      return n === undefined ? undefined : units(6 + 7 * n);
    }
    case CMD_1E.TEST_WORDS: {
      const n = count(4);
      return n === undefined ? undefined : units(6 + 8 * n);
    }
    case CMD_1E.LOOPBACK: {
      if (buf.length < units(5)) return undefined;
      const n = byteAt(buf, 4, ascii);
      if (n < 0) throw new McProtocolError("invalid ASCII loopback length in a 1E request");
      return units(5 + n);
    }
    default:
      return units(4);
  }
}

/**
 * Reassembles 1E responses from a TCP stream. Each response is matched to the oldest expectation
 * registered by expect() (1E keeps one request in flight, so that is the request it answers). Bytes
 * with nothing expected, or not shaped like the expected response, are garbage: `failure` is set and
 * every later push throws it.
 */
export class ResponseSplitter1E {
  private pending: Buffer = Buffer.alloc(0);
  private readonly expected: Expected1E[] = [];
  private _failure?: McProtocolError;

  constructor(private readonly encoding: Encoding) {}

  expect(e: Expected1E): void {
    this.expected.push(e);
  }

  push(chunk: Buffer): Buffer[] {
    if (this._failure) throw this._failure;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length > 0) {
      const next = this.expected[0];
      let total: number | undefined;
      try {
        if (!next) throw new McProtocolError("1E bytes received with no request waiting for them");
        total = responseLength1E(this.encoding, next, this.pending);
      } catch (err) {
        this._failure = err as McProtocolError;
        this.pending = Buffer.alloc(0);
        if (frames.length === 0) throw err;
        break;
      }
      if (total === undefined || this.pending.length < total) break;
      this.expected.shift();
      frames.push(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
    }
    return frames;
  }

  get failure(): McProtocolError | undefined {
    return this._failure;
  }
}
