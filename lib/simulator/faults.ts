/**
 * Test and demo misbehaviour: latency, stalls, garbage, forced end codes. Pure state plus decisions;
 * the server asks it what to do with each request and response.
 */
import { type RequestFrame } from "../mc/frame";

/** Returns an end code to answer with instead of executing the request, or undefined to execute it. */
export type FailPredicate = (req: RequestFrame) => number | undefined;

export class Faults {
  latencyMs = 0;
  jitterMs = 0;
  /** Requests are accepted and counted but never answered. */
  stalled = false;
  private garbageLeft = 0;
  private failCode = 0;
  private failLeft = 0;
  private failWhen: FailPredicate | undefined;

  constructor(private readonly random: () => number = Math.random) {}

  setLatency(ms: number, jitterMs = 0): void {
    if (!(ms >= 0) || !(jitterMs >= 0)) throw new RangeError("latency and jitter must be >= 0");
    this.latencyMs = ms;
    this.jitterMs = jitterMs;
  }

  /** Whether requests take processing time (latency or jitter set). */
  get delaying(): boolean {
    return this.latencyMs > 0 || this.jitterMs > 0;
  }

  /** Processing time for the next request: latency plus a uniform [0, jitter) share. */
  delay(): number {
    return this.latencyMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
  }

  sendGarbage(n: number): void {
    this.garbageLeft = Math.max(0, Math.floor(n));
  }

  failNext(endCode: number, n = 1): void {
    this.failCode = endCode & 0xffff;
    this.failLeft = Math.max(0, Math.floor(n));
  }

  /** A predicate that is asked for every request after failNext's budget is used; undefined removes it. */
  setFailWhen(predicate: FailPredicate | undefined): void {
    this.failWhen = predicate;
  }

  /** Whether forcedEndCode may force anything: if not, the server need not build a RequestFrame for it. */
  get forcing(): boolean {
    return this.failLeft > 0 || this.failWhen !== undefined;
  }

  /** The forced end code for this request, consuming one failNext if any. */
  forcedEndCode(req: RequestFrame): number | undefined {
    if (this.failLeft > 0) {
      this.failLeft--;
      return this.failCode;
    }
    let code: number | undefined;
    try {
      code = this.failWhen?.(req);
    } catch {
      // A throwing test predicate must not take the simulated PLC down with it.
      code = undefined;
    }
    return code === undefined || code === 0 ? undefined : code & 0xffff;
  }

  /** Replaces a response by bytes no MC client can frame, if garbage is pending. */
  maybeGarbage(response: Buffer): Buffer {
    if (this.garbageLeft === 0) return response;
    this.garbageLeft--;
    // 0xA5 is neither a binary (D0/D4) nor an ASCII ("D") response subheader.
    return Buffer.alloc(Math.max(response.length, 8), 0xa5);
  }

  reset(): void {
    this.stalled = false;
    this.garbageLeft = 0;
    this.failLeft = 0;
    this.failWhen = undefined;
  }
}
