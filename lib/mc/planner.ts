/**
 * The read planner: turns a tag list into the fewest MC requests the protocol limits allow, runs them,
 * and hands back one result per tag. Strategy and lower bound: docs/PLANNER.md.
 */
import { batchReadWords, multiBlockRead, randomRead, type Command } from "./commands";
import { McAddressError, McEndCodeError, McError, McValueError } from "./errors";
import { limitsFor, type RequestLimits } from "./limits";
import { lowerBound, mergePieces, packBlocks, packRandom, type Piece } from "./plan-pack";
import { type Tag } from "./tags";
import { decodeBits, decodeTag, type TagValue } from "./values";
import { type DeviceRef, type WireFormat } from "./wire";

export { planWrites, type WriteItem } from "./plan-write";

export interface PlanOptions {
  /**
   * Neighbouring ranges on one device whose gap is at most this many words are read as one range.
   * Default 8 = 960 points / 120 blocks: in a 0406 request a block uses the same share of the request
   * as 8 words, so bridging a gap of up to 8 never costs more than the block it saves.
   */
  readonly maxGap?: number;
}

export const DEFAULT_MAX_GAP = 8;

/** Words read by one request, as delivered by its answer. */
export interface Segment {
  readonly device: DeviceRef["device"];
  /** Word index: the device number on word devices, point / 16 on bit devices. */
  readonly start: number;
  readonly words: readonly number[];
}

export interface PlannedRead {
  readonly command: Command<unknown>;
  /** The word ranges the request reads (for bit devices in 16-point words). */
  readonly blocks: readonly Piece[];
  /** Indexes into plan.tags of the tags whose words this request (partly) delivers. */
  readonly tagIndexes: readonly number[];
  /** Sends the command and returns what it read as segments. */
  run(send: Send): Promise<Segment[]>;
}

export interface ReadPlan {
  readonly format: WireFormat;
  readonly tags: readonly Tag[];
  readonly requests: readonly PlannedRead[];
  /** No plan using 0401/0403/0406 within the same limits needs fewer requests (docs/PLANNER.md). */
  readonly lowerBound: number;
  /** Words requested in total, gaps included (bit devices counted in 16-point words). */
  readonly wordsRead: number;
}

export type Send = <T>(cmd: Command<T>) => Promise<T>;

export type TagResult =
  { readonly ok: true; readonly value: TagValue } | { readonly ok: false; readonly error: McError };

/** The words a tag needs: word devices from its number, bit devices whole aligned 16-point words. */
function pieceOf(tag: Tag): Piece {
  const { device, number } = tag.ref;
  if (device.kind === "word") return { device, start: number, len: tag.words };
  const start = Math.floor(number / 16);
  return { device, start, len: Math.ceil((number + tag.points) / 16) - start };
}

function refOf(device: Piece["device"], wordIndex: number): DeviceRef {
  return { device, number: device.kind === "bit" ? wordIndex * 16 : wordIndex };
}

function checkSeries(tags: readonly Tag[], format: WireFormat): void {
  for (const t of tags) {
    if (t.ref.device.iqrOnly && format.series !== "iqr") {
      throw new McAddressError(`"${t.address}": device ${t.ref.device.name} needs series "iqr"`);
    }
  }
}

interface Layout {
  blockRequests: Piece[][];
  randomRequests: Piece[][];
}

function countOf(l: Layout): number {
  return l.blockRequests.length + l.randomRequests.length;
}

function wordsOf(l: Layout): number {
  let n = 0;
  for (const r of [...l.blockRequests, ...l.randomRequests]) for (const p of r) n += p.len;
  return n;
}

/**
 * Tries a handful of packings and keeps the one with the fewest requests (then the fewest words):
 * how many tiny ranges go to 0403 instead of 0406, which ranges count as big fillers, and whether a
 * full request may bridge gaps wider than maxGap.
 */
function chooseLayout(ranges: readonly Piece[], limits: RequestLimits, maxGap: number): Layout {
  const tiny = ranges.filter((p) => p.len <= 2).sort((a, b) => b.len - a.len);
  const tinySet = new Set(tiny);
  const rest = ranges.filter((p) => !tinySet.has(p));
  let best: Layout | undefined;
  const maxRandom = Math.ceil(tiny.length / limits.randomReadPoints);
  for (let r = 0; r <= maxRandom; r++) {
    const toRandom = tiny.slice(0, r * limits.randomReadPoints);
    const toBlocks = mergePieces([...rest, ...tiny.slice(toRandom.length)], 0);
    for (const bigLen of [16, 64, 256, Infinity]) {
      for (const maxBridge of [maxGap, Infinity]) {
        const layout = {
          blockRequests: packBlocks(toBlocks, limits, bigLen, maxBridge),
          randomRequests: packRandom(toRandom, limits),
        };
        if (
          !best ||
          countOf(layout) < countOf(best) ||
          (countOf(layout) === countOf(best) && wordsOf(layout) < wordsOf(best))
        ) {
          best = layout;
        }
      }
    }
  }
  return best!;
}

function blockRequest(format: WireFormat, blocks: Piece[]): Omit<PlannedRead, "tagIndexes"> {
  if (blocks.length === 1) {
    const [b] = blocks as [Piece];
    const command = batchReadWords(format, refOf(b.device, b.start), b.len);
    return {
      command,
      blocks,
      run: async (send) => [{ device: b.device, start: b.start, words: await send(command) }],
    };
  }
  const wordBlocks = blocks.filter((b) => b.device.kind === "word");
  const bitBlocks = blocks.filter((b) => b.device.kind === "bit");
  const spec = (bs: Piece[]) => bs.map((b) => ({ ref: refOf(b.device, b.start), points: b.len }));
  const command = multiBlockRead(format, spec(wordBlocks), spec(bitBlocks));
  return {
    command,
    blocks,
    run: async (send) => {
      const res = await send(command);
      const seg = (bs: Piece[], data: number[][]) =>
        bs.map((b, i) => ({ device: b.device, start: b.start, words: data[i]! }));
      return [...seg(wordBlocks, res.wordBlocks), ...seg(bitBlocks, res.bitBlocks)];
    },
  };
}

function randomRequest(format: WireFormat, pieces: Piece[]): Omit<PlannedRead, "tagIndexes"> {
  const words = pieces.filter((p) => p.len === 1);
  const dwords = pieces.filter((p) => p.len === 2);
  const refs = (ps: Piece[]) => ps.map((p) => refOf(p.device, p.start));
  const command = randomRead(format, refs(words), refs(dwords));
  return {
    command,
    blocks: [...words, ...dwords],
    run: async (send) => {
      const res = await send(command);
      return [
        ...words.map((p, i) => ({ device: p.device, start: p.start, words: [res.words[i]!] })),
        ...dwords.map((p, i) => ({
          device: p.device,
          start: p.start,
          words: [res.dwords[i]! & 0xffff, res.dwords[i]! >>> 16],
        })),
      ];
    },
  };
}

function overlaps(a: Piece, b: Piece): boolean {
  return a.device === b.device && a.start < b.start + b.len && b.start < a.start + a.len;
}

/** Plans the requests that read `tags`. Throws McAddressError for devices the series cannot address. */
export function planReads(tags: readonly Tag[], format: WireFormat, options: PlanOptions = {}): ReadPlan {
  checkSeries(tags, format);
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  if (!Number.isInteger(maxGap) || maxGap < 0)
    throw new McValueError(`maxGap must be an integer ≥ 0, got ${maxGap}`);
  const limits = limitsFor(format);
  const needs = tags.map(pieceOf);
  const islands = mergePieces(needs, 0);
  const layout = chooseLayout(mergePieces(islands, maxGap), limits, maxGap);
  const built = [
    ...layout.blockRequests.map((bs) => blockRequest(format, bs)),
    ...layout.randomRequests.map((ps) => randomRequest(format, ps)),
  ];
  const requests = built.map((r) => ({
    ...r,
    tagIndexes: needs.flatMap((n, i) => (r.blocks.some((b) => overlaps(b, n)) ? [i] : [])),
  }));
  return { format, tags, requests, lowerBound: lowerBound(islands, limits), wordsRead: wordsOf(layout) };
}

/** Copies the tag's words out of the segments; undefined when some word was not delivered. */
function gather(need: Piece, segments: readonly Segment[]): number[] | undefined {
  const out = new Array<number>(need.len);
  let filled = 0;
  for (const s of segments) {
    if (s.device !== need.device) continue;
    const from = Math.max(s.start, need.start);
    const to = Math.min(s.start + s.words.length, need.start + need.len);
    for (let i = from; i < to; i++) {
      if (out[i - need.start] === undefined) filled++;
      out[i - need.start] = s.words[i - s.start]!;
    }
  }
  return filled === need.len ? out : undefined;
}

function decode(tag: Tag, need: Piece, words: readonly number[]): TagValue {
  if (tag.ref.device.kind === "word") return decodeTag(tag, words);
  const offset = tag.ref.number - need.start * 16;
  const bits = Array.from({ length: tag.points }, (_, i) => {
    const p = offset + i;
    return ((words[p >> 4]! >> (p & 15)) & 1) === 1;
  });
  return decodeBits(tag, bits);
}

function asMcError(err: unknown): McError {
  if (err instanceof McError) return err;
  return new McError("MC_PROTOCOL", err instanceof Error ? err.message : String(err));
}

function withTag(tag: Tag, err: McError): McError {
  if (err instanceof McEndCodeError) return new McEndCodeError(err.endCode, `"${tag.address}": `);
  return err;
}

async function readAlone(plan: ReadPlan, index: number, send: Send): Promise<TagResult> {
  const tag = plan.tags[index]!;
  const alone = planReads([tag], plan.format);
  try {
    const segments = (await Promise.all(alone.requests.map((r) => r.run(send)))).flat();
    return resolve(tag, segments);
  } catch (err) {
    return { ok: false, error: withTag(tag, asMcError(err)) };
  }
}

function resolve(tag: Tag, segments: readonly Segment[]): TagResult {
  const need = pieceOf(tag);
  const words = gather(need, segments);
  if (!words)
    return {
      ok: false,
      error: new McError("MC_PROTOCOL", `"${tag.address}": words missing from the answer`),
    };
  try {
    return { ok: true, value: decode(tag, need, words) };
  } catch (err) {
    return { ok: false, error: asMcError(err) };
  }
}

/**
 * Runs a read plan. Requests go out together (the client serialises them where the frame type needs it).
 * A PLC end code on a request shared by several tags re-reads each of those tags alone, once, so only
 * the tags that really fail carry the error; connection and time-out errors fail the request's tags.
 */
export async function executeReadPlan(plan: ReadPlan, send: Send): Promise<TagResult[]> {
  const outcomes = await Promise.all(
    plan.requests.map((r) =>
      r.run(send).then(
        (segments) => ({ segments, error: undefined }),
        (err: unknown) => ({ segments: [] as Segment[], error: asMcError(err) }),
      ),
    ),
  );
  const segments = outcomes.flatMap((o) => o.segments);
  const failure = new Map<number, { error: McError; shared: boolean }>();
  plan.requests.forEach((r, i) => {
    const error = outcomes[i]!.error;
    if (!error) return;
    for (const t of r.tagIndexes) {
      if (!failure.has(t)) failure.set(t, { error, shared: r.tagIndexes.length > 1 });
    }
  });
  return Promise.all(
    plan.tags.map((tag, i): TagResult | Promise<TagResult> => {
      const f = failure.get(i);
      if (!f) return resolve(tag, segments);
      if (f.error instanceof McEndCodeError && f.shared) return readAlone(plan, i, send);
      return { ok: false, error: withTag(tag, f.error) };
    }),
  );
}
