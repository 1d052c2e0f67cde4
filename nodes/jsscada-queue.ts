/**
 * `jsscada-queue`: a bounded, monitored store-and-forward queue between producers and a slow consumer.
 * Thin adapter over lib/queue: it builds the Queue (memory or SQLite in the user directory) from the
 * dialog, turns input messages into puts, acknowledgements and control commands, turns deliveries into
 * messages on output 1 and events into messages on output 2, and registers the queue with the engine.
 */
import path from "node:path";
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from "node-red";
import { LogRateLimiter, withRepeatCount } from "../lib/core/rate-limit";
import {
  Queue,
  QueueStoreError,
  SqliteStore,
  bufferReviver,
  type Delivery,
  type QueueOptions,
  type QueueStore,
} from "../lib/queue";
import { registerAdminRoutes } from "./shared/admin";
import { commandOf } from "./shared/commands";
import { type Translate, textsOf } from "./shared/i18n";
import { statusText } from "./shared/queue-status";
import { engineFor, num } from "./shared/runtime";
import { STATUS, ThrottledStatus, short, refuseNode } from "./shared/status";
import type { QueueNodeDef } from "./shared/types-queue";

/** A message as the queue holds it: the producer's message object (memory) or its JSON form (disk). */
type Held = Record<string, unknown>;

/** What a delivered message carries in `msg.queue`, and what an acknowledgement brings back. */
interface Marker {
  id?: unknown;
  queue?: unknown;
}

const TYPE = "jsscada-queue";
const COMMANDS = new Set(["ack", "nack", "pause", "resume", "clear", "flush", "status", "pull"]);
const STATUS_DELAY_MS = 250;

/** Disk file name for a queue name: anything outside [A-Za-z0-9._-] becomes "_". */
function storeFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.sqlite`;
}

/** The Queue options of a dialog, with times converted to ms; the Queue validates the numbers. */
function queueOptionsFrom(config: QueueNodeDef): Omit<QueueOptions<Held>, "deliver" | "store"> {
  const batchSize = num(config.batchSize, 0);
  const batchTime = num(config.batchTime, Number.NaN);
  return {
    capacity: num(config.capacity, 10_000),
    maxBytes: config.maxBytes === "" || config.maxBytes === undefined ? undefined : num(config.maxBytes, 0),
    overflow: config.overflow || "reject",
    mode: config.mode || "ack",
    requireAck: Boolean(config.requireAck),
    maxInFlight: num(config.maxInFlight, 1),
    ackTimeoutMs: num(config.ackTimeout, 30) * 1000,
    ratePerSecond: num(config.rate, 10),
    batch:
      batchSize === 0
        ? undefined
        : { size: batchSize, timeMs: Number.isNaN(batchTime) ? undefined : batchTime },
    thresholds: {
      warn: num(config.warn, 70),
      alarm: num(config.alarm, 90),
      hysteresis: num(config.hysteresis, 5),
    },
  };
}

/** The catalog key ("status.store.*") naming each store error code on the status line. */
const STORE_TROUBLE: Record<string, string> = {
  QUEUE_STORE_CORRUPT: "corrupt",
  QUEUE_STORE_UNWRITABLE: "unwritable",
  QUEUE_STORE_LOCKED: "locked",
  QUEUE_STORE_UNAVAILABLE: "unavailable",
};

/** "store corrupt: file is not a database": a status line has no room for the file's path. */
function storeTrouble(t: Translate, err: unknown): string {
  if (!(err instanceof QueueStoreError)) return String((err as Error)?.message ?? err);
  // lib's own wording of the message, which names the file first.
  const prefix = `queue store ${err.file}: `;
  const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  const key = STORE_TROUBLE[err.code];
  return t("status.storeTrouble", { trouble: key ? t(`status.store.${key}`) : err.code, reason });
}

export = function (RED: NodeAPI): void {
  registerAdminRoutes(RED);
  const t = textsOf(RED, TYPE);

  function JsscadaQueueNode(this: Node, config: QueueNodeDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const name = (config.name || node.id).trim();
    const status = new ThrottledStatus(node);
    const persistent = config.persistence === "disk";
    const engine = engineFor(RED);
    const logLimiter = new LogRateLimiter({ periodMs: 30_000 });

    // The log names the file; the status line has room only for what went wrong.
    const refuse = (reason: string, shown = reason): void => refuseNode(node, reason, shown);
    const log = (level: "warn" | "error", key: string, text: string): void => {
      const decision = logLimiter.check(key);
      if (decision.log) node[level](withRepeatCount(t("log", { name, text }), decision.repeated));
    };

    // Checked before the store opens: two nodes must never share one queue file.
    if (engine.queue(name)) {
      return refuse(t("errors.nameTaken", { name }));
    }

    let store: QueueStore<Held> | undefined;
    if (persistent) {
      const userDir = (RED.settings as { userDir?: string }).userDir;
      if (!userDir) return refuse(t("errors.noUserDir", { name }));
      const file = path.join(userDir, "jsscada-queues", storeFileName(name));
      try {
        const sqlite = SqliteStore.open<Held>(file, {
          moveCorruptAside: Boolean(config.moveCorrupt),
          reviver: bufferReviver,
        });
        if (sqlite.movedAsideTo !== undefined) {
          node.warn(t("warn.movedAside", { name, file: sqlite.movedAsideTo }));
        }
        store = sqlite;
      } catch (err) {
        return refuse(t("errors.refused", { name, reason: (err as Error).message }), storeTrouble(t, err));
      }
    }

    let queue: Queue<Held>;
    try {
      queue = new Queue<Held>({ ...queueOptionsFrom(config), store, deliver });
    } catch (err) {
      store?.close();
      return refuse(t("errors.refused", { name, reason: (err as Error).message }));
    }

    let closed = false;
    let storeProblem: string | undefined;
    let staleAcks = 0;
    let statusDue: NodeJS.Timeout | undefined;

    function deliver(d: Delivery<Held>): void {
      const meta = {
        id: d.id,
        attempt: d.attempt,
        redelivery: d.redelivery,
        enqueuedAt: d.enqueuedAt,
        queue: name,
      };
      // A fresh top-level object per delivery: the producer's object is never changed under it, and a
      // redelivery does not carry what a consumer wrote into the first attempt's message.
      const msg = d.batch
        ? {
            topic: name,
            payload: d.payloads.map((m) => m.payload),
            queue: { ...meta, batch: { count: d.payloads.length } },
          }
        : { ...d.payload, queue: meta };
      node.send([msg, null]);
      changed();
    }

    const publicStatus = () => {
      const s = queue.status();
      return {
        name,
        ...s,
        lastError: s.lastError ? { code: s.lastError.code, message: s.lastError.message } : undefined,
        staleAcks,
      };
    };
    const managed = { name, status: publicStatus };
    engine.registerQueue(managed);

    const event = (payload: object, msg: Record<string, unknown> = {}): NodeMessage =>
      Object.assign(msg, { topic: "queue-event", payload: { ...payload, queue: name } });

    function showStatus(): void {
      statusDue = undefined;
      if (closed) return;
      const s = queue.status();
      const shown = statusText(t, s);
      if (storeProblem !== undefined) return status.set(STATUS.error(short(storeProblem)));
      if (s.paused) return status.set(STATUS.stopped(t("status.paused", { text: shown.text })));
      const text =
        s.inFlight > 0 ? t("status.inFlight", { text: shown.text, inFlight: s.inFlight }) : shown.text;
      status.set({ fill: shown.colour, shape: "dot", text });
    }
    function changed(): void {
      if (!closed) statusDue ??= setTimeout(showStatus, STATUS_DELAY_MS);
    }

    queue.on("level", (c) => {
      const s = queue.status();
      const usage = Math.round(c.usage * 10) / 10;
      node.send([
        null,
        event({
          type: "threshold",
          level: c.level,
          previous: c.previous,
          usage,
          size: s.size,
          capacity: s.capacity,
        }),
      ]);
      if (c.level === "alarm") node.warn(t("warn.alarm", { name, usage }));
      changed();
    });
    queue.on("drop", (e) => {
      // A rejected put already fails its producer's message, which is logged and reaches Catch.
      if (e.reason !== "reject")
        log("warn", `drop:${e.reason}`, t("warn.dropped", { dropped: e.count, reason: e.reason }));
      changed();
    });
    queue.on("storeError", (err) => {
      storeProblem = storeTrouble(t, err);
      log("error", `store:${err.code}`, err.message);
      changed();
    });
    queue.on("unreadable", (err) =>
      log("warn", "unreadable", t("warn.unreadable", { message: err.message })),
    );
    queue.on("deliverError", (err) => log("error", "deliver", t("errors.deliver", { error: String(err) })));

    let warnedHttp = false;
    function put(msg: NodeMessageInFlow, done: (err?: Error) => void): void {
      let held: Held = msg;
      if (persistent) {
        const { req, res, ...rest } = held;
        if ((req !== undefined || res !== undefined) && !warnedHttp) {
          warnedHttp = true;
          node.warn(t("warn.httpRemoved", { name }));
        }
        held = rest;
      }
      queue.put(held).then(
        () => {
          storeProblem = undefined;
          changed();
          done();
        },
        (err: Error) => {
          changed();
          done(err);
        },
      );
    }

    /** A message returning with this queue's delivery marker, or an explicit ack/nack command. */
    function acknowledge(kind: "ack" | "nack", marker: Marker, done: (err?: Error) => void): void {
      if (marker.queue !== undefined && marker.queue !== name) {
        const queue = typeof marker.queue === "string" ? marker.queue : JSON.stringify(marker.queue);
        return done(new Error(t("errors.wrongQueue", { name, kind, queue })));
      }
      const id = Number(marker.id);
      if (!Number.isInteger(id)) {
        return done(new Error(t("errors.ackId", { name, kind })));
      }
      const known = kind === "ack" ? queue.ack(id) : queue.nack(id);
      // Late acks (after a clear, or of a delivery already acked) are expected and harmless.
      if (!known) staleAcks++;
      changed();
      done();
    }

    node.on("input", (msg: NodeMessageInFlow, send, done) => {
      const marker = (msg as { queue?: Marker }).queue;
      const cmd = commandOf(msg)?.command;
      if (marker !== null && typeof marker === "object" && marker.queue === name && marker.id !== undefined) {
        const failed = cmd === "nack" || (msg as { error?: unknown }).error !== undefined;
        return acknowledge(failed ? "nack" : "ack", marker, done);
      }
      if (cmd === undefined || !COMMANDS.has(cmd)) return put(msg, done);
      const reply = (payload: object): void => {
        send([null, event(payload, msg)]);
        changed();
        done();
      };
      switch (cmd) {
        case "ack":
        case "nack":
          return acknowledge(cmd, marker ?? {}, done);
        case "pause":
          queue.pause();
          return reply({ type: "paused" });
        case "resume":
          queue.resume();
          return reply({ type: "resumed" });
        case "clear":
        case "flush":
          return reply({ type: "cleared", count: queue.clear() });
        case "status":
          return reply({ type: "status", status: publicStatus() });
        case "pull": {
          if (queue.mode !== "pull") return done(new Error(t("errors.pullMode", { name })));
          const p = msg.payload as { count?: unknown } | number | undefined;
          const requested = num(typeof p === "object" && p !== null ? p.count : p, 1);
          if (!(Number.isInteger(requested) && requested > 0)) {
            return done(new Error(t("errors.pullCount", { name })));
          }
          return reply({ type: "pulled", requested, released: queue.pull(requested) });
        }
      }
    });

    node.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      clearTimeout(statusDue);
      status.close();
      engine.unregisterQueue(managed);
      // Disk: everything, in flight included, stays in the file and is delivered after the restart.
      const dropped = queue.close();
      if (dropped.length > 0) {
        node.warn(t("warn.droppedOnClose", { name, dropped: dropped.length }));
      }
      queue.removeAllListeners();
      done();
    });

    showStatus();
  }

  RED.nodes.registerType(TYPE, JsscadaQueueNode);
};
