/**
 * Planning for the A-compatible 1E frame, which has neither random read (0403) nor multi-block read
 * (0406): every read is one batch read of one contiguous range of at most LIMITS_1E words. What is
 * left to optimise is where the ranges start, and for that the greedy cover is optimal (docs/PLANNER.md,
 * "1E frames"). Writes use batch writes for long runs and the test commands (04/05) for scattered points.
 */
import { type Command } from "./commands";
import { batchWriteBits1E, batchWriteWords1E, testWriteBits1E, testWriteWords1E } from "./commands-1e";
import { type Device } from "./devices";
import { LIMITS_1E } from "./limits";
import { type Piece } from "./plan-pack";
import { chunks, runsOf, type WriteItem } from "./plan-write";

/** Words one 1E batch read (01) may carry on this device. */
export function readWords1E(device: Device): number {
  return device.kind === "bit" ? LIMITS_1E.bitDeviceWords : LIMITS_1E.wordDeviceWords;
}

/**
 * The fewest batch reads that cover `islands` (sorted by device and start, merged): each read starts at
 * the first word not yet covered and reaches as far as the limit allows, ending at the last needed word
 * inside that window. On each device, after k reads the greedy covers every needed word up to at least
 * where any other k reads could reach, so no plan needs fewer reads: the count is also the lower bound.
 */
export function pack1E(islands: readonly Piece[]): Piece[] {
  const out: { device: Device; start: number; len: number }[] = [];
  let current: (typeof out)[number] | undefined;
  for (const p of islands) {
    const max = readWords1E(p.device);
    const end = p.start + p.len;
    let from = p.start;
    if (current && current.device === p.device && from < current.start + max) {
      const reach = Math.min(end, current.start + max);
      current.len = Math.max(current.len, reach - current.start);
      from = Math.max(from, reach);
    }
    while (from < end) {
      current = { device: p.device, start: from, len: Math.min(max, end - from) };
      out.push(current);
      from += current.len;
    }
  }
  return out;
}

/**
 * Runs shorter than these go to the test commands: a run of L words costs ceil(L / 64) batch writes but
 * L / 10 of a test write (bits: ceil(L / 160) against L / 80), so test wins below 10 words / 80 bits.
 */
const TEST_WORDS_BELOW = LIMITS_1E.testWords;
const TEST_BITS_BELOW = LIMITS_1E.testBits;

/** Plans 1E writes: batch writes (02/03) for long runs, test writes (04/05) for the rest. */
export function planWrites1E(items: readonly WriteItem[]): Command<void>[] {
  const commands: Command<void>[] = [];
  const words: { ref: { device: Device; number: number }; value: number }[] = [];
  const bits: { ref: { device: Device; number: number }; value: boolean }[] = [];
  for (const { device, start, values } of runsOf(items)) {
    if (device.kind === "word") {
      const ws = values as number[];
      if (ws.length < TEST_WORDS_BELOW) {
        ws.forEach((value, i) => words.push({ ref: { device, number: start + i }, value }));
      } else {
        const size = LIMITS_1E.wordDeviceWords;
        chunks(ws, size).forEach((c, i) =>
          commands.push(batchWriteWords1E({ device, number: start + i * size }, c)),
        );
      }
    } else {
      const bs = values as boolean[];
      if (bs.length < TEST_BITS_BELOW) {
        bs.forEach((value, i) => bits.push({ ref: { device, number: start + i }, value }));
      } else {
        const size = LIMITS_1E.writeBits;
        chunks(bs, size).forEach((c, i) =>
          commands.push(batchWriteBits1E({ device, number: start + i * size }, c)),
        );
      }
    }
  }
  for (const c of chunks(words, LIMITS_1E.testWords)) commands.push(testWriteWords1E(c));
  for (const c of chunks(bits, LIMITS_1E.testBits)) commands.push(testWriteBits1E(c));
  return commands;
}
