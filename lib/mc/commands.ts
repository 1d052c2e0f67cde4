/**
 * Request encoders and response decoders for the commands a poller needs. Each Command is
 * format-agnostic: it writes and reads fields, and the FieldWriter/FieldReader choose binary or ASCII.
 */
import { McValueError } from "./errors";
import { type DeviceRef, type FieldReader, type FieldWriter, type WireFormat } from "./wire";

export interface Command<T> {
  readonly name: string;
  readonly command: number;
  readonly subcommand: number;
  write(w: FieldWriter): void;
  read(r: FieldReader): T;
  /** 1E commands only: response data bytes on normal completion (1E responses carry no length). */
  readonly responseBytes1E?: number;
  /** Read commands: the data words the answer carries (bits in 16-point words), for the PLC load figures. */
  readonly words?: number;
}

export const CMD = {
  BATCH_READ: 0x0401,
  BATCH_WRITE: 0x1401,
  RANDOM_READ: 0x0403,
  RANDOM_WRITE: 0x1402,
  MULTI_BLOCK_READ: 0x0406,
  READ_CPU_MODEL: 0x0101,
  REMOTE_RUN: 0x1001,
  REMOTE_STOP: 0x1002,
  REMOTE_PAUSE: 0x1003,
  REMOTE_LATCH_CLEAR: 0x1005,
  REMOTE_RESET: 0x1006,
  LOOPBACK: 0x0619,
} as const;

export type Unit = "word" | "bit";

/** Q/L: 0000 word / 0001 bit. iQ-R: 0002 word / 0003 bit (4-byte device numbers, 2-byte codes). */
export function subcommandFor(format: WireFormat, unit: Unit): number {
  return (format.series === "iqr" ? 2 : 0) + (unit === "bit" ? 1 : 0);
}

/** Buffer memory (U\G) goes in the device extension specification: 0080 on Q/L, 0082 on iQ-R. */
function wordSubcommand(format: WireFormat, ref: DeviceRef): number {
  if (ref.device.module === undefined) return subcommandFor(format, "word");
  return format.series === "iqr" ? 0x0082 : 0x0080;
}

function checkPoints(points: number, what: string): void {
  if (!Number.isInteger(points) || points < 1 || points > 0xffff) {
    throw new McValueError(`${what}: point count ${points} must be an integer from 1`);
  }
}

/** 0401 in word units: `points` words (on a bit device, 16 points per word, bit 0 = lowest number). */
export function batchReadWords(format: WireFormat, ref: DeviceRef, points: number): Command<number[]> {
  checkPoints(points, "batch read");
  return {
    name: "batch read (words)",
    command: CMD.BATCH_READ,
    subcommand: wordSubcommand(format, ref),
    words: points,
    write: (w) => w.device(ref).u16(points),
    read: (r) => r.words(points),
  };
}

/** 0401 in bit units: one boolean per point. */
export function batchReadBits(format: WireFormat, ref: DeviceRef, points: number): Command<boolean[]> {
  checkPoints(points, "batch read");
  return {
    name: "batch read (bits)",
    command: CMD.BATCH_READ,
    subcommand: subcommandFor(format, "bit"),
    words: Math.ceil(points / 16),
    write: (w) => w.device(ref).u16(points),
    read: (r) => r.bits(points),
  };
}

export function batchWriteWords(
  format: WireFormat,
  ref: DeviceRef,
  values: ArrayLike<number>,
): Command<void> {
  checkPoints(values.length, "batch write");
  return {
    name: "batch write (words)",
    command: CMD.BATCH_WRITE,
    subcommand: wordSubcommand(format, ref),
    write: (w) => w.device(ref).u16(values.length).words(values),
    read: () => undefined,
  };
}

export function batchWriteBits(
  format: WireFormat,
  ref: DeviceRef,
  values: ArrayLike<boolean | number>,
): Command<void> {
  checkPoints(values.length, "batch write");
  return {
    name: "batch write (bits)",
    command: CMD.BATCH_WRITE,
    subcommand: subcommandFor(format, "bit"),
    write: (w) => w.device(ref).u16(values.length).bits(values),
    read: () => undefined,
  };
}

export interface RandomReadResult {
  readonly words: number[];
  /** Unsigned 32-bit values, low word at the lower device number. */
  readonly dwords: number[];
}

/** 0403: scattered words and double words in one request (answer: words first, then dwords). */
export function randomRead(
  format: WireFormat,
  words: readonly DeviceRef[],
  dwords: readonly DeviceRef[],
): Command<RandomReadResult> {
  checkPoints(words.length + dwords.length, "random read");
  return {
    name: "random read",
    command: CMD.RANDOM_READ,
    subcommand: subcommandFor(format, "word"),
    words: words.length + 2 * dwords.length,
    write: (w) => {
      w.u8(words.length).u8(dwords.length);
      for (const ref of words) w.device(ref);
      for (const ref of dwords) w.device(ref);
    },
    read: (r) => {
      const outWords = r.words(words.length);
      const outDwords: number[] = [];
      for (let i = 0; i < dwords.length; i++) outDwords.push(r.u32());
      return { words: outWords, dwords: outDwords };
    },
  };
}

export interface WordWrite {
  readonly ref: DeviceRef;
  readonly value: number;
}

/** 1402 in word units: scattered words and double words. */
export function randomWriteWords(
  format: WireFormat,
  words: readonly WordWrite[],
  dwords: readonly WordWrite[],
): Command<void> {
  checkPoints(words.length + dwords.length, "random write");
  return {
    name: "random write (words)",
    command: CMD.RANDOM_WRITE,
    subcommand: subcommandFor(format, "word"),
    write: (w) => {
      w.u8(words.length).u8(dwords.length);
      for (const x of words) w.device(x.ref).u16(x.value);
      for (const x of dwords) w.device(x.ref).u32(x.value);
    },
    read: () => undefined,
  };
}

export interface BitWrite {
  readonly ref: DeviceRef;
  readonly value: boolean;
}

/** 1402 in bit units: scattered bits; the value is 1 byte on Q/L and 2 bytes on iQ-R. */
export function randomWriteBits(format: WireFormat, bits: readonly BitWrite[]): Command<void> {
  checkPoints(bits.length, "random write");
  const iqr = format.series === "iqr";
  return {
    name: "random write (bits)",
    command: CMD.RANDOM_WRITE,
    subcommand: subcommandFor(format, "bit"),
    write: (w) => {
      w.u8(bits.length);
      for (const x of bits) {
        w.device(x.ref);
        if (iqr) w.u16(x.value ? 1 : 0);
        else w.u8(x.value ? 1 : 0);
      }
    },
    read: () => undefined,
  };
}

export interface Block {
  readonly ref: DeviceRef;
  /** Word blocks: words. Bit blocks: 16-point words. */
  readonly points: number;
}

export interface MultiBlockResult {
  /** One array of words per word block. */
  readonly wordBlocks: number[][];
  /** One array of 16-bit words per bit block (bit 0 of word 0 = the block's first device). */
  readonly bitBlocks: number[][];
}

/** 0406: several contiguous blocks of word devices and of bit devices (bits read in 16-point words). */
export function multiBlockRead(
  format: WireFormat,
  wordBlocks: readonly Block[],
  bitBlocks: readonly Block[],
): Command<MultiBlockResult> {
  checkPoints(wordBlocks.length + bitBlocks.length, "multi-block read");
  return {
    name: "multi-block read",
    command: CMD.MULTI_BLOCK_READ,
    subcommand: subcommandFor(format, "word"),
    words: [...wordBlocks, ...bitBlocks].reduce((n, b) => n + b.points, 0),
    write: (w) => {
      w.u8(wordBlocks.length).u8(bitBlocks.length);
      for (const b of wordBlocks) w.device(b.ref).u16(b.points);
      for (const b of bitBlocks) w.device(b.ref).u16(b.points);
    },
    read: (r) => ({
      wordBlocks: wordBlocks.map((b) => r.words(b.points)),
      bitBlocks: bitBlocks.map((b) => r.words(b.points)),
    }),
  };
}

export interface CpuModel {
  /** Model name, trailing spaces removed, e.g. "Q03UDVCPU". */
  readonly model: string;
  readonly modelCode: number;
}

export function readCpuModel(): Command<CpuModel> {
  return {
    name: "read CPU model",
    command: CMD.READ_CPU_MODEL,
    subcommand: 0,
    write: () => undefined,
    read: (r) => {
      // CPUs pad the 16 characters with spaces, some with NULs: trim either.
      const model = r
        .raw(16)
        .toString("latin1")
        .replace(/[\s\0]+$/, "");
      return { model, modelCode: r.u16() };
    },
  };
}

/** 0619: the PLC echoes 1–960 characters (0-9, A-F). */
export function loopback(data: string): Command<string> {
  if (!/^[0-9A-F]{1,960}$/.test(data)) {
    throw new McValueError("loopback data must be 1–960 characters 0-9/A-F");
  }
  return {
    name: "loopback",
    command: CMD.LOOPBACK,
    subcommand: 0,
    write: (w) => w.u16(data.length).raw(Buffer.from(data, "latin1")),
    read: (r) => {
      const n = r.u16();
      return r.raw(n).toString("latin1");
    },
  };
}

export type RemoteOperation = "run" | "stop" | "pause" | "latch-clear" | "reset";

/** Remote RUN's clear mode: 00 no clear, 01 clear outside the latch range, 02 clear all devices. */
export type ClearMode = "none" | "outside-latch" | "all";

export const CLEAR_MODES: Record<ClearMode, number> = { none: 0, "outside-latch": 1, all: 2 };

const REMOTE: Record<RemoteOperation, number> = {
  run: CMD.REMOTE_RUN,
  stop: CMD.REMOTE_STOP,
  pause: CMD.REMOTE_PAUSE,
  "latch-clear": CMD.REMOTE_LATCH_CLEAR,
  reset: CMD.REMOTE_RESET,
};

/**
 * 1001 RUN (mode, clear mode, fixed 00), 1002 STOP, 1003 PAUSE (mode), 1005 LATCH CLEAR and 1006 RESET
 * (fixed 0001). `force` (mode 0003) overrides another station's remote STOP/PAUSE; LATCH CLEAR and
 * RESET need the CPU in STOP, and RESET's answer may never come (the CPU restarts). iQ-R MC manual
 * p.174–178; docs/PROTOCOL.md.
 */
export function remoteOperation(
  op: RemoteOperation,
  force = false,
  clear: ClearMode = "none",
): Command<void> {
  const command = REMOTE[op];
  if (command === undefined) throw new McValueError(`unknown remote operation "${String(op)}"`);
  const mode = force && (op === "run" || op === "pause") ? 3 : 1;
  if (clear !== "none" && op !== "run") throw new McValueError("a clear mode applies to remote RUN only");
  const clearCode = CLEAR_MODES[clear];
  if (clearCode === undefined) throw new McValueError(`unknown clear mode "${String(clear)}"`);
  return {
    name: `remote ${op.toUpperCase()}`,
    command,
    subcommand: 0,
    write: (w) => {
      w.u16(mode);
      if (op === "run") w.u8(clearCode).u8(0);
    },
    read: () => undefined,
  };
}
