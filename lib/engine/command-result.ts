/**
 * The engine's command contract: the commands, and the answer to each, an HTTP status and a payload.
 * Every refusal is `{success: false, error, code}` with the status the REST API answers
 * (docs/INTEGRATOR.md); a PLC's fault is never a 500.
 */
import { McError } from "../mc/errors";

export const COMMANDS = [
  "status",
  "health",
  "openapi",
  "group-status",
  "start",
  "stop",
  "trigger",
  "start-all",
  "stop-all",
  "enable-plc",
  "disable-plc",
] as const;
export type EngineCommand = (typeof COMMANDS)[number];

/** Every HTTP status the engine answers with (207: start-all started some groups, not all). */
export type StatusCode = 200 | 207 | 400 | 401 | 403 | 404 | 405 | 409 | 429 | 500 | 502 | 503 | 504;

export interface CommandResult {
  readonly statusCode: StatusCode;
  readonly payload: unknown;
  /** Response headers that go with it (Retry-After, Allow, WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Input echoed in an error (an unknown command, a name) is cut to this many characters. */
export const MAX_ECHO = 100;

/** `value` as JSON, cut to MAX_ECHO characters, for error messages. */
export function echo(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}… (${text.length} characters)` : text;
}

export function fail(
  statusCode: StatusCode,
  code: string,
  error: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>,
): CommandResult {
  return { statusCode, payload: { success: false, error, code, ...extra }, ...(headers ? { headers } : {}) };
}

export function ok(payload: unknown): CommandResult {
  return { statusCode: 200, payload };
}

/** The answer to a poll that failed, by the typed error's code: the PLC's fault is never a 500. */
export function pollFailure(err: Error & { code?: string; cause?: unknown }): CommandResult {
  const code = err.cause instanceof McError ? err.cause.code : err.code;
  switch (code) {
    case "MC_TIMEOUT":
    case "MC_CONNECTION_REFUSED":
    case "MC_CONNECTION_LOST":
    case "MC_CLOSED":
      return fail(504, "PLC_TIMEOUT", `the PLC did not answer: ${err.message}`, { plcError: code });
    case "MC_END_CODE":
    case "MC_PROTOCOL":
    case "MC_BAD_ADDRESS":
      return fail(502, "PLC_ERROR", `the PLC refused the request: ${err.message}`, { plcError: code });
    case "MC_PLC_DISABLED":
      return fail(409, "PLC_DISABLED", err.message, { plcError: code });
    case "MC_PLC_OFFLINE":
      return fail(503, "PLC_OFFLINE", err.message, { plcError: code }, { "Retry-After": "5" });
    default:
      return fail(500, "INTERNAL", `internal error: ${err.message}`);
  }
}
