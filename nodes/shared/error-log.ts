/**
 * Error reporting for polling nodes: every distinct error reaches the log and Catch nodes at once,
 * repeats at most once per period with "(repeated N times)", and a PLC disabled on purpose makes no
 * noise at all (its status says so).
 *
 * "The same error" is the same (node, error code, tag, step), not the same text: during an outage
 * the text changes ("retrying in 2 s", "retrying in 9 s" …) while nothing new happens.
 *
 * A Catch node gets `msg.error.code` (Node-RED builds `msg.error` itself and copies only `code`,
 * `stack` and `cause` from the error; anything else set on `msg.error` ends up in `msg._error`) and
 * `msg.pollingError = {code, group, plc, tag?, step?, suppressed}`.
 */
import type { Node } from "node-red";
import { LogRateLimiter, withRepeatCount } from "../../lib/core/rate-limit";

export interface ErrorDetails {
  readonly code: string;
  readonly group: string;
  readonly plc: string;
  readonly tag?: string;
  readonly step?: string;
}

export class ErrorLog {
  private readonly limiter: LogRateLimiter;

  constructor(
    private readonly node: Node,
    periodMs = 30_000,
  ) {
    this.limiter = new LogRateLimiter({ periodMs });
  }

  /** `msg` is what Catch nodes receive (without an `error` property: Node-RED sets that). */
  report(details: ErrorDetails, text: string, msg: object): void {
    if (details.code === "MC_PLC_DISABLED") return;
    const decision = this.limiter.check(
      `${details.code}\u0000${details.tag ?? ""}\u0000${details.step ?? ""}`,
    );
    if (!decision.log) return;
    const err = Object.assign(new Error(withRepeatCount(text, decision.repeated)), { code: details.code });
    // No "Error: " prefix in the log and in msg.error.message, and no stack trace of ours in Catch.
    err.name = "";
    delete (err as { stack?: string }).stack;
    const out = { ...msg, pollingError: { ...details, suppressed: decision.repeated } };
    this.node.error(err, out);
  }
}
