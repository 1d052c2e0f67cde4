/**
 * The engine-status node's request handling, apart from Node-RED: where a command comes from (an
 * `http in` request, a WebSocket session, or a message from inside the runtime), whether it may run
 * (token authentication), and the answer in the shape each transport wants.
 *
 * Trust: with token authentication on, a message that carries an HTTP request (`msg.req`) needs
 * `Authorization: Bearer <token>`, and one from a WebSocket session (`msg._session`) needs a session
 * that authenticated with `{"command":"auth","token":"…"}`. Other messages (inject, Dashboard,
 * function nodes) come from flows the runtime's owner deployed and are trusted.
 */
import { type ApiAuth, type AuthFailure, AuthenticatedSessions } from "../../lib/engine/api-auth";
import { type CommandResult, type Engine, echo, fail } from "../../lib/engine/registry";

export type Source = "http" | "websocket" | "runtime";

export interface ApiMessage {
  payload?: unknown;
  topic?: unknown;
  req?: { headers?: Record<string, unknown>; params?: Record<string, unknown> };
  _session?: { type?: unknown; id?: unknown };
}

export interface ParsedRequest {
  readonly source: Source;
  readonly command: unknown;
  readonly name: unknown;
  readonly token?: unknown;
  /** Set when the request cannot even be read (a WebSocket message that is not JSON). */
  readonly invalid?: CommandResult;
}

export function sourceOf(msg: ApiMessage): Source {
  if (msg._session && msg._session.type === "websocket") return "websocket";
  if (msg.req && typeof msg.req === "object") return "http";
  return "runtime";
}

/**
 * The command and its target. WebSocket: JSON text `{command, name, token?}`. Otherwise
 * `msg.payload.command` when the payload is an object with a `command` (of any type: the engine
 * refuses a non-string with 400 rather than guessing), else `msg.topic`, else "status"; the target is
 * `msg.payload.name` / `group` / `plc`, or the `http in` route's `:name`.
 */
export function parseRequest(msg: ApiMessage): ParsedRequest {
  const source = sourceOf(msg);
  if (source === "websocket") {
    let body: unknown = msg.payload;
    if (typeof body === "string" || Buffer.isBuffer(body)) {
      try {
        body = JSON.parse(String(body));
      } catch {
        return {
          source,
          command: undefined,
          name: undefined,
          invalid: fail(400, "BAD_REQUEST", `not JSON: ${echo(String(msg.payload))}`),
        };
      }
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return {
        source,
        command: undefined,
        name: undefined,
        invalid: fail(400, "BAD_REQUEST", `a command is a JSON object {"command": …}, got ${echo(body)}`),
      };
    }
    const b = body as Record<string, unknown>;
    return { source, command: b.command, name: b.name ?? b.group ?? b.plc, token: b.token };
  }
  const p = msg.payload;
  const fromPayload = p && typeof p === "object" && !Array.isArray(p) && !Buffer.isBuffer(p);
  const obj = fromPayload ? (p as Record<string, unknown>) : undefined;
  let command: unknown = "status";
  if (obj && "command" in obj) command = obj.command;
  else if (typeof msg.topic === "string" && msg.topic.trim() !== "") command = msg.topic;
  if (typeof command === "string") command = command.trim().toLowerCase();
  const name = obj ? (obj.name ?? obj.group ?? obj.plc) : undefined;
  return { source, command, name: name ?? msg.req?.params?.name };
}

function authFailure(f: AuthFailure): CommandResult {
  return fail(
    f.statusCode,
    f.code,
    f.error,
    {},
    f.statusCode === 401 ? { "WWW-Authenticate": "Bearer" } : undefined,
  );
}

export class EngineApi {
  /** WebSocket sessions that sent a valid token (shared by every engine-status node on one listener). */
  readonly sessions: AuthenticatedSessions;

  constructor(
    private readonly engine: Engine,
    /** Undefined: no authentication (every caller may run every command). */
    private readonly auth: ApiAuth | undefined,
    sessions?: AuthenticatedSessions,
  ) {
    this.sessions = sessions ?? new AuthenticatedSessions();
  }

  get requiresToken(): boolean {
    return this.auth !== undefined;
  }

  /** May this WebSocket session receive the status broadcast? */
  sessionAllowed(id: string): boolean {
    return !this.auth || this.sessions.has(id);
  }

  async handle(msg: ApiMessage, request = parseRequest(msg)): Promise<CommandResult> {
    if (request.invalid) return request.invalid;
    const sessionId = request.source === "websocket" ? sessionIdOf(msg) : undefined;
    if (request.command === "auth" && sessionId !== undefined) {
      if (!this.auth) return { statusCode: 200, payload: { success: true, message: "no token needed" } };
      // Without an id there is no session to trust: "" would stand for every id-less message.
      if (sessionId === "") {
        return authFailure({
          statusCode: 401,
          code: "UNAUTHORIZED",
          error: "this WebSocket message carries no session id to authenticate",
        });
      }
      const failure = this.auth.check(request.token);
      if (failure) {
        this.sessions.delete(sessionId);
        return authFailure(failure);
      }
      this.sessions.add(sessionId);
      return { statusCode: 200, payload: { success: true, message: "authenticated" } };
    }
    // The API's description holds no data: tools fetch it without a token.
    if (this.auth && request.command !== "openapi") {
      const failure =
        request.source === "http"
          ? this.auth.checkHeaders(msg.req?.headers)
          : request.source === "websocket"
            ? this.sessionFailure(sessionId!)
            : undefined;
      if (failure) return authFailure(failure);
    }
    return this.engine.execute(request.command, request.name);
  }

  private sessionFailure(id: string): AuthFailure | undefined {
    const problem = this.auth!.configurationProblem();
    if (problem) return problem;
    if (this.sessions.has(id)) return undefined;
    return {
      statusCode: 401,
      code: "UNAUTHORIZED",
      error: 'authentication required: send {"command":"auth","token":"<token>"} first',
    };
  }
}

/** The WebSocket session a message came from ("" when it carries none). Ids are strings in Node-RED's nodes. */
function sessionIdOf(msg: ApiMessage): string {
  const id = msg._session?.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : "";
}

/** The WebSocket protocol's envelope: `{type:"status", payload}` or `{type:"reply", command, name, statusCode, payload}`. */
export function websocketEnvelope(request: ParsedRequest, result: CommandResult): object {
  if (request.command === "status" && result.statusCode === 200)
    return { type: "status", payload: result.payload };
  return {
    type: "reply",
    command: request.command == null ? null : echo(request.command),
    name: request.name == null ? null : echo(request.name),
    statusCode: result.statusCode,
    payload: result.payload,
  };
}
