/**
 * 3E and 4E frames, binary and ASCII, requests and responses. A frame is always delimited by its
 * length field: FrameSplitter turns a TCP byte stream (split or coalesced) into whole frames.
 *
 * Over 400 lines because binary and ASCII, 3E and 4E, request and response are one header
 * layout read and written four ways; splitting by side would repeat the layout.
 */
import { McProtocolError } from "./errors";
import { type Encoding, hexDigit } from "./wire";

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

/** 0x5000/0x5400 (requests), 0xD000/0xD400 (responses). Plain comparisons: every frame passes here twice. */
function subheaderOf(side: Side, frame: FrameType): number {
  if (frame === "1E") throw new McProtocolError("1E frames are encoded by frame-1e.ts");
  return (side === "request" ? 0x5000 : 0xd000) | (frame === "4E" ? 0x0400 : 0);
}

/** Bytes (binary) or characters (ASCII) before the length-counted part, length field included. */
export function headerLength(fmt: FrameFormat): number {
  const ascii = fmt.encoding === "ascii";
  if (fmt.frame === "3E") return ascii ? 18 : 9;
  return ascii ? 26 : 13;
}

/** Largest frame we accept; anything longer is garbage, not a slow PLC (960 words in ASCII is ~3.9 k). */
export const MAX_FRAME_LENGTH = 8192;

/** The subheader as it starts a frame: two bytes (binary) or four characters (ASCII). */
const SUBHEADER_BYTES = {
  request: { "3E": [0x50, 0x00], "4E": [0x54, 0x00] },
  response: { "3E": [0xd0, 0x00], "4E": [0xd4, 0x00] },
} as const;
const SUBHEADER_TEXT = {
  request: { "3E": [...Buffer.from("5000")], "4E": [...Buffer.from("5400")] },
  response: { "3E": [...Buffer.from("D000")], "4E": [...Buffer.from("D400")] },
} as const;

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
    // Buffer#copy costs more than a loop for the few bytes most answers carry.
    if (data.length > 64) data.copy(out, p);
    else for (let i = 0; i < data.length; i++) out[p + i] = data[i]!;
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

/**
 * A frame's header read in place: no copies, no per-field objects. The client reuses one per connection
 * on its hot path; decodeRequest/decodeResponse build their plain objects from it.
 */
export class FrameHead {
  serial = 0;
  network = 0;
  pc = 0;
  moduleIo = 0;
  station = 0;
  /** The 2-byte values after the length: (timer, command, subcommand) or (end code). */
  readonly fields = [0, 0, 0];
  /** Where the command data (or, on an error end code, the error information) starts. */
  dataOffset = 0;

  get route(): Route {
    const { network, pc, moduleIo, station } = this;
    const local = LOCAL_ROUTE;
    // Nearly every frame addresses the local CPU: share the (read-only) constant.
    if (
      network === local.network &&
      pc === local.pc &&
      moduleIo === local.moduleIo &&
      station === local.station
    )
      return local;
    return { network, pc, moduleIo, station };
  }
}

/**
 * A binary response to the request read into `head` (same serial and route) with room for `dataBytes`
 * after the end code, from byte `headerLength(fmt) + 2` on: the caller writes the answer in place.
 */
export function binaryResponse(
  fmt: FrameFormat,
  head: FrameHead,
  endCode: number,
  dataBytes: number,
): Buffer {
  const out = Buffer.allocUnsafe(headerLength(fmt) + 2 + dataBytes);
  out[0] = fmt.frame === "4E" ? 0xd4 : 0xd0;
  out[1] = 0;
  let p = 2;
  if (fmt.frame === "4E") {
    out[2] = head.serial & 0xff;
    out[3] = (head.serial >>> 8) & 0xff;
    out[4] = 0;
    out[5] = 0;
    p = 6;
  }
  out[p] = head.network;
  out[p + 1] = head.pc;
  out[p + 2] = head.moduleIo & 0xff;
  out[p + 3] = head.moduleIo >>> 8;
  out[p + 4] = head.station;
  out[p + 5] = (2 + dataBytes) & 0xff;
  out[p + 6] = (2 + dataBytes) >>> 8;
  out[p + 7] = endCode & 0xff;
  out[p + 8] = endCode >>> 8;
  return out;
}

/** A cursor over a frame's header fields, binary or ASCII. */
class HeaderReader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly ascii: boolean,
  ) {}
  private hexField(digits: number): number {
    if (this.pos + digits > this.buf.length) throw new McProtocolError("truncated frame header");
    let v = 0;
    for (let i = 0; i < digits; i++) {
      const d = hexDigit(this.buf[this.pos + i]!);
      if (d < 0) {
        const text = this.buf.toString("latin1", this.pos, this.pos + digits);
        throw new McProtocolError(`invalid ASCII header field "${text}"`);
      }
      v = v * 16 + d;
    }
    this.pos += digits;
    return v;
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
}

/** Reads a frame's header into `head`; throws McProtocolError when it is not a well-formed frame. */
export function readFrameHead(fmt: FrameFormat, side: Side, frame: Buffer, head: FrameHead): FrameHead {
  const count = side === "request" ? 3 : 1;
  const end = headerLength(fmt) + 2 * count;
  if (fmt.encoding === "binary" && frame.length >= end) {
    // Every request and answer passes here: plain byte reads at fixed offsets, no cursor object.
    const sub = (frame[0]! << 8) | frame[1]!;
    const expected = subheaderOf(side, fmt.frame);
    if (sub !== expected) {
      throw new McProtocolError(`unexpected subheader ${hex(sub, 4)} (expected ${hex(expected, 4)})`);
    }
    let p = 2;
    head.serial = 0;
    if (fmt.frame === "4E") {
      head.serial = frame[2]! | (frame[3]! << 8);
      p = 6;
    }
    head.network = frame[p]!;
    head.pc = frame[p + 1]!;
    head.moduleIo = frame[p + 2]! | (frame[p + 3]! << 8);
    head.station = frame[p + 4]!;
    const length = frame[p + 5]! | (frame[p + 6]! << 8);
    p += 7;
    if (frame.length !== p + length) {
      throw new McProtocolError(`frame length field says ${length}, frame carries ${frame.length - p}`);
    }
    for (let i = 0; i < count; i++, p += 2) head.fields[i] = frame[p]! | (frame[p + 1]! << 8);
    head.dataOffset = p;
    return head;
  }
  const r = new HeaderReader(frame, fmt.encoding === "ascii");
  const sub = r.u16(true);
  const expected = subheaderOf(side, fmt.frame);
  if (sub !== expected) {
    throw new McProtocolError(`unexpected subheader ${hex(sub, 4)} (expected ${hex(expected, 4)})`);
  }
  head.serial = 0;
  if (fmt.frame === "4E") {
    head.serial = r.u16();
    r.u16();
  }
  head.network = r.u8();
  head.pc = r.u8();
  head.moduleIo = r.u16();
  head.station = r.u8();
  const length = r.u16();
  if (frame.length !== r.pos + length) {
    throw new McProtocolError(`frame length field says ${length}, frame carries ${frame.length - r.pos}`);
  }
  for (let i = 0; i < count; i++) head.fields[i] = r.u16();
  head.dataOffset = r.pos;
  return head;
}

/** decodeRequest/decodeResponse copy what they need out of it at once, so one will do. */
const scratch = new FrameHead();

export function decodeRequest(fmt: FrameFormat, frame: Buffer): RequestFrame {
  const h = readFrameHead(fmt, "request", frame, scratch);
  return {
    serial: h.serial,
    route: h.route,
    timer: h.fields[0]!,
    command: h.fields[1]!,
    subcommand: h.fields[2]!,
    data: frame.subarray(h.dataOffset),
  };
}

export function decodeResponse(fmt: FrameFormat, frame: Buffer): ResponseFrame {
  const h = readFrameHead(fmt, "response", frame, scratch);
  return { serial: h.serial, route: h.route, endCode: h.fields[0]!, data: frame.subarray(h.dataOffset) };
}

/** Sets the serial of an encoded 4E request (a copy of a cached frame) in place. */
export function patchSerial(fmt: FrameFormat, frame: Buffer, serial: number): void {
  if (fmt.encoding === "binary") frame.writeUInt16LE(serial & 0xffff, 2);
  else frame.write(hex(serial & 0xffff, 4), 4, "latin1");
}

/**
 * Total length of the frame at the start of `buf`, or undefined if more bytes are needed.
 * Throws McProtocolError when the bytes cannot be the start of a frame of this format.
 */
export function frameLength(fmt: FrameFormat, side: Side, buf: Buffer): number | undefined {
  const ascii = fmt.encoding === "ascii";
  const sub = subheaderOf(side, fmt.frame); // refuses 1E
  if (!ascii && buf.length >= 2) {
    if (((buf[0]! << 8) | buf[1]!) !== sub) throw garbage(fmt, side);
  } else {
    const want = (ascii ? SUBHEADER_TEXT : SUBHEADER_BYTES)[side][fmt.frame as "3E" | "4E"];
    const have = Math.min(buf.length, want.length);
    for (let i = 0; i < have; i++) if (buf[i] !== want[i]) throw garbage(fmt, side);
  }
  const head = headerLength(fmt);
  if (buf.length < head) return undefined;
  let length: number;
  if (ascii) {
    length = 0;
    for (let i = head - 4; i < head; i++) {
      const d = hexDigit(buf[i]!);
      if (d < 0) {
        const text = buf.toString("latin1", head - 4, head);
        throw new McProtocolError(`invalid ASCII length field "${text}"`);
      }
      length = length * 16 + d;
    }
  } else {
    length = buf.readUInt16LE(head - 2);
  }
  const minimum = side === "response" ? (ascii ? 4 : 2) : ascii ? 12 : 6;
  if (length < minimum || head + length > MAX_FRAME_LENGTH) {
    throw new McProtocolError(`implausible frame length ${length}`);
  }
  return head + length;
}

function garbage(fmt: FrameFormat, side: Side): McProtocolError {
  return new McProtocolError(`garbage where a ${fmt.frame} ${fmt.encoding} ${side} was expected`);
}

/** frameLength, with garbage as undefined (left for the caller's full check to report). */
function frameLengthOrUndefined(fmt: FrameFormat, side: Side, buf: Buffer): number | undefined {
  try {
    return frameLength(fmt, side, buf);
  } catch {
    return undefined;
  }
}

/**
 * Reassembles whole frames from a byte stream. After garbage the stream cannot be trusted: frames
 * complete before the garbage are still returned, `failure` is set, and every later push throws it.
 */
const EMPTY = Buffer.alloc(0);

export class FrameSplitter {
  private pending: Buffer = EMPTY;
  private _failure?: McProtocolError;

  constructor(
    private readonly fmt: FrameFormat,
    private readonly side: Side,
  ) {}

  /** Returns every complete frame now available; throws McProtocolError on garbage with none before it. */
  push(chunk: Buffer): Buffer[] {
    if (this._failure) throw this._failure;
    if (this.pending.length === 0 && frameLengthOrUndefined(this.fmt, this.side, chunk) === chunk.length) {
      return [chunk]; // the usual case: one whole frame, without growing an array for it
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    for (;;) {
      let total: number | undefined;
      try {
        total = frameLength(this.fmt, this.side, this.pending);
      } catch (err) {
        this._failure = err as McProtocolError;
        this.pending = EMPTY;
        if (frames.length === 0) throw err;
        break;
      }
      if (total === undefined || this.pending.length < total) break;
      if (total === this.pending.length) {
        // The usual case: the chunk is exactly one frame.
        frames.push(this.pending);
        this.pending = EMPTY;
        break;
      }
      frames.push(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
    }
    return frames;
  }

  /** Set once garbage was seen. */
  get failure(): McProtocolError | undefined {
    return this._failure;
  }

  reset(): void {
    this.pending = EMPTY;
    this._failure = undefined;
  }

  get buffered(): number {
    return this.pending.length;
  }
}
