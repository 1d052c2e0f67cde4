/**
 * The read planner: turns a tag list into the fewest MC requests the protocol limits allow, runs them,
 * and hands back one result per tag. Strategy and lower bound: docs/PLANNER.md.
 *
 * Planning and executing a plan stay together (~520 lines): the plan's slices are the
 * contract between the two; packing and the lower bound are in plan-pack.ts and plan-bound.ts.
 */
import { batchReadWords, multiBlockRead, randomRead, type Command } from "./commands";
import { batchReadWords1E, require1ECode } from "./commands-1e";
import { McAddressError, McEndCodeError, McError, McValueError, asMcError } from "./errors";
import { limitsFor } from "./limits";
import { pack1E, planWrites1E } from "./plan-1e";
import { lowerBound } from "./plan-bound";
import { packReads } from "./plan-pack";
import { type Layout, mergePieces, type Piece, wordsOf } from "./plan-pieces";
import { packWindows } from "./plan-windows";
import { planWrites as planWrites3E, type WriteItem } from "./plan-write";
import { type Reply } from "./client";
import { type Tag } from "./tags";
import { decodeBits, decodeTag, type TagValue } from "./values";
import { type DeviceRef, type WireFormat } from "./wire";

export { type WriteItem } from "./plan-write";

/**
 * Plans the commands that write `items` (1E: batch and test writes; 3E/4E: 1401 and 1402). Throws
 * McValueError for values that do not fit and for overlapping items. Writes are not atomic across commands.
 */
export function planWrites(items: readonly WriteItem[], format: WireFormat): Command<void>[] {
  checkSeries(
    items.map((i) => i.tag),
    format,
  );
  return format.frame === "1E" ? planWrites1E(items) : planWrites3E(items, format);
}

export interface PlanOptions {
  /**
   * Neighbouring ranges of one request on one device whose gap is at most this many words are read as
   * one range when the request has the points for it. Wider gaps, and gaps anywhere when that saves a
   * request, are bridged by the packer on capacity alone. Default 8 = 960 points / 120 blocks: in a 0406
   * request a block uses the same share of the request as 8 words.
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
  /** The word ranges the request reads (for bit devices in 16-point words), in the order `run` returns them. */
  readonly blocks: readonly Piece[];
  /** Indexes into plan.tags of the tags whose words this request (partly) delivers. */
  readonly tagIndexes: readonly number[];
  /** Sends the command and returns what it read as segments. */
  run(send: Send): Promise<Segment[]>;
  /** run() without the sending: the command's answer as segments (executeReadPlan sends for itself). */
  readonly segmentsOf?: (answer: unknown) => Segment[];
}

export interface ReadPlan {
  readonly format: WireFormat;
  readonly tags: readonly Tag[];
  readonly requests: readonly PlannedRead[];
  /** No plan using 0401/0403/0406 (1E: 01) within the same limits needs fewer requests (docs/PLANNER.md). */
  readonly lowerBound: number;
  /** Words requested in total, gaps included (bit devices counted in 16-point words). */
  readonly wordsRead: number;
  /** Per tag (same order as `tags`), where its words sit in the requests' answers. */
  readonly slices: readonly (readonly TagSlice[])[];
}

/** `len` words of a tag, from word `at` of the tag, found at `from` in segment `segment` of a request. */
export interface TagSlice {
  readonly request: number;
  /** Index into the request's `blocks`, which is also the order of the segments `run` returns. */
  readonly segment: number;
  readonly from: number;
  readonly at: number;
  readonly len: number;
}

export type Send = <T>(cmd: Command<T>) => Promise<T>;

/**
 * A PLC pool or client as a plan's sender. With `submit`, a one-request plan is read by callback and
 * settles with a single promise: the hot path of every small group and handshake REQ watch.
 */
export interface RequestTarget {
  request<T>(cmd: Command<T>, owner?: string): Promise<T>;
  submit?<T, C>(cmd: Command<T>, owner: string | undefined, reply: Reply<T, C>, context: C): void;
}

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
    if (format.frame === "1E") {
      try {
        require1ECode(t.ref.device);
      } catch (err) {
        throw new McAddressError(`"${t.address}": ${(err as Error).message}`);
      }
    }
    if (t.ref.device.iqrOnly && format.series !== "iqr") {
      throw new McAddressError(`"${t.address}": device ${t.ref.device.name} needs series "iqr"`);
    }
  }
}

function planned<T>(
  command: Command<T>,
  blocks: readonly Piece[],
  segmentsOf: (answer: T) => Segment[],
): Omit<PlannedRead, "tagIndexes"> {
  return {
    command,
    blocks,
    run: (send) => send(command).then(segmentsOf),
    segmentsOf: segmentsOf as (answer: unknown) => Segment[],
  };
}

function blockRequest(format: WireFormat, blocks: Piece[]): Omit<PlannedRead, "tagIndexes"> {
  if (blocks.length === 1) {
    const [b] = blocks as [Piece];
    const ref = refOf(b.device, b.start);
    const command = format.frame === "1E" ? batchReadWords1E(ref, b.len) : batchReadWords(format, ref, b.len);
    return planned(command, blocks, (words) => [{ device: b.device, start: b.start, words }]);
  }
  const wordBlocks = blocks.filter((b) => b.device.kind === "word");
  const bitBlocks = blocks.filter((b) => b.device.kind === "bit");
  const spec = (bs: Piece[]) => bs.map((b) => ({ ref: refOf(b.device, b.start), points: b.len }));
  const command = multiBlockRead(format, spec(wordBlocks), spec(bitBlocks));
  const seg = (bs: Piece[], data: number[][]) =>
    bs.map((b, i) => ({ device: b.device, start: b.start, words: data[i]! }));
  // In answer order, so segment i of run() is blocks[i] (the tag slices rely on it).
  return planned(command, [...wordBlocks, ...bitBlocks], (res) => [
    ...seg(wordBlocks, res.wordBlocks),
    ...seg(bitBlocks, res.bitBlocks),
  ]);
}

function randomRequest(format: WireFormat, pieces: Piece[]): Omit<PlannedRead, "tagIndexes"> {
  const words = pieces.filter((p) => p.len === 1);
  const dwords = pieces.filter((p) => p.len === 2);
  const refs = (ps: Piece[]) => ps.map((p) => refOf(p.device, p.start));
  const command = randomRead(format, refs(words), refs(dwords));
  return planned(command, [...words, ...dwords], (res) => [
    ...words.map((p, i) => ({ device: p.device, start: p.start, words: [res.words[i]!] })),
    ...dwords.map((p, i) => ({
      device: p.device,
      start: p.start,
      words: [res.dwords[i]! & 0xffff, res.dwords[i]! >>> 16],
    })),
  ]);
}

/**
 * Where each tag's words sit in the answers, worked out once per plan so a poll copies them straight
 * out instead of searching every segment for every tag. Indexed per word, so overlapping blocks (a
 * bridged gap over words another request reads too) need no special case.
 */
function sliceTags(needs: readonly Piece[], requests: readonly { blocks: readonly Piece[] }[]): TagSlice[][] {
  const at = new Map<Piece["device"], Map<number, { request: number; segment: number; from: number }>>();
  requests.forEach((r, request) =>
    r.blocks.forEach((piece, segment) => {
      let words = at.get(piece.device);
      if (!words)
        at.set(piece.device, (words = new Map<number, { request: number; segment: number; from: number }>()));
      for (let i = 0; i < piece.len; i++) {
        if (!words.has(piece.start + i)) words.set(piece.start + i, { request, segment, from: i });
      }
    }),
  );
  return needs.map((need) => {
    const words = at.get(need.device);
    const slices: TagSlice[] = [];
    for (let i = 0; i < need.len; i++) {
      const w = words?.get(need.start + i);
      if (!w) return [];
      const last = slices[slices.length - 1];
      if (
        last &&
        last.request === w.request &&
        last.segment === w.segment &&
        last.from + last.len === w.from
      ) {
        slices[slices.length - 1] = { ...last, len: last.len + 1 };
      } else slices.push({ request: w.request, segment: w.segment, from: w.from, at: i, len: 1 });
    }
    return slices;
  });
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
  let bound: number;
  let layout: Layout;
  if (format.frame === "1E") {
    // One batch read per request: the greedy cover is optimal, so its count is the bound (plan-1e.ts).
    layout = { blockRequests: pack1E(islands).map((p) => [p]), randomRequests: [] };
    bound = layout.blockRequests.length;
  } else {
    // Buffer memory (U\G) cannot share a request with plain devices: one 0401/0080 range per request.
    const plain = islands.filter((p) => p.device.module === undefined);
    const buffer = packWindows(
      islands.filter((p) => p.device.module !== undefined),
      () => limits.batchWords,
    );
    const plainBound = lowerBound(plain, limits);
    const packed = packReads(plain, limits, maxGap, plainBound);
    layout = { ...packed, blockRequests: [...packed.blockRequests, ...buffer.map((p) => [p])] };
    bound = plainBound + buffer.length;
  }
  const built = [
    ...layout.blockRequests.map((bs) => blockRequest(format, bs)),
    ...layout.randomRequests.map((ps) => randomRequest(format, ps)),
  ];
  const slices = sliceTags(needs, built);
  const tagIndexes = built.map((): number[] => []);
  slices.forEach((ss, i) => {
    for (const s of ss) {
      const list = tagIndexes[s.request]!;
      if (list[list.length - 1] !== i) list.push(i);
    }
  });
  const requests = built.map((r, i) => ({ ...r, tagIndexes: tagIndexes[i]! }));
  return { format, tags, requests, lowerBound: bound, wordsRead: wordsOf(layout), slices };
}

/** The tag's value from `words`, whose word `from` is word `start` of the tag's device. */
function decode(tag: Tag, start: number, words: readonly number[], from: number): TagValue {
  if (tag.ref.device.kind === "word") return decodeTag(tag, words, from);
  const offset = (from - start) * 16 + tag.ref.number;
  if (!tag.isArray) return ((words[offset >> 4]! >> (offset & 15)) & 1) === 1;
  const bits = new Array<boolean>(tag.points);
  for (let i = 0; i < tag.points; i++) {
    const p = offset + i;
    bits[i] = ((words[p >> 4]! >> (p & 15)) & 1) === 1;
  }
  return decodeBits(tag, bits);
}

function withTag(tag: Tag, err: McError): McError {
  if (err instanceof McEndCodeError)
    return new McEndCodeError(err.endCode, `"${tag.address}": `, err.frame1E);
  return err;
}

/** Tag `index` of `plan` from the requests' answers (segments per request, in `blocks` order). */
function resolve(plan: ReadPlan, index: number, answers: readonly (readonly Segment[])[]): TagResult {
  const tag = plan.tags[index]!;
  const slices = plan.slices[index]!;
  const need = pieceOf(tag);
  let words: readonly number[] | undefined;
  let from = 0;
  const first = slices[0];
  if (slices.length === 1 && first!.len === need.len) {
    // All in one segment: decoded where it lies in the answer, not copied out first.
    const seg = answers[first!.request]?.[first!.segment]?.words;
    if (seg && seg.length >= first!.from + need.len) {
      words = seg;
      from = first!.from;
    }
  } else {
    let filled = 0;
    const joined = new Array<number>(need.len);
    for (const s of slices) {
      const seg = answers[s.request]?.[s.segment]?.words;
      if (!seg || seg.length < s.from + s.len) break;
      for (let k = 0; k < s.len; k++) joined[s.at + k] = seg[s.from + k]!;
      filled += s.len;
    }
    if (filled === need.len) words = joined;
  }
  if (!words)
    return {
      ok: false,
      error: new McError("MC_PROTOCOL", `"${tag.address}": words missing from the answer`),
    };
  try {
    return { ok: true, value: decode(tag, need.start, words, from) };
  } catch (err) {
    return { ok: false, error: asMcError(err) };
  }
}

async function readAlone(plan: ReadPlan, index: number, send: Send): Promise<TagResult> {
  const tag = plan.tags[index]!;
  const alone = planReads([tag], plan.format);
  try {
    const answers = await Promise.all(alone.requests.map((r) => r.run(send)));
    return resolve(alone, 0, answers);
  } catch (err) {
    return { ok: false, error: withTag(tag, asMcError(err)) };
  }
}

/** What one request of a plan brought back: its segments, or the error it failed with. */
export type RequestOutcome =
  { readonly segments: Segment[]; readonly error?: undefined } | { readonly error: McError };

/** Sends one request of a plan; never rejects. */
export function runRequest(request: PlannedRead, send: Send): Promise<RequestOutcome> {
  return request.run(send).then(
    (segments) => ({ segments }),
    (err: unknown) => ({ error: asMcError(err) }),
  );
}

/**
 * The results of tags `indexes` of `plan`, once the requests they need have answered (`outcomes` by
 * request index; requests none of these tags need may be missing). A PLC end code on a request shared
 * by several tags re-reads each of those tags alone, once: `alone` keeps those re-reads, so callers that
 * resolve the tags of one plan in parts share them.
 */
export function resultsOf(
  plan: ReadPlan,
  indexes: readonly number[],
  outcomes: readonly (RequestOutcome | undefined)[],
  send: Send,
  alone: Map<number, Promise<TagResult>> = new Map(),
): Promise<TagResult[]> | TagResult[] {
  const answers = outcomes.map((o) => (o && !o.error ? o.segments : []));
  let retries = false;
  const results = indexes.map((i): TagResult | Promise<TagResult> => {
    let failed: { error: McError; shared: boolean } | undefined;
    for (const s of plan.slices[i]!) {
      const o = outcomes[s.request];
      if (o?.error) {
        failed = { error: o.error, shared: plan.requests[s.request]!.tagIndexes.length > 1 };
        break;
      }
    }
    if (!failed) return resolve(plan, i, answers);
    const tag = plan.tags[i]!;
    if (!(failed.error instanceof McEndCodeError && failed.shared)) {
      return { ok: false, error: withTag(tag, failed.error) };
    }
    retries = true;
    let retry = alone.get(i);
    if (!retry) alone.set(i, (retry = readAlone(plan, i, send)));
    return retry;
  });
  return retries ? Promise.all(results) : (results as TagResult[]);
}

/**
 * Runs a read plan. Requests go out together (the client serialises them where the frame type needs it).
 * A PLC end code on a request shared by several tags re-reads each of those tags alone, once, so only
 * the tags that really fail carry the error; connection and time-out errors fail the request's tags.
 */
export function executeReadPlan(
  plan: ReadPlan,
  target: Send | RequestTarget,
  owner?: string,
): Promise<TagResult[]> {
  if (typeof target === "function") return executeWith(plan, target);
  const r = plan.requests.length === 1 ? plan.requests[0]! : undefined;
  if (r?.segmentsOf && target.submit) return submitOne(plan, r, target, owner);
  return executeWith(plan, (cmd) => target.request(cmd, owner));
}

function executeWith(plan: ReadPlan, send: Send): Promise<TagResult[]> {
  const requests = plan.requests;
  if (requests.length !== 1) return executeMany(plan, send);
  // The common case of a small group or a single tag: no Promise.all round and no async frame, one
  // handler on the request's own promise.
  const r = requests[0]!;
  const segmentsOf = r.segmentsOf;
  const settled = (segments: readonly Segment[]) => settle(plan, [segments], undefined, send);
  const failed = (err: unknown) => settle(plan, [[]], [asMcError(err)], send);
  let answer: Promise<unknown>;
  try {
    answer = segmentsOf ? send(r.command) : r.run(send);
  } catch (err) {
    return Promise.resolve(failed(err)); // a send that throws fails the request, as a rejection would
  }
  if (!segmentsOf) return (answer as Promise<Segment[]>).then(settled, failed);
  return answer.then((a) => {
    let segments: Segment[];
    try {
      segments = segmentsOf(a);
    } catch (err) {
      return failed(err);
    }
    return settled(segments);
  }, failed);
}

/** A one-request plan being read by callback: the reply's context. */
interface OneRead {
  readonly plan: ReadPlan;
  readonly request: PlannedRead;
  readonly target: RequestTarget;
  readonly owner: string | undefined;
  done: (results: TagResult[] | Promise<TagResult[]>) => void;
}

/** A one-request plan by callback: its answer is decoded as it arrives (see onAnswer). */
function submitOne(
  plan: ReadPlan,
  request: PlannedRead,
  target: RequestTarget,
  owner: string | undefined,
): Promise<TagResult[]> {
  return new Promise((done) => {
    const read: OneRead = { plan, request, target, owner, done };
    try {
      target.submit!(request.command, owner, onAnswer, read);
    } catch (err) {
      failOne(read, asMcError(err)); // a submit that throws fails the request, as a rejection would
    }
  });
}

function onAnswer(read: OneRead, error: McError | undefined, answer: unknown): void {
  if (error) return failOne(read, asMcError(error));
  let results: TagResult[];
  try {
    results = settle(read.plan, [read.request.segmentsOf!(answer)], undefined, noRetries) as TagResult[];
  } catch (err) {
    return failOne(read, asMcError(err));
  }
  read.done(results);
}

/**
 * A failure is settled a microtask later, when a rejected promise's handler would run: after the
 * client's own reaction to it (a reset), and never inside the client's handling (see Reply).
 */
function failOne(read: OneRead, error: McError): void {
  const send: Send = (cmd) => read.target.request(cmd, read.owner);
  queueMicrotask(() => {
    try {
      read.done(settle(read.plan, [[]], [error], send));
    } catch (err) {
      read.done(Promise.reject(asMcError(err))); // as a throwing rejection handler would
    }
  });
}

/** settle() sends only to re-read the tags of a failed request: never with answers and no errors. */
const noRetries: Send = () => Promise.reject(new McError("MC_PROTOCOL", "no request is re-sent on success"));

async function executeMany(plan: ReadPlan, send: Send): Promise<TagResult[]> {
  const requests = plan.requests;
  const answers = new Array<readonly Segment[]>(requests.length);
  let errors: (McError | undefined)[] | undefined;
  const outcomes = await Promise.all(requests.map((r) => r.run(send).then(undefined, asMcError)));
  outcomes.forEach((o, i) => {
    if (o instanceof McError) {
      answers[i] = [];
      (errors ??= new Array<McError | undefined>(requests.length))[i] = o;
    } else answers[i] = o;
  });
  return settle(plan, answers, errors, send);
}

/**
 * The tags' results from the requests' answers; tags of a failed request carry its error, or are
 * re-read alone when the request was shared and failed on a PLC end code.
 */
function settle(
  plan: ReadPlan,
  answers: readonly (readonly Segment[])[],
  errors: readonly (McError | undefined)[] | undefined,
  send: Send,
): TagResult[] | Promise<TagResult[]> {
  const requests = plan.requests;
  const results = new Array<TagResult | Promise<TagResult>>(plan.tags.length);
  if (!errors) {
    for (let i = 0; i < results.length; i++) results[i] = resolve(plan, i, answers);
    return results as TagResult[];
  }
  const failure = new Map<number, { error: McError; shared: boolean }>();
  requests.forEach((r, i) => {
    const error = errors[i];
    if (!error) return;
    for (const t of r.tagIndexes) {
      if (!failure.has(t)) failure.set(t, { error, shared: r.tagIndexes.length > 1 });
    }
  });
  for (let i = 0; i < results.length; i++) {
    const f = failure.get(i);
    if (!f) results[i] = resolve(plan, i, answers);
    else if (f.error instanceof McEndCodeError && f.shared) results[i] = readAlone(plan, i, send);
    else results[i] = { ok: false, error: withTag(plan.tags[i]!, f.error) };
  }
  return Promise.all(results);
}
