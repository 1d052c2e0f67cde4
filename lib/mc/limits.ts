/** Per-request limits (R/Q/L via Ethernet, ../shared/MC-PROTOCOL.md). The planner never exceeds them. */
import { type WireFormat } from "./wire";

export interface RequestLimits {
  /** 0401/1401 in word units (a bit device read in words: 16 points per word). */
  readonly batchWords: number;
  /** 0401/1401 in bit units. */
  readonly batchBits: number;
  /** 0403: words + double words. */
  readonly randomReadPoints: number;
  /** 1402 words: words × 12 + dwords × 14 must not exceed this. */
  readonly randomWriteWordCost: number;
  /** 1402 bits: points. */
  readonly randomWriteBits: number;
  /** 0406: total points (bit blocks counted in 16-point words). */
  readonly multiBlockPoints: number;
  /** 0406: blocks (word + bit). Commonly cited, unverified on hardware. */
  readonly multiBlockBlocks: number;
}

function limits(iqr: boolean, ascii: boolean): RequestLimits {
  return {
    batchWords: 960,
    batchBits: ascii ? 3584 : 7168,
    randomReadPoints: iqr ? 96 : 192,
    randomWriteWordCost: iqr ? 960 : 1920,
    randomWriteBits: iqr ? 94 : 188,
    multiBlockPoints: 960,
    multiBlockBlocks: 120,
  };
}

// Made once: the simulator asks for them on every request.
const LIMITS = {
  ql: { binary: limits(false, false), ascii: limits(false, true) },
  iqr: { binary: limits(true, false), ascii: limits(true, true) },
} as const;

export function limitsFor(format: WireFormat): RequestLimits {
  return LIMITS[format.series === "iqr" ? "iqr" : "ql"][format.encoding === "ascii" ? "ascii" : "binary"];
}

/**
 * 1E per-request limits. These are the FX3U-ENET(-ADP)'s, the smallest of the 1E targets (Q/L E71
 * modules take 256 words), so one set serves every 1E PLC. Source: FX3U-ENET-ADP manual §7.4 command
 * table (docs/PROTOCOL.md). 1E has no random read and no multi-block read.
 */
export const LIMITS_1E = {
  /** 01 on a word device, 03 on a word device: words. */
  wordDeviceWords: 64,
  /** 01 on a bit device: 16-point words (512 points). */
  bitDeviceWords: 32,
  /** 00 batch read in bit units: points. */
  readBits: 256,
  /** 02 batch write in bit units: points. */
  writeBits: 160,
  /** 03 on a bit device: 16-point words (160 points). */
  writeBitDeviceWords: 10,
  /** 05 test in word units: points (a word each). */
  testWords: 10,
  /** 04 test in bit units: points. */
  testBits: 80,
} as const;
