/**
 * Pieces both HANDSHAKE groups share: the output message (the FIXED group's format, so flows can
 * switch between them), clock-driven waits that stop() can cut short, and step time-outs.
 */
import { type Clock } from "../core/clock";
import { type GroupMessage } from "./fixed-group";
import { type PayloadFormat, buildPayload } from "./output";
import { type PollOutcome } from "./poller";

export interface MessageParts {
  readonly group: string;
  readonly plc: string;
  readonly cycle: number;
  readonly manual: boolean;
  /** Epoch ms the (first) trigger arrived, and the read started. */
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: PollOutcome;
  readonly format: PayloadFormat;
  readonly triggers: readonly unknown[];
}

export function groupMessage(p: MessageParts): GroupMessage {
  return {
    topic: p.group,
    payload: buildPayload(p.outcome.readings, p.format),
    polling: {
      group: p.group,
      plc: p.plc,
      mode: "handshake",
      cycle: p.cycle,
      manual: p.manual,
      scheduledAt: p.scheduledAt,
      startedAt: p.startedAt,
      durationMs: Math.round(p.durationMs * 1000) / 1000,
      quality: p.outcome.quality,
      requests: p.outcome.requests,
      tags: p.outcome.readings.length,
    },
    badTags: p.outcome.tagErrors,
    triggers: p.triggers,
  };
}

/** Thrown when stop() ends a wait; never reported as a failure. */
export class StoppedError extends Error {
  readonly code = "HANDSHAKE_STOPPED";
}

/** Resolves after `ms` on `clock`, or rejects with StoppedError as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedError("stopped"));
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(new StoppedError("stopped"));
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `work` bounded by `ms` on `clock`: rejects with `onTimeout()` when it runs out, or StoppedError when
 * `signal` aborts. The work itself is not cancelled (an MC request in flight ends by its own time-out).
 */
export function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  clock: Clock,
  signal: AbortSignal,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(handle);
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(new StoppedError("stopped")));
    const handle = clock.setTimeout(() => finish(() => reject(onTimeout())), ms);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
    if (signal.aborted) onAbort();
  });
}

export function round2(x: number | null | undefined): number {
  return x === null || x === undefined ? 0 : Math.round(x * 100) / 100;
}
