/** Time as the queue sees it; tests pass a fake one so that time-outs and rates run without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch: enqueue times are stored on disk and compared after a restart. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
