/** The properties the jsscada-queue editor dialog saves, as the runtime receives them (strings from inputs). */
import type { NodeDef } from "node-red";
import type { DeliveryMode, OverflowPolicy } from "../../lib/queue";

export interface QueueNodeDef extends NodeDef {
  /** The node's `name` is the queue name: unique per runtime, shown in engine status, names the disk file. */
  capacity: string;
  /** Blank: no byte limit. */
  maxBytes: string;
  overflow: OverflowPolicy;
  mode: DeliveryMode;
  maxInFlight: string;
  /** Seconds; 0 waits for ever. */
  ackTimeout: string;
  /** Messages per second in rate mode. */
  rate: string;
  /** Rate and pull modes: keep a released message until it is acknowledged. */
  requireAck: boolean;
  /** Blank or 0: no batching. */
  batchSize: string;
  /** Milliseconds; blank: a batch takes what is waiting. */
  batchTime: string;
  persistence: "memory" | "disk";
  moveCorrupt: boolean;
  warn: string;
  alarm: string;
  hysteresis: string;
}
