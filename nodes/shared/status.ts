/**
 * Node status with the package's shared vocabulary, throttled: a group polling every 10 ms must not
 * send 100 status updates a second to every open editor.
 */
import type { Node, NodeMessageInFlow, NodeStatus } from "node-red";
import { type Clock, type TimerHandle, systemClock } from "../../lib/core/clock";

export const STATUS = {
  polling: (text: string): NodeStatus => ({ fill: "green", shape: "dot", text }),
  idle: (text: string): NodeStatus => ({ fill: "green", shape: "ring", text }),
  connecting: (text: string): NodeStatus => ({ fill: "yellow", shape: "ring", text }),
  degraded: (text: string): NodeStatus => ({ fill: "yellow", shape: "dot", text }),
  disconnected: (text: string): NodeStatus => ({ fill: "red", shape: "ring", text }),
  error: (text: string): NodeStatus => ({ fill: "red", shape: "dot", text }),
  stopped: (text: string): NodeStatus => ({ fill: "grey", shape: "ring", text }),
  disabled: (text: string): NodeStatus => ({ fill: "grey", shape: "dot", text }),
};

/**
 * PLC busy % (time with a request outstanding per connection) from which statuses warn: near 100 % the
 * PLC cannot answer more and cycles are missed (docs/OPERATOR.md, "PLC load").
 */
export const PLC_BUSY = { yellow: 70, red: 90 } as const;

/**
 * The status for a failed poll: grey when the PLC is disabled, red ring when unreachable, else red dot.
 * `text` gives the shared catalog's texts (the cause itself comes from lib, in its own words).
 */
export function statusForError(code: string, message: string, text: (key: string) => string): NodeStatus {
  if (code === "MC_PLC_DISABLED") return STATUS.disabled(text("status.plcDisabled"));
  // The node already names its group; the status line has room for the cause only.
  const cause = short(message.replace(/^group [^:,]+[:,] /, ""));
  if (code === "MC_PLC_OFFLINE" || code.startsWith("MC_CONNECTION")) return STATUS.disconnected(cause);
  return STATUS.error(cause);
}

/** The first status shows at once; later ones at most every `minIntervalMs`, the latest winning. */
export class ThrottledStatus {
  private pending?: NodeStatus;
  private shown?: string;
  private timer?: TimerHandle;
  private lastAt = -Infinity;
  private closed = false;

  constructor(
    private readonly node: Pick<Node, "status">,
    private readonly minIntervalMs = 250,
    private readonly clock: Clock = systemClock,
  ) {}

  set(status: NodeStatus): void {
    // Late events (a cycle finishing during close) must not start a timer on a closed node.
    if (this.closed) return;
    this.pending = status;
    const wait = this.lastAt + this.minIntervalMs - this.clock.now();
    if (wait <= 0) this.flush();
    else this.timer ??= this.clock.setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.pending) return;
    const key = JSON.stringify(this.pending);
    this.lastAt = this.clock.now();
    if (key !== this.shown) {
      this.shown = key;
      this.node.status(this.pending);
    }
    this.pending = undefined;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}

/** Short text for a status line: statuses are one line in the editor. */
export function short(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A node whose configuration prevents it from working: the reason is logged once, shown in red, and
 * every input message fails with it (so Catch nodes see it) instead of vanishing.
 */
export function refuseNode(node: Node, reason: string, shown = reason): void {
  node.error(reason);
  node.status(STATUS.error(short(shown)));
  node.on("input", (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) =>
    done(new Error(reason)),
  );
}
