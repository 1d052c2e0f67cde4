/**
 * What the engine-status node needs from a core `websocket-listener` config node: which sessions are
 * connected (its "opened"/"closed" events, as core `websocket in` uses them), a shared set of
 * authenticated sessions that survives a redeploy of the engine-status node alone, and a server ping
 * so dead clients (a laptop closed, a cable pulled) are dropped instead of kept for hours.
 *
 * The ping reaches into the listener's ws server (`listener.server.clients`, the ws library's public
 * API); Node-RED does not ping from the server side itself. Without that server nothing is pinged.
 */
import { EventEmitter } from "node:events";
import { AuthenticatedSessions } from "../../lib/engine/api-auth";

/** Default ping period; the original system's contract is at least once a minute. */
export const PING_MS = 30_000;

interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: "pong", cb: () => void): void;
}

export interface ListenerNode extends EventEmitter {
  readonly type?: string;
  readonly isServer?: boolean;
  readonly server?: { clients?: Set<PingableSocket> };
  readonly _clients?: Record<string, unknown>;
}

class ListenerLink {
  readonly connected = new Set<string>();
  readonly sessions = new AuthenticatedSessions();
  private users = 0;
  private timer?: NodeJS.Timeout;
  private readonly alive = new WeakMap<PingableSocket, boolean>();
  private readonly onOpened = (e: { id?: string }): void => {
    if (e?.id) this.connected.add(e.id);
  };
  private readonly onClosed = (e: { id?: string }): void => {
    if (!e?.id) return;
    this.connected.delete(e.id);
    this.sessions.delete(e.id);
  };

  constructor(
    private readonly listener: ListenerNode,
    private readonly pingMs: number,
  ) {}

  attach(): void {
    if (this.users++ > 0) return;
    // Sessions opened or closed while no engine-status node listened (it was redeployed alone).
    const open = this.listener._clients;
    if (open && typeof open === "object") {
      this.connected.clear();
      for (const id of Object.keys(open)) this.connected.add(id);
      for (const id of [...this.sessions]) if (!this.connected.has(id)) this.sessions.delete(id);
    }
    this.listener.on("opened", this.onOpened);
    this.listener.on("closed", this.onClosed);
    this.timer = setInterval(() => this.ping(), this.pingMs);
    this.timer.unref?.();
  }

  /** The last user leaving stops listening and pinging; the authenticated sessions are kept. */
  detach(): void {
    if (--this.users > 0) return;
    this.listener.removeListener("opened", this.onOpened);
    this.listener.removeListener("closed", this.onClosed);
    clearInterval(this.timer);
  }

  /** Terminates every socket that did not answer the previous ping, and pings the others. */
  ping(): void {
    const clients = this.listener.server?.clients;
    if (!clients || typeof clients.forEach !== "function") return;
    clients.forEach((socket) => {
      if (!this.alive.has(socket)) {
        socket.on("pong", () => this.alive.set(socket, true));
      } else if (this.alive.get(socket) === false) {
        socket.terminate();
        return;
      }
      this.alive.set(socket, false);
      try {
        socket.ping();
      } catch {
        socket.terminate();
      }
    });
  }
}

/** By listener node object: a redeployed listener is a new object, and its sessions are new too. */
const links = new WeakMap<object, ListenerLink>();

/** The link to `listener`, shared by every engine-status node using it; call release() on close. */
export function linkTo(listener: ListenerNode, pingMs = PING_MS): { link: ListenerLink; release(): void } {
  let link = links.get(listener);
  if (!link) {
    link = new ListenerLink(listener, pingMs);
    links.set(listener, link);
  }
  link.attach();
  const l = link;
  let released = false;
  return {
    link: l,
    release: () => {
      if (!released) l.detach();
      released = true;
    },
  };
}

export type { ListenerLink };
