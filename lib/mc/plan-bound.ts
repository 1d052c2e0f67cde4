/**
 * A lower bound on the request count that any plan with the same commands and limits must meet: the
 * yardstick for the packer (plan-pack.ts). docs/PLANNER.md has the argument.
 */
import { type Device } from "./devices";
import { type RequestLimits } from "./limits";
import { gapBetween, type Piece } from "./plan-pieces";

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
 * The most any request the limits allow can be charged when a piece of 1 word costs v1, of 2 words v2,
 * and of L ≥ 3 words a + b·L (a, b ≥ 0, v1 ≤ v2 ≤ 2·v1). 0406 mixes: with at least one long piece the
 * charge is linear in the numbers of short and long pieces, so a corner of {n1 + n2 + m ≤ blocks, m ≥ 1}
 * is the worst; the long pieces then hold the remaining points (≥ 3 each since points ≥ 3 × blocks).
 */
function worstRequest(limits: RequestLimits, a: number, b: number, v1: number, v2: number): number {
  const C = limits.multiBlockBlocks;
  const M = limits.multiBlockPoints;
  return Math.max(
    v2,
    a + Math.max(limits.batchWords, Math.ceil(limits.batchBits / 16) + 1) * b,
    limits.randomReadPoints * v2,
    C * v2,
    a + M * b,
    (C - 1) * v1 + a + (M - (C - 1)) * b,
    (C - 1) * v2 + a + (M - 2 * (C - 1)) * b,
    C * a + M * b,
  );
}

/**
 * Cheapest covering of the islands at those prices, relaxed so it can only come out lower. Per island:
 * either short pieces only, or inside long pieces: a new one, or the one from the previous island of
 * the device, paying b per gap word. Sound because with v1 ≥ b and v2 ≥ 2b no piece covers a word for
 * less than b, and every long piece pays its `a` at the first island it meets. The 960-word cap enters
 * only through islands longer than it: they need more long pieces, or short pieces at eps over b each.
 */
function cheapestCover(
  islands: readonly Piece[],
  maxLen: number,
  a: number,
  b: number,
  v1: number,
  v2: number,
): number {
  const eps = Math.min(v1 - b, v2 - 2 * b);
  let closed = 0;
  let open = Infinity;
  for (let i = 0; i < islands.length; i++) {
    const p = islands[i]!;
    const L = p.len;
    // k long pieces meet the island and short ones cover what they cannot: the charge is linear in k
    // up to K - 1 and a·K at K, so k = 1, K - 1 and K are the candidates. `fresh` starts all k here,
    // `extend` all but the one from the left.
    const K = Math.ceil(L / maxLen);
    const shorts = (k: number) => (eps * Math.max(0, L - k * maxLen)) / 2;
    const extra = Math.min(a * K, shorts(1) + a, K > 1 ? a * (K - 1) + shorts(K - 1) : Infinity);
    const short = Math.floor(L / 2) * v2 + (L % 2) * v1;
    const fresh = b * L + extra;
    const gap = gapBetween(islands[i - 1], p);
    const before = Math.min(closed, open);
    const extend = gap === undefined ? Infinity : open + b * (gap + L) + extra - a;
    closed = before + short;
    open = Math.min(before + fresh, extend);
  }
  return Math.min(closed, open);
}

/**
 * A lower bound on the number of requests (0401 word/bit units, 0403, 0406) needed to read `islands`
 * (sorted, merged with gap 0). Every piece a request reads is charged a price that depends only on its
 * length, with prices chosen so that no request the limits allow is charged more than 1; the cheapest
 * covering of the islands at those prices then bounds the request count from below. docs/PLANNER.md
 * has the argument; the scan over prices keeps the best bound.
 */
export function lowerBound(islands: readonly Piece[], limits: RequestLimits): number {
  if (islands.length === 0) return 0;
  const words = islands.reduce((s, p) => s + p.len, 0);
  const maxLen = Math.max(limits.batchWords, limits.multiBlockPoints);
  const windows = minWindows(islands, maxLen);
  // ratio = a/b: the gap at which bridging and a new piece cost the same; share: where the price of a
  // short piece sits between 2b (all words, no piece) and a + 2b (the long-piece formula). Any pair
  // gives a sound bound; a coarse grid and then a finer one around its best keep planning fast.
  const boundAt = (ratio: number, share: number): number => {
    const c = 2 + share * ratio;
    const v1 = Math.min(c, ratio + 1);
    const v2 = Math.min(c, ratio + 2);
    const b = 1 / worstRequest(limits, ratio, 1, v1, v2);
    const a = ratio * b;
    const cover = cheapestCover(islands, maxLen, a, b, v1 * b, v2 * b);
    const alpha = Math.min(a, (v1 - 1) * b, (v2 - 2) * b);
    return Math.max(cover, windows * alpha + words * b);
  };
  let best = words / maxLen;
  let at = { ratio: 0, share: 0 };
  const scan = (ratios: number[], shares: number[]) => {
    for (const ratio of ratios) {
      for (const share of shares) {
        const v = boundAt(ratio, share);
        if (v > best) [best, at] = [v, { ratio, share }];
      }
    }
  };
  const steps = (from: number, to: number, factor: number) => {
    const out: number[] = [];
    for (let r = from; r <= to; r *= factor) out.push(r);
    return out;
  };
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: Math.floor((to - from) / step + 1e-9) + 1 }, (_, i) => from + i * step);
  scan(steps(0.25, 4 * maxLen, 1.25), [0, 0.25, 0.5, 0.75, 1]);
  if (at.ratio > 0) {
    scan(
      steps(at.ratio / 1.25, at.ratio * 1.25, 1.02),
      range(Math.max(0, at.share - 0.25), Math.min(1, at.share + 0.25), 0.05),
    );
  }
  best = Math.ceil(best - 1e-9);
  while (best < islands.length && !pooledFits(islands, limits, best)) best++;
  return best;
}

/**
 * Whether `count` requests could read the islands if 0406 requests pooled their blocks and points:
 * a necessary condition, so a count that fails it is below the optimum. Exact on the part the prices
 * above only approximate: how many words the bridges cost for the blocks there are. With r of the
 * requests 0403, they take at most r·R islands and 2·r·R of the words; every gap left between the
 * other islands contains a gap of the original ones, so bridging b of them costs at least the b
 * smallest original gaps.
 */
function pooledFits(islands: readonly Piece[], limits: RequestLimits, count: number): boolean {
  const gaps: number[] = [];
  for (let i = 1; i < islands.length; i++) {
    const g = gapBetween(islands[i - 1], islands[i]);
    if (g !== undefined) gaps.push(g);
  }
  gaps.sort((x, y) => x - y);
  const prefix = [0];
  for (const g of gaps) prefix.push(prefix[prefix.length - 1]! + g);
  const data = islands.reduce((s, p) => s + p.len, 0);
  const R = limits.randomReadPoints;
  for (let random = 0; random <= count; random++) {
    const bins = count - random;
    const left = islands.length - Math.min(islands.length, random * R);
    const bridges = Math.max(0, left - limits.multiBlockBlocks * bins);
    if (bridges > gaps.length || (left > 0 && bins === 0)) continue;
    const words = Math.max(0, data - 2 * random * R) + prefix[bridges]!;
    if (words <= limits.multiBlockPoints * bins) return true;
  }
  return false;
}
