/**
 * The simulated CPU's request dispatcher: one decoded request frame in, one response frame out.
 * It never throws; every malformed request becomes the end code a real CPU answers with.
 *
 * End code choices (MC-PROTOCOL.md, Q/L E71 and iQ-R manuals' error chapters):
 * - C059 unknown command, or a subcommand this series does not accept for the command.
 * - C051 batch read/write in bit units, C052 batch read/write in word units, C053 random write in bit
 *   units, C054 random read, random write in word units and multi-block read: point count zero or over
 *   limitsFor() (this is the manual's split of C051–C054 by bit/word and batch/random).
 * - C05B unknown device code, or an iQ-R-only device addressed with Q/L subcommands (C056 is kept for
 *   "beyond the format's maximum address", which the field widths already rule out).
 * - C05C bit-unit access to a word device; a multi-block word block naming a bit device or the reverse;
 *   a bad mode word in a remote operation; loopback data count outside 1–960 or (binary) non-hex data.
 * - C061 request data longer or shorter than its counts imply (checked before any field is parsed).
 * - C050 (ASCII frames) characters that cannot be converted; C060 bit data other than 0/1.
 * - 4031 start or end of the access outside the device's configured size (Device.defaultPoints unless
 *   overridden), rather than C056, because the address fits the frame but not this CPU's memory.
 * - 0055 batch/random write while the CPU is in RUN and `onlineChangeDisabled` is set.
 * - 4013 remote LATCH CLEAR (1005) or RESET (1006) while the CPU is not in STOP.
 * - 4043 buffer memory (U\G, subcommands 0080/0082 of 0401/1401) of a module that is not mounted (the
 *   code an R08CPU answered for a missing module, MC-1E-AND-BUFFER.md §B3); past the module's buffer:
 *   4031. Other commands do not take the device extension here (C059).
 *
 * iQ-R CPUs accept the Q/L-compatible subcommands 0000/0001 as well as 0002/0003, so an "iqr" simulator
 * does too (with 3-byte device numbers and Q/L device codes for those requests). Q/L and iQ-F accept
 * only 0000/0001.
 *
 * Over 400 lines because it is the one table of every 3E/4E command a CPU answers; each
 * command's handler is a short function, and the 1E frame has its own file (handler-1e.ts).
 */
import { type Device, type Series, deviceByCode, deviceByName } from "../mc/devices";
import { McAddressError, McProtocolError } from "../mc/errors";
import {
  type FrameFormat,
  type FrameHead,
  type RequestFrame,
  type ResponseFrame,
  binaryResponse,
  decodeRequest,
  encodeResponse,
  frameLength,
  headerLength,
} from "../mc/frame";
import { CMD } from "../mc/commands";
import { limitsFor } from "../mc/limits";
import { type DeviceRef, FieldReader, FieldWriter, type WireFormat } from "../mc/wire";
import { type CpuState, writeClock, writeCpuStatus } from "./cpu-status";
import { type DeviceMemory } from "./memory";

export type { CpuState } from "./cpu-status";

export interface HandlerContext {
  readonly memory: DeviceMemory;
  readonly series: Series;
  readonly zrHex: boolean;
  /** Up to 16 characters; padded with spaces on the wire. */
  readonly model: string;
  readonly modelCode: number;
  /** Padding of the 16-character model name: spaces (default) or NULs. */
  readonly modelPadding?: "space" | "nul";
  readonly onlineChangeDisabled: boolean;
  /** Changed by remote RUN/STOP/PAUSE/RESET; always change it with setCpuState (SD203 follows). */
  cpuState: CpuState;
  /** The clock SD210–SD216 show, in epoch ms; default Date.now. */
  readonly now?: () => number;
  /** The second last written to SD210–SD216 (they are refreshed at most once a second). */
  clockSecond?: number;
  /** Called when the handler itself fails (a simulator bug); the request is still answered (C05F). */
  readonly onInternalError?: (err: unknown) => void;
}

export const END = {
  OK: 0x0000,
  RUN_WRITE_REFUSED: 0x0055,
  BAD_ASCII: 0xc050,
  BATCH_BITS: 0xc051,
  BATCH_WORDS: 0xc052,
  RANDOM_BITS: 0xc053,
  RANDOM_WORDS: 0xc054,
  BAD_COMMAND: 0xc059,
  BAD_DEVICE: 0xc05b,
  BAD_CONTENT: 0xc05c,
  CANNOT_EXECUTE: 0xc05f,
  BAD_BIT_DATA: 0xc060,
  BAD_LENGTH: 0xc061,
  CPU_STATE: 0x4013,
  OUT_OF_RANGE: 0x4031,
  NO_MODULE: 0x4043,
} as const;

/** Thrown inside the handler only, and always caught by handleRequest. */
class EndCode extends Error {
  constructor(readonly endCode: number) {
    super(`end code ${endCode.toString(16)}`);
  }
}

function fail(endCode: number): never {
  throw new EndCode(endCode);
}

/** The request frame, or undefined where a real CPU would not answer (wrong format, garbage). */
export function decodeRequestSafe(fmt: FrameFormat, frame: Buffer): RequestFrame | undefined {
  try {
    if (frameLength(fmt, "request", frame) !== frame.length) return undefined;
    return decodeRequest(fmt, frame);
  } catch {
    return undefined;
  }
}

/** An error response: end code plus error information (route, command, subcommand: 9 bytes / 18 chars). */
export function errorResponse(fmt: FrameFormat, req: RequestFrame, endCode: number): ResponseFrame {
  const w = new FieldWriter({ encoding: fmt.encoding, series: "ql" }, 18);
  const { route } = req;
  w.u8(route.network).u8(route.pc).u16(route.moduleIo).u8(route.station).u16(req.command).u16(req.subcommand);
  return { serial: req.serial, route, endCode, data: Buffer.from(w.toBuffer()) };
}

/** Changes the CPU state and SD203 with it. */
export function setCpuState(ctx: HandlerContext, state: CpuState): void {
  ctx.cpuState = state;
  writeCpuStatus(ctx.memory, state);
}

/** Brings SD210–SD216 up to the current second. */
export function tickClock(ctx: HandlerContext): void {
  const ms = (ctx.now ?? Date.now)();
  const second = Math.floor(ms / 1000);
  if (ctx.clockSecond === second) return;
  ctx.clockSecond = second;
  writeClock(ctx.memory, ms);
}

export function handleRequest(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): ResponseFrame {
  tickClock(ctx);
  try {
    const data = execute(ctx, fmt, req);
    return { serial: req.serial, route: req.route, endCode: END.OK, data };
  } catch (err) {
    if (err instanceof EndCode) return errorResponse(fmt, req, err.endCode);
    ctx.onInternalError?.(err);
    return errorResponse(fmt, req, END.CANNOT_EXECUTE);
  }
}

/** Bytes in, bytes out (undefined = no response). The unit that the fuzz tests hammer. */
export function handleFrame(ctx: HandlerContext, fmt: FrameFormat, frame: Buffer): Buffer | undefined {
  const req = decodeRequestSafe(fmt, frame);
  if (!req) return undefined;
  try {
    return encodeResponse(fmt, handleRequest(ctx, fmt, req));
  } catch (err) {
    ctx.onInternalError?.(err);
    return undefined;
  }
}

const SD = deviceByName("SD")!;

/**
 * The request polls send most, a binary batch read in word units (0401 with subcommand 0000, or 0002 on
 * an iQ-R), answered straight from memory into the response frame: no request or answer objects on
 * the way. `head` is the frame's header, already read. Undefined for any other request and for one that
 * would fail; handleRequest answers those, and gives the same answer for this one too (tested).
 */
export function answerWordRead(
  ctx: HandlerContext,
  fmt: FrameFormat,
  frame: Buffer,
  head: FrameHead,
): Buffer | undefined {
  if (fmt.encoding !== "binary" || head.fields[1] !== CMD.BATCH_READ) return undefined;
  const sub = head.fields[2];
  const long = sub === 2;
  if (sub !== 0 && !(long && ctx.series === "iqr")) return undefined;
  // Device number (3 or 4 bytes), device code (1 or 2), points (2).
  const p = head.dataOffset;
  if (frame.length !== p + (long ? 8 : 6)) return undefined;
  const number = long ? frame.readUInt32LE(p) : frame[p]! | (frame[p + 1]! << 8) | (frame[p + 2]! << 16);
  const code = long ? frame[p + 4]! | (frame[p + 5]! << 8) : frame[p + 3]!;
  const points = long ? frame[p + 6]! | (frame[p + 7]! << 8) : frame[p + 4]! | (frame[p + 5]! << 8);
  const device = deviceByCode(code);
  if (!device || device.module !== undefined || (device.iqrOnly && !long)) return undefined;
  const wire = long ? wireFormats(ctx, fmt).long : wireFormats(ctx, fmt).short;
  if (points < 1 || points > limitsFor(wire).batchWords) return undefined;
  if (!ctx.memory.inRange(device, number, points, true)) return undefined;
  // Only SD shows the clock; the other requests tick it too.
  if (device === SD) tickClock(ctx);
  const out = binaryResponse(fmt, head, END.OK, 2 * points);
  ctx.memory.copyWordsLE(device, number, points, out, headerLength(fmt) + 2);
  return out;
}

type Unit = "word" | "bit";

/** Field widths in one encoding, for length checks before parsing. */
interface FieldSizes {
  readonly u8: number;
  readonly u16: number;
  readonly u32: number;
  readonly spec: number;
}

function fieldSizes(ascii: boolean, iqr: boolean, extended = false): FieldSizes {
  const k = ascii ? 2 : 1;
  // The device extension specification (buffer memory) is 11/13 bytes, 20/28 characters.
  const spec = extended ? (ascii ? (iqr ? 28 : 20) : iqr ? 13 : 11) : ascii ? (iqr ? 12 : 8) : iqr ? 6 : 4;
  return { u8: k, u16: 2 * k, u32: 4 * k, spec };
}

const SIZES = {
  binary: { ql: fieldSizes(false, false), iqr: fieldSizes(false, true) },
  ascii: { ql: fieldSizes(true, false), iqr: fieldSizes(true, true) },
} as const;

const EXTENDED_SIZES = {
  binary: { ql: fieldSizes(false, false, true), iqr: fieldSizes(false, true, true) },
  ascii: { ql: fieldSizes(true, false, true), iqr: fieldSizes(true, true, true) },
} as const;

/** Wraps FieldReader so that every read failure becomes the end code the CPU would answer. */
class RequestReader {
  private readonly r: FieldReader;
  private readonly ascii: boolean;
  readonly iqr: boolean;
  readonly sizes: FieldSizes;

  constructor(
    data: Buffer,
    readonly wire: WireFormat,
    /** Device extension specification (subcommands 0080/0082): buffer memory. */
    readonly extended = false,
  ) {
    this.r = new FieldReader(data, wire);
    this.ascii = wire.encoding === "ascii";
    this.iqr = wire.series === "iqr";
    this.sizes = (extended ? EXTENDED_SIZES : SIZES)[wire.encoding][this.iqr ? "iqr" : "ql"];
  }

  get remaining(): number {
    return this.r.remaining;
  }

  bitBytes(points: number): number {
    return this.ascii ? points : Math.ceil(points / 2);
  }

  expectRemaining(n: number): void {
    if (this.r.remaining !== n) fail(END.BAD_LENGTH);
  }

  // No closure per field: every request reads a handful of them.
  u8(): number {
    try {
      return this.r.u8();
    } catch (err) {
      return asEndCode(err, END.BAD_ASCII);
    }
  }
  u16(): number {
    try {
      return this.r.u16();
    } catch (err) {
      return asEndCode(err, END.BAD_ASCII);
    }
  }
  u32(): number {
    try {
      return this.r.u32();
    } catch (err) {
      return asEndCode(err, END.BAD_ASCII);
    }
  }
  device(): DeviceRef {
    try {
      return this.extended ? this.r.extendedDevice() : this.r.device();
    } catch (err) {
      return asEndCode(err, END.BAD_ASCII);
    }
  }
  words(n: number): number[] {
    try {
      return this.r.words(n);
    } catch (err) {
      return asEndCode(err, END.BAD_ASCII);
    }
  }
  bits(n: number): boolean[] {
    try {
      return this.r.bits(n);
    } catch (err) {
      return asEndCode(err, END.BAD_BIT_DATA);
    }
  }
  raw(n: number): Buffer {
    try {
      return this.r.raw(n);
    } catch (err) {
      return asEndCode(err, END.BAD_LENGTH);
    }
  }
}

/** A FieldReader failure as the end code the CPU answers with. */
function asEndCode(err: unknown, onBadData: number): never {
  if (err instanceof McAddressError) fail(END.BAD_DEVICE);
  // Lengths are checked before parsing, so a protocol error here is bad content, not truncation.
  if (err instanceof McProtocolError) fail(onBadData);
  throw err;
}

/** Which wire series and access unit a subcommand selects, or C059. */
function decodeSubcommand(
  ctx: HandlerContext,
  fmt: FrameFormat,
  sub: number,
  allowExtended = false,
): { wire: WireFormat; unit: Unit; extended?: boolean } {
  // Buffer memory (device extension): 0080 in the Q/L layout, 0082 in the iQ-R one (iQ-R CPUs only).
  if (allowExtended && sub === 0x0080)
    return { wire: wireFormats(ctx, fmt).short, unit: "word", extended: true };
  if (allowExtended && sub === 0x0082 && ctx.series === "iqr") {
    return { wire: wireFormats(ctx, fmt).long, unit: "word", extended: true };
  }
  const unit: Unit = sub & 1 ? "bit" : "word";
  if (sub === 0 || sub === 1) return { wire: wireFormats(ctx, fmt).short, unit };
  if ((sub === 2 || sub === 3) && ctx.series === "iqr") return { wire: wireFormats(ctx, fmt).long, unit };
  return fail(END.BAD_COMMAND);
}

interface WireFormats {
  readonly encoding: FrameFormat["encoding"];
  /** Q/L-style subcommands 0000/0001 (on an iQ-R CPU too). */
  readonly short: WireFormat;
  /** iQ-R subcommands 0002/0003. */
  readonly long: WireFormat;
}

/** Made once per context and encoding rather than per request. */
const wireCache = new WeakMap<HandlerContext, WireFormats>();

function wireFormats(ctx: HandlerContext, fmt: FrameFormat): WireFormats {
  let w = wireCache.get(ctx);
  if (!w || w.encoding !== fmt.encoding) {
    const base = { encoding: fmt.encoding, zrHex: ctx.zrHex };
    w = {
      encoding: fmt.encoding,
      short: { ...base, series: ctx.series === "iqr" ? "ql" : ctx.series },
      long: { ...base, series: "iqr" },
    };
    wireCache.set(ctx, w);
  }
  return w;
}

function execute(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  switch (req.command) {
    case CMD.BATCH_READ:
      return batch(ctx, fmt, req, false);
    case CMD.BATCH_WRITE:
      return batch(ctx, fmt, req, true);
    case CMD.RANDOM_READ:
      return randomRead(ctx, fmt, req);
    case CMD.RANDOM_WRITE:
      return randomWrite(ctx, fmt, req);
    case CMD.MULTI_BLOCK_READ:
      return multiBlockRead(ctx, fmt, req);
    case CMD.READ_CPU_MODEL:
      return readCpuModel(ctx, fmt, req);
    case CMD.LOOPBACK:
      return loopback(fmt, req);
    case CMD.REMOTE_RUN:
    case CMD.REMOTE_STOP:
    case CMD.REMOTE_PAUSE:
      return remoteOperation(ctx, fmt, req);
    case CMD.REMOTE_LATCH_CLEAR:
    case CMD.REMOTE_RESET:
      return stopOnlyOperation(ctx, fmt, req);
    default:
      return fail(END.BAD_COMMAND);
  }
}

/** Answers carry no device specifications, so the series never matters to their writer. */
const ANSWER_FORMAT = {
  binary: { encoding: "binary", series: "ql" },
  ascii: { encoding: "ascii", series: "ql" },
} as const;

function writer(fmt: FrameFormat, sizeHint = 64): FieldWriter {
  return new FieldWriter(ANSWER_FORMAT[fmt.encoding], sizeHint);
}

function done(w: FieldWriter): Buffer {
  // A view of the writer's buffer, which nothing else holds: no copy needed.
  return w.toBuffer();
}

function checkWritable(ctx: HandlerContext): void {
  if (ctx.onlineChangeDisabled && ctx.cpuState === "run") fail(END.RUN_WRITE_REFUSED);
}

function checkRange(
  ctx: HandlerContext,
  device: Device,
  start: number,
  count: number,
  wordsOfBits: boolean,
): void {
  if (!ctx.memory.inRange(device, start, count, wordsOfBits)) fail(END.OUT_OF_RANGE);
}

function batch(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame, write: boolean): Buffer {
  const { wire, unit, extended } = decodeSubcommand(ctx, fmt, req.subcommand, true);
  const r = new RequestReader(req.data, wire, extended);
  const s = r.sizes;
  if (write) {
    if (r.remaining < s.spec + s.u16) fail(END.BAD_LENGTH);
  } else r.expectRemaining(s.spec + s.u16);
  const { device, number } = r.device();
  const points = r.u16();
  if (device.module !== undefined && !ctx.memory.hasModule(device.module)) fail(END.NO_MODULE);
  if (unit === "bit" && device.kind === "word") fail(END.BAD_CONTENT);
  const limits = limitsFor(wire);
  if (unit === "bit" && (points < 1 || points > limits.batchBits)) fail(END.BATCH_BITS);
  if (unit === "word" && (points < 1 || points > limits.batchWords)) fail(END.BATCH_WORDS);
  const mem = ctx.memory;
  if (write) {
    r.expectRemaining(unit === "bit" ? r.bitBytes(points) : points * s.u16);
    checkWritable(ctx);
    const values = unit === "bit" ? r.bits(points) : r.words(points);
    checkRange(ctx, device, number, points, unit === "word");
    if (unit === "bit") mem.writeBits(device, number, values);
    else mem.writeWords(device, number, values as number[]);
    return Buffer.alloc(0);
  }
  checkRange(ctx, device, number, points, unit === "word");
  const w = writer(fmt, unit === "bit" ? r.bitBytes(points) : points * s.u16);
  if (unit === "bit") w.bits(mem.readBits(device, number, points));
  else w.words(mem.viewWords(device, number, points));
  return done(w);
}

function wordSubcommand(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): RequestReader {
  const { wire, unit } = decodeSubcommand(ctx, fmt, req.subcommand);
  if (unit !== "word") fail(END.BAD_COMMAND);
  return new RequestReader(req.data, wire);
}

function randomRead(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  const r = wordSubcommand(ctx, fmt, req);
  const s = r.sizes;
  if (r.remaining < 2 * s.u8) fail(END.BAD_LENGTH);
  const nWords = r.u8();
  const nDwords = r.u8();
  const total = nWords + nDwords;
  if (total < 1 || total > limitsFor(r.wire).randomReadPoints) fail(END.RANDOM_WORDS);
  r.expectRemaining(total * s.spec);
  const refs: DeviceRef[] = [];
  for (let i = 0; i < total; i++) refs.push(r.device());
  refs.forEach((ref, i) => checkRange(ctx, ref.device, ref.number, i < nWords ? 1 : 2, true));
  const w = writer(fmt, total * 8);
  refs.forEach((ref, i) => {
    if (i < nWords) w.u16(ctx.memory.readWords(ref.device, ref.number, 1)[0]!);
    else {
      const [lo, hi] = ctx.memory.readWords(ref.device, ref.number, 2);
      w.u32((lo! | (hi! << 16)) >>> 0);
    }
  });
  return done(w);
}

function randomWrite(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  const { wire, unit } = decodeSubcommand(ctx, fmt, req.subcommand);
  const r = new RequestReader(req.data, wire);
  const s = r.sizes;
  const limits = limitsFor(wire);
  if (unit === "bit") {
    if (r.remaining < s.u8) fail(END.BAD_LENGTH);
    const n = r.u8();
    if (n < 1 || n > limits.randomWriteBits) fail(END.RANDOM_BITS);
    // The bit value is one byte with Q/L subcommands and two bytes with iQ-R subcommands.
    const valueSize = r.iqr ? s.u16 : s.u8;
    r.expectRemaining(n * (s.spec + valueSize));
    checkWritable(ctx);
    const writes: { ref: DeviceRef; on: boolean }[] = [];
    for (let i = 0; i < n; i++) {
      const ref = r.device();
      const value = r.iqr ? r.u16() : r.u8();
      if (ref.device.kind === "word") fail(END.BAD_CONTENT);
      if (value > 1) fail(END.BAD_BIT_DATA);
      checkRange(ctx, ref.device, ref.number, 1, false);
      writes.push({ ref, on: value === 1 });
    }
    for (const x of writes) ctx.memory.writeBits(x.ref.device, x.ref.number, [x.on]);
    return Buffer.alloc(0);
  }
  if (r.remaining < 2 * s.u8) fail(END.BAD_LENGTH);
  const nWords = r.u8();
  const nDwords = r.u8();
  const cost = nWords * 12 + nDwords * 14;
  if (nWords + nDwords < 1 || cost > limits.randomWriteWordCost) fail(END.RANDOM_WORDS);
  r.expectRemaining(nWords * (s.spec + s.u16) + nDwords * (s.spec + s.u32));
  checkWritable(ctx);
  const writes: { ref: DeviceRef; values: number[] }[] = [];
  for (let i = 0; i < nWords + nDwords; i++) {
    const ref = r.device();
    const values = i < nWords ? [r.u16()] : splitDword(r.u32());
    checkRange(ctx, ref.device, ref.number, values.length, true);
    writes.push({ ref, values });
  }
  // Validate everything first so a bad entry does not leave a half-applied write behind.
  for (const x of writes) ctx.memory.writeWords(x.ref.device, x.ref.number, x.values);
  return Buffer.alloc(0);
}

function splitDword(v: number): number[] {
  return [v & 0xffff, (v >>> 16) & 0xffff];
}

function multiBlockRead(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  const r = wordSubcommand(ctx, fmt, req);
  const s = r.sizes;
  const limits = limitsFor(r.wire);
  if (r.remaining < 2 * s.u8) fail(END.BAD_LENGTH);
  const nWordBlocks = r.u8();
  const nBitBlocks = r.u8();
  const blocks = nWordBlocks + nBitBlocks;
  if (blocks < 1 || blocks > limits.multiBlockBlocks) fail(END.RANDOM_WORDS);
  r.expectRemaining(blocks * (s.spec + s.u16));
  const list: { ref: DeviceRef; points: number }[] = [];
  let total = 0;
  for (let i = 0; i < blocks; i++) {
    const ref = r.device();
    const points = r.u16();
    const wantBit = i >= nWordBlocks;
    if ((ref.device.kind === "bit") !== wantBit) fail(END.BAD_CONTENT);
    if (points < 1) fail(END.RANDOM_WORDS);
    total += points;
    list.push({ ref, points });
  }
  if (total > limits.multiBlockPoints) fail(END.RANDOM_WORDS);
  for (const b of list) checkRange(ctx, b.ref.device, b.ref.number, b.points, true);
  const w = writer(fmt, total * 4);
  for (const b of list) w.words(ctx.memory.viewWords(b.ref.device, b.ref.number, b.points));
  return done(w);
}

function requireSubcommandZero(req: RequestFrame): void {
  if (req.subcommand !== 0) fail(END.BAD_COMMAND);
}

function readCpuModel(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  requireSubcommandZero(req);
  if (req.data.length !== 0) fail(END.BAD_LENGTH);
  const name = ctx.model.slice(0, 16).padEnd(16, ctx.modelPadding === "nul" ? "\0" : " ");
  return done(writer(fmt).raw(Buffer.from(name, "latin1")).u16(ctx.modelCode));
}

function loopback(fmt: FrameFormat, req: RequestFrame): Buffer {
  requireSubcommandZero(req);
  const r = new RequestReader(req.data, { encoding: fmt.encoding, series: "ql" });
  if (r.remaining < r.sizes.u16) fail(END.BAD_LENGTH);
  const n = r.u16();
  if (n < 1 || n > 960) fail(END.BAD_CONTENT);
  r.expectRemaining(n);
  const echo = r.raw(n);
  // Loopback data is hex characters in both encodings.
  if (!/^[0-9A-F]+$/.test(echo.toString("latin1")))
    fail(fmt.encoding === "ascii" ? END.BAD_ASCII : END.BAD_CONTENT);
  return done(
    writer(fmt, n + 4)
      .u16(n)
      .raw(echo),
  );
}

function remoteOperation(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  requireSubcommandZero(req);
  const r = new RequestReader(req.data, { encoding: fmt.encoding, series: "ql" });
  const run = req.command === CMD.REMOTE_RUN;
  // RUN carries mode (2) + clear mode (1) + a fixed 00 (1); STOP and PAUSE only the mode.
  r.expectRemaining(run ? r.sizes.u16 + 2 * r.sizes.u8 : r.sizes.u16);
  const mode = r.u16();
  if (mode !== 1 && mode !== 3) fail(END.BAD_CONTENT);
  if (run) {
    const clear = r.u8();
    r.u8();
    if (clear > 2) fail(END.BAD_CONTENT);
  }
  setCpuState(ctx, run ? "run" : req.command === CMD.REMOTE_STOP ? "stop" : "pause");
  return Buffer.alloc(0);
}

/**
 * 1005 LATCH CLEAR and 1006 RESET: fixed 0001, only while the CPU is in STOP (4013 otherwise, as an
 * R08CPU answered). Latch clear zeroes the latch relays L (the simulator has no latch ranges); reset
 * brings the CPU back in RUN (its switch is at RUN) and the server then drops its connections.
 */
function stopOnlyOperation(ctx: HandlerContext, fmt: FrameFormat, req: RequestFrame): Buffer {
  requireSubcommandZero(req);
  const r = new RequestReader(req.data, { encoding: fmt.encoding, series: "ql" });
  r.expectRemaining(r.sizes.u16);
  if (r.u16() !== 1) fail(END.BAD_CONTENT);
  if (ctx.cpuState !== "stop") fail(END.CPU_STATE);
  if (req.command === CMD.REMOTE_LATCH_CLEAR) {
    const L = deviceByName("L")!;
    ctx.memory.writeBits(L, 0, new Array<boolean>(ctx.memory.size(L)).fill(false));
  } else setCpuState(ctx, "run");
  return Buffer.alloc(0);
}
