/**
 * Counts timers and sockets created since `track()` that are still alive, using async_hooks (the
 * runtime's own handle counters also include timers that fired long ago but are not yet collected).
 */
import { createHook } from "node:async_hooks";

const WATCHED = new Set(["Timeout", "TCPWRAP", "UDPWRAP", "Immediate"]);

export interface HandleTracker {
  /** Live resources by type, created since track(). */
  live(): Record<string, number>;
  /** Creation stacks of what is still alive (for a failing assertion's message). */
  stacks(): string[];
  stop(): void;
}

export function track(): HandleTracker {
  const alive = new Map<number, { type: string; stack: string }>();
  const hook = createHook({
    init(id, type) {
      if (WATCHED.has(type))
        alive.set(id, { type, stack: new Error().stack?.split("\n").slice(2, 12).join("\n") ?? "" });
    },
    destroy(id) {
      alive.delete(id);
    },
  }).enable();
  return {
    live() {
      const out: Record<string, number> = {};
      for (const { type } of alive.values()) out[type] = (out[type] ?? 0) + 1;
      return out;
    },
    stacks: () => [...alive.values()].map((a) => `${a.type}\n${a.stack}`),
    stop: () => hook.disable(),
  };
}
