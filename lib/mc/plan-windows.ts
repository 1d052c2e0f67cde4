/**
 * Packing for requests that each read one contiguous range of one device: 1E batch reads (no random or
 * multi-block read exists) and buffer-memory reads (the device extension cannot share a request with
 * plain devices). Optimal, so its count is also the lower bound (docs/PLANNER.md).
 */
import { type Device } from "./devices";
import { type Piece } from "./plan-pieces";

/**
 * The fewest ranges of at most `limitOf(device)` words that cover `islands` (sorted by device and
 * start, merged): each range starts at the first word not yet covered and reaches as far as the limit
 * allows, ending at the last needed word inside it. On each device, after k ranges the greedy covers
 * every needed word up to at least where any other k ranges could reach, so no cover needs fewer.
 */
export function packWindows(islands: readonly Piece[], limitOf: (device: Device) => number): Piece[] {
  const out: { device: Device; start: number; len: number }[] = [];
  let current: (typeof out)[number] | undefined;
  for (const p of islands) {
    const max = limitOf(p.device);
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
