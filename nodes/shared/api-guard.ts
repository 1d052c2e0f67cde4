/**
 * The REST API's edges, which `http in` routes alone cannot cover:
 *
 * - A wrong path under the API root answers 404 and a wrong method 405 (with `Allow`), in the JSON
 *   error contract, instead of Express's HTML page.
 * - While flows are being deployed (or are stopped), every API request answers 503 with
 *   `Retry-After`: the routes come and go meanwhile.
 * - No request waits forever: Node-RED drops the messages in flight between nodes that a deploy
 *   stops, and with them the HTTP response objects. A request that was inside the flow when a deploy
 *   began and is still unanswered shortly after the flows started again is answered 503.
 *
 * It acts only on paths under `jsscada.apiRoot` (default /api/polling), and only while a deployed
 * `http in` node serves a route there; the routes it knows are the deployed ones, read from the flow
 * configuration, so it needs no list of its own.
 */
import type { NodeAPI } from "node-red";
import { type Engine } from "../../lib/engine/registry";
import { type JsscadaSettings, safeSetting } from "./runtime";

export const DEFAULT_API_ROOT = "/api/polling";
/**
 * How long a request caught by a deploy may still be answered by the flow: from the moment the flows
 * started again, or from the moment the deploy began, whichever ends first (a deploy can take longer
 * than a client waits). A request to a node the deploy left running that takes longer than this (a
 * trigger on a PLC that does not answer) is answered 503 too: the guard cannot tell it from a lost one.
 */
export const DEPLOY_GRACE_MS = 250;
export const DEPLOY_MAX_WAIT_MS = 1000;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
}

interface Req {
  method: string;
  path: string;
  originalUrl?: string;
}
interface Res {
  headersSent: boolean;
  writableEnded?: boolean;
  status(code: number): Res;
  set(headers: Record<string, string>): Res;
  json(body: unknown): void;
  on(event: "finish" | "close", cb: () => void): void;
}
type Next = () => void;

const installed = new WeakSet<object>();

/** An Express-style route ("/groups/:name/start") as a regular expression on the whole path. */
export function routePattern(url: string): RegExp {
  const escaped = url
    .replace(/\/+$/, "")
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${escaped}/?$`, "i");
}

function send(
  res: Res,
  statusCode: number,
  code: string,
  error: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.status(statusCode).set(headers).json({ success: false, error, code });
}

export function installApiGuard(RED: NodeAPI, engine: Engine): void {
  const app = RED.httpNode as unknown as {
    use(path: string, handler: (req: Req, res: Res, next: Next) => void): void;
  };
  if (!app || typeof app.use !== "function" || installed.has(app)) return;
  installed.add(app);
  const root = (safeSetting<JsscadaSettings>(RED, "jsscada")?.apiRoot ?? DEFAULT_API_ROOT).replace(
    /\/+$/,
    "",
  );

  /** The deployed `http in` routes under the root, relative to it. */
  const routes = (): Route[] => {
    const out: Route[] = [];
    RED.nodes.eachNode((n: { type?: string; url?: unknown; method?: unknown; d?: boolean }) => {
      if (n.type !== "http in" || n.d || typeof n.url !== "string") return;
      const url = n.url.startsWith("/") ? n.url : `/${n.url}`;
      if (url.toLowerCase() !== root.toLowerCase() && !url.toLowerCase().startsWith(`${root.toLowerCase()}/`))
        return;
      out.push({
        method: (typeof n.method === "string" ? n.method : "get").toLowerCase(),
        pattern: routePattern(url.slice(root.length) || "/"),
      });
    });
    return out;
  };

  /** Requests passed on to the flow and not yet answered; those a deploy caught are answered 503. */
  const pending = new Set<Res>();
  const answerLater = (caught: Set<Res>, ms: number): void => {
    // No timer when nothing waits: a deploy without API traffic leaves nothing behind.
    if (caught.size === 0) return;
    const timer = setTimeout(() => {
      for (const res of caught) {
        if (!res.headersSent) {
          send(res, 503, "NOT_READY", "a deploy interrupted this request; retry", { "Retry-After": "1" });
        }
      }
      caught.clear();
    }, ms);
    timer.unref?.();
  };
  let caught = new Set<Res>();
  RED.events.on("flows:stopping", () => {
    for (const res of pending) caught.add(res);
    answerLater(caught, DEPLOY_MAX_WAIT_MS);
  });
  RED.events.on("flows:started", () => {
    answerLater(caught, DEPLOY_GRACE_MS);
    caught = new Set();
  });

  app.use(root, (req, res, next) => {
    const known = routes();
    if (known.length === 0) return next();
    if (!engine.isReady) {
      return send(res, 503, "NOT_READY", "flows are being deployed (or are stopped); retry", {
        "Retry-After": "1",
      });
    }
    const path = req.path || "/";
    const method = req.method.toLowerCase();
    const matching = known.filter((r) => r.pattern.test(path));
    if (matching.length === 0) {
      return send(res, 404, "NOT_FOUND", `no such endpoint: ${req.method} ${root}${path.slice(0, 100)}`);
    }
    const allowed = matching.some(
      (r) => r.method === method || r.method === "all" || (method === "head" && r.method === "get"),
    );
    if (!allowed) {
      const allow = [...new Set(matching.map((r) => r.method.toUpperCase()))].join(", ");
      return send(res, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allow}`, {
        Allow: allow,
      });
    }
    pending.add(res);
    const forget = (): void => {
      pending.delete(res);
    };
    res.on("finish", forget);
    res.on("close", forget);
    next();
  });
}
