/**
 * Token authentication for the engine's REST and WebSocket API: one shared secret (by default the
 * environment variable POLLING_API_TOKEN). HTTP clients send `Authorization: Bearer <token>`; a
 * WebSocket client (a browser cannot set headers on one) sends `{"command":"auth","token":"…"}` as
 * its first message, and its session is trusted until it closes.
 *
 * The comparison never accepts a missing, empty or partial token, and takes the same time whatever
 * the presented value, so the token cannot be guessed a character at a time.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const DEFAULT_TOKEN_ENV = "POLLING_API_TOKEN";

/** Tokens shorter than this are refused as configuration: they can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

export interface AuthFailure {
  readonly statusCode: 401 | 403;
  readonly code: "UNAUTHORIZED" | "API_TOKEN_NOT_SET" | "API_TOKEN_TOO_SHORT";
  readonly error: string;
}

/**
 * True only when both are non-empty strings and equal. Hashing both sides first gives buffers of one
 * length, so timingSafeEqual can compare them and the time does not depend on where they differ.
 */
export function tokensMatch(presented: unknown, expected: unknown): boolean {
  if (typeof presented !== "string" || typeof expected !== "string") return false;
  if (presented === "" || expected === "") return false;
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer <token>` (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: unknown): string | undefined {
  const header: unknown = Array.isArray(authorization) ? authorization[0] : authorization;
  if (typeof header !== "string") return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

export class ApiAuth {
  /** `token()` is read on every check, so a changed environment applies at once. */
  constructor(
    private readonly token: () => string | undefined,
    readonly envName = DEFAULT_TOKEN_ENV,
  ) {}

  /** Why nothing can be authorized at all (token unset or too short), or undefined when it can. */
  configurationProblem(): AuthFailure | undefined {
    const token = this.token();
    if (token === undefined || token.trim() === "") {
      return {
        statusCode: 403,
        code: "API_TOKEN_NOT_SET",
        error:
          `the polling API is locked: the environment variable ${this.envName} is not set. Set it to a ` +
          `long random secret (e.g. \`openssl rand -hex 24\`) in the environment Node-RED starts with ` +
          `(or in settings.js: process.env.${this.envName} = "…") and restart Node-RED; clients then ` +
          `send "Authorization: Bearer <token>"`,
      };
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      return {
        statusCode: 403,
        code: "API_TOKEN_TOO_SHORT",
        error: `the polling API is locked: ${this.envName} must be at least ${MIN_TOKEN_LENGTH} characters long`,
      };
    }
    return undefined;
  }

  /** Checks a presented token; undefined means authorized. */
  check(presented: unknown): AuthFailure | undefined {
    const problem = this.configurationProblem();
    if (problem) return problem;
    if (tokensMatch(presented, this.token())) return undefined;
    return {
      statusCode: 401,
      code: "UNAUTHORIZED",
      error:
        presented === undefined
          ? 'authentication required: send the header "Authorization: Bearer <token>" (WebSocket: first send {"command":"auth","token":"<token>"})'
          : "invalid token",
    };
  }

  /** An HTTP request's headers (Node's lower-case names). */
  checkHeaders(headers: Record<string, unknown> | undefined): AuthFailure | undefined {
    return this.check(bearerToken(headers?.authorization));
  }
}

/**
 * The WebSocket sessions that authenticated, by session id. Bounded: a session that never closes
 * cleanly (its "closed" event lost) cannot make the set grow without limit; the oldest goes first.
 */
export class AuthenticatedSessions {
  private readonly ids = new Set<string>();

  constructor(private readonly max = 10_000) {}

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }

  delete(id: string): void {
    this.ids.delete(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  clear(): void {
    this.ids.clear();
  }

  get size(): number {
    return this.ids.size;
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.ids.values();
  }
}
