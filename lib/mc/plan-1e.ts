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
import { type Piece } from "./plan-pieces";
import { packWindows } from "./plan-windows";
import { chunks, runsOf, type WriteItem } from "./plan-write";

/** Words one 1E batch read (01) may carry on this device. */
export function readWords1E(device: Device): number {
  return device.kind === "bit" ? LIMITS_1E.bitDeviceWords : LIMITS_1E.wordDeviceWords;
}

/** The fewest 1E batch reads (01) that cover `islands`; the count is also the lower bound. */
export function pack1E(islands: readonly Piece[]): Piece[] {
  return packWindows(islands, readWords1E);
}

type Run = ReturnType<typeof runsOf>[number];

/** Batch writes (02/03) of a run, in chunks of the command's limit. */
function batchWrites(run: Run): Command<void>[] {
  const { device, start } = run;
  const size = device.kind === "word" ? LIMITS_1E.wordDeviceWords : LIMITS_1E.writeBits;
  return chunks(run.values, size).map((c, i) => {
    const ref = { device, number: start + i * size };
    return device.kind === "word" ? batchWriteWords1E(ref, c as number[]) : batchWriteBits1E(ref, c);
  });
}

/**
 * Plans 1E writes. Long runs are batch writes; runs shorter than a test write's capacity (10 words,
 * 80 bits) go to test writes (04/05) only when that takes fewer requests than one batch write per run:
 * a lone D100 stays a batch write, ten scattered words become one test write.
 */
export function planWrites1E(items: readonly WriteItem[]): Command<void>[] {
  const runs = runsOf(items);
  const commands: Command<void>[] = [];
  for (const kind of ["word", "bit"] as const) {
    const perTest = kind === "word" ? LIMITS_1E.testWords : LIMITS_1E.testBits;
    const ofKind = runs.filter((r) => r.device.kind === kind);
    const short = ofKind.filter((r) => r.values.length < perTest);
    const total = short.reduce((n, r) => n + r.values.length, 0);
    const test = Math.ceil(total / perTest) < short.length;
    for (const r of ofKind) if (!test || r.values.length >= perTest) commands.push(...batchWrites(r));
    if (!test) continue;
    const entries = short.flatMap((r) =>
      r.values.map((value, i) => ({ ref: { device: r.device, number: r.start + i }, value })),
    );
    for (const c of chunks(entries, perTest)) {
      commands.push(
        kind === "word"
          ? testWriteWords1E(c.map((e) => ({ ref: e.ref, value: Number(e.value) })))
          : testWriteBits1E(c.map((e) => ({ ref: e.ref, value: Boolean(e.value) }))),
      );
    }
  }
  return commands;
}
