/**
 * Packing for the read planner: which word ranges to read and how to pack them into the fewest
 * 0401/0403/0406 requests the limits allow. The bound it is measured against is in plan-bound.ts;
 * docs/PLANNER.md explains both.
 */
import { type RequestLimits } from "./limits";
import { byAddress, gapBetween, type Layout, type Piece } from "./plan-pieces";

/** 0403 points an island needs: double words, plus a word when its length is odd. */
function pointsOf(p: Piece): number {
  return Math.ceil(p.len / 2);
}

/**
 * Islands 0403 may take, most isolated first: an island far from its neighbours would cost a whole
 * 0406 block (or a long bridge), while one between close neighbours is nearly free to bridge to.
 * Islands over 4 words stay in 0406, where their words cost less than their 0403 points would.
 */
function randomCandidates(islands: readonly Piece[]): number[] {
  const isolation = islands.map((p, i) =>
    Math.min(gapBetween(islands[i - 1], p) ?? Infinity, gapBetween(p, islands[i + 1]) ?? Infinity),
  );
  const out: number[] = [];
  islands.forEach((p, i) => {
    if (p.len <= 4) out.push(i);
  });
  return out.sort((x, y) => isolation[y]! - isolation[x]! || islands[x]!.len - islands[y]!.len || x - y);
}

/**
 * Fills up to `count` bins from `ranges`, bridging nothing; a range that overflows a bin's points is cut
 * there (one extra block). "balanced": each bin keeps its share of points used in step with its share
 * of blocks, taking the largest range left while points lag and the smallest otherwise, so bins end full
 * in both. "smallFirst": the smallest ranges while one block is left, then the largest as fillers; this
 * wins when a few long arrays must soak up the points that many tiny ranges leave. Undefined when
 * `count` bins are not enough.
 */
function fillBins(
  ranges: readonly Piece[],
  limits: RequestLimits,
  count: number,
  mode: "balanced" | "smallFirst",
): Piece[][] | undefined {
  const cap = limits.multiBlockPoints;
  const maxBlocks = limits.multiBlockBlocks;
  const sorted = [...ranges].sort((a, b) => b.len - a.len || byAddress(a, b));
  let head = 0;
  let tail = sorted.length - 1;
  const bins: Piece[][] = [];
  while (head <= tail) {
    if (bins.length === count) return undefined;
    const bin: Piece[] = [];
    let words = 0;
    while (head <= tail && bin.length < maxBlocks && words < cap) {
      const wantWords =
        mode === "balanced"
          ? words * maxBlocks <= bin.length * cap
          : bin.length >= maxBlocks - 1 || head === tail;
      const at = wantWords ? head : tail;
      const p = sorted[at]!;
      const take = Math.min(p.len, cap - words);
      bin.push(take === p.len ? p : { device: p.device, start: p.start, len: take });
      words += take;
      if (take < p.len) sorted[at] = { device: p.device, start: p.start + take, len: p.len - take };
      else if (at === head) head++;
      else tail--;
    }
    bins.push(bin);
  }
  return bins;
}

/** One 0406/0401 request filled in address order, bridging its own smallest gaps when out of blocks. */
class OrderedBin {
  readonly pieces: Piece[] = [];
  /** Gaps before pieces[index] (same device as pieces[index - 1]), smallest first. */
  private gaps: { size: number; index: number }[] = [];
  private data = 0;
  private bridges = 0;
  private bridgedWords = 0;
  private fillers = 0;

  constructor(private readonly limits: RequestLimits) {}

  get blocks(): number {
    return this.pieces.length - this.bridges + this.fillers;
  }
  get words(): number {
    return this.data + this.bridgedWords;
  }

  /**
   * The most words of `p` this bin can take with `reserve` blocks kept free (0: none): reading a gap
   * inside a request that has run out of blocks costs points nothing else in it needs.
   */
  room(
    p: Piece,
    reserve: number,
  ):
    | { take: number; gaps: { size: number; index: number }[]; bridges: number; bridgedWords: number }
    | undefined {
    const gaps = [...this.gaps];
    const size = gapBetween(this.pieces[this.pieces.length - 1], p);
    if (size !== undefined && size >= 0) {
      let at = gaps.findIndex((g) => g.size > size);
      if (at < 0) at = gaps.length;
      gaps.splice(at, 0, { size, index: this.pieces.length });
    }
    const bridges = Math.max(0, this.pieces.length + 1 - (this.limits.multiBlockBlocks - reserve));
    if (bridges > gaps.length) return undefined;
    let bridgedWords = 0;
    for (let i = 0; i < bridges; i++) bridgedWords += gaps[i]!.size;
    const take = Math.min(p.len, this.limits.multiBlockPoints - this.data - bridgedWords);
    return take >= 1 ? { take, gaps, bridges, bridgedWords } : undefined;
  }

  add(p: Piece, fit: NonNullable<ReturnType<OrderedBin["room"]>>): void {
    this.pieces.push(fit.take === p.len ? p : { device: p.device, start: p.start, len: fit.take });
    this.gaps = fit.gaps;
    this.data += fit.take;
    this.bridges = fit.bridges;
    this.bridgedWords = fit.bridgedWords;
  }

  /** A filler: a whole block of its own, never bridged. */
  addFiller(p: Piece): void {
    this.fillerPieces.push(p);
    this.data += p.len;
    this.fillers++;
  }
  private readonly fillerPieces: Piece[] = [];

  /** The blocks to request: pieces joined across the bridged gaps, then the fillers. */
  blocksToRead(): Piece[] {
    const bridged = new Set(this.gaps.slice(0, this.bridges).map((g) => g.index));
    const out: Piece[] = [];
    this.pieces.forEach((p, i) => {
      const last = out[out.length - 1];
      if (last && bridged.has(i)) {
        out[out.length - 1] = { device: p.device, start: last.start, len: p.start + p.len - last.start };
      } else out.push(p);
    });
    return [...out, ...this.fillerPieces];
  }
}

/**
 * Fills up to `count` bins in address order, each reaching as far as its blocks and points allow (so a
 * cut island costs one extra block). Islands of at least `bigLen` words wait aside and are cut to fill
 * the points a bin has left once its blocks run out. Undefined when `count` bins are not enough.
 */
function fillInOrder(
  islands: readonly Piece[],
  limits: RequestLimits,
  count: number,
  bigLen: number,
): Piece[][] | undefined {
  const small = islands.filter((p) => p.len < bigLen);
  const big = islands.filter((p) => p.len >= bigLen).sort((a, b) => b.len - a.len || byAddress(a, b));
  const bins: Piece[][] = [];
  let next = 0;
  let carry: Piece | undefined;
  while (next < small.length || big.length > 0) {
    if (bins.length === count) return undefined;
    const bin = new OrderedBin(limits);
    const reserve = big.length > 0 ? 1 : 0;
    while (next < small.length) {
      const p = carry ?? small[next]!;
      const fit = bin.room(p, reserve);
      if (!fit) break;
      bin.add(p, fit);
      if (fit.take === p.len) {
        next++;
        carry = undefined;
      } else {
        carry = { device: p.device, start: p.start + fit.take, len: p.len - fit.take };
        break;
      }
    }
    while (big.length > 0 && bin.blocks < limits.multiBlockBlocks && bin.words < limits.multiBlockPoints) {
      const p = big[0]!;
      const take = Math.min(p.len, limits.multiBlockPoints - bin.words);
      bin.addFiller({ device: p.device, start: p.start, len: take });
      if (take === p.len) big.shift();
      else big[0] = { device: p.device, start: p.start + take, len: p.len - take };
    }
    bins.push(bin.blocksToRead());
  }
  return bins;
}

/**
 * Packs `islands` into at most `count` 0406/0401 requests, or undefined. How many gaps to bridge is a
 * trade of blocks for points, so it tries the fewest bridges the block limit allows and then a spread
 * of more (always the smallest gaps first, which buys the most blocks per point).
 */
function packBlocksInto(
  islands: readonly Piece[],
  limits: RequestLimits,
  count: number,
): Piece[][] | undefined {
  if (islands.length === 0) return [];
  if (count === 0) return undefined;
  for (const bigLen of [Infinity, 256, 64, 16]) {
    const bins = fillInOrder(islands, limits, count, bigLen);
    if (bins) return bins;
  }
  const gaps: { size: number; index: number }[] = [];
  for (let i = 1; i < islands.length; i++) {
    const size = gapBetween(islands[i - 1], islands[i]);
    if (size !== undefined) gaps.push({ size, index: i });
  }
  gaps.sort((a, b) => a.size - b.size || a.index - b.index);
  const data = islands.reduce((s, p) => s + p.len, 0);
  const budget = limits.multiBlockPoints * count;
  let most = 0;
  for (let words = data; most < gaps.length && words + gaps[most]!.size <= budget; most++) {
    words += gaps[most]!.size;
  }
  if (data > budget) return undefined;
  const fewest = Math.min(most, Math.max(0, islands.length - limits.multiBlockBlocks * count));
  const tries = new Set<number>();
  const withCuts = Math.min(most, fewest + count - 1);
  for (const t of [fewest, withCuts]) tries.add(t);
  for (let j = 1; j <= 8; j++) tries.add(withCuts + Math.round(((most - withCuts) * j) / 8));
  for (const t of [...tries].sort((a, b) => a - b)) {
    const bridged = new Set(gaps.slice(0, t).map((g) => g.index));
    const ranges: Piece[] = [];
    islands.forEach((p, i) => {
      const last = ranges[ranges.length - 1];
      if (last && bridged.has(i)) {
        ranges[ranges.length - 1] = {
          device: p.device,
          start: last.start,
          len: p.start + p.len - last.start,
        };
      } else ranges.push(p);
    });
    const bins = fillBins(ranges, limits, count, "balanced") ?? fillBins(ranges, limits, count, "smallFirst");
    if (bins) return bins;
  }
  return undefined;
}

/** Splits islands of up to 4 words into 0403 points (double words, a word for an odd length). */
function randomPoints(islands: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of islands) {
    for (let at = 0; at < p.len; at += 2) {
      out.push({ device: p.device, start: p.start + at, len: Math.min(2, p.len - at) });
    }
  }
  return out;
}

/**
 * Joins ranges of one request whose gap is at most `maxGap` words, smallest gaps first, while the
 * request keeps within its points: fewer blocks for a few more words, when it costs no request.
 */
function bridgeWithin(bin: readonly Piece[], limits: RequestLimits, maxGap: number): Piece[] {
  const sorted = [...bin].sort(byAddress);
  let words = sorted.reduce((s, p) => s + p.len, 0);
  const gaps: { size: number; index: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const size = gapBetween(sorted[i - 1], sorted[i]);
    if (size !== undefined && size <= maxGap) gaps.push({ size, index: i });
  }
  gaps.sort((a, b) => a.size - b.size || a.index - b.index);
  const bridged = new Set<number>();
  for (const g of gaps) {
    if (words + g.size > limits.multiBlockPoints) break;
    words += g.size;
    bridged.add(g.index);
  }
  const out: Piece[] = [];
  sorted.forEach((p, i) => {
    const last = out[out.length - 1];
    if (last && bridged.has(i)) {
      out[out.length - 1] = { device: p.device, start: last.start, len: p.start + p.len - last.start };
    } else out.push(p);
  });
  return out;
}

/**
 * The fewest requests that read `islands` (sorted, merged with gap 0), searched from `atLeast` up: for
 * each request count, every split between 0403 requests (taking the most isolated small islands) and
 * 0406/0401 requests (taking the rest); the first that works wins. Gaps up to `maxGap` are then bridged
 * inside each request where its points allow.
 */
export function packReads(
  islands: readonly Piece[],
  limits: RequestLimits,
  maxGap: number,
  atLeast: number,
): Layout {
  if (islands.length === 0) return { blockRequests: [], randomRequests: [] };
  const candidates = randomCandidates(islands);
  const candidatePoints = candidates.reduce((s, i) => s + pointsOf(islands[i]!), 0);
  const R = limits.randomReadPoints;
  for (let count = Math.max(1, atLeast); ; count++) {
    const maxRandom = Math.min(count, Math.ceil(candidatePoints / R));
    for (let random = 0; random <= maxRandom; random++) {
      const taken = new Set<number>();
      let points = 0;
      for (const i of candidates) {
        const n = pointsOf(islands[i]!);
        if (points + n > random * R) continue;
        points += n;
        taken.add(i);
      }
      const rest = islands.filter((_, i) => !taken.has(i));
      const bins = packBlocksInto(rest, limits, count - random);
      if (!bins) continue;
      const blockRequests = bins.map((b) => bridgeWithin(b, limits, maxGap));
      // A bridge may have swallowed a word sent to 0403: no need to read it twice.
      const inBlocks = (p: Piece) =>
        blockRequests.some((r) =>
          r.some((q) => q.device === p.device && q.start <= p.start && p.start + p.len <= q.start + q.len),
        );
      const toRandom = randomPoints(islands.filter((_, i) => taken.has(i))).filter((p) => !inBlocks(p));
      // The first split that works uses the fewest 0403 requests: at the same count, 0406 keeps gaps up
      // to maxGap bridged as asked, and a small table stays one 0401/0406 as before.
      return { blockRequests, randomRequests: chunks(toRandom, R) };
    }
  }
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
