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
import { type Engine } from "../lib/engine/registry";
import { type JsscadaSettings, safeSetting } from "./runtime";

export const DEFAULT_API_ROOT = "/api/polling";
/** How long after the flows started a request caught by a deploy may still be answered by the flow. */
export const DEPLOY_GRACE_MS = 250;

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
        method: String(n.method ?? "get").toLowerCase(),
        pattern: routePattern(url.slice(root.length) || "/"),
      });
    });
    return out;
  };

  /** Requests passed on to the flow and not yet answered; those a deploy caught are answered 503. */
  const pending = new Set<Res>();
  let caught = new Set<Res>();
  let graceTimer: NodeJS.Timeout | undefined;
  RED.events.on("flows:stopping", () => {
    clearTimeout(graceTimer);
    for (const res of pending) caught.add(res);
  });
  RED.events.on("flows:started", () => {
    const these = caught;
    caught = new Set();
    if (these.size === 0) return;
    graceTimer = setTimeout(() => {
      for (const res of these) {
        if (!res.headersSent) {
          send(res, 503, "NOT_READY", "a deploy interrupted this request; retry", { "Retry-After": "1" });
        }
      }
    }, DEPLOY_GRACE_MS);
    graceTimer.unref?.();
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
