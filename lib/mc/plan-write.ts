/**
 * Write planning: encoded tag values become 1401 batch writes for contiguous runs and 1402 random writes
 * for scattered words, double words and bits, each within its per-request limit.
 */
import {
  batchWriteBits,
  batchWriteWords,
  randomWriteBits,
  randomWriteWords,
  type BitWrite,
  type Command,
  type WordWrite,
} from "./commands";
import { type Device } from "./devices";
import { McValueError } from "./errors";
import { limitsFor } from "./limits";
import { type Tag } from "./tags";
import { encodeTag } from "./values";
import { type WireFormat } from "./wire";

export interface WriteItem {
  readonly tag: Tag;
  readonly value: unknown;
}

/** A contiguous run of values on one device (word devices: words; bit devices: points). */
export interface Run {
  readonly device: Device;
  readonly start: number;
  readonly values: (number | boolean)[];
  readonly addresses: string[];
}

/**
 * Runs up to this long go to 1402: a 1402 request holds ~137 double words, so short runs share requests,
 * while each 1401 carries a single run.
 */
const RANDOM_RUN_MAX = 8;

export function runsOf(items: readonly WriteItem[]): Run[] {
  const encoded = items.map(({ tag, value }) => {
    const e = encodeTag(tag, value);
    const values = e.unit === "word" ? e.words : e.bits;
    return { device: tag.ref.device, start: tag.ref.number, values, address: tag.address };
  });
  encoded.sort((a, b) => a.device.name.localeCompare(b.device.name) || a.start - b.start);
  const runs: Run[] = [];
  for (const e of encoded) {
    const last = runs[runs.length - 1];
    const end = last ? last.start + last.values.length : 0;
    if (last && last.device === e.device && e.start < end) {
      throw new McValueError(
        `writes to "${last.addresses[last.addresses.length - 1]}" and "${e.address}" overlap`,
      );
    }
    if (last && last.device === e.device && e.start === end) {
      last.values.push(...e.values);
      last.addresses.push(e.address);
    } else runs.push({ device: e.device, start: e.start, values: [...e.values], addresses: [e.address] });
  }
  return runs;
}

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Plans the commands that write `items`. Throws McValueError for values that do not fit, for writes to a
 * single bit of a word, and for overlapping items. The commands are independent: writes are not atomic
 * across them.
 */
export function planWrites(items: readonly WriteItem[], format: WireFormat): Command<void>[] {
  const limits = limitsFor(format);
  const commands: Command<void>[] = [];
  const words: WordWrite[] = [];
  const dwords: WordWrite[] = [];
  const bits: BitWrite[] = [];
  for (const run of runsOf(items)) {
    const { device, start, values } = run;
    if (device.kind === "word") {
      const ws = values as number[];
      // Buffer memory (U\G) is written with 1401/0080 only: no mixing with plain devices in a 1402.
      if (ws.length <= RANDOM_RUN_MAX && device.module === undefined) {
        for (let i = 0; i + 1 < ws.length; i += 2) {
          dwords.push({ ref: { device, number: start + i }, value: (ws[i]! | (ws[i + 1]! << 16)) >>> 0 });
        }
        if (ws.length % 2)
          words.push({ ref: { device, number: start + ws.length - 1 }, value: ws[ws.length - 1]! });
      } else {
        chunks(ws, limits.batchWords).forEach((c, i) =>
          commands.push(batchWriteWords(format, { device, number: start + i * limits.batchWords }, c)),
        );
      }
    } else {
      const bs = values as boolean[];
      if (bs.length <= RANDOM_RUN_MAX)
        bs.forEach((value, i) => bits.push({ ref: { device, number: start + i }, value }));
      else {
        chunks(bs, limits.batchBits).forEach((c, i) =>
          commands.push(batchWriteBits(format, { device, number: start + i * limits.batchBits }, c)),
        );
      }
    }
  }
  // Fill each 1402 with double words first (14 each), then words (12 each), up to the cost limit.
  let w = 0;
  let d = 0;
  while (w < words.length || d < dwords.length) {
    let cost = 0;
    const dw: WordWrite[] = [];
    const ww: WordWrite[] = [];
    while (d < dwords.length && cost + 14 <= limits.randomWriteWordCost && dw.length < 255) {
      dw.push(dwords[d++]!);
      cost += 14;
    }
    while (w < words.length && cost + 12 <= limits.randomWriteWordCost && ww.length < 255) {
      ww.push(words[w++]!);
      cost += 12;
    }
    commands.push(randomWriteWords(format, ww, dw));
  }
  for (const c of chunks(bits, limits.randomWriteBits)) commands.push(randomWriteBits(format, c));
  return commands;
}
