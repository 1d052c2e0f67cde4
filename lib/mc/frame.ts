/**
 * 3E and 4E frames, binary and ASCII, requests and responses. A frame is always delimited by its
 * length field: FrameSplitter turns a TCP byte stream (split or coalesced) into whole frames.
 */
import { McProtocolError } from "./errors";
import { type Encoding } from "./wire";

/** 1E frames have their own codec (frame-1e.ts); this module frames 3E and 4E. */
export type FrameType = "1E" | "3E" | "4E";

export interface FrameFormat {
  readonly frame: FrameType;
  readonly encoding: Encoding;
}

/** The access route: which station on which network. Defaults address the CPU we are connected to. */
export interface Route {
  readonly network: number;
  readonly pc: number;
  readonly moduleIo: number;
  readonly station: number;
}

export const LOCAL_ROUTE: Route = { network: 0, pc: 0xff, moduleIo: 0x03ff, station: 0 };

export interface RequestFrame {
  readonly serial: number;
  readonly route: Route;
  /** Monitoring timer in units of 250 ms; 0 = wait forever. */
  readonly timer: number;
  readonly command: number;
  readonly subcommand: number;
  /** Command data, already encoded in the frame's encoding. */
  readonly data: Buffer;
}

export interface ResponseFrame {
  readonly serial: number;
  readonly route: Route;
  readonly endCode: number;
  /** Response data (on an error end code: the error information), in the frame's encoding. */
  readonly data: Buffer;
}

type Side = "request" | "response";

const SUBHEADER_3E_4E = {
  request: { "3E": 0x5000, "4E": 0x5400 },
  response: { "3E": 0xd000, "4E": 0xd400 },
} as const;

function subheaderOf(side: Side, frame: FrameType): number {
  if (frame === "1E") throw new McProtocolError("1E frames are encoded by frame-1e.ts");
  return SUBHEADER_3E_4E[side][frame];
}

/** Bytes (binary) or characters (ASCII) before the length-counted part, length field included. */
export function headerLength(fmt: FrameFormat): number {
  const ascii = fmt.encoding === "ascii";
  if (fmt.frame === "3E") return ascii ? 18 : 9;
  return ascii ? 26 : 13;
}

/** Largest frame we accept; anything longer is garbage, not a slow PLC (960 words in ASCII is ~3.9 k). */
export const MAX_FRAME_LENGTH = 8192;

function hex(v: number, digits: number): string {
  return v.toString(16).toUpperCase().padStart(digits, "0");
}

function encode(
  fmt: FrameFormat,
  side: Side,
  serial: number,
  route: Route,
  fields: number[],
  data: Buffer,
): Buffer {
  // fields: the 2-byte values after the length (timer, command, subcommand) or (end code).
  const sub = subheaderOf(side, fmt.frame);
  if (fmt.encoding === "binary") {
    const head = headerLength(fmt);
    const out = Buffer.allocUnsafe(head + fields.length * 2 + data.length);
    let p = 0;
    out.writeUInt16BE(sub, p);
    p += 2;
    if (fmt.frame === "4E") {
      out.writeUInt16LE(serial & 0xffff, p);
      out.writeUInt16LE(0, p + 2);
      p += 4;
    }
    out[p++] = route.network;
    out[p++] = route.pc;
    out.writeUInt16LE(route.moduleIo, p);
    p += 2;
    out[p++] = route.station;
    out.writeUInt16LE(fields.length * 2 + data.length, p);
    p += 2;
    for (const f of fields) {
      out.writeUInt16LE(f, p);
      p += 2;
    }
    data.copy(out, p);
    return out;
  }
  let head = hex(sub, 4);
  if (fmt.frame === "4E") head += hex(serial & 0xffff, 4) + "0000";
  head += hex(route.network, 2) + hex(route.pc, 2) + hex(route.moduleIo, 4) + hex(route.station, 2);
  head += hex(fields.length * 4 + data.length, 4);
  for (const f of fields) head += hex(f, 4);
  return Buffer.concat([Buffer.from(head, "latin1"), data]);
}

export function encodeRequest(fmt: FrameFormat, req: RequestFrame): Buffer {
  return encode(fmt, "request", req.serial, req.route, [req.timer, req.command, req.subcommand], req.data);
}

export function encodeResponse(fmt: FrameFormat, res: ResponseFrame): Buffer {
  return encode(fmt, "response", res.serial, res.route, [res.endCode], res.data);
}

/** A cursor over a frame's header fields, binary or ASCII. */
class HeaderReader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly ascii: boolean,
  ) {}
  private hexField(digits: number): number {
    if (this.pos + digits > this.buf.length) throw new McProtocolError("truncated frame header");
    const text = this.buf.toString("latin1", this.pos, this.pos + digits);
    if (!/^[0-9A-Fa-f]+$/.test(text)) throw new McProtocolError(`invalid ASCII header field "${text}"`);
    this.pos += digits;
    return parseInt(text, 16);
  }
  u8(): number {
    if (this.ascii) return this.hexField(2);
    if (this.pos + 1 > this.buf.length) throw new McProtocolError("truncated frame header");
    return this.buf[this.pos++]!;
  }
  u16(bigEndian = false): number {
    if (this.ascii) return this.hexField(4);
    if (this.pos + 2 > this.buf.length) throw new McProtocolError("truncated frame header");
    const v = bigEndian ? this.buf.readUInt16BE(this.pos) : this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  get offset(): number {
    return this.pos;
  }
}

interface Decoded {
  serial: number;
  route: Route;
  fields: number[];
  data: Buffer;
}

function decode(fmt: FrameFormat, side: Side, frame: Buffer, fieldCount: number): Decoded {
  const ascii = fmt.encoding === "ascii";
  const r = new HeaderReader(frame, ascii);
  const sub = r.u16(true);
  const expected = subheaderOf(side, fmt.frame);
  if (sub !== expected) {
    throw new McProtocolError(`unexpected subheader ${hex(sub, 4)} (expected ${hex(expected, 4)})`);
  }
  let serial = 0;
  if (fmt.frame === "4E") {
    serial = r.u16();
    r.u16();
  }
  const route: Route = { network: r.u8(), pc: r.u8(), moduleIo: r.u16(), station: r.u8() };
  const length = r.u16();
  if (frame.length !== r.offset + length) {
    throw new McProtocolError(`frame length field says ${length}, frame carries ${frame.length - r.offset}`);
  }
  const fields: number[] = [];
  for (let i = 0; i < fieldCount; i++) fields.push(r.u16());
  return { serial, route, fields, data: frame.subarray(r.offset) };
}

export function decodeRequest(fmt: FrameFormat, frame: Buffer): RequestFrame {
  const d = decode(fmt, "request", frame, 3);
  return {
    serial: d.serial,
    route: d.route,
    timer: d.fields[0]!,
    command: d.fields[1]!,
    subcommand: d.fields[2]!,
    data: d.data,
  };
}

export function decodeResponse(fmt: FrameFormat, frame: Buffer): ResponseFrame {
  const d = decode(fmt, "response", frame, 1);
  return { serial: d.serial, route: d.route, endCode: d.fields[0]!, data: d.data };
}

/**
 * Total length of the frame at the start of `buf`, or undefined if more bytes are needed.
 * Throws McProtocolError when the bytes cannot be the start of a frame of this format.
 */
export function frameLength(fmt: FrameFormat, side: Side, buf: Buffer): number | undefined {
  const ascii = fmt.encoding === "ascii";
  const expected = subheaderOf(side, fmt.frame);
  const subLen = ascii ? 4 : 2;
  const have = Math.min(buf.length, subLen);
  const want = ascii
    ? Buffer.from(hex(expected, 4), "latin1")
    : Buffer.from([expected >> 8, expected & 0xff]);
  for (let i = 0; i < have; i++) {
    if (buf[i] !== want[i])
      throw new McProtocolError(`garbage where a ${fmt.frame} ${fmt.encoding} ${side} was expected`);
  }
  const head = headerLength(fmt);
  if (buf.length < head) return undefined;
  let length: number;
  if (ascii) {
    const text = buf.toString("latin1", head - 4, head);
    if (!/^[0-9A-Fa-f]{4}$/.test(text)) throw new McProtocolError(`invalid ASCII length field "${text}"`);
    length = parseInt(text, 16);
  } else {
    length = buf.readUInt16LE(head - 2);
  }
  const minimum = side === "response" ? (ascii ? 4 : 2) : ascii ? 12 : 6;
  if (length < minimum || head + length > MAX_FRAME_LENGTH) {
    throw new McProtocolError(`implausible frame length ${length}`);
  }
  return head + length;
}

/**
 * Reassembles whole frames from a byte stream. After garbage the stream cannot be trusted: frames
 * complete before the garbage are still returned, `failure` is set, and every later push throws it.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private _failure?: McProtocolError;

  constructor(
    private readonly fmt: FrameFormat,
    private readonly side: Side,
  ) {}

  /** Returns every complete frame now available; throws McProtocolError on garbage with none before it. */
  push(chunk: Buffer): Buffer[] {
    if (this._failure) throw this._failure;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      let total: number | undefined;
      try {
        total = frameLength(this.fmt, this.side, this.pending);
      } catch (err) {
        this._failure = err as McProtocolError;
        this.pending = Buffer.alloc(0);
        if (frames.length === 0) throw err;
        break;
      }
      if (total === undefined || this.pending.length < total) break;
      frames.push(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
      if (this.pending.length === 0) break;
    }
    return frames;
  }

  /** Set once garbage was seen. */
  get failure(): McProtocolError | undefined {
    return this._failure;
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
    this._failure = undefined;
  }

  get buffered(): number {
    return this.pending.length;
  }
}
