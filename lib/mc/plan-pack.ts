/**
 * The arithmetic behind the read planner: which word ranges to read and how to pack them into requests,
 * plus a lower bound on the request count that any plan with the same commands and limits must meet.
 * Everything is in word units; bit devices are addressed by 16-point word index. See docs/PLANNER.md.
 */
import { type Device } from "./devices";
import { type RequestLimits } from "./limits";

/** A contiguous run of words on one device. For bit devices `start` is the word index (point / 16). */
export interface Piece {
  readonly device: Device;
  readonly start: number;
  readonly len: number;
}

/** Sorts and merges pieces of the same device whose gap is at most `maxGap` words (0: only touching ones). */
export function mergePieces(pieces: readonly Piece[], maxGap: number): Piece[] {
  const sorted = [...pieces].sort((a, b) => a.device.name.localeCompare(b.device.name) || a.start - b.start);
  const out: Piece[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.device === p.device && p.start <= last.start + last.len + maxGap) {
      const end = Math.max(last.start + last.len, p.start + p.len);
      out[out.length - 1] = { device: last.device, start: last.start, len: end - last.start };
    } else out.push(p);
  }
  return out;
}

/** One 0406 (or, with a single block, 0401) request under construction. */
class Bin {
  readonly pieces: Piece[] = [];
  /** Gap before pieces[i] (to pieces[i-1] on the same device), bridgeable; sorted by size. */
  private gaps: { size: number; index: number }[] = [];
  private needed = 0;
  private bridged = 0;
  private bridgedWords = 0;

  constructor(private readonly limits: RequestLimits) {}

  get blocks(): number {
    return this.pieces.length - this.bridged;
  }
  get points(): number {
    return this.needed + this.bridgedWords;
  }

  /**
   * Adds a piece if the limits allow, bridging the smallest gaps inside this request when it has run out
   * of blocks but not of points: there, reading a gap costs nothing another piece could have used.
   */
  tryAdd(p: Piece, reserveBlocks: number, maxBridge: number): boolean {
    const last = this.pieces[this.pieces.length - 1];
    const gaps = [...this.gaps];
    if (last && last.device === p.device && p.start >= last.start + last.len) {
      const size = p.start - last.start - last.len;
      if (size <= maxBridge) {
        const at = gaps.findIndex((g) => g.size > size);
        gaps.splice(at < 0 ? gaps.length : at, 0, { size, index: this.pieces.length });
      }
    }
    const blockLimit = this.limits.multiBlockBlocks - reserveBlocks;
    const bridges = Math.max(0, this.pieces.length + 1 - blockLimit);
    if (bridges > gaps.length) return false;
    let bridgedWords = 0;
    for (let i = 0; i < bridges; i++) bridgedWords += gaps[i]!.size;
    if (this.needed + p.len + bridgedWords > this.limits.multiBlockPoints) return false;
    this.pieces.push(p);
    this.gaps = gaps;
    this.needed += p.len;
    this.bridged = bridges;
    this.bridgedWords = bridgedWords;
    return true;
  }

  /** Appends a piece without bridging (fillers); the caller keeps within the limits. */
  add(p: Piece): void {
    this.pieces.push(p);
    this.needed += p.len;
  }

  /** The blocks to request: pieces joined across the bridged gaps. */
  blocksToRead(): Piece[] {
    const bridgedBefore = new Set(this.gaps.slice(0, this.bridged).map((g) => g.index));
    const out: Piece[] = [];
    this.pieces.forEach((p, i) => {
      if (bridgedBefore.has(i)) {
        const prev = out[out.length - 1]!;
        out[out.length - 1] = { device: prev.device, start: prev.start, len: p.start + p.len - prev.start };
      } else out.push(p);
    });
    return out;
  }
}

/**
 * Packs pieces into requests of at most `multiBlockPoints` words and `multiBlockBlocks` blocks.
 * Small pieces go in address order, so neighbours share a request and can be bridged; pieces of at
 * least `bigLen` words are cut to fill whatever points a request has left once its blocks run out.
 */
export function packBlocks(
  pieces: readonly Piece[],
  limits: RequestLimits,
  bigLen: number,
  maxBridge: number,
): Piece[][] {
  const cap = limits.multiBlockPoints;
  const threshold = Math.min(bigLen, cap + 1);
  const small = pieces.filter((p) => p.len < threshold);
  const big = pieces.filter((p) => p.len >= threshold).sort((a, b) => b.len - a.len);
  const out: Piece[][] = [];
  let next = 0;
  while (next < small.length || big.length > 0) {
    const bin = new Bin(limits);
    while (next < small.length && bin.tryAdd(small[next]!, big.length > 0 ? 1 : 0, maxBridge)) next++;
    while (big.length > 0 && bin.blocks < limits.multiBlockBlocks && bin.points < cap) {
      const p = big[0]!;
      const take = Math.min(p.len, cap - bin.points);
      bin.add({ device: p.device, start: p.start, len: take });
      if (take === p.len) big.shift();
      else big[0] = { device: p.device, start: p.start + take, len: p.len - take };
    }
    out.push(bin.blocksToRead());
  }
  return out;
}

/** Splits `pieces` (each ≤ 2 words) into 0403 requests of at most `randomReadPoints` points. */
export function packRandom(pieces: readonly Piece[], limits: RequestLimits): Piece[][] {
  const out: Piece[][] = [];
  for (let i = 0; i < pieces.length; i += limits.randomReadPoints) {
    out.push(pieces.slice(i, i + limits.randomReadPoints));
  }
  return out;
}

/** Fewest pieces of at most `maxLen` words that cover every island (greedy interval cover, optimal). */
function minWindows(islands: readonly Piece[], maxLen: number): number {
  let count = 0;
  let coveredTo = -1;
  let device: Device | undefined;
  for (const p of islands) {
    if (p.device !== device) {
      device = p.device;
      coveredTo = -1;
    }
    let from = Math.max(p.start, coveredTo);
    const end = p.start + p.len;
    while (from < end) {
      count++;
      coveredTo = from + maxLen;
      from = coveredTo;
    }
  }
  return count;
}

/**
 * A lower bound on the number of requests (0401 word/bit units, 0403, 0406) needed to read `islands`
 * (sorted, merged with gap 0). Each request is charged a·(pieces it reads) + b·(words it reads), with
 * (a, b) chosen so that no request the limits allow costs more than 1; the cheapest covering then bounds
 * the request count from below. docs/PLANNER.md has the argument.
 */
export function lowerBound(islands: readonly Piece[], limits: RequestLimits): number {
  if (islands.length === 0) return 0;
  const words = islands.reduce((s, p) => s + p.len, 0);
  const maxLen = Math.max(limits.batchWords, limits.multiBlockPoints);
  const windows = minWindows(islands, maxLen);
  const gaps: number[] = [];
  for (let i = 1; i < islands.length; i++) {
    const [p, q] = [islands[i - 1]!, islands[i]!];
    if (p.device === q.device) gaps.push(q.start - p.start - p.len);
  }
  const firsts = islands.length - gaps.length;
  const R = limits.randomReadPoints;
  let best = Math.ceil(words / maxLen);
  // ratio = a/b: the gap size at which bridging and a new piece cost the same. Sample it densely.
  const ratios = [0];
  for (let r = 0.25; r <= 4 * maxLen; r *= 1.05) ratios.push(r);
  for (const ratio of ratios) {
    const b =
      1 /
      Math.max(
        ratio + limits.batchWords,
        ratio * limits.multiBlockBlocks + limits.multiBlockPoints,
        ratio * R + 2 * R,
        ratio + Math.ceil(limits.batchBits / 16) + 1,
      );
    const a = ratio * b;
    let relaxed = firsts * a + words * b;
    for (const g of gaps) relaxed += Math.min(a, g * b);
    const windowed = windows * a + words * b;
    best = Math.max(best, Math.ceil(Math.max(relaxed, windowed) - 1e-9));
  }
  return best;
}
