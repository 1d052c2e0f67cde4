/**
 * Field-level encoding shared by every command: the same request is written either as binary
 * (little-endian integers) or as ASCII (upper-case hex text, most significant digit first).
 * Command encoders write fields through FieldWriter and never care which format is in use.
 *
 * Over 400 lines because FieldWriter and FieldReader are mirror images: each field type is
 * written and read here, in both encodings, so a format change is made in one place.
 */
import {
  BUFFER_CODE,
  DIRECT_CPU_BUFFER,
  DIRECT_MODULE,
  bufferAsciiCode,
  bufferDevice,
  isCpuBuffer,
} from "./buffer-memory";
import { type Device, type Series, asciiCodeIQR, deviceByAscii, deviceByCode, notationOf } from "./devices";
import { McAddressError, McProtocolError } from "./errors";
import { type FrameType } from "./frame";

export type Encoding = "binary" | "ascii";

/** Everything that changes how fields are written, fixed per PLC connection. */
export interface WireFormat {
  readonly encoding: Encoding;
  readonly series: Series;
  /** ZR numbers in hex in ASCII frames (default decimal). */
  readonly zrHex?: boolean;
  /** "1E" switches commands, limits and planning to the A-compatible 1E frame; default 3E/4E. */
  readonly frame?: FrameType;
}

/** One device point: the device and its plain integer number (X1F is 31 whatever the notation). */
export interface DeviceRef {
  readonly device: Device;
  readonly number: number;
}

const HEX = "0123456789ABCDEF";

export class FieldWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly ascii: boolean;

  constructor(
    readonly format: WireFormat,
    sizeHint = 64,
  ) {
    this.ascii = format.encoding === "ascii";
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private hex(value: number, digits: number): void {
    this.ensure(digits);
    for (let i = digits - 1; i >= 0; i--) {
      this.buf[this.pos + i] = HEX.charCodeAt(value & 0xf);
      value = Math.floor(value / 16);
    }
    this.pos += digits;
  }

  private text(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  u8(v: number): this {
    if (this.ascii) this.hex(v & 0xff, 2);
    else {
      this.ensure(1);
      this.buf[this.pos++] = v & 0xff;
    }
    return this;
  }

  u16(v: number): this {
    if (this.ascii) this.hex(v & 0xffff, 4);
    else {
      this.ensure(2);
      this.buf[this.pos] = v & 0xff;
      this.buf[this.pos + 1] = (v >>> 8) & 0xff;
      this.pos += 2;
    }
    return this;
  }

  u32(v: number): this {
    if (this.ascii) this.hex(v >>> 0, 8);
    else {
      this.ensure(4);
      this.buf.writeUInt32LE(v >>> 0, this.pos);
      this.pos += 4;
    }
    return this;
  }

  /** A device specification: Q/L = number (3 bytes) + code (1); iQ-R = number (4) + code (2). */
  device(ref: DeviceRef): this {
    const { device, number } = ref;
    if (device.module !== undefined) return this.extendedDevice(ref);
    const iqr = this.format.series === "iqr";
    if (device.iqrOnly && !iqr) {
      throw new McAddressError(`device ${device.name} needs iQ-R subcommands (series "iqr")`);
    }
    if (this.ascii) {
      const hexNotation = notationOf(device, this.format) === "hex";
      const digits = iqr ? 8 : 6;
      const numText = hexNotation ? number.toString(16).toUpperCase() : number.toString(10);
      if (numText.length > digits) {
        throw new McAddressError(`${device.name}${numText} does not fit ${digits} ASCII digits`);
      }
      this.text(iqr ? asciiCodeIQR(device) : device.asciiQL);
      this.text(numText.padStart(digits, "0"));
    } else if (iqr) {
      this.u32(number);
      this.u16(device.code);
    } else {
      if (number > 0xffffff)
        throw new McAddressError(`${device.name}${number} exceeds 3-byte device numbers`);
      this.ensure(4);
      this.buf.writeUIntLE(number, this.pos, 3);
      this.buf[this.pos + 3] = device.code;
      this.pos += 4;
    }
    return this;
  }

  /**
   * A buffer-memory device in the device extension specification (subcommands 0080/0082). Binary:
   * modification (2) + number (Q/L 3, iQ-R 4) + code (1 / 2) + extension modification (2) + module (2) +
   * direct memory byte (F8H module, FAH CPU buffer). ASCII: "00" + "U" and 3 hex digits + modification
   * (3 / 4 "0") + code (G* / G***) + decimal number (6 / 10) + modification (3 / 4 "0"); the ASCII form is
   * reconstructed from the manual's examples and not yet checked against a PLC (docs/PROTOCOL.md).
   */
  private extendedDevice(ref: DeviceRef): this {
    const { device, number } = ref;
    const module = device.module!;
    const iqr = this.format.series === "iqr";
    if (device.iqrOnly && !iqr) {
      throw new McAddressError(`${device.name} needs iQ-R subcommands (series "iqr")`);
    }
    if (this.ascii) {
      const digits = iqr ? 10 : 6;
      const numText = number.toString(10);
      if (numText.length > digits)
        throw new McAddressError(`${device.name}${numText} does not fit ${digits} digits`);
      const zeros = iqr ? "0000" : "000";
      this.text(`00U${module.toString(16).toUpperCase().padStart(3, "0")}${zeros}`);
      this.text(bufferAsciiCode(device, iqr) + numText.padStart(digits, "0") + zeros);
      return this;
    }
    this.u16(0);
    if (iqr) this.u32(number).u16(device.code);
    else {
      if (number > 0xffffff)
        throw new McAddressError(`${device.name}${number} exceeds 3-byte device numbers`);
      this.ensure(4);
      this.buf.writeUIntLE(number, this.pos, 3);
      this.buf[this.pos + 3] = device.code;
      this.pos += 4;
    }
    return this.u16(0)
      .u16(module)
      .u8(isCpuBuffer(module) ? DIRECT_CPU_BUFFER : DIRECT_MODULE);
  }

  words(values: ArrayLike<number>): this {
    if (this.ascii) {
      for (let i = 0; i < values.length; i++) this.u16(values[i]!);
      return this;
    }
    const n = values.length;
    this.ensure(2 * n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++, p += 2) {
      const v = values[i]!;
      buf[p] = v & 0xff;
      buf[p + 1] = (v >>> 8) & 0xff;
    }
    this.pos = p;
    return this;
  }

  /** Bit-unit data: binary packs two points per byte, the first in the HIGH nibble; ASCII one char each. */
  bits(values: ArrayLike<boolean | number>): this {
    if (this.ascii) {
      this.ensure(values.length);
      for (let i = 0; i < values.length; i++) this.buf[this.pos++] = values[i] ? 0x31 : 0x30;
    } else {
      const n = Math.ceil(values.length / 2);
      this.ensure(n);
      for (let i = 0; i < n; i++) {
        const hi = values[2 * i] ? 0x10 : 0;
        const lo = 2 * i + 1 < values.length && values[2 * i + 1] ? 0x01 : 0;
        this.buf[this.pos++] = hi | lo;
      }
    }
    return this;
  }

  /** Raw bytes (binary) or raw characters (ASCII), e.g. loopback data. */
  raw(data: Buffer): this {
    this.ensure(data.length);
    data.copy(this.buf, this.pos);
    this.pos += data.length;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  toBuffer(): Buffer {
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
  }
}

/** Bounds-checked reader; every malformed input becomes an McProtocolError, never a RangeError. */
export class FieldReader {
  private pos: number;
  private readonly ascii: boolean;

  /** Reads `buf` from `start` to its end: an answer is read in place, inside the frame it came in. */
  constructor(
    private buf: Buffer,
    readonly format: WireFormat,
    start = 0,
  ) {
    this.ascii = format.encoding === "ascii";
    this.pos = start;
  }

  /** Starts over on another buffer, so a connection reads every answer with one reader. */
  reset(buf: Buffer, start = 0): this {
    this.buf = buf;
    this.pos = start;
    return this;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new McProtocolError(`truncated data: ${what} needs ${n} more bytes, ${this.remaining} left`);
    }
  }

  private hex(digits: number, what: string): number {
    this.need(digits, what);
    let v = 0;
    for (let i = 0; i < digits; i++) {
      const d = hexDigit(this.buf[this.pos + i]!);
      if (d < 0) throw new McProtocolError(`invalid ASCII hex in ${what}`);
      v = v * 16 + d;
    }
    this.pos += digits;
    return v;
  }

  u8(what = "byte"): number {
    if (this.ascii) return this.hex(2, what);
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = "word"): number {
    if (this.ascii) return this.hex(4, what);
    this.need(2, what);
    const v = this.buf[this.pos]! | (this.buf[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  u32(what = "double word"): number {
    if (this.ascii) return this.hex(8, what);
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a device specification; unknown codes raise McAddressError (the simulator answers C05B/C059). */
  device(): DeviceRef {
    const iqr = this.format.series === "iqr";
    if (this.ascii) {
      const codeLen = iqr ? 4 : 2;
      const digits = iqr ? 8 : 6;
      this.need(codeLen + digits, "device specification");
      const code = this.buf.toString("latin1", this.pos, this.pos + codeLen);
      this.pos += codeLen;
      const device = deviceByAscii(code, this.format.series);
      if (!device) throw new McAddressError(`unknown ASCII device code "${code}"`);
      const text = this.buf.toString("latin1", this.pos, this.pos + digits);
      const hexNotation = notationOf(device, this.format) === "hex";
      if (!(hexNotation ? /^[0-9A-F]+$/ : /^[0-9]+$/).test(text)) {
        throw new McProtocolError(`invalid device number "${text}" for ${device.name}`);
      }
      this.pos += digits;
      return { device, number: parseInt(text, hexNotation ? 16 : 10) };
    }
    const { number, code } = this.binaryDeviceSpec(iqr);
    const device = deviceByCode(code);
    if (!device || (device.iqrOnly && !iqr)) {
      throw new McAddressError(`unknown device code 0x${code.toString(16)}`);
    }
    return { device, number };
  }

  /** A binary device number and code: 4+2 bytes on iQ-R, 3+1 on Q/L. */
  private binaryDeviceSpec(iqr: boolean): { number: number; code: number } {
    if (iqr) {
      const number = this.u32("device number");
      return { number, code: this.u16("device code") };
    }
    this.need(4, "device specification");
    const number = this.buf.readUIntLE(this.pos, 3);
    const code = this.buf[this.pos + 3]!;
    this.pos += 4;
    return { number, code };
  }

  /** Reads a buffer-memory device in the device extension specification (see FieldWriter). */
  extendedDevice(): DeviceRef {
    const iqr = this.format.series === "iqr";
    let module: number;
    let number: number;
    let code: number;
    if (this.ascii) {
      const length = iqr ? 28 : 20;
      this.need(length, "extended device specification");
      const text = this.buf.toString("latin1", this.pos, this.pos + length);
      const m = iqr
        ? /^00U([0-9A-F]{3})0000(G\*\*\*|HG\*\*)([0-9]{10})0000$/.exec(text)
        : /^00U([0-9A-F]{3})000(G\*)([0-9]{6})000$/.exec(text);
      if (!m) throw new McAddressError(`unsupported extended device specification "${text}"`);
      this.pos += length;
      module = parseInt(m[1]!, 16);
      code = m[2]!.startsWith("HG") ? BUFFER_CODE.HG : BUFFER_CODE.G;
      number = parseInt(m[3]!, 10);
    } else {
      const modification = this.u16("device modification");
      ({ number, code } = this.binaryDeviceSpec(iqr));
      const extModification = this.u16("extension modification");
      module = this.u16("extension specification");
      const direct = this.u8("direct memory specification");
      const wantDirect = isCpuBuffer(module) ? DIRECT_CPU_BUFFER : DIRECT_MODULE;
      if (modification !== 0 || extModification !== 0 || direct !== wantDirect) {
        throw new McAddressError("unsupported extended device specification (indexing or direct memory)");
      }
    }
    if (code !== BUFFER_CODE.G && !(code === BUFFER_CODE.HG && iqr && isCpuBuffer(module))) {
      throw new McAddressError(`unsupported extended device code 0x${code.toString(16)}`);
    }
    return { device: bufferDevice(module, code === BUFFER_CODE.HG), number };
  }

  words(n: number): number[] {
    this.need(n * (this.ascii ? 4 : 2), `${n} words`);
    const out = new Array<number>(n);
    if (this.ascii) {
      for (let i = 0; i < n; i++) out[i] = this.u16();
      return out;
    }
    // Straight out of the received bytes (bounds checked once, above).
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++, p += 2) out[i] = buf[p]! | (buf[p + 1]! << 8);
    this.pos = p;
    return out;
  }

  bits(n: number): boolean[] {
    const out = new Array<boolean>(n);
    if (this.ascii) {
      this.need(n, `${n} bits`);
      for (let i = 0; i < n; i++) {
        const c = this.buf[this.pos + i];
        if (c !== 0x30 && c !== 0x31) throw new McProtocolError("invalid ASCII bit value");
        out[i] = c === 0x31;
      }
      this.pos += n;
    } else {
      const bytes = Math.ceil(n / 2);
      this.need(bytes, `${n} bits`);
      for (let i = 0; i < n; i++) {
        const b = this.buf[this.pos + (i >> 1)]!;
        const nibble = i % 2 === 0 ? b >> 4 : b & 0x0f;
        if (nibble > 1) throw new McProtocolError("invalid bit value");
        out[i] = nibble === 1;
      }
      this.pos += bytes;
    }
    return out;
  }

  raw(n: number): Buffer {
    this.need(n, `${n} raw bytes`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  rest(): Buffer {
    return this.raw(this.remaining);
  }
}

/** The value of an ASCII hex digit (either case), or -1. */
export function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}
