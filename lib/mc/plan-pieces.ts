/**
 * What the read planner works on: contiguous word runs ("pieces") and the requests they are packed
 * into. Everything is in word units; bit devices are addressed by 16-point word index.
 */
import { type Device } from "./devices";

/** A contiguous run of words on one device. For bit devices `start` is the word index (point / 16). */
export interface Piece {
  readonly device: Device;
  readonly start: number;
  readonly len: number;
}

/** 0406/0401 requests (one block each for 0401) and 0403 requests (pieces of 1 or 2 words). */
export interface Layout {
  readonly blockRequests: Piece[][];
  readonly randomRequests: Piece[][];
}

/** Sorts and merges pieces of the same device whose gap is at most `maxGap` words (0: only touching ones). */
export function mergePieces(pieces: readonly Piece[], maxGap: number): Piece[] {
  const sorted = [...pieces].sort(byAddress);
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

export function byAddress(a: Piece, b: Piece): number {
  return a.device.name.localeCompare(b.device.name) || a.start - b.start;
}

/** Words between two address-sorted pieces of one device; undefined across devices. */
export function gapBetween(a: Piece | undefined, b: Piece | undefined): number | undefined {
  return a && b && a.device === b.device ? b.start - a.start - a.len : undefined;
}

export function wordsOf(layout: Layout): number {
  let n = 0;
  for (const r of layout.blockRequests) for (const p of r) n += p.len;
  for (const r of layout.randomRequests) for (const p of r) n += p.len;
  return n;
}
