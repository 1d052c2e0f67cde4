/** The typed error of a PLC-triggered handshake: which step failed, for which transaction, and why. */

export type HandshakeStep = "watch" | "read" | "downstream" | "ack" | "req-clear" | "ack-clear";

export class HandshakeError extends Error {
  readonly code: string;
  constructor(
    message: string,
    readonly step: HandshakeStep,
    code: string,
    readonly transactionId?: string,
    override readonly cause?: unknown,
    /** What was read, when the read itself worked (a partial read). */
    readonly payload?: unknown,
  ) {
    super(message);
    this.name = "HandshakeError";
    this.code = code;
  }
}
