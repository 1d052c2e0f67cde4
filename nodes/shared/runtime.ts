/**
 * Per-runtime shared state for the node adapters: the one Engine of this Node-RED runtime, and small
 * helpers every node uses. Node-RED gives each node module its own RED object, so the engine is keyed
 * by `RED.events`, which all modules of one runtime share.
 */
import type { Node, NodeAPI } from "node-red";
import { ReadCoalescer } from "../../lib/engine/read-coalescer";
import { Engine, type GroupMode } from "../../lib/engine/registry";
import { SharedReads } from "../../lib/engine/shared-reads";
import { type PlcPool } from "../../lib/pool/pool";
import { refuseNode } from "./status";

const engines = new WeakMap<object, Engine>();

export interface JsscadaSettings {
  maxGroups?: number;
  /** How often engine-status nodes ping their WebSocket clients (default 30 000 ms). */
  websocketPingMs?: number;
  /** Where the REST API lives under httpNodeRoot (default "/api/polling"): see nodes/shared/api-guard.ts. */
  apiRoot?: string;
}

export function engineFor(RED: NodeAPI): Engine {
  let engine = engines.get(RED.events);
  if (!engine) {
    const created = new Engine();
    // Commands answer 503 while a deploy stops and restarts flows (groups come and go meanwhile).
    // Once per runtime, not per deploy: the engine lives as long as the runtime's event bus.
    RED.events.on("flows:stopping", () => created.setReady(false));
    RED.events.on("flows:started", () => created.setReady(true));
    engine = created;
    engines.set(RED.events, engine);
  }
  // settings.js may change between runs of the same runtime (and between tests).
  engine.setMaxGroups(safeSetting<JsscadaSettings>(RED, "jsscada")?.maxGroups);
  return engine;
}

export function safeSetting<T>(RED: NodeAPI, name: string): T | undefined {
  try {
    return (RED.settings as unknown as Record<string, T | undefined>)[name];
  } catch {
    // RED.settings throws for unknown keys in some versions
    return undefined;
  }
}

/** A number from an editor field, or the default when blank; NaN for garbage so validation can say so. */
export function num(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  return n;
}

/** `${NAME}` anywhere in a string, from the environment (Node-RED substitutes only whole values). */
export function substituteEnv(value: string): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (whole, name: string) => process.env[name] ?? whole,
  );
}

const watchReaders = new WeakMap<PlcPool, ReadCoalescer>();

/** One REQ-watch reader per PLC, so every handshake group on it shares its watch requests. */
export function watchReaderFor(pool: PlcPool): ReadCoalescer {
  let reader = watchReaders.get(pool);
  if (!reader) {
    reader = new ReadCoalescer(pool, pool.format);
    watchReaders.set(pool, reader);
  }
  return reader;
}

/**
 * A polling group node that cannot work with its configuration: refused like any node (red status,
 * logged, inputs fail), and listed in the engine's status as "refused" with the reason until it closes,
 * so the REST API, WebSocket and pages show that a configured group is not running, and why.
 */
export function refuseGroup(
  RED: NodeAPI,
  node: Node,
  group: { name: string; mode: GroupMode; plc?: string },
  reason: string,
): void {
  refuseNode(node, reason);
  const engine = engineFor(RED);
  engine.registerRefusedGroup(node.id, { ...group, reason });
  node.on("close", (done: () => void) => {
    engine.unregisterRefusedGroup(node.id);
    done();
  });
}

const sharedReads = new WeakMap<PlcPool, SharedReads>();

/** One merger of FIXED group reads per PLC, so the groups due together share their requests. */
export function sharedReadsFor(pool: PlcPool): SharedReads {
  let reads = sharedReads.get(pool);
  if (!reads) {
    reads = new SharedReads(pool, pool.format, { sink: pool.load });
    sharedReads.set(pool, reads);
  }
  return reads;
}
