/**
 * Error reporting for polling nodes: every distinct error reaches the log and Catch nodes at once,
 * repeats at most once per period with "(repeated N times)", and a PLC disabled on purpose makes no
 * noise at all (its status says so).
 */
import type { Node, NodeMessage } from "node-red";
import { LogRateLimiter, withRepeatCount } from "../lib/engine/rate-limit";

export class ErrorLog {
  private readonly limiter: LogRateLimiter;

  constructor(
    private readonly node: Node,
    periodMs = 30_000,
  ) {
    this.limiter = new LogRateLimiter({ periodMs });
  }

  /** `key` identifies "the same error"; `msg` is what Catch nodes receive. */
  report(key: string, text: string, msg: object, code?: string): void {
    if (code === "MC_PLC_DISABLED") return;
    const decision = this.limiter.check(key);
    if (decision.log) this.node.error(withRepeatCount(text, decision.repeated), msg as NodeMessage);
  }
}
