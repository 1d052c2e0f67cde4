/**
 * Time as the queue sees it. The same Clock interface as the engine's, but on wall time: enqueue
 * times are stored on disk and compared after a restart, where a monotonic origin means nothing.
 * Tests pass a ManualClock so that time-outs and rates run without sleeping.
 */
import type { Clock } from "../engine/clock";

export type { Clock };

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
