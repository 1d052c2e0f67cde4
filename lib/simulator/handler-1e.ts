/**
 * The simulated CPU's answers to A-compatible 1E frames, as an FX3U-ENET-ADP gives them (its limits,
 * LIMITS_1E, are the smallest of the 1E targets). Never throws; every bad request becomes the end code
 * a real module answers with (docs/PROTOCOL.md, "1E end codes"):
 * - 50H unknown command (FX modules accept 00–05H and 13–16H);
 * - 54H ASCII text that is not hex;
 * - 55H write while in RUN with online change disabled;
 * - 56H unknown device code;
 * - 57H point count zero or over the command's limit, access past the end of the device, or request data
 *   that does not match the point count;
 * - 58H head device outside the device, a word device in a bit command, a bit-device head that is not a
 *   multiple of 16 in a word command;
 * - 5BH + abnormal code 10H: PC No. other than FFH.
 */
import { type Device } from "../mc/devices";
import { deviceBy1ECode } from "../mc/devices-1e";
import { McProtocolError } from "../mc/errors";
import { ABNORMAL_1E, CMD_1E, decodeRequest1E, encodeResponse1E, type Response1E } from "../mc/frame-1e";
import { LIMITS_1E } from "../mc/limits";
import { type DeviceRef, type Encoding, FieldReader, FieldWriter } from "../mc/wire";
import { type HandlerContext, setCpuState } from "./handler";

export const END_1E = {
  OK: 0x00,
  BAD_COMMAND: 0x50,
  BAD_ASCII: 0x54,
  RUN_WRITE_REFUSED: 0x55,
  BAD_DEVICE: 0x56,
  BAD_POINTS: 0x57,
  BAD_HEAD: 0x58,
  CANNOT_PROCESS: 0x5b,
} as const;

/** Abnormal code after 5BH when the PC No. is not FFH. */
export const ABNORMAL_PC_NO = 0x10;

class EndCode1E extends Error {
  constructor(
    readonly endCode: number,
    readonly abnormalCode?: number,
  ) {
    super(`1E end code ${endCode.toString(16)}`);
  }
}

function fail(endCode: number, abnormalCode?: number): never {
  throw new EndCode1E(endCode, abnormalCode);
}

/**
 * Bytes in, bytes out (undefined = no answer, as for a frame the module cannot parse). `forced` replaces
 * the answer's end code (the simulator's fault injection).
 */
export function handleFrame1E(
  ctx: HandlerContext,
  encoding: Encoding,
  frame: Buffer,
  forced?: number,
): Buffer | undefined {
  let req;
  try {
    req = decodeRequest1E(encoding, frame);
  } catch {
    return undefined;
  }
  const respond = (res: Omit<Response1E, "command">) =>
    encodeResponse1E(encoding, { command: req.command, ...res });
  if (forced !== undefined) {
    return respond({ endCode: forced & 0xff, abnormalCode: 0, data: Buffer.alloc(0) });
  }
  try {
    return respond({ endCode: END_1E.OK, data: execute(ctx, encoding, req.command, req.pc, req.data) });
  } catch (err) {
    if (err instanceof EndCode1E) {
      return respond({ endCode: err.endCode, abnormalCode: err.abnormalCode, data: Buffer.alloc(0) });
    }
    ctx.onInternalError?.(err);
    return respond({ endCode: ABNORMAL_1E, abnormalCode: 0, data: Buffer.alloc(0) });
  }
}

/** FieldReader whose failures become 1E end codes. */
class Reader {
  private readonly r: FieldReader;
  readonly k: number;
  constructor(data: Buffer, encoding: Encoding) {
    this.r = new FieldReader(data, { encoding, series: "ql" });
    this.k = encoding === "ascii" ? 2 : 1;
  }
  /** Request data must be exactly `bytes` binary bytes (2 × in ASCII). */
  expect(bytes: number): void {
    if (this.r.remaining !== bytes * this.k) fail(END_1E.BAD_POINTS);
  }
  get remaining(): number {
    return this.r.remaining;
  }
  private guard<T>(read: () => T, onBad: number): T {
    try {
      return read();
    } catch (err) {
      if (err instanceof McProtocolError) fail(this.k === 2 ? END_1E.BAD_ASCII : onBad);
      throw err;
    }
  }
  u8(): number {
    return this.guard(() => this.r.u8(), END_1E.BAD_POINTS);
  }
  u16(): number {
    return this.guard(() => this.r.u16(), END_1E.BAD_POINTS);
  }
  device(): DeviceRef {
    const ascii = this.k === 2;
    const first = ascii ? this.u16() : this.guard(() => this.r.u32(), END_1E.BAD_POINTS);
    const second = ascii ? this.guard(() => this.r.u32(), END_1E.BAD_POINTS) : this.u16();
    const [code, number] = ascii ? [first, second] : [second, first];
    const device = deviceBy1ECode(code);
    if (!device) return fail(END_1E.BAD_DEVICE);
    return { device, number };
  }
  /** The point count byte (00 = 256) and its fixed 00. */
  count(): number {
    const n = this.u8();
    this.u8();
    return n === 0 ? 256 : n;
  }
  bits(n: number): boolean[] {
    // Binary nibbles and ASCII characters other than 0/1 are not bit data.
    const out = this.guard(() => this.r.bits(n), END_1E.BAD_POINTS);
    if (this.k === 2 && n % 2 === 1) this.guard(() => this.r.bits(1), END_1E.BAD_POINTS);
    return out;
  }
  words(n: number): number[] {
    return this.guard(() => this.r.words(n), END_1E.BAD_POINTS);
  }
}

function writer(encoding: Encoding, sizeHint = 64): FieldWriter {
  return new FieldWriter({ encoding, series: "ql" }, sizeHint);
}

function done(w: FieldWriter): Buffer {
  return Buffer.from(w.toBuffer());
}

/** 58H when the head is outside the device, 57H when the access runs past its end. */
function checkRange(ctx: HandlerContext, device: Device, start: number, count: number, words: boolean): void {
  if (!ctx.memory.inRange(device, start, 1, false)) fail(END_1E.BAD_HEAD);
  if (!ctx.memory.inRange(device, start, count, words)) fail(END_1E.BAD_POINTS);
}

function checkWritable(ctx: HandlerContext): void {
  if (ctx.onlineChangeDisabled && ctx.cpuState === "run") fail(END_1E.RUN_WRITE_REFUSED);
}

/** Word access to a bit device: 16 points per word from a multiple of 16. */
function checkWordAccess(ref: DeviceRef): void {
  if (ref.device.kind === "bit" && ref.number % 16 !== 0) fail(END_1E.BAD_HEAD);
}

function execute(ctx: HandlerContext, encoding: Encoding, command: number, pc: number, data: Buffer): Buffer {
  const known = Object.values(CMD_1E) as number[];
  if (!known.includes(command)) fail(END_1E.BAD_COMMAND);
  if (pc !== 0xff) fail(END_1E.CANNOT_PROCESS, ABNORMAL_PC_NO);
  const r = new Reader(data, encoding);
  const mem = ctx.memory;
  switch (command) {
    case CMD_1E.BATCH_READ_BITS: {
      r.expect(8);
      const ref = r.device();
      const n = r.count();
      if (ref.device.kind !== "bit") fail(END_1E.BAD_HEAD);
      if (n > LIMITS_1E.readBits) fail(END_1E.BAD_POINTS);
      checkRange(ctx, ref.device, ref.number, n, false);
      const w = writer(encoding, n + 1);
      const bits = mem.readBits(ref.device, ref.number, n);
      w.bits(n % 2 === 1 && encoding === "ascii" ? [...bits, false] : bits);
      return done(w);
    }
    case CMD_1E.BATCH_READ_WORDS: {
      r.expect(8);
      const ref = r.device();
      const n = r.count();
      checkWordAccess(ref);
      const max = ref.device.kind === "bit" ? LIMITS_1E.bitDeviceWords : LIMITS_1E.wordDeviceWords;
      if (n > max) fail(END_1E.BAD_POINTS);
      checkRange(ctx, ref.device, ref.number, n, true);
      return done(writer(encoding, n * 4).words(mem.readWords(ref.device, ref.number, n)));
    }
    case CMD_1E.BATCH_WRITE_BITS: {
      if (r.remaining < 8 * r.k) fail(END_1E.BAD_POINTS);
      const ref = r.device();
      const n = r.count();
      if (ref.device.kind !== "bit") fail(END_1E.BAD_HEAD);
      if (n > LIMITS_1E.writeBits) fail(END_1E.BAD_POINTS);
      r.expect(Math.ceil(n / 2));
      const values = r.bits(n);
      checkRange(ctx, ref.device, ref.number, n, false);
      checkWritable(ctx);
      mem.writeBits(ref.device, ref.number, values);
      return Buffer.alloc(0);
    }
    case CMD_1E.BATCH_WRITE_WORDS: {
      if (r.remaining < 8 * r.k) fail(END_1E.BAD_POINTS);
      const ref = r.device();
      const n = r.count();
      checkWordAccess(ref);
      const max = ref.device.kind === "bit" ? LIMITS_1E.writeBitDeviceWords : LIMITS_1E.wordDeviceWords;
      if (n > max) fail(END_1E.BAD_POINTS);
      r.expect(2 * n);
      const values = r.words(n);
      checkRange(ctx, ref.device, ref.number, n, true);
      checkWritable(ctx);
      mem.writeWords(ref.device, ref.number, values);
      return Buffer.alloc(0);
    }
    case CMD_1E.TEST_BITS:
    case CMD_1E.TEST_WORDS: {
      const words = command === CMD_1E.TEST_WORDS;
      if (r.remaining < 2 * r.k) fail(END_1E.BAD_POINTS);
      const n = r.count();
      if (n > (words ? LIMITS_1E.testWords : LIMITS_1E.testBits)) fail(END_1E.BAD_POINTS);
      r.expect(n * (words ? 8 : 7));
      const writes: { ref: DeviceRef; value: number }[] = [];
      for (let i = 0; i < n; i++) {
        const ref = r.device();
        const value = words ? r.u16() : r.u8();
        if (words) checkWordAccess(ref);
        else if (ref.device.kind !== "bit") fail(END_1E.BAD_HEAD);
        if (!words && value > 1) fail(END_1E.BAD_POINTS);
        checkRange(ctx, ref.device, ref.number, 1, words);
        writes.push({ ref, value });
      }
      checkWritable(ctx);
      // Validated first, so a bad point does not leave a half-applied write behind.
      for (const { ref, value } of writes) {
        if (words) mem.writeWords(ref.device, ref.number, [value]);
        else mem.writeBits(ref.device, ref.number, [value === 1]);
      }
      return Buffer.alloc(0);
    }
    case CMD_1E.REMOTE_RUN:
    case CMD_1E.REMOTE_STOP:
      r.expect(0);
      setCpuState(ctx, command === CMD_1E.REMOTE_RUN ? "run" : "stop");
      return Buffer.alloc(0);
    case CMD_1E.READ_MODEL:
      r.expect(0);
      return done(
        writer(encoding)
          .u8(ctx.modelCode & 0xff)
          .u8(0),
      );
    case CMD_1E.LOOPBACK: {
      if (r.remaining < r.k) fail(END_1E.BAD_POINTS);
      const n = r.u8();
      if (n < 1 || n > 254) fail(END_1E.BAD_POINTS);
      r.expect(n);
      const w = writer(encoding, 2 * n + 2).u8(n);
      for (let i = 0; i < n; i++) w.u8(r.u8());
      return done(w);
    }
    default:
      return fail(END_1E.BAD_COMMAND);
  }
}
