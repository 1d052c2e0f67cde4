/**
 * What the engine manages and what each part must offer it: groups (FIXED or HANDSHAKE) with their
 * status, PLCs, queues, and groups refused at deploy.
 */

export type GroupMode = "fixed" | "handshake";
export type GroupState = "running" | "stopped" | "error";

export interface GroupStatus {
  readonly name: string;
  readonly mode: GroupMode;
  readonly state: GroupState | "refused";
  readonly running: boolean;
  readonly plc: string;
  readonly intervalMs?: number;
  readonly polls: number;
  readonly successes: number;
  readonly errors: number;
  /** Percent, 0–100, one decimal, of the finished polls; 100 before the first one finished. */
  readonly successRate: number;
  readonly pollTime: {
    readonly last: number;
    readonly avg: number;
    readonly max: number;
    readonly p99: number;
  };
  readonly overruns: number;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly lastSuccessAt?: string;
  readonly tags: number;
  readonly requests: number;
  readonly [extra: string]: unknown;
}

/** What a trigger command read: the data, and each tag that could not be read. */
export interface TriggeredPoll {
  readonly payload: unknown;
  readonly polling: object;
  readonly badTags: readonly { readonly tag: string; readonly error: { code: string; message: string } }[];
}

/**
 * A trigger that was not run: nothing was read and nothing was sent downstream. `statusCode` is the
 * answer the REST API gives (409 state conflict, 429 de-duplication or too many waiting).
 */
export class TriggerRefusedError extends Error {
  constructor(
    readonly statusCode: 409 | 429,
    readonly code: "NOT_RUNNING" | "PLC_DRIVEN" | "DUPLICATE_TRIGGER" | "TRIGGER_QUEUE_FULL",
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "TriggerRefusedError";
  }
}

/** What the engine needs from a group (FIXED or HANDSHAKE). */
export interface ManagedGroup {
  readonly name: string;
  readonly mode: GroupMode;
  readonly running: boolean;
  start(): void;
  stop(): Promise<void>;
  /**
   * Polls once now and resolves with what was read; rejects with TriggerRefusedError when the group
   * cannot take a trigger (nothing read), or with the poll's error.
   */
  trigger(): Promise<TriggeredPoll>;
  status(): GroupStatus;
}

export interface ManagedPlc {
  readonly name: string;
  readonly enabled: boolean;
  enable(): void;
  disable(): void;
  snapshot(): object;
}

export interface ManagedQueue {
  readonly name: string;
  status(): object;
}

/** A configured group that did not start (bad tag, interval, duplicate name …): shown with the reason. */
export interface RefusedGroup {
  readonly name: string;
  readonly mode: GroupMode;
  readonly plc?: string;
  readonly reason: string;
}
