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
