/**
 * Typed errors with a stable `code`, so the node can pass them to `done(err)` and a Catch node or a
 * script can switch on the code rather than on the wording.
 */

export type QueueErrorCode =
  | "QUEUE_FULL"
  | "QUEUE_MESSAGE_TOO_LARGE"
  | "QUEUE_NOT_SERIALISABLE"
  | "QUEUE_CLOSED"
  | "QUEUE_BAD_OPTION"
  | "QUEUE_STORE_CORRUPT"
  | "QUEUE_STORE_UNWRITABLE"
  | "QUEUE_STORE_LOCKED"
  | "QUEUE_STORE_UNAVAILABLE";

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  constructor(code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Raised by `put` under the `reject` overflow policy. */
export class QueueFullError extends QueueError {
  constructor(size: number, capacity: number, bytes?: number, maxBytes?: number) {
    const byBytes = maxBytes !== undefined ? `, ${bytes ?? 0} of ${maxBytes} bytes` : "";
    super("QUEUE_FULL", `queue full: ${size} of ${capacity} messages${byBytes}`);
  }
}

/** One message larger than the byte capacity can never fit, whatever the policy drops. */
export class QueueMessageTooLargeError extends QueueError {
  constructor(bytes: number, maxBytes: number) {
    super("QUEUE_MESSAGE_TOO_LARGE", `message of ${bytes} bytes exceeds the queue's ${maxBytes} bytes`);
  }
}

/** A persistent queue stores JSON; circular objects, BigInts and functions cannot be stored. */
export class QueueSerialiseError extends QueueError {
  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : "payload has no JSON form";
    super("QUEUE_NOT_SERIALISABLE", `message cannot be stored as JSON: ${why}`, { cause });
  }
}

export class QueueClosedError extends QueueError {
  constructor() {
    super("QUEUE_CLOSED", "queue is closed");
  }
}

export class QueueOptionError extends QueueError {
  constructor(message: string) {
    super("QUEUE_BAD_OPTION", message);
  }
}

export type QueueStoreErrorCode =
  "QUEUE_STORE_CORRUPT" | "QUEUE_STORE_UNWRITABLE" | "QUEUE_STORE_LOCKED" | "QUEUE_STORE_UNAVAILABLE";

/** The store file cannot be used. `file` names it so the user knows what to inspect or move. */
export class QueueStoreError extends QueueError {
  readonly file: string;
  constructor(code: QueueStoreErrorCode, file: string, message: string, cause?: unknown) {
    super(code, `queue store ${file}: ${message}`, { cause });
    this.file = file;
  }
}
