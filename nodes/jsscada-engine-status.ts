/**
 * `jsscada-engine-status`: the engine's status on an interval, and every engine command by message.
 * The reply keeps the incoming message and sets `msg.payload`, `msg.statusCode` and (HTTP)
 * `msg.headers`, so `http in` → engine-status → `http response` is a complete REST endpoint, and
 * `websocket in` → engine-status → `websocket out` a complete WebSocket API (nodes/shared/engine-api.ts says
 * who may run what).
 */
import type { Node, NodeAPI, NodeMessageInFlow } from "node-red";
import { ApiAuth, DEFAULT_TOKEN_ENV } from "../lib/engine/api-auth";
import { type CommandResult, fail } from "../lib/engine/registry";
import { asyncInput } from "./shared/async-input";
import { registerAdminRoutes } from "./shared/admin";
import { installApiGuard } from "./shared/api-guard";
import { EngineApi, parseRequest, websocketEnvelope } from "./shared/engine-api";
import { textsOf } from "./shared/i18n";
import { engineFor, num, safeSetting, type JsscadaSettings } from "./shared/runtime";
import { STATUS, ThrottledStatus } from "./shared/status";
import type { EngineStatusNodeDef } from "./shared/types";
import { type ListenerNode, PING_MS, linkTo } from "./shared/websocket-link";

type HttpMessage = NodeMessageInFlow & {
  statusCode?: number;
  headers?: Record<string, string>;
  res?: {
    _res?: { headersSent?: boolean; status(c: number): { set(h: object): { json(b: unknown): void } } };
  };
};

const TYPE = "jsscada-engine-status";

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  installApiGuard(RED, engineFor(RED));
  const t = textsOf(RED, TYPE);
  /** An environment variable as Node-RED resolves it (flow/group env first, then the process). */
  function envValue(node: Node, name: string): string | undefined {
    const util = RED.util as unknown as { getSetting?: (n: Node, name: string) => unknown };
    const v = util.getSetting ? util.getSetting(node, name) : process.env[name];
    return typeof v === "string" ? v : undefined;
  }

  function JsscadaEngineStatusNode(this: Node, config: EngineStatusNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const engine = engineFor(RED);
    const status = new ThrottledStatus(node, 1000);
    const seconds = num(config.interval, 1);
    const tokenEnv = (config.tokenEnv || DEFAULT_TOKEN_ENV).trim();
    const auth = config.auth === "token" ? new ApiAuth(() => envValue(node, tokenEnv), tokenEnv) : undefined;

    let listener: ListenerNode | undefined;
    if (config.websocket) {
      const l = RED.nodes.getNode(config.websocket) as unknown as ListenerNode | null;
      if (!l || l.type !== "websocket-listener") {
        node.error(t("errors.listener", { id: config.websocket }));
      } else listener = l;
    }
    const pingMs = num(safeSetting<JsscadaSettings>(RED, "jsscada")?.websocketPingMs, PING_MS);
    const ws = listener ? linkTo(listener, pingMs > 0 ? pingMs : PING_MS) : undefined;
    const api = new EngineApi(engine, auth, ws?.link.sessions);

    const show = (): void => {
      const s = engine.status().engine;
      const text = t("status.groups", { running: s.runningGroups, total: s.totalGroups, max: s.maxGroups });
      if (auth && auth.configurationProblem())
        status.set(STATUS.degraded(t("status.locked", { text, env: tokenEnv })));
      else status.set(STATUS.idle(text));
    };

    /** The status: to every allowed WebSocket session when a listener is set, else one message. */
    const broadcast = (): void => {
      const payload = engine.status();
      if (!ws) {
        node.send({ topic: "status", payload, statusCode: 200 });
        return;
      }
      let text: string | undefined;
      for (const id of ws.link.connected) {
        if (!api.sessionAllowed(id)) continue;
        text ??= JSON.stringify({ type: "status", payload });
        node.send({ topic: "status", payload: text, _session: { type: "websocket", id } });
      }
    };

    let timer: NodeJS.Timeout | undefined;
    if (!Number.isFinite(seconds) || seconds < 0) {
      node.error(t("errors.interval", { got: String(config.interval) }));
    } else if (seconds > 0) {
      timer = setInterval(
        () => {
          broadcast();
          show();
        },
        Math.max(50, seconds * 1000),
      );
    }
    show();

    /** HTTP requests this node is working on: answered 503 if it closes first (a deploy). */
    const inflight = new Set<HttpMessage>();

    const onInput = asyncInput(async (msg: NodeMessageInFlow, send, done) => {
      const m = msg as HttpMessage;
      const request = parseRequest(msg);
      if (request.source === "http") inflight.add(m);
      let result: CommandResult;
      try {
        result = await api.handle(msg, request);
      } catch (err) {
        result = fail(500, "INTERNAL", `internal error: ${(err as Error).message}`);
      }
      inflight.delete(m);
      // Answered already (this node closed meanwhile, or the deploy guard timed it out).
      if (request.source === "http" && m.res?._res?.headersSent) return done();
      m.statusCode = result.statusCode;
      if (request.source === "websocket") {
        msg.payload = JSON.stringify(websocketEnvelope(request, result));
      } else {
        msg.payload = result.payload;
        if (request.source === "http") m.headers = { ...(result.headers ?? {}) };
      }
      send(msg);
      show();
      done();
    });
    node.on("input", onInput);

    node.on("close", (done: () => void) => {
      clearInterval(timer);
      status.close();
      ws?.release();
      // The flow after this node is closing too: answer directly rather than lose the request.
      for (const m of inflight) {
        const res = m.res?._res;
        if (!res || res.headersSent) continue;
        try {
          res
            .status(503)
            .set({ "Retry-After": "1" })
            .json({ success: false, code: "NOT_READY", error: "flows are being deployed; retry" });
        } catch {
          // the client is gone
        }
      }
      inflight.clear();
      done();
    });
  }
  RED.nodes.registerType(TYPE, JsscadaEngineStatusNode);
};
