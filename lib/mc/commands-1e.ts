/**
 * Commands of the A-compatible 1E frame, as Command objects the client sends like any other. Field
 * layouts (docs/PROTOCOL.md, ../shared/MC-1E-AND-BUFFER.md §A2, A5):
 * - device: binary number (4, LE) + code (2, LE); ASCII code (4 hex) + number (8 hex), because the
 *   6-byte binary field is written as one 12-digit hex number;
 * - point count: 1 byte, 00 = 256, then a fixed 00;
 * - bit data: one point per nibble (first point high), ASCII one character per point; odd counts are
 *   padded with a 0 point in both encodings.
 */
import { type BitWrite, type Command, type CpuModel, type WordWrite } from "./commands";
import { type Device } from "./devices";
import { DEVICE_NAMES_1E, code1E, modelName1E } from "./devices-1e";
import { McAddressError, McValueError } from "./errors";
import { CMD_1E } from "./frame-1e";
import { type DeviceRef, type FieldReader, type FieldWriter, type WireFormat } from "./wire";

/** The 1E code of a device, or McAddressError naming the devices 1E has. */
export function require1ECode(device: Device): number {
  const code = code1E(device);
  if (code === undefined) {
    throw new McAddressError(
      `device ${device.name} cannot be reached with 1E frames (1E devices: ${DEVICE_NAMES_1E.join(" ")})`,
    );
  }
  return code;
}

export function writeDevice1E(w: FieldWriter, ref: DeviceRef): FieldWriter {
  const code = require1ECode(ref.device);
  if (!Number.isInteger(ref.number) || ref.number < 0 || ref.number > 0xffffffff) {
    throw new McAddressError(`${ref.device.name}${ref.number} is not a 1E device number`);
  }
  return w.format.encoding === "ascii" ? w.u16(code).u32(ref.number) : w.u32(ref.number).u16(code);
}

/** 1–256 points; 256 is sent as 00. */
function checkPoints(points: number, max: number, what: string): void {
  if (!Number.isInteger(points) || points < 1 || points > max) {
    throw new McValueError(`${what}: point count ${points} must be an integer from 1 to ${max}`);
  }
}

function writeCount(w: FieldWriter, n: number): FieldWriter {
  return w.u8(n & 0xff).u8(0);
}

function writeBits(w: FieldWriter, values: ArrayLike<boolean | number>): FieldWriter {
  w.bits(values);
  // Binary pads inside the last byte already; ASCII needs its "0" dummy point.
  if (w.format.encoding === "ascii" && values.length % 2 === 1) w.bits([false]);
  return w;
}

function readBits(r: FieldReader, n: number): boolean[] {
  const out = r.bits(n);
  if (r.format.encoding === "ascii" && n % 2 === 1) r.bits(1);
  return out;
}

/** 01: batch read in word units (a bit device in 16-point words from a multiple of 16). */
export function batchReadWords1E(ref: DeviceRef, points: number): Command<number[]> {
  checkPoints(points, 256, "1E batch read");
  return {
    name: "batch read (words, 1E)",
    command: CMD_1E.BATCH_READ_WORDS,
    subcommand: 0,
    responseBytes1E: 2 * points,
    words: points,
    write: (w) => writeCount(writeDevice1E(w, ref), points),
    read: (r) => r.words(points),
  };
}

/** 00: batch read in bit units. */
export function batchReadBits1E(ref: DeviceRef, points: number): Command<boolean[]> {
  checkPoints(points, 256, "1E batch read");
  return {
    name: "batch read (bits, 1E)",
    command: CMD_1E.BATCH_READ_BITS,
    subcommand: 0,
    responseBytes1E: Math.ceil(points / 2),
    words: Math.ceil(points / 16),
    write: (w) => writeCount(writeDevice1E(w, ref), points),
    read: (r) => readBits(r, points),
  };
}

/** 03: batch write in word units. */
export function batchWriteWords1E(ref: DeviceRef, values: ArrayLike<number>): Command<void> {
  checkPoints(values.length, 256, "1E batch write");
  return {
    name: "batch write (words, 1E)",
    command: CMD_1E.BATCH_WRITE_WORDS,
    subcommand: 0,
    responseBytes1E: 0,
    write: (w) => writeCount(writeDevice1E(w, ref), values.length).words(values),
    read: () => undefined,
  };
}

/** 02: batch write in bit units. */
export function batchWriteBits1E(ref: DeviceRef, values: ArrayLike<boolean | number>): Command<void> {
  checkPoints(values.length, 256, "1E batch write");
  return {
    name: "batch write (bits, 1E)",
    command: CMD_1E.BATCH_WRITE_BITS,
    subcommand: 0,
    responseBytes1E: 0,
    write: (w) => writeBits(writeCount(writeDevice1E(w, ref), values.length), values),
    read: () => undefined,
  };
}

/** 05: test (random write) in word units, one word per point. */
export function testWriteWords1E(writes: readonly WordWrite[]): Command<void> {
  checkPoints(writes.length, 255, "1E test write");
  return {
    name: "test write (words, 1E)",
    command: CMD_1E.TEST_WORDS,
    subcommand: 0,
    responseBytes1E: 0,
    write: (w) => {
      writeCount(w, writes.length);
      for (const x of writes) writeDevice1E(w, x.ref).u16(x.value);
    },
    read: () => undefined,
  };
}

/** 04: test (random write) in bit units, ON/OFF one byte per point. */
export function testWriteBits1E(writes: readonly BitWrite[]): Command<void> {
  checkPoints(writes.length, 255, "1E test write");
  return {
    name: "test write (bits, 1E)",
    command: CMD_1E.TEST_BITS,
    subcommand: 0,
    responseBytes1E: 0,
    write: (w) => {
      writeCount(w, writes.length);
      for (const x of writes) writeDevice1E(w, x.ref).u8(x.value ? 1 : 0);
    },
    read: () => undefined,
  };
}

/** 15: the PLC model, a 1-byte code (FX3U/FX3UC F3H, FX3G F4H) followed by 00. */
export function readModel1E(): Command<CpuModel> {
  return {
    name: "read PLC model (1E)",
    command: CMD_1E.READ_MODEL,
    subcommand: 0,
    responseBytes1E: 2,
    write: () => undefined,
    read: (r) => {
      const code = r.u8("model code");
      r.u8("fixed 00");
      return { model: modelName1E(code), modelCode: code };
    },
  };
}

/** 16: loopback of 1–254 bytes; the text's characters are sent as bytes (ASCII: as hex pairs). */
export function loopback1E(data: string): Command<string> {
  if (!/^[0-9A-F]{1,254}$/.test(data)) {
    throw new McValueError("1E loopback data must be 1–254 characters 0-9/A-F");
  }
  const bytes = Buffer.from(data, "latin1");
  return {
    name: "loopback (1E)",
    command: CMD_1E.LOOPBACK,
    subcommand: 0,
    responseBytes1E: 1 + bytes.length,
    write: (w) => {
      w.u8(bytes.length);
      for (const b of bytes) w.u8(b);
    },
    read: (r) => {
      const n = r.u8("loopback length");
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = r.u8("loopback data");
      return out.toString("latin1");
    },
  };
}

/** 13/14: remote RUN and STOP; 1E has no PAUSE, latch clear or reset, and no clear modes. */
export function remote1E(op: "run" | "stop"): Command<void> {
  return {
    name: `remote ${op.toUpperCase()} (1E)`,
    command: op === "run" ? CMD_1E.REMOTE_RUN : CMD_1E.REMOTE_STOP,
    subcommand: 0,
    responseBytes1E: 0,
    write: () => undefined,
    read: () => undefined,
  };
}

/** Whether `format` speaks the A-compatible 1E frame. */
export function is1E(format: WireFormat): boolean {
  return format.frame === "1E";
}
